// reposts.test.mjs: reposts (issue 14), in real browsers through a relay in the network
// namespace. A and B follow each other; D follows only B and has never heard of A. A posts; B
// presses "Repost" under it, and the toggle shows pressed. D's feed shows the repost: a line
// naming B as the reposter above A's post, with A's words and A's fingerprint, verified from
// the signature the repost carries (D holds nothing else of A's). A is told: "reposted your
// post" in the list "Notifications". B presses "Undo repost": it leaves B's feed and D's,
// and D's feed stays without it after D's popup is opened again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  TEST_TIMEOUT, feedHas, follow, listItems, post, readPublicKey, until,
} from './helpers.mjs';
import { launchBrowser, mutualPair, setBootstrap } from './p2p-harness.mjs';

const feedItem = (page, text) => page.getByRole('list', { name: 'Feed' }).getByRole('listitem').filter({ hasText: text });

test("a repost reaches the reposter's followers, who never followed the author, and can be undone",
  { timeout: 3 * TEST_TIMEOUT }, async (t) => {
    const {
      relay, aPopup, bPopup, aKey, bKey, tag,
    } = await mutualPair(t);
    const d = await launchBrowser(t, 'D');
    await setBootstrap(d, relay.wsAddr);
    let dPopup = await d.popup();
    const dKey = await readPublicKey(dPopup);
    assert.notEqual(dKey, aKey);
    await follow(dPopup, bKey);

    const text = `Moss grows where the shade stays ${tag}`;
    await post(aPopup, text);
    await feedHas(bPopup, [text], 60_000);

    // B reposts it; the toggle shows pressed, on the post and on B's repost of it.
    await feedItem(bPopup, text).getByRole('button', { name: 'Repost', exact: true }).click();
    await until("B's Repost to show pressed",
      () => feedItem(bPopup, text).getByRole('button', { name: 'Repost', exact: true, pressed: true }).count(), (n) => n >= 1);

    // D, who follows only B, reads A's post through B's repost.
    const shown = await until("the repost in D's feed", () => feedItem(dPopup, text).allInnerTexts(),
      (items) => items.length === 1, 60_000);
    assert.match(shown[0], /reposted/, `the repost says who passed it on: ${shown[0]}`);
    assert.ok(shown[0].includes(bKey.slice(0, 8)), `B named as the reposter: ${shown[0]}`);
    assert.ok(shown[0].includes(aKey.slice(0, 8)), `A named as the author: ${shown[0]}`);
    assert.ok(shown[0].indexOf(bKey.slice(0, 8)) < shown[0].indexOf(text), 'the reposter first, then the post');
    // D can answer the post itself: its buttons are the original's.
    assert.equal(await feedItem(dPopup, text).getByRole('button', { name: 'Reply', exact: true }).count(), 1);

    // A hears of it: B's follow, then the repost.
    const unread = aPopup.getByRole('button', { name: 'Notifications, 2 unread' });
    await until("A's button to count the repost", () => unread.count(), (n) => n === 1, 60_000);
    await unread.click();
    const news = await until("A's notification of the repost", () => listItems(aPopup, 'Notifications'),
      (items) => items.length === 2);
    assert.match(news[0], /reposted your post/);
    assert.ok(news.find((item) => /reposted your post/.test(item)).includes(bKey.slice(0, 8)), 'B named');

    // B undoes it: gone from B's feed and D's, also after D's popup opens again; B's Repost
    // is no longer pressed.
    await feedItem(bPopup, text).getByRole('button', { name: 'Undo repost', exact: true }).click();
    await until("the repost to leave B's feed", () => feedItem(bPopup, text).count(), (n) => n === 1);
    await until("B's Repost to show not pressed",
      () => feedItem(bPopup, text).getByRole('button', { name: 'Repost', exact: true, pressed: false }).count(), (n) => n === 1);
    await until("the repost to leave D's feed", () => feedItem(dPopup, text).count(), (n) => n === 0, 60_000);
    await dPopup.close();
    dPopup = await d.popup();
    await until("D's feed, loaded again", () => dPopup.getByRole('list', { name: 'Feed' }).count()
      .then(async (lists) => lists + (await dPopup.getByText('No posts yet').count())), (n) => n === 1);
    assert.equal(await feedItem(dPopup, text).count(), 0, 'the repost stays undone');
  });
