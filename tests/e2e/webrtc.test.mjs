// webrtc.test.mjs: two browsers that meet through the relay upgrade to a direct WebRTC
// connection (`/webrtc`, signaled over the relayed one), and keep exchanging posts once the relay
// is gone. Runs inside the test's network namespace like the other multi-browser tests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SYNC_TIMEOUT, TEST_TIMEOUT, feedHas, follow, post, readPublicKey, until } from './helpers.mjs';
import {
  NETNS_IP, editNetworkSettings, launchBrowser, portClient, setBootstrap, startHostilePeer, startPair, startRelay,
} from './p2p-harness.mjs';

const DIRECT_TIMEOUT = 30_000; // relay reservation, discovery, relayed dial, identify, signaling, ICE

/** `peerId`'s entry in a `get_network` answer, if it is connected. */
const connected = (network, peerId) => network.peers.find((p) => p.peer_id === peerId && p.connected);

/**
 * Waits until `client`'s node lists `peerId` as connected directly with a known path, and
 * returns that entry; a failure says what the node listed instead.
 */
async function directPeer(client, name, peerId) {
  let last;
  try {
    return await until(`${name} to list ${peerId} as connected directly, with its path`,
      async () => {
        last = await client.request({ method: 'get_network' });
        return connected(last, peerId);
      },
      (peer) => peer?.connection === 'direct' && peer.path != null, DIRECT_TIMEOUT);
  } catch (error) {
    error.message += `\n${name}'s peers: ${JSON.stringify(last?.peers ?? null, null, 1)}`;
    throw error;
  }
}

