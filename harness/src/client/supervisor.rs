//! The client program's supervisor: a second, tiny process of the harness binary
//! (`invoice-chaos __supervise-client`) that starts the program and makes sure it
//! never outlives the harness.
//!
//! Why a process and not a parent-death signal: `prctl(PR_SET_PDEATHSIG)` must run
//! in the child between `fork` and `exec`, which only the unsafe `pre_exec` hook
//! allows (the workspace forbids unsafe code); it exists on Linux and FreeBSD only;
//! and it would reach one process, not a wrapper script's children. Instead the
//! harness keeps the write end of the supervisor's stdin. The kernel closes it when
//! the harness exits by any means, `kill -9` included, and the supervisor reads end
//! of file: it stops the program's whole process group (SIGTERM, then SIGKILL after a
//! grace period) and removes the client's state directory, which the harness can no
//! longer remove itself.
//!
//! The protocol is one word a line. On stdin, from the harness: `kill` (a crash:
//! SIGKILL to the group now) or `stop` (SIGTERM, then SIGKILL after the grace). On
//! stdout, to the harness: `exited code <n>` or `exited signal <n>` once the program
//! itself has exited. The supervisor runs in
//! a process group of its own and puts the program in another, so a terminal's
//! Ctrl-C or a signal to the program's group never reaches the supervisor.

use std::io::{BufRead, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::PathBuf;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use rustix::process::{kill_process_group, test_kill_process_group, Pid, Signal};

/// The hidden subcommand the harness starts its own binary with.
pub(crate) const SUBCOMMAND: &str = "__supervise-client";

/// How often a stop checks whether the program's group has emptied.
const GROUP_POLL: Duration = Duration::from_millis(20);

/// What the supervisor is told to run.
#[derive(Debug, Clone)]
pub struct SuperviseArgs {
    /// Program and arguments.
    pub argv: Vec<String>,
    /// Removed when the harness is gone (never on `kill` or `stop`: a restart reuses it).
    pub state_dir: Option<PathBuf>,
    /// How long the group gets after SIGTERM.
    pub grace: Duration,
}

enum Event {
    Exited(ExitStatus),
    Kill,
    Stop,
    HarnessGone,
}

/// Runs the program until it exits or the harness says otherwise; returns the
/// supervisor's exit code (0, or 1 when the program could not be started).
pub fn supervise(args: SuperviseArgs) -> u8 {
    let Some((program, rest)) = args.argv.split_first() else {
        eprintln!("invoice-chaos supervisor: no program to run");
        return 1;
    };
    // The program writes where the supervisor's stderr goes (the client log), never
    // into the supervisor's stdout, which is the harness's line.
    let log = |fd: std::io::Result<OwnedFd>| fd.map_or_else(|_| Stdio::null(), Stdio::from);
    let mut child = match Command::new(program)
        .args(rest)
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(log(std::io::stderr().as_fd().try_clone_to_owned()))
        .stderr(log(std::io::stderr().as_fd().try_clone_to_owned()))
        .spawn()
    {
        Ok(c) => c,
        Err(e) => {
            eprintln!("invoice-chaos supervisor: cannot start {program}: {e}");
            return 1;
        }
    };
    let group = Pid::from_child(&child);

    let (tx, rx) = mpsc::channel();
    let exits = tx.clone();
    std::thread::spawn(move || {
        if let Ok(status) = child.wait() {
            let _ = exits.send(Event::Exited(status));
        }
    });
    std::thread::spawn(move || listen(&tx));

    let (gone, exited) = match rx.recv() {
        Ok(Event::Exited(status)) => {
            report(status);
            signal(group, Signal::KILL);
            (false, true)
        }
        Ok(Event::Kill) => {
            signal(group, Signal::KILL);
            (false, false)
        }
        Ok(Event::Stop) => (false, false),
        Ok(Event::HarnessGone) | Err(_) => (true, false),
    };
    if !exited {
        stop(group, &rx, args.grace);
    }
    if gone {
        if let Some(dir) = &args.state_dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
    0
}

/// Reads the harness's commands until end of file.
fn listen(tx: &mpsc::Sender<Event>) {
    for line in std::io::stdin().lock().lines() {
        let event = match line.as_deref().map(str::trim) {
            Ok("kill") => Event::Kill,
            Ok("stop") => Event::Stop,
            Ok(_) => continue,
            Err(_) => break,
        };
        if tx.send(event).is_err() {
            return;
        }
    }
    let _ = tx.send(Event::HarnessGone);
}

/// SIGTERM to the group, until `grace` for the program and then the rest of the
/// group to exit, SIGKILL to whatever is left.
fn stop(group: Pid, rx: &mpsc::Receiver<Event>, grace: Duration) {
    let deadline = crate::later::later(grace);
    signal(group, Signal::TERM);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(Event::Exited(status)) => {
                report(status);
                break;
            }
            Ok(_) => {}
            Err(_) => break,
        }
    }
    while test_kill_process_group(group).is_ok() && Instant::now() < deadline {
        std::thread::sleep(GROUP_POLL);
    }
    signal(group, Signal::KILL);
}

fn signal(group: Pid, sig: Signal) {
    // ESRCH: everything in the group has exited already.
    let _ = kill_process_group(group, sig);
}

fn report(status: ExitStatus) {
    match (status.code(), status.signal()) {
        (Some(code), _) => tell(&format!("exited code {code}")),
        (None, Some(sig)) => tell(&format!("exited signal {sig}")),
        (None, None) => tell("exited"),
    }
}

/// One line to the harness; a harness that is gone no longer reads.
fn tell(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}
