//! GetPeople, SetProfile, SetNickname and GetFollowers: who the user sees, by name, and the
//! user's own profile. Names come from stored current profiles (`storage/people.rs`), nicknames
//! from this browser only.

use std::collections::BTreeSet;

use phemossa_api::{ApiError, AvatarEdit, Push, Response};
use phemossa_core::blob::BlobKind;
use phemossa_core::profile::check_name;
use phemossa_core::{Content, Event, Profile, PublicKey};

use crate::changes::Changes;
use crate::clock;
use crate::handlers::blobs::store_own_picture;
use crate::people::{followers_of, people_of};
use crate::storage::Storage;
use crate::user::User;

/// The user, whom they follow, their followers, everyone they gave a nickname and who runs the
/// peers in the peer table.
pub async fn people(
    user: &User,
    storage: &Storage,
    peer_owners: impl IntoIterator<Item = PublicKey>,
) -> Result<Response, ApiError> {
    let me = user.public_key();
    let mut keys = BTreeSet::from([me]);
    // Who runs the peers in the peer table, so it can name them (§13).
    keys.extend(peer_owners);
    keys.extend(user.following().into_iter().map(|entry| entry.public_key));
    keys.extend(
        followers_of(user, storage)
            .await?
            .iter()
            .map(|f| f.public_key),
    );
    keys.extend(storage.nicknames().await?.into_iter().map(|n| n.author));
    let keys: Vec<_> = keys.into_iter().collect();
    Ok(Response::People(people_of(storage, &keys).await?))
}

/// Signs and stores a new profile of the user's with `name` and `about` (trimmed) and the avatar
/// `avatar` says (a new picture is checked and stored as a blob first), gossips it and tells the
/// pages.
pub async fn set_profile(
    user: &User,
    storage: &Storage,
    changes: &Changes,
    name: &str,
    about: &str,
    avatar: AvatarEdit,
) -> Result<Response, ApiError> {
    let identity = user.identity();
    let me = identity.public_key();
    let current = storage.profiles_of(&[me]).await?.pop();
    // Checked before anything is stored: a refused name stores no picture.
    check_name(name.trim())?;
    let avatar = match avatar {
        AvatarEdit::Keep => current.as_ref().and_then(|record| record.avatar),
        AvatarEdit::Remove => None,
        AvatarEdit::Set { base64 } => {
            Some(store_own_picture(storage, BlobKind::Avatar, &base64).await?)
        }
    };
    let profile = Profile {
        name: name.trim().to_owned(),
        about: about.trim().to_owned(),
        avatar,
    };
    // After the current profile, even if the clock moved back: the newest profile wins.
    let timestamp = clock::now_ms().max(current.map_or(0, |record| record.timestamp + 1));
    let event = Event::create(&identity, timestamp, Content::Profile(profile))?;
    storage.insert(&event).await?;
    changes.announce(&event);
    let people = people_of(storage, &[me]).await?;
    changes.push(Push::People(people.clone()));
    Ok(Response::People(people))
}

/// Gives `key_text` the nickname `nickname` (trimmed; empty removes it).
pub async fn set_nickname(
    storage: &Storage,
    changes: &Changes,
    key_text: &str,
    nickname: &str,
) -> Result<Response, ApiError> {
    let key = PublicKey::from_base64(key_text.trim(), "public key")?;
    let nickname = nickname.trim();
    let nickname = if nickname.is_empty() {
        None
    } else {
        check_name(nickname).map_err(|error| ApiError::InvalidProfile {
            reason: error.to_string().replacen("display name", "nickname", 1),
        })?;
        Some(nickname.to_owned())
    };
    storage.set_nickname(key, nickname).await?;
    let people = people_of(storage, &[key]).await?;
    changes.push(Push::People(people.clone()));
    Ok(Response::People(people))
}

/// The followers list, newest follow first.
pub async fn followers(user: &User, storage: &Storage) -> Result<Response, ApiError> {
    Ok(Response::Followers(followers_of(user, storage).await?))
}
