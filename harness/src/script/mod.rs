//! Scenario scripts (DESIGN §4): parsing, checking, and the [`Scenario`] the runner executes.
//!
//! Everything that can be wrong with a script is found here, before anything starts,
//! and reported as a [`ScriptError`] naming `file:line:column`.

mod cap;
mod check;
mod discover;
mod error;
mod raw;
mod step;
mod values;
mod wiring;

use std::collections::BTreeMap;
use std::num::NonZeroU64;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use discover::discover;
pub use error::{line_column, ScriptError};
pub use step::{IssueStep, SettleStep, Step};
pub use values::{HumanDuration, On};

use crate::check::ledger_file::ColumnMap;
use crate::outcome::Expect;
use crate::workload::ProfileName;

/// The seller the client issues for when the script names none.
pub const DEFAULT_SELLER_TAX_ID: &str = "91110000MA01ABCD1X";
/// How long a started client gets to answer `GET /healthz` when the script says nothing.
pub const DEFAULT_HEALTH_TIMEOUT: Duration = Duration::from_secs(30);

/// A checked scenario, ready to run.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// The script as the user named it.
    pub path: String,
    /// `name`: names the report directory.
    pub name: String,
    /// `description`: one line for people.
    pub description: String,
    /// `seed`; `None` lets the runner pick one (and report it).
    pub seed: Option<u64>,
    /// `[client]`.
    pub client: ClientSpec,
    /// `[platform]`.
    pub platform: PlatformSpec,
    /// `[[steps]]`, in order.
    pub steps: Vec<Step>,
    /// `[expect]`.
    pub expect: Expect,
    /// `[workload] profile`: the data the invoices are drawn from.
    pub workload: ProfileName,
    /// The `--max-count` cap applied to the issue steps, if any.
    pub max_count: Option<NonZeroU64>,
    /// `--run-id`: the run namespace in invoice numbers, fixed for a replay.
    pub run_id: Option<u16>,
    /// Why the client cannot reach the platform unless the command line names one
    /// (`--platform-url`); reported by [`Scenario::check_runnable`].
    pub unwired: Option<ScriptError>,
    /// The `--unfired` policy, when given on the command line.
    pub unfired: Option<Unfired>,
}

/// What a scheduled fault rule that never fired does to a run (`--unfired`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unfired {
    /// The summary warns, the verdict stands: a smoke gate.
    Warn,
    /// The run is inconclusive: it did not test what the script scheduled.
    Inconclusive,
}

impl Unfired {
    /// The spelling used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Unfired::Warn => "warn",
            Unfired::Inconclusive => "inconclusive",
        }
    }
}

/// Delivery behaviour of the reference client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientMode {
    /// Trusts every 2xx, retries with a fresh request.
    Naive,
    /// Idempotent retries, read-back, reconciliation, flags what it cannot prove.
    Robust,
}

impl ClientMode {
    /// The spelling used in scripts and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            ClientMode::Naive => "naive",
            ClientMode::Robust => "robust",
        }
    }
}

/// `[client]`, checked: which client system, and how to reach or start it.
#[derive(Debug, Clone)]
pub struct ClientSpec {
    /// The adapter and its settings.
    pub adapter: AdapterSpec,
    /// The seller the client issues for.
    pub seller_tax_id: String,
    /// How long a started client gets to become healthy.
    pub health_timeout: Duration,
}

/// One variant per client adapter.
#[derive(Debug, Clone)]
pub enum AdapterSpec {
    /// The reference client, in-process.
    Reference {
        /// Naive or robust.
        mode: ClientMode,
    },
    /// Any program speaking the client contract, started by the harness.
    Command {
        /// Program and arguments; `{mode}` in an argument is replaced by the mode.
        argv: Vec<String>,
        /// Mode passed as `{mode}` and `CLIENT_MODE`, when given.
        mode: Option<ClientMode>,
        /// Extra environment for the program.
        env: BTreeMap<String, String>,
    },
    /// A client already running at this base URL.
    Url {
        /// Base URL, e.g. `http://127.0.0.1:8080`.
        url: String,
    },
    /// An exported ledger file (JSON lines, a `GET /ledger` document, or CSV),
    /// checked against the platform without driving anything.
    Ledger {
        /// The file.
        path: PathBuf,
        /// `[client] columns`: the file's own names for the CSV columns.
        columns: ColumnMap,
    },
}

impl AdapterSpec {
    /// The adapter's name as written in scripts.
    pub fn name(&self) -> &'static str {
        match self {
            AdapterSpec::Reference { .. } => "reference",
            AdapterSpec::Command { .. } => "command",
            AdapterSpec::Url { .. } => "url",
            AdapterSpec::Ledger { .. } => "ledger",
        }
    }
}

