//! End to end on loopback: Knot DNS (`knotd`) is the hidden primary, fed
//! by `signer publish` with a reload command and a NOTIFY; Unbound, whose
//! only trust anchor is the zone's KSK, validates what Knot serves.
//! Answers carry the AD bit, NXDOMAIN proofs validate, and after a refused
//! publication the served zone is unchanged.

mod publish_support;

use std::net::{TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use publish_support::{zone, Site};
use signet_tests::{require_tool, run, text};

/// A server started by the test, killed when the test ends (pass or panic).
struct Server {
    name: &'static str,
    child: Child,
    log: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(name: &'static str, cmd: &mut Command, log: PathBuf) -> Server {
        let file = std::fs::File::create(&log).unwrap();
        let child = cmd
            .stdin(Stdio::null())
            .stdout(file.try_clone().unwrap())
            .stderr(file)
            .spawn()
            .unwrap_or_else(|e| panic!("starting {name}: {e}"));
        Server { name, child, log }
    }

    fn log(&self) -> String {
        format!(
            "--- {} log ---\n{}",
            self.name,
            std::fs::read_to_string(&self.log).unwrap_or_default()
        )
    }
}

/// A port free on 127.0.0.1 for both UDP and TCP right now.
fn free_port() -> u16 {
    loop {
        let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = udp.local_addr().unwrap().port();
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

fn dig(port: u16, args: &[&str]) -> String {
    let out = run(Command::new("dig")
        .arg("@127.0.0.1")
        .args(["-p", &port.to_string(), "+tries=1", "+time=2"])
        .args(args));
    text(&out)
}

/// Waits until `check` holds, or panics with `what` and the logs.
fn wait_until(what: &str, servers: &[&Server], mut check: impl FnMut() -> bool) {
    let started = Instant::now();
    while !check() {
        if started.elapsed() > Duration::from_secs(20) {
            let logs: String = servers.iter().map(|s| s.log()).collect();
            panic!("timed out waiting for {what}\n{logs}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn served_serial(port: u16) -> Option<u32> {
    let out = dig(port, &["example.", "SOA", "+short", "+norecurse"]);
    out.split_whitespace().nth(2).and_then(|s| s.parse().ok())
}

fn knot_config(dir: &Path, port: u16, zone_dir: &Path) -> PathBuf {
    let conf = dir.join("knot.conf");
    std::fs::create_dir_all(dir.join("knot-db")).unwrap();
    std::fs::write(
        &conf,
        format!(
            "server:\n    rundir: \"{d}\"\n    listen: 127.0.0.1@{port}\n\
             database:\n    storage: \"{d}/knot-db\"\n\
             control:\n    listen: \"{d}/knot.sock\"\n\
             log:\n  - target: stderr\n    any: info\n\
             acl:\n  - id: signer\n    address: 127.0.0.1\n    action: notify\n\
             template:\n  - id: default\n    storage: \"{z}\"\n    zonefile-sync: -1\n    zonefile-load: whole\n    journal-content: none\n\
             zone:\n  - domain: example.\n    file: example.zone\n    acl: signer\n",
            d = dir.display(),
            z = zone_dir.display()
        ),
    )
    .unwrap();
    conf
}

fn unbound_config(dir: &Path, port: u16, knot_port: u16, anchor: &str) -> PathBuf {
    let conf = dir.join("unbound.conf");
    std::fs::write(dir.join("anchor.txt"), format!("{anchor}\n")).unwrap();
    std::fs::write(
        &conf,
        format!(
            "server:\n    interface: 127.0.0.1\n    port: {port}\n    do-ip6: no\n    do-not-query-localhost: no\n\
             username: \"\"\n    chroot: \"\"\n    directory: \"{d}\"\n    pidfile: \"{d}/unbound.pid\"\n\
             use-syslog: no\n    logfile: \"\"\n    verbosity: 1\n    val-log-level: 2\n\
             access-control: 127.0.0.0/8 allow\n    module-config: \"validator iterator\"\n\
             trust-anchor-file: \"{d}/anchor.txt\"\n    harden-dnssec-stripped: yes\n    cache-max-ttl: 0\n    cache-max-negative-ttl: 0\n\
             stub-zone:\n    name: \"example.\"\n    stub-addr: 127.0.0.1@{knot_port}\n\
             remote-control:\n    control-enable: no\n",
            d = dir.display()
        ),
    )
    .unwrap();
    conf
}

#[test]
fn knot_serves_what_signer_publishes_and_unbound_validates_it() {
    for tool in ["knotd", "knotc", "unbound", "dig"] {
        require_tool(tool);
    }
    let site = Site::new(&zone(2026112501, 50, 5, "www A 192.0.2.80\n"));
    let dir = site.path("servers");
    std::fs::create_dir_all(&dir).unwrap();
    let knot_port = free_port();
    let knot_conf = knot_config(&dir, knot_port, site.published.parent().unwrap());
    let knotc = format!("knotc -c {} -b -t 10 zone-reload example.", knot_conf.display());
    site.configure("publish", "reload_command", &format!("{knotc:?}"));
    site.configure("publish", "notify", &format!("[\"127.0.0.1:{knot_port}\"]"));

    // The first publication, before the server starts (as on a new primary).
    // The reload cannot work yet: written but not live, exit 3.
    let out = site.publish(&[]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(text(&out).contains("NOT LIVE"), "{}", text(&out));

    let knot = Server::start(
        "knotd",
        Command::new("knotd").arg("-c").arg(&knot_conf),
        dir.join("knotd.log"),
    );
    wait_until("knotd to serve the zone", &[&knot], || {
        served_serial(knot_port) == Some(2026112501)
    });

    // A new version goes live through reload and NOTIFY: exit 0 only then.
    site.set_zone(&zone(2026112502, 50, 5, "www A 192.0.2.80\nnew A 192.0.2.81\n"));
    let out = site.publish(&[]);
    assert_eq!(out.status.code(), Some(0), "{}\n{}", text(&out), knot.log());
    assert!(
        text(&out).contains("reload: ok") && text(&out).contains(&format!("notify 127.0.0.1:{knot_port}: ok")),
        "{}",
        text(&out)
    );
    assert_eq!(
        served_serial(knot_port),
        Some(2026112502),
        "live when publish exits 0\n{}",
        knot.log()
    );

    // Unbound, trusting only the KSK.
    let unbound_port = free_port();
    let unbound_conf = unbound_config(&dir, unbound_port, knot_port, &site.ksk_ds);
    let unbound = Server::start(
        "unbound",
        Command::new("unbound").arg("-d").arg("-c").arg(&unbound_conf),
        dir.join("unbound.log"),
    );
    wait_until("unbound to answer", &[&knot, &unbound], || {
        dig(unbound_port, &["example.", "SOA"]).contains("status: NOERROR")
    });

    let answer = dig(unbound_port, &["new.example.", "A", "+dnssec"]);
    assert!(
        answer.contains("status: NOERROR") && flags(&answer).contains(&"ad"),
        "no AD bit:\n{answer}\n{}",
        unbound.log()
    );
    assert!(answer.contains("192.0.2.81"), "{answer}");
    let nx = dig(unbound_port, &["no-such-name.example.", "A", "+dnssec"]);
    assert!(
        nx.contains("status: NXDOMAIN") && flags(&nx).contains(&"ad"),
        "NXDOMAIN proof did not validate:\n{nx}\n{}",
        unbound.log()
    );
    let nodata = dig(unbound_port, &["www.example.", "TXT", "+dnssec"]);
    assert!(
        nodata.contains("status: NOERROR") && flags(&nodata).contains(&"ad"),
        "NODATA proof:\n{nodata}"
    );

    // A refused publication (stale input) leaves the served zone as it was.
    site.set_zone(&zone(2026112401, 50, 5, ""));
    let out = site.publish(&[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_eq!(served_serial(knot_port), Some(2026112502));
    let answer = dig(unbound_port, &["new.example.", "A", "+dnssec"]);
    assert!(
        answer.contains("192.0.2.81") && flags(&answer).contains(&"ad"),
        "{answer}"
    );

    // A validator proves the test can fail: a zone whose signatures do
    // not match the anchored KSK is SERVFAIL, not AD. Swap in another
    // site's zone by hand (no guardrail involved) and reload Knot.
    let other = Site::new(&zone(2026112503, 50, 5, "new A 192.0.2.81\n"));
    other.publish_ok(&[]);
    std::fs::copy(&other.published, &site.published).unwrap();
    let reload = run(Command::new("sh").arg("-c").arg(&knotc));
    assert!(reload.status.success(), "{}", text(&reload));
    wait_until("knotd to load the foreign zone", &[&knot], || {
        served_serial(knot_port) == Some(2026112503)
    });
    let bogus = dig(unbound_port, &["new.example.", "A", "+dnssec"]);
    assert!(
        bogus.contains("status: SERVFAIL"),
        "a zone signed by another KSK must not validate:\n{bogus}"
    );
}

/// The header flags of a dig answer ("qr rd ra ad").
fn flags(answer: &str) -> Vec<&str> {
    answer
        .lines()
        .find_map(|l| l.split(";; flags: ").nth(1))
        .map(|f| f.split(';').next().unwrap_or("").split_whitespace().collect())
        .unwrap_or_default()
}
