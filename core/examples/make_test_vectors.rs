//! Writes docs/test-vectors.json: events from fixed seeds, valid and invalid, with the verdict
//! each implementation must reach. Run: `cargo run -p phemossa-core --example make_test_vectors`.
//!
//! Invalid events are made by signing content directly (bypassing `Event::create`'s checks) or
//! by editing valid JSON, so each fails for exactly the reason its vector names.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use ed25519_dalek::{Signer as _, SigningKey};
use phemossa_core::event::canonical_bytes;
use phemossa_core::{
    BlobHash, Content, Event, EventId, Identity, ImagePost, Post, PostImage, Profile, Reaction,
    Repost,
};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// The validator clock every vector is judged at: 2026-01-01T00:00:00Z.
const NOW_MS: u64 = 1_767_225_600_000;

fn identity(n: u8) -> Identity {
    Identity::from_seed([n; 32])
}

fn post(text: &str) -> Content {
    Content::Post(Post {
        text: text.into(),
        mentions: vec![],
        reply_to: None,
    })
}

/// Signs any content, even content `Event::create` would refuse, and returns its wire JSON.
fn sign_unchecked(seed: u8, timestamp: u64, content: &Content) -> Value {
    let key = SigningKey::from_bytes(&[seed; 32]);
    let author = identity(seed).public_key();
    let id: [u8; 32] = Sha256::digest(canonical_bytes(&author, timestamp, content, None)).into();
    let signature = key.sign(&id).to_bytes();
    let content_json = match content {
        Content::Post(p) => json!({
            "text": p.text,
            "mentions": p.mentions.iter().map(|m| m.to_base64()).collect::<Vec<_>>(),
            "reply_to": p.reply_to.map(|id| id.to_hex()),
        }),
        Content::Follow { followee } | Content::Unfollow { followee } => {
            json!({"followee": followee.to_base64()})
        }
        Content::Profile(p) => json!({
            "name": p.name,
            "about": p.about,
            "avatar": p.avatar.map(|hash| hash.to_hex()),
        }),
        Content::ImagePost(p) => json!({
            "text": p.post.text,
            "mentions": p.post.mentions.iter().map(|m| m.to_base64()).collect::<Vec<_>>(),
            "reply_to": p.post.reply_to.map(|id| id.to_hex()),
            "images": p.images.iter().map(|i| json!({"blob": i.blob.to_hex(), "alt": i.alt})).collect::<Vec<_>>(),
        }),
        Content::Delete { targets } => json!({
            "targets": targets.iter().map(|id| id.to_hex()).collect::<Vec<_>>(),
        }),
        Content::Reaction(r) => json!({
            "target": r.target.to_hex(),
            "target_author": r.target_author.to_base64(),
            "emoji": r.emoji,
        }),
        Content::Repost(r) => serde_json::from_str::<Value>(&r.original.to_json()).unwrap(),
    };
    json!({
        "v": 1, "id": hex::encode(id), "type": content.type_name(), "author": author.to_base64(),
        "timestamp": timestamp, "signature": STANDARD.encode(signature), "content": content_json,
    })
}

fn profile(name: &str, about: &str, avatar: Option<BlobHash>) -> Content {
    Content::Profile(Profile {
        name: name.into(),
        about: about.into(),
        avatar,
    })
}

/// A post of `text` with images named by the SHA-256 of each `(bytes, description)`.
fn image_post(text: &str, images: &[(&str, &str)]) -> Content {
    Content::ImagePost(ImagePost {
        post: Post {
            text: text.into(),
            mentions: vec![],
            reply_to: None,
        },
        images: images
            .iter()
            .map(|(bytes, alt)| PostImage {
                blob: BlobHash::from_bytes(Sha256::digest(bytes.as_bytes()).into()),
                alt: (*alt).into(),
            })
            .collect(),
    })
}

fn delete(targets: &[EventId]) -> Content {
    Content::Delete {
        targets: targets.to_vec(),
    }
}

