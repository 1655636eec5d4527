//! mock-tax-platform binary (work in progress).

fn main() {}
