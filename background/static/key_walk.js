// key_walk.js: walks one index's key cursor for a sync listing on this side of the wasm
// boundary (background/src/storage/sync.rs, through wasm-bindgen's snippets). A listing steps
// the cursor once per stored event: 100,000 steps to answer a first sync of 100,000 events.
// Stepped from Rust, each step crossed into wasm and back several times (the success event,
// the future's wake-up, the key, the primary key, the next step), and the responder took about
// 10 s to list before it could answer the first round. Here only the result crosses, once per
// walk. This file decides nothing: which entries count is the caller's `after`, how many its
// `limit`, and Rust checks every timestamp and id it is handed (a corrupt store is its error).
//
// walkKeys(index, range, afterTimestamp, afterId, limit) resolves to
// { timestamps: Float64Array, ids: string } with the entries of `range` in index order that
// come strictly after (afterTimestamp, afterId) (every entry when afterId is null), at most
// limit + 1 of them: each entry's timestamp (the key itself, or its last part for a compound
// key) and its primary key, the ids concatenated. It rejects with the request's error.
export function walkKeys(index, range, afterTimestamp, afterId, limit) {
  return new Promise((resolve, reject) => {
    const timestamps = [];
    const ids = [];
    const done = () => resolve({ timestamps: Float64Array.from(timestamps), ids: ids.join('') });
    const request = index.openKeyCursor(range, 'next');
    request.onerror = () => reject(request.error);
    request.onsuccess = () => {
      const cursor = request.result;
      if (!cursor) return done();
      const key = cursor.key;
      const timestamp = Array.isArray(key) ? key[key.length - 1] : key;
      const id = cursor.primaryKey;
      // Ids are lowercase hex of equal length, so text order is byte order (EventId's Ord).
      if (afterId === null || timestamp > afterTimestamp || (timestamp === afterTimestamp && id > afterId)) {
        // Anything not a string is kept as a marker that makes the caller's check fail.
        timestamps.push(typeof timestamp === 'number' ? timestamp : NaN);
        ids.push(typeof id === 'string' ? id : '?');
        if (timestamps.length > limit) return done();
      }
      cursor.continue();
    };
  });
}
