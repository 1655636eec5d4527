//! `duplicate_without_pointer`: an upload of a number the platform already holds is
//! answered 409 `DUPLICATE` without `details.original_ref` — even when the content is
//! the same and the platform would normally answer idempotently. Nothing changes in
//! the store; the client cannot tell whether its own upload is the one stored.

use super::{Effect, Routes};

fault_without_settings! {
    /// An upload of a number already stored is answered 409 `DUPLICATE` without
    /// `original_ref`. No settings.
    DuplicateWithoutPointer,
    "duplicate_without_pointer",
    Routes::UPLOADS,
    Effect::StripOriginalRef, {
        /// Only an upload of a number already stored can be answered "duplicate".
        fn applies(&self, request: &crate::chaos::engine::RequestFacts<'_>) -> bool {
            request.existing
        }

        fn needs_existing(&self) -> bool {
            true
        }
    }
}
