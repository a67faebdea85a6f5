// conformance-js.test.mjs: Phemossa's browser-to-browser `/webrtc` (libp2p specs webrtc/webrtc.md)
// against js-libp2p (libp2p + @libp2p/webrtc + @libp2p/circuit-relay-v2 in a plain headless
// Chromium page, tests/conformance/js-node.mjs), through the Phemossa relay, inside the test's
// network namespace. Issue 4's conformance test.
//
// Case 0 checks the harness alone: two js nodes meet over `/webrtc` through the Phemossa relay,
// which shows the relay serves js-libp2p's circuit relay v2 (reservation, circuit, and the
// signaling stream inside it). Cases 1 and 2 need Phemossa's own `/webrtc` transport; until it
// lands they fail, and their messages say what each side saw.
//
// Run as root: tests/netns/run.sh node --test --test-concurrency=1 tests/e2e/conformance-js.test.mjs
//
// js-libp2p's WebRTC signaling gives up after a fixed time, which case 0 missed once with another
// file beside it on this 2-core machine (a clean-clone run at 7b863d6), so no other file runs
// beside it (tests/run-e2e.mjs):
// e2e: run alone
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { TEST_TIMEOUT, until } from './helpers.mjs';
import { bundleJsNode, startJsPage } from './js-harness.mjs';
import { launchBrowser, portClient, setBootstrap, startRelay } from './p2p-harness.mjs';

const PING = '/ipfs/ping/1.0.0';
const SIGNALING = '/webrtc-signaling/0.0.1';
const PHEMOSSA_SYNC = '/phemossa/sync/2.0.0';
const DIAL_TIMEOUT = 20_000;     // js-libp2p's own dial timeout (10 s) applies inside it
const UPGRADE_TIMEOUT = 30_000;  // case 2: Phemossa's grace (~5 s) + signaling + ICE, with slack
const RESERVED_TIMEOUT = 30_000; // Phemossa holding its slot at the relay

let served;
before(async () => {
  served = await bundleJsNode();
  if (served.buildMs > 10_000) {
    throw new Error(`bundling js-node.mjs took ${served.buildMs} ms; the budget is 10 s`);
  }
});
after(() => served?.close());

/** Whether `c` is a `/webrtc` (browser-to-browser) connection: its address has a /webrtc component, not /webrtc-direct. */
const isWebrtc = (c) => /\/webrtc(\/|$)/.test(c.remoteAddr);

/** Appends `extra()`'s text to `error`'s message (best effort) and rethrows it. */
async function explain(error, extra) {
  try {
    error.message += await extra();
  } catch (e) {
    error.message += `\n(could not describe the state: ${e.message})`;
  }
  throw error;
}

