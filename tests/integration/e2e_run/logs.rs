//! SPEC 12: the end-to-end data set through `aftercare run` at its most
//! verbose (`AFTERCARE_LOG=trace`), and then the operator commands over
//! what it wrote: no customer's address, phone, name, comment or note in
//! anything they print to their logs.

use super::{run_args, s, seed, until, write_lines, Setup};
use crate::dataset;
use crate::helpers::aftercare_bin;
use chrono::SecondsFormat;
use serde_json::Value;
use std::collections::BTreeSet;
use std::process::Command;

/// Every personal value of the data set (long enough to be telling: a
/// comment of "ok" would match any text).
fn personal_values(events: &[Value]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for e in events {
        let d = &e["detail"];
        for v in [
            &d["customer"]["email"],
            &d["customer"]["phone"],
            &d["customer"]["name"],
            &d["comment"],
            &d["notes"],
        ] {
            if let Some(text) = v.as_str().filter(|t| t.chars().count() >= 8) {
                out.insert(text.to_string());
            }
        }
    }
    out
}

#[test]
fn the_runs_and_the_operator_commands_most_verbose_logs_carry_no_personal_data() {
    let setup = Setup::new();
    let events = dataset::generate(seed(), 120);
    let secrets = personal_values(&events);
    assert!(
        secrets.len() > 100,
        "the data set has personal data to look for"
    );
    let file = setup.path("events.jsonl");
    write_lines(
        &file,
        &events.iter().map(|e| e.to_string()).collect::<Vec<_>>(),
    );
    let data = setup.path("data");
    let until = until(&events).to_rfc3339_opts(SecondsFormat::Secs, true);
    let day = until[..10].to_string();
    let commands: Vec<Vec<&str>> = vec![
        run_args(&data, &file, &until).to_vec(),
        vec![
            "report",
            "--data",
            s(&data),
            "--date",
            &day,
            "--format",
            "text",
        ],
        vec![
            "report",
            "--data",
            s(&data),
            "--from",
            "2026-10-19",
            "--to",
            &day,
            "--format",
            "csv",
        ],
        vec!["outbox", "--data", s(&data), "--parked"],
        vec!["escalations", "--data", s(&data), "list"],
        vec!["suppress", "--data", s(&data), "list"],
    ];
    let mut logs = String::new();
    for args in &commands {
        let out = Command::new(aftercare_bin())
            .env("AFTERCARE_LOG", "trace")
            .arg("--config")
            .arg(&setup.config)
            .args(args)
            .output()
            .expect("running aftercare");
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "aftercare {args:?}: {said}");
        logs.push_str(&said);
    }
    assert!(
        logs.lines().count() > 100,
        "trace logged next to nothing:\n{logs}"
    );
    let named: Vec<&String> = secrets
        .iter()
        .filter(|v| logs.contains(v.as_str()))
        .collect();
    assert!(
        named.is_empty(),
        "the logs name {} personal values, such as {:?}",
        named.len(),
        named.first()
    );
}
