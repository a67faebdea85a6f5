// netns.test.mjs: the end-to-end tests run inside tests/netns/run.sh's network namespace (no
// route leaves it); the relay starts there, writes full addresses and keeps them across a
// restart; the hostile peer reaches it, reserves a slot and registers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { randomPublicKey } from './helpers.mjs';
import {
  NETNS_GATEWAY, NETNS_IP, assertInNamespace, namespaceState, startHostilePeer, startRelay,
} from './p2p-harness.mjs';

test('the tests run in a namespace of their own, with no way out', () => {
  assertInNamespace();
  const { links, addresses, routes } = namespaceState();
  assert.ok(addresses.includes(NETNS_IP), `${NETNS_IP} is a local address: ${addresses.join(', ')}`);
  assert.deepEqual(links, ['lo', 'v0', 'v1'], 'loopback and the veth pair are the only interfaces');
  assert.ok(routes.length > 0, 'ip -j route lists routes');
  for (const route of routes) {
    assert.ok(['lo', 'v0', 'v1'].includes(route.dev), `route via a link of this namespace: ${JSON.stringify(route)}`);
  }
  const defaults = routes.filter((r) => r.dst === 'default');
  assert.equal(defaults.length, 1, `one default route: ${JSON.stringify(defaults)}`);
  // Its gateway is this namespace's own v1: whatever goes there comes back in on v0 and is dropped.
  assert.equal(defaults[0].gateway, NETNS_GATEWAY);
  assert.ok(addresses.includes(NETNS_GATEWAY), 'the default gateway is a local address');
});

test('the relay lists full addresses and keeps them across a restart', { timeout: 120_000 }, async (t) => {
  const relay = await startRelay(t);
  assert.equal(relay.addrs.length, 2, relay.addrs.join('\n'));
  const ws = relay.addrs.filter((a) => /^\/ip4\/10\.77\.0\.1\/tcp\/\d+\/ws\/p2p\/12D3KooW\w+$/.test(a));
  const webrtc = relay.addrs.filter((a) => /^\/ip4\/10\.77\.0\.1\/udp\/\d+\/webrtc-direct\/certhash\/u[\w-]+\/p2p\/12D3KooW\w+$/.test(a));
  assert.equal(ws.length, 1, `one /ws address with /p2p/: ${relay.addrs.join(' ')}`);
  assert.equal(webrtc.length, 1, `one /webrtc-direct/certhash address with /p2p/: ${relay.addrs.join(' ')}`);
  assert.equal(relay.wsAddr, ws[0]);
  assert.equal(relay.webrtcAddr, webrtc[0]);
  assert.ok(relay.addrs.every((a) => a.endsWith(`/p2p/${relay.peerId}`)));

  // A connection open across the restart: the relay closes it, and must still bind its port again
  // at once (no TIME_WAIT trouble), as it must when browsers are connected.
  const port = Number(relay.wsAddr.split('/')[4]);
  const socket = net.connect(port, '10.77.0.1');
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const closed = new Promise((resolve) => socket.once('close', resolve));
  socket.on('error', () => {});

  const before = [...relay.addrs];
  const after = await relay.restart();
  await closed;
  assert.deepEqual(after, before, 'same peer id, ports and certhash after a restart');
});

test('the hostile peer reserves a slot on the relay and registers in rendezvous', { timeout: 120_000 }, async (t) => {
  const relay = await startRelay(t);
  const hostile = await startHostilePeer(t, { relay, victimAuthor: randomPublicKey() });
  assert.match(hostile.peerId, /^12D3KooW\w+$/);
  const reserved = await hostile.waitFor('a reserved circuit address', (l) => typeof l.reserved === 'string');
  assert.ok(reserved.reserved.startsWith(`${relay.wsAddr}/p2p-circuit`), reserved.reserved);
  await hostile.waitFor('the rendezvous registration', (l) => l.registered === 'phemossa');
  assert.deepEqual(await hostile.kill(), { code: 0, signal: null }, 'it exits 0 on SIGTERM');
  assert.deepEqual(hostile.lines.at(-1), { exit: 'SIGTERM' }, 'it stops cleanly on SIGTERM');
});
