//! The store messages' one encoding: every message decodes to itself, ids are byte strings, and
//! no input makes a decoder panic or accept trailing bytes.

#![cfg(not(target_arch = "wasm32"))]

use phemossa_core::blob::BlobKind;
use phemossa_core::reactions::StoredReaction;
use phemossa_core::retention::RetentionSettings;
use phemossa_core::{BlobHash, EventId, FollowRecord, Identity, PostImage, PublicKey};
use phemossa_store_protocol::{
    decode, encode, Answer, AuthorTotals, BackupRecord, ByteString, Bytes32, Failure, FailureKind,
    Nickname, Notification, NotificationKind, PagedEvent, PeerPage, PeerRecord, ProtocolError,
    Request, Setting, StoredPost, StoredProfile, StoredThread, Totals, MAX_MESSAGE_BYTES,
};
use phemossa_sync::Cursor;
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::strategy::BoxedStrategy;

fn bytes32() -> impl Strategy<Value = Bytes32> {
    any::<[u8; 32]>().prop_map(Bytes32)
}

fn byte_string() -> impl Strategy<Value = ByteString> {
    vec(any::<u8>(), 0..300).prop_map(ByteString)
}

fn request() -> impl Strategy<Value = Request> {
    prop_oneof![sync_request(), query_request(), write_request()]
}

fn sync_request() -> BoxedStrategy<Request> {
    prop_oneof![
        (vec(byte_string(), 0..8), byte_string(), any::<u64>()).prop_map(
            |(events, verified, now_ms)| Request::Insert {
                events,
                verified,
                now_ms
            }
        ),
        (
            option::of(vec(bytes32(), 0..5)),
            option::of(any::<u64>()),
            option::of((any::<u64>(), bytes32())),
            any::<u32>()
        )
            .prop_map(|(authors, since, after, limit)| Request::ListIds {
                authors,
                since,
                after,
                limit
            }),
        vec(bytes32(), 0..20).prop_map(|ids| Request::MissingIds { ids }),
        vec(bytes32(), 0..20).prop_map(|ids| Request::LoadJson { ids }),
        Just(Request::EventCount),
    ]
    .boxed()
}

fn ids() -> impl Strategy<Value = Vec<Bytes32>> {
    vec(bytes32(), 0..6)
}

fn limit() -> impl Strategy<Value = u32> {
    any::<u32>()
}

fn words() -> impl Strategy<Value = Vec<String>> {
    vec("[a-z]{1,8}", 0..4)
}

fn setting() -> impl Strategy<Value = Setting> {
    prop_oneof![
        Just(Setting::Network),
        Just(Setting::Retention),
        Just(Setting::KeepOut)
    ]
}

fn retention() -> impl Strategy<Value = RetentionSettings> {
    (any::<u32>(), any::<u32>()).prop_map(|(others_days, others_mb)| RetentionSettings {
        others_days,
        others_mb,
    })
}

