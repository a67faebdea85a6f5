//! Posts by words, through the `terms` index (`core::search`): the newest posts holding a
//! query's rarest word, read backwards from the index, kept when they hold every other word.
//! Also the writes of terms left for later: for posts a bulk write deferred (`Terms::Later`),
//! in batches the search indexer runs once storing pauses, and once for posts stored before
//! search existed.

use idb::{CursorDirection, KeyRange, ObjectStore, Query};
use phemossa_api::StorageStats;
use phemossa_core::search::{matches, term_range};
use wasm_bindgen::JsValue;

use super::connection::Storage;
use super::feed::StoredPost;
use super::records::{EventRecord, StatsRecord, TermsPendingRecord, STATS_KEY};
use super::schema::{EVENTS, META, TERMS, TERMS_PENDING, UNINDEXED};
use crate::db;
use crate::error::BackgroundError;

const SEARCH_OP: &str = "searching posts";
/// What writing search terms is called in errors, here and by the search indexer.
pub const INDEX_OP: &str = "indexing posts for search";

/// Most posts one search reads: a query whose other words are rare among the lead word's posts
/// stops here rather than walking a hundred thousand records.
pub const MAX_SEARCH_SCAN: usize = 5_000;

/// The `meta` record saying every stored post has its terms.
const TERMS_DONE_KEY: &str = "search_terms_indexed";

/// What a search found.
pub struct Found {
    /// Newest first.
    pub posts: Vec<StoredPost>,
    /// The scan stopped at [`MAX_SEARCH_SCAN`] posts before finding `limit`: older posts may match.
    pub cut_short: bool,
}

/// The `terms` index's keys of `word`.
fn word_range(word: &str) -> Result<KeyRange, BackgroundError> {
    let (lower, upper) = term_range(word);
    KeyRange::bound(
        &JsValue::from_str(&lower),
        &JsValue::from_str(&upper),
        Some(false),
        Some(true),
    )
    .map_err(db::failed(SEARCH_OP))
}

impl Storage {
    /// The newest `limit` posts holding every one of `words` (from `core::search::words`).
    pub async fn search_posts(
        &self,
        words: &[String],
        limit: usize,
    ) -> Result<Found, BackgroundError> {
        let mut found = Found {
            posts: Vec::new(),
            cut_short: false,
        };
        if words.is_empty() {
            return Ok(found);
        }
        let index = self
            .read_only(EVENTS, SEARCH_OP)?
            .index(TERMS)
            .map_err(db::failed(SEARCH_OP))?;
        // The rarest word is walked. Words are counted with a growing cap, all at 64 posts, then
        // 1,024, then the scan limit, until one falls below the cap: a rare word among common
        // ones is found after about 64 keys of each, not thousands. A single word needs none.
        let mut lead = &words[0];
        if words.len() > 1 {
            for cap in [64, 1_024, MAX_SEARCH_SCAN as u32 + 1] {
                let mut fewest = (cap as usize, lead);
                for word in words {
                    let held = index
                        .get_all_keys(Some(Query::KeyRange(word_range(word)?)), Some(cap))
                        .map_err(db::failed(SEARCH_OP))?
                        .await
                        .map_err(db::failed(SEARCH_OP))?
                        .len();
                    if held == 0 {
                        return Ok(found);
                    }
                    if held < fewest.0 {
                        fewest = (held, word);
                    }
                }
                lead = fewest.1;
                if fewest.0 < cap as usize {
                    break;
                }
            }
        }
        let opened = index
            .open_cursor(
                Some(Query::KeyRange(word_range(lead)?)),
                Some(CursorDirection::Prev),
            )
            .map_err(db::failed(SEARCH_OP))?
            .await
            .map_err(db::failed(SEARCH_OP))?;
        let Some(cursor) = opened else {
            return Ok(found);
        };
        let mut cursor = cursor.into_managed();
        let mut scanned = 0;
        while let Some(value) = cursor.value().map_err(db::failed(SEARCH_OP))? {
            let post = StoredPost::from_value(&value)?;
            if matches(&post.text, words) {
                found.posts.push(post);
                if found.posts.len() == limit {
                    break;
                }
            }
            scanned += 1;
            if scanned == MAX_SEARCH_SCAN {
                found.cut_short = true;
                break;
            }
            cursor.next(None).await.map_err(db::failed(SEARCH_OP))?;
        }
        Ok(found)
    }

