//! The witness transcript: one JSON object per line, each carrying the SHA-256 of the previous
//! entry (`prev`) and of itself (`hash`), so the file is a hash chain.
//!
//! `hash` is SHA-256 over the entry's canonical JSON (keys sorted, no whitespace) without the
//! `hash` member. Editing an entry breaks its own `hash`; removing or reordering entries breaks
//! `prev` or the `seq` numbering. Truncating the *tail* is only visible against the last hash the
//! witnesses wrote down, which every command prints (hex and PGP words) and which
//! `transcript verify --expect-head HEX` checks.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};
use thiserror::Error;

use crate::hex;

pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Debug, Error)]
pub enum TranscriptError {
    #[error("cannot read transcript {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("cannot append to transcript {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    #[error("transcript {path} is BROKEN at line {line}: {reason}")]
    Broken { path: PathBuf, line: usize, reason: String },
    #[error("transcript {path} ends at entry {seq} with hash {actual}, but the witnessed head is {expected}: entries were removed or added at the end")]
    HeadMismatch {
        path: PathBuf,
        seq: u64,
        actual: String,
        expected: String,
    },
}

/// A file read or written by a command, recorded by its SHA-256.
#[derive(Clone, Debug)]
pub struct FileRecord {
    pub role: &'static str,
    pub path: PathBuf,
    pub sha256: [u8; 32],
}

impl FileRecord {
    pub fn of(role: &'static str, path: &Path, contents: &[u8]) -> FileRecord {
        FileRecord {
            role,
            path: path.to_path_buf(),
            sha256: hex::sha256(contents),
        }
    }
}

/// What one command contributes to its entry; filled in as the command goes.
#[derive(Clone, Debug, Default)]
pub struct Event {
    pub command: String,
    pub args: Vec<String>,
    pub token: Option<Value>,
    pub keys: Vec<String>,
    pub files: Vec<FileRecord>,
    pub details: Map<String, Value>,
}

impl Event {
    pub fn new(command: &str, args: Vec<String>) -> Event {
        Event {
            command: command.to_string(),
            args,
            ..Event::default()
        }
    }

    pub fn token(&mut self, label: &str, serial: &str, slot: u64, module: &Path) {
        self.token = Some(json!({
            "label": label, "serial": serial, "slot": slot, "module": module.display().to_string(),
        }));
    }

    pub fn key(&mut self, label: &str) {
        if !self.keys.iter().any(|k| k == label) {
            self.keys.push(label.to_string());
        }
    }

    pub fn file(&mut self, record: FileRecord) {
        self.files.push(record);
    }

    pub fn detail(&mut self, name: &str, value: impl Into<Value>) {
        self.details.insert(name.to_string(), value.into());
    }
}

/// The result of appending: the entry's number and hash (to be read aloud / written down).
#[derive(Clone, Debug)]
pub struct Head {
    pub seq: u64,
    pub hash: [u8; 32],
}

/// Canonical hash of an entry: its JSON without `hash`, keys sorted (serde_json's default map).
fn entry_hash(entry: &Entry) -> [u8; 32] {
    let mut e = entry.clone();
    e.remove("hash");
    hex::sha256(Value::Object(e).to_string().as_bytes())
}

/// One parsed transcript entry.
pub type Entry = Map<String, Value>;

/// Checks the whole chain; returns the parsed entries and the head.
pub fn verify(path: &Path) -> Result<(Vec<Entry>, Option<Head>), TranscriptError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((Vec::new(), None)),
        Err(source) => {
            return Err(TranscriptError::Read {
                path: path.to_path_buf(),
                source,
            })
        }
    };
    let broken = |line: usize, reason: String| TranscriptError::Broken {
        path: path.to_path_buf(),
        line,
        reason,
    };
    let mut entries = Vec::new();
    let mut prev = GENESIS.to_string();
    let mut head = None;
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        if line.trim().is_empty() {
            return Err(broken(n, "empty line".into()));
        }
        let value: Value = serde_json::from_str(line).map_err(|e| broken(n, format!("not JSON: {e}")))?;
        let Value::Object(entry) = value else {
            return Err(broken(n, "not a JSON object".into()));
        };
        let seq = entry.get("seq").and_then(Value::as_u64);
        if seq != Some(n as u64) {
            return Err(broken(
                n,
                format!("entry number is {seq:?}, expected {n}: an entry was removed, inserted or reordered"),
            ));
        }
        let claimed_prev = entry.get("prev").and_then(Value::as_str).unwrap_or("");
        if claimed_prev != prev {
            return Err(broken(
                n,
                format!("prev is {claimed_prev} but the previous entry hashes to {prev}: an entry before it was edited, removed or reordered"),
            ));
        }
        let actual = entry_hash(&entry);
        let claimed = entry.get("hash").and_then(Value::as_str).unwrap_or("");
        if claimed != hex::lower(&actual) {
            return Err(broken(
                n,
                format!(
                    "the entry hashes to {} but records {claimed}: this entry was edited",
                    hex::lower(&actual)
                ),
            ));
        }
        prev = hex::lower(&actual);
        head = Some(Head {
            seq: n as u64,
            hash: actual,
        });
        entries.push(entry);
    }
    Ok((entries, head))
}

