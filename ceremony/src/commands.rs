//! The commands. Each takes the global options and the transcript event it fills in (token, keys,
//! files and their hashes, details); `cli::run` appends the event with the result.
//!
//! Order inside every command that changes something: check everything that can be checked
//! (files, token, PIN, label, mechanisms), ask for the typed confirmation, change the token, and
//! write output files last — so a failure leaves no file behind.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use data_encoding::BASE64;
use keybundles::Name;
use ring::rand::{SecureRandom, SystemRandom};
use zeroize::Zeroizing;

use crate::backup::files::{BackupFile, ShareFile, BACKUP_FORMAT, SHARE_FORMAT};
use crate::backup::{self, shamir, wrap};
use crate::confirm::confirm;
use crate::dnskey_from_token;
use crate::dnssec::{self, Algorithm, DigestType, Dnskey};
use crate::keygen::{self, KeySpec};
use crate::pin::PinSource;
use crate::sign::{self, Validity};
use crate::token::{Module, Role, Selector, Token, DNSSEC_MECHANISMS};
use crate::transcript::{self, Event, FileRecord};
use crate::{hex, pgpwords};

/// Options every command shares.
#[derive(Clone, Debug)]
pub struct Global {
    pub module: PathBuf,
    pub selector: Selector,
    pub pin_file: Option<PathBuf>,
    pub so_pin_file: Option<PathBuf>,
    pub transcript: PathBuf,
    pub yes: bool,
}

/// TTL of the DNSKEY RRs printed and written.
pub const DNSKEY_TTL: u32 = 3600;

pub(crate) fn zone_name(text: &str) -> Result<Name> {
    let abs = if text.ends_with('.') {
        text.to_string()
    } else {
        format!("{text}.")
    };
    Name::parse(&abs, None)
        .map(|n| n.to_lowercase())
        .map_err(|e| anyhow!("bad zone name \"{text}\": {e}"))
}

/// Loads the module, picks the token, records it, and logs in.
pub(crate) fn open_token(g: &Global, ev: &mut Event, role: Role) -> Result<Token> {
    let module = Module::load(&g.module)?;
    let mut token = module.token(&g.selector)?;
    ev.token(&token.label, &token.serial, token.slot.id(), &token.module);
    let pin = match role {
        Role::User => PinSource::user(g.pin_file.as_deref()),
        Role::SecurityOfficer => PinSource::security_officer(g.so_pin_file.as_deref()),
    }
    .read(&token.label)?;
    token.login(role, &pin)?;
    Ok(token)
}

/// Writes a new file (never overwrites) and records it as an output.
pub(crate) fn write_new(ev: &mut Event, path: &Path, contents: &[u8]) -> Result<()> {
    // Written to a temporary file beside the target (mode 0600: shares and
    // wrapped keys are secrets), fsynced, then moved into place only if the
    // target still does not exist — never a half-written output, never an
    // overwritten one.
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut temp = tempfile::Builder::new()
        .prefix(".ceremony-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    temp.write_all(contents)
        .and_then(|_| temp.as_file().sync_all())
        .with_context(|| format!("cannot write {}", path.display()))?;
    temp.persist_noclobber(path)
        .map_err(|e| e.error)
        .with_context(|| format!("cannot create {} (it must not exist yet)", path.display()))?;
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    ev.file(FileRecord::of("output", path, contents));
    Ok(())
}

pub(crate) fn refuse_existing(path: &Path) -> Result<()> {
    if path.exists() {
        bail!("{} already exists: refusing to overwrite it", path.display());
    }
    Ok(())
}

/// Reads an input file and records its hash.
pub(crate) fn read_input(ev: &mut Event, path: &Path) -> Result<Vec<u8>> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    ev.file(FileRecord::of("input", path, &bytes));
    Ok(bytes)
}

fn host_random(len: usize) -> Vec<u8> {
    let mut v = vec![0u8; len];
    SystemRandom::new().fill(&mut v).expect("the system RNG failed");
    v
}

