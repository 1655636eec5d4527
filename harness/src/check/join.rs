//! The join behind the table: issued invoices × the client's ledger × the platform's
//! truth, with hash maps so a run of a million invoices is judged in one pass.

use std::collections::{HashMap, HashSet};

use tax_api::{Invoice, Ledger, LedgerEntry, TruthRecord, TruthSnapshot};

use super::bounds::FlaggedInvoice;
use super::class::{classify, Class, ClientState, PlatformState};
use super::content::SaleKey;
use super::evidence::{
    client_view, describe, ledger_rows, platform_state, platform_view, status_word,
};
use super::explain::damage;
use super::index::{NumberIndex, Probe};
use super::maintenance::Watch;
use super::scope::{self, Window};
use super::{Counts, Violation};
use crate::outcome::{IssuedInvoice, RunRecord};

/// Counts and violations (chains not yet attached).
pub(super) struct Joined {
    pub counts: Counts,
    pub violations: Vec<Violation>,
    /// Invoices flagged although stored intact (chains not yet attached).
    pub false_flags: Vec<FlaggedInvoice>,
    /// Which records were looked at for `UNEXPECTED` ones, when that needed saying.
    pub scope_note: Option<String>,
    /// Why records the ledger does not list could not be looked at.
    pub scope_unknown: Option<String>,
}

/// One invoice to judge: an issued one, or a ledger entry in ledger-only mode.
struct Subject<'a> {
    /// What `number`'s key led to in the index.
    probe: Probe,
    seller: Option<&'a str>,
    number: &'a str,
    invoice: Option<&'a Invoice>,
    accepted: Option<bool>,
    at_ms: Option<u64>,
}

struct Judge<'a> {
    issued: &'a [IssuedInvoice],
    /// Invoices known as issued by number only; subjects after `issued`.
    numbers: &'a [String],
    ledger_only: bool,
    /// Subjects that share a number's key with an earlier, different one (rare).
    seen_pairs: HashSet<(&'a str, &'a str)>,
    ledger: &'a Ledger,
    records: &'a [TruthRecord],
    index: NumberIndex<'a>,
    consumed: Vec<bool>,
    matched: Vec<bool>,
    sellers: HashSet<&'a str>,
    last_seller: Option<&'a str>,
    counts: Counts,
    violations: Vec<Violation>,
    false_flags: Vec<FlaggedInvoice>,
    /// The invoices migrations touched, told the class each falls into.
    watch: Watch,
}

impl<'a> Judge<'a> {
    fn new(
        issued: &'a [IssuedInvoice],
        numbers: &'a [String],
        ledger: &'a Ledger,
        truth: &'a TruthSnapshot,
        ledger_only: bool,
    ) -> Self {
        Judge {
            issued,
            numbers,
            ledger_only,
            seen_pairs: HashSet::new(),
            ledger,
            records: &truth.records,
            index: NumberIndex::new(&truth.records, &ledger.entries),
            consumed: vec![false; ledger.entries.len()],
            matched: vec![false; truth.records.len()],
            sellers: HashSet::new(),
            last_seller: None,
            counts: Counts::default(),
            violations: Vec::new(),
            false_flags: Vec::new(),
            watch: Watch::default(),
        }
    }

    /// (seller, number) of subject `id`; the seller is empty in ledger-only mode.
    fn subject_key(&self, id: usize) -> Option<(&'a str, &'a str)> {
        if self.ledger_only {
            let ledger = self.ledger;
            ledger.entries.get(id).map(|e| ("", e.number.as_str()))
        } else if id < self.issued.len() {
            let issued = self.issued;
            issued
                .get(id)
                .map(|i| (i.invoice.seller_tax_id.as_str(), i.invoice.number.as_str()))
        } else {
            let numbers = self.numbers;
            numbers
                .get(id - self.issued.len())
                .map(|n| ("", n.as_str()))
        }
    }

