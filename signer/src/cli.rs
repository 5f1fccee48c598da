//! The `signer` command line: the contract scripts and cron jobs call.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Signet's online DNSSEC signer.
///
/// Signs RFC 1035 zone files on all cores with NSEC or NSEC3, verifies
/// signed zones, publishes them to a hidden primary behind guardrails,
/// signs with key bundles from an offline KSK ceremony, and watches
/// expiry for cron, Nagios/Icinga and Prometheus.
///
/// Start a zone with `signer init`; later commands read its policy with
/// --config DIR/signer.toml (before or after the subcommand).
///
/// Times (TIME) are YYYYMMDDHHMMSS in UTC, unix seconds, or relative to now
/// such as +14d or -1h. Durations use the units s, m, h, d and w.
///
/// Exit status: 0 success; 1 checked and found wanting (verify, a refused
/// publish or SKR); 2 could not do the job (bad input, named by file and
/// line); publish 3: published but reload/NOTIFY failed; monitor follows
/// the Nagios plugin convention 0/1/2/3. See docs/ for the runbooks.
#[derive(Debug, Parser)]
#[command(name = "signer", version, propagate_version = true, max_term_width = 100)]
pub struct Cli {
    /// Act as if the time were TIME: every expiry decision uses this clock
    /// (for rehearsals and tests). Default: the system clock.
    #[arg(long, global = true, value_name = "TIME", allow_hyphen_values = true)]
    pub now: Option<String>,

    /// Print only errors (no warnings, no progress bar).
    #[arg(long, short, global = true)]
    pub quiet: bool,

    /// The zone's signer.toml (written by `signer init`). Its values are
    /// the defaults; flags given on the command line win.
    #[arg(long, global = true, value_name = "FILE", env = "SIGNET_CONFIG")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start a zone: write DIR/signer.toml with every policy value, and (without
    /// --trust-anchor) a software KSK and ZSK so the zone can be signed at once.
    Init(InitArgs),
    /// Make a key pair as BIND key files K<origin>+<alg>+<tag>.{key,private}.
    Keygen(KeygenArgs),
    /// Sign a zone file.
    Sign(SignArgs),
    /// Verify a signed zone file: signatures, coverage, denial chain, expiry.
    Verify(VerifyArgs),
    /// Sign, check every guardrail, and publish atomically to the hidden
    /// primary (for cron or a systemd timer). Exit 0 only when the new zone is live.
    Publish(crate::commands::publish::PublishArgs),
    /// Offline KSK: plan ZSKs for a period and write the key signing request
    /// (KSR) for the ceremony.
    Ksr(crate::commands::ksr::KsrArgs),
    /// Offline KSK: check a signed key response (SKR) from the ceremony and
    /// keep its bundles. Exit 1 when it is refused (the reason names the bundle).
    ImportSkr(crate::commands::import_skr::ImportSkrArgs),
    /// Offline KSK: the imported key bundles.
    Bundles(crate::commands::bundles::BundlesArgs),
    /// Check a zone's signatures as the world sees them, for cron, Nagios/Icinga
    /// or Prometheus: a signed zone file and/or its live servers.
    Monitor(crate::commands::monitor::MonitorArgs),
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The zone, e.g. example.
    #[arg(long, value_name = "ORIGIN")]
    pub origin: String,

    /// Directory for signer.toml, keys/, bundles/ and state/ (made if missing).
    #[arg(long, value_name = "DIR")]
    pub dir: PathBuf,

    /// Algorithm for the keys: 8, 13, 14 or 15.
    #[arg(long, short, value_name = "NUMBER", default_value_t = 13)]
    pub algorithm: u8,

    /// Offline-KSK mode: a file with the KSK's DNSKEY or DS records (copied
    /// into DIR). The zone then expects key bundles from the ceremony.
    #[arg(long, value_name = "FILE")]
    pub trust_anchor: Option<PathBuf>,

    /// The unsigned zone file.
    #[arg(long, value_name = "FILE")]
    pub zone: Option<PathBuf>,

