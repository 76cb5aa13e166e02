//! Searching jobs by text on PostgreSQL reads `job_texts` (payload and last error, one row
//! per job, under a trigram index) rather than the jobs table, whose rows are rewritten by
//! every claim and completion. Triggers keep it: these tests check that it follows inserts,
//! failures, deletes and TRUNCATE, that claims and completions never touch it, and that the
//! search can use its index.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests and their helpers unwrap: the panic is the failure report"
)]

use diesel::QueryableByName;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use longjobs_core::queue::{self, EnqueueRequest, Failure, JobFilter};
use longjobs_core::testing::{TestDb, pg, plan};
use longjobs_core::{DbConn, clock};

#[derive(QueryableByName)]
struct Counted {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn searched(c: &mut DbConn, text: &str) -> Vec<i64> {
    let filter = JobFilter {
        text: Some(text.to_string()),
        ..JobFilter::default()
    };
    let mut ids: Vec<i64> = queue::matching_ids(c, &filter, 100)
        .unwrap()
        .into_iter()
        .map(|id| id.0)
        .collect();
    ids.sort_unstable();
    ids
}

fn texts(c: &mut DbConn) -> i64 {
    diesel::sql_query("SELECT count(*) AS n FROM job_texts")
        .get_result::<Counted>(pg(c))
        .unwrap()
        .n
}

#[tokio::test]
async fn job_texts_follow_inserts_failures_deletes_and_truncate_but_not_claims() {
    let t = TestDb::postgres().await.unwrap();
    t.db.run(|c| {
        let mut a = EnqueueRequest::new("texts", "noop");
        a.payload = serde_json::json!({ "doi": "10.5061/dryad.abc123" });
        let b = EnqueueRequest::new("texts", "noop");
        let ids: Vec<i64> = queue::enqueue_many(c, &[a, b])?
            .into_iter()
            .map(|e| e.job.id.0)
            .collect();
        assert_eq!(texts(c), 2);
        assert_eq!(searched(c, "dryad.abc123"), vec![ids[0]]);
        assert!(searched(c, "connection reset").is_empty());

        // A claim and a completion write new versions of the rows, not of their texts.
        let now = clock::now();
        let claimed = queue::claim(
            c,
            "texts",
            2,
            "w1",
            now,
            now + chrono::Duration::seconds(60),
        )?;
        assert_eq!(claimed.len(), 2);
        let before: Vec<(i64, i64)> = diesel::sql_query(
            "SELECT job_id AS n, xmin::text::bigint AS m FROM job_texts ORDER BY job_id",
        )
        .load::<XminRow>(pg(c))?
        .into_iter()
        .map(|r| (r.n, r.m))
        .collect();
        let second = claimed.iter().find(|j| j.id.0 == ids[1]).unwrap().clone();
        queue::complete_many(c, "w1", &[claimed[0].id], now)?;
        // A failure changes the last error: the search finds the job by it.
        let failure = Failure::Retry {
            error: "connection reset by peer".into(),
            retry_at: now,
        };
        queue::record_failures(c, "w1", &[(second, failure)], now)?;
        assert_eq!(searched(c, "connection reset"), vec![ids[1]]);
        let after: Vec<(i64, i64)> = diesel::sql_query(
            "SELECT job_id AS n, xmin::text::bigint AS m FROM job_texts ORDER BY job_id",
        )
        .load::<XminRow>(pg(c))?
        .into_iter()
        .map(|r| (r.n, r.m))
        .collect();
        assert_eq!(before[0], after[0], "a completion rewrote the job's text");
        assert_ne!(
            before[1], after[1],
            "a failure did not rewrite the job's text"
        );

        diesel::sql_query(format!("DELETE FROM jobs WHERE id = {}", ids[0])).execute(pg(c))?;
        assert_eq!(texts(c), 1);
        assert!(searched(c, "dryad.abc123").is_empty());
        diesel::sql_query("TRUNCATE jobs").execute(pg(c))?;
        assert_eq!(texts(c), 0);
        // Both at once, as a reset script might: job_texts is already being emptied.
        queue::enqueue_many(c, &[EnqueueRequest::new("texts", "noop")])?;
        diesel::sql_query("TRUNCATE jobs, job_texts").execute(pg(c))?;
        assert_eq!(texts(c), 0);
        Ok::<_, diesel::result::Error>(())
    })
    .await
    .unwrap();
}

#[derive(QueryableByName)]
struct XminRow {
    #[diesel(sql_type = BigInt)]
    n: i64,
    #[diesel(sql_type = BigInt)]
    m: i64,
}

#[tokio::test]
async fn a_text_search_on_postgres_can_use_the_trigram_index() {
    let t = TestDb::postgres().await.unwrap();
    let plan: Vec<String> =
        t.db.run(|c| {
            // Enough jobs, analyzed, for the planner to weigh reading them against the index.
            let reqs: Vec<EnqueueRequest> = (0..5_000)
                .map(|i| {
                    let mut r = EnqueueRequest::new("texts", "noop");
                    r.payload = serde_json::json!({ "doi": format!("10.5061/dryad.{i:05}") });
                    r
                })
                .collect();
            queue::enqueue_many(c, &reqs)?;
            let pg = pg(c);
            diesel::sql_query("ANALYZE job_texts").execute(pg)?;
            // 5,000 rows are cheaper to read whole (or along the primary key) than through
            // an index; forbid both to see whether an index can serve the search's shape.
            diesel::sql_query("SET enable_seqscan = off").execute(pg)?;
            diesel::sql_query("SET enable_indexscan = off").execute(pg)?;
            plan(
                pg,
                "EXPLAIN SELECT id FROM jobs WHERE id IN \
                 (SELECT job_id FROM job_texts WHERE body LIKE '%dryad.04321%' ESCAPE '\\')",
            )
        })
        .await
        .unwrap();
    let plan = plan.join("\n");
    assert!(plan.contains("job_texts_body_trgm"), "{plan}");
}

#[derive(QueryableByName)]
struct Options {
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    options: Option<String>,
}

/// Every search through the trigram index reads its whole pending list (entries not yet
/// merged into the index's tree); the index keeps that list short.
#[tokio::test]
async fn the_trigram_index_keeps_its_pending_list_short() {
    let t = TestDb::postgres().await.unwrap();
    let options =
        t.db.run(|c| {
            diesel::sql_query(
                "SELECT array_to_string(reloptions, ',') AS options FROM pg_class \
                 WHERE relname = 'job_texts_body_trgm'",
            )
            .get_result::<Options>(pg(c))
        })
        .await
        .unwrap();
    assert_eq!(
        options.options.as_deref(),
        Some("gin_pending_list_limit=512")
    );
}
