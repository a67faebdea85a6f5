//! Letting someone know the user follows them (docs/protocol.md §8.9): a follow addresses its
//! followee, and reaches a followee who does not follow the user only with the proof of work
//! they ask of strangers. The follow itself is signed without work and takes effect at once
//! (`handlers/follows.rs`); then, if the followee is not known to follow the user, the same edge
//! is signed again here with the default work, found in the proof-of-work Web Worker so the
//! document keeps syncing meanwhile, and published, so the followee hears of it. A courtesy,
//! so it never holds anything up: one search at a time, at most [`MAX_PENDING`] waiting, each
//! begun only once bulk writes have paused (`bulk_writes.rs`), and a follow that changed
//! meanwhile (unfollowed, followed again) is not announced. A search is about a second of one of
//! the machine's two cores: eight of them beside a first sync took that core from storing it.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

use phemossa_core::event::canonical_prefix;
use phemossa_core::work::{Work, DEFAULT_STRANGER_WORK_BITS};
use phemossa_core::{Content, Event, FollowRecord, PublicKey};
use phemossa_webext::work_search::{search, WorkCancel};
use web_sys::console;

use crate::bulk_writes::BulkWrites;
use crate::changes::Changes;
use crate::clock;
use crate::handlers::work::strangers_among;
use crate::storage::Storage;
use crate::user::User;

/// Follows waiting to be announced at most: following a hundred people at once (an import of
/// a list) costs eight searches of about a second, not a hundred; the rest are not announced.
pub const MAX_PENDING: usize = 8;

/// The follows still to be announced, one search at a time.
pub struct FollowAnnouncer {
    user: Rc<User>,
    storage: Rc<Storage>,
    changes: Rc<Changes>,
    bulk: Rc<BulkWrites>,
    pending: RefCell<VecDeque<PublicKey>>,
    running: Cell<bool>,
}

impl FollowAnnouncer {
    pub fn new(
        user: Rc<User>,
        storage: Rc<Storage>,
        changes: Rc<Changes>,
        bulk: Rc<BulkWrites>,
    ) -> Rc<Self> {
        Rc::new(Self {
            user,
            storage,
            changes,
            bulk,
            pending: RefCell::default(),
            running: Cell::new(false),
        })
    }

    /// The user just followed `followee`: announce it to them, once the searches before it are
    /// done (or not at all, past [`MAX_PENDING`]).
    pub fn followed(self: &Rc<Self>, followee: PublicKey) {
        {
            let mut pending = self.pending.borrow_mut();
            if pending.contains(&followee) {
                return;
            }
            if pending.len() >= MAX_PENDING {
                console::info_1(
                    &"phemossa: too many follows to announce at once; not this one".into(),
                );
                return;
            }
            pending.push_back(followee);
        }
        if self.running.replace(true) {
            return;
        }
        let this = Rc::clone(self);
        wasm_bindgen_futures::spawn_local(async move {
            loop {
                let next = this.pending.borrow_mut().pop_front();
                let Some(followee) = next else { break };
                if let Err(problem) = this.announce(followee).await {
                    console::warn_1(&format!("phemossa: announcing a follow: {problem}").into());
                }
            }
            this.running.set(false);
        });
    }

    /// Signs the follow of `followee` again with proof of work and publishes it, if they are
    /// not known to follow the user and the user still follows them.
    async fn announce(&self, followee: PublicKey) -> Result<(), String> {
        // Before anything is read: the edge and the user are as they are once the wait is over.
        self.bulk.paused().await;
        let me = self.user.public_key();
        let identity = self.user.identity();
        let content = Content::Follow { followee };
        let at = {
            let follows = self.user.follows().borrow();
            if !follows.will_follow(&me, &followee) {
                return Ok(());
            }
            follows.next_timestamp(&followee, clock::now_ms())
        };
        if strangers_among(&self.user, &self.storage, &[followee])
            .await
            .map_err(|e| e.to_string())?
            == 0
        {
            // They follow the user: their inbox took the follow as it was.
            return Ok(());
        }
        let bits = DEFAULT_STRANGER_WORK_BITS;
        let prefix = canonical_prefix(&me, at, &content);
        let nonce = search(&prefix, bits, &WorkCancel::default(), &mut |_| {})
            .await
            .map_err(|failure| format!("{failure:?}"))?;
        let work = Work { bits, nonce };
        let event = Event::create_with_work(&identity, at, content, Some(work))
            .map_err(|e| e.to_string())?;
        // The edge must be as it was: followed, and nothing newer on it (an unfollow, or
        // another follow, meanwhile); and the user the same (a restore swaps it).
        if self.user.public_key() != me
            || !self
                .user
                .follows()
                .borrow_mut()
                .reserve_exact(&me, followee, at)
        {
            return Ok(());
        }
        let stored = self.storage.insert(&event).await;
        self.user.follows().borrow_mut().settle(followee, at);
        stored.map_err(|e| e.to_string())?;
        let record = FollowRecord {
            id: event.id,
            follower: me,
            followee,
            timestamp: at,
            follows: true,
        };
        if self.user.public_key() == me {
            self.user.follows().borrow_mut().apply(record);
        }
        self.changes.announce(&event);
        Ok(())
    }
}
