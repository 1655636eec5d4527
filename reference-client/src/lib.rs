//! reference-client (work in progress).
