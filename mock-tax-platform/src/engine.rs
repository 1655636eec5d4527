//! The fault engine: owns the policy — targeting, windows, counting, probability — and
//! asks the chosen fault what it does.
//!
//! For each request the rules are tried in plan order. A rule *matches* when its route,
//! seller, number prefix and window fit and its fault can act on the request; `first`
//! and `every` then look at how many requests it has matched before (arrival order),
//! the probability draw is a pure function of (seed, rule name, request key, attempt),
//! and `max` caps the fires. Delays from every firing rule add up; the first rule whose
//! effect is not a delay decides the outcome and ends the search.
//!
//! Deciding takes `&self`: counters are atomics, no lock is held, nothing awaits.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tax_api::Route;

use crate::faults::Effect;
use crate::plan::{FaultRule, PlanError, RouteTarget};
use crate::seeded::{derive, unit_f64, DecisionRng};

/// What the engine needs to know about one request.
#[derive(Debug, Clone, Copy)]
pub struct RequestFacts<'a> {
    /// Which API route.
    pub route: Route,
    /// The authenticated seller, when known.
    pub seller: Option<&'a str>,
    /// The invoice number the request is about, when it names one.
    pub number: Option<&'a str>,
    /// The decision's identity: the invoice number, or for requests without one a
    /// stable key built from the request (e.g. the query's seller, period and cursor).
    pub key: &'a str,
    /// 0 for the first request with this key on this route, 1 for the next, …
    pub attempt: u32,
    /// Time since the plan started, for `after`/`until`.
    pub elapsed: Duration,
    /// For uploads: whether the number is already stored for this seller.
    pub existing: bool,
}

/// A rule that fired on a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FiredRule {
    /// The rule's name.
    pub name: String,
    /// Its fault kind.
    pub kind: &'static str,
}

/// The engine's answer for one request.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Decision {
    /// Total delay to await (outside any lock) before acting.
    pub delay: Duration,
    /// The outcome-deciding effect, if a rule other than a delay fired.
    pub effect: Option<Effect>,
    /// Every rule that fired, delays included, in plan order.
    pub fired: Vec<FiredRule>,
}

impl Decision {
    /// Whether no rule fired.
    pub fn is_clean(&self) -> bool {
        self.fired.is_empty()
    }

    /// The fired rules' names joined with `+`, for the journal's `rule`.
    pub fn rule_label(&self) -> Option<String> {
        self.label(|f| f.name.as_str())
    }

    /// The fired rules' kinds joined with `+`, for the journal's `fault`.
    pub fn kind_label(&self) -> Option<String> {
        self.label(|f| f.kind)
    }

    fn label<'a>(&'a self, part: impl Fn(&'a FiredRule) -> &'a str) -> Option<String> {
        match self.fired.as_slice() {
            [] => None,
            [one] => Some(part(one).to_owned()),
            many => Some(many.iter().map(part).collect::<Vec<_>>().join("+")),
        }
    }
}

/// How often one rule matched and fired, for `GET /_chaos/stats`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleStats {
    /// The rule's name.
    pub name: String,
    /// Its fault kind.
    pub kind: String,
    /// Requests it matched (route, seller, prefix, window, applicability).
    pub matched: u64,
    /// Requests it fired on.
    pub fired: u64,
}

/// A rule ready to decide: its resolved targeting and its counters.
#[derive(Debug)]
struct Armed {
    rule: FaultRule,
    name: String,
    route: RouteTarget,
    /// `None` for probability 1 (no draw needed).
    probability: Option<f64>,
    matched: AtomicU64,
    fired: AtomicU64,
}

/// The loaded rules of one plan, with the run's seed.
#[derive(Debug)]
pub struct Engine {
    seed: u64,
    rules: Vec<Armed>,
}

impl Engine {
    /// Arms these rules (validated; unnamed ones get a name) under `seed`.
    pub fn new(seed: u64, rules: Vec<FaultRule>) -> Result<Engine, PlanError> {
        let plan = crate::plan::Plan {
            faults: rules,
            ..Default::default()
        }
        .normalized()?;
        let rules = plan
            .faults
            .into_iter()
            .map(|rule| {
                let name = rule.label().to_owned();
                Armed {
                    route: rule.route(),
                    probability: rule.probability.filter(|p| *p < 1.0),
                    name,
                    rule,
                    matched: AtomicU64::new(0),
                    fired: AtomicU64::new(0),
                }
            })
            .collect();
        Ok(Engine { seed, rules })
    }

