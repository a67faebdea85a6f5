// p2p-sync.bench.mjs: how fast a follower catches up through a relay, and how fast a live post
// arrives. Two browsers and a relay in the test namespace; A writes N posts, B follows A, and the
// script times until B's store holds them (sync over request-response on a relayed circuit),
// then times single live posts (gossipsub). Prints a table; nothing is asserted.
//
//   ./build.sh && tests/netns/run.sh node tests/bench/p2p-sync.bench.mjs [N ...]   (as root)
import { launchBrowser, portClient, setBootstrap, startRelay } from '../e2e/p2p-harness.mjs';

const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
const SIZES = sizes.length ? sizes : [100, 1000];
const LIVE_SAMPLES = 10;

/** A stand-in for node:test's context: the harness registers its clean-ups here. */
function context() {
  const cleanups = [];
  return { after: (fn) => cleanups.push(fn), passed: true, cleanup: async () => { for (const fn of cleanups) await fn(); } };
}

async function waitFor(read, accept, timeoutMs) {
  const start = Date.now();
  for (;;) {
    const value = await read();
    if (accept(value)) return value;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out; last ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const rows = [];
for (const n of SIZES) {
  const t = context();
  try {
    const relay = await startRelay(t);
    const a = await launchBrowser(t, 'A');
    const b = await launchBrowser(t, 'B');
    await setBootstrap(a, relay.wsAddr);
    await setBootstrap(b, relay.wsAddr);
    const ca = await portClient(a);
    const cb = await portClient(b);
    const aKey = (await ca.request({ method: 'get_identity' })).public_key;
    const writeStart = Date.now();
    // Posts go in a few at a time so the port's request size stays small.
    for (let i = 0; i < n; i += 50) {
      await ca.page.evaluate(async ({ from, to }) => {
        const jobs = [];
        for (let k = from; k < to; k++) jobs.push(window.phemossaRequest({ method: 'post', params: { text: `bench post ${k}` } }));
        await Promise.all(jobs);
      }, { from: i, to: Math.min(n, i + 50) });
    }
    const writeMs = Date.now() - writeStart;
    await waitFor(() => cb.request({ method: 'get_network' }), (s) => s.peers.some((p) => p.connected), 60_000);
    const syncStart = Date.now();
    await cb.request({ method: 'follow', params: { public_key: aKey } });
    await waitFor(() => cb.request({ method: 'get_stats' }), (s) => s.posts >= n, 600_000);
    const syncMs = Date.now() - syncStart;
    const live = [];
    for (let i = 0; i < LIVE_SAMPLES; i++) {
      const text = `live ${n} ${i} ${Date.now()}`;
      const start = Date.now();
      await ca.request({ method: 'post', params: { text } });
      await waitFor(() => cb.request({ method: 'get_stats' }), (s) => s.posts >= n + i + 1, 30_000);
      live.push(Date.now() - start);
    }
    live.sort((x, y) => x - y);
    rows.push({ n, writeMs, syncMs, perSecond: Math.round((n * 1000) / syncMs), liveMedian: live[live.length >> 1], liveMax: live[live.length - 1] });
  } finally {
    await t.cleanup();
  }
}

console.log('| events n | A writes n posts | B syncs n after follow | synced events/s | live post, median | live post, max |');
console.log('|---:|---:|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(`| ${r.n} | ${r.writeMs} ms | ${r.syncMs} ms | ${r.perSecond} | ${r.liveMedian} ms | ${r.liveMax} ms |`);
}
