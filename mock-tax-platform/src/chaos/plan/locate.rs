//! Points a plan error at the key it is about.
//!
//! A fault rule reads its kind's settings by hand (see `rule.rs`), so when one of them
//! is unknown or of the wrong type, `toml` can only place the error at the whole rule
//! table. The message names the key; this finds that key in the text, so a person is
//! sent to the line and column of the typo rather than to the table's header.

use std::ops::Range;

/// The span of the key the message is about, within or after `span`; `span` itself
/// when the message names no key or the key cannot be found.
pub fn key_span(text: &str, span: Range<usize>, message: &str) -> Range<usize> {
    let Some(key) = named_key(message) else {
        return span;
    };
    let start = span.start.min(text.len());
    let Some(region) = text.get(start..) else {
        return span;
    };
    // The rule ends where its inline table ends or the next table header starts.
    let inline = text
        .get(start..span.end)
        .is_some_and(|s| s.starts_with('{'));
    let end = if inline {
        span.end - start
    } else {
        next_header(region).unwrap_or(region.len())
    };
    let region = region.get(..end.min(region.len())).unwrap_or(region);
    find_key(region, key).map_or(span, |at| start + at..start + at + key.len())
}

/// The span of the key a rule's or window's validation message is about
/// (`probability must be …`, ``migration `lose` must be …``, ``expected a positive
/// `duration` …``), within or after `span`; `span` itself when none is found.
pub fn checked_key_span(text: &str, span: Range<usize>, message: &str) -> Range<usize> {
    // After the `fault rule `x`: ` and kind prefixes comes the check's own sentence.
    let sentence = message.rsplit(": ").next().unwrap_or(message);
    let backticked = sentence
        .split_once('`')
        .and_then(|(_, rest)| rest.split_once('`'))
        .map(|(key, _)| key);
    let must = sentence
        .split_once(" must ")
        .map(|(key, _)| key)
        .filter(|key| !key.contains(' '));
    match backticked.or(must) {
        Some(key) => key_span(text, span, &format!("setting `{key}`")),
        None => span,
    }
}

/// 1-based (line, column) of a byte offset; columns count characters, not bytes.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = before.matches('\n').count() + 1;
    (line, before[line_start..].chars().count() + 1)
}

/// The key a rule error is about: ``unknown field `x` ``, ``setting `x` `` or the kind.
fn named_key(message: &str) -> Option<&str> {
    for marker in ["unknown field `", "setting `"] {
        if let Some(i) = message.find(marker) {
            let rest = &message[i + marker.len()..];
            return rest.find('`').map(|j| &rest[..j]);
        }
    }
    message.contains("unknown fault kind").then_some("kind")
}

/// Offset of the first line after the first that starts a table (`[`).
fn next_header(region: &str) -> Option<usize> {
    let first_line = region.find('\n')? + 1;
    let mut offset = first_line;
    for line in region[first_line..].split_inclusive('\n') {
        if line.trim_start().starts_with('[') {
            return Some(offset);
        }
        offset += line.len();
    }
    None
}

/// Offset of `key` used as a bare key: after a line start, `{` or `,` (and blanks),
/// followed by blanks and `=`.
fn find_key(region: &str, key: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = region[from..].find(key).map(|i| from + i) {
        let before = region[..i].trim_end_matches([' ', '\t']);
        let starts = before.is_empty() || before.ends_with(['\n', '{', ',']);
        let after = region[i + key.len()..].trim_start_matches([' ', '\t']);
        if starts && after.starts_with('=') {
            return Some(i);
        }
        from = i + key.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_key_in_a_table_is_found_below_its_header() {
        let text = "[[faults]]\nkind = \"latency\"\ndelay = \"1s\"\nprobabilty = 0.5\n";
        let span = key_span(
            text,
            0..10,
            "fault `latency`: unknown field `probabilty`, …",
        );
        assert_eq!(&text[span], "probabilty");
    }

    #[test]
    fn a_key_in_an_inline_table_is_found_within_it() {
        let text = "a = { keep = 1 }\nb = { kind = \"x\", keep = \"y\" }\n";
        let span = key_span(text, 21..46, "fault `x`: setting `keep`: invalid type");
        assert_eq!(span.start, 35);
    }

    #[test]
    fn the_search_stops_at_the_next_table() {
        let text = "[[faults]]\nkind = \"reject\"\n[[faults]]\nkeep = 1\n";
        assert_eq!(key_span(text, 0..10, "setting `keep`: …"), 0..10);
    }

    #[test]
    fn a_validation_message_is_placed_at_the_key_it_names() {
        let text = "[[steps]]\nfault = { kind = \"reject\", probability = nan }\n";
        let message = "fault rule `reject`: probability must be within 0 and 1, found NaN";
        let span = checked_key_span(text, 0..9, message);
        assert_eq!(&text[span], "probability");
        let text = "m = { duration = \"1s\", migration = { lose = -0.5 } }";
        let message = "maintenance window `m`: migration `lose` must be within 0 and 1";
        assert_eq!(&text[checked_key_span(text, 4..52, message)], "lose");
        let message = "migration fractions lose + strip_lines + revert must not exceed 1";
        assert_eq!(checked_key_span(text, 4..52, message), 4..52);
    }

    #[test]
    fn a_message_naming_no_key_keeps_the_span() {
        assert_eq!(key_span("x = 1\n", 0..5, "missing field `kind`"), 0..5);
    }

    #[test]
    fn a_word_that_only_contains_the_key_is_not_the_key() {
        let text = "{ keeper = 1, keep = 2 }";
        assert_eq!(key_span(text, 0..24, "setting `keep`: …"), 14..18);
    }
}
