//! Telling the server: the configured reload command, and DNS NOTIFY
//! (RFC 1996) to the configured addresses.

use std::io::Read;
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use keybundles::Name;

/// How long a reload command may run.
pub const RELOAD_TIMEOUT: Duration = Duration::from_secs(120);
/// NOTIFY: wait this long for an answer, this many times.
const NOTIFY_WAIT: Duration = Duration::from_secs(2);
const NOTIFY_TRIES: usize = 3;

/// Runs `command` with `sh -c`, with SIGNET_ZONE, SIGNET_ZONE_FILE and
/// SIGNET_SERIAL set. Ok with its output, or why it failed.
pub fn reload(command: &str, origin: &Name, file: &Path, serial: u32) -> Result<String, String> {
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(command)
        .env("SIGNET_ZONE", origin.to_string())
        .env("SIGNET_ZONE_FILE", file)
        .env("SIGNET_SERIAL", serial.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("reload command '{command}' could not start: {e}"))?;
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > RELOAD_TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "reload command '{command}' did not finish in {} s; killed",
                    RELOAD_TIMEOUT.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(format!("reload command '{command}': {e}")),
        }
    };
    let mut output = String::new();
    if let Some(mut out) = child.stdout.take() {
        let _ = out.read_to_string(&mut output);
    }
    if let Some(mut err) = child.stderr.take() {
        let _ = err.read_to_string(&mut output);
    }
    let output = output.trim().to_string();
    if status.success() {
        Ok(output)
    } else {
        Err(format!("reload command '{command}' failed ({status}): {output}"))
    }
}

/// Parses ADDR, ADDR:PORT or [V6]:PORT (port 53 by default).
pub fn parse_address(text: &str) -> Result<SocketAddr, String> {
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return Ok(addr);
    }
    text.parse::<IpAddr>()
        .map(|ip| SocketAddr::new(ip, 53))
        .map_err(|_| format!("publish.notify: '{text}' is not an address (ADDR, ADDR:PORT or [IPv6]:PORT)"))
}

/// The NOTIFY query for `origin`'s SOA.
pub fn notify_message(id: u16, origin: &Name) -> Vec<u8> {
    let mut m = Vec::with_capacity(12 + origin.wire_len() + 4);
    m.extend_from_slice(&id.to_be_bytes());
    m.push(0x20 | 0x04); // opcode NOTIFY (4), AA
    m.push(0);
    m.extend_from_slice(&[0, 1, 0, 0, 0, 0, 0, 0]); // QDCOUNT 1
    m.extend_from_slice(origin.as_wire());
    m.extend_from_slice(&6u16.to_be_bytes()); // SOA
    m.extend_from_slice(&1u16.to_be_bytes()); // IN
    m
}

/// Sends a NOTIFY for `origin` to `addr` and waits for the answer.
pub fn notify(addr: SocketAddr, origin: &Name) -> Result<(), String> {
    let bind: SocketAddr = if addr.is_ipv4() {
        "0.0.0.0:0".parse().unwrap()
    } else {
        "[::]:0".parse().unwrap()
    };
    let socket = UdpSocket::bind(bind).map_err(|e| format!("NOTIFY to {addr}: {e}"))?;
    socket
        .set_read_timeout(Some(NOTIFY_WAIT))
        .map_err(|e| format!("NOTIFY to {addr}: {e}"))?;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let id = (std::process::id() as u16) ^ (nanos as u16) ^ ((nanos >> 16) as u16);
    let message = notify_message(id, origin);
    let mut buf = [0u8; 4096];
    for _ in 0..NOTIFY_TRIES {
        socket
            .send_to(&message, addr)
            .map_err(|e| format!("NOTIFY to {addr}: {e}"))?;
        let deadline = Instant::now() + NOTIFY_WAIT;
        while Instant::now() < deadline {
            let (n, from) = match socket.recv_from(&mut buf) {
                Ok(x) => x,
                Err(_) => break,
            };
            if from != addr || n < 12 || buf[..2] != id.to_be_bytes() || buf[2] & 0x80 == 0 {
                continue;
            }
            return match buf[3] & 0x0f {
                0 => Ok(()),
                rcode => Err(format!("NOTIFY to {addr}: answered with {}", rcode_name(rcode))),
            };
        }
    }
    Err(format!("NOTIFY to {addr}: no answer after {NOTIFY_TRIES} tries"))
}

fn rcode_name(rcode: u8) -> String {
    match rcode {
        1 => "FORMERR".into(),
        2 => "SERVFAIL".into(),
        3 => "NXDOMAIN".into(),
        4 => "NOTIMP".into(),
        5 => "REFUSED (is this signer allowed to notify it?)".into(),
        9 => "NOTAUTH (does it serve the zone?)".into(),
        n => format!("RCODE {n}"),
    }
}
