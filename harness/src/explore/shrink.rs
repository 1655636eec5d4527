//! Shrinking a finding with proptest's value-tree simplification: each simpler
//! candidate is kept only if it still fails with the same violation class in every
//! one of `--confirm` runs; otherwise the tree backs off (`complicate`).

use std::collections::HashMap;
use std::time::Instant;

use proptest::strategy::ValueTree;

use super::case::Case;
use super::session::{ExploreError, Session};

/// Most candidates tried before shrinking stops with what it has.
pub const MAX_SHRINK_STEPS: u64 = 200;

/// The smallest case found and how it was reached.
pub struct Shrunk {
    /// The smallest case that still reproduces the class.
    pub minimal: Case,
    /// `shrink.log`, one line per candidate.
    pub log: Vec<String>,
}

/// Shrinks the failing case `tree` currently holds, keeping violation class `class`,
/// until nothing simpler reproduces, [`MAX_SHRINK_STEPS`] were tried, or `deadline`.
pub async fn shrink(
    session: &mut Session<'_>,
    tree: &mut dyn ValueTree<Value = Case>,
    seed: u64,
    class: &str,
    deadline: Instant,
) -> Result<Shrunk, ExploreError> {
    let mut best = tree.current();
    let mut log = vec![format!(
        "start: {} (fails with {class}); a candidate is kept only if all {} run(s) show {class}",
        best.size(),
        session.confirm
    )];
    // Candidates already judged, by script text: the tree may offer one twice.
    let mut judged: HashMap<String, Option<String>> = HashMap::new();
    let mut more = tree.simplify();
    while more {
        let candidate = tree.current();
        if candidate == best {
            // Backing off can land on the case already known to fail.
            more = tree.simplify();
            continue;
        }
        if session.stats.shrink_steps >= MAX_SHRINK_STEPS {
            log.push(format!(
                "stopped after {MAX_SHRINK_STEPS} steps; the result is small, maybe not smallest"
            ));
            break;
        }
        if Instant::now() >= deadline {
            log.push(
                "stopped: the shrinking budget (as long as --budget) ran out; the result is \
                 smaller, maybe not smallest"
                    .into(),
            );
            break;
        }
        let change = best.change_to(&candidate);
        session.stats.shrink_steps += 1;
        let step = session.stats.shrink_steps;
        let text = session.text(&candidate, seed, "explore-candidate", &[])?;
        let failed_as = match judged.get(&text) {
            Some(known) => known.clone(),
            None => {
                let verdict = session.reproduces(&text, class).await?;
                judged.insert(text, verdict.clone());
                verdict
            }
        };
        match failed_as {
            None => {
                log.push(format!(
                    "step {step}: {change} -> kept (now {})",
                    candidate.size()
                ));
                session.stats.shrink_kept += 1;
                best = candidate;
                more = tree.simplify();
            }
            Some(seen) => {
                log.push(format!("step {step}: {change} -> not kept ({seen})"));
                more = tree.complicate();
            }
        }
        session.show("shrinking", &best.size());
    }
    log.push(format!("minimal: {}", best.size()));
    Ok(Shrunk { minimal: best, log })
}

#[cfg(test)]
mod tests {
    use proptest::strategy::Strategy;
    use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

    use super::*;
    use crate::explore::bounds::Bounds;
    use crate::explore::progress::{Progress, Stats};
    use crate::explore::strategy::{cases, Shape};
    use crate::script::{Overrides, Scenario};

    #[tokio::test]
    async fn shrinking_past_its_deadline_keeps_the_failing_case_and_says_why() {
        let base =
            Scenario::parse("b.toml", "name = \"b\"\n[[steps]]\nissue = { count = 1 }\n").unwrap();
        let bounds = Bounds::default();
        let overrides = Overrides::default();
        let scratch = tempfile::tempdir().unwrap();
        let mut session = Session {
            base: &base,
            bounds: &bounds,
            overrides: &overrides,
            scratch: scratch.path(),
            confirm: 1,
            stats: Stats::default(),
            progress: Progress::new(true),
        };
        let shape = Shape {
            can_restart: true,
            numbers_known: true,
        };
        let mut runner = TestRunner::new_with_rng(
            Config::default(),
            TestRng::from_seed(RngAlgorithm::ChaCha, &[4; 32]),
        );
        let mut tree = loop {
            let tree = cases(&bounds, shape).new_tree(&mut runner).unwrap();
            if tree.current().count > 1 {
                break tree;
            }
        };
        let original = tree.current();

        let shrunk = shrink(&mut session, tree.as_mut(), 1, "LOST", Instant::now())
            .await
            .unwrap();

        assert_eq!(shrunk.minimal, original);
        assert_eq!(session.stats.runs, 0, "nothing runs past the deadline");
        assert!(
            shrunk
                .log
                .iter()
                .any(|l| l.starts_with("stopped: the shrinking budget")),
            "{:?}",
            shrunk.log
        );
    }
}
