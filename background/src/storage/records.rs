//! The shapes of stored records. An event record keeps the wire JSON (what peers are sent) and,
//! for posts, the decoded post fields: a feed page is then built from the records alone, since
//! re-parsing the JSON through `Event::from_json` would re-verify every signature on every page.

use phemossa_api::{FeedImage, StorageStats};
use phemossa_core::notices::addressees;
use phemossa_core::{search, BlobHash, Content, Event, EventId, Profile, PublicKey};
use serde::{Deserialize, Serialize};

/// When a post's search terms are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Terms {
    /// With the post: it is found at once. For the user's own posts and small batches.
    Now,
    /// By the search indexer once storing has paused: a batch's posts cost one `terms_pending`
    /// record on the write path instead of an index entry per word (a quarter to 40 % of the
    /// ingest rate, docs/benchmarks.md). For a sync's or an import's bulk writes.
    Later,
}

/// The name of [`EventRecord::json`] in a stored record, for reads that take only that field
/// (`db::text_field`).
pub const JSON_FIELD: &str = "json";

/// One row of `events`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EventRecord {
    pub id: EventId,
    pub author: PublicKey,
    /// The wire type, except that a post with images is filed as a `post`: the `feed` index
    /// reads one author's posts, with or without images, as one range.
    #[serde(rename = "type")]
    pub kind: String,
    pub timestamp: u64,
    /// The event's wire JSON, `Event::to_json()`.
    pub json: String,
    /// Bytes of `json`.
    pub size: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post: Option<PostFields>,
    /// A post's search terms (`core::search::terms`), keyed by the `terms` index. Records
    /// stored before search existed get them once, when the database is opened
    /// (`storage/search.rs`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub terms: Vec<String>,
    /// The hex names of the blobs this event names (a post's images), keyed by the multi-entry
    /// `blobs` index, so the sweep keeps them while the event is stored.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blobs: Vec<String>,
    /// Present (1) on a post whose terms are still to be written, as versions before schema 14
    /// stored it: the sparse `unindexed` index lists these for the search indexer
    /// (`search_indexer.rs`). Never written now (posts wait in `terms_pending`); absent
    /// otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unindexed: Option<u8>,
    /// A reaction's target and emoji, keyed by the `reactions` index.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reaction: Option<ReactionFields>,
    /// A repost's original, decoded, so a feed page shows it from the record alone. Not in
    /// `post`: the original's `reply_to` would count the repost as a reply in `replies`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repost: Option<RepostFields>,
    /// Whom the event addresses (`core::notices::addressees`), each as [`addressed_key`] with
    /// the event's timestamp, keyed by the multi-entry `addressed` index: what a peer's inbox
    /// catch-up is answered from (protocol.md §8.9).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub to: Vec<String>,
}

