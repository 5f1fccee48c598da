//! Round trips, canonical form, errors, RFC 3597, hickory-proto cross-checks
//! and a no-panic fuzz loop for the RDATA codec.

use super::*;
use crate::rtype::Class;

fn origin() -> Name {
    "Example.COM.".parse().unwrap()
}

fn parse(rtype: Rtype, text: &str) -> Result<Vec<u8>, RdataError> {
    parse_rdata_str(rtype, text, &origin())
}

fn write(rtype: Rtype, wire: &[u8]) -> String {
    let mut s = String::new();
    write_rdata(rtype, wire, &mut s).unwrap();
    s
}

/// One sample per supported type: (type, input, expected presentation).
const SAMPLES: &[(Rtype, &str, &str)] = &[
    (Rtype::A, "192.0.2.1", "192.0.2.1"),
    (Rtype::AAAA, "2001:DB8::1", "2001:db8::1"),
    (Rtype::NS, "NS1", "ns1.example.com."),
    (Rtype::CNAME, "Target.Example.NET.", "target.example.net."),
    (Rtype::DNAME, "@", "example.com."),
    (Rtype::PTR, "host.example.", "host.example."),
    (
        Rtype::SOA,
        "ns1 hostmaster ( 2024010101 1h 15M 1w 3600 )",
        "ns1.example.com. hostmaster.example.com. 2024010101 3600 900 604800 3600",
    ),
    (Rtype::MX, "10 Mail", "10 mail.example.com."),
    (
        Rtype::TXT,
        r#""v=spf1 -all" plain "semi;colon \"q\" \\ \010" """#,
        r#""v=spf1 -all" "plain" "semi;colon \"q\" \\ \010" """#,
    ),
    (Rtype::SPF, "\"v=spf1 -all\"", "\"v=spf1 -all\""),
    (Rtype::SRV, "0 5 5060 SIP.example.com.", "0 5 5060 sip.example.com."),
    (Rtype::CAA, "0 issue \"letsencrypt.org\"", "0 issue \"letsencrypt.org\""),
    (Rtype::CAA, "128 iodef mailto:security@example.com", "128 iodef \"mailto:security@example.com\""),
    (
        Rtype::TLSA,
        "3 1 1 ( d2abde240d7cd3ee6b4b28c54df034b9 7983a1d16e8a410e4561cb106618e971 )",
        "3 1 1 D2ABDE240D7CD3EE6B4B28C54DF034B97983A1D16E8A410E4561CB106618E971",
    ),
    (Rtype::SMIMEA, "3 0 1 ABCDEF", "3 0 1 ABCDEF"),
    (Rtype::SSHFP, "4 2 123456789abcdef67890123456789abcdef67890123456789abcdef123456789", "4 2 123456789ABCDEF67890123456789ABCDEF67890123456789ABCDEF123456789"),
    (
        Rtype::NAPTR,
        "100 10 \"S\" \"SIP+D2U\" \"!^.*$!sip:customer-service@example.com!\" _sip._udp.Example.com.",
        "100 10 \"S\" \"SIP+D2U\" \"!^.*$!sip:customer-service@example.com!\" _sip._udp.example.com.",
    ),
    (Rtype::HINFO, "\"PC-Intel-700MHz\" Linux", "\"PC-Intel-700MHz\" \"Linux\""),
    (
        Rtype::DS,
        "60485 RSASHA1 1 ( 2BB183AF5F22588179A53B0A 98631FAD1A292118 )",
        "60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118",
    ),
    (Rtype::CDS, "0 0 0 00", "0 0 0 00"),
    (
        Rtype::DNSKEY,
        "256 3 5 ( AQPSKmynfzW4kyBv015MUG2DeIQ3\n Cbl+BBZH4b/0PY1kxkmvHjcZc8no\n kfzj31GajIQKY+5CptLr3buXA10h\n WqTkF7H6RfoRqXQeogmMHfpftf6z\n Mv1LyBUgia7za6ZEzOJBOztyvhjL\n 742iU/TpPSEDhm2SNKLijfUppn1U\n aNvv4w==  )",
        "256 3 5 AQPSKmynfzW4kyBv015MUG2DeIQ3Cbl+BBZH4b/0PY1kxkmvHjcZc8nokfzj31GajIQKY+5CptLr3buXA10hWqTkF7H6RfoRqXQeogmMHfpftf6zMv1LyBUgia7za6ZEzOJBOztyvhjL742iU/TpPSEDhm2SNKLijfUppn1UaNvv4w==",
    ),
    (Rtype::CDNSKEY, "0 3 0 AA==", "0 3 0 AA=="),
    (Rtype::OPENPGPKEY, "AQID BA==", "AQIDBA=="),
    (
        Rtype::RRSIG,
        "A 5 3 86400 20030322173103 ( 20030220173103 2642 Example.com.\n oJB1W6WNGv+ldvQ3WDG0MQkg5IEhjRip8WTr\n PYGv07h108dUKGMeDPKijVCHX3DDKdfb+v6o\n B9wfuh3DTJXUAfI/M0zmO/zz8bW0Rznl8O3t\n GNazPwQKkRN20XPXV6nwwfoXmJQbsLNrLfkG\n J5D6fwFm8nN+6pBzeDQfsS3Ap3o= )",
        "A 5 3 86400 20030322173103 20030220173103 2642 example.com. oJB1W6WNGv+ldvQ3WDG0MQkg5IEhjRip8WTrPYGv07h108dUKGMeDPKijVCHX3DDKdfb+v6oB9wfuh3DTJXUAfI/M0zmO/zz8bW0Rznl8O3tGNazPwQKkRN20XPXV6nwwfoXmJQbsLNrLfkGJ5D6fwFm8nN+6pBzeDQfsS3Ap3o=",
    ),
    (Rtype::NSEC, "Host.Example.com. A MX RRSIG NSEC TYPE1234", "Host.Example.com. A MX RRSIG NSEC TYPE1234"),
    (Rtype::NSEC, "next NSEC", "next.Example.COM. NSEC"),
    (
        Rtype::NSEC3,
        "1 1 12 aabbccdd ( 2t7b4g4vsa5smi47k61mv5bv1a22bojr MX DNSKEY NS SOA NSEC3PARAM RRSIG )",
        "1 1 12 AABBCCDD 2T7B4G4VSA5SMI47K61MV5BV1A22BOJR NS SOA MX RRSIG DNSKEY NSEC3PARAM",
    ),
    (Rtype::NSEC3, "1 0 0 - 2T7B4G4VSA5SMI47K61MV5BV1A22BOJR", "1 0 0 - 2T7B4G4VSA5SMI47K61MV5BV1A22BOJR"),
    (Rtype::NSEC3PARAM, "1 0 0 -", "1 0 0 -"),
    (Rtype::NSEC3PARAM, "1 0 10 AABB", "1 0 10 AABB"),
    (
        Rtype::ZONEMD,
        "2018031900 1 1 ( c68090d90a7aed71 6bc459f9340e3d7c 1370d4d24b7e2fc3 a1ddc0b9a87153b9 a9713b3c9ae5cc27 777f98b8e730044c )",
        "2018031900 1 1 C68090D90A7AED716BC459F9340E3D7C1370D4D24B7E2FC3A1DDC0B9A87153B9A9713B3C9AE5CC27777F98B8E730044C",
    ),
    (Rtype::SVCB, "0 Pool.svc.example.", "0 Pool.svc.example."),
    (Rtype::SVCB, "1 .", "1 ."),
    (Rtype::HTTPS, "1 . alpn=h2,h3 port=8443", "1 . alpn=\"h2,h3\" port=8443"),
    (
        Rtype::SVCB,
        "16 foo.example.org. ( alpn=h2,h3-19 mandatory=ipv4hint,alpn ipv4hint=192.0.2.1 )",
        "16 foo.example.org. mandatory=alpn,ipv4hint alpn=\"h2,h3-19\" ipv4hint=192.0.2.1",
    ),
    (
        Rtype::SVCB,
        "1 foo.example.com. key667=\"hello\\210qoo\" ipv6hint=\"2001:db8::1,2001:db8::53:1\"",
        "1 foo.example.com. ipv6hint=2001:db8::1,2001:db8::53:1 key667=\"hello\\210qoo\"",
    ),
    (
        Rtype::SVCB,
        r#"16 foo.example.org. alpn="f\\\\oo\\,bar,h2""#,
        r#"16 foo.example.org. alpn="f\\\\oo\\,bar,h2""#,
    ),
    (Rtype::HTTPS, "1 . no-default-alpn alpn=h3 ech=AQID", "1 . alpn=\"h3\" no-default-alpn ech=AQID"),
    (Rtype::URI, "10 1 \"ftp://ftp1.example.com/public\"", "10 1 \"ftp://ftp1.example.com/public\""),
    (Rtype::CSYNC, "66 3 A NS AAAA", "66 3 A NS AAAA"),
    (Rtype::MINFO, "Admin Errors", "admin.example.com. errors.example.com."),
    (Rtype::RP, "Mbox.example. TXT.example.", "mbox.example. txt.example."),
    (Rtype::AFSDB, "1 AFS.example.", "1 afs.example."),
    (Rtype::KX, "10 KX.example.", "10 kx.example."),
    (Rtype::RT, "10 RT.example.", "10 rt.example."),
    (Rtype::PX, "10 Map822.example. MapX400.example.", "10 map822.example. mapx400.example."),
    (Rtype::MD, "MD.example.", "md.example."),
    (Rtype::MF, "MF.example.", "mf.example."),
    (Rtype::MB, "MB.example.", "mb.example."),
    (Rtype::MG, "MG.example.", "mg.example."),
    (Rtype::MR, "MR.example.", "mr.example."),
];

