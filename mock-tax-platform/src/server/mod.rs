//! Starting and stopping the platform: listeners, accept loops, graceful shutdown.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::config::Config;
use crate::router::{self, Serves};
use crate::state::AppState;
use accept_errors::AcceptErrors;
use conn::ConnSettings;
use workers::Workers;

pub mod accept_errors;
pub mod conn;
pub mod workers;

/// Why the platform could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// Binding or inspecting a listener failed.
    #[error("cannot {action}: {source}")]
    Io {
        /// What was being done.
        action: String,
        /// Why it failed.
        source: std::io::Error,
    },
    /// The plan given in the configuration is invalid.
    #[error("invalid fault plan: {0}")]
    Plan(#[from] crate::chaos::plan::PlanError),
    /// A listener that serves the control plane, or the API beside it, is
    /// reachable beyond loopback but the control plane has no token.
    #[error(
        "the {listener} listens on {addr}, which is not a loopback address, so the control \
         plane needs a token: pass --control-token or set CHAOS_CONTROL_TOKEN \
         (Config::control_token)"
    )]
    ControlTokenRequired {
        /// Which listener: `API` or `control plane`.
        listener: &'static str,
        /// Its address.
        addr: SocketAddr,
    },
    /// The control token is empty (or only spaces): no request could ever present it.
    #[error(
        "the control token is empty, which would lock everyone out of the control plane: \
         pass a non-empty --control-token (or CHAOS_CONTROL_TOKEN), or none on loopback"
    )]
    EmptyControlToken,
}

fn io_error(action: &str) -> impl FnOnce(std::io::Error) -> StartError + '_ {
    move |source| StartError::Io {
        action: action.to_owned(),
        source,
    }
}