test('case 0: two js-libp2p nodes meet over /webrtc through the Phemossa relay', { timeout: TEST_TIMEOUT }, async (t) => {
  const relay = await startRelay(t);
  const a = await startJsPage(t, 'js A', { url: served.url, relayAddr: relay.wsAddr });
  const b = await startJsPage(t, 'js B', { url: served.url, relayAddr: relay.wsAddr });
  const target = `${relay.wsAddr}/p2p-circuit/webrtc/p2p/${b.peerId}`;
  const bAddrs = await b.multiaddrs();
  assert.ok(bAddrs.some((x) => x.includes('/p2p-circuit/webrtc/p2p/')),
    `js B announces a /p2p-circuit/webrtc address: ${bAddrs.join(', ')}`);

  // js-libp2p's own dial can give up although the connection reached B: on 2026-12-07, with
  // nothing beside this file, B accepted A's /webrtc connection 0.1 s after the relay opened the
  // circuit, and A's dial still timed out 10 s later inside js-libp2p. What this case checks is
  // the relay's part, so A dials once more, and the first failure is reported as a diagnostic.
  const dial = () => a.dial(target, { timeoutMs: DIAL_TIMEOUT });
  let conn;
  try {
    conn = await dial();
  } catch (first) {
    t.diagnostic(`js A's first dial failed, dialing once more: ${first.message.split('\n')[0]}`);
    conn = await dial().catch((error) => explain(error, async () =>
      `\nthe first dial failed too: ${first.message.split('\n')[0]}\ndialing ${target}\njs A: ${await a.describe()}\njs B: ${await b.describe()}`));
  }
  assert.ok(isWebrtc(conn), `A's connection to B is a /webrtc one: ${JSON.stringify(conn)}`);
  assert.equal(conn.limits, null, `A's /webrtc connection to B is not limited (not the relayed one): ${JSON.stringify(conn)}`);
  assert.equal(conn.remotePeer, b.peerId);

  const id = await a.identify(conn.id);
  assert.ok(id.protocols.includes(PING), `identify over /webrtc lists ${PING}: ${id.protocols.join(', ')}`);
  assert.ok(id.protocols.includes(SIGNALING), `js B lists ${SIGNALING}: ${id.protocols.join(', ')}`);
  assert.equal(id.connection.id, conn.id, 'identify ran over the /webrtc connection');
  const { rtt, connection } = await a.ping(conn.id);
  assert.ok(Number.isFinite(rtt) && rtt >= 0, `ping over /webrtc resolves with an rtt: ${rtt}`);
  assert.equal(connection.id, conn.id, 'ping ran over the /webrtc connection');

  // B sees the same connection from its side: inbound, /webrtc, no limits.
  const fromB = await until("B to list A's /webrtc connection", () => b.connections(),
    (list) => list.some((c) => c.remotePeer === a.peerId && isWebrtc(c) && c.status === 'open'));
  const back = fromB.find((c) => c.remotePeer === a.peerId && isWebrtc(c));
  assert.equal(back.direction, 'inbound');
  assert.equal(back.limits, null);
  t.diagnostic(`bundle ${served.bytes} bytes in ${served.buildMs} ms; A→B ${conn.remoteAddr}, B←A ${back.remoteAddr}, rtt ${rtt.toFixed(1)} ms`);
});

/**
 * A Phemossa browser holding a slot at `relay`: resolves with { session, client, peerId }.
 * Its peer id is `local_peer_id` of the port API's `get_network` (docs/api.md).
 */
async function startPhemossa(t, relay) {
  const session = await launchBrowser(t, 'Phemossa');
  await setBootstrap(session, relay.wsAddr);
  const client = await portClient(session);
  const network = await until('Phemossa to hold a slot at the relay', () => client.request({ method: 'get_network' }),
    (n) => n.relays.some((r) => r.state.state === 'reserved'), RESERVED_TIMEOUT);
  return { session, client, peerId: network.local_peer_id };
}

/** Phemossa's port-API view of the network, as text for failure messages. */
async function phemossaView(client) {
  const n = await client.request({ method: 'get_network' });
  return `\nPhemossa's get_network: state ${JSON.stringify(n.state)}, relays ${JSON.stringify(n.relays)}, peers:\n  ${
    n.peers.map((p) => JSON.stringify(p)).join('\n  ') || '(none)'}`;
}

/**
 * js-libp2p 3.3.x's identify() throws (AddressManager.addObservedAddr → getNetConfig) when the
 * peer's identify message carries an observedAddr that does not start with an IP or DNS
 * component, and then drops the whole result. rust-libp2p's identify sends the connection's
 * remote address as observedAddr: `/p2p/<js>` on an inbound relayed circuit, and on /webrtc
 * whatever Phemossa names the connection by. Phemossa names it by the circuit form
 * `<relay>/p2p-circuit/webrtc/p2p/<js>` for this reason (its first version used `/webrtc/p2p/<js>`
 * and js identified nothing); the hint says so if that ever regresses.
 */