    /// The hidden primary's zone file that `signer publish` writes.
    #[arg(long, value_name = "FILE")]
    pub publish_to: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct KeygenArgs {
    /// The zone the key is for, e.g. example.
    #[arg(long, value_name = "ORIGIN")]
    pub origin: String,

    /// 8 (RSASHA256), 13 (ECDSAP256SHA256), 14 (ECDSAP384SHA384) or 15 (ED25519).
    #[arg(long, short, value_name = "NUMBER")]
    pub algorithm: u8,

    /// RSA modulus size (algorithm 8 only): 2048 to 4096. Default 2048.
    #[arg(long, short, value_name = "N")]
    pub bits: Option<usize>,

    /// Make a key-signing key (flags 257, SEP bit set) and print its DS.
    #[arg(long)]
    pub ksk: bool,

    /// Directory to write the key files into.
    #[arg(long, short, value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct SignArgs {
    /// The unsigned zone file. Default: the config's zone.unsigned. Not
    /// with --changes, which takes the changes instead.
    #[arg(value_name = "ZONEFILE")]
    pub zonefile: Option<PathBuf>,

    /// The zone's origin, e.g. example. Default: the config's zone.origin.
    #[arg(long, value_name = "ORIGIN")]
    pub origin: Option<String>,

    /// A key to sign with: a K*.key or K*.private file or their common stem.
    /// Repeat for several keys. Flags 257 keys sign DNSKEY, CDS and CDNSKEY;
    /// flags 256 keys sign the rest; a lone 257 key signs everything.
    /// Default: every key for the zone in the config's key_dir.
    #[arg(long = "key", short = 'k', value_name = "PATH")]
    pub keys: Vec<PathBuf>,

    /// Where to write the signed zone (written to a temporary file, then renamed).
    #[arg(long, short, value_name = "OUT")]
    pub output: PathBuf,

    /// Use NSEC3 (RFC 5155) instead of NSEC.
    #[arg(long)]
    pub nsec3: bool,

    /// NSEC3 extra hash iterations (RFC 9276 recommends 0).
    #[arg(long, value_name = "N", default_value_t = 0, requires = "nsec3")]
    pub iterations: u16,

    /// NSEC3 salt in hex, or - for none (RFC 9276 recommends none).
    #[arg(long, value_name = "HEX|-", default_value = "-", requires = "nsec3")]
    pub salt: String,

    /// NSEC3 opt-out: leave unsigned delegations out of the chain.
    #[arg(long, requires = "nsec3")]
    pub opt_out: bool,

    /// Signature inception. Default: one hour before now.
    #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
    pub inception: Option<String>,

    /// Signature expiration. Default: 14 days after now (the config's
    /// signatures.validity). With --jitter, the latest expiration.
    #[arg(long, value_name = "TIME")]
    pub expiration: Option<String>,

    /// Spread expirations over this window before --expiration, per RRset
    /// and reproducibly, so a zone's signatures never all expire in the same
    /// second (when they are made again is the re-signing schedule's: see
    /// --refresh). Default: 0, or the config's signatures.jitter.
    #[arg(long, value_name = "DURATION")]
    pub jitter: Option<String>,

    /// A previous signed version of this zone: its signatures are kept where
    /// the data is unchanged, the key still signs, they stay valid longer
    /// than --refresh and their RRset's moment in the re-signing schedule has
    /// not come round (see --refresh); everything else is signed anew. Only the names that
    /// changed, and those with signatures due, are signed again; the rest of
    /// SIGNED is copied as it is (docs/incremental.md; see --no-splice).
    #[arg(long, value_name = "SIGNED")]
    pub previous: Option<PathBuf>,

    /// With --previous, instead of ZONEFILE: the changes since SIGNED was
    /// made, as lines `-RECORD` (remove) and `+RECORD` (add), the old SOA
    /// removed and the new one added (`ldns-compare-zones -a -s OLD NEW`
    /// writes this). Only the names around the changes and the signatures
    /// due are signed again; the rest of SIGNED is copied as it is. SIGNED
    /// must be a signed zone Signet wrote, whole: ending with its line
    /// `; end of zone APEX` (a copy cut short is refused). See
    /// docs/incremental.md.
    #[arg(long, value_name = "DIFF", requires = "previous", conflicts_with = "zonefile")]
    pub changes: Option<PathBuf>,

    /// With --previous and ZONEFILE: read SIGNED whole and sign every name
    /// of ZONEFILE, keeping the signatures still good, instead of signing
    /// only the names that changed (and those with signatures due) and
    /// copying the rest of SIGNED. The same zone, slower; for a SIGNED that
    /// is not Signet's own output, which is signed so anyway.
    #[arg(long, requires = "previous", conflicts_with = "changes")]
    pub no_splice: bool,

    /// With --previous: re-sign signatures that expire within this long.
    /// Each RRset is also re-signed once per cycle of validity − jitter −
    /// refresh, at a moment of its own, so runs share the work evenly
    /// (docs/signing.md, "Re-signing schedule"). Default: 5d, or the
    /// config's signatures.refresh.
    #[arg(long, value_name = "DURATION", requires = "previous")]
    pub refresh: Option<String>,

    /// Signing threads. Default: one per core.
    #[arg(long, short = 't', value_name = "N")]
    pub threads: Option<usize>,

    /// Read the written zone back and verify all of it, as `signer verify`
    /// does, before it replaces OUT; if it does not verify, OUT is left as
    /// it was, the problems are printed and the exit status is 1. The
    /// signing keys' own signatures are checked with their private halves
    /// (ECDSA P-256: same verdict, a third of the time; docs/verification.md).
    #[arg(long)]
    pub verify: bool,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The signed zone file.
    #[arg(value_name = "SIGNEDFILE")]
    pub signedfile: PathBuf,

    /// The zone's origin, e.g. example.
    #[arg(long, value_name = "ORIGIN")]
    pub origin: String,

    /// Check validity at this instant. Default: now.
    #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
    pub at: Option<String>,

    /// Fail if any signature expires before --at plus this duration, e.g. 3d.
    #[arg(long, value_name = "DURATION")]
    pub min_remaining: Option<String>,

    /// A key whose private half you hold (K*.key, K*.private or their
    /// stem; repeatable). Signatures by its DNSKEY in the zone are checked
    /// with the private half: the same verdict as with the public key, in
    /// a third of the time (ECDSA P-256 only; see docs/verification.md).
    /// Which keys the zone has, and every other check, come from the file.
    #[arg(long = "key", short = 'k', value_name = "PATH")]
    pub keys: Vec<PathBuf>,
}