test('two browsers connect directly over WebRTC and keep talking without the relay', { timeout: 3 * TEST_TIMEOUT }, async (t) => {
  const { relay, a, b, ca, cb } = await startPair(t);
  const aId = (await ca.request({ method: 'get_network' })).local_peer_id;
  const bId = (await cb.request({ method: 'get_network' })).local_peer_id;

  // Both sides see a direct connection, and the browser's statistics (the path) show that the
  // selected candidate pair joins the two browsers inside the namespace, not a TURN relay.
  const bSeenByA = await directPeer(ca, 'A', bId);
  const aSeenByB = await directPeer(cb, 'B', aId);
  for (const [who, peer] of [['A', bSeenByA], ['B', aSeenByB]]) {
    const { path } = peer;
    t.diagnostic(`${who} sees its peer at ${peer.address} over ${JSON.stringify(path)}`);
    assert.ok(['host', 'prflx', 'srflx'].includes(path.local_type), `${who}'s local candidate is ${path.local_type}`);
    assert.ok(['host', 'prflx', 'srflx'].includes(path.remote_type), `${who}'s remote candidate is ${path.remote_type}`);
    assert.equal(path.protocol, 'udp', `${who}'s path runs over ${path.protocol}`);
    if (path.remote_address) {
      assert.ok(path.remote_address.startsWith(NETNS_IP.split('.').slice(0, 3).join('.') + '.'),
        `${who}'s peer is at ${path.remote_address}, expected the namespace's own network`);
    }
    assert.match(peer.address, /\/p2p-circuit\/webrtc\/p2p\//, `${who} lists the direct connection's address: ${peer.address}`);
    assert.equal(peer.direct ?? null, null, `${who} reports no pending direct attempt once direct`);
  }

  // B follows A; then the relay stops for good.
  const aPopup = await a.popup();
  const bPopup = await b.popup();
  const aKey = await readPublicKey(aPopup);
  await follow(bPopup, aKey);
  const tag = Date.now();
  const before = `A before the relay stops (${tag})`;
  await post(aPopup, before);
  await feedHas(bPopup, [before]);
  await relay.kill();
  await until("A to notice that the relay is gone", () => ca.request({ method: 'get_network' }),
    (network) => network.relays.every((r) => r.state.state !== 'reserved'), DIRECT_TIMEOUT);

  // A posts; B gets it over the direct connection alone.
  const after = `A after the relay stopped (${tag})`;
  await post(aPopup, after);
  await feedHas(bPopup, [after], SYNC_TIMEOUT);
  const still = connected(await cb.request({ method: 'get_network' }), aId);
  assert.equal(still?.connection, 'direct', `B still lists A as direct: ${JSON.stringify(still)}`);
});

/**
 * Through the options page, as a person would: direct connections only through `turn` (one
 * TURN server line), giving up after `seconds`; then saves.
 */
function directOnlyThroughTurn(session, turn, seconds) {
  return editNetworkSettings(session, async (network) => {
    await network.getByRole('textbox', { name: 'TURN servers', exact: true }).fill(turn);
    await network.getByRole('radio', { name: 'Only through my TURN servers' }).check();
    await network.getByRole('spinbutton', { name: 'Direct connection timeout' }).fill(String(seconds));
  });
}

test('when no direct path works, peers stay relayed, keep talking and retry direct later', { timeout: 3 * TEST_TIMEOUT }, async (t) => {
  const relay = await startRelay(t);
  const a = await launchBrowser(t, 'A');
  const b = await launchBrowser(t, 'B');
  // Both may connect directly only through a TURN server, and the one they have does not
  // answer (nothing listens on that port in the namespace): no ICE candidate pair can exist.
  const deadTurn = `turn:${NETNS_IP}:3478 phemossa test-only`;
  for (const session of [a, b]) {
    await directOnlyThroughTurn(session, deadTurn, 3);
    await setBootstrap(session, relay.wsAddr);
  }
  const ca = await portClient(a);
  const cb = await portClient(b);
  const aId = (await ca.request({ method: 'get_network' })).local_peer_id;
  const bId = (await cb.request({ method: 'get_network' })).local_peer_id;

  // Each side gives up on direct after the 3 s set, keeps the relayed connection and says
  // when it will try again, and why the last attempt failed.
  for (const [name, client, peerId] of [['A', ca, bId], ['B', cb, aId]]) {
    let last;
    const peer = await until(`${name} to list its peer as relayed, with a failed direct attempt and a retry`,
      async () => {
        last = await client.request({ method: 'get_network' });
        return connected(last, peerId);
      },
      (p) => p?.connection === 'relayed' && p.direct?.failures >= 1 && p.direct.retry_in_ms > 0,
      DIRECT_TIMEOUT).catch((error) => {
      error.message += `\n${name}'s peers: ${JSON.stringify(last?.peers ?? null, null, 1)}`;
      throw error;
    });
    assert.ok(peer.direct.last_error, `${name} says why direct failed: ${JSON.stringify(peer.direct)}`);
    assert.equal(peer.path ?? null, null, `${name} reports no direct path`);
  }

  // The options page says so in words.
  const options = await a.options();
  const row = options.getByRole('table', { name: 'Peers' }).getByRole('row').filter({ hasText: bId.slice(-8) });
  await until("A's Peers table to show B as relayed with a direct retry", () => row.innerText({ timeout: 1000 }).catch(() => ''),
    (text) => /Relayed/.test(text) && /retry/i.test(text));
  await options.close();

  // Posts still flow through the relay.
  const aPopup = await a.popup();
  const bPopup = await b.popup();
  await follow(bPopup, await readPublicKey(aPopup));
  const text = `A over the relay (${Date.now()})`;
  await post(aPopup, text);
  await feedHas(bPopup, [text]);
});

test('a peer that breaks the signaling protocol is counted, and nothing else is affected', { timeout: 3 * TEST_TIMEOUT }, async (t) => {
  const { relay, ca, cb } = await startPair(t);
  const aId = (await ca.request({ method: 'get_network' })).local_peer_id;
  const bId = (await cb.request({ method: 'get_network' })).local_peer_id;
  await directPeer(cb, 'B', aId);

  // The hostile peer reaches B through the relay and opens three signaling streams, each
  // broken another way (an answer first, bytes that are no protobuf, a length past the limit),
  // and does nothing else wrong.
  const aKey = (await ca.request({ method: 'get_identity' })).public_key;
  const hostile = await startHostilePeer(t, {
    relay, victimAuthor: aKey, target: bId,
    args: ['--malformed', '0', '--gossip', '0', '--forged-events', '0', '--bad-signaling', '3', '--interval-ms', '500'],
  });
  await hostile.waitFor('the hostile peer to send its third broken signaling stream',
    (l) => l.sent === 'bad_signaling' && l.n === 3, 60_000);

  // B counts each as invalid input from that peer, where the Peers table shows it.
  let last;
  const seen = await until('B to count the three broken attempts against the hostile peer',
    async () => {
      last = await cb.request({ method: 'get_network' });
      return last.peers.find((p) => p.peer_id === hostile.peerId);
    },
    (p) => p?.invalid_messages >= 3, DIRECT_TIMEOUT).catch((error) => {
    error.message += `\nB's peers: ${JSON.stringify(last?.peers ?? null, null, 1)}`;
    throw error;
  });
  assert.equal(seen.connection, 'relayed', 'the hostile peer never got a direct connection');

  // Only those attempts ended: B's direct connection to A is untouched.
  const a = connected(await cb.request({ method: 'get_network' }), aId);
  assert.equal(a?.connection, 'direct', `B still lists A as direct: ${JSON.stringify(a)}`);
  assert.equal(a.invalid_messages, 0, 'A is not blamed');
});