/// Checks the chain and, if given, that it ends at the witnessed head hash.
pub fn verify_against(path: &Path, expect_head: Option<&str>) -> Result<Option<Head>, TranscriptError> {
    let (_, head) = verify(path)?;
    if let Some(expected) = expect_head {
        let expected = expected.trim().to_ascii_lowercase();
        let actual = head.as_ref().map(|h| hex::lower(&h.hash)).unwrap_or_default();
        if actual != expected {
            return Err(TranscriptError::HeadMismatch {
                path: path.to_path_buf(),
                seq: head.as_ref().map(|h| h.seq).unwrap_or(0),
                actual,
                expected,
            });
        }
    }
    Ok(head)
}

/// Checks that the transcript's chain is intact and that it can be appended to (creating it
/// empty if it does not exist yet).
pub fn preflight(path: &Path) -> Result<(), TranscriptError> {
    verify(path)?;
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|source| TranscriptError::Write {
            path: path.to_path_buf(),
            source,
        })?;
    Ok(())
}

/// Appends one entry for `event` with its `result` (Ok, or the error text). Refuses to append to
/// a transcript whose chain is already broken.
pub fn append(path: &Path, event: &Event, result: Result<(), String>) -> Result<Head, TranscriptError> {
    let (_, head) = verify(path)?;
    let (seq, prev) = match head {
        Some(h) => (h.seq + 1, hex::lower(&h.hash)),
        None => (1, GENESIS.to_string()),
    };
    let mut entry = Map::new();
    entry.insert("seq".into(), json!(seq));
    entry.insert(
        "time".into(),
        json!(chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()),
    );
    entry.insert("command".into(), json!(event.command));
    entry.insert("args".into(), json!(event.args));
    entry.insert("token".into(), event.token.clone().unwrap_or(Value::Null));
    entry.insert("keys".into(), json!(event.keys));
    let files: Vec<Value> = event
        .files
        .iter()
        .map(|f| json!({"role": f.role, "path": f.path.display().to_string(), "sha256": hex::lower(&f.sha256)}))
        .collect();
    entry.insert("files".into(), Value::Array(files));
    if !event.details.is_empty() {
        entry.insert("details".into(), Value::Object(event.details.clone()));
    }
    match result {
        Ok(()) => {
            entry.insert("result".into(), json!("ok"));
        }
        Err(e) => {
            entry.insert("result".into(), json!("failed"));
            entry.insert("error".into(), json!(e));
        }
    }
    entry.insert("prev".into(), json!(prev));
    let hash = entry_hash(&entry);
    entry.insert("hash".into(), json!(hex::lower(&hash)));
    let mut line = Value::Object(entry).to_string();
    line.push('\n');
    let write_err = |source| TranscriptError::Write {
        path: path.to_path_buf(),
        source,
    };
    let mut f = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(write_err)?;
    f.write_all(line.as_bytes()).map_err(write_err)?;
    f.sync_all().map_err(write_err)?;
    Ok(Head { seq, hash })
}

