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
