//! One file per group of `/v1` routes, plus the control plane.

pub mod chaos;
pub mod control;
pub mod query;
pub mod read;
pub mod status;
pub mod upload;
pub mod verify;
