//! reference-client binary (work in progress).

fn main() {}
