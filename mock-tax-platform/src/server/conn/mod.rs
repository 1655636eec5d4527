//! Serving one TCP connection, with a per-connection handle that can cut it off
//! with a TCP reset, a header-read timeout, graceful shutdown, and a lingering
//! close (`linger`). The connection costs one file descriptor (`shared`).

mod linger;
mod shared;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::Request;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpStream;
use tokio::sync::{watch, Notify};

use crate::wire::respond::Response;

/// Control over the connection a request arrived on; the handler gets one with every
/// request. Faults that make the peer see "connection reset by peer" use it.
#[derive(Debug, Clone)]
pub struct ConnHandle {
    inner: Arc<ConnInner>,
}

#[derive(Debug)]
struct ConnInner {
    peer: SocketAddr,
    /// The socket hyper serves (the same descriptor, not a copy), so linger can be
    /// set and the peer watched from outside the serving future. Taken when the
    /// connection ends, so a handle kept elsewhere does not keep the socket open.
    socket: Mutex<Option<Arc<TcpStream>>>,
    abort: Notify,
}

impl ConnHandle {
    fn new(stream: Arc<TcpStream>, peer: SocketAddr) -> Self {
        ConnHandle {
            inner: Arc::new(ConnInner {
                peer,
                socket: Mutex::new(Some(stream)),
                abort: Notify::new(),
            }),
        }
    }

    /// Cuts the connection off with a TCP RST: sets SO_LINGER 0, lets go of this
    /// handle's reference and aborts the serving future (which drops the last one).
    /// Nothing more is sent; the handler calling this should then await
    /// `std::future::pending()` — its future is dropped with the connection.
    pub fn reset(&self) {
        if let Some(socket) = self.take_socket() {
            if let Err(err) = socket2::SockRef::from(&*socket).set_linger(Some(Duration::ZERO)) {
                tracing::warn!(error = %err, peer = %self.inner.peer, "cannot set SO_LINGER 0");
            }
        }
        self.inner.abort.notify_one();
    }

    /// Resolves when the client closes its side of the connection (or resets it);
    /// never, if that cannot be watched. Only peeks: nothing is consumed.
    pub async fn closed_by_peer(&self) {
        let shared = self
            .inner
            .socket
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let Some(stream) = shared else {
            return std::future::pending().await;
        };
        let mut byte = [0u8; 1];
        loop {
            match stream.peek(&mut byte).await {
                Ok(0) | Err(_) => return,
                // A pipelined request is waiting; it says nothing about closing.
                Ok(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    }

    fn take_socket(&self) -> Option<Arc<TcpStream>> {
        self.inner
            .socket
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
    }

    async fn aborted(&self) {
        self.inner.abort.notified().await;
    }
}

/// Resolves once `rx` says shutdown has started (or its sender is gone).
pub async fn stopping(rx: &mut watch::Receiver<bool>) {
    // The guard `wait_for` returns is not `Send`; drop it here.
    let _ = rx.wait_for(|stop| *stop).await;
}

/// Per-connection settings.
#[derive(Debug, Clone, Copy)]
pub struct ConnSettings {
    /// Time allowed for a request's headers to arrive.
    pub header_read_timeout: Duration,
}

/// Serves HTTP/1.1 on `stream` until the peer closes, the connection is reset
/// through its [`ConnHandle`], or shutdown starts (then in-flight requests finish
/// and the connection closes).
pub async fn serve<F, Fut>(
    stream: TcpStream,
    peer: SocketAddr,
    settings: ConnSettings,
    mut shutdown: watch::Receiver<bool>,
    handler: F,
) where
    F: Fn(Request<Incoming>, ConnHandle) -> Fut + Send + 'static,
    Fut: Future<Output = Response> + Send + 'static,
{
    if let Err(err) = stream.set_nodelay(true) {
        tracing::debug!(error = %err, "cannot set TCP_NODELAY");
    }
    let stream = Arc::new(stream);
    let handle = ConnHandle::new(Arc::clone(&stream), peer);
    let request_handle = handle.clone();
    // The handle goes to the handler as an argument: request extensions would cost
    // an allocation per request.
    let service = service_fn(move |req: Request<Incoming>| {
        let answer = handler(req, request_handle.clone());
        async move { Ok::<_, std::convert::Infallible>(answer.await) }
    });
    let conn = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(settings.header_read_timeout)
        .serve_connection(TokioIo::new(shared::SharedStream(stream)), service);
    tokio::pin!(conn);
    let mut draining = *shutdown.borrow();
    if draining {
        conn.as_mut().graceful_shutdown();
    }
    loop {
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(err) = result {
                    tracing::debug!(error = %err, %peer, "connection ended with an error");
                }
                break;
            }
            () = handle.aborted() => {
                tracing::debug!(%peer, "connection reset on purpose");
                break;
            }
            () = stopping(&mut shutdown), if !draining => {
                draining = true;
                conn.as_mut().graceful_shutdown();
            }
        }
    }
    // After a reset the socket is already taken; otherwise close it gently.
    // (The finished `conn` holds the other reference; the socket closes when both go.)
    if let Some(socket) = handle.take_socket() {
        linger::close(socket).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{ErrorKind, Read, Write};

    #[tokio::test]
    async fn reset_makes_the_peer_see_connection_reset() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (_stop, shutdown) = watch::channel(false);
        let server = tokio::spawn(async move {
            let (stream, peer) = listener.accept().await.unwrap();
            let settings = ConnSettings {
                header_read_timeout: Duration::from_secs(5),
            };
            serve(
                stream,
                peer,
                settings,
                shutdown,
                |_req: Request<Incoming>, conn: ConnHandle| async move {
                    conn.reset();
                    std::future::pending::<Response>().await
                },
            )
            .await;
        });
        let client = tokio::task::spawn_blocking(move || {
            let mut stream = std::net::TcpStream::connect(addr).unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(10)))
                .unwrap();
            stream
                .write_all(b"GET /v1/status HTTP/1.1\r\nHost: x\r\n\r\n")
                .unwrap();
            let mut buf = [0u8; 64];
            stream.read(&mut buf).map_err(|e| e.kind())
        });
        let read = client.await.unwrap();
        server.await.unwrap();
        assert_eq!(read, Err(ErrorKind::ConnectionReset));
    }
}
