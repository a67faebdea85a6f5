//! The answers a page can get, for pages that read fewer than all of [`Response`]: serde's
//! reader of an enum holds the reader of every variant's content, so each variant a page can
//! never be sent is code in its wasm for nothing (`ServerMessage::from_json_as`).

use phemossa_core::keys::{BlobHash, EventId};
use phemossa_core::settings::NetworkSettings;
use serde::Deserialize;

use crate::{
    BackupStatus, BlobData, FeedItem, FeedPage, FollowerEntry, FollowingEntry, IdentityInfo,
    InviteInfo, KeepOutStatus, NetworkStatus, NotificationsPage, Person, PostReactions, Response,
    SearchPage, ThreadPage,
};

/// The popup's answers: [`Response`] without those of requests only the options page sends
/// (backups, retention, storage statistics, the event archive). Each variant is the
/// [`Response`] variant of its name, on the wire and by [`From`]. A request the popup starts
/// sending must have its answers here, or they are refused as unreadable (see
/// `popup_can_be_sent` in the tests, which every new [`Response`] variant must join).
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ApiError, ServerMessage};

    /// Whether the popup can be sent `response`: exhaustive, so that a new [`Response`]
    /// variant needs a decision here, and, if the popup can get it, a [`PopupResponse`]
    /// variant. The answers left out are those of `ExportBackup`, `InspectBackup`,
    /// `RestoreBackup`, `GetRetention`, `SetRetention`, `GetStats`, `ImportEvents`,
    /// `ExportEvents` and `MeasureVerification`, which only the options page sends.
    fn popup_can_be_sent(response: &Response) -> bool {
        match response {
            Response::Backup(_)
            | Response::BackupInspected(_)
            | Response::Restored(_)
            | Response::Retention(_)
            | Response::Stats(_)
            | Response::Imported(_)
            | Response::Events(_)
            | Response::VerificationTiming(_) => false,
            Response::Identity(_)
            | Response::FeedPage(_)
            | Response::Posted(_)
            | Response::Following(_)
            | Response::People(_)
            | Response::Followers(_)
            | Response::Invite(_)
            | Response::Found(_)
            | Response::Thread(_)
            | Response::Deleted(_)
            | Response::Reactions(_)
            | Response::Notifications(_)
            | Response::KeepOut(_)
            | Response::Blob(_)
            | Response::BlobPending(_)
            | Response::WorkNeeded { .. }
            | Response::ImageStored(_)
            | Response::BackupStatus(_)
            | Response::Network(_)
            | Response::NetworkSettings(_)
            | Response::Subscribed => true,
        }
    }

    #[test]
    fn the_popup_reads_its_answers_as_every_page_does_and_refuses_the_rest() {
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
            Response::Restored(identity),
        ] {
            let message = ServerMessage::Response {
                id: 5,
                result: Ok(response.clone()),
            };
            let text = message.to_json();
            let read = ServerMessage::from_json_as::<PopupResponse>(&text);
            if popup_can_be_sent(&response) {
                assert_eq!(read.ok(), Some(message), "{text}");
            } else {
                assert!(read.is_err(), "{text}");
            }
        }
        // Errors and pushes read as they do for any page.
        let refused = ServerMessage::Response {
            id: 6,
            result: Err(ApiError::PostNotFound),
        };
        assert_eq!(
            ServerMessage::from_json_as::<PopupResponse>(&refused.to_json()).ok(),
            Some(refused)
        );
        let push = ServerMessage::Push {
            push: crate::Push::FeedReset,
        };
        assert_eq!(
            ServerMessage::from_json_as::<PopupResponse>(&push.to_json()).ok(),
            Some(push)
        );
    }
}
