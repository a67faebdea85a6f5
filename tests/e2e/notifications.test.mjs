// notifications.test.mjs: notifications and the toolbar badge (issue 14), in real browsers
// through a relay in the network namespace. A and B follow each other: B's follow is A's first
// notification. B replies to A's post and reacts 🎉 to it, then mentions A in a post, typing
// "@" and A's fingerprint and picking A from the group "Mention suggestions". A's toolbar badge
// says 4 and A's "Notifications" button says so in words; the list "Notifications" names B for
// each, saying what B did, newest first; opening it clears the badge;
// the reply's item opens the thread with B's reply in it. After A's browser restarts, nothing
// is unread, and all four are still listed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  TEST_TIMEOUT, feedHas, listItems, post, until,
} from './helpers.mjs';
import { mutualPair } from './p2p-harness.mjs';

const feedItem = (page, text) => page.getByRole('list', { name: 'Feed' }).getByRole('listitem').filter({ hasText: text });

/** The toolbar badge's text, as an extension page reads it. */
const badge = (page) => page.evaluate(() => chrome.action.getBadgeText({}));

test('replies and reactions to the user notify, on the badge and in the list, once',
  { timeout: 3 * TEST_TIMEOUT }, async (t) => {
    const pair = await mutualPair(t);
    const {
      a, bPopup, aKey, bKey, tag,
    } = pair;
    let { aPopup } = pair;
    const question = `Who planted the oaks? ${tag}`;
    await post(aPopup, question);
    await feedHas(bPopup, [question], 60_000);
    await until("B's follow on A's badge", () => badge(aPopup), (text) => text === '1', 60_000);

    // B answers and reacts.
    await feedItem(bPopup, question).getByRole('button', { name: 'Reply', exact: true }).click();
    const answer = `The jays, mostly ${tag}`;
    await bPopup.getByRole('textbox', { name: 'Reply' }).fill(answer);
    await bPopup.getByRole('button', { name: 'Post reply' }).click();
    await until('the reply in B\'s thread', () => listItems(bPopup, 'Thread'), (l) => l.some((x) => x.includes(answer)));
    await bPopup.getByRole('button', { name: 'Back' }).click();
    await feedItem(bPopup, question).getByRole('button', { name: 'React', exact: true }).click();
    await bPopup.getByRole('group', { name: 'Pick a reaction' }).getByRole('button', { name: '🎉', exact: true }).click();

    // B mentions A: "@" and the start of A's fingerprint offers A; picking A writes the mention.
    const box = bPopup.getByRole('textbox', { name: 'New post' });
    await box.fill(`Ask the expert, @${aKey.slice(0, 5)}`);
    const suggestions = bPopup.getByRole('group', { name: 'Mention suggestions' });
    await suggestions.getByRole('button', { name: new RegExp(aKey.slice(0, 8).replace(/[+/]/g, '\\$&')) }).click();
    const written = await box.inputValue();
    assert.match(written, /^Ask the expert, @\S+ $/, `the mention is completed: "${written}"`);
    await box.pressSequentially('about oaks');
    await bPopup.getByRole('button', { name: 'Post', exact: true }).click();
    const mentioning = feedItem(bPopup, 'about oaks');
    await until("B's post naming A", () => mentioning.innerText(), (text) => /Mentions/.test(text) && text.includes(aKey.slice(0, 8)));

    // A's badge and button count both.
    await until("A's badge to say 4", () => badge(aPopup), (text) => text === '4', 60_000);
    const button = aPopup.getByRole('button', { name: 'Notifications, 4 unread' });
    await until("A's button to say 4 unread", () => button.count(), (n) => n === 1);

    // The list names B for each, newest first, and opening it clears the badge.
    await button.click();
    const items = await until('the four notifications', () => listItems(aPopup, 'Notifications'), (l) => l.length === 4);
    assert.match(items[0], /mentioned you/);
    assert.ok(items[0].includes('about oaks'), `the mention's words: ${items[0]}`);
    assert.match(items[1], /reacted 🎉 to your post/);
    assert.match(items[2], /replied to your post/);
    assert.ok(items[2].includes(answer), `the reply's words: ${items[2]}`);
    assert.match(items[3], /started following you/);
    for (const item of items) assert.ok(item.includes(bKey.slice(0, 8)), `B's fingerprint in "${item}"`);
    await until("A's badge to clear", () => badge(aPopup), (text) => text === '');
    await until('the button to say nothing unread',
      () => aPopup.getByRole('button', { name: 'Notifications', exact: true }).count(), (n) => n === 1);

    // The reply's notification opens its thread.
    await aPopup.getByRole('list', { name: 'Notifications' }).getByRole('listitem')
      .filter({ hasText: 'replied' }).getByRole('button').first().click();
    await until("A's thread with B's reply", () => listItems(aPopup, 'Thread'),
      (l) => l.length === 2 && l[0].includes(question) && l[1].includes(answer));

    // After a restart, nothing is unread and both are still listed.
    await a.relaunch();
    aPopup = await a.popup();
    await aPopup.getByRole('button', { name: 'Notifications', exact: true }).click();
    await until('the notifications after a restart', () => listItems(aPopup, 'Notifications'), (l) => l.length === 4);
    assert.equal(await badge(aPopup), '');
  });
