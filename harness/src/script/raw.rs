//! The script exactly as written, with spans kept where later checks need a place to point at.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use super::step::Step;
use super::values::HumanDuration;
use crate::outcome::Expect;
use crate::workload::ProfileName;

/// The whole script file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawScenario {
    pub name: Spanned<String>,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub seed: Option<u64>,
    #[serde(default)]
    pub client: Option<Spanned<RawClient>>,
    #[serde(default)]
    pub platform: RawPlatform,
    #[serde(default)]
    pub steps: Option<Spanned<Vec<Spanned<Step>>>>,
    #[serde(default)]
    pub expect: Expect,
    /// `[workload]`: what the issued invoices look like.
    #[serde(default)]
    pub workload: RawWorkload,
    /// `[explore]`: bounds for `invoice-chaos explore`, which reads them itself;
    /// `run` ignores them, so a base script runs as it stands.
    #[serde(default)]
    #[allow(dead_code)]
    pub explore: Option<toml::Value>,
}

/// Which kind of client system the scenario drives.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum AdapterKind {
    #[default]
    Reference,
    Command,
    Url,
    Ledger,
}

/// `[client]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawClient {
    #[serde(default)]
    pub adapter: Option<Spanned<AdapterKind>>,
    #[serde(default)]
    pub mode: Option<super::ClientMode>,
    #[serde(default)]
    pub command: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    #[serde(default)]
    pub url: Option<Spanned<String>>,
    #[serde(default)]
    pub ledger: Option<Spanned<String>>,
    /// The ledger file's own names for its CSV columns: `{ number = "InvoiceNo" }`.
    #[serde(default)]
    pub columns: Option<Spanned<BTreeMap<String, String>>>,
    #[serde(default)]
    pub seller_tax_id: Option<Spanned<String>>,
    #[serde(default)]
    pub health_timeout: Option<HumanDuration>,
}

/// `[platform]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPlatform {
    #[serde(default)]
    pub url: Option<Spanned<String>>,
    #[serde(default)]
    pub token: Option<String>,
    #[serde(default)]
    pub control_token: Option<String>,
    #[serde(default)]
    pub reset: Option<bool>,
    #[serde(default)]
    pub processing_delay: Option<Spanned<HumanDuration>>,
    #[serde(default)]
    pub listen: Option<Spanned<String>>,
}

/// `[workload]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawWorkload {
    /// `"generic"` (the default) or `"ksef"`; an unknown name is refused by `toml`
    /// at its place.
    #[serde(default)]
    pub profile: Option<Spanned<ProfileName>>,
}
