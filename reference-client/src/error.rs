//! The one error type of the client library.

/// Why the client could not start or keep running.
#[derive(Debug, thiserror::Error)]
pub enum ReferenceClientError {
    /// A setting is unusable; the message says which and why.
    #[error("bad configuration: {0}")]
    Config(String),
    /// The outbox database could not be opened or written.
    #[error("outbox at {path}: {source}")]
    Outbox {
        /// The database file.
        path: String,
        /// What SQLite said.
        source: rusqlite::Error,
    },
    /// The outbox thread is gone (the client is shutting down or was killed).
    #[error("the outbox is closed")]
    OutboxClosed,
    /// Creating the state directory, binding or serving failed.
    #[error("{context}: {source}")]
    Io {
        /// What the client was doing.
        context: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The platform HTTP client could not be built.
    #[error("platform HTTP client: {0}")]
    Http(String),
}