fn reaction(target: &Event, emoji: &str) -> Content {
    Content::Reaction(Reaction {
        target: target.id,
        target_author: target.author,
        emoji: emoji.into(),
    })
}

fn repost(original: &Event) -> Content {
    Content::Repost(Repost {
        original: Box::new(original.clone()),
    })
}

/// Distinct made-up ids, for deletes of many events.
fn some_ids(count: usize) -> Vec<EventId> {
    (0..count)
        .map(|n| EventId::from_bytes(Sha256::digest((n as u64).to_be_bytes()).into()))
        .collect()
}

fn valid(name: &str, event: &Event) -> Value {
    json!({
        "name": name,
        "event": event.to_json(),
        "verdict": "valid",
        "canonical_hex": hex::encode(canonical_bytes(&event.author, event.timestamp, &event.content, event.work)),
        "id": event.id.to_hex(),
    })
}

fn invalid(name: &str, event: String, error: &str) -> Value {
    json!({"name": name, "event": event, "verdict": "invalid", "error": error})
}

fn main() {
    let alice = identity(1);
    let bob = identity(2);
    let t = NOW_MS - 60_000;
    let hello = Event::create(&alice, t, post("Hello, Phemossa!")).unwrap();
    let reply = Event::create(
        &bob,
        t + 1_000,
        Content::Post(Post {
            text: "Welcome, @alice 👋 — ça va?".into(),
            mentions: vec![alice.public_key()],
            reply_to: Some(hello.id),
        }),
    )
    .unwrap();
    let follow = Event::create(
        &bob,
        t + 2_000,
        Content::Follow {
            followee: alice.public_key(),
        },
    )
    .unwrap();
    let unfollow = Event::create(
        &bob,
        t + 3_000,
        Content::Unfollow {
            followee: alice.public_key(),
        },
    )
    .unwrap();
    let max_text = Event::create(&alice, t + 4_000, post(&"é".repeat(1000))).unwrap();
    let bom_only = Event::create(&alice, t + 5_000, post("\u{feff}")).unwrap();
    let skewed_ok =
        Event::create(&alice, NOW_MS + 600_000, post("exactly at the skew limit")).unwrap();

    // The avatar names a blob by the SHA-256 of its bytes; these stand in for an image's.
    let avatar = BlobHash::from_bytes(Sha256::digest(b"alice's avatar image bytes").into());
    let alice_profile = Event::create(
        &alice,
        t + 6_000,
        profile("Alice 🌿", "Gardener.\nWrites about moss.", Some(avatar)),
    )
    .unwrap();
    let bob_profile = Event::create(&bob, t + 7_000, profile("بوب", "", None)).unwrap();
    let max_name = Event::create(&alice, t + 8_000, profile(&"é".repeat(50), "", None)).unwrap();

    // Post images, named as avatars are; the bytes stand in for re-encoded pictures.
    let photos = Event::create(
        &alice,
        t + 9_000,
        image_post(
            "Moss after the rain",
            &[
                (
                    "first photo",
                    "Green moss on a grey stone, drops of water on it",
                ),
                ("second photo", "苔の上の雨粒"),
            ],
        ),
    )
    .unwrap();
    let photo_only = Event::create(
        &bob,
        t + 10_000,
        image_post("", &[("a photo", "A cat asleep in the sun")]),
    )
    .unwrap();
    let long_alt = "a".repeat(300);
    let four = Event::create(
        &alice,
        t + 11_000,
        image_post(
            "Four",
            &[
                ("1", &long_alt),
                ("2", &long_alt),
                ("3", &long_alt),
                ("4", &long_alt),
            ],
        ),
    )
    .unwrap();
    let photos_json: Value = serde_json::from_str(&photos.to_json()).unwrap();

    // Deletions and reactions (protocol.md §5.2, §5.3).
    let delete_hello = Event::create(&alice, t + 12_000, delete(&[hello.id])).unwrap();
    let delete_many = Event::create(&alice, t + 13_000, delete(&some_ids(100))).unwrap();
    let heart = Event::create(&bob, t + 14_000, reaction(&hello, "❤️")).unwrap();
    // A family of four with skin tones: one grapheme of many code points joined by ZWJ.
    let family = Event::create(&alice, t + 15_000, reaction(&reply, "👩🏽‍👩🏽‍👧🏽‍👦🏽")).unwrap();
    let letter = Event::create(&bob, t + 16_000, reaction(&hello, "é")).unwrap();
    let heart_json: Value = serde_json::from_str(&heart.to_json()).unwrap();

    // Reposts (protocol.md §5.4).
    let shared = Event::create(&bob, t + 17_000, repost(&hello)).unwrap();
    let shared_photo = Event::create(&alice, t + 18_000, repost(&photo_only)).unwrap();
    let shared_json: Value = serde_json::from_str(&shared.to_json()).unwrap();
    // The largest post with images that is itself valid: 1,000 four-byte characters, 20
    // mentions and four long descriptions. Embedded, it makes a repost over the event limit.
    let widest = (1..300)
        .map(|n| {
            let alt = "😀".repeat(n);
            let content = Content::ImagePost(ImagePost {
                post: Post {
                    text: "😀".repeat(1000),
                    mentions: (10..30).map(|seed| identity(seed).public_key()).collect(),
                    reply_to: None,
                },
                images: (0..4)
                    .map(|i| PostImage {
                        blob: BlobHash::from_bytes(Sha256::digest([i]).into()),
                        alt: alt.clone(),
                    })
                    .collect(),
            });
            Event::create(&alice, t + 19_000, content)
        })
        .take_while(Result::is_ok)
        .last()
        .unwrap()
        .unwrap();
    let oversized_repost = sign_unchecked(2, t + 20_000, &repost(&widest)).to_string();
    assert!(oversized_repost.len() > 8 * 1024 && widest.to_json().len() <= 8 * 1024);

    let base: Value = serde_json::from_str(&hello.to_json()).unwrap();
    let edit = |f: &dyn Fn(&mut Value)| {
        let mut v = base.clone();
        f(&mut v);
        v.to_string()
    };
    let not_a_point = {
        let mut bytes = [0u8; 32];
        bytes[0] = 2;
        STANDARD.encode(bytes)
    };
    let big_text = "x".repeat(9000);

    let vectors = vec![
        valid("post", &hello),
        valid("post with mention, reply and non-ASCII text", &reply),
        valid("follow", &follow),
        valid("unfollow", &unfollow),
        valid(
            "post of exactly 1000 characters (2000 UTF-8 bytes)",
            &max_text,
        ),
        valid(
            "timestamp exactly 10 minutes ahead of the clock",
            &skewed_ok,
        ),
        valid(
            "text of U+FEFF alone (not Unicode White_Space, so not empty)",
            &bom_only,
        ),
        valid("profile with avatar", &alice_profile),
        valid(
            "profile without avatar, right-to-left name, empty about",
            &bob_profile,
        ),
        valid("profile name of exactly 50 characters", &max_name),
        invalid(
            "profile name of 51 characters",
            sign_unchecked(1, t, &profile(&"a".repeat(51), "", None)).to_string(),
            "name_too_long",
        ),
        invalid(
            "profile name only white space",
            sign_unchecked(1, t, &profile(" \u{3000}", "", None)).to_string(),
            "empty_name",
        ),
        invalid(
            "profile name with a right-to-left override (U+202E)",
            sign_unchecked(1, t, &profile("evil\u{202E}moc.elgoog", "", None)).to_string(),
            "invalid_name",
        ),
        invalid(
            "profile name with a line feed",
            sign_unchecked(1, t, &profile("two\nlines", "", None)).to_string(),
            "invalid_name",
        ),
        invalid(
            "profile about of 501 characters",
            sign_unchecked(1, t, &profile("Alice", &"a".repeat(501), None)).to_string(),
            "about_too_long",
        ),
        invalid(
            "profile avatar hash in uppercase hex",
            {
                let mut v: Value = serde_json::from_str(&alice_profile.to_json()).unwrap();
                v["content"]["avatar"] = json!(avatar.to_hex().to_uppercase());
                v.to_string()
            },
            "malformed_id",
        ),
        invalid(
            "profile without its about field",
            {
                let mut v: Value = serde_json::from_str(&bob_profile.to_json()).unwrap();
                v["content"].as_object_mut().unwrap().remove("about");
                v.to_string()
            },
            "malformed_content",
        ),
        invalid(
            "profile name changed after signing",
            {
                let mut v: Value = serde_json::from_str(&alice_profile.to_json()).unwrap();
                v["content"]["name"] = json!("Mallory");
                v.to_string()
            },
            "id_mismatch",
        ),
        invalid(
            "text changed after signing",
            edit(&|v| v["content"]["text"] = json!("Hello, world!")),
            "id_mismatch",
        ),
        invalid(
            "signature by another key",
            {
                let forged = Event::create(&bob, t, post("Hello, Phemossa!")).unwrap();
                edit(&|v| v["signature"] = json!(forged.signature.to_base64()))
            },
            "bad_signature",
        ),
        invalid(
            "author is not base64",
            edit(&|v| v["author"] = json!("!!!!")),
            "malformed_base64",
        ),
        invalid(
            "author is 31 bytes",
            edit(&|v| v["author"] = json!(STANDARD.encode([1u8; 31]))),
            "wrong_key_length",
        ),
        invalid(
            "signature is 63 bytes",
            edit(&|v| v["signature"] = json!(STANDARD.encode([1u8; 63]))),
            "wrong_signature_length",
        ),
        invalid(
            "unknown type",
            edit(&|v| v["type"] = json!("poll")),
            "unknown_type",
        ),
        invalid(
            "unsupported version",
            edit(&|v| v["v"] = json!(2)),
            "unsupported_version",
        ),
        invalid(
            "text of 1001 characters",
            sign_unchecked(1, t, &post(&"a".repeat(1001))).to_string(),
            "text_too_long",
        ),
        invalid(
            "empty text",
            sign_unchecked(1, t, &post("   ")).to_string(),
            "empty_text",
        ),
        invalid(
            "encoded event over 8192 bytes",
            edit(&|v| v["content"]["text"] = json!(big_text)),
            "event_too_large",
        ),
        invalid(
            "timestamp too far in the future",
            sign_unchecked(1, NOW_MS + 600_001, &post("from the future")).to_string(),
            "timestamp_in_future",
        ),
        invalid(
            "follow of a key that is not a curve point",
            {
                let mut v: Value = serde_json::from_str(&follow.to_json()).unwrap();
                v["content"]["followee"] = json!(not_a_point);
                v.to_string()
            },
            "invalid_followee",
        ),
        invalid(
            "follow of a 16-byte key",
            {
                let mut v: Value = serde_json::from_str(&follow.to_json()).unwrap();
                v["content"]["followee"] = json!(STANDARD.encode([7u8; 16]));
                v.to_string()
            },
            "invalid_followee",
        ),
        invalid(
            "self-follow",
            sign_unchecked(
                2,
                t,
                &Content::Follow {
                    followee: bob.public_key(),
                },
            )
            .to_string(),
            "self_follow",
        ),
        invalid(
            "id in uppercase hex",
            edit(&|v| v["id"] = json!(hello.id.to_hex().to_uppercase())),
            "malformed_id",
        ),
        invalid(
            "extra field in content",
            edit(&|v| v["content"]["admin"] = json!(true)),
            "malformed_content",
        ),
        invalid(
            "extra top-level field",
            edit(&|v| v["sig2"] = json!("")),
            "malformed_event",
        ),
        invalid("not JSON", "{\"v\":1,".to_string(), "malformed_event"),
        invalid(
            "timestamp as a string",
            edit(&|v| v["timestamp"] = json!("1767225540000")),
            "malformed_event",
        ),
        invalid(
            "forged post by the small-order identity key (R = base point, s = 1)",
            {
                // Under the identity point, [s]B = R + [k]A holds for any message when R = B
                // and s = 1: a non-strict verifier accepts this without any secret key.
                let mut author = [0u8; 32];
                author[0] = 1;
                let mut signature =
                    hex::decode("5866666666666666666666666666666666666666666666666666666666666666")
                        .unwrap();
                let mut s = [0u8; 32];
                s[0] = 1;
                signature.extend_from_slice(&s);
                edit(&|v| {
                    v["author"] = json!(STANDARD.encode(author));
                    v["signature"] = json!(STANDARD.encode(&signature));
                })
            },
            "invalid_key",
        ),
        invalid(
            "author is not on the curve",
            edit(&|v| v["author"] = json!(not_a_point)),
            "invalid_key",
        ),
        invalid(
            "author is a non-canonical encoding (y = p + 1)",
            {
                let mut bytes = [0xffu8; 32];
                bytes[0] = 0xee;
                bytes[31] = 0x7f;
                edit(&|v| v["author"] = json!(STANDARD.encode(bytes)))
            },
            "invalid_key",
        ),
        invalid(
            "author base64 without padding",
            edit(&|v| {
                let unpadded = v["author"]
                    .as_str()
                    .unwrap()
                    .trim_end_matches('=')
                    .to_string();
                v["author"] = json!(unpadded);
            }),
            "malformed_base64",
        ),
        invalid(
            "21 mentions",
            sign_unchecked(
                1,
                t,
                &Content::Post(Post {
                    text: "too many friends".into(),
                    mentions: (0..21).map(|n| identity(n + 10).public_key()).collect(),
                    reply_to: None,
                }),
            )
            .to_string(),
            "too_many_mentions",
        ),
        invalid(
            "timestamp of 2^53",
            sign_unchecked(1, 1 << 53, &post("far, far future")).to_string(),
            "timestamp_out_of_range",
        ),
        invalid(
            "duplicate top-level key",
            hello
                .to_json()
                .replacen("{\"v\":1,", "{\"v\":1,\"v\":1,", 1),
            "malformed_event",
        ),
        invalid(
            "duplicate key inside content",
            hello
                .to_json()
                .replacen("{\"text\":", "{\"text\":\"x\",\"text\":", 1),
            "malformed_content",
        ),
        invalid(
            "content is not an object",
            edit(&|v| v["content"] = json!(5)),
            "malformed_content",
        ),
        valid("image post with two images and their descriptions", &photos),
        valid("image post with no text", &photo_only),
        valid(
            "image post with four images, each description of exactly 300 characters",
            &four,
        ),
        invalid(
            "image post with no image",
            sign_unchecked(1, t, &image_post("nothing to see", &[])).to_string(),
            "image_count",
        ),
        invalid(
            "image post with five images",
            sign_unchecked(
                1,
                t,
                &image_post(
                    "five",
                    &[("1", ""), ("2", ""), ("3", ""), ("4", ""), ("5", "")],
                ),
            )
            .to_string(),
            "image_count",
        ),
        invalid(
            "image description of 301 characters",
            sign_unchecked(1, t, &image_post("x", &[("1", &"a".repeat(301))])).to_string(),
            "alt_too_long",
        ),
        invalid(
            "plain post with an images field",
            edit(&|v| v["content"]["images"] = photos_json["content"]["images"].clone()),
            "malformed_content",
        ),
        invalid(
            "image post without its images field",
            {
                let mut v = photos_json.clone();
                v["content"].as_object_mut().unwrap().remove("images");
                v.to_string()
            },
            "malformed_content",
        ),
        invalid(
            "image blob hash in uppercase hex",
            {
                let mut v = photos_json.clone();
                let upper = v["content"]["images"][0]["blob"]
                    .as_str()
                    .unwrap()
                    .to_uppercase();
                v["content"]["images"][0]["blob"] = json!(upper);
                v.to_string()
            },
            "malformed_id",
        ),
        valid("delete of one event", &delete_hello),
        valid("delete of 100 events", &delete_many),
        valid("reaction with an emoji of two code points", &heart),
        valid(
            "reaction with one grapheme of many code points (ZWJ sequence)",
            &family,
        ),
        valid("reaction with a letter", &letter),
        invalid(
            "delete naming no event",
            sign_unchecked(1, t, &delete(&[])).to_string(),
            "delete_targets",
        ),
        invalid(
            "delete naming 101 events",
            sign_unchecked(1, t, &delete(&some_ids(101))).to_string(),
            "delete_targets",
        ),
        invalid(
            "delete naming one event twice",
            sign_unchecked(1, t, &delete(&[hello.id, hello.id])).to_string(),
            "delete_targets",
        ),
        invalid(
            "delete target not 64 hex characters",
            sign_unchecked(1, t, &delete(&[hello.id]))
                .to_string()
                .replace(&hello.id.to_hex(), "abc"),
            "malformed_id",
        ),
        invalid(
            "reaction of two emoji",
            sign_unchecked(2, t, &reaction(&hello, "👍👍")).to_string(),
            "invalid_emoji",
        ),
        invalid(
            "reaction that is empty",
            sign_unchecked(2, t, &reaction(&hello, "")).to_string(),
            "invalid_emoji",
        ),
        invalid(
            "reaction that is a space",
            sign_unchecked(2, t, &reaction(&hello, " ")).to_string(),
            "invalid_emoji",
        ),
        invalid(
            "reaction that is a control character",
            sign_unchecked(2, t, &reaction(&hello, "\u{7}")).to_string(),
            "invalid_emoji",
        ),
        invalid(
            "reaction whose target author is not a key",
            {
                let mut v = heart_json.clone();
                v["content"]["target_author"] = json!(not_a_point);
                v.to_string()
            },
            "invalid_key",
        ),
        invalid(
            "reaction without its target author",
            {
                let mut v = heart_json.clone();
                v["content"]
                    .as_object_mut()
                    .unwrap()
                    .remove("target_author");
                v.to_string()
            },
            "malformed_content",
        ),
        invalid(
            "reaction emoji changed after signing",
            {
                let mut v = heart_json.clone();
                v["content"]["emoji"] = json!("👎");
                v.to_string()
            },
            "id_mismatch",
        ),
        valid("repost of another author's post", &shared),
        valid("repost of a post with images", &shared_photo),
        invalid(
            "repost of a reaction",
            sign_unchecked(2, t + 17_000, &repost(&heart)).to_string(),
            "repost_not_of_post",
        ),
        invalid(
            "repost older than its original",
            sign_unchecked(2, t - 1_000, &repost(&hello)).to_string(),
            "repost_before_original",
        ),
        invalid(
            "repost whose original carries another event's signature",
            {
                let mut v = shared_json.clone();
                v["content"]["signature"] = json!(reply.signature.to_base64());
                v.to_string()
            },
            "repost_original_invalid",
        ),
        invalid(
            "repost whose original's text was changed after signing",
            {
                let mut v = shared_json.clone();
                v["content"]["content"]["text"] = json!("Goodbye");
                v.to_string()
            },
            "repost_original_invalid",
        ),
        invalid(
            "repost whose original is not an event",
            {
                let mut v = shared_json.clone();
                v["content"] = json!({"text": "Hello, Phemossa!"});
                v.to_string()
            },
            "repost_original_invalid",
        ),
        invalid(
            "repost of the largest valid post, over the event size limit",
            oversized_repost,
            "event_too_large",
        ),
        invalid(
            "image description changed after signing",
            {
                let mut v = photos_json.clone();
                v["content"]["images"][1]["alt"] = json!("something else");
                v.to_string()
            },
            "id_mismatch",
        ),
    ];
    let doc = json!({
        "description": "Phemossa event test vectors. Judge each `event` (a JSON text) with the validator clock at `now_ms`; valid events must reproduce `canonical_hex` and `id` byte for byte; invalid ones must be refused for the reason `error` names (see docs/protocol.md, Validation).",
        "seeds": "Ed25519 secret seeds are 32 bytes of the same value: alice = 0x01 repeated, bob = 0x02 repeated.",
        "now_ms": NOW_MS,
        "vectors": vectors,
    });
    println!("{}", serde_json::to_string_pretty(&doc).unwrap());
}
