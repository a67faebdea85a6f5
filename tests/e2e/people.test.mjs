// people.test.mjs: people shown by name, not by key (issue 13). Three browsers and a relay in the
// test's network namespace: A names itself and shares an invite; B, with no relay set up, follows
// A by pasting the invite and takes its relays; B sees A's name and picture on A's posts; C takes
// A's name and B sees the two apart; B's nickname for A replaces A's name; search finds people;
// A's follow of B shows in B's followers; search finds people and posts; all of it survives
// B's restart. Bad input (a mistyped
// invite, a name over the limit) is refused in words and changes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TEST_TIMEOUT, expectAlert, feedHas, follow, listItems, post, readPublicKey, until } from './helpers.mjs';
import { launchBrowser, setBootstrap, startRelay } from './p2p-harness.mjs';

const PROFILE_TIMEOUT = 20_000;

/** Saves `name` as the display name on the options page of `session`; returns the invite shown. */
async function saveProfile(session, name, about = '') {
  const options = await session.options();
  await options.getByRole('textbox', { name: 'Display name' }).fill(name);
  await options.getByRole('textbox', { name: 'About' }).fill(about);
  await options.getByRole('button', { name: 'Save profile' }).click();
  await until('the profile to be saved', () => options.getByRole('status').allInnerTexts(),
    (list) => list.some((t) => /Profile saved/.test(t)));
  const invite = options.getByRole('textbox', { name: 'Invite link' });
  // The invite carries the saved name once the field is drawn again with it.
  const text = await until('the invite to be shown with the relay', () => invite.inputValue(),
    (v) => /^phemossa1[a-z0-9]+$/.test(v) && v.length > 100);
  return { options, invite: text };
}

/** The Feed items of `page` that contain `text`, as their text. */
const feedItemsWith = async (page, text) => (await listItems(page, 'Feed')).filter((t) => t.includes(text));