/// `[platform]`, checked.
#[derive(Debug, Clone, Default)]
pub struct PlatformSpec {
    /// A running platform's base URL; `None` starts the embedded one.
    pub url: Option<String>,
    /// The seller's bearer token on a running platform.
    pub token: Option<String>,
    /// Bearer token for a running platform's control plane, if it asks for one.
    pub control_token: Option<String>,
    /// Whether to reset a running platform before the run (default true).
    pub reset: bool,
    /// The embedded platform answers uploads 202 and processes them after this delay
    /// (asynchronous mode); `None`: synchronous 201.
    pub processing_delay: Option<std::time::Duration>,
    /// Where the embedded platform listens instead of `127.0.0.1:0`, so a client
    /// started by someone else can be configured to it.
    pub listen: Option<std::net::SocketAddr>,
}

/// Command-line settings that take precedence over the script.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--client-mode`.
    pub mode: Option<ClientMode>,
    /// `--seed`.
    pub seed: Option<u64>,
    /// `--platform-url`.
    pub platform_url: Option<String>,
    /// `--max-count`: caps every issue step's `count` (and, where a wait or window is
    /// timed against the step, its rate by the same factor), for quick runs of a
    /// library whose scripts are sized for realistic load (tests, a pull request).
    pub max_count: Option<NonZeroU64>,
    /// `--run-id`: replays a run's invoice numbers (see [`crate::workload::Generator`]).
    pub run_id: Option<u16>,
    /// `--control-token` or `CHAOS_CONTROL_TOKEN`: the control plane's bearer token.
    pub control_token: Option<String>,
    /// `--platform-token` or `CHAOS_PLATFORM_TOKEN`: the seller's bearer token.
    pub platform_token: Option<String>,
    /// `--unfired`: replaces the script's `faults_must_fire`.
    pub unfired: Option<Unfired>,
}

impl Scenario {
    /// Reads, parses and checks one script.
    pub fn load(path: &str) -> Result<Scenario, ScriptError> {
        let bytes = std::fs::read(path)
            .map_err(|e| ScriptError::whole_file(path, format!("cannot read the script: {e}")))?;
        let source =
            std::str::from_utf8(&bytes).map_err(|e| ScriptError::not_utf8(path, &bytes, &e))?;
        Scenario::parse(path, source)
    }

    /// Parses and checks a script's text; `path` is only used in messages.
    pub fn parse(path: &str, source: &str) -> Result<Scenario, ScriptError> {
        let raw: raw::RawScenario =
            toml::from_str(source).map_err(|e| ScriptError::from_toml(path, source, &e))?;
        check::check(path, source, raw)
    }

    /// Checks what can only be judged once command-line overrides are applied.
    pub fn check_runnable(&self) -> Result<(), ScriptError> {
        if let (None, Some(unwired)) = (&self.platform.url, &self.unwired) {
            return Err(unwired.clone());
        }
        let limit = crate::workload::RUN_ID_COUNT_LIMIT;
        let too_many = self
            .steps
            .iter()
            .any(|s| matches!(s, Step::Issue(i) if i.count.get() > limit));
        if self.uses_run_id() && too_many {
            return Err(ScriptError::whole_file(
                &self.path,
                format!(
                    "a run against a client or platform that keeps state puts a run id in \
                     invoice numbers, which leaves room for {limit} invoices per issue step, \
                     found an issue step with more; split it into several steps"
                ),
            ));
        }
        if matches!(self.client.adapter, AdapterSpec::Ledger { .. }) && self.platform.url.is_none()
        {
            return Err(ScriptError::whole_file(
                &self.path,
                "the ledger adapter checks a ledger against a running platform: expected \
                 `[platform] url = \"http://…\"` or --platform-url, found neither",
            ));
        }
        Ok(())
    }

    /// Whether the client or the platform may hold invoices from earlier runs: a client
    /// the harness did not start, or a running platform it does not reset. Such a run
    /// puts a run id in its invoice numbers and looks for leftovers before issuing.
    pub fn keeps_state(&self) -> bool {
        match self.client.adapter {
            AdapterSpec::Url { .. } => true,
            // A ledger check issues nothing, so it has no numbers to keep apart.
            AdapterSpec::Ledger { .. } => false,
            _ => self.platform.url.is_some() && !self.platform.reset,
        }
    }

    /// Whether invoice numbers carry a run id: given by `--run-id`, or needed
    /// because state is kept (see [`Scenario::keeps_state`]).
    pub fn uses_run_id(&self) -> bool {
        self.run_id.is_some() || self.keeps_state()
    }

