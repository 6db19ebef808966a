//! The two loop blocks of SPEC 7 (`recovery`, `customers`) on a small
//! hand-made data set whose every number is worked out below, in
//! America/New_York across the end of daylight saving time (Sunday
//! 2026-11-01, 02:00 EDT → 01:00 EST), with `churn_days = 3`; on SQLite
//! (`--data`) and on DynamoDB Local (`--table`), and in the range CSV's
//! dotted columns.

use crate::helpers::{aftercare_bin, dynamo_table, local_aws_env, stdout_of};
use aftercare_shared::testing::envelope;
use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;

const SETTINGS: &str =
    "agents = []\n\n[business]\nreport_time_zone = \"America/New_York\"\nchurn_days = 3\n";

fn customer(id: &str) -> Value {
    json!({"id": id, "email": format!("{id}@example.com"), "phone": "+12125550100",
           "time_zone": "America/New_York"})
}

/// Every event, with its time in UTC and, in the comment, New York's.
fn events() -> Vec<Value> {
    let purchase = |id: &str, order: &str, at: &str| {
        envelope(
            "PurchaseCompleted",
            id,
            json!({"order_id": order, "occurred_at": at, "customer": customer("c-a")}),
        )
    };
    let close = |who: &str| {
        envelope(
            "TicketClosed",
            &format!("close-{who}"),
            // Mon 2 Nov 10:00 EST; the CSAT goes out at 12:00.
            json!({"ticket_id": format!("t-{who}"), "occurred_at": "2026-11-02T15:00:00Z",
                   "opened_at": "2026-11-02T14:00:00Z", "resolved": true,
                   "customer_contacts": 1, "customer": customer(who)}),
        )
    };
    let answer = |who: &str, score: i64| {
        envelope(
            "SurveyAnswered",
            &format!("answer-{who}"),
            // Mon 2 Nov 14:00 EST: the cohort day of the low score.
            json!({"survey_for": {"ticket_id": format!("t-{who}")}, "score": score,
                   "occurred_at": "2026-11-02T19:00:00Z"}),
        )
    };
    let outcome = |id: &str, who: &str, at: &str, outcome: &str, satisfaction: Option<&str>| {
        let mut detail = json!({"customer_id": who, "outcome": outcome, "occurred_at": at});
        if let Some(s) = satisfaction {
            detail["satisfaction"] = json!(s);
        }
        envelope("CallOutcomeRecorded", id, detail)
    };
    vec![
        // c-a orders on Fri 30 Oct (12:00 EDT), Sun 1 Nov at 23:30 EST (in
        // UTC already the 2nd), and Fri 6 Nov.
        purchase("p-1", "o-1", "2026-10-30T16:00:00Z"),
        purchase("p-2", "o-2", "2026-11-02T04:30:00Z"),
        purchase("p-3", "o-3", "2026-11-06T17:00:00Z"),
        // c-b: low, reached satisfied 20 hours later: recovered.
        close("c-b"),
        answer("c-b", 1),
        outcome(
            "o-b",
            "c-b",
            "2026-11-03T15:00:00Z",
            "reached",
            Some("satisfied"),
        ),
        // c-c: low, reached unsatisfied 19 hours later: in time, not recovered.
        close("c-c"),
        answer("c-c", 2),
        outcome(
            "o-c",
            "c-c",
            "2026-11-03T14:00:00Z",
            "reached",
            Some("unsatisfied"),
        ),
        // c-d: low, no answer at 19 hours, reached satisfied at 25: late.
        close("c-d"),
        answer("c-d", 1),
        outcome("o-d1", "c-d", "2026-11-03T14:00:00Z", "no_answer", None),
        outcome(
            "o-d2",
            "c-d",
            "2026-11-03T20:00:00Z",
            "reached",
            Some("satisfied"),
        ),
    ]
}

