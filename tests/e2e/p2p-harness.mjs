// p2p-harness.mjs: plumbing for the multi-browser tests, which run inside the network namespace
// tests/netns/run.sh makes: a relay and a hostile peer as child processes, browsers able to
// gather WebRTC candidates there, and the options page's bootstrap box. Everything started for a
// test is stopped when that test ends (t.after); when it fails, each process's stderr and each
// browser's console errors are appended to the failure.
import assert from 'node:assert/strict';
import { spawn, execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Session, TIMEOUT, follow, readPublicKey, until,
} from './helpers.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const RELAY_BIN = process.env.PHEMOSSA_RELAY_BIN
  || path.join(path.resolve(ROOT, process.env.CARGO_TARGET_DIR || 'target'), 'native/phemossa-relay');
export const HOSTILE_BIN = process.env.PHEMOSSA_HOSTILE_BIN
  || path.join(path.resolve(ROOT, process.env.CARGO_TARGET_DIR || 'target'), 'native/phemossa-hostile-peer');
/** The event generator (core/examples/gen_events.rs); test.sh builds it before the e2e tests. */
export const GEN_EVENTS_BIN = process.env.PHEMOSSA_GEN_EVENTS_BIN
  || path.join(path.resolve(ROOT, process.env.CARGO_TARGET_DIR || 'target'), 'release/examples/gen_events');

/** The namespace's addresses (tests/netns/run.sh): services listen on v0's, the route leaves by v1's. */
export const NETNS_IP = '10.77.0.1';
export const NETNS_GATEWAY = '10.77.0.2';
const NETNS_LINKS = ['lo', 'v0', 'v1'];

/**
 * Chromium hides host ICE candidates behind mDNS names by default. Those do resolve inside the
 * namespace (two browsers there connect either way), but plain addresses keep the tests and
 * the paths they assert independent of multicast DNS.
 */
export const BROWSER_ARGS = ['--disable-features=WebRtcHideLocalIpsWithMdns'];

const STOP_GRACE_MS = 5_000;   // SIGTERM, then SIGKILL after this
const START_TIMEOUT = 30_000;  // a relay's address file, a hostile peer's first line
const STDERR_LINES = 300;      // kept per process for failure reports

/**
 * What the namespace looks like from here: local IPv4 addresses, link names, and the default
 * route, read from os.networkInterfaces() and `ip -j route`.
 */
export function namespaceState() {
  const links = Object.keys(os.networkInterfaces()).sort();
  const addresses = Object.values(os.networkInterfaces()).flat().filter((a) => a.family === 'IPv4').map((a) => a.address);
  let routes = [];
  try {
    routes = JSON.parse(execFileSync('ip', ['-j', 'route', 'show', 'table', 'all'], { encoding: 'utf8' }));
  } catch {
    // no iproute2: the link check below still holds
  }
  return { inside: process.env.PHEMOSSA_NETNS === '1', links, addresses, routes };
}

/**
 * Throws unless this process runs in the test namespace with nothing but lo, v0 and v1, so that
 * no test traffic can leave this machine.
 */
export function assertInNamespace() {
  const state = namespaceState();
  const stray = state.links.filter((l) => !NETNS_LINKS.includes(l));
  if (!state.inside || !state.addresses.includes(NETNS_IP) || stray.length) {
    throw new Error('the peer-to-peer tests must run inside the test network namespace, so that no '
      + 'traffic leaves this machine: run them as root through tests/netns/run.sh, e.g. '
      + '`tests/netns/run.sh node --test tests/e2e/netns.test.mjs` '
      + `(PHEMOSSA_NETNS=${process.env.PHEMOSSA_NETNS ?? 'unset'}; links: ${state.links.join(', ')}; `
      + `IPv4: ${state.addresses.join(', ')})`);
  }
}

/** Per test: what to stop at its end and report on its failure. */
const registries = new WeakMap();

