//! How a fault's effect changes one upload, as a pure function the upload route
//! follows: answer at once, answer "duplicate", or store something and then do
//! something after the commit.

use std::time::Duration;

use tax_api::Invoice;

use crate::chaos::faults::Effect;
use crate::store::Keep;

/// What the upload route does with a decided effect.
#[derive(Debug)]
pub enum UploadPlan {
    /// Answer without touching the store (an error, a reset, a hang).
    AnswerNow(Effect),
    /// Answer 409 `DUPLICATE` without `original_ref`.
    DuplicateWithoutPointer,
    /// Store what `keep` says, then follow `after`.
    Store {
        /// What the store keeps.
        keep: Keep,
        /// What happens once it is stored.
        after: AfterStore,
    },
}

/// What a fault leaves for after the store phase.
#[derive(Debug, Default)]
pub struct AfterStore {
    /// Copies held (2 for `duplicate`).
    pub copies: u32,
    /// Extra time before reads see the record (`visibility_lag`).
    pub lag: Duration,
    /// The submission is answered 202 and never leaves `PROCESSING`.
    pub stuck: bool,
    /// Instead of the normal answer: this status after the commit (`error_after_commit`).
    pub error_status: Option<u16>,
    /// Instead of the normal answer: a reset or a hang after the commit.
    pub cut: Option<Effect>,
}

/// Interprets `effect` for an upload of `invoice`; `cause` names the rule for a damaged copy.
pub fn plan(effect: Option<Effect>, invoice: &Invoice, cause: &str) -> UploadPlan {
    let mut after = AfterStore {
        copies: 1,
        ..AfterStore::default()
    };
    let keep = match effect {
        None | Some(Effect::Delay(_)) => Keep::Intact,
        Some(
            e @ (Effect::Respond { .. }
            | Effect::Reset { commit: false }
            | Effect::Hang { commit: false }),
        ) => return UploadPlan::AnswerNow(e),
        Some(Effect::StripOriginalRef) => return UploadPlan::DuplicateWithoutPointer,
        Some(Effect::AckWithoutStore) => Keep::Nothing,
        Some(Effect::StoreDamaged(damage)) => {
            let mut copy = invoice.clone();
            if damage.apply(&mut copy) {
                Keep::Damaged {
                    copy: Box::new(copy),
                    integrity: damage.integrity(),
                    cause: cause.to_owned(),
                }
            } else {
                Keep::Intact
            }
        }
        Some(Effect::StuckProcessing { store }) => {
            after.stuck = true;
            if store {
                Keep::Intact
            } else {
                Keep::Nothing
            }
        }
        Some(Effect::StoreTwice) => {
            after.copies = 2;
            Keep::Intact
        }
        Some(Effect::HideFor(lag)) => {
            after.lag = lag;
            Keep::Intact
        }
        Some(Effect::ErrorAfterCommit { status }) => {
            after.error_status = Some(status);
            Keep::Intact
        }
        Some(e @ (Effect::Reset { commit: true } | Effect::Hang { commit: true })) => {
            after.cut = Some(e);
            Keep::Intact
        }
    };
    UploadPlan::Store { keep, after }
}

#[cfg(test)]
mod tests {
    use tax_api::Integrity;

    use super::*;
    use crate::chaos::faults::Damage;

    fn invoice() -> Invoice {
        Invoice::example()
    }

    #[test]
    fn socket_faults_before_the_store_answer_at_once() {
        for effect in [
            Effect::Reset { commit: false },
            Effect::Hang { commit: false },
        ] {
            assert!(matches!(
                plan(Some(effect), &invoice(), "r"),
                UploadPlan::AnswerNow(_)
            ));
        }
    }

    #[test]
    fn commit_then_faults_store_intact_and_cut_afterwards() {
        match plan(Some(Effect::Hang { commit: true }), &invoice(), "r") {
            UploadPlan::Store {
                keep: Keep::Intact,
                after,
            } => assert_eq!(after.cut, Some(Effect::Hang { commit: true })),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn damage_that_changes_nothing_stores_intact() {
        let keep_more = Effect::StoreDamaged(Damage::KeepLines(5));
        assert!(matches!(
            plan(Some(keep_more), &invoice(), "r"),
            UploadPlan::Store {
                keep: Keep::Intact,
                ..
            }
        ));
        let drop_all = Effect::StoreDamaged(Damage::KeepLines(0));
        assert!(matches!(
            plan(Some(drop_all), &invoice(), "r"),
            UploadPlan::Store {
                keep: Keep::Damaged {
                    integrity: Integrity::Partial,
                    ..
                },
                ..
            }
        ));
    }

    #[test]
    fn stuck_processing_stores_only_when_asked() {
        let stored = |store| match plan(Some(Effect::StuckProcessing { store }), &invoice(), "r") {
            UploadPlan::Store { keep, after } => (matches!(keep, Keep::Intact), after.stuck),
            other => panic!("{other:?}"),
        };
        assert_eq!(stored(true), (true, true));
        assert_eq!(stored(false), (false, true));
    }
}
