// idb-floor.bench.mjs: what IndexedDB itself costs per stored record in this Chromium, apart from
// anything Phemossa does: the floor under ingest (issue 16). One headless Chromium, a plain page
// on a local origin (no extension), records shaped like the background's `EventRecord` of a
// plain post, written 512 to a transaction as `Storage::insert_batch` writes them. For each
// variant: records stored per second, and the CPU the browser process (where IndexedDB's backend
// runs) and the page's renderer used per record, read from /proc around the writes and until the
// browser process goes quiet after them (`quiet`); for "schema 14" and "sqlite in OPFS", also how
// long listing every record's (timestamp, id) author by author takes, as a sync's listing does.
// Prints the figures; asserts nothing (docs/benchmarks.md says what they mean), but a variant that
// stores or lists fewer records than it wrote fails the run.
//
//   node tests/bench/idb-floor.bench.mjs [records=10000] [rounds=3]
//   PHEMOSSA_BENCH_VARIANTS='schema 14,no timestamp index' node tests/bench/idb-floor.bench.mjs
//     (only those variants; "as stored" is always run, as the base of the ratios)
//
// Variants, alternating in each round so the machine's load falls on all of them alike:
// - as stored: the `events` store's ten indexes (background/src/storage/schema.rs); a plain post
//   of a bulk write has an entry in four of them (timestamp, author_timestamp, feed, unindexed),
//   as schema 13 stored it. Schema 14 lists such posts in `terms_pending` instead, so three:
//   this variant keeps the fourth, so that its figures stay comparable with the first ones;
// - schema 14: as a bulk write stores a plain post today, an entry in three indexes, with ids in
//   no order, as real ones arrive (RANDOM_ID), as in the three variants that follow;
// - no timestamp index: schema 14 without the `timestamp` index, two entries;
// - feed without id: schema 14 with the `feed` index keyed (author, type, timestamp): its
//   entries hold the id once (as the record's primary key, which every entry holds), not twice;
// - no sparse indexes: schema 14 without the seven indexes a plain post has no key in (terms,
//   unindexed, blobs, replies, reactions, reposts, to): what their key paths cost when absent;
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
//   each of the five or so times an event's writes hold it; as bytes, 33;
// - sqlite in OPFS: not IndexedDB: the same records in SQLite (the SQLite project's wasm build,
//   npm @sqlite.org/sqlite-wasm) on the origin private file system, through its "opfs-sahpool"
//   VFS, in a dedicated worker (sync access handles exist only there), 512 rows a transaction:
//   a row and an entry in each of schema 14's three indexes and the id's unique index, the keys
//   as the same strings; `PRAGMA synchronous = NORMAL` (IndexedDB's transactions here are
//   relaxed, not flushed at each commit, either). What a storage engine other than IndexedDB
//   would cost per event in this browser. The package is installed on first use into
//   target/bench-node (SQLITE_WASM below), not into tests/node_modules: only this bench needs it.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import http from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM } from '../e2e/helpers.mjs';
import { chromiumCpuSeconds, median } from './bench-harness.mjs';

const RECORDS = Number(process.argv[2] || 10_000);
const ROUNDS = Number(process.argv[3] || 3);
const PER_TRANSACTION = 512; // ingest.rs's INGEST_BATCH
const ALL_VARIANTS = ['as stored', 'schema 14', 'no timestamp index', 'feed without id', 'no sparse indexes', 'no indexes', 'id and json only', 'small json', 'two in flight', 'terms written', 'binary keys', 'sqlite in OPFS'];
const CHOSEN = process.env.PHEMOSSA_BENCH_VARIANTS?.split(',').map((v) => v.trim());
const unknown = (CHOSEN ?? []).filter((v) => !ALL_VARIANTS.includes(v));
if (unknown.length) throw new Error(`unknown variants: ${unknown.join(', ')}; known: ${ALL_VARIANTS.join(', ')}`);
const VARIANTS = ALL_VARIANTS.filter((v) => v === 'as stored' || !CHOSEN || CHOSEN.includes(v));

