//! Every email the demo writes is standard mail: it parses with
//! `mail-parser` and with Python's `email` package (policy=default, no
//! defects), and carries a valid Message-ID, a named sender and both
//! alternatives.

use crate::helpers::aftercare_bin;
use mail_parser::MessageParser;
use std::process::Command;

/// RFC 5322 dot-atom text: atext runs separated by single dots.
fn is_dot_atom(s: &str) -> bool {
    !s.is_empty()
        && s.split('.').all(|run| {
            !run.is_empty()
                && run
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~".contains(&b))
        })
}

#[test]
fn every_demo_email_parses_with_standard_parsers_and_has_a_valid_message_id() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("demo");
    let status = Command::new(aftercare_bin())
        .args(["demo", "--customers", "120", "--days", "12", "--out"])
        .arg(&out)
        .stdout(std::process::Stdio::null())
        .status()
        .expect("running aftercare demo");
    assert!(status.success(), "aftercare demo failed");
    let outbox = out.join("outbox");
    let mut kinds = std::collections::BTreeSet::new();
    let mut count = 0;
    for entry in std::fs::read_dir(&outbox).unwrap() {
        let path = entry.unwrap().path();
        let raw = std::fs::read(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let m = MessageParser::default()
            .parse(&raw)
            .unwrap_or_else(|| panic!("{name} does not parse"));
        let id = m
            .message_id()
            .unwrap_or_else(|| panic!("{name}: no Message-ID"));
        let (local, domain) = id.split_once('@').unwrap_or_else(|| panic!("{name}: {id}"));
        assert!(
            is_dot_atom(local) && is_dot_atom(domain),
            "{name}: bad Message-ID {id:?}"
        );
        let from = m.from().and_then(|f| f.first()).expect("a From");
        assert!(
            from.name().is_some_and(|n| !n.is_empty()),
            "{name}: From has no display name"
        );
        assert!(
            m.subject().is_some_and(|s| !s.is_empty()),
            "{name}: no subject"
        );
        assert!(
            m.body_text(0).is_some() && m.body_html(0).is_some(),
            "{name}: needs text and HTML"
        );
        kinds.insert(name.split('-').next().unwrap_or_default().to_string());
        count += 1;
    }
    for kind in ["survey", "reminder", "alert", "report", "sheet"] {
        assert!(
            kinds.contains(kind),
            "the demo wrote no {kind} email: {kinds:?}"
        );
    }
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/check_mail.py");
    let python = Command::new("python3")
        .arg(script)
        .arg(&outbox)
        .output()
        .expect("python3 must be installed to check mail with its email package");
    assert!(
        python.status.success(),
        "Python's email package found defects in {count} messages:\n{}",
        String::from_utf8_lossy(&python.stdout)
    );
}
