//! How a run learns that Ctrl-C or SIGTERM arrived: it stops issuing, waits
//! [`IN_FLIGHT_BOUND`] for the invoices in flight, collects what it can within
//! [`COLLECT_BOUND`], and its report says it was interrupted.

use std::time::Duration;

use tokio::sync::watch;

/// How long an interrupted run spends reading the ledger, truth and journal.
pub const COLLECT_BOUND: Duration = Duration::from_secs(3);

/// How long an interrupted run waits for the invoices in flight to be answered.
pub const IN_FLIGHT_BOUND: Duration = Duration::from_secs(2);

/// The receiving side: cheap to clone, one per run.
#[derive(Debug, Clone)]
pub struct Interrupt(watch::Receiver<Option<&'static str>>);

/// The sending side, held by whoever catches the signal.
#[derive(Debug)]
pub struct Interrupter(watch::Sender<Option<&'static str>>);

impl Interrupt {
    /// A connected pair.
    pub fn channel() -> (Interrupter, Interrupt) {
        let (tx, rx) = watch::channel(None);
        (Interrupter(tx), Interrupt(rx))
    }

    /// An interrupt that never comes (for runs nobody can stop).
    pub fn never() -> Interrupt {
        Interrupt::channel().1
    }

    /// The signal's name once it has arrived.
    pub fn get(&self) -> Option<&'static str> {
        *self.0.borrow()
    }

    /// Resolves with the signal's name; never, if no signal can come any more.
    pub async fn signalled(&mut self) -> &'static str {
        // The guard is dropped before any further await, so the future stays `Send`
        // (runs side by side are spawned on the runtime).
        let signal = self
            .0
            .wait_for(Option::is_some)
            .await
            .map(|signal| signal.unwrap_or("interrupt"));
        match signal {
            Ok(signal) => signal,
            Err(_) => std::future::pending().await,
        }
    }
}

impl Interrupter {
    /// Tells every run that `signal` arrived.
    pub fn send(&self, signal: &'static str) {
        self.0.send_replace(Some(signal));
    }
}
