//! Starting and stopping a client: in the caller's runtime ([`start`], [`run`]) or on
//! a runtime of its own that can be killed abruptly ([`spawn_isolated`]).

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::{oneshot, Notify};
use tokio::task::JoinHandle;

use crate::deliver::Ctx;
use crate::dispatch::{self, InFlight};
use crate::outbox::Outbox;
use crate::platform::Platform;
use crate::reconcile::Reconciler;
use crate::server::{self, App};
use crate::{ClientConfig, Mode, ReferenceClientError};

/// Opens the outbox (off the executor) and builds the shared state.
async fn prepare(config: ClientConfig) -> Result<Arc<App>, ReferenceClientError> {
    config.validate()?;
    let dir = config.state_dir.clone();
    let fsync = config.fsync;
    let outbox = tokio::task::spawn_blocking(move || Outbox::open(&dir, fsync))
        .await
        .map_err(|e| ReferenceClientError::Config(format!("opening the outbox panicked: {e}")))??;
    let platform = Platform::new(&config)?;
    let ctx = Arc::new(Ctx::new(outbox, platform, config));
    let inflight = Arc::new(InFlight::default());
    let reconciler = Arc::new(Reconciler::new(ctx.clone(), inflight.clone()));
    Ok(Arc::new(App {
        ctx,
        wake: Arc::new(Notify::new()),
        reconciler,
    }))
}

/// Runs the dispatcher, the maintenance watch (robust mode) and the server until
/// `shutdown` resolves. Background work stops with it; the outbox keeps its state.
async fn serve(app: Arc<App>, listener: TcpListener, shutdown: impl Future<Output = ()>) {
    let inflight = app.reconciler.inflight();
    let (ctx, wake) = (app.ctx.clone(), app.wake.clone());
    let dispatcher = tokio::spawn(async move {
        if let Err(e) = dispatch::run(ctx, inflight, wake).await {
            tracing::error!(error = %e, "delivery stopped: the outbox failed");
        }
    });
    let watcher = (app.ctx.config.mode == Mode::Robust)
        .then(|| tokio::spawn(app.reconciler.clone().watch_maintenance()));
    server::serve(listener, app, shutdown).await;
    dispatcher.abort();
    if let Some(w) = watcher {
        w.abort();
    }
}

/// Serves the client contract on `listener` until `shutdown` resolves, delivering
/// accepted invoices in the background. The shape of `mini-redis`'s `server::run`.
pub async fn run(
    listener: TcpListener,
    config: ClientConfig,
    shutdown: impl Future<Output = ()>,
) -> Result<(), ReferenceClientError> {
    let app = prepare(config).await?;
    serve(app, listener, shutdown).await;
    Ok(())
}

/// A client running in the caller's runtime.
pub struct RunningClient {
    addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

/// Starts a client on `listener` in the current runtime. Returns once the outbox is
/// open and the listener is being served, so `GET /healthz` answers at once.
pub async fn start(
    config: ClientConfig,
    listener: TcpListener,
) -> Result<RunningClient, ReferenceClientError> {
    let addr = listener
        .local_addr()
        .map_err(|source| ReferenceClientError::Io {
            context: "reading the listener's address".into(),
            source,
        })?;
    let app = prepare(config).await?;
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(serve(app, listener, async {
        let _ = stopped.await;
    }));
    Ok(RunningClient { addr, stop, task })
}

impl RunningClient {
    /// Where the client contract is served.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops serving, lets open requests finish, and stops delivery (its state stays
    /// in the outbox for the next start).
    pub async fn shutdown(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

/// A client on its own runtime and thread, which [`IsolatedClient::kill`] drops abruptly.
pub struct IsolatedClient {
    addr: SocketAddr,
    kill: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// Runs the client on its own runtime in its own thread, so a test or the harness can
/// kill it abruptly (drop the runtime, no graceful shutdown) like `kill -9`.
pub fn spawn_isolated(
    config: ClientConfig,
    listener: std::net::TcpListener,
) -> Result<IsolatedClient, ReferenceClientError> {
    let io = |context: &str| {
        let context = context.to_owned();
        move |source| ReferenceClientError::Io { context, source }
    };
    let addr = listener
        .local_addr()
        .map_err(io("reading the listener's address"))?;
    listener
        .set_nonblocking(true)
        .map_err(io("making the listener non-blocking"))?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .thread_name("reference-client")
        .build()
        .map_err(io("building the client runtime"))?;
    let (ready_tx, ready_rx) = std::sync::mpsc::channel::<Result<(), ReferenceClientError>>();
    let (kill, killed) = oneshot::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("reference-client".into())
        .spawn(move || {
            rt.block_on(async move {
                let started = async {
                    let listener =
                        TcpListener::from_std(listener).map_err(io("registering the listener"))?;
                    Ok::<_, ReferenceClientError>((prepare(config).await?, listener))
                };
                let (app, listener) = match started.await {
                    Ok(parts) => {
                        let _ = ready_tx.send(Ok(()));
                        parts
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                tokio::select! {
                    () = serve(app, listener, std::future::pending()) => {}
                    _ = killed => {}
                }
            });
            // No graceful shutdown: every task is dropped where it stands.
            rt.shutdown_background();
        })
        .map_err(io("starting the client thread"))?;
    match ready_rx.recv() {
        Ok(Ok(())) => Ok(IsolatedClient {
            addr,
            kill: Some(kill),
            thread: Some(thread),
        }),
        Ok(Err(e)) => {
            let _ = thread.join();
            Err(e)
        }
        Err(_) => {
            let _ = thread.join();
            Err(ReferenceClientError::Config(
                "the client thread died while starting".into(),
            ))
        }
    }
}

impl IsolatedClient {
    /// Where the client contract is served.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Kills the client like `kill -9`: its runtime is dropped with every request and
    /// delivery wherever it stands. Returns once its thread is gone.
    pub fn kill(mut self) {
        self.stop_now();
    }

    fn stop_now(&mut self) {
        if let Some(k) = self.kill.take() {
            let _ = k.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for IsolatedClient {
    fn drop(&mut self) {
        self.stop_now();
    }
}
