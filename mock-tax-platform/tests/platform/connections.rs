//! What one connection may cost the platform: descriptors, time to send a body,
//! and how an early answer reaches a client that is still sending.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use mock_tax_platform::Config;

use crate::common::*;

/// Connects, sends `head` and then `body`, and reads until the platform closes the
/// connection. A client that fails to send its request never reads the answer
/// (Python's `http.client` raises at once), so a failed write is an error too.
fn send_and_read(addr: SocketAddr, head: &str, body: &[u8]) -> std::io::Result<String> {
    let mut stream = TcpStream::connect(addr)?;
    // A small send buffer, as over a real network: loopback's would swallow the
    // whole body without the platform reading any of it.
    socket2::SockRef::from(&stream).set_send_buffer_size(16 * 1024)?;
    stream.set_read_timeout(Some(Duration::from_secs(20)))?;
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer)?;
    Ok(String::from_utf8_lossy(&answer).into_owned())
}

#[tokio::test]
async fn a_body_that_stops_arriving_gets_408_with_the_envelope_and_the_connection_closes() {
    let config = Config {
        body_read_timeout: Duration::from_millis(200),
        ..two_sellers()
    };
    let platform = start(config).await;
    let addr = platform.addr();
    let head = format!(
        "POST /v1/invoices HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {TOKEN}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n"
    );
    // Ten of the hundred bytes, then nothing: the connection stays open on our side.
    let answer = tokio::task::spawn_blocking(move || send_and_read(addr, &head, b"{\"number\""))
        .await
        .unwrap()
        .expect("the platform answers and closes instead of waiting for the body");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"code\":\"REQUEST_TIMEOUT\""), "{answer}");
    assert!(answer.contains("\"timeout_ms\":200"), "{answer}");
}

#[tokio::test]
async fn a_client_still_sending_an_oversized_body_reads_the_413_not_a_reset() {
    let config = Config {
        body_limit: 1024,
        ..two_sellers()
    };
    let platform = start(config).await;
    let addr = platform.addr();
    // As a client that writes the whole body before reading (Python's urllib does).
    let body = vec![b' '; 2 * 1024 * 1024];
    let head = format!(
        "POST /v1/invoices HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {TOKEN}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    // A reset is a race; a few rounds make losing it on the old behaviour all but certain.
    for round in 0..3 {
        let (head, body) = (head.clone(), body.clone());
        let answer = tokio::task::spawn_blocking(move || send_and_read(addr, &head, &body))
            .await
            .unwrap();
        let answer = answer.unwrap_or_else(|err| panic!("round {round}: {err}"));
        assert!(
            answer.starts_with("HTTP/1.1 413"),
            "round {round}: {answer}"
        );
        assert!(
            answer.contains("PAYLOAD_TOO_LARGE"),
            "round {round}: {answer}"
        );
    }
}

/// The socket inodes of the platform's side of established connections to `port`,
/// from `/proc/net/tcp` (loopback IPv4).
#[cfg(target_os = "linux")]
fn server_side_inodes(port: u16) -> Vec<String> {
    let table = std::fs::read_to_string("/proc/net/tcp").unwrap();
    let local_port = format!(":{port:04X}");
    table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            // local_address, state 01 = ESTABLISHED, inode.
            (fields.len() > 9 && fields[1].ends_with(&local_port) && fields[3] == "01")
                .then(|| fields[9].to_owned())
        })
        .collect()
}

/// How many of this process's descriptors refer to one of `inodes`.
#[cfg(target_os = "linux")]
fn descriptors_on(inodes: &[String]) -> usize {
    let wanted: std::collections::HashSet<String> =
        inodes.iter().map(|i| format!("socket:[{i}]")).collect();
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|entry| std::fs::read_link(entry.ok()?.path()).ok())
        .filter(|target| wanted.contains(&target.to_string_lossy().into_owned()))
        .count()
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn an_open_connection_costs_the_platform_one_descriptor() {
    const CONNECTIONS: usize = 20;
    let platform = start(two_sellers()).await;
    let addr = platform.addr();
    // Each connection is answered once, so the platform has taken it up; all stay open.
    let clients = tokio::task::spawn_blocking(move || {
        (0..CONNECTIONS)
            .map(|_| {
                let mut stream = TcpStream::connect(addr).unwrap();
                stream
                    .set_read_timeout(Some(Duration::from_secs(20)))
                    .unwrap();
                stream
                    .write_all(
                        format!("GET /v1/status HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes(),
                    )
                    .unwrap();
                let mut answer = [0u8; 12];
                stream.read_exact(&mut answer).unwrap();
                assert_eq!(&answer, b"HTTP/1.1 200");
                stream
            })
            .collect::<Vec<_>>()
    })
    .await
    .unwrap();
    let inodes = server_side_inodes(addr.port());
    assert_eq!(inodes.len(), CONNECTIONS, "{inodes:?}");
    assert_eq!(descriptors_on(&inodes), CONNECTIONS);
    drop(clients);
}
