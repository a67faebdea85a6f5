// bench-harness.mjs: what the two-browser benchmarks share besides the e2e harness: a stand-in
// for node:test's context, and polling until a value is as wanted.

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
