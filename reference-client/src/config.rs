//! Settings of one reference client: where the platform is, who we are, where the
//! outbox lives, which delivery mode, and the bounds on concurrency and time.

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

/// How the client delivers invoices to the platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// The common mistakes, on purpose: any 2xx (or a timeout) is confirmed, errors are
    /// retried a few times under a fresh `request_serial`, nothing is read back or reconciled.
    /// The harness uses it to show that each fault scenario catches a careless client.
    Naive,
    /// What a careful client does: stable `request_serial`, transient-only retries with
    /// backoff, look-before-resend, read-back checks, reconciliation, and a flag with a
    /// reason for whatever it cannot prove.
    Robust,
}

impl Mode {
    /// The spelling used on the command line and in logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Naive => "naive",
            Mode::Robust => "robust",
        }
    }
}

impl std::fmt::Display for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Mode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "naive" => Ok(Mode::Naive),
            "robust" => Ok(Mode::Robust),
            other => Err(format!(
                "expected a mode `naive` or `robust`, found `{other}`"
            )),
        }
    }
}

/// Everything one client instance needs. Build it with [`ClientConfig::new`] and
/// adjust the public fields; the defaults suit a local run against the mock platform.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Base URL of the platform, e.g. `http://127.0.0.1:8080` (no trailing `/v1`).
    pub platform_url: String,
    /// The seller's bearer token; `None` sends no `Authorization` header.
    pub token: Option<String>,
    /// The seller's tax id: invoices for any other seller are refused at intake, and
    /// reconciliation queries by it.
    pub seller_id: String,
    /// Directory of the durable outbox (`outbox.sqlite3`); reuse it to resume after a kill.
    pub state_dir: PathBuf,
    /// Delivery mode.
    pub mode: Mode,
    /// Invoices delivered at the same time (the worker pool size).
    pub workers: usize,
    /// Invoices read ahead from the outbox and waiting for a worker; with `workers`
    /// this bounds memory no matter how many invoices are pending.
    pub queue_capacity: usize,
    /// Per-request timeout towards the platform.
    pub request_timeout: Duration,
    /// How long, from acceptance, the robust mode may try to prove an invoice stored
    /// before it flags it `DEADLINE`.
    pub delivery_deadline: Duration,
    /// Most upload attempts for one invoice (naive: then flagged; robust: then flagged
    /// unless the deadline came first).
    pub max_attempts: u32,
    /// First backoff delay; doubles per attempt, with full jitter.
    pub backoff_base: Duration,
    /// Largest backoff delay, and the largest `Retry-After` honoured.
    pub backoff_cap: Duration,
    /// Read-backs that may answer 404 after a successful write before the robust mode
    /// concludes the record is really missing (visibility lag). They are spaced
    /// `poll_interval`, doubling, at most `backoff_cap`: the defaults wait about 3 s.
    pub readback_retries: u32,
    /// Delay between polls of an asynchronous submission and between lagging read-backs.
    pub poll_interval: Duration,
    /// How often the robust mode asks `GET /v1/status` whether a maintenance window
    /// ended, so it can reconcile after one even when no upload hit it.
    pub status_interval: Duration,
    /// Seed of the retry jitter, so two runs with the same seed back off alike.
    pub jitter_seed: u64,
    /// `true`: every outbox commit is fsynced (survives power loss). `false`: commits
    /// survive a process kill but not an OS crash; faster.
    pub fsync: bool,
}

impl ClientConfig {
    /// A configuration with defaults for everything but the platform, the seller and
    /// the state directory.
    pub fn new(
        platform_url: impl Into<String>,
        seller_id: impl Into<String>,
        state_dir: impl Into<PathBuf>,
    ) -> Self {
        ClientConfig {
            platform_url: platform_url.into(),
            token: None,
            seller_id: seller_id.into(),
            state_dir: state_dir.into(),
            mode: Mode::Robust,
            workers: 64,
            queue_capacity: 1024,
            request_timeout: Duration::from_secs(5),
            delivery_deadline: Duration::from_secs(60),
            max_attempts: 8,
            backoff_base: Duration::from_millis(50),
            backoff_cap: Duration::from_secs(2),
            readback_retries: 6,
            poll_interval: Duration::from_millis(50),
            status_interval: Duration::from_secs(1),
            jitter_seed: 0,
            fsync: true,
        }
    }

    /// Checks the settings that would make the client misbehave rather than fail.
    pub fn validate(&self) -> Result<(), crate::ReferenceClientError> {
        let bad = |what: &str| Err(crate::ReferenceClientError::Config(what.to_owned()));
        if !(self.platform_url.starts_with("http://") || self.platform_url.starts_with("https://"))
        {
            return bad(&format!(
                "platform URL must start with http:// or https://, found `{}`",
                self.platform_url
            ));
        }
        if self.seller_id.trim().is_empty() {
            return bad("seller id must not be empty");
        }
        if self.workers == 0 || self.queue_capacity == 0 {
            return bad("workers and queue capacity must be at least 1");
        }
        if self.max_attempts == 0 {
            return bad("max attempts must be at least 1");
        }
        if self.request_timeout.is_zero() || self.delivery_deadline.is_zero() {
            return bad("request timeout and delivery deadline must be positive");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mode_parses_both_spellings_and_names_the_bad_one() {
        assert_eq!("naive".parse::<Mode>(), Ok(Mode::Naive));
        assert_eq!("robust".parse::<Mode>(), Ok(Mode::Robust));
        let err = "careful".parse::<Mode>().unwrap_err();
        assert!(err.contains("careful"), "{err}");
    }

    #[test]
    fn validate_refuses_a_zero_worker_pool() {
        let mut c = ClientConfig::new("http://127.0.0.1:1", "S1", "/tmp/x");
        assert!(c.validate().is_ok());
        c.workers = 0;
        assert!(c.validate().is_err());
    }
}
