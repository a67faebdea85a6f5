//! The feed's first page, kept ready in memory, so that an opening popup gets it without a
//! database read. Issue 16: that read is about 40 ms of IndexedDB (a page of 30 posts with their
//! counts, docs/benchmarks.md), most of the popup's wait for its first post.
//!
//! The page kept is answered only while nothing it was read from can have changed: no write to
//! the database (`Storage::writes`), no push to the pages, and no request that changes the
//! user's state (follows, mutes, identity) answered since the read began. Any of these makes it
//! stale, and it is read again once the node has been quiet for a second, so that it is ready
//! the next time a popup opens, but never read over and over during a sync.
//!
//! One first-page read runs at a time: a page asked for while one is being read, with nothing
//! changed since it began, waits for that read. With 100 people followed a read is thousands of
//! cursor steps, and a popup closed and opened again mid-read would otherwise start another;
//! reads nobody waits for any more then pile up and hold back every write that needs the
//! `events` store.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use futures::channel::oneshot;
use phemossa_api::{ApiError, FeedPage};
use phemossa_core::FeedCursor;

use crate::handlers::feed;
use crate::storage::Storage;
use crate::subscribers::{PushSink, Subscribers};
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

/// A first-page read under way, and who waits for its answer, with the page that asked.
struct Reading {
    at: Version,
    limit: u32,
    waiting: Vec<(Waiter, Rc<dyn PushSink>)>,
}

type Waiter = oneshot::Sender<Result<FeedPage, ApiError>>;

/// The joinable read's hold on [`FirstPage::reading`]: let go when the read ends, and also if
/// its future is ever dropped unfinished, so no later page can join a read that will never
/// answer (its waiters' channels close, and each reads for itself).
struct Joined<'a>(&'a RefCell<Option<Reading>>);

impl Joined<'_> {
    /// The read ended: who waits for its page.
    fn finish(self) -> Vec<(Waiter, Rc<dyn PushSink>)> {
        // `drop` then finds nothing left to let go of.
        self.0
            .borrow_mut()
            .take()
            .map(|reading| reading.waiting)
            .unwrap_or_default()
    }
}

impl Drop for Joined<'_> {
    fn drop(&mut self) {
        self.0.borrow_mut().take();
    }
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
    reading: RefCell<Option<Reading>>,
    /// Pages answered from memory, for tests.
    kept_answers: Cell<u64>,
    /// First pages read from the database, for tests.
    reads: Cell<u64>,
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
            reading: RefCell::new(None),
            kept_answers: Cell::new(0),
            reads: Cell::new(0),
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

    /// How many first pages were read from the database.
    pub fn reads(&self) -> u64 {
        self.reads.get()
    }

    /// The feed's page of `limit` posts older than `before`, for the page at `from`. The first
    /// page (no `before`) is the page kept, if it still holds; every other page is read, and the
    /// read stops if `from` closes and nobody else waits for it. Every feed page is read here,
    /// so the page reader is compiled once.
    pub async fn get(
        &self,
        before: Option<FeedCursor>,
        limit: u32,
        from: &Rc<dyn PushSink>,
    ) -> Result<FeedPage, ApiError> {
        if before.is_none() {
            self.limit.set(Some(limit));
            if let Some(ready) = &*self.ready.borrow() {
                if ready.at == self.version() && ready.limit == limit {
                    self.kept_answers.set(self.kept_answers.get() + 1);
                    return Ok(ready.page.clone());
                }
            }
            if let Some(answer) = self.join(limit, from) {
                // Answered when that read ends; reads run to their end, so it always is.
                if let Ok(page) = answer.await {
                    return page;
                }
            }
        }
        self.read(before, limit, Some(from)).await
    }

    /// Waits for the first-page read under way, if it began with nothing changed since and is
    /// of `limit` posts.
    fn join(
        &self,
        limit: u32,
        from: &Rc<dyn PushSink>,
    ) -> Option<oneshot::Receiver<Result<FeedPage, ApiError>>> {
        let now = self.version();
        let mut reading = self.reading.borrow_mut();
        let reading = reading
            .as_mut()
            .filter(|r| r.at == now && r.limit == limit)?;
        let (sender, receiver) = oneshot::channel();
        reading.waiting.push((sender, Rc::clone(from)));
        Some(receiver)
    }

    /// Reads the page for the page at `from` (`None`: to keep it ready); a first page is kept if
    /// nothing changed while it was read, and handed to whoever joined the read meanwhile.
    async fn read(
        &self,
        before: Option<FeedCursor>,
        limit: u32,
        from: Option<&Rc<dyn PushSink>>,
    ) -> Result<FeedPage, ApiError> {
        let at = self.version();
        // Only one read is joinable: one begun while an older one runs is read alone.
        let joinable = before.is_none() && self.reading.borrow().is_none();
        if before.is_none() {
            self.reads.set(self.reads.get() + 1);
        }
        let joined = joinable.then(|| {
            *self.reading.borrow_mut() = Some(Reading {
                at,
                limit,
                waiting: Vec::new(),
            });
            Joined(&self.reading)
        });
        // Wanted while the page that asked is open, or a page that joined is.
        let wanted = || {
            from.is_none_or(|page| page.is_open())
                || (joinable
                    && self.reading.borrow().as_ref().is_some_and(|reading| {
                        reading.waiting.iter().any(|(_, page)| page.is_open())
                    }))
        };
        let page = feed::page(&self.user, &self.storage, before, limit, &wanted).await;
        if let Some(joined) = joined {
            for (waiter, _) in joined.finish() {
                // A waiter whose page closed is gone: nothing to tell it.
                let _ = waiter.send(page.clone());
            }
        }
        let page = page?;
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
                        let _ = this.read(None, limit, None).await;
                    }
                }
                last = this.version();
            }
        });
    }
}
