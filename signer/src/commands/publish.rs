//! `signer publish` (being written).

use std::process::ExitCode;

use clap::Args;

use crate::Context;

#[derive(Debug, Args)]
pub struct PublishArgs {}

pub fn run(_ctx: &Context, _args: &PublishArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("signer publish is not built yet")
}
