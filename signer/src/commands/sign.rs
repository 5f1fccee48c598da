//! `signer sign`: sign a zone file with key files.

use std::cell::RefCell;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{bail, Context as _};
use data_encoding::HEXLOWER_PERMISSIVE;
use keybundles::crypto::KeyedVerifier;
use keybundles::nsec3::Nsec3Params;
use keybundles::time::{format_human, parse_duration, parse_time};
use keybundles::Name;

use super::parse_origin;
use crate::cli::SignArgs;
use crate::config::{DenialMode, KeyMode};
use crate::output::{write_atomically_checked, FileMode};
use crate::signing::{
    sign_zone_streaming_with_key_set, Denial, Emitted, PreviousSignatures, Schedule, SignError, SigningPolicy,
    SigningStats,
};
use crate::zone::LoadOptions;
use crate::{changes, keys, progress, verify, zone, Context};

/// Default signature validity: 14 days from now.
const DEFAULT_VALIDITY: i64 = 14 * 86400;
/// Default inception backdating: one hour, for clocks a little behind.
const DEFAULT_BACKDATE: i64 = 3600;
/// Default refresh threshold for --previous: re-sign what expires within 5 days.
const DEFAULT_REFRESH: i64 = 5 * 86400;

/// Reads a previous signed zone for signature reuse.
fn load_previous(
    path: &std::path::Path,
    origin: &keybundles::Name,
    now: i64,
    refresh: i64,
    schedule: Schedule,
) -> anyhow::Result<PreviousSignatures> {
    let read = zone::read_records_unlocated(path, origin)?;
    Ok(PreviousSignatures::new(read.records, origin, now, refresh, schedule))
}

