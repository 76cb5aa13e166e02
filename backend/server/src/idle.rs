//! A reader that fails when no byte arrives for a while: a request body that stalls is cut
//! (the request fails as a 400) instead of holding its connection and handler.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, ReadBuf};
use tokio::time::{Instant, Sleep};

pub struct IdleRead<R> {
    inner: R,
    idle: Duration,
    deadline: Pin<Box<Sleep>>,
}

impl<R> IdleRead<R> {
    pub fn new(inner: R, idle: Duration) -> Self {
        IdleRead {
            inner,
            idle,
            deadline: Box::pin(tokio::time::sleep(idle)),
        }
    }
}

impl<R: AsyncRead + Unpin> AsyncRead for IdleRead<R> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(r) => {
                let next = Instant::now() + this.idle;
                this.deadline.as_mut().reset(next);
                Poll::Ready(r)
            }
            Poll::Pending => match this.deadline.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!(
                        "the request body stalled: no byte for {} s",
                        this.idle.as_secs()
                    ),
                ))),
                Poll::Pending => Poll::Pending,
            },
        }
    }
}
