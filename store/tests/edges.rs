//! Edge inputs on every public read and write: empty lists, limits of 0 and
//! `usize::MAX`, cursors and times past `i64::MAX`. None may panic or fail.

use crate::common::*;
use phemossa_core::retention::RetentionSettings;
use phemossa_core::{EventId, FeedCursor};
use phemossa_store::Store;
use phemossa_sync::{Cursor, Scope};

#[test]
fn edge_inputs_neither_panic_nor_fail() {
    let alice = identity(1);
    let bob = identity(2);
    let p = post(&alice, 10, "hello moss world");
    let r = reaction(&bob, 11, &p, "🌿");
    let q = repost(&bob, 12, &p);
    let mut store = Store::open_in_memory().unwrap();
    store.set_user(&alice.public_key()).unwrap();
    assert!(store.insert_batch(&[]).unwrap().is_empty());
    store
        .insert_batch(&[p.clone(), r.clone(), q.clone()])
        .unwrap();
    store.index_pending(usize::MAX).unwrap();
    store.index_pending(0).unwrap();

    let far = Cursor {
        timestamp: u64::MAX,
        id: EventId::from_bytes([0xff; 32]),
    };
    let authors = [alice.public_key(), bob.public_key()];
    for limit in [0usize, 1, usize::MAX] {
        store.feed_page(&authors, None, limit).unwrap();
        store.feed_page(&[], None, limit).unwrap();
        store
            .feed_page(
                &authors,
                Some(FeedCursor {
                    timestamp: u64::MAX,
                    id: p.id,
                }),
                limit,
            )
            .unwrap();
        store.thread(&p.id, limit).unwrap();
        store.replies_after(&[p.id], None, limit).unwrap();
        store.replies_after(&[p.id], Some(far), limit).unwrap();
        store.replies_after(&[], None, limit).unwrap();
        store
            .addressed_after(&alice.public_key(), far, limit)
            .unwrap();
        store
            .addressed_after(
                &alice.public_key(),
                Cursor {
                    timestamp: 0,
                    id: EventId::from_bytes([0; 32]),
                },
                limit,
            )
            .unwrap();
        store.notifications(limit).unwrap();
        store.search_post_ids(&["moss".into()], limit).unwrap();
        store.search_post_ids(&[], limit).unwrap();
        store.search_posts(&["moss".into()], limit).unwrap();
        for scope in [
            Scope {
                authors: None,
                since: None,
            },
            Scope {
                authors: Some(vec![]),
                since: None,
            },
            Scope {
                authors: Some(authors.to_vec()),
                since: Some(u64::MAX),
            },
            Scope {
                authors: Some(authors.to_vec()),
                since: Some(5),
            },
        ] {
            store.list_ids(&scope, None, limit).unwrap();
            store.list_ids(&scope, Some(far), limit).unwrap();
        }
    }
    store.events_after(None, 0).unwrap();
    store.events_after(None, u32::MAX).unwrap();
    store.reply_counts(&[]).unwrap();
    store.reactions_to(&[]).unwrap();
    store.reposts_of(&alice.public_key(), &[]).unwrap();
    store.missing_ids(&[]).unwrap();
    store.load_json(&[]).unwrap();
    store.profiles_of(&[]).unwrap();
    store.stored_bytes_of(&[]).unwrap();
    store.counts_by_author_day(&[]).unwrap();
    store
        .counts_by_author_day(&[(alice.public_key(), u64::MAX), (alice.public_key(), 0)])
        .unwrap();
    store.held_blobs(&[]).unwrap();
    store.sweep_blobs(u64::MAX).unwrap();
    store.sweep_blobs(0).unwrap();
    store.remove_notifications(&[]).unwrap();
    store.prune_events(&[]).unwrap();
    store.remove_blocked(&[]).unwrap();
    store
        .plan_prune(|_| false, &RetentionSettings::default(), u64::MAX)
        .unwrap();
    store
        .prune(
            |_| false,
            &RetentionSettings {
                others_days: 1,
                others_mb: 1,
            },
            u64::MAX,
        )
        .unwrap();
    assert_eq!(store.event_count().unwrap(), 0);
    let totals = store.totals().unwrap();
    assert_eq!(
        (totals.events, totals.posts, totals.authors, totals.bytes),
        (0, 0, 0, 0)
    );
    assert!(store.notifications(10).unwrap().is_empty());
    assert_eq!(store.search_post_ids(&["moss".into()], 10).unwrap(), vec![]);
}
