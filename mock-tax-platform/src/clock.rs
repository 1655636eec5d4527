//! The platform's clock: time since the run started (or was last reset), on
//! `tokio::time::Instant` so tests can pause and advance it, mapped onto wall time
//! for the RFC 3339 stamps the API prints.

use std::sync::RwLock;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use tokio::time::Instant;

/// Run clock. Elapsed time drives fault windows and async processing; wall time is
/// derived from it so stamps and elapsed times never disagree.
#[derive(Debug)]
pub struct Clock {
    epoch: RwLock<(Instant, DateTime<Utc>)>,
}

impl Clock {
    /// A clock whose run starts now.
    pub fn new() -> Self {
        Clock {
            epoch: RwLock::new((Instant::now(), Utc::now())),
        }
    }

    fn epoch(&self) -> (Instant, DateTime<Utc>) {
        *self.epoch.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Starts the run again (on `/_chaos/reset`).
    pub fn restart(&self) {
        *self.epoch.write().unwrap_or_else(|e| e.into_inner()) = (Instant::now(), Utc::now());
    }

    /// Time since the run started.
    pub fn elapsed(&self) -> Duration {
        self.epoch().0.elapsed()
    }

    /// Time since the run started and the matching wall time, read together.
    pub fn now(&self) -> (Duration, DateTime<Utc>) {
        let (instant, start) = self.epoch();
        let elapsed = instant.elapsed();
        (elapsed, start + to_chrono(elapsed))
    }

    /// Wall time of a moment given as time since the run started.
    pub fn wall_at(&self, elapsed: Duration) -> DateTime<Utc> {
        let start = self.epoch().1;
        start + to_chrono(elapsed)
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::new()
    }
}

fn to_chrono(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::zero())
}

/// RFC 3339 in UTC with milliseconds, the one stamp format the platform prints.
pub fn stamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}
