//! Search: which posts a query finds and in what order, checked against
//! `phemossa_core::search` (what the IndexedDB store matches with), as posts are stored,
//! deleted and replaced; hostile queries; and what the index costs an insert (`insert_cost`,
//! ignored: run it with `--release -- --ignored --nocapture`).

use crate::common::*;
use phemossa_core::search::{matches, words};
use phemossa_core::{BlobHash, Content, Event, EventId, Identity, ImagePost, Post, PostImage};
use phemossa_store::Store;
use proptest::prelude::*;

fn image_post(author: &Identity, timestamp: u64, text: &str) -> Event {
    let content = Content::ImagePost(ImagePost {
        post: Post {
            text: text.into(),
            mentions: vec![],
            reply_to: None,
        },
        images: vec![PostImage {
            blob: BlobHash::from_bytes([7; 32]),
            alt: "moss on a stone".into(),
        }],
    });
    Event::create(author, timestamp, content).expect("a valid image post")
}

fn search(store: &Store, query: &str, limit: usize) -> Vec<EventId> {
    store.search_post_ids(&words(query), limit).unwrap()
}

/// Stores `events` and writes their posts' words, as the background does for the person's own.
fn store_and_index(store: &mut Store, events: &[Event]) {
    store.insert_batch(events).unwrap();
    index_all(store, 7);
}

/// Writes every waiting post's words, `batch` a call, until none waits; fails rather than loops
/// if the calls never run out (a mark that does not move).
fn index_all(store: &mut Store, batch: usize) {
    let most = store.search_pending().unwrap() as usize / batch.max(1) + 2;
    for _ in 0..most {
        if store.index_pending(batch).unwrap() == 0 {
            assert_eq!(store.search_pending().unwrap(), 0);
            return;
        }
    }
    panic!("posts still waiting after {most} calls of {batch}");
}

fn stored(events: &[Event]) -> Store {
    let mut store = Store::open_in_memory().unwrap();
    store_and_index(&mut store, events);
    store
}

#[test]
fn a_query_finds_posts_holding_every_word_whole_newest_first() {
    let alice = identity(1);
    let old = post(&alice, 10, "Moss grows on the north side");
    let new = post(&alice, 30, "My garden is full of MOSS, and ferns.");
    let ferns = post(&alice, 20, "Ferns only");
    let mosses = post(&alice, 40, "mosses and mossy stones");
    let store = stored(&[old.clone(), new.clone(), ferns.clone(), mosses.clone()]);
    assert_eq!(search(&store, "moss", 20), [new.id, old.id], "newest first");
    assert_eq!(search(&store, "MOSS ferns", 20), [new.id], "every word");
    assert_eq!(search(&store, "ferns", 20), [new.id, ferns.id]);
    assert!(
        search(&store, "mos", 20).is_empty(),
        "whole words, no prefix"
    );
    assert_eq!(search(&store, "moss", 1), [new.id], "the limit");
    assert!(search(&store, "", 20).is_empty());
    assert!(search(&store, "moss", 0).is_empty());
    assert!(search(&store, "a I", 20).is_empty(), "no word to look for");
}

#[test]
fn a_post_is_found_once_its_words_are_written_and_waits_no_more_once_removed() {
    let alice = identity(1);
    let first = post(&alice, 30, "moss first");
    let second = post(&alice, 10, "moss second");
    let third = post(&alice, 20, "moss third");
    let gone = post(&alice, 40, "moss gone");
    let reaction_free = profile(&alice, 50, "moss");
    let mut store = Store::open_in_memory().unwrap();
    store
        .insert_batch(&[
            first.clone(),
            second.clone(),
            third.clone(),
            gone.clone(),
            reaction_free,
        ])
        .unwrap();
    assert!(search(&store, "moss", 20).is_empty(), "not yet written");
    assert_eq!(store.search_pending().unwrap(), 4, "posts only");
    store
        .insert_batch(&[delete(&alice, 60, &[gone.id])])
        .unwrap();
    assert_eq!(
        store.search_pending().unwrap(),
        3,
        "a removed post waits no more"
    );
    assert_eq!(
        store.index_pending(2).unwrap(),
        2,
        "the longest waiting first"
    );
    assert_eq!(search(&store, "moss", 20), [first.id, second.id]);
    assert_eq!(store.search_pending().unwrap(), 1);
    assert_eq!(store.index_pending(100).unwrap(), 1);
    assert_eq!(store.index_pending(100).unwrap(), 0, "none wait");
    assert_eq!(search(&store, "moss", 20), [first.id, third.id, second.id]);
    assert_eq!(store.search_pending().unwrap(), 0);
}

