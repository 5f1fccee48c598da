//! `signer monitor` (being written).

use std::process::ExitCode;

use clap::Args;

use crate::Context;

#[derive(Debug, Args)]
pub struct MonitorArgs {}

pub fn run(_ctx: &Context, _args: &MonitorArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("signer monitor is not built yet")
}
