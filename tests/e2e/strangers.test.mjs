// strangers.test.mjs: replies from people the user does not follow (issue 14, docs/protocol.md
// §8.9), in real browsers through a relay in the network namespace. B follows A; A does not
// follow B, so nothing of B's reaches A by A's pulls or author topics: only A's inbox. A asks 32
// bits of work of strangers in the options page's "Proof of work required from strangers
// (bits)"; B's reply carries the default 22, found in B's proof-of-work worker, so A drops it,
// counts it in the Network section and blames nobody; opening the thread, which asks B for its
// replies, holds it back too. A lowers the setting to 20: B's next reply reaches A live, is
// listed in A's "Notifications" and shows in A's thread, and so does B's 🎉 on A's post; B's
// browser is neither banned nor counted invalid on A's side.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  TEST_TIMEOUT, feedHas, follow, listItems, post, until,
} from './helpers.mjs';
import { popupPair, portClient } from './p2p-harness.mjs';

const feedItem = (page, text) => page.getByRole('list', { name: 'Feed' }).getByRole('listitem').filter({ hasText: text });

/** Sets the work `options` (A's options page) asks of strangers, and waits until it is saved. */
async function askOfStrangers(options, bits) {
  await options.getByRole('spinbutton', { name: 'Proof of work required from strangers (bits)' }).fill(String(bits));
  await options.getByRole('button', { name: 'Save filters' }).click();
  await until(`${bits} bits to be saved`, () => options.getByRole('status').allInnerTexts(),
    (list) => list.some((x) => /Saved/.test(x)));
}

/** Replies `text` to the feed item holding `parent` on `popup`, and waits for its thread. */
async function reply(popup, parent, text) {
  await feedItem(popup, parent).getByRole('button', { name: 'Reply', exact: true }).click();
  await popup.getByRole('textbox', { name: 'Reply' }).fill(text);
  await popup.getByRole('button', { name: 'Post reply' }).click();
  await until(`"${text}" in the replier's thread`, () => listItems(popup, 'Thread'),
    (l) => l.some((x) => x.includes(text)), 60_000);
  await popup.getByRole('button', { name: 'Back' }).click();
}

test("a stranger's reply reaches its addressee only with the work they ask, and nobody is blamed",
  { timeout: 3 * TEST_TIMEOUT }, async (t) => {
    const {
      a, b, aPopup, bPopup, aKey, bKey, tag,
    } = await popupPair(t);
    await follow(bPopup, aKey);
    const aPort = await portClient(a);
    const bPort = await portClient(b);
    // A failure report carries what each side's network held: its connections to the other,
    // their kinds and the counts, which is what a reply that never arrives is about.
    try {
      const aOptions = await a.options();
      await askOfStrangers(aOptions, 32);

      const question = `Which way does the creek run? ${tag}`;
      await post(aPopup, question);
      await feedHas(bPopup, [question], 60_000);

      // Too little work for A: B's reply is posted on B's side, and dropped on A's, counted. (B's
      // follow of A, sent without work, may have been counted already: only the rise is B's reply.)
      const before = (await aPort.request({ method: 'get_network' })).held_for_work ?? 0;
      const early = `North, past the mill ${tag}`;
      await reply(bPopup, question, early);
      await until(`A to count B's reply as held for its work (from ${before})`,
        () => aPort.request({ method: 'get_network' }), (s) => (s.held_for_work ?? 0) > before, 60_000);
      await until('the Network section to say so in words',
        () => aOptions.getByText('Events from strangers without enough proof of work').count(), (n) => n === 1);

      // Opening the thread asks B for its replies (protocol.md §8.10), but one addressed to A
      // passes A's inbox gate first: B's reply is held again, and the thread does not show it.
      const held = (await aPort.request({ method: 'get_network' })).held_for_work;
      await feedItem(aPopup, question).getByRole('button', { name: 'Reply', exact: true }).click();
      await until("A's thread fetch to hold B's reply too",
        () => aPort.request({ method: 'get_network' }), (s) => s.held_for_work > held, 60_000);
      const questionId = (await aPort.request({ method: 'get_feed', params: { before: null, limit: 10 } }))
        .items.find((item) => item.text === question).id;
      const asked = await aPort.request({ method: 'get_thread', params: { id: questionId } });
      assert.deepEqual(asked.replies, [], 'no reply without the work A asks, fetched or not');
      await aPopup.getByRole('button', { name: 'Back' }).click();

      // Enough work: the next reply reaches A live.
      await askOfStrangers(aOptions, 20);
      const later = `South, then east by the ford ${tag}`;
      await reply(bPopup, question, later);
      await aPopup.reload();
      await aPopup.getByRole('button', { name: /^Notifications/ }).click();
      const items = await until("B's reply in A's notifications", () => listItems(aPopup, 'Notifications'),
        (l) => l.some((x) => x.includes(later)), 60_000);
      const replied = items.find((x) => x.includes(later));
      assert.match(replied, /replied to your post/);
      assert.ok(replied.includes(bKey.slice(0, 8)), `B's fingerprint in "${replied}"`);

      // A reaction of B's carries its work too, and reaches A the same way.
      await feedItem(bPopup, question).getByRole('button', { name: 'React', exact: true }).click();
      await bPopup.getByRole('group', { name: 'Pick a reaction' }).getByRole('button', { name: '🎉', exact: true }).click();
      await until("B's reaction counted on B's side", () => feedItem(bPopup, question).innerText(), (text) => text.includes('🎉 1'), 60_000);
      await aPopup.reload();
      await aPopup.getByRole('button', { name: /^Notifications/ }).click();
      await until("B's reaction in A's notifications", () => listItems(aPopup, 'Notifications'),
        (l) => l.some((x) => /reacted 🎉 to your post/.test(x) && x.includes(bKey.slice(0, 8))), 60_000);

      await aPopup.getByRole('list', { name: 'Notifications' }).getByRole('listitem')
        .filter({ hasText: later }).getByRole('button').first().click();
      const thread = await until("A's thread with B's reply", () => listItems(aPopup, 'Thread'),
        (l) => l.some((x) => x.includes(later)));
      assert.ok(thread[0].includes(question), `the thread starts at A's post: ${thread[0]}`);

      // The browser that carried both is not blamed.
      const bId = (await bPort.request({ method: 'get_network' })).local_peer_id;
      const status = await aPort.request({ method: 'get_network' });
      const bRow = status.peers.find((p) => p.peer_id === bId);
      assert.ok(bRow, `A lists B's browser: ${JSON.stringify(status.peers.map((p) => p.peer_id))}`);
      assert.equal(bRow.banned, false, 'B is not banned');
      assert.equal(bRow.invalid_messages, 0, 'nothing of B counted invalid');
    } catch (error) {
      for (const [name, port] of [['A', aPort], ['B', bPort]]) {
        const status = await port.request({ method: 'get_network' }).catch((e) => `(unreadable: ${e.message})`);
        error.message += `\n${name}'s network: ${JSON.stringify(status)}`;
      }
      throw error;
    }
  });
