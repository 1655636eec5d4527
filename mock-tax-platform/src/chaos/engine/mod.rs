//! The fault engine: owns the policy — targeting, windows, counting, probability — and
//! asks the chosen fault what it does.
//!
//! For each request the rules are tried in plan order. A rule *matches* when its route,
//! seller, number prefix and window fit and its fault can act on the request; `first`
//! and `every` then look at how many requests it has matched before (arrival order),
//! the probability draw is a pure function of (seed, rule name, request key, attempt),
//! a rule still short of its `at_least` fires is hit whatever the draw, and `max`
//! caps the fires. Delays from every firing rule add up; the first rule whose
//! effect is not a delay decides the outcome and ends the search.
//!
//! Deciding takes `&self`: counters are atomics, no lock is held, nothing awaits.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tax_api::control::RuleStats;
use tax_api::Route;

use crate::chaos::counter::SpreadCount;
use crate::chaos::faults::{Effect, FAULT_ROUTES};
use crate::chaos::plan::{FaultRule, PlanError};
use crate::chaos::seeded::{self, derive, unit_f64, DecisionRng};

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

/// A rule ready to decide: its resolved targeting and its counters.
#[derive(Debug)]
struct Armed {
    rule: FaultRule,
    name: String,
    kind: &'static str,
    /// Routes the rule targets and its fault supports, as a bit mask (see `route_bit`).
    routes: u8,
    /// `None` for probability 1 (no draw needed).
    probability: Option<f64>,
    /// Whether the fault reads [`RequestFacts::existing`].
    needs_existing: bool,
    /// `derive(seed, ["chance", name])`: the rule's half of its probability draws.
    chance_seed: u64,
    /// `derive(seed, ["effect", name])`: the rule's half of its effects' randomness.
    effect_seed: u64,
    matched: Matched,
    fired: AtomicU64,
}

/// How often a rule's targeting matched.
#[derive(Debug)]
enum Matched {
    /// `first` and `every` need each request's exact place in the order.
    Ordered(AtomicU64),
    /// Other rules only report the total: counted without a shared cache line.
    Total(Box<SpreadCount>),
}

impl Matched {
    fn for_rule(rule: &FaultRule) -> Matched {
        let positive = |n: Option<u64>| n.is_some_and(|n| n > 0);
        if positive(rule.first) || positive(rule.every) {
            Matched::Ordered(AtomicU64::new(0))
        } else {
            Matched::Total(Box::default())
        }
    }

    /// Counts a match; its 0-based index when the rule needs it, else 0.
    fn count(&self) -> u64 {
        match self {
            Matched::Ordered(count) => count.fetch_add(1, Ordering::Relaxed),
            Matched::Total(count) => {
                count.increment();
                0
            }
        }
    }

    fn get(&self) -> u64 {
        match self {
            Matched::Ordered(count) => count.load(Ordering::Relaxed),
            Matched::Total(count) => count.get(),
        }
    }

    fn set(&self, total: u64) {
        match self {
            Matched::Ordered(count) => count.store(total, Ordering::Relaxed),
            Matched::Total(count) => count.set(total),
        }
    }
}

/// The loaded rules of one plan, with the run's seed.
#[derive(Debug)]
pub struct Engine {
    seed: u64,
    rules: Vec<Armed>,
    needs_existing: bool,
}

impl Engine {
    /// Arms these rules (validated; unnamed ones get a name) under `seed`.
    pub fn new(seed: u64, rules: Vec<FaultRule>) -> Result<Engine, PlanError> {
        let plan = crate::chaos::plan::Plan {
            faults: rules,
            ..Default::default()
        }
        .normalized()?;
        let rules = plan
            .faults
            .into_iter()
            .map(|rule| {
                let name = rule.label().to_owned();
                let target = rule.route();
                let fault = rule.fault.as_fault();
                let supported = fault.routes();
                let routes = FAULT_ROUTES
                    .iter()
                    .copied()
                    .filter(|r| target.covers(*r) && supported.supports(*r))
                    .fold(0, |mask, r| mask | route_bit(r));
                Armed {
                    kind: fault.kind(),
                    needs_existing: fault.needs_existing(),
                    routes,
                    probability: rule.probability.filter(|p| *p < 1.0),
                    chance_seed: derive(seed, &[b"chance", name.as_bytes()]),
                    effect_seed: derive(seed, &[b"effect", name.as_bytes()]),
                    matched: Matched::for_rule(&rule),
                    name,
                    rule,
                    fired: AtomicU64::new(0),
                }
            })
            .collect::<Vec<Armed>>();
        let needs_existing = rules.iter().any(|a| a.needs_existing);
        Ok(Engine {
            seed,
            rules,
            needs_existing,
        })
    }

