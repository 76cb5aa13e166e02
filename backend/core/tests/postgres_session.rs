//! What every PostgreSQL connection longjobs opens sets up for its session, and why: the
//! plans of its short statements must not be compiled.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests and their helpers unwrap: the panic is the failure report"
)]

use diesel::QueryableByName;
use diesel::prelude::*;
use diesel::sql_types::Text;
use longjobs_core::clock;
use longjobs_core::queue;
use longjobs_core::testing::{TestDb, pg, plan};

#[derive(QueryableByName)]
struct Setting {
    #[diesel(sql_type = Text)]
    jit: String,
}

/// A backlog of runnable jobs, analyzed (as autovacuum soon would), makes the claim's
/// estimated cost pass PostgreSQL's JIT thresholds; a compiled claim of a few jobs took
/// half a second. The connection turns JIT off, and the claim stays quick.
#[tokio::test]
async fn claims_over_an_analyzed_backlog_are_not_jit_compiled() {
    let t = TestDb::postgres().await.unwrap();
    let (jit, plan, claimed) =
        t.db.run(|c| {
            let jit = diesel::sql_query("SHOW jit")
                .get_result::<Setting>(pg(c))?
                .jit;
            diesel::sql_query(
                "INSERT INTO jobs (queue, kind, payload, state, run_at, created_at) \
                 SELECT 'backlog', 'noop', '{}', 'available', now()::timestamp, now()::timestamp \
                 FROM generate_series(1, 100000)",
            )
            .execute(pg(c))?;
            diesel::sql_query("ANALYZE jobs").execute(pg(c))?;
            // The claim's picking query, as the planner costs it over this backlog.
            let plan = plan(
                pg(c),
                "EXPLAIN (ANALYZE) SELECT j.id FROM jobs j WHERE j.queue = 'backlog' \
                   AND j.state IN ('scheduled', 'available', 'retryable') \
                   AND j.run_at <= now()::timestamp \
                   AND NOT EXISTS (SELECT 1 FROM queues q WHERE q.name = j.queue AND q.paused) \
                   AND (j.ordering_key IS NULL OR NOT EXISTS (SELECT 1 FROM jobs e \
                        WHERE e.ordering_key = j.ordering_key AND e.id < j.id \
                          AND e.state NOT IN ('completed', 'cancelled'))) \
                 ORDER BY j.priority DESC, j.run_at, j.id LIMIT 24 FOR UPDATE OF j SKIP LOCKED",
            )?;
            let now = clock::now();
            let claimed = queue::claim(
                c,
                "backlog",
                24,
                "w1",
                now,
                now + chrono::Duration::seconds(60),
            )?;
            Ok::<_, diesel::result::Error>((jit, plan.join("\n"), claimed.len()))
        })
        .await
        .unwrap();
    assert_eq!(jit, "off");
    assert!(!plan.contains("JIT"), "{plan}");
    assert_eq!(claimed, 24);
}
