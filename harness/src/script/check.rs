//! Checks that need more than the types: cross-field rules, files that must exist,
//! steps the chosen adapter cannot perform. Each failure points at the offending span.

use std::path::{Path, PathBuf};

use mock_tax_platform::plan::locate::checked_key_span;
use mock_tax_platform::plan::PlanError;
use toml::Spanned;

use crate::check::ledger_file::ColumnMap;

use super::raw::{AdapterKind, RawClient, RawScenario};
use super::step::Step;
use super::values::LONGEST_DURATION;
use super::wiring::wiring;
use super::{
    AdapterSpec, ClientMode, ClientSpec, PlatformSpec, Scenario, ScriptError,
    DEFAULT_HEALTH_TIMEOUT,
};
use crate::workload::{is_valid_nip, ProfileName, DEFAULT_KSEF_SELLER};

/// The slowest issue rate: the gap between two invoices must fit in a script's longest duration.
const SLOWEST_RATE: f64 = 1.0 / LONGEST_DURATION.as_secs() as f64;

pub(super) fn check(path: &str, source: &str, raw: RawScenario) -> Result<Scenario, ScriptError> {
    let err = |span: std::ops::Range<usize>, msg: String| ScriptError::at(path, source, span, msg);
    // A plan check names the setting it refused; point at it rather than at the step.
    let at_key = |span: std::ops::Range<usize>, e: PlanError| {
        let msg = e.to_string();
        err(checked_key_span(source, span, &msg), msg)
    };

    if raw.name.get_ref().trim().is_empty() {
        return Err(err(
            raw.name.span(),
            "expected a non-empty scenario name, found \"\"".into(),
        ));
    }
    let adapter_span = raw
        .client
        .as_ref()
        .and_then(|c| c.get_ref().adapter.as_ref().map(Spanned::span));
    let profile = raw
        .workload
        .profile
        .as_ref()
        .map_or(ProfileName::Generic, |p| *p.get_ref());
    let client = client_spec(path, source, raw.client, profile)?;
    let drives = !matches!(client.adapter, AdapterSpec::Ledger { .. });
    let (steps_span, steps) = match raw.steps {
        Some(s) => (s.span(), s.into_inner()),
        None => (source.len()..source.len(), Vec::new()),
    };
    // A ledger check drives nothing, so it may have no steps; a driven run needs some.
    if steps.is_empty() && drives {
        return Err(err(
            steps_span,
            "expected at least one `[[steps]]` entry (e.g. `issue = { count = 100 }`), found none"
                .into(),
        ));
    }
    let restarts = matches!(
        client.adapter,
        AdapterSpec::Reference { .. } | AdapterSpec::Command { .. }
    );
    for step in &steps {
        match step.get_ref() {
            Step::Issue(_) if !drives => {
                return Err(err(
                    step.span(),
                    "issue needs a client to issue to, found the ledger adapter (it only reads \
                     an exported ledger)"
                        .into(),
                ));
            }
            Step::Issue(issue) => {
                if let Some(rate) = &issue.rate {
                    let r = *rate.get_ref();
                    if !(r.is_finite() && r >= SLOWEST_RATE) {
                        return Err(err(
                            rate.span(),
                            format!(
                                "expected a rate in invoices per second of at least one per \
                                 {} ({SLOWEST_RATE:.7}), found {r:?}",
                                humantime::format_duration(LONGEST_DURATION)
                            ),
                        ));
                    }
                }
            }
            Step::Fault(rule) => {
                rule.validate().map_err(|e| at_key(step.span(), e))?;
            }
            Step::Maintenance(window) => {
                window.validate().map_err(|e| at_key(step.span(), e))?;
            }
            Step::RestartClient(_) if !restarts => {
                return Err(err(
                    step.span(),
                    format!(
                        "restart_client needs a client the harness started (reference or command \
                         adapter), found the {} adapter",
                        client.adapter.name()
                    ),
                ));
            }
            Step::Reconcile(_) if !drives => {
                return Err(err(
                    step.span(),
                    "reconcile needs a running client, found the ledger adapter".into(),
                ));
            }
            _ => {}
        }
    }
    if let (Some(_), Some(delay)) = (&raw.platform.url, &raw.platform.processing_delay) {
        return Err(err(
            delay.span(),
            "processing_delay sets up the embedded platform; a running platform takes \
             --processing-delay when it starts"
                .into(),
        ));
    }
    let wired = wiring(path, source, &client.adapter, adapter_span, &raw.platform)?;
    let platform = PlatformSpec {
        listen: wired.listen,
        processing_delay: raw
            .platform
            .processing_delay
            .map(|d| Spanned::into_inner(d).0),
        url: raw.platform.url.map(Spanned::into_inner),
        token: raw.platform.token,
        control_token: raw.platform.control_token,
        reset: raw.platform.reset.unwrap_or(true) && drives,
    };
    Ok(Scenario {
        path: path.to_string(),
        name: raw.name.into_inner(),
        description: raw.description,
        seed: raw.seed,
        client,
        platform,
        steps: steps.into_iter().map(Spanned::into_inner).collect(),
        expect: raw.expect,
        workload: profile,
        max_count: None,
        run_id: None,
        unwired: wired.unwired,
        unfired: None,
    })
}

