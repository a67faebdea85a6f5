// js-harness.mjs: js-libp2p nodes in plain headless Chromium pages, for the conformance test
// (conformance-js.test.mjs). bundleJsNode() bundles tests/conformance/js-node.mjs with esbuild
// and serves it with a one-page static server on 127.0.0.1 (a secure context, so WebRTC is
// there); startJsPage() opens that page in a Chromium of its own (no extension, BROWSER_ARGS)
// and starts a node in it. Pages close when their test ends; on failure each page's node state
// (addresses, connections, recent events), console errors and the tail of js-libp2p's debug log
// are added to the failure.
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM, TIMEOUT, until } from './helpers.mjs';
import { BROWSER_ARGS, assertInNamespace, trackSession } from './p2p-harness.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ENTRY = path.join(ROOT, 'tests/conformance/js-node.mjs');
const LOG_LINES = 400; // console lines kept per page for failure reports

/**
 * js-libp2p debug namespaces the page logs (weald reads them from localStorage.debug); the tail
 * goes into failure reports. PHEMOSSA_JS_DEBUG overrides, e.g. `libp2p:*`; empty turns it off.
 */
export const JS_DEBUG = process.env.PHEMOSSA_JS_DEBUG
  ?? 'libp2p:webrtc*,libp2p:circuit-relay*,libp2p:identify*,libp2p:connection-manager*,libp2p:upgrader*';

const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>js-libp2p conformance node</title>
<script>
  // Before the bundle loads: weald (js-libp2p's logger) reads its namespaces once, at import.
  const debug = new URLSearchParams(location.search).get('debug');
  if (debug) localStorage.setItem('debug', debug); else localStorage.removeItem('debug');
</script>
<script type="module">
  import { startNode } from './js-node.js';
  window.startNode = startNode;
  window.jsNodeLoaded = true;
</script>
`;

/**
 * Bundles js-node.mjs (esbuild: platform browser, so @libp2p/webrtc's `browser` field picks the
 * page's own RTCPeerConnection and node-datachannel stays out) into a temporary directory and
 * serves it on 127.0.0.1 at a random port. Resolves with { url, buildMs, bytes, close() }.
 */
export async function bundleJsNode() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'phemossa-js-node-'));
  const started = Date.now();
  await build({
    entryPoints: [ENTRY],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    outfile: path.join(dir, 'js-node.js'),
    logLevel: 'error',
  });
  const buildMs = Date.now() - started;
  await writeFile(path.join(dir, 'index.html'), PAGE);
  const files = {
    '/': ['index.html', 'text/html; charset=utf-8'],
    '/index.html': ['index.html', 'text/html; charset=utf-8'],
    '/js-node.js': ['js-node.js', 'text/javascript; charset=utf-8'],
  };
  const bundle = await readFile(path.join(dir, 'js-node.js'));
  const server = http.createServer(async (req, res) => {
    const file = files[new URL(req.url, 'http://127.0.0.1').pathname];
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    const body = await readFile(path.join(dir, file[0]));
    res.writeHead(200, { 'content-type': file[1], 'cache-control': 'no-store' }).end(body);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/index.html`,
    buildMs,
    bytes: bundle.length,
    async close() {
      server.closeAllConnections?.();
      await new Promise((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A plain Chromium (no extension) with one page running a js-libp2p node. */
class JsPage {
  constructor(name) {
    this.name = name;
    this.browser = null;
    this.page = null;
    this.peerId = null;
    this.errors = [];
    this.log = [];
  }

  /** Calls `jsNode[method](...args)` in the page and resolves with what it returns. */
  call(method, ...args) {
    return this.page.evaluate(([m, a]) => window.jsNode[m](...a), [method, args]);
  }

  multiaddrs() { return this.call('multiaddrs'); }
  connections() { return this.call('connections'); }
  state() { return this.call('state'); }
  dial(addr, options = {}) { return this.call('dial', addr, options); }
  ping(target, options = {}) { return this.call('ping', target, options); }
  identify(target, options = {}) { return this.call('identify', target, options); }
  identified(peerId) { return this.call('identified', peerId); }
  rawIdentify(target, options = {}) { return this.call('rawIdentify', target, options); }

  /** The node's state as indented JSON, or why it could not be read; for failure messages. */
  async describe() {
    try {
      return JSON.stringify(await this.state(), null, 1);
    } catch (err) {
      return `(could not read the js node's state: ${err.message.split('\n')[0]})`;
    }
  }

  async diagnostics() {
    const parts = [`\njs node ${this.peerId ?? '(not started)'}: ${await this.describe()}`];
    parts.push(this.errors.length ? `\nPage errors:\n  ${this.errors.join('\n  ')}` : '\n(no page errors)');
    if (this.log.length) parts.push(`\nConsole (last ${this.log.length} lines):\n  ${this.log.join('\n  ')}`);
    return parts.join('');
  }

  async close() {
    await this.page?.evaluate(() => window.jsNode?.stop()).catch(() => {});
    await this.browser?.close().catch(() => {});
  }
}

/**
 * Opens `url` (bundleJsNode's) in a new headless Chromium and starts a js-libp2p node there that
 * reserves a slot at `relayAddr` (the relay's /ws multiaddr). Resolves with the page once the
 * node announces a `/p2p-circuit/webrtc` address, i.e. the reservation is held. Closed when the
 * test ends; `name` labels its failure report.
 */
export async function startJsPage(t, name, { url, relayAddr, iceServers = [] }) {
  assertInNamespace();
  const js = trackSession(t, new JsPage(name));
  js.browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--no-first-run', '--disable-sync', '--disable-quic', ...BROWSER_ARGS],
  });
  js.page = await js.browser.newPage();
  js.page.setDefaultTimeout(TIMEOUT);
  js.page.on('console', (msg) => {
    const line = `[${msg.type()}] ${msg.text()}`;
    if (msg.type() === 'error') js.errors.push(line);
    js.log.push(line.length > 2000 ? `${line.slice(0, 2000)}…` : line);
    if (js.log.length > LOG_LINES) js.log.splice(0, js.log.length - LOG_LINES);
  });
  js.page.on('pageerror', (err) => js.errors.push(`[uncaught] ${err.stack ?? err}`));
  await js.page.goto(JS_DEBUG ? `${url}?debug=${encodeURIComponent(JS_DEBUG)}` : url);
  await js.page.waitForFunction(() => window.jsNodeLoaded === true, null, { timeout: TIMEOUT });
  const started = await js.page.evaluate((init) => window.startNode(init), { relayAddr, iceServers });
  js.peerId = started.peerId;
  await until(`js node ${name} to announce a /p2p-circuit/webrtc address (its reservation at the relay)`,
    () => js.multiaddrs(), (addrs) => addrs.some((a) => a.includes('/p2p-circuit/webrtc')), TIMEOUT)
    .catch(async (err) => {
      err.message += `\njs node ${name}: ${await js.describe()}`;
      throw err;
    });
  return js;
}
