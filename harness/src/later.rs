//! Deadlines from durations a user wrote. A script may say `timeout = "1000000y"`;
//! adding that to the clock must not panic, it means "not within this run".

use std::time::{Duration, Instant};

/// Where [`later`] stops: far beyond any run, near enough for every clock.
const FAR_FUTURE: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

/// The instant `d` from now, or about a century ahead when `d` is further than the
/// clock can reach.
pub fn later(d: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(d)
        .or_else(|| now.checked_add(FAR_FUTURE))
        .unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_duration_beyond_the_clock_is_about_a_century_ahead() {
        let far = later(Duration::MAX);
        assert!(far > Instant::now() + Duration::from_secs(365 * 24 * 3600));
        assert!(later(Duration::from_secs(1)) < far);
    }
}
