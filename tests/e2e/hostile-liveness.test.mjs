// hostile-liveness.test.mjs: a browser under a hostile peer that is slow or repeats itself, not
// one that lies, still catches up with an honest peer and blames no honest one (issue 12,
// "End-to-end"; docs/protocol.md §8.3–§8.7). One test per mode of the hostile peer:
//
// - `--silent`: two hostile peers take every sync request of A's and never answer, so both of
//   A's pull slots are held by them whenever they can be (§8.7 "Pull slots": 2). Each such pull
//   ends with `sync_timeout` 30 s after its first send, not counted (§8.6).
// - `--slow-drip`: two hostile peers answer every request 9.5 s after it came, just under the
//   10 s resend, with an empty id page and a moving cursor. A ends each such pull at once with
//   `empty_sync_page`, counted (§8.3).
// - `--replay`: a hostile peer pulls A's events from A and publishes them again on their
//   authors' topics, alone and in ever new batches: real, signed events, dropped as duplicates,
//   not counted (§8.5, §8.6).
//
// In each, B has posted before A follows B, so A gets those posts only by pulling them from B
// while the hostile peers compete for its pull slots. The bound is the node's own: a peer owed
// a pull gets a slot within 30 s when the peers holding them are silent (§8.4's timeouts) and
// at once when they answer empty pages; 90 s leaves room for the relay and a slow machine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TEST_TIMEOUT, until } from './helpers.mjs';
import { startHostilePeer, startPair } from './p2p-harness.mjs';

/** From the follow to every early post of B's in A's feed. */
const CATCH_UP_TIMEOUT = 90_000;
/** Reservation, discovery, relayed dial, identify: a hostile peer reaching A and being pulled. */
const ENGAGE_TIMEOUT = 60_000;
/** A live post by gossip. */
const LIVE_TIMEOUT = 30_000;
const EARLY_POSTS = 5;
/** The hostile peer's own faults off: only the mode under test. */
const ONLY_THE_MODE = ['--malformed', '0', '--gossip', '0', '--forged-events', '0'];

const publish = (client, text) => client.request({ method: 'post', params: { text, reply_to: null } });

/** Every feed item `client`'s node holds (the first page is plenty here). */
async function feedItems(client) {
  const page = await client.request({ method: 'get_feed', params: { before: null, limit: 100 } });
  return page.items;
}

/** `peerId`'s entry in `client`'s `get_network`, or undefined. */
async function peerEntry(client, peerId) {
  const network = await client.request({ method: 'get_network' });
  return network.peers.find((p) => p.peer_id === peerId);
}

/**
 * A relay, browsers A and B on it, and B's early posts, made before A follows B. Returns the
 * clients, keys, peer ids and the posts' texts.
 */
async function setUp(t, tag) {
  const { relay, ca, cb, aKey, bKey, aId, bId, connect } = await startPair(t, { connect: false });
  const early = [];
  for (let n = 1; n <= EARLY_POSTS; n++) {
    const text = `B's early post ${n} (${tag})`;
    await publish(cb, text);
    early.push(text);
  }
  await publish(ca, `A's own post (${tag})`);
  await connect();
  return { relay, ca, cb, aKey, bKey, aId, bId, early };
}

/** Waits until A lists B as connected, so that the follow owes B a pull at once. */
async function bothConnected(ca, bId) {
  await until('A to list B as connected', () => peerEntry(ca, bId), (p) => p?.connected === true, ENGAGE_TIMEOUT);
}

/**
 * A follows B, and every early post of B's reaches A's feed within CATCH_UP_TIMEOUT, each once.
 * Returns how long it took, in ms.
 */
async function followAndCatchUp(ca, bKey, early, extraReport = async () => '') {
  const followedAt = Date.now();
  await ca.request({ method: 'follow', params: { public_key: bKey } });
  let last = [];
  await until("A's feed to hold every early post of B's", async () => {
    last = await feedItems(ca);
    return last.map((item) => item.text);
  }, (texts) => early.every((text) => texts.includes(text)), CATCH_UP_TIMEOUT).catch(async (error) => {
    const network = await ca.request({ method: 'get_network' }).catch((e) => e.message);
    error.message += `\nA's feed: ${JSON.stringify(last.map((i) => i.text))}\nA's peers: ${
      JSON.stringify(network?.peers ?? network, null, 1)}${await extraReport()}`;
    throw error;
  });
  return Date.now() - followedAt;
}

