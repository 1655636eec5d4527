//! Cost of one fault decision: `cargo bench -p mock-tax-platform --bench decision`.
//!
//! Loads `bench/twenty-rules.toml` (twenty rules that evaluate but never fire on this
//! traffic) and times `Engine::decide` over a million distinct uploads, against an
//! engine with no rules and one whose twenty rules all match and draw. Prints
//! nanoseconds per decision; a measurement, not a test.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use mock_tax_platform::engine::{Engine, RequestFacts};
use mock_tax_platform::plan::Plan;
use tax_api::Route;

const REQUESTS: usize = 1_000_000;
const SELLER: &str = "91110000MA01ABCD1X";

fn time(engine: &Engine, numbers: &[String]) -> f64 {
    let start = Instant::now();
    let mut fired = 0usize;
    for (i, number) in numbers.iter().enumerate() {
        let facts = RequestFacts {
            route: Route::Upload,
            seller: Some(SELLER),
            number: Some(number),
            key: number,
            attempt: (i % 3) as u32,
            elapsed: Duration::from_millis(i as u64),
            existing: false,
        };
        fired += usize::from(!black_box(engine.decide(black_box(&facts))).is_clean());
    }
    assert_eq!(fired, 0, "the bench rules must not fire");
    start.elapsed().as_nanos() as f64 / numbers.len() as f64
}

fn main() {
    let text = include_str!("../../bench/twenty-rules.toml");
    let plan = Plan::from_toml_str(text).unwrap();
    assert_eq!(plan.faults.len(), 20);
    let all_match: Vec<_> = plan
        .faults
        .iter()
        .cloned()
        .map(|mut r| {
            r.seller = None;
            r.number_prefix = None;
            r.probability = Some(0.0);
            r
        })
        .collect();
    let numbers: Vec<String> = (0..REQUESTS).map(|i| format!("B{i:018}")).collect();
    let engines = [
        ("no rules", Engine::new(7, vec![]).unwrap()),
        (
            "20 rules, bench/twenty-rules.toml",
            Engine::new(7, plan.faults).unwrap(),
        ),
        (
            "20 rules, all match and draw",
            Engine::new(7, all_match).unwrap(),
        ),
    ];
    // Warm up once, then take the best of three runs of each.
    for (_, engine) in &engines {
        time(engine, &numbers[..REQUESTS / 10]);
    }
    for (label, engine) in &engines {
        let best = (0..3)
            .map(|_| time(engine, &numbers))
            .fold(f64::INFINITY, f64::min);
        println!(
            "fault decision, {label}: {best:.1} ns/decision ({REQUESTS} decisions, best of 3)"
        );
    }
}
