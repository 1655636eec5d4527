//! One request–response exchange as the journal sees it. Handlers fill in what
//! they learn (seller, number, attempt, store effect, fault); the entry is appended
//! when the response is produced — or, if the request's future is dropped first (a
//! reset connection, a request cut off by shutdown), with no status.

use std::time::Duration;

use chrono::{DateTime, Utc};
use http::Method;
use tax_api::{ErrorCode, Route};

use crate::server::conn::ConnHandle;
use crate::state::AppState;
use crate::store::journal::Entry;

/// Journal entry under construction for one request.
#[derive(Debug)]
pub struct Exchange<'s> {
    /// Borrowed, not shared: a clone of the `Arc` per request was two atomic writes
    /// to one cache line that both worker threads contend for.
    state: &'s AppState,
    /// The entry; `None` once appended.
    entry: Option<Entry>,
    /// The request's connection, for faults that reset or hang it.
    conn: Option<ConnHandle>,
}

impl<'s> Exchange<'s> {
    /// Starts the entry for a request that arrived at `(elapsed, at)`
    /// ([`crate::clock::Clock::now`]).
    pub fn begin(
        state: &'s AppState,
        (elapsed, at): (Duration, DateTime<Utc>),
        route: Route,
        method: &Method,
        path: String,
        conn: Option<ConnHandle>,
    ) -> Self {
        Exchange {
            state,
            entry: Some(Entry::new(elapsed, at, route, method.clone(), path)),
            conn,
        }
    }

    /// Run time the request arrived: the entry's.
    pub fn arrived(&mut self) -> Duration {
        self.entry().elapsed
    }

    /// The request's connection (`None` for a request refused before routing).
    pub fn conn(&self) -> Option<ConnHandle> {
        self.conn.clone()
    }

    /// The entry, for handlers to fill in. (`finish` consumes the exchange, so the
    /// entry is always there; the fallback only keeps this free of panics.)
    pub fn entry(&mut self) -> &mut Entry {
        let state = &self.state;
        self.entry.get_or_insert_with(|| {
            let (elapsed, at) = state.clock.now();
            Entry::new(elapsed, at, Route::Unknown, Method::GET, String::new())
        })
    }

    /// Notes the invoice number and counts this request's attempt index for it.
    pub fn count_attempt(&mut self, seller: &str, number: &str) -> u32 {
        let route = self.entry().route;
        let attempt = self.state.journal.next_attempt(route, seller, number);
        let entry = self.entry();
        entry.number = Some(number.to_owned());
        entry.attempt = Some(attempt);
        attempt
    }

    /// Appends the entry now, without a status: the connection is being reset or
    /// held without an answer, and the journal must show the request meanwhile.
    pub fn record_unanswered(&mut self) {
        if let Some(mut entry) = self.entry.take() {
            entry.status = None;
            self.state.journal.append(entry);
        }
    }

    /// Appends the entry with the status (and error code) that was sent.
    pub fn finish(mut self, status: u16, error_code: Option<ErrorCode>) {
        if let Some(mut entry) = self.entry.take() {
            entry.status = Some(status);
            entry.error_code = error_code;
            self.state.journal.append(entry);
        }
    }
}

impl Drop for Exchange<'_> {
    fn drop(&mut self) {
        if let Some(entry) = self.entry.take() {
            self.state.journal.append(entry);
        }
    }
}