    /// The ledger entry at `i`, marking it as accounted for.
    fn take_ledger(&mut self, i: Option<usize>) -> Option<&'a LedgerEntry> {
        let all = self.ledger;
        let i = i?;
        self.consumed[i] = true;
        all.entries.get(i)
    }

    fn judge(&mut self, s: Subject<'a>) {
        let looked = self.index.resolve(&s.probe, s.seller, s.number);
        if let Some(first) = looked.seen_before {
            let who = s.seller.unwrap_or("");
            if self.subject_key(first) == Some((who, s.number))
                || !self.seen_pairs.insert((who, s.number))
            {
                return;
            }
        }
        let records = self.records;
        let found = looked.truth;
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
        let entry = self.take_ledger(looked.ledger);
        let (state, note) = platform_state(s.invoice, record);
        let client = if looked.ledger_contradicts {
            ClientState::Contradictory
        } else {
            self.counts.ledger_repeats += u64::from(looked.ledger_repeats);
            ClientState::from(entry.map(|e| e.status))
        };
        let class = classify(client, state, s.accepted != Some(false));
        self.counts.judged += 1;
        self.counts.add(class);
        self.watch.note(seller, s.number, class);
        if class == Class::FalseFlag {
            self.false_flags.push(FlaggedInvoice {
                number: s.number.to_string(),
                seller_tax_id: seller.map(str::to_string),
                client: client_view(client, entry, s.accepted, s.at_ms),
                platform_ref: record.map(|r| r.platform_ref.clone()),
                chain: Vec::new(),
            });
        }
        if class.is_violation() {
            let found = damage(state, s.invoice, record);
            let mut detail = describe(
                class,
                state,
                record,
                s.accepted,
                &found.missing,
                &found.differing,
            );
            if let Some(note) = note {
                detail.push_str("; ");
                detail.push_str(note);
            }
            if s.accepted == Some(false) && entry.is_some() {
                detail
                    .push_str("; the client refused this invoice (no 202) yet its ledger lists it");
            }
            let mut view = client_view(client, entry, s.accepted, s.at_ms);
            if client == ClientState::Contradictory {
                let all = self.index.all_entries(s.number);
                view.ledger_entries = ledger_rows(&self.ledger.entries, &all);
                let listed: Vec<String> = view
                    .ledger_entries
                    .iter()
                    .map(|r| format!("entry {} says {}", r.position, status_word(r.status)))
                    .collect();
                detail.push_str(&format!("; {}", listed.join(", ")));
            }
            self.violations.push(Violation {
                class,
                number: s.number.to_string(),
                seller_tax_id: seller.map(str::to_string),
                detail,
                cause: None,
                missing_fields: found.missing,
                differing_fields: found.differing,
                copies: found.copies,
                client: view,
                platform: platform_view(state, record),
                chain: Vec::new(),
            });
        }
    }

    /// Platform records inside `window` that no subject claimed.
    fn unexpected_records(&mut self, issued: &'a [IssuedInvoice], window: &Window<'_>) {
        let mut sales: Option<HashMap<SaleKey<'a>, &'a str>> = None;
        let records = self.records;
        for (i, r) in records.iter().enumerate() {
            if self.matched[i] || !window.holds(r) {
                continue;
            }
            let state = PlatformState::from_integrity(r.integrity);
            let found = damage(state, None, Some(r));
            let mut platform = platform_view(state, Some(r));
            let mut detail = if self.ledger_only {
                format!(
                    "the platform holds {}, which the ledger does not list",
                    r.number
                )
            } else {
                format!("the platform holds {}, which was never issued", r.number)
            };
            if let Some(stored) = &r.stored {
                let sales = sales.get_or_insert_with(|| sale_index(issued));
                if let Some(original) = sales.get(&SaleKey(stored)) {
                    platform.same_sale_as = Some((*original).to_string());
                    detail.push_str(&format!(
                        "; it records the same sale as issued invoice {original} (re-issued under a new number)"
                    ));
                }
            }
            let entry = self.take_ledger(self.index.ledger_entry(&r.number));
            let client = ClientState::from(entry.map(|e| e.status));
            self.counts.add(Class::Unexpected);
            self.violations.push(Violation {
                class: Class::Unexpected,
                number: r.number.clone(),
                seller_tax_id: Some(r.seller_tax_id.clone()),
                detail,
                cause: None,
                missing_fields: found.missing,
                differing_fields: found.differing,
                copies: found.copies,
                client: client_view(client, entry, None, None),
                platform,
                chain: Vec::new(),
            });
        }
    }

    /// Ledger entries for numbers nobody issued and the platform never saw.
    fn unexpected_ledger_entries(&mut self) {
        for (i, e) in self.ledger.entries.iter().enumerate() {
            if self.consumed[i] || self.index.ledger_entry(&e.number) != Some(i) {
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
                cause: None,
                missing_fields: Vec::new(),
                differing_fields: Vec::new(),
                copies: None,
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

/// Joins and classifies. A run of the `ledger` adapter with nothing issued judges the
/// ledger's entries instead of issued invoices (`ledger_only`).
pub(super) fn join(
    run: &RunRecord,
    ledger: &Ledger,
    truth: &TruthSnapshot,
    watch: &mut Watch,
) -> Joined {
    let issued = &run.issued;
    let numbers = &run.issued_numbers;
    let is_ledger = run.client.adapter == "ledger";
    let ledger_only = is_ledger && issued.is_empty() && numbers.is_empty();
    let mut judge = Judge::new(issued, numbers, ledger, truth, ledger_only);
    judge.watch = std::mem::take(watch);
    if ledger_only {
        let probes = judge
            .index
            .claim_all(ledger.entries.iter().map(|e| e.number.as_str()));
        for (e, probe) in ledger.entries.iter().zip(probes) {
            judge.judge(Subject {
                probe,
                seller: None,
                number: &e.number,
                invoice: None,
                accepted: None,
                at_ms: None,
            });
        }
    } else {
        // One claim pass for both kinds of subject, so their ids never overlap.
        let all = issued
            .iter()
            .map(|i| i.invoice.number.as_str())
            .chain(numbers.iter().map(String::as_str));
        let mut probes = judge.index.claim_all(all).into_iter();
        for (i, probe) in issued.iter().zip(probes.by_ref()) {
            let inv = &i.invoice;
            judge.judge(Subject {
                probe,
                seller: Some(&inv.seller_tax_id),
                number: &inv.number,
                invoice: Some(inv),
                accepted: Some(i.accepted),
                at_ms: Some(i.at_ms),
            });
        }
        for (n, probe) in numbers.iter().zip(probes) {
            judge.judge(Subject {
                probe,
                seller: None,
                number: n,
                invoice: None,
                accepted: Some(true),
                at_ms: None,
            });
        }
    }
    let sellers = std::mem::take(&mut judge.sellers);
    let decided = if is_ledger {
        let records = judge.records;
        let matched = judge.matched.iter().zip(records).filter(|(m, _)| **m);
        scope::of_ledger(&run.scope, sellers, issued, matched.map(|(_, r)| r))
    } else {
        scope::whole(sellers)
    };
    judge.unexpected_records(issued, &decided.window);
    if !ledger_only {
        judge.unexpected_ledger_entries();
    }
    *watch = judge.watch;
    Joined {
        counts: judge.counts,
        violations: judge.violations,
        false_flags: judge.false_flags,
        scope_note: decided.note,
        scope_unknown: decided.unknown,
    }
}
