//! `--max-count`: a smaller run of the same script that still tests what it schedules.

use std::num::NonZeroU64;

use super::Step;

/// Caps every issue step at `max` invoices. When a later step is timed against the
/// issuing (a `wait` or a `maintenance` window), the step's rate drops by the same
/// factor, so it lasts as long as in the full run and the windows, checkpoints and
/// restarts still fall mid-issue, among invoices still arriving.
pub(super) fn cap_issue_steps(steps: &mut [Step], max: NonZeroU64) {
    for i in 0..steps.len() {
        let timed_after = steps[i + 1..]
            .iter()
            .any(|s| matches!(s, Step::Wait(_) | Step::Maintenance(_)));
        let Step::Issue(issue) = &mut steps[i] else {
            continue;
        };
        let full = issue.count;
        issue.count = full.min(max);
        if !timed_after {
            continue;
        }
        if let Some(rate) = issue.rate.as_mut() {
            *rate.get_mut() *= issue.count.get() as f64 / full.get() as f64;
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::script::Scenario;

    fn rates(script: &str) -> Vec<(u64, Option<f64>)> {
        let mut s = Scenario::parse("x.toml", script).unwrap();
        s.apply(&crate::script::Overrides {
            max_count: std::num::NonZeroU64::new(50),
            ..Default::default()
        });
        s.steps
            .iter()
            .filter_map(|step| match step {
                crate::script::Step::Issue(i) => {
                    Some((i.count.get(), i.rate.as_ref().map(|r| *r.get_ref())))
                }
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_capped_step_keeps_its_length_when_a_window_is_timed_against_it() {
        let script = "name = \"x\"\n[[steps]]\nissue = { count = 500, rate = 100 }\n\
                      [[steps]]\nwait = \"1s\"\n[[steps]]\ncheckpoint = true\n";
        assert_eq!(rates(script), [(50, Some(10.0))]);
    }

    #[test]
    fn a_capped_step_keeps_its_rate_when_nothing_is_timed_against_it() {
        let script = "name = \"x\"\n[[steps]]\nwait = \"1s\"\n\
                      [[steps]]\nissue = { count = 400, rate = 200 }\n\
                      [[steps]]\nsettle = { timeout = \"5s\" }\n";
        assert_eq!(rates(script), [(50, Some(200.0))]);
    }
}
