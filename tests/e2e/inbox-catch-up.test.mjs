// inbox-catch-up.test.mjs: a stranger's reply sent while its addressee's browser was closed
// still reaches them (issue 14, docs/protocol.md §8.9 "Catch-up"), in real browsers through a
// relay in the network namespace. B follows A; A does not follow B, so nothing of B's reaches
// A by A's pulls or author topics, and the inbox topic only delivers live. A closes its
// browser; B replies to A's post (with the proof of work a stranger's reply needs). When A
// comes back, it asks B for what addresses A: A's badge says 2 (B's follow, announced with
// proof of work before A left, and the reply) and "Notifications" lists B's reply first, and
// nobody is blamed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  TEST_TIMEOUT, feedHas, follow, listItems, post, until,
} from './helpers.mjs';
import { popupPair, portClient } from './p2p-harness.mjs';

const feedItem = (page, text) => page.getByRole('list', { name: 'Feed' }).getByRole('listitem').filter({ hasText: text });

/** The toolbar badge's text, as an extension page reads it. */
const badge = (page) => page.evaluate(() => chrome.action.getBadgeText({}));

test("a stranger's reply sent while the addressee was away arrives when they come back",
  { timeout: 3 * TEST_TIMEOUT }, async (t) => {
    const {
      a, b, aPopup, bPopup, aKey, bKey, tag,
    } = await popupPair(t);
    await follow(bPopup, aKey);
    const question = `Did the heron come back? ${tag}`;
    await post(aPopup, question);
    await feedHas(bPopup, [question], 60_000);

    // A leaves; B replies while A is away.
    await a.context.close();
    await feedItem(bPopup, question).getByRole('button', { name: 'Reply', exact: true }).click();
    const answer = `Yes, at dawn, by the weir ${tag}`;
    await bPopup.getByRole('textbox', { name: 'Reply' }).fill(answer);
    await bPopup.getByRole('button', { name: 'Post reply' }).click();
    await until("B's reply in B's thread", () => listItems(bPopup, 'Thread'),
      (l) => l.some((x) => x.includes(answer)), 60_000);

    // A comes back: the reply arrives by catch-up, and notifies.
    await a.launch();
    const back = await a.popup();
    await until("A's badge to say 2", () => badge(back), (text) => text === '2', 90_000);
    await back.getByRole('button', { name: 'Notifications, 2 unread' }).click();
    const items = await until("B's reply in A's notifications", () => listItems(back, 'Notifications'),
      (l) => l.length === 2);
    assert.match(items[0], /replied to your post/);
    assert.ok(items[0].includes(answer), `the reply's words: ${items[0]}`);
    assert.ok(items[0].includes(bKey.slice(0, 8)), `B's fingerprint in "${items[0]}"`);
    assert.match(items[1], /started following you/);

    // Nobody was counted for it.
    const status = await (await portClient(a)).request({ method: 'get_network' });
    for (const peer of status.peers) {
      assert.equal(peer.banned, false, `nobody banned: ${JSON.stringify(peer)}`);
      assert.equal(peer.invalid_messages, 0, `nothing counted invalid: ${JSON.stringify(peer)}`);
    }
  });
