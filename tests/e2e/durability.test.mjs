// durability.test.mjs: the offscreen document closed in the middle of an import, and in the middle
// of a retention pass (issue 15). It comes back; no event is half written (every stored event is
// byte for byte one that was sent); the running totals the Storage section shows equal a recount;
// and storing or pruning carries on to the same end as if nothing had happened.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TEST_TIMEOUT, until, withSession } from './helpers.mjs';
import { assertStoredIntact, generateEvents, portClient } from './p2p-harness.mjs';

const EVENTS = 20_000;
const PART = 500;


/** Closes the offscreen document as a crash would, from the service worker. */
async function killBackground(session) {
  const [worker] = session.context.serviceWorkers();
  await worker.evaluate(() => chrome.offscreen.closeDocument());
}

/** A port client on a background that answers again (the pages' ensure-offscreen starts it). */
async function backAgain(session) {
  const client = await portClient(session);
  await until('the background to answer again', () => client.request({ method: 'get_identity' }).catch(() => null),
    (identity) => Boolean(identity?.public_key));
  return client;
}

test('the background closed mid-import and mid-retention comes back with nothing half written',
  { timeout: 3 * TEST_TIMEOUT }, () =>
  withSession(async (session) => {
    const { lines } = await generateEvents(EVENTS, { authors: 4, seed: 21 });
    const sent = new Set(lines);
    let client = await portClient(session);
    // These authors are nobody the user follows; the daily limit is raised so all may be stored.
    await client.request({ method: 'set_keep_out_settings', params: { muted_words: [], per_author_per_day: 100000 } });
    await client.request({ method: 'set_retention', params: { retention: { others_days: 3650, others_mb: 10000 } } });

    // Mid-import: the parts go in one after another from the page, and the document is closed
    // while they do.
    await client.page.evaluate(({ lines, part }) => {
      window.importDone = 0;
      (async () => {
        for (let i = 0; i < lines.length; i += part) {
          const result = await window.phemossaRequest({ method: 'import_events', params: { events: lines.slice(i, i + part), first_line: i + 1 } });
          if (!result.Ok) return;
          window.importDone += part;
        }
      })();
    }, { lines, part: PART });
    await until('the import to be under way', () => client.page.evaluate(() => window.importDone), (n) => n >= 3 * PART, 60_000);
    await killBackground(session);
    const cutAt = await client.page.evaluate(() => window.importDone);
    assert.ok(cutAt < EVENTS, `closed before the import ended (${cutAt} of ${EVENTS})`);
    await client.page.close();

    client = await backAgain(session);
    const afterImport = await assertStoredIntact(client, sent);
    assert.ok(afterImport.lines.length >= cutAt, `what was answered as stored stays stored (${afterImport.lines.length} ≥ ${cutAt})`);
    // The import run again from the top stores the rest once; nothing stored twice.
    let stored = 0;
    let duplicates = 0;
    for (let i = 0; i < lines.length; i += PART) {
      const report = await client.request({ method: 'import_events', params: { events: lines.slice(i, i + PART), first_line: i + 1 } });
      assert.equal(report.rejected, 0);
      stored += report.stored;
      duplicates += report.duplicates;
    }
    assert.equal(duplicates, afterImport.lines.length, 'what survived counts as already had');
    assert.equal(stored + duplicates, EVENTS);
    const full = await assertStoredIntact(client, sent);
    assert.equal(full.lines.length, EVENTS, 'every event stored once');

    // Mid-retention: a 1 MB limit for others' events starts a pass that deletes most of them;
    // the document is closed while it runs.
    const before = full.stats.bytes;
    // Not awaited: its answer never comes, since the document is closed before the pass ends.
    client.page.evaluate(() => window.phemossaRequest({ method: 'set_retention', params: { retention: { others_days: 3650, others_mb: 1 } } }))
      .catch(() => {});
    const underWay = await until('the pass to be under way', () => client.request({ method: 'get_stats' }),
      (stats) => stats.pruned > 0 || stats.bytes < before, 60_000);
    await killBackground(session);
    assert.ok(underWay.bytes > 1_000_000, `closed before the pass ended (${underWay.bytes} bytes left then)`);
    await client.page.close();

    client = await backAgain(session);
    // The pass runs again at start (a page's reads meanwhile would race its deletes): it ends
    // where an uninterrupted one would, at 1 MB or less, oldest first.
    const settled = await until('retention to finish after the restart', () => client.request({ method: 'get_stats' }),
      (stats) => stats.bytes <= 1_000_000, 60_000);
    const end = await assertStoredIntact(client, sent);
    assert.equal(end.stats.pruned, EVENTS - end.lines.length, 'pruned counts exactly what went');
    assert.ok(settled.bytes > 900_000, `no more went than needed (${settled.bytes} bytes kept)`);
    const newest = lines.map((line) => JSON.parse(line).timestamp).sort((x, y) => y - x)[end.lines.length - 1];
    assert.ok(end.lines.every((line) => JSON.parse(line).timestamp >= newest), 'the newest are the ones kept');
  }));
