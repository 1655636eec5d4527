//! Exit codes, Jepsen style (DESIGN §5).

/// How a command ended, as the process exit code reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Exit {
    /// Every scenario passed.
    Pass,
    /// At least one scenario found a violation or broke an `[expect]` bound.
    Fail,
    /// At least one scenario could not reach a verdict.
    Inconclusive,
    /// Bad command-line arguments or a bad script; nothing was started.
    BadInput,
    /// The harness itself failed.
    HarnessError,
    /// Ctrl-C or SIGTERM stopped the runs before they ended.
    Interrupted,
}

impl Exit {
    /// The process exit code: 0, 1, 2, 130, 254 or 255.
    pub fn code(self) -> u8 {
        match self {
            Exit::Pass => 0,
            Exit::Fail => 1,
            Exit::Inconclusive => 2,
            // 128 + SIGINT, as shells report a command stopped by Ctrl-C.
            Exit::Interrupted => 130,
            Exit::BadInput => 254,
            Exit::HarnessError => 255,
        }
    }

    /// The outcome a process exit code stands for; a code this program never uses
    /// counts as a harness error, so it cannot pass for a verdict.
    pub fn from_code(code: u8) -> Exit {
        match code {
            0 => Exit::Pass,
            1 => Exit::Fail,
            2 => Exit::Inconclusive,
            130 => Exit::Interrupted,
            254 => Exit::BadInput,
            _ => Exit::HarnessError,
        }
    }

    /// The outcome of several runs: the worst one wins (harness error > bad input >
    /// inconclusive > fail > pass would hide failures, so fail outranks inconclusive).
    /// An interruption outranks everything: the runs did not all take place.
    pub fn worst(self, other: Exit) -> Exit {
        fn rank(e: Exit) -> u8 {
            match e {
                Exit::Pass => 0,
                Exit::Inconclusive => 1,
                Exit::Fail => 2,
                Exit::BadInput => 3,
                Exit::HarnessError => 4,
                Exit::Interrupted => 5,
            }
        }
        if rank(other) > rank(self) {
            other
        } else {
            self
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_outranks_an_inconclusive_run() {
        assert_eq!(Exit::Inconclusive.worst(Exit::Fail), Exit::Fail);
        assert_eq!(Exit::Pass.worst(Exit::Inconclusive), Exit::Inconclusive);
        assert_eq!(Exit::Fail.worst(Exit::HarnessError).code(), 255);
        assert_eq!(Exit::HarnessError.worst(Exit::Interrupted).code(), 130);
    }
}
