//! The query plans of the feed's and its siblings' reads (feed, thread, reactions,
//! pages): each reads its own index, and none scans `events` or `addressed`.

use crate::Store;

fn plan(store: &Store, sql: &str) -> Vec<String> {
    let mut statement = store
        .connection
        .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
        .expect("a plan");
    // Unbound parameters read as NULL; the plan is made before any value is known.
    let mut rows = statement.raw_query();
    let mut steps = Vec::new();
    while let Some(row) = rows.next().expect("a plan's row") {
        steps.push(row.get::<_, String>(3).expect("a plan's step"));
    }
    steps
}

#[test]
fn every_read_seeks_its_index_and_scans_no_table() {
    use crate::{pages, reactions, thread};
    let store = Store::open_in_memory().expect("a store");
    let cases: &[(String, &str)] = &[
        (
            crate::feed::feed_sql(),
            "USING INDEX events_feed (author=? AND timestamp<?)",
        ),
        (
            crate::feed::post_sql(),
            "USING INDEX sqlite_autoindex_events_1 (id=?)",
        ),
        (
            crate::feed::WITHDRAWN_SQL.into(),
            "USING PRIMARY KEY (id=? AND author=?)",
        ),
        (
            thread::COUNT_SQL.into(),
            "USING COVERING INDEX events_replies (reply_to=?)",
        ),
        (
            thread::REPLIES_AFTER_SQL.into(),
            "USING INDEX events_replies (reply_to=? AND timestamp>?)",
        ),
        (
            thread::ADDRESSED_AFTER_SQL.into(),
            "USING COVERING INDEX addressed_by_person (person=? AND timestamp>?)",
        ),
        (
            thread::level_sql(),
            "USING INDEX events_replies (reply_to=?)",
        ),
        (
            thread::REMOVE_ADDRESSED_SQL.into(),
            "USING PRIMARY KEY (seq=?)",
        ),
        (
            reactions::REACTIONS_SQL.into(),
            "USING INDEX events_reactions (reaction_target=?)",
        ),
        (
            reactions::REPOSTS_SQL.into(),
            "USING COVERING INDEX events_reposts (repost_of=? AND author=?)",
        ),
        (
            pages::EVENTS_AFTER_SQL.into(),
            "USING INDEX sqlite_autoindex_events_1 (id>?)",
        ),
    ];
    for (sql, expected) in cases {
        let plan = plan(&store, sql);
        assert!(
            plan.iter().any(|step| step.contains(expected)),
            "{sql}\nplanned as {plan:?}"
        );
        // The JSON functions' table-valued `json_each` scans one row's JSON, nothing else.
        for step in &plan {
            assert!(
                !step.starts_with("SCAN") || step.contains("json_each"),
                "{sql}\nscans: {plan:?}"
            );
            // Rows come in index order: only a post's few mentions or images are sorted.
            assert!(
                !step.contains("TEMP B-TREE") || step.contains("group_concat"),
                "{sql}\nsorts: {plan:?}"
            );
        }
    }
}
