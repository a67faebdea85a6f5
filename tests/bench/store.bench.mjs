// store.bench.mjs: issue 5's benchmarks 2-4 in one headless Chromium: ingest rate against the
// raw signature-verification rate in the same offscreen document, feed-page latency with 1,000
// and with 100,000 stored events, and the background's wasm memory after the 100,000; and
// issue 13's search latency (the first 20 hits) at the same two sizes.
// Prints the figures; asserts nothing (docs/benchmarks.md says what the targets are).
//
//   ./build.sh && cargo build --release -p phemossa-core --example gen_events
//   node tests/bench/store.bench.mjs [total=100000] [ingest-measured=50000]
import { generateEvents, portClient } from '../e2e/p2p-harness.mjs';
import { withSession } from '../e2e/helpers.mjs';

const TOTAL = Number(process.argv[2] || 100_000);
const MEASURED = Number(process.argv[3] || 50_000);
const SMALL = 1_000;
const AUTHORS = 8;
const CHUNK = 500; // MAX_IMPORT_EVENTS
const FEED_SAMPLES = 30;
const FEED_PAGE = 30; // what the popup asks for

const started = Date.now();
const { lines, authors: keys } = await generateEvents(TOTAL, { authors: AUTHORS, seed: 11 });
console.error(`generated ${lines.length} events by ${keys.length} authors in ${Date.now() - started} ms`);

const chunks = (from, to) => {
  const out = [];
  for (let i = from; i < to; i += CHUNK) out.push([i, lines.slice(i, Math.min(to, i + CHUNK))]);
  return out;
};
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const mb = (bytes) => (bytes / (1024 * 1024)).toFixed(1);

