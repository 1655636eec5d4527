//! The fault engine over HTTP: every fault kind (what the client sees and what the
//! truth holds), targeting, determinism, maintenance and migration, control plane.

mod control;
mod determinism;
mod kinds;
mod maintenance;
pub mod support;
mod targeting;
