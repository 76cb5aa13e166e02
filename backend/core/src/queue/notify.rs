//! PostgreSQL only: LISTEN/NOTIFY so idle workers pick up new jobs at once.
//!
//! Other backends rely on polling; a notification is only ever a hint to claim sooner.

use std::time::Duration;

use diesel::prelude::*;
use diesel::sql_types::Text;
use tokio::sync::mpsc;

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