/**
 * Record i's id as event ids are, 64 hex digits spread evenly over their range (a 32-bit mix of
 * i, four times over): "schema 14" and "sqlite in OPFS" use it, since a B-tree pays for keys
 * that arrive in no order more than for ascending ones; the older variants keep their ids, which
 * ascend, so that their figures stay comparable with the first ones.
 */
const RANDOM_ID = `(i) => {
  let out = '';
  for (let round = 1; round <= 8; round++) {
    let x = Math.imul(i + 1, 0x9e3779b1) ^ Math.imul(round, 0x85ebca6b);
    x ^= x >>> 16; x = Math.imul(x, 0x7feb352d); x ^= x >>> 15; x = Math.imul(x, 0x846ca68b); x ^= x >>> 16;
    out += (x >>> 0).toString(16).padStart(8, '0');
  }
  return out;
}`;

/** The SQLite build the "sqlite in OPFS" variant runs, pinned, and where it is installed. */
const SQLITE_WASM = '@sqlite.org/sqlite-wasm@3.53.4-build2';
const BENCH_NODE = path.join(import.meta.dirname, '../../target/bench-node');
const SQLITE_DIST = path.join(BENCH_NODE, 'node_modules/@sqlite.org/sqlite-wasm/dist');
if (VARIANTS.includes('sqlite in OPFS') && !existsSync(path.join(SQLITE_DIST, 'index.mjs'))) {
  console.error(`installing ${SQLITE_WASM} into ${BENCH_NODE}`);
  execFileSync('npm', ['install', '--no-save', '--no-package-lock', '--prefix', BENCH_NODE, SQLITE_WASM], { stdio: 'inherit' });
}

/** The worker of the "sqlite in OPFS" variant: writes `records` rows as the page writes records. */
const SQLITE_WORKER = `
import sqlite3InitModule from '/sqlite/index.mjs';
const sqlite3 = await sqlite3InitModule();
onmessage = async ({ data: { records, perTransaction, text, randomIdSource } }) => {
  try {
    const pool = await sqlite3.installOpfsSAHPoolVfs({ name: 'floor-' + Math.random(), directory: '/floor-' + Math.random(), clearOnInit: true });
    const db = new pool.OpfsSAHPoolDb('/floor.db');
    db.exec(\`PRAGMA synchronous = NORMAL;
      CREATE TABLE events (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, author TEXT NOT NULL,
        type TEXT NOT NULL, timestamp INTEGER NOT NULL, json TEXT NOT NULL, size INTEGER NOT NULL,
        post_text TEXT, reply_to TEXT);
      CREATE INDEX timestamp ON events (timestamp, id);
      CREATE INDEX author_timestamp ON events (author, timestamp, id);
      CREATE INDEX feed ON events (author, type, timestamp, id);\`);
    const id = (0, eval)(randomIdSource);
    const author = (i) => \`\${'A'.repeat(42)}\${i % 8}=\`;
    const insert = db.prepare('INSERT INTO events (id, author, type, timestamp, json, size, post_text, reply_to) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    const t0 = performance.now();
    for (let from = 0; from < records; from += perTransaction) {
      db.exec('BEGIN');
      for (let i = from; i < Math.min(records, from + perTransaction); i++) {
        const json = \`{"id":"\${id(i)}","type":"post","content":{"text":"\${text}"}}\`;
        insert.bind([id(i), author(i), 'post', 1_700_000_000_000 + i, json, json.length, text.slice(0, 40), null]).stepReset();
      }
      db.exec('COMMIT');
    }
    const ms = performance.now() - t0;
    const stored = db.selectValue('SELECT count(*) FROM events');
    insert.finalize();
    // The next message lists what was written, as a sync's listing reads it, then closes.
    onmessage = async () => {
      try {
        const t1 = performance.now();
        const byAuthor = db.prepare('SELECT timestamp, id FROM events WHERE author = ? ORDER BY timestamp, id');
        let listed = 0;
        for (let a = 0; a < 8; a++) {
          byAuthor.bind([author(a)]);
          while (byAuthor.step()) { if (byAuthor.get(1).length === 64) listed += 1; }
          byAuthor.reset();
        }
        const listMs = performance.now() - t1;
        byAuthor.finalize();
        db.close();
        await pool.removeVfs();
        postMessage({ listMs, listed });
      } catch (error) {
        postMessage({ error: String(error) });
      }
    };
    postMessage({ ms, stored });
  } catch (error) {
    postMessage({ error: String(error) });
  }
};
postMessage({ ready: true });
`;

