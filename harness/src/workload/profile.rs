//! What a workload sells, to whom, in which currency and at which rates: data the one
//! generator draws from, so every profile has the same determinism and shape.

use serde::{Deserialize, Serialize};

use super::ksef;

/// `[workload] profile`: which data the generator draws from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProfileName {
    /// A Chinese seller's mixed basket in CNY at example rates (the default).
    #[default]
    Generic,
    /// A Polish seller in PLN at Polish VAT rates, for a KSeF (FA(3)) client.
    Ksef,
}

impl ProfileName {
    /// The spelling used in scripts.
    pub fn as_str(self) -> &'static str {
        match self {
            ProfileName::Generic => "generic",
            ProfileName::Ksef => "ksef",
        }
    }

    /// The profile's data.
    pub fn profile(self) -> &'static Profile {
        match self {
            ProfileName::Generic => &GENERIC,
            ProfileName::Ksef => &ksef::KSEF,
        }
    }
}

/// A line's tax treatment: a rate in basis points, or exempt from VAT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rate {
    /// Basis points (2300 = 23%); 0 for an exempt line.
    pub basis_points: i64,
    /// Exempt (Polish `zw`): no VAT, and not the same as a 0% rate.
    pub exempt: bool,
}

impl Rate {
    /// A taxed rate of `basis_points`.
    pub const fn taxed(basis_points: i64) -> Self {
        Rate {
            basis_points,
            exempt: false,
        }
    }

    /// Exempt from VAT.
    pub const EXEMPT: Rate = Rate {
        basis_points: 0,
        exempt: true,
    };
}

/// One thing the seller sells.
#[derive(Debug, Clone, Copy)]
pub struct Item {
    /// The line's description.
    pub description: &'static str,
    /// Lowest unit price, minor units.
    pub low: i64,
    /// Highest unit price, minor units.
    pub high: i64,
    /// The rate this item usually carries.
    pub rate: Rate,
}

/// The data one workload draws from.
#[derive(Debug)]
pub struct Profile {
    /// ISO 4217 code of every invoice.
    pub currency: &'static str,
    /// Regular customers: (tax id, name).
    pub buyers: &'static [(&'static str, &'static str)],
    /// What is sold.
    pub catalogue: &'static [Item],
    /// Every rate a line may carry; a line sometimes takes one other than its item's.
    pub rates: &'static [Rate],
    /// Appended to the description of an exempt line, so the exemption survives a
    /// generic invoice, which has only a number for the rate.
    pub exempt_marker: &'static str,
    /// The seller when the script names none.
    pub default_seller: &'static str,
}

/// Tax rates in basis points that the generic workload draws from.
pub const TAX_RATES: [i64; 4] = [0, 600, 900, 1300];

const fn generic_item(description: &'static str, low: i64, high: i64, rate: usize) -> Item {
    Item {
        description,
        low,
        high,
        rate: Rate::taxed(TAX_RATES[rate]),
    }
}

/// The generic workload.
pub static GENERIC: Profile = Profile {
    currency: "CNY",
    buyers: &[
        ("91110108MA02EFGH2Y", "Beijing Example Trading Co."),
        ("91310115MA1H7JKL3Z", "Shanghai Harbour Logistics Ltd."),
        ("91440300MA5FQRST4W", "Shenzhen Bright Electronics Co."),
        ("91330106MA27UVWX5V", "Hangzhou West Lake Tea House"),
        ("91510100MA6CYZAB6U", "Chengdu Panda Print Works"),
        ("91420100MA4KCDEF7T", "Wuhan River Bridge Engineering"),
        ("91120116MA05GHIJ8S", "Tianjin Port Supplies Co."),
        ("91370200MA3MKLMN9R", "Qingdao Sea Breeze Foods Ltd."),
    ],
    catalogue: &[
        generic_item("Office chair", 20_000, 90_000, 3),
        generic_item("Standing desk", 120_000, 400_000, 3),
        generic_item("A4 paper, 500 sheets", 1_500, 3_500, 3),
        generic_item("Laptop repair service", 15_000, 80_000, 1),
        generic_item("Consulting hour", 30_000, 150_000, 1),
        generic_item("Freight, per pallet", 8_000, 40_000, 2),
        generic_item("Warehouse storage, per day", 2_000, 9_000, 2),
        generic_item("Printed brochures, per 100", 4_000, 25_000, 3),
        generic_item("Bottled water, case", 1_200, 3_000, 2),
        generic_item("Agricultural produce, kg", 300, 2_500, 0),
        generic_item("Software licence, per seat", 50_000, 300_000, 1),
        generic_item("Cleaning service, per visit", 10_000, 35_000, 1),
    ],
    rates: &[
        Rate::taxed(TAX_RATES[0]),
        Rate::taxed(TAX_RATES[1]),
        Rate::taxed(TAX_RATES[2]),
        Rate::taxed(TAX_RATES[3]),
    ],
    exempt_marker: "",
    default_seller: crate::script::DEFAULT_SELLER_TAX_ID,
};
