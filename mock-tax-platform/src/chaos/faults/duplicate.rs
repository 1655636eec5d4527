//! `duplicate`: the client is told the upload succeeded; the platform stores two copies under different references.

use super::{Effect, Routes};

fault_without_settings! {
    /// The client is told the upload succeeded; the platform stores two copies under different references. No settings.
    Duplicate,
    "duplicate",
    Routes::UPLOADS,
    Effect::StoreTwice
}
