// import-page.bench.mjs: issue 16's ingest figure through the options page's Import, as a person
// uses it: a JSON Lines file of N signed events chosen in "Events file (.jsonl)", then "Import
// events", timed inside the page from the click to "Import finished". In the same run and
// profile, before the import, the raw single-thread signature-check rate of the same events
// (`measure_verification`: the background's own wasm on the offscreen document's thread).
// Prints the figures and their ratio; asserts nothing but that every event was stored
// (docs/benchmarks.md says what the targets are).
//
//   ./build.sh && cargo build --release -p phemossa-core --example gen_events
//   node tests/bench/import-page.bench.mjs [events=20000] [runs=1]
//
// PHEMOSSA_BENCH_PROFILE=DIR writes CPU profiles of the extension's documents during each
// import (bench-harness.mjs).
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { generateEvents, portClient } from '../e2e/p2p-harness.mjs';
import { region, until, withSession } from '../e2e/helpers.mjs';
import { followAnnouncementsStored, median, profiled, verificationMicros } from './bench-harness.mjs';

const EVENTS = Number(process.argv[2] || 20_000);
const RUNS = Number(process.argv[3] || 1);
const AUTHORS = 8;

const rates = [];
const raws = [];
for (let run = 0; run < RUNS; run++) {
  // A fresh profile and other events each run, so every import stores all of them.
  const { lines, authors } = await generateEvents(EVENTS, { authors: AUTHORS, seed: 41 + run });
  await withSession(async (session) => {
    const { page, request } = await portClient(session);
    // One event a second per author is over the default daily limit per author, which would
    // hold most of them back: this measures storing, so the limit is raised, as store.bench does.
    await request({ method: 'set_keep_out_settings', params: { muted_words: [], per_author_per_day: 100000 } });
    for (const key of authors) await request({ method: 'follow', params: { public_key: key } });
    // Each follow and its announcement with proof of work (bench-harness.mjs says why it waits).
    await followAnnouncementsStored(request, 2 * authors.length);
    const raw = (EVENTS * 1e6) / (await verificationMicros(request, lines));

    const file = path.join(session.profileDir, 'events.jsonl');
    await writeFile(file, lines.join('\n') + '\n');
    const options = await session.options();
    const part = region(options, 'Import events');
    await part.getByLabel('Events file (.jsonl)', { exact: true }).setInputFiles(file);
    const button = part.getByRole('button', { name: 'Import events' });
    // Both ends are taken inside the page: the click as it reaches the button, the end as the
    // summary says the import finished.
    await options.evaluate(() => {
      window.benchImport = {};
      const button = [...document.querySelectorAll('button')].find((b) => b.textContent.trim() === 'Import events');
      button.addEventListener('click', () => { window.benchImport.started = performance.now(); }, { capture: true, once: true });
      new MutationObserver((_, observer) => {
        if (window.benchImport.started !== undefined && document.body.textContent.includes("Import finished")) {
          window.benchImport.finished = performance.now();
          observer.disconnect();
        }
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    const ms = await profiled(session, 'import-page', EVENTS, async () => {
      await button.click();
      const done = await until('the import to finish', () => options.evaluate(() => window.benchImport),
        (t) => t.finished !== undefined, 600_000);
      return done.finished - done.started;
    });
    const text = await part.innerText();
    const stored = Number(text.match(/Stored\s+([\d,]+)/)?.[1].replaceAll(',', '') ?? NaN);
    if (stored !== EVENTS) throw new Error(`stored ${stored} of ${EVENTS}: ${text}`);
    const rate = (EVENTS * 1000) / ms;
    console.error(`run ${run + 1}: ${EVENTS} events in ${ms.toFixed(0)} ms: ${Math.round(rate)} events/s; raw checks ${Math.round(raw)} events/s`);
    rates.push(rate);
    raws.push(raw);
  });
}

const rate = median(rates);
const raw = median(raws);
console.log(`| what (${EVENTS} events by ${AUTHORS} authors, median of ${RUNS}) | figure |`);
console.log('|---|---:|');
console.log(`| raw signature checks (measure_verification, the same events, one thread) | ${Math.round(raw)} events/s |`);
console.log(`| import through the options page, click to "Import finished" | ${Math.round(rate)} events/s (target ≥ 4,000) |`);
console.log(`| import ÷ raw | ${Math.round((100 * rate) / raw)} % |`);
