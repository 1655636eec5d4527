//! The command line teaches: help with examples and exit codes, the fault reference,
//! shell completions, and errors that name what they are about.

use crate::support::{invoice_chaos, BIN};

fn stdout_of(args: &[&str]) -> String {
    let out = invoice_chaos(args);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn every_subcommand_s_help_has_examples_and_the_verdict_commands_list_exit_codes() {
    for command in [
        "run",
        "validate",
        "check",
        "explore",
        "list",
        "faults",
        "completions",
        "merge",
    ] {
        let help = stdout_of(&[command, "--help"]);
        assert!(
            help.contains("Examples:\n  invoice-chaos "),
            "{command}: {help}"
        );
        let verdict = ["run", "check", "explore"].contains(&command);
        assert_eq!(
            help.contains("\nExit codes:\n"),
            verdict,
            "{command}: {help}"
        );
        if verdict {
            for code in ["0 ", "1 ", "2 ", "130 ", "254 ", "255 "] {
                assert!(
                    help.contains(&format!("\n  {code}")),
                    "{command}: exit {code}"
                );
            }
        }
    }
}

#[test]
fn faults_lists_every_kind_the_platform_knows_with_an_example() {
    let text = stdout_of(&["faults"]);

    for info in mock_tax_platform::faults::CATALOG {
        assert!(text.contains(&format!("\n{}\n", info.kind)) || text.starts_with(info.kind));
        assert!(text.contains(&format!("example: fault = {}", info.example)));
    }
    assert!(text.contains("at_least"), "the targeting settings");
}

#[test]
fn completions_for_each_shell_know_the_subcommands() {
    for shell in ["bash", "zsh", "fish"] {
        let script = stdout_of(&["completions", shell]);
        for command in ["run", "merge", "faults", "--shard"] {
            assert!(script.contains(command), "{shell}: {command}");
        }
    }
    let out = invoice_chaos(&["completions", "powershell-of-course"]);
    assert_eq!(out.status.code(), Some(254));
}

#[test]
fn list_where_there_is_no_scenarios_directory_says_so_instead_of_calling_it_invalid() {
    let elsewhere = tempfile::tempdir().unwrap();

    let out = std::process::Command::new(BIN)
        .arg("list")
        .current_dir(elsewhere.path())
        .output()
        .unwrap();

    assert_eq!(out.status.code(), Some(254));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("scenarios: no such directory here"),
        "{stderr}"
    );
    assert!(!String::from_utf8(out.stdout).unwrap().contains("INVALID"));
}
