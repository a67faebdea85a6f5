//! The running background: identity, storage, follow graph and subscribers, started in that
//! order, and the dispatch of each port request to the part that answers it.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use phemossa_api::{ApiError, IdentityInfo, Request, Response};
use phemossa_core::event::VerifiedIds;
use phemossa_core::{Identity, PublicKey};

use crate::error::BackgroundError;
use crate::follows::FollowState;
use crate::identity::{self, IdentityStore};
use crate::network::NetworkHandle;
use crate::storage::{self, Storage};
use crate::subscribers::{PushSink, Subscribers};

/// Which databases to use: the product's by default, unique ones in tests.
#[derive(Debug, Clone)]
pub struct Config {
    pub identity_db: String,
    pub storage_db: String,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            identity_db: identity::DATABASE.into(),
            storage_db: storage::DATABASE.into(),
        }
    }
}

pub struct Background {
    pub(crate) identity_store: IdentityStore,
    pub(crate) identity: RefCell<Identity>,
    pub(crate) storage: Storage,
    pub(crate) follows: RefCell<FollowState>,
    pub(crate) subscribers: Subscribers,
    pub(crate) rejected: Cell<u64>,
    /// A restore is replacing the identity; another must not decide against the old one.
    pub(crate) restoring: Cell<bool>,
    /// Signatures already checked, shared by imports, every sync session and gossip.
    pub(crate) verified: VerifiedIds,
    /// A retention pass is running; another waits for the next turn.
    pub(crate) pruning: Cell<bool>,
    /// The libp2p node, once started (never in the wasm tests, which have no extension).
    pub(crate) network: RefCell<Option<NetworkHandle>>,
    pub(crate) network_failure: RefCell<Option<String>>,
}

impl Background {
    /// Starts identity, then storage, then the follow system (the feed engine has no state).
    pub async fn start(config: &Config) -> Result<Rc<Self>, BackgroundError> {
        let identity_store = IdentityStore::open(&config.identity_db).await?;
        let identity = identity_store.load_or_create().await?;
        let storage = Storage::open(&config.storage_db).await?;
        let follows = FollowState::load(&storage, &identity.public_key()).await?;
        Ok(Rc::new(Self {
            identity_store,
            identity: RefCell::new(identity),
            storage,
            follows: RefCell::new(follows),
            subscribers: Subscribers::default(),
            rejected: Cell::new(0),
            restoring: Cell::new(false),
            verified: VerifiedIds::default(),
            pruning: Cell::new(false),
            network: RefCell::new(None),
            network_failure: RefCell::new(None),
        }))
    }

    pub fn public_key(&self) -> PublicKey {
        self.identity.borrow().public_key()
    }

    pub fn storage(&self) -> &Storage {
        &self.storage
    }

    /// How many events from elsewhere failed validation since start.
    pub fn rejected(&self) -> u64 {
        self.rejected.get()
    }

    /// Closes both databases (tests reopen them); requests after this fail with storage errors.
    pub fn close(&self) {
        self.identity_store.close();
        self.storage.close();
    }

    /// Sends `push` to the pages subscribed to its topic.
    pub(crate) fn push(&self, push: phemossa_api::Push) {
        self.subscribers.push(push);
    }

    /// Forgets a closed port's subscriptions.
    pub fn unsubscribe(&self, sink_id: u64) {
        self.subscribers.remove(sink_id);
    }

    /// Answers one request from the page behind `from`.
    pub async fn handle(
        &self,
        request: Request,
        from: &Rc<dyn PushSink>,
    ) -> Result<Response, ApiError> {
        match request {
            Request::GetIdentity => Ok(Response::Identity(IdentityInfo::new(self.public_key()))),
            Request::GetFeed { before, limit } => self.feed_page(before, limit).await,
            Request::Post { text, reply_to } => self.post(text, reply_to.as_deref()).await,
            Request::Follow { public_key } => self.set_following(&public_key, true).await,
            Request::Unfollow { public_key } => self.set_following(&public_key, false).await,
            Request::GetFollowing => Ok(Response::Following(self.following())),
            Request::GetStats => {
                let mut stats = self.storage.stats().await?;
                stats.wasm_memory_bytes = crate::archive::wasm_memory_bytes();
                Ok(Response::Stats(stats))
            }
            Request::ExportBackup { passphrase } => self.export_backup(&passphrase),
            Request::InspectBackup { backup, passphrase } => {
                self.inspect_backup(&backup, &passphrase)
            }
            Request::RestoreBackup {
                backup,
                passphrase,
                replaces,
            } => self.restore_backup(&backup, &passphrase, &replaces).await,
            Request::GetNetwork => Ok(Response::Network(self.network_status())),
            Request::GetNetworkSettings => self.network_settings().await,
            Request::SetNetworkSettings { settings } => self.set_network_settings(settings).await,
            Request::GetRetention => self.retention().await,
            Request::SetRetention { retention } => self.set_retention(retention).await,
            Request::ImportEvents { events, first_line } => {
                self.import_events(events, first_line).await
            }
            Request::ExportEvents { after, limit } => self.export_events(after, limit).await,
            Request::MeasureVerification { events } => self.measure_verification(events),
            Request::Subscribe { topics } => {
                self.subscribers.subscribe(from, &topics);
                Ok(Response::Subscribed)
            }
        }
    }
}
