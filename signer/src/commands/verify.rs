//! `signer verify` (being written).

use std::process::ExitCode;

use crate::cli::VerifyArgs;
use crate::Context;

pub fn run(_ctx: &Context, _args: &VerifyArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("signer verify is not built yet")
}