pub fn run(ctx: &Context, args: &SignArgs) -> anyhow::Result<ExitCode> {
    // One signing run per process: size rayon's global pool (0 = one per
    // core) before anything parallel runs. Loading the zone sorts in
    // parallel and would otherwise start the pool at its default size.
    rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.unwrap_or(0))
        .build_global()
        .context("starting the signing threads")?;
    let config = ctx.config.as_ref();
    let origin = match (&args.origin, config) {
        (Some(text), _) => parse_origin(text)?,
        (None, Some(config)) => config.origin.clone(),
        (None, None) => bail!("give --origin, or --config with the zone's signer.toml"),
    };
    let mut policy = policy_from_args(ctx, args)?;
    let refresh = match (&args.refresh, config) {
        (Some(text), _) => parse_duration(text).context("--refresh")?,
        (None, Some(config)) => config.signatures.refresh,
        (None, None) => DEFAULT_REFRESH,
    };
    // From the policy as asked for: a key bundle's cap below shortens
    // only the signatures made near its end, not the cycle.
    let schedule = Schedule::new(policy.expiration - ctx.now, policy.jitter, refresh, policy.inception);
    // Offline-KSK mode: the DNSKEY/CDS/CDNSKEY RRsets and their signatures
    // come from the key bundle in force now; the plan's active ZSKs sign
    // the rest, and no signature may outlive the bundles publishing them.
    let mut key_set = None;
    let keys = if let Some(config) = config.filter(|c| c.keys.mode == KeyMode::OfflineKsk) {
        if !args.keys.is_empty() {
            bail!(
                "{}: offline-KSK mode signs with the key bundles' ZSKs; --key is not allowed",
                config.path.display()
            );
        }
        let set = crate::bundles::signing::key_set_at(config, ctx.now)?;
        if let Some(note) = crate::bundles::signing::cap_expiration(&mut policy, set.published_until, ctx.now)? {
            ctx.warn(note);
        }
        if !ctx.quiet {
            eprintln!("signer: offline KSK: using {}", set.bundle);
        }
        key_set = Some(set.records);
        set.zsks
    } else if !args.keys.is_empty() {
        super::load_keys(&args.keys)?
    } else if let Some(config) = config {
        let dir = &config.keys.key_dir;
        let found = keys::load_dir(dir, &origin).with_context(|| format!("loading the keys in {}", dir.display()))?;
        if found.is_empty() {
            bail!(
                "no keys for {origin} in {}; make them with `signer init` or `signer keygen`",
                dir.display()
            );
        }
        found
    } else {
        bail!("give --key (repeat for several keys), or --config with a key_dir");
    };

    let mut warn = |message: String| ctx.warn(message);
    crate::timing::start();
    let _random = if keys.iter().any(|k| k.signing.draws_from_aws_lc_random()) {
        keybundles::crypto::RandomWarmUp::start()
    } else {
        keybundles::crypto::RandomWarmUp::none()
    };
    let verification = args
        .verify
        .then(|| OutputVerification::new(&origin, &keys, &policy, ctx.now, ctx.quiet));
    let check = |written: &Path| match &verification {
        Some(verification) => verification.check(written),
        None => Ok(()),
    };
    let request = args.previous.as_deref().map(|previous| changes::Request {
        previous,
        output: &args.output,
        apex: &origin,
        keys: &keys,
        key_set: key_set.as_deref(),
        policy: &policy,
        now: ctx.now,
        refresh,
        schedule,
        quiet: ctx.quiet,
        check: Some(&check),
    });
    if let (Some(changes), Some(request)) = (&args.changes, &request) {
        let started = std::time::Instant::now();
        let resigned = changes::resign(request, changes, &mut warn);
        if let Some(refused) = verification.as_ref().and_then(OutputVerification::take_refused) {
            return Ok(refuse(&refused, &args.output, args.previous.as_deref()));
        }
        report_resigned(ctx, args, &origin, &resigned?, started);
        return Ok(ExitCode::SUCCESS);
    }
    let zonefile = match (&args.zonefile, config.and_then(|c| c.zone.unsigned.as_ref())) {
        (Some(path), _) => path.clone(),
        (None, Some(path)) => path.clone(),
        (None, None) => bail!("give the zone file, or --config whose [zone] names `unsigned`"),
    };
    // With --previous, only the names that changed (and those with
    // signatures due) are signed again and spliced into the previous zone,
    // unless that cannot give the zone a whole signing gives. The previous
    // zone is mapped and indexed while the new one is read.
    let previous_text = request
        .as_ref()
        .filter(|_| !args.no_splice)
        .map(changes::PreviousText::start);
    let mut step = progress::Steps::one(format!("reading {}", zonefile.display()), ctx.quiet);
    let zone = zone::load(&zonefile, &origin, &LoadOptions::default(), &mut warn)?;
    step.done();
    if let (Some(request), Some(previous_text)) = (&request, previous_text) {
        let started = std::time::Instant::now();
        let resigned = changes::resign_zone(request, &zone, &zonefile, previous_text, &mut warn);
        if let Some(refused) = verification.as_ref().and_then(OutputVerification::take_refused) {
            return Ok(refuse(&refused, &args.output, args.previous.as_deref()));
        }
        match resigned? {
            Ok(report) => {
                report_resigned(ctx, args, &origin, &report, started);
                return Ok(ExitCode::SUCCESS);
            }
            Err(changes::signed_text::NotSpliceable(reason)) => {
                if !ctx.quiet {
                    eprintln!("signer: signing the whole zone, keeping the previous signatures still good: {reason}");
                }
            }
        }
    }
    let previous = match &args.previous {
        Some(path) => {
            let previous = load_previous(path, &origin, ctx.now, refresh, schedule)?;
            crate::timing::phase("read previous");
            Some(previous)
        }
        None => None,
    };
    let started = std::time::Instant::now();
    let bar = progress::bar(0, "signing", ctx.quiet);
    // Sign straight into the output file, chunk by chunk, in order: the
    // signed zone is never held whole in memory. A signing error aborts
    // the write, so no partial output is ever renamed into place.
    let mut outcome: Option<Result<SigningStats, SignError>> = None;
    let written = write_atomically_checked(
        &args.output,
        FileMode::Public,
        |w| {
            let result = sign_zone_streaming_with_key_set(
                zone,
                &keys,
                key_set.as_deref(),
                &policy,
                previous.as_ref(),
                &bar,
                &mut warn,
                render_records,
                |text| w.write_all(text.as_bytes()).map_err(SignError::Io),
            );
            let io_result = match &result {
                Ok(_) => w.write_all(crate::zone::end_line::line(&origin).as_bytes()),
                Err(err) => Err(std::io::Error::other(err.to_string())),
            };
            outcome = Some(result);
            io_result
        },
        Some(&check),
    );
    crate::timing::phase("sign and write");
    if let Some(refused) = verification.as_ref().and_then(OutputVerification::take_refused) {
        return Ok(refuse(&refused, &args.output, args.previous.as_deref()));
    }
    let signed = match outcome {
        Some(Err(err)) => return Err(err.into()),
        Some(Ok(stats)) => {
            written.with_context(|| format!("writing {}", args.output.display()))?;
            stats
        }
        None => {
            written.with_context(|| format!("writing {}", args.output.display()))?;
            bail!("{} was not written", args.output.display());
        }
    };
    if !ctx.quiet && previous.is_some() {
        eprintln!(
            "signer: kept {} signatures from {}, made {}",
            signed.reused,
            args.previous
                .as_deref()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            signed.signatures - signed.reused
        );
    }
    if !ctx.quiet {
        eprintln!(
            "signer: signed {} with {} signatures in {:.1} s ({} thread{}); signatures valid {} to {}; wrote {}{}",
            origin,
            signed.signatures,
            started.elapsed().as_secs_f64(),
            rayon::current_num_threads(),
            if rayon::current_num_threads() == 1 { "" } else { "s" },
            format_human(policy.inception),
            format_human(policy.expiration),
            args.output.display(),
            verified_note(args.verify),
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The line a re-signing from --previous ends with.
fn report_resigned(
    ctx: &Context,
    args: &SignArgs,
    origin: &Name,
    report: &changes::Report,
    started: std::time::Instant,
) {
    if ctx.quiet {
        return;
    }
    let how = match &report.method {
        changes::Method::Spliced { names, of, due: 0 } => format!("re-signed {names} of {of} names around the changes"),
        changes::Method::Spliced { names, of, due } => {
            format!("re-signed {names} of {of} names around the changes and the {due} with signatures due")
        }
        changes::Method::Whole { reason } => format!("re-signed the whole zone ({reason})"),
    };
    eprintln!(
        "signer: {} serial {}: {how}; kept {} signatures from {}, made {}, in {:.1} s; wrote {}{}",
        origin,
        report.serial,
        report.kept,
        args.previous
            .as_deref()
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
        report.signatures - report.kept,
        started.elapsed().as_secs_f64(),
        args.output.display(),
        verified_note(args.verify),
    );
}

/// `signer sign --verify`: the written zone, read back and verified whole
/// before it replaces OUT, as `dnssec-signzone` does by default.
struct OutputVerification<'a> {
    origin: &'a Name,
    options: verify::Options,
    /// The signing keys' private halves (see [`crate::keys::keyed_verifiers`]).
    held_keys: Vec<KeyedVerifier>,
    /// The report on a written zone that did not verify.
    refused: RefCell<Option<verify::Report>>,
    /// No progress shown (`--quiet`).
    quiet: bool,
}

impl<'a> OutputVerification<'a> {
    fn new(origin: &'a Name, keys: &[keys::ZoneKey], policy: &SigningPolicy, now: i64, quiet: bool) -> Self {
        OutputVerification {
            origin,
            options: verify::Options {
                // A zone signed ahead of time is checked as of its inception.
                at: now.max(policy.inception),
                min_remaining: None,
            },
            held_keys: keys::keyed_verifiers(keys),
            refused: RefCell::new(None),
            quiet,
        }
    }

    /// An [`crate::output::Check`]: fails, keeping the report, unless the
    /// written zone verifies.
    fn check(&self, written: &Path) -> std::io::Result<()> {
        let _step = progress::Steps::one("verifying the written zone", self.quiet);
        let (report, _warnings) = verify::verify_file(written, self.origin, &self.options, &self.held_keys)
            .map_err(|e| std::io::Error::other(format!("reading the written zone back to verify it: {e}")))?;
        crate::timing::phase("verify");
        if report.is_ok() {
            return Ok(());
        }
        let count = report.failures.len();
        *self.refused.borrow_mut() = Some(report);
        Err(std::io::Error::other(format!("the signed zone has {count} problems")))
    }

    fn take_refused(&self) -> Option<verify::Report> {
        self.refused.borrow_mut().take()
    }
}

/// The end of the last line `signer sign` prints.
fn verified_note(verified: bool) -> &'static str {
    if verified {
        ", verified whole first"
    } else {
        ""
    }
}