#[test]
fn every_sample_parses_writes_and_round_trips() {
    for &(rtype, input, expected) in SAMPLES {
        let wire = parse(rtype, input).unwrap_or_else(|e| panic!("{rtype} {input}: {e}"));
        let text = write(rtype, &wire);
        assert_eq!(text, expected, "{rtype} {input}");
        let again = parse(rtype, &text).unwrap_or_else(|e| panic!("{rtype} {text}: {e}"));
        assert_eq!(again, wire, "{rtype} round trip of {text}");
        // Generic form round-trips too and gives the same wire.
        let mut generic = String::new();
        write_generic(&wire, &mut generic);
        assert_eq!(parse(rtype, &generic).unwrap(), wire, "{rtype} via {generic}");
    }
}

#[test]
fn canonical_types_store_lowercase_names_others_keep_case() {
    let upper = |rtype, text| parse(rtype, text).unwrap().iter().any(u8::is_ascii_uppercase);
    assert!(!upper(Rtype::NS, "NS1.EXAMPLE."));
    assert!(!upper(Rtype::SOA, "NS1.EXAMPLE. HOST.EXAMPLE. 1 2 3 4 5"));
    assert!(!upper(Rtype::MX, "1 MX.EXAMPLE."));
    assert!(!upper(Rtype::SRV, "1 2 3 SRV.EXAMPLE."));
    assert!(!upper(Rtype::PTR, "PTR.EXAMPLE."));
    assert!(!upper(Rtype::DNAME, "D.EXAMPLE."));
    assert!(upper(Rtype::NSEC, "NEXT.EXAMPLE. A"));
    assert!(upper(Rtype::SVCB, "1 TARGET.EXAMPLE."));
    // RRSIG signer name lowercased, base64 untouched.
    let wire = parse(Rtype::RRSIG, "A 13 2 300 20250101000000 20240101000000 1 EXAMPLE. QUJD").unwrap();
    assert!(write(Rtype::RRSIG, &wire).ends_with(" example. QUJD"));
    // Generic input for a canonical type is lowercased too.
    let generic = parse(Rtype::NS, "\\# 4 01 41 00 00").unwrap_err();
    assert!(matches!(generic, RdataError::BadWire { .. }), "{generic}");
    assert_eq!(parse(Rtype::NS, "\\# 3 014100").unwrap(), b"\x01a\x00");
    assert_eq!(parse(Rtype::NSEC, "\\# 3 014100").unwrap(), b"\x01A\x00");
    assert!(has_canonical_lowercase_names(Rtype::RRSIG));
    assert!(!has_canonical_lowercase_names(Rtype::NSEC));
}

