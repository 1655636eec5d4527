//! A client program the `command` adapter started. It runs in a process group of
//! its own, so that stopping it reaches everything it started as well: a wrapper
//! script and the client the script runs, not the script alone. (Killing only the
//! script would leave the client running on the same state directory as the one a
//! restart starts next.)

use std::io;
use std::process::ExitStatus;
use std::time::Duration;

use tokio::process::{Child, Command};
use tokio::time::Instant;

#[cfg(unix)]
use rustix::process::{kill_process_group, test_kill_process_group, Pid, Signal};

/// How often a stop checks whether the program's group has emptied.
#[cfg(unix)]
const GROUP_POLL: Duration = Duration::from_millis(20);

/// A started client program and its process group.
#[derive(Debug)]
pub struct Program {
    child: Child,
    /// The group's id (the program's pid); `None` once everything in it is dead.
    #[cfg(unix)]
    group: Option<Pid>,
}

impl Program {
    /// Spawns `cmd` as the leader of a new process group.
    pub fn spawn(cmd: &mut Command) -> io::Result<Program> {
        #[cfg(unix)]
        cmd.process_group(0);
        // The fallback if this value is leaked instead of dropped.
        cmd.kill_on_drop(true);
        let child = cmd.spawn()?;
        #[cfg(unix)]
        let group = child
            .id()
            .and_then(|id| i32::try_from(id).ok())
            .and_then(Pid::from_raw);
        Ok(Program {
            child,
            #[cfg(unix)]
            group,
        })
    }

    /// Waits for the program itself to exit.
    pub async fn wait(&mut self) -> io::Result<ExitStatus> {
        self.child.wait().await
    }

    /// SIGKILL to the whole group at once (a crash), then reaps the program.
    pub async fn kill(&mut self) {
        self.kill_group();
        // Also covers a platform without process groups; an exited program is fine.
        if let Err(e) = self.child.kill().await {
            tracing::debug!("killing the client program: {e}");
        }
    }

    /// Asks the group to stop (SIGTERM) and gives it until `grace` has passed to
    /// exit, the program first and then anything it started; kills what is left.
    pub async fn stop(&mut self, grace: Duration) {
        let deadline = Instant::now() + grace;
        if self.terminate_group() {
            match tokio::time::timeout_at(deadline, self.child.wait()).await {
                Ok(_) => self.wait_group_empty(deadline).await,
                Err(_) => tracing::warn!(
                    "the client program did not exit within {grace:?} of SIGTERM; killing it"
                ),
            }
        }
        self.kill().await;
    }

    /// Sends SIGTERM to the group; whether it was sent.
    #[cfg(unix)]
    fn terminate_group(&self) -> bool {
        self.group
            .is_some_and(|group| match kill_process_group(group, Signal::TERM) {
                Ok(()) => true,
                Err(e) => {
                    tracing::debug!("SIGTERM to the client program's group: {e}");
                    false
                }
            })
    }

    /// Without process groups there is no SIGTERM: the program is killed.
    #[cfg(not(unix))]
    fn terminate_group(&self) -> bool {
        false
    }

    /// Waits until nothing in the group is left, or until `deadline`. Polled: the
    /// harness is not the parent of what the program started, so no exit of theirs
    /// reaches it as an event.
    #[cfg(unix)]
    async fn wait_group_empty(&mut self, deadline: Instant) {
        while let Some(group) = self.group {
            if test_kill_process_group(group).is_err() {
                self.group = None;
                return;
            }
            if Instant::now() >= deadline {
                tracing::warn!(
                    "programs the client started outlived its SIGTERM grace; killing them"
                );
                return;
            }
            tokio::time::sleep(GROUP_POLL).await;
        }
    }

    #[cfg(not(unix))]
    async fn wait_group_empty(&mut self, _deadline: Instant) {}

    #[cfg(unix)]
    fn kill_group(&mut self) {
        if let Some(group) = self.group.take() {
            // ESRCH: everything in it has exited already.
            if let Err(e) = kill_process_group(group, Signal::KILL) {
                tracing::debug!("SIGKILL to the client program's group: {e}");
            }
        }
    }

    #[cfg(not(unix))]
    fn kill_group(&mut self) {}
}

impl Drop for Program {
    /// A run that is interrupted drops its adapter: nothing it started may outlive it.
    fn drop(&mut self) {
        self.kill_group();
    }
}
