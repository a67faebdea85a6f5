// posts.test.mjs: posting from the popup puts the post in the feed; empty and too-long posts are refused,
// with the error tied to the post box; the popup paints how it last looked, then its live feed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TEST_TIMEOUT, describedBy, expectAlert, feedHas, listItems, post, readPublicKey, until, withSession } from './helpers.mjs';
import { portClient } from './p2p-harness.mjs';

test('a post appears in the feed; empty and too-long posts are refused', { timeout: TEST_TIMEOUT }, () =>
  withSession(async (session) => {
    const page = await session.popup();
    await readPublicKey(page); // the app is up and talking to the background
    const box = page.getByRole('textbox', { name: 'New post' });
    const post = page.getByRole('button', { name: 'Post', exact: true });
    await page.getByText('No posts yet').waitFor({ state: 'visible' });

    await box.fill('');
    await post.click();
    const refused = await expectAlert(page, /empty/i);
    assert.equal(await box.getAttribute('aria-invalid'), 'true', 'the refused post box is marked invalid');
    assert.ok((await describedBy(box)).includes(refused), 'the error describes the post box');

    await box.fill('x'.repeat(1001));
    assert.equal((await box.inputValue()).length, 1001,
      'the "New post" textbox must accept more than 1000 characters (no maxlength) so the app itself refuses them');
    await post.click();
    await expectAlert(page, /too long/i);
    assert.deepEqual(await listItems(page, 'Feed'), [], 'refused posts must not reach the feed');
    await page.getByText('No posts yet').waitFor({ state: 'visible' });

    const text = `Hello from the e2e test ${Date.now()}`;
    await box.fill(text);
    await post.click();
    const items = await until(`the feed to show "${text}"`,
      () => listItems(page, 'Feed'), (list) => list.some((t) => t.includes(text)));
    assert.equal(items.length, 1, `the feed should hold exactly the one accepted post, got ${JSON.stringify(items)}`);
    await until('"No posts yet" to disappear once there is a post',
      () => page.getByText('No posts yet').filter({ visible: true }).count(), (n) => n === 0);
  }));

test('post text is shown as text, never run as HTML', { timeout: TEST_TIMEOUT }, () =>
  withSession(async (session) => {
    const page = await session.popup();
    await readPublicKey(page);
    const markup = `<img src=x onerror="document.title='pwned'"><b>bold</b> ${Date.now()}`;
    await page.getByRole('textbox', { name: 'New post' }).fill(markup);
    await page.getByRole('button', { name: 'Post', exact: true }).click();
    await until('the markup to appear literally in the feed',
      () => listItems(page, 'Feed'), (list) => list.some((t) => t.includes(markup)));
    // The only elements inside a post's text are the ones it should have: none (the author's
    // picture beside it is an img of the page's own making).
    const texts = page.getByRole('list', { name: 'Feed' }).locator('.post-text');
    assert.ok(await texts.count() > 0, 'the feed shows post texts');
    assert.equal(await texts.locator('img, b').count(), 0, 'no element was made from the post text');
    assert.notEqual(await page.title(), 'pwned', 'no script ran');
  }));

test('the popup paints how it last looked at once, then its live feed in one step', { timeout: TEST_TIMEOUT }, () =>
  withSession(async (session) => {
    const page = await session.popup();
    const first = `Seen before the popup closed ${Date.now()}`;
    await post(page, first);
    await feedHas(page, [first]);
    // The copy (popup/static/snapshot.js) is saved half a second after the view last changed.
    await until('the popup to keep a copy of its first screen',
      () => page.evaluate(() => localStorage.getItem('phemossa.popup.snapshot.v1') ?? ''), (html) => html.includes(first));
    await page.close();
    const port = await portClient(session);
    const second = `Posted while the popup was closed ${Date.now()}`;
    await port.request({ method: 'post', params: { text: second } });
    await port.page.close();

    // Recorded from before the popup's own scripts run: what the copy showed, and whether the
    // copy and the live view were ever shown at once.
    const again = await session.context.newPage();
    await again.setViewportSize({ width: 380, height: 600 });
    await again.addInitScript(() => {
      window.seen = { copy: null, both: false };
      new MutationObserver(() => {
        const copy = document.getElementById('snapshot');
        const app = document.getElementById('app');
        const shown = copy?.isConnected && !copy.hidden;
        if (shown && window.seen.copy === null) {
          window.seen.copy = { text: copy.textContent, ariaHidden: copy.getAttribute('aria-hidden'), inert: copy.inert };
        }
        if (shown && app && app.style.display !== 'none') window.seen.both = true;
      }).observe(document, { subtree: true, childList: true, attributes: true });
    });
    await again.goto(`chrome-extension://${session.extensionId}/popup.html`);
    await feedHas(again, [second, first]);
    const seen = await again.evaluate(() => window.seen);
    assert.ok(seen.copy, 'the copy was shown');
    assert.ok(seen.copy.text.includes(first) && !seen.copy.text.includes(second), 'the copy showed the feed as it was');
    assert.equal(seen.copy.ariaHidden, 'true', 'the copy is hidden from assistive technology');
    assert.equal(seen.copy.inert, true, 'nothing in the copy can be pressed');
    assert.equal(seen.both, false, 'the copy and the live view are never shown at once');
    assert.equal(await again.locator('#snapshot').count(), 0, 'the copy is gone once the live feed is drawn');
    assert.equal(await again.getByRole('list', { name: 'Feed' }).count(), 1, 'one Feed list');
  }));