/// The lines printed for a key: DNSKEY RR, key tag, both DS RRs with their digests in PGP words.
fn describe_key(zone: &Name, key: &Dnskey, ev: &mut Event) -> String {
    let tag = key.key_tag();
    let mut out = format!(
        "{zone} {DNSKEY_TTL} IN DNSKEY {key}\nkey tag: {tag}\nalgorithm: {}\n",
        Algorithm::from_number(key.algorithm).map_or(key.algorithm.to_string(), |a| a.to_string())
    );
    ev.detail("dnskey", key.to_string());
    ev.detail("key_tag", tag);
    for (digest, name) in [(DigestType::Sha256, "sha256"), (DigestType::Sha384, "sha384")] {
        let ds = key.ds(zone, digest);
        out.push_str(&format!(
            "{zone} {DNSKEY_TTL} IN DS {ds}\n  DS {} digest words: {}\n",
            name.to_uppercase(),
            pgpwords::words(&ds.digest)
        ));
        ev.detail(&format!("ds_{name}"), ds.to_string());
    }
    out
}

pub fn token_list(g: &Global, ev: &mut Event) -> Result<()> {
    let module = Module::load(&g.module)?;
    let tokens = module.tokens()?;
    println!("module: {}", g.module.display());
    if tokens.is_empty() {
        println!("no tokens present");
    }
    let mut summary = Vec::new();
    for t in tokens {
        println!(
            "slot {}: token \"{}\" serial {} ({} {})",
            t.slot, t.label, t.serial, t.manufacturer, t.model
        );
        for m in DNSSEC_MECHANISMS {
            println!(
                "    {:<28} {}",
                m.to_string(),
                if t.mechanisms.contains(m) { "yes" } else { "no" }
            );
        }
        let has = |m| t.mechanisms.contains(&m);
        use cryptoki::mechanism::MechanismType as M;
        let algs: Vec<&str> = [
            (
                "8",
                has(M::RSA_PKCS_KEY_PAIR_GEN) && (has(M::SHA256_RSA_PKCS) || has(M::RSA_PKCS)),
            ),
            ("13", has(M::ECC_KEY_PAIR_GEN) && has(M::ECDSA)),
            ("14", has(M::ECC_KEY_PAIR_GEN) && has(M::ECDSA)),
            ("15", has(M::ECC_EDWARDS_KEY_PAIR_GEN) && has(M::EDDSA)),
        ]
        .iter()
        .filter(|(_, ok)| *ok)
        .map(|(a, _)| *a)
        .collect();
        println!("    DNSSEC algorithms usable: {}", algs.join(", "));
        summary.push(serde_json::json!({"slot": t.slot, "label": t.label, "serial": t.serial}));
    }
    ev.detail("tokens", summary);
    Ok(())
}

pub fn keys_list(g: &Global, ev: &mut Event, zone: Option<&str>) -> Result<()> {
    let zone = zone.map(zone_name).transpose()?;
    let token = open_token(g, ev, Role::User)?;
    let labels = token.private_key_labels()?;
    if labels.is_empty() {
        println!("no private keys on token \"{}\"", token.label);
    }
    for label in labels {
        match dnskey_from_token::load(&token, &label) {
            Ok(k) => {
                println!(
                    "{label}: id {} algorithm {} key tag {}",
                    hex::upper(&k.id),
                    k.algorithm,
                    k.dnskey.key_tag()
                );
                if let Some(z) = &zone {
                    println!("    {z} IN DS {}", k.dnskey.ds(z, DigestType::Sha256));
                }
                ev.key(&label);
            }
            Err(e) => println!("{label}: not usable for DNSSEC ({e})"),
        }
    }
    Ok(())
}