    /// Applies command-line overrides.
    pub fn apply(&mut self, overrides: &Overrides) {
        if let Some(seed) = overrides.seed {
            self.seed = Some(seed);
        }
        if let Some(url) = &overrides.platform_url {
            self.platform.url = Some(url.clone());
        }
        if let Some(run_id) = overrides.run_id {
            self.run_id = Some(run_id);
        }
        if let Some(token) = &overrides.control_token {
            self.platform.control_token = Some(token.clone());
        }
        if let Some(token) = &overrides.platform_token {
            self.platform.token = Some(token.clone());
        }
        if let Some(max) = overrides.max_count {
            self.max_count = Some(max);
            cap::cap_issue_steps(&mut self.steps, max);
        }
        if let Some(unfired) = overrides.unfired {
            self.unfired = Some(unfired);
            self.expect.faults_must_fire = unfired == Unfired::Inconclusive;
        }
        if matches!(self.client.adapter, AdapterSpec::Ledger { .. }) {
            // The platform holds the records the ledger is checked against: never wipe it.
            self.platform.reset = false;
        }
        if let Some(mode) = overrides.mode {
            match &mut self.client.adapter {
                AdapterSpec::Reference { mode: m } => *m = mode,
                AdapterSpec::Command { mode: m, .. } => *m = Some(mode),
                AdapterSpec::Url { .. } | AdapterSpec::Ledger { .. } => {
                    tracing::warn!(
                        "--client-mode {} ignored: the {} adapter does not choose a mode",
                        mode.as_str(),
                        self.client.adapter.name()
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DESIGN_EXAMPLE: &str = r#"
name = "pre-upgrade-rehearsal"
description = "maintenance window with 2% migration loss while issuing continues"
seed = 7

[client]
adapter = "reference"
mode = "robust"

[platform]

[[steps]]
issue = { count = 500, rate = 200, concurrency = 8 }
[[steps]]
fault = { kind = "partial_write", probability = 0.05 }
[[steps]]
wait = "1s"
[[steps]]
maintenance = { duration = "2s", migration = { lose = 0.02, since = "checkpoint" } }
[[steps]]
restart_client = true
[[steps]]
clear_faults = true
[[steps]]
checkpoint = true
[[steps]]
reconcile = true
[[steps]]
settle = { timeout = "30s" }

[expect]
lost = 0
unresolved = 0
max_false_flag_ratio = 0.05
faults_must_fire = true
"#;

    #[test]
    fn the_design_example_parses_into_every_step_kind() {
        let s = Scenario::parse("example.toml", DESIGN_EXAMPLE).unwrap();
        assert_eq!(s.name, "pre-upgrade-rehearsal");
        assert_eq!(s.seed, Some(7));
        let kinds: Vec<&str> = s.steps.iter().map(Step::kind).collect();
        assert_eq!(
            kinds,
            [
                "issue",
                "fault",
                "wait",
                "maintenance",
                "restart_client",
                "clear_faults",
                "checkpoint",
                "reconcile",
                "settle"
            ]
        );
        let Step::Issue(issue) = &s.steps[0] else {
            panic!("first step is issue")
        };
        assert_eq!(issue.count.get(), 500);
        assert_eq!(issue.rate.as_ref().map(|r| *r.get_ref()), Some(200.0));
        assert!(matches!(
            s.client.adapter,
            AdapterSpec::Reference {
                mode: ClientMode::Robust
            }
        ));
        assert!(s.platform.url.is_none());
        assert!(s.expect.faults_must_fire);
    }

    #[test]
    fn command_line_overrides_win_over_the_script() {
        let mut s = Scenario::parse("example.toml", DESIGN_EXAMPLE).unwrap();
        s.apply(&Overrides {
            mode: Some(ClientMode::Naive),
            seed: Some(99),
            platform_url: Some("http://127.0.0.1:1".into()),
            max_count: NonZeroU64::new(5),
            unfired: Some(Unfired::Warn),
            ..Overrides::default()
        });
        assert!(!s.expect.faults_must_fire, "--unfired warn");
        assert_eq!(s.seed, Some(99));
        assert!(matches!(
            s.client.adapter,
            AdapterSpec::Reference {
                mode: ClientMode::Naive
            }
        ));
        assert_eq!(s.platform.url.as_deref(), Some("http://127.0.0.1:1"));
        let counts: Vec<u64> = s
            .steps
            .iter()
            .filter_map(|step| match step {
                Step::Issue(issue) => Some(issue.count.get()),
                _ => None,
            })
            .collect();
        assert_eq!(counts, vec![5], "--max-count caps the issue step's 500");
    }

    #[test]
    fn a_fault_setting_the_platform_rejects_points_at_the_setting() {
        let src = "name = \"x\"\n[[steps]]\nfault = { kind = \"latency\", delay = \"1s\", probability = 2.0 }\n";
        let err = Scenario::parse("x.toml", src).unwrap_err();
        assert_eq!((err.line, err.column), (Some(3), Some(43)), "{err}");
        assert!(err.message.contains("probability"), "{err}");
    }

    #[test]
    fn a_typo_or_wrong_type_in_a_fault_setting_points_at_the_key() {
        let src = "name = \"x\"\n[[steps]]\nfault = { kind = \"latency\", delay = \"1s\", probabilty = 0.5 }\n";
        let err = Scenario::parse("x.toml", src).unwrap_err();
        assert_eq!((err.line, err.column), (Some(3), Some(43)), "{err}");
        let src = "name = \"x\"\n[[steps]]\n[steps.fault]\nkind = \"partial_write\"\ndrop = \"lines\"\nkeep = \"all\"\n";
        let err = Scenario::parse("x.toml", src).unwrap_err();
        assert_eq!((err.line, err.column), (Some(6), Some(1)), "{err}");
        assert!(err.message.contains("setting `keep`"), "{err}");
    }

    #[test]
    fn a_ledger_check_needs_no_steps_but_may_not_issue() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = dir.path().join("ledger.jsonl");
        std::fs::write(&ledger, "").unwrap();
        let head = format!(
            "name = \"l\"\n[client]\nadapter = \"ledger\"\nledger = {:?}\n",
            ledger.display().to_string()
        );
        assert!(Scenario::parse("l.toml", &head).is_ok());
        let err = Scenario::parse(
            "l.toml",
            &format!("{head}[[steps]]\nissue = {{ count = 1 }}\n"),
        )
        .unwrap_err();
        assert!(err.message.contains("issue needs a client"), "{err}");
    }

    const KSEF_HEAD: &str = "name = \"k\"\n[workload]\nprofile = \"ksef\"\n";
    const ONE_ISSUE: &str = "[[steps]]\nissue = { count = 1 }\n";

    #[test]
    fn the_generic_profile_is_the_default_and_keeps_its_seller() {
        let s = Scenario::parse("g.toml", &format!("name = \"g\"\n{ONE_ISSUE}")).unwrap();
        assert_eq!(s.workload, ProfileName::Generic);
        assert_eq!(s.client.seller_tax_id, DEFAULT_SELLER_TAX_ID);
    }

    #[test]
    fn a_ksef_script_sells_as_the_default_nip_or_its_own() {
        let s = Scenario::parse("k.toml", &format!("{KSEF_HEAD}{ONE_ISSUE}")).unwrap();
        assert_eq!(s.workload, ProfileName::Ksef);
        assert_eq!(s.client.seller_tax_id, crate::workload::DEFAULT_KSEF_SELLER);
        let own = format!("{KSEF_HEAD}[client]\nseller_tax_id = \"3861610227\"\n{ONE_ISSUE}");
        let s = Scenario::parse("k.toml", &own).unwrap();
        assert_eq!(s.client.seller_tax_id, "3861610227");
    }

    #[test]
    fn a_ksef_seller_that_is_not_a_nip_is_refused_at_its_value() {
        for bad in ["3861610228", "91110000MA01ABCD1X", "386-161-02-27", ""] {
            let src = format!("{KSEF_HEAD}[client]\nseller_tax_id = \"{bad}\"\n{ONE_ISSUE}");
            let err = Scenario::parse("k.toml", &src).unwrap_err();
            assert_eq!((err.line, err.column), (Some(5), Some(17)), "{err}");
            assert!(err.message.contains(&format!("found \"{bad}\"")), "{err}");
        }
        // The generic profile takes any seller id, as before.
        let src = format!("name = \"g\"\n[client]\nseller_tax_id = \"ACME-1\"\n{ONE_ISSUE}");
        assert!(Scenario::parse("g.toml", &src).is_ok());
    }

    #[test]
    fn an_unknown_profile_or_workload_setting_is_refused_at_its_place() {
        let src = format!("name = \"k\"\n[workload]\nprofile = \"vat\"\n{ONE_ISSUE}");
        let err = Scenario::parse("k.toml", &src).unwrap_err();
        assert_eq!((err.line, err.column), (Some(3), Some(11)), "{err}");
        assert!(
            err.message.contains("expected `generic` or `ksef`"),
            "{err}"
        );
        let src = format!("{KSEF_HEAD}currency = \"EUR\"\n{ONE_ISSUE}");
        let err = Scenario::parse("k.toml", &src).unwrap_err();
        assert_eq!((err.line, err.column), (Some(4), Some(1)), "{err}");
        assert!(err.message.contains("unknown field `currency`"), "{err}");
    }
}
