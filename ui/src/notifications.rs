//! Notifications in words: what each one says a person did, and the toolbar-style count.

use phemossa_api::{Notification, NotificationKind};

/// What the person did, after their name: "replied to your post", "reacted 🎉 to your post".
pub fn what_they_did(notification: &Notification) -> String {
    match notification.kind {
        NotificationKind::Reply => "replied to your post".to_owned(),
        NotificationKind::Mention => "mentioned you".to_owned(),
        NotificationKind::Reaction => match &notification.emoji {
            Some(emoji) => format!("reacted {emoji} to your post"),
            None => "reacted to your post".to_owned(),
        },
        NotificationKind::Repost => "reposted your post".to_owned(),
        NotificationKind::Follow => "started following you".to_owned(),
    }
}

/// The unread count as the Notifications button shows it: nothing at 0, "99+" past 99.
pub fn unread_badge(unread: u32) -> Option<String> {
    match unread {
        0 => None,
        1..=99 => Some(unread.to_string()),
        _ => Some("99+".to_owned()),
    }
}

/// The Notifications button's accessible name, which says the count in words.
pub fn button_label(unread: u32) -> String {
    match unread {
        0 => "Notifications".to_owned(),
        n => format!("Notifications, {n} unread"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use phemossa_core::{EventId, Identity};

    fn notification(kind: NotificationKind, emoji: Option<&str>) -> Notification {
        Notification {
            id: EventId::from_bytes([1; 32]),
            kind,
            from: Identity::from_seed([2; 32]).public_key(),
            timestamp: 1,
            post: None,
            text: None,
            emoji: emoji.map(str::to_owned),
            unread: true,
        }
    }

    #[test]
    fn each_kind_says_what_was_done_and_counts_read_as_people_expect() {
        assert_eq!(
            what_they_did(&notification(NotificationKind::Reaction, Some("🎉"))),
            "reacted 🎉 to your post"
        );
        assert_eq!(
            what_they_did(&notification(NotificationKind::Reply, None)),
            "replied to your post"
        );
        assert_eq!(
            what_they_did(&notification(NotificationKind::Mention, None)),
            "mentioned you"
        );
        assert_eq!(
            what_they_did(&notification(NotificationKind::Follow, None)),
            "started following you"
        );
        assert_eq!(unread_badge(0), None);
        assert_eq!(unread_badge(7).as_deref(), Some("7"));
        assert_eq!(unread_badge(100).as_deref(), Some("99+"));
        assert_eq!(button_label(0), "Notifications");
        assert_eq!(button_label(2), "Notifications, 2 unread");
    }
}