#[test]
fn parse_rdata_takes_lexer_tokens() {
    let tokens = [Token::new(b"a b;c", true), Token::plain("d\\068")];
    assert_eq!(parse_rdata(Rtype::TXT, &tokens, &origin()).unwrap(), b"\x05a b;c\x02dD");
    let tokens = [Token::plain("10"), Token::plain("MAIL")];
    assert_eq!(
        parse_rdata(Rtype::MX, &tokens, &origin()).unwrap(),
        b"\x00\x0a\x04mail\x07example\x03com\x00"
    );
    let generic = [
        Token::plain("\\#"),
        Token::plain("2"),
        Token::plain("0a"),
        Token::plain("0b"),
    ];
    assert_eq!(parse_rdata(Rtype(4000), &generic, &origin()).unwrap(), [10, 11]);
    assert_eq!(Token::plain("x").as_str(), Some("x"));
}

#[test]
fn names_escapes_and_at() {
    let wire = parse(Rtype::CNAME, "a\\.b.c\\032d").unwrap();
    assert_eq!(write(Rtype::CNAME, &wire), "a\\.b.c\\032d.example.com.");
    assert_eq!(parse(Rtype::NS, "@").unwrap(), b"\x07example\x03com\x00");
    assert_eq!(parse(Rtype::NS, ".").unwrap(), b"\x00");
    // In a character string \. is a plain dot and \DDD a byte.
    assert_eq!(parse(Rtype::TXT, "a\\.b\\065").unwrap(), b"\x04a.bA");
}

