//! `GET /v1/status`: the platform's operating state and announced windows.

use http::StatusCode;
use tax_api::api::AnnouncedWindow;
use tax_api::{OperatingState, PlatformStatus};

use crate::clock::stamp;

use crate::state::AppState;
use crate::wire::respond::{self, Response};

/// Serves `GET /v1/status`. Needs no token, like a public status page. `maintenance`
/// while a window is open, `degraded` while fault rules are loaded.
pub fn status(state: &AppState) -> Response {
    let (open, faulty, windows) = state.chaos.status(state.clock.elapsed());
    let started = state.chaos.started();
    let at = |plan_time| stamp(state.clock.wall_at(started.saturating_add(plan_time)));
    respond::json(
        StatusCode::OK,
        &PlatformStatus {
            state: if open {
                OperatingState::Maintenance
            } else if faulty {
                OperatingState::Degraded
            } else {
                OperatingState::Normal
            },
            windows: windows
                .iter()
                .map(|w| AnnouncedWindow {
                    starts_at: at(w.start),
                    ends_at: at(w.end),
                    reads: w.window.reads,
                })
                .collect(),
        },
    )
}
