//! `invoice-chaos faults`: every fault kind with its settings and one example rule,
//! printed from the platform's own catalog, which its tests hold to the fault engine.

use std::fmt::Write;

use mock_tax_platform::faults::{CATALOG, TARGETING};

/// The listing, as printed.
pub fn render() -> String {
    let mut out = String::new();
    for info in CATALOG {
        let _ = writeln!(out, "{}\n    {}", info.kind, info.summary);
        let width = info.settings.iter().map(|(name, _)| name.len()).max();
        for (name, meaning) in info.settings {
            let _ = writeln!(
                out,
                "    {name:<width$}  {meaning}",
                width = width.unwrap_or(0)
            );
        }
        let _ = writeln!(out, "    example: fault = {}\n", info.example);
    }
    out.push_str("Every rule also takes:\n");
    let width = TARGETING
        .iter()
        .map(|(name, _)| name.len())
        .max()
        .unwrap_or(0);
    for (name, meaning) in TARGETING {
        let _ = writeln!(out, "    {name:<width$}  {meaning}");
    }
    out.push_str(
        "\nA script schedules a rule as a step: `[[steps]]` then `fault = { … }` \
         (scenarios/everything.toml has one of each).\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_the_catalog_is_listed_with_its_example() {
        let text = render();
        for info in CATALOG {
            assert!(text.contains(&format!("{}\n    {}", info.kind, info.summary)));
            assert!(text.contains(info.example), "{}", info.kind);
        }
        assert!(text.contains("probability"));
    }
}
