//! A tiny billing client speaking the client contract over plain TCP, for the `url`
//! adapter: it forwards each invoice to the platform before answering 202, and its
//! `GET /ledger` lists whatever rows the test makes of the numbers it received.

use std::sync::{Arc, Mutex};

use tax_api::LedgerEntry;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// Makes the ledger rows for one invoice number the client received.
pub type Rows = fn(&str) -> Vec<LedgerEntry>;

/// A running stub; dropping the runtime that started it stops it.
pub struct StubClient {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
}

struct State {
    platform_url: String,
    http: reqwest::Client,
    numbers: Mutex<Vec<String>>,
    rows: Rows,
}

impl StubClient {
    /// Listens on `127.0.0.1:0` and serves until the runtime stops.
    pub async fn start(platform_url: String, rows: Rows) -> StubClient {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(State {
            platform_url,
            http: reqwest::Client::new(),
            numbers: Mutex::new(Vec::new()),
            rows,
        });
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, state.clone()));
            }
        });
        StubClient { url }
    }
}

/// One request per connection (`Connection: close`).
async fn serve(stream: TcpStream, state: Arc<State>) {
    let mut reader = BufReader::new(stream);
    let mut request_line = String::new();
    reader.read_line(&mut request_line).await.unwrap();
    let mut length = 0;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).await.unwrap();
        if header.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap();
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).await.unwrap();
    let route: Vec<&str> = request_line.split_whitespace().take(2).collect();
    let (status, answer) = match route.as_slice() {
        ["GET", "/healthz"] => ("200 OK", "{}".to_string()),
        ["POST", "/invoices"] => {
            let invoice: tax_api::Invoice = serde_json::from_slice(&body).unwrap();
            let stored = state
                .http
                .post(format!("{}/v1/invoices", state.platform_url))
                .json(&invoice)
                .send()
                .await
                .unwrap();
            assert!(stored.status().is_success(), "{}", stored.status());
            state.numbers.lock().unwrap().push(invoice.number.clone());
            let answer = serde_json::json!({ "number": invoice.number });
            ("202 Accepted", answer.to_string())
        }
        ["GET", "/ledger"] => {
            let numbers = state.numbers.lock().unwrap().clone();
            let entries: Vec<LedgerEntry> = numbers.iter().flat_map(|n| (state.rows)(n)).collect();
            let answer = serde_json::json!({ "entries": entries });
            ("200 OK", answer.to_string())
        }
        _ => ("404 Not Found", "{}".to_string()),
    };
    let response = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
        answer.len()
    );
    let mut stream = reader.into_inner();
    stream.write_all(response.as_bytes()).await.unwrap();
    stream.shutdown().await.unwrap();
}
