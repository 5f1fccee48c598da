//! One module per subcommand: argument handling and reporting only; the
//! work is done by the library modules.

pub mod bundles;
pub mod import_skr;
pub mod init;
pub mod keygen;
pub mod ksr;
pub mod monitor;
pub mod publish;
pub mod sign;
pub mod verify;

use anyhow::Context as _;
use keybundles::Name;

/// Loads every key named by `--key`, naming the one that fails.
pub fn load_keys(paths: &[std::path::PathBuf]) -> anyhow::Result<Vec<crate::keys::ZoneKey>> {
    paths
        .iter()
        .map(|path| crate::keys::load(path).with_context(|| format!("loading key {}", path.display())))
        .collect()
}

/// Parses an --origin value: `example`, `example.` and `.` all name an
/// absolute origin (operators usually leave the final dot off).
pub fn parse_origin(text: &str) -> anyhow::Result<Name> {
    let absolute = if text.ends_with('.') {
        text.to_string()
    } else {
        format!("{text}.")
    };
    Name::parse(&absolute, None)
        .map(|n| n.to_lowercase())
        .with_context(|| format!("--origin '{text}'"))
}
