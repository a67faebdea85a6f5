// offscreen.test.mjs: the service worker's "phemossa/ensure-offscreen" answers ok, also when called
// concurrently, and recreates the offscreen document after it was closed; pages left open meanwhile
// reconnect by themselves and show what happened.
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
