//! `commit_then_reset`: the record is stored in full, then the connection is reset (TCP RST).

use super::{Effect, Routes};

fault_without_settings! {
    /// The record is stored in full, then the connection is reset (TCP RST). No settings.
    CommitThenReset,
    "commit_then_reset",
    Routes::UPLOADS,
    Effect::Reset { commit: true }
}
