// keep-out.test.mjs: mute, block, muted words and the daily limit per author (issue 15), in real
// browsers through a relay in the network namespace. B follows A and C. B mutes C from a post in
// its feed: C leaves B's feed, and comes back with nothing missing when B unmutes C from the
// options page's "Muted and blocked" list. B blocks A from A's view: A's posts, earlier and later,
// never reach B's storage or views. A muted word hides a post behind "Show anyway". Then C, an
// honest peer holding 5,000 events of one author made within minutes, serves them to B, which
// follows that author: B stores no more than the daily limit per day, counts the rest as held
// back in words, and blames no peer. keep-out-pace.test.mjs holds another author's 5,000 events
// arriving within a minute to the limit while timing B's popup; it runs alone, this file need not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  TEST_TIMEOUT, feedHas, follow, listItems, post, readPublicKey, until,
} from './helpers.mjs';
import {
  exportedLines, generateEvents, launchBrowser, portClient, setBootstrap, startRelay,
} from './p2p-harness.mjs';
import { admittedOf } from './keep-out-harness.mjs';

/** The feed item on `page` that holds `text`. */
const feedItem = (page, text) => page.getByRole('list', { name: 'Feed' }).getByRole('listitem').filter({ hasText: text });

/** Every stored event, parsed, through the export request. */
const storedEvents = async (client) => (await exportedLines(client)).map((line) => JSON.parse(line));