function registry(t) {
  if (!t || typeof t.after !== 'function') {
    throw new TypeError('pass the test context (the `t` of test(name, async (t) => …)) as the first argument');
  }
  let reg = registries.get(t);
  if (!reg) {
    reg = { processes: [], sessions: [], dirs: [] };
    registries.set(t, reg);
    t.after(async () => {
      // Report while the browsers are still up (their logs come from the live offscreen document).
      if (t.passed === false) await attachDiagnostics(t, reg);
      for (const s of reg.sessions) await s.close().catch(() => {});
      for (const p of reg.processes.reverse()) await p.stop().catch(() => {});
      for (const d of reg.dirs) await rm(d, { recursive: true, force: true }).catch(() => {});
    });
  }
  return reg;
}

async function attachDiagnostics(t, reg) {
  const parts = [];
  for (const p of reg.processes) parts.push(p.report());
  for (const s of reg.sessions) {
    const report = await s.diagnostics().catch((e) => `\n(no diagnostics: ${e.message})`);
    parts.push(`\n-- browser ${s.name}:${report}`);
  }
  const text = parts.join('');
  const cause = t.error?.cause;
  if (cause instanceof Error) cause.message += text;
  else t.diagnostic(text);
}

/** A child process with its stdout lines and the tail of its stderr kept. */
class Child {
  constructor(name, bin, args) {
    if (!existsSync(bin)) {
      throw new Error(`${bin} is missing: build it with \`cargo build --profile native -p phemossa-relay -p phemossa-hostile-peer\``);
    }
    this.name = name;
    this.bin = bin;
    this.args = args;
    this.stderr = [];
    this.lines = [];
    this.listeners = new Set();
    this.proc = null;
    this.exited = null;
  }

  start() {
    const proc = spawn(this.bin, this.args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    this.exited = new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
    this.exited.then(({ code, signal }) => {
      this.stderr.push(`(${this.name} exited: ${signal ?? `code ${code}`})`);
      this.notify();
    });
    proc.once('error', (err) => this.stderr.push(`(${this.name} failed to start: ${err.message})`));
    let out = '';
    proc.stdout.setEncoding('utf8').on('data', (chunk) => {
      out += chunk;
      const lines = out.split('\n');
      out = lines.pop();
      for (const line of lines) if (line.trim()) this.lines.push(line);
      this.notify();
    });
    let err = '';
    proc.stderr.setEncoding('utf8').on('data', (chunk) => {
      err += chunk;
      const lines = err.split('\n');
      err = lines.pop();
      this.stderr.push(...lines);
      if (this.stderr.length > STDERR_LINES) this.stderr.splice(0, this.stderr.length - STDERR_LINES);
    });
  }

  get running() {
    return this.proc !== null && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  notify() {
    for (const listener of this.listeners) listener();
  }

  /** Resolves with the first stdout line `accept` holds for (past ones included); rejects on exit or timeout. */
  waitForLine(what, accept, timeout = START_TIMEOUT) {
    return new Promise((resolve, reject) => {
      const check = () => {
        const line = this.lines.find(accept);
        if (line !== undefined) return done(() => resolve(line));
        if (!this.running) return done(() => reject(new Error(`${this.name} exited before ${what}${this.report()}`)));
        return undefined;
      };
      const timer = setTimeout(() => done(() => reject(new Error(
        `timed out after ${timeout} ms waiting for ${what}; the ${this.name}'s last lines:\n  ${
          this.lines.slice(-20).join('\n  ') || '(none)'}`))), timeout);
      const done = (settle) => {
        clearTimeout(timer);
        this.listeners.delete(check);
        settle();
      };
      this.listeners.add(check);
      check();
    });
  }

  /** SIGTERM, then SIGKILL if it is still there after the grace period; resolves once it is gone. */
  async stop() {
    if (!this.running) return this.exited;
    this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), STOP_GRACE_MS);
    const result = await this.exited;
    clearTimeout(timer);
    return result;
  }

