//! What of an event is news for the user: a reply to one of their posts, a mention of them, a
//! reaction to their event, a repost of their post, or someone starting to follow them. Pure, so the background's
//! notifications are decided and tested here; one event gives at most one notice, the most
//! specific (a reply that also mentions the user is a reply).

use crate::{Content, Event, EventId, FollowRecord, PublicKey};

/// Why an event is news for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// A post answering the user's post `to`.
    Reply { to: EventId },
    /// A post naming the user in its mentions.
    Mention,
    /// A reaction of `emoji` to the user's event `to`.
    Reaction { to: EventId, emoji: String },
    /// A repost of the user's post `of`.
    Repost { of: EventId },
    /// A follow of the user.
    Follow,
}

/// The notice `event` is for `me`, if any. `parent_author` is the author of the post `event`
/// replies to, when that post is stored (a reply to a post not held cannot be told to be the
/// user's, unless it also mentions them). The user's own events are never news to them.
pub fn notice_of(
    event: &Event,
    me: &PublicKey,
    parent_author: Option<&PublicKey>,
) -> Option<Notice> {
    if event.author == *me {
        return None;
    }
    if let Some(post) = event.as_post() {
        if let (Some(to), Some(author)) = (post.reply_to, parent_author) {
            if author == me {
                return Some(Notice::Reply { to });
            }
        }
        return post.mentions.contains(me).then_some(Notice::Mention);
    }
    if let Content::Reaction(reaction) = &event.content {
        return (reaction.target_author == *me).then(|| Notice::Reaction {
            to: reaction.target,
            emoji: reaction.emoji.clone(),
        });
    }
    if let Some(original) = event.as_repost() {
        return (original.author == *me).then_some(Notice::Repost { of: original.id });
    }
    let follow = FollowRecord::from_event(event)?;
    (follow.follows && follow.followee == *me).then_some(Notice::Follow)
}

/// Whom `event` is addressed to, besides its author (docs/protocol.md §8.9): the people a post
/// mentions (a reply mentions the author of the post it answers, so it needs no lookup), the
/// author of the event a reaction answers, the author of a reposted post and the person a
/// follow follows. Each once, in that order. These are the inboxes it is delivered to, and the
/// only people from whose inbox it is taken.
pub fn addressees(event: &Event) -> Vec<PublicKey> {
    let people: Vec<PublicKey> = match &event.content {
        Content::Reaction(reaction) => vec![reaction.target_author],
        _ => match (event.as_post(), event.as_repost()) {
            (Some(post), _) => post.mentions.clone(),
            (None, Some(original)) => vec![original.author],
            (None, None) => FollowRecord::from_event(event)
                .filter(|follow| follow.follows)
                .map(|follow| vec![follow.followee])
                .unwrap_or_default(),
        },
    };
    let mut once = Vec::with_capacity(people.len());
    for person in people {
        if person != event.author && !once.contains(&person) {
            once.push(person);
        }
    }
    once
}

