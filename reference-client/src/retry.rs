//! Retry policy: which failures are worth another try, and how long to wait first.
//! Exponential backoff with jitter derived from a seed and the invoice, so a run is
//! repeatable; a `Retry-After` from the platform is a floor on the wait.

use std::time::Duration;

use tax_api::ErrorCode;

use crate::platform::Transport;

/// What a failed exchange means for delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    /// Worth retrying unchanged. `in_doubt`: the platform may have acted on the request,
    /// so a careful client looks before it resends.
    Transient { in_doubt: bool },
    /// 409: the number is taken, possibly by this very invoice.
    Duplicate,
    /// 401: the token was refused; a real client refreshes it and retries a few times.
    Unauthorized,
    /// Any other 4xx: the same request will never succeed.
    Permanent,
}

/// Classifies a transport failure.
pub(crate) fn classify_transport(t: Transport) -> Class {
    match t {
        Transport::Connect => Class::Transient { in_doubt: false },
        Transport::Timeout | Transport::Reset => Class::Transient { in_doubt: true },
    }
}

/// Classifies an HTTP error answer.
pub(crate) fn classify_status(status: u16, code: ErrorCode) -> Class {
    match (status, code) {
        (409, _) | (_, ErrorCode::Duplicate) => Class::Duplicate,
        (401, _) => Class::Unauthorized,
        (429, _) | (503, _) => Class::Transient { in_doubt: false },
        // The platform gave up reading the body: it cannot have stored the invoice.
        (408, _) => Class::Transient { in_doubt: false },
        // A 5xx may come after the platform committed (error_after_commit).
        (500..=599, _) => Class::Transient { in_doubt: true },
        _ if code.retryable() => Class::Transient { in_doubt: true },
        _ => Class::Permanent,
    }
}

/// SplitMix64: a tiny, good-enough mixer for jitter.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

fn key_of(text: &str) -> u64 {
    text.bytes().fold(0xCBF2_9CE4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01B3)
    })
}

/// The retry timing of one client.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Backoff {
    /// Delay before the first retry (before jitter).
    pub base: Duration,
    /// Largest delay from the exponential part.
    pub cap: Duration,
    /// Seed of the jitter.
    pub seed: u64,
}

impl Backoff {
    /// The wait before retry number `attempt` (0 = first retry) of invoice `key`:
    /// half of `min(cap, base·2^attempt)` plus a jitter up to the other half, and at
    /// least `retry_after` when the platform gave one.
    pub(crate) fn delay(&self, key: &str, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let exp = self
            .base
            .saturating_mul(1u32.checked_shl(attempt.min(20)).unwrap_or(u32::MAX))
            .min(self.cap);
        let half = exp / 2;
        let span = u64::try_from(half.as_micros()).unwrap_or(u64::MAX).max(1);
        let r = mix(self.seed ^ key_of(key) ^ mix(u64::from(attempt))) % span;
        let jittered = half + Duration::from_micros(r);
        match retry_after {
            Some(ra) => jittered.max(ra),
            None => jittered,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> Backoff {
        Backoff {
            base: Duration::from_millis(100),
            cap: Duration::from_secs(2),
            seed: 7,
        }
    }

    #[test]
    fn timeouts_and_resets_are_in_doubt_but_refused_connections_are_not() {
        assert_eq!(
            classify_transport(Transport::Timeout),
            Class::Transient { in_doubt: true }
        );
        assert_eq!(
            classify_transport(Transport::Reset),
            Class::Transient { in_doubt: true }
        );
        assert_eq!(
            classify_transport(Transport::Connect),
            Class::Transient { in_doubt: false }
        );
    }

    #[test]
    fn a_body_read_timeout_is_retried_and_not_in_doubt() {
        assert_eq!(
            classify_status(408, ErrorCode::RequestTimeout),
            Class::Transient { in_doubt: false }
        );
        assert_eq!(crate::platform::status_code(408), ErrorCode::RequestTimeout);
    }

    #[test]
    fn only_transient_statuses_are_retried() {
        assert!(matches!(
            classify_status(429, ErrorCode::RateLimited),
            Class::Transient { .. }
        ));
        assert!(matches!(
            classify_status(503, ErrorCode::Maintenance),
            Class::Transient { .. }
        ));
        assert!(matches!(
            classify_status(500, ErrorCode::Internal),
            Class::Transient { in_doubt: true }
        ));
        assert_eq!(classify_status(409, ErrorCode::Duplicate), Class::Duplicate);
        assert_eq!(
            classify_status(401, ErrorCode::Unauthorized),
            Class::Unauthorized
        );
        assert_eq!(
            classify_status(400, ErrorCode::ValidationFailed),
            Class::Permanent
        );
        assert_eq!(
            classify_status(422, ErrorCode::TotalsMismatch),
            Class::Permanent
        );
    }

    #[test]
    fn backoff_grows_stays_under_the_cap_and_is_repeatable() {
        let p = policy();
        for attempt in 0..30 {
            let d = p.delay("INV-1", attempt, None);
            let exp = Duration::from_millis(100)
                .saturating_mul(1 << attempt.min(20))
                .min(p.cap);
            assert!(d >= exp / 2 && d <= exp, "attempt {attempt}: {d:?}");
            assert_eq!(d, p.delay("INV-1", attempt, None));
        }
    }

    #[test]
    fn jitter_differs_between_invoices() {
        let p = policy();
        let delays: std::collections::HashSet<_> = (0..20)
            .map(|i| p.delay(&format!("INV-{i}"), 3, None))
            .collect();
        assert!(delays.len() > 10, "{delays:?}");
    }

    #[test]
    fn retry_after_is_a_floor() {
        let p = policy();
        assert_eq!(
            p.delay("INV-1", 0, Some(Duration::from_secs(3))),
            Duration::from_secs(3)
        );
    }
}