#[test]
fn rfc3597_examples() {
    // RFC 3597 §5 examples.
    let wire = parse(Rtype(731), "\\# 6 abcd (\n ef 01 23 45 )").unwrap();
    assert_eq!(wire, [0xab, 0xcd, 0xef, 0x01, 0x23, 0x45]);
    assert_eq!(write(Rtype(731), &wire), "\\# 6 ABCDEF012345");
    assert_eq!(parse(Rtype(62347), "\\# 0").unwrap(), b"");
    assert_eq!(write(Rtype(62347), b""), "\\# 0");
    assert_eq!(parse(Rtype::A, "\\# 4 0A000001").unwrap(), [10, 0, 0, 1]);
    assert_eq!(parse(Rtype(65280), "\\# 4 0A 00 00 01").unwrap(), [10, 0, 0, 1]);
    // Length mismatch, bad hex, missing length.
    for bad in [
        "\\# 5 0A000001",
        "\\# 4 0A0000zz",
        "\\#",
        "\\# x",
        "\\# 2 ABC",
        "\\# 70000",
    ] {
        let err = parse(Rtype(65280), bad).unwrap_err();
        assert!(matches!(err, RdataError::Generic { .. }), "{bad}: {err}");
    }
    // A known type in generic form must still be valid for the type.
    let err = parse(Rtype::A, "\\# 3 0A0000").unwrap_err();
    assert!(err.to_string().contains("truncated"), "{err}");
    // Types without a descriptor need generic form.
    let err = parse(Rtype::LOC, "52 22 23.000 N 4 53 32.000 E -2.00m").unwrap_err();
    assert_eq!(err, RdataError::NeedsGeneric { rtype: Rtype::LOC });
    assert!(err.to_string().contains("\\# <length> <hex>"));
    assert_eq!(write(Rtype::LOC, &[1, 2]), "\\# 2 0102");
    // A quoted "\#" is not the marker.
    let err = parse(Rtype::A, "\"\\#\" 0").unwrap_err();
    assert!(matches!(err, RdataError::Invalid { .. }), "{err}");
}

