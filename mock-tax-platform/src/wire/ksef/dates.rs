//! Datetimes as KSeF writes them: RFC 3339 with an explicit offset and at most six
//! fraction digits (strict clients refuse naive times; six is what all of them parse).

use chrono::{DateTime, SecondsFormat, Utc};

/// `2026-12-02T10:00:00.123456+00:00`.
pub fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, false)
}

/// Parses an RFC 3339 time that carries an offset (`Z` or `±hh:mm`).
pub fn parse(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn times_carry_an_offset_and_six_fraction_digits() {
        let at = Utc.timestamp_opt(1_764_669_600, 123_456_789).unwrap();
        assert_eq!(rfc3339(at), "2025-12-02T10:00:00.123456+00:00");
    }

    #[test]
    fn naive_times_do_not_parse_and_offsets_are_honoured() {
        assert!(parse("2026-12-02T10:00:00").is_none());
        let warsaw = parse("2026-12-02T11:00:00+01:00").unwrap();
        assert_eq!(warsaw, parse("2026-12-02T10:00:00Z").unwrap());
    }
}
