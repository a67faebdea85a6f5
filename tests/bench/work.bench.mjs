// work.bench.mjs: issue 14's proof of work in the browser (docs/protocol.md §5.5): how long the
// extension's Web Worker (work-worker/) takes to find 16 and 20 bits of work, and its hash rate,
// in one headless Chromium. Prints Markdown tables; asserts nothing.
//
//   ./build.sh && tests/netns/run.sh node tests/bench/work.bench.mjs [16:20,20:10]
//
// The argument is bits:runs pairs. Each run searches over a different prefix: the canonical
// prefix (§2) of a reply post with a 200-character text, its author, timestamp, text and
// reply_to derived from the run's number, so the nonces (and the hashes each run costs) are the
// same on every machine and only the time differs. Each run is timed in the popup's page from
// `new Worker(...)` to the {found} reply, as the composer would start one per post: worker start
// and wasm compile included. The same start alone is timed with 1 bit (found at once).
//
// The hash rate is a 32-bit search (which does not end) left running a few seconds, from the
// {progress} replies: nonces tried between the first and the last, over the time between, for
// three slice sizes. How long a search takes is geometric in the tries: from the rate, the
// median search is ln 2 · 2^bits / rate and the 90th percentile ln 10 · 2^bits / rate, which
// the last table gives for more bits than are run.
import { createHash } from 'node:crypto';
import os from 'node:os';
import { withSession } from '../e2e/helpers.mjs';

const PLAN = (process.argv[2] || '16:20,20:10').split(',').map((pair) => pair.split(':').map(Number));
const RATE_SECONDS = 4;
const SLICES = [16_384, 65_536, 262_144];
const START_RUNS = 10;

const sorted = (xs) => [...xs].sort((a, b) => a - b);
const median = (xs) => sorted(xs)[(xs.length - 1) >> 1];
/** Nearest-rank 90th percentile. */
const p90 = (xs) => sorted(xs)[Math.ceil(0.9 * xs.length) - 1];
const ms = (x) => `${Math.round(x).toLocaleString('en')} ms`;
const int = (x) => Math.round(x).toLocaleString('en');

/** 32 bytes derived from `label`: stands in for a key or an id (only their bytes are hashed). */
const bytes32 = (label) => [...createHash('sha256').update(label).digest()];

/** The canonical prefix (docs/protocol.md §2) of a reply post, different for each `run`. */
function replyPrefix(bits, run) {
  const words = 'a reply of about two hundred characters, as people write them, with a few words more ';
  const text = Buffer.from(`${bits}/${run}: ${words.repeat(3)}`.slice(0, 200));
  const timestamp = Buffer.alloc(8);
  timestamp.writeBigUInt64BE(1767225540000n + BigInt(run) * 60_000n);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(text.length);
  return [
    ...Buffer.from('phemossa.event'), 0x01, 0x01, // domain, version, type post
    ...bytes32(`author ${bits}/${run}`), ...timestamp,
    ...length, ...text, 0, 0, // no mentions
    0x01, ...bytes32(`parent ${bits}/${run}`), // reply_to
  ];
}

/** In the page: one fresh worker per prefix, each timed to its {found}. */
function timeSearches({ prefixes, bits }) {
  const url = chrome.runtime.getURL('work_worker.js');
  const one = (prefix) => new Promise((resolve, reject) => {
    const start = performance.now();
    const worker = new Worker(url, { type: 'module' });
    worker.onmessage = ({ data }) => {
      if (data.progress !== undefined) return;
      worker.terminate();
      if (data.found) resolve({ ms: performance.now() - start, nonce: data.found.nonce });
      else reject(new Error(`worker: ${JSON.stringify(data)}`));
    };
    worker.onerror = (event) => reject(new Error(`worker failed: ${event.message}`));
    worker.postMessage({ prefix: new Uint8Array(prefix), bits });
  });
  return (async () => {
    const results = [];
    for (const prefix of prefixes) results.push(await one(prefix));
    return results;
  })();
}

