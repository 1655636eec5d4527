//! What the accept loop does when `accept` fails: out of descriptors (EMFILE,
//! ENFILE) and the like. Retrying every 10 ms logged the failure about 400 times a
//! second; the loop backs off exponentially instead and logs at most once a second,
//! with the number of failures it did not log.

use std::time::Duration;

use tokio::time::Instant;

/// First pause after a failed accept.
const FIRST_PAUSE: Duration = Duration::from_millis(10);
/// Longest pause: a descriptor freed by a closing connection is used within this.
const LONGEST_PAUSE: Duration = Duration::from_millis(500);
/// At most one log line per this interval.
const LOG_EVERY: Duration = Duration::from_secs(1);

/// Back-off and log rate of one accept loop.
#[derive(Debug, Default)]
pub struct AcceptErrors {
    /// Failures in a row since the last successful accept.
    in_a_row: u32,
    /// Failures not logged since the last log line.
    unlogged: u64,
    last_logged: Option<Instant>,
}

impl AcceptErrors {
    /// Notes a failure, logs it if a line is due, and says how long to pause.
    pub fn failed(&mut self, err: &std::io::Error) -> Duration {
        self.in_a_row = self.in_a_row.saturating_add(1);
        let now = Instant::now();
        let due = match self.last_logged {
            None => true,
            Some(at) => now.duration_since(at) >= LOG_EVERY,
        };
        if due {
            tracing::warn!(
                error = %err,
                failures_not_logged = self.unlogged,
                "accept failed; new connections wait until descriptors are free"
            );
            self.last_logged = Some(now);
            self.unlogged = 0;
        } else {
            self.unlogged += 1;
        }
        self.pause()
    }

    /// A connection was accepted: the next failure starts from the first pause.
    pub fn succeeded(&mut self) {
        self.in_a_row = 0;
    }

    fn pause(&self) -> Duration {
        let doublings = self.in_a_row.saturating_sub(1).min(16);
        FIRST_PAUSE
            .saturating_mul(1 << doublings)
            .min(LONGEST_PAUSE)
    }

    /// Failures not logged since the last log line.
    #[cfg(test)]
    fn unlogged(&self) -> u64 {
        self.unlogged
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn emfile() -> std::io::Error {
        std::io::Error::from_raw_os_error(24)
    }

    #[tokio::test(start_paused = true)]
    async fn pauses_double_up_to_a_cap_and_start_over_after_a_success() {
        let mut errors = AcceptErrors::default();
        let pauses: Vec<u128> = (0..8)
            .map(|_| errors.failed(&emfile()).as_millis())
            .collect();
        assert_eq!(pauses, vec![10, 20, 40, 80, 160, 320, 500, 500]);
        errors.succeeded();
        assert_eq!(errors.failed(&emfile()), FIRST_PAUSE);
    }

    #[tokio::test(start_paused = true)]
    async fn at_most_one_line_a_second_is_logged() {
        let mut errors = AcceptErrors::default();
        // 400 failures within one second: the first is logged, the rest counted.
        for _ in 0..400 {
            errors.failed(&emfile());
            tokio::time::advance(Duration::from_micros(2_000)).await;
        }
        assert_eq!(errors.unlogged(), 399);
        tokio::time::advance(LOG_EVERY).await;
        errors.failed(&emfile());
        assert_eq!(errors.unlogged(), 0);
    }
}
