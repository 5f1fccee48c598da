//! # signer — Signet's online DNSSEC signer
//!
//! The binary is a thin layer over these modules:
//!
//! * [`config`] — the zone's `signer.toml` policy;
//! * [`bundles`] — offline-KSK mode: ZSK planning, KSRs, SKR import, bundle selection;
//! * [`keys`] — BIND/ldns key files, loading and generating keys;
//! * [`zone`] — an unsigned zone loaded, checked and sorted canonically;
//! * [`signing`] — RRSIGs in parallel, NSEC and NSEC3 chains;
//! * [`output`] — atomic writing of zone files;
//! * [`sort`] — sorting millions of records by index, on all cores;
//! * [`timing`] — phase timings for tuning (`SIGNET_TIMINGS=1`);
//! * [`verify`] — checking a signed zone independently of how it was made;
//! * [`monitor`] — what the world sees: the zone file and live servers, for monitoring;
//! * [`commands`] — one module per subcommand, the glue to the CLI.

pub mod bundles;
pub mod changes;
pub mod cli;
pub mod commands;
pub mod config;
pub mod guardrails;
pub mod keys;
pub mod monitor;
pub mod output;
pub mod progress;
pub mod publish;
pub mod signing;
pub mod sort;
pub mod timing;
pub mod verify;
pub mod zone;

use anyhow::Context as _;

/// What every command needs besides its own arguments.
#[derive(Debug, Clone)]
pub struct Context {
    /// "Now", in unix seconds: from `--now` or the system clock, read once.
    pub now: i64,
    /// Print only errors.
    pub quiet: bool,
    /// The zone's configuration, when `--config` was given.
    pub config: Option<config::Config>,
}

impl Context {
    pub fn from_cli(cli: &cli::Cli) -> anyhow::Result<Context> {
        let system = keybundles::time::system_now();
        let now = match &cli.now {
            Some(text) => keybundles::time::parse_time(text, system).context("--now")?,
            None => system,
        };
        let config = match &cli.config {
            Some(path) => Some(config::Config::load(path)?),
            None => None,
        };
        Ok(Context {
            now,
            quiet: cli.quiet,
            config,
        })
    }

    /// Prints a warning unless `--quiet`.
    pub fn warn(&self, message: impl std::fmt::Display) {
        if !self.quiet {
            crate::progress::eprint_line(&format!("signer: warning: {message}"));
        }
    }
}
