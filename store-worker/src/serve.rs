//! Answering one store message: decode it, run it on the store as one transaction or one read,
//! encode the answer. Nothing here can panic on a message's content: a message that does not
//! decode, or names a key that is not one, is answered [`FailureKind::BadRequest`]; an event
//! that does not validate here as it did in the document fails its batch
//! ([`FailureKind::Refused`]) and stores nothing of it.

use std::collections::HashSet;

use phemossa_core::event::check_batch::remember_pairs;
use phemossa_core::event::VerifiedIds;
use phemossa_core::{BlobHash, Event, EventId, FeedCursor, PublicKey};
use phemossa_store::{Store, StoreError};
use phemossa_store_protocol::{
    decode, encode, Answer, ByteString, Bytes32, Failure, FailureKind, Request,
};
use phemossa_sync::Cursor;

/// Answers the encoded request `message` on `store`, as an encoded [`Answer`].
pub fn serve(store: &mut Store, message: &[u8]) -> Vec<u8> {
    let answer = match decode::<Request>(message) {
        Ok(request) => answer(store, request).unwrap_or_else(Answer::Failed),
        Err(error) => Answer::Failed(Failure {
            kind: FailureKind::BadRequest,
            message: error.to_string(),
        }),
    };
    encode(&answer)
}

