//! The examples and exit codes each subcommand's `--help` ends with.

/// Exit codes of the commands that reach a verdict.
const EXIT_CODES: &str = "\
Exit codes:
  0    passed
  1    failed: an invariant broke beyond its [expect] bound
  2    inconclusive: the harness cannot vouch for the run
  130  interrupted (Ctrl-C, SIGTERM)
  254  bad input: a command-line, script or file error; nothing was started
  255  harness error";

fn with_exit_codes(examples: &str, note: &str) -> String {
    format!("Examples:\n{examples}\n\n{EXIT_CODES}\n{note}")
}

/// `run`.
pub fn run() -> String {
    with_exit_codes(
        "  invoice-chaos run scenarios/smoke.toml
  invoice-chaos run scenarios/ --client-mode naive --jobs 4
  invoice-chaos run scenarios/ --shard 2/3 --ci --junit reports/junit.xml",
        "With several scripts the worst outcome wins; a failure outranks an inconclusive run.",
    )
}

/// `check`.
pub fn check() -> String {
    with_exit_codes(
        "  invoice-chaos check --ledger ledger.jsonl --platform-url http://127.0.0.1:8080
  invoice-chaos check --ledger export.csv --column number=InvoiceNo,status=State \\
      --platform-url http://127.0.0.1:8080 --from 2025-05-01 --to 2025-05-31",
        "",
    )
}

/// `explore`.
pub fn explore() -> String {
    with_exit_codes(
        "  invoice-chaos explore scenarios/smoke.toml --client-mode naive --budget 2m
  invoice-chaos explore scenarios/smoke.toml --runs 50 --seed 7 --jobs 2",
        "Here 1 means a finding was shrunk and written under --out, and 0 that none was \
         found within the budget.",
    )
}

/// `validate`.
pub const VALIDATE: &str = "\
Examples:
  invoice-chaos validate scenarios/
  invoice-chaos validate my-script.toml
Exit codes: 0 every script is valid, 254 some are not (each named at file:line:column).";

/// `list`.
pub const LIST: &str = "\
Examples:
  invoice-chaos list
  invoice-chaos list scenarios/examples";

/// `faults`.
pub const FAULTS: &str = "\
Examples:
  invoice-chaos faults
  invoice-chaos faults | grep -A4 '^latency'";

/// `completions`.
pub const COMPLETIONS: &str = "\
Examples:
  invoice-chaos completions bash > ~/.local/share/bash-completion/completions/invoice-chaos
  invoice-chaos completions zsh > ~/.zfunc/_invoice-chaos
  invoice-chaos completions fish > ~/.config/fish/completions/invoice-chaos.fish";

/// `merge`.
pub const MERGE: &str = "\
Examples:
  invoice-chaos merge shard-1/ shard-2/ shard-3/ --out reports/
  invoice-chaos merge artifacts/*/ --out merged/
Exit codes: the worst of the parts (0 pass, 1 fail, 2 inconclusive, 130 a part was
interrupted, 255 harness error), or 254 when a directory holds no results.json.";