#[test]
fn errors_name_field_expectation_and_token() {
    let cases: &[(Rtype, &str, &str)] = &[
        (Rtype::A, "", "missing RDATA: A needs an IPv4 address"),
        (
            Rtype::A,
            "192.0.2.300",
            "A address: expected an IPv4 address, found '192.0.2.300'",
        ),
        (Rtype::A, "192.0.2.1 192.0.2.2", "A: unexpected extra RDATA '192.0.2.2'"),
        (Rtype::AAAA, "192.0.2.1", "AAAA address: expected an IPv6 address"),
        (
            Rtype::DS,
            "1 13 sha256 AB",
            "DS digest type: expected a number 0-255, found 'sha256'",
        ),
        (
            Rtype::DS,
            "1 13 2",
            "missing RDATA: DS needs hexadecimal digits (digest)",
        ),
        (
            Rtype::DS,
            "1 13 2 XYZ",
            "DS digest: expected hexadecimal digits, found 'XYZ'",
        ),
        (Rtype::DS, "1 13 2 ABC", "DS digest: expected hexadecimal digits"),
        (
            Rtype::DS,
            "70000 13 2 AB",
            "DS key tag: expected a number 0-65535, found '70000'",
        ),
        (Rtype::DS, "1 BOGUS 2 AB", "DS algorithm: expected an algorithm number"),
        (Rtype::DNSKEY, "257 3 13 !!!", "DNSKEY public key: expected base64 data"),
        (Rtype::MX, "10", "missing RDATA: MX needs a domain name (exchange)"),
        (Rtype::MX, "10 a..b", "MX exchange: bad domain name 'a..b'"),
        (Rtype::SOA, "a b 1 2 3 4 1y", "SOA minimum: expected a TTL"),
        (
            Rtype::RRSIG,
            "A 13 2 300 2025-01-01 20240101000000 1 x. QUJD",
            "RRSIG expiration: expected a time",
        ),
        (
            Rtype::RRSIG,
            "BOGUS 13 2 300 20250101000000 20240101000000 1 x. QUJD",
            "RRSIG type covered: expected a record type, found 'BOGUS'",
        ),
        (
            Rtype::NSEC,
            "x. A BOGUS",
            "NSEC type bitmap: expected record types, found 'BOGUS'",
        ),
        (
            Rtype::NSEC3,
            "1 0 0 - 0 A",
            "NSEC3 next hashed owner: expected a base32hex hash",
        ),
        (
            Rtype::NSEC3PARAM,
            "1 0 0 XY",
            "NSEC3PARAM salt: expected a hexadecimal salt",
        ),
        (Rtype::TXT, "", "missing RDATA: TXT needs one or more character strings"),
        (
            Rtype::CAA,
            "0 is-sue x",
            "CAA tag: expected a tag of letters and digits",
        ),
        (
            Rtype::SVCB,
            "1 . port=http",
            "SVCB parameters: port: expected a number 0-65535",
        ),
        (Rtype::SVCB, "1 . bogus=1", "unknown SvcParam key 'bogus'"),
        (Rtype::SVCB, "1 . alpn=h2 alpn=h3", "key alpn appears twice"),
        (Rtype::SVCB, "1 . no-default-alpn=x", "takes no value"),
        (Rtype::SVCB, "1 . ipv4hint=::1", "is not an IPv4 address"),
        (
            Rtype::SVCB,
            "1 . mandatory=port alpn=h2",
            "mandatory lists port, which is not present",
        ),
        (Rtype::SVCB, "1 . mandatory=mandatory", "must not list itself"),
    ];
    for &(rtype, input, expected) in cases {
        let err = parse(rtype, input).unwrap_err().to_string();
        assert!(
            err.contains(expected),
            "{rtype} '{input}': got '{err}', expected '{expected}'"
        );
    }
    let long = format!("\"{}\"", "x".repeat(256));
    let err = parse(Rtype::TXT, &long).unwrap_err().to_string();
    assert!(err.contains("256 octets long; the maximum is 255"), "{err}");
    let err = parse(Rtype::TXT, "\"unterminated").unwrap_err().to_string();
    assert!(err.contains("unterminated"), "{err}");
}