/// Runs `request` on `store`: each arm is the `Store` call of its name, one transaction or one
/// read (`Prune` is one per `PRUNE_BATCH`, as the store's call is), its ids and keys checked
/// first.
fn answer(store: &mut Store, request: Request) -> Result<Answer, Failure> {
    match request {
        Request::Insert {
            events,
            verified,
            now_ms,
        } => {
            let events = rebuild(&events, &verified, now_ms)?;
            let new = store.insert_batch(&events).map_err(failure)?;
            Ok(Answer::Inserted { new })
        }
        Request::ListIds {
            authors,
            since,
            after,
            limit,
        } => {
            let scope = phemossa_sync::Scope {
                authors: authors.as_deref().map(keys).transpose()?,
                since,
            };
            let after = after.map(|(timestamp, id)| phemossa_sync::Cursor {
                timestamp,
                id: id.into(),
            });
            let (page, more) = store
                .list_ids(&scope, after, limit as usize)
                .map_err(failure)?;
            Ok(Answer::Ids {
                page: page
                    .into_iter()
                    .map(|cursor| (cursor.timestamp, cursor.id.into()))
                    .collect(),
                more,
            })
        }
        Request::MissingIds { ids } => {
            let missing = store.missing_ids(&event_ids(&ids)).map_err(failure)?;
            Ok(Answer::Missing {
                ids: missing.into_iter().map(Bytes32::from).collect(),
            })
        }
        Request::LoadJson { ids } => {
            let loaded = store.load_json(&event_ids(&ids)).map_err(failure)?;
            Ok(Answer::Loaded {
                events: loaded
                    .into_iter()
                    .map(|(id, json)| (id.into(), ByteString(json)))
                    .collect(),
            })
        }
        Request::EventCount => Ok(Answer::Count {
            events: store.event_count().map_err(failure)?,
        }),

        // The feed and pages of every event.
        Request::FeedPage {
            authors,
            before,
            limit,
        } => {
            let before = before.map(|(timestamp, id)| FeedCursor {
                timestamp,
                id: id.into(),
            });
            let page = store
                .feed_page(&keys(&authors)?, before, limit as usize)
                .map_err(failure)?;
            Ok(Answer::FeedPage {
                posts: page.items,
                next: page.next.map(|next| (next.timestamp, next.id.into())),
            })
        }
        Request::WithoutWithdrawn { posts } => Ok(Answer::Posts {
            posts: store.without_withdrawn(posts).map_err(failure)?,
        }),
        Request::Post { id } => Ok(Answer::Post {
            post: store.post(&id.into()).map_err(failure)?,
        }),
        Request::EventsAfter { after, limit } => Ok(Answer::Events {
            events: store
                .events_after(after.map(EventId::from).as_ref(), limit)
                .map_err(failure)?,
        }),

        // Threads and what peers ask of them.
        Request::ReplyCounts { ids } => Ok(Answer::ReplyCounts {
            counts: store.reply_counts(&event_ids(&ids)).map_err(failure)?,
        }),
        Request::RepliesAfter {
            parents,
            after,
            limit,
        } => Ok(Answer::PeerPage(
            store
                .replies_after(&event_ids(&parents), after.map(cursor), limit as usize)
                .map_err(failure)?,
        )),
        Request::AddressedAfter {
            person,
            after,
            limit,
        } => Ok(Answer::PeerPage(
            store
                .addressed_after(&key(person)?, cursor(after), limit as usize)
                .map_err(failure)?,
        )),
        Request::Thread { id, limit } => Ok(Answer::Thread {
            thread: store.thread(&id.into(), limit as usize).map_err(failure)?,
        }),

        // Reactions and reposts.
        Request::ReactionsTo { posts } => Ok(Answer::Reactions {
            lists: store.reactions_to(&event_ids(&posts)).map_err(failure)?,
        }),
        Request::RepostsOf { author, posts } => Ok(Answer::Reposts {
            ids: store
                .reposts_of(&key(author)?, &event_ids(&posts))
                .map_err(failure)?
                .into_iter()
                .map(|id| id.map(Bytes32::from))
                .collect(),
        }),

        // People.
        Request::FollowRecords { follower } => {
            follow_records(store.follow_records(&key(follower)?))
        }
        Request::RecordsFollowing { followee } => {
            follow_records(store.records_following(&key(followee)?))
        }
        Request::Following { follower } => follow_records(store.following(&key(follower)?)),
        Request::Followers { followee } => follow_records(store.followers(&key(followee)?)),
        Request::ProfilesOf { authors } => Ok(Answer::Profiles {
            profiles: store.profiles_of(&keys(&authors)?).map_err(failure)?,
        }),
        Request::Nicknames => Ok(Answer::Nicknames {
            nicknames: store.nicknames().map_err(failure)?,
        }),
        Request::NicknameOf { author } => Ok(Answer::Text {
            text: store.nickname_of(&key(author)?).map_err(failure)?,
        }),
        Request::SetNickname { author, nickname } => {
            done(store.set_nickname(&key(author)?, nickname.as_deref()))
        }

        // Running totals.
        Request::Totals => Ok(Answer::Totals(store.totals().map_err(failure)?)),
        Request::StoredBytesOf { authors } => Ok(Answer::Counts {
            counts: store.stored_bytes_of(&keys(&authors)?).map_err(failure)?,
        }),
        Request::AuthorTotals => Ok(Answer::AuthorTotals {
            totals: store.author_totals().map_err(failure)?,
        }),

        // Notifications.
        Request::SetUser { user } => done(store.set_user(&key(user)?)),
        Request::User => Ok(Answer::User {
            user: store.user().map_err(failure)?,
        }),
        Request::Notifications { limit } => Ok(Answer::Notifications {
            notifications: store.notifications(limit as usize).map_err(failure)?,
        }),
        Request::UnreadNotifications => Ok(Answer::Notifications {
            notifications: store.unread_notifications().map_err(failure)?,
        }),
        Request::MarkNotificationsRead => done(store.mark_notifications_read()),
        Request::RemoveNotifications { ids } => done(store.remove_notifications(&event_ids(&ids))),

        // Pictures.
        Request::PutBlob {
            hash,
            kind,
            bytes,
            stored_ms,
        } => done(store.put_blob(&BlobHash::from_bytes(hash.0), kind, &bytes.0, stored_ms)),
        Request::Blob { hash } => Ok(Answer::Bytes {
            bytes: store
                .blob(&BlobHash::from_bytes(hash.0))
                .map_err(failure)?
                .map(ByteString),
        }),
        Request::HeldBlobs { hashes } => {
            let hashes: Vec<BlobHash> = hashes.iter().map(|h| BlobHash::from_bytes(h.0)).collect();
            Ok(Answer::Flags {
                flags: store.held_blobs(&hashes).map_err(failure)?,
            })
        }
        Request::SweepBlobs { stored_before } => removed(store.sweep_blobs(stored_before)),

        // Settings, the device key, the backup record and peers.
        Request::Setting { setting } => Ok(Answer::Text {
            text: store.setting(setting).map_err(failure)?,
        }),
        Request::SaveSetting { setting, json } => done(store.save_setting(setting, &json)),
        Request::DeviceKey => Ok(Answer::Bytes {
            bytes: store.device_key().map_err(failure)?.map(ByteString),
        }),
        Request::SaveDeviceKey { protobuf } => done(store.save_device_key(&protobuf.0)),
        Request::BackupRecord => Ok(Answer::Backup {
            record: store.backup_record().map_err(failure)?,
        }),
        Request::SaveBackupRecord { record } => done(store.save_backup_record(&record)),
        Request::PeerRecords => Ok(Answer::Peers {
            peers: store.peer_records().map_err(failure)?,
        }),
        Request::SavePeer { record } => done(store.save_peer(&record)),
        Request::ForgetPeers { peer_ids } => done(store.forget_peers(&peer_ids)),

        // Search.
        Request::IndexPending { limit } => Ok(Answer::Count {
            events: store.index_pending(limit as usize).map_err(failure)? as u64,
        }),
        Request::SearchPending => Ok(Answer::Count {
            events: store.search_pending().map_err(failure)?,
        }),
        Request::SearchPosts { query_words, limit } => Ok(Answer::Posts {
            posts: store
                .search_posts(&query_words, limit as usize)
                .map_err(failure)?,
        }),
        Request::SearchPostIds { query_words, limit } => Ok(Answer::EventIds {
            ids: store
                .search_post_ids(&query_words, limit as usize)
                .map_err(failure)?
                .into_iter()
                .map(Bytes32::from)
                .collect(),
        }),

        // Keeping people out.
        Request::CountsByAuthorDay { days } => {
            let days = days
                .into_iter()
                .map(|(author, day)| Ok((key(author)?, day)))
                .collect::<Result<Vec<_>, Failure>>()?;
            Ok(Answer::Counts {
                counts: store.counts_by_author_day(&days).map_err(failure)?,
            })
        }
        Request::IdsOfAuthor { author } => Ok(Answer::EventIds {
            ids: store
                .ids_of_author(&key(author)?)
                .map_err(failure)?
                .into_iter()
                .map(Bytes32::from)
                .collect(),
        }),
        Request::RemoveBlocked { ids } => removed(store.remove_blocked(&event_ids(&ids))),

        // Retention: the closure saying whose events are kept is the list the document sent.
        Request::PlanPrune {
            kept,
            settings,
            now_ms,
        } => {
            let kept: HashSet<PublicKey> = keys(&kept)?.into_iter().collect();
            let plan = store
                .plan_prune(|author| kept.contains(author), &settings, now_ms)
                .map_err(failure)?;
            Ok(Answer::PrunePlan {
                remove: plan.remove.into_iter().map(Bytes32::from).collect(),
                bytes: plan.bytes,
            })
        }
        Request::PruneEvents { ids } => removed(store.prune_events(&event_ids(&ids))),
        Request::Prune {
            kept,
            settings,
            now_ms,
        } => {
            let kept: HashSet<PublicKey> = keys(&kept)?.into_iter().collect();
            removed(store.prune(|author| kept.contains(author), &settings, now_ms))
        }
    }
}

