//! The compact form the journal keeps an entry in, and what an entry may cost.
//!
//! Anyone who can reach the API can make the platform journal a request, token or
//! not, with a path of up to about 65 KB. So no text is kept beyond
//! [`TEXT_CAP`] bytes (an invoice number or a path is not evidence past that), and
//! the path of an untied request (one naming no invoice, firing no fault and
//! changing nothing: a 401, a 404, a status poll) beyond [`UNTIED_PATH_CAP`].

use std::borrow::Cow;
use std::time::Duration;

use chrono::{DateTime, Utc};
use http::Method;
use tax_api::{ErrorCode, Route, StoreEffect};

use super::Entry;

/// Most bytes kept of any one text of an entry (path, number, serial, note, …).
pub const TEXT_CAP: usize = 256;
/// Most bytes kept of an untied request's path.
pub const UNTIED_PATH_CAP: usize = 64;
/// Appended to a text that was cut.
const CUT: &str = "…";

/// `text`, cut to at most `cap` bytes (at a character boundary) plus [`CUT`].
fn capped(text: &str, cap: usize) -> Cow<'_, str> {
    if text.len() <= cap {
        return Cow::Borrowed(text);
    }
    let mut end = cap;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    Cow::Owned(format!("{}{CUT}", &text[..end]))
}

/// An entry that names no invoice, fired no fault and changed nothing in the store:
/// it explains no verdict, so the journal keeps it small and only while it has
/// room to spare.
fn is_untied(entry: &Entry) -> bool {
    entry.number.is_none() && entry.rule.is_none() && entry.effect == StoreEffect::None
}

/// An entry as the journal keeps it: the fixed fields, and every text field in
/// one allocation. About half the memory of an [`Entry`] and its strings, and the
/// journal holds one per request of the run.
#[derive(Debug, Clone)]
pub(super) struct Kept {
    elapsed_nanos: u64,
    at: DateTime<Utc>,
    route: Route,
    status: Option<u16>,
    error_code: Option<ErrorCode>,
    effect: StoreEffect,
    attempt: Option<u32>,
    /// Method, path, then the optional texts in [`Kept::optional`] order.
    text: Box<str>,
    /// Where each of the [`Kept::FIELDS`] texts ends in `text`.
    ends: [u32; Kept::FIELDS],
    /// Bit `i` set: optional text `i` is present (absent and empty differ).
    present: u8,
    /// See [`is_untied`].
    untied: bool,
}

impl Kept {
    const FIELDS: usize = 8;

    /// The optional texts of an entry, in the order they are kept: the one list
    /// both packing and unpacking go by.
    fn optional(entry: &mut Entry) -> [&mut Option<String>; Kept::FIELDS - 2] {
        [
            &mut entry.seller_tax_id,
            &mut entry.number,
            &mut entry.request_serial,
            &mut entry.rule,
            &mut entry.fault,
            &mut entry.note,
        ]
    }

    pub(super) fn new(mut entry: Entry) -> Kept {
        let untied = is_untied(&entry);
        let path_cap = if untied { UNTIED_PATH_CAP } else { TEXT_CAP };
        // Method and path are moved out so the optional texts can be borrowed mutably.
        let method = std::mem::replace(&mut entry.method, Method::GET);
        let path = std::mem::take(&mut entry.path);
        let path = capped(&path, path_cap);
        let optional =
            Kept::optional(&mut entry).map(|text| text.as_deref().map(|t| capped(t, TEXT_CAP)));
        let texts = [Some(Cow::Borrowed(method.as_str())), Some(path)]
            .into_iter()
            .chain(optional);
        let len = texts.clone().flatten().map(|t| t.len()).sum();
        let mut text = String::with_capacity(len);
        let mut ends = [0u32; Kept::FIELDS];
        let mut present = 0u8;
        for (i, field) in texts.enumerate() {
            if let Some(value) = field {
                text.push_str(&value);
                if i >= 2 {
                    present |= 1 << (i - 2);
                }
            }
            // Entries come from HTTP requests far below 4 GiB.
            ends[i] = u32::try_from(text.len()).unwrap_or(u32::MAX);
        }
        Kept {
            elapsed_nanos: u64::try_from(entry.elapsed.as_nanos()).unwrap_or(u64::MAX),
            at: entry.at,
            route: entry.route,
            status: entry.status,
            error_code: entry.error_code,
            effect: entry.effect,
            attempt: entry.attempt,
            text: text.into_boxed_str(),
            ends,
            present,
            untied,
        }
    }