/// The requests that only read.
fn query_request() -> BoxedStrategy<Request> {
    let feed = prop_oneof![
        (ids(), option::of((any::<u64>(), bytes32())), limit()).prop_map(
            |(authors, before, limit)| Request::FeedPage {
                authors,
                before,
                limit
            }
        ),
        vec(stored_post(), 0..3).prop_map(|posts| Request::WithoutWithdrawn { posts }),
        bytes32().prop_map(|id| Request::Post { id }),
        (option::of(bytes32()), limit())
            .prop_map(|(after, limit)| Request::EventsAfter { after, limit }),
    ];
    let thread = prop_oneof![
        ids().prop_map(|ids| Request::ReplyCounts { ids }),
        (ids(), option::of((any::<u64>(), bytes32())), limit()).prop_map(
            |(parents, after, limit)| Request::RepliesAfter {
                parents,
                after,
                limit
            }
        ),
        (bytes32(), (any::<u64>(), bytes32()), limit()).prop_map(|(person, after, limit)| {
            Request::AddressedAfter {
                person,
                after,
                limit,
            }
        }),
        (bytes32(), limit()).prop_map(|(id, limit)| Request::Thread { id, limit }),
        ids().prop_map(|posts| Request::ReactionsTo { posts }),
        (bytes32(), ids()).prop_map(|(author, posts)| Request::RepostsOf { author, posts }),
    ];
    let people = prop_oneof![
        bytes32().prop_map(|follower| Request::FollowRecords { follower }),
        bytes32().prop_map(|followee| Request::RecordsFollowing { followee }),
        bytes32().prop_map(|follower| Request::Following { follower }),
        bytes32().prop_map(|followee| Request::Followers { followee }),
        ids().prop_map(|authors| Request::ProfilesOf { authors }),
        Just(Request::Nicknames),
        bytes32().prop_map(|author| Request::NicknameOf { author }),
        Just(Request::Totals),
        ids().prop_map(|authors| Request::StoredBytesOf { authors }),
        Just(Request::AuthorTotals),
    ];
    let rest = prop_oneof![
        Just(Request::User),
        limit().prop_map(|limit| Request::Notifications { limit }),
        Just(Request::UnreadNotifications),
        bytes32().prop_map(|hash| Request::Blob { hash }),
        ids().prop_map(|hashes| Request::HeldBlobs { hashes }),
        setting().prop_map(|setting| Request::Setting { setting }),
        Just(Request::DeviceKey),
        Just(Request::BackupRecord),
        Just(Request::PeerRecords),
        Just(Request::SearchPending),
    ];
    let more = prop_oneof![
        (words(), limit())
            .prop_map(|(query_words, limit)| Request::SearchPosts { query_words, limit }),
        (words(), limit())
            .prop_map(|(query_words, limit)| Request::SearchPostIds { query_words, limit }),
        vec((bytes32(), any::<u64>()), 0..4).prop_map(|days| Request::CountsByAuthorDay { days }),
        bytes32().prop_map(|author| Request::IdsOfAuthor { author }),
        (ids(), retention(), any::<u64>()).prop_map(|(kept, settings, now_ms)| {
            Request::PlanPrune {
                kept,
                settings,
                now_ms,
            }
        }),
    ];
    prop_oneof![feed, thread, people, rest, more].boxed()
}

/// The requests that write.
fn write_request() -> BoxedStrategy<Request> {
    let first = prop_oneof![
        (bytes32(), option::of(".{0,20}"))
            .prop_map(|(author, nickname)| Request::SetNickname { author, nickname }),
        bytes32().prop_map(|user| Request::SetUser { user }),
        Just(Request::MarkNotificationsRead),
        ids().prop_map(|ids| Request::RemoveNotifications { ids }),
        (bytes32(), any::<bool>(), byte_string(), any::<u64>()).prop_map(
            |(hash, avatar, bytes, stored_ms)| Request::PutBlob {
                hash,
                kind: if avatar {
                    BlobKind::Avatar
                } else {
                    BlobKind::Image
                },
                bytes,
                stored_ms,
            }
        ),
        any::<u64>().prop_map(|stored_before| Request::SweepBlobs { stored_before }),
        (setting(), ".{0,40}").prop_map(|(setting, json)| Request::SaveSetting { setting, json }),
        byte_string().prop_map(|protobuf| Request::SaveDeviceKey { protobuf }),
    ];
    let second = prop_oneof![
        backup_record().prop_map(|record| Request::SaveBackupRecord { record }),
        peer_record().prop_map(|record| Request::SavePeer { record }),
        vec("[A-Za-z0-9]{0,12}", 0..4).prop_map(|peer_ids| Request::ForgetPeers { peer_ids }),
        limit().prop_map(|limit| Request::IndexPending { limit }),
        ids().prop_map(|ids| Request::RemoveBlocked { ids }),
        ids().prop_map(|ids| Request::PruneEvents { ids }),
        (ids(), retention(), any::<u64>()).prop_map(|(kept, settings, now_ms)| Request::Prune {
            kept,
            settings,
            now_ms,
        }),
    ];
    prop_oneof![first, second].boxed()
}

/// A real key: the records hold checked keys only.
fn key() -> impl Strategy<Value = PublicKey> {
    (1u8..=6).prop_map(|n| Identity::from_seed([n; 32]).public_key())
}

fn event_id() -> impl Strategy<Value = EventId> {
    any::<[u8; 32]>().prop_map(EventId::from_bytes)
}

fn post_fields() -> impl Strategy<Value = StoredPost> {
    (
        event_id(),
        key(),
        any::<u64>(),
        ".{0,30}",
        vec(key(), 0..3),
        option::of(event_id()),
        vec(
            (any::<[u8; 32]>(), ".{0,10}").prop_map(|(blob, alt)| PostImage {
                blob: BlobHash::from_bytes(blob),
                alt,
            }),
            0..3,
        ),
    )
        .prop_map(
            |(id, author, timestamp, text, mentions, reply_to, images)| StoredPost {
                id,
                author,
                timestamp,
                text,
                mentions,
                reply_to,
                images,
                original: None,
            },
        )
}

