//! The feed's first page, kept ready in memory, so that an opening popup gets it without a
//! database read. Issue 16: that read is about 40 ms of IndexedDB (a page of 30 posts with their
//! counts, docs/benchmarks.md), most of the popup's wait for its first post.
//!
//! The page kept is answered only while nothing it was read from can have changed: no write to
//! the database (`Storage::writes`), no push to the pages, and no request that changes the
//! user's state (follows, mutes, identity) answered since the read began. Any of these makes it
//! stale, and it is read again once the node has been quiet for a second, so that it is ready
//! the next time a popup opens, but never read over and over during a sync.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use phemossa_api::{ApiError, FeedPage};
use phemossa_core::FeedCursor;

use crate::handlers::feed;
use crate::storage::Storage;
use crate::subscribers::Subscribers;
use crate::user::User;

/// How long nothing may change before a stale page is read again: long enough that a sync,
/// which writes every few hundred ms, reads nothing meanwhile; short enough that a popup opened
/// a few seconds after the last change finds the page ready.
const QUIET: Duration = Duration::from_secs(1);

/// Where everything the page is read from stood: unchanged means the page still holds.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Version {
    writes: u64,
    pushes: u64,
    changes: u64,
}

struct Ready {
    at: Version,
    limit: u32,
    page: FeedPage,
}

pub struct FirstPage {
    user: Rc<User>,
    storage: Rc<Storage>,
    subscribers: Rc<Subscribers>,
    /// Requests answered so far that may change what the feed shows.
    changes: Cell<u64>,
    /// The page size last asked for: the one to keep ready.
    limit: Cell<Option<u32>>,
    ready: RefCell<Option<Ready>>,
    /// Pages answered from memory, for tests.
    kept_answers: Cell<u64>,
}

impl FirstPage {
    pub fn new(user: Rc<User>, storage: Rc<Storage>, subscribers: Rc<Subscribers>) -> Self {
        Self {
            user,
            storage,
            subscribers,
            changes: Cell::new(0),
            limit: Cell::new(None),
            ready: RefCell::new(None),
            kept_answers: Cell::new(0),
        }
    }

    fn version(&self) -> Version {
        Version {
            writes: self.storage.writes(),
            pushes: self.subscribers.pushes(),
            changes: self.changes.get(),
        }
    }

    /// Says that a request that may change what the feed shows was answered.
    pub fn changed(&self) {
        self.changes.set(self.changes.get() + 1);
    }

    /// How many first pages were answered from memory.
    pub fn kept_answers(&self) -> u64 {
        self.kept_answers.get()
    }

    /// The feed's page of `limit` posts older than `before`. The first page (no `before`) is the
    /// page kept, if it still holds; every other page is read. Every feed page is read here, so
    /// the page reader is compiled once.
    pub async fn get(&self, before: Option<FeedCursor>, limit: u32) -> Result<FeedPage, ApiError> {
        if before.is_none() {
            self.limit.set(Some(limit));
            if let Some(ready) = &*self.ready.borrow() {
                if ready.at == self.version() && ready.limit == limit {
                    self.kept_answers.set(self.kept_answers.get() + 1);
                    return Ok(ready.page.clone());
                }
            }
        }
        self.read(before, limit).await
    }

    /// Reads the page; a first page is kept if nothing changed while it was read.
    async fn read(&self, before: Option<FeedCursor>, limit: u32) -> Result<FeedPage, ApiError> {
        let at = self.version();
        let page = feed::page(&self.user, &self.storage, before, limit).await?;
        if before.is_none() && self.version() == at {
            *self.ready.borrow_mut() = Some(Ready {
                at,
                limit,
                page: page.clone(),
            });
        }
        Ok(page)
    }

    /// Reads a stale page again each time things have been quiet for [`QUIET`], for as long as
    /// the background runs, once a page has been asked for.
    pub fn start(self: &Rc<Self>) {
        let this = Rc::clone(self);
        wasm_bindgen_futures::spawn_local(async move {
            let mut last = this.version();
            loop {
                futures_timer::Delay::new(QUIET).await;
                let now = this.version();
                let stale = this.ready.borrow().as_ref().is_none_or(|r| r.at != now);
                if now == last && stale {
                    if let Some(limit) = this.limit.get() {
                        // A failed read leaves the page stale; the next popup reads it itself.
                        let _ = this.read(None, limit).await;
                    }
                }
                last = this.version();
            }
        });
    }
}
