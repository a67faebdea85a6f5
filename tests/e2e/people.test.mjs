// people.test.mjs: people shown by name, not by key (issue 13). Three browsers and a relay in the
// test's network namespace: A names itself, picks a photo with GPS tags as avatar (published as
// a 256×256 WebP without them) and shares an invite; B, with no relay set up, follows A by
// pasting the invite and takes its relays; B sees A's name and avatar on A's posts, the
// avatar's bytes hashing to what A's profile names; A posts two pictures with descriptions and
// B sees both, their bytes hashing to what the post names and the photo's GPS tags gone; C takes
// A's name and B sees the two apart; B's nickname for A replaces A's name; search finds people;
// A's follow of B shows in B's followers; search finds people and posts; all of it survives
// B's restart, as does B's Peers table naming who runs A's and C's browsers. Bad input (a mistyped
// invite, a name over the limit) is refused in words and changes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { TEST_TIMEOUT, expectAlert, feedHas, follow, listItems, post, readPublicKey, until } from './helpers.mjs';
import { launchBrowser, portClient, setBootstrap, startRelay } from './p2p-harness.mjs';

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

/**
 * A 640×480 JPEG drawn in `page`, with an EXIF segment holding GPS tags (latitude 48° 51′ 24″ N)
 * spliced in after its start marker, as a phone's photo carries: the bytes, and the GPS marker
 * bytes the avatar made from it must not contain.
 */
async function jpegWithGps(page) {
  const jpeg = Buffer.from(await page.evaluate(async () => {
    const canvas = new OffscreenCanvas(640, 480);
    const g = canvas.getContext('2d');
    g.fillStyle = '#2a7'; g.fillRect(0, 0, 640, 480);
    g.fillStyle = '#fd3'; g.beginPath(); g.arc(320, 240, 150, 0, 2 * Math.PI); g.fill();
    const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.9 });
    return Array.from(new Uint8Array(await blob.arrayBuffer()));
  }));
  // TIFF, big-endian: IFD0 with one entry (GPSInfo → the GPS IFD at 26), the GPS IFD with
  // GPSLatitudeRef "N" and GPSLatitude 48/1, 51/1, 2400/100 (its rationals at 56).
  const u16 = (n) => [n >> 8, n & 255];
  const u32 = (n) => [n >>> 24, (n >> 16) & 255, (n >> 8) & 255, n & 255];
  const tiff = [
    0x4d, 0x4d, 0, 42, ...u32(8),
    ...u16(1), ...u16(0x8825), ...u16(4), ...u32(1), ...u32(26), ...u32(0),
    ...u16(2),
    ...u16(1), ...u16(2), ...u32(2), 0x4e, 0, 0, 0,
    ...u16(2), ...u16(5), ...u32(3), ...u32(56),
    ...u32(0),
    ...u32(48), ...u32(1), ...u32(51), ...u32(1), ...u32(2400), ...u32(100),
  ];
  const exif = Buffer.from([...Buffer.from('Exif\0\0', 'latin1'), ...tiff]);
  const app1 = Buffer.concat([Buffer.from([0xff, 0xe1, ...u16(exif.length + 2)]), exif]);
  const gpsMarker = Buffer.from([...u32(48), ...u32(1), ...u32(51), ...u32(1)]);
  return { bytes: Buffer.concat([jpeg.subarray(0, 2), app1, jpeg.subarray(2)]), gpsMarker };
}

/** A 300×200 PNG drawn in `page`: a second, different picture. */
async function png(page) {
  return Buffer.from(await page.evaluate(async () => {
    const canvas = new OffscreenCanvas(300, 200);
    const g = canvas.getContext('2d');
    g.fillStyle = '#35c'; g.fillRect(0, 0, 300, 200);
    g.fillStyle = '#fff'; g.fillRect(100, 50, 100, 100);
    const blob = await canvas.convertToBlob({ type: 'image/png' });
    return Array.from(new Uint8Array(await blob.arrayBuffer()));
  }));
}

