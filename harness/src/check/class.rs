//! The checker's table (DESIGN §5): what the client says × what the platform holds.

use serde::{Deserialize, Serialize};
use tax_api::{Integrity, LedgerStatus};

/// The class every judged invoice falls into. The lowercase classes are acceptable
/// outcomes; the uppercase ones are violations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Class {
    /// Confirmed by the client and stored intact.
    #[serde(rename = "ok")]
    Ok,
    /// Flagged by the client although the platform holds it intact: safe, but costs a person's time.
    #[serde(rename = "false_flag")]
    FalseFlag,
    /// Flagged by the client, and rightly: the platform lost or damaged it.
    #[serde(rename = "flagged")]
    Flagged,
    /// The client refused the invoice, never listed it, and the platform holds nothing.
    #[serde(rename = "refused")]
    Refused,
    /// Confirmed, but the platform holds nothing.
    #[serde(rename = "LOST")]
    Lost,
    /// Confirmed, but stored without some lines or fields.
    #[serde(rename = "SILENT_PARTIAL")]
    SilentPartial,
    /// Confirmed, but stored with altered content.
    #[serde(rename = "SILENT_CORRUPTION")]
    SilentCorruption,
    /// Confirmed, but stored more than once.
    #[serde(rename = "DUPLICATE")]
    Duplicate,
    /// Still pending when the run ended.
    #[serde(rename = "UNRESOLVED")]
    Unresolved,
    /// Owned by the client (or held by the platform) but missing from the client's ledger.
    #[serde(rename = "FORGOTTEN")]
    Forgotten,
    /// A platform record of this seller that matches no issued invoice.
    #[serde(rename = "UNEXPECTED")]
    Unexpected,
    /// The client program exited during the run and no `restart_client` step started
    /// it again. The one class that counts events of the run, not invoices: a crash
    /// under faults is a defect, whatever became of the invoices.
    #[serde(rename = "CLIENT_EXITED")]
    ClientExited,
    /// The ledger lists the invoice several times with different statuses: which one
    /// the client acts on is unknowable, so the verdict must not depend on row order.
    #[serde(rename = "CONTRADICTORY_LEDGER")]
    ContradictoryLedger,
}

impl Class {
    /// Every class, in report order.
    pub const ALL: [Class; 13] = [
        Class::Ok,
        Class::FalseFlag,
        Class::Flagged,
        Class::Refused,
        Class::Lost,
        Class::SilentPartial,
        Class::SilentCorruption,
        Class::Duplicate,
        Class::Unresolved,
        Class::Forgotten,
        Class::Unexpected,
        Class::ClientExited,
        Class::ContradictoryLedger,
    ];

    /// The violation classes, in report order.
    pub fn violations() -> impl Iterator<Item = Class> {
        Class::ALL.into_iter().filter(|c| c.is_violation())
    }

    /// The name used in every report.
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Ok => "ok",
            Class::FalseFlag => "false_flag",
            Class::Flagged => "flagged",
            Class::Refused => "refused",
            Class::Lost => "LOST",
            Class::SilentPartial => "SILENT_PARTIAL",
            Class::SilentCorruption => "SILENT_CORRUPTION",
            Class::Duplicate => "DUPLICATE",
            Class::Unresolved => "UNRESOLVED",
            Class::Forgotten => "FORGOTTEN",
            Class::Unexpected => "UNEXPECTED",
            Class::ClientExited => "CLIENT_EXITED",
            Class::ContradictoryLedger => "CONTRADICTORY_LEDGER",
        }
    }

    /// Whether this class breaks the "nothing lost silently" property: the
    /// uppercase classes. (A match, so a new class must be placed on one side.)
    pub fn is_violation(self) -> bool {
        match self {
            Class::Ok | Class::FalseFlag | Class::Flagged | Class::Refused => false,
            Class::Lost
            | Class::SilentPartial
            | Class::SilentCorruption
            | Class::Duplicate
            | Class::Unresolved
            | Class::Forgotten
            | Class::Unexpected
            | Class::ClientExited => true,
            Class::ContradictoryLedger => true,
        }
    }

    /// One sentence saying what the class means, for reports.
    pub fn meaning(self) -> &'static str {
        match self {
            Class::Ok => "confirmed by the client and stored intact",
            Class::FalseFlag => "flagged by the client although stored intact",
            Class::Flagged => "flagged by the client; the platform lost or damaged it",
            Class::Refused => "refused by the client and never stored",
            Class::Lost => "the client confirmed it but the platform holds nothing",
            Class::SilentPartial => "the client confirmed it but lines or fields are missing",
            Class::SilentCorruption => "the client confirmed it but the stored content differs",
            Class::Duplicate => "the client confirmed it but the platform holds several copies",
            Class::Unresolved => "still pending at the end of the run",
            Class::Forgotten => "the client owned it but its ledger does not list it",
            Class::Unexpected => "a platform record that matches no issued invoice",
            Class::ClientExited => "the client program exited during the run and was not restarted",
            Class::ContradictoryLedger => {
                "the client's ledger lists it several times with different statuses"
            }
        }
    }
}

