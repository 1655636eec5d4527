//! Realistic invoices, a pure function of (seed, issue step, index): the same script and
//! seed always produce the same invoices, whatever the concurrency or arrival order.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tax_api::{expected_tax, Invoice, InvoiceKind, InvoiceLine, Totals};

/// Tax rates in basis points that the workload draws from.
pub const TAX_RATES: [i64; 4] = [0, 600, 900, 1300];

/// The buyers invoices go to: a small pool, as a real seller has regular customers.
const BUYERS: [(&str, &str); 8] = [
    ("91110108MA02EFGH2Y", "Beijing Example Trading Co."),
    ("91310115MA1H7JKL3Z", "Shanghai Harbour Logistics Ltd."),
    ("91440300MA5FQRST4W", "Shenzhen Bright Electronics Co."),
    ("91330106MA27UVWX5V", "Hangzhou West Lake Tea House"),
    ("91510100MA6CYZAB6U", "Chengdu Panda Print Works"),
    ("91420100MA4KCDEF7T", "Wuhan River Bridge Engineering"),
    ("91120116MA05GHIJ8S", "Tianjin Port Supplies Co."),
    ("91370200MA3MKLMN9R", "Qingdao Sea Breeze Foods Ltd."),
];

/// What is sold: description, price range in minor units, usual tax rate index.
const CATALOGUE: [(&str, i64, i64, usize); 12] = [
    ("Office chair", 20_000, 90_000, 3),
    ("Standing desk", 120_000, 400_000, 3),
    ("A4 paper, 500 sheets", 1_500, 3_500, 3),
    ("Laptop repair service", 15_000, 80_000, 1),
    ("Consulting hour", 30_000, 150_000, 1),
    ("Freight, per pallet", 8_000, 40_000, 2),
    ("Warehouse storage, per day", 2_000, 9_000, 2),
    ("Printed brochures, per 100", 4_000, 25_000, 3),
    ("Bottled water, case", 1_200, 3_000, 2),
    ("Agricultural produce, kg", 300, 2_500, 0),
    ("Software licence, per seat", 50_000, 300_000, 1),
    ("Cleaning service, per visit", 10_000, 35_000, 1),
];

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
}

impl Generator {
    /// A generator for `seller_tax_id` (the client's own company) under `seed`.
    pub fn new(seed: u64, seller_tax_id: &str) -> Self {
        Generator {
            seed,
            seller_tax_id: seller_tax_id.to_string(),
            run_id: None,
        }
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
        let (buyer_tax_id, buyer_name) = BUYERS[rng.gen_range(0..BUYERS.len())];
        let line_count = rng.gen_range(1..=20);
        let lines: Vec<InvoiceLine> = (0..line_count)
            .map(|_| {
                let (description, low, high, rate_index) =
                    CATALOGUE[rng.gen_range(0..CATALOGUE.len())];
                // Mostly the item's usual rate, sometimes another one, as mixed baskets do.
                let tax_rate = if rng.gen_bool(0.85) {
                    TAX_RATES[rate_index]
                } else {
                    TAX_RATES[rng.gen_range(0..TAX_RATES.len())]
                };
                let quantity = rng.gen_range(1..=12);
                let unit_price = rng.gen_range(low..=high);
                let amount = quantity * unit_price;
                let tax = expected_tax(amount, tax_rate).unwrap_or(0);
                InvoiceLine {
                    description: description.to_string(),
                    quantity,
                    unit_price,
                    tax_rate,
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
            currency: "CNY".to_string(),
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
        assert_eq!(rates, TAX_RATES.into_iter().collect());
        assert!(buyers.len() > 4, "{buyers:?}");
    }
}
