//! `corrupt`: the client is told the upload succeeded; the platform keeps one field
//! altered — the total, the buyer's tax id, or one line.

use serde::{Deserialize, Serialize};

use super::{Damage, Effect, Fault, Routes};
use crate::chaos::seeded::DecisionRng;

/// Which part of the invoice a corruption alters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CorruptTarget {
    /// `totals.total_incl_tax` moves by 1–99 minor units.
    #[default]
    Amount,
    /// `buyer_tax_id` ends in another digit.
    TaxId,
    /// One line's price and amount move by 1–99 minor units.
    Line,
}

/// Settings of a `corrupt` fault.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Corrupt {
    /// What is altered (default `amount`).
    #[serde(default)]
    pub field: CorruptTarget,
}

impl Fault for Corrupt {
    fn kind(&self) -> &'static str {
        "corrupt"
    }

    fn routes(&self) -> Routes {
        Routes::UPLOADS
    }

    fn effect(&self, rng: &mut DecisionRng) -> Effect {
        let delta = 1 + rng.below(99) as i64;
        Effect::StoreDamaged(match self.field {
            CorruptTarget::Amount => Damage::AlterTotal(delta),
            CorruptTarget::TaxId => Damage::AlterBuyerTaxId,
            CorruptTarget::Line => Damage::AlterLine {
                index: rng.below(1 << 16) as usize,
                delta,
            },
        })
    }
}
