//! The platform's clock: time since the run started (or was last reset), on
//! `tokio::time::Instant` so tests can pause and advance it, mapped onto wall time
//! for the RFC 3339 stamps the API prints.

use std::sync::RwLock;
use std::time::Duration;

use chrono::{DateTime, Datelike, SecondsFormat, Timelike, Utc};
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
