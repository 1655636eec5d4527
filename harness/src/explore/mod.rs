//! `invoice-chaos explore` (DESIGN §7): generates scenarios with proptest strategies
//! within a base script's `[explore]` bounds, runs each through the same runner and
//! checker as `run`, and on the first finding shrinks it to a minimal script that
//! `invoice-chaos run` replays. See `harness/EXPLORE.md`.
//!
//! # Layout
//!
//! - `bounds`: the `[explore]` table.
//! - `case`: one generated scenario as plain data, and how two differ (for the log).
//! - `strategy`: the proptest strategies, simplest values first.
//! - `render`: a case written as an ordinary, commented script.
//! - `trial`: one script through runner and checker, reduced to pass, inconclusive or finding.
//! - `session`: the state shared by search and shrinking.
//! - `shrink`: value-tree simplification that keeps the violation class.
//! - `output`: `minimal.toml`, `original.toml`, `shrink.log` and the minimal run's report.
//! - `progress`: the live line and milestones on the terminal.

mod bounds;
mod case;
mod deadline;
mod output;
mod progress;
mod render;
mod session;
mod shrink;
mod strategy;
mod trial;

use std::future::Future;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

pub(crate) use bounds::Bounds;
pub(crate) use progress::Stats;

use crate::exit::Exit;
use crate::script::{AdapterSpec, Overrides, Scenario, ScriptError};
use session::{ExploreError, Session};

/// Settings of `invoice-chaos explore`.
#[derive(Debug, Clone)]
pub struct ExploreArgs {
    /// The base script: client, platform, `[expect]` and `[explore]` bounds.
    pub base: String,
    /// How long to search for a finding, and then how long shrinking may take.
    pub budget: Duration,
    /// Most scenarios to try while searching.
    pub runs: Option<u64>,
    /// The exploration seed; the same seed generates the same scenarios.
    pub seed: Option<u64>,
    /// Parent of the `<UTC time>/` output folder.
    pub out: PathBuf,
    /// Command-line overrides applied to the base and every generated script.
    pub overrides: Overrides,
    /// Runs a shrink candidate must fail, each with the same class, to be kept.
    pub confirm: u32,
    /// Scenarios run at once while searching (shrinking runs one at a time).
    pub jobs: usize,
    /// No progress line or milestones.
    pub quiet: bool,
}

/// `invoice-chaos explore`: 1 with a finding (shrunk and written), 0 without. When
/// `interrupted` resolves (with the signal's name), the run under way is dropped,
/// which stops what it started, and nothing is written.
pub async fn explore(args: ExploreArgs, interrupted: impl Future<Output = &'static str>) -> Exit {
    tokio::select! {
        exit = explore_until_done(args) => exit,
        signal = interrupted => {
            eprintln!("\ninterrupted ({signal}): exploration stopped; nothing was written");
            Exit::Interrupted
        }
    }
}

async fn explore_until_done(args: ExploreArgs) -> Exit {
    let (base, mut bounds) = match load_base(&args) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: {e}");
            return Exit::BadInput;
        }
    };
    let note = deadline::fit(&base, &mut bounds);
    match search_and_shrink(&args, &base, &bounds, note).await {
        Ok(exit) => exit,
        Err(e) => {
            eprintln!("error: {e}");
            Exit::HarnessError
        }
    }
}

fn load_base(args: &ExploreArgs) -> Result<(Scenario, Bounds), ScriptError> {
    let source = std::fs::read_to_string(&args.base)
        .map_err(|e| ScriptError::whole_file(&args.base, format!("cannot read the script: {e}")))?;
    let bounds = bounds::parse(&args.base, &source)?;
    let mut base = Scenario::parse(&args.base, &source)?;
    base.apply(&args.overrides);
    base.check_runnable()?;
    if let AdapterSpec::Ledger { .. } = base.client.adapter {
        return Err(ScriptError::whole_file(
            &args.base,
            "explore drives a client: expected the reference, command or url adapter, \
             found the ledger adapter (it only reads an exported file)",
        ));
    }
    Ok((base, bounds))
}

/// The seed of the `index`-th generated scenario's run, fixed while it shrinks.
fn case_seed(seed: u64, index: u64) -> u64 {
    // splitmix64: neighbouring indexes get unrelated seeds.
    let mut z = seed ^ index.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    (z ^ (z >> 31)) % 1_000_000_000
}

fn proptest_runner(seed: u64) -> TestRunner {
    let mut key = [0u8; 32];
    for chunk in key.chunks_mut(8) {
        chunk.copy_from_slice(&seed.to_le_bytes());
    }
    TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &key),
    )
}

