//! What makes a violation explain itself: the fields a partial record lacks, the
//! fields a corrupted one changed (both values, truncated), and the fault rule whose
//! fire caused it, found in its causal chain or, failing that, in the truth.

use serde::{Deserialize, Serialize};
use tax_api::{Integrity, Invoice, JournalEntry, StoreEffect, TruthRecord};

use super::class::{Class, PlatformState};
use crate::outcome::RuleFires;

/// Values longer than this many characters are cut, so a report stays readable.
const VALUE_CHARS: usize = 40;

/// Differences listed per violation; a record altered everywhere is rare and the
/// first few say enough.
const MAX_DIFFERENCES: usize = 10;

/// The fault rule whose fire caused a violation, and its kind (`drop_after_ack`,
/// `partial_write`, …; `migration` for a maintenance window's migration).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cause {
    /// The rule's name (a migration's: its window's name).
    pub rule: String,
    /// The fault kind.
    pub kind: String,
    /// The journal entry (`seq`) of the fire, so a timeline can mark it; `None` when
    /// the cause comes from the truth, not from the chain.
    #[serde(default)]
    pub seq: Option<u64>,
}

/// One field a stored record holds differently from the issued invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldDiff {
    /// The field's path (`totals.total_incl_tax`, `lines[1].amount`, `lines`).
    pub field: String,
    /// What was issued, truncated.
    pub expected: String,
    /// What the platform holds, truncated.
    pub actual: String,
}

