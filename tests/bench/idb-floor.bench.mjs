// idb-floor.bench.mjs: what IndexedDB itself costs per stored record in this Chromium, apart from
// anything Phemossa does: the floor under ingest (issue 16). One headless Chromium, a plain page
// on a local origin (no extension), records shaped like the background's `EventRecord` of a
// plain post, written 512 to a transaction as `Storage::insert_batch` writes them. For each
// variant: records stored per second, and the CPU the browser process (where IndexedDB's backend
// runs) and the page's renderer used per record, read from /proc around the writes.
// Prints the figures; asserts nothing (docs/benchmarks.md says what they mean).
//
//   node tests/bench/idb-floor.bench.mjs [records=10000] [rounds=3]
//
// Variants, alternating in each round so the machine's load falls on all of them alike:
// - as stored: the `events` store's ten indexes (background/src/storage/schema.rs); a plain post
//   of a bulk write has an entry in four of them (timestamp, author_timestamp, feed, unindexed),
//   as schema 13 stored it. Schema 14 lists such posts in `terms_pending` instead, so three:
//   this variant keeps the fourth, so that its figures stay comparable with the first ones;
// - no indexes: the same records in a store without indexes;
// - id and json only: the least a record can be, in a store without indexes;
// - small json: as stored, with 100 bytes of JSON instead of about 1,000;
// - two in flight: as stored, each transaction begun before the last one's commit is heard of
//   (IndexedDB still runs them one after the other; the page's work overlaps the backend's);
// - terms written: as stored, then each record written again with 12 search terms and without
//   `unindexed`, as the search indexer does (timed: the second write only);
// - binary keys: as stored, with the id and the author as 32-byte Uint8Arrays instead of
//   strings. IndexedDB encodes a string key two bytes a character (UTF-16), and every index
//   entry holds its record's primary key again, so a 64-character hex id is about 130 bytes
//   each of the five or so times an event's writes hold it; as bytes, 33.
import http from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM } from '../e2e/helpers.mjs';
import { chromiumCpuSeconds, median } from './bench-harness.mjs';

const RECORDS = Number(process.argv[2] || 10_000);
const ROUNDS = Number(process.argv[3] || 3);
const PER_TRANSACTION = 512; // ingest.rs's INGEST_BATCH
const VARIANTS = ['as stored', 'no indexes', 'id and json only', 'small json', 'two in flight', 'terms written', 'binary keys'];

const server = http.createServer((_, res) => {
  res.setHeader('content-type', 'text/html');
  res.end('<!doctype html><title>idb floor</title>');
}).listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const profileDir = await mkdtemp(path.join(os.tmpdir(), 'phemossa-idb-floor-'));
const context = await chromium.launchPersistentContext(profileDir, {
  executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'],
});

