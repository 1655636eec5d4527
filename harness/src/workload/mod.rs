//! The workload: invoices generated from the seed and issued to the client.

mod generate;
mod issue;

pub use generate::{Generator, TAX_RATES};
pub use issue::{issue, IssueLog, IssuePlan};
