//! The fault plan: rules and maintenance windows, in the shape scenario scripts use
//! (`[[faults]]`, `[[maintenance]]`) and `GET/PUT /_chaos/plan` serves as JSON.
//!
//! ```toml
//! checkpoint_every = "5s"
//!
//! [[faults]]
//! kind = "partial_write"   # which fault
//! drop = "lines"           # its settings
//! probability = 0.1        # the engine's targeting
//! on = "upload"
//!
//! [[maintenance]]
//! after = "2s"
//! duration = "1s"
//! migration = { lose = 0.5, since = "checkpoint" }
//! ```
//!
//! Unknown keys and unknown kinds are errors, so a typo never silently disables a fault.

use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub mod duration;
pub mod locate;
pub(crate) mod rule;
mod setting;
mod window;

pub use rule::{FaultRule, RouteTarget};
pub use window::{MaintenanceWindow, Migration, MigrationSince};

/// A whole plan: what `PUT /_chaos/plan` takes and `--plan FILE` reads.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// Fault rules, evaluated in order for every request.
    #[serde(default)]
    pub faults: Vec<FaultRule>,
    /// Maintenance windows, each relative to the plan's start.
    #[serde(default)]
    pub maintenance: Vec<MaintenanceWindow>,
    /// How often the store checkpoints on its own; records checkpointed survive any
    /// migration. Absent: only on `POST /_chaos/checkpoint`.
    #[serde(
        default,
        with = "duration::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub checkpoint_every: Option<Duration>,
}

/// Why a plan could not be read or accepted.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// The TOML did not parse or did not match the plan's shape (carries line and column).
    /// Not a `source`: the message already holds it, and error chains would repeat it.
    #[error("invalid plan TOML: {0}")]
    Toml(toml::de::Error),
    /// A TOML plan did not parse or did not match the plan's shape, at this place.
    #[error("invalid plan TOML at line {line}, column {column}: {message}")]
    TomlAt {
        /// 1-based line of the offending key or value.
        line: usize,
        /// 1-based column, in characters.
        column: usize,
        /// What was expected and what was found.
        message: String,
    },
    /// The JSON did not parse or did not match the plan's shape (carries line and column).
    #[error("invalid plan JSON: {0}")]
    Json(serde_json::Error),
    /// A plan file did not parse or did not match the plan's shape, at this place.
    #[error("{path}:{line}:{column}: {message}")]
    File {
        /// The file named.
        path: String,
        /// 1-based line of the offending key or value.
        line: usize,
        /// 1-based column, in characters.
        column: usize,
        /// What was expected and what was found.
        message: String,
    },
    /// The plan file could not be read.
    #[error("cannot read plan file {path}: {source}")]
    Io {
        /// The file named.
        path: String,
        /// What the OS said.
        source: std::io::Error,
    },
    /// A rule or window is well-formed but makes no sense.
    #[error("{what}: {message}")]
    Invalid {
        /// Which rule or window, by name.
        what: String,
        /// What was expected and what was found.
        message: String,
    },
}

impl From<toml::de::Error> for PlanError {
    fn from(err: toml::de::Error) -> Self {
        PlanError::Toml(err)
    }
}

impl From<serde_json::Error> for PlanError {
    fn from(err: serde_json::Error) -> Self {
        PlanError::Json(err)
    }
}

impl PlanError {
    /// The same error as found in the file at `path`: `path:line:column: message` for
    /// text that did not parse, the path in front of anything else.
    fn in_file(self, path: &Path) -> PlanError {
        let path = path.display().to_string();
        match self {
            PlanError::TomlAt {
                line,
                column,
                message,
            } => PlanError::File {
                path,
                line,
                column,
                message,
            },
            PlanError::Json(e) => PlanError::File {
                path,
                line: e.line(),
                column: e.column(),
                message: json_message(&e),
            },
            PlanError::Invalid { what, message } => PlanError::Invalid {
                what: format!("{path}: {what}"),
                message,
            },
            other => other,
        }
    }
}

/// A `serde_json` message without its trailing ` at line L column C`, which
/// [`PlanError::File`] says in front.
fn json_message(err: &serde_json::Error) -> String {
    let text = err.to_string();
    let tail = format!(" at line {} column {}", err.line(), err.column());
    text.strip_suffix(&tail).unwrap_or(&text).to_string()
}

