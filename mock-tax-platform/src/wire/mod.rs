//! Wire dialects other than the generic `/v1` JSON API: each parses its own wire
//! format into the generic invoice and renders the same fault decisions its own way.

pub mod ksef;
