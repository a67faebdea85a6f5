// snapshot.js: shows the popup as it last looked while its wasm starts, then hands over to it.
//
// The popup's own start (its wasm compiled and started, the port opened, the first page asked
// for and drawn) takes about 400 ms, most of it before any post can show (docs/benchmarks.md).
// So the popup keeps a copy of how its main view last looked, with the feed's first page, and
// this script, which runs as the page is parsed, before the wasm, paints that copy at once.
// The live popup is built hidden beside it and replaces it in one step as soon as its feed's
// first page is drawn (`data-feed-ready`), so nothing flickers; posts that arrived meanwhile
// show then. The copy is inert and hidden from assistive technology: nothing in it can be
// pressed or read out, and any key or click hands over to the live popup at once.
//
// The copy is the main view's markup, kept in this extension's own localStorage (posts people
// sent, which IndexedDB holds anyway; never what is being typed: a form's current values are
// not in its markup). It is saved only while the feed's first page is shown, half a second
// after the view last changed, and dropped when the identity changes (ui/src/popup_snapshot.rs).
'use strict';

(() => {
  const KEY = 'phemossa.popup.snapshot.v1';
  // Only what the popup's first screen shows: the copy is parsed and drawn before the wasm may
  // start, so every post in it delays the live view. A whole main view with 100 people followed
  // was 240 KB and held the wasm's start back by 250–370 ms; six posts are a screen and more.
  const POSTS_KEPT = 6;
  // Pictures in posts are data: URLs; a copy still larger than this is saved without them.
  const MAX_CHARS = 200_000;
  // If the live popup never shows a feed (a first start, an error), the copy goes after this.
  const GIVE_UP_MS = 2_000;
  const SAVE_AFTER_MS = 500;

  const snapshot = document.getElementById('snapshot');
  const app = document.getElementById('app');
  let saved = null;
  try {
    saved = localStorage.getItem(KEY);
  } catch (error) {
    console.warn('Phemossa: the popup snapshot cannot be read:', error);
  }

  let live = true;
  if (saved) {
    // Parsed, not assigned as innerHTML: the parser runs no script either way, and extension
    // pages refuse inline handlers, but this keeps the copy data, not code.
    const parsed = new DOMParser().parseFromString(saved, 'text/html');
    snapshot.replaceChildren(...parsed.body.childNodes);
    snapshot.hidden = false;
    app.style.display = 'none';
    live = false;
  }

  const goLive = () => {
    if (live) return;
    live = true;
    // In one task, so no frame shows neither.
    snapshot.remove();
    app.style.display = '';
  };

  const save = () => {
    if (!app.querySelector('[data-feed-ready]')) return;
    const copy = app.cloneNode(true);
    const feed = copy.querySelector('[data-feed-ready]');
    // What comes after the feed (search, following, followers) is below the first screen.
    while (feed.nextElementSibling) feed.nextElementSibling.remove();
    for (const [n, post] of feed.querySelectorAll('[aria-label="Feed"] > li').entries()) {
      if (n >= POSTS_KEPT) post.remove();
    }
    let html = copy.innerHTML;
    if (html.length > MAX_CHARS) {
      for (const img of copy.querySelectorAll('.post-images img')) img.removeAttribute('src');
      html = copy.innerHTML;
    }
    if (html.length > MAX_CHARS) return;
    try {
      localStorage.setItem(KEY, html);
    } catch (error) {
      console.warn('Phemossa: the popup snapshot cannot be saved:', error);
    }
  };

  let saveTimer = null;
  new MutationObserver(() => {
    if (!live && app.querySelector('[data-feed-ready]')) goLive();
    clearTimeout(saveTimer);
    saveTimer = setTimeout(save, SAVE_AFTER_MS);
  }).observe(app, { subtree: true, childList: true, characterData: true, attributes: true });

  if (!live) {
    setTimeout(goLive, GIVE_UP_MS);
    for (const type of ['keydown', 'pointerdown']) {
      document.addEventListener(type, goLive, { capture: true, once: true });
    }
  }
})();