/// (date, active, new, won_back, churned, churn_rate) for c-a's orders on
/// the 30th, the 1st and the 6th, three churn days: active through the
/// 3rd (the 1st + 2), churned on the 4th, won back on the 6th, churned
/// again on the 9th.
/// (date, active, new, won_back, churned, churn_rate).
type CustomersDay = (&'static str, i64, i64, i64, i64, Option<f64>);

const CUSTOMERS: [CustomersDay; 12] = [
    ("2026-10-29", 0, 0, 0, 0, None),
    ("2026-10-30", 1, 1, 0, 0, None),
    ("2026-10-31", 1, 0, 0, 0, Some(0.0)),
    ("2026-11-01", 1, 0, 0, 0, Some(0.0)),
    ("2026-11-02", 1, 0, 0, 0, Some(0.0)),
    ("2026-11-03", 1, 0, 0, 0, Some(0.0)),
    ("2026-11-04", 0, 0, 0, 1, Some(1.0)),
    ("2026-11-05", 0, 0, 0, 0, None),
    ("2026-11-06", 1, 0, 1, 0, None),
    ("2026-11-07", 1, 0, 0, 0, Some(0.0)),
    ("2026-11-08", 1, 0, 0, 0, Some(0.0)),
    ("2026-11-09", 0, 0, 0, 1, Some(1.0)),
];

fn aftercare(config: &Path, args: &[&str]) -> String {
    let mut all = vec!["--config", config.to_str().unwrap()];
    all.extend(args);
    let out = Command::new(aftercare_bin())
        .args(&all)
        .envs(local_aws_env())
        .output()
        .expect("running aftercare");
    stdout_of(out, &all)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recovery_and_customers_are_the_hand_worked_numbers_on_both_stores() {
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("aftercare.toml");
    std::fs::write(&config, SETTINGS).unwrap();
    let file = tmp.path().join("events.jsonl");
    let lines: Vec<String> = events().iter().map(Value::to_string).collect();
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    let data = tmp.path().join("sqlite");
    let (_store, table) = dynamo_table().await;
    let staging = tmp.path().join("dynamodb");
    let run = |dir: &Path, table: Option<&str>| {
        let mut args = vec![
            "run",
            "--data",
            dir.to_str().unwrap(),
            "--events",
            file.to_str().unwrap(),
            "--until",
            "2026-11-12T00:00:00Z",
            "--quiet",
        ];
        if let Some(t) = table {
            args.extend(["--table", t]);
        }
        let printed = aftercare(&config, &args);
        assert!(
            printed.contains("rejected 0"),
            "every hand-made event is accepted: {printed}"
        );
    };
    run(&data, None);
    run(&staging, Some(&table));

    for (place, at) in [
        ("--data", data.to_str().unwrap()),
        ("--table", table.as_str()),
    ] {
        let day = |d: &str| -> Value {
            serde_json::from_str(&aftercare(
                &config,
                &["report", place, at, "--date", d, "--format", "json"],
            ))
            .unwrap()
        };
        for (date, active, new, won_back, churned, rate) in CUSTOMERS {
            let c = &day(date)["customers"];
            assert_eq!(
                (
                    c["active"].as_i64(),
                    c["new"].as_i64(),
                    c["won_back"].as_i64(),
                    c["churned"].as_i64(),
                    c["churn_rate"].as_f64()
                ),
                (Some(active), Some(new), Some(won_back), Some(churned), rate),
                "{place}: customers on {date}"
            );
        }
        let cohort = day("2026-11-02");
        assert_eq!(
            cohort["recovery"],
            json!({"low_scores": 3, "reached_in_time": 2, "recovered": 1, "recovery_rate": 1.0 / 3.0}),
            "{place}: the low scores of Monday 2 November"
        );
        for other in ["2026-11-01", "2026-11-03"] {
            assert_eq!(day(other)["recovery"]["low_scores"], 0, "{place}: {other}");
        }
    }

    // The range CSV carries both blocks as dotted columns.
    let csv_text = aftercare(
        &config,
        &[
            "report",
            "--data",
            data.to_str().unwrap(),
            "--from",
            "2026-11-02",
            "--to",
            "2026-11-04",
            "--format",
            "csv",
        ],
    );
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let header = reader.headers().unwrap().clone();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let cell = |row: usize, name: &str| {
        let i = header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name} in {header:?}"));
        rows[row][i].to_string()
    };
    assert_eq!(cell(0, "recovery.low_scores"), "3");
    assert_eq!(cell(0, "recovery.recovered"), "1");
    assert!(cell(0, "recovery.recovery_rate").starts_with("0.333"));
    assert_eq!(cell(2, "customers.churned"), "1");
    assert_eq!(cell(2, "customers.churn_rate"), "1.0");
    assert_eq!(cell(1, "customers.active"), "1");
}