pub fn keygen(g: &Global, ev: &mut Event, a: &crate::cli::KeygenArgs) -> Result<()> {
    let zone = zone_name(&a.zone)?;
    let algorithm = Algorithm::from_number(a.algorithm)
        .ok_or_else(|| anyhow!("algorithm {} is not one of 8, 13, 14, 15", a.algorithm))?;
    ev.key(&a.label);
    ev.detail("algorithm", a.algorithm);
    let token = open_token(g, ev, Role::User)?;
    token.ensure_label_free(&a.label)?;
    token.require(keygen::generation_mechanism(algorithm))?;
    sign::signing_mechanism(&token, algorithm)?;
    let size = if algorithm == Algorithm::RsaSha256 {
        format!("{}-bit ", a.bits)
    } else {
        String::new()
    };
    confirm(
        &format!(
            "generate a {size}{} key labelled \"{}\" for zone {zone} on token \"{}\" (serial {})",
            algorithm.mnemonic(),
            a.label,
            token.label,
            token.serial
        ),
        g.yes,
    )?;
    let spec = KeySpec {
        algorithm,
        bits: a.bits,
        label: a.label.clone(),
        id: token.random(16)?,
        wrappable: !a.no_backup,
    };
    let pair = keygen::generate(&token, &spec)?;
    let key = match dnskey_from_token::load(&token, &a.label) {
        Ok(k) => k,
        Err(e) => {
            wrap::destroy(&token, &[pair.public, pair.private]);
            return Err(e).context("reading back the new public key (the key pair was removed again)");
        }
    };
    ev.detail("id", hex::upper(&key.id));
    ev.detail("backup", if a.no_backup { "none" } else { "wrap-with-trusted" });
    println!("generated key \"{}\" on token \"{}\"", a.label, token.label);
    print!("{}", describe_key(&zone, &key.dnskey, ev));
    Ok(())
}

pub fn ds(g: &Global, ev: &mut Event, a: &crate::cli::DsArgs) -> Result<()> {
    let zone = zone_name(&a.zone)?;
    ev.key(&a.label);
    if let Some(o) = &a.output {
        refuse_existing(o)?;
    }
    let token = open_token(g, ev, Role::User)?;
    let key = dnskey_from_token::load(&token, &a.label)?;
    print!("{}", describe_key(&zone, &key.dnskey, ev));
    if let Some(o) = &a.output {
        let text = format!(
            "; {} key tag {} on token \"{}\" serial {}\n{zone} {DNSKEY_TTL} IN DNSKEY {}\n",
            key.label,
            key.dnskey.key_tag(),
            token.label,
            token.serial,
            key.dnskey
        );
        write_new(ev, o, text.as_bytes())?;
    }
    Ok(())
}

/// Seconds since the epoch from "YYYYMMDDHHMMSS" or a plain number.
fn parse_time(text: &str) -> Result<u32> {
    if text.len() == 14 {
        let t =
            chrono::NaiveDateTime::parse_from_str(text, "%Y%m%d%H%M%S").with_context(|| format!("bad time {text}"))?;
        return u32::try_from(t.and_utc().timestamp()).map_err(|_| anyhow!("time {text} out of range"));
    }
    text.parse()
        .with_context(|| format!("bad time {text}: use YYYYMMDDHHMMSS or epoch seconds"))
}

pub fn sign_dnskey(g: &Global, ev: &mut Event, a: &crate::cli::SignDnskeyArgs) -> Result<()> {
    let zone = zone_name(&a.zone)?;
    ev.key(&a.label);
    refuse_existing(&a.output)?;
    let now = chrono::Utc::now().timestamp() as u32;
    let inception = a
        .inception
        .as_deref()
        .map(parse_time)
        .transpose()?
        .unwrap_or(now - 3600);
    let expiration = a
        .expiration
        .as_deref()
        .map(parse_time)
        .transpose()?
        .unwrap_or(inception + 30 * 86400);
    if expiration <= inception {
        bail!("expiration must be after inception");
    }
    let mut others = Vec::new();
    for f in &a.include {
        let text = String::from_utf8(read_input(ev, f)?).with_context(|| format!("{} is not text", f.display()))?;
        for (owner, k) in dnssec::read_dnskeys(&text, f, &zone)? {
            if owner != zone {
                bail!("{}: DNSKEY owned by {owner}, not {zone}", f.display());
            }
            others.push(k);
        }
    }
    let token = open_token(g, ev, Role::User)?;
    let key = dnskey_from_token::load(&token, &a.label)?;
    let mut keys = vec![key.dnskey.clone()];
    keys.extend(others.into_iter().filter(|k| *k != key.dnskey));
    let records: Vec<_> = keys.iter().map(|k| dnssec::dnskey_record(&zone, a.ttl, k)).collect();
    let rrsig = sign::sign_rrset(&token, &key, &zone, &records, a.ttl, Validity { inception, expiration })?;
    // Check our own work before anything leaves the room.
    let refs: Vec<_> = records.iter().collect();
    dnssec::verify(&key.dnskey, &dnssec::signing_input(&rrsig, &refs), &rrsig.signature)
        .context("the token's signature does not verify against its own DNSKEY")?;
    let mut text = String::new();
    for k in &keys {
        text.push_str(&format!("{zone} {} IN DNSKEY {k}\n", a.ttl));
    }
    text.push_str(&dnssec::rrsig_presentation(&zone, &rrsig));
    text.push('\n');
    write_new(ev, &a.output, text.as_bytes())?;
    ev.detail("key_tag", key.dnskey.key_tag());
    ev.detail("rrset_keys", keys.iter().map(|k| k.key_tag()).collect::<Vec<_>>());
    println!(
        "signed the DNSKEY RRset of {zone} ({} keys) with key tag {}: {}",
        keys.len(),
        key.dnskey.key_tag(),
        a.output.display()
    );
    Ok(())
}

