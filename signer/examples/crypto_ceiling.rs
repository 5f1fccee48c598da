//! The crypto ceiling: how many DNSSEC signatures per second Signet's backend makes
//! on this machine, through the same `keybundles::crypto::SigningKey` that
//! `signer sign` uses, on a rayon pool of the given size.
//!
//! ```text
//! cargo run --release -p signer --example crypto_ceiling -- \
//!     --algorithm 13 --seconds 2 --threads 2 [--key Kexample.+013+12345]
//! ```
//!
//! Prints one machine-readable line on stdout:
//! `sigs_per_sec=161234 threads=2 per_thread=80617 algorithm=13 signatures=322468 seconds=2.000 message_len=128 cpu_seconds=4.001 sigs_per_cpu_sec=80597`
//!
//! `sigs_per_sec` is signatures over wall time. `sigs_per_cpu_sec` divides
//! by the CPU time the signing threads actually got (Linux
//! `/proc/thread-self/schedstat`), so it stays meaningful on a machine that
//! other jobs are loading; it is left out where that file does not exist.
//!
//! Without `--key`, a fresh key is made with `signer::keys::generate`,
//! written as BIND key files to a temporary directory and loaded back with
//! `signer::keys::load` — the path a real signing run takes.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use keybundles::algorithm::Algorithm;
use keybundles::crypto::SigningKey;
use keybundles::Name;

/// About the size of a typical RRSIG signing input in a TLD (RRSIG RDATA
/// without the signature, plus one DS or NSEC record in canonical form).
const MESSAGE_LEN: usize = 128;

struct Options {
    algorithm: u8,
    seconds: f64,
    threads: usize,
    key: Option<PathBuf>,
}

const USAGE: &str = "usage: crypto_ceiling [--algorithm 8|13|14|15] [--seconds S] [--threads N] [--key STEM]";

fn parse_args() -> anyhow::Result<Options> {
    let mut options = Options {
        algorithm: 13,
        seconds: 2.0,
        threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
        key: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "-h" || arg == "--help" {
            println!("{USAGE}");
            std::process::exit(0);
        }
        let value = args.next().with_context(|| format!("{arg} needs a value\n{USAGE}"))?;
        match arg.as_str() {
            "--algorithm" => options.algorithm = value.parse().context("--algorithm")?,
            "--seconds" => options.seconds = value.parse().context("--seconds")?,
            "--threads" => options.threads = value.parse().context("--threads")?,
            "--key" => options.key = Some(PathBuf::from(value)),
            _ => bail!("unknown argument {arg}\n{USAGE}"),
        }
    }
    if options.threads == 0 {
        bail!("--threads must be at least 1");
    }
    if !(options.seconds > 0.0 && options.seconds <= 3600.0) {
        bail!("--seconds must be between 0 and 3600");
    }
    Ok(options)
}

/// The key to measure with: the given key files, or a fresh key.
fn signing_key(options: &Options) -> anyhow::Result<SigningKey> {
    if let Some(path) = &options.key {
        let key = signer::keys::load(path)?;
        if key.dnskey.algorithm != options.algorithm {
            bail!(
                "{} is algorithm {}, not {}",
                path.display(),
                key.dnskey.algorithm,
                options.algorithm
            );
        }
        return Ok(key.signing);
    }
    let algorithm = Algorithm::from_number(options.algorithm)
        .with_context(|| format!("algorithm {} is not supported", options.algorithm))?;
    let generated = signer::keys::generate(algorithm, None, false)?;
    let dir = tempfile::tempdir()?;
    let origin: Name = "ceiling.example.".parse()?;
    let stem = signer::keys::write_key_files(dir.path(), &origin, &generated, 0)?;
    Ok(signer::keys::load(&stem)?.signing)
}

fn run() -> anyhow::Result<()> {
    let options = parse_args()?;
    let key = signing_key(&options)?;
    let pool = rayon::ThreadPoolBuilder::new().num_threads(options.threads).build()?;

    let count = AtomicU64::new(0);
    let cpu_nanos = AtomicU64::new(0);
    let cpu_known = AtomicBool::new(true);
    let failed = AtomicBool::new(false);
    // Each pool thread signs in a loop: a short warm-up, then the timed run
    // from a common start to a common deadline.
    let warmup = Duration::from_millis(200);
    let measured = Duration::from_secs_f64(options.seconds);
    let start = Instant::now() + warmup;
    let deadline = start + measured;
    pool.broadcast(|ctx| {
        let mut message = [0u8; MESSAGE_LEN];
        for (i, byte) in message.iter_mut().enumerate() {
            *byte = (i as u8).wrapping_mul(31).wrapping_add(ctx.index() as u8);
        }
        let mut n: u64 = 0;
        let mut local: u64 = 0;
        let mut cpu_at_start = None;
        loop {
            // Vary the message like real RRsets do.
            message[..8].copy_from_slice(&n.to_le_bytes());
            n += 1;
            if key.sign(&message).is_err() {
                failed.store(true, Ordering::Relaxed);
                break;
            }
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            if now >= start {
                if cpu_at_start.is_none() {
                    cpu_at_start = Some(thread_cpu_nanos());
                }
                local += 1;
            }
        }
        match (cpu_at_start.flatten(), thread_cpu_nanos()) {
            (Some(begin), Some(end)) => {
                cpu_nanos.fetch_add(end.saturating_sub(begin), Ordering::Relaxed);
            }
            _ => cpu_known.store(false, Ordering::Relaxed),
        }
        count.fetch_add(local, Ordering::Relaxed);
    });
    if failed.load(Ordering::Relaxed) {
        bail!("signing failed");
    }
    let signatures = count.load(Ordering::Relaxed);
    let seconds = measured.as_secs_f64();
    let rate = signatures as f64 / seconds;
    let mut line = format!(
        "sigs_per_sec={rate:.0} threads={} per_thread={:.0} algorithm={} signatures={signatures} seconds={seconds:.3} message_len={MESSAGE_LEN}",
        options.threads,
        rate / options.threads as f64,
        options.algorithm,
    );
    let cpu = cpu_nanos.load(Ordering::Relaxed) as f64 / 1e9;
    if cpu_known.load(Ordering::Relaxed) && cpu > 0.0 {
        line += &format!(" cpu_seconds={cpu:.3} sigs_per_cpu_sec={:.0}", signatures as f64 / cpu);
    }
    println!("{line}");
    Ok(())
}

/// CPU time the calling thread has run, in nanoseconds (Linux only).
fn thread_cpu_nanos() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("crypto_ceiling: {e:#}");
            ExitCode::FAILURE
        }
    }
}
