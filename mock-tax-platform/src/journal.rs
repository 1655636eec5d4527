//! The journal: one entry per request the platform answered (or cut off), cheap to
//! append, plus the attempt counter per (route, seller, number) that fault
//! decisions key on.

use std::collections::HashMap;
use std::sync::Mutex;

use tax_api::{JournalEntry, Route};

/// Append-only request log and attempt counter. Each lock is held for one push or
/// one counter bump only.
#[derive(Debug, Default)]
pub struct Journal {
    entries: Mutex<Vec<JournalEntry>>,
    attempts: Mutex<HashMap<(Route, String, String), u32>>,
}

impl Journal {
    /// The attempt index of this request about `number` on `route` for `seller`:
    /// 0 for the first, 1 for the next, … Counted in arrival order.
    pub fn next_attempt(&self, route: Route, seller: &str, number: &str) -> u32 {
        let mut attempts = self.attempts.lock().unwrap_or_else(|e| e.into_inner());
        let counter = attempts
            .entry((route, seller.to_owned(), number.to_owned()))
            .or_insert(0);
        let attempt = *counter;
        *counter = counter.saturating_add(1);
        attempt
    }

    /// Appends an entry, giving it the next `seq`.
    pub fn append(&self, mut entry: JournalEntry) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entry.seq = entries.len() as u64;
        entries.push(entry);
    }

    /// Entries with `seq >= since`, in order.
    pub fn since(&self, since: u64) -> Vec<JournalEntry> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let start = usize::try_from(since)
            .unwrap_or(usize::MAX)
            .min(entries.len());
        entries[start..].to_vec()
    }

    /// Forgets every entry and attempt count.
    pub fn clear(&self) {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        self.attempts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}
