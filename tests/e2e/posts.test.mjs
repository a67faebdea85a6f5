// posts.test.mjs: posting from the popup puts the post in the feed; empty and too-long posts are refused,
// with the error tied to the post box.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TEST_TIMEOUT, describedBy, expectAlert, listItems, readPublicKey, until, withSession } from './helpers.mjs';

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