impl Plan {
    /// Parses a TOML plan, then validates and names it. A problem is placed at the
    /// key it is about when the message names one.
    pub fn from_toml_str(text: &str) -> Result<Plan, PlanError> {
        let plan: Plan = toml::from_str(text).map_err(|e| {
            let mut message = e.message().trim_end().to_string();
            if message.is_empty() {
                // `toml` says nothing when the text ends where a value should start (`a =`).
                message = "expected a value, found the end of the plan".into();
            }
            let span = locate::key_span(text, e.span().unwrap_or(0..0), &message);
            let (line, column) = locate::line_column(text, span.start);
            PlanError::TomlAt {
                line,
                column,
                message,
            }
        })?;
        plan.normalized()
    }

    /// Parses a JSON plan, then validates and names it.
    pub fn from_json_str(text: &str) -> Result<Plan, PlanError> {
        let plan: Plan = serde_json::from_str(text)?;
        plan.normalized()
    }

    /// Reads a plan file: JSON when it ends in `.json` or starts with `{`, TOML otherwise.
    pub fn from_path(path: &Path) -> Result<Plan, PlanError> {
        let text = std::fs::read_to_string(path).map_err(|source| PlanError::Io {
            path: path.display().to_string(),
            source,
        })?;
        let is_json =
            path.extension().is_some_and(|e| e == "json") || text.trim_start().starts_with('{');
        if is_json {
            Plan::from_json_str(&text)
        } else {
            Plan::from_toml_str(&text)
        }
        .map_err(|e| e.in_file(path))
    }

    /// Checks every rule and window and gives each unnamed one a name
    /// (`partial_write#1`, `maintenance#1`, …) so stats and the journal can cite it.
    pub fn normalized(mut self) -> Result<Plan, PlanError> {
        let mut taken = unique_names(self.faults.iter().map(|r| r.name.as_deref()), "fault rule")?;
        for rule in &mut self.faults {
            if rule.name.is_none() {
                let name = next_free_name(rule.fault.name(), &taken);
                taken.push(name.clone());
                rule.name = Some(name);
            }
            rule.validate()?;
        }
        let mut taken = unique_names(
            self.maintenance.iter().map(|w| w.name.as_deref()),
            "maintenance window",
        )?;
        for window in &mut self.maintenance {
            if window.name.is_none() {
                let name = next_free_name("maintenance", &taken);
                taken.push(name.clone());
                window.name = Some(name);
            }
            window.validate()?;
        }
        if self.checkpoint_every == Some(Duration::ZERO) {
            return Err(PlanError::Invalid {
                what: "checkpoint_every".into(),
                message: "expected a positive duration, found 0s".into(),
            });
        }
        Ok(self)
    }

    /// Adds one rule (validated, named if unnamed); returns its name.
    pub fn add_rule(&mut self, mut rule: FaultRule) -> Result<String, PlanError> {
        let taken: Vec<String> = self.faults.iter().filter_map(|r| r.name.clone()).collect();
        let name = match rule.name.take() {
            Some(n) if taken.contains(&n) => {
                return Err(PlanError::Invalid {
                    what: format!("fault rule `{n}`"),
                    message: "a rule with this name already exists; delete it first".into(),
                })
            }
            Some(n) => n,
            None => next_free_name(rule.fault.name(), &taken),
        };
        rule.name = Some(name.clone());
        rule.validate()?;
        self.faults.push(rule);
        Ok(name)
    }

    /// Removes the rule with this name; whether there was one.
    pub fn remove_rule(&mut self, name: &str) -> bool {
        let before = self.faults.len();
        self.faults.retain(|r| r.name.as_deref() != Some(name));
        self.faults.len() != before
    }
}

/// The explicit names, refusing a name given twice.
fn unique_names<'a>(
    names: impl Iterator<Item = Option<&'a str>>,
    what: &str,
) -> Result<Vec<String>, PlanError> {
    let mut seen: Vec<String> = Vec::new();
    for name in names.flatten() {
        if seen.iter().any(|s| s == name) {
            return Err(PlanError::Invalid {
                what: format!("{what} `{name}`"),
                message: "names must be unique, found this one twice".into(),
            });
        }
        seen.push(name.to_owned());
    }
    Ok(seen)
}

/// `base#1`, `base#2`, … : the first not in `taken`.
pub(crate) fn next_free_name(base: &str, taken: &[String]) -> String {
    let mut i = 1usize;
    loop {
        let name = format!("{base}#{i}");
        if !taken.contains(&name) {
            return name;
        }
        i += 1;
    }
}

#[cfg(test)]
mod tests;
