//! The fault engine over HTTP: every fault kind (what the client sees and what the
//! truth holds), targeting, determinism, maintenance and migration, control plane.

mod control;
mod determinism;
pub(crate) mod kinds;
mod maintenance;
pub(crate) mod support;
mod targeting;
