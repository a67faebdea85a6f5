//! Property tests for the codecs and the derived views: round trips, tamper detection, no panics
//! on arbitrary input, and order independence.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use phemossa_core::event::VerifiedIds;
use phemossa_core::feed::page_in_memory;
use phemossa_core::{
    backup, BlobHash, Content, Event, FollowGraph, FollowRecord, Identity, ImagePost, Post,
    PostImage, Profile, Repost,
};
use proptest::prelude::*;

const NOW: u64 = 1_767_225_600_000;

fn identity(n: u8) -> Identity {
    Identity::from_seed([n; 32])
}

fn arb_content() -> impl Strategy<Value = Content> {
    prop_oneof![
        (
            "\\PC{1,300}",
            proptest::option::of(any::<[u8; 32]>()),
            0usize..4
        )
            .prop_filter_map("non-blank text", |(text, reply, mentions)| {
                (!text.trim().is_empty()).then(|| {
                    Content::Post(Post {
                        text,
                        mentions: (0..mentions)
                            .map(|n| identity(n as u8 + 50).public_key())
                            .collect(),
                        reply_to: reply.map(phemossa_core::EventId::from_bytes),
                    })
                })
            }),
        (2u8..6).prop_map(|n| Content::Follow {
            followee: identity(n).public_key()
        }),
        (2u8..6).prop_map(|n| Content::Unfollow {
            followee: identity(n).public_key()
        }),
        (
            "[^\\p{Cc}\u{200E}\u{200F}\u{2028}-\u{202E}\u{2066}-\u{2069}\u{061C}]{1,50}",
            "\\PC{0,500}",
            proptest::option::of(any::<[u8; 32]>()),
        )
            .prop_filter_map("a name not only white space", |(name, about, avatar)| {
                (!name.trim().is_empty()).then(|| {
                    Content::Profile(Profile {
                        name,
                        about,
                        avatar: avatar.map(BlobHash::from_bytes),
                    })
                })
            }),
        (
            "\\PC{0,200}",
            proptest::collection::vec((any::<[u8; 32]>(), "\\PC{0,60}"), 1..=4),
        )
            .prop_map(|(text, images)| Content::ImagePost(ImagePost {
                post: Post {
                    text,
                    mentions: vec![],
                    reply_to: None,
                },
                images: images
                    .into_iter()
                    .map(|(blob, alt)| PostImage {
                        blob: BlobHash::from_bytes(blob),
                        alt,
                    })
                    .collect(),
            })),
        // A repost of another author's post, dated at the epoch so any repost is younger.
        "\\PC{1,200}".prop_filter_map("non-blank text", |text| {
            (!text.trim().is_empty()).then(|| {
                let post = Content::Post(Post {
                    text,
                    mentions: vec![],
                    reply_to: None,
                });
                Content::Repost(Repost {
                    original: Box::new(Event::create(&identity(7), 0, post).unwrap()),
                })
            })
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn created_events_round_trip_through_json(content in arb_content(), ts in 0u64..NOW) {
        let event = Event::create(&identity(1), ts, content).unwrap();
        let json = event.to_json();
        prop_assert_eq!(Event::from_json(json.as_bytes(), NOW).unwrap(), event);
    }

    /// Changing any one byte of a valid event never yields a different accepted event.
    #[test]
    fn single_byte_tampering_is_detected(content in arb_content(), index in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let event = Event::create(&identity(1), NOW - 1, content).unwrap();
        let mut bytes = event.to_json().into_bytes();
        let i = index.index(bytes.len());
        bytes[i] = byte;
        if let Ok(accepted) = Event::from_json(&bytes, NOW) {
            prop_assert_eq!(accepted, event);
        }
    }

    /// The memory of checked signatures and keys never changes a verdict or its error: a run of
    /// events, some with their author replaced by arbitrary bytes (mostly not a valid key) or a
    /// byte changed, checked in order against one shared memory, each as it would be alone.
    #[test]
    fn the_memory_of_checks_never_changes_a_verdict(
        events in proptest::collection::vec(
            (arb_content(), 1u8..4, any::<[u8; 32]>(), any::<bool>(), any::<prop::sample::Index>(), any::<u8>()),
            1..12,
        ),
    ) {
        let verified = VerifiedIds::default();
        for (content, who, author, replace_author, index, byte) in events {
            // Content arb_content makes for identity 1 may be refused for another (a follow of
            // itself): nothing to check then.
            let Ok(event) = Event::create(&identity(who), NOW - 1, content) else {
                continue;
            };
            let mut json: serde_json::Value = serde_json::from_str(&event.to_json()).unwrap();
            if replace_author {
                json["author"] = STANDARD.encode(author).into();
            }
            let mut bytes = json.to_string().into_bytes();
            if !replace_author {
                let i = index.index(bytes.len());
                bytes[i] = byte;
            }
            // Twice: the second time the memory holds what the first remembered.
            for _ in 0..2 {
                prop_assert_eq!(
                    Event::from_json_remembering(&bytes, NOW, &verified),
                    Event::from_json(&bytes, NOW)
                );
            }
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic_the_event_decoder(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = Event::from_json(&bytes, NOW);
    }

    #[test]
    fn arbitrary_text_never_panics_the_backup_decoder(text in "\\PC{0,256}") {
        let _ = backup::claimed_public_key(&text);
    }

    /// However follow records arrive, every peer derives the same graph.
    #[test]
    fn follow_graph_ignores_arrival_order(
        records in proptest::collection::vec((1u8..4, 1u8..4, 0u64..5, any::<bool>()), 0..30),
        seed in any::<u64>(),
    ) {
        // Real ids are hashes of the content, so two records never share an id; the index
        // stands in for that, and its order is unrelated to arrival order after the shuffle.
        let records: Vec<FollowRecord> = records.into_iter().enumerate().map(|(i, (a, b, ts, follows))| FollowRecord {
            id: phemossa_core::EventId::from_bytes([i as u8; 32]),
            follower: identity(a).public_key(),
            followee: identity(b).public_key(),
            timestamp: ts,
            follows,
        }).collect();
        let mut shuffled = records.clone();
        let mut state = seed;
        for i in (1..shuffled.len()).rev() {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            shuffled.swap(i, (state >> 33) as usize % (i + 1));
        }
        let a = FollowGraph::from_records(records);
        let b = FollowGraph::from_records(shuffled);
        for n in 1u8..4 {
            let user = identity(n).public_key();
            prop_assert_eq!(a.following(&user), b.following(&user));
            prop_assert_eq!(a.followers(&user), b.followers(&user));
        }
    }

    /// Paging with any page size visits every feed post exactly once, newest first.
    #[test]
    fn paging_visits_each_post_once(
        posts in proptest::collection::vec((1u8..4, 0u64..20), 0..40),
        limit in 1usize..7,
    ) {
        let me = identity(1);
        let mut graph = FollowGraph::new();
        graph.apply_event(&Event::create(&me, 0, Content::Follow { followee: identity(2).public_key() }).unwrap());
        let events: Vec<Event> = posts.iter().enumerate().map(|(i, (author, ts))| {
            Event::create(&identity(*author), *ts, Content::Post(Post { text: format!("post {i}"), mentions: vec![], reply_to: None })).unwrap()
        }).collect();
        let mut expected: Vec<_> = events.iter().filter(|e| e.author != identity(3).public_key()).map(Event::feed_key).collect();
        expected.sort_by(|a, b| b.cmp(a));
        let mut seen = Vec::new();
        let mut cursor = None;
        loop {
            let page = page_in_memory(&events, &me.public_key(), &graph, cursor, limit);
            prop_assert!(page.items.len() <= limit);
            seen.extend(page.items.iter().map(|e| e.feed_key()));
            match page.next { Some(next) => cursor = Some(next), None => break }
        }
        prop_assert_eq!(seen, expected);
    }
}
