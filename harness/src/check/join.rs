//! The join behind the table: issued invoices × the client's ledger × the platform's
//! truth, with hash maps so a run of a million invoices is judged in one pass.

use std::collections::{HashMap, HashSet};

use tax_api::{Invoice, Ledger, LedgerEntry, TruthRecord, TruthSnapshot};

use super::class::{classify, Class, ClientState, PlatformState};
use super::content::{same_content, SaleKey};
use super::{ClientView, Counts, PlatformView, Violation};
use crate::outcome::IssuedInvoice;

/// Counts and violations (chains not yet attached).
pub(super) struct Joined {
    pub counts: Counts,
    pub violations: Vec<Violation>,
}

/// One invoice to judge: an issued one, or a ledger entry in ledger-only mode.
struct Subject<'a> {
    seller: Option<&'a str>,
    number: &'a str,
    invoice: Option<&'a Invoice>,
    accepted: Option<bool>,
    at_ms: Option<u64>,
}

/// Truth records by number; records sharing a number (different sellers) are chained.
struct TruthIndex<'a> {
    records: &'a [TruthRecord],
    by_number: HashMap<&'a str, usize>,
    next: Vec<Option<usize>>,
}

impl<'a> TruthIndex<'a> {
    fn new(records: &'a [TruthRecord]) -> Self {
        let mut by_number: HashMap<&str, usize> = HashMap::with_capacity(records.len());
        let mut next = vec![None; records.len()];
        for (i, r) in records.iter().enumerate() {
            if let Some(head) = by_number.insert(r.number.as_str(), i) {
                next[i] = Some(head);
            }
        }
        TruthIndex {
            records,
            by_number,
            next,
        }
    }

    /// The earliest record with this number (and this seller, when given).
    fn find(&self, seller: Option<&str>, number: &str) -> Option<usize> {
        let mut at = self.by_number.get(number).copied();
        let mut found = None;
        while let Some(i) = at {
            if seller.map_or(true, |s| self.records[i].seller_tax_id == s) {
                found = Some(i);
            }
            at = self.next[i];
        }
        found
    }
}

struct Judge<'a> {
    ledger: &'a Ledger,
    ledger_index: HashMap<&'a str, usize>,
    consumed: Vec<bool>,
    truth: TruthIndex<'a>,
    matched: Vec<bool>,
    sellers: HashSet<&'a str>,
    last_seller: Option<&'a str>,
    counts: Counts,
    violations: Vec<Violation>,
}

impl<'a> Judge<'a> {
    fn new(ledger: &'a Ledger, truth: &'a TruthSnapshot) -> Self {
        let mut ledger_index = HashMap::with_capacity(ledger.entries.len());
        for (i, e) in ledger.entries.iter().enumerate() {
            ledger_index.entry(e.number.as_str()).or_insert(i);
        }
        Judge {
            ledger,
            ledger_index,
            consumed: vec![false; ledger.entries.len()],
            truth: TruthIndex::new(&truth.records),
            matched: vec![false; truth.records.len()],
            sellers: HashSet::new(),
            last_seller: None,
            counts: Counts::default(),
            violations: Vec::new(),
        }
    }

