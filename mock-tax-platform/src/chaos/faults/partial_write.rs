//! `partial_write`: the client is told the upload succeeded; the platform keeps the
//! header without all or some of its lines, or without named fields.

use serde::{Deserialize, Serialize};

use super::{Damage, Effect, Fault, InvoiceField, Routes};
use crate::chaos::seeded::DecisionRng;

/// What a partial write leaves out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartialDrop {
    /// Line items: all of them, or all after the first `keep`.
    #[default]
    Lines,
    /// The text fields named in `fields`.
    Fields,
}

/// Settings of a `partial_write` fault: `drop = "lines"` (optionally `keep = k`) or
/// `drop = "fields"` with `fields = ["buyer_name", …]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartialWrite {
    /// What is left out.
    #[serde(default)]
    pub drop: PartialDrop,
    /// With `drop = "lines"`: how many leading lines survive (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep: Option<usize>,
    /// With `drop = "fields"`: which fields are stored empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<InvoiceField>,
}

impl Fault for PartialWrite {
    fn kind(&self) -> &'static str {
        "partial_write"
    }

    fn routes(&self) -> Routes {
        Routes::UPLOADS
    }

    fn validate(&self) -> Result<(), String> {
        match self.drop {
            PartialDrop::Lines if !self.fields.is_empty() => {
                Err("`fields` applies to drop = \"fields\", found drop = \"lines\"".into())
            }
            PartialDrop::Fields if self.fields.is_empty() => {
                Err("drop = \"fields\" needs `fields`, e.g. [\"buyer_name\"]; found none".into())
            }
            PartialDrop::Fields if self.keep.is_some() => {
                Err("`keep` applies to drop = \"lines\", found drop = \"fields\"".into())
            }
            _ => Ok(()),
        }
    }

    fn effect(&self, _rng: &mut DecisionRng) -> Effect {
        Effect::StoreDamaged(match self.drop {
            PartialDrop::Lines => Damage::KeepLines(self.keep.unwrap_or(0)),
            PartialDrop::Fields => Damage::DropFields(self.fields.clone()),
        })
    }
}