  /** SIGKILL at once, as a crash or an OOM kill would end it; resolves once it is gone. */
  async crash() {
    if (!this.running) return this.exited;
    this.proc.kill('SIGKILL');
    return this.exited;
  }

  /** Its command line, last stdout lines and stderr tail, for a failure message. */
  report() {
    const out = this.lines.length ? `\n stdout (last ${Math.min(this.lines.length, 40)} lines):\n  ${
      this.lines.slice(-40).join('\n  ')}` : '';
    const err = this.stderr.length ? this.stderr.join('\n  ') : '(nothing)';
    return `\n-- ${this.name} (${[this.bin, ...this.args].join(' ')})${out}\n stderr:\n  ${err}`;
  }
}

/**
 * Starts the relay in the namespace on fixed ports (WebSocket `wsPort`, WebRTC-direct
 * `webrtcPort`) with its key and certificate kept in `dir` (a fresh temporary directory unless
 * given), so restart() brings back the same addresses. Resolves once its address file is written.
 *
 * Returns { addrs, wsAddr, webrtcAddr, peerId, dir, kill(), crash(), restart() }; `addrs` are the address
 * file's lines (full multiaddrs ending in /p2p/<id>).
 */
export async function startRelay(t, { dir, wsPort = 4001, webrtcPort = 4002 } = {}) {
  assertInNamespace();
  const reg = registry(t);
  if (!dir) {
    dir = await mkdtemp(path.join(os.tmpdir(), 'phemossa-relay-'));
    reg.dirs.push(dir);
  }
  const addrsFile = path.join(dir, 'relay.addrs');
  const child = new Child('relay', RELAY_BIN, [
    '--listen', `/ip4/${NETNS_IP}/tcp/${wsPort}/ws`,
    '--listen', `/ip4/${NETNS_IP}/udp/${webrtcPort}/webrtc-direct`,
    '--key-file', path.join(dir, 'node.key'),
    '--cert-file', path.join(dir, 'webrtc.pem'),
    '--addrs-file', addrsFile,
  ]);
  reg.processes.push(child);

  const relay = {
    dir,
    addrs: [],
    wsAddr: null,
    webrtcAddr: null,
    peerId: null,
    /** Stops it (SIGTERM; it removes its address file and exits 0); resolves with { code, signal }. */
    kill: () => child.stop(),
    /** Kills it with SIGKILL: no goodbye to anyone, its sockets reset by the kernel. */
    crash: () => child.crash(),
    /** Stops it and starts it again; throws if it comes back with other addresses. */
    async restart() {
      const before = relay.addrs;
      await child.stop();
      await launch();
      if (JSON.stringify(relay.addrs) !== JSON.stringify(before)) {
        throw new Error(`the relay came back with other addresses:\n  before: ${before.join('\n          ')}\n  after:  ${relay.addrs.join('\n          ')}`);
      }
      return relay.addrs;
    },
    stderr: () => child.stderr.join('\n'),
  };

  async function launch() {
    // The relay deletes a stale address file first, but do not let one be read before it does.
    await rm(addrsFile, { force: true });
    child.start();
    const addrs = await until('the relay to write its address file', async () => {
      if (!child.running) throw new Error(`the relay exited${child.report()}`);
      return (await readFile(addrsFile, 'utf8').catch(() => '')).split('\n').map((l) => l.trim()).filter(Boolean);
    }, (list) => list.length >= 2 || !child.running, START_TIMEOUT).catch((err) => {
      err.message += child.report();
      throw err;
    });
    if (!child.running) throw new Error(`the relay exited${child.report()}`);
    relay.addrs = addrs;
    relay.wsAddr = addrs.find((a) => a.includes('/ws/')) ?? null;
    relay.webrtcAddr = addrs.find((a) => a.includes('/webrtc-direct/')) ?? null;
    relay.peerId = addrs[0].split('/p2p/').pop();
  }

  await launch();
  return relay;
}

