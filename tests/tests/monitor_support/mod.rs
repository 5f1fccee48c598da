//! Shared by the `signer monitor` tests: signed zones made with Signet's
//! own keygen and signer, real authoritative servers (Knot, NSD) on loopback
//! ports, each with its own configuration and directory, killed on drop.

#![allow(dead_code)]

use std::net::{TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use signet_tests::{keygen_printed, require_tool, run, signer_bin, text};

pub const ORIGIN: &str = "example.";

/// A zone's keys: the stems `signer keygen` printed, and the KSK's DS line.
pub struct Keys {
    pub ksk: PathBuf,
    pub zsk: PathBuf,
    pub ds_line: String,
}

fn keygen(dir: &Path, ksk: bool) -> (PathBuf, String) {
    let printed = keygen_printed(dir, ORIGIN, ksk);
    let stem = PathBuf::from(printed.lines().next().unwrap_or_default());
    let ds = printed
        .lines()
        .find(|l| l.contains(" DS "))
        .unwrap_or_default()
        .to_string();
    (stem, ds)
}

pub fn keys(dir: &Path) -> Keys {
    std::fs::create_dir_all(dir).unwrap();
    let (ksk, ds_line) = keygen(dir, true);
    let (zsk, _) = keygen(dir, false);
    assert!(!ds_line.is_empty(), "keygen --ksk printed no DS");
    Keys { ksk, zsk, ds_line }
}

/// Writes a DS file holding `line`.
pub fn ds_file(dir: &Path, name: &str, line: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, format!("{line}\n")).unwrap();
    path
}

/// An unsigned zone with a serial, some names, a delegation with glue.
pub fn unsigned_zone(dir: &Path, serial: u32) -> PathBuf {
    let path = dir.join(format!("example.{serial}.zone"));
    let text = format!(
        "$ORIGIN example.\n$TTL 3600\n\
         @ IN SOA ns1 hostmaster {serial} 3600 900 604800 300\n\
         @ IN NS ns1\n@ IN NS ns2\n\
         ns1 IN A 192.0.2.53\nns2 IN A 192.0.2.54\n\
         www IN A 192.0.2.80\nwww IN AAAA 2001:db8::80\n\
         mail IN A 192.0.2.25\n@ IN MX 10 mail\n\
         text IN TXT \"monitor me\"\n\
         child IN NS ns.child\nns.child IN A 192.0.2.99\n"
    );
    std::fs::write(&path, text).unwrap();
    path
}

/// Signs `zone` with `keys` into `out`; `extra` adds e.g. `--expiration +2d`.
pub fn sign(zone: &Path, keys: &Keys, out: &Path, extra: &[&str]) {
    let mut cmd = Command::new(signer_bin());
    cmd.arg("sign")
        .arg(zone)
        .args(["--origin", ORIGIN, "--key"])
        .arg(&keys.ksk)
        .arg("--key")
        .arg(&keys.zsk)
        .arg("--output")
        .arg(out)
        .args(extra);
    let output = run(&mut cmd);
    assert!(output.status.success(), "signer sign: {}", text(&output));
}

/// A signed zone in `dir`: serial, keys, validity flags.
pub fn signed_zone(dir: &Path, keys: &Keys, serial: u32, extra: &[&str]) -> PathBuf {
    let unsigned = unsigned_zone(dir, serial);
    let out = dir.join(format!("example.{serial}.signed"));
    sign(&unsigned, keys, &out, extra);
    out
}

/// A port free on 127.0.0.1 for both UDP and TCP (at the time of asking),
/// never the same twice in one test process: knotd binds with SO_REUSEPORT,
/// so two servers of parallel tests could otherwise share a port silently.
pub fn free_port() -> u16 {
    static GIVEN: std::sync::Mutex<Vec<u16>> = std::sync::Mutex::new(Vec::new());
    let mut given = GIVEN.lock().unwrap_or_else(|e| e.into_inner());
    for _ in 0..100 {
        let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = udp.local_addr().unwrap().port();
        if !given.contains(&port) && TcpListener::bind(("127.0.0.1", port)).is_ok() {
            given.push(port);
            return port;
        }
    }
    panic!("no free port on 127.0.0.1");
}

/// A running knotd serving one pre-signed zone; killed when dropped.
pub struct Knot {
    child: Child,
    pub port: u16,
    pub dir: PathBuf,
}