#[test]
fn found_posts_read_back_as_the_feed_shows_them() {
    let alice = identity(1);
    let plain = post(&alice, 10, "lichen on a wall");
    let pictured = image_post(&alice, 20, "lichen in colour");
    let store = stored(&[plain.clone(), pictured.clone()]);
    let found = store.search_posts(&words("lichen"), 20).unwrap();
    let texts: Vec<&str> = found.iter().map(|post| post.text.as_str()).collect();
    assert_eq!(texts, ["lichen in colour", "lichen on a wall"]);
    assert_eq!(found[0].id, pictured.id);
    assert_eq!(found[0].author, alice.public_key());
    assert_eq!(found[0].images.len(), 1);
    assert_eq!(found[1].timestamp, 10);
}

#[test]
fn any_script_matches_as_core_splits_it_with_no_folding_of_accents() {
    let alice = identity(1);
    let french = post(&alice, 10, "Ça va? Très bien");
    let japanese = post(&alice, 20, "日本語 と 猫");
    let plain = post(&alice, 30, "ca va tres bien");
    let store = stored(&[french.clone(), japanese.clone(), plain.clone()]);
    assert_eq!(search(&store, "ÇA", 20), [french.id]);
    assert_eq!(
        search(&store, "ca", 20),
        [plain.id],
        "ç is not c, as core::search says"
    );
    assert_eq!(search(&store, "猫", 20), [japanese.id]);
    assert_eq!(search(&store, "très", 20), [french.id]);
}

#[test]
fn image_posts_are_found_and_reposts_and_other_events_are_not() {
    let (alice, bob) = (identity(1), identity(2));
    let original = post(&alice, 10, "lichen on a wall");
    let pictured = image_post(&alice, 20, "lichen in colour");
    let repeated = repost(&bob, 30, &original);
    let named = profile(&bob, 40, "lichen");
    let store = stored(&[original.clone(), pictured.clone(), repeated, named]);
    assert_eq!(search(&store, "lichen", 20), [pictured.id, original.id]);
}

#[test]
fn a_deleted_post_is_no_longer_found_and_a_withdrawn_one_never_is() {
    let alice = identity(1);
    let kept = post(&alice, 10, "stone wall moss");
    let gone = post(&alice, 20, "stone wall");
    let never = post(&alice, 40, "stone circle");
    let mut store = stored(&[kept.clone(), gone.clone()]);
    assert_eq!(search(&store, "stone", 20), [gone.id, kept.id]);
    store_and_index(&mut store, &[delete(&alice, 30, &[gone.id, never.id])]);
    assert_eq!(search(&store, "stone", 20), [kept.id]);
    store_and_index(&mut store, std::slice::from_ref(&never));
    assert_eq!(
        search(&store, "stone", 20),
        [kept.id],
        "withdrawn: not stored"
    );
    // Another post takes the same search key's neighbourhood again and is found.
    let again = post(&alice, 20, "stone wall again");
    store_and_index(&mut store, std::slice::from_ref(&again));
    assert_eq!(search(&store, "wall", 20), [again.id, kept.id]);
}

#[test]
fn the_newest_are_found_among_many_older_matches() {
    let alice = identity(1);
    let posts: Vec<Event> = (0..150)
        .map(|n| post(&alice, 1_000 + n * 7 % 150, &format!("moss number {n}")))
        .collect();
    let store = stored(&posts);
    let mut expected: Vec<&Event> = posts.iter().collect();
    expected.sort_by_key(|post| std::cmp::Reverse((post.timestamp, post.id)));
    let expected: Vec<EventId> = expected.iter().map(|post| post.id).collect();
    assert_eq!(search(&store, "moss", 5), expected[..5]);
    assert_eq!(search(&store, "moss", 100), expected[..100]);
    assert_eq!(search(&store, "moss number", 500), expected);
}

#[test]
fn posts_of_one_millisecond_come_in_descending_id_order() {
    let people: Vec<Identity> = (1..=30).map(identity).collect();
    let posts: Vec<Event> = people
        .iter()
        .map(|person| post(person, 500, "same moment"))
        .collect();
    let store = stored(&posts);
    let mut expected: Vec<EventId> = posts.iter().map(|post| post.id).collect();
    expected.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(search(&store, "moment", 100), expected);
    assert_eq!(search(&store, "moment", 5), expected[..5]);
}

