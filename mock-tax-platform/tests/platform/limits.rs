//! Bounded input: body limit, malformed JSON, unknown routes and methods, header timeout.

use std::io::Read;
use std::time::Duration;

use mock_tax_platform::Config;

use crate::common::*;

#[tokio::test]
async fn a_body_over_the_limit_is_413_with_the_envelope() {
    let config = Config {
        body_limit: 1024,
        ..two_sellers()
    };
    let platform = start(config).await;
    let api = Api::new(&platform, Some(TOKEN));
    let mut big = invoice(SELLER, "INV-1");
    big.buyer_name = "x".repeat(2000);
    let body = expect_error(api.upload(&big).await, 413, "PAYLOAD_TOO_LARGE").await;
    assert_eq!(body["details"]["limit_bytes"], 1024);
}

#[tokio::test]
async fn a_chunked_body_over_the_limit_is_413_too() {
    let config = Config {
        body_limit: 1024,
        ..two_sellers()
    };
    let platform = start(config).await;
    let addr = platform.addr();
    let response = tokio::task::spawn_blocking(move || {
        let mut request = format!(
            "POST /v1/invoices HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {TOKEN}\r\n\
             Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        )
        .into_bytes();
        for _ in 0..4 {
            request.extend_from_slice(b"200\r\n");
            request.extend_from_slice(&[b' '; 512]);
            request.extend_from_slice(b"\r\n");
        }
        request.extend_from_slice(b"0\r\n\r\n");
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        std::io::Write::write_all(&mut stream, &request).unwrap();
        let mut buf = Vec::new();
        let _ = stream.read_to_end(&mut buf);
        String::from_utf8_lossy(&buf).into_owned()
    })
    .await
    .unwrap();
    assert!(response.starts_with("HTTP/1.1 413"), "{response}");
    assert!(response.contains("PAYLOAD_TOO_LARGE"), "{response}");
}

#[tokio::test]
async fn malformed_json_is_400_naming_line_and_column() {
    let platform = start(two_sellers()).await;
    let api = Api::new(&platform, Some(TOKEN));
    let body = expect_error(
        api.post_raw("/v1/invoices", "{\n  \"number\": \"1\",\n  oops\n}")
            .await,
        400,
        "VALIDATION_FAILED",
    )
    .await;
    assert_eq!(body["details"]["line"], 3);
    assert_eq!(body["details"]["column"], 3);
    assert!(body["message"].as_str().unwrap().contains("line 3"));
}

#[tokio::test]
async fn an_empty_body_is_400() {
    let platform = start(two_sellers()).await;
    let api = Api::new(&platform, Some(TOKEN));
    expect_error(
        api.post_raw("/v1/invoices", "").await,
        400,
        "VALIDATION_FAILED",
    )
    .await;
}

#[tokio::test]
async fn an_unknown_field_is_400_naming_it() {
    let platform = start(two_sellers()).await;
    let api = Api::new(&platform, Some(TOKEN));
    let mut value = serde_json::to_value(invoice(SELLER, "INV-1")).unwrap();
    value["surprise"] = 1.into();
    let body = expect_error(
        api.post_json("/v1/invoices", &value).await,
        400,
        "VALIDATION_FAILED",
    )
    .await;
    assert_eq!(body["details"]["field"], "surprise");
}

#[tokio::test]
async fn an_unknown_route_is_404_with_the_envelope() {
    let platform = start(two_sellers()).await;
    let api = Api::new(&platform, Some(TOKEN));
    expect_error(api.get("/v9/nothing").await, 404, "NOT_FOUND").await;
}

#[tokio::test]
async fn a_wrong_method_is_405_with_the_envelope() {
    let platform = start(two_sellers()).await;
    let api = Api::new(&platform, Some(TOKEN));
    let response = api.get("/v1/verify").await;
    assert_eq!(response.headers()["allow"], "POST");
    let body = expect_error(response, 405, "METHOD_NOT_ALLOWED").await;
    assert_eq!(body["details"]["allowed"], serde_json::json!(["POST"]));
}

#[tokio::test]
async fn an_idle_connection_is_closed_after_the_header_read_timeout() {
    let config = Config {
        header_read_timeout: Duration::from_millis(200),
        ..two_sellers()
    };
    let platform = start(config).await;
    let addr = platform.addr();
    let read = tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        std::io::Write::write_all(&mut stream, b"GET /v1/status HTTP/1.1\r\n").unwrap();
        let mut buf = Vec::new();
        stream.read_to_end(&mut buf).map(|_| buf)
    })
    .await
    .unwrap();
    // The server hangs up (possibly with a 408) instead of waiting forever.
    let bytes = read.expect("the server closed the connection");
    let text = String::from_utf8_lossy(&bytes);
    assert!(
        bytes.is_empty() || text.starts_with("HTTP/1.1 408"),
        "{text}"
    );
}
