//! IndexedDB work the node asks for, run as separate tasks so the swarm loop never waits on the
//! database; each reports back to the loop as a [`Done`].

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use futures::channel::mpsc::UnboundedSender;
use libp2p::PeerId;
use phemossa_core::blob::BlobKind;
use phemossa_core::keys::BlobHash;
use phemossa_core::{Content, Event, EventId, PublicKey};
use phemossa_sync::blob::answer;
use phemossa_sync::limits::MAX_EVENTS_PER_MESSAGE;
use phemossa_sync::replies::{inbox_response_from, response_from};
use phemossa_sync::{Cursor, QueryId, Scope};
use web_sys::console;

use super::peers::Channel;
use crate::error::BackgroundError;
use crate::ingest::Ingest;
use crate::storage::{PeerRecord, Storage};

/// Which machine of which peer asked: the peer, its session generation, and the protocol.
pub type Asker = phemossa_node::peer_sync::Asker<PeerId>;

/// What a peer's sync 2.1 request asks of the store.
pub enum Asked {
    /// The replies to `parents` after `after` (§8.10).
    Replies {
        parents: Vec<EventId>,
        after: Option<Cursor>,
    },
    /// What addresses `person` after `after` (§8.9).
    Inbox { person: PublicKey, after: Cursor },
}

pub enum Done {
    Ids {
        peer: Asker,
        query: QueryId,
        result: Result<(Vec<Cursor>, bool), BackgroundError>,
    },
    Missing {
        peer: Asker,
        query: QueryId,
        result: Result<Vec<EventId>, BackgroundError>,
    },
    Loaded {
        peer: Asker,
        query: QueryId,
        result: Result<Vec<(EventId, Vec<u8>)>, BackgroundError>,
    },
    /// Events from `peer` were stored; `stored` of them were new. `pictures` are those the
    /// current profiles and the posts among them name that are not held yet, with their kind:
    /// `peer` is asked first.
    Stored {
        peer: PeerId,
        stored: usize,
        gossiped: Option<Gossiped>,
        pictures: Vec<(BlobHash, BlobKind)>,
    },
    /// The answer to a peer's blob request, read from the store.
    BlobAnswer { channel: Channel, bytes: Vec<u8> },
    /// The answer to `peer`'s sync 2.1 request (§8.9, §8.10), read from the store; `None` if
    /// the store could not be read.
    Asked {
        peer: PeerId,
        channel: Channel,
        bytes: Option<Vec<u8>>,
    },
    /// A fetched blob is stored.
    BlobStored { hash: BlobHash },
    /// The worker pool has checked the signatures of the sync response the driver numbered
    /// so (`StoreWork::check_signatures`).
    Checked(u64),
    /// Events from `peer` could not be stored; `problem` says why, for the person.
    StoreFailed {
        peer: PeerId,
        problem: String,
        gossiped: Option<Gossiped>,
    },
}

/// The gossip message stored events came in, whose verdict waits for the store
/// (`phemossa_gossip::after_store`, given by the node's machine).
pub use phemossa_node::gossip::Gossiped;

#[derive(Clone)]
pub struct StoreWork {
    pub storage: Rc<Storage>,
    /// Received events go in here, as imported ones do.
    pub ingest: Rc<Ingest>,
    pub done: UnboundedSender<Done>,
    /// The blobs served last, so a peer fetching one chunk by chunk costs one read of it, not
    /// one per 32 KiB chunk (32 reads of 1 MiB for a post image).
    pub served: Rc<RefCell<ServedBlobs>>,
}

/// The last few blobs read to serve peers: at most [`ServedBlobs::KEPT`], so at most 4 MiB.
#[derive(Default)]
pub struct ServedBlobs(VecDeque<(BlobHash, Rc<Vec<u8>>)>);

impl ServedBlobs {
    /// Blobs kept: as many as the fetches a peer runs at once (`blob_fetches`).
    const KEPT: usize = 4;