/// The `addressed` index's key of an event at `timestamp` addressed to `person`: the key's
/// base64, a separator below every base64 character, then the timestamp as 16 hex digits, so
/// a person's entries sort by time and stay inside their range (as search terms do).
pub fn addressed_key(person: &PublicKey, timestamp: u64) -> String {
    format!("{}\u{1}{timestamp:016x}", person.to_base64())
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RepostFields {
    pub id: EventId,
    pub author: PublicKey,
    pub timestamp: u64,
    pub post: PostFields,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReactionFields {
    pub target: EventId,
    pub emoji: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PostFields {
    pub text: String,
    pub mentions: Vec<PublicKey>,
    pub reply_to: Option<EventId>,
    /// A post's images, as the event names them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<FeedImage>,
}

impl PostFields {
    /// The fields of `event` if it is a post, with or without images.
    pub fn of_event(event: &Event) -> Option<Self> {
        event.as_post().map(|post| PostFields {
            text: post.text.clone(),
            mentions: post.mentions.clone(),
            reply_to: post.reply_to,
            images: FeedImage::of_event(event),
        })
    }
}

impl EventRecord {
    pub fn from_event(event: &Event, terms: Terms) -> Self {
        let json = event.to_json();
        let post = PostFields::of_event(event);
        let repost = event.as_repost().and_then(|original| {
            Some(RepostFields {
                id: original.id,
                author: original.author,
                timestamp: original.timestamp,
                post: PostFields::of_event(original)?,
            })
        });
        // The original's pictures are the repost's too: the sweep keeps them while it is stored.
        let shown = event.as_repost().unwrap_or(event);
        let kind = match &event.content {
            // In the `feed` index's range of posts: a repost shows in its reposter's feed.
            Content::ImagePost(_) | Content::Repost(_) => "post",
            other => other.type_name(),
        };
        // With `Terms::Later` a post's terms wait: the batch's writer lists it in `terms_pending`.
        let terms = match (&post, terms) {
            (Some(post), Terms::Now) => search::terms(&post.text, event.timestamp),
            _ => Vec::new(),
        };
        Self {
            id: event.id,
            author: event.author,
            kind: kind.to_owned(),
            timestamp: event.timestamp,
            size: json.len() as u64,
            json,
            post,
            terms,
            blobs: shown.images().iter().map(|i| i.blob.to_hex()).collect(),
            unindexed: None,
            reaction: event.as_reaction().map(|reaction| ReactionFields {
                target: reaction.target,
                emoji: reaction.emoji.clone(),
            }),
            repost,
            to: addressees(event)
                .iter()
                .map(|person| addressed_key(person, event.timestamp))
                .collect(),
        }
    }

    /// Writes the terms of a post whose terms were deferred (or that predates search).
    pub fn with_terms(mut self) -> Self {
        if let Some(post) = &self.post {
            self.terms = search::terms(&post.text, self.timestamp);
        }
        self.unindexed = None;
        self
    }
}

/// One row of `profiles`: an author's current profile, decoded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileRecord {
    pub author: PublicKey,
    pub id: EventId,
    pub timestamp: u64,
    pub name: String,
    pub about: String,
    pub avatar: Option<BlobHash>,
    /// Bytes of the event's wire JSON, taken off the totals when a newer profile replaces it.
    pub size: u64,
}

impl ProfileRecord {
    pub fn from_event(event: &Event, profile: &Profile, size: u64) -> Self {
        Self {
            author: event.author,
            id: event.id,
            timestamp: event.timestamp,
            name: profile.name.clone(),
            about: profile.about.clone(),
            avatar: profile.avatar,
            size,
        }
    }
}

/// One row of `superseded`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SupersededRecord {
    pub id: EventId,
    pub author: PublicKey,
}

/// One row of `author_totals`: how many events and bytes of event JSON the store holds of one
/// author (`storage/author_totals.rs`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorTotalsRecord {
    pub author: PublicKey,
    pub events: u64,
    pub bytes: u64,
}

impl AuthorTotalsRecord {
    pub fn empty(author: PublicKey) -> Self {
        Self {
            author,
            events: 0,
            bytes: 0,
        }
    }

    pub fn add(&mut self, size: u64) {
        self.events += 1;
        self.bytes += size;
    }

    pub fn remove(&mut self, size: u64) {
        self.events = self.events.saturating_sub(1);
        self.bytes = self.bytes.saturating_sub(size);
    }
}

/// One row of `deleted`: an id a delete withdrew (protocol.md §5.2), with every author's claim
/// on it while it is not known whose the id is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletedRecord {
    pub id: EventId,
    /// The delete's author: only an event of theirs (or of one of `claimants`) under `id` is
    /// refused.
    pub author: PublicKey,
    /// The delete event that named it.
    pub by: EventId,
    /// An event of `author` under `id` was seen (stored and removed, or refused), so the id is
    /// really theirs: syncs count it as held. Until then a delete naming someone else's id
    /// (which a node that does not hold it cannot tell) stops nothing from being fetched.
    pub confirmed: bool,
    /// Other authors whose deletes name `id` while it is unconfirmed, each claim kept beside
    /// `author`'s: a node that does not hold the id cannot tell whose it is, and keeping one
    /// claim only would let anyone undo a delete by naming its target too (the real author's
    /// claim replaced by theirs, the deleted event would be stored when it came). Empty once
    /// confirmed, and then absent, as in records written before claims were kept.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub claimants: Vec<PublicKey>,
    /// Their deletes, in the order of `claimants`. Two lists rather than one of pairs: the
    /// background has their serde code already, where a list of pairs cost 1.7 KB more of its
    /// wasm, and one of structs 3.5 KB.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub claims: Vec<EventId>,
}

impl DeletedRecord {
    /// Whether a delete of `author` names the id: an event of theirs under it is withdrawn.
    pub fn claimed_by(&self, author: &PublicKey) -> bool {
        self.author == *author || self.claimants.contains(author)
    }

    /// Adds the claim of `author`'s delete `by`. An author claims an id once, by their latest
    /// delete of it; another author's claim is kept beside the others while the id is
    /// unconfirmed, never in place of one, and not at all once it is known whose the id is.
    pub fn claim(&mut self, author: PublicKey, by: EventId) {
        if self.author == author {
            self.by = by;
            return;
        }
        let at = self.claimants.iter().position(|a| *a == author);
        match at.and_then(|at| self.claims.get_mut(at)) {
            Some(claim) => *claim = by,
            None if !self.confirmed => {
                self.claimants.push(author);
                self.claims.push(by);
            }
            None => {}
        }
    }