fn client_spec(
    path: &str,
    source: &str,
    raw: Option<Spanned<RawClient>>,
    profile: ProfileName,
) -> Result<ClientSpec, ScriptError> {
    let err = |span: std::ops::Range<usize>, msg: String| ScriptError::at(path, source, span, msg);
    let (span, c) = match raw {
        Some(c) => (c.span(), c.into_inner()),
        None => (0..0, RawClient::default()),
    };
    let kind = c
        .adapter
        .as_ref()
        .map_or(AdapterKind::Reference, |a| *a.get_ref());
    let name = match kind {
        AdapterKind::Reference => "reference",
        AdapterKind::Command => "command",
        AdapterKind::Url => "url",
        AdapterKind::Ledger => "ledger",
    };
    let unused = |key: &str, span: std::ops::Range<usize>| {
        err(
            span,
            format!("`{key}` does not apply to the {name} adapter; remove it"),
        )
    };
    if kind != AdapterKind::Command {
        if let Some(cmd) = &c.command {
            return Err(unused("command", cmd.span()));
        }
    }
    if kind != AdapterKind::Url {
        if let Some(url) = &c.url {
            return Err(unused("url", url.span()));
        }
    }
    if kind != AdapterKind::Ledger {
        if let Some(file) = &c.ledger {
            return Err(unused("ledger", file.span()));
        }
        if let Some(columns) = &c.columns {
            return Err(unused("columns", columns.span()));
        }
    }
    let adapter = match kind {
        AdapterKind::Reference => AdapterSpec::Reference {
            mode: c.mode.unwrap_or(ClientMode::Robust),
        },
        AdapterKind::Command => {
            let Some(cmd) = c.command else {
                return Err(err(
                    span,
                    "expected `command = [\"program\", \"arg\", …]` for the command adapter, found none"
                        .into(),
                ));
            };
            let cmd_span = cmd.span();
            let argv = cmd.into_inner();
            let Some(program) = argv.first() else {
                return Err(err(
                    cmd_span,
                    "expected a program name, found an empty list".into(),
                ));
            };
            if !program_exists(program) {
                return Err(err(
                    cmd_span,
                    format!("expected an executable program, found no file named \"{program}\""),
                ));
            }
            // `{mode}` in the arguments needs a mode: robust unless the script says otherwise.
            let wants_mode = argv.iter().any(|a| a.contains("{mode}"));
            let mode = c.mode.or(wants_mode.then_some(ClientMode::Robust));
            AdapterSpec::Command {
                argv,
                mode,
                env: c.env,
            }
        }
        AdapterKind::Url => {
            let Some(url) = c.url else {
                return Err(err(
                    span,
                    "expected `url = \"http://…\"` for the url adapter, found none".into(),
                ));
            };
            if !url.get_ref().starts_with("http://") && !url.get_ref().starts_with("https://") {
                return Err(err(
                    url.span(),
                    format!("expected an http:// URL, found \"{}\"", url.get_ref()),
                ));
            }
            AdapterSpec::Url {
                url: url.into_inner(),
            }
        }
        AdapterKind::Ledger => {
            let Some(file) = c.ledger else {
                return Err(err(
                    span,
                    "expected `ledger = \"file.jsonl\"` for the ledger adapter, found none".into(),
                ));
            };
            let p = PathBuf::from(file.get_ref());
            if !p.is_file() {
                return Err(err(
                    file.span(),
                    format!(
                        "expected a ledger file, found no file named \"{}\"",
                        p.display()
                    ),
                ));
            }
            let mut columns = ColumnMap::default();
            if let Some(map) = c.columns {
                let at = map.span();
                for (column, header) in map.get_ref() {
                    columns
                        .insert(column, header)
                        .map_err(|e| err(at.clone(), format!("in `columns`: {e}")))?;
                }
            }
            AdapterSpec::Ledger { path: p, columns }
        }
    };
    let seller_tax_id = match c.seller_tax_id {
        None => profile.profile().default_seller.to_string(),
        Some(seller) => {
            if profile == ProfileName::Ksef && !is_valid_nip(seller.get_ref()) {
                return Err(err(
                    seller.span(),
                    format!(
                        "expected the seller's NIP for `[workload] profile = \"ksef\"` (ten \
                         digits, the last the checksum of the others, e.g. \"{DEFAULT_KSEF_SELLER}\"), \
                         found \"{}\"",
                        seller.get_ref()
                    ),
                ));
            }
            seller.into_inner()
        }
    };
    Ok(ClientSpec {
        adapter,
        seller_tax_id,
        health_timeout: c.health_timeout.map_or(DEFAULT_HEALTH_TIMEOUT, |d| d.get()),
    })
}

/// A program named with a path must exist there; a bare name must be on `PATH`.
fn program_exists(program: &str) -> bool {
    if program.contains('/') {
        return Path::new(program).is_file();
    }
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}