#[test]
fn bad_wire_is_rejected_not_panicking() {
    let cases: &[(Rtype, &[u8])] = &[
        (Rtype::A, &[1, 2, 3]),
        (Rtype::A, &[1, 2, 3, 4, 5]),
        (Rtype::NS, &[3, b'a', b'b']),
        (Rtype::NS, &[1, b'a', 0, 0]),
        (Rtype::NS, &[0xc0, 0x0c]),
        (Rtype::MX, &[0]),
        (Rtype::TXT, &[]),
        (Rtype::TXT, &[5, b'a']),
        (Rtype::DS, &[0, 1, 13, 2]),
        (Rtype::NSEC, &[0, 0, 0]),
        (Rtype::NSEC3, &[1, 0, 0, 0, 0, 0]),
        (Rtype::SVCB, &[0, 1, 0, 0, 3, 0, 1]),
        (Rtype::SVCB, &[0, 1, 0, 0, 3, 0, 2, 1, 187, 0, 1, 0, 1, b'x']),
        (Rtype::SVCB, &[0, 1, 0, 0, 0, 0, 2, 0, 3]),
        (Rtype::CAA, &[0, 0]),
        (Rtype::SOA, &[0, 0, 1, 2, 3]),
    ];
    for &(rtype, wire) in cases {
        let mut s = String::from("keep");
        assert!(write_rdata(rtype, wire, &mut s).is_err(), "{rtype} {wire:?}");
        assert_eq!(s, "keep", "nothing appended on error");
        assert!(validate_rdata(rtype, wire).is_err());
    }
}

#[test]
fn record_display_and_fallback() {
    let ns = Record::new(
        origin().to_lowercase(),
        Class::IN,
        3600,
        Rtype::NS,
        parse(Rtype::NS, "ns1").unwrap(),
    );
    assert_eq!(ns.to_string(), "example.com.\t3600\tIN\tNS\tns1.example.com.");
    let bad = Record::new(origin().to_lowercase(), Class::IN, 60, Rtype::A, vec![1, 2, 3]);
    assert_eq!(bad.to_string(), "example.com.\t60\tIN\tA\t\\# 3 010203");
    let unknown = Record::new(origin().to_lowercase(), Class::IN, 60, Rtype(65280), vec![10, 0, 0, 1]);
    assert_eq!(unknown.to_string(), "example.com.\t60\tIN\tTYPE65280\t\\# 4 0A000001");
}

/// Deterministic xorshift, enough to shake out panics.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

const FUZZ_TYPES: &[Rtype] = &[
    Rtype::A,
    Rtype::AAAA,
    Rtype::NS,
    Rtype::SOA,
    Rtype::MX,
    Rtype::TXT,
    Rtype::CNAME,
    Rtype::DNAME,
    Rtype::SRV,
    Rtype::CAA,
    Rtype::TLSA,
    Rtype::SSHFP,
    Rtype::NAPTR,
    Rtype::HINFO,
    Rtype::PTR,
    Rtype::DS,
    Rtype::DNSKEY,
    Rtype::CDS,
    Rtype::CDNSKEY,
    Rtype::SVCB,
    Rtype::HTTPS,
    Rtype::ZONEMD,
    Rtype::RRSIG,
    Rtype::NSEC,
    Rtype::NSEC3,
    Rtype::NSEC3PARAM,
    Rtype::URI,
    Rtype::CSYNC,
    Rtype::LOC,
    Rtype(65280),
];

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let alphabet = b"0123456789abcdefABCDEF .\\\"();=,-#:@\n\tz\x00\xff";
    for round in 0..20_000 {
        let rtype = FUZZ_TYPES[round % FUZZ_TYPES.len()];
        let len = (rng.next() % 48) as usize;
        let wire: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        let mut s = String::new();
        if write_rdata(rtype, &wire, &mut s).is_ok() {
            // Whatever we write must read back to the same wire (modulo
            // canonical lowercasing).
            let back = parse(rtype, &s).unwrap_or_else(|e| panic!("{rtype} {s}: {e}"));
            let mut expected = wire.clone();
            if let Some(d) = descriptor::descriptor(rtype) {
                fields::canonicalize(d, &mut expected);
            }
            assert_eq!(back, expected, "{rtype} {s}");
        }
        let text: Vec<u8> = (0..len)
            .map(|_| alphabet[(rng.next() as usize) % alphabet.len()])
            .collect();
        let text = String::from_utf8_lossy(&text);
        let _ = parse(rtype, &text);
        let mut generic = String::new();
        write_generic(&wire, &mut generic);
        let _ = parse(rtype, &generic);
    }
}

