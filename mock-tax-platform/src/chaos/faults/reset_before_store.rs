//! `reset_before_store`: the connection is reset (TCP RST) before anything is stored.

use super::{Effect, Routes};

fault_without_settings! {
    /// The connection is reset (TCP RST) before anything is stored. No settings.
    ResetBeforeStore,
    "reset_before_store",
    Routes::ANY_UPLOADS_BY_DEFAULT,
    Effect::Reset { commit: false }
}