#[test]
fn what_a_query_holds_is_never_syntax() {
    let alice = identity(1);
    let near = post(&alice, 10, "NEAR the OR and NOT moss");
    let quoted = post(&alice, 20, "he said \"moss\" - twice * over");
    let store = stored(&[near.clone(), quoted.clone()]);
    // Typed text, through core::search::words as the background passes it.
    for hostile in [
        "\"moss",
        "moss\"",
        "moss*",
        "-moss",
        "NEAR(moss the)",
        "moss OR ferns",
        "moss AND",
        "NOT moss",
        "words: moss",
        "{words} : moss",
        "^moss",
        "moss + the",
        "'; DROP TABLE events; --",
        "\u{0}moss",
    ] {
        let found = search(&store, hostile, 20);
        let model: Vec<EventId> = [quoted.clone(), near.clone()]
            .iter()
            .filter(|post| matches(post.as_post().unwrap().text.as_str(), &words(hostile)))
            .map(|post| post.id)
            .collect();
        let expected = if words(hostile).is_empty() {
            vec![]
        } else {
            model
        };
        assert_eq!(found, expected, "{hostile:?}");
    }
    assert_eq!(
        search(&store, "near or not", 20),
        [near.id],
        "keywords are words"
    );
    // Raw words a caller might pass unchecked: none is a search word, so none finds anything,
    // and none errs.
    for raw in [
        "moss*",
        "\"moss\"",
        "NEAR",
        "moss OR",
        "words:moss",
        "Moss",
        "-",
        "",
        "x",
    ] {
        let found = store.search_post_ids(&[raw.to_owned()], 20).unwrap();
        assert!(found.is_empty(), "{raw:?} found {found:?}");
    }
    assert_eq!(store.event_count().unwrap(), 2);
}

#[test]
fn only_a_posts_first_64_words_and_32_letters_of_a_word_are_searched() {
    let alice = identity(1);
    let many: String = (0..80).map(|n| format!("w{n} ")).collect();
    let long = post(&alice, 10, &many);
    let url = post(&alice, 20, &format!("see {}", "x".repeat(40)));
    let store = stored(&[long.clone(), url.clone()]);
    assert_eq!(search(&store, "w63", 20), [long.id]);
    assert!(
        search(&store, "w64", 20).is_empty(),
        "the 65th word is not indexed"
    );
    assert_eq!(
        search(&store, &"x".repeat(40), 20),
        [url.id],
        "cut to 32 both ways"
    );
    assert_eq!(search(&store, &"x".repeat(32), 20), [url.id]);
}

/// A small vocabulary, so queries hit: words of several scripts and cases, punctuation, and
/// what FTS5 would read as syntax.
const VOCABULARY: &[&str] = &[
    "moss", "Moss", "MOSS", "ferns", "stone", "wall", "ça", "Ça", "日本", "猫", "a", "I", "2",
    "42", "NEAR", "OR", "and", "not", "\"", "*", "-", "(", ")", ":", "^", "🌿", "mos", "mosses",
];

fn text_of(picks: &[usize]) -> String {
    picks
        .iter()
        .map(|pick| VOCABULARY[pick % VOCABULARY.len()])
        .collect::<Vec<_>>()
        .join(" ")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// However posts are stored, deleted and searched, the store finds exactly the newest
    /// `limit` of the stored posts that `core::search::matches`, in (timestamp, id) order
    /// descending: what the IndexedDB store's scan finds when it is not cut short.
    #[test]
    fn search_finds_what_core_search_matches(
        posts in proptest::collection::vec(
            (0u8..3, 0u64..8, proptest::collection::vec(0usize..64, 1..8)),
            1..24,
        ),
        deleted in proptest::collection::vec(any::<prop::sample::Index>(), 0..6),
        indexed_first in 0usize..30,
        queries in proptest::collection::vec(
            (proptest::collection::vec(0usize..64, 0..3), 1usize..6),
            1..6,
        ),
    ) {
        let people: Vec<Identity> = (1..=3).map(identity).collect();
        let events: Vec<Event> = posts
            .iter()
            .map(|(who, at, picks)| post(&people[*who as usize], *at, &text_of(picks)))
            .collect();
        let mut store = Store::open_in_memory().unwrap();
        store.insert_batch(&events).unwrap();
        // Some posts' words written before the deletes, the rest after.
        store.index_pending(indexed_first).unwrap();
        let mut gone = std::collections::HashSet::new();
        for pick in &deleted {
            let target = pick.get(&events);
            let author = people.iter().find(|p| p.public_key() == target.author).unwrap();
            store.insert_batch(&[delete(author, 100, &[target.id])]).unwrap();
            gone.insert(target.id);
        }
        index_all(&mut store, 5);
        prop_assert_eq!(store.search_pending().unwrap(), 0);
        for (picks, limit) in &queries {
            let query = text_of(picks);
            let query_words = words(&query);
            let mut model: Vec<&Event> = events
                .iter()
                .filter(|event| !gone.contains(&event.id))
                .filter(|_| !query_words.is_empty())
                .filter(|event| matches(&event.as_post().unwrap().text, &query_words))
                .collect();
            model.sort_by_key(|event| std::cmp::Reverse((event.timestamp, event.id)));
            model.dedup_by_key(|event| event.id);
            let model: Vec<EventId> = model.iter().take(*limit).map(|event| event.id).collect();
            prop_assert_eq!(store.search_post_ids(&query_words, *limit).unwrap(), model, "{:?}", query);
        }
    }
}

