//! Connection workers: threads that each run a single-threaded tokio runtime. Every
//! accepted connection is handed to one of them, round robin, and is served there
//! until it closes.
//!
//! Why not one multi-threaded runtime: under load it moves connection tasks between
//! threads and wakes parked threads to steal work, so each request also pays for
//! futex wake-ups and for the shared store, journal and allocator state moving
//! between cores. With a connection pinned to a thread that cost goes; on a 2-core
//! machine it took an upload from about 19 µs of CPU to about 15 µs
//! (`bench/cpu-per-request.sh`).

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::net::TcpStream;
use tokio::runtime::{Builder, Handle};
use tokio::sync::watch;

/// Running worker threads. Dropping this stops them; connections still being
/// served on them are dropped (so drop it only once they have finished).
#[derive(Debug)]
pub struct Workers {
    handles: Vec<Handle>,
    next: AtomicUsize,
    exit: watch::Sender<bool>,
}

impl Workers {
    /// Starts `count` worker threads (at least one).
    pub fn start(count: usize) -> std::io::Result<Workers> {
        let (exit, exiting) = watch::channel(false);
        let mut handles = Vec::with_capacity(count.max(1));
        for index in 0..count.max(1) {
            let runtime = Builder::new_current_thread().enable_all().build()?;
            handles.push(runtime.handle().clone());
            let mut exiting = exiting.clone();
            // If a later thread fails to start, `exit` is dropped and the earlier
            // threads end too.
            std::thread::Builder::new()
                .name(format!("platform-worker-{index}"))
                .spawn(move || {
                    runtime.block_on(async move {
                        let _ = exiting.wait_for(|exit| *exit).await;
                    });
                })?;
        }
        Ok(Workers {
            handles,
            next: AtomicUsize::new(0),
            exit,
        })
    }

    /// Serves `stream` on the next worker: `serve` gets the stream registered with
    /// that worker's runtime.
    pub fn serve<F, Fut>(&self, stream: TcpStream, serve: F) -> std::io::Result<()>
    where
        F: FnOnce(TcpStream) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        // A tokio stream belongs to the runtime that accepted it: move it over as a
        // plain socket and register it again on the worker.
        let stream = stream.into_std()?;
        let index = self.next.fetch_add(1, Ordering::Relaxed) % self.handles.len();
        self.handles[index].spawn(async move {
            match TcpStream::from_std(stream) {
                Ok(stream) => serve(stream).await,
                Err(err) => {
                    tracing::warn!(error = %err, "cannot register a connection on a worker")
                }
            }
        });
        Ok(())
    }
}

/// One worker per CPU: the binary's default.
pub fn one_per_cpu() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

/// The runtime that accepts connections: single-threaded when `workers` threads
/// serve them, tokio's work-stealing runtime when it serves them itself (0).
pub fn accepting_runtime(workers: usize) -> std::io::Result<tokio::runtime::Runtime> {
    let mut builder = match workers {
        0 => Builder::new_multi_thread(),
        _ => Builder::new_current_thread(),
    };
    builder.enable_all().build()
}

/// Serves `stream` on the next worker, or without workers as a task of the
/// current runtime.
pub fn serve_connection<F, Fut>(
    workers: Option<&Workers>,
    stream: TcpStream,
    serve: F,
) -> std::io::Result<()>
where
    F: FnOnce(TcpStream) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    match workers {
        Some(workers) => workers.serve(stream, serve),
        None => {
            drop(tokio::spawn(serve(stream)));
            Ok(())
        }
    }
}

impl Drop for Workers {
    fn drop(&mut self) {
        self.exit.send_replace(true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn connections_go_round_robin_and_are_served_on_worker_threads() {
        let workers = Workers::start(2).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut names = Vec::new();
        for _ in 0..4 {
            let mut client = TcpStream::connect(addr).await.unwrap();
            let (accepted, _) = listener.accept().await.unwrap();
            workers
                .serve(accepted, |mut stream| async move {
                    let name = std::thread::current().name().unwrap_or("").to_owned();
                    let _ = stream.write_all(name.as_bytes()).await;
                })
                .unwrap();
            let mut name = String::new();
            client.read_to_string(&mut name).await.unwrap();
            names.push(name);
        }
        assert_eq!(
            names,
            [
                "platform-worker-0",
                "platform-worker-1",
                "platform-worker-0",
                "platform-worker-1"
            ]
        );
    }
}