    /// An engine for `rules` that keeps the counters of rules whose names it shares
    /// with `self`, so adding or deleting one rule does not reset the others' `first`,
    /// `every` and `max`.
    pub fn replaced(&self, rules: Vec<FaultRule>) -> Result<Engine, PlanError> {
        let next = Engine::new(self.seed, rules)?;
        for armed in &next.rules {
            if let Some(old) = self.rules.iter().find(|o| o.name == armed.name) {
                armed
                    .matched
                    .store(old.matched.load(Ordering::Relaxed), Ordering::Relaxed);
                armed
                    .fired
                    .store(old.fired.load(Ordering::Relaxed), Ordering::Relaxed);
            }
        }
        Ok(next)
    }

    /// The run's seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The loaded rules, named, in order.
    pub fn rules(&self) -> Vec<FaultRule> {
        self.rules.iter().map(|a| a.rule.clone()).collect()
    }

    /// Matched and fired counts per rule, in plan order.
    pub fn stats(&self) -> Vec<RuleStats> {
        self.rules
            .iter()
            .map(|a| RuleStats {
                name: a.name.clone(),
                kind: a.rule.fault.name().to_owned(),
                matched: a.matched.load(Ordering::Relaxed),
                fired: a.fired.load(Ordering::Relaxed),
            })
            .collect()
    }

    /// Decides what happens to one request.
    pub fn decide(&self, req: &RequestFacts<'_>) -> Decision {
        let mut decision = Decision::default();
        for armed in &self.rules {
            if !self.targets(armed, req) {
                continue;
            }
            let index = armed.matched.fetch_add(1, Ordering::Relaxed);
            if !counted_in(&armed.rule, index) || !self.draws(armed, req) || !claim(armed) {
                continue;
            }
            let mut rng = DecisionRng::new(self.identity(armed, req, b"effect"));
            let effect = armed.rule.fault.as_fault().effect(&mut rng);
            decision.fired.push(FiredRule {
                name: armed.name.clone(),
                kind: armed.rule.fault.name(),
            });
            match effect {
                Effect::Delay(d) => decision.delay += d,
                other => {
                    decision.effect = Some(other);
                    break;
                }
            }
        }
        decision
    }

    /// Route, seller, prefix, window and applicability: everything but counting and chance.
    fn targets(&self, armed: &Armed, req: &RequestFacts<'_>) -> bool {
        let rule = &armed.rule;
        let fault = rule.fault.as_fault();
        armed.route.covers(req.route)
            && fault.supports(req.route)
            && rule
                .seller
                .as_deref()
                .map_or(true, |s| req.seller == Some(s))
            && rule
                .number_prefix
                .as_deref()
                .map_or(true, |p| req.number.is_some_and(|n| n.starts_with(p)))
            && rule.after.map_or(true, |a| req.elapsed >= a)
            && rule.until.map_or(true, |u| req.elapsed < u)
            && fault.applies(req)
    }

    /// The probability draw: pure in (seed, rule, key, attempt).
    fn draws(&self, armed: &Armed, req: &RequestFacts<'_>) -> bool {
        match armed.probability {
            None => true,
            Some(p) => unit_f64(self.identity(armed, req, b"chance")) < p,
        }
    }

    fn identity(&self, armed: &Armed, req: &RequestFacts<'_>, purpose: &[u8]) -> u64 {
        derive(
            self.seed,
            &[
                purpose,
                armed.name.as_bytes(),
                req.key.as_bytes(),
                &req.attempt.to_le_bytes(),
            ],
        )
    }
}

/// `first` and `every` against the rule's 0-based match index.
fn counted_in(rule: &FaultRule, index: u64) -> bool {
    let first_ok = rule.first.filter(|n| *n > 0).map_or(true, |n| index < n);
    let every_ok = rule
        .every
        .filter(|n| *n > 0)
        .map_or(true, |n| (index + 1) % n == 0);
    first_ok && every_ok
}

/// Counts a fire unless `max` is reached.
fn claim(armed: &Armed) -> bool {
    match armed.rule.max.filter(|m| *m > 0) {
        None => {
            armed.fired.fetch_add(1, Ordering::Relaxed);
            true
        }
        Some(max) => armed
            .fired
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |f| {
                (f < max).then_some(f + 1)
            })
            .is_ok(),
    }
}

#[cfg(test)]
mod tests;
