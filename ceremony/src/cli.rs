//! The command line (clap) and the dispatch that wraps every command in a transcript entry.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::commands::{self, Global};
use crate::token::Selector;
use crate::transcript::{self, Event};

#[derive(Debug, Parser)]
#[command(
    name = "ceremony",
    version,
    about = "Signet key ceremony: DNSSEC KSKs on a PKCS#11 token, proven backups, a witness transcript",
    after_help = "PINs come from SIGNET_PIN / SIGNET_SO_PIN, --pin-file / --so-pin-file, or a prompt without \
                  echo; never from the command line."
)]
pub struct Cli {
    /// PKCS#11 module (shared library).
    #[arg(long, env = "SIGNET_PKCS11_MODULE", global = true)]
    pub module: Option<PathBuf>,
    /// Token label to use.
    #[arg(long, global = true, conflicts_with = "slot")]
    pub token: Option<String>,
    /// Slot number to use (instead of --token).
    #[arg(long, global = true)]
    pub slot: Option<u64>,
    /// File holding the user PIN (else SIGNET_PIN, else a prompt).
    #[arg(long, global = true)]
    pub pin_file: Option<PathBuf>,
    /// File holding the security officer PIN (else SIGNET_SO_PIN, else a prompt).
    #[arg(long, global = true)]
    pub so_pin_file: Option<PathBuf>,
    /// The ceremony transcript (JSON lines, hash-chained).
    #[arg(long, global = true, default_value = "ceremony-transcript.jsonl")]
    pub transcript: PathBuf,
    /// Skip the typed confirmations (rehearsals and scripts only).
    #[arg(long, global = true)]
    pub yes: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Tokens and their DNSSEC-relevant mechanisms.
    Token {
        #[command(subcommand)]
        what: TokenCmd,
    },
    /// Keys on the token.
    Keys {
        #[command(subcommand)]
        what: KeysCmd,
    },
    /// Generate a KSK on the token (flags 257) and print its DNSKEY, key tag and DS.
    Keygen(KeygenArgs),
    /// Print the DNSKEY, key tag and DS (SHA-256 and SHA-384) of a key on the token.
    Ds(DsArgs),
    /// Sign the DNSKEY RRset (this key plus --include'd DNSKEYs) with a key on the token.
    SignDnskey(SignDnskeyArgs),
    /// Check a key signing request (KSR), sign its bundles on the token, verify, write the SKR.
    SignKsr(crate::sign_ksr::SignKsrArgs),
    /// Backups: wrapping key split among custodians, wrapped export, verification.
    Backup {
        #[command(subcommand)]
        what: BackupCmd,
    },
    /// Rebuild the wrapping key from M shares on this token and unwrap a backed-up key into it.
    Restore(RestoreArgs),
    /// Show or verify the transcript given by --transcript.
    Transcript {
        #[command(subcommand)]
        what: TranscriptCmd,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCmd {
    /// Slots, token labels and serials, DNSSEC-relevant mechanisms.
    List,
}

#[derive(Debug, Subcommand)]
pub enum KeysCmd {
    /// Label, CKA_ID, algorithm, key tag (and DS with --zone) of every key pair.
    List {
        #[arg(long)]
        zone: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct KeygenArgs {
    #[arg(long)]
    pub zone: String,
    #[arg(long)]
    pub label: String,
    /// DNSSEC algorithm: 8 (RSASHA256), 13 (ECDSAP256SHA256), 14 (ECDSAP384SHA384), 15 (ED25519).
    #[arg(long)]
    pub algorithm: u8,
    /// RSA modulus length.
    #[arg(long, default_value_t = 2048, value_parser = parse_bits)]
    pub bits: u32,
    /// Make the private key non-extractable even under a trusted wrapping key (no wrapped backup
    /// possible; use the token's own backup scheme, e.g. SmartCard-HSM DKEK).
    #[arg(long)]
    pub no_backup: bool,
}

#[derive(Debug, Args)]
pub struct DsArgs {
    #[arg(long)]
    pub zone: String,
    #[arg(long)]
    pub label: String,
    /// Also write the DNSKEY RR (BIND .key style) to this file.
    #[arg(long)]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct SignDnskeyArgs {
    #[arg(long)]
    pub zone: String,
    #[arg(long)]
    pub label: String,
    /// File(s) with further DNSKEY RRs (e.g. the ZSKs) to include in the RRset.
    #[arg(long)]
    pub include: Vec<PathBuf>,
    #[arg(long, default_value_t = 3600)]
    pub ttl: u32,
    /// Signature inception: YYYYMMDDHHMMSS or seconds since the epoch (default: now - 1 hour).
    #[arg(long)]
    pub inception: Option<String>,
    /// Signature expiration: YYYYMMDDHHMMSS or seconds since the epoch (default: inception + 30 days).
    #[arg(long)]
    pub expiration: Option<String>,
    /// Where to write the signed DNSKEY RRset.
    #[arg(long)]
    pub output: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum BackupCmd {
    /// New AES wrapping key on the token (as the security officer), split into N custodian share files.
    SplitKey {
        #[arg(long)]
        shares: usize,
        #[arg(long)]
        threshold: usize,
        #[arg(long)]
        out_dir: PathBuf,
        #[arg(long, default_value = crate::backup::wrap::DEFAULT_WRAP_LABEL)]
        wrap_label: String,
    },
    /// Export the key, wrapped (CKM_AES_KEY_WRAP_PAD) under the wrapping key.
    Export {
        #[arg(long)]
        label: String,
        #[arg(long)]
        output: PathBuf,
        #[arg(long, default_value = crate::backup::wrap::DEFAULT_WRAP_LABEL)]
        wrap_label: String,
    },
    /// Prove the token's key is the one in FILE: sign a fresh challenge and verify it.
    Verify {
        #[arg(long)]
        zone: String,
        #[arg(long)]
        label: String,
        /// A BIND .key file or any file of DNSKEY RRs.
        #[arg(long)]
        dnskey: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The key backup file written by `backup export`.
    #[arg(long)]
    pub input: PathBuf,
    /// A custodian share file; give at least the threshold number.
    #[arg(long = "share", required = true)]
    pub shares: Vec<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum TranscriptCmd {
    /// Print the entries (after checking the chain).
    Show,
    /// Check the hash chain; with --expect-head, also that it ends at the witnessed hash.
    Verify {
        #[arg(long)]
        expect_head: Option<String>,
    },
}

fn parse_bits(s: &str) -> Result<u32, String> {
    match s {
        "2048" | "3072" | "4096" => Ok(s.parse().expect("digits")),
        _ => Err("RSA key size must be 2048, 3072 or 4096".into()),
    }
}

impl Cli {
    fn global(&self) -> Global {
        Global {
            module: self.module.clone().unwrap_or_else(crate::token::default_module),
            selector: match (&self.token, self.slot) {
                (Some(l), _) => Selector::Label(l.clone()),
                (None, Some(s)) => Selector::Slot(s),
                (None, None) => Selector::Only,
            },
            pin_file: self.pin_file.clone(),
            so_pin_file: self.so_pin_file.clone(),
            transcript: self.transcript.clone(),
            yes: self.yes,
        }
    }
}

fn command_name(c: &Command) -> &'static str {
    match c {
        Command::Token { .. } => "token list",
        Command::Keys { .. } => "keys list",
        Command::Keygen(_) => "keygen",
        Command::Ds(_) => "ds",
        Command::SignDnskey(_) => "sign-dnskey",
        Command::SignKsr(_) => "sign-ksr",
        Command::Backup { what } => match what {
            BackupCmd::SplitKey { .. } => "backup split-key",
            BackupCmd::Export { .. } => "backup export",
            BackupCmd::Verify { .. } => "backup verify",
        },
        Command::Restore(_) => "restore",
        Command::Transcript { what } => match what {
            TranscriptCmd::Show => "transcript show",
            TranscriptCmd::Verify { .. } => "transcript verify",
        },
    }
}

/// Runs the parsed command line. Every command except `transcript show/verify` (which only read
/// the transcript) appends one entry, whether it succeeded or failed.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    let g = cli.global();
    if let Command::Transcript { what } = &cli.command {
        return match what {
            TranscriptCmd::Show => commands::transcript_show(&g),
            TranscriptCmd::Verify { expect_head } => commands::transcript_verify(&g, expect_head.as_deref()),
        };
    }
    // Before touching any token: the transcript must be intact and writable, so that no change
    // goes unrecorded.
    transcript::preflight(&g.transcript)?;
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut ev = Event::new(command_name(&cli.command), args);
    let result = match &cli.command {
        Command::Token { what: TokenCmd::List } => commands::token_list(&g, &mut ev),
        Command::Keys {
            what: KeysCmd::List { zone },
        } => commands::keys_list(&g, &mut ev, zone.as_deref()),
        Command::Keygen(a) => commands::keygen(&g, &mut ev, a),
        Command::Ds(a) => commands::ds(&g, &mut ev, a),
        Command::SignDnskey(a) => commands::sign_dnskey(&g, &mut ev, a),
        Command::SignKsr(a) => crate::sign_ksr::run(&g, &mut ev, a),
        Command::Backup { what } => match what {
            BackupCmd::SplitKey {
                shares,
                threshold,
                out_dir,
                wrap_label,
            } => commands::split_key(&g, &mut ev, *shares, *threshold, out_dir, wrap_label),
            BackupCmd::Export {
                label,
                output,
                wrap_label,
            } => commands::export(&g, &mut ev, label, output, wrap_label),
            BackupCmd::Verify { zone, label, dnskey } => commands::backup_verify(&g, &mut ev, zone, label, dnskey),
        },
        Command::Restore(a) => commands::restore(&g, &mut ev, a),
        Command::Transcript { .. } => unreachable!("handled above"),
    };
    let outcome = result.as_ref().map(|_| ()).map_err(|e| format!("{e:#}"));
    match transcript::append(&g.transcript, &ev, outcome) {
        Ok(head) => eprintln!(
            "transcript {} entry #{} ({}), hash:\n  {}",
            g.transcript.display(),
            head.seq,
            if result.is_ok() { "ok" } else { "FAILED" },
            crate::pgpwords::show(&head.hash)
        ),
        Err(e) => {
            eprintln!("error: could not record this command in the transcript: {e}");
            if result.is_ok() {
                return Err(e.into());
            }
        }
    }
    result
}
