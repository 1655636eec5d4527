//! Realistic invoices, a pure function of (seed, issue step, index): the same script and
//! seed always produce the same invoices, whatever the concurrency or arrival order.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tax_api::{expected_tax, Invoice, InvoiceKind, InvoiceLine, Totals};

use super::profile::{Profile, ProfileName};

/// Most invoices one issue step can number when the numbers carry a run id.
pub const RUN_ID_COUNT_LIMIT: u64 = 10_000_000;
/// The largest run id: four digits of the invoice number.
pub const MAX_RUN_ID: u16 = 9_999;

/// Builds the workload's invoices for one seller and one master seed.
#[derive(Debug, Clone)]
pub struct Generator {
    seed: u64,
    seller_tax_id: String,
    /// The run namespace in the numbers, so a client or platform that keeps earlier
    /// runs' invoices never sees this run reuse their numbers.
    run_id: Option<u16>,
    /// What is sold, to whom, at which rates.
    profile: ProfileName,
}

impl Generator {
    /// A generator for `seller_tax_id` (the client's own company) under `seed`.
    pub fn new(seed: u64, seller_tax_id: &str) -> Self {
        Generator {
            seed,
            seller_tax_id: seller_tax_id.to_string(),
            run_id: None,
            profile: ProfileName::Generic,
        }
    }

    /// The same generator drawing from `profile`'s data.
    pub fn with_profile(mut self, profile: ProfileName) -> Self {
        self.profile = profile;
        self
    }

    /// The same generator with `run_id` (1..=[`MAX_RUN_ID`]) in every number; `None`
    /// keeps the numbers of a run without one.
    pub fn with_run_id(mut self, run_id: Option<u16>) -> Self {
        self.run_id = run_id;
        self
    }

    fn tag(&self) -> u64 {
        mix(self.seed, u64::MAX, 0) % 10_000
    }

    /// The run id in `number`, if it is a number this seed's workload made with one.
    pub fn run_id_of(&self, number: &str) -> Option<u16> {
        let b = number.as_bytes();
        if b.len() != 20 || !b.iter().all(u8::is_ascii_digit) {
            return None;
        }
        if !number.starts_with(&format!("26{:04}", self.tag())) {
            return None;
        }
        number
            .get(9..13)?
            .parse::<u16>()
            .ok()
            .filter(|r| (1..=MAX_RUN_ID).contains(r))
    }

    /// The invoice number of the `index`-th invoice of the `ordinal`-th issue step:
    /// 20 digits, unique per (seed, run id, ordinal, index) for ordinals < 1000 and,
    /// with a run id, indexes below [`RUN_ID_COUNT_LIMIT`].
    pub fn number(&self, ordinal: usize, index: u64) -> String {
        let tag = self.tag();
        match self.run_id {
            None => format!(
                "26{tag:04}{:03}{:011}",
                ordinal % 1000,
                index % 100_000_000_000
            ),
            Some(run) => format!(
                "26{tag:04}{:03}{run:04}{:07}",
                ordinal % 1000,
                index % RUN_ID_COUNT_LIMIT
            ),
        }
    }

    /// The `index`-th invoice of the `ordinal`-th issue step, dated `issued_at` (RFC 3339).
    pub fn invoice(&self, ordinal: usize, index: u64, issued_at: &str) -> Invoice {
        let mut rng = StdRng::seed_from_u64(mix(self.seed, ordinal as u64, index));
        let number = self.number(ordinal, index);
        let p: &Profile = self.profile.profile();
        let (buyer_tax_id, buyer_name) = p.buyers[rng.gen_range(0..p.buyers.len())];
        let line_count = rng.gen_range(1..=20);
        let lines: Vec<InvoiceLine> = (0..line_count)
            .map(|_| {
                let item = p.catalogue[rng.gen_range(0..p.catalogue.len())];
                // Mostly the item's usual rate, sometimes another one, as mixed baskets do.
                let rate = if rng.gen_bool(0.85) {
                    item.rate
                } else {
                    p.rates[rng.gen_range(0..p.rates.len())]
                };
                let quantity = rng.gen_range(1..=12);
                let unit_price = rng.gen_range(item.low..=item.high);
                let amount = quantity * unit_price;
                let tax = expected_tax(amount, rate.basis_points).unwrap_or(0);
                let description = if rate.exempt {
                    format!("{}{}", item.description, p.exempt_marker)
                } else {
                    item.description.to_string()
                };
                InvoiceLine {
                    description,
                    quantity,
                    unit_price,
                    tax_rate: rate.basis_points,
                    amount,
                    tax,
                }
            })
            .collect();
        let amount_excl_tax: i64 = lines.iter().map(|l| l.amount).sum();
        let tax: i64 = lines.iter().map(|l| l.tax).sum();
        Invoice {
            request_serial: format!("ord-{number}"),
            number,
            seller_tax_id: self.seller_tax_id.clone(),
            buyer_tax_id: buyer_tax_id.to_string(),
            buyer_name: buyer_name.to_string(),
            kind: InvoiceKind::Blue,
            issued_at: issued_at.to_string(),
            currency: p.currency.to_string(),
            lines,
            totals: Totals {
                amount_excl_tax,
                tax,
                total_incl_tax: amount_excl_tax + tax,
            },
        }
    }
}

