//! The line Signet writes last in every signed zone file it writes:
//! `; end of zone tld.` — a comment (RFC 1035 §5.1), so servers and
//! validators read past it.
//!
//! Re-signing from a diff takes the zone's data from the previous signed
//! zone file and copies most of it as it is. A copy of that file cut short
//! (a disk that filled, a transfer that stopped, a tool that wrote it in
//! place) is still a well-formed zone file, only a smaller zone, and
//! nothing else in it says so: the names after the cut would vanish from
//! the next zone without a word. The end line says the file is whole.

use keybundles::Name;

const PREFIX: &[u8] = b"; end of zone ";

/// The end line for the zone `apex`, newline included.
pub fn line(apex: &Name) -> String {
    line_for(&apex.to_lowercase().to_string())
}

/// [`line`] for the apex in presentation form, lowercase.
fn line_for(apex: &str) -> String {
    format!("; end of zone {apex}\n")
}

/// Where the text before the end line ends (the end line's offset) when
/// `bytes` ends with the end line of the zone `apex` (presentation form,
/// lowercase); otherwise why the file is not whole, in words for the
/// operator (the caller names the file).
pub fn find(bytes: &[u8], apex: &str) -> Result<usize, String> {
    let expected = line_for(apex);
    let Some(body) = bytes.strip_suffix(b"\n") else {
        return Err(if bytes.is_empty() {
            "it is empty".into()
        } else {
            "its last line stops without a newline: it was cut short".into()
        });
    };
    if body.ends_with(b"\r") {
        return Err("its lines end with CR LF, not with LF as Signet writes them: it was converted since".into());
    }
    let start = memchr::memrchr(b'\n', body).map_or(0, |i| i + 1);
    let last = &bytes[start..];
    if last.eq_ignore_ascii_case(expected.as_bytes()) {
        return Ok(start);
    }
    if last.starts_with(PREFIX) {
        let named = String::from_utf8_lossy(&last[PREFIX.len()..last.len() - 1]).into_owned();
        return Err(format!("it ends the zone {named}, not {apex}"));
    }
    Err(format!(
        "it does not end with the line '{}' that Signet writes last, so it may have been cut short \
         (or was written by another signer, or by an earlier Signet)",
        expected.trim_end()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const APEX: &str = "tld.";

    #[test]
    fn a_whole_file_ends_with_the_line_for_its_apex() {
        let apex: Name = "TLD.".parse().expect("a name");
        assert_eq!(line(&apex), "; end of zone tld.\n");
        let text = "tld.\t3600\tIN\tSOA\tx\n; end of zone tld.\n";
        assert_eq!(find(text.as_bytes(), APEX), Ok(text.find(';').unwrap()));
        // Written in another case by hand: still the same zone.
        assert_eq!(find(b"; END OF ZONE TLD.\n", APEX), Ok(0));
    }

    #[test]
    fn a_file_cut_short_or_of_another_zone_says_so() {
        let whole = "tld.\t3600\tIN\tSOA\tx\na.tld.\t3600\tIN\tNS\tns.a.tld.\n; end of zone tld.\n";
        // Cut at every octet but the last: never taken for whole.
        for cut in 0..whole.len() {
            let why = find(&whole.as_bytes()[..cut], APEX).expect_err("cut short");
            assert!(why.contains("cut short") || why == "it is empty", "cut at {cut}: {why}");
        }
        let converted = whole.replace('\n', "\r\n");
        assert!(find(converted.as_bytes(), APEX).expect_err("CR LF").contains("CR LF"));
        let other = whole.replace("zone tld.", "zone example.");
        assert_eq!(
            find(other.as_bytes(), APEX),
            Err("it ends the zone example., not tld.".into())
        );
    }
}
