//! No build step: the file exists so that the `[build-dependencies]` of Cargo.toml
//! unify the features of build-time crates too.

fn main() {}