    /// An engine for `rules` that keeps the counters of rules whose names it shares
    /// with `self`, so adding or deleting one rule does not reset the others' `first`,
    /// `every` and `max`.
    pub fn replaced(&self, rules: Vec<FaultRule>) -> Result<Engine, PlanError> {
        let next = Engine::new(self.seed, rules)?;
        for armed in &next.rules {
            if let Some(old) = self.rules.iter().find(|o| o.name == armed.name) {
                armed.matched.set(old.matched.get());
                armed
                    .fired
                    .store(old.fired.load(Ordering::Relaxed), Ordering::Relaxed);
            }
        }
        Ok(next)
    }

    /// Whether some rule that targets this request needs [`RequestFacts::existing`]
    /// filled in, so the upload path looks the number up in the store only then.
    pub fn needs_existing(&self, req: &RequestFacts<'_>) -> bool {
        self.needs_existing
            && self.rules.iter().any(|a| {
                a.needs_existing && a.routes & route_bit(req.route) != 0 && targets_cheaply(a, req)
            })
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
                matched: a.matched.get(),
                fired: a.fired.load(Ordering::Relaxed),
            })
            .collect()
    }

    /// Decides what happens to one request.
    pub fn decide(&self, req: &RequestFacts<'_>) -> Decision {
        let mut decision = Decision::default();
        let bit = route_bit(req.route);
        // Hashed at most once per request, and only if a rule needs it.
        let mut request = None;
        let mut request_hash =
            || *request.get_or_insert_with(|| seeded::request_hash(req.key, req.attempt));
        for armed in &self.rules {
            if armed.routes & bit == 0 || !targets(armed, req) {
                continue;
            }
            let index = armed.matched.count();
            if !counted_in(&armed.rule, index) {
                continue;
            }
            let drawn = armed.probability.map_or(true, |p| {
                unit_f64(seeded::combine(armed.chance_seed, request_hash())) < p
            });
            let claimed = if drawn {
                claim(armed)
            } else {
                claim_owed(armed)
            };
            if !claimed {
                continue;
            }
            let mut rng = DecisionRng::new(seeded::combine(armed.effect_seed, request_hash()));
            let effect = armed.rule.fault.as_fault().effect(&mut rng);
            decision.fired.push(FiredRule {
                name: armed.name.clone(),
                kind: armed.kind,
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
}

/// Seller, prefix, window and applicability: the targeting beyond the route mask.
fn targets(armed: &Armed, req: &RequestFacts<'_>) -> bool {
    targets_cheaply(armed, req) && armed.rule.fault.as_fault().applies(req)
}

/// Seller, prefix and window, without asking the fault.
fn targets_cheaply(armed: &Armed, req: &RequestFacts<'_>) -> bool {
    let rule = &armed.rule;
    rule.after.map_or(true, |a| req.elapsed >= a)
        && rule.until.map_or(true, |u| req.elapsed < u)
        && rule
            .seller
            .as_deref()
            .map_or(true, |s| req.seller == Some(s))
        && rule
            .number_prefix
            .as_deref()
            .map_or(true, |p| req.number.is_some_and(|n| n.starts_with(p)))
}

/// One bit per API route, for the armed route mask.
fn route_bit(route: Route) -> u8 {
    match route {
        Route::Upload => 1,
        Route::Get => 2,
        Route::Query => 4,
        Route::Verify => 8,
        Route::Auth => 16,
        Route::Session => 32,
        _ => 0,
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

/// Counts a fire the draw did not give while the rule is short of `at_least` fires.
/// `at_least` never exceeds `max` (validated), so this never breaks the cap.
fn claim_owed(armed: &Armed) -> bool {
    let Some(least) = armed.rule.at_least.filter(|n| *n > 0) else {
        return false;
    };
    armed
        .fired
        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |f| {
            (f < least).then_some(f + 1)
        })
        .is_ok()
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