impl Class {
    /// The promise a violation class breaks, phrased as the invariant that holds when it is absent.
    pub fn invariant(self) -> &'static str {
        match self {
            Class::Lost => "every invoice the client confirmed is held by the platform",
            Class::SilentPartial => {
                "every invoice the client confirmed is stored with all its lines and fields"
            }
            Class::SilentCorruption => "every invoice the client confirmed is stored exactly as issued",
            Class::Duplicate => "every invoice the client confirmed is stored once",
            Class::Unresolved => "no invoice is still pending when the run ends",
            Class::Forgotten => {
                "every invoice the client accepted, or the platform holds, is in the client's ledger"
            }
            Class::Unexpected => "the platform holds no record of this seller that was never issued",
            Class::ClientExited => {
                "the client program keeps running until the harness stops or restarts it"
            }
            Class::ContradictoryLedger => "the client's ledger gives each invoice one status",
            other => other.meaning(),
        }
    }
}

/// What the platform really holds for one invoice, reduced to the table's columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlatformState {
    /// Stored once, exactly as issued.
    Intact,
    /// Stored without some lines or fields.
    Partial,
    /// Stored with a field altered (or reverted).
    Corrupted,
    /// Not stored, or lost by a migration.
    Missing,
    /// Stored more than once.
    Duplicated,
}

impl PlatformState {
    /// The column an `Integrity` from the truth falls into.
    pub fn from_integrity(integrity: Integrity) -> Self {
        match integrity {
            Integrity::Intact => PlatformState::Intact,
            Integrity::Partial => PlatformState::Partial,
            Integrity::Corrupted => PlatformState::Corrupted,
            Integrity::LostInMigration => PlatformState::Missing,
            Integrity::Duplicated => PlatformState::Duplicated,
        }
    }
}

/// What the client says about one invoice, reduced to the table's rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientState {
    /// The ledger says `confirmed`.
    Confirmed,
    /// The ledger says `flagged`.
    Flagged,
    /// The ledger says `pending`.
    Pending,
    /// The ledger does not list it.
    Absent,
    /// The ledger lists it several times with different statuses.
    Contradictory,
}

impl From<Option<LedgerStatus>> for ClientState {
    fn from(status: Option<LedgerStatus>) -> Self {
        match status {
            Some(LedgerStatus::Confirmed) => ClientState::Confirmed,
            Some(LedgerStatus::Flagged) => ClientState::Flagged,
            Some(LedgerStatus::Pending) => ClientState::Pending,
            None => ClientState::Absent,
        }
    }
}

/// One cell of the table. `owned` is false only for an invoice the client refused
/// (no 202) and does not list: then an absent ledger entry is not a fault of the
/// client unless the platform holds the invoice anyway.
pub fn classify(client: ClientState, platform: PlatformState, owned: bool) -> Class {
    match (client, platform) {
        (ClientState::Confirmed, PlatformState::Intact) => Class::Ok,
        (ClientState::Confirmed, PlatformState::Partial) => Class::SilentPartial,
        (ClientState::Confirmed, PlatformState::Corrupted) => Class::SilentCorruption,
        (ClientState::Confirmed, PlatformState::Missing) => Class::Lost,
        (ClientState::Confirmed, PlatformState::Duplicated) => Class::Duplicate,
        (ClientState::Flagged, PlatformState::Intact) => Class::FalseFlag,
        (ClientState::Flagged, _) => Class::Flagged,
        (ClientState::Pending, _) => Class::Unresolved,
        (ClientState::Absent, PlatformState::Missing) if !owned => Class::Refused,
        (ClientState::Absent, _) => Class::Forgotten,
        (ClientState::Contradictory, _) => Class::ContradictoryLedger,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_violation_classes_are_the_uppercase_ones_in_report_order() {
        for class in Class::ALL {
            let upper = class.as_str() == class.as_str().to_uppercase();
            assert_eq!(class.is_violation(), upper, "{}", class.as_str());
        }
        let names: Vec<&str> = Class::violations().map(Class::as_str).collect();
        assert_eq!(
            names,
            [
                "LOST",
                "SILENT_PARTIAL",
                "SILENT_CORRUPTION",
                "DUPLICATE",
                "UNRESOLVED",
                "FORGOTTEN",
                "UNEXPECTED",
                "CLIENT_EXITED",
                "CONTRADICTORY_LEDGER",
            ]
        );
    }
}
