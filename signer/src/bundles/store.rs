//! Imported bundles on disk, and which one is in force at an instant.
//!
//! `bundle_dir/bundles.skr` holds every bundle in force now or later, in
//! the SKR format itself (so `keymgr validate-skr` can read it); each
//! accepted SKR is also kept verbatim in `bundle_dir/imported/`, and each
//! KSR `signer ksr` wrote in `bundle_dir/requests/`.
//!
//! Bundle *i* is in force from its start until bundle *i+1* starts. The
//! last one is in force until its signatures expire less the DNSKEY TTL
//! (a resolver that fetched the RRset a moment before must still be able
//! to validate it): that instant is when the next SKR must be imported.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use keybundles::bundle::{self, Bundle, BundleFile, Kind};
use keybundles::dnskey::Dnskey;
use keybundles::time::format_compact;

use crate::output::{write_atomically, FileMode};

pub const STORE_FILE: &str = "bundles.skr";
pub const IMPORTED_DIR: &str = "imported";
pub const REQUESTS_DIR: &str = "requests";

/// The bundles imported so far.
#[derive(Debug, Clone)]
pub struct BundleStore {
    pub dir: PathBuf,
    pub file: Option<BundleFile>,
}

impl BundleStore {
    /// Reads `dir/bundles.skr`; an empty store if there is none yet.
    pub fn load(dir: &Path) -> anyhow::Result<BundleStore> {
        let path = dir.join(STORE_FILE);
        let file = if path.exists() {
            Some(bundle::read(&path, Kind::Response)?)
        } else {
            None
        };
        Ok(BundleStore {
            dir: dir.to_path_buf(),
            file,
        })
    }

    pub fn path(&self) -> PathBuf {
        self.dir.join(STORE_FILE)
    }

    pub fn bundles(&self) -> &[Bundle] {
        self.file.as_ref().map_or(&[], |f| &f.bundles)
    }

    /// When bundle `i` stops being in force.
    pub fn end_of(&self, i: usize) -> i64 {
        let bundles = self.bundles();
        match bundles.get(i + 1) {
            Some(next) => next.start,
            None => {
                let b = &bundles[i];
                let expiration = b.signature_window().map_or(b.start, |(_, e)| e);
                expiration - i64::from(b.dnskey_ttl().unwrap_or(0))
            }
        }
    }

    /// The bundle in force at `t`.
    pub fn at(&self, t: i64) -> Option<usize> {
        let i = self.bundles().iter().rposition(|b| b.start <= t)?;
        (t < self.end_of(i)).then_some(i)
    }

    /// When the last bundle stops being in force (the next SKR is due).
    pub fn last_end(&self) -> Option<i64> {
        let n = self.bundles().len();
        (n > 0).then(|| self.end_of(n - 1))
    }

    /// When `key` leaves the DNSKEY RRset, as far as the imported bundles
    /// say: the end of the last bundle of the unbroken run, from bundle
    /// `i` on, that publishes it.
    pub fn published_until(&self, i: usize, key: &Dnskey) -> i64 {
        let bundles = self.bundles();
        let mut last = i;
        while last + 1 < bundles.len() && bundles[last + 1].dnskeys().contains(key) {
            last += 1;
        }
        self.end_of(last)
    }

    /// The KSR `signer ksr` wrote for a period starting at `start`.
    pub fn request_path(&self, start: i64) -> PathBuf {
        self.dir
            .join(REQUESTS_DIR)
            .join(format!("ksr-{}.ksr", format_compact(start)))
    }

    /// Keeps a copy of a KSR just written.
    pub fn save_request(&self, start: i64, text: &str) -> anyhow::Result<PathBuf> {
        let path = self.request_path(start);
        std::fs::create_dir_all(self.dir.join(REQUESTS_DIR))
            .with_context(|| format!("making {}", self.dir.display()))?;
        write_atomically(&path, FileMode::Public, |w| w.write_all(text.as_bytes()))
            .with_context(|| format!("writing {}", path.display()))?;
        Ok(path)
    }

    /// The bundles after importing `skr`: those before its first bundle
    /// kept, the rest replaced by its bundles.
    pub fn merged(&self, skr: &BundleFile) -> BundleFile {
        let first = skr.bundles[0].start;
        let mut bundles: Vec<Bundle> = self.bundles().iter().filter(|b| b.start < first).cloned().collect();
        bundles.extend(skr.bundles.iter().cloned());
        let mut file = BundleFile::new(Kind::Response, self.path(), bundles);
        if let Some(old) = &self.file {
            file.notes = old.notes.clone();
        }
        file.notes.push((
            "imported".into(),
            format!("{} sha256 {}", skr.source.display(), skr.sha256_hex()),
        ));
        file
    }

    /// Writes the merged store and keeps the SKR's text in `imported/`;
    /// both atomically, the copy first.
    pub fn save(&mut self, merged: BundleFile, skr: &BundleFile, skr_text: &str, now: i64) -> anyhow::Result<()> {
        let imported = self.dir.join(IMPORTED_DIR);
        std::fs::create_dir_all(&imported).with_context(|| format!("making {}", imported.display()))?;
        let copy = imported.join(format!(
            "skr-{}-{}.skr",
            format_compact(skr.bundles[0].start),
            &skr.sha256_hex()[..16]
        ));
        write_atomically(&copy, FileMode::Public, |w| w.write_all(skr_text.as_bytes()))
            .with_context(|| format!("writing {}", copy.display()))?;
        let text = bundle::write(&merged, &format!("Signet signer {}", env!("CARGO_PKG_VERSION")), now);
        // Prove the store reads back before replacing the old one.
        bundle::parse(&text, &self.path(), Kind::Response)
            .context("the new bundle store does not read back (a bug)")?;
        write_atomically(&self.path(), FileMode::Public, |w| w.write_all(text.as_bytes()))
            .with_context(|| format!("writing {}", self.path().display()))?;
        self.file = Some(merged);
        Ok(())
    }
}
