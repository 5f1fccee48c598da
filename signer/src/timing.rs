//! Phase timings for tuning: with `SIGNET_TIMINGS=1` in the environment,
//! each phase of a long job prints how long it took to stderr, e.g.
//! `signer: timing: read 1.93 s`. Off by default, so cron logs stay clean.
//!
//! Kept as one process-wide clock rather than threaded through every
//! function: a phase ends wherever the code that ends it is, and the
//! measurements are for people tuning, not part of any result.

use std::sync::Mutex;
use std::time::Instant;

static LAST: Mutex<Option<Instant>> = Mutex::new(None);

fn enabled() -> bool {
    static ENABLED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ENABLED.get_or_init(|| std::env::var_os("SIGNET_TIMINGS").is_some_and(|v| !v.is_empty() && v != "0"))
}

/// Starts the clock (the first phase begins now).
pub fn start() {
    if enabled() {
        if let Ok(mut last) = LAST.lock() {
            *last = Some(Instant::now());
        }
    }
}

/// Ends the phase `name`: prints the time since the previous phase ended
/// (or since [`start`]) and starts the next.
pub fn phase(name: &str) {
    if !enabled() {
        return;
    }
    let now = Instant::now();
    if let Ok(mut last) = LAST.lock() {
        if let Some(previous) = last.replace(now) {
            eprintln!("signer: timing: {name} {:.3} s", (now - previous).as_secs_f64());
        }
    }
}
