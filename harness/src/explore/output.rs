//! The output folder of a finding, `<out>/<UTC time>/`: `original.toml`,
//! `minimal.toml`, `shrink.log`, and the report folder of one replay of the minimal
//! script, run from the file as `invoice-chaos run` would.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::case::Case;
use super::session::{ExploreError, Session};
use super::shrink::Shrunk;
use super::trial;
use crate::check::Class;
use crate::exit::Exit;
use crate::judge::judge;
use crate::runner::{self, RunOptions};
use crate::script::Scenario;

/// A finding, shrunk.
pub struct Found {
    /// The base script as named.
    pub base: String,
    /// The exploration seed.
    pub seed: u64,
    /// Which generated scenario failed first (1-based).
    pub index: u64,
    /// The seed of that scenario's runs.
    pub run_seed: u64,
    /// Its violation class.
    pub class: String,
    /// The scenario as first found.
    pub original: Case,
    /// The shrinking's result.
    pub shrunk: Shrunk,
    /// Search time until the finding.
    pub first_after: Duration,
    /// Search and shrinking together.
    pub took: Duration,
}

/// Writes the folder, replays `minimal.toml` once into it, and prints the ending.
pub async fn write(
    session: &mut Session<'_>,
    found: &Found,
    parent: &Path,
) -> Result<Exit, ExploreError> {
    let dir = make_dir(parent)?;
    let minimal_path = dir.join("minimal.toml");
    let original_path = dir.join("original.toml");
    let meaning = Class::ALL
        .iter()
        .find(|c| c.as_str() == found.class)
        .map_or("", |c| c.meaning());
    let source = format!("invoice-chaos explore {} --seed {}", found.base, found.seed);
    let original_header = vec![
        format!(
            "The first failing scenario of `{source}` (scenario {}).",
            found.index
        ),
        format!("It failed with {}: {meaning}.", found.class),
        "minimal.toml beside this file is the same finding, shrunk.".into(),
    ];
    let original = session.text(
        &found.original,
        found.run_seed,
        "explore-original",
        &original_header,
    )?;
    let minimal_header = vec![
        format!("Minimal reproduction written by `{source}`."),
        format!("It fails with {}: {meaning}.", found.class),
        format!(
            "Shrunk from {} in {} steps, each kept only if all {} run(s) showed {};",
            found.original.size(),
            session.stats.shrink_steps,
            session.confirm,
            found.class
        ),
        "shrink.log beside this file says what was removed and what was kept.".into(),
        format!(
            "Replay: {} run {}",
            crate::program::program(),
            minimal_path.display()
        ),
    ];
    let minimal = session.text(
        &found.shrunk.minimal,
        found.run_seed,
        "explore-minimal",
        &minimal_header,
    )?;
    write_file(&original_path, &original)?;
    write_file(&minimal_path, &minimal)?;
    write_file(
        &dir.join("shrink.log"),
        &(found.shrunk.log.join("\n") + "\n"),
    )?;

    let replay = replay(session, &minimal_path, &dir).await?;
    let stats = session.stats;
    session.progress.finish();
    crate::say!(
        "finding: {} after {} ({} searched); {} runs in {}, {} (not findings)",
        found.class,
        humantime::format_duration(super::round_ms(found.first_after)),
        if found.index == 1 {
            "1 scenario".to_string()
        } else {
            format!("{} scenarios", found.index)
        },
        stats.runs,
        humantime::format_duration(super::round_ms(found.took)),
        stats.not_findings()
    );
    crate::say!(
        "shrunk:  {} -> {} in {} steps ({} kept)",
        found.original.size(),
        found.shrunk.minimal.size(),
        stats.shrink_steps,
        stats.shrink_kept
    );
    match &replay {
        (outcome, report) if outcome.shows(&found.class) => crate::say!(
            "replay:  {} again ({})",
            outcome.label(),
            report.display()
        ),
        (outcome, report) => crate::say!(
            "replay:  {} this time, not {}: the client may be nondeterministic; try --confirm 3 ({})",
            outcome.label(),
            found.class,
            report.display()
        ),
    }
    crate::say!("minimal: {}", minimal_path.display());
    crate::say!(
        "run:     {} run {}",
        crate::program::program(),
        minimal_path.display()
    );
    Ok(Exit::Fail)
}

/// Runs `minimal.toml` from the file, its report folder inside `dir`.
async fn replay(
    session: &Session<'_>,
    path: &Path,
    dir: &Path,
) -> Result<(trial::Outcome, PathBuf), ExploreError> {
    let path = path.display().to_string();
    let mut scenario = Scenario::load(&path).map_err(trial::TrialError::from)?;
    scenario.apply(session.overrides);
    let opts = RunOptions {
        reports_dir: dir.to_path_buf(),
        quiet: true,
        // Explore stops a trial by dropping it (its own Ctrl-C handling).
        interrupt: runner::Interrupt::never(),
    };
    let out = runner::run(&scenario, &opts)
        .await
        .map_err(trial::TrialError::from)?;
    let judged = judge(&out.record, &out.report_dir).map_err(|e| ExploreError::Io {
        path: out.report_dir.display().to_string(),
        source: std::io::Error::other(e.to_string()),
    })?;
    Ok((trial::outcome(&judged.result), out.report_dir))
}

fn write_file(path: &Path, text: &str) -> Result<(), ExploreError> {
    std::fs::write(path, text).map_err(|source| ExploreError::Io {
        path: path.display().to_string(),
        source,
    })
}

/// `<parent>/<UTC time>/`, with a numeric suffix if two explorations share a second.
fn make_dir(parent: &Path) -> Result<PathBuf, ExploreError> {
    let io = |p: &Path, source| ExploreError::Io {
        path: p.display().to_string(),
        source,
    };
    std::fs::create_dir_all(parent).map_err(|e| io(parent, e))?;
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
    for n in 0..1000 {
        let name = if n == 0 {
            stamp.clone()
        } else {
            format!("{stamp}-{n}")
        };
        let dir = parent.join(name);
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(io(&dir, e)),
        }
    }
    Err(io(
        parent,
        std::io::Error::other("too many explorations in one second"),
    ))
}