await withSession(async (session) => {
  const { page, request } = await portClient(session);
  // One event a second per author is over the default daily limit per author (core::keep_out),
  // which would hold most of them back: this measures storing, so the limit is raised.
  await request({ method: 'set_keep_out_settings', params: { muted_words: [], per_author_per_day: 100000 } });
  // Timed inside the page, so Playwright's own round trip is not counted.
  const timedImport = (events, first) => page.evaluate(async ({ events, first }) => {
    const t0 = performance.now();
    const result = await window.phemossaRequest({ method: 'import_events', params: { events, first_line: first + 1 } });
    return { ms: performance.now() - t0, result };
  }, { events, first });
  const feedMs = () => page.evaluate(async ({ samples, limit }) => {
    const times = [];
    for (let i = 0; i < samples; i++) {
      const t0 = performance.now();
      const result = await window.phemossaRequest({ method: 'get_feed', params: { before: null, limit } });
      if (!result.Ok || result.Ok.data.items.length !== limit) throw new Error(`feed: ${JSON.stringify(result).slice(0, 200)}`);
      times.push(performance.now() - t0);
    }
    return times;
  }, { samples: FEED_SAMPLES, limit: FEED_PAGE });

  // The first 20 hits of a post search, as the popup asks: one word every post holds, and two
  // words of which one is rare (the post numbered 777 holds it, among the first 1,000).
  const searchMs = (query, hits) => page.evaluate(async ({ samples, query, hits }) => {
    const times = [];
    for (let i = 0; i < samples; i++) {
      const t0 = performance.now();
      const result = await window.phemossaRequest({ method: 'search_posts', params: { query, limit: 20 } });
      if (!result.Ok || result.Ok.data.items.length !== hits) throw new Error(`search ${query}: ${JSON.stringify(result).slice(0, 200)}`);
      times.push(performance.now() - t0);
    }
    return times;
  }, { samples: FEED_SAMPLES, query, hits });
  // Bulk imports leave search terms to the indexer, which writes them once storing pauses: wait
  // for it (and time it) before searching.
  const termsWritten = async () => {
    const t0 = Date.now();
    for (;;) {
      const { search_pending: pending } = await request({ method: 'get_stats' });
      if (!pending) return Date.now() - t0;
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const searches = async () => ({ common: await searchMs('benchmark', 20), rare: await searchMs('archived 777', 1) });

  for (const key of keys) await request({ method: 'follow', params: { public_key: key } });

  // Each chunk's signatures are timed alone (measure_verification) right before the same
  // chunk is imported, so the two rates share the machine's load at every moment.
  const importRange = async (from, to, { timeVerify = false } = {}) => {
    let ms = 0;
    let verifyMicros = 0;
    let insideMicros = 0;
    for (const [first, events] of chunks(from, to)) {
      if (timeVerify) {
        const timing = await request({ method: 'measure_verification', params: { events } });
        if (timing.valid !== events.length) throw new Error(`only ${timing.valid} of ${events.length} verified`);
        verifyMicros += timing.micros;
      }
      const { ms: took, result } = await timedImport(events, first);
      if (!result.Ok || result.Ok.data.stored !== events.length) throw new Error(`import at ${first}: ${JSON.stringify(result).slice(0, 300)}`);
      ms += took;
      insideMicros += result.Ok.data.micros;
    }
    return { ms, verifyMicros, insideMicros };
  };

  await importRange(0, SMALL);
  await termsWritten();
  const feedSmall = await feedMs();
  const searchSmall = await searches();
  const measured = await importRange(SMALL, SMALL + MEASURED, { timeVerify: true });
  const ingestRate = (MEASURED * 1000) / measured.ms;
  const rawRate = (MEASURED * 1e6) / measured.verifyMicros;
  const insideRate = (MEASURED * 1e6) / measured.insideMicros;
  const rest = await importRange(SMALL + MEASURED, TOTAL);
  const restMs = rest.ms;
  const stats = await request({ method: 'get_stats' });
  if (stats.events !== TOTAL + keys.length) throw new Error(`stored ${stats.events}, expected ${TOTAL + keys.length}`);
  const indexMs = await termsWritten();
  const feedLarge = await feedMs();
  const searchLarge = await searches();

  const rows = [
    [`raw signature checks (measure_verification, the same ${MEASURED} events)`, `${Math.round(rawRate)} events/s`],
    [`ingest: import_events, ${MEASURED} events after ${SMALL} (verify + store, port included)`, `${Math.round(ingestRate)} events/s`],
    ['ingest / raw verification', `${((100 * ingestRate) / rawRate).toFixed(0)} % (target ≥ 50 %)`],
    ['ingest inside the offscreen document (the request\'s own time, port excluded)', `${Math.round(insideRate)} events/s`],
    ['ingest inside / raw verification', `${((100 * insideRate) / rawRate).toFixed(0)} %`],
    [`rest of the import, ${TOTAL - SMALL - MEASURED} events`, `${Math.round(((TOTAL - SMALL - MEASURED) * 1000) / restMs)} events/s`],
    [`feed page of ${FEED_PAGE}, ${SMALL} events stored (median of ${FEED_SAMPLES})`, `${median(feedSmall).toFixed(1)} ms`],
    [`feed page of ${FEED_PAGE}, ${stats.events} events stored (median of ${FEED_SAMPLES})`, `${median(feedLarge).toFixed(1)} ms`],
    ['feed ratio, large / small', `${(median(feedLarge) / median(feedSmall)).toFixed(2)} (target ≤ 2)`],
    [`search terms written after the import (from the last import to none waiting)`, `${(indexMs / 1000).toFixed(1)} s`],
    [`search "benchmark" (every post), first 20 hits, ${SMALL} events stored (median of ${FEED_SAMPLES})`, `${median(searchSmall.common).toFixed(1)} ms`],
    [`search "benchmark", first 20 hits, ${stats.events} events stored`, `${median(searchLarge.common).toFixed(1)} ms`],
    ['search ratio, large / small', `${(median(searchLarge.common) / median(searchSmall.common)).toFixed(2)} (target ≤ 3)`],
    [`search "archived 777" (one post), ${SMALL} events stored`, `${median(searchSmall.rare).toFixed(1)} ms`],
    [`search "archived 777", ${stats.events} events stored`, `${median(searchLarge.rare).toFixed(1)} ms`],
    ['rare-word search ratio, large / small', `${(median(searchLarge.rare) / median(searchSmall.rare)).toFixed(2)}`],
    [`wasm memory after ${stats.events} events`, `${mb(stats.wasm_memory_bytes)} MiB (target ≤ 64)`],
    ['stored event JSON', `${mb(stats.bytes)} MiB`],
  ];
  console.log('| measure | figure |');
  console.log('|---|---:|');
  for (const [what, figure] of rows) console.log(`| ${what} | ${figure} |`);
});