const OBSERVED_ADDR_HINT = 'js-libp2p rejects an identify whose observedAddr does not start with /ip4, /ip6 or /dns*; '
  + "rust-libp2p sends the connection's remote address there, so Phemossa's /webrtc transport must name the "
  + 'connection by an IP-based address (e.g. <relay addr>/p2p/<R>/p2p-circuit/webrtc/p2p/<js>, or the ICE pair\'s '
  + '/ip4/<ip>/udp/<port>/webrtc/p2p/<js>), both as send_back_addr when it answers and as the address it dials when it offers';

/**
 * Why a case with Phemossa failed, as text: for each connection js holds to Phemossa, what
 * Phemossa says in identify there (read raw, so that a missing `/webrtc-signaling/0.0.1` shows
 * even when js-libp2p's own identify rejects the message) and whether js-libp2p accepts it; then
 * the js node's state and Phemossa's peer list.
 */
async function whatWasSeen(js, phemossa) {
  const lines = [];
  const conns = await js.connections().catch(() => []);
  for (const c of conns.filter((x) => x.remotePeer === phemossa.peerId && x.status === 'open')) {
    try {
      const r = await js.rawIdentify(c.id);
      // Signaling is for relayed connections: on a /webrtc one there is nothing to say.
      const relayed = c.remoteAddr.includes('/p2p-circuit') && !isWebrtc(c);
      const signaling = !relayed ? 'on /webrtc'
        : r.protocols.includes(SIGNALING) ? `lists ${SIGNALING}` : `does NOT list ${SIGNALING} (no /webrtc transport?)`;
      lines.push(`Phemossa over ${c.remoteAddr} (${r.agentVersion}) ${signaling}; observedAddr ${r.observedAddr}; `
        + `protocols: ${r.protocols.join(', ')}`);
    } catch (e) {
      lines.push(`(raw identify of Phemossa over ${c.remoteAddr} failed: ${e.message.split('\n')[0]})`);
    }
    const accepted = await js.identify(c.id, { timeoutMs: 5_000 }).then(() => 'js-libp2p accepts it',
      (e) => `js-libp2p's identify rejects it: ${e.message.split('\n')[0]}${
        /not an IPv4, IPv6, DNS/.test(e.message) ? ` (${OBSERVED_ADDR_HINT})` : ''}`);
    lines.push(`  ${accepted}`);
  }
  if (!lines.length) lines.push('(js holds no open connection to Phemossa)');
  return `\n${lines.join('\n')}\njs node: ${await js.describe()}${
    await phemossaView(phemossa.client).catch((e) => `\n(no get_network: ${e.message})`)}`;
}

/**
 * Checks, from both sides, that js and Phemossa hold a working /webrtc connection `conn`: its
 * shape, ping over it, Phemossa's port API calling js `direct`, and, last, js-libp2p's identify
 * of Phemossa over it, so that an identify failure says everything else worked.
 */
