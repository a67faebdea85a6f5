// reactions.test.mjs: reactions (issue 14), in real browsers through a relay in the network
// namespace. A and B follow each other. B presses "React" under A's post and picks "🎉" from the
// group of buttons named by their emoji; B's post shows the count "🎉 1", pressed, and A's shows
// it too, pushed without a reload. A presses the count to react the same: both show "🎉 2".
// B presses it again to take theirs back (a delete of B's reaction): both come back to "🎉 1",
// and that holds after A's popup is opened again. Escape closes the picker without reacting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  TEST_TIMEOUT, feedHas, post, until,
} from './helpers.mjs';
import { mutualPair } from './p2p-harness.mjs';

/** The feed item on `page` that holds `text`. */
const feedItem = (page, text) => page.getByRole('list', { name: 'Feed' }).getByRole('listitem').filter({ hasText: text });

/** The reaction counts under the post holding `text` on `page`, [label, pressed] pairs: the
 * toggle buttons (aria-pressed) named by an emoji, read at one instant. */
function counts(page, text) {
  return feedItem(page, text)
    .getByRole('button', { name: /^\p{Extended_Pictographic}/u })
    .evaluateAll((buttons) => buttons
      .filter((b) => b.hasAttribute('aria-pressed'))
      .map((b) => [b.innerText.trim(), b.getAttribute('aria-pressed')]));
}

test('a reaction toggles, is counted once per person and reaches the author live',
  { timeout: 3 * TEST_TIMEOUT }, async (t) => {
    const pair = await mutualPair(t);
    const {
      a, bPopup, tag,
    } = pair;
    let { aPopup } = pair;
    const text = `The first fern of spring ${tag}`;
    await post(aPopup, text);
    await feedHas(bPopup, [text], 60_000);

    // The picker opens with its first choice focused; Escape closes it and reacts with nothing.
    const react = feedItem(bPopup, text).getByRole('button', { name: 'React', exact: true });
    await react.click();
    const picker = bPopup.getByRole('group', { name: 'Pick a reaction' });
    await until('the picker to focus its first emoji', () => picker.evaluate((g) => g.contains(document.activeElement)), (x) => x);
    await bPopup.keyboard.press('Escape');
    await until('Escape to close the picker', () => picker.count(), (n) => n === 0);
    assert.deepEqual(await counts(bPopup, text), []);

    // B reacts 🎉: counted at once on B, and on A by the push that brings it.
    await react.click();
    await picker.getByRole('button', { name: '🎉', exact: true }).click();
    await until("B's count", () => counts(bPopup, text), (c) => JSON.stringify(c) === JSON.stringify([['🎉 1', 'true']]));
    await until("A's count, pushed", () => counts(aPopup, text),
      (c) => JSON.stringify(c) === JSON.stringify([['🎉 1', 'false']]), 60_000);

    // A presses the count: the same emoji, from a second person.
    await feedItem(aPopup, text).getByRole('button', { name: '🎉 1' }).click();
    await until("A's count after reacting", () => counts(aPopup, text), (c) => JSON.stringify(c) === JSON.stringify([['🎉 2', 'true']]));
    await until("B's count with A's", () => counts(bPopup, text),
      (c) => JSON.stringify(c) === JSON.stringify([['🎉 2', 'true']]), 60_000);

    // B takes theirs back; A's count follows, and stays after the popup is opened again.
    await feedItem(bPopup, text).getByRole('button', { name: '🎉 2' }).click();
    await until("B's count after taking it back", () => counts(bPopup, text),
      (c) => JSON.stringify(c) === JSON.stringify([['🎉 1', 'false']]));
    await until("A's count without B's", () => counts(aPopup, text),
      (c) => JSON.stringify(c) === JSON.stringify([['🎉 1', 'true']]), 60_000);
    await aPopup.close();
    aPopup = await a.popup();
    await feedHas(aPopup, [text]);
    await until("A's count, loaded again", () => counts(aPopup, text),
      (c) => JSON.stringify(c) === JSON.stringify([['🎉 1', 'true']]));
  });
