//! Telling a wiring mistake from lost invoices. A genuinely lost invoice (a dropped
//! upload) still left a request in the platform's journal; an invoice the client
//! confirmed without the platform ever seeing a request for it went somewhere else.
//! When that is true of most confirmed invoices, the client is talking to another
//! platform, and judging its ledger against this one would report every invoice LOST.

use std::collections::HashSet;

use tax_api::{JournalEntry, Ledger, LedgerStatus, TruthSnapshot};

use crate::outcome::{IssuedInvoice, RunProblem};

/// The problem to report when more than half of the invoices the client accepted
/// and confirmed have no journal entry and no stored record at all; `None` otherwise.
/// `journal` must be complete (no entry dropped for want of room): a dropped entry
/// is no evidence that a request never came.
pub fn unwired(
    issued: &[IssuedInvoice],
    ledger: &Ledger,
    journal: &[JournalEntry],
    truth: Option<&TruthSnapshot>,
    platform_url: &str,
    embedded: bool,
) -> Option<RunProblem> {
    let accepted: HashSet<&str> = issued
        .iter()
        .filter(|i| i.accepted)
        .map(|i| i.invoice.number.as_str())
        .collect();
    let stored = truth
        .into_iter()
        .flat_map(|t| t.records.iter().map(|r| r.number.as_str()));
    let seen: HashSet<&str> = journal
        .iter()
        .filter_map(|e| e.number.as_deref())
        .chain(stored)
        .collect();
    let confirmed: Vec<&str> = ledger
        .entries
        .iter()
        .filter(|e| e.status == LedgerStatus::Confirmed && accepted.contains(e.number.as_str()))
        .map(|e| e.number.as_str())
        .collect();
    let unseen: Vec<&str> = confirmed
        .iter()
        .copied()
        .filter(|n| !seen.contains(n))
        .collect();
    if unseen.is_empty() || unseen.len() * 2 <= confirmed.len() {
        return None;
    }
    let hint = if embedded {
        "; a client the harness does not start can only reach the embedded platform on a \
         fixed `[platform] listen` address"
    } else {
        ""
    };
    Some(RunProblem::Unwired {
        detail: format!(
            "the platform at {platform_url} never received a request for {} of the {} \
             invoices the client confirmed (e.g. {}). The client most likely uploads to \
             another platform: set its TAX_PLATFORM_URL (and seller token) to this one{hint}. \
             Otherwise it confirms invoices without uploading them. The invoices were not \
             judged, as their classes would describe the wiring, not the client",
            unseen.len(),
            confirmed.len(),
            unseen[0]
        ),
    })
}

#[cfg(test)]
mod tests {
    use tax_api::{LedgerEntry, Route, StoreEffect};

    use super::*;

    fn issued(n: u64) -> Vec<IssuedInvoice> {
        let g = crate::workload::Generator::new(1, "S");
        (0..n)
            .map(|i| IssuedInvoice {
                invoice: g.invoice(0, i, "2026-01-02T03:04:05+00:00"),
                accepted: true,
                at_ms: i,
            })
            .collect()
    }

    fn confirmed(issued: &[IssuedInvoice]) -> Ledger {
        Ledger {
            entries: issued
                .iter()
                .map(|i| LedgerEntry {
                    number: i.invoice.number.clone(),
                    status: LedgerStatus::Confirmed,
                    reason: None,
                    platform_ref: None,
                })
                .collect(),
        }
    }

    fn upload(number: &str) -> JournalEntry {
        JournalEntry {
            seq: 0,
            at: "2026-01-02T03:04:05.000Z".into(),
            elapsed_ms: 0,
            route: Route::Upload,
            method: "POST".into(),
            path: "/v1/invoices".into(),
            seller_tax_id: None,
            number: Some(number.into()),
            attempt: Some(0),
            request_serial: None,
            rule: Some("drop".into()),
            fault: Some("drop_after_ack".into()),
            status: Some(201),
            error_code: None,
            effect: StoreEffect::None,
            note: None,
        }
    }

    #[test]
    fn confirmed_invoices_the_platform_never_saw_mean_wiring() {
        let issued = issued(4);
        let problem = unwired(&issued, &confirmed(&issued), &[], None, "http://p", true);
        let Some(RunProblem::Unwired { detail }) = problem else {
            panic!("expected unwired, found {problem:?}")
        };
        assert!(detail.contains("4 of the 4"), "{detail}");
        assert!(detail.contains("listen"), "{detail}");
    }

    #[test]
    fn a_dropped_upload_left_a_journal_entry_and_is_judged() {
        let issued = issued(4);
        let journal: Vec<JournalEntry> = issued.iter().map(|i| upload(&i.invoice.number)).collect();
        assert_eq!(
            unwired(
                &issued,
                &confirmed(&issued),
                &journal,
                None,
                "http://p",
                false
            ),
            None
        );
        // Half unseen is not "most": the checker judges them (as LOST).
        assert_eq!(
            unwired(
                &issued,
                &confirmed(&issued),
                &journal[..2],
                None,
                "http://p",
                false
            ),
            None
        );
        assert!(unwired(
            &issued,
            &confirmed(&issued),
            &journal[..1],
            None,
            "http://p",
            false
        )
        .is_some());
    }

    #[test]
    fn an_invoice_the_platform_stored_was_received_even_without_a_journal_entry() {
        let issued = issued(4);
        let truth = TruthSnapshot {
            seed: 1,
            records: issued
                .iter()
                .map(|i| tax_api::TruthRecord {
                    seller_tax_id: "S".into(),
                    number: i.invoice.number.clone(),
                    platform_ref: "ref".into(),
                    integrity: tax_api::Integrity::Intact,
                    sent_hash: String::new(),
                    stored_hash: None,
                    sent_line_count: 1,
                    stored_line_count: 1,
                    copies: 1,
                    cause: None,
                    persisted_at: String::new(),
                    checkpointed: false,
                    stored: None,
                    ksef: None,
                })
                .collect(),
        };
        assert_eq!(
            unwired(
                &issued,
                &confirmed(&issued),
                &[],
                Some(&truth),
                "http://p",
                false
            ),
            None
        );
    }
}
