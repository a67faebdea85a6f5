//! Notifications: which stored events are news for the user (`core::notices`), written as they
//! are stored; the page of them the Notifications view shows (people the user hides left out,
//! notifications of events since deleted or pruned dropped); and the unread count that goes to
//! subscribed pages and to the toolbar badge.

use phemossa_api::{Notification, NotificationKind, NotificationsPage, Push};
use phemossa_core::notices::{notice_of, parent_needed, Notice};
use std::collections::HashSet;

use phemossa_core::{Event, EventId, FollowGraph};

use crate::badge;
use crate::changes::Changes;
use crate::error::BackgroundError;
use crate::storage::{NotificationRecord, Storage};
use crate::user::User;

/// Characters of a reply's or mention's text a notification carries.
const SNIPPET_CHARS: usize = 140;

/// Writes the notifications `events` (just stored, new) make for the user; whether the unread
/// count may have changed: a notification was written, or another's delete may have removed
/// an event one was of (its notification goes with it, `storage/removal.rs`).
pub async fn record(
    user: &User,
    storage: &Storage,
    events: &[&Event],
) -> Result<bool, BackgroundError> {
    let me = user.public_key();
    let parents: Vec<_> = events
        .iter()
        .filter(|event| event.author != me)
        .filter_map(|event| parent_needed(event))
        .collect();
    let authors = storage.authors_of(&parents).await?;
    let mut notices: Vec<(&Event, Notice)> = events
        .iter()
        .filter_map(|event| {
            let parent = parent_needed(event).and_then(|id| authors.get(&id));
            Some((*event, notice_of(event, &me, parent)?))
        })
        .collect();
    if notices.iter().any(|(_, notice)| *notice == Notice::Follow) {
        // A new follower is news once: not a follow of someone who already followed the user
        // (the same edge signed again, as a follow announced with proof of work is, §8.9).
        let batch: HashSet<EventId> = events.iter().map(|event| event.id).collect();
        let before = FollowGraph::from_records(
            storage
                .records_following(&me)
                .await?
                .into_iter()
                .filter(|record| !batch.contains(&record.id)),
        );
        let mut told = HashSet::new();
        notices.retain(|(event, notice)| {
            *notice != Notice::Follow
                || (!before.is_following(&event.author, &me) && told.insert(event.author))
        });
    }
    let records: Vec<NotificationRecord> = notices
        .into_iter()
        .map(|(event, notice)| record_of(event, notice))
        .collect();
    storage.add_notifications(&records).await?;
    Ok(!records.is_empty()
        || events
            .iter()
            .any(|event| event.author != me && !event.deleted().is_empty()))
}

fn record_of(event: &Event, notice: Notice) -> NotificationRecord {
    let snippet = || {
        event
            .as_post()
            .map(|post| post.text.chars().take(SNIPPET_CHARS).collect::<String>())
    };
    let (kind, post, text, emoji) = match notice {
        Notice::Reply { .. } => ("reply", Some(event.id), snippet(), None),
        Notice::Mention => ("mention", Some(event.id), snippet(), None),
        Notice::Reaction { to, emoji } => ("reaction", Some(to), None, Some(emoji)),
        Notice::Repost { of } => ("repost", Some(of), None, None),
        Notice::Follow => ("follow", None, None, None),
    };
    NotificationRecord {
        id: event.id,
        kind: kind.to_owned(),
        from: event.author,
        timestamp: event.timestamp,
        post,
        text,
        emoji,
        unread: Some(1),
    }
}

/// How many unread notifications the user would see (people they hide left out).
pub async fn unread(user: &User, storage: &Storage) -> Result<u32, BackgroundError> {
    let unread = storage.unread_notifications().await?;
    let keep_out = user.keep_out().borrow();
    Ok(unread
        .iter()
        .filter(|record| !keep_out.hides(&record.from))
        .count() as u32)
}

/// Tells subscribed pages and the badge the unread count.
pub async fn announce_unread(user: &User, storage: &Storage, changes: &Changes) {
    match unread(user, storage).await {
        Ok(count) => {
            changes.push(Push::Unread(count));
            badge::show(count);
        }
        Err(error) => web_sys::console::warn_1(
            &format!("phemossa: cannot count the unread notifications: {error}").into(),
        ),
    }
}

/// The newest `limit` notifications the user sees, and the unread count. Those whose event is
/// no longer stored are dropped from the store here: an event's removal takes its notification
/// with it, but versions before that left them.
pub async fn page(
    user: &User,
    storage: &Storage,
    limit: usize,
) -> Result<NotificationsPage, BackgroundError> {
    // Read more than asked: some may be of hidden people or gone.
    let records = storage.notifications(limit * 2).await?;
    let ids: Vec<_> = records.iter().map(|record| record.id).collect();
    let stored = storage.authors_of(&ids).await?;
    let gone: Vec<_> = ids
        .iter()
        .filter(|id| !stored.contains_key(id))
        .copied()
        .collect();
    storage.remove_notifications(&gone).await?;
    let items = {
        let keep_out = user.keep_out().borrow();
        records
            .into_iter()
            .filter(|record| stored.contains_key(&record.id) && !keep_out.hides(&record.from))
            .filter_map(notification_of)
            .take(limit)
            .collect()
    };
    Ok(NotificationsPage {
        items,
        unread: unread(user, storage).await?,
    })
}

fn notification_of(record: NotificationRecord) -> Option<Notification> {
    let kind = match record.kind.as_str() {
        "reply" => NotificationKind::Reply,
        "mention" => NotificationKind::Mention,
        "reaction" => NotificationKind::Reaction,
        "follow" => NotificationKind::Follow,
        "repost" => NotificationKind::Repost,
        // A kind a newer version wrote: not shown rather than shown wrong.
        _ => return None,
    };
    Some(Notification {
        id: record.id,
        kind,
        from: record.from,
        timestamp: record.timestamp,
        post: record.post,
        text: record.text,
        emoji: record.emoji,
        unread: record.unread.is_some(),
    })
}