    fn ledger_entry(&mut self, number: &str) -> Option<&'a LedgerEntry> {
        let ledger = self.ledger;
        let i = *self.ledger_index.get(number)?;
        self.consumed[i] = true;
        ledger.entries.get(i)
    }

    fn judge(&mut self, s: Subject<'a>) {
        let records = self.truth.records;
        let found = self.truth.find(s.seller, s.number);
        if let Some(i) = found {
            self.matched[i] = true;
        }
        let record = found.map(|i| &records[i]);
        let seller = s.seller.or(record.map(|r| r.seller_tax_id.as_str()));
        if let Some(sel) = seller {
            if self.last_seller != Some(sel) {
                self.sellers.insert(sel);
                self.last_seller = Some(sel);
            }
        }
        let entry = self.ledger_entry(s.number);
        let (state, note) = platform_state(s.invoice, record);
        let client = ClientState::from(entry.map(|e| e.status));
        let class = classify(client, state, s.accepted != Some(false));
        self.counts.judged += 1;
        self.counts.add(class);
        if class.is_violation() {
            let mut detail = describe(class, state, record, s.accepted);
            if let Some(note) = note {
                detail.push_str("; ");
                detail.push_str(note);
            }
            if s.accepted == Some(false) && entry.is_some() {
                detail
                    .push_str("; the client refused this invoice (no 202) yet its ledger lists it");
            }
            self.violations.push(Violation {
                class,
                number: s.number.to_string(),
                seller_tax_id: seller.map(str::to_string),
                detail,
                client: client_view(client, entry, s.accepted, s.at_ms),
                platform: platform_view(state, record),
                chain: Vec::new(),
            });
        }
    }

    /// Platform records of a judged seller that no subject claimed.
    fn unexpected_records(&mut self, issued: &'a [IssuedInvoice]) {
        let mut sales: Option<HashMap<SaleKey<'a>, &'a str>> = None;
        let records = self.truth.records;
        for (i, r) in records.iter().enumerate() {
            if self.matched[i] || !self.sellers.contains(r.seller_tax_id.as_str()) {
                continue;
            }
            let mut platform = platform_view(PlatformState::from_integrity(r.integrity), Some(r));
            let mut detail = format!("the platform holds {}, which was never issued", r.number);
            if let Some(stored) = &r.stored {
                let sales = sales.get_or_insert_with(|| sale_index(issued));
                if let Some(original) = sales.get(&SaleKey(stored)) {
                    platform.same_sale_as = Some((*original).to_string());
                    detail.push_str(&format!(
                        "; it records the same sale as issued invoice {original} (re-issued under a new number)"
                    ));
                }
            }
            let entry = self.ledger_entry(&r.number);
            let client = ClientState::from(entry.map(|e| e.status));
            self.counts.add(Class::Unexpected);
            self.violations.push(Violation {
                class: Class::Unexpected,
                number: r.number.clone(),
                seller_tax_id: Some(r.seller_tax_id.clone()),
                detail,
                client: client_view(client, entry, None, None),
                platform,
                chain: Vec::new(),
            });
        }
    }

    /// Ledger entries for numbers nobody issued and the platform never saw.
    fn unexpected_ledger_entries(&mut self) {
        for (i, e) in self.ledger.entries.iter().enumerate() {
            if self.consumed[i] || self.ledger_index.get(e.number.as_str()) != Some(&i) {
                continue;
            }
            self.counts.add(Class::Unexpected);
            self.violations.push(Violation {
                class: Class::Unexpected,
                number: e.number.clone(),
                seller_tax_id: None,
                detail: format!(
                    "the client's ledger lists {}, which was never issued and the platform never stored",
                    e.number
                ),
                client: client_view(ClientState::from(Some(e.status)), Some(e), None, None),
                platform: platform_view(PlatformState::Missing, None),
                chain: Vec::new(),
            });
        }
    }
}

fn sale_index(issued: &[IssuedInvoice]) -> HashMap<SaleKey<'_>, &str> {
    let mut map = HashMap::with_capacity(issued.len());
    for i in issued {
        map.entry(SaleKey(&i.invoice))
            .or_insert(i.invoice.number.as_str());
    }
    map
}

/// Joins and classifies; `ledger_only` judges the ledger's entries instead of `issued`.
pub(super) fn join(
    issued: &[IssuedInvoice],
    ledger: &Ledger,
    truth: &TruthSnapshot,
    ledger_only: bool,
) -> Joined {
    let mut judge = Judge::new(ledger, truth);
    if ledger_only {
        for (i, e) in ledger.entries.iter().enumerate() {
            if judge.ledger_index.get(e.number.as_str()) != Some(&i) {
                continue;
            }
            judge.judge(Subject {
                seller: None,
                number: &e.number,
                invoice: None,
                accepted: None,
                at_ms: None,
            });
        }
    } else {
        let mut seen: HashSet<(&str, &str)> = HashSet::with_capacity(issued.len());
        for i in issued {
            let inv = &i.invoice;
            if !seen.insert((inv.seller_tax_id.as_str(), inv.number.as_str())) {
                continue;
            }
            judge.judge(Subject {
                seller: Some(&inv.seller_tax_id),
                number: &inv.number,
                invoice: Some(inv),
                accepted: Some(i.accepted),
                at_ms: Some(i.at_ms),
            });
        }
    }
    judge.unexpected_records(issued);
    if !ledger_only {
        judge.unexpected_ledger_entries();
    }
    Joined {
        counts: judge.counts,
        violations: judge.violations,
    }
}

