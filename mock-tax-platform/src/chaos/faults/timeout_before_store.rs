//! `timeout_before_store`: no answer comes and nothing is stored.

use super::{Effect, Routes};

fault_without_settings! {
    /// No answer comes and nothing is stored. No settings.
    TimeoutBeforeStore,
    "timeout_before_store",
    Routes::ANY_UPLOADS_BY_DEFAULT,
    Effect::Hang { commit: false }
}
