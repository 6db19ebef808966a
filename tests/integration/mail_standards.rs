//! Every email the demo writes is standard mail: it parses with
//! `mail-parser` and with Python's `email` package (policy=default, no
//! defects), and carries a valid Message-ID, a named sender and both
//! alternatives; the manager emails in every language carry the JSON
//! report's figures.

use crate::helpers::aftercare_bin;
use mail_parser::{MessageParser, MimeHeaders};
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
    let mut folders = vec![outbox.clone()];
    for locale in ["en", "ko", "vi", "zh"] {
        folders.push(out.join("manager-emails").join(locale));
    }
    for folder in &folders {
        let python = Command::new("python3")
            .arg(script)
            .arg(folder)
            .output()
            .expect("python3 must be installed to check mail with its email package");
        assert!(
            python.status.success(),
            "Python's email package found defects in {}:\n{}",
            folder.display(),
            String::from_utf8_lossy(&python.stdout)
        );
    }
    assert!(count > 0);
    the_demo_s_manager_emails_carry_each_day_s_json_figures(&out);
}

/// Every day's manager email, in each language, shows that day's CSAT and
/// NPS as `reports/DAY.json` has them, rounded to 0.1, and its picture.
fn the_demo_s_manager_emails_carry_each_day_s_json_figures(out: &std::path::Path) {
    let reports = out.join("reports");
    let mut days = 0;
    for entry in std::fs::read_dir(&reports).unwrap() {
        let path = entry.unwrap().path();
        let Some(day) = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".json"))
            .map(str::to_string)
        else {
            continue;
        };
        let report: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let round = |v: &serde_json::Value| {
            v.as_f64()
                .map(|v| format!("{:.1}", (v * 10.0).round() / 10.0))
        };
        for locale in ["en", "ko", "vi", "zh"] {
            let eml = out
                .join("manager-emails")
                .join(locale)
                .join(format!("{day}.eml"));
            let raw = std::fs::read(&eml).unwrap_or_else(|e| panic!("{}: {e}", eml.display()));
            let m = MessageParser::default().parse(&raw).unwrap();
            let text = m.body_text(0).unwrap().into_owned();
            assert!(
                text.contains(&day),
                "{locale} {day}: the email names its day"
            );
            for (kpi, figure) in [
                ("CSAT", round(&report["csat"]["score"])),
                ("NPS", round(&report["nps"]["score"])),
            ] {
                // The figure's own line: the name, the language's colon,
                // the figure.
                if let Some(f) = figure {
                    assert!(
                        text.lines().any(|l| l.starts_with(kpi)
                            && l[kpi.len()..]
                                .trim_start_matches([':', '：', ' '])
                                .starts_with(&f)),
                        "{locale} {day}: {kpi} {f} not in\n{text}"
                    );
                }
            }
            assert!(
                m.parts
                    .iter()
                    .any(|p| p.content_id() == Some("trend@aftercare")),
                "{locale} {day}: the picture"
            );
        }
        days += 1;
    }
    assert!(
        days >= 12,
        "a manager email for each of the demo's days: {days}"
    );
}