/// Human-readable listing for `transcript show`.
pub fn show(entries: &[Entry]) -> String {
    let mut out = String::new();
    for e in entries {
        let s = |k: &str| e.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        out.push_str(&format!(
            "#{} {} {} {}\n",
            e.get("seq").and_then(Value::as_u64).unwrap_or(0),
            s("time"),
            s("command"),
            s("result").to_uppercase()
        ));
        if let Some(Value::Object(t)) = e.get("token") {
            out.push_str(&format!(
                "    token: \"{}\" serial {}\n",
                t.get("label").and_then(Value::as_str).unwrap_or(""),
                t.get("serial").and_then(Value::as_str).unwrap_or("")
            ));
        }
        if let Some(Value::Array(keys)) = e.get("keys") {
            if !keys.is_empty() {
                let k: Vec<_> = keys.iter().filter_map(Value::as_str).collect();
                out.push_str(&format!("    keys: {}\n", k.join(", ")));
            }
        }
        if let Some(Value::Array(files)) = e.get("files") {
            for f in files {
                out.push_str(&format!(
                    "    {} {} sha256 {}\n",
                    f.get("role").and_then(Value::as_str).unwrap_or(""),
                    f.get("path").and_then(Value::as_str).unwrap_or(""),
                    f.get("sha256").and_then(Value::as_str).unwrap_or("")
                ));
            }
        }
        if let Some(Value::Object(d)) = e.get("details") {
            for (k, v) in d {
                let v = v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string());
                out.push_str(&format!("    {k}: {v}\n"));
            }
        }
        if let Some(err) = e.get("error").and_then(Value::as_str) {
            out.push_str(&format!("    error: {err}\n"));
        }
        let h = hex::decode(&s("hash")).unwrap_or_default();
        out.push_str(&format!("    entry hash: {}\n", crate::pgpwords::show(&h)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn three(dir: &Path) -> PathBuf {
        let p = dir.join("t.jsonl");
        for (i, cmd) in ["token list", "keygen", "ds"].iter().enumerate() {
            let mut ev = Event::new(cmd, vec![format!("arg{i}")]);
            ev.key("ksk");
            let r = if i == 1 { Err("boom".to_string()) } else { Ok(()) };
            append(&p, &ev, r).unwrap();
        }
        p
    }

    fn lines(p: &Path) -> Vec<String> {
        std::fs::read_to_string(p)
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect()
    }

    fn write(p: &Path, l: &[String]) {
        std::fs::write(p, l.iter().map(|s| format!("{s}\n")).collect::<String>()).unwrap();
    }

    #[test]
    fn chain_verifies_and_reports_head() {
        let d = tempfile::tempdir().unwrap();
        let p = three(d.path());
        let (entries, head) = verify(&p).unwrap();
        assert_eq!(entries.len(), 3);
        let head = head.unwrap();
        assert_eq!(head.seq, 3);
        assert_eq!(entries[1]["result"], "failed");
        assert_eq!(entries[1]["prev"], entries[0]["hash"]);
        assert!(verify_against(&p, Some(&hex::lower(&head.hash))).is_ok());
    }

    #[test]
    fn edit_remove_reorder_and_truncate_are_detected() {
        let d = tempfile::tempdir().unwrap();
        let p = three(d.path());
        let orig = lines(&p);
        let head = verify(&p).unwrap().1.unwrap();

        let mut edited = orig.clone();
        edited[1] = edited[1].replace("boom", "fine");
        write(&p, &edited);
        assert!(verify(&p).unwrap_err().to_string().contains("line 2"));

        let mut last_edited = orig.clone();
        last_edited[2] = last_edited[2].replace("\"ok\"", "\"OK\"");
        write(&p, &last_edited);
        assert!(verify(&p).unwrap_err().to_string().contains("edited"));

        write(&p, &[orig[0].clone(), orig[2].clone()]);
        assert!(verify(&p).is_err());

        write(&p, &[orig[0].clone(), orig[2].clone(), orig[1].clone()]);
        assert!(verify(&p).is_err());

        write(&p, &orig[..2]);
        assert!(verify(&p).is_ok());
        assert!(matches!(
            verify_against(&p, Some(&hex::lower(&head.hash))),
            Err(TranscriptError::HeadMismatch { .. })
        ));
    }

    #[test]
    fn refuses_to_append_to_a_broken_chain() {
        let d = tempfile::tempdir().unwrap();
        let p = three(d.path());
        let mut l = lines(&p);
        l.remove(0);
        write(&p, &l);
        assert!(append(&p, &Event::new("ds", vec![]), Ok(())).is_err());
    }
}
