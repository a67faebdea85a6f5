//! Named records and known peers through the store's public API: each setting under its own
//! key and replaced whole, the device key's bytes, the backup record, peers saved, replaced,
//! listed by id and forgotten, all kept in the file; values that do not convert back are
//! damaged rows, and times past what the store holds are refused.

use std::path::PathBuf;

use crate::common::identity;
use phemossa_store::{BackupRecord, PeerRecord, Setting, Store, StoreError};

/// A fresh file for one test.
fn file(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("phemossa-meta-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("store.sqlite")
}

#[test]
fn each_setting_is_its_own_json_replaced_whole() {
    let mut store = Store::open_in_memory().unwrap();
    for setting in [Setting::Network, Setting::Retention, Setting::KeepOut] {
        assert_eq!(store.setting(setting).unwrap(), None);
    }
    store
        .save_setting(Setting::Network, r#"{"bootstrap":[],"stun":[],"turn":[]}"#)
        .unwrap();
    store
        .save_setting(Setting::Retention, r#"{"days":30}"#)
        .unwrap();
    store
        .save_setting(Setting::Retention, r#"{"days":7}"#)
        .unwrap();
    assert_eq!(
        store.setting(Setting::Network).unwrap().as_deref(),
        Some(r#"{"bootstrap":[],"stun":[],"turn":[]}"#)
    );
    assert_eq!(
        store.setting(Setting::Retention).unwrap().as_deref(),
        Some(r#"{"days":7}"#)
    );
    assert_eq!(store.setting(Setting::KeepOut).unwrap(), None);
    assert_eq!(store.device_key().unwrap(), None);
    store.save_device_key(&[8, 1, 0, 255]).unwrap();
    assert_eq!(store.device_key().unwrap(), Some(vec![8, 1, 0, 255]));
    assert_eq!(store.setting(Setting::KeepOut).unwrap(), None);
}

#[test]
fn the_backup_record_is_one_record_replaced_whole() {
    let mut store = Store::open_in_memory().unwrap();
    assert_eq!(store.backup_record().unwrap(), None);
    let first = BackupRecord {
        public_key: identity(1).public_key(),
        exported_at: None,
        snoozed_until: 1_000,
    };
    store.save_backup_record(&first).unwrap();
    assert_eq!(store.backup_record().unwrap(), Some(first));
    let second = BackupRecord {
        public_key: identity(2).public_key(),
        exported_at: Some(5_000),
        snoozed_until: 0,
    };
    store.save_backup_record(&second).unwrap();
    assert_eq!(store.backup_record().unwrap(), Some(second));
    let far = BackupRecord {
        public_key: identity(2).public_key(),
        exported_at: Some(u64::MAX),
        snoozed_until: 0,
    };
    assert!(matches!(
        store.save_backup_record(&far),
        Err(StoreError::TimestampOutOfRange(u64::MAX))
    ));
}

fn peer(id: &str, last_seen: u64) -> PeerRecord {
    PeerRecord {
        peer_id: id.into(),
        last_seen,
        ..PeerRecord::default()
    }
}

#[test]
fn peers_are_saved_replaced_listed_by_id_and_forgotten() {
    let mut store = Store::open_in_memory().unwrap();
    assert_eq!(store.peer_records().unwrap(), []);
    let full = PeerRecord {
        peer_id: "12D3KooWB".into(),
        address: Some("/dns4/relay.example/tcp/443/wss".into()),
        events_received: 42,
        invalid_messages: 3,
        last_seen: 1_700_000_000_000,
        banned_until: Some(1_700_000_600_000),
        owner: Some(identity(1).public_key()),
    };
    store.save_peer(&peer("12D3KooWC", 5)).unwrap();
    store.save_peer(&full).unwrap();
    store.save_peer(&peer("12D3KooWA", 9)).unwrap();
    let ids: Vec<String> = store
        .peer_records()
        .unwrap()
        .into_iter()
        .map(|p| p.peer_id)
        .collect();
    assert_eq!(ids, ["12D3KooWA", "12D3KooWB", "12D3KooWC"]);
    assert_eq!(store.peer_records().unwrap()[1], full);
    // Saved again: replaced whole, not merged.
    store.save_peer(&peer("12D3KooWB", 7)).unwrap();
    assert_eq!(store.peer_records().unwrap()[1], peer("12D3KooWB", 7));
    // Counters past an i64 are kept as the largest rather than refused.
    let mut busy = peer("12D3KooWD", 1);
    busy.events_received = u64::MAX;
    store.save_peer(&busy).unwrap();
    assert_eq!(
        store.peer_records().unwrap()[3].events_received,
        i64::MAX as u64
    );
    store
        .forget_peers(&["12D3KooWA".into(), "unknown".into(), "12D3KooWD".into()])
        .unwrap();
    store.forget_peers(&[]).unwrap();
    let ids: Vec<String> = store
        .peer_records()
        .unwrap()
        .into_iter()
        .map(|p| p.peer_id)
        .collect();
    assert_eq!(ids, ["12D3KooWB", "12D3KooWC"]);
    assert!(matches!(
        store.save_peer(&peer("late", u64::MAX)),
        Err(StoreError::TimestampOutOfRange(_))
    ));
}

#[test]
fn records_are_kept_in_the_file() {
    let path = file("kept");
    {
        let mut store = Store::open(&path).unwrap();
        store.save_setting(Setting::KeepOut, "{}").unwrap();
        store.save_device_key(&[1, 2, 3]).unwrap();
        store.save_peer(&peer("p", 1)).unwrap();
    }
    let store = Store::open(&path).unwrap();
    assert_eq!(
        store.setting(Setting::KeepOut).unwrap().as_deref(),
        Some("{}")
    );
    assert_eq!(store.device_key().unwrap(), Some(vec![1, 2, 3]));
    assert_eq!(store.peer_records().unwrap(), [peer("p", 1)]);
    drop(store);
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

#[test]
fn damaged_rows_are_errors_not_panics() {
    let path = file("damaged");
    drop(Store::open(&path).unwrap());
    {
        let raw = rusqlite::Connection::open(&path).unwrap();
        raw.execute_batch(
            "INSERT INTO peers (peer_id, events_received, invalid_messages, last_seen, owner)
             VALUES ('short', 0, 0, 1, x'0102');
             INSERT INTO backup (one, public_key, snoozed_until) VALUES (1, x'00', 0);
             INSERT INTO meta (key, value) VALUES ('network', x'ff00');",
        )
        .unwrap();
    }
    let store = Store::open(&path).unwrap();
    assert!(matches!(
        store.peer_records(),
        Err(StoreError::CorruptRow { table: "peers", .. })
    ));
    assert!(matches!(
        store.backup_record(),
        Err(StoreError::CorruptRow {
            table: "backup",
            ..
        })
    ));
    assert!(matches!(
        store.setting(Setting::Network),
        Err(StoreError::CorruptRow { table: "meta", .. })
    ));
    {
        let raw = rusqlite::Connection::open(&path).unwrap();
        raw.execute_batch(
            "DELETE FROM peers; INSERT INTO peers
             (peer_id, events_received, invalid_messages, last_seen) VALUES ('neg', -1, 0, 1);",
        )
        .unwrap();
    }
    assert!(matches!(
        store.peer_records(),
        Err(StoreError::CorruptRow { table: "peers", .. })
    ));
    drop(store);
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}
