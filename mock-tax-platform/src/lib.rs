//! mock-tax-platform (work in progress).
