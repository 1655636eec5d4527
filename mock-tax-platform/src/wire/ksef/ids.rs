//! KSeF identifiers: 36-character reference numbers and 35-character KSeF numbers
//! whose last two characters are a CRC-8 of the rest.

use chrono::{DateTime, Utc};

use crate::chaos::seeded;

/// What a reference number names; the two letters in its second group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefKind {
    /// An authentication challenge.
    Challenge,
    /// An authentication operation.
    Auth,
    /// An online session.
    Session,
    /// One invoice sent in a session.
    Invoice,
    /// A session's UPO page.
    Upo,
}

impl RefKind {
    fn letters(self) -> &'static str {
        match self {
            RefKind::Challenge => "CR",
            RefKind::Auth => "AU",
            RefKind::Session => "SO",
            RefKind::Invoice => "EE",
            RefKind::Upo => "EU",
        }
    }
}

/// CRC-8 as KSeF numbers use it: polynomial 0x07, initial value 0, no reflection.
pub fn crc8(data: &[u8]) -> u8 {
    let mut crc = 0u8;
    for &byte in data {
        crc ^= byte;
        for _ in 0..8 {
            crc = if crc & 0x80 != 0 {
                (crc << 1) ^ 0x07
            } else {
                crc << 1
            };
        }
    }
    crc
}

/// `YYYYMMDD-XX-HHHHHHHHHH-HHHHHHHHHH-HH`: date, kind, the sequence `n` and a value
/// drawn from (`seed`, `n`) in upper-case hex, and a CRC-8 of the rest. Unique per
/// platform for distinct `n`; the same for the same seed and `n`, so runs replay.
pub fn reference_number(kind: RefKind, at: DateTime<Utc>, seed: u64, n: u64) -> String {
    let drawn = seeded::derive(
        seed,
        &[b"ksef-ref", kind.letters().as_bytes(), &n.to_le_bytes()],
    );
    let body = format!(
        "{}-{}-{:010X}-{:010X}",
        at.format("%Y%m%d"),
        kind.letters(),
        n & 0xFF_FFFF_FFFF,
        drawn & 0xFF_FFFF_FFFF
    );
    let crc = crc8(body.as_bytes());
    format!("{body}-{crc:02X}")
}

/// `NNNNNNNNNN-YYYYMMDD-HHHHHHHHHHHH-CC`: the seller's NIP, the acquisition date,
/// 12 hex digits from (`seed`, `n`) and the CRC-8 of the first 32 characters.
pub fn ksef_number(nip: &str, at: DateTime<Utc>, seed: u64, n: u64) -> String {
    let drawn = seeded::derive(seed, &[b"ksef-number", &n.to_le_bytes()]);
    // The low 16 bits are the sequence, so two numbers of one run never collide.
    let hex = (drawn & 0xFFFF_FFFF_0000) | (n & 0xFFFF);
    let body = format!("{nip}-{}-{hex:012X}", at.format("%Y%m%d"));
    let crc = crc8(body.as_bytes());
    format!("{body}-{crc:02X}")
}

/// Whether `number` has the KSeF number's shape and a matching CRC-8.
pub fn is_ksef_number(number: &str) -> bool {
    let b = number.as_bytes();
    if b.len() != 35 || b[10] != b'-' || b[19] != b'-' || b[32] != b'-' {
        return false;
    }
    let hex = |s: &[u8]| {
        s.iter()
            .all(|c| c.is_ascii_digit() || (b'A'..=b'F').contains(c))
    };
    if !(b[..10].iter().all(u8::is_ascii_digit)
        && b[11..19].iter().all(u8::is_ascii_digit)
        && hex(&b[20..32])
        && hex(&b[33..]))
    {
        return false;
    }
    format!("{:02X}", crc8(&b[..32])).as_bytes() == &b[33..]
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 2, 10, 0, 0).unwrap()
    }

    #[test]
    fn crc8_matches_the_standard_check_value() {
        // CRC-8 (poly 0x07, init 0): the catalogue's check value for "123456789".
        assert_eq!(crc8(b"123456789"), 0xF4);
    }

    #[test]
    fn reference_numbers_are_36_characters_in_the_ksef_shape() {
        let r = reference_number(RefKind::Session, at(), 7, 1);
        assert_eq!(r.len(), 36, "{r}");
        assert!(r.starts_with("20261202-SO-0000000001-"), "{r}");
        assert_ne!(r, reference_number(RefKind::Session, at(), 7, 2));
        assert_eq!(r, reference_number(RefKind::Session, at(), 7, 1));
    }

    #[test]
    fn ksef_numbers_carry_their_crc_and_the_seller_nip() {
        let k = ksef_number("5265877635", at(), 7, 1);
        assert_eq!(k.len(), 35, "{k}");
        assert!(k.starts_with("5265877635-20261202-"), "{k}");
        assert!(is_ksef_number(&k), "{k}");
        let mut broken = k.clone().into_bytes();
        broken[25] = if broken[25] == b'A' { b'B' } else { b'A' };
        assert!(!is_ksef_number(&String::from_utf8(broken).unwrap()));
    }
}
