//! The delivery states of an outbox row and which moves between them are legal.

/// Where one accepted invoice stands. Every move is committed to the outbox before the
/// client acts on it, so a restart resumes from the last committed state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    /// Accepted and stored; not yet sent (or due to be sent again).
    Pending,
    /// At least one upload went out; the platform may or may not hold it.
    Sent,
    /// The client has what its mode accepts as proof that the platform holds it.
    Confirmed,
    /// The client gave up proving it and raised it for a person, with a reason.
    Flagged,
}

impl State {
    /// The spelling stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Pending => "PENDING",
            State::Sent => "SENT",
            State::Confirmed => "CONFIRMED",
            State::Flagged => "FLAGGED",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(s: &str) -> Option<State> {
        match s {
            "PENDING" => Some(State::Pending),
            "SENT" => Some(State::Sent),
            "CONFIRMED" => Some(State::Confirmed),
            "FLAGGED" => Some(State::Flagged),
            _ => None,
        }
    }

    /// Whether delivery still has work to do on a row in this state.
    pub fn is_open(self) -> bool {
        matches!(self, State::Pending | State::Sent)
    }

    /// Whether moving from `self` to `to` is legal. A flag is final: it is a claim made
    /// to a person, and only a person withdraws it. A confirmation may be reopened by
    /// reconciliation (the platform lost the record) or turned into a flag (damage).
    pub fn can_move_to(self, to: State) -> bool {
        use State::*;
        match (self, to) {
            (Flagged, _) => false,
            (Pending, Pending) => true,
            (Pending | Sent, Sent | Confirmed | Flagged) => true,
            (Sent, Pending) => true,
            (Confirmed, Pending | Flagged) => true,
            (Confirmed, Confirmed) => true,
            (Confirmed, Sent) => false,
        }
    }
}

impl From<State> for tax_api::LedgerStatus {
    fn from(s: State) -> Self {
        match s {
            State::Pending | State::Sent => tax_api::LedgerStatus::Pending,
            State::Confirmed => tax_api::LedgerStatus::Confirmed,
            State::Flagged => tax_api::LedgerStatus::Flagged,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::State::*;
    use super::*;

    #[test]
    fn a_flag_is_final() {
        for to in [Pending, Sent, Confirmed, Flagged] {
            assert!(!Flagged.can_move_to(to), "flagged -> {to:?}");
        }
    }

    #[test]
    fn delivery_moves_forward_and_reconciliation_may_reopen_a_confirmation() {
        assert!(Pending.can_move_to(Sent));
        assert!(Sent.can_move_to(Confirmed));
        assert!(Sent.can_move_to(Flagged));
        assert!(Confirmed.can_move_to(Pending));
        assert!(Confirmed.can_move_to(Flagged));
        assert!(!Confirmed.can_move_to(Sent));
    }

    #[test]
    fn stored_spelling_round_trips() {
        for s in [Pending, Sent, Confirmed, Flagged] {
            assert_eq!(State::parse(s.as_str()), Some(s));
        }
        assert_eq!(State::parse("LOST"), None);
    }
}
