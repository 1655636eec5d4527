//! One request–response exchange as the journal sees it. Handlers fill in what
//! they learn (seller, number, attempt, store effect, fault); the entry is appended
//! when the response is produced — or, if the request's future is dropped first (a
//! reset connection, a request cut off by shutdown), with no status.

use std::sync::Arc;

use tax_api::{JournalEntry, Route, StoreEffect};

use crate::clock::stamp;
use crate::state::AppState;

/// Journal entry under construction for one request.
#[derive(Debug)]
pub struct Exchange {
    state: Arc<AppState>,
    /// The entry; `seq` is set when it is appended.
    pub entry: JournalEntry,
    done: bool,
}

impl Exchange {
    /// Starts the entry for a request arriving now.
    pub fn begin(state: &Arc<AppState>, route: Route, method: &str, path: &str) -> Self {
        let elapsed = state.clock.elapsed();
        let entry = JournalEntry {
            seq: 0,
            at: stamp(state.clock.wall_at(elapsed)),
            elapsed_ms: u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
            route,
            method: method.to_owned(),
            path: path.to_owned(),
            seller_tax_id: None,
            number: None,
            attempt: None,
            request_serial: None,
            rule: None,
            fault: None,
            status: None,
            error_code: None,
            effect: StoreEffect::None,
            note: None,
        };
        Exchange {
            state: Arc::clone(state),
            entry,
            done: false,
        }
    }

    /// Notes the invoice number and counts this request's attempt index for it.
    pub fn count_attempt(&mut self, seller: &str, number: &str) -> u32 {
        let attempt = self
            .state
            .journal
            .next_attempt(self.entry.route, seller, number);
        self.entry.number = Some(number.to_owned());
        self.entry.attempt = Some(attempt);
        attempt
    }

    /// Appends the entry now, without a status: the connection is being reset or
    /// held without an answer, and the journal must show the request meanwhile.
    pub fn record_unanswered(&mut self) {
        self.entry.status = None;
        self.append();
    }

    /// Appends the entry with the status (and error code) that was sent.
    pub fn finish(mut self, status: u16, error_code: Option<&str>) {
        self.entry.status = Some(status);
        self.entry.error_code = error_code.map(str::to_owned);
        self.append();
    }

    fn append(&mut self) {
        if !self.done {
            self.done = true;
            let entry = std::mem::replace(&mut self.entry, placeholder());
            self.state.journal.append(entry);
        }
    }
}

impl Drop for Exchange {
    fn drop(&mut self) {
        self.append();
    }
}

fn placeholder() -> JournalEntry {
    JournalEntry {
        seq: 0,
        at: String::new(),
        elapsed_ms: 0,
        route: Route::Unknown,
        method: String::new(),
        path: String::new(),
        seller_tax_id: None,
        number: None,
        attempt: None,
        request_serial: None,
        rule: None,
        fault: None,
        status: None,
        error_code: None,
        effect: StoreEffect::None,
        note: None,
    }
}