/// A post, or a repost of one.
fn stored_post() -> impl Strategy<Value = StoredPost> {
    (post_fields(), option::of(post_fields())).prop_map(|(post, original)| match original {
        Some(original) => StoredPost::repost(post.id, post.author, post.timestamp, original),
        None => post,
    })
}

fn notification() -> impl Strategy<Value = Notification> {
    let kind = prop_oneof![
        Just(NotificationKind::Reply),
        Just(NotificationKind::Mention),
        Just(NotificationKind::Reaction),
        Just(NotificationKind::Repost),
        Just(NotificationKind::Follow),
    ];
    (
        event_id(),
        kind,
        key(),
        any::<u64>(),
        option::of(event_id()),
        option::of(".{0,20}"),
        option::of(".{0,4}"),
        any::<bool>(),
    )
        .prop_map(
            |(id, kind, from, timestamp, post, text, emoji, unread)| Notification {
                id,
                kind,
                from,
                timestamp,
                post,
                text,
                emoji,
                unread,
            },
        )
}

fn backup_record() -> impl Strategy<Value = BackupRecord> {
    (key(), option::of(any::<u64>()), any::<u64>()).prop_map(
        |(public_key, exported_at, snoozed_until)| BackupRecord {
            public_key,
            exported_at,
            snoozed_until,
        },
    )
}

fn peer_record() -> impl Strategy<Value = PeerRecord> {
    (
        "[A-Za-z0-9]{0,20}",
        option::of(".{0,20}"),
        any::<u64>(),
        any::<u64>(),
        any::<u64>(),
        option::of(any::<u64>()),
        option::of(key()),
    )
        .prop_map(
            |(
                peer_id,
                address,
                events_received,
                invalid_messages,
                last_seen,
                banned_until,
                owner,
            )| {
                PeerRecord {
                    peer_id,
                    address,
                    events_received,
                    invalid_messages,
                    last_seen,
                    banned_until,
                    owner,
                }
            },
        )
}

fn profile() -> impl Strategy<Value = StoredProfile> {
    (
        key(),
        event_id(),
        any::<u64>(),
        ".{0,10}",
        ".{0,20}",
        option::of(any::<[u8; 32]>().prop_map(BlobHash::from_bytes)),
        any::<u64>(),
    )
        .prop_map(
            |(author, id, timestamp, name, about, avatar, size)| StoredProfile {
                author,
                id,
                timestamp,
                name,
                about,
                avatar,
                size,
            },
        )
}

fn peer_page() -> impl Strategy<Value = PeerPage> {
    (
        vec(
            (any::<u64>(), event_id(), vec(any::<u8>(), 0..40))
                .prop_map(|(timestamp, id, json)| (Cursor { timestamp, id }, json)),
            0..4,
        ),
        any::<bool>(),
    )
        .prop_map(|(events, more)| PeerPage { events, more })
}

fn follow_record() -> impl Strategy<Value = FollowRecord> {
    (event_id(), key(), key(), any::<u64>(), any::<bool>()).prop_map(
        |(id, follower, followee, timestamp, follows)| FollowRecord {
            id,
            follower,
            followee,
            timestamp,
            follows,
        },
    )
}

