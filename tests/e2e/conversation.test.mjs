// conversation.test.mjs: a conversation among three browsers through a relay in the network
// namespace (issue 14's "done when"). B and C follow A; A follows nobody, and C does not follow
// B. Each follow is announced to A with proof of work, since A follows neither (§8.9). B
// replies to A's post and mentions A in a post of its own; both are addressed to A, a
// stranger to B, so B's browser does the proof of work and they reach A's inbox: A's toolbar
// badge says 4 and A's "Notifications" names B and C for what each did, and A's thread shows
// B's reply. C,
// who never pulls anything of B's, opens A's thread and sees B's reply there, asked of its
// peers (docs/protocol.md §8.10), while C's feed still shows only A's posts. A reacts 👍 to B's
// reply: its count shows on all three. Nobody is blamed for any of it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  TEST_TIMEOUT, feedHas, follow, listItems, post, readPublicKey, until,
} from './helpers.mjs';
import {
  launchBrowser, portClient, setBootstrap, startRelay,
} from './p2p-harness.mjs';

const feedItem = (page, text) => page.getByRole('list', { name: 'Feed' }).getByRole('listitem').filter({ hasText: text });
const threadItem = (page, text) => page.getByRole('list', { name: 'Thread' }).getByRole('listitem').filter({ hasText: text });

/** The toolbar badge's text, as an extension page reads it. */
const badge = (page) => page.evaluate(() => chrome.action.getBadgeText({}));

/** The reaction counts on the thread item holding `text`: the toggle buttons named by an emoji. */
const reactionCounts = (page, text) => threadItem(page, text)
  .getByRole('button', { name: /^\p{Extended_Pictographic}/u })
  .evaluateAll((buttons) => buttons
    .filter((b) => b.hasAttribute('aria-pressed'))
    .map((b) => b.innerText.trim()));

test("a stranger's reply reaches its addressee, and a follower of the author sees it in the thread",
  { timeout: 4 * TEST_TIMEOUT }, async (t) => {
    const relay = await startRelay(t);
    const a = await launchBrowser(t, 'A');
    const b = await launchBrowser(t, 'B');
    const c = await launchBrowser(t, 'C');
    for (const session of [a, b, c]) await setBootstrap(session, relay.wsAddr);
    const tag = String(Date.now()).slice(-5);
    const aPopup = await a.popup();
    const bPopup = await b.popup();
    const cPopup = await c.popup();
    const aKey = await readPublicKey(aPopup);
    const bKey = await readPublicKey(bPopup);
    const cKey = await readPublicKey(cPopup);
    await follow(bPopup, aKey);
    await follow(cPopup, aKey);

    const question = `Where do the swifts sleep? ${tag}`;
    await post(aPopup, question);
    await feedHas(bPopup, [question], 60_000);
    await feedHas(cPopup, [question], 60_000);

    // B replies: addressed to A, who does not follow B, so B's browser finds the work first.
    await feedItem(bPopup, question).getByRole('button', { name: 'Reply', exact: true }).click();
    const answer = `On the wing, all night ${tag}`;
    await bPopup.getByRole('textbox', { name: 'Reply' }).fill(answer);
    await bPopup.getByRole('button', { name: 'Post reply' }).click();
    await until("B's reply in B's thread", () => listItems(bPopup, 'Thread'),
      (l) => l.some((x) => x.includes(answer)), 60_000);
    await bPopup.getByRole('button', { name: 'Back' }).click();

    // B mentions A in a post of its own, picking A from the suggestions.
    const box = bPopup.getByRole('textbox', { name: 'New post' });
    await box.fill(`Ask @${aKey.slice(0, 5)}`);
    const suggestions = bPopup.getByRole('group', { name: 'Mention suggestions' });
    await suggestions.getByRole('button', { name: new RegExp(aKey.slice(0, 8).replace(/[+/]/g, '\\$&')) }).click();
    await box.pressSequentially(`about swifts ${tag}`);
    await bPopup.getByRole('button', { name: 'Post', exact: true }).click();
    await feedHas(bPopup, [`about swifts ${tag}`], 60_000);

    // A: the badge counts all four, and the list names who did what, newest first.
    await until("A's badge to say 4", () => badge(aPopup), (text) => text === '4', 90_000);
    await aPopup.getByRole('button', { name: 'Notifications, 4 unread' }).click();
    const items = await until("A's four notifications", () => listItems(aPopup, 'Notifications'), (l) => l.length === 4);
    assert.match(items[0], /mentioned you/);
    assert.match(items[1], /replied to your post/);
    assert.ok(items[1].includes(answer), `the reply's words: ${items[1]}`);
    for (const item of items.slice(0, 2)) assert.ok(item.includes(bKey.slice(0, 8)), `B's fingerprint in "${item}"`);
    const followed = items.slice(2);
    assert.ok(followed.every((item) => /started following you/.test(item)), `two new followers: ${followed}`);
    for (const key of [bKey, cKey]) {
      assert.ok(followed.some((item) => item.includes(key.slice(0, 8))), `${key.slice(0, 8)} named as a follower`);
    }
    await aPopup.getByRole('list', { name: 'Notifications' }).getByRole('listitem')
      .filter({ hasText: 'replied' }).getByRole('button').first().click();
    await until("A's thread with B's reply", () => listItems(aPopup, 'Thread'),
      (l) => l.length === 2 && l[0].includes(question) && l[1].includes(answer));

    // C follows A only: B's reply is in no pull or topic of C's, yet opening A's thread asks
    // C's peers for its replies.
    await feedItem(cPopup, question).getByRole('button', { name: 'Reply', exact: true }).click();
    await until("B's reply in C's thread, asked of C's peers", () => listItems(cPopup, 'Thread'),
      (l) => l.length === 2 && l[0].includes(question) && l[1].includes(answer), 90_000);
    await cPopup.getByRole('button', { name: 'Back' }).click();
    await feedHas(cPopup, [question]);
    assert.ok(!(await listItems(cPopup, 'Feed')).some((x) => x.includes(answer)),
      "C's feed shows only whom C follows");

    // A thanks B with 👍 on the reply: the count shows on A's, B's and C's threads.
    await threadItem(aPopup, answer).getByRole('button', { name: 'React', exact: true }).click();
    await aPopup.getByRole('group', { name: 'Pick a reaction' }).getByRole('button', { name: '👍', exact: true }).click();
    await until("A's count", () => reactionCounts(aPopup, answer), (c) => c.includes('👍 1'), 60_000);
    await feedItem(bPopup, answer).getByRole('button', { name: 'Thread' }).click();
    await until("B's count, pushed", () => reactionCounts(bPopup, answer), (c) => c.includes('👍 1'), 90_000);
    await feedItem(cPopup, question).getByRole('button', { name: '1 reply' }).click();
    await until("C's count", () => reactionCounts(cPopup, answer), (c) => c.includes('👍 1'), 90_000);

    // Nobody was counted for any of it.
    for (const [name, session] of [['A', a], ['B', b], ['C', c]]) {
      const status = await (await portClient(session)).request({ method: 'get_network' });
      for (const peer of status.peers) {
        assert.equal(peer.banned, false, `${name} banned nobody: ${JSON.stringify(peer)}`);
        assert.equal(peer.invalid_messages, 0, `${name} counted nothing invalid: ${JSON.stringify(peer)}`);
      }
    }
  });