/// `text` cut to [`VALUE_CHARS`] characters, with `…` when cut.
pub(crate) fn truncate(text: &str) -> String {
    match text.char_indices().nth(VALUE_CHARS) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

/// The header fields of an invoice that a person reads by name, as text.
fn header(i: &Invoice) -> [(&'static str, String); 8] {
    [
        ("seller_tax_id", i.seller_tax_id.clone()),
        ("buyer_tax_id", i.buyer_tax_id.clone()),
        ("buyer_name", i.buyer_name.clone()),
        ("kind", i.kind.as_str().to_string()),
        ("issued_at", i.issued_at.clone()),
        ("currency", i.currency.clone()),
        (
            "totals.amount_excl_tax",
            i.totals.amount_excl_tax.to_string(),
        ),
        ("totals.tax", i.totals.tax.to_string()),
    ]
}

fn total(i: &Invoice) -> (&'static str, String) {
    ("totals.total_incl_tax", i.totals.total_incl_tax.to_string())
}

/// Fields the issued invoice has and the stored record lacks: `lines` when lines
/// are gone, and each header field stored empty. Without either invoice's content
/// (a number-only check) the truth's line counts still tell about `lines`.
fn missing_fields(issued: Option<&Invoice>, record: Option<&TruthRecord>) -> Vec<String> {
    let Some(r) = record else {
        return Vec::new();
    };
    let mut out = Vec::new();
    match (issued, &r.stored) {
        (Some(i), Some(s)) => {
            if s.lines.len() < i.lines.len() {
                out.push("lines".to_string());
            }
            for ((name, want), (_, got)) in header(i).into_iter().zip(header(s)) {
                if !want.is_empty() && got.is_empty() {
                    out.push(name.to_string());
                }
            }
        }
        _ if r.stored_line_count < r.sent_line_count => out.push("lines".to_string()),
        _ => {}
    }
    out
}

/// Fields whose stored value differs from the issued one, both values truncated;
/// lines compared one by one when their number is the same.
fn differing_fields(issued: Option<&Invoice>, record: Option<&TruthRecord>) -> Vec<FieldDiff> {
    let (Some(i), Some(s)) = (issued, record.and_then(|r| r.stored.as_ref())) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut push = |field: String, expected: &str, actual: &str| {
        if expected != actual && out.len() < MAX_DIFFERENCES {
            out.push(FieldDiff {
                field,
                expected: truncate(expected),
                actual: truncate(actual),
            });
        }
    };
    let pairs = header(i).into_iter().chain([total(i)]);
    for ((name, want), (_, got)) in pairs.zip(header(s).into_iter().chain([total(s)])) {
        push(name.to_string(), &want, &got);
    }
    if i.lines.len() != s.lines.len() {
        push(
            "lines".to_string(),
            &format!("{} lines", i.lines.len()),
            &format!("{} lines", s.lines.len()),
        );
        return out;
    }
    for (n, (a, b)) in i.lines.iter().zip(&s.lines).enumerate() {
        let fields = [
            ("description", a.description.clone(), b.description.clone()),
            ("quantity", a.quantity.to_string(), b.quantity.to_string()),
            (
                "unit_price",
                a.unit_price.to_string(),
                b.unit_price.to_string(),
            ),
            ("tax_rate", a.tax_rate.to_string(), b.tax_rate.to_string()),
            ("amount", a.amount.to_string(), b.amount.to_string()),
            ("tax", a.tax.to_string(), b.tax.to_string()),
        ];
        for (name, want, got) in fields {
            push(format!("lines[{n}].{name}"), &want, &got);
        }
    }
    out
}

/// What the platform's record lacks, how it differs and how many copies it holds, as
/// far as its table column calls for.
pub(super) struct Damage {
    pub missing: Vec<String>,
    pub differing: Vec<FieldDiff>,
    pub copies: Option<u32>,
}

pub(super) fn damage(
    state: PlatformState,
    issued: Option<&Invoice>,
    record: Option<&TruthRecord>,
) -> Damage {
    Damage {
        missing: match state {
            PlatformState::Partial => missing_fields(issued, record),
            _ => Vec::new(),
        },
        differing: match state {
            PlatformState::Corrupted => differing_fields(issued, record),
            _ => Vec::new(),
        },
        copies: match state {
            PlatformState::Duplicated => record.map(|r| r.copies),
            _ => None,
        },
    }
}

/// Whether a journal entry changed what the platform holds for its invoice for the
/// worse: the fires that make violations.
fn damaging(e: &JournalEntry) -> bool {
    matches!(
        e.effect,
        StoreEffect::Dropped
            | StoreEffect::StoredPartial
            | StoreEffect::StoredCorrupted
            | StoreEffect::StoredDuplicate
            | StoreEffect::Migration
    )
}

fn kind_of(rule: &str, stats: &[RuleFires]) -> Option<String> {
    stats
        .iter()
        .find(|s| s.rule == rule)
        .map(|s| s.kind.clone())
}

fn from_entry(e: &JournalEntry, stats: &[RuleFires]) -> Option<Cause> {
    let rule = e.rule.clone()?;
    let kind = e
        .fault
        .clone()
        .or_else(|| kind_of(&rule, stats))
        .unwrap_or_else(|| "unknown".to_string());
    Some(Cause {
        rule,
        kind,
        seq: Some(e.seq),
    })
}

/// The rule whose fire caused the violation: the last fire in its chain that damaged
/// the record (a drop after the acknowledgement, a partial or corrupted write, a
/// second copy, a migration); else the cause the truth names; else, for classes no
/// write explains (a client left pending, a ledger that forgot), the last fault
/// that fired on the invoice's requests, a delay only when nothing else fired.
/// `None` when no fault touched it.
pub(super) fn cause(
    class: Class,
    chain: &[JournalEntry],
    truth_cause: Option<&str>,
    integrity: Option<Integrity>,
    stats: &[RuleFires],
) -> Option<Cause> {
    let about_it = |e: &&JournalEntry| e.number.is_some() && e.rule.is_some();
    if let Some(c) = chain
        .iter()
        .filter(about_it)
        .rfind(|e| damaging(e))
        .and_then(|e| from_entry(e, stats))
    {
        return Some(c);
    }
    if let Some(text) = truth_cause.filter(|t| !t.is_empty()) {
        if let Some(kind) = kind_of(text, stats) {
            return Some(Cause {
                rule: text.to_string(),
                kind,
                seq: None,
            });
        }
        // A migration's cause reads `window (fate)`.
        let migrated = integrity == Some(Integrity::LostInMigration) || text.ends_with(')');
        let window = text.rsplit_once(" (").filter(|_| migrated);
        return Some(match window {
            Some((window, _)) => Cause {
                rule: window.to_string(),
                kind: "migration".to_string(),
                seq: None,
            },
            None => Cause {
                rule: text.to_string(),
                kind: "unknown".to_string(),
                seq: None,
            },
        });
    }
    if class == Class::Unexpected {
        return None;
    }
    // A delay alone rarely decides an outcome; any other fault that fired says more.
    let delay = |e: &&JournalEntry| matches!(e.fault.as_deref(), Some("latency" | "slow_query"));
    let fired: Vec<&JournalEntry> = chain.iter().filter(about_it).collect();
    fired
        .iter()
        .rfind(|e| !delay(e))
        .or(fired.last())
        .and_then(|e| from_entry(e, stats))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_are_cut_with_an_ellipsis_and_short_ones_kept() {
        assert_eq!(truncate("short"), "short");
        let long = "x".repeat(VALUE_CHARS + 5);
        let cut = truncate(&long);
        assert_eq!(cut.chars().count(), VALUE_CHARS + 1);
        assert!(cut.ends_with('…'));
    }

    fn fire(seq: u64, rule: &str, fault: &str, effect: StoreEffect) -> JournalEntry {
        JournalEntry {
            seq,
            at: String::new(),
            elapsed_ms: seq,
            route: tax_api::Route::Upload,
            method: "POST".into(),
            path: "/v1/invoices".into(),
            seller_tax_id: None,
            number: Some("N-1".into()),
            attempt: Some(0),
            request_serial: None,
            rule: Some(rule.into()),
            fault: Some(fault.into()),
            status: None,
            error_code: None,
            effect,
            note: None,
        }
    }

    #[test]
    fn a_damaging_fire_outranks_later_fires_and_a_delay_is_named_last() {
        let chain = [
            fire(1, "drop", "drop_after_ack", StoreEffect::Dropped),
            fire(2, "busy", "reject", StoreEffect::None),
        ];
        let c = cause(Class::Lost, &chain, None, None, &[]).unwrap();
        assert_eq!((c.rule.as_str(), c.seq), ("drop", Some(1)));

        let chain = [
            fire(1, "silence", "timeout_before_store", StoreEffect::None),
            fire(2, "jitter", "latency", StoreEffect::None),
        ];
        let c = cause(Class::Unresolved, &chain, None, None, &[]).unwrap();
        assert_eq!(c.rule, "silence");

        let only_delay = [fire(1, "jitter", "latency", StoreEffect::None)];
        let c = cause(Class::Unresolved, &only_delay, None, None, &[]).unwrap();
        assert_eq!(c.kind, "latency");
        assert_eq!(cause(Class::Unresolved, &[], None, None, &[]), None);
    }

    #[test]
    fn a_migration_cause_names_its_window() {
        let c = cause(
            Class::Lost,
            &[],
            Some("night-window (lost)"),
            Some(Integrity::LostInMigration),
            &[],
        );
        assert_eq!(
            c,
            Some(Cause {
                rule: "night-window".into(),
                kind: "migration".into(),
                seq: None,
            })
        );
    }
}
