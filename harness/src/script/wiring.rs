//! How the client reaches the platform, checked before anything starts. A client the
//! harness does not start (the `url` adapter) cannot be handed the embedded
//! platform's ephemeral address, so its script must name a platform the client can
//! already know: a running one (`url`), or the embedded one on a fixed `listen`.

use std::net::SocketAddr;
use std::ops::Range;

use toml::Spanned;

use super::raw::RawPlatform;
use super::{AdapterSpec, ScriptError};

/// The `[platform]` settings about addresses, checked.
pub(super) struct Wiring {
    /// `listen`: where the embedded platform listens.
    pub listen: Option<SocketAddr>,
    /// The error to report if no platform URL arrives from the command line either.
    pub unwired: Option<ScriptError>,
}

/// Checks `listen` and whether a `url` client can reach the run's platform.
pub(super) fn wiring(
    path: &str,
    source: &str,
    adapter: &AdapterSpec,
    adapter_span: Option<Range<usize>>,
    platform: &RawPlatform,
) -> Result<Wiring, ScriptError> {
    let err = |span: Range<usize>, msg: String| ScriptError::at(path, source, span, msg);
    let listen = match &platform.listen {
        None => None,
        Some(_) if platform.url.is_some() => {
            let span = platform.listen.as_ref().map_or(0..0, Spanned::span);
            return Err(err(
                span,
                "listen sets up the embedded platform, found it beside `url` (a running \
                 platform); remove one of them"
                    .into(),
            ));
        }
        Some(listen) => Some(listen.get_ref().parse::<SocketAddr>().map_err(|_| {
            err(
                listen.span(),
                format!(
                    "expected an address and port like \"127.0.0.1:8080\", found \"{}\"",
                    listen.get_ref()
                ),
            )
        })?),
    };
    let unwired =
        (matches!(adapter, AdapterSpec::Url { .. }) && platform.url.is_none() && listen.is_none())
            .then(|| {
                err(
            adapter_span.unwrap_or(0..0),
            "the url adapter drives a client that is already running, which cannot know the \
             address of a platform the harness starts: expected `[platform] url = \"http://…\"` \
             (or --platform-url) naming the platform that client uploads to, or \
             `[platform] listen = \"127.0.0.1:8080\"` with the client's TAX_PLATFORM_URL set to \
             that address, found neither"
                .into(),
        )
            });
    Ok(Wiring { listen, unwired })
}
