//! Graceful shutdown: in-flight requests finish, new connections are refused.

use std::io::{Read, Write};
use std::time::Duration;

use crate::common::*;

#[tokio::test]
async fn graceful_shutdown_finishes_an_upload_whose_body_is_still_arriving() {
    let platform = start(two_sellers()).await;
    let addr = platform.addr();
    let control = platform.control_url();
    let body = serde_json::to_vec(&invoice(SELLER, "INV-1")).unwrap();
    let (head, tail) = body.split_at(body.len() / 2);
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let request_head = format!(
        "POST /v1/invoices HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {TOKEN}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(request_head.as_bytes()).unwrap();
    stream.write_all(head).unwrap();

    // Connections are accepted in order, so once a probe on a second connection is
    // answered the platform has taken up the upload and is waiting for its body.
    let probe = reqwest::get(format!("{control}/v1/status")).await.unwrap();
    assert_eq!(probe.status(), 200);

    let stopping = tokio::spawn(platform.shutdown());
    // Shutdown is under way once new connections are refused.
    loop {
        match tokio::net::TcpStream::connect(addr).await {
            Err(_) => break,
            Ok(_) => tokio::task::yield_now().await,
        }
    }
    assert!(!stopping.is_finished(), "shutdown must wait for the upload");

    let tail = tail.to_vec();
    let response = tokio::task::spawn_blocking(move || {
        stream.write_all(&tail).unwrap();
        let mut buf = Vec::new();
        let _ = stream.read_to_end(&mut buf);
        String::from_utf8_lossy(&buf).into_owned()
    })
    .await
    .unwrap();
    assert!(response.starts_with("HTTP/1.1 201"), "{response}");
    assert!(response.contains("\"ISSUED\""), "{response}");
    stopping.await.unwrap();
}

#[tokio::test]
async fn shutdown_returns_promptly_with_idle_keep_alive_connections_open() {
    let platform = start(two_sellers()).await;
    let api = Api::new(&platform, Some(TOKEN));
    // reqwest keeps this connection alive in its pool.
    api.upload(&invoice(SELLER, "INV-1")).await;
    tokio::time::timeout(Duration::from_secs(30), platform.shutdown())
        .await
        .expect("idle connections must not hold shutdown up");
    let refused = reqwest::Client::new()
        .get(format!("{}/v1/status", api.base))
        .send()
        .await;
    assert!(refused.is_err() || refused.unwrap().status() != 200);
}

#[tokio::test]
async fn dropping_the_platform_stops_it() {
    expect_to_stop_when_dropped(start(two_sellers()).await).await;
}

/// Once dropped, the platform refuses new connections.
pub async fn expect_to_stop_when_dropped(platform: mock_tax_platform::Platform) {
    let addr = platform.addr();
    drop(platform);
    loop {
        match tokio::net::TcpStream::connect(addr).await {
            Err(_) => break,
            Ok(_) => tokio::task::yield_now().await,
        }
    }
}
