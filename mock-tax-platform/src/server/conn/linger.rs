//! Lingering close: when the platform answers before reading the whole request
//! (a 413 for a declared oversized body, a 401 before the body, a 408 for a slow
//! one), the unread bytes in the socket would make the kernel answer the close
//! with a TCP reset, and a reset can destroy the answer before the client reads
//! it. As nginx's `lingering_close` does, the platform sends FIN and reads and
//! discards what the client is still sending, for a bounded time and amount.
//! A client that reads the FIN and closes (as HTTP client pools do) ends the
//! lingering at once.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpStream;
use tokio::time::Instant;

use super::shared::shutdown_write;

/// Longest wait for the next bytes of a client still sending.
const LINGER_IDLE: Duration = Duration::from_millis(500);
/// Longest the platform lingers on one connection in all.
const LINGER_FOR: Duration = Duration::from_secs(2);
/// Most bytes the platform discards for one connection.
const LINGER_BYTES: usize = 8 * 1024 * 1024;

/// Closes `stream` after hyper is done with it. A connection the peer already
/// closed closes at once; any other lingers (see the module doc). An empty buffer
/// does not prove the client is done: it may be between two writes.
pub async fn close(stream: Arc<TcpStream>) {
    let first = match stream.try_read(&mut [0u8; 512]) {
        Ok(0) => return,
        Ok(n) => n,
        Err(err) if err.kind() == io::ErrorKind::WouldBlock => 0,
        Err(_) => return,
    };
    if shutdown_write(&stream).is_err() {
        return;
    }
    let mut buf = vec![0u8; 64 * 1024];
    let deadline = Instant::now() + LINGER_FOR;
    let mut discarded = first;
    while discarded < LINGER_BYTES {
        let wait = LINGER_IDLE.min(deadline.saturating_duration_since(Instant::now()));
        match tokio::time::timeout(wait, read_some(&stream, &mut buf)).await {
            Ok(Ok(n)) if n > 0 => discarded += n,
            // The peer closed, failed, or went quiet: close now.
            _ => break,
        }
    }
    tracing::debug!(discarded, "lingering close done");
}

async fn read_some(stream: &TcpStream, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        stream.readable().await?;
        match stream.try_read(buf) {
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => continue,
            read => return read,
        }
    }
}
