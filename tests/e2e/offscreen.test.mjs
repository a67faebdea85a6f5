// offscreen.test.mjs: the service worker's "phemossa/ensure-offscreen" answers ok, also when called
// concurrently, and recreates the offscreen document after it was closed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TEST_TIMEOUT, withSession } from './helpers.mjs';

const ensureMany = (n) => Promise.all(Array.from({ length: n },
  () => chrome.runtime.sendMessage({ type: 'phemossa/ensure-offscreen' })));
const offscreenCount = async () =>
  (await chrome.runtime.getContexts({ contextTypes: ['OFFSCREEN_DOCUMENT'] })).length;

test('ensure-offscreen keeps exactly one ready offscreen document', { timeout: TEST_TIMEOUT }, () =>
  withSession(async (session) => {
    const page = await session.popup();
    assert.deepEqual(await page.evaluate(ensureMany, 5), Array(5).fill({ ok: true }), 'concurrent ensure-offscreen replies');
    assert.equal(await page.evaluate(offscreenCount), 1, 'exactly one offscreen document');

    await page.evaluate(() => chrome.offscreen.closeDocument());
    assert.equal(await page.evaluate(offscreenCount), 0, 'the offscreen document should be closed');
    assert.deepEqual(await page.evaluate(ensureMany, 2), Array(2).fill({ ok: true }), 'ensure-offscreen after closing');
    assert.equal(await page.evaluate(offscreenCount), 1, 'the offscreen document should be recreated');
  }));
