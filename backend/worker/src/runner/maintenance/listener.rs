//! PostgreSQL only: LISTEN for new-job notifications and wake the producer of each queue
//! named, so an idle worker picks up new work at once instead of at its next poll.

use std::sync::Arc;

use longjobs_core::queue;
use tokio::sync::mpsc;

use crate::runner::shared::Shared;

/// Wakes the producer of each queue named in a notification (every producer for an empty
/// name) until the listening task ends.
pub(crate) async fn listen(shared: Arc<Shared>, url: String) {
    let (tx, mut rx) = mpsc::unbounded_channel();
    tokio::spawn(queue::notify::listen(url, tx));
    while let Some(q) = rx.recv().await {
        match shared.wake.get(&q) {
            Some(w) => w.notify_one(),
            None if q.is_empty() => shared.wake_all(),
            None => {}
        }
    }
}