mod hickory {
    use super::*;
    use hickory_proto::rr::{RData, RecordType};
    use hickory_proto::serialize::binary::{BinDecoder, BinEncodable, BinEncoder, Restrict};

    /// Types hickory-proto 0.26 (without its dnssec feature) decodes into a
    /// structure rather than `Unknown`; for these its re-encoding must equal
    /// ours.
    fn hickory_knows(rtype: Rtype) -> bool {
        matches!(
            rtype,
            Rtype::A
                | Rtype::AAAA
                | Rtype::NS
                | Rtype::CNAME
                | Rtype::PTR
                | Rtype::SOA
                | Rtype::MX
                | Rtype::TXT
                | Rtype::SRV
                | Rtype::CAA
                | Rtype::TLSA
                | Rtype::SSHFP
                | Rtype::NAPTR
                | Rtype::HINFO
                | Rtype::SVCB
                | Rtype::HTTPS
                | Rtype::OPENPGPKEY
                | Rtype::CSYNC
        )
    }

    #[test]
    fn hickory_decodes_our_wire_and_re_encodes_it_identically() {
        for &(rtype, input, _) in SAMPLES {
            let wire = parse(rtype, input).unwrap();
            let mut decoder = BinDecoder::new(&wire);
            let rdata = RData::read(
                &mut decoder,
                RecordType::from(rtype.0),
                Restrict::new(wire.len() as u16),
            )
            .unwrap_or_else(|e| panic!("hickory cannot decode {rtype} {input}: {e}"));
            assert_eq!(decoder.index(), wire.len(), "{rtype}: hickory left octets");
            if hickory_knows(rtype) {
                let mut bytes = Vec::new();
                let mut encoder = BinEncoder::new(&mut bytes);
                encoder.set_canonical_form(true);
                rdata.emit(&mut encoder).unwrap();
                assert_eq!(bytes, wire, "{rtype} {input}: hickory re-encodes differently");
            }
        }
    }
}

/// The samples as a zone file, with an apex SOA, NS and glue.
fn samples_zone_text() -> String {
    let apex = origin().to_lowercase();
    let mut text = String::from("$ORIGIN example.com.\n");
    let mut push = |owner: &str, rtype: Rtype, wire: Vec<u8>| {
        let owner = if owner == "@" {
            apex.clone()
        } else {
            Name::parse(owner, Some(&apex)).unwrap()
        };
        text.push_str(&format!("{}\n", Record::new(owner, Class::IN, 300, rtype, wire)));
    };
    push(
        "@",
        Rtype::SOA,
        parse(Rtype::SOA, "ns1 hostmaster 1 3600 900 604800 300").unwrap(),
    );
    push("@", Rtype::NS, parse(Rtype::NS, "ns1").unwrap());
    push("ns1", Rtype::A, vec![192, 0, 2, 53]);
    for (i, &(rtype, input, _)) in SAMPLES.iter().enumerate() {
        // BIND refuses MD and MF, Knot all obsolete mailbox types and PX;
        // the apex has the SOA.
        let obsolete = matches!(
            rtype,
            Rtype::MD | Rtype::MF | Rtype::MB | Rtype::MG | Rtype::MR | Rtype::PX
        );
        if rtype != Rtype::SOA && !obsolete {
            push(&format!("s{i}"), rtype, parse(rtype, input).unwrap());
        }
    }
    push("u", Rtype(65280), vec![10, 0, 0, 1]);
    text
}

fn zone_records(path: &std::path::Path) -> Vec<Record> {
    let mut records: Vec<Record> = crate::zonefile::ZoneReader::open(path, &origin())
        .unwrap()
        .map(|r| r.unwrap_or_else(|e| panic!("{e}")).record)
        .collect();
    records.sort_by(|a, b| (&a.owner, a.rtype, &a.rdata).cmp(&(&b.owner, b.rtype, &b.rdata)));
    records
}

