//! Polish tax identifiers (NIP): the pattern the KSeF schema enforces and the
//! mod-11 checksum stricter clients (ksef2's test certificates) also check.

/// Whether `nip` matches the KSeF pattern `^[1-9]((\d[1-9])|([1-9]\d))\d{7}$`.
pub fn matches_pattern(nip: &str) -> bool {
    let b = nip.as_bytes();
    b.len() == 10
        && b.iter().all(u8::is_ascii_digit)
        && b[0] != b'0'
        && !(b[1] == b'0' && b[2] == b'0')
}

/// Whether `nip` matches the pattern and its last digit is the mod-11 checksum
/// (weights 6,5,7,2,3,4,5,6,7; a remainder of 10 is never valid).
pub fn is_valid(nip: &str) -> bool {
    const WEIGHTS: [u32; 9] = [6, 5, 7, 2, 3, 4, 5, 6, 7];
    if !matches_pattern(nip) {
        return false;
    }
    let digits: Vec<u32> = nip.bytes().map(|d| u32::from(d - b'0')).collect();
    let sum: u32 = WEIGHTS.iter().zip(&digits).map(|(w, d)| w * d).sum();
    sum % 11 == digits[9]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ministrys_example_nips_are_valid() {
        for nip in ["5265877635", "3861610227", "1111111111"] {
            assert!(is_valid(nip), "{nip}");
        }
    }

    #[test]
    fn a_wrong_check_digit_fails_only_the_checksum() {
        assert!(matches_pattern("5265877636"));
        assert!(!is_valid("5265877636"));
    }

    #[test]
    fn chinese_style_ids_and_bad_shapes_are_refused() {
        for nip in [
            "91110000MA01ABCD1X",
            "0265877635",
            "5005877635",
            "526587763",
            "52658776350",
            "",
        ] {
            assert!(!is_valid(nip), "{nip}");
        }
        // Second and third digit may not both be zero; one zero is fine.
        assert!(!matches_pattern("1001234567"));
        assert!(matches_pattern("1011234567"));
    }
}
