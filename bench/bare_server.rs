//! The baseline for the upload throughput bench: a bare hyper 1 server that reads
//! the request body and answers 201 with a small JSON body, doing nothing else.
//! The platform's requests/s divided by this server's is the figure the bench prints.
//! It serves connections the way the platform binary does by default (one worker
//! thread per CPU from `mock_tax_platform::workers`, each connection pinned to one)
//! and with the same `http1::Builder` options (a timer and the default header-read
//! timeout), so the ratio measures the platform's own work, not a difference in
//! runtime layout or hyper settings. `bare_hyper ADDR 0` serves on tokio's default
//! work-stealing runtime instead.

use std::convert::Infallible;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use mock_tax_platform::workers::{self, Workers};
use mock_tax_platform::DEFAULT_HEADER_READ_TIMEOUT;
use tokio::net::{TcpListener, TcpStream};

const ANSWER: &[u8] = br#"{"number":"B","platform_ref":"PLT-0000000001","status":"ISSUED","received_at":"2025-01-01T00:00:00.000Z"}"#;

async fn answer(req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    // Read the whole body, as the platform must.
    let _body = req.into_body().collect().await.map(|c| c.to_bytes());
    let mut response = Response::new(Full::new(Bytes::from_static(ANSWER)));
    *response.status_mut() = StatusCode::CREATED;
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    Ok(response)
}

async fn serve(stream: TcpStream) {
    let _ = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(DEFAULT_HEADER_READ_TIMEOUT)
        .serve_connection(TokioIo::new(stream), service_fn(answer))
        .await;
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:18182".to_owned());
    let workers = match args.next() {
        Some(count) => count.parse()?,
        None => workers::one_per_cpu(),
    };
    workers::accepting_runtime(workers)?.block_on(async move {
        let workers = match workers {
            0 => None,
            count => Some(Workers::start(count)?),
        };
        let listener = TcpListener::bind(&addr).await?;
        println!("bare hyper server on {}", listener.local_addr()?);
        loop {
            let (stream, _) = listener.accept().await?;
            stream.set_nodelay(true)?;
            workers::serve_connection(workers.as_ref(), stream, serve)?;
        }
    })
}