/**
 * Starts the hostile peer against `relay` (an object from startRelay, or a multiaddr string with
 * /p2p/), attacking `victimAuthor`'s topic (a base64 public key a victim follows), only `target`
 * (a peer id) if given. `args` adds flags (e.g. ['--malformed', '0']); see
 * relay/hostile-peer/README.md. Resolves once it has reported its peer id.
 *
 * Returns { peerId, lines (parsed JSON objects so far), disconnected (a promise of the first
 * {"disconnected_by": …} line; rejects if the peer exits first), waitFor(what, accept, timeout),
 * kill() }.
 */
export async function startHostilePeer(t, { relay, victimAuthor, target, args = [] } = {}) {
  assertInNamespace();
  const reg = registry(t);
  const relayAddr = typeof relay === 'string' ? relay : relay?.wsAddr;
  if (!relayAddr) throw new TypeError('startHostilePeer needs { relay } (startRelay\'s result or its /ws address)');
  if (!victimAuthor) throw new TypeError('startHostilePeer needs { victimAuthor } (a base64 public key the victim follows)');
  const child = new Child('hostile peer', HOSTILE_BIN, [
    '--relay', relayAddr, '--victim-author', victimAuthor, ...(target ? ['--target', target] : []), ...args,
  ]);
  reg.processes.push(child);
  child.start();

  const parse = (line) => {
    try {
      return JSON.parse(line);
    } catch {
      return {};
    }
  };
  const waitFor = (what, accept, timeout = START_TIMEOUT) => child.waitForLine(what, (l) => accept(parse(l)), timeout)
    .then(parse);
  const first = await waitFor('the hostile peer to report its peer id', (l) => typeof l.peer_id === 'string');
  const disconnected = waitFor('a peer to disconnect the hostile peer',
    (l) => typeof l.disconnected_by === 'string' && (!target || l.disconnected_by === target), 24 * 3600_000);
  disconnected.catch(() => {}); // rejected only if it exits first; whoever awaits it sees that
  return {
    peerId: first.peer_id,
    get lines() {
      return child.lines.map(parse);
    },
    disconnected,
    waitFor,
    /** SIGTERM (it exits 0), SIGKILL after 5 s; resolves with { code, signal }. */
    kill: () => child.stop(),
  };
}

/**
 * A browser with the extension, on a fresh profile (or `profileDir`), able to use WebRTC in the
 * namespace; closed (profile deleted) when the test ends. `name` labels its failure report.
 */
export async function launchBrowser(t, name, { profileDir, extraArgs = [] } = {}) {
  assertInNamespace();
  const reg = registry(t);
  const session = await Session.start(profileDir, { extraArgs: [...BROWSER_ARGS, ...extraArgs] });
  session.name = name;
  reg.sessions.push(session);
  return session;
}

/**
 * Has the test close `session` when it ends and add its report to the test's failure, as it does
 * for launchBrowser's sessions: anything with a `name`, `close()` and `diagnostics()` (which
 * resolves with text). Returns `session`.
 */
export function trackSession(t, session) {
  registry(t).sessions.push(session);
  return session;
}

/**
 * Edits the options page's Network section as a person would: `fill(network)` sets the fields
 * (`network` is the section's region), then the settings are saved and the section must say
 * "Saved".
 */
export async function editNetworkSettings(session, fill) {
  const page = await session.options();
  try {
    const network = page.getByRole('region', { name: 'Network', exact: true });
    await fill(network);
    await network.getByRole('button', { name: 'Save network settings' }).click();
    await until('the Network section to say "Saved"', () => network.getByRole('status').allInnerTexts(),
      (list) => list.some((text) => /^\s*Saved\s*$/.test(text)), TIMEOUT);
  } finally {
    await page.close().catch(() => {});
  }
}

