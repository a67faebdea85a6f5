//! Follow, Unfollow and GetFollowing: sign, store and apply a follow event of the user's, and
//! answer the following list.

use std::rc::Rc;

use phemossa_api::{ApiError, InviteInfo, Response};
use phemossa_core::invite::parse_person;
use phemossa_core::{Content, Event, FollowRecord};

use crate::changes::Changes;
use crate::clock;
use crate::follow_announce::FollowAnnouncer;
use crate::storage::Storage;
use crate::user::User;

/// The people the user follows.
pub fn following(user: &User) -> Response {
    Response::Following(user.following())
}

/// What the invite or key pasted as `text` holds.
pub fn read_invite(text: &str) -> Result<Response, ApiError> {
    let invite = parse_person(text)?;
    Ok(Response::Invite(InviteInfo {
        public_key: invite.public_key,
        name: invite.name,
        relays: invite.relays,
    }))
}

/// Follows (`follows`) or unfollows the key typed or pasted as `text`, a bare key or an invite
/// (protocol.md §11); answers the new following list. A new follow is then announced to its
/// followee with proof of work if they do not follow the user (`announcer`, §8.9; an unfollow
/// needs none).
pub async fn set_following(
    user: &User,
    storage: &Storage,
    changes: &Changes,
    announcer: Option<&Rc<FollowAnnouncer>>,
    text: &str,
    follows: bool,
) -> Result<Response, ApiError> {
    // People paste keys with stray spaces or a newline; the key itself has none.
    let followee = parse_person(text)?.public_key;
    let identity = user.identity();
    let me = identity.public_key();
    if followee == me {
        return Err(ApiError::FollowSelf);
    }
    if follows && user.keep_out().borrow().blocks(&followee) {
        return Err(ApiError::FollowBlocked);
    }
    if user.follows().borrow().will_follow(&me, &followee) == follows {
        return Ok(following(user));
    }
    let timestamp =
        user.follows()
            .borrow_mut()
            .reserve_timestamp(followee, clock::now_ms(), follows);
    let content = if follows {
        Content::Follow { followee }
    } else {
        Content::Unfollow { followee }
    };
    let stored = match Event::create(&identity, timestamp, content) {
        Ok(event) => storage.insert(&event).await.map(|_| event),
        Err(error) => Err(error.into()),
    };
    user.follows().borrow_mut().settle(followee, timestamp);
    let event = stored?;
    changes.announce(&event);
    let record = FollowRecord {
        id: event.id,
        follower: me,
        followee,
        timestamp,
        follows,
    };
    // A restore may have swapped the identity while the event was being stored.
    if user.public_key() == me && user.follows().borrow_mut().apply(record) {
        changes.following_changed();
    }
    if let (true, Some(announcer)) = (follows, announcer) {
        announcer.followed(followee);
    }
    Ok(following(user))
}
