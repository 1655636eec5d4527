//! What changed from run A to run B, computed from their two `report.json` files.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::check::Class;
use crate::report::read::{MigrationSummary, RunReport};
use crate::workload::Generator;

/// One side of the comparison.
#[derive(Debug, Clone, Serialize)]
pub struct Side {
    /// The run directory (or file) given on the command line.
    pub run: String,
    /// The scenario's name.
    pub scenario: String,
    /// When it started.
    pub started_at: String,
    /// Its seed.
    pub seed: u64,
    /// Its client, e.g. `reference robust`.
    pub client: String,
    /// `pass`, `fail` or `inconclusive`.
    pub verdict: String,
}

/// One class's count in each run.
#[derive(Debug, Clone, Serialize)]
pub struct ClassRow {
    /// The class (`LOST`, `ok`, …).
    pub class: &'static str,
    /// Whether the class is a violation (uppercase).
    pub violation: bool,
    /// Its count in A.
    pub a: u64,
    /// Its count in B.
    pub b: u64,
}

/// One fault rule's fires in each run; `None` where the run had no such rule.
#[derive(Debug, Clone, Serialize)]
pub struct FireRow {
    /// The rule's name.
    pub rule: String,
    /// Its fault kind.
    pub kind: String,
    /// Fires in A.
    pub a: Option<u64>,
    /// Fires in B.
    pub b: Option<u64>,
}

/// An invoice that violates in one run and not in the other.
#[derive(Debug, Clone, Serialize)]
pub struct InvoiceRow {
    /// Its number, as the run where it violates has it.
    pub number: String,
    /// Its class there.
    pub class: String,
    /// The rule that caused it there, when known.
    pub cause: Option<String>,
    /// The report's explanation.
    pub detail: String,
}

/// An invoice that violates in both runs, in different classes.
#[derive(Debug, Clone, Serialize)]
pub struct ChangedRow {
    /// Its number in B.
    pub number: String,
    /// Its class in A.
    pub a: String,
    /// Its class in B.
    pub b: String,
}

/// One maintenance migration in each run, matched by its window's name.
#[derive(Debug, Clone, Serialize)]
pub struct MigrationRow {
    /// The window's name.
    pub name: String,
    /// Its outcome in A.
    pub a: Option<MigrationSummary>,
    /// Its outcome in B.
    pub b: Option<MigrationSummary>,
}

/// How B compares with A.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// No violation class grew and the verdict did not go from pass to fail.
    NoWorse,
    /// Some violation class grew, or the verdict went from pass to fail.
    Worse,
    /// Not worse by the counts, but one run is inconclusive or unjudged, so its
    /// counts cannot vouch for it.
    Inconclusive,
}

/// The comparison of two runs (what `--json` prints).
#[derive(Debug, Clone, Serialize)]
pub struct Diff {
    /// How B compares with A.
    pub outcome: Outcome,
    /// Why B is worse, or why the comparison is inconclusive.
    pub reasons: Vec<String>,
    /// The earlier run.
    pub a: Side,
    /// The later run.
    pub b: Side,
    /// Every class, with its count in each run.
    pub classes: Vec<ClassRow>,
    /// Every fault rule of either run.
    pub fault_fires: Vec<FireRow>,
    /// Invoices that violate in B but not in A.
    pub only_in_b: Vec<InvoiceRow>,
    /// Invoices that violate in A but not in B: what B saved.
    pub only_in_a: Vec<InvoiceRow>,
    /// Invoices that violate in both, in different classes.
    pub changed: Vec<ChangedRow>,
    /// Migrations side by side.
    pub migrations: Vec<MigrationRow>,
    /// What the reader should know about how far the runs compare.
    pub notes: Vec<String>,
}

impl Diff {
    /// The exit code: 0 no worse, 1 worse, 2 inconclusive.
    pub fn exit(&self) -> crate::exit::Exit {
        match self.outcome {
            Outcome::NoWorse => crate::exit::Exit::Pass,
            Outcome::Worse => crate::exit::Exit::Fail,
            Outcome::Inconclusive => crate::exit::Exit::Inconclusive,
        }
    }
}

fn side(run: &str, r: &RunReport) -> Side {
    Side {
        run: run.to_string(),
        scenario: r.scenario.clone(),
        started_at: r.started_at.clone(),
        seed: r.seed,
        client: r.client.label(),
        verdict: r.verdict.clone(),
    }
}

/// The invoice an issued number stands for across runs: a run id (given to clients
/// that keep state between runs) is left out, so the same seed's invoice matches.
fn invoice_key(seed: u64, number: &str) -> String {
    match Generator::new(seed, "").run_id_of(number) {
        Some(_) => format!("{}····{}", &number[..9], &number[13..]),
        None => number.to_string(),
    }
}

