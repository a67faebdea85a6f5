//! The person using this browser: their identity (stored, and the copy in memory), whom they
//! follow and whom they keep out. Shared by the request handlers, ingest, pruning and the node, which all read it live,
//! since a restore may swap both at any moment.

use std::cell::{Cell, RefCell};

use phemossa_api::FollowingEntry;
use phemossa_core::feed::feed_authors;
use phemossa_core::keep_out::KeepOut;
use phemossa_core::{Identity, PublicKey};

use crate::error::BackgroundError;
use crate::follow_state::FollowState;
use crate::identity::IdentityStore;

pub struct User {
    store: IdentityStore,
    identity: RefCell<Identity>,
    follows: RefCell<FollowState>,
    /// Whom the user muted or blocked, muted words and the daily limit (kept in `meta`).
    keep_out: RefCell<KeepOut>,
    /// A restore is replacing the identity; another must not decide against the old one.
    restoring: Cell<bool>,
}

impl User {
    pub fn new(
        store: IdentityStore,
        identity: Identity,
        follows: FollowState,
        keep_out: KeepOut,
    ) -> Self {
        Self {
            store,
            identity: RefCell::new(identity),
            follows: RefCell::new(follows),
            keep_out: RefCell::new(keep_out),
            restoring: Cell::new(false),
        }
    }

    pub fn public_key(&self) -> PublicKey {
        self.identity.borrow().public_key()
    }

    /// A copy of the identity, to sign with across an await (the stored one may be swapped).
    pub fn identity(&self) -> Identity {
        self.identity.borrow().clone()
    }

    pub fn follows(&self) -> &RefCell<FollowState> {
        &self.follows
    }

    pub fn following(&self) -> Vec<FollowingEntry> {
        self.follows.borrow().entries(&self.public_key())
    }

    pub fn keep_out(&self) -> &RefCell<KeepOut> {
        &self.keep_out
    }

    /// The authors of the user's feed: the user and everyone they follow, but for those muted
    /// or blocked.
    pub fn feed_authors(&self) -> Vec<PublicKey> {
        let keep_out = self.keep_out.borrow();
        let mut authors = feed_authors(&self.public_key(), self.follows.borrow().graph());
        authors.retain(|author| !keep_out.hides(author));
        authors
    }

    /// Whose events are never pruned: the user's own and those of whom they follow.
    pub fn keeps(&self, author: &PublicKey) -> bool {
        let me = self.public_key();
        *author == me || self.follows.borrow().is_following(&me, author)
    }

    /// The flag a restore holds while it replaces the identity.
    pub fn restoring(&self) -> &Cell<bool> {
        &self.restoring
    }

    /// Stores `identity` in place of the current one, then swaps it and its `follows` into
    /// memory; a storage failure changes nothing.
    pub async fn replace(
        &self,
        identity: Identity,
        follows: FollowState,
    ) -> Result<(), BackgroundError> {
        self.store.replace(&identity).await?;
        *self.identity.borrow_mut() = identity;
        *self.follows.borrow_mut() = follows;
        Ok(())
    }

    /// Closes the identity database (tests reopen it).
    pub fn close(&self) {
        self.store.close();
    }
}
