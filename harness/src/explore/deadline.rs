//! `longest_run` against the client's own deadline. A robust client may take up to
//! its delivery deadline to give up on a submission and flag it; a settle step that
//! ends sooner reports the invoice `UNRESOLVED`, which is the bound talking, not the
//! client. Against the reference client the deadline is known, so exploration raises
//! the bound to it; a bound the script set is kept, with a warning.

use std::time::Duration;

use super::bounds::Bounds;
use crate::script::{AdapterSpec, ClientMode, Scenario};

/// Time past the client's deadline for its flag to reach the ledger.
const GRACE: Duration = Duration::from_secs(10);

/// The reference client's delivery deadline, as the harness starts it.
fn reference_deadline() -> Duration {
    reference_client::ClientConfig::new("", "", "").delivery_deadline
}

/// Raises `bounds.longest_run` where the client's deadline is known and the script
/// left it unset; returns what the terminal should say about it, if anything.
pub fn fit(base: &Scenario, bounds: &mut Bounds) -> Option<String> {
    match base.client.adapter {
        // The naive client never waits to prove anything.
        AdapterSpec::Reference {
            mode: ClientMode::Naive,
        } => return None,
        AdapterSpec::Reference {
            mode: ClientMode::Robust,
        } => {}
        _ if bounds.longest_run_given => return None,
        _ => {
            return Some(format!(
                "note: each scenario settles for at most {} (longest_run); set it above the \
                 time your client takes to give up and flag an invoice, or its slow flags \
                 show as UNRESOLVED",
                humantime::format_duration(bounds.longest_run)
            ))
        }
    }
    let needed = reference_deadline() + GRACE;
    if bounds.longest_run >= needed {
        return None;
    }
    let deadline = humantime::format_duration(reference_deadline());
    if bounds.longest_run_given {
        return Some(format!(
            "warning: longest_run = {} is shorter than the reference client's {deadline} \
             delivery deadline: an invoice it is still trying to prove shows as UNRESOLVED \
             (set longest_run to at least {})",
            humantime::format_duration(bounds.longest_run),
            humantime::format_duration(needed)
        ));
    }
    bounds.longest_run = needed;
    Some(format!(
        "longest_run raised to {} to cover the reference client's {deadline} delivery deadline",
        humantime::format_duration(needed)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(mode: &str) -> Scenario {
        let src = format!(
            "name = \"x\"\n[client]\nadapter = \"reference\"\nmode = \"{mode}\"\n\
             [[steps]]\nissue = {{ count = 1 }}\n"
        );
        Scenario::parse("x.toml", &src).unwrap()
    }

    #[test]
    fn an_unset_bound_is_raised_to_the_robust_clients_deadline() {
        let mut bounds = Bounds::default();
        let said = fit(&base("robust"), &mut bounds).unwrap();
        assert_eq!(bounds.longest_run, reference_deadline() + GRACE);
        assert!(said.contains("raised"), "{said}");
    }

    #[test]
    fn a_bound_the_script_set_is_kept_with_a_warning() {
        let mut bounds = Bounds {
            longest_run: Duration::from_secs(5),
            longest_run_given: true,
            ..Bounds::default()
        };
        let said = fit(&base("robust"), &mut bounds).unwrap();
        assert_eq!(bounds.longest_run, Duration::from_secs(5));
        assert!(said.starts_with("warning:"), "{said}");
    }

    #[test]
    fn the_naive_client_never_waits_so_its_bound_stays() {
        let mut bounds = Bounds::default();
        assert_eq!(fit(&base("naive"), &mut bounds), None);
        assert_eq!(bounds.longest_run, Bounds::default().longest_run);
    }
}
