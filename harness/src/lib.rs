//! harness (work in progress).
