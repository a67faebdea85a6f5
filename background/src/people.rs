//! People from the store, as pages see them: keys with their current profiles and nicknames
//! ([`people_of`]), and who follows the user ([`followers_of`]). The requests that answer with
//! them are `handlers/people.rs`; ingest pushes them when profiles or follows arrive.

use std::collections::HashMap;

use phemossa_api::{FollowerEntry, Person};
use phemossa_core::{FollowGraph, PublicKey};

use crate::error::BackgroundError;
use crate::storage::{ProfileRecord, Storage};
use crate::user::User;

/// `keys` as [`Person`]s, from their stored profiles and the user's nicknames.
pub async fn people_of(
    storage: &Storage,
    keys: &[PublicKey],
) -> Result<Vec<Person>, BackgroundError> {
    let profiles: HashMap<PublicKey, ProfileRecord> = storage
        .profiles_of(keys)
        .await?
        .into_iter()
        .map(|record| (record.author, record))
        .collect();
    let nicknames: HashMap<PublicKey, String> = storage
        .nicknames()
        .await?
        .into_iter()
        .map(|record| (record.author, record.nickname))
        .collect();
    Ok(keys
        .iter()
        .map(|key| {
            let mut person = Person::unknown(*key);
            if let Some(profile) = profiles.get(key) {
                person.name = Some(profile.name.clone());
                person.about = profile.about.clone();
                person.avatar = profile.avatar;
                person.profile_updated = Some(profile.timestamp);
            }
            person.nickname = nicknames.get(key).cloned();
            person
        })
        .collect())
}

/// Everyone whose newest follow event about the user is a follow, newest first.
pub async fn followers_of(
    user: &User,
    storage: &Storage,
) -> Result<Vec<FollowerEntry>, BackgroundError> {
    let me = user.public_key();
    let graph = FollowGraph::from_records(storage.records_following(&me).await?);
    let follows = user.follows().borrow();
    let mut entries: Vec<_> = graph
        .follower_records(&me)
        .map(|record| FollowerEntry {
            public_key: record.follower,
            since: record.timestamp,
            followed_back: follows.is_following(&me, &record.follower),
        })
        .collect();
    entries.sort_by(|a, b| b.since.cmp(&a.since).then(a.public_key.cmp(&b.public_key)));
    Ok(entries)
}