/** Saves `addr` (or several, one per line) as the browser's bootstrap addresses. */
export function setBootstrap(session, addr) {
  return editNetworkSettings(session, (network) => network
    .getByRole('textbox', { name: 'Bootstrap addresses', exact: true })
    .fill([addr].flat().join('\n')));
}

/**
 * Sends requests over the UI port from an extension page, as the popup does: returns
 * { page, request(r) }, where request resolves with the response's data and throws on an error.
 * `pushes` lists every push the port received, as { at (ms since the epoch), push }, once the
 * page subscribed to their topic (request({ method: 'subscribe', params: { topics: [...] } })).
 */
export async function portClient(session) {
  const page = await session.options();
  await page.evaluate(async () => {
    const waiting = new Map();
    let next = 1;
    let port = null;
    window.phemossaPushes = [];
    // As the pages do (webext/src/ensure.rs): the background must be up before a port reaches
    // it. Again after a disconnect: the service worker replaces a document that failed (a fatal
    // storage error, a panic), and a request then goes to the new one.
    const connect = async () => {
      let reply;
      for (let attempt = 0; attempt < 10 && !reply?.ok; attempt++) {
        if (attempt) await new Promise((r) => setTimeout(r, 200 * attempt));
        reply = await chrome.runtime.sendMessage({ type: 'phemossa/ensure-offscreen' }).catch((e) => ({ error: e.message }));
      }
      if (!reply?.ok) throw new Error(`the background did not start: ${JSON.stringify(reply)}`);
      const opened = chrome.runtime.connect({ name: 'phemossa-ui' });
      opened.onMessage.addListener((text) => {
        const message = JSON.parse(text);
        if (message.kind === 'response') {
          const answered = waiting.get(message.id);
          waiting.delete(message.id);
          answered?.(message.result);
        } else if (message.kind === 'push') window.phemossaPushes.push({ at: Date.now(), push: message.push });
      });
      opened.onDisconnect.addListener(() => {
        if (port === opened) port = null;
        // Asked of a document that is gone: answered as a failure, so a caller may ask again.
        for (const [id, resolve] of waiting) resolve({ Err: { code: 'disconnected', id } });
        waiting.clear();
      });
      port = opened;
    };
    await connect();
    window.phemossaRequest = async (request) => {
      if (!port) await connect();
      return new Promise((resolve) => {
        const id = next++;
        waiting.set(id, resolve);
        port.postMessage(JSON.stringify({ id, request }));
      });
    };
  });
  const request = async (request) => {
    const result = await page.evaluate((r) => window.phemossaRequest(r), request);
    if (!result.Ok) throw new Error(`${request.method} failed: ${JSON.stringify(result)}`);
    return result.Ok.data;
  };
  const pushes = () => page.evaluate(() => window.phemossaPushes);
  return { page, request, pushes };
}

/**
 * A relay and two browsers, A and B, with it as their bootstrap address and each one's popup
 * open, following nobody. Resolves with { relay, a, b, aPopup, bPopup, aKey, bKey, tag }, `tag`
 * five digits that keep this run's texts apart.
 */
export async function popupPair(t) {
  const relay = await startRelay(t);
  const a = await launchBrowser(t, 'A');
  const b = await launchBrowser(t, 'B');
  for (const session of [a, b]) await setBootstrap(session, relay.wsAddr);
  const aPopup = await a.popup();
  const bPopup = await b.popup();
  const aKey = await readPublicKey(aPopup);
  const bKey = await readPublicKey(bPopup);
  return { relay, a, b, aPopup, bPopup, aKey, bKey, tag: String(Date.now()).slice(-5) };
}

/**
 * As popupPair, each following the other from its popup: the start of the conversation tests.
 */
export async function mutualPair(t) {
  const pair = await popupPair(t);
  await follow(pair.aPopup, pair.bKey);
  await follow(pair.bPopup, pair.aKey);
  return pair;
}