    /// Bytes this entry takes, as the journal's budget counts them: the fixed part
    /// and the texts (the allocator's rounding aside).
    pub(super) fn cost(&self) -> usize {
        std::mem::size_of::<Kept>() + self.text.len()
    }

    /// Whether the entry ties to nothing the checker judges (see [`is_untied`]).
    pub(super) fn untied(&self) -> bool {
        self.untied
    }

    fn field(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        self.text.get(start..self.ends[i] as usize).unwrap_or("")
    }

    fn optional_field(&self, i: usize) -> Option<String> {
        (self.present & (1 << i) != 0).then(|| self.field(i + 2).to_owned())
    }

    pub(super) fn entry(&self) -> Entry {
        let mut entry = Entry::new(
            Duration::from_nanos(self.elapsed_nanos),
            self.at,
            self.route,
            Method::from_bytes(self.field(0).as_bytes()).unwrap_or(Method::GET),
            self.field(1).to_owned(),
        );
        for (i, text) in Kept::optional(&mut entry).into_iter().enumerate() {
            *text = self.optional_field(i);
        }
        entry.attempt = self.attempt;
        entry.status = self.status;
        entry.error_code = self.error_code;
        entry.effect = self.effect;
        entry
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_entry_gives_back_every_field_and_tells_absent_from_empty() {
        let mut entry = Entry::new(
            Duration::from_nanos(1_234_567_891),
            Utc::now(),
            Route::Upload,
            Method::from_bytes(b"PATCH").unwrap(),
            "/v1/invoices/å".to_owned(),
        );
        entry.seller_tax_id = Some("S".to_owned());
        entry.number = Some(String::new());
        entry.rule = Some("drop-1+lag".to_owned());
        entry.note = Some("migration after w (lost)".to_owned());
        entry.attempt = Some(3);
        entry.status = Some(503);
        entry.error_code = Some(ErrorCode::Maintenance);
        entry.effect = StoreEffect::StoredPartial;
        let back = Kept::new(entry.clone()).entry();
        assert_eq!(back.to_wire(7), entry.to_wire(7));
        assert_eq!(back.number.as_deref(), Some(""));
        assert_eq!(back.request_serial, None);
        assert_eq!(back.fault, None);
    }

    #[test]
    fn a_long_path_is_cut_and_an_untied_one_more() {
        let path = format!("/v1/invoices/{}", "é".repeat(30_000));
        let mut tied = Entry::new(
            Duration::ZERO,
            Utc::now(),
            Route::Get,
            Method::GET,
            path.clone(),
        );
        tied.number = Some("x".repeat(1000));
        let tied = Kept::new(tied);
        let untied = Kept::new(Entry::new(
            Duration::ZERO,
            Utc::now(),
            Route::Unknown,
            Method::GET,
            path,
        ));
        assert!(!tied.untied() && untied.untied());
        let tied = tied.entry();
        assert!(
            tied.path.len() <= TEXT_CAP + CUT.len() && tied.path.ends_with(CUT),
            "{}",
            tied.path
        );
        assert!(tied.path.starts_with("/v1/invoices/é"));
        assert_eq!(tied.number.map(|n| n.len()), Some(TEXT_CAP + CUT.len()));
        assert!(untied.entry().path.len() <= UNTIED_PATH_CAP + CUT.len());
        assert!(untied.cost() < 200, "{}", untied.cost());
    }
}
