//! The running background: it starts and owns the services (the user, storage, subscribers, the
//! link to the node, ingest and pruning) and hands each port request to the handler that answers
//! it, with only the services that handler uses.

use std::rc::Rc;

use phemossa_api::{ApiError, IdentityInfo, Request, Response};
use phemossa_core::{Event, PublicKey};

use crate::bulk_writes::BulkWrites;
use crate::changes::Changes;
use crate::error::BackgroundError;
use crate::first_page::FirstPage;
use crate::follow_announce::FollowAnnouncer;
use crate::follow_state::FollowState;
use crate::handlers::{
    archive, backup, blobs, feed, follows, keep_out, network, notifications, people, post,
    reactions, retention, stats, thread,
};
use crate::identity::{self, IdentityStore};
use crate::ingest::{Ingest, IngestReport};
use crate::network::handle::{NetworkHandle, NodeLink};
use crate::network::services::Services;
use crate::pruning::Pruner;
use crate::search_indexer::SearchIndexer;
use crate::storage::{self, Storage};
use crate::subscribers::{PushSink, Subscribers};
use crate::user::User;

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

pub struct App {
    user: Rc<User>,
    storage: Rc<Storage>,
    subscribers: Rc<Subscribers>,
    /// The libp2p node, once started (never in the wasm tests, which have no extension).
    node: Rc<NodeLink>,
    changes: Rc<Changes>,
    ingest: Rc<Ingest>,
    pruner: Rc<Pruner>,
    first_page: Rc<FirstPage>,
    /// Follows of people who do not follow the user, announced to them with proof of work.
    announcer: Rc<FollowAnnouncer>,
}

impl App {
    /// Starts identity, then storage, then the follow system (the feed engine has no state).
    pub async fn start(config: &Config) -> Result<Rc<Self>, BackgroundError> {
        let identity_store = IdentityStore::open(&config.identity_db).await?;
        let identity = identity_store.load_or_create().await?;
        let storage = Rc::new(Storage::open(&config.storage_db).await?);
        let follows = FollowState::load(&storage, &identity.public_key()).await?;
        let keep_out = storage.keep_out().await?;
        let user = Rc::new(User::new(identity_store, identity, follows, keep_out));
        let subscribers = Rc::new(Subscribers::default());
        let node = Rc::new(NodeLink::default());
        let changes = Rc::new(Changes::new(
            Rc::clone(&user),
            Rc::clone(&subscribers),
            Rc::clone(&node),
        ));
        // Terms a previous run left unwritten are written once the node has settled.
        let bulk = Rc::new(BulkWrites::default());
        let indexer = SearchIndexer::new(Rc::clone(&storage), Rc::clone(&bulk));
        indexer.deferred();
        let ingest = Rc::new(Ingest::new(
            Rc::clone(&storage),
            Rc::clone(&user),
            Rc::clone(&changes),
            indexer,
        ));
        let pruner = Rc::new(Pruner::new(Rc::clone(&storage), Rc::clone(&user)));
        let first_page = Rc::new(FirstPage::new(
            Rc::clone(&user),
            Rc::clone(&storage),
            Rc::clone(&subscribers),
        ));
        let announcer = FollowAnnouncer::new(
            Rc::clone(&user),
            Rc::clone(&storage),
            Rc::clone(&changes),
            bulk,
        );
        Ok(Rc::new(Self {
            announcer,
            user,
            storage,
            subscribers,
            node,
            changes,
            ingest,
            pruner,
            first_page,
        }))
    }

    pub fn public_key(&self) -> PublicKey {
        self.user.public_key()
    }

    pub fn storage(&self) -> &Storage {
        &self.storage
    }

    /// Tells subscribed pages and the toolbar badge how many notifications are unread.
    pub async fn announce_unread(&self) {
        crate::notifications::announce_unread(&self.user, &self.storage, &self.changes).await;
    }

    /// How many events from elsewhere failed validation since start.
    pub fn rejected(&self) -> u64 {
        self.ingest.rejected()
    }

    /// Closes both databases (tests reopen them); requests after this fail with storage errors.
    pub fn close(&self) {
        self.user.close();
        self.storage.close();
    }

