// keep-out-pace.test.mjs: the daily limit per author at the pace issue 15 names, 5,000 events of
// one followed author arriving within a minute, a hundred every 1.2 s, as a live author's would:
// all but what the limit admits are held back, and B's popup shows its feed within 2× of its
// time at rest meanwhile. keep-out.test.mjs covers the limit for a burst through the network.
//
// It compares two popup timings taken within this file, so no other file runs beside it
// (tests/run-e2e.mjs). Only this part needs to: the rest of keep-out runs beside other files.
// e2e: run alone
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TEST_TIMEOUT, feedHas, post, readPublicKey } from './helpers.mjs';
import { generateEvents, launchBrowser, portClient } from './p2p-harness.mjs';
import { admittedOf, timeToFeed } from './keep-out-harness.mjs';

test("the popup stays responsive while a followed author's 5,000 events arrive within a minute",
  { timeout: 2 * TEST_TIMEOUT }, async (t) => {
    const b = await launchBrowser(t, 'B');
    const bPopup = await b.popup();
    await readPublicKey(bPopup);
    const tag = String(Date.now()).slice(-5);
    // What B's feed shows at rest: posts of its own.
    const own = [1, 2, 3].map((n) => `B's post ${n} ${tag}`);
    for (const text of own) await post(bPopup, text);
    await feedHas(bPopup, own);
    const bPort = await portClient(b);

    const paced = await generateEvents(5000, { authors: 1, seed: 16 });
    const [author] = paced.authors;
    const admitted = admittedOf(paced.lines);
    assert.ok(admitted < 5000, 'the flood is over the limit');
    await bPort.request({ method: 'follow', params: { public_key: author } });
    const idle = await timeToFeed(b);

    const during = [];
    let keptOut = 0;
    for (let i = 0; i < paced.lines.length; i += 100) {
      const started = Date.now();
      const report = await bPort.request({ method: 'import_events', params: { events: paced.lines.slice(i, i + 100), first_line: i + 1 } });
      assert.equal(report.rejected, 0);
      keptOut += report.kept_out;
      if (i % 1000 === 500) during.push(await timeToFeed(b, 1));
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, 1200 - (Date.now() - started))));
    }
    assert.equal(keptOut, 5000 - admitted, 'held to the limit');
    const status = await bPort.request({ method: 'get_keep_out' });
    assert.ok(status.held_back >= 5000 - admitted && status.held_back_authors === 1,
      `held back counted: ${JSON.stringify(status)}`);
    during.sort((x, y) => x - y);
    const duringMedian = during[Math.floor(during.length / 2)];
    t.diagnostic(`popup time to first feed item: idle ${idle.toFixed(0)} ms; while 5,000 events arrive within a minute `
      + `${duringMedian.toFixed(0)} ms (median of ${during.map((x) => x.toFixed(0)).join(', ')}; ratio `
      + `${(duringMedian / idle).toFixed(2)})`);
    assert.ok(duringMedian <= 2 * idle, `the popup stays responsive: ${duringMedian.toFixed(0)} ms against ${idle.toFixed(0)} ms at rest`);
  });
