// offscreen.test.mjs: the service worker's "phemossa/ensure-offscreen" answers ok, also when called
// concurrently, and recreates the offscreen document after it was closed; pages left open meanwhile
// reconnect by themselves and show what happened. With no page open, the worker's watchdog starts
// a closed document again and replaces a hung one, and the popup then says why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TEST_TIMEOUT, listItems, readPublicKey, until, withSession } from './helpers.mjs';

const ensureMany = (n) => Promise.all(Array.from({ length: n },
  () => chrome.runtime.sendMessage({ type: 'phemossa/ensure-offscreen' })));
/** The context ids of the offscreen documents. */
const offscreenIds = async () =>
  (await chrome.runtime.getContexts({ contextTypes: ['OFFSCREEN_DOCUMENT'] })).map((c) => c.contextId);

test('ensure-offscreen keeps exactly one ready offscreen document', { timeout: TEST_TIMEOUT }, () =>
  withSession(async (session) => {
    const page = await session.popup();
    assert.deepEqual(await page.evaluate(ensureMany, 5), Array(5).fill({ ok: true }), 'concurrent ensure-offscreen replies');
    const [first, ...more] = await page.evaluate(offscreenIds);
    assert.equal(more.length, 0, 'exactly one offscreen document');

    // The open popup reconnects by itself at once, so the document may be back before it can be counted.
    await page.evaluate(() => chrome.offscreen.closeDocument());
    assert.deepEqual(await page.evaluate(ensureMany, 2), Array(2).fill({ ok: true }), 'ensure-offscreen after closing');
    const ids = await page.evaluate(offscreenIds);
    assert.equal(ids.length, 1, 'exactly one offscreen document after closing');
    assert.notEqual(ids[0], first, 'the offscreen document should be a new one');
  }));

test('an open popup shows new posts after the offscreen document restarts', { timeout: TEST_TIMEOUT }, () =>
  withSession(async (session) => {
    const popup = await session.popup();
    await readPublicKey(popup);
    await popup.getByText('No posts yet').waitFor({ state: 'visible' });

    await popup.evaluate(() => chrome.offscreen.closeDocument());
    const other = await session.popup();
    await readPublicKey(other);
    const text = `Posted elsewhere after a restart ${Date.now()}`;
    await other.getByRole('textbox', { name: 'New post' }).fill(text);
    await other.getByRole('button', { name: 'Post', exact: true }).click();
    await until(`the other page's feed to show "${text}"`,
      () => listItems(other, 'Feed'), (list) => list.some((t) => t.includes(text)));

    await until(`the popup left open to show "${text}" without reopening`,
      () => listItems(popup, 'Feed'), (list) => list.some((t) => t.includes(text)));
    assert.equal((await popup.evaluate(offscreenIds)).length, 1, 'exactly one offscreen document');
  }));

test('the watchdog brings the background back when it is gone or hung, and pages say why',
  { timeout: TEST_TIMEOUT }, () =>
  withSession(async (session) => {
    const popup = await session.popup();
    await readPublicKey(popup);
    const [first] = await popup.evaluate(offscreenIds);
    // No page is left open to ask for the document: only the service worker's watchdog does.
    await popup.close();
    const [worker] = session.context.serviceWorkers();
    const documents = () => worker.evaluate(async () =>
      (await chrome.runtime.getContexts({ contextTypes: ['OFFSCREEN_DOCUMENT'] })).map((c) => c.contextId));

    // Gone: closed with nothing open to notice. The next alarm (every 30 s) starts it again.
    await worker.evaluate(() => chrome.offscreen.closeDocument());
    const second = await until('the watchdog to start a new offscreen document', documents,
      (ids) => ids.length === 1 && ids[0] !== first, 65_000);
    // Until it first answers the watchdog, a new document may still be opening its database, and
    // the watchdog leaves it alone for two minutes. So the next step waits until the worker's own
    // start of it has finished (`ensureOffscreen` joins the start in flight), not merely for some
    // ping to be answered: freezing it before the worker saw it answer would leave the watchdog
    // waiting out those two minutes.
    await until('the new background to answer the watchdog', () => worker.evaluate(() =>
      ensureOffscreen().then(() => readyAt >= createdAt, () => false)), (ready) => ready === true);

    // Hung: the document is frozen (it runs no task and answers nothing, as a wasm instance stuck
    // after a trap or a deadlocked task queue would). The watchdog gets no answer for 20 s and
    // replaces it. (A main thread spinning in a loop cannot be shown here: extension pages share
    // one renderer process, so it would stall the new document too; only the browser can end it.)
    const cdp = await session.context.newCDPSession(await session.context.newPage());
    const { targetInfos } = await cdp.send('Target.getTargets');
    const targets = targetInfos.filter((t) => t.type === 'background_page' && t.url.endsWith('/offscreen.html'));
    assert.ok(targets.length > 0, 'the offscreen document is a target');
    for (const target of targets) {
      const { sessionId } = await cdp.send('Target.attachToTarget', { targetId: target.targetId, flatten: false });
      await cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id: 1, method: 'Page.setWebLifecycleState', params: { state: 'frozen' } }) });
    }
    const ping = () => worker.evaluate(() => Promise.race([
      chrome.runtime.sendMessage({ type: 'phemossa/ping' }).catch(() => null),
      new Promise((resolve) => setTimeout(() => resolve(null), 3000)),
    ]));
    await until('the frozen background to stop answering', ping, (reply) => reply === null, 10_000);
    // The next alarm (within 30 s) finds it silent for 20 s and replaces it.
    await until('the watchdog to replace the hung offscreen document', documents,
      (ids) => ids.length === 1 && ids[0] !== second[0], 130_000);
    await cdp.detach().catch(() => {});

    // The popup works again and says what happened, until dismissed.
    const again = await session.popup();
    await readPublicKey(again);
    const notice = again.getByRole('status', { name: 'Background restarted' });
    await until('the popup to say the background was restarted', () => notice.innerText(),
      (text) => /restarted its background .* because it stopped answering for 20 seconds/.test(text));
    await notice.getByRole('button', { name: 'Dismiss' }).click();
    await notice.waitFor({ state: 'detached' });
    const later = await session.popup();
    await readPublicKey(later);
    await later.getByRole('list', { name: 'Feed' }).or(later.getByText('No posts yet')).first().waitFor();
    assert.equal(await later.getByRole('status', { name: 'Background restarted' }).count(), 0, 'dismissed stays dismissed');
  }));