async function assertWebrtcWithPhemossa(js, phemossa, conn) {
  assert.ok(isWebrtc(conn), `js's connection to Phemossa is a /webrtc one: ${JSON.stringify(conn)}`);
  assert.equal(conn.limits, null, `js's /webrtc connection to Phemossa is not limited: ${JSON.stringify(conn)}`);
  assert.equal(conn.remotePeer, phemossa.peerId);

  const { rtt, connection } = await js.ping(conn.id);
  assert.ok(Number.isFinite(rtt) && rtt >= 0, `ping over /webrtc resolves with an rtt: ${rtt}`);
  assert.equal(connection.id, conn.id, 'ping ran over the /webrtc connection');

  const network = await until("Phemossa's port API to list the js peer as connected, direct",
    () => phemossa.client.request({ method: 'get_network' }),
    (n) => n.peers.some((p) => p.peer_id === js.peerId && p.connected && p.connection === 'direct'));
  const peer = network.peers.find((p) => p.peer_id === js.peerId);

  const id = await js.identify(conn.id).catch((error) => {
    error.message = `js-libp2p's identify of Phemossa over /webrtc failed (the connection is up, ping took ${
      rtt.toFixed(1)} ms and Phemossa lists js as direct): ${error.message}${
      /not an IPv4, IPv6, DNS/.test(error.message) ? `\n(${OBSERVED_ADDR_HINT})` : ''}`;
    throw error;
  });
  assert.equal(id.connection.id, conn.id, 'identify ran over the /webrtc connection');
  assert.ok(id.protocols.includes(PHEMOSSA_SYNC), `Phemossa lists ${PHEMOSSA_SYNC} over /webrtc: ${id.protocols.join(', ')}`);
  assert.ok(id.protocols.includes(PING), `Phemossa lists ${PING} over /webrtc: ${id.protocols.join(', ')}`);
  assert.match(id.agentVersion ?? '', /^phemossa\//, `Phemossa's agent version: ${id.agentVersion}`);
  return { rtt, peer };
}

test('case 1: js dials Phemossa\'s /webrtc address through the relay', { timeout: TEST_TIMEOUT }, async (t) => {
  const relay = await startRelay(t);
  const phemossa = await startPhemossa(t, relay);
  const js = await startJsPage(t, 'js', { url: served.url, relayAddr: relay.wsAddr });
  const target = `${relay.wsAddr}/p2p-circuit/webrtc/p2p/${phemossa.peerId}`;

  const conn = await js.dial(target, { timeoutMs: DIAL_TIMEOUT }).catch((error) => explain(error, async () =>
    `\njs dialed ${target} (js initiates: it sends the SDP offer)${await whatWasSeen(js, phemossa)}`));
  const { rtt, peer } = await assertWebrtcWithPhemossa(js, phemossa, conn)
    .catch((error) => explain(error, () => whatWasSeen(js, phemossa)));
  t.diagnostic(`js→Phemossa ${conn.remoteAddr}, rtt ${rtt.toFixed(1)} ms; Phemossa lists js at ${peer.address}`);
});

test('case 2: js dials Phemossa\'s circuit address, Phemossa starts the signaling', { timeout: TEST_TIMEOUT }, async (t) => {
  const relay = await startRelay(t);
  const phemossa = await startPhemossa(t, relay);
  const js = await startJsPage(t, 'js', { url: served.url, relayAddr: relay.wsAddr });
  const target = `${relay.wsAddr}/p2p-circuit/p2p/${phemossa.peerId}`;

  // js is the outbound side of the relayed connection but never opens the signaling stream on
  // it (it only does when dialing a /webrtc address): Phemossa, after its grace period, does.
  const relayed = await js.dial(target, { timeoutMs: DIAL_TIMEOUT }).catch((error) => explain(error, async () =>
    `\njs dialed ${target}${await whatWasSeen(js, phemossa)}`));
  assert.ok(relayed.remoteAddr.includes('/p2p-circuit'), `js's first connection is the relayed one: ${JSON.stringify(relayed)}`);
  assert.equal(relayed.direction, 'outbound');

  const list = await until('js to hold a /webrtc connection to Phemossa, which Phemossa signaled for',
    () => js.connections(),
    (l) => l.some((c) => c.remotePeer === phemossa.peerId && isWebrtc(c) && c.status === 'open'), UPGRADE_TIMEOUT)
    .catch((error) => explain(error, () => whatWasSeen(js, phemossa)));
  const conn = list.find((c) => c.remotePeer === phemossa.peerId && isWebrtc(c) && c.status === 'open');
  assert.equal(conn.direction, 'inbound', `js answered Phemossa's offer, so its /webrtc connection is inbound: ${JSON.stringify(conn)}`);
  const { rtt, peer } = await assertWebrtcWithPhemossa(js, phemossa, conn)
    .catch((error) => explain(error, () => whatWasSeen(js, phemossa)));
  t.diagnostic(`Phemossa→js ${conn.remoteAddr}, rtt ${rtt.toFixed(1)} ms; Phemossa lists js at ${peer.address}`);
});
