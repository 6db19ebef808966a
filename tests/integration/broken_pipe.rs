//! Every listing command ends quietly and successfully when its reader
//! goes away first (`aftercare escalations list | head -1`): no panic, no
//! message, exit status 0.

use crate::dataset;
use crate::helpers::{aftercare_bin, stdout_of};
use chrono::{Duration, SecondsFormat};
use serde_json::Value;
use std::io::Read;
use std::process::{Command, Stdio};

#[test]
fn a_listing_command_whose_reader_closes_ends_quietly() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let events = dataset::generate(20261207, 40);
    let file = tmp.path().join("events.jsonl");
    let lines: Vec<String> = events.iter().map(Value::to_string).collect();
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    let until = (dataset::start() + Duration::days(40)).to_rfc3339_opts(SecondsFormat::Secs, true);
    let d = data.to_str().unwrap();
    let run = [
        "run",
        "--data",
        d,
        "--events",
        file.to_str().unwrap(),
        "--until",
        &until,
        "--quiet",
    ];
    stdout_of(
        Command::new(aftercare_bin()).args(run).output().unwrap(),
        &run,
    );
    stdout_of(
        Command::new(aftercare_bin())
            .args(["suppress", "--data", d, "add", "someone@example.com"])
            .output()
            .unwrap(),
        &["suppress", "add"],
    );
    let listings: [&[&str]; 7] = [
        &[
            "report",
            "--data",
            d,
            "--from",
            "2026-10-19",
            "--to",
            "2026-11-28",
        ],
        &[
            "report",
            "--data",
            d,
            "--from",
            "2026-10-19",
            "--to",
            "2026-11-28",
            "--format",
            "json",
        ],
        &[
            "report",
            "--data",
            d,
            "--date",
            "2026-11-02",
            "--format",
            "text",
        ],
        &[
            "responses",
            "--data",
            d,
            "--from",
            "2026-10-19",
            "--to",
            "2026-11-28",
        ],
        &["escalations", "--data", d, "list"],
        &["suppress", "--data", d, "list"],
        &["outbox", "--data", d, "--parked"],
    ];
    for args in listings {
        // The whole output first: the command lists something.
        let full = stdout_of(
            Command::new(aftercare_bin()).args(args).output().unwrap(),
            args,
        );
        assert!(!full.is_empty(), "{args:?} printed nothing");
        // Then with its reader gone before it writes.
        let mut child = Command::new(aftercare_bin())
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        let status = child.wait().unwrap();
        assert!(
            status.success() && stderr.is_empty(),
            "{args:?} with its reader gone: {status}, stderr {stderr:?}"
        );
    }
}