    /// Writes the terms of up to `limit` posts whose terms were left for later; says how many
    /// waiting posts it took (some perhaps removed meanwhile), 0 when none wait. First those an
    /// older version marked in the `unindexed` index, then those of the oldest `terms_pending`
    /// record, whose rest stays there for the next call. The records are read in one step and
    /// written back without awaiting each write (a failed one aborts the transaction, which the
    /// commit reports), as `insert_all` writes: a cursor's two round trips per record made it
    /// 2 ms a post.
    pub async fn index_deferred(&self, limit: usize) -> Result<usize, BackgroundError> {
        let transaction = self.writing(&[EVENTS, META, TERMS_PENDING], INDEX_OP)?;
        let open = |name| transaction.object_store(name).map_err(db::failed(INDEX_OP));
        let events = open(EVENTS)?;
        let older = events
            .index(UNINDEXED)
            .map_err(db::failed(INDEX_OP))?
            .get_all(None, Some(limit as u32))
            .map_err(db::failed(INDEX_OP))?
            .await
            .map_err(db::failed(INDEX_OP))?;
        if !older.is_empty() {
            put_with_terms(&events, &older)?;
            db::commit(transaction, INDEX_OP).await?;
            return Ok(older.len());
        }
        let pending_store = open(TERMS_PENDING)?;
        let oldest = pending_store
            .get_all(None, Some(1))
            .map_err(db::failed(INDEX_OP))?
            .await
            .map_err(db::failed(INDEX_OP))?;
        let Some(value) = oldest.first() else {
            db::commit(transaction, INDEX_OP).await?;
            return Ok(0);
        };
        let mut pending: TermsPendingRecord = db::from_js(value, TERMS_PENDING)?;
        let rest = pending.ids.split_off(pending.ids.len().min(limit.max(1)));
        // Made in the order they are awaited (idb hears a request only once it is awaited).
        let mut reads = Vec::with_capacity(pending.ids.len());
        for id in &pending.ids {
            reads.push(
                events
                    .get(JsValue::from_str(&id.to_hex()))
                    .map_err(db::failed(INDEX_OP))?,
            );
        }
        let mut stored = Vec::with_capacity(reads.len());
        for read in reads {
            // A post removed since (deleted, pruned, its author blocked) has nothing to index.
            if let Some(value) = read.await.map_err(db::failed(INDEX_OP))? {
                stored.push(value);
            }
        }
        put_with_terms(&events, &stored)?;
        let taken = pending.ids.len();
        if rest.is_empty() {
            pending_store
                .delete(Query::Key(JsValue::from_f64(pending.seq as f64)))
                .map_err(db::failed(INDEX_OP))?;
        } else {
            pending.ids = rest;
            pending_store
                .put(&db::to_js(&pending, TERMS_PENDING)?, None)
                .map_err(db::failed(INDEX_OP))?;
        }
        let meta = open(META)?;
        let mut stats = StatsRecord::read(&meta, INDEX_OP).await?;
        stats.key = STATS_KEY.to_owned();
        stats.terms_pending = stats.terms_pending.saturating_sub(taken as u64);
        meta.put(&db::to_js(&stats, META)?, None)
            .map_err(db::failed(INDEX_OP))?;
        db::commit(transaction, INDEX_OP).await?;
        // A record listing no post (none is written so) is gone now: 1, so the indexer goes on.
        Ok(taken.max(1))
    }

    /// The storage totals ([`Storage::stats`]), with `search_pending` counting every post that
    /// still waits for its terms: the running count of `terms_pending`, and what an older
    /// version left in the `unindexed` index (none in a database created since, where counting
    /// that index costs nothing; it used to be counted whole at every `get_stats`, 100,000
    /// entries during a first sync).
    pub async fn stats_with_deferred_terms(&self) -> Result<StorageStats, BackgroundError> {
        let mut stats = self.stats().await?;
        let older = self
            .read_only(EVENTS, INDEX_OP)?
            .index(UNINDEXED)
            .map_err(db::failed(INDEX_OP))?
            .count(None)
            .map_err(db::failed(INDEX_OP))?
            .await
            .map_err(db::failed(INDEX_OP))?;
        stats.search_pending += u64::from(older);
        Ok(stats)
    }

    /// How many posts still wait for their terms ([`Storage::stats_with_deferred_terms`]).
    pub async fn deferred_terms(&self) -> Result<u64, BackgroundError> {
        Ok(self.stats_with_deferred_terms().await?.search_pending)
    }

    /// Gives every stored post without terms its terms, once per database: posts stored before
    /// search existed. Runs when the database opens; a fresh one has nothing to do.
    pub(super) async fn index_old_posts(&self) -> Result<(), BackgroundError> {
        let done = self
            .read_only(META, INDEX_OP)?
            .get(JsValue::from_str(TERMS_DONE_KEY))
            .map_err(db::failed(INDEX_OP))?
            .await
            .map_err(db::failed(INDEX_OP))?;
        if done.is_some() {
            return Ok(());
        }
        let transaction = self.writing(&[EVENTS, META], INDEX_OP)?;
        let events = transaction
            .object_store(EVENTS)
            .map_err(db::failed(INDEX_OP))?;
        let opened = events
            .open_cursor(None, None)
            .map_err(db::failed(INDEX_OP))?
            .await
            .map_err(db::failed(INDEX_OP))?;
        if let Some(cursor) = opened {
            let mut cursor = cursor.into_managed();
            while let Some(value) = cursor.value().map_err(db::failed(INDEX_OP))? {
                let record: EventRecord = db::from_js(&value, EVENTS)?;
                if record.post.is_some() && record.terms.is_empty() {
                    let record = record.with_terms();
                    cursor
                        .update(&db::to_js(&record, EVENTS)?)
                        .await
                        .map_err(db::failed(INDEX_OP))?;
                }
                cursor.next(None).await.map_err(db::failed(INDEX_OP))?;
            }
        }
        #[derive(serde::Serialize)]
        struct Marker {
            key: &'static str,
        }
        let marker = db::to_js(
            &Marker {
                key: TERMS_DONE_KEY,
            },
            META,
        )?;
        transaction
            .object_store(META)
            .map_err(db::failed(INDEX_OP))?
            .put(&marker, None)
            .map_err(db::failed(INDEX_OP))?
            .await
            .map_err(db::failed(INDEX_OP))?;
        db::commit(transaction, INDEX_OP).await
    }
}

/// Writes each of `values`, event records read in `events`' transaction, back with its search
/// terms. The writes are not awaited: a failed one aborts the transaction, which the commit
/// reports.
fn put_with_terms(events: &ObjectStore, values: &[JsValue]) -> Result<(), BackgroundError> {
    for value in values {
        let record = db::from_js::<EventRecord>(value, EVENTS)?.with_terms();
        events
            .put(&db::to_js(&record, EVENTS)?, None)
            .map_err(db::failed(INDEX_OP))?;
    }
    Ok(())
}
