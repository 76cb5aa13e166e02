//! Searching jobs by text on PostgreSQL is served by the trigram indexes of the payload and
//! the last error, so `GET /api/jobs?q=…` need not read a million rows.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests and their helpers unwrap: the panic is the failure report"
)]

use diesel::QueryableByName;
use diesel::prelude::*;
use diesel::sql_types::Text;
use longjobs_core::DbConn;
use longjobs_core::testing::TestDb;

#[derive(QueryableByName)]
struct PlanLine {
    #[diesel(sql_type = Text, column_name = "QUERY PLAN")]
    line: String,
}

#[tokio::test]
async fn a_text_search_on_postgres_can_use_the_trigram_indexes() {
    let t = TestDb::postgres().await.unwrap();
    let plan: Vec<String> =
        t.db.run(|c| {
            let DbConn::Postgres(pg) = c else {
                unreachable!("a PostgreSQL test database")
            };
            // A small table would be read whole anyway; forbid that to see whether an
            // index can serve the search's shape (the same as the job list's `q` filter).
            diesel::sql_query("SET enable_seqscan = off").execute(pg)?;
            diesel::sql_query(
                "EXPLAIN SELECT id FROM jobs \
                 WHERE payload LIKE '%connection reset%' ESCAPE '\\' \
                 OR last_error LIKE '%connection reset%' ESCAPE '\\'",
            )
            .load::<PlanLine>(pg)
            .map(|rows| rows.into_iter().map(|r| r.line).collect())
        })
        .await
        .unwrap();
    let plan = plan.join("\n");
    assert!(plan.contains("jobs_last_error_trgm"), "{plan}");
    assert!(plan.contains("jobs_payload_trgm"), "{plan}");
}
