//! The Polish tax identification number (NIP): ten digits, the last a checksum of the
//! first nine, in the shape the FA(3) schema allows (`^[1-9]((\d[1-9])|([1-9]\d))\d{7}$`).
//! KSeF refuses a seller or buyer whose NIP fails either, so the KSeF workload and the
//! script check both use this.

/// Weights of the first nine digits; the weighted sum mod 11 is the tenth digit.
const WEIGHTS: [u32; 9] = [6, 5, 7, 2, 3, 4, 5, 6, 7];

/// Whether `nip` is ten ASCII digits in the schema's shape whose last is the checksum
/// of the others (a sum whose remainder is 10 has no check digit, so no NIP has those
/// nine digits).
pub fn is_valid_nip(nip: &str) -> bool {
    let digits: Vec<u32> = nip.chars().filter_map(|c| c.to_digit(10)).collect();
    if nip.len() != 10 || digits.len() != 10 {
        return false;
    }
    // The schema: no leading zero, and not both of the next two digits zero.
    if digits[0] == 0 || (digits[1] == 0 && digits[2] == 0) {
        return false;
    }
    let sum: u32 = digits.iter().zip(WEIGHTS).map(|(d, w)| d * w).sum();
    sum % 11 == digits[9]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nip_with_its_check_digit_is_valid() {
        // 5*6+2*5+6*7+5*2+8*3+7*4+7*5+6*6+3*7 = 236 = 21*11 + 5.
        assert!(is_valid_nip("5265877635"));
        assert!(is_valid_nip("3861610227"));
        // A remainder of 0 gives the check digit 0.
        assert!(is_valid_nip("6761019430"));
    }

    #[test]
    fn a_wrong_check_digit_or_shape_is_invalid() {
        assert!(!is_valid_nip("5265877634"), "wrong check digit");
        assert!(!is_valid_nip("5265877636"), "wrong check digit");
        assert!(!is_valid_nip("526587763"), "nine digits");
        assert!(!is_valid_nip("52658776355"), "eleven digits");
        assert!(!is_valid_nip("526-587-76-35"), "dashes");
        assert!(!is_valid_nip("52658776３5"), "a non-ASCII digit");
        assert!(!is_valid_nip(""), "empty");
        assert!(!is_valid_nip("91110000MA01ABCD1X"), "a Chinese tax id");
        // Checksums that hold, in shapes the FA(3) schema refuses.
        assert!(!is_valid_nip("0123456789"), "a leading zero");
        assert!(
            !is_valid_nip("1001234568"),
            "two zeros after the first digit"
        );
    }

    #[test]
    fn nine_digits_whose_remainder_is_ten_make_no_nip() {
        // 9*6+6*5+6*7+2*2+1*3+1*4+3*5+7*6+2*7 = 208 = 18*11 + 10.
        for last in '0'..='9' {
            assert!(!is_valid_nip(&format!("966211372{last}")), "{last}");
        }
    }
}