/// The post whose author `notice_of` needs for `event`: the one it replies to.
pub fn parent_needed(event: &Event) -> Option<EventId> {
    event.as_post().and_then(|post| post.reply_to)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Identity, Post, Reaction, Repost};

    const T: u64 = 1_767_225_600_000;

    fn post(author: &Identity, reply_to: Option<EventId>, mentions: Vec<PublicKey>) -> Event {
        let content = Content::Post(Post {
            text: "hello".into(),
            mentions,
            reply_to,
        });
        Event::create(author, T, content).unwrap()
    }

    #[test]
    fn replies_mentions_reactions_and_follows_of_the_user_are_news_and_nothing_else() {
        let (me, ada, bob) = (
            Identity::from_seed([1; 32]),
            Identity::from_seed([2; 32]),
            Identity::from_seed([3; 32]),
        );
        let mine = post(&me, None, vec![]);
        let hers = post(&ada, None, vec![]);
        let key = me.public_key();

        let reply = post(&ada, Some(mine.id), vec![key]);
        assert_eq!(parent_needed(&reply), Some(mine.id));
        assert_eq!(
            notice_of(&reply, &key, Some(&key)),
            Some(Notice::Reply { to: mine.id }),
            "a reply that also mentions the user is one notice, the reply"
        );
        // Parent unknown: only its mention makes it news.
        assert_eq!(notice_of(&reply, &key, None), Some(Notice::Mention));
        let reply_to_her = post(&bob, Some(hers.id), vec![]);
        assert_eq!(
            notice_of(&reply_to_her, &key, Some(&ada.public_key())),
            None
        );
        assert_eq!(
            notice_of(&post(&bob, None, vec![key]), &key, None),
            Some(Notice::Mention)
        );
        assert_eq!(notice_of(&hers, &key, None), None);

        let react = |to: &Event, author: &Identity| {
            let content = Content::Reaction(Reaction {
                target: to.id,
                target_author: to.author,
                emoji: "🎉".into(),
            });
            Event::create(author, T, content).unwrap()
        };
        assert_eq!(
            notice_of(&react(&mine, &ada), &key, None),
            Some(Notice::Reaction {
                to: mine.id,
                emoji: "🎉".into()
            })
        );
        assert_eq!(notice_of(&react(&hers, &bob), &key, None), None);

        let repost = |of: &Event, by: &Identity| {
            let content = Content::Repost(Repost {
                original: Box::new(of.clone()),
            });
            Event::create(by, T, content).unwrap()
        };
        assert_eq!(
            notice_of(&repost(&mine, &ada), &key, None),
            Some(Notice::Repost { of: mine.id })
        );
        assert_eq!(notice_of(&repost(&hers, &bob), &key, None), None);
        assert_eq!(notice_of(&repost(&mine, &me), &key, None), None);

        let follow = |followee: PublicKey, follows: bool| {
            let content = if follows {
                Content::Follow { followee }
            } else {
                Content::Unfollow { followee }
            };
            Event::create(&ada, T, content).unwrap()
        };
        assert_eq!(
            notice_of(&follow(key, true), &key, None),
            Some(Notice::Follow)
        );
        assert_eq!(notice_of(&follow(key, false), &key, None), None);
        assert_eq!(notice_of(&follow(bob.public_key(), true), &key, None), None);

        // The user's own events, from another device, are never news.
        assert_eq!(
            notice_of(&post(&me, Some(mine.id), vec![key]), &key, Some(&key)),
            None
        );
        assert_eq!(notice_of(&react(&mine, &me), &key, None), None);
    }

    #[test]
    fn addressees_are_who_an_event_is_for_once_and_never_its_author() {
        let key = |n: u8| Identity::from_seed([n; 32]).public_key();
        let me = Identity::from_seed([1; 32]);
        let (bob, carol) = (key(2), key(3));
        let mentions = Content::Post(Post {
            text: "hi".into(),
            mentions: vec![bob, carol, bob, me.public_key()],
            reply_to: Some(EventId::from_bytes([9; 32])),
        });
        let post = Event::create(&me, T, mentions).unwrap();
        assert_eq!(addressees(&post), vec![bob, carol]);
        let reaction = Content::Reaction(Reaction {
            target: post.id,
            target_author: carol,
            emoji: "👍".into(),
        });
        let reaction = Event::create(&me, T, reaction).unwrap();
        assert_eq!(addressees(&reaction), vec![carol]);
        let follow = Event::create(&me, T, Content::Follow { followee: bob }).unwrap();
        assert_eq!(addressees(&follow), vec![bob]);
        let unfollow = Event::create(&me, T, Content::Unfollow { followee: bob }).unwrap();
        assert_eq!(
            addressees(&unfollow),
            vec![],
            "an unfollow is news to nobody"
        );
        let bobs = Identity::from_seed([2; 32]);
        let plain = Content::Post(Post {
            text: "mine".into(),
            mentions: vec![],
            reply_to: None,
        });
        let original = Event::create(&bobs, T, plain).unwrap();
        let repost = Content::Repost(Repost {
            original: Box::new(original),
        });
        let repost = Event::create(&me, T + 1, repost).unwrap();
        assert_eq!(addressees(&repost), vec![bob]);
    }
}
