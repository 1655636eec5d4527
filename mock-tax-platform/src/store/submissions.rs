//! Asynchronous submissions (`processing_delay`): an upload answered 202 moves
//! through `RECEIVED → PROCESSING → outcome` as run time passes. The outcome is
//! decided when the upload arrives; the state shown is computed from the clock on
//! each read, so no background task runs and paused test time works.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use tax_api::{ApiError, SubmissionState, SubmissionStatus};

/// How a submission ends once processed.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Stored and issued under this reference.
    Issued {
        /// The record's reference.
        platform_ref: String,
    },
    /// Ends `REJECTED`, `DUPLICATE` or `SYSTEM_ABORTED` with this error.
    Failed {
        /// The final state.
        state: SubmissionState,
        /// The error shown with it.
        error: ApiError,
    },
}

/// One submission.
#[derive(Debug, Clone)]
pub struct Submission {
    /// The seller that made it (only that seller may read it).
    pub seller_tax_id: String,
    /// The invoice number it carries.
    pub number: String,
    /// Run time it arrived.
    pub accepted_at: Duration,
    /// Run time processing completes.
    pub ready_at: Duration,
    /// Where it ends.
    pub outcome: Outcome,
    /// Stays `PROCESSING` forever when set (a fault's doing).
    pub stuck: bool,
}

impl Submission {
    /// Its state at run time `now`.
    pub fn state_at(&self, now: Duration) -> SubmissionState {
        let halfway = self.accepted_at + (self.ready_at.saturating_sub(self.accepted_at)) / 2;
        if now < halfway {
            SubmissionState::Received
        } else if now < self.ready_at || self.stuck {
            SubmissionState::Processing
        } else {
            match &self.outcome {
                Outcome::Issued { .. } => SubmissionState::Issued,
                Outcome::Failed { state, .. } => *state,
            }
        }
    }
}

/// All submissions by id.
#[derive(Debug, Default)]
pub struct Submissions {
    next: AtomicU64,
    by_id: Mutex<HashMap<String, Submission>>,
}

impl Submissions {
    /// Records a submission and returns its id.
    pub fn create(&self, submission: Submission) -> String {
        let n = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        let id = format!("SUB-{n:010}");
        self.by_id
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id.clone(), submission);
        id
    }

    /// The status `seller` sees at run time `now`; `None` when there is no such
    /// submission or it belongs to another seller (`seller` `None`: any seller).
    pub fn status(
        &self,
        id: &str,
        seller: Option<&str>,
        now: Duration,
    ) -> Option<SubmissionStatus> {
        let submission = {
            let map = self.by_id.lock().unwrap_or_else(|e| e.into_inner());
            map.get(id)
                .filter(|s| seller.map_or(true, |seller| seller == s.seller_tax_id))
                .cloned()?
        };
        let status = submission.state_at(now);
        let (platform_ref, error) = match (&submission.outcome, status) {
            (Outcome::Issued { platform_ref }, SubmissionState::Issued) => {
                (Some(platform_ref.clone()), None)
            }
            (Outcome::Failed { error, state }, s) if s == *state => (None, Some(error.clone())),
            _ => (None, None),
        };
        Some(SubmissionStatus {
            submission_id: id.to_owned(),
            number: submission.number,
            status,
            platform_ref,
            error,
        })
    }

    /// Forgets every submission.
    pub fn clear(&self) {
        self.by_id.lock().unwrap_or_else(|e| e.into_inner()).clear();
        self.next.store(0, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn submission(stuck: bool) -> Submission {
        Submission {
            seller_tax_id: "S".to_owned(),
            number: "N".to_owned(),
            accepted_at: Duration::from_secs(10),
            ready_at: Duration::from_secs(14),
            outcome: Outcome::Issued {
                platform_ref: "PLT-1".to_owned(),
            },
            stuck,
        }
    }

    #[test]
    fn a_submission_moves_from_received_through_processing_to_issued() {
        let s = submission(false);
        let at = |secs| s.state_at(Duration::from_secs(secs));
        assert_eq!(at(10), SubmissionState::Received);
        assert_eq!(at(12), SubmissionState::Processing);
        assert_eq!(at(14), SubmissionState::Issued);
    }

    #[test]
    fn a_stuck_submission_stays_processing() {
        let s = submission(true);
        assert_eq!(
            s.state_at(Duration::from_secs(1000)),
            SubmissionState::Processing
        );
    }

    #[test]
    fn status_shows_the_ref_only_once_issued_and_only_to_its_seller() {
        let subs = Submissions::default();
        let id = subs.create(submission(false));
        let early = subs
            .status(&id, Some("S"), Duration::from_secs(11))
            .unwrap();
        assert_eq!(early.platform_ref, None);
        let done = subs.status(&id, None, Duration::from_secs(20)).unwrap();
        assert_eq!(done.platform_ref.as_deref(), Some("PLT-1"));
        assert!(subs
            .status(&id, Some("other"), Duration::from_secs(20))
            .is_none());
    }
}