impl Knot {
    /// Starts knotd on a free loopback port serving `zone_file` as
    /// `example.` unchanged (no signing of its own), allowing AXFR from
    /// loopback when `axfr`.
    pub fn start(dir: &Path, zone_file: &Path, axfr: bool) -> Knot {
        require_tool("knotd");
        require_tool("dig");
        let dir = dir.to_path_buf();
        std::fs::create_dir_all(dir.join("run")).unwrap();
        std::fs::create_dir_all(dir.join("db")).unwrap();
        let storage = dir.join("zones");
        std::fs::create_dir_all(&storage).unwrap();
        // Knot may not write the zone back, but give it its own copy anyway.
        std::fs::copy(zone_file, storage.join("example.zone")).unwrap();
        let mut last_error = String::new();
        for _ in 0..5 {
            let port = free_port();
            let config = dir.join("knot.conf");
            let acl = if axfr { "    acl: transfer\n" } else { "" };
            std::fs::write(
                &config,
                format!(
                    "server:\n    rundir: \"{run}\"\n    listen: 127.0.0.1@{port}\n\
                     database:\n    storage: \"{db}\"\n\
                     log:\n  - target: stderr\n    any: warning\n\
                     acl:\n  - id: transfer\n    address: 127.0.0.0/8\n    action: transfer\n\
                     template:\n  - id: default\n    storage: \"{zones}\"\n    zonefile-sync: -1\n    \
                     zonefile-load: whole\n    journal-content: none\n\
                     zone:\n  - domain: example.\n    file: example.zone\n{acl}",
                    run = dir.join("run").display(),
                    db = dir.join("db").display(),
                    zones = storage.display(),
                ),
            )
            .unwrap();
            let log = std::fs::File::create(dir.join("knotd.log")).unwrap();
            let child = Command::new("knotd")
                .arg("-c")
                .arg(&config)
                .stdin(Stdio::null())
                .stdout(log.try_clone().unwrap())
                .stderr(log)
                .spawn()
                .expect("starting knotd");
            let mut knot = Knot {
                child,
                port,
                dir: dir.clone(),
            };
            if knot.wait_ready(Duration::from_secs(15)) {
                return knot;
            }
            last_error = std::fs::read_to_string(dir.join("knotd.log")).unwrap_or_default();
            drop(knot);
        }
        panic!("knotd did not start:\n{last_error}");
    }

    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    fn wait_ready(&mut self, limit: Duration) -> bool {
        wait_ready(&mut self.child, self.port, limit)
    }
}

impl Drop for Knot {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A running NSD serving one pre-signed zone (AXFR allowed from
/// loopback); killed when dropped.
pub struct Nsd {
    child: Child,
    pub port: u16,
}

impl Nsd {
    pub fn start(dir: &Path, zone_file: &Path) -> Nsd {
        require_tool("nsd");
        require_tool("dig");
        std::fs::create_dir_all(dir).unwrap();
        std::fs::copy(zone_file, dir.join("example.zone")).unwrap();
        let d = dir.display();
        let mut last_error = String::new();
        for _ in 0..5 {
            let port = free_port();
            let config = dir.join("nsd.conf");
            std::fs::write(
                &config,
                format!(
                    "server:\n    ip-address: 127.0.0.1@{port}\n    username: \"\"\n    chroot: \"\"\n    \
                     zonesdir: \"{d}\"\n    database: \"\"\n    pidfile: \"{d}/nsd.pid\"\n    \
                     xfrdfile: \"{d}/xfrd.state\"\n    zonelistfile: \"{d}/zone.list\"\n    xfrdir: \"{d}\"\n    \
                     logfile: \"{d}/nsd.log\"\n    server-count: 1\n\
                     remote-control:\n    control-enable: no\n\
                     zone:\n    name: example.\n    zonefile: example.zone\n    provide-xfr: 127.0.0.1 NOKEY\n"
                ),
            )
            .unwrap();
            let child = Command::new("nsd")
                .arg("-d")
                .arg("-c")
                .arg(&config)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("starting nsd");
            let mut nsd = Nsd { child, port };
            if wait_ready(&mut nsd.child, port, Duration::from_secs(15)) {
                return nsd;
            }
            last_error = std::fs::read_to_string(dir.join("nsd.log")).unwrap_or_default();
            drop(nsd);
        }
        panic!("nsd did not start:\n{last_error}");
    }

    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

impl Drop for Nsd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits until the server on `port` answers the zone's SOA (or dies).
fn wait_ready(child: &mut Child, port: u16, limit: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if let Ok(Some(_)) = child.try_wait() {
            return false;
        }
        let out = Command::new("dig")
            .args([
                "+short",
                "+time=1",
                "+tries=1",
                "-p",
                &port.to_string(),
                "@127.0.0.1",
                ORIGIN,
                "SOA",
            ])
            .output();
        if out.is_ok_and(|o| o.status.success() && !o.stdout.is_empty()) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

/// A UDP socket and a TCP listener on one port that never answer: a
/// server that is up but hung (the worst case for timeouts).
pub struct Silent {
    _udp: UdpSocket,
    _tcp: TcpListener,
    pub port: u16,
}

impl Silent {
    pub fn new() -> Silent {
        for _ in 0..100 {
            let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
            let port = udp.local_addr().unwrap().port();
            if let Ok(tcp) = TcpListener::bind(("127.0.0.1", port)) {
                return Silent {
                    _udp: udp,
                    _tcp: tcp,
                    port,
                };
            }
        }
        panic!("no free port on 127.0.0.1");
    }

    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

/// Runs `signer monitor` with `args`; returns output and exit code.
pub fn monitor(args: &[&str]) -> (Output, i32) {
    let out = run(Command::new(signer_bin())
        .arg("monitor")
        .args(["--origin", ORIGIN])
        .args(args));
    let code = out.status.code().unwrap_or(-1);
    (out, code)
}

/// The first line of stdout: the Nagios status line.
pub fn first_line(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string()
}

/// Asserts the exit code and the status word of the first line.
pub fn assert_status(out: &Output, code: i32, expected_code: i32, word: &str) {
    let line = first_line(out);
    assert_eq!(code, expected_code, "exit code, output:\n{}", text(out));
    assert!(
        line.starts_with(&format!("DNSSEC {word} - ")),
        "first line {line:?}; output:\n{}",
        text(out)
    );
}