/// What the search index costs: 30,000 posts of 30 words (a Zipf-like draw from 5,000) stored
/// in batches of 512, then their words written 500 posts a call, as the search indexer does;
/// against the same posts with no word in them (dots where the letters were: the same JSON
/// length, and no search rows), alternating in one run. Run: `cargo test -p phemossa-store
/// --profile native --test integration -- --ignored --nocapture search::insert_cost`.
#[test]
#[ignore]
fn insert_cost() {
    const POSTS: usize = 30_000;
    const BATCH: usize = 512;
    const INDEX_BATCH: usize = 500;
    const ROUNDS: usize = 3;
    let people: Vec<Identity> = (1..=50).map(identity).collect();
    let vocabulary: Vec<String> = (0..5_000).map(|n| format!("word{n}")).collect();
    // A fixed linear congruential sequence, so every run stores the same posts.
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        state >> 33
    };
    let mut worded = Vec::with_capacity(POSTS);
    let mut wordless = Vec::with_capacity(POSTS);
    for n in 0..POSTS {
        let text: Vec<&str> = (0..30)
            .map(|_| {
                let r = (next() % 1_000_000) as f64 / 1_000_000.0;
                vocabulary[((r * r * r) * vocabulary.len() as f64) as usize].as_str()
            })
            .collect();
        let text = text.join(" ");
        let blank: String = text
            .chars()
            .map(|c| if c == ' ' { ' ' } else { '.' })
            .collect();
        let author = &people[n % people.len()];
        // Ten million ms apart at most, in no order: as a sync stores them.
        let at = 1_700_000_000_000 + (next() % 10_000_000);
        worded.push(post(author, at, &text));
        wordless.push(post(author, at, &blank));
    }
    let micros = |elapsed: std::time::Duration| elapsed.as_secs_f64() * 1e6 / POSTS as f64;
    // µs a post to store them, and to write their words.
    let time = |events: &[Event]| {
        let mut store = Store::open_in_memory().unwrap();
        let started = std::time::Instant::now();
        for batch in events.chunks(BATCH) {
            store.insert_batch(batch).unwrap();
        }
        let stored = micros(started.elapsed());
        let started = std::time::Instant::now();
        index_all(&mut store, INDEX_BATCH);
        let indexed = micros(started.elapsed());
        assert_eq!(store.event_count().unwrap(), POSTS as u64);
        assert_eq!(store.search_pending().unwrap(), 0);
        (stored, indexed)
    };
    for round in 1..=ROUNDS {
        let (bare, bare_index) = time(&wordless);
        let (stored, indexed) = time(&worded);
        println!(
            "round {round}: {POSTS} posts, batches of {BATCH}: stored in {bare:.1} µs/post \
             without words, {stored:.1} with ({:.2}x); words written after in {indexed:.1} \
             µs/post ({bare_index:.1} for the wordless); store and words together {:.2}x the \
             wordless store",
            stored / bare,
            (stored + indexed) / bare
        );
    }
}

/// A word `core::search::words` gives need not give itself again: "İ" lower-cases to "i" and a
/// combining dot (U+0307), so `words("İstanbul")` is `["i̇stanbul"]` while `words` of that is
/// `["stanbul"]`. The post is found, as `core::search::matches` (the background's rule) finds it.
#[test]
fn a_word_with_a_dotted_capital_i_is_found_as_the_background_finds_it() {
    let alice = Identity::from_seed([1; 32]);
    let text = "Greetings from İstanbul";
    let post = Event::create(
        &alice,
        1_767_225_600_000,
        Content::Post(Post {
            text: text.into(),
            mentions: vec![],
            reply_to: None,
        }),
    )
    .unwrap();
    let mut store = Store::open_in_memory().unwrap();
    store.insert_batch(std::slice::from_ref(&post)).unwrap();
    index_all(&mut store, 100);

    let query = words("İstanbul");
    assert_eq!(query.len(), 1);
    assert!(matches(text, &query));
    assert_eq!(
        store.search_post_ids(&query, 20).unwrap(),
        vec![post.id],
        "query words {query:?}; words of the word: {:?}",
        words(&query[0])
    );
}