    /// Forgets a closed port's subscriptions.
    pub fn unsubscribe(&self, sink_id: u64) {
        self.subscribers.remove(sink_id);
    }

    /// See [`Ingest::ingest_json`].
    pub async fn ingest_json(&self, messages: &[Vec<u8>]) -> Result<IngestReport, BackgroundError> {
        self.ingest.ingest_json(messages).await
    }

    /// See [`Ingest::missing`]: what a sync would fetch of `ids`.
    pub async fn missing_for_sync(
        &self,
        ids: &[phemossa_core::EventId],
    ) -> Result<Vec<phemossa_core::EventId>, BackgroundError> {
        self.ingest.missing(ids).await
    }

    /// See [`Ingest::ingest`].
    pub async fn ingest(&self, events: &[Event]) -> Result<IngestReport, BackgroundError> {
        self.ingest.ingest(events).await
    }

    /// One pruning pass (see [`Pruner::prune`]).
    pub async fn prune(&self) -> Result<u64, BackgroundError> {
        self.pruner.prune().await
    }

    /// Prunes now and then every hour, for as long as the background runs.
    pub fn start_pruning(&self) {
        self.pruner.start();
    }

    /// Keeps the feed's first page ready for the next popup, for as long as the background runs.
    pub fn keep_first_page_ready(&self) {
        self.first_page.start();
    }

    /// How many first pages of the feed were answered from memory (see `first_page.rs`).
    pub fn first_pages_kept(&self) -> u64 {
        self.first_page.kept_answers()
    }

    /// How many first pages of the feed were read from the database (see `first_page.rs`).
    pub fn first_pages_read(&self) -> u64 {
        self.first_page.reads()
    }

    /// What the node is handed: the services it uses, not the whole app.
    pub fn network_services(&self) -> Services {
        Services {
            storage: Rc::clone(&self.storage),
            user: Rc::clone(&self.user),
            ingest: Rc::clone(&self.ingest),
            subscribers: Rc::clone(&self.subscribers),
        }
    }

    /// Hands the running node to the background (once, at start-up).
    pub fn attach_network(&self, handle: NetworkHandle) {
        self.node.attach(handle);
    }

    /// Records why the node could not start, for the pages to show.
    pub fn network_failed(&self, reason: String) {
        self.node.failed(reason);
    }

