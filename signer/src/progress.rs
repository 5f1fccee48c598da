//! What a long job is doing, on one line of a terminal: a bar where there
//! is a count to show ([`bar`]), a spinner naming the step where there is
//! none, like reading or verifying a zone ([`Steps`]). Nothing is drawn
//! with `--quiet` or when stderr is not a terminal, so cron and CI logs
//! stay clean; warnings printed meanwhile go above the line
//! ([`eprint_line`]) instead of through it.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// The line being drawn, if any: what [`eprint_line`] prints above.
static DRAWN: Mutex<Option<ProgressBar>> = Mutex::new(None);

fn drawing(bar: &ProgressBar) {
    if let Ok(mut drawn) = DRAWN.lock() {
        *drawn = Some(bar.clone());
    }
}

/// Prints `line` on stderr, above the progress line if one is drawn.
pub fn eprint_line(line: &str) {
    let drawn = DRAWN.lock().ok().and_then(|drawn| drawn.clone());
    match drawn {
        Some(bar) if !bar.is_finished() => bar.suspend(|| eprintln!("{line}")),
        _ => eprintln!("{line}"),
    }
}

/// A progress bar for `len` steps of `what`; hidden when `quiet` or when
/// stderr is not a terminal (indicatif checks that itself).
pub fn bar(len: u64, what: &str, quiet: bool) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    let style = ProgressStyle::with_template("{msg:>12} [{bar:40}] {human_pos}/{human_len} {per_sec} eta {eta}")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
    bar.set_style(style);
    bar.set_message(what.to_string());
    drawing(&bar);
    bar
}

/// The step a job is at, as a spinner with the step's name and the time
/// spent in it: a TLD's zone takes seconds to read and verify, and a
/// silent terminal for that long looks hung. The line is cleared when the
/// next step starts, at [`Steps::done`], or when this is dropped.
pub struct Steps {
    quiet: bool,
    spinner: Option<ProgressBar>,
}

impl Steps {
    pub fn new(quiet: bool) -> Steps {
        Steps { quiet, spinner: None }
    }

    /// Steps showing `what` at once (a job of one step).
    pub fn one(what: impl Into<String>, quiet: bool) -> Steps {
        let mut steps = Steps::new(quiet);
        steps.start(what);
        steps
    }

    /// Shows `what` as the step under way; the one before is done.
    pub fn start(&mut self, what: impl Into<String>) {
        self.done();
        if self.quiet || !std::io::stderr().is_terminal() {
            return;
        }
        let spinner = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_spinner());
        spinner.set_style(style);
        spinner.set_message(what.into());
        spinner.enable_steady_tick(Duration::from_millis(120));
        drawing(&spinner);
        self.spinner = Some(spinner);
    }

    /// Clears the line: the step is over.
    pub fn done(&mut self) {
        if let Some(spinner) = self.spinner.take() {
            spinner.finish_and_clear();
        }
    }
}

impl Drop for Steps {
    fn drop(&mut self) {
        self.done();
    }
}
