// p2p-sync.bench.mjs: how fast a follower catches up, and how fast a live post arrives, over a
// direct WebRTC connection and over the relay's circuit. Two browsers and a relay in the test
// namespace; A writes N posts, B follows A, and the script times until B's store holds them
// (sync over request-response), then times single live posts (gossipsub). Each size runs once
// with direct connections off (everything through the relay) and once with them allowed (the
// pair goes direct first), in one run, so the two can be compared as ratios. Prints tables;
// nothing is asserted.
//
//   ./build.sh && tests/netns/run.sh node tests/bench/p2p-sync.bench.mjs [N ...]   (as root)
import { startPair } from '../e2e/p2p-harness.mjs';

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

const PATHS = [['relayed', 'off'], ['direct', 'allowed']];

const rows = [];
for (const n of SIZES) for (const [path, direct] of PATHS) {
  const t = context();
  try {
    const { ca, cb } = await startPair(t, { direct });
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
    await waitFor(() => cb.request({ method: 'get_network' }),
      (s) => s.peers.some((p) => p.connected && p.connection === path), 60_000);
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
    rows.push({ n, path, writeMs, syncMs, perSecond: Math.round((n * 1000) / syncMs), liveMedian: live[live.length >> 1], liveMax: live[live.length - 1] });
  } finally {
    await t.cleanup();
  }
}

console.log('| events n | path | A writes n posts | B syncs n after follow | synced events/s | live post, median | live post, max |');
console.log('|---:|---|---:|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(`| ${r.n} | ${r.path} | ${r.writeMs} ms | ${r.syncMs} ms | ${r.perSecond} | ${r.liveMedian} ms | ${r.liveMax} ms |`);
}
console.log('\n| events n | sync time, relayed ÷ direct | live post median, relayed ÷ direct |');
console.log('|---:|---:|---:|');
for (const n of SIZES) {
  const [relayed, direct] = ['relayed', 'direct'].map((p) => rows.find((r) => r.n === n && r.path === p));
  if (relayed && direct) {
    console.log(`| ${n} | ${(relayed.syncMs / direct.syncMs).toFixed(2)} | ${(relayed.liveMedian / Math.max(1, direct.liveMedian)).toFixed(2)} |`);
  }
}