test('mute, block, muted words and the daily limit keep out what the person chose, and blame no one',
  { timeout: 4 * TEST_TIMEOUT }, async (t) => {
    const relay = await startRelay(t);
    const a = await launchBrowser(t, 'A');
    const b = await launchBrowser(t, 'B');
    const c = await launchBrowser(t, 'C');
    for (const session of [a, b, c]) await setBootstrap(session, relay.wsAddr);
    const tag = String(Date.now()).slice(-5);

    const aPopup = await a.popup();
    const cPopup = await c.popup();
    const bPopup = await b.popup();
    const aKey = await readPublicKey(aPopup);
    const cKey = await readPublicKey(cPopup);
    await readPublicKey(bPopup);
    await follow(bPopup, aKey);
    await follow(bPopup, cKey);
    await follow(cPopup, aKey);
    const aFirst = `A before the block ${tag}`;
    const cFirst = `C before the mute ${tag}`;
    await post(aPopup, aFirst);
    await post(cPopup, cFirst);
    await feedHas(bPopup, [aFirst, cFirst], 60_000);

    // Mute, from C's post in B's feed: C's posts leave the feed; A's stay.
    await feedItem(bPopup, cFirst).getByRole('button', { name: 'Mute', exact: true }).click();
    await until("C's posts to leave B's feed", () => listItems(bPopup, 'Feed'),
      (list) => !list.some((x) => x.includes(cFirst)) && list.some((x) => x.includes(aFirst)));
    // C goes on posting; B keeps syncing C, and shows nothing of it.
    const cWhileMuted = `C while muted ${tag}`;
    await post(cPopup, cWhileMuted);
    const bPort = await portClient(b);
    await until("B to store C's post made while muted", () => storedEvents(bPort),
      (events) => events.some((e) => e.content?.text === cWhileMuted), 60_000);
    assert.ok(!(await listItems(bPopup, 'Feed')).some((x) => x.includes(cWhileMuted)), 'not shown while muted');

    // The options page lists C as muted; Unmute brings back everything, nothing missing.
    const bOptions = await b.options();
    const keptOut = bOptions.getByRole('list', { name: 'Muted and blocked' });
    const cRow = keptOut.getByRole('listitem').filter({ hasText: cKey.slice(0, 8) });
    await cRow.waitFor();
    assert.match(await cRow.innerText(), /Muted/);
    await cRow.getByRole('button', { name: 'Unmute' }).click();
    await cRow.waitFor({ state: 'detached' });
    await feedHas(bPopup, [cFirst, cWhileMuted, aFirst]);

    // Block, from A's own view: B unfollows A, drops A's events, and shows nothing of A.
    const escaped = aKey.slice(0, 8).replace(/[+/]/g, '\\$&');
    await feedItem(bPopup, aFirst).getByRole('button', { name: new RegExp(escaped) }).first().click();
    const view = bPopup.getByRole('region', { name: /./ }).filter({ has: bPopup.getByRole('button', { name: 'Back' }) });
    // Block asks first; Escape and Cancel leave everything as it was. Each button says whose it
    // is (aria-describedby), since the feed repeats them on every post.
    const block = view.getByRole('button', { name: 'Block', exact: true });
    const described = await block.evaluate((el) => el.getAttribute('aria-describedby')
      .split(' ').map((id) => document.getElementById(id)?.textContent ?? '').join(' '));
    assert.ok(described.includes(aKey.slice(0, 8)), `Block is described by whose it is: "${described}"`);
    await block.click();
    const ask = view.getByRole('group', { name: /^Block .*\?$/ });
    await ask.getByRole('button', { name: 'Yes, block' }).waitFor();
    await bPopup.keyboard.press('Escape');
    await ask.waitFor({ state: 'detached' });
    await block.click();
    await ask.getByRole('button', { name: 'Cancel' }).click();
    await ask.waitFor({ state: 'detached' });
    assert.equal((await bPort.request({ method: 'get_keep_out' })).settings.people[aKey], undefined, 'nothing blocked yet');
    await block.click();
    await ask.getByRole('button', { name: 'Yes, block' }).click();
    await view.getByRole('button', { name: 'Unblock', exact: true }).waitFor();
    assert.equal(await view.getByRole('button', { name: /^(Un)?[Ff]ollow$/ }).count(), 0, 'no Follow while blocked');
    const following = await bPort.request({ method: 'get_following' });
    assert.ok(!following.some((entry) => entry.public_key === aKey), 'blocking unfollowed A');
    await view.getByRole('button', { name: 'Back' }).click();
    await until("A's posts to leave B's feed", () => listItems(bPopup, 'Feed'),
      (list) => !list.some((x) => x.includes(aFirst)) && list.some((x) => x.includes(cFirst)));
    assert.ok(!(await storedEvents(bPort)).some((e) => e.author === aKey), "no event of A's stays stored in B");
    // A posts again; C, who follows A, receives it; B never stores it.
    const aLater = `A after the block ${tag}`;
    await post(aPopup, aLater);
    await feedHas(cPopup, [aLater], 60_000);
    const bEvents = await storedEvents(bPort);
    assert.ok(!bEvents.some((e) => e.author === aKey), "A's later post never reaches B's storage");
    assert.ok(!(await listItems(bPopup, 'Feed')).some((x) => x.includes(aLater)), "nor B's feed");
    await until('the options list to show A as blocked', () => keptOut.getByRole('listitem').allInnerTexts(),
      (rows) => rows.some((row) => row.includes(aKey.slice(0, 8)) && /Blocked/.test(row)));

    // A muted word hides C's post behind a line that says so, until "Show anyway".
    await bOptions.getByRole('textbox', { name: 'Muted words' }).fill('durian');
    await bOptions.getByRole('button', { name: 'Save filters' }).click();
    await until('the filters to be saved', () => bOptions.getByRole('status').allInnerTexts(),
      (list) => list.some((x) => /Saved/.test(x)));
    const smelly = `Durian smoothie today ${tag}`;
    await post(cPopup, smelly);
    const hidden = bPopup.getByRole('list', { name: 'Feed' }).getByRole('listitem').filter({ hasText: /one of your muted words/ });
    await until("B's feed to hide C's durian post", () => hidden.allInnerTexts(),
      (list) => list.some((x) => x.includes('“durian”') && !x.includes(smelly)), 60_000);
    await hidden.first().getByRole('button', { name: 'Show anyway' }).click();
    await feedHas(bPopup, [smelly]);

    // The flood, as a burst through the network: C, an honest peer, holds 5,000 events of
    // one author (C's own limit raised) and serves them to B once B follows that author.
    const flood = await generateEvents(5000, { authors: 1, seed: 15 });
    const [flooder] = flood.authors;
    const cPort = await portClient(c);
    await cPort.request({ method: 'set_keep_out_settings', params: { muted_words: [], per_author_per_day: 100000 } });
    for (let i = 0; i < flood.lines.length; i += 500) {
      const report = await cPort.request({ method: 'import_events', params: { events: flood.lines.slice(i, i + 500), first_line: i + 1 } });
      assert.equal(report.rejected, 0);
    }
    const admitted = admittedOf(flood.lines);
    assert.ok(admitted < 5000, 'the flood is over the limit');
    const invalidBefore = (await bPort.request({ method: 'get_network' })).invalid_total;
    await bPort.request({ method: 'follow', params: { public_key: flooder } });
    const flooderEvents = async () => (await storedEvents(bPort)).filter((e) => e.author === flooder).length;
    await until('B to store what the daily limit admits of the flood', flooderEvents, (n) => n === admitted, 120_000);
    await until('B to count the rest as held back', () => bPort.request({ method: 'get_keep_out' }),
      (status) => status.held_back >= 5000 - admitted && status.held_back_authors === 1, 60_000);
    assert.equal(await flooderEvents(), admitted, 'never more than the limit');
    const network = await bPort.request({ method: 'get_network' });
    assert.equal(network.invalid_total, invalidBefore, 'no honest peer is blamed for valid events held back');
    assert.ok(network.peers.every((p) => p.invalid_messages === 0 && !p.banned), JSON.stringify(network.peers));
    await bOptions.reload();
    await until('the options page to say how many were held back, in words',
      () => bOptions.getByRole('region', { name: 'Muted and blocked' }).innerText(),
      (text) => /Held back since Phemossa started: [\d,]+ events from 1 author over the daily limit/.test(text));
  });
