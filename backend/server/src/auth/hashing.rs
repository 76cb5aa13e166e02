//! Password hashing off the async runtime, on a few threads of its own.
//!
//! Each argon2 run takes about 19 MiB. Run on tokio's blocking pool, every login could land
//! on another of its many threads, and the allocator keeps each thread's freed buffer: the
//! server grew by ~19 MiB per thread used (309 MB after sequential logins, 1.8 GB under 240
//! concurrent ones). Here a fixed number of threads compute every hash (so at most that many
//! buffers ever exist) and a bounded queue holds the requests waiting for one; a request
//! that finds the queue full is refused at once (503) instead of piling up.

use std::sync::mpsc::{SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};

type Job = Box<dyn FnOnce() + Send + 'static>;

/// Threads that compute hashes.
pub const DEFAULT_HASH_THREADS: usize = 2;
/// Hash requests that may wait for a thread.
pub const DEFAULT_HASH_QUEUE: usize = 256;

/// Why a hash was not computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HashPoolError {
    #[error("too many sign-ins at once; try again in a moment")]
    Busy,
    #[error("the password hashing threads have stopped")]
    Stopped,
}

pub struct HashPool {
    tx: SyncSender<Job>,
}

impl HashPool {
    pub fn new(threads: usize, queue: usize) -> Self {
        let (tx, rx) = sync_channel::<Job>(queue);
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..threads.max(1) {
            let rx = rx.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("password-hash-{i}"))
                .spawn(move || {
                    loop {
                        let job = {
                            let guard = rx.lock().unwrap_or_else(|p| p.into_inner());
                            guard.recv()
                        };
                        match job {
                            Ok(job) => job(),
                            Err(_) => return,
                        }
                    }
                });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "cannot start a password hashing thread");
            }
        }
        HashPool { tx }
    }

    /// Runs `f` on a hashing thread and waits for its result.
    pub async fn run<T, F>(&self, f: F) -> Result<T, HashPoolError>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let (done, result) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = done.send(f());
        });
        match self.tx.try_send(job) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => return Err(HashPoolError::Busy),
            Err(TrySendError::Disconnected(_)) => return Err(HashPoolError::Stopped),
        }
        result.await.map_err(|_| HashPoolError::Stopped)
    }
}

impl Default for HashPool {
    fn default() -> Self {
        Self::new(DEFAULT_HASH_THREADS, DEFAULT_HASH_QUEUE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn at_most_the_pools_threads_hash_at_once_and_a_full_queue_is_busy() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let pool = Arc::new(HashPool::new(2, 16));
        let (now, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let mut tasks = Vec::new();
        for _ in 0..6 {
            let (pool, now, most) = (pool.clone(), now.clone(), most.clone());
            tasks.push(tokio::spawn(async move {
                pool.run(move || {
                    let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(n, Ordering::SeqCst);
                    std::thread::sleep(std::time::Duration::from_millis(50));
                    now.fetch_sub(1, Ordering::SeqCst);
                })
                .await
            }));
        }
        let results: Vec<_> = futures_util::future::join_all(tasks).await;
        assert!(most.load(Ordering::SeqCst) <= 2);
        assert!(results.iter().all(|r| r.as_ref().is_ok_and(|r| r.is_ok())));
        // One thread busy and a queue of one full: the next is refused at once.
        let pool = Arc::new(HashPool::new(1, 1));
        let mut blockers = Vec::new();
        for _ in 0..2 {
            let p = pool.clone();
            blockers.push(tokio::spawn(async move {
                p.run(|| std::thread::sleep(std::time::Duration::from_millis(300)))
                    .await
            }));
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(pool.run(|| ()).await, Err(HashPoolError::Busy));
        for b in blockers {
            assert_eq!(b.await.unwrap(), Ok(()));
        }
    }
}