pub fn split_key(
    g: &Global,
    ev: &mut Event,
    shares: usize,
    threshold: usize,
    out_dir: &Path,
    wrap_label: &str,
) -> Result<()> {
    ev.key(wrap_label);
    ev.detail("threshold", threshold);
    ev.detail("shares", shares);
    if threshold < 2 || threshold > shares || shares > 255 {
        bail!("need 2 <= threshold ({threshold}) <= shares ({shares}) <= 255");
    }
    if !out_dir.is_dir() {
        bail!("output directory {} does not exist", out_dir.display());
    }
    let paths: Vec<PathBuf> = (1..=shares)
        .map(|i| out_dir.join(format!("share-{i}-of-{shares}.json")))
        .collect();
    for p in &paths {
        refuse_existing(p)?;
    }
    let token = open_token(g, ev, Role::SecurityOfficer)?;
    token.ensure_label_free(wrap_label)?;
    token.require(cryptoki::mechanism::MechanismType::AES_KEY_WRAP_PAD)?;
    confirm(
        &format!(
            "create the trusted AES-256 wrapping key \"{wrap_label}\" on token \"{}\" (serial {}) and split it {threshold}-of-{shares} into {}",
            token.label,
            token.serial,
            out_dir.display()
        ),
        g.yes,
    )?;
    // Token RNG xor host RNG: neither alone decides the key.
    let mut key = Zeroizing::new(token.random(backup::WRAP_KEY_LEN)?);
    for (k, h) in key.iter_mut().zip(host_random(backup::WRAP_KEY_LEN)) {
        *k ^= h;
    }
    let kcv = backup::key_check_value(&key);
    let set = host_random(8);
    let parts = shamir::split(&key, threshold, shares)?;
    let handle = wrap::install_wrap_key(&token, wrap_label, &key)?;
    if let Err(e) = token
        .session()
        .update_attributes(handle, &[cryptoki::object::Attribute::Id(set.clone())])
    {
        wrap::destroy(&token, &[handle]);
        return Err(token.err("C_SetAttributeValue (CKA_ID of the wrapping key)")(e).into());
    }
    let created = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
    ev.detail("set", hex::lower(&set));
    ev.detail("kcv", hex::lower(&kcv));
    println!(
        "wrapping key \"{wrap_label}\" on token \"{}\": key check value\n  {}",
        token.label,
        pgpwords::show(&kcv)
    );
    let mut written = Vec::new();
    for ((index, share), path) in parts.into_iter().zip(&paths) {
        let mut file = ShareFile {
            format: SHARE_FORMAT.into(),
            set: hex::lower(&set),
            wrap_key_label: wrap_label.into(),
            threshold,
            shares,
            index,
            kcv: hex::lower(&kcv),
            share: hex::lower(&share),
            created: created.clone(),
            checksum: String::new(),
        };
        file.checksum = file.sealed_checksum();
        let text = Zeroizing::new(file.to_text());
        if let Err(e) = write_new(ev, path, text.as_bytes()) {
            for p in &written {
                let _ = std::fs::remove_file(p);
            }
            wrap::destroy(&token, &[handle]);
            return Err(e.context("writing the share files (the wrapping key was removed again)"));
        }
        written.push(path.clone());
        let sum = hex::decode(&file.checksum).unwrap_or_default();
        println!(
            "share {index} of {shares} -> {}\n  checksum {}",
            path.display(),
            pgpwords::show(&sum)
        );
    }
    Ok(())
}