/// SplitMix64 over the three inputs: a stable, well-spread seed per invoice.
fn mix(seed: u64, a: u64, b: u64) -> u64 {
    let mut z = seed
        .wrapping_add(a.wrapping_mul(0x9E37_79B9_7F4A_7C15))
        .wrapping_add(b.wrapping_mul(0xBF58_476D_1CE4_E5B9));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    const AT: &str = "2026-01-02T03:04:05+00:00";

    #[test]
    fn same_seed_gives_the_same_invoices() {
        let a = Generator::new(7, "91110000MA01ABCD1X");
        let b = Generator::new(7, "91110000MA01ABCD1X");
        for i in 0..50 {
            assert_eq!(a.invoice(0, i, AT), b.invoice(0, i, AT));
        }
        assert_ne!(
            a.invoice(0, 1, AT),
            Generator::new(8, "91110000MA01ABCD1X").invoice(0, 1, AT)
        );
    }

    #[test]
    fn every_invoice_passes_platform_validation() {
        let g = Generator::new(42, "91110000MA01ABCD1X");
        for i in 0..500 {
            let inv = g.invoice(1, i, AT);
            assert_eq!(tax_api::validate(&inv), Ok(()), "invoice {i}");
            assert!((1..=20).contains(&inv.lines.len()));
            assert_eq!(inv.seller_tax_id, "91110000MA01ABCD1X");
        }
    }

    #[test]
    fn numbers_and_serials_are_unique_twenty_digit_strings() {
        let g = Generator::new(3, "S");
        let mut numbers = HashSet::new();
        let mut serials = HashSet::new();
        for ordinal in 0..3 {
            for i in 0..400 {
                let inv = g.invoice(ordinal, i, AT);
                assert_eq!(inv.number.len(), 20);
                assert!(inv.number.chars().all(|c| c.is_ascii_digit()));
                assert!(numbers.insert(inv.number));
                assert!(serials.insert(inv.request_serial));
            }
        }
    }

    #[test]
    fn a_run_id_gives_numbers_of_their_own_and_can_be_read_back() {
        let plain = Generator::new(5, "S");
        let first = Generator::new(5, "S").with_run_id(Some(1));
        let other = Generator::new(5, "S").with_run_id(Some(9_999));
        // Without a run id the numbers are what they always were.
        assert_eq!(
            plain.number(2, 7),
            format!("26{:04}002{:011}", plain.tag(), 7)
        );
        assert_eq!(
            first.number(2, 7),
            format!("26{:04}0020001{:07}", plain.tag(), 7)
        );
        let mut numbers = HashSet::new();
        for g in [&plain, &first, &other] {
            for i in 0..100 {
                assert_eq!(g.number(0, i).len(), 20);
                assert!(numbers.insert(g.number(0, i)), "{}", g.number(0, i));
            }
        }
        assert_eq!(plain.run_id_of(&first.number(3, 42)), Some(1));
        assert_eq!(first.run_id_of(&other.number(0, 0)), Some(9_999));
        assert_eq!(first.run_id_of(&plain.number(0, 5)), None);
        assert_eq!(
            first.run_id_of(&Generator::new(6, "S").with_run_id(Some(1)).number(0, 5)),
            None
        );
        assert_eq!(first.run_id_of("not a number"), None);
        assert_eq!(
            first.invoice(0, 3, AT).lines,
            plain.invoice(0, 3, AT).lines,
            "the run id changes the number, not the sale"
        );
    }

    #[test]
    fn workload_mixes_tax_rates_and_buyers() {
        let g = Generator::new(11, "S");
        let invoices: Vec<Invoice> = (0..200).map(|i| g.invoice(0, i, AT)).collect();
        let rates: HashSet<i64> = invoices
            .iter()
            .flat_map(|i| i.lines.iter().map(|l| l.tax_rate))
            .collect();
        let buyers: HashSet<&str> = invoices.iter().map(|i| i.buyer_tax_id.as_str()).collect();
        assert_eq!(rates, crate::workload::TAX_RATES.into_iter().collect());
        assert!(buyers.len() > 4, "{buyers:?}");
    }
}
