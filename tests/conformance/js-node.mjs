// js-node.mjs: a js-libp2p node for a plain browser page, the other side of Phemossa's `/webrtc`
// conformance test (tests/e2e/conformance-js.test.mjs bundles it with esbuild at test time).
//
// It speaks what a stock js-libp2p browser node speaks: WebSockets to reach the relay, circuit
// relay v2 (it reserves a slot at the given relay, so it can be dialed through it), and
// browser-to-browser WebRTC (`/webrtc`, libp2p specs webrtc/webrtc.md), with Noise and yamux on
// the relayed hop, identify and ping. startNode() exposes a small API on `window.jsNode` that
// the test drives with page.evaluate; every value it returns is plain JSON (no bigint, no
// Multiaddr objects), so it can cross into the test and into failure messages.
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2';
import { identify } from '@libp2p/identify';
import { ping } from '@libp2p/ping';
import { webRTC } from '@libp2p/webrtc';
import { webSockets } from '@libp2p/websockets';
import { multiaddr } from '@multiformats/multiaddr';
import { createLibp2p } from 'libp2p';

export const PING_PROTOCOL = '/ipfs/ping/1.0.0';
const PING_LENGTH = 32;
const EVENTS_KEPT = 200;
/** How long identify() waits for js-libp2p's own identify of a new connection before asking itself. */
const AUTO_IDENTIFY_WAIT_MS = 5_000;

/** A connection as plain JSON. */
function describeConnection(c) {
  return {
    id: c.id,
    remotePeer: c.remotePeer.toString(),
    remoteAddr: c.remoteAddr.toString(),
    direction: c.direction,
    status: c.status,
    direct: c.direct,
    // js-libp2p sets `limits` on relayed connections whose relay reported a duration or data
    // limit (bytes is a bigint there); a `/webrtc` connection has none.
    limits: c.limits == null ? null : {
      bytes: c.limits.bytes == null ? null : String(c.limits.bytes),
      seconds: c.limits.seconds ?? null,
    },
    multiplexer: c.multiplexer ?? null,
    encryption: c.encryption ?? null,
    streams: c.streams.map((s) => s.protocol ?? null),
    opened: c.timeline?.open ?? null,
  };
}

function describeIdentify(result, connection) {
  return {
    peerId: result.peerId.toString(),
    protocols: [...result.protocols].sort(),
    agentVersion: result.agentVersion ?? null,
    protocolVersion: result.protocolVersion ?? null,
    listenAddrs: (result.listenAddrs ?? []).map(String),
    observedAddr: result.observedAddr == null ? null : String(result.observedAddr),
    connection: connection == null ? null : describeConnection(connection),
  };
}

/**
 * Starts the node. `relayAddr`: the relay's full multiaddr (…/ws/p2p/<relay>); the node dials
 * it and holds a reservation there. `iceServers`: passed to every RTCPeerConnection; give []
 * in tests, since @libp2p/webrtc otherwise falls back to public STUN servers.
 * Resolves with { peerId, multiaddrs } once the reservation is held.
 */
