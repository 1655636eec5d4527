//! The `run`, `validate` and `list` commands, called by the thin `invoice-chaos` binary.

use std::path::PathBuf;

use crate::exit::Exit;
use crate::judge::judge;
use crate::runner::{self, RunOptions};
use crate::script::{discover, Overrides, Scenario, ScriptError};

/// Settings of `invoice-chaos run`.
#[derive(Debug, Clone)]
pub struct RunArgs {
    /// Scripts and directories of scripts.
    pub scripts: Vec<String>,
    /// Command-line overrides of the scripts' settings.
    pub overrides: Overrides,
    /// Parent of the report directories.
    pub reports_dir: PathBuf,
    /// No progress bar.
    pub quiet: bool,
    /// Print each run's result as one JSON line on stdout.
    pub json: bool,
}

/// Loads every script, or reports every bad one; nothing runs unless all are good.
fn load_all(args: &[String], overrides: &Overrides) -> Result<Vec<Scenario>, Exit> {
    let paths = discover(args).map_err(|e| {
        eprintln!("error: {e}");
        Exit::BadInput
    })?;
    let mut scenarios = Vec::new();
    let mut errors: Vec<ScriptError> = Vec::new();
    for path in &paths {
        match Scenario::load(path) {
            Ok(mut s) => {
                s.apply(overrides);
                scenarios.push(s);
            }
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        return Ok(scenarios);
    }
    for e in &errors {
        eprintln!("error: {e}\n");
    }
    eprintln!("{} script(s) invalid; nothing was started", errors.len());
    Err(Exit::BadInput)
}

/// `invoice-chaos run`: runs each scenario in turn; the exit code is the worst outcome.
pub async fn run(args: RunArgs) -> Exit {
    let scenarios = match load_all(&args.scripts, &args.overrides) {
        Ok(s) => s,
        Err(exit) => return exit,
    };
    let opts = RunOptions {
        reports_dir: args.reports_dir.clone(),
        quiet: args.quiet,
    };
    let mut exit = Exit::Pass;
    for scenario in &scenarios {
        let out = match runner::run(scenario, &opts).await {
            Ok(out) => out,
            Err(e) => {
                eprintln!("error: {}: {e}", scenario.path);
                exit = exit.worst(Exit::HarnessError);
                continue;
            }
        };
        let judged = match judge(&out.record, &out.report_dir) {
            Ok(j) => j,
            Err(e) => {
                eprintln!(
                    "error: writing the report to {}: {e}",
                    out.report_dir.display()
                );
                exit = exit.worst(Exit::HarnessError);
                continue;
            }
        };
        if args.json {
            match crate::report::render_json(&out.record, &judged.result) {
                Ok(json) => println!("{}", json.trim_end()),
                Err(e) => {
                    eprintln!("error: {e}");
                    exit = exit.worst(Exit::HarnessError);
                }
            }
        } else {
            print!(
                "{}",
                crate::report::terminal_summary(&out.record, &judged.result, &judged.paths.dir)
            );
            println!("  files:  {}/", judged.paths.dir.display());
        }
        exit = exit.worst(judged.exit());
    }
    exit
}

/// `invoice-chaos validate`: parse and check only.
pub fn validate(scripts: &[String]) -> Exit {
    match load_all(scripts, &Overrides::default()) {
        Ok(scenarios) => {
            for s in scenarios {
                println!("ok {}: {} ({} steps)", s.path, s.name, s.steps.len());
            }
            Exit::Pass
        }
        Err(exit) => exit,
    }
}

/// `invoice-chaos list [DIR]`: each script's name and description.
pub fn list(dir: &str) -> Exit {
    let paths = match discover(&[dir.to_string()]) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return Exit::BadInput;
        }
    };
    let mut exit = Exit::Pass;
    for path in paths {
        match Scenario::load(&path) {
            Ok(s) => println!("{:<28} {}  ({path})", s.name, s.description),
            Err(e) => {
                println!("{:<28} INVALID: {e}", path);
                exit = Exit::BadInput;
            }
        }
    }
    exit
}