const server = http.createServer(async (req, res) => {
  if (req.url === '/sqlite-worker.mjs') {
    res.setHeader('content-type', 'text/javascript');
    res.end(SQLITE_WORKER);
  } else if (req.url.startsWith('/sqlite/')) {
    const file = path.basename(req.url);
    res.setHeader('content-type', file.endsWith('.wasm') ? 'application/wasm' : 'text/javascript');
    res.end(await readFile(path.join(SQLITE_DIST, file)));
  } else {
    res.setHeader('content-type', 'text/html');
    res.end('<!doctype html><title>idb floor</title>');
  }
}).listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const profileDir = await mkdtemp(path.join(os.tmpdir(), 'phemossa-idb-floor-'));
const context = await chromium.launchPersistentContext(profileDir, {
  executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'],
});

/** Writes RECORDS records for `variant` in the page; resolves to the milliseconds it took. */
const write = (page, variant) => page.evaluate(async ({ variant, records, perTransaction, randomIdSource }) => {
  const randomId = (0, eval)(randomIdSource);
  if (variant === 'sqlite in OPFS') {
    const worker = new Worker('/sqlite-worker.mjs', { type: 'module' });
    const reply = () => new Promise((resolve) => { worker.onmessage = ({ data }) => resolve(data); });
    await reply(); // ready
    const asked = reply();
    worker.postMessage({ records, perTransaction, text: 'word '.repeat(180), randomIdSource });
    const { ms, stored, error } = await asked;
    window.floorWorker = worker;
    if (error) throw new Error(`sqlite in OPFS: ${error}`);
    if (stored !== records) throw new Error(`sqlite in OPFS stored ${stored} rows of ${records}`);
    return ms;
  }
  const indexed = !['no indexes', 'id and json only'].includes(variant);
  const name = `floor-${Math.random()}`;
  const db = await new Promise((resolve, reject) => {
    const open = indexedDB.open(name, 1);
    open.onupgradeneeded = () => {
      const store = open.result.createObjectStore('events', { keyPath: 'id' });
      if (!indexed) return;
      if (variant !== 'no timestamp index') store.createIndex('timestamp', 'timestamp');
      store.createIndex('author_timestamp', ['author', 'timestamp']);
      store.createIndex('feed', variant === 'feed without id' ? ['author', 'type', 'timestamp'] : ['author', 'type', 'timestamp', 'id']);
      if (variant === 'no sparse indexes') return;
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
  // Schema 14 and the variants taken from it write ids in no order (RANDOM_ID).
  const fromSchema14 = ['schema 14', 'no timestamp index', 'feed without id', 'no sparse indexes'].includes(variant);
  const id = fromSchema14 ? randomId : (i) => i.toString(16).padStart(8, '0').repeat(8);
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
      json, size: json.length, post: { reply_to: null, text: text.slice(0, 40) },
      ...(fromSchema14 ? {} : { unindexed: 1 }),
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
  window.floorDb = { db, name, author };
  return ms;
}, { variant, records: RECORDS, perTransaction: PER_TRANSACTION, randomIdSource: RANDOM_ID });

/** Variants whose records are then listed as a sync lists them (`finish`). */
const LISTED = ['schema 14', 'sqlite in OPFS'];

/**
 * After `write` (and `quiet`): for the LISTED variants, every record's (timestamp, id) read
 * author by author in (timestamp, id) order, as a responder lists a scope for a sync
 * (`background/src/storage/sync.rs`: `getAll` of the `author_timestamp` index per author, the two
 * fields read from each record; in SQLite, one query over the covering index per author); then
 * the database is closed and deleted. Resolves to the listing's milliseconds, or null.
 */
const finish = (page, variant) => page.evaluate(async ({ variant, records, listed }) => {
  const list = listed.includes(variant);
  if (variant === 'sqlite in OPFS') {
    const worker = window.floorWorker;
    const reply = new Promise((resolve) => { worker.onmessage = ({ data }) => resolve(data); });
    worker.postMessage({ list: true });
    const { listMs, listed: count, error } = await reply;
    worker.terminate();
    if (error) throw new Error(`sqlite in OPFS: ${error}`);
    if (count !== records) throw new Error(`sqlite in OPFS listed ${count} of ${records}`);
    return listMs;
  }
  const { db, name, author } = window.floorDb;
  let listMs = null;
  if (list) {
    const t0 = performance.now();
    const index = db.transaction(['events']).objectStore('events').index('author_timestamp');
    let count = 0;
    for (let a = 0; a < 8; a++) {
      const range = IDBKeyRange.bound([author(a), 0], [author(a), Infinity]);
      const values = await new Promise((resolve, reject) => {
        const request = index.getAll(range);
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      for (const value of values) if (value.id.length === 64 && value.timestamp > 0) count += 1;
    }
    listMs = performance.now() - t0;
    if (count !== records) throw new Error(`${variant} listed ${count} of ${records}`);
  }
  db.close();
  await new Promise((resolve) => { const r = indexedDB.deleteDatabase(name); r.onsuccess = r.onerror = resolve; });
  return listMs;
}, { variant, records: RECORDS, listed: LISTED });

/**
 * The browser's CPU once its browser process has gone quiet after a write: LevelDB goes on
 * compacting what a write left for seconds after its commit (up to 20 s after 100,000 records),
 * and that work is the write's, not the next variant's. Quiet is under a tenth of a core for a
 * whole second; after 120 s the figure is taken as it is.
 */
async function quiet() {
  let last = chromiumCpuSeconds(profileDir);
  for (let waited = 0; last && waited < 120; waited++) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const now = chromiumCpuSeconds(profileDir);
    if (now.browser - last.browser < 0.1) return now;
    last = now;
  }
  return last;
}

const results = Object.fromEntries(VARIANTS.map((v) => [v, { rate: [], browser: [], renderer: [], list: [] }]));
try {
  const page = await context.newPage();
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  await write(page, 'as stored'); // warm-up: the first database of a profile costs more
  await finish(page, 'as stored');
  for (let round = 0; round < ROUNDS; round++) {
    for (const variant of VARIANTS) {
      // The CPU read spans the whole write (both writes, for "terms written") and the backend's
      // work after it until it goes quiet (`quiet`), the time only the timed part: the CPU
      // figures of "terms written" are for both writes.
      const before = chromiumCpuSeconds(profileDir);
      const ms = await write(page, variant);
      const after = await quiet();
      const listMs = await finish(page, variant);
      const r = results[variant];
      if (listMs !== null) r.list.push(listMs);
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
console.log(`| variant (${RECORDS} records, ${PER_TRANSACTION} a transaction; medians of ${ROUNDS}) | records/s | ÷ as stored | browser process CPU per record | renderer CPU per record | all (timestamp, id) listed by author |`);
console.log('|---|---:|---:|---:|---:|---:|');
for (const variant of VARIANTS) {
  const r = results[variant];
  const cpu = (xs) => (xs.length ? `${median(xs).toFixed(0)} µs` : 'n/a');
  const listed = r.list.length ? `${Math.round(median(r.list))} ms` : '';
  console.log(`| ${variant} | ${Math.round(median(r.rate))} | ${(median(r.rate) / base).toFixed(2)} | ${cpu(r.browser)} | ${cpu(r.renderer)} | ${listed} |`);
}
