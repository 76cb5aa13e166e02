//! Wake-ups that let idle workers pick up new jobs at once instead of at their next poll.
//!
//! - PostgreSQL: LISTEN/NOTIFY ([`listen`]); every enqueue notifies its queue.
//! - SQLite: [`watch_sqlite`] reads the file's `PRAGMA data_version` every
//!   [`SQLITE_WATCH_EVERY`] (a look at the WAL index in shared memory: no disk read, no
//!   lock, nothing for an idle file) and, when another connection committed, which queues
//!   got jobs with a higher id.
//! - MariaDB / MySQL: nothing comes without asking the server, so workers poll (the
//!   worker's poll interval bounds their pick-up).
//!
//! A wake-up is only ever a hint to claim sooner; polling still finds everything.

use std::time::Duration;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use tokio::sync::mpsc;

use crate::db::{DbConn, DbUrl};

/// The channel every enqueue notifies, with the queue name as payload.
pub const CHANNEL: &str = "longjobs_jobs";

/// Sends the wake-up for `queue` (PostgreSQL only).
pub fn notify_queue(conn: &mut PgConnection, queue: &str) -> QueryResult<()> {
    diesel::sql_query("SELECT pg_notify($1, $2)")
        .bind::<Text, _>(CHANNEL)
        .bind::<Text, _>(queue)
        .execute(conn)
        .map(|_| ())
}

/// Listens on [`CHANNEL`] and forwards each queue name to `tx`, reconnecting after errors
/// until `tx` is closed. Runs for the life of a worker (PostgreSQL only).
pub async fn listen(url: String, tx: mpsc::UnboundedSender<String>) {
    let mut backoff = Duration::from_millis(200);
    while !tx.is_closed() {
        match listen_once(&url, &tx).await {
            Ok(()) => return,
            Err(e) => {
                tracing::warn!(error = %e, "job notification listener lost its connection; polling until it is back");
                // A reconnect may have missed notifications: wake every producer once.
                let _ = tx.send(String::new());
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
        }
    }
}

async fn listen_once(
    url: &str,
    tx: &mpsc::UnboundedSender<String>,
) -> Result<(), tokio_postgres::Error> {
    let (client, mut connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
    let (note_tx, mut note_rx) = mpsc::unbounded_channel();
    let driver = tokio::spawn(async move {
        while let Some(msg) = std::future::poll_fn(|cx| connection.poll_message(cx)).await {
            let forward = match msg {
                Ok(tokio_postgres::AsyncMessage::Notification(n)) => Ok(n.payload().to_string()),
                Ok(_) => continue,
                Err(e) => Err(e),
            };
            let failed = forward.is_err();
            if note_tx.send(forward).is_err() || failed {
                break;
            }
        }
    });
    client.batch_execute(&format!("LISTEN {CHANNEL}")).await?;
    tracing::debug!("listening for job notifications");
    let result = loop {
        tokio::select! {
            note = note_rx.recv() => match note {
                Some(Ok(queue)) => { if tx.send(queue).is_err() { break Ok(()); } }
                Some(Err(e)) => break Err(e),
                None => break Ok(()),
            },
            () = tx.closed() => break Ok(()),
        }
    };
    driver.abort();
    result
}

/// How often [`watch_sqlite`] looks at the file's data version.
pub const SQLITE_WATCH_EVERY: Duration = Duration::from_millis(5);

/// SQLite only: forwards to `tx` the queue of each job another connection (a server, a
/// worker, this process's own pool) inserts into the file `url` names, on a thread of its
/// own, until `tx` is closed. An empty name (wake every queue) is sent after the watcher
/// could not read the file, as [`listen`] does after a reconnect.
pub fn watch_sqlite(url: DbUrl, tx: mpsc::UnboundedSender<String>) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("longjobs-sqlite-watch".into())
        .spawn(move || watch_sqlite_blocking(&url, &tx))
        .map(|_| ())
}

#[derive(QueryableByName)]
struct DataVersion {
    #[diesel(sql_type = BigInt)]
    data_version: i64,
}

#[derive(QueryableByName)]
struct NewJobs {
    #[diesel(sql_type = Text)]
    queue: String,
    #[diesel(sql_type = BigInt)]
    last_id: i64,
}

#[derive(QueryableByName)]
struct LastId {
    #[diesel(sql_type = BigInt)]
    last_id: i64,
}

fn watch_sqlite_blocking(url: &DbUrl, tx: &mpsc::UnboundedSender<String>) {
    let mut backoff = Duration::from_millis(200);
    let mut conn = None;
    // The data version and the highest job id seen; `None` until read (then nothing is
    // announced: the worker claims once when it starts anyway).
    let mut seen: Option<(i64, i64)> = None;
    while !tx.is_closed() {
        let c = match conn.as_mut() {
            Some(c) => c,
            None => match DbConn::establish(url) {
                Ok(c) => conn.insert(c),
                Err(e) => {
                    tracing::warn!(error = %e, "the SQLite watcher cannot open the file; polling until it can");
                    std::thread::sleep(backoff);
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                    continue;
                }
            },
        };
        match look(c, seen) {
            Ok((now, queues)) => {
                backoff = Duration::from_millis(200);
                seen = Some(now);
                for q in queues {
                    if tx.send(q).is_err() {
                        return;
                    }
                }
                std::thread::sleep(SQLITE_WATCH_EVERY);
            }
            Err(e) => {
                tracing::warn!(error = %e, "the SQLite watcher could not read the file; polling until it can");
                conn = None;
                seen = None;
                let _ = tx.send(String::new());
                std::thread::sleep(backoff);
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
        }
    }
}

/// The data version and highest job id now, and the queues that got jobs since `seen`.
fn look(conn: &mut DbConn, seen: Option<(i64, i64)>) -> QueryResult<((i64, i64), Vec<String>)> {
    let DbConn::Sqlite(c) = conn else {
        return Err(diesel::result::Error::QueryBuilderError(
            "the SQLite watcher needs a SQLite connection".into(),
        ));
    };
    let version = diesel::sql_query("PRAGMA data_version")
        .get_result::<DataVersion>(c)?
        .data_version;
    match seen {
        Some((v, last)) if v == version => Ok(((version, last), Vec::new())),
        Some((_, last)) => {
            let new: Vec<NewJobs> = diesel::sql_query(
                "SELECT queue, MAX(id) AS last_id FROM jobs WHERE id > ? GROUP BY queue",
            )
            .bind::<BigInt, _>(last)
            .load(c)?;
            // Job ids only grow (AUTOINCREMENT: a pruned id is never given again).
            let last = new.iter().map(|n| n.last_id).max().unwrap_or(last);
            Ok(((version, last), new.into_iter().map(|n| n.queue).collect()))
        }
        None => Ok(((version, highest_id(c)?), Vec::new())),
    }
}

fn highest_id(c: &mut diesel::SqliteConnection) -> QueryResult<i64> {
    Ok(
        diesel::sql_query("SELECT COALESCE(MAX(id), 0) AS last_id FROM jobs")
            .get_result::<LastId>(c)?
            .last_id,
    )
}