/** The bytes of a `data:…;base64,` URL. */
const dataUrlBytes = (url) => Buffer.from(url.slice(url.indexOf(',') + 1), 'base64');

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

    // A picks a phone-sized photo with GPS tags as avatar: it is cropped, scaled to 256×256 and
    // saved afresh, so the avatar published carries no EXIF and no location.
    const photo = await jpegWithGps(aOptions);
    assert.ok(photo.bytes.includes(Buffer.from('Exif\0\0', 'latin1')) && photo.bytes.includes(photo.gpsMarker),
      'the test photo carries EXIF GPS tags');
    const photoDir = await mkdtemp(path.join(os.tmpdir(), 'phemossa-photo-'));
    t.after(() => rm(photoDir, { recursive: true, force: true }));
    const photoPath = path.join(photoDir, 'holiday.jpg');
    await writeFile(photoPath, photo.bytes);
    await aOptions.getByLabel('Avatar', { exact: true }).setInputFiles(photoPath);
    await until('the avatar to be prepared', () => aOptions.getByRole('status').allInnerTexts(),
      (list) => list.some((x) => /New avatar ready/.test(x)));
    await aOptions.getByRole('button', { name: 'Save profile' }).click();
    await until('the profile to be saved with its avatar', () => aOptions.getByRole('status').allInnerTexts(),
      (list) => list.some((x) => /Profile saved/.test(x)));
    const ownAvatar = dataUrlBytes(await aOptions.getByRole('img', { name: 'Your avatar' }).getAttribute('src'));
    assert.equal(ownAvatar.subarray(0, 4).toString('latin1'), 'RIFF', 'saved as WebP');
    assert.equal(ownAvatar.subarray(8, 12).toString('latin1'), 'WEBP');
    for (const marker of ['Exif', 'EXIF', 'GPS']) {
      assert.ok(!ownAvatar.includes(Buffer.from(marker, 'latin1')), `no ${marker} in the avatar`);
    }
    assert.ok(!ownAvatar.includes(photo.gpsMarker), 'no GPS coordinates in the avatar');
    // The profile names the avatar by the SHA-256 of exactly these bytes.
    const aPort = await portClient(a);
    const aSelf = (await aPort.request({ method: 'get_people' })).find((p) => p.public_key === aKey);
    const avatarHash = createHash('sha256').update(ownAvatar).digest('hex');
    assert.equal(aSelf?.avatar, avatarHash, "A's profile names its avatar's SHA-256");
    await aPort.page.close();
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
    // A's avatar, fetched from A over the blob protocol, whose bytes hash to what A's profile says.
    const shown = await until("B's feed to show A's avatar", () => aItem.getByRole('img', { name: aName }).getAttribute('src'),
      (src) => src.startsWith('data:image/webp;base64,'), PROFILE_TIMEOUT);
    assert.equal(createHash('sha256').update(dataUrlBytes(shown)).digest('hex'), avatarHash,
      "the avatar B shows is the blob A's profile names");

    // A posts two pictures with descriptions (the phone photo with its GPS tags, and a PNG).
    const pngPath = path.join(path.dirname(photoPath), 'square.png');
    await writeFile(pngPath, await png(aPopup));
    await aPopup.getByLabel('Add image', { exact: true }).setInputFiles([photoPath, pngPath]);
    const descriptions = aPopup.getByRole('textbox', { name: 'Image description' });
    await until('both pictures to be ready to post', () => descriptions.count(), (n) => n === 2);
    await descriptions.nth(0).fill('Moss on a wet stone');
    await descriptions.nth(1).fill('A white square on blue');
    const pictured = `Two pictures from the garden (${tag})`;
    await aPopup.getByRole('textbox', { name: 'New post' }).fill(pictured);
    await aPopup.getByRole('button', { name: 'Post', exact: true }).click();
    await until("A's composer to empty after posting", () => descriptions.count(), (n) => n === 0);

    // B sees both, each with its description as alt text, the bytes hashing to what the event
    // names, the photo without its GPS tags; a click shows one large.
    await feedHas(bPopup, [pictured], PROFILE_TIMEOUT);
    const bPort = await portClient(b);
    const bFeed = await bPort.request({ method: 'get_feed', params: { before: null, limit: 10 } });
    const named = bFeed.items.find((item) => item.text === pictured)?.images ?? [];
    assert.deepEqual(named.map((image) => image.alt), ['Moss on a wet stone', 'A white square on blue']);
    await bPort.page.close();
    const picturedItem = bPopup.getByRole('list', { name: 'Feed' }).getByRole('listitem').filter({ hasText: pictured });
    for (const [n, image] of named.entries()) {
      const src = await until(`B's feed to show picture ${n + 1}`,
        () => picturedItem.getByRole('img', { name: image.alt }).getAttribute('src'),
        (value) => value?.startsWith('data:image/webp;base64,'), PROFILE_TIMEOUT);
      const bytes = dataUrlBytes(src);
      assert.equal(createHash('sha256').update(bytes).digest('hex'), image.blob, `picture ${n + 1} is the blob the post names`);
      assert.ok(!bytes.includes(photo.gpsMarker) && !bytes.includes(Buffer.from('Exif', 'latin1')), `no EXIF or GPS in picture ${n + 1}`);
    }
    await picturedItem.getByRole('button', { name: 'Show picture 1 large' }).click();
    const large = bPopup.getByRole('dialog', { name: 'Picture' });
    await large.getByRole('img', { name: 'Moss on a wet stone' }).waitFor();
    await large.getByRole('button', { name: 'Close' }).click();
    await large.waitFor({ state: 'detached' });
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

    // B's Peers table names who runs each browser, from their signed owner claims
    // (protocol.md §13): A's browser by nickname, picture and fingerprint, C's by C's name.
    const peerIdOf = async (session) => {
      const port = await portClient(session);
      const { local_peer_id: id } = await port.request({ method: 'get_network' });
      await port.page.close();
      return id;
    };
    const [aPeer, cPeer] = [await peerIdOf(a), await peerIdOf(c)];
    const bOptions = await b.options();
    const peerRow = (peer) => bOptions.getByRole('table', { name: 'Peers' }).getByRole('row').filter({ hasText: peer.slice(-8) });
    await until("B's Peers table to name A's browser", () => peerRow(aPeer).innerText(),
      (text) => text.includes('Auntie A') && text.includes(aKey.slice(0, 8)), PROFILE_TIMEOUT);
    await peerRow(aPeer).getByRole('img', { name: 'Auntie A' }).waitFor();
    await until("B's Peers table to name C's browser", () => peerRow(cPeer).innerText(),
      (text) => text.includes(aName) && text.includes(cKey.slice(0, 8)) && !text.includes('Auntie A'), PROFILE_TIMEOUT);

    // A name over the limit is refused on the options page, in words, and nothing changes.
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
    const aAgain = bAgain.getByRole('list', { name: 'Feed' }).getByRole('listitem').filter({ hasText: first });
    await until("B's feed to show A's avatar after a restart, from its own store",
      () => aAgain.getByRole('img', { name: 'Auntie A' }).getAttribute('src'),
      (src) => src.startsWith('data:image/webp;base64,')
        && createHash('sha256').update(dataUrlBytes(src)).digest('hex') === avatarHash);
    const picturedAgain = bAgain.getByRole('list', { name: 'Feed' }).getByRole('listitem').filter({ hasText: pictured });
    for (const image of named) {
      await until(`B's feed to show "${image.alt}" after a restart, from its own store`,
        () => picturedAgain.getByRole('img', { name: image.alt }).getAttribute('src'),
        (src) => src?.startsWith('data:image/webp;base64,')
          && createHash('sha256').update(dataUrlBytes(src)).digest('hex') === image.blob);
    }
    await until("B's Followers list after a restart", () => listItems(bAgain, 'Followers'),
      (l) => l.some((x) => x.includes('Auntie A')));
    // Who runs A's browser is remembered with its peer record.
    const bOptionsAgain = await b.options();
    await until("B's Peers table to name A's browser after a restart",
      () => bOptionsAgain.getByRole('table', { name: 'Peers' }).getByRole('row').filter({ hasText: aPeer.slice(-8) }).innerText(),
      (text) => text.includes('Auntie A') && text.includes(aKey.slice(0, 8)), PROFILE_TIMEOUT);
  });
