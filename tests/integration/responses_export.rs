//! `aftercare responses` on both stores: every answered survey of a range
//! of days, as the independent oracle counts them from the events (the
//! current score after late updates, first and latest answer times), one
//! row each, the same from SQLite (`--data`) and DynamoDB Local
//! (`--table`); a comment that a spreadsheet would run as a formula comes
//! out as text.

use crate::dataset;
use crate::helpers::{aftercare_bin, dynamo_table, local_aws_env, stdout_of};
use crate::oracle::{self, Answered};
use chrono::{DateTime, Duration, NaiveDate, SecondsFormat, Utc};
use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;

const SETTINGS: &str = "agents = []\n\n[business]\nreport_time_zone = \"Asia/Seoul\"\n";
const FORMULA: &str = "=HYPERLINK(\"http://evil.example\",\"click\")";

fn s(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 temp path")
}

fn at(e: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(e["detail"]["occurred_at"].as_str().unwrap())
        .unwrap()
        .with_timezone(&Utc)
}

/// The data set, plus an update of one single-answer survey a minute
/// after its answer, whose comment starts with `=`: (events, that survey).
fn events() -> (Vec<Value>, Answered) {
    let mut events = dataset::generate(20261207, 60);
    let until = events.iter().map(at).max().unwrap() + Duration::days(30);
    let before = oracle::recompute(&events, chrono_tz::Asia::Seoul, until);
    let target = before
        .answered
        .iter()
        .find(|a| a.first == a.latest)
        .expect("a survey answered once")
        .clone();
    let original = events
        .iter()
        .find(|e| {
            e["detail-type"] == "SurveyAnswered"
                && at(e) == target.first
                && e["detail"]["survey_for"]
                    .as_object()
                    .is_some_and(|o| o.values().any(|v| v == target.subject.as_str()))
        })
        .expect("the target's answer event")
        .clone();
    let mut update = original;
    update["id"] = json!("formula-update");
    update["detail"]["occurred_at"] =
        json!((target.first + Duration::minutes(1)).to_rfc3339_opts(SecondsFormat::Secs, true));
    update["detail"]["comment"] = json!(FORMULA);
    events.push(update);
    (events, target)
}

fn aftercare(config: &Path, args: &[&str]) -> String {
    let mut all = vec!["--config", s(config)];
    all.extend(args);
    let out = Command::new(aftercare_bin())
        .args(&all)
        .envs(local_aws_env())
        .output()
        .expect("running aftercare");
    stdout_of(out, &all)
}

/// The rows of `responses --format json`, as the oracle's tuples.
fn exported(json_text: &str) -> Vec<Answered> {
    let rows: Vec<Value> = serde_json::from_str(json_text).expect("responses prints JSON");
    let time = |v: &Value| {
        DateTime::parse_from_rfc3339(v.as_str().unwrap())
            .unwrap()
            .with_timezone(&Utc)
    };
    rows.iter()
        .map(|r| Answered {
            first: time(&r["first_answered_at"]),
            customer: r["customer_id"].as_str().unwrap().to_string(),
            survey: if r["survey"] == "csat" { "csat" } else { "nps" },
            subject: r["order_id"]
                .as_str()
                .or(r["ticket_id"].as_str())
                .unwrap()
                .to_string(),
            score: r["score"].as_i64().unwrap(),
            latest: time(&r["latest_answered_at"]),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_of_a_range_is_exported_from_both_stores_as_recorded() {
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("aftercare.toml");
    std::fs::write(&config, SETTINGS).unwrap();
    let (events, target) = events();
    let until = events.iter().map(at).max().unwrap() + Duration::days(30);
    let expected = oracle::recompute(&events, chrono_tz::Asia::Seoul, until);
    let file = tmp.path().join("events.jsonl");
    let lines: Vec<String> = events.iter().map(Value::to_string).collect();
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    let until = until.to_rfc3339_opts(SecondsFormat::Secs, true);
    let sqlite = tmp.path().join("sqlite");
    let (_store, table) = dynamo_table().await;
    let dynamo_data = tmp.path().join("dynamodb");
    let run = |data: &Path, table: Option<&str>| {
        let mut args = vec![
            "run",
            "--data",
            s(data),
            "--events",
            s(&file),
            "--until",
            &until,
            "--quiet",
        ];
        if let Some(t) = table {
            args.extend(["--table", t]);
        }
        aftercare(&config, &args);
    };
    run(&sqlite, None);
    run(&dynamo_data, Some(&table));

    // A middle stretch of days: surveys first answered in it, several
    // updated after it.
    let day = |t: DateTime<Utc>| t.with_timezone(&chrono_tz::Asia::Seoul).date_naive();
    let first_day = expected
        .answered
        .iter()
        .map(|a| day(a.first))
        .min()
        .unwrap();
    let (from, to): (NaiveDate, NaiveDate) = (
        first_day + Duration::days(5),
        first_day + Duration::days(12),
    );
    let want: Vec<Answered> = expected
        .answered
        .iter()
        .filter(|a| (from..=to).contains(&day(a.first)))
        .cloned()
        .collect();
    assert!(want.len() > 10, "the range has answers: {}", want.len());
    assert!(
        want.iter().any(|a| day(a.latest) > to),
        "some answers of the range were updated after it"
    );
    let range = |place: &str, at: &str, format: &str| {
        aftercare(
            &config,
            &[
                "responses",
                place,
                at,
                "--from",
                &from.to_string(),
                "--to",
                &to.to_string(),
                "--format",
                format,
            ],
        )
    };
    for (place, at) in [("--data", s(&sqlite)), ("--table", table.as_str())] {
        let mut got = exported(&range(place, at, "json"));
        got.sort();
        assert_eq!(
            got, want,
            "responses {place}: the answers the oracle counts"
        );
    }

    // The whole span, as CSV: one row per answered survey, and the
    // formula comment shown as text.
    let (all_from, all_to) = (first_day.to_string(), day(until_of(&events)).to_string());
    let csv_text = aftercare(
        &config,
        &[
            "responses",
            "--data",
            s(&sqlite),
            "--from",
            &all_from,
            "--to",
            &all_to,
        ],
    );
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let header = reader.headers().unwrap().clone();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(
        rows.len(),
        expected.answered.len(),
        "one row per answered survey"
    );
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let formula_row = rows
        .iter()
        .find(|r| {
            r[column("customer_id")] == target.customer
                && r[column("comment")].contains("HYPERLINK")
        })
        .expect("the updated survey's row");
    assert_eq!(&formula_row[column("comment")], format!("'{FORMULA}"));
    assert!(csv_text.contains("\r\n"), "RFC 4180 line ends");
    assert!(
        rows.iter()
            .all(|r| !r.iter().any(|cell| cell.starts_with(['=', '+', '@']))),
        "no cell starts a formula"
    );
}

fn until_of(events: &[Value]) -> DateTime<Utc> {
    events.iter().map(at).max().unwrap()
}