/** No duplicate in A's feed: each of `texts` shows exactly once. */
async function eachOnce(ca, texts) {
  const items = await feedItems(ca);
  for (const text of texts) {
    const count = items.filter((item) => item.text === text).length;
    assert.equal(count, 1, `A's feed shows "${text}" ${count} times`);
  }
}

/** A does not blame B and B does not blame A. */
async function honestPeersUnblamed(ca, cb, aId, bId) {
  for (const [name, client, peerId, other] of [['A', ca, bId, 'B'], ['B', cb, aId, 'A']]) {
    const peer = await peerEntry(client, peerId);
    assert.ok(peer, `${name} knows ${other}`);
    assert.equal(peer.banned, false, `${name} has not banned ${other}: ${JSON.stringify(peer)}`);
    assert.equal(peer.invalid_messages, 0, `${name} blames ${other} for nothing: ${JSON.stringify(peer)}`);
  }
}

/** The hostile peers' last lines, for a failure message. */
const linesOf = (hostiles) => async () => hostiles.map((h, i) => `\nhostile peer ${i + 1} (${h.peerId}) last lines:\n  ${
  h.lines.slice(-15).map((l) => JSON.stringify(l)).join('\n  ')}`).join('');

test('two silent peers holding both pull slots do not keep A from catching up with B', { timeout: 2 * TEST_TIMEOUT }, async (t) => {
  const tag = `silent-${Date.now()}`;
  const { relay, ca, cb, bKey, aId, bId, early } = await setUp(t, tag);
  const hostiles = [];
  for (let i = 0; i < 2; i++) {
    hostiles.push(await startHostilePeer(t, { relay, victimAuthor: bKey, target: aId, args: ['--silent', ...ONLY_THE_MODE] }));
  }
  // Both hold a pull of A's, and A is connected to B: the follow now owes B a pull that has to
  // wait for a slot the silent peers hold.
  await Promise.all(hostiles.map((h) => h.waitFor('A to pull from the silent peer',
    (l) => l.held === 'sync_request' && l.peer === aId, ENGAGE_TIMEOUT)));
  await bothConnected(ca, bId);
  const took = await followAndCatchUp(ca, bKey, early, linesOf(hostiles));
  t.diagnostic(`A caught up with B ${took} ms after the follow, under two silent peers`);

  await eachOnce(ca, early);
  await honestPeersUnblamed(ca, cb, aId, bId);
  // Silence is never counted (§8.6): the silent peers are not blamed either.
  for (const h of hostiles) {
    const peer = await peerEntry(ca, h.peerId);
    assert.equal(peer?.banned, false, `A has not banned a silent peer: ${JSON.stringify(peer)}`);
    assert.equal(peer.invalid_messages, 0, `A counts nothing against a silent peer: ${JSON.stringify(peer)}`);
  }
});

test('two slow-drip peers answering empty pages just before the timeout do not keep A from catching up with B', { timeout: 2 * TEST_TIMEOUT }, async (t) => {
  const tag = `drip-${Date.now()}`;
  const { relay, ca, cb, bKey, aId, bId, early } = await setUp(t, tag);
  const hostiles = [];
  for (let i = 0; i < 2; i++) {
    hostiles.push(await startHostilePeer(t, { relay, victimAuthor: bKey, target: aId, args: ['--slow-drip', ...ONLY_THE_MODE] }));
  }
  await Promise.all(hostiles.map((h) => h.waitFor('A to pull from the slow-drip peer',
    (l) => l.dripping === 'sync_request' && l.peer === aId, ENGAGE_TIMEOUT)));
  await bothConnected(ca, bId);
  const took = await followAndCatchUp(ca, bKey, early, linesOf(hostiles));
  t.diagnostic(`A caught up with B ${took} ms after the follow, under two slow-drip peers`);

  await eachOnce(ca, early);
  await honestPeersUnblamed(ca, cb, aId, bId);
  // An empty page with a `next` ends the pull and is counted (§8.3): A refused what came.
  const [first] = hostiles;
  await first.waitFor('the slow-drip peer to answer an empty page', (l) => l.answered === 'sync_request' && l.empty_page, ENGAGE_TIMEOUT);
  let last;
  await until('A to count the empty page against the slow-drip peer', async () => {
    last = await peerEntry(ca, first.peerId);
    return last;
  }, (p) => p?.invalid_messages >= 1, LIVE_TIMEOUT).catch((error) => {
    error.message += `\nA's entry for it: ${JSON.stringify(last)}`;
    throw error;
  });
  for (const h of hostiles) t.diagnostic(`A's view of slow-drip peer ${h.peerId}: ${JSON.stringify(await peerEntry(ca, h.peerId))}`);
});