/// A batch's events as core's `Event`s again, validated with the signatures the document
/// checked taken as checked (`verified`'s pairs). A signature it did not name is checked here,
/// so a pair missing costs time, never a wrong verdict.
fn rebuild(
    events: &[ByteString],
    verified: &ByteString,
    now_ms: u64,
) -> Result<Vec<Event>, Failure> {
    let memory = VerifiedIds::with_capacity(events.len().max(1));
    remember_pairs(&verified.0, &memory).map_err(|error| Failure {
        kind: FailureKind::BadRequest,
        message: format!("the batch's signature pairs: {error}"),
    })?;
    events
        .iter()
        .enumerate()
        .map(|(n, json)| {
            Event::from_json_remembering(&json.0, now_ms, &memory).map_err(|error| Failure {
                kind: FailureKind::Refused,
                message: format!("event {n} of the batch did not validate: {error}"),
            })
        })
        .collect()
}

/// A write's answer: done, or why not.
fn done(result: Result<(), StoreError>) -> Result<Answer, Failure> {
    result.map(|()| Answer::Done).map_err(failure)
}

/// A removal's answer: how many went.
fn removed(result: Result<u64, StoreError>) -> Result<Answer, Failure> {
    result
        .map(|count| Answer::Removed { count })
        .map_err(failure)
}

fn follow_records(
    result: Result<Vec<phemossa_core::FollowRecord>, StoreError>,
) -> Result<Answer, Failure> {
    result
        .map(|records| Answer::FollowRecords { records })
        .map_err(failure)
}

fn event_ids(ids: &[Bytes32]) -> Vec<EventId> {
    ids.iter().map(|id| EventId::from(*id)).collect()
}

fn cursor((timestamp, id): (u64, Bytes32)) -> Cursor {
    Cursor {
        timestamp,
        id: id.into(),
    }
}

/// A key the document named; bytes that are not one (not a point of large order) are a bug in
/// the document, answered [`FailureKind::BadRequest`].
fn key(bytes: Bytes32) -> Result<PublicKey, Failure> {
    PublicKey::from_bytes(bytes.0, "key").map_err(|error| Failure {
        kind: FailureKind::BadRequest,
        message: error.to_string(),
    })
}

fn keys(keys: &[Bytes32]) -> Result<Vec<PublicKey>, Failure> {
    keys.iter().map(|bytes| key(*bytes)).collect()
}

/// A store error as the failure the document is told of.
fn failure(error: StoreError) -> Failure {
    let kind = match &error {
        StoreError::NewerSchema { .. } => FailureKind::NewerSchema,
        StoreError::Opfs(_) => FailureKind::Unavailable,
        // Bytes that are not the picture their hash names: the caller's to drop, not a fault
        // of the store.
        StoreError::BlobRefused(_) => FailureKind::Refused,
        _ => FailureKind::Storage,
    };
    Failure {
        kind,
        message: error.to_string(),
    }
}