/** Writes RECORDS records for `variant` in the page; resolves to the milliseconds it took. */
const write = (page, variant) => page.evaluate(async ({ variant, records, perTransaction }) => {
  const indexed = !['no indexes', 'id and json only'].includes(variant);
  const name = `floor-${Math.random()}`;
  const db = await new Promise((resolve, reject) => {
    const open = indexedDB.open(name, 1);
    open.onupgradeneeded = () => {
      const store = open.result.createObjectStore('events', { keyPath: 'id' });
      if (!indexed) return;
      store.createIndex('timestamp', 'timestamp');
      store.createIndex('author_timestamp', ['author', 'timestamp']);
      store.createIndex('feed', ['author', 'type', 'timestamp', 'id']);
      store.createIndex('terms', 'terms', { multiEntry: true });
      store.createIndex('unindexed', 'unindexed');
      store.createIndex('blobs', 'blobs', { multiEntry: true });
      store.createIndex('replies', ['post.reply_to', 'timestamp']);
      store.createIndex('reactions', ['reaction.target', 'timestamp']);
      store.createIndex('reposts', ['repost.id', 'author']);
      store.createIndex('to', 'to', { multiEntry: true });
    };
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  const id = (i) => i.toString(16).padStart(8, '0').repeat(8);
  const text = 'word '.repeat(variant === 'small json' ? 4 : 180);
  const author = (i) => `${'A'.repeat(42)}${i % 8}=`;
  // The same id and author as bytes: the id's 32 bytes from its hex, the author's from its base64.
  const bytesOf = (hex) => Uint8Array.from(hex.match(/../g), (pair) => parseInt(pair, 16));
  const binary = variant === 'binary keys';
  const record = (i) => {
    const json = `{"id":"${id(i)}","type":"post","content":{"text":"${text}"}}`;
    if (variant === 'id and json only') return { id: id(i), json };
    return {
      id: binary ? bytesOf(id(i)) : id(i),
      author: binary ? Uint8Array.from(atob(author(i)), (c) => c.charCodeAt(0)) : author(i),
      type: 'post', timestamp: 1_700_000_000_000 + i,
      json, size: json.length, post: { reply_to: null, text: text.slice(0, 40) }, unindexed: 1,
    };
  };
  const indexedAgain = (i) => {
    const { unindexed: _, ...rest } = record(i);
    return { ...rest, terms: Array.from({ length: 12 }, (_, w) => `term${w}\u0001${i}`) };
  };
  const inFlight = variant === 'two in flight' ? 2 : 1;
  const writeAll = async (make, put) => {
    const commits = [];
    for (let from = 0; from < records; from += perTransaction) {
      const tx = db.transaction(['events'], 'readwrite');
      const store = tx.objectStore('events');
      for (let i = from; i < Math.min(records, from + perTransaction); i++) {
        if (put) store.put(make(i)); else store.add(make(i));
      }
      commits.push(new Promise((resolve, reject) => { tx.oncomplete = resolve; tx.onabort = () => reject(tx.error); }));
      if (commits.length >= inFlight) await commits.shift();
    }
    await Promise.all(commits);
  };
  let t0 = performance.now();
  await writeAll(record, false);
  if (variant === 'terms written') {
    t0 = performance.now();
    await writeAll(indexedAgain, true);
  }
  const ms = performance.now() - t0;
  db.close();
  await new Promise((resolve) => { const r = indexedDB.deleteDatabase(name); r.onsuccess = r.onerror = resolve; });
  return ms;
}, { variant, records: RECORDS, perTransaction: PER_TRANSACTION });

const results = Object.fromEntries(VARIANTS.map((v) => [v, { rate: [], browser: [], renderer: [] }]));
try {
  const page = await context.newPage();
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  await write(page, 'as stored'); // warm-up: the first database of a profile costs more
  for (let round = 0; round < ROUNDS; round++) {
    for (const variant of VARIANTS) {
      // The CPU read spans the whole write (both writes, for "terms written"), the time only
      // the timed part: the CPU figures of "terms written" are for both writes.
      const before = chromiumCpuSeconds(profileDir);
      const ms = await write(page, variant);
      const after = chromiumCpuSeconds(profileDir);
      const r = results[variant];
      r.rate.push((RECORDS * 1000) / ms);
      if (before && after) {
        r.browser.push(((after.browser - before.browser) * 1e6) / RECORDS);
        r.renderer.push(((after.renderer - before.renderer) * 1e6) / RECORDS);
      }
      console.error(`round ${round + 1}, ${variant}: ${Math.round((RECORDS * 1000) / ms)} records/s`);
    }
  }
} finally {
  await context.close();
  server.close();
  await rm(profileDir, { recursive: true, force: true });
}

const base = median(results['as stored'].rate);
console.log(`| variant (${RECORDS} records, ${PER_TRANSACTION} a transaction; medians of ${ROUNDS}) | records/s | ÷ as stored | browser process CPU per record | renderer CPU per record |`);
console.log('|---|---:|---:|---:|---:|');
for (const variant of VARIANTS) {
  const r = results[variant];
  const cpu = (xs) => (xs.length ? `${median(xs).toFixed(0)} µs` : 'n/a');
  console.log(`| ${variant} | ${Math.round(median(r.rate))} | ${(median(r.rate) / base).toFixed(2)} | ${cpu(r.browser)} | ${cpu(r.renderer)} |`);
}