/**
 * A relay and two browsers, A and B, with it as their bootstrap address, and a port client on
 * each: the start of most two-browser tests and benchmarks. `direct` ("allowed", "turn_only",
 * "off") is saved as both browsers' direct connections setting first, if given. With
 * `connect: false` the relay is not set yet: the test calls the returned `connect()` once it has
 * done what must come before any connection. Also returns each browser's public key and peer id.
 */
export async function startPair(t, { direct, connect = true } = {}) {
  const relay = await startRelay(t);
  const a = await launchBrowser(t, 'A');
  const b = await launchBrowser(t, 'B');
  const ca = await portClient(a);
  const cb = await portClient(b);
  for (const client of [ca, cb]) {
    if (direct) {
      // Before any relay is known, so that no connection is made under the default.
      const settings = await client.request({ method: 'get_network_settings' });
      await client.request({ method: 'set_network_settings', params: { settings: { ...settings, direct } } });
    }
  }
  const connectBoth = async () => {
    await setBootstrap(a, relay.wsAddr);
    await setBootstrap(b, relay.wsAddr);
  };
  if (connect) await connectBoth();
  const aKey = (await ca.request({ method: 'get_identity' })).public_key;
  const bKey = (await cb.request({ method: 'get_identity' })).public_key;
  const aId = (await ca.request({ method: 'get_network' })).local_peer_id;
  const bId = (await cb.request({ method: 'get_network' })).local_peer_id;
  return { relay, a, b, ca, cb, aKey, bKey, aId, bId, connect: connectBoth };
}

/**
 * Runs the event generator: `count` signed posts by `authors` authors whose keys derive from
 * `seed`, numbered from `first`. Resolves with { lines (one event's wire JSON each), authors
 * (base64 public keys) }. Timestamps go back one a second from now, rounded to the minute: make
 * every set a test compares in one run (or one run, split).
 */
export function generateEvents(count, { authors = 1, seed = 7, first = 0 } = {}) {
  if (!existsSync(GEN_EVENTS_BIN)) {
    throw new Error(`${GEN_EVENTS_BIN} is missing: build it with \`cargo build --release -p phemossa-core --example gen_events\` (test.sh does)`);
  }
  return new Promise((resolve, reject) => {
    execFile(GEN_EVENTS_BIN, [count, authors, seed, first].map(String), { maxBuffer: 1024 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`${GEN_EVENTS_BIN} failed: ${error.message}\n${stderr}`));
        const lines = stdout.split('\n').filter((l) => l.trim());
        const keys = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
        if (lines.length !== count || keys.length !== authors) {
          return reject(new Error(`${GEN_EVENTS_BIN} wrote ${lines.length} events and ${keys.length} authors, expected ${count} and ${authors}`));
        }
        return resolve({ lines, authors: keys });
      });
  });
}

/** Every stored event's wire JSON, read through the export request of a `portClient`. */
export async function exportedLines(client) {
  const out = [];
  let after = null;
  for (;;) {
    const page = await client.request({ method: 'export_events', params: { after, limit: 500 } });
    out.push(...page.events);
    if (!page.next) return out;
    after = page.next;
  }
}

/**
 * Asserts that every stored event is byte for byte one of `sent` (a Set of wire JSON lines) and
 * that the running totals `get_stats` answers equal a recount; resolves with how many are stored.
 */
export async function assertStoredIntact(client, sent) {
  const lines = await exportedLines(client);
  for (const line of lines) assert.ok(sent.has(line), `a stored event is not one that was sent: ${line.slice(0, 120)}`);
  const stats = await client.request({ method: 'get_stats' });
  assert.equal(stats.events, lines.length, 'the events total equals a recount');
  assert.equal(stats.bytes, lines.reduce((sum, line) => sum + Buffer.byteLength(line), 0), 'the bytes total equals a recount');
  return { lines, stats };
}
