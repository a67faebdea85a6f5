// thread.test.mjs: replies and threads (issue 14), in real browsers through a relay in the
// network namespace. A and B follow each other. B presses "Reply" on A's post in the feed, writes
// in the textbox "Reply" and presses "Post reply". A's feed then counts "1 reply" on the post; A
// opens the conversation: the list "Thread" holds the post and B's reply, indented under it. A
// answers B's reply from the thread, and B's thread shows the three in order. Muting B hides B's
// reply from A's thread, with what hangs under it, and says so in words.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  TEST_TIMEOUT, feedHas, listItems, post, until,
} from './helpers.mjs';
import { mutualPair } from './p2p-harness.mjs';

/** The feed item on `page` that holds `text`. */
const feedItem = (page, text) => page.getByRole('list', { name: 'Feed' }).getByRole('listitem').filter({ hasText: text });

/** Writes `text` in the reply box of the open conversation on `page` and posts it. */
async function reply(page, text) {
  await page.getByRole('textbox', { name: 'Reply' }).fill(text);
  await page.getByRole('button', { name: 'Post reply' }).click();
  await until(`"${text}" in the thread`, () => listItems(page, 'Thread'), (l) => l.some((t) => t.includes(text)));
}

test('a reply from the feed reaches the author, who sees it counted and in the thread, and answers it',
  { timeout: 3 * TEST_TIMEOUT }, async (t) => {
    const {
      aPopup, bPopup, aKey, bKey, tag,
    } = await mutualPair(t);
    const question = `Does moss grow on the north side? ${tag}`;
    await post(aPopup, question);
    await feedHas(bPopup, [question], 60_000);

    // B replies from the feed: the thread opens with the reply box answering A's post.
    await feedItem(bPopup, question).getByRole('button', { name: 'Reply', exact: true }).click();
    const target = await bPopup.getByText(/^Replying to /).innerText();
    assert.ok(target.includes(aKey.slice(0, 8)), `the reply box says whom it answers: "${target}"`);
    const answer = `Not always: wherever it is damp ${tag}`;
    await reply(bPopup, answer);
    await bPopup.getByRole('button', { name: 'Back' }).click();
    await feedHas(bPopup, [answer]);

    // A sees it counted on the post, and in the conversation under it.
    // (Counted as it arrives, by the push that brings it, without a reload.)
    await until('A to count the reply', () => feedItem(aPopup, question).innerText(),
      (text) => /1 reply/.test(text), 60_000);
    await feedItem(aPopup, question).getByRole('button', { name: '1 reply' }).click();
    const thread = aPopup.getByRole('list', { name: 'Thread' });
    await until("A's thread to show the post, then B's reply", () => listItems(aPopup, 'Thread'),
      (list) => list.length === 2 && list[0].includes(question) && list[1].includes(answer));
    const indent = (n) => thread.getByRole('listitem').nth(n).evaluate((li) => parseFloat(getComputedStyle(li).marginLeft));
    assert.ok((await indent(1)) > (await indent(0)), 'the reply is indented under the post');

    // A answers B's reply from the thread.
    await thread.getByRole('listitem').nth(1).getByRole('button', { name: 'Reply', exact: true }).click();
    const aTarget = await aPopup.getByText(/^Replying to /).innerText();
    assert.ok(aTarget.includes(bKey.slice(0, 8)), `A's reply box answers B: "${aTarget}"`);
    const again = `Damp and shady, then ${tag}`;
    await reply(aPopup, again);
    const shown = await listItems(aPopup, 'Thread');
    assert.deepEqual(shown.map((text) => [question, answer, again].findIndex((x) => text.includes(x))), [0, 1, 2]);

    // B's thread, opened from B's own reply in the feed, is the same conversation.
    // Each reload reads the feed afresh; it is read once its first page shows (A's question).
    await until("B to store A's answer", async () => {
      await bPopup.reload();
      await feedItem(bPopup, question).waitFor();
      return feedItem(bPopup, again).count();
    }, (n) => n === 1, 60_000);
    await feedItem(bPopup, answer).getByRole('button', { name: /1 reply|Thread/ }).click();
    await until("B's thread to show all three in order", () => listItems(bPopup, 'Thread'),
      (list) => list.length === 3 && list[0].includes(question) && list[1].includes(answer) && list[2].includes(again));

    // A mutes B: B's reply leaves A's thread with A's answer under it, said in words.
    await aPopup.getByRole('button', { name: 'Back' }).click();
    await feedItem(aPopup, question).getByRole('button', { name: /replies|reply/ }).first().click();
    await thread.getByRole('listitem').nth(1).getByRole('button', { name: 'Mute', exact: true }).click();
    await until("B's reply to leave A's thread", () => listItems(aPopup, 'Thread'),
      (list) => list.length === 1 && list[0].includes(question));
    const note = await aPopup.getByText(/from people you muted or blocked/).innerText();
    assert.match(note, /^2 replies from people you muted or blocked/);
  });
