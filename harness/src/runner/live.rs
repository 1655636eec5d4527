//! What a `--jobs` run shows while scenarios run side by side: one line per finished
//! scenario on stdout, and below them one live line on stderr naming what is running.
//! The live line is drawn only on a terminal and never with `--quiet`.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// The live line and what it names.
pub struct Live {
    bar: ProgressBar,
    running: BTreeMap<usize, String>,
    finished: usize,
    total: usize,
}

impl Live {
    /// A live line for `total` scenarios, hidden when `quiet` or stderr is no terminal.
    pub fn new(total: usize, quiet: bool) -> Live {
        let bar = if quiet || !std::io::stderr().is_terminal() {
            ProgressBar::hidden()
        } else {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            if let Ok(style) = ProgressStyle::with_template("{spinner} {elapsed_precise} {msg}") {
                bar.set_style(style);
            }
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        };
        let live = Live {
            bar,
            running: BTreeMap::new(),
            finished: 0,
            total,
        };
        live.redraw();
        live
    }

    /// A scenario started.
    pub fn started(&mut self, index: usize, name: &str) {
        self.running.insert(index, name.to_string());
        self.redraw();
    }

    /// A scenario finished: `line` goes above the live line, which no longer names it.
    pub fn finished(&mut self, index: usize, line: &str) {
        self.running.remove(&index);
        self.finished += 1;
        self.bar.suspend(|| crate::say!("{line}"));
        self.redraw();
    }

    /// Prints `text` on stderr above the live line.
    pub fn note(&self, text: &str) {
        self.bar.suspend(|| eprintln!("{text}"));
    }

    fn redraw(&self) {
        let names: Vec<&str> = self.running.values().map(String::as_str).collect();
        self.bar.set_message(format!(
            "{}/{} done · running: {}",
            self.finished,
            self.total,
            names.join(", ")
        ));
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}
