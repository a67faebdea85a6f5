//! Helpers shared by the browser tests: unique database names, signed test events, a push
//! recorder standing in for a UI port.

#![allow(dead_code)]

use std::cell::RefCell;

use phemossa_api::{Push, ServerMessage};
use phemossa_background::{Config, PushSink};
use phemossa_core::{Content, Event, Identity, Post, Profile, PublicKey};

/// A database name no other test (or earlier run in the same profile) uses.
pub fn unique_name(label: &str) -> String {
    let nonce = (js_sys::Math::random() * 1e12) as u64;
    format!("test-{label}-{}-{nonce}", js_sys::Date::now() as u64)
}

pub fn unique_config(label: &str) -> Config {
    Config {
        identity_db: unique_name(&format!("{label}-identity")),
        storage_db: unique_name(&format!("{label}-events")),
    }
}

/// Deletes a database once its connections are closed, so test profiles stay small.
pub async fn delete_database(name: &str) {
    let factory = idb::Factory::new().expect("indexedDB exists");
    factory
        .delete(name)
        .expect("delete request")
        .await
        .expect("database deleted");
}

pub async fn delete_config(config: &Config) {
    delete_database(&config.identity_db).await;
    delete_database(&config.storage_db).await;
}

pub fn identity(n: u8) -> Identity {
    Identity::from_seed([n; 32])
}

/// A fixed past instant (2025-01-01), far from every validation limit.
pub const T0: u64 = 1_735_689_600_000;

pub fn post(author: &Identity, timestamp: u64, text: &str) -> Event {
    let content = Content::Post(Post {
        text: text.into(),
        mentions: vec![],
        reply_to: None,
    });
    Event::create(author, timestamp, content).expect("valid post")
}

pub fn follow(author: &Identity, timestamp: u64, followee: PublicKey, follows: bool) -> Event {
    let content = if follows {
        Content::Follow { followee }
    } else {
        Content::Unfollow { followee }
    };
    Event::create(author, timestamp, content).expect("valid follow event")
}

pub fn profile(author: &Identity, timestamp: u64, name: &str) -> Event {
    let content = Content::Profile(Profile {
        name: name.into(),
        about: format!("about {name}"),
        avatar: None,
    });
    Event::create(author, timestamp, content).expect("valid profile")
}

/// Checks that each author's kept totals add up to the store's totals and to a recount of the
/// events, and that no author without events keeps a record.
pub async fn assert_author_totals_exact(storage: &phemossa_background::storage::Storage) {
    let stats = storage.stats().await.expect("stats");
    let totals = storage.author_totals().await.expect("author totals");
    let events: u64 = totals.iter().map(|(_, events, _)| events).sum();
    let bytes: u64 = totals.iter().map(|(_, _, bytes)| bytes).sum();
    assert_eq!(
        events, stats.events,
        "author totals' events against the store's"
    );
    assert_eq!(
        bytes, stats.bytes,
        "author totals' bytes against the store's"
    );
    assert_eq!(totals.len() as u64, stats.authors, "authors with totals");
    assert!(totals.iter().all(|(_, events, _)| *events > 0));
    assert_eq!(stats.events, storage.count_events().await.expect("recount"));
}

/// Records every message a "port" is sent.
pub struct Recorder {
    pub id: u64,
    pub messages: RefCell<Vec<ServerMessage>>,
    /// Cleared to play a page that closed.
    pub open: std::cell::Cell<bool>,
}

impl Recorder {
    pub fn new(id: u64) -> Self {
        Self {
            id,
            messages: RefCell::new(Vec::new()),
            open: std::cell::Cell::new(true),
        }
    }

    /// The pushes received so far, emptying the record.
    pub fn take_pushes(&self) -> Vec<Push> {
        self.messages
            .borrow_mut()
            .drain(..)
            .filter_map(|message| match message {
                ServerMessage::Push { push } => Some(push),
                ServerMessage::Response { .. } => None,
            })
            .collect()
    }
}

impl PushSink for Recorder {
    fn id(&self) -> u64 {
        self.id
    }

    fn send(&self, message: &ServerMessage) -> bool {
        self.messages.borrow_mut().push(message.clone());
        true
    }

    fn is_open(&self) -> bool {
        self.open.get()
    }
}

/// The newest 100 posts of the user's feed, as a page asks.
pub async fn feed(
    app: &phemossa_background::App,
    port: &std::rc::Rc<dyn PushSink>,
) -> Vec<phemossa_api::FeedItem> {
    let request = phemossa_api::Request::GetFeed {
        before: None,
        limit: 100,
    };
    match app.handle(request, port).await {
        Ok(phemossa_api::Response::FeedPage(page)) => page.items,
        other => panic!("expected a feed page, got {other:?}"),
    }
}

/// Sends `request` as a page does: when the background answers `WorkNeeded` (a post, reaction
/// or repost reaching someone who does not follow the user), finds the work here, as the
/// page's worker would, and sends it again with it.
pub async fn with_work(
    app: &phemossa_background::App,
    port: &std::rc::Rc<dyn PushSink>,
    request: phemossa_api::Request,
) -> Result<phemossa_api::Response, phemossa_api::ApiError> {
    use base64::Engine as _;
    use phemossa_api::{FoundWork, Request, Response};
    let answer = app.handle(request.clone(), port).await?;
    let Response::WorkNeeded {
        prefix,
        bits,
        timestamp,
        ..
    } = answer
    else {
        return Ok(answer);
    };
    let prefix = base64::engine::general_purpose::STANDARD
        .decode(prefix)
        .expect("the prefix is base64");
    let found = phemossa_core::work::WorkSearch::new(&prefix, bits)
        .expect("the background asks for work in range")
        .try_nonces(0, phemossa_core::work::MAX_NONCE)
        .expect("some nonce does the work");
    let found = Some(FoundWork {
        timestamp,
        bits: found.bits,
        nonce: found.nonce,
    });
    let mut request = request;
    match &mut request {
        Request::Post { work, .. } | Request::React { work, .. } | Request::Repost { work, .. } => {
            *work = found
        }
        other => panic!("work asked for {other:?}"),
    }
    app.handle(request, port).await
}