/// The answers of the store's other queries and writes.
fn query_answer() -> BoxedStrategy<Answer> {
    let generic = prop_oneof![
        Just(Answer::Done),
        any::<u64>().prop_map(|count| Answer::Removed { count }),
        vec(any::<u64>(), 0..6).prop_map(|counts| Answer::Counts { counts }),
        vec(any::<bool>(), 0..6).prop_map(|flags| Answer::Flags { flags }),
        ids().prop_map(|ids| Answer::EventIds { ids }),
        option::of(".{0,20}").prop_map(|text| Answer::Text { text }),
        option::of(byte_string()).prop_map(|bytes| Answer::Bytes { bytes }),
    ];
    let posts = prop_oneof![
        (
            vec(stored_post(), 0..3),
            option::of((any::<u64>(), bytes32()))
        )
            .prop_map(|(posts, next)| Answer::FeedPage { posts, next }),
        vec(stored_post(), 0..3).prop_map(|posts| Answer::Posts { posts }),
        option::of(stored_post()).prop_map(|post| Answer::Post { post }),
        vec(
            (
                event_id(),
                key(),
                "[a-z_]{1,10}",
                any::<u64>(),
                any::<u64>(),
                ".{0,30}"
            )
                .prop_map(|(id, author, kind, timestamp, size, json)| PagedEvent {
                    id,
                    author,
                    kind,
                    timestamp,
                    size,
                    json,
                }),
            0..3
        )
        .prop_map(|events| Answer::Events { events }),
        vec(any::<u32>(), 0..6).prop_map(|counts| Answer::ReplyCounts { counts }),
        peer_page().prop_map(Answer::PeerPage),
        option::of(
            (
                stored_post(),
                any::<bool>(),
                vec(stored_post(), 0..3),
                any::<bool>()
            )
                .prop_map(|(root, root_is_reply, replies, cut_short)| StoredThread {
                    root,
                    root_is_reply,
                    replies,
                    cut_short,
                })
        )
        .prop_map(|thread| Answer::Thread { thread }),
    ];
    let people = prop_oneof![
        vec(
            vec(
                (event_id(), key(), ".{1,4}").prop_map(|(id, author, emoji)| StoredReaction {
                    id,
                    author,
                    emoji
                }),
                0..3
            ),
            0..3
        )
        .prop_map(|lists| Answer::Reactions { lists }),
        vec(option::of(bytes32()), 0..4).prop_map(|ids| Answer::Reposts { ids }),
        vec(follow_record(), 0..4).prop_map(|records| Answer::FollowRecords { records }),
        vec(profile(), 0..3).prop_map(|profiles| Answer::Profiles { profiles }),
        vec(
            (key(), ".{0,10}").prop_map(|(author, nickname)| Nickname { author, nickname }),
            0..3
        )
        .prop_map(|nicknames| Answer::Nicknames { nicknames }),
    ];
    let rest = prop_oneof![
        any::<[u64; 5]>().prop_map(|[events, posts, authors, bytes, pruned]| {
            Answer::Totals(Totals {
                events,
                posts,
                authors,
                bytes,
                pruned,
            })
        }),
        vec(
            (key(), any::<u64>(), any::<u64>()).prop_map(|(author, events, bytes)| AuthorTotals {
                author,
                events,
                bytes
            }),
            0..3
        )
        .prop_map(|totals| Answer::AuthorTotals { totals }),
        option::of(key()).prop_map(|user| Answer::User { user }),
        vec(notification(), 0..3).prop_map(|notifications| Answer::Notifications { notifications }),
        option::of(backup_record()).prop_map(|record| Answer::Backup { record }),
        vec(peer_record(), 0..3).prop_map(|peers| Answer::Peers { peers }),
        (ids(), any::<u64>()).prop_map(|(remove, bytes)| Answer::PrunePlan { remove, bytes }),
    ];
    prop_oneof![generic, posts, people, rest].boxed()
}

fn failure_kind() -> impl Strategy<Value = FailureKind> {
    prop_oneof![
        Just(FailureKind::BadRequest),
        Just(FailureKind::Refused),
        Just(FailureKind::Unavailable),
        Just(FailureKind::NewerSchema),
        Just(FailureKind::Storage),
    ]
}

fn answer() -> impl Strategy<Value = Answer> {
    prop_oneof![sync_answer(), query_answer()]
}

fn sync_answer() -> BoxedStrategy<Answer> {
    prop_oneof![
        vec(any::<bool>(), 0..20).prop_map(|new| Answer::Inserted { new }),
        (vec((any::<u64>(), bytes32()), 0..20), any::<bool>())
            .prop_map(|(page, more)| Answer::Ids { page, more }),
        vec(bytes32(), 0..20).prop_map(|ids| Answer::Missing { ids }),
        vec((bytes32(), byte_string()), 0..5).prop_map(|events| Answer::Loaded { events }),
        any::<u64>().prop_map(|events| Answer::Count { events }),
        (failure_kind(), ".{0,40}")
            .prop_map(|(kind, message)| Answer::Failed(Failure { kind, message })),
    ]
    .boxed()
}