/// What `--verify` says when the signed zone does not verify: the problems,
/// on stdout as `signer verify` prints them, and exit status 1. With
/// `--previous`, a failing signature may be one kept from that file, which
/// every run would keep again until it came due: the way out is named.
fn refuse(report: &verify::Report, output: &Path, previous: Option<&Path>) -> ExitCode {
    super::verify::print_failures(report);
    eprintln!(
        "signer: the signed zone does not verify; {} was left as it was",
        output.display()
    );
    if let Some(previous) = previous {
        eprintln!(
            "signer: if a failing signature was kept from {}, that file changed after it was signed (a damaged \
             disk, a hand edit); each run with --previous would keep it again. Sign once from the whole zone file, \
             without --previous, to make every signature anew",
            previous.display()
        );
    }
    ExitCode::from(1)
}

fn policy_from_args(ctx: &Context, args: &SignArgs) -> anyhow::Result<SigningPolicy> {
    let config = ctx.config.as_ref();
    let signatures = config.map(|c| &c.signatures);
    let inception = match &args.inception {
        Some(text) => parse_time(text, ctx.now).context("--inception")?,
        None => ctx.now - signatures.map_or(DEFAULT_BACKDATE, |s| s.inception_offset),
    };
    let expiration = match &args.expiration {
        Some(text) => parse_time(text, ctx.now).context("--expiration")?,
        None => ctx.now + signatures.map_or(DEFAULT_VALIDITY, |s| s.validity),
    };
    let jitter = match &args.jitter {
        Some(text) => parse_duration(text).context("--jitter")?,
        None => signatures.map_or(0, |s| s.jitter),
    };
    if expiration <= ctx.now {
        bail!(
            "--expiration {} is not in the future (now is {})",
            format_human(expiration),
            format_human(ctx.now)
        );
    }
    // The config's [denial] applies unless NSEC3 is asked for on the command line.
    let from_config = config
        .filter(|c| !args.nsec3 && c.denial.mode == DenialMode::Nsec3)
        .map(|c| &c.denial);
    let (nsec3, iterations, salt_text, opt_out) = match from_config {
        Some(d) => (true, d.nsec3_iterations, d.nsec3_salt.as_str(), d.nsec3_opt_out),
        None => (args.nsec3, args.iterations, args.salt.as_str(), args.opt_out),
    };
    let denial = if nsec3 {
        let salt = if salt_text == "-" {
            Vec::new()
        } else {
            HEXLOWER_PERMISSIVE
                .decode(salt_text.as_bytes())
                .with_context(|| format!("NSEC3 salt '{salt_text}' is not hex"))?
        };
        if salt.len() > 255 {
            bail!("the NSEC3 salt is {} octets; at most 255 fit", salt.len());
        }
        if iterations > 0 || !salt.is_empty() {
            ctx.warn("RFC 9276 recommends 0 extra NSEC3 iterations and no salt; many resolvers treat high iteration counts as insecure");
        }
        Denial::Nsec3 {
            params: Nsec3Params {
                algorithm: keybundles::nsec3::HASH_SHA1,
                iterations,
                salt,
            },
            opt_out,
        }
    } else {
        Denial::Nsec
    };
    if jitter < 0 || expiration - jitter <= inception {
        bail!(
            "--jitter {} leaves no validity after inception",
            keybundles::time::format_duration(jitter)
        );
    }
    Ok(SigningPolicy {
        inception,
        expiration,
        jitter,
        denial,
    })
}

/// Records in presentation form, one per line (runs on the signing threads).
pub fn render_records(records: Vec<Emitted<'_>>) -> String {
    let mut text = String::with_capacity(records.len() * 120);
    for record in &records {
        record.write_text(&mut text);
        text.push('\n');
    }
    text
}

/// Writes records in presentation form, one per line.
pub fn write_zone(w: &mut dyn Write, records: &[keybundles::Record]) -> std::io::Result<()> {
    let mut line = String::with_capacity(512);
    for record in records {
        line.clear();
        record.write_text(&mut line);
        line.push('\n');
        w.write_all(line.as_bytes())?;
    }
    Ok(())
}
