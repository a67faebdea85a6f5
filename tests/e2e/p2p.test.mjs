// p2p.test.mjs: three browsers and a relay inside the test's network namespace. Posts reach
// followers by sync and live by gossip, history comes from whoever has it, unfollow and restart
// keep the right state, a hostile peer is counted and cut off, and a relay restart heals itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TEST_TIMEOUT, feedHas, follow, listItems, post, readPublicKey, unfollow, until } from './helpers.mjs';
import { exportedLines, launchBrowser, portClient, setBootstrap, startHostilePeer, startRelay } from './p2p-harness.mjs';

const HEAL_TIMEOUT = 60_000; // relay restart: backoff, new slot, rediscovery, resync

/** The options page's row for `peerId` in the "Peers" table, as text. */
function peerRow(options, peerId) {
  return options.getByRole('table', { name: 'Peers' }).getByRole('row').filter({ hasText: peerId.slice(-8) });
}

test('three browsers follow and read each other through a relay', { timeout: 6 * TEST_TIMEOUT }, async (t) => {
  const relay = await startRelay(t);
  const a = await launchBrowser(t, 'A');
  const b = await launchBrowser(t, 'B');
  await setBootstrap(a, relay.wsAddr);
  await setBootstrap(b, relay.wsAddr);
  const tag = Date.now();

  // A posts three times; B follows A and sees them by sync.
  const aPopup = await a.popup();
  const aKey = await readPublicKey(aPopup);
  const early = [1, 2, 3].map((n) => `A's post ${n} (${tag})`);
  for (const text of early) await post(aPopup, text);
  const bPopup = await b.popup();
  const bKey = await readPublicKey(bPopup);
  await follow(bPopup, aKey);
  await feedHas(bPopup, early);
  await until("B's popup to say it is connected", () => bPopup.getByRole('status', { name: 'Network' }).innerText(),
    (text) => /Connected to \d+ peers?/.test(text));
  const aOptions = await a.options();
  // B is reached through the relay first, then directly (webrtc.test.mjs covers the upgrade).
  const bRow = aOptions.getByRole('table', { name: 'Peers' }).getByRole('row').filter({ hasText: /Relayed|Direct/ });
  const bRowText = await until("A's options page to list B as a connected peer", () => bRow.first().innerText({ timeout: 1000 }).catch(() => ''),
    (text) => /Connected/.test(text));
  assert.match(bRowText, /p2p-circuit|\/webrtc\//, `a peer's address names the circuit or the direct path: ${bRowText}`);
  await aOptions.close();

  // A posts again: it reaches B's open popup live, by gossip.
  const live = `A's live post (${tag})`;
  await post(aPopup, live);
  await feedHas(bPopup, [live]);

  // A closes its browser; C starts, follows A, and gets A's history from B.
  await a.close();
  const c = await launchBrowser(t, 'C');
  await setBootstrap(c, relay.wsAddr);
  const cPopup = await c.popup();
  const cKey = await readPublicKey(cPopup);
  await follow(cPopup, aKey);
  await feedHas(cPopup, [...early, live]);

  // B and C follow each other; the relay dies and comes back; they reconnect on their own and
  // a post made after the restart reaches the other side.
  await follow(cPopup, bKey);
  await follow(bPopup, cKey);
  await relay.restart();
  const healed = `B after the relay restart (${tag})`;
  await post(bPopup, healed);
  await feedHas(cPopup, [healed], HEAL_TIMEOUT);

  // B unfollows A: A's posts leave B's feed, C's and B's own stay.
  await unfollow(bPopup, aKey);
  await until("A's posts to leave B's feed", () => listItems(bPopup, 'Feed'),
    (l) => !l.some((x) => x.includes(`A's `)) && l.some((x) => x.includes(healed)));

  // B's browser restarts: follows and feed are intact and it reconnects.
  await b.relaunch();
  const bAgain = await b.popup();
  assert.equal(await readPublicKey(bAgain), bKey, 'B keeps its identity');
  const following = await until('B to list its follows', () => listItems(bAgain, 'Following'), (l) => l.length > 0);
  assert.ok(following.some((x) => x.includes(cKey.slice(0, 8))), 'B still follows C');
  assert.ok(!following.some((x) => x.includes(aKey.slice(0, 8))), 'B still does not follow A');
  await feedHas(bAgain, [healed]);
  const cLater = `C after B restarted (${tag})`;
  await post(cPopup, cLater);
  await withPeersShown(feedHas(bAgain, [cLater], HEAL_TIMEOUT), b, c);

  // A hostile peer sends B garbage and forged events on C's topic: counted, dropped, cut off.
  const storedBefore = (await storedEventsOf(b)).authors;
  const bPeerId = await ownPeerId(b);
  const hostile = await startHostilePeer(t, { relay, victimAuthor: cKey, target: bPeerId });
  await hostile.disconnected;
  const options = await b.options();
  const row = peerRow(options, hostile.peerId);
  await until('B to list the hostile peer as banned with its invalid input counted',
    () => row.innerText({ timeout: 1000 }).catch(() => ''), (text) => /Banned/.test(text))
    .catch(async (error) => {
      const shown = await options.getByRole('region', { name: 'Peers' }).innerText().catch((e) => `(unreadable: ${e.message})`);
      throw new Error(`${error.message}\nB's Peers section shows:\n${shown}`);
    });
  const invalid = Number((await row.getByRole('cell').nth(4).innerText()).replace(/\D/g, ''));
  assert.ok(invalid >= 10, `B counted ${invalid} invalid messages from the hostile peer, expected at least 10`);
  const feed = await listItems(bAgain, 'Feed');
  assert.ok(!feed.some((x) => x.includes('forged')), `no forged post may reach B's feed: ${JSON.stringify(feed)}`);
  // Nothing forged is stored, and nothing stored before is lost. Not a comparison of totals: a
  // legitimate event may still reach B during this phase (C's follow announcement waits for its
  // proof of work), and did in 2 of about 60 runs.
  // Every forged event's text names its maker (relay/hostile-peer/src/forge.rs); the gossiped
  // ones are also reported by id.
  const forgedIds = new Set(hostile.lines.filter((l) => l.sent === 'forged_gossip').map((l) => l.id));
  const { lines: storedAfter, ids: idsAfter } = await storedEventsOf(b);
  const forgedStored = storedAfter.filter((line) => forgedIds.has(JSON.parse(line).id) || line.includes('forged by phemossa-hostile-peer'));
  assert.deepEqual(forgedStored, [], 'B stored nothing the hostile peer forged');
  // A's events are left out: B unfollowed A, so retention (background/src/pruning.rs) may take
  // them at any time, which is not the hostile peer's doing.
  const lost = [...storedBefore].filter(([id, author]) => author !== aKey && !idsAfter.has(id));
  assert.deepEqual(lost, [], 'B lost none of the events it stored before the hostile peer came');
});

/**
 * Every event `session` stores, through the export request: its wire JSON lines, their ids, and
 * each id's author.
 */
async function storedEventsOf(session) {
  const client = await portClient(session);
  const lines = await exportedLines(client);
  await client.page.close();
  const authors = new Map(lines.map((line) => JSON.parse(line)).map((e) => [e.id, e.author]));
  return { lines, ids: new Set(authors.keys()), authors };
}

/** `promise`, with each session's Peers section added to its failure message. */
async function withPeersShown(promise, ...sessions) {
  try {
    return await promise;
  } catch (error) {
    for (const session of sessions) {
      const options = await session.options().catch(() => null);
      const shown = options
        ? await options.getByRole('region', { name: 'Peers' }).innerText({ timeout: 5000 }).catch((e) => `(unreadable: ${e.message})`)
        : '(no options page)';
      error.message += `\n${session.name}'s Peers section shows:\n${shown}`;
    }
    throw error;
  }
}

/** This browser's libp2p peer id, as its options page shows it. */
async function ownPeerId(session) {
  const options = await session.options();
  const id = await until("the options page to show this browser's peer id",
    () => options.locator('dt', { hasText: "This browser's peer id" }).locator('xpath=following-sibling::dd[1]').innerText({ timeout: 1000 }).catch(() => ''),
    (text) => /^12D3KooW\w{44}$/.test(text.trim()));
  await options.close();
  return id.trim();
}