export async function startNode({ relayAddr, iceServers = [] } = {}) {
  if (typeof relayAddr !== 'string' || !relayAddr.includes('/p2p/')) {
    throw new TypeError(`startNode needs { relayAddr } ending in /p2p/<relay peer id>, got ${JSON.stringify(relayAddr)}`);
  }
  const events = [];
  const note = (kind, detail) => {
    events.push({ at: Date.now(), kind, ...detail });
    if (events.length > EVENTS_KEPT) events.splice(0, events.length - EVENTS_KEPT);
  };

  const node = await createLibp2p({
    addresses: {
      // `<relay>/p2p-circuit` makes the circuit relay transport dial that relay and reserve a
      // slot there (a bare `/p2p-circuit` would wait for some connected peer to turn out to be
      // a relay). `/webrtc` makes @libp2p/webrtc announce `<circuit addr>/webrtc` for each.
      listen: [`${relayAddr}/p2p-circuit`, '/webrtc'],
    },
    transports: [
      // The browser build of @libp2p/websockets has no address filter of its own any more:
      // insecure `ws` and private addresses are refused by libp2p's default browser
      // connection gater, replaced below.
      webSockets(),
      webRTC({ rtcConfiguration: { iceServers } }),
      circuitRelayTransport(),
    ],
    // js-libp2p's defaults (6 s an address, 10 s a dial) cover relay, signaling, ICE and DTLS
    // together; on a shared CI machine under load that flakes even between two js nodes. The
    // conformance cases check behaviour, not speed: the times seen are in their diagnostics.
    connectionManager: {
      dialTimeout: 20_000,
      addressDialTimeout: 15_000,
    },
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    // Everything in the test lives on 10.77.0.x and 127.0.0.1 over plain ws: allow it.
    connectionGater: {
      denyDialMultiaddr: () => false,
    },
    services: {
      identify: identify(),
      ping: ping(),
    },
  });

  const identified = new Map(); // peer id -> latest identify result (plain JSON)
  const identifiedOn = new Map(); // connection id -> identify result on it (plain JSON)
  node.addEventListener('peer:identify', (evt) => {
    const result = describeIdentify(evt.detail, evt.detail.connection);
    identified.set(result.peerId, result);
    if (result.connection) identifiedOn.set(result.connection.id, result);
    note('identify', { peer: result.peerId, remoteAddr: result.connection?.remoteAddr, agentVersion: result.agentVersion });
  });
  node.addEventListener('connection:open', (evt) => note('connection:open', describeConnection(evt.detail)));
  node.addEventListener('connection:close', (evt) => note('connection:close', describeConnection(evt.detail)));
  node.addEventListener('self:peer:update', () => note('addresses', { multiaddrs: node.getMultiaddrs().map(String) }));

  await node.start();

  /** The open connection `target` names: a connection id, a remote address, or a peer id (its non-limited connection first). */
  const findConnection = (target) => {
    const all = node.getConnections().filter((c) => c.status === 'open');
    const peers = all.filter((c) => c.remotePeer.toString() === target);
    return all.find((c) => c.id === target)
      ?? all.find((c) => c.remoteAddr.toString() === target)
      ?? peers.find((c) => c.limits == null)
      ?? peers[0];
  };

  const api = {
    peerId: node.peerId.toString(),
    node,
    /** Own multiaddrs (circuit and `/webrtc` ones once the reservation is held). */
    multiaddrs: () => node.getMultiaddrs().map(String),
    /** Dials `addr` (a multiaddr string); resolves with the connection it got, as JSON. */
    async dial(addr, { timeoutMs } = {}) {
      const signal = timeoutMs ? AbortSignal.timeout(timeoutMs) : undefined;
      const connection = await node.dial(multiaddr(addr), { signal });
      return describeConnection(connection);
    },
    /**
     * Pings over one connection (`target` as findConnection takes it) if there is one, else
     * through the ping service, which dials `target` (a multiaddr, or a peer id it knows
     * addresses for) if needed. Resolves with { rtt, connection } (the connection used, as
     * JSON, or null when the service chose).
     */
    async ping(target, { timeoutMs = 10_000 } = {}) {
      const signal = AbortSignal.timeout(timeoutMs);
      const connection = findConnection(target);
      if (connection == null) {
        const addr = multiaddr(target.startsWith('/') ? target : `/p2p/${target}`);
        const rtt = await node.services.ping.ping(addr, { signal });
        return { rtt, connection: null };
      }
      return { rtt: await pingOver(connection, signal), connection: describeConnection(connection) };
    },
    /**
     * Runs identify on the connection `target` names (as findConnection takes it) and resolves
     * with what the peer said (protocols sorted, agentVersion, listenAddrs, the connection).
     */
    async identify(target, { timeoutMs = 10_000 } = {}) {
      const connection = findConnection(target);
      if (connection == null) {
        throw new Error(`no open connection matches ${target}; connections: ${JSON.stringify(api.connections())}`);
      }
      const signal = AbortSignal.timeout(timeoutMs);
      // js-libp2p runs identify on every new connection by itself and allows one identify
      // stream per connection each way (a second is negotiated, then reset): take the result of
      // that automatic run, and only ask again if none came.
      const autoUntil = Date.now() + Math.min(AUTO_IDENTIFY_WAIT_MS, timeoutMs / 2);
      while (!identifiedOn.has(connection.id) && Date.now() < autoUntil && connection.status === 'open') {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      for (;;) {
        const seen = identifiedOn.get(connection.id);
        if (seen) return seen;
        try {
          const result = await node.services.identify.identify(connection, { signal });
          return describeIdentify(result, connection);
        } catch (err) {
          if (err?.name !== 'TooManyOutboundProtocolStreamsError' || signal.aborted) throw err;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    },
    /**
     * What the peer sends in identify on the connection `target` names, read without
     * js-libp2p's processing of it (identify's internal `_identify`): for failure reports when
     * identify() itself throws on something in the message. observedAddr is shown as sent.
     */
    async rawIdentify(target, { timeoutMs = 5_000 } = {}) {
      const connection = findConnection(target);
      if (connection == null) throw new Error(`no open connection matches ${target}`);
      const message = await node.services.identify._identify(connection, { signal: AbortSignal.timeout(timeoutMs) });
      const addr = (bytes) => {
        if (bytes == null) return null;
        try {
          return multiaddr(bytes).toString();
        } catch (err) {
          return `(${bytes.length} bytes, not a multiaddr: ${err.message})`;
        }
      };
      return {
        protocols: [...(message.protocols ?? [])].sort(),
        agentVersion: message.agentVersion ?? null,
        protocolVersion: message.protocolVersion ?? null,
        observedAddr: addr(message.observedAddr),
        listenAddrs: (message.listenAddrs ?? []).map(addr),
        signedPeerRecord: message.signedPeerRecord != null,
        connection: describeConnection(connection),
      };
    },
    /** The latest identify result js-libp2p got from `peerId` by itself (on connecting), or null. */
    identified: (peerId) => identified.get(peerId) ?? null,
    /** Every connection, open or closing, as JSON. */
    connections: () => node.getConnections().map(describeConnection),
    /** What happened so far (connections opened and closed, identify, address changes). */
    events: () => events.slice(),
    /** Everything above at once, for failure messages. */
    state: () => ({
      peerId: node.peerId.toString(),
      multiaddrs: node.getMultiaddrs().map(String),
      connections: node.getConnections().map(describeConnection),
      events: events.slice(-60),
    }),
    stop: () => node.stop(),
  };
  globalThis.jsNode = api;
  return { peerId: api.peerId, multiaddrs: api.multiaddrs() };
}

/**
 * One ping (ping/1.0.0: 32 random bytes echoed) over this very connection, so that the caller
 * knows which connection answered; the ping service would pick one itself.
 */
async function pingOver(connection, signal) {
  const stream = await connection.newStream(PING_PROTOCOL, { signal, runOnLimitedConnection: true });
  const data = crypto.getRandomValues(new Uint8Array(PING_LENGTH));
  const received = [];
  let length = 0;
  const start = performance.now();
  try {
    const echoed = new Promise((resolve, reject) => {
      const onMessage = (evt) => {
        const chunk = evt.data.subarray();
        received.push(chunk);
        length += chunk.byteLength;
        if (length >= PING_LENGTH) {
          stream.removeEventListener('message', onMessage);
          resolve();
        }
      };
      stream.addEventListener('message', onMessage);
      stream.addEventListener('close', () => reject(new Error(`the ping stream closed after ${length} of ${PING_LENGTH} bytes`)), { once: true });
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
    stream.send(data);
    await echoed;
    const rtt = performance.now() - start;
    const all = new Uint8Array(length);
    let at = 0;
    for (const chunk of received) {
      all.set(chunk, at);
      at += chunk.byteLength;
    }
    if (length !== PING_LENGTH || !all.every((b, i) => b === data[i])) {
      throw new Error(`the ping echo differs from what was sent (${length} bytes)`);
    }
    await stream.close({ signal });
    return rtt;
  } catch (err) {
    stream.abort(err instanceof Error ? err : new Error(String(err)));
    throw err;
  }
}
