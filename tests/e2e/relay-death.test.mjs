// relay-death.test.mjs: no post is lost when the relay dies while two browsers are still
// settling on their direct connection (issue 18; docs/protocol.md §8.8). For a few seconds after
// a direct WebRTC connection appears, each browser still holds its relayed connection to the
// other, and gossipsub's one send queue per peer feeds both; what the dying one took is gone.
// The rule under test: a connection to a peer that closes while another to it stays open is
// followed at once by a catch-up pull over the one that stays.
//
// Each case is a fresh relay and two fresh browsers, because the settle window only exists once,
// right after the direct connection first appears. The relay is SIGKILLed (no goodbye; the kernel
// resets its sockets) at 0, 2, 5 and 9 s after either browser first reports the peer as direct.
// Both browsers follow each other, and each posts just before the kill, right after it and 2 s
// after it; every post must reach the other browser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TEST_TIMEOUT, until } from './helpers.mjs';
import { startPair } from './p2p-harness.mjs';

const DIRECT_TIMEOUT = 30_000; // reservation, discovery, relayed dial, identify, signaling, ICE
/** How long after the kill every post may take to arrive: the bound the report used. */
const ARRIVAL_TIMEOUT = 20_000;
const KILL_AFTER_S = [0, 2, 5, 9];

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether `client`'s node lists `peerId` as connected directly now. */
async function isDirect(client, peerId) {
  const network = await client.request({ method: 'get_network' });
  return network.peers.some((p) => p.peer_id === peerId && p.connected && p.connection === 'direct');
}

/** Every feed text `client`'s node holds (the first page is plenty for a handful of posts). */
async function feedTexts(client) {
  const page = await client.request({ method: 'get_feed', params: { before: null, limit: 100 } });
  return page.items.map((item) => item.text);
}

const publish = (client, text) => client.request({ method: 'post', params: { text, reply_to: null } });

for (const killAfter of KILL_AFTER_S) {
  test(`posts survive the relay dying ${killAfter} s after the direct connection first shows`,
    { timeout: 2 * TEST_TIMEOUT }, async (t) => {
      const { relay, ca, cb, aKey, bKey, aId, bId, connect } = await startPair(t, { connect: false });
      // Following first, so that the connection's settle window is not moved by a follow change.
      await ca.request({ method: 'follow', params: { public_key: bKey } });
      await cb.request({ method: 'follow', params: { public_key: aKey } });
      await connect();

      // The moment either browser first reports the other as direct.
      await until('A or B to report the other as connected directly',
        async () => (await isDirect(ca, bId)) || (await isDirect(cb, aId)), (direct) => direct,
        DIRECT_TIMEOUT);
      const directAt = Date.now();
      const tag = `${killAfter}s-${directAt}`;
      await sleep(Math.max(0, directAt + killAfter * 1000 - Date.now()));

      // Posts made just before the kill, then the kill, then posts right after it and 2 s later.
      const posts = { A: [], B: [] };
      const postBoth = async (when) => {
        const texts = [`A ${when} (${tag})`, `B ${when} (${tag})`];
        await Promise.all([publish(ca, texts[0]), publish(cb, texts[1])]);
        posts.A.push(texts[0]);
        posts.B.push(texts[1]);
      };
      await postBoth('just before the relay died');
      await relay.crash();
      const killedAt = Date.now();
      t.diagnostic(`relay SIGKILLed ${killedAt - directAt} ms after the direct connection first showed`);
      await postBoth('right after the relay died');
      await sleep(2000);
      await postBoth('2 s after the relay died');

      // Every post reaches the other side. When each first showed, counted from the kill, is
      // reported: the posts from just before and right after it are the ones the catch-up
      // repairs (docs/benchmarks.md, "Catch-up after a lost connection").
      const arrived = async (name, client, wanted) => {
        let last = [];
        const seenAt = new Map();
        await until(`${name} to hold ${JSON.stringify(wanted)}`, async () => {
          last = await feedTexts(client);
          for (const text of wanted) {
            if (last.includes(text) && !seenAt.has(text)) seenAt.set(text, Date.now() - killedAt);
          }
          return last;
        }, (texts) => wanted.every((w) => texts.includes(w)), ARRIVAL_TIMEOUT).catch(async (error) => {
          const network = await client.request({ method: 'get_network' }).catch((e) => e.message);
          error.message += `\n${name} holds: ${JSON.stringify(last)}\n${name}'s peers: ${
            JSON.stringify(network?.peers ?? network, null, 1)}`;
          throw error;
        });
        return wanted.map((text) => seenAt.get(text));
      };
      const [toB, toA] = await Promise.all([arrived('B', cb, posts.A), arrived('A', ca, posts.B)]);
      t.diagnostic(`ms after the kill each post showed (just before, right after, 2 s after): `
        + `at B ${JSON.stringify(toB)}, at A ${JSON.stringify(toA)}`);

      // Still connected directly, and nobody was blamed for the lost connection.
      for (const [name, client, peerId] of [['A', ca, bId], ['B', cb, aId]]) {
        const network = await client.request({ method: 'get_network' });
        const peer = network.peers.find((p) => p.peer_id === peerId && p.connected);
        assert.equal(peer?.connection, 'direct', `${name} still lists its peer as direct: ${JSON.stringify(peer)}`);
        assert.equal(peer.invalid_messages, 0, `${name} blames its peer for nothing: ${JSON.stringify(peer)}`);
      }
    });
}
