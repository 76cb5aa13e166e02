//! Wake the producer of each queue that got a new job, so an idle worker picks it up at once
//! instead of at its next poll: PostgreSQL's notifications, or the SQLite file's watcher
//! (MariaDB has neither: its workers poll).

use std::sync::Arc;

use longjobs_core::DbUrl;
use longjobs_core::queue;
use tokio::sync::mpsc;

use crate::runner::shared::Shared;

/// Wakes the producer of each queue named in a notification (every producer for an empty
/// name) until the listening task ends.
pub(crate) async fn listen(shared: Arc<Shared>, url: DbUrl) {
    let (tx, mut rx) = mpsc::unbounded_channel();
    match url {
        DbUrl::Postgres(url) => {
            tokio::spawn(queue::notify::listen(url, tx));
        }
        DbUrl::Sqlite(_) => {
            if let Err(e) = queue::notify::watch_sqlite(url, tx) {
                tracing::warn!(error = %e, "cannot start the SQLite watcher; polling only");
                return;
            }
        }
        DbUrl::Mysql(_) => return,
    }
    while let Some(q) = rx.recv().await {
        match shared.wake.get(&q) {
            Some(w) => w.notify_one(),
            None if q.is_empty() => shared.wake_all(),
            None => {}
        }
    }
}
