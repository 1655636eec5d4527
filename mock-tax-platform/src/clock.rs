//! The platform's clock: time since the run started (or was last reset), on
//! `tokio::time::Instant` so tests can pause and advance it, mapped onto wall time
//! for the RFC 3339 stamps the API prints.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::{DateTime, Datelike, SecondsFormat, Timelike, Utc};
use tokio::time::Instant;

/// Run clock. Elapsed time drives fault windows and async processing; wall time is
/// derived from it so stamps and elapsed times never disagree.
///
/// Every request reads the clock several times from both worker threads, so reading
/// takes no lock and writes no shared memory: the base instant and its wall time
/// are fixed, and only the run's start (moved by a reset) is an atomic.
#[derive(Debug)]
pub struct Clock {
    /// A monotonic instant fixed at construction …
    base: Instant,
    /// … and the wall time it corresponds to.
    base_wall: DateTime<Utc>,
    /// Time from `base` to the start of the current run, in nanoseconds.
    run_start_nanos: AtomicU64,
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

impl Clock {
    /// A clock whose run starts now.
    pub fn new() -> Self {
        Clock {
            base: Instant::now(),
            base_wall: Utc::now(),
            run_start_nanos: AtomicU64::new(0),
        }
    }

    fn run_start(&self) -> Duration {
        Duration::from_nanos(self.run_start_nanos.load(Ordering::Acquire))
    }

    /// Starts the run again (on `/_chaos/reset`).
    pub fn restart(&self) {
        self.run_start_nanos
            .store(nanos(self.base.elapsed()), Ordering::Release);
    }

    /// Time since the run started.
    pub fn elapsed(&self) -> Duration {
        self.base.elapsed().saturating_sub(self.run_start())
    }

    /// Time since the run started and the matching wall time, read together.
    pub fn now(&self) -> (Duration, DateTime<Utc>) {
        let since_base = self.base.elapsed();
        (
            since_base.saturating_sub(self.run_start()),
            add_wall(self.base_wall, since_base),
        )
    }

    /// Wall time of a moment given as time since the run started.
    pub fn wall_at(&self, elapsed: Duration) -> DateTime<Utc> {
        add_wall(self.base_wall, self.run_start().saturating_add(elapsed))
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::new()
    }
}

/// `at + d`, stopping at the last time chrono can hold: a window of a million years
/// from the plan is a user's choice, not a reason to panic while printing it.
fn add_wall(at: DateTime<Utc>, d: Duration) -> DateTime<Utc> {
    chrono::Duration::from_std(d)
        .ok()
        .and_then(|d| at.checked_add_signed(d))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// RFC 3339 in UTC with milliseconds, the one stamp format the platform prints.
/// Every upload answer carries one; writing the fixed-width digits directly costs
/// a fraction of chrono's formatter, which stays the fallback outside years 0–9999.
pub fn stamp(at: DateTime<Utc>) -> String {
    let naive = at.naive_utc();
    let (date, time) = (naive.date(), naive.time());
    let year = date.year();
    if !(0..=9999).contains(&year) {
        return at.to_rfc3339_opts(SecondsFormat::Millis, true);
    }
    // A leap second shows as second 60 with chrono's nanosecond over 1e9.
    let nanos = time.nanosecond();
    let (second, nanos) = if nanos >= 1_000_000_000 {
        (time.second() + 1, nanos - 1_000_000_000)
    } else {
        (time.second(), nanos)
    };
    let mut out = *b"0000-00-00T00:00:00.000Z";
    let fields = [
        (year.unsigned_abs(), 0..4),
        (date.month(), 5..7),
        (date.day(), 8..10),
        (time.hour(), 11..13),
        (time.minute(), 14..16),
        (second, 17..19),
        (nanos / 1_000_000, 20..23),
    ];
    for (mut value, range) in fields {
        for slot in out[range].iter_mut().rev() {
            *slot = b'0' + (value % 10) as u8;
            value /= 10;
        }
    }
    // Only ASCII digits and separators were written, so this never falls back.
    String::from_utf8(out.to_vec())
        .unwrap_or_else(|_| at.to_rfc3339_opts(SecondsFormat::Millis, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_restart_starts_the_run_again_and_keeps_wall_time_continuous() {
        let clock = Clock::new();
        tokio::time::advance(Duration::from_secs(5)).await;
        let (elapsed, wall) = clock.now();
        assert_eq!(elapsed, Duration::from_secs(5));
        assert_eq!(clock.wall_at(elapsed), wall);
        clock.restart();
        assert_eq!(clock.elapsed(), Duration::ZERO);
        assert_eq!(clock.wall_at(Duration::ZERO), wall);
        tokio::time::advance(Duration::from_millis(1500)).await;
        let (elapsed, later) = clock.now();
        assert_eq!(elapsed, Duration::from_millis(1500));
        assert_eq!(later - wall, chrono::Duration::milliseconds(1500));
    }

    #[test]
    fn stamp_matches_chronos_rfc3339_with_millis() {
        let cases = [
            "2025-05-02T08:57:33.123456789Z",
            "2025-01-01T00:00:00Z",
            "1999-12-31T23:59:59.999Z",
            "0042-02-03T04:05:06.007Z",
            "9999-12-31T23:59:59.5Z",
            "2016-12-31T23:59:60.250Z",
        ];
        for case in cases {
            let at = DateTime::parse_from_rfc3339(case)
                .unwrap()
                .with_timezone(&Utc);
            assert_eq!(
                stamp(at),
                at.to_rfc3339_opts(SecondsFormat::Millis, true),
                "{case}"
            );
        }
        let far = DateTime::parse_from_rfc3339("2025-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
            + chrono::Duration::days(3_000_000);
        assert_eq!(stamp(far), far.to_rfc3339_opts(SecondsFormat::Millis, true));
    }
}