    /// Answers one request from the page behind `from`.
    pub async fn handle(
        &self,
        request: Request,
        from: &Rc<dyn PushSink>,
    ) -> Result<Response, ApiError> {
        let (user, storage, changes) = (&*self.user, &*self.storage, &*self.changes);
        // What a person waits on goes before bulk writes of a sync; imports and exports are
        // bulk work themselves.
        let bulk = matches!(
            request,
            Request::ImportEvents { .. }
                | Request::ExportEvents { .. }
                | Request::MeasureVerification { .. }
        );
        let _first = (!bulk).then(|| self.ingest.page_request());
        // Whatever is not a read may change what the feed shows: the page kept ready is read
        // again after it (a request added later counts as a change unless listed here).
        let reads = matches!(
            request,
            Request::GetIdentity
                | Request::GetFeed { .. }
                | Request::SearchPosts { .. }
                | Request::GetThread { .. }
                | Request::GetNotifications { .. }
                | Request::GetFollowing
                | Request::GetPeople
                | Request::GetFollowers
                | Request::GetKeepOut
                | Request::ReadInvite { .. }
                | Request::GetStats
                | Request::GetBackupStatus
                | Request::InspectBackup { .. }
                | Request::GetNetwork
                | Request::GetNetworkSettings
                | Request::GetRetention
                | Request::ExportEvents { .. }
                | Request::MeasureVerification { .. }
                | Request::Subscribe { .. }
        );
        let response = match request {
            Request::GetIdentity => Ok(Response::Identity(IdentityInfo::new(self.public_key()))),
            Request::GetFeed { before, limit } => self
                .first_page
                .get(before, limit, from)
                .await
                .map(Response::FeedPage),
            Request::SearchPosts { query, limit } => {
                feed::search_posts(user, storage, &query, limit).await
            }
            Request::GetThread { id, limit } => {
                thread::thread(user, storage, &self.node, &id, limit).await
            }
            Request::DeletePosts { ids } => post::delete(user, storage, changes, &ids).await,
            Request::GetNotifications { limit } => notifications::get(user, storage, limit).await,
            Request::MarkNotificationsRead => {
                notifications::mark_read(user, storage, changes).await
            }
            Request::React { id, emoji, work } => {
                reactions::react(user, storage, changes, &id, &emoji, work).await
            }
            Request::Repost { id, work } => post::repost(user, storage, changes, &id, work).await,
            Request::Post {
                text,
                reply_to,
                images,
                mentions,
                work,
            } => {
                let post = post::Draft {
                    text,
                    reply_to,
                    images,
                    mentions,
                };
                post::publish(user, storage, changes, post, work).await
            }
            Request::StoreImage { base64 } => post::store_image(storage, &base64).await,
            Request::Follow { public_key } => {
                follows::set_following(
                    user,
                    storage,
                    changes,
                    Some(&self.announcer),
                    &public_key,
                    true,
                )
                .await
            }
            Request::Unfollow { public_key } => {
                follows::set_following(user, storage, changes, None, &public_key, false).await
            }
            Request::GetFollowing => Ok(follows::following(user)),
            Request::GetPeople => {
                let owners = self.node.status().peers.into_iter().filter_map(|p| p.owner);
                people::people(user, storage, owners).await
            }
            Request::SetProfile {
                name,
                about,
                avatar,
            } => people::set_profile(user, storage, changes, &name, &about, avatar).await,
            Request::GetBlob { hash, purpose } => {
                blobs::get(storage, &self.node, hash, purpose.into()).await
            }
            Request::SetNickname {
                public_key,
                nickname,
            } => people::set_nickname(storage, changes, &public_key, &nickname).await,
            Request::GetFollowers => people::followers(user, storage).await,
            Request::GetKeepOut => keep_out::get(user, storage, &self.ingest).await,
            Request::SetStanding {
                public_key,
                standing,
            } => {
                keep_out::set_standing(user, storage, changes, &self.ingest, &public_key, standing)
                    .await
            }
            Request::SetKeepOutSettings {
                muted_words,
                per_author_per_day,
                per_author_mb,
                stranger_work_bits,
            } => {
                let limits = keep_out::Limits {
                    per_author_per_day,
                    per_author_mb,
                    stranger_work_bits,
                };
                keep_out::set_settings(user, storage, changes, &self.ingest, muted_words, limits)
                    .await
            }
            Request::ReadInvite { text } => follows::read_invite(&text),
            Request::GetStats => stats::stats(storage, self.ingest.pool()).await,
            Request::ExportBackup { passphrase } => {
                backup::export(user, storage, &passphrase).await
            }
            Request::GetBackupStatus => backup::status(user, storage).await,
            Request::DismissBackupReminder => backup::dismiss_reminder(user, storage).await,
            Request::InspectBackup { backup, passphrase } => backup::inspect(&backup, &passphrase),
            Request::RestoreBackup {
                backup,
                passphrase,
                replaces,
            } => backup::restore(user, storage, changes, &backup, &passphrase, &replaces).await,
            Request::GetNetwork => Ok(Response::Network(network::status(&self.node))),
            Request::GetNetworkSettings => network::settings(storage).await,
            Request::SetNetworkSettings { settings } => {
                network::set_settings(storage, &self.node, settings).await
            }
            Request::GetRetention => retention::get(storage).await,
            Request::SetRetention { retention } => {
                retention::set(storage, &self.pruner, retention).await
            }
            Request::ImportEvents { events, first_line } => {
                archive::import_events(&self.ingest, events, first_line).await
            }
            Request::ExportEvents { after, limit } => {
                archive::export_events(storage, after, limit).await
            }
            Request::MeasureVerification { events } => archive::measure_verification(events),
            Request::Subscribe { topics } => {
                self.subscribers.subscribe(from, &topics);
                Ok(Response::Subscribed)
            }
        };
        if !reads {
            self.first_page.changed();
        }
        response
    }
}
