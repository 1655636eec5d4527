//! `drop_after_ack`: the client is told the upload succeeded; nothing is stored.

use super::{Effect, Routes};

fault_without_settings! {
    /// The client is told the upload succeeded; nothing is stored. No settings.
    DropAfterAck,
    "drop_after_ack",
    Routes::UPLOADS,
    Effect::AckWithoutStore
}