/// Each violating invoice of a run by its key; an invoice listed in several classes
/// keeps the first one listed.
fn violating(r: &RunReport) -> BTreeMap<String, InvoiceRow> {
    let mut out = BTreeMap::new();
    for v in &r.violations {
        out.entry(invoice_key(r.seed, &v.number))
            .or_insert_with(|| InvoiceRow {
                number: v.number.clone(),
                class: v.class.clone(),
                cause: v.cause_rule().map(str::to_string),
                detail: v.detail.clone(),
            });
    }
    out
}

fn fires(a: &RunReport, b: &RunReport) -> Vec<FireRow> {
    let mut rows: Vec<FireRow> = Vec::new();
    for (side, report) in [(0, a), (1, b)] {
        for f in &report.fault_fires {
            let row = match rows.iter_mut().position(|r| r.rule == f.rule) {
                Some(i) => &mut rows[i],
                None => {
                    rows.push(FireRow {
                        rule: f.rule.clone(),
                        kind: f.kind.clone(),
                        a: None,
                        b: None,
                    });
                    let last = rows.len() - 1;
                    &mut rows[last]
                }
            };
            if side == 0 {
                row.a = Some(f.fired);
            } else {
                row.b = Some(f.fired);
            }
        }
    }
    rows
}

fn migrations(a: &RunReport, b: &RunReport) -> Vec<MigrationRow> {
    let mut rows: Vec<MigrationRow> = a
        .maintenance
        .migrations
        .iter()
        .map(|m| MigrationRow {
            name: m.name.clone(),
            a: Some(m.clone()),
            b: None,
        })
        .collect();
    for m in &b.maintenance.migrations {
        match rows.iter_mut().find(|r| r.name == m.name && r.b.is_none()) {
            Some(row) => row.b = Some(m.clone()),
            None => rows.push(MigrationRow {
                name: m.name.clone(),
                a: None,
                b: Some(m.clone()),
            }),
        }
    }
    rows
}

/// Compares run B with run A (`a_run`, `b_run` are how the user named them).
pub fn compare(a_run: &str, a: &RunReport, b_run: &str, b: &RunReport) -> Diff {
    let classes: Vec<ClassRow> = Class::ALL
        .iter()
        .map(|c| ClassRow {
            class: c.as_str(),
            violation: c.is_violation(),
            a: a.count(c.as_str()),
            b: b.count(c.as_str()),
        })
        .collect();
    let mut reasons: Vec<String> = classes
        .iter()
        .filter(|r| r.violation && r.b > r.a)
        .map(|r| format!("{} grew from {} to {}", r.class, r.a, r.b))
        .collect();
    if a.verdict == "pass" && b.verdict == "fail" {
        reasons.push("the verdict went from pass to fail".to_string());
    }
    let mut outcome = if reasons.is_empty() {
        Outcome::NoWorse
    } else {
        Outcome::Worse
    };
    if outcome == Outcome::NoWorse {
        for (name, r) in [("A", a), ("B", b)] {
            if r.verdict == "inconclusive" || !r.judged {
                outcome = Outcome::Inconclusive;
                reasons.push(format!(
                    "run {name} is {}: its counts cannot vouch that B is no worse",
                    if r.judged { "inconclusive" } else { "unjudged" }
                ));
            }
        }
    }

    let in_a = violating(a);
    let in_b = violating(b);
    let only_in_b = in_b
        .iter()
        .filter(|(k, _)| !in_a.contains_key(*k))
        .map(|(_, v)| v.clone())
        .collect();
    let only_in_a = in_a
        .iter()
        .filter(|(k, _)| !in_b.contains_key(*k))
        .map(|(_, v)| v.clone())
        .collect();
    let changed = in_b
        .iter()
        .filter_map(|(k, vb)| {
            let va = in_a.get(k)?;
            (va.class != vb.class).then(|| ChangedRow {
                number: vb.number.clone(),
                a: va.class.clone(),
                b: vb.class.clone(),
            })
        })
        .collect();

    let mut notes = Vec::new();
    if a.scenario != b.scenario {
        notes.push(format!(
            "the runs are of different scenarios ({} and {})",
            a.scenario, b.scenario
        ));
    }
    if a.seed != b.seed {
        notes.push(format!(
            "the runs used different seeds ({} and {}), so they issued different invoices: the invoice lists compare numbers only",
            a.seed, b.seed
        ));
    }
    let migrations = migrations(a, b);
    if a.maintenance.migrations.is_empty() != b.maintenance.migrations.is_empty() {
        notes.push("only one report lists migration outcomes".to_string());
    }
    Diff {
        outcome,
        reasons,
        a: side(a_run, a),
        b: side(b_run, b),
        classes,
        fault_fires: fires(a, b),
        only_in_b,
        only_in_a,
        changed,
        migrations,
        notes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_with_a_run_id_match_across_runs_and_others_stay_as_they_are() {
        let first = Generator::new(7, "S").with_run_id(Some(12)).number(0, 5);
        let second = Generator::new(7, "S").with_run_id(Some(13)).number(0, 5);
        assert_ne!(first, second);
        assert_eq!(invoice_key(7, &first), invoice_key(7, &second));
        assert_eq!(invoice_key(7, "INV-1"), "INV-1");
    }
}
