//! Nothing to call: this crate exists for its `Cargo.toml`, which gives the platform,
//! the reference client and the harness one feature set of their shared dependencies.
