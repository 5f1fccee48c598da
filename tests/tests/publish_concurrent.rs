//! Concurrent publishers of one zone: one holds the lock, the others wait
//! (or, with --lock-timeout 0, exit naming the holder's pid). Whatever
//! the order, the published zone is never a mix and its serial never goes
//! back: an older input that gets the lock second is refused as stale.

mod publish_support;

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use publish_support::{signer_verifies, zone, Site};
use signet_tests::text;

fn spawn(site: &Site, zone_file: &std::path::Path, extra: &[&str]) -> Child {
    let mut args = vec!["--zone", zone_file.to_str().unwrap()];
    args.extend_from_slice(extra);
    site.publish_command(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits until the lock file names a holder.
fn wait_for_holder(site: &Site) -> String {
    let lock = site.path("signing/state/publish.lock");
    let started = Instant::now();
    loop {
        let text = std::fs::read_to_string(&lock).unwrap_or_default();
        if text.starts_with("pid ") {
            return text;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no publisher took the lock"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn versions(site: &Site, serials: &[u32]) -> Vec<std::path::PathBuf> {
    serials
        .iter()
        .map(|&s| {
            let path = site.path(&format!("v{s}.zone"));
            std::fs::write(&path, zone(s, 200 + s as usize, 10, "")).unwrap();
            path
        })
        .collect()
}

#[test]
fn a_second_publisher_waits_and_an_older_input_never_overwrites_a_newer_one() {
    let site = Site::new(&zone(1, 200, 10, ""));
    site.publish_ok(&[]);
    // The reload holds the lock for a while, as a slow server would.
    site.configure("publish", "reload_command", "\"sleep 1\"");
    let files = versions(&site, &[3, 2]);
    let newer = spawn(&site, &files[0], &[]);
    wait_for_holder(&site);
    let older = spawn(&site, &files[1], &[]);
    let newer = newer.wait_with_output().unwrap();
    let older = older.wait_with_output().unwrap();
    assert_eq!(newer.status.code(), Some(0), "{}", text(&newer));
    assert_eq!(
        older.status.code(),
        Some(1),
        "the older input must be refused:\n{}",
        text(&older)
    );
    assert!(text(&older).contains("stale"), "{}", text(&older));
    assert_eq!(site.published_serial(), 3);
    assert!(signer_verifies(&site.published));

    // The other way round: the newer one waits, then publishes.
    let files = versions(&site, &[5, 6]);
    let first = spawn(&site, &files[0], &[]);
    wait_for_holder(&site);
    let second = spawn(&site, &files[1], &[]);
    assert_eq!(first.wait_with_output().unwrap().status.code(), Some(0));
    let second = second.wait_with_output().unwrap();
    assert_eq!(second.status.code(), Some(0), "{}", text(&second));
    assert_eq!(site.published_serial(), 6);
}

#[test]
fn with_no_wait_the_second_publisher_names_the_holder() {
    let site = Site::new(&zone(1, 200, 10, ""));
    site.configure("publish", "reload_command", "\"sleep 2\"");
    let holder = spawn(&site, &site.unsigned, &[]);
    let line = wait_for_holder(&site);
    assert!(line.starts_with(&format!("pid {} ", holder.id())), "{line}");
    let out = site.publish(&["--lock-timeout", "0"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let all = text(&out);
    assert!(
        all.contains("another publisher holds") && all.contains(&format!("pid {}", holder.id())),
        "{all}"
    );
    // The holder finishes its publication undisturbed.
    let out = holder.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(site.published_serial(), 1);
    // The lock died with its holder: the next publisher gets it at once.
    site.configure("publish", "reload_command", "\"true\"");
    site.publish_ok(&["--lock-timeout", "0", "--now", "+1h"]);
}

#[test]
fn four_publishers_at_once_publish_in_increasing_serial_order() {
    let site = Site::new(&zone(1, 200, 10, ""));
    site.publish_ok(&[]);
    let files = versions(&site, &[12, 10, 13, 11]);
    let children: Vec<Child> = files.iter().map(|f| spawn(&site, f, &[])).collect();
    let outputs: Vec<_> = children.into_iter().map(|c| c.wait_with_output().unwrap()).collect();
    for out in &outputs {
        assert!(matches!(out.status.code(), Some(0) | Some(1)), "{}", text(out));
    }
    assert!(outputs.iter().any(|o| o.status.code() == Some(0)));
    assert_eq!(site.published_serial(), 13, "the newest input always ends up live");
    assert!(signer_verifies(&site.published));
    // The log: the serials published, in order, only ever increase.
    let log = std::fs::read_to_string(site.state.with_file_name("publish-log.jsonl")).unwrap();
    let published: Vec<u64> = log
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["verdict"] == "published")
        .map(|v| v["serial"].as_u64().unwrap())
        .collect();
    assert!(
        published.windows(2).all(|w| w[0] < w[1]),
        "published serials went back: {published:?}"
    );
    assert_eq!(published.last(), Some(&13));
}