/// Our presentation output is read by ldns and BIND, and what they print
/// back reads to exactly the same records (wire-identical RDATA). Skipped
/// when the tools are not installed.
#[test]
fn ldns_and_bind_read_our_output() {
    let dir = std::env::temp_dir().join(format!("keybundles-rdata-ext-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ours = dir.join("ours.zone");
    std::fs::write(&ours, samples_zone_text()).unwrap();
    let expected = zone_records(&ours);
    assert_eq!(expected.len(), SAMPLES.len() - 3);
    let run = |program: &str, args: &[&std::ffi::OsStr], out: &std::path::Path, stdout: bool| -> bool {
        let mut cmd = std::process::Command::new(program);
        cmd.args(args);
        let Ok(output) = cmd.output() else {
            eprintln!("{program} not available; skipped");
            return false;
        };
        assert!(
            output.status.success(),
            "{program} rejected our output: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        if stdout {
            std::fs::write(out, &output.stdout).unwrap();
        }
        true
    };
    let ldns_out = dir.join("ldns.zone");
    if run("ldns-read-zone", &[ours.as_os_str()], &ldns_out, true) {
        assert_eq!(zone_records(&ldns_out), expected, "ldns");
    }
    let bind_out = dir.join("bind.zone");
    let args: Vec<&std::ffi::OsStr> = ["-k", "ignore", "-i", "none", "-o"]
        .iter()
        .map(std::ffi::OsStr::new)
        .chain([
            bind_out.as_os_str(),
            std::ffi::OsStr::new("example.com"),
            ours.as_os_str(),
        ])
        .collect();
    if run("named-compilezone", &args, &bind_out, false) {
        assert_eq!(zone_records(&bind_out), expected, "BIND");
    }
    let args = ["-o", "example.com"].map(std::ffi::OsStr::new);
    run("kzonecheck", &[args[0], args[1], ours.as_os_str()], &bind_out, false);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn every_descriptor_type_has_a_sample() {
    for code in 0..=u16::MAX {
        let rtype = Rtype(code);
        if descriptor::descriptor(rtype).is_some() {
            assert!(SAMPLES.iter().any(|s| s.0 == rtype), "no sample for {rtype}");
        }
    }
}

#[test]
fn record_write_text_matches_display_and_falls_back_to_rfc3597() {
    let owner: Name = "www.example.com.".parse().unwrap();
    let cases = [
        Record::new(owner.clone(), Class::IN, 4294967295, Rtype::A, vec![192, 0, 2, 1]),
        Record::new(owner.clone(), Class(3), 0, Rtype(65280), vec![1, 2]),
        // Malformed A RDATA (3 octets): written in generic form.
        Record::new(owner, Class::IN, 300, Rtype::A, vec![1, 2, 3]),
    ];
    let expected = [
        "www.example.com.\t4294967295\tIN\tA\t192.0.2.1",
        "www.example.com.\t0\tCH\tTYPE65280\t\\# 2 0102",
        "www.example.com.\t300\tIN\tA\t\\# 3 010203",
    ];
    for (record, expected) in cases.iter().zip(expected) {
        let mut text = String::new();
        record.write_text(&mut text);
        assert_eq!(text, expected);
        assert_eq!(record.to_string(), expected);
    }
}

#[test]
fn addresses_of_a_and_aaaa_only() {
    assert_eq!(address(Rtype::A, &[192, 0, 2, 1]), Some("192.0.2.1".parse().unwrap()));
    let v6: std::net::IpAddr = "2001:db8::1".parse().unwrap();
    let std::net::IpAddr::V6(octets) = v6 else {
        unreachable!()
    };
    assert_eq!(address(Rtype::AAAA, &octets.octets()), Some(v6));
    // Wrong length for the type, or another type of the same length.
    assert_eq!(address(Rtype::A, &octets.octets()), None);
    assert_eq!(address(Rtype::AAAA, &[192, 0, 2, 1]), None);
    assert_eq!(address(Rtype::TXT, &[3, b'a', b'b', b'c']), None);
}
