//! The workload: invoices generated from the seed and issued to the client.

mod generate;
mod issue;

pub use generate::{Generator, MAX_RUN_ID, RUN_ID_COUNT_LIMIT, TAX_RATES};
pub use issue::{issue, IssueLog, IssuePlan};
