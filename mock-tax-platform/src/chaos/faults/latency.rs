//! `latency`: the answer is delayed, then the request is handled normally. The delay
//! is fixed (`delay`), uniform (`low`..`high`) or log-normal (`median`, `sigma`).

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{Effect, Fault, Routes};
use crate::chaos::plan::duration;
use crate::chaos::seeded::DecisionRng;

/// Longest delay a log-normal draw may produce, so a heavy tail cannot stall a run.
const LOG_NORMAL_CAP: Duration = Duration::from_secs(60);

/// Settings of a `latency` fault; give exactly one shape: `delay`, or `low` and
/// `high`, or `median` (with optional `sigma`, default 0.5).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Latency {
    /// Fixed delay.
    #[serde(
        default,
        with = "duration::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub delay: Option<Duration>,
    /// Uniform delay: lower bound.
    #[serde(
        default,
        with = "duration::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub low: Option<Duration>,
    /// Uniform delay: upper bound.
    #[serde(
        default,
        with = "duration::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub high: Option<Duration>,
    /// Log-normal delay: the median.
    #[serde(
        default,
        with = "duration::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub median: Option<Duration>,
    /// Log-normal delay: the spread (standard deviation of the log), default 0.5.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sigma: Option<f64>,
}

impl Latency {
    /// A fixed delay.
    pub fn fixed(delay: Duration) -> Self {
        Latency {
            delay: Some(delay),
            ..Latency::default()
        }
    }

    /// Draws one delay.
    fn draw(&self, rng: &mut DecisionRng) -> Duration {
        if let Some(d) = self.delay {
            return d;
        }
        if let (Some(low), Some(high)) = (self.low, self.high) {
            let span = high.saturating_sub(low).as_nanos() as u64;
            return low.saturating_add(Duration::from_nanos(rng.below(span.saturating_add(1))));
        }
        let median = self.median.unwrap_or_default().as_secs_f64();
        let sigma = self.sigma.unwrap_or(0.5);
        // Box–Muller: one standard normal from two uniforms (1 - u avoids ln 0).
        let (u1, u2) = (1.0 - rng.next_f64(), rng.next_f64());
        let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
        let secs = median * (sigma * z).exp();
        Duration::try_from_secs_f64(secs)
            .unwrap_or(LOG_NORMAL_CAP)
            .min(LOG_NORMAL_CAP)
    }
}

impl Fault for Latency {
    fn kind(&self) -> &'static str {
        "latency"
    }

    fn routes(&self) -> Routes {
        Routes::ANY
    }

    fn validate(&self) -> Result<(), String> {
        let shapes = [
            self.delay.is_some(),
            self.low.is_some() || self.high.is_some(),
            self.median.is_some() || self.sigma.is_some(),
        ];
        match shapes.iter().filter(|s| **s).count() {
            1 => {}
            0 => {
                return Err("expected `delay`, or `low` and `high`, or `median`; found none".into())
            }
            _ => {
                return Err(
                    "expected one shape: `delay`, or `low` and `high`, or `median`; found several"
                        .into(),
                )
            }
        }
        match (self.low, self.high) {
            (Some(low), Some(high)) if low > high => {
                return Err(format!("`low` ({low:?}) must not exceed `high` ({high:?})"))
            }
            (Some(_), None) | (None, Some(_)) => {
                return Err("a uniform delay needs both `low` and `high`".into())
            }
            _ => {}
        }
        if self.sigma.is_some() && self.median.is_none() {
            return Err("`sigma` needs `median`".into());
        }
        match self.sigma {
            Some(s) if !(s.is_finite() && s >= 0.0) => {
                Err(format!("`sigma` must be a finite number ≥ 0, found {s}"))
            }
            _ => Ok(()),
        }
    }

    fn effect(&self, rng: &mut DecisionRng) -> Effect {
        Effect::Delay(self.draw(rng))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniform_latency_stays_within_its_bounds() {
        let latency = Latency {
            low: Some(Duration::from_millis(10)),
            high: Some(Duration::from_millis(20)),
            ..Latency::default()
        };
        let mut rng = DecisionRng::new(1);
        for _ in 0..1000 {
            let d = latency.draw(&mut rng);
            assert!(
                d >= Duration::from_millis(10) && d <= Duration::from_millis(20),
                "{d:?}"
            );
        }
    }

    #[test]
    fn log_normal_latency_has_its_median() {
        let latency = Latency {
            median: Some(Duration::from_millis(100)),
            sigma: Some(0.5),
            ..Latency::default()
        };
        let mut rng = DecisionRng::new(2);
        let mut draws: Vec<Duration> = (0..2001).map(|_| latency.draw(&mut rng)).collect();
        draws.sort();
        let median = draws[1000].as_secs_f64();
        assert!((0.09..0.11).contains(&median), "median {median}");
    }

    #[test]
    fn latency_with_two_shapes_is_refused() {
        let latency = Latency {
            delay: Some(Duration::from_millis(1)),
            median: Some(Duration::from_millis(1)),
            ..Latency::default()
        };
        assert!(latency.validate().is_err());
        assert!(Latency::default().validate().is_err());
    }
}
