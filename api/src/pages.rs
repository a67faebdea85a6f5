//! The answers and pushes a page can get, for pages that read fewer than all of [`Response`]
//! and [`Push`]: serde's reader of an enum holds the reader of every variant's content, so
//! each variant a page can never be sent is code in its wasm for nothing
//! (`ServerMessage::from_json_as`).

use phemossa_core::keys::{BlobHash, EventId};
use phemossa_core::retention::RetentionSettings;
use phemossa_core::settings::NetworkSettings;
use serde::Deserialize;

use crate::{
    BackupFile, BackupStatus, BlobData, EventsPage, FeedItem, FeedPage, FollowerEntry,
    FollowingEntry, IdentityInfo, ImportReport, InviteInfo, KeepOutStatus, NetworkStatus,
    NotificationsPage, Person, PostReactions, Push, Response, SearchPage, StorageStats, ThreadPage,
};

/// The popup's answers: [`Response`] without those of requests only the options page sends
/// (backups, retention, storage statistics, the event archive). Each variant is the
/// [`Response`] variant of its name, on the wire and by [`From`]. A request the popup starts
/// sending must have its answers here, or they are refused as unreadable (see `sent_to` in
/// the tests, which every new [`Response`] variant must join).
#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PopupResponse {
    Identity(IdentityInfo),
    FeedPage(FeedPage),
    Posted(FeedItem),
    Following(Vec<FollowingEntry>),
    People(Vec<Person>),
    Followers(Vec<FollowerEntry>),
    Invite(InviteInfo),
    Found(SearchPage),
    Thread(ThreadPage),
    Deleted(Vec<EventId>),
    Reactions(PostReactions),
    Notifications(NotificationsPage),
    KeepOut(KeepOutStatus),
    Blob(BlobData),
    BlobPending(BlobHash),
    WorkNeeded {
        prefix: String,
        bits: u8,
        timestamp: u64,
        strangers: u32,
    },
    ImageStored(BlobHash),
    BackupStatus(BackupStatus),
    Network(NetworkStatus),
    NetworkSettings(NetworkSettings),
    Subscribed,
}

impl From<PopupResponse> for Response {
    fn from(answer: PopupResponse) -> Self {
        use PopupResponse as P;
        match answer {
            P::Identity(info) => Self::Identity(info),
            P::FeedPage(page) => Self::FeedPage(page),
            P::Posted(item) => Self::Posted(item),
            P::Following(entries) => Self::Following(entries),
            P::People(people) => Self::People(people),
            P::Followers(entries) => Self::Followers(entries),
            P::Invite(invite) => Self::Invite(invite),
            P::Found(page) => Self::Found(page),
            P::Thread(page) => Self::Thread(page),
            P::Deleted(ids) => Self::Deleted(ids),
            P::Reactions(reactions) => Self::Reactions(reactions),
            P::Notifications(page) => Self::Notifications(page),
            P::KeepOut(status) => Self::KeepOut(status),
            P::Blob(blob) => Self::Blob(blob),
            P::BlobPending(hash) => Self::BlobPending(hash),
            P::WorkNeeded {
                prefix,
                bits,
                timestamp,
                strangers,
            } => Self::WorkNeeded {
                prefix,
                bits,
                timestamp,
                strangers,
            },
            P::ImageStored(hash) => Self::ImageStored(hash),
            P::BackupStatus(status) => Self::BackupStatus(status),
            P::Network(status) => Self::Network(status),
            P::NetworkSettings(settings) => Self::NetworkSettings(settings),
            P::Subscribed => Self::Subscribed,
        }
    }
}

/// The options page's answers: those of the requests it sends (identity, profile, backup and
/// restore, storage statistics, retention, the event archive, what is kept out, network
/// settings, pictures), not the feed's, the threads', the notifications' or the follows'.
/// As [`PopupResponse`], each variant is the [`Response`] variant of its name.
#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OptionsResponse {
    Identity(IdentityInfo),
    People(Vec<Person>),
    KeepOut(KeepOutStatus),
    Blob(BlobData),
    BlobPending(BlobHash),
    Stats(StorageStats),
    Backup(BackupFile),
    BackupInspected(IdentityInfo),
    Restored(IdentityInfo),
    Network(NetworkStatus),
    NetworkSettings(NetworkSettings),
    Retention(RetentionSettings),
    Imported(ImportReport),
    Events(EventsPage),
    Subscribed,
}

impl From<OptionsResponse> for Response {
    fn from(answer: OptionsResponse) -> Self {
        use OptionsResponse as O;
        match answer {
            O::Identity(info) => Self::Identity(info),
            O::People(people) => Self::People(people),
            O::KeepOut(status) => Self::KeepOut(status),
            O::Blob(blob) => Self::Blob(blob),
            O::BlobPending(hash) => Self::BlobPending(hash),
            O::Stats(stats) => Self::Stats(stats),
            O::Backup(file) => Self::Backup(file),
            O::BackupInspected(info) => Self::BackupInspected(info),
            O::Restored(info) => Self::Restored(info),
            O::Network(status) => Self::Network(status),
            O::NetworkSettings(settings) => Self::NetworkSettings(settings),
            O::Retention(settings) => Self::Retention(settings),
            O::Imported(report) => Self::Imported(report),
            O::Events(page) => Self::Events(page),
            O::Subscribed => Self::Subscribed,
        }
    }
}