    /// An event of `author` under the id was seen: if they claim it, the id is known to be
    /// theirs, their claim becomes the record's, confirmed, and the others go (they cannot be
    /// the id's author). Says whether they claim it, that is whether the event is withdrawn.
    pub fn confirm(&mut self, author: &PublicKey) -> bool {
        if self.author != *author {
            let at = self.claimants.iter().position(|a| a == author);
            let Some(by) = at.and_then(|at| self.claims.get(at)) else {
                return false;
            };
            (self.author, self.by) = (*author, *by);
        }
        self.claimants.clear();
        self.claims.clear();
        self.confirmed = true;
        true
    }

    /// Takes off the claim of the delete `by`, removed (what it withdrew is forgotten, §5.2);
    /// another claim takes the record's place if it was the record's. Says whether a claim is
    /// left: if not, the record goes.
    pub fn forget(&mut self, by: &EventId) -> bool {
        let at = self.claims.iter().position(|claim| claim == by);
        if at.is_none() && self.by != *by {
            return true;
        }
        // The last claim takes the place of the one forgotten (which, if it was the last, is
        // gone with it).
        let (Some(author), Some(last)) = (self.claimants.pop(), self.claims.pop()) else {
            return false;
        };
        let place = match at {
            Some(at) => self.claimants.get_mut(at).zip(self.claims.get_mut(at)),
            None => Some((&mut self.author, &mut self.by)),
        };
        if let Some((place_author, place_by)) = place {
            (*place_author, *place_by) = (author, last);
        }
        true
    }
}

/// One row of `notifications`: an event that is news for the user (`core::notices`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationRecord {
    /// The event that is the news.
    pub id: EventId,
    /// "reply", "mention", "reaction" or "follow".
    pub kind: String,
    pub from: PublicKey,
    pub timestamp: u64,
    /// The post it concerns: the reply or mention itself, or the post reacted to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post: Option<EventId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emoji: Option<String>,
    /// Present (1) until the user opens the view: the sparse `unread` index lists exactly these.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unread: Option<u8>,
}

/// One row of `nicknames`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NicknameRecord {
    pub author: PublicKey,
    pub nickname: String,
}

/// The one row of `meta`: totals over `events`, kept exact by updating them in each insert.
/// Its counts repeat `phemossa_api::StorageStats` on purpose: this is the stored schema, which
/// must not change when the port's type does (that one also carries what is measured when asked).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct StatsRecord {
    pub key: String,
    pub events: u64,
    pub posts: u64,
    pub authors: u64,
    pub bytes: u64,
    /// Events removed by retention, ever (records from before retention existed have none).
    #[serde(default)]
    pub pruned: u64,
    /// Post ids listed in `terms_pending`, so that how many posts wait for search terms is
    /// read here rather than counted (records from before schema 14 have none).
    #[serde(default)]
    pub terms_pending: u64,
    /// The sequence number of the last `terms_pending` record written.
    #[serde(default)]
    pub terms_batches: u64,
}

/// One row of `terms_pending`: posts of one bulk write whose search terms are still to be
/// written, in the order stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TermsPendingRecord {
    pub seq: u64,
    pub ids: Vec<EventId>,
}

pub const STATS_KEY: &str = "stats";

impl StatsRecord {
    pub fn add(&mut self, record: &EventRecord, new_author: bool) {
        self.key = STATS_KEY.to_owned();
        self.events += 1;
        self.posts += u64::from(record.post.is_some());
        self.authors += u64::from(new_author);
        self.bytes += record.size;
    }

    /// Takes out a profile event a newer profile of its author replaced: not a pruning, and the
    /// author keeps an event (the newer profile), so only the event and its bytes go.
    pub fn replace(&mut self, size: u64) {
        self.key = STATS_KEY.to_owned();
        self.events = self.events.saturating_sub(1);
        self.bytes = self.bytes.saturating_sub(size);
    }

    /// Takes out a deleted event; `author_emptied` when none of its author's events are left,
    /// `pruned` when retention deleted it (not a block).
    pub fn remove(&mut self, record: &EventRecord, author_emptied: bool, pruned: bool) {
        self.key = STATS_KEY.to_owned();
        self.events = self.events.saturating_sub(1);
        self.posts = self.posts.saturating_sub(u64::from(record.post.is_some()));
        self.authors = self.authors.saturating_sub(u64::from(author_emptied));
        self.bytes = self.bytes.saturating_sub(record.size);
        self.pruned += u64::from(pruned);
    }

    pub fn stats(&self) -> StorageStats {
        StorageStats {
            events: self.events,
            posts: self.posts,
            authors: self.authors,
            bytes: self.bytes,
            pruned: self.pruned,
            wasm_memory_bytes: 0,
            search_pending: self.terms_pending,
            worker_memory_bytes: 0,
            worker_checked: 0,
        }
    }
}
