//! `slow_query`: a read (query, get or verify) is delayed, or hangs without an answer.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{Effect, Fault, Routes};
use crate::chaos::plan::duration;
use crate::chaos::seeded::DecisionRng;

/// Settings of a `slow_query` fault: `delay = "5s"`, or `hang = true`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlowQuery {
    /// How long the read is delayed before it is answered normally.
    #[serde(
        default,
        with = "duration::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub delay: Option<Duration>,
    /// Never answer: hold the connection until the client gives up.
    #[serde(default)]
    pub hang: bool,
}

impl Fault for SlowQuery {
    fn kind(&self) -> &'static str {
        "slow_query"
    }

    fn routes(&self) -> Routes {
        Routes::READS
    }

    fn validate(&self) -> Result<(), String> {
        match (self.delay, self.hang) {
            (Some(_), true) => Err("expected `delay` or `hang = true`, found both".into()),
            (None, false) => {
                Err("expected `delay = \"5s\"` or `hang = true`, found neither".into())
            }
            _ => Ok(()),
        }
    }

    fn effect(&self, _rng: &mut DecisionRng) -> Effect {
        match self.delay {
            Some(d) if !self.hang => Effect::Delay(d),
            _ => Effect::Hang { commit: false },
        }
    }
}