test('a peer replaying real events on gossip gets nothing stored twice and nobody honest blamed', { timeout: 2 * TEST_TIMEOUT }, async (t) => {
  const tag = `replay-${Date.now()}`;
  const { relay, ca, cb, aKey, bKey, aId, bId, early } = await setUp(t, tag);
  const hostile = await startHostilePeer(t, {
    relay, victimAuthor: bKey, target: aId, args: ['--replay', ...ONLY_THE_MODE, '--replay-interval-ms', '500'],
  });
  // It has A's own post from A, and replays it on A's own topic.
  await hostile.waitFor("the replaying peer to capture A's events", (l) => l.captured >= 1 && l.from === 'sync', ENGAGE_TIMEOUT);
  await hostile.waitFor("the replaying peer to replay A's own post to A", (l) => l.sent === 'replay' && l.author === aKey, ENGAGE_TIMEOUT);
  await bothConnected(ca, bId);
  const took = await followAndCatchUp(ca, bKey, early, linesOf([hostile]));
  t.diagnostic(`A caught up with B ${took} ms after the follow, under a replaying peer`);
  const stored = await ca.request({ method: 'get_stats' });

  // Once A holds B's posts the replaying peer has them too, and replays them on B's topic,
  // alone and in batches, each batch a new gossipsub message.
  const bIds = new Set((await feedItems(cb)).map((item) => item.id));
  const replayed = (l) => l.sent === 'replay' && l.author === bKey && l.ids.some((id) => bIds.has(id));
  await hostile.waitFor("the replaying peer to replay B's posts to A alone", (l) => replayed(l) && l.events === 1, ENGAGE_TIMEOUT);
  await hostile.waitFor("the replaying peer to replay B's posts to A in a batch", (l) => replayed(l) && l.events >= 2, ENGAGE_TIMEOUT);
  await hostile.waitFor('a few more replays', (l) => replayed(l) && l.events > EARLY_POSTS, ENGAGE_TIMEOUT);
  t.diagnostic(`replay messages sent: ${hostile.lines.filter((l) => l.sent === 'replay').length}`);

  // Nothing stored twice, nothing new stored, nobody blamed, and A keeps working: B's live
  // post reaches A by gossip. (Posts, not all events: A's own follow of B, announced to B with
  // proof of work a moment after the follow, protocol.md §8.9, may be stored meanwhile; that
  // nothing replayed was new to A is the replaying peer's events_received below.)
  const after = await ca.request({ method: 'get_stats' });
  assert.equal(after.posts, stored.posts, `A stored no post from the replays: ${JSON.stringify({ stored, after })}`);
  assert.ok(after.events - stored.events <= 1, `nor any other event but its own follow: ${JSON.stringify({ stored, after })}`);
  await eachOnce(ca, early);
  await honestPeersUnblamed(ca, cb, aId, bId);
  const peer = await peerEntry(ca, hostile.peerId);
  assert.equal(peer?.banned, false, `a replay is not misbehaviour: A has not banned the replaying peer: ${JSON.stringify(peer)}`);
  assert.equal(peer.invalid_messages, 0, `duplicates are not counted against it: ${JSON.stringify(peer)}`);
  assert.equal(peer.events_received, 0, `no replayed event was new to A: ${JSON.stringify(peer)}`);
  assert.ok(peer.duplicates >= 1, `the replays show as duplicates where the person sees them: ${JSON.stringify(peer)}`);
  const live = `B's live post (${tag})`;
  await publish(cb, live);
  await until("B's live post to reach A", async () => (await feedItems(ca)).map((item) => item.text),
    (texts) => texts.includes(live), LIVE_TIMEOUT);
  await eachOnce(ca, [...early, live]);
});