async fn search_and_shrink(
    args: &ExploreArgs,
    base: &Scenario,
    bounds: &Bounds,
    note: Option<String>,
) -> Result<Exit, ExploreError> {
    let seed = args
        .seed
        .unwrap_or_else(|| u64::from(rand::random::<u32>()));
    let scratch = tempfile::Builder::new()
        .prefix("invoice-chaos-explore-")
        .tempdir()
        .map_err(|source| ExploreError::Io {
            path: "a temporary folder".into(),
            source,
        })?;
    let mut session = Session {
        base,
        bounds,
        overrides: &args.overrides,
        scratch: scratch.path(),
        confirm: args.confirm.max(1),
        stats: Stats::default(),
        progress: progress::Progress::new(args.quiet),
    };
    session.progress.milestone(&format!(
        "exploring {} with seed {seed} for up to {}{}",
        base.path,
        humantime::format_duration(args.budget),
        args.runs
            .map_or_else(String::new, |n| format!(" or {n} runs"))
    ));
    match note {
        // A warning is shown even with --quiet: it says the search cannot be sound.
        Some(w) if w.starts_with("warning:") => eprintln!("{w}"),
        Some(note) => session.progress.milestone(&note),
        None => {}
    }
    let shape = strategy::Shape {
        can_restart: matches!(
            base.client.adapter,
            AdapterSpec::Reference { .. } | AdapterSpec::Command { .. }
        ),
        numbers_known: !base.uses_run_id(),
    };
    let strategy = strategy::cases(bounds, shape);
    let mut runner = proptest_runner(seed);
    let started = Instant::now();
    let mut index = 0u64;
    let jobs = args.jobs.max(1) as u64;
    let found = 'search: loop {
        let left = args
            .runs
            .map_or(jobs, |n| n.saturating_sub(index).min(jobs));
        if started.elapsed() >= args.budget || left == 0 {
            break None;
        }
        // A batch of `--jobs` scenarios runs at once; the earliest finding in
        // generation order wins, so the seed decides what is found.
        let mut batch = Vec::new();
        let mut texts = Vec::new();
        for _ in 0..left {
            let tree = strategy
                .new_tree(&mut runner)
                .map_err(|e| ExploreError::Generate(e.to_string()))?;
            let case = tree.current();
            let run_seed = case_seed(seed, index);
            index += 1;
            session.show("searching", &case.size());
            texts.push(session.text(&case, run_seed, &format!("explore-case-{index}"), &[])?);
            batch.push((tree, index, run_seed));
        }
        let outcomes = match texts.as_slice() {
            [text] => vec![session.run(text).await?],
            _ => session.run_batch(texts.clone()).await?,
        };
        for (((tree, index, run_seed), text), outcome) in batch.into_iter().zip(texts).zip(outcomes)
        {
            let Some(class) = outcome.class().map(str::to_string) else {
                continue;
            };
            match session.confirms_finding(&text, &class).await? {
                None => break 'search Some((tree, index, run_seed, class, started.elapsed())),
                Some(instead) => session.progress.milestone(&format!(
                    "scenario {index} failed with {class} but not again ({instead}): \
                     it hinges on timing, not a finding"
                )),
            }
        }
    };
    let Some((mut tree, index, run_seed, class, first_after)) = found else {
        session.progress.finish();
        crate::say!(
            "no finding: {index} scenarios in {}, {} (not findings), seed {seed}",
            humantime::format_duration(round_ms(started.elapsed())),
            session.stats.not_findings()
        );
        return Ok(Exit::Pass);
    };
    let original = tree.current();
    session.progress.milestone(&format!(
        "finding: scenario {index} fails with {class} after {} ({}); shrinking",
        humantime::format_duration(round_ms(first_after)),
        original.size()
    ));
    // Shrinking gets a budget as long as the search's: a class that needs slow runs
    // (a settle timeout each) must not keep exploration going for hours.
    let deadline = Instant::now() + args.budget;
    let shrunk = shrink::shrink(&mut session, tree.as_mut(), run_seed, &class, deadline).await?;
    let found = output::Found {
        base: args.base.clone(),
        seed,
        index,
        run_seed,
        class,
        original,
        shrunk,
        first_after,
        took: started.elapsed(),
    };
    output::write(&mut session, &found, &args.out).await
}

fn round_ms(d: Duration) -> Duration {
    Duration::from_millis(d.as_millis() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_seeds_differ_by_index_and_repeat_by_seed() {
        assert_eq!(case_seed(7, 3), case_seed(7, 3));
        assert_ne!(case_seed(7, 3), case_seed(7, 4));
        assert_ne!(case_seed(7, 3), case_seed(8, 3));
    }
}
