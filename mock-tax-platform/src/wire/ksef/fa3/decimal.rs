//! FA(3) decimals ↔ the generic invoice's integers.

/// `"123.45"` → 12345 (grosze): at most two fraction digits that matter.
pub fn minor_units(text: &str) -> Option<i64> {
    scaled(text, 2)
}

/// A quantity in whole units: `"2"`, `"2.000000"`; `None` for `"1.5"`.
pub fn whole(text: &str) -> Option<i64> {
    scaled(text, 0)
}

/// `text` × 10^`places`, when no non-zero digit lies beyond that precision.
fn scaled(text: &str, places: u32) -> Option<i64> {
    let text = text.trim();
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let places = places as usize;
    if frac.len() > places && frac[places..].bytes().any(|b| b != b'0') {
        return None;
    }
    let mut value: i64 = int.parse().ok()?;
    for i in 0..places {
        let digit = frac.as_bytes().get(i).map_or(0, |b| i64::from(b - b'0'));
        value = value.checked_mul(10)?.checked_add(digit)?;
    }
    Some(if negative { -value } else { value })
}

/// 12345 → `"123.45"`.
pub fn format_minor(value: i64) -> String {
    let sign = if value < 0 { "-" } else { "" };
    let abs = value.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// A KSeF VAT rate (`P_12`) in basis points: `"23"` → 2300; the zero-rated,
/// exempt and out-of-scope codes (`0 KR`, `zw`, `oo`, `np I`, …) → 0.
pub fn rate_bps(text: &str) -> Option<i64> {
    let text = text.trim();
    if text.starts_with("0 ") || matches!(text, "zw" | "oo" | "np I" | "np II") {
        return Some(0);
    }
    minor_units(text)
}

/// Basis points → `P_12`: 2300 → `"23"`, 0 → `"0 KR"`.
pub fn format_rate(bps: i64) -> String {
    match bps {
        0 => "0 KR".to_owned(),
        b if b % 100 == 0 => (b / 100).to_string(),
        b => format_minor(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_become_grosze_and_back() {
        assert_eq!(minor_units("123.45"), Some(12345));
        assert_eq!(minor_units("100"), Some(10000));
        assert_eq!(minor_units("-0.5"), Some(-50));
        assert_eq!(minor_units("1.2300"), Some(123));
        assert_eq!(minor_units("1.234"), None);
        assert_eq!(minor_units("1,23"), None);
        assert_eq!(format_minor(12345), "123.45");
        assert_eq!(format_minor(-50), "-0.50");
    }

    #[test]
    fn quantities_must_be_whole_units() {
        assert_eq!(whole("2.000000"), Some(2));
        assert_eq!(whole("1.5"), None);
    }

    #[test]
    fn polish_rates_map_to_basis_points() {
        assert_eq!(rate_bps("23"), Some(2300));
        assert_eq!(rate_bps("zw"), Some(0));
        assert_eq!(rate_bps("0 WDT"), Some(0));
        assert_eq!(format_rate(800), "8");
        assert_eq!(format_rate(0), "0 KR");
    }
}
