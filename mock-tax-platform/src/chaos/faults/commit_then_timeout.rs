//! `commit_then_timeout`: the record is stored in full, then no answer comes until the client gives up.

use super::{Effect, Routes};

fault_without_settings! {
    /// The record is stored in full, then no answer comes until the client gives up. No settings.
    CommitThenTimeout,
    "commit_then_timeout",
    Routes::UPLOADS,
    Effect::Hang { commit: true }
}
