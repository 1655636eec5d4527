//! The state every request shares: settings, store, journal, submissions, clock and
//! the shutdown signal. One `Arc<AppState>` per platform; no lock in it is held
//! across an `.await`.

use std::sync::Arc;

use tokio::sync::watch;

use crate::chaos::Chaos;
use crate::clock::Clock;
use crate::config::Config;
use crate::store::fasthash::FxHashMap;
use crate::store::journal::Journal;
use crate::store::submissions::Submissions;
use crate::store::Store;

/// Shared platform state; handlers get it as `&Arc<AppState>`.
#[derive(Debug)]
pub struct AppState {
    /// Settings the platform was started with.
    pub config: Config,
    /// Seller tax id by bearer token (the reverse of `config.tokens`); looked up on
    /// every API request, so Fx-hashed like the store's maps.
    pub sellers_by_token: FxHashMap<String, String>,
    /// Every record, as actually stored.
    pub store: Store,
    /// Every request answered.
    pub journal: Journal,
    /// Asynchronous submissions (`processing_delay`).
    pub submissions: Submissions,
    /// Run clock.
    pub clock: Clock,
    /// Fault engine, maintenance schedule and checkpoints.
    pub chaos: Chaos,
    /// What the KSeF dialect (`/v2`) remembers: sessions, tokens, sent invoices.
    pub ksef: crate::wire::ksef::KsefState,
    /// Flips to `true` when shutdown starts.
    shutdown: watch::Receiver<bool>,
}

impl AppState {
    /// State for a platform whose shutdown is announced through `shutdown`.
    pub fn new(
        config: Config,
        shutdown: watch::Receiver<bool>,
    ) -> Result<Arc<Self>, crate::chaos::plan::PlanError> {
        let sellers_by_token = config
            .tokens
            .iter()
            .map(|(seller, token)| (token.clone(), seller.clone()))
            .collect();
        let journal = Journal::new(config.journal_limit);
        let chaos = Chaos::new(config.seed, config.plan.clone(), std::time::Duration::ZERO)?;
        Ok(Arc::new(AppState {
            config,
            sellers_by_token,
            store: Store::default(),
            journal,
            submissions: Submissions::default(),
            clock: Clock::new(),
            chaos,
            ksef: Default::default(),
            shutdown,
        }))
    }

    /// Resolves once shutdown has started. A request that hangs on purpose (a fault
    /// that never answers) awaits this, so graceful shutdown never waits forever.
    pub async fn shutting_down(&self) {
        // The guard `wait_for` returns is not `Send`; drop it here.
        let _ = self.shutdown.clone().wait_for(|stop| *stop).await;
    }

    /// Forgets every record, journal entry and submission and restarts the run clock.
    pub fn reset(&self) {
        self.store.clear();
        self.journal.clear();
        self.submissions.clear();
        self.clock.restart();
        self.chaos.reset();
        self.ksef.clear();
    }
}