/// The table column for an invoice, and a note when the harness, not the truth,
/// found the damage (the client stored something other than what was issued).
fn platform_state(
    invoice: Option<&Invoice>,
    record: Option<&TruthRecord>,
) -> (PlatformState, Option<&'static str>) {
    let Some(r) = record else {
        return (PlatformState::Missing, None);
    };
    let state = PlatformState::from_integrity(r.integrity);
    if state != PlatformState::Intact {
        return (state, None);
    }
    if r.copies > 1 {
        return (PlatformState::Duplicated, None);
    }
    if let (Some(issued), Some(stored)) = (invoice, &r.stored) {
        if !same_content(issued, stored) {
            let state = if stored.lines.len() < issued.lines.len() {
                PlatformState::Partial
            } else {
                PlatformState::Corrupted
            };
            return (
                state,
                Some("the platform kept what the client sent, but that differs from the invoice the workload issued"),
            );
        }
    }
    (PlatformState::Intact, None)
}

fn describe(
    class: Class,
    state: PlatformState,
    r: Option<&TruthRecord>,
    accepted: Option<bool>,
) -> String {
    let cause = r
        .and_then(|r| r.cause.as_deref())
        .map(|c| format!(" (cause: {c})"))
        .unwrap_or_default();
    let held = match state {
        PlatformState::Intact => "holds it intact".to_string(),
        PlatformState::Partial => "holds it partially".to_string(),
        PlatformState::Corrupted => "holds it corrupted".to_string(),
        PlatformState::Missing => "holds nothing".to_string(),
        PlatformState::Duplicated => {
            format!("holds {} copies", r.map_or(0, |r| r.copies))
        }
    };
    match class {
        Class::Lost => format!("confirmed by the client, but the platform holds nothing{cause}"),
        Class::SilentPartial => {
            let (sent, stored) = r.map_or((0, 0), |r| (r.sent_line_count, r.stored_line_count));
            format!(
                "confirmed by the client, but stored partially ({stored} of {sent} lines){cause}"
            )
        }
        Class::SilentCorruption => {
            format!("confirmed by the client, but the stored content differs from what was issued{cause}")
        }
        Class::Duplicate => format!("confirmed by the client, but the platform {held}{cause}"),
        Class::Unresolved => {
            format!("still pending when the run ended; the platform {held}{cause}")
        }
        Class::Forgotten if accepted == Some(false) => format!(
            "refused by the client and missing from its ledger, yet the platform {held}{cause}"
        ),
        Class::Forgotten => format!(
            "accepted by the client (202) but missing from its ledger; the platform {held}{cause}"
        ),
        other => format!("{}: the platform {held}{cause}", other.meaning()),
    }
}

fn client_view(
    status: ClientState,
    entry: Option<&LedgerEntry>,
    accepted: Option<bool>,
    at_ms: Option<u64>,
) -> ClientView {
    ClientView {
        accepted,
        issued_at_ms: at_ms,
        status,
        reason: entry.and_then(|e| e.reason.clone()),
        platform_ref: entry.and_then(|e| e.platform_ref.clone()),
    }
}

fn platform_view(state: PlatformState, r: Option<&TruthRecord>) -> PlatformView {
    PlatformView {
        state,
        integrity: r.map(|r| r.integrity),
        platform_ref: r.map(|r| r.platform_ref.clone()),
        copies: r.map_or(0, |r| r.copies),
        sent_line_count: r.map(|r| r.sent_line_count),
        stored_line_count: r.map(|r| r.stored_line_count),
        cause: r.and_then(|r| r.cause.clone()),
        same_sale_as: None,
    }
}
