//! `settle`: let the client finish. Reconcile if it can, then poll its ledger until no
//! accepted invoice is pending or the timeout passes.

use std::collections::HashSet;
use std::time::Duration;

use tax_api::LedgerStatus;

use crate::client::ClientSystem;
use crate::workload::IssueLog;

/// Settles the client; returns a line for the timeline.
pub async fn settle(client: &ClientSystem, log: &IssueLog, timeout: Duration) -> String {
    let Some(contract) = client.contract() else {
        return "nothing to settle: the ledger is a file".into();
    };
    let deadline = crate::later::later(timeout);
    let reconciled = match contract.reconcile(timeout).await {
        Ok(Some(s)) => format!(
            "reconciled (checked {}, flagged {}, re-uploaded {}); ",
            s.checked, s.flagged, s.reuploaded
        ),
        Ok(None) => String::new(),
        Err(e) => format!("reconcile failed: {e}; "),
    };
    if let Some(why) = contract.gone() {
        return format!("{reconciled}nothing to wait for: {why}");
    }
    let accepted: HashSet<String> = log.accepted_numbers().into_iter().collect();
    let mut pause = Duration::from_millis(50);
    loop {
        let outstanding = match contract.ledger().await {
            // An accepted invoice absent from the ledger is forgotten, not pending: waiting
            // would not bring it back, so only pending entries hold the settle open.
            Ok(ledger) => ledger
                .entries
                .iter()
                .filter(|e| e.status == LedgerStatus::Pending && accepted.contains(&e.number))
                .count(),
            Err(e) => {
                tracing::warn!("reading the ledger while settling: {e}");
                usize::MAX
            }
        };
        if let Some(why) = contract.gone() {
            return format!("{reconciled}stopped waiting: {why}");
        }
        if outstanding == 0 {
            return format!("{reconciled}nothing pending");
        }
        if crate::later::later(pause) > deadline {
            let n = if outstanding == usize::MAX {
                "unknown".into()
            } else {
                outstanding.to_string()
            };
            return format!("{reconciled}timed out with {n} invoices still pending");
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_millis(500));
    }
}
