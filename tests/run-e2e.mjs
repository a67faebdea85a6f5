#!/usr/bin/env node
// tests/run-e2e.mjs [FILE...]: runs the end-to-end test files (every tests/e2e/*.test.mjs unless
// files are named), each in a network namespace of its own (tests/netns/run.sh), several at a
// time (see PHEMOSSA_E2E_JOBS below). Issue 16: the files ran one after another in one
// namespace, 13 of the suite's 24 warm minutes, though most of that is browsers waiting on
// timers and the network, not on the CPU.
//
// A namespace per file is what lets several run at once: every file's relay listens on the same
// fixed ports (p2p-harness.mjs's startRelay), and each file sees only its own relay and browsers.
//
// A file whose assertions compare timings taken within itself (keep-out's popup at rest against
// the popup during a flood) says so with the line `// e2e: run alone`: it runs after the others,
// with nothing beside it, so the other file's load cannot land on one side of its ratio only.
//
// Each file's output is printed whole when it ends, so the logs of files never interleave;
// then a table of every file's time and verdict. Exits 1 if any file failed (after running all).
//
// PHEMOSSA_E2E_JOBS sets how many files run at once. The default is one more than the cores (at
// most 6), or 1 on a single core: a file spends most of its time waiting on timers and the
// network, so two files kept the 2-core machine's CPU 68 % busy on average and three 84 %, and
// the suite took 361 s with three against 454 s with two, same session (docs/benchmarks.md).
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const E2E = path.join(ROOT, 'tests/e2e');
const NETNS = path.join(ROOT, 'tests/netns/run.sh');
// The last run's time per file, so the longest start first and the two lanes end together. Kept
// beside the build (a clean clone has none: then the largest files go first).
const TIMES = path.join(process.env.CARGO_TARGET_DIR || path.join(ROOT, 'target'), 'e2e-times.json');
const ALONE = /^\/\/ e2e: run alone$/m;

const parallelism = os.availableParallelism ? os.availableParallelism() : os.cpus().length;
const jobs = Math.max(1, Number.parseInt(process.env.PHEMOSSA_E2E_JOBS ?? '', 10)
  || (parallelism > 1 ? Math.min(parallelism + 1, 6) : 1));

const files = (process.argv.length > 2
  ? process.argv.slice(2).map((f) => path.resolve(f))
  : readdirSync(E2E).filter((f) => f.endsWith('.test.mjs')).map((f) => path.join(E2E, f)));

let lastTimes = {};
try { lastTimes = JSON.parse(readFileSync(TIMES, 'utf8')); } catch { /* none yet */ }
const rel = (file) => path.relative(ROOT, file);
const weight = (file) => lastTimes[rel(file)] ?? statSync(file).size / 100;
const byWeight = (a, b) => weight(b) - weight(a);
const alone = files.filter((f) => ALONE.test(readFileSync(f, 'utf8'))).sort(byWeight);
const shared = files.filter((f) => !alone.includes(f)).sort(byWeight);

/** Runs one file in its own namespace; resolves to { file, ok, seconds }. */
function runFile(file) {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(NETNS, ['node', '--test', '--test-concurrency=1', file], {
      cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
      // Each file makes its own namespace: a runner started inside one must not pass that on.
      env: { ...process.env, PHEMOSSA_NETNS: '' },
    });
    const out = [];
    child.stdout.on('data', (chunk) => out.push(chunk));
    child.stderr.on('data', (chunk) => out.push(chunk));
    child.on('close', (code, signal) => {
      const seconds = (Date.now() - started) / 1000;
      const ok = code === 0;
      process.stdout.write(`\n==== ${rel(file)}: ${ok ? 'passed' : `FAILED (${signal ?? `exit ${code}`})`}, `
        + `${seconds.toFixed(0)} s\n${Buffer.concat(out).toString()}`);
      resolve({ file, ok, seconds });
    });
  });
}

/** Runs `queue` with at most `width` files at once, in order. */
async function lanes(queue, width) {
  const results = [];
  let next = 0;
  const lane = async () => {
    while (next < queue.length) results.push(await runFile(queue[next++]));
  };
  await Promise.all(Array.from({ length: Math.min(width, queue.length) }, lane));
  return results;
}

const started = Date.now();
console.log(`${files.length} end-to-end files, ${jobs} at a time${alone.length ? `, then ${alone.map(rel).join(', ')} alone` : ''}`);
const results = [...await lanes(shared, jobs), ...await lanes(alone, 1)];

for (const r of results) lastTimes[rel(r.file)] = Math.round(r.seconds);
try {
  mkdirSync(path.dirname(TIMES), { recursive: true });
  writeFileSync(TIMES, `${JSON.stringify(lastTimes, null, 1)}\n`);
} catch (e) {
  console.warn(`could not keep the files' times in ${TIMES}: ${e.message}`);
}

console.log('\n== End-to-end files');
for (const r of [...results].sort((a, b) => b.seconds - a.seconds)) {
  console.log(`  ${rel(r.file).padEnd(42)} ${r.seconds.toFixed(0).padStart(5)} s  ${r.ok ? 'ok' : 'FAILED'}`);
}
const failed = results.filter((r) => !r.ok);
console.log(`  ${'total (wall clock)'.padEnd(42)} ${((Date.now() - started) / 1000).toFixed(0).padStart(5)} s  `
  + `${failed.length ? `${failed.length} of ${results.length} files FAILED` : `all ${results.length} files passed`}`);
process.exitCode = failed.length ? 1 : 0;
