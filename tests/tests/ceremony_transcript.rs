//! The transcript is a hash chain: `transcript verify` passes on the file as written and fails
//! for an edited, removed or reordered entry, and for a truncated tail against the witnessed head.

mod ceremony_support;

use ceremony_support::Hsm;

fn lines(hsm: &Hsm) -> Vec<String> {
    std::fs::read_to_string(hsm.transcript())
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

fn with(hsm: &Hsm, lines: &[String]) -> String {
    let p = hsm.path("tampered.jsonl");
    std::fs::write(&p, lines.iter().map(|l| format!("{l}\n")).collect::<String>()).unwrap();
    hsm.fail(&["--transcript", "tampered.jsonl", "transcript", "verify"])
}

#[test]
fn tampering_is_detected() {
    let hsm = Hsm::new(&["t"]);
    hsm.run(&["token", "list"]);
    hsm.run(&[
        "--yes",
        "keygen",
        "--zone",
        "example.com",
        "--label",
        "ksk",
        "--algorithm",
        "13",
    ]);
    hsm.run(&["ds", "--zone", "example.com", "--label", "ksk"]);
    hsm.fail(&["ds", "--zone", "example.com", "--label", "missing"]);
    let ok = hsm.run(&["transcript", "verify"]);
    assert!(ok.contains("OK: 4 entries"), "{ok}");
    let head = ok
        .lines()
        .skip_while(|l| !l.contains("head entry"))
        .nth(1)
        .unwrap()
        .trim()
        .to_string();
    hsm.run(&["transcript", "verify", "--expect-head", &head]);
    let shown = hsm.run(&["transcript", "show"]);
    assert!(shown.contains("#2 ") && shown.contains("keygen OK"), "{shown}");
    assert!(shown.contains("ds FAILED"), "{shown}");

    let orig = lines(&hsm);
    assert_eq!(orig.len(), 4);

    let mut edited = orig.clone();
    edited[1] = edited[1].replace("\"ksk\"", "\"KSK\"");
    assert_ne!(edited[1], orig[1]);
    let err = with(&hsm, &edited);
    assert!(err.contains("BROKEN at line 2"), "{err}");

    let mut result_edited = orig.clone();
    result_edited[3] = result_edited[3].replace("\"failed\"", "\"ok\"");
    let err = with(&hsm, &result_edited);
    assert!(err.contains("BROKEN at line 4") && err.contains("edited"), "{err}");

    let removed = vec![orig[0].clone(), orig[2].clone(), orig[3].clone()];
    let err = with(&hsm, &removed);
    assert!(err.contains("BROKEN at line 2"), "{err}");

    let reordered = vec![orig[0].clone(), orig[2].clone(), orig[1].clone(), orig[3].clone()];
    let err = with(&hsm, &reordered);
    assert!(err.contains("BROKEN at line 2"), "{err}");

    // Cutting off the last entry keeps a valid chain, but not the one the witnesses wrote down.
    std::fs::write(
        hsm.path("truncated.jsonl"),
        orig[..3].iter().map(|l| format!("{l}\n")).collect::<String>(),
    )
    .unwrap();
    hsm.run(&["--transcript", "truncated.jsonl", "transcript", "verify"]);
    let err = hsm.fail(&[
        "--transcript",
        "truncated.jsonl",
        "transcript",
        "verify",
        "--expect-head",
        &head,
    ]);
    assert!(err.contains("witnessed head"), "{err}");

    // A broken transcript is not appended to.
    std::fs::write(
        hsm.transcript(),
        edited.iter().map(|l| format!("{l}\n")).collect::<String>(),
    )
    .unwrap();
    let err = hsm.fail(&["token", "list"]);
    assert!(err.contains("BROKEN"), "{err}");
    // …and nothing touches a token while it is broken.
    let err = hsm.fail(&[
        "--yes",
        "keygen",
        "--zone",
        "example.com",
        "--label",
        "k2",
        "--algorithm",
        "13",
    ]);
    assert!(err.contains("BROKEN"), "{err}");
    std::fs::write(
        hsm.transcript(),
        orig.iter().map(|l| format!("{l}\n")).collect::<String>(),
    )
    .unwrap();
    let list = hsm.run(&["keys", "list"]);
    assert!(!list.contains("k2"), "{list}");
}