pub fn export(g: &Global, ev: &mut Event, label: &str, output: &Path, wrap_label: &str) -> Result<()> {
    ev.key(label);
    ev.key(wrap_label);
    refuse_existing(output)?;
    let token = open_token(g, ev, Role::User)?;
    let key = dnskey_from_token::load(&token, label)?;
    let wrap_handle = token.require_one(cryptoki::object::ObjectClass::SECRET_KEY, wrap_label)?;
    let set = token
        .session()
        .get_attributes(wrap_handle, &[cryptoki::object::AttributeType::Id])
        .map_err(token.err("C_GetAttributeValue"))?
        .into_iter()
        .find_map(|a| match a {
            cryptoki::object::Attribute::Id(v) => Some(v),
            _ => None,
        })
        .unwrap_or_default();
    let wrapped = wrap::export(&token, wrap_label, &key)?;
    let file = BackupFile {
        format: BACKUP_FORMAT.into(),
        label: label.into(),
        id: hex::lower(&key.id),
        algorithm: key.algorithm.number(),
        dnskey: key.dnskey.to_string(),
        key_tag: key.dnskey.key_tag(),
        wrap_key_label: wrap_label.into(),
        set: hex::lower(&set),
        mechanism: "CKM_AES_KEY_WRAP_PAD".into(),
        wrapped: BASE64.encode(&wrapped),
        created: chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        checksum: String::new(),
    };
    let text = file.to_text();
    write_new(ev, output, text.as_bytes())?;
    ev.detail("key_tag", key.dnskey.key_tag());
    let sha = hex::sha256(text.as_bytes());
    println!(
        "key \"{label}\" (key tag {}) wrapped under \"{wrap_label}\" -> {}\n  file SHA-256 {}",
        key.dnskey.key_tag(),
        output.display(),
        pgpwords::show(&sha)
    );
    Ok(())
}

pub fn restore(g: &Global, ev: &mut Event, a: &crate::cli::RestoreArgs) -> Result<()> {
    let bytes = read_input(ev, &a.input)?;
    let backup = BackupFile::parse(&a.input, &bytes)?;
    ev.key(&backup.label);
    let dnskey = dnssec::parse_dnskey_rdata(&backup.dnskey).context("the DNSKEY in the backup file")?;
    let mut shares: Vec<ShareFile> = Vec::new();
    for p in &a.shares {
        let bytes = read_input(ev, p)?;
        shares.push(ShareFile::parse(p, &bytes)?);
    }
    let first = shares[0].clone();
    for (s, p) in shares.iter().zip(&a.shares) {
        if s.set != first.set || s.kcv != first.kcv || s.threshold != first.threshold {
            bail!(
                "{} belongs to another split (set {}) than {} (set {})",
                p.display(),
                s.set,
                a.shares[0].display(),
                first.set
            );
        }
    }
    if first.set != backup.set {
        bail!(
            "the shares are of wrapping-key set {}, but {} was wrapped under set {}",
            first.set,
            a.input.display(),
            backup.set
        );
    }
    let mut indices: Vec<u8> = shares.iter().map(|s| s.index).collect();
    indices.sort();
    indices.dedup();
    if indices.len() < first.threshold {
        bail!(
            "too few shares: the wrapping key needs {} of {} custodian shares, {} distinct given",
            first.threshold,
            first.shares,
            indices.len()
        );
    }
    let parts: Vec<(u8, Vec<u8>)> = shares
        .iter()
        .map(|s| Ok((s.index, hex::decode(&s.share).context("share is not hex")?)))
        .collect::<Result<_>>()?;
    let key = Zeroizing::new(shamir::combine(&parts)?);
    if hex::lower(&backup::key_check_value(&key)) != first.kcv {
        bail!("the shares do not rebuild the wrapping key (key check value mismatch): a share is wrong");
    }
    let wrapped = BASE64
        .decode(backup.wrapped.as_bytes())
        .context("wrapped key is not base64")?;
    let id = hex::decode(&backup.id).context("id is not hex")?;
    let token = open_token(g, ev, Role::User)?;
    token.ensure_label_free(&backup.label)?;
    confirm(
        &format!(
            "unwrap key \"{}\" (key tag {}) onto token \"{}\" (serial {})",
            backup.label,
            dnskey.key_tag(),
            token.label,
            token.serial
        ),
        g.yes,
    )?;
    let (public, private) = wrap::import(&token, &key, &wrapped, &backup.label, &id, &dnskey)?;
    let check = dnskey_from_token::load(&token, &backup.label);
    match check {
        Ok(k) if k.dnskey == dnskey => {}
        other => {
            wrap::destroy(&token, &[public, private]);
            bail!(
                "the restored key does not read back as the backed-up DNSKEY ({}); it was removed again",
                match other {
                    Ok(k) => format!("got key tag {}", k.dnskey.key_tag()),
                    Err(e) => e.to_string(),
                }
            );
        }
    }
    ev.detail("key_tag", dnskey.key_tag());
    println!(
        "restored key \"{}\" (key tag {}) onto token \"{}\"; now run `backup verify` to prove it signs",
        backup.label,
        dnskey.key_tag(),
        token.label
    );
    Ok(())
}

