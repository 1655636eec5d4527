//! The KSeF profile: a Polish seller's sales in PLN at the Polish VAT rates.
//!
//! Every buyer's NIP is valid (KSeF refuses one that is not), names carry diacritics
//! and an `&` so an FA(3) writer's encoding and escaping are exercised, and each item
//! carries its usual Polish rate.

use super::profile::{Item, Profile, Rate};

/// The seller when a KSeF script names none: a valid NIP.
pub const DEFAULT_KSEF_SELLER: &str = "5265877635";

/// The description suffix of an exempt line: a KSeF client writes such a line's
/// `P_12` as `zw`, and any other 0 line as `0 KR`.
pub const EXEMPT_MARKER: &str = " [zw]";

const fn item(description: &'static str, low: i64, high: i64, rate: Rate) -> Item {
    Item {
        description,
        low,
        high,
        rate,
    }
}

const STANDARD: Rate = Rate::taxed(2300);
const REDUCED: Rate = Rate::taxed(800);
const LOW: Rate = Rate::taxed(500);
const ZERO: Rate = Rate::taxed(0);

/// The KSeF workload.
pub static KSEF: Profile = Profile {
    currency: "PLN",
    buyers: &[
        ("5261048273", "Przedsiębiorstwo Handlowe Żuraw sp. z o.o."),
        ("7792391088", "Poznańska Hurtownia Żelaza S.A."),
        ("9512023552", "Gdańskie Zakłady Mięsne sp. z o.o."),
        ("5840257614", "Szczecińska Żegluga Śródlądowa sp. j."),
        ("8513176429", "Nowak & Wiśniewski sp. k."),
        ("1132874251", "Krakowska Piekarnia Ćwikła sp. z o.o."),
        ("6761019430", "Łódzka Spółdzielnia Mleczarska"),
        ("8942916341", "Białostockie Młyny Zbożowe S.A."),
    ],
    catalogue: &[
        item("Krzesło biurowe obrotowe", 29_900, 129_900, STANDARD),
        item("Laptop 14\" z systemem", 249_900, 799_900, STANDARD),
        item("Usługa księgowa, miesiąc", 45_000, 250_000, STANDARD),
        item("Transport krajowy, paleta", 15_000, 90_000, STANDARD),
        item("Podręcznik „Rachunkowość w praktyce”", 3_990, 14_990, LOW),
        item("Chleb żytni na zakwasie", 599, 1_499, LOW),
        item("Ser żółty gouda, kg", 2_499, 4_999, LOW),
        item("Czasopismo branżowe, prenumerata", 9_900, 39_900, REDUCED),
        item("Usługa gastronomiczna – catering", 35_000, 480_000, REDUCED),
        item(
            "Roboty budowlane – remont łazienki",
            850_000,
            3_900_000,
            REDUCED,
        ),
        item("Konsultacja lekarska", 15_000, 45_000, Rate::EXEMPT),
        item("Szkolenie zawodowe z BHP", 12_000, 60_000, Rate::EXEMPT),
        item(
            "Tokarka CNC – dostawa eksportowa",
            4_500_000,
            19_000_000,
            ZERO,
        ),
    ],
    rates: &[STANDARD, REDUCED, LOW, ZERO, Rate::EXEMPT],
    exempt_marker: EXEMPT_MARKER,
    default_seller: DEFAULT_KSEF_SELLER,
};

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashSet};

    use super::*;
    use crate::workload::{is_valid_nip, Generator, ProfileName};

    const AT: &str = "2026-12-02T10:00:00+00:00";

    fn generator(seed: u64) -> Generator {
        Generator::new(seed, DEFAULT_KSEF_SELLER).with_profile(ProfileName::Ksef)
    }

    #[test]
    fn every_nip_is_valid_and_no_buyer_is_the_seller() {
        assert!(is_valid_nip(DEFAULT_KSEF_SELLER));
        let mut seen = HashSet::new();
        for (nip, name) in KSEF.buyers {
            assert!(is_valid_nip(nip), "{nip} {name}");
            assert_ne!(*nip, DEFAULT_KSEF_SELLER, "{name}");
            assert!(seen.insert(nip), "{nip} twice");
        }
        assert!(
            KSEF.buyers.iter().any(|(_, name)| !name.is_ascii()),
            "names with diacritics"
        );
    }

    #[test]
    fn every_ksef_invoice_is_valid_polish_and_whole() {
        let g = generator(42);
        for i in 0..500 {
            let inv = g.invoice(1, i, AT);
            assert_eq!(tax_api::validate(&inv), Ok(()), "invoice {i}");
            assert_eq!(inv.currency, "PLN");
            assert_eq!(inv.seller_tax_id, DEFAULT_KSEF_SELLER);
            assert!(is_valid_nip(&inv.buyer_tax_id), "{}", inv.buyer_tax_id);
            assert_eq!(inv.issued_at, AT, "issued_at is carried verbatim");
            for line in &inv.lines {
                assert!(line.quantity >= 1, "{line:?}");
                assert!(line.unit_price > 0, "{line:?}");
                assert!(
                    [2300, 800, 500, 0].contains(&line.tax_rate),
                    "{}",
                    line.tax_rate
                );
                if line.description.ends_with(EXEMPT_MARKER) {
                    assert_eq!((line.tax_rate, line.tax), (0, 0), "{line:?}");
                }
            }
        }
    }

    #[test]
    fn totals_equal_the_per_rate_bucket_sums() {
        let g = generator(9);
        for i in 0..300 {
            let inv = g.invoice(0, i, AT);
            // FA(3) totals are per bucket (P_13_x, P_14_x): zw and 0% are different buckets.
            let mut buckets: BTreeMap<(i64, bool), (i64, i64)> = BTreeMap::new();
            for line in &inv.lines {
                let exempt = line.description.ends_with(EXEMPT_MARKER);
                let b = buckets.entry((line.tax_rate, exempt)).or_default();
                b.0 += line.amount;
                b.1 += line.tax;
                assert_eq!(line.amount, line.quantity * line.unit_price, "{line:?}");
                assert_eq!(
                    Some(line.tax),
                    tax_api::expected_tax(line.amount, line.tax_rate)
                );
            }
            let net: i64 = buckets.values().map(|b| b.0).sum();
            let vat: i64 = buckets.values().map(|b| b.1).sum();
            assert_eq!(inv.totals.amount_excl_tax, net, "invoice {i}");
            assert_eq!(inv.totals.tax, vat, "invoice {i}");
            assert_eq!(inv.totals.total_incl_tax, net + vat, "invoice {i}");
        }
    }

    #[test]
    fn the_mix_holds_every_rate_and_exempt_lines() {
        let g = generator(11);
        let lines: Vec<_> = (0..200).flat_map(|i| g.invoice(0, i, AT).lines).collect();
        let treatments: HashSet<(i64, bool)> = lines
            .iter()
            .map(|l| (l.tax_rate, l.description.ends_with(EXEMPT_MARKER)))
            .collect();
        let expected: HashSet<(i64, bool)> = [
            (2300, false),
            (800, false),
            (500, false),
            (0, false),
            (0, true),
        ]
        .into_iter()
        .collect();
        assert_eq!(treatments, expected);
        let buyers: HashSet<String> = (0..200).map(|i| g.invoice(0, i, AT).buyer_tax_id).collect();
        assert!(buyers.len() > 4, "{buyers:?}");
    }

    #[test]
    fn the_ksef_workload_is_a_pure_function_of_seed_ordinal_and_index() {
        let (a, b) = (generator(7), generator(7));
        for i in 0..50 {
            assert_eq!(a.invoice(2, i, AT), b.invoice(2, i, AT));
        }
        assert_ne!(a.invoice(0, 1, AT), generator(8).invoice(0, 1, AT));
        assert_ne!(a.invoice(0, 1, AT), a.invoice(1, 1, AT));
        let generic = Generator::new(7, DEFAULT_KSEF_SELLER);
        assert_eq!(
            a.invoice(0, 3, AT).number,
            generic.invoice(0, 3, AT).number,
            "the profile changes the sale, not the number"
        );
        let with_run = generator(7).with_run_id(Some(12));
        assert_eq!(with_run.invoice(0, 3, AT).lines, a.invoice(0, 3, AT).lines);
        assert_eq!(a.run_id_of(&with_run.number(0, 3)), Some(12));
    }
}