    fn get(&mut self, hash: &BlobHash) -> Option<Rc<Vec<u8>>> {
        let at = self.0.iter().position(|(held, _)| held == hash)?;
        let entry = self.0.remove(at)?;
        let bytes = Rc::clone(&entry.1);
        self.0.push_front(entry);
        Some(bytes)
    }

    fn keep(&mut self, hash: BlobHash, bytes: Rc<Vec<u8>>) {
        self.0.retain(|(held, _)| *held != hash);
        self.0.push_front((hash, bytes));
        self.0.truncate(Self::KEPT);
    }
}

impl StoreWork {
    fn spawn(&self, work: impl AsyncFnOnce(&StoreWork) -> Option<Done> + 'static) {
        let this = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            if let Some(done) = work(&this).await {
                // The loop is gone only if the node stopped; the answer is moot then.
                let _ = this.done.unbounded_send(done);
            }
        });
    }

    /// Has the worker pool check `events`' signatures into the node's memory of checked ones,
    /// then answers `Checked(number)`.
    pub fn check_signatures(&self, number: u64, events: Vec<Vec<u8>>) {
        self.spawn(async move |w: &StoreWork| {
            w.ingest.pool().check(&events, w.ingest.verified()).await;
            Some(Done::Checked(number))
        });
    }

    pub fn list_ids(
        &self,
        peer: Asker,
        query: QueryId,
        scope: Scope,
        after: Option<Cursor>,
        limit: usize,
    ) {
        self.spawn(async move |w: &StoreWork| {
            let result = w.storage.list_ids(&scope, after, limit).await;
            Some(Done::Ids {
                peer,
                query,
                result,
            })
        });
    }

    pub fn find_missing(&self, peer: Asker, query: QueryId, ids: Vec<EventId>) {
        self.spawn(async move |w: &StoreWork| {
            let result = w.ingest.missing(&ids).await;
            Some(Done::Missing {
                peer,
                query,
                result,
            })
        });
    }

    pub fn load_events(&self, peer: Asker, query: QueryId, ids: Vec<EventId>) {
        self.spawn(async move |w: &StoreWork| {
            let result = w.storage.load_json(&ids).await;
            Some(Done::Loaded {
                peer,
                query,
                result,
            })
        });
    }

    /// Stores validated events from `peer` (they update the feed of every open page); if they
    /// came in a gossip message, `gossiped` names it for the verdict that waits on this.
    pub fn store(&self, peer: PeerId, events: Vec<Event>, gossiped: Option<Gossiped>) {
        self.spawn(
            async move |w: &StoreWork| match w.ingest.ingest(&events).await {
                Ok(report) => Some(Done::Stored {
                    peer,
                    stored: report.stored,
                    gossiped,
                    pictures: w.pictures_missing(&events).await,
                }),
                Err(error) => {
                    console::error_1(
                        &format!("phemossa: storing events from {peer}: {error}").into(),
                    );
                    let problem = phemossa_api::ApiError::from(error).to_string();
                    Some(Done::StoreFailed {
                        peer,
                        problem,
                        gossiped,
                    })
                }
            },
        );
    }

    /// The pictures `events` name that are not held: the avatars of current profiles (a profile
    /// a newer one superseded names nothing worth fetching, so the stored current one is read)
    /// and posts' images.
    async fn pictures_missing(&self, events: &[Event]) -> Vec<(BlobHash, BlobKind)> {
        let authors: Vec<_> = events
            .iter()
            .filter(|event| matches!(&event.content, Content::Profile(p) if p.avatar.is_some()))
            .map(|event| event.author)
            .collect();
        let mut wanted: Vec<(BlobHash, BlobKind)> = events
            .iter()
            .flat_map(|event| event.images())
            .map(|image| (image.blob, BlobKind::Image))
            .collect();
        if !authors.is_empty() {
            match self.storage.profiles_of(&authors).await {
                Ok(profiles) => wanted.extend(
                    profiles
                        .iter()
                        .filter_map(|p| p.avatar)
                        .map(|hash| (hash, BlobKind::Avatar)),
                ),
                Err(error) => {
                    console::warn_1(&format!("phemossa: reading profiles: {error}").into());
                }
            }
        }
        if wanted.is_empty() {
            return wanted;
        }
        let names: Vec<BlobHash> = wanted.iter().map(|(hash, _)| *hash).collect();
        match self.storage.held_blobs(&names).await {
            Ok(held) => wanted
                .into_iter()
                .zip(held)
                .filter(|(_, held)| !held)
                .map(|(wanted, _)| wanted)
                .collect(),
            Err(error) => {
                console::warn_1(&format!("phemossa: looking for pictures: {error}").into());
                Vec::new()
            }
        }
    }

    /// Answers a peer's request for the chunk at `offset` of blob `hash`. A store that fails
    /// answers "not held": the peer asks elsewhere, and nothing is counted against anyone.
    pub fn serve_blob(&self, channel: Channel, hash: BlobHash, offset: u64) {
        let cached = self.served.borrow_mut().get(&hash);
        if let Some(held) = cached {
            let bytes = answer(Some(&held), offset).encode();
            // The loop is gone only if the node stopped; the answer is moot then.
            let _ = self
                .done
                .unbounded_send(Done::BlobAnswer { channel, bytes });
            return;
        }
        self.spawn(async move |w: &StoreWork| {
            let held = w.storage.blob(&hash).await.unwrap_or_else(|error| {
                console::warn_1(&format!("phemossa: reading picture {hash}: {error}").into());
                None
            });
            let bytes = answer(held.as_deref(), offset).encode();
            if let Some(held) = held {
                w.served.borrow_mut().keep(hash, Rc::new(held));
            }
            Some(Done::BlobAnswer { channel, bytes })
        });
    }

    /// Answers `peer`'s sync 2.1 request from the store: the replies to some posts (§8.10) or
    /// what addresses someone (§8.9). Always reports back (`Done::Asked`), so the request stops
    /// counting among those served; a store that fails leaves it unanswered (the stream closes,
    /// the asker's walk or catch-up ends) and nobody is counted.
    pub fn serve_asked(&self, peer: PeerId, channel: Channel, asked: Asked) {
        self.spawn(async move |w: &StoreWork| {
            let limit = MAX_EVENTS_PER_MESSAGE;
            let answer = match asked {
                Asked::Replies { parents, after } => w
                    .storage
                    .replies_after(&parents, after, limit)
                    .await
                    .map(|page| response_from(page.events, page.more)),
                Asked::Inbox { person, after } => w
                    .storage
                    .addressed_after(&person, after, limit)
                    .await
                    .map(|page| inbox_response_from(page.events, page.more)),
            };
            let bytes = match answer {
                Ok(answer) => Some(answer.encode()),
                Err(error) => {
                    console::warn_1(&format!("phemossa: reading for {peer}: {error}").into());
                    None
                }
            };
            Some(Done::Asked {
                peer,
                channel,
                bytes,
            })
        });
    }

    /// Stores a fetched blob (checked again by the store) and says so.
    pub fn store_blob(&self, hash: BlobHash, kind: BlobKind, bytes: Vec<u8>) {
        self.spawn(async move |w: &StoreWork| {
            match w.storage.put_blob(&hash, kind, &bytes).await {
                Ok(()) => Some(Done::BlobStored { hash }),
                Err(error) => {
                    console::error_1(&format!("phemossa: storing picture {hash}: {error}").into());
                    None
                }
            }
        });
    }

    pub fn save_peer(&self, record: PeerRecord) {
        self.spawn(async move |w: &StoreWork| {
            if let Err(error) = w.storage.save_peer(&record).await {
                console::warn_1(&format!("phemossa: remembering a peer: {error}").into());
            }
            None
        });
    }
}