/// A running platform. Dropping it stops the server (in the background);
/// [`Platform::shutdown`] stops it and waits until in-flight requests finished.
#[derive(Debug)]
pub struct Platform {
    addr: SocketAddr,
    control_addr: SocketAddr,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl Platform {
    /// Where the API listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Where the control plane listens (the API address unless a separate
    /// control listener was given).
    pub fn control_addr(&self) -> SocketAddr {
        self.control_addr
    }

    /// `http://ADDR` of the API, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://ADDR` of the control plane, without a trailing slash.
    pub fn control_url(&self) -> String {
        format!("http://{}", self.control_addr)
    }

    /// Stops accepting connections, lets in-flight requests finish, then returns.
    pub async fn shutdown(mut self) {
        self.stop.send_replace(true);
        if let Some(task) = self.task.take() {
            if let Err(err) = task.await {
                tracing::error!(error = %err, "the server task failed");
            }
        }
    }
}

impl Drop for Platform {
    fn drop(&mut self) {
        self.stop.send_replace(true);
    }
}

/// Starts a platform on `127.0.0.1:0` (a free loopback port), API and control
/// plane on one listener.
pub async fn start(config: Config) -> Result<Platform, StartError> {
    let api = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(io_error("bind 127.0.0.1:0"))?;
    start_on(config, api, None).await
}

/// Starts a platform on the given listeners; with `control` `None` the control
/// plane shares the API listener.
pub async fn start_on(
    config: Config,
    api: TcpListener,
    control: Option<TcpListener>,
) -> Result<Platform, StartError> {
    let addr = api.local_addr().map_err(io_error("read the API address"))?;
    let control_addr = match &control {
        Some(listener) => listener
            .local_addr()
            .map_err(io_error("read the control address"))?,
        None => addr,
    };
    check_control_token(addr, control_addr, config.control_token.as_deref())?;
    if config.tokens.is_empty() {
        tracing::warn!(%addr, "no seller tokens configured: every request is accepted, for any seller");
    }
    let (stop, stopped) = watch::channel(false);
    let settings = ConnSettings {
        header_read_timeout: config.header_read_timeout,
    };
    let workers = match config.workers {
        0 => None,
        count => Some(Arc::new(
            Workers::start(count).map_err(io_error("start the worker threads"))?,
        )),
    };
    let state = AppState::new(config, stopped.clone())?;
    tracing::info!(
        %addr,
        %control_addr,
        seed = state.config.seed,
        workers = state.config.workers,
        "mock tax platform listening"
    );
    let listeners = Listeners {
        api,
        control,
        workers,
    };
    let task = tokio::spawn(serve(state, listeners, settings, stopped));
    Ok(Platform {
        addr,
        control_addr,
        stop,
        task: Some(task),
    })
}

/// A control plane reachable beyond loopback must not be open to anyone, and a
/// token nobody can present is a mistake, not a lock. Both listeners are checked:
/// the API one because, by default, it serves the control plane too, and even
/// when it does not, a public API beside an open control plane invites probing.
/// [`start_on`] checks this; a binary can check it before it binds anything.
pub fn check_control_token(
    addr: SocketAddr,
    control_addr: SocketAddr,
    control_token: Option<&str>,
) -> Result<(), StartError> {
    match control_token {
        Some(token) if token.trim().is_empty() => Err(StartError::EmptyControlToken),
        Some(_) => Ok(()),
        None => {
            let public = [("API", addr), ("control plane", control_addr)]
                .into_iter()
                .find(|(_, addr)| !addr.ip().is_loopback());
            match public {
                Some((listener, addr)) => Err(StartError::ControlTokenRequired { listener, addr }),
                None => Ok(()),
            }
        }
    }
}

/// Serves on `listener` (API and control plane) until `shutdown` resolves, then
/// stops gracefully: in-flight requests finish.
pub async fn run(
    listener: TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()>,
) -> Result<(), StartError> {
    run_with_control(listener, None, config, shutdown).await
}

/// [`run`] with an optional separate control-plane listener.
pub async fn run_with_control(
    api: TcpListener,
    control: Option<TcpListener>,
    config: Config,
    shutdown: impl Future<Output = ()>,
) -> Result<(), StartError> {
    let platform = start_on(config, api, control).await?;
    shutdown.await;
    tracing::info!("shutting down: finishing in-flight requests");
    platform.shutdown().await;
    tracing::info!("stopped");
    Ok(())
}

/// Where connections come from and where they are served.
struct Listeners {
    api: TcpListener,
    control: Option<TcpListener>,
    /// `None`: on the runtime that started the platform.
    workers: Option<Arc<Workers>>,
}

async fn serve(
    state: Arc<AppState>,
    listeners: Listeners,
    settings: ConnSettings,
    stopped: watch::Receiver<bool>,
) {
    let Listeners {
        api,
        control,
        workers,
    } = listeners;
    // Every connection task holds a clone of `alive`; `recv` returns `None` once all are gone.
    let (alive, mut all_done) = mpsc::channel::<()>(1);
    let api_serves = if control.is_some() {
        Serves::Api
    } else {
        Serves::Both
    };
    let api_loop = accept_loop(
        Arc::clone(&state),
        api,
        api_serves,
        workers.clone(),
        settings,
        stopped.clone(),
        alive.clone(),
    );
    match control {
        Some(control) => {
            let control_loop = accept_loop(
                Arc::clone(&state),
                control,
                Serves::Control,
                workers.clone(),
                settings,
                stopped.clone(),
                alive.clone(),
            );
            tokio::join!(api_loop, control_loop);
        }
        None => api_loop.await,
    }
    drop(alive);
    let _ = all_done.recv().await;
    // Every connection has finished: the worker threads can stop.
    drop(workers);
}

async fn accept_loop(
    state: Arc<AppState>,
    listener: TcpListener,
    serves: Serves,
    workers: Option<Arc<Workers>>,
    settings: ConnSettings,
    stopped: watch::Receiver<bool>,
    alive: mpsc::Sender<()>,
) {
    let mut stop_signal = stopped.clone();
    let mut accept_errors = AcceptErrors::default();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    accept_errors.succeeded();
                    let state = Arc::clone(&state);
                    let stopped = stopped.clone();
                    let alive = alive.clone();
                    let serve_conn = move |stream| async move {
                        // Cloned for every request: wrapped, the count that clone bumps
                        // is this connection's own, not one cache line that every
                        // worker thread writes to on every request.
                        let state = Arc::new(state);
                        let handler = move |req, conn| {
                            let state = Arc::clone(&state);
                            async move { router::handle(&state, serves, req, conn).await }
                        };
                        conn::serve(stream, peer, settings, stopped, handler).await;
                        drop(alive);
                    };
                    if let Err(err) = workers::serve_connection(workers.as_deref(), stream, serve_conn) {
                        tracing::warn!(error = %err, %peer, "cannot hand a connection to a worker");
                    }
                }
                Err(err) => {
                    // Out of descriptors and the like: back off instead of spinning.
                    let pause = accept_errors.failed(&err);
                    tokio::select! {
                        () = tokio::time::sleep(pause) => {}
                        () = conn::stopping(&mut stop_signal) => break,
                    }
                }
            },
            () = conn::stopping(&mut stop_signal) => break,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_non_loopback_api_needs_a_control_token() {
        let public: SocketAddr = "0.0.0.0:8080".parse().unwrap();
        let loopback: SocketAddr = "127.0.0.1:8081".parse().unwrap();
        let err = check_control_token(public, loopback, None).unwrap_err();
        assert!(err.to_string().contains("--control-token"), "{err}");
        assert!(check_control_token(public, loopback, Some("ops")).is_ok());
        assert!(check_control_token(loopback, loopback, None).is_ok());
    }

    #[test]
    fn a_non_loopback_control_listener_needs_a_control_token() {
        let api: SocketAddr = "127.0.0.1:8080".parse().unwrap();
        let control: SocketAddr = "0.0.0.0:9090".parse().unwrap();
        let err = check_control_token(api, control, None).unwrap_err();
        assert!(
            matches!(err, StartError::ControlTokenRequired { listener: "control plane", addr } if addr == control),
            "{err}"
        );
        assert!(check_control_token(api, control, Some("ops")).is_ok());
    }

    #[test]
    fn an_empty_control_token_is_refused_even_on_loopback() {
        let loopback: SocketAddr = "127.0.0.1:8080".parse().unwrap();
        for token in ["", "  "] {
            let err = check_control_token(loopback, loopback, Some(token)).unwrap_err();
            assert!(matches!(err, StartError::EmptyControlToken), "{err}");
        }
    }
}
