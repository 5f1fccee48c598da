//! `signer publish` killed with SIGKILL at random moments, mostly late in
//! the run (writing, renaming, recording): the published zone is always
//! the previous version or the whole new one, and validates; the state
//! file always parses and describes one of them; the next run cleans up.

mod publish_support;

use std::process::Stdio;
use std::time::{Duration, Instant};

use publish_support::{serial_of, signer_verifies, zone, Site};
use signet_tests::text;

const HOSTS: usize = 1000;
const ITERATIONS: u64 = 20;

fn sha256(bytes: &[u8]) -> String {
    let out = std::process::Command::new("sha256sum")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(bytes)?;
            child.wait_with_output()
        })
        .expect("sha256sum");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

/// A small xorshift generator; the seed is printed so a failure can be replayed.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn kill_9_at_random_moments_never_leaves_a_broken_or_mixed_zone() {
    let site = Site::new(&zone(1, HOSTS, 20, ""));
    site.publish_ok(&[]);
    // A run with a zone already published (a re-sign) takes longer.
    let started = Instant::now();
    site.publish_ok(&[]);
    let full_run = started.elapsed();
    let seed = std::env::var("SIGNET_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    eprintln!("crash test: seed {seed} (SIGNET_CRASH_SEED), a full run takes {full_run:?}");
    let mut rng = Rng(seed);

    let mut live = site.published_bytes().unwrap();
    let mut live_serial = 2u32;
    let (mut kept_old, mut got_new, mut temporaries_seen) = (0, 0, 0);
    for i in 0..ITERATIONS {
        let serial = live_serial + 1;
        site.set_zone(&zone(serial, HOSTS, 20, ""));
        let state_before = site.state_bytes().unwrap();
        let mut child = site
            .publish_command(&["-q"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let t0 = Instant::now();
        let ms = full_run.as_millis() as u64;
        let moment = if i % 2 == 0 {
            // Anywhere from a third of a run to a little after its end.
            std::thread::sleep(Duration::from_millis(ms / 3 + rng.next() % (ms * 9 / 10 + 1)));
            "at random"
        } else {
            // Once the zone's temporary file exists: while writing, at the
            // fsync, the rename, the state file.
            let dir = site.published.parent().unwrap();
            while t0.elapsed() < full_run * 3 && child.try_wait().unwrap().is_none() {
                let writing = std::fs::read_dir(dir).unwrap().any(|e| {
                    e.map(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
                        .unwrap_or(false)
                });
                if writing {
                    break;
                }
                std::thread::sleep(Duration::from_micros(200));
            }
            std::thread::sleep(Duration::from_micros(rng.next() % 40_000));
            "while writing"
        };
        let delay = t0.elapsed();
        let _ = child.kill(); // SIGKILL
        let status = child.wait().unwrap();

        if std::fs::read_dir(site.published.parent().unwrap())
            .unwrap()
            .any(|e| e.unwrap().file_name().to_string_lossy().ends_with(".tmp"))
        {
            temporaries_seen += 1;
        }
        let now = site.published_bytes().expect("the published zone never disappears");
        let state: serde_json::Value =
            serde_json::from_slice(&site.state_bytes().unwrap()).expect("the state file always parses");
        if now == live {
            kept_old += 1;
            assert_eq!(
                site.state_bytes().unwrap(),
                state_before,
                "iteration {i}: state changed, zone did not"
            );
        } else {
            got_new += 1;
            let text = String::from_utf8(now.clone()).expect("UTF-8 zone");
            assert_eq!(
                serial_of(&text),
                serial,
                "iteration {i}: a new file must be the new version"
            );
            assert!(
                signer_verifies(&site.published),
                "iteration {i}: the new zone must validate"
            );
            // The state is the old one (killed between the renames) or describes this file.
            let sha = state["sha256"].as_str().unwrap();
            assert!(
                sha == sha256(&now) || site.state_bytes().unwrap() == state_before,
                "iteration {i}: state describes neither version"
            );
            live = now;
            live_serial = serial;
        }
        eprintln!("iteration {i}: killed {moment} after {delay:?} ({status}); live serial {live_serial}");
    }
    eprintln!("{kept_old} runs left the old zone, {got_new} the new; {temporaries_seen} left a temporary file");
    assert_eq!(kept_old + got_new, ITERATIONS);
    assert!(signer_verifies(&site.published));

    // The next run completes, removes leftovers and publishes a newer serial.
    site.set_zone(&zone(live_serial + 1, HOSTS, 20, ""));
    let out = site.publish_ok(&[]);
    assert_eq!(site.published_serial(), live_serial + 1, "{}", text(&out));
    let leftovers: Vec<String> = std::fs::read_dir(site.published.parent().unwrap())
        .unwrap()
        .chain(std::fs::read_dir(site.state.parent().unwrap()).unwrap())
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
    signet_tests::assert_externally_valid(&site.published, "example.", false);
}
