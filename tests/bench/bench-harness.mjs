// bench-harness.mjs: what the benchmarks share besides the e2e harness: a stand-in for
// node:test's context, polling until a value is as wanted, and CPU profiles of the extension's
// documents.
import { writeFile } from 'node:fs/promises';

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