/// The options page's pushes: those of the topics it subscribes to (`Identity`, `Network`
/// and `People`; the background sends a page only its topics' pushes). Each variant is the
/// [`Push`] variant of its name.
#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OptionsPush {
    Identity(IdentityInfo),
    Network(NetworkStatus),
    People(Vec<Person>),
    Followers(Vec<FollowerEntry>),
    BlobStored(BlobHash),
    KeepOut(KeepOutStatus),
}

impl From<OptionsPush> for Push {
    fn from(push: OptionsPush) -> Self {
        use OptionsPush as O;
        match push {
            O::Identity(info) => Self::Identity(info),
            O::Network(status) => Self::Network(status),
            O::People(people) => Self::People(people),
            O::Followers(entries) => Self::Followers(entries),
            O::BlobStored(hash) => Self::BlobStored(hash),
            O::KeepOut(status) => Self::KeepOut(status),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ApiError, ServerMessage};

    /// Whether the popup and the options page can be sent `response`: exhaustive, so that a
    /// new [`Response`] variant needs a decision here, and a variant in the subsets of the
    /// pages that can get it. The popup never sends `ExportBackup`, `InspectBackup`,
    /// `RestoreBackup`, `GetRetention`, `SetRetention`, `GetStats`, `ImportEvents`,
    /// `ExportEvents` or `MeasureVerification`; the options page sends those but for
    /// `MeasureVerification`, and none of the feed's, threads', notifications', posting's,
    /// follows' or the backup reminder's.
    fn sent_to(response: &Response) -> (bool, bool) {
        match response {
            Response::Backup(_)
            | Response::BackupInspected(_)
            | Response::Restored(_)
            | Response::Retention(_)
            | Response::Stats(_)
            | Response::Imported(_)
            | Response::Events(_) => (false, true),
            Response::VerificationTiming(_) => (false, false),
            Response::FeedPage(_)
            | Response::Posted(_)
            | Response::Following(_)
            | Response::Followers(_)
            | Response::Invite(_)
            | Response::Found(_)
            | Response::Thread(_)
            | Response::Deleted(_)
            | Response::Reactions(_)
            | Response::Notifications(_)
            | Response::WorkNeeded { .. }
            | Response::ImageStored(_)
            | Response::BackupStatus(_) => (true, false),
            Response::Identity(_)
            | Response::People(_)
            | Response::KeepOut(_)
            | Response::Blob(_)
            | Response::BlobPending(_)
            | Response::Network(_)
            | Response::NetworkSettings(_)
            | Response::Subscribed => (true, true),
        }
    }

    /// Whether the options page, subscribed to `Identity`, `Network` and `People`, can be
    /// sent `push`: its topic as background/src/subscribers.rs `topic_of` gives it.
    fn options_gets(push: &Push) -> bool {
        match push {
            Push::FeedAdded(_)
            | Push::FeedReset
            | Push::Reactions(_)
            | Push::Unread(_)
            | Push::Replies(_)
            | Push::Following(_) => false,
            Push::Identity(_)
            | Push::Network(_)
            | Push::People(_)
            | Push::Followers(_)
            | Push::BlobStored(_)
            | Push::KeepOut(_) => true,
        }
    }

    fn reads(text: &str, popup: bool) -> Option<ServerMessage> {
        if popup {
            ServerMessage::from_json_as::<PopupResponse, Push>(text).ok()
        } else {
            ServerMessage::from_json_as::<OptionsResponse, OptionsPush>(text).ok()
        }
    }

    #[test]
    fn pages_read_what_they_can_be_sent_as_any_page_does_and_refuse_the_rest() {
        let hash = BlobHash::from_bytes([3; 32]);
        let identity = IdentityInfo::new(phemossa_core::Identity::from_seed([7; 32]).public_key());
        for response in [
            Response::Subscribed,
            Response::Identity(identity.clone()),
            Response::Deleted(vec![EventId::from_bytes([1; 32])]),
            Response::BlobPending(hash),
            Response::ImageStored(hash),
            Response::Following(vec![]),
            Response::People(vec![]),
            Response::Followers(vec![]),
            Response::WorkNeeded {
                prefix: "AA==".into(),
                bits: 8,
                timestamp: 1,
                strangers: 2,
            },
            Response::BackupInspected(identity.clone()),
            Response::Restored(identity.clone()),
        ] {
            let message = ServerMessage::Response {
                id: 5,
                result: Ok(response.clone()),
            };
            let text = message.to_json();
            let (popup, options) = sent_to(&response);
            for (page, sent) in [(true, popup), (false, options)] {
                let read = reads(&text, page);
                assert_eq!(read, sent.then(|| message.clone()), "{text}");
            }
        }
        for push in [
            Push::FeedReset,
            Push::FeedAdded(vec![]),
            Push::Unread(3),
            Push::Following(vec![]),
            Push::Identity(identity),
            Push::People(vec![]),
            Push::Followers(vec![]),
            Push::BlobStored(hash),
        ] {
            let message = ServerMessage::Push { push: push.clone() };
            let text = message.to_json();
            assert_eq!(reads(&text, true), Some(message.clone()), "{text}");
            let options = options_gets(&push).then(|| message.clone());
            assert_eq!(reads(&text, false), options, "{text}");
        }
        // Errors read as they do for any page.
        let refused = ServerMessage::Response {
            id: 6,
            result: Err(ApiError::PostNotFound),
        };
        for page in [true, false] {
            assert_eq!(reads(&refused.to_json(), page), Some(refused.clone()));
        }
    }
}
