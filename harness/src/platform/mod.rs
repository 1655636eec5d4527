//! The platform a run talks to: the embedded mock platform (default) or a running one.

mod control;
mod truth;

pub(crate) use control::ControlPlane;

use crate::script::PlatformSpec;

/// Why the platform could not be started or driven.
#[derive(Debug, thiserror::Error)]
pub enum PlatformError {
    /// The embedded platform failed to start.
    #[error("cannot start the embedded platform: {0}")]
    Start(String),
    /// A control-plane call failed.
    #[error("control plane {call}: {detail}")]
    Control {
        /// Method and path.
        call: String,
        /// What went wrong.
        detail: String,
    },
    /// A running platform needs settings the script did not give.
    #[error("{0}")]
    Config(String),
}

/// The platform for one run, and how the client should reach it.
pub struct PlatformHandle {
    /// Base URL the client uploads to.
    pub base_url: String,
    /// The seller's bearer token, handed to the client.
    pub token: String,
    /// Its control plane.
    pub control: ControlPlane,
    embedded: Option<mock_tax_platform::Platform>,
}

/// A fresh bearer token for the seller, so a client that ignores its token is refused.
fn generate_token() -> String {
    format!("tok-{:032x}", rand::random::<u128>())
}

impl PlatformHandle {
    /// Starts the embedded platform on `127.0.0.1:0` (or the spec's `listen`) with a
    /// generated seller token, or reaches (and by default resets) the running one the
    /// spec names.
    pub async fn start(
        spec: &PlatformSpec,
        seed: u64,
        seller_tax_id: &str,
    ) -> Result<Self, PlatformError> {
        let Some(url) = &spec.url else {
            // On a fixed `listen` address the client was configured by someone else and
            // cannot know a generated token: check tokens only when one is given.
            let checked = spec
                .token
                .clone()
                .or_else(|| spec.listen.is_none().then(generate_token));
            let token = checked.clone().unwrap_or_else(generate_token);
            let config = mock_tax_platform::Config {
                seed,
                tokens: checked
                    .map(|t| (seller_tax_id.to_string(), t))
                    .into_iter()
                    .collect(),
                processing_delay: spec.processing_delay,
                control_token: spec.control_token.clone(),
                ..mock_tax_platform::Config::default()
            };
            let platform = match spec.listen {
                None => mock_tax_platform::start(config).await,
                Some(addr) => {
                    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| {
                        PlatformError::Start(format!("cannot listen on {addr}: {e}"))
                    })?;
                    mock_tax_platform::start_on(config, listener, None).await
                }
            }
            .map_err(|e| PlatformError::Start(e.to_string()))?;
            let control = ControlPlane::new(&platform.control_url(), spec.control_token.clone())?;
            tracing::info!(url = %platform.base_url(), "embedded platform started");
            return Ok(PlatformHandle {
                base_url: platform.base_url(),
                token,
                control,
                embedded: Some(platform),
            });
        };
        // A platform without tokens accepts any; one with tokens needs the seller's.
        let token = spec.token.clone().unwrap_or_else(generate_token);
        let control = ControlPlane::new(url, spec.control_token.clone())?;
        if spec.reset {
            // A clean slate: no records, no journal, and no rules left by an earlier run.
            control.reset().await?;
            control.put_plan(&serde_json::json!({})).await?;
        }
        if let Ok(version) = control.version().await {
            if let Some(theirs) = version.get("seed").and_then(serde_json::Value::as_u64) {
                if theirs != seed {
                    tracing::warn!(
                        "the platform at {url} draws its faults from its own seed {theirs}, \
                         not the run's seed {seed}; start it with --seed {seed} to replay"
                    );
                }
            }
        }
        Ok(PlatformHandle {
            base_url: url.trim_end_matches('/').to_string(),
            token,
            control,
            embedded: None,
        })
    }

    /// Whether the harness started this platform (and so will stop it).
    pub fn is_embedded(&self) -> bool {
        self.embedded.is_some()
    }

    /// Stops the embedded platform (waiting a bounded time for in-flight requests);
    /// a running one is left as it is.
    pub async fn stop(self) {
        if let Some(p) = self.embedded {
            if tokio::time::timeout(std::time::Duration::from_secs(5), p.shutdown())
                .await
                .is_err()
            {
                tracing::warn!("the embedded platform did not stop within 5s; abandoning it");
            }
        }
    }
}