/** In the page: nonces per second of a search that does not end, for `seconds`. */
function hashRate({ prefix, slice, seconds }) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(chrome.runtime.getURL('work_worker.js'), { type: 'module' });
    const seen = [];
    worker.onmessage = ({ data }) => {
      if (data.progress === undefined) {
        worker.terminate();
        reject(new Error(`worker: ${JSON.stringify(data)}`));
        return;
      }
      seen.push([performance.now(), data.progress]);
      if (seen.at(-1)[0] - seen[0][0] >= seconds * 1000) {
        worker.terminate();
        const [[t0, n0], [t1, n1]] = [seen[0], seen.at(-1)];
        resolve({ rate: (n1 - n0) / ((t1 - t0) / 1000), sliceMs: (t1 - t0) / (seen.length - 1) });
      }
    };
    worker.onerror = (event) => reject(new Error(`worker failed: ${event.message}`));
    worker.postMessage({ prefix: new Uint8Array(prefix), bits: 32, slice });
  });
}

await withSession(async (session) => {
  const page = await session.popup();
  const load = [os.loadavg()[0]];
  console.error(`load average at start: ${load[0].toFixed(2)}`);

  // The worker's start, and the first compile of its wasm, out of the way first.
  await page.evaluate(timeSearches, { prefixes: [replyPrefix(1, 0)], bits: 1 });
  const start = await page.evaluate(timeSearches, {
    prefixes: Array.from({ length: START_RUNS }, (_, i) => replyPrefix(1, i + 1)), bits: 1,
  });

  const rates = [];
  for (const slice of SLICES) {
    rates.push({ slice, ...(await page.evaluate(hashRate, { prefix: replyPrefix(32, 0), slice, seconds: RATE_SECONDS })) });
    console.error(`slice ${slice}: ${int(rates.at(-1).rate)} hashes/s`);
  }

  const rows = [];
  for (const [bits, runs] of PLAN) {
    const prefixes = Array.from({ length: runs }, (_, i) => replyPrefix(bits, i + 1));
    const results = await page.evaluate(timeSearches, { prefixes, bits });
    const times = results.map((r) => r.ms);
    const tries = results.map((r) => r.nonce + 1);
    rows.push({ bits, runs, times, tries });
    console.error(`${bits} bits: ${times.map(Math.round).join(', ')} ms`);
  }
  load.push(os.loadavg()[0]);

  const rate = rates.find((r) => r.slice === 65_536).rate;
  console.log(`\nPrefix: a reply post's canonical prefix, ${replyPrefix(0, 0).length} bytes (200-byte text). `
    + `Load average ${load[0].toFixed(2)} at start, ${load[1].toFixed(2)} at end.\n`);
  console.log('| search | runs | median | 90th percentile | fastest | slowest | median tries |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  console.log(`| 1 bit (worker start and first answer) | ${START_RUNS} | ${ms(median(start.map((r) => r.ms)))} | `
    + `${ms(p90(start.map((r) => r.ms)))} | ${ms(Math.min(...start.map((r) => r.ms)))} | `
    + `${ms(Math.max(...start.map((r) => r.ms)))} | ${int(median(start.map((r) => r.nonce + 1)))} |`);
  for (const { bits, runs, times, tries } of rows) {
    console.log(`| ${bits} bits | ${runs} | ${ms(median(times))} | ${ms(p90(times))} | ${ms(Math.min(...times))} | `
      + `${ms(Math.max(...times))} | ${int(median(tries))} |`);
  }

  console.log('\n| nonces per slice | hashes/s | one slice |');
  console.log('|---:|---:|---:|');
  for (const r of rates) console.log(`| ${int(r.slice)} | ${int(r.rate)} | ${r.sliceMs.toFixed(1)} ms |`);

  console.log(`\nFrom ${int(rate)} hashes/s (slices of 65,536) and the start's median, a search's expected time:\n`);
  console.log('| bits | median (ln 2 · 2^bits / rate + start) | 90th percentile (ln 10 · 2^bits / rate + start) | mean |');
  console.log('|---:|---:|---:|---:|');
  const startMs = median(start.map((r) => r.ms));
  for (let bits = 16; bits <= 24; bits++) {
    const hashes = 2 ** bits;
    console.log(`| ${bits} | ${ms(Math.LN2 * hashes / rate * 1000 + startMs)} | `
      + `${ms(Math.LN10 * hashes / rate * 1000 + startMs)} | ${ms(hashes / rate * 1000 + startMs)} |`);
  }
});