pub fn backup_verify(g: &Global, ev: &mut Event, zone: &str, label: &str, dnskey_file: &Path) -> Result<()> {
    let zone = zone_name(zone)?;
    ev.key(label);
    let text = String::from_utf8(read_input(ev, dnskey_file)?).context("the DNSKEY file is not text")?;
    let mut candidates = Vec::new();
    for (owner, k) in dnssec::read_dnskeys(&text, dnskey_file, &zone)? {
        if owner == zone {
            candidates.push(k);
        }
    }
    if candidates.is_empty() {
        bail!("{} holds no DNSKEY for {zone}", dnskey_file.display());
    }
    let token = open_token(g, ev, Role::User)?;
    let (private, algorithm) = dnskey_from_token::private_key(&token, label)?;
    let mut challenge = b"signet backup verify ".to_vec();
    challenge.extend_from_slice(chrono::Utc::now().to_rfc3339().as_bytes());
    challenge.extend_from_slice(&token.random(32)?);
    challenge.extend_from_slice(&host_random(32));
    ev.detail("challenge_sha256", hex::lower(&hex::sha256(&challenge)));
    let signature = sign::sign(
        &token,
        sign::SigningKey {
            label,
            private,
            algorithm,
        },
        &challenge,
    )?;
    let matched = candidates
        .iter()
        .filter(|k| k.algorithm == algorithm.number())
        .find(|k| dnssec::verify(k, &challenge, &signature).is_ok());
    match matched {
        Some(k) => {
            ev.detail("verified_key_tag", k.key_tag());
            println!(
                "VERIFIED: key \"{label}\" on token \"{}\" (serial {}) signed a fresh challenge that verifies against the DNSKEY with key tag {} in {}",
                token.label,
                token.serial,
                k.key_tag(),
                dnskey_file.display()
            );
            print!("{}", describe_key(&zone, k, ev));
            Ok(())
        }
        None => {
            let tags: Vec<String> = candidates
                .iter()
                .map(|k| format!("{} (alg {})", k.key_tag(), k.algorithm))
                .collect();
            bail!(
                "NOT VERIFIED: key \"{label}\" on token \"{}\" is NOT the key in {}: its signature over a fresh challenge does not verify against any DNSKEY there ({})",
                token.label,
                dnskey_file.display(),
                tags.join(", ")
            )
        }
    }
}

pub fn transcript_show(g: &Global) -> Result<()> {
    let (entries, _) = transcript::verify(&g.transcript)?;
    print!("{}", transcript::show(&entries));
    Ok(())
}

pub fn transcript_verify(g: &Global, expect_head: Option<&str>) -> Result<()> {
    match transcript::verify_against(&g.transcript, expect_head)? {
        None => bail!("transcript {} is empty or missing", g.transcript.display()),
        Some(head) => {
            println!(
                "transcript {} OK: {} entries, hash chain intact; head entry #{} hash\n  {}",
                g.transcript.display(),
                head.seq,
                head.seq,
                pgpwords::show(&head.hash)
            );
            Ok(())
        }
    }
}
