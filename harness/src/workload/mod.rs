//! The workload: invoices generated from the seed and issued to the client.

mod generate;
mod issue;
mod ksef;
mod nip;
mod profile;

pub use generate::{Generator, MAX_RUN_ID, RUN_ID_COUNT_LIMIT};
pub use issue::{issue, IssueLog, IssuePlan};
pub use ksef::{DEFAULT_KSEF_SELLER, EXEMPT_MARKER};
pub use nip::is_valid_nip;
pub use profile::{Item, Profile, ProfileName, Rate, GENERIC, TAX_RATES};
