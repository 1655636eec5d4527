//! The `[explore]` table of a base script: what exploration may generate.
//!
//! ```toml
//! [explore]
//! faults = ["drop_after_ack", "partial_write"]   # kinds allowed (default: every kind)
//! exclude_faults = ["commit_then_timeout"]      # kinds never generated
//! max_invoices = 20
//! max_rules = 3
//! maintenance = true        # maintenance windows with migration loss
//! restarts = true           # client restarts (reference and command adapters)
//! async_processing = true   # the platform answers 202 and stores later
//! windows = true            # fault rules active only for a time window
//! longest_run = "15s"       # the settle step's timeout
//! ```

use serde::Deserialize;
use toml::Spanned;

use super::strategy::KINDS;
use crate::script::{HumanDuration, ScriptError};

/// The bounds, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Bounds {
    /// Fault kinds that may be generated, in the order shrinking prefers (earlier first).
    pub kinds: Vec<&'static str>,
    /// Most invoices per generated scenario (at least 1).
    pub max_invoices: u64,
    /// Most fault rules per generated scenario.
    pub max_rules: usize,
    /// Whether maintenance windows may be generated.
    pub maintenance: bool,
    /// Whether client restarts may be generated.
    pub restarts: bool,
    /// Whether asynchronous processing may be generated.
    pub async_processing: bool,
    /// Whether fault rules may get time windows (their timing counts from the plan's
    /// start, which the client's start-up shifts against the issuing).
    pub windows: bool,
    /// How long the settle step waits for the client at most.
    pub longest_run: std::time::Duration,
    /// Whether the base script set `longest_run` (else exploration may raise it).
    pub longest_run_given: bool,
}

impl Default for Bounds {
    fn default() -> Self {
        Bounds {
            kinds: KINDS.to_vec(),
            max_invoices: 20,
            max_rules: 3,
            maintenance: true,
            restarts: true,
            async_processing: true,
            windows: true,
            longest_run: std::time::Duration::from_secs(15),
            longest_run_given: false,
        }
    }
}

#[derive(Deserialize)]
struct WithBounds {
    #[serde(default)]
    explore: Option<Spanned<RawBounds>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBounds {
    #[serde(default)]
    faults: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    exclude_faults: Vec<Spanned<String>>,
    #[serde(default)]
    max_invoices: Option<Spanned<u64>>,
    #[serde(default)]
    max_rules: Option<usize>,
    #[serde(default)]
    maintenance: Option<bool>,
    #[serde(default)]
    restarts: Option<bool>,
    #[serde(default)]
    async_processing: Option<bool>,
    #[serde(default)]
    windows: Option<bool>,
    #[serde(default)]
    longest_run: Option<HumanDuration>,
}

/// Reads `[explore]` from a script's text; absent means [`Bounds::default`].
pub fn parse(path: &str, source: &str) -> Result<Bounds, ScriptError> {
    let with: WithBounds =
        toml::from_str(source).map_err(|e| ScriptError::from_toml(path, source, &e))?;
    let Some(raw) = with.explore else {
        return Ok(Bounds::default());
    };
    let span = raw.span();
    let raw = raw.into_inner();
    let err = |span: std::ops::Range<usize>, msg: String| ScriptError::at(path, source, span, msg);
    let known = |name: &Spanned<String>| {
        KINDS
            .iter()
            .find(|k| **k == name.get_ref().as_str())
            .copied()
            .ok_or_else(|| {
                err(
                    name.span(),
                    format!(
                        "expected a fault kind ({}), found \"{}\"",
                        KINDS.join(", "),
                        name.get_ref()
                    ),
                )
            })
    };
    let mut kinds = match &raw.faults {
        None => KINDS.to_vec(),
        Some(names) => names.iter().map(known).collect::<Result<Vec<_>, _>>()?,
    };
    let excluded = raw
        .exclude_faults
        .iter()
        .map(known)
        .collect::<Result<Vec<_>, _>>()?;
    kinds.retain(|k| !excluded.contains(k));
    kinds.dedup();
    let defaults = Bounds::default();
    let max_invoices = match raw.max_invoices {
        Some(n) if *n.get_ref() == 0 => {
            return Err(err(
                n.span(),
                "expected max_invoices of at least 1, found 0".into(),
            ))
        }
        Some(n) => n.into_inner(),
        None => defaults.max_invoices,
    };
    let max_rules = raw.max_rules.unwrap_or(defaults.max_rules);
    if kinds.is_empty() && max_rules > 0 {
        return Err(err(
            span,
            "expected at least one fault kind left after exclude_faults, found none \
             (set max_rules = 0 to explore without faults)"
                .into(),
        ));
    }
    Ok(Bounds {
        kinds,
        max_invoices,
        max_rules,
        maintenance: raw.maintenance.unwrap_or(defaults.maintenance),
        restarts: raw.restarts.unwrap_or(defaults.restarts),
        async_processing: raw.async_processing.unwrap_or(defaults.async_processing),
        windows: raw.windows.unwrap_or(defaults.windows),
        longest_run: raw.longest_run.map_or(defaults.longest_run, |d| d.get()),
        longest_run_given: raw.longest_run.is_some(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_script_without_explore_gets_every_kind() {
        let b = parse("x.toml", "name = \"x\"\n").unwrap();
        assert_eq!(b, Bounds::default());
        assert_eq!(b.kinds.len(), KINDS.len());
    }

    #[test]
    fn excluded_kinds_are_never_allowed() {
        let src = "name = \"x\"\n[explore]\nfaults = [\"reject\", \"duplicate\"]\nexclude_faults = [\"reject\"]\nmax_invoices = 5\n";
        let b = parse("x.toml", src).unwrap();
        assert_eq!(b.kinds, vec!["duplicate"]);
        assert_eq!(b.max_invoices, 5);
    }

    #[test]
    fn an_unknown_kind_points_at_its_place() {
        let src = "name = \"x\"\n[explore]\nfaults = [\"drop_after_ack\", \"lose_it\"]\n";
        let e = parse("x.toml", src).unwrap_err();
        assert_eq!((e.line, e.column), (Some(3), Some(29)), "{e}");
        assert!(e.message.contains("lose_it"), "{e}");
    }

    #[test]
    fn an_unknown_key_is_refused() {
        let src = "name = \"x\"\n[explore]\nmax_invoice = 5\n";
        let e = parse("x.toml", src).unwrap_err();
        assert!(e.message.contains("max_invoice"), "{e}");
    }

    #[test]
    fn run_accepts_a_script_that_carries_explore_bounds() {
        let src = "name = \"x\"\n[[steps]]\nissue = { count = 1 }\n[explore]\nmax_invoices = 5\n";
        let scenario = crate::script::Scenario::parse("x.toml", src).unwrap();
        assert_eq!(scenario.steps.len(), 1);
        assert_eq!(parse("x.toml", src).unwrap().max_invoices, 5);
    }
}
