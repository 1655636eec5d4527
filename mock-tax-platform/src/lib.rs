//! mock-tax-platform (work in progress).

pub mod engine;
pub mod faults;
pub mod maintenance;
pub mod migration;
pub mod plan;
pub mod seeded;
