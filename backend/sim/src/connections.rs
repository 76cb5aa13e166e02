//! Connections a fault can kill: an acceptor that registers every accepted TCP stream by its
//! peer address, and a stream wrapper whose reads and writes fail once killed.
//!
//! To "drop" a request, the fault injection kills the connection the request came on and
//! answers anything: hyper's first write of that answer fails, it closes the socket, and the
//! client sees the connection closed without a status line (reqwest: a request error).

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use poem::http::uri::Scheme;
use poem::listener::{Acceptor, TcpAcceptor};
use poem::web::{LocalAddr, RemoteAddr};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// Open connections by peer address.
#[derive(Debug, Default)]
pub struct ConnectionRegistry {
    switches: Mutex<HashMap<SocketAddr, Arc<AtomicBool>>>,
}

impl ConnectionRegistry {
    fn switches(&self) -> std::sync::MutexGuard<'_, HashMap<SocketAddr, Arc<AtomicBool>>> {
        // Map operations cannot leave the map half-changed: a poisoned lock is still usable.
        self.switches.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn register(self: &Arc<Self>, peer: SocketAddr) -> KillSwitch {
        let flag = Arc::new(AtomicBool::new(false));
        self.switches().insert(peer, Arc::clone(&flag));
        KillSwitch {
            peer,
            flag,
            registry: Arc::clone(self),
        }
    }

    /// Kills the connection from `peer`; false when there is none.
    pub fn kill(&self, peer: SocketAddr) -> bool {
        match self.switches().get(&peer) {
            Some(flag) => {
                flag.store(true, Ordering::SeqCst);
                true
            }
            None => false,
        }
    }
}

/// The registry entry of one connection; removes itself when the connection is gone.
#[derive(Debug)]
struct KillSwitch {
    peer: SocketAddr,
    flag: Arc<AtomicBool>,
    registry: Arc<ConnectionRegistry>,
}

impl Drop for KillSwitch {
    fn drop(&mut self) {
        let mut switches = self.registry.switches();
        if switches
            .get(&self.peer)
            .is_some_and(|flag| Arc::ptr_eq(flag, &self.flag))
        {
            switches.remove(&self.peer);
        }
    }
}

/// A TCP stream that fails every read and write once its switch is thrown.
#[derive(Debug)]
pub struct KillableStream {
    inner: TcpStream,
    switch: KillSwitch,
}

impl KillableStream {
    fn killed(&self) -> Option<io::Error> {
        self.switch.flag.load(Ordering::SeqCst).then(|| {
            io::Error::new(
                io::ErrorKind::ConnectionAborted,
                "connection dropped by a simulated fault",
            )
        })
    }
}

impl AsyncRead for KillableStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if let Some(error) = self.killed() {
            return Poll::Ready(Err(error));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for KillableStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if let Some(error) = self.killed() {
            return Poll::Ready(Err(error));
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Some(error) = self.killed() {
            return Poll::Ready(Err(error));
        }
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// A TCP acceptor registering each connection in a [`ConnectionRegistry`].
pub struct KillableAcceptor {
    inner: TcpAcceptor,
    registry: Arc<ConnectionRegistry>,
}

impl KillableAcceptor {
    /// Wraps `inner`, registering into `registry`.
    pub fn new(inner: TcpAcceptor, registry: Arc<ConnectionRegistry>) -> Self {
        Self { inner, registry }
    }
}

impl Acceptor for KillableAcceptor {
    type Io = KillableStream;

    fn local_addr(&self) -> Vec<LocalAddr> {
        self.inner.local_addr()
    }

    async fn accept(&mut self) -> io::Result<(Self::Io, LocalAddr, RemoteAddr, Scheme)> {
        let (inner, local, remote, scheme) = self.inner.accept().await?;
        let peer = remote.as_socket_addr().copied().ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "a TCP peer without a socket address",
            )
        })?;
        let switch = self.registry.register(peer);
        Ok((KillableStream { inner, switch }, local, remote, scheme))
    }
}