proptest! {
    #[test]
    fn every_request_decodes_to_itself(request in request()) {
        let bytes = encode(&request);
        prop_assert_eq!(decode::<Request>(&bytes), Ok(request));
    }

    #[test]
    fn every_answer_decodes_to_itself(answer in answer()) {
        let bytes = encode(&answer);
        prop_assert_eq!(decode::<Answer>(&bytes), Ok(answer));
    }

    #[test]
    fn a_message_with_bytes_after_it_is_refused(request in request(), extra in vec(any::<u8>(), 1..8)) {
        let mut bytes = encode(&request);
        bytes.extend(extra);
        prop_assert!(decode::<Request>(&bytes).is_err());
    }

    #[test]
    fn a_truncated_message_is_refused(request in request(), cut in any::<prop::sample::Index>()) {
        let bytes = encode(&request);
        let cut = cut.index(bytes.len());
        prop_assert!(decode::<Request>(&bytes[..cut]).is_err());
    }

    #[test]
    fn any_bytes_decode_or_fail_without_panicking(bytes in vec(any::<u8>(), 0..400)) {
        let _ = decode::<Request>(&bytes);
        let _ = decode::<Answer>(&bytes);
    }
}

#[test]
fn ids_travel_as_byte_strings() {
    let id = Bytes32([7; 32]);
    // A byte string of 32: its head (0x58, 0x20) and the bytes, not 32 integers.
    let bytes = encode(&id);
    assert_eq!(bytes.len(), 34);
    assert_eq!(&bytes[..2], &[0x58, 0x20]);
    let page = Answer::Missing {
        ids: vec![id; 1_000],
    };
    assert!(encode(&page).len() < 35_100, "{}", encode(&page).len());
}

#[test]
fn an_id_of_another_length_is_refused() {
    let short = encode(&ByteString(vec![1; 31]));
    assert!(matches!(
        decode::<Bytes32>(&short),
        Err(ProtocolError::Malformed(_))
    ));
}

#[test]
fn an_oversized_message_is_refused_before_it_is_parsed() {
    let bytes = vec![0u8; MAX_MESSAGE_BYTES + 1];
    assert_eq!(
        decode::<Request>(&bytes),
        Err(ProtocolError::TooLarge {
            bytes: MAX_MESSAGE_BYTES + 1,
            max: MAX_MESSAGE_BYTES
        })
    );
}

#[test]
fn a_record_keeps_its_ids_and_keys_as_byte_strings() {
    let post = StoredPost {
        id: EventId::from_bytes([1; 32]),
        author: Identity::from_seed([1; 32]).public_key(),
        timestamp: 5,
        text: String::new(),
        mentions: vec![],
        reply_to: None,
        images: vec![],
        original: None,
    };
    let bytes = encode(&post);
    // Two 32-byte strings, not 64 hex and 44 base64 characters: the id's bytes appear as they
    // are. 68 bytes for them, about 60 for the field names and the rest; core's text forms
    // would make it 108 for the id and key alone.
    assert!(bytes
        .windows(34)
        .any(|w| w[..2] == [0x58, 0x20] && w[2..] == [1; 32]));
    assert!(bytes.len() < 140, "{}", bytes.len());
}

#[test]
fn a_record_naming_a_key_that_is_not_one_does_not_decode() {
    let good = PeerRecord {
        owner: Some(Identity::from_seed([2; 32]).public_key()),
        ..PeerRecord::default()
    };
    let mut bytes = encode(&Request::SavePeer {
        record: good.clone(),
    });
    assert_eq!(
        decode::<Request>(&bytes),
        Ok(Request::SavePeer { record: good })
    );
    // The key's 32 bytes are the message's last: y = 2 is no point on the curve.
    let at = bytes.len() - 32;
    bytes[at..].copy_from_slice(&[2; 32]);
    bytes[at + 1..].fill(0);
    assert!(matches!(
        decode::<Request>(&bytes),
        Err(ProtocolError::Malformed(_))
    ));
}

#[test]
fn an_unknown_blob_kind_does_not_decode() {
    let request = Request::PutBlob {
        hash: Bytes32([3; 32]),
        kind: BlobKind::Image,
        bytes: ByteString(vec![1, 2]),
        stored_ms: 9,
    };
    let bytes = encode(&request);
    let at = bytes
        .windows(5)
        .position(|w| w == b"image")
        .expect("the kind is written by name");
    let mut renamed = bytes.clone();
    renamed[at..at + 5].copy_from_slice(b"imagf");
    assert!(decode::<Request>(&renamed).is_err());
    assert_eq!(decode::<Request>(&bytes), Ok(request));
}