test('people are shown by name and picture, told apart, nicknamed, found and followed by invite',
  { timeout: 6 * TEST_TIMEOUT }, async (t) => {
    const relay = await startRelay(t);
    const a = await launchBrowser(t, 'A');
    const b = await launchBrowser(t, 'B');
    const c = await launchBrowser(t, 'C');
    await setBootstrap(a, relay.wsAddr);
    await setBootstrap(c, relay.wsAddr);
    const tag = String(Date.now()).slice(-5);
    const aName = `Alice ${tag}`;

    // A names itself; its invite holds its name and relay, and is drawn as a QR code.
    const aPopup = await a.popup();
    const aKey = await readPublicKey(aPopup);
    const { options: aOptions, invite } = await saveProfile(a, aName, 'Gardener. Writes about moss.');
    const qr = aOptions.getByRole('img', { name: 'Invite QR code' });
    await qr.waitFor();
    assert.ok((await qr.getAttribute('src')).startsWith('data:image/svg+xml,'), 'the QR code is an image');
    assert.ok(invite.length > 100, `the invite holds the relay too (${invite.length} characters)`);
    await aOptions.close();
    const first = `A's first post, about moss gardens (${tag})`;
    await post(aPopup, first);

    // B has no relay. A mistyped invite is refused in words and follows nobody.
    const bPopup = await b.popup();
    const bKey = await readPublicKey(bPopup);
    const box = bPopup.getByRole('textbox', { name: 'Public key to follow' });
    const typo = invite.slice(0, 20) + (invite[20] === 'q' ? 'p' : 'q') + invite.slice(21);
    await box.fill(typo);
    await bPopup.getByRole('button', { name: 'Follow', exact: true }).click();
    await expectAlert(bPopup, /invite cannot be read: .*checksum/);
    assert.deepEqual(await listItems(bPopup, 'Following'), [], 'a mistyped invite follows nobody');

    // The real invite: B follows A, and is offered A's relay since it has none.
    await box.fill(invite);
    await bPopup.getByRole('button', { name: 'Follow', exact: true }).click();
    await until('"Following" to list A', () => listItems(bPopup, 'Following'), (l) => l.some((x) => x.includes(aKey.slice(0, 8))));
    await bPopup.getByRole('button', { name: "Add the invite's relays" }).click();
    await until('B to say the relay was added', () => bPopup.getByRole('status').allInnerTexts(),
      (list) => list.some((x) => /Added 1 relay/.test(x)));

    // B's feed shows A's post under A's name, with a picture named for A and A's fingerprint.
    await feedHas(bPopup, [first], PROFILE_TIMEOUT);
    await until("B's feed to name A", () => feedItemsWith(bPopup, first),
      (items) => items.length === 1 && items[0].includes(aName) && items[0].includes(aKey.slice(0, 8)), PROFILE_TIMEOUT);
    const aItem = bPopup.getByRole('list', { name: 'Feed' }).getByRole('listitem').filter({ hasText: first });
    await aItem.getByRole('img', { name: aName }).waitFor();
    await until("B's Following list to name A", () => listItems(bPopup, 'Following'), (l) => l.some((x) => x.includes(aName)));

    // C takes A's name; B follows C by key and sees the two apart: different fingerprints, both
    // marked as sharing a name.
    const cPopup = await c.popup();
    const cKey = await readPublicKey(cPopup);
    const { options: cOptions } = await saveProfile(c, aName);
    await cOptions.close();
    const impostor = `C's post (${tag})`;
    await post(cPopup, impostor);
    await follow(bPopup, cKey);
    await feedHas(bPopup, [impostor], PROFILE_TIMEOUT);
    const apart = await until('B to mark the two Alices', async () => [
      ...(await feedItemsWith(bPopup, first)), ...(await feedItemsWith(bPopup, impostor))],
    (items) => items.length === 2 && items.every((x) => x.includes(aName) && x.includes('Same name as someone else')),
    PROFILE_TIMEOUT);
    assert.ok(apart[0].includes(aKey.slice(0, 8)) && apart[1].includes(cKey.slice(0, 8)), 'each shows its own fingerprint');
    assert.notEqual(aKey.slice(0, 8), cKey.slice(0, 8));

    // B gives A a nickname in A's own view; the feed shows it instead, and the two no longer clash.
    await aItem.getByRole('button', { name: new RegExp(aName) }).click();
    await bPopup.getByRole('textbox', { name: 'Nickname' }).fill('Auntie A');
    await bPopup.getByRole('button', { name: 'Save nickname' }).click();
    await until('the nickname to be saved', () => bPopup.getByRole('status').allInnerTexts(), (l) => l.some((x) => /Nickname saved/.test(x)));
    await bPopup.getByRole('button', { name: 'Back' }).click();
    await until("B's feed to show the nickname", () => feedItemsWith(bPopup, first),
      (items) => items.length === 1 && items[0].includes('Auntie A') && !items[0].includes('Same name'));

    // Search finds people by nickname and by name.
    const search = bPopup.getByRole('searchbox', { name: 'Search' });
    await search.fill('auntie');
    await until('search to find A by nickname', () => listItems(bPopup, 'Search results'),
      (l) => l.length === 1 && l[0].includes(aKey.slice(0, 8)));
    // A's chosen name is C's too: both are found, A shown by nickname.
    await search.fill(aName.toLowerCase());
    await until('search to find C and A by name', () => listItems(bPopup, 'Search results'),
      (l) => l.length === 2 && l.some((x) => x.includes(cKey.slice(0, 8)) && x.includes(aName))
        && l.some((x) => x.includes(aKey.slice(0, 8)) && x.includes('Auntie A')));
    // And posts by their words, among what B stores.
    await search.fill('Gardens MOSS');
    await until('search to find A\'s post by two of its words', () => listItems(bPopup, 'Search results'),
      (l) => l.length === 1 && l[0].includes(first) && l[0].includes('Auntie A'));
    await search.fill('');

    // A follows B back; B's followers list shows A, by nickname.
    await follow(aPopup, bKey);
    await until("B's Followers list to show A", () => listItems(bPopup, 'Followers'),
      (l) => l.some((x) => x.includes('Auntie A') && x.includes(aKey.slice(0, 8))), PROFILE_TIMEOUT);

    // A name over the limit is refused on the options page, in words, and nothing changes.
    const bOptions = await b.options();
    await bOptions.getByRole('textbox', { name: 'Display name' }).fill('x'.repeat(51));
    await bOptions.getByRole('button', { name: 'Save profile' }).click();
    await expectAlert(bOptions, /not saved: the display name has 51 characters/);
    await bOptions.close();

    // After a restart, names, nickname and followers are all still there.
    await b.relaunch();
    const bAgain = await b.popup();
    await until("B's feed to name A by nickname after a restart", () => feedItemsWith(bAgain, first),
      (items) => items.length === 1 && items[0].includes('Auntie A'));
    await until("B's feed to name C after a restart", () => feedItemsWith(bAgain, impostor),
      (items) => items.length === 1 && items[0].includes(aName));
    await until("B's Followers list after a restart", () => listItems(bAgain, 'Followers'),
      (l) => l.some((x) => x.includes('Auntie A')));
  });
