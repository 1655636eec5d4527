//! Issues a batch of invoices to the client at a rate, with a bound on how many are
//! in flight, recording each one and whether the client took ownership (202).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::Generator;
use crate::client::{ClientError, ContractClient, Submitted};
use crate::outcome::IssuedInvoice;

/// One `issue` step, resolved.
#[derive(Debug, Clone, Copy)]
pub struct IssuePlan {
    /// Which issue step this is (0 for the first), so numbers never collide.
    pub ordinal: usize,
    /// How many invoices.
    pub count: u64,
    /// Invoices per second; `None` means as fast as `concurrency` allows.
    pub rate: Option<f64>,
    /// Most requests in flight.
    pub concurrency: usize,
    /// How long one invoice keeps being retried while the client is unreachable
    /// (e.g. during a restart) before it counts as refused.
    pub retry_for: Duration,
}

/// Every invoice issued so far in the run, shared by all issue steps.
#[derive(Debug)]
pub struct IssueLog {
    started: Instant,
    issued: Mutex<Vec<IssuedInvoice>>,
    count: AtomicU64,
}

impl IssueLog {
    /// A log whose `at_ms` counts from `started`.
    pub fn new(started: Instant) -> Self {
        IssueLog {
            started,
            issued: Mutex::new(Vec::new()),
            count: AtomicU64::new(0),
        }
    }

    /// How many invoices have been handed to the client so far.
    pub fn count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }

    fn record(&self, entry: IssuedInvoice) {
        if let Ok(mut v) = self.issued.lock() {
            v.push(entry);
        }
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    /// The log's contents, ordered by invoice number.
    pub fn snapshot(&self) -> Vec<IssuedInvoice> {
        let mut v = self.issued.lock().map(|v| v.clone()).unwrap_or_default();
        v.sort_by(|a, b| a.invoice.number.cmp(&b.invoice.number));
        v
    }

    /// Numbers of the invoices the client accepted.
    pub fn accepted_numbers(&self) -> Vec<String> {
        self.issued
            .lock()
            .map(|v| {
                v.iter()
                    .filter(|i| i.accepted)
                    .map(|i| i.invoice.number.clone())
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Issues one plan's invoices. With no `client` (a ledger file), the invoices are only
/// generated and recorded as issued: they describe what the exported run issued.
pub async fn issue(
    plan: IssuePlan,
    generator: Arc<Generator>,
    client: Option<Arc<ContractClient>>,
    log: Arc<IssueLog>,
) {
    let start = tokio::time::Instant::now();
    let permits = Arc::new(Semaphore::new(plan.concurrency.max(1)));
    let mut tasks = JoinSet::new();
    for index in 0..plan.count {
        // A client program that exited takes nothing more (a restart clears this).
        if client.as_ref().is_some_and(|c| c.gone().is_some()) {
            break;
        }
        if let Some(rate) = plan.rate {
            // A rate so low that the next invoice is due beyond any clock waits for ever.
            let offset = Duration::try_from_secs_f64(index as f64 / rate).unwrap_or(Duration::MAX);
            let due = async {
                match start.checked_add(offset) {
                    Some(due) => tokio::time::sleep_until(due).await,
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                () = due => {}
                () = until_gone(client.as_deref()) => break,
            }
        }
        let Ok(permit) = permits.clone().acquire_owned().await else {
            break;
        };
        let at_ms = log.started.elapsed().as_millis() as u64;
        let issued_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, false);
        let invoice = generator.invoice(plan.ordinal, index, &issued_at);
        let (client, log) = (client.clone(), log.clone());
        tasks.spawn(async move {
            let accepted = match client {
                Some(c) => submit_with_retry(&c, &invoice, plan.retry_for).await,
                None => true,
            };
            log.record(IssuedInvoice {
                invoice,
                accepted,
                at_ms,
            });
            drop(permit);
        });
        // Reap finished tasks as we go so the set stays small on long runs.
        while tasks.try_join_next().is_some() {}
    }
    while tasks.join_next().await.is_some() {}
}

/// Resolves once the client program is known to have exited; never without a client.
async fn until_gone(client: Option<&ContractClient>) {
    match client {
        Some(c) => c.wait_gone().await,
        None => std::future::pending().await,
    }
}

/// Submits until the client gives a definite answer, retrying transport errors and
/// 5xx (a client being restarted) for up to `retry_for`.
async fn submit_with_retry(
    client: &ContractClient,
    invoice: &tax_api::Invoice,
    retry_for: Duration,
) -> bool {
    let deadline = crate::later::later(retry_for);
    let mut pause = Duration::from_millis(20);
    loop {
        match client.submit(invoice).await {
            Ok(Submitted::Accepted) => return true,
            Ok(Submitted::Refused { status, body }) => {
                tracing::warn!(number = %invoice.number, status, body = %body, "client refused an invoice");
                return false;
            }
            Err(e @ (ClientError::Http(_) | ClientError::Status { .. })) => {
                if crate::later::later(pause) > deadline {
                    tracing::warn!(number = %invoice.number, "client never took the invoice: {e}");
                    return false;
                }
                tracing::debug!(number = %invoice.number, "retrying submit: {e}");
            }
            Err(e) => {
                tracing::warn!(number = %invoice.number, "submit failed: {e}");
                return false;
            }
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_millis(500));
    }
}
