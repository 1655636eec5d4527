//! The platform a run talks to: the embedded mock platform (default) or a running one.

mod control;

pub use control::ControlPlane;

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
    embedded: Option<()>,
}

impl PlatformHandle {
    /// Starts the embedded platform, or reaches (and by default resets) a running one.
    pub async fn start(
        spec: &PlatformSpec,
        seed: u64,
        seller_tax_id: &str,
    ) -> Result<Self, PlatformError> {
        let _ = seller_tax_id;
        let Some(url) = &spec.url else {
            return Err(PlatformError::Start(
                "the embedded platform is not built yet".into(),
            ));
        };
        let token = spec.token.clone().ok_or_else(|| {
            PlatformError::Config(format!(
                "the platform at {url} needs the seller's bearer token: set `[platform] token`"
            ))
        })?;
        let control = ControlPlane::new(url, spec.control_token.clone())?;
        if spec.reset {
            control.reset(&serde_json::json!({ "seed": seed })).await?;
        }
        Ok(PlatformHandle {
            base_url: url.clone(),
            token,
            control,
            embedded: None,
        })
    }

    /// Whether the harness started this platform (and so will stop it).
    pub fn is_embedded(&self) -> bool {
        self.embedded.is_some()
    }

    /// Stops the embedded platform; a running one is left as it is.
    pub async fn stop(self) {}
}
