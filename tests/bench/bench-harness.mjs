// bench-harness.mjs: what the benchmarks share besides the e2e harness: a stand-in for
// node:test's context, polling until a value is as wanted, CPU profiles of the extension's
// documents, generated threads, the raw signature-check rate, the median, and the CPU each Chromium
// process, each named process and the whole machine used.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const GEN_THREAD = path.join(path.resolve(ROOT, process.env.CARGO_TARGET_DIR || 'target'), 'release/examples/gen_thread');

/** Events one `import_events` or `measure_verification` request may carry (`api/src/archive.rs`). */
export const MAX_IMPORT_EVENTS = 500;

/**
 * Microseconds the background's own wasm takes to check the signatures of `lines` on the
 * offscreen document's thread, one thread and nothing else running (`measure_verification`, in
 * requests of [`MAX_IMPORT_EVENTS`]): the raw rate ingest is compared with. Throws unless every one
 * verifies.
 */
export async function verificationMicros(request, lines) {
  let micros = 0;
  for (let i = 0; i < lines.length; i += MAX_IMPORT_EVENTS) {
    const events = lines.slice(i, i + MAX_IMPORT_EVENTS);
    const timing = await request({ method: 'measure_verification', params: { events } });
    if (timing.valid !== events.length) throw new Error(`only ${timing.valid} of ${events.length} verified`);
    micros += timing.micros;
  }
  return micros;
}

/** The upper median of `xs` (the middle one of an odd count). */
export const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/**
 * The lines `core/examples/gen_thread.rs` writes for `args`: a thread's root, then its replies,
 * one event's JSON each (`cargo build --release -p phemossa-core --example gen_thread` first).
 */
export const generateThread = (...args) => new Promise((resolve, reject) => {
  execFile(GEN_THREAD, args.map(String), { maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
    if (error) return reject(new Error(`${GEN_THREAD} failed (build it first): ${error.message}\n${stderr}`));
    return resolve(stdout.split('\n').filter((l) => l.trim()));
  });
});

/**
 * A stand-in for node:test's context: the e2e harness registers its clean-ups here, and
 * `cleanup()` runs them last registered first (browsers before the relay they use).
 */
export function benchContext() {
  const cleanups = [];
  return {
    after: (fn) => cleanups.push(fn),
    passed: true,
    cleanup: async () => { for (const fn of cleanups.reverse()) await fn(); },
  };
}

/**
 * Reads `read()` every `pollMs` until `accept` takes its value, and resolves with it; throws,
 * saying the last value, after `timeoutMs`. The poll bounds what a timing measured with it can
 * resolve, so each benchmark chooses its own.
 */
export async function waitFor(read, accept, timeoutMs, pollMs = 50) {
  const start = Date.now();
  for (;;) {
    const value = await read();
    if (accept(value)) return value;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out; last ${JSON.stringify(value)?.slice(0, 200)}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/**
 * PHEMOSSA_BENCH_PROFILE=DIR: CPU profiles of every extension document of `session` (the
 * offscreen document and the options page the port client runs in) while `body` runs, written to
 * DIR as `<name>-<n>-<document>.cpuprofile` for Chrome DevTools' Performance panel.
 */
export async function profiled(session, name, n, body) {
  const dir = process.env.PHEMOSSA_BENCH_PROFILE;
  if (!dir) return body();
  const page = session.context.pages()[0] ?? (await session.context.newPage());
  const cdp = await session.context.newCDPSession(page);
  const waiting = new Map();
  let next = 1;
  cdp.on('Target.receivedMessageFromTarget', ({ sessionId, message }) => {
    const { id, result } = JSON.parse(message);
    waiting.get(`${sessionId}/${id}`)?.(result);
  });
  const send = (sessionId, method, params = {}) => new Promise((resolve) => {
    const id = next++;
    waiting.set(`${sessionId}/${id}`, resolve);
    cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) });
  });
  const { targetInfos } = await cdp.send('Target.getTargets');
  const targets = [];
  for (const info of targetInfos.filter((i) => i.url.startsWith(`chrome-extension://${session.extensionId}/`))) {
    const { sessionId } = await cdp.send('Target.attachToTarget', { targetId: info.targetId, flatten: false });
    await send(sessionId, 'Profiler.enable');
    await send(sessionId, 'Profiler.setSamplingInterval', { interval: 200 });
    await send(sessionId, 'Profiler.start');
    targets.push({ sessionId, what: info.url.split('/').pop().replace(/\W+/g, '_') });
  }
  try {
    return await body();
  } finally {
    for (const { sessionId, what } of targets) {
      const { profile } = await send(sessionId, 'Profiler.stop');
      await writeFile(`${dir}/${name}-${n}-${what}.cpuprofile`, JSON.stringify(profile));
    }
    await cdp.detach().catch(() => {});
  }
}

/** USER_HZ, the ticks a second of /proc's CPU times: 100 on every Linux this project runs on. */
const TICKS_PER_SECOND = 100;

/**
 * Every process running now, by pid: its command line (split at spaces too: Chromium's child
 * processes rewrite their title into one string), its parent's pid and the CPU seconds it has
 * used (utime + stime). Read from Linux's /proc; null where there is none.
 */
function runningProcesses() {
  let entries;
  try { entries = readdirSync('/proc'); } catch { return null; }
  const processes = new Map();
  for (const pid of entries.filter((e) => /^\d+$/.test(e))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split(/[\0 ]/);
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      processes.set(pid, {
        cmdline,
        parent: fields[1],
        used: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND,
      });
    } catch { /* ended between the listing and the read */ }
  }
  return processes;
}

/**
 * CPU seconds used so far by the Chromium processes of the browser whose profile is
 * `profileDir`, by kind: `browser` (its main process, where IndexedDB's backend runs), `renderer`
 * (pages, the extension's documents and their workers) and `other` (the zygotes, GPU, network and
 * the other utility processes). Null where there is no /proc. Two reads
 * around a measurement say where its CPU went, which a profile of the documents cannot:
 * IndexedDB's work happens outside them.
 */
export function chromiumCpuSeconds(profileDir) {
  const processes = runningProcesses();
  if (!processes) return null;
  // The browser process names the profile; every other process of that browser descends from it
  // (not every child repeats the flag).
  const browser = [...processes].find(([, p]) => p.cmdline.includes(`--user-data-dir=${profileDir}`)
    && !p.cmdline.some((arg) => arg.startsWith('--type=')));
  if (!browser) return null;
  const ofBrowser = (pid) => {
    for (let at = pid, hops = 0; at && hops < 8; at = processes.get(at)?.parent, hops++) {
      if (at === browser[0]) return true;
    }
    return false;
  };
  const seconds = { browser: 0, renderer: 0, other: 0 };
  for (const [pid, p] of processes) {
    if (!ofBrowser(pid)) continue;
    const type = p.cmdline.find((arg) => arg.startsWith('--type='));
    if (pid === browser[0]) seconds.browser += p.used;
    else if (type === '--type=renderer') seconds.renderer += p.used;
    else seconds.other += p.used;
  }
  return seconds;
}

/**
 * CPU seconds the machine has spent so far, busy and in all (every core's jiffies from
 * /proc/stat, idle and iowait counted as not busy); null where there is none. Two reads around a
 * measurement say how many of the machine's cores it kept busy, whoever used them.
 */
export function machineCpuSeconds() {
  let line;
  try { line = readFileSync('/proc/stat', 'utf8').split('\n')[0]; } catch { return null; }
  const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = ticks.reduce((sum, t) => sum + t, 0) / TICKS_PER_SECOND;
  return { busy: total - (ticks[3] + ticks[4]) / TICKS_PER_SECOND, total };
}

/** CPU seconds used so far by the processes whose executable's path ends in `name`, summed. */
export function processCpuSeconds(name) {
  const processes = runningProcesses();
  if (!processes) return null;
  let used = 0;
  for (const p of processes.values()) if (p.cmdline[0].endsWith(name)) used += p.used;
  return used;
}

/**
 * Waits (at most 2 minutes) until the store holds at least `events` events, after following
 * people: each follow is announced to its author signed again with proof of work (issue 14),
 * found in the proof-of-work worker, about a second of a core each and random in length. A
 * bench that measures storing waits for them, so no search burns a core during its measurement
 * (beside one, the store bench's ingest went from about 4,000 to 5,600 events/s from run to run
 * as the searches happened to overlap the import or not). Says on stderr if they never all came.
 */
export async function followAnnouncementsStored(request, events) {
  try {
    await waitFor(() => request({ method: 'get_stats' }), (stats) => stats.events >= events, 120_000, 250);
  } catch (e) {
    console.error(`the follows' announcements were not all stored (${e.message}); measuring anyway`);
  }
}
