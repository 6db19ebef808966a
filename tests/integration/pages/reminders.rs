//! Reminders (SPEC 5) end to end through `aftercare run`: one, three days
//! after the first email, only if unanswered, moved out of quiet time,
//! never to a suppressed address; and their links open the survey page of
//! a real `aftercare serve`.

use super::{customer, ticket_closed, Served, SECRET};
use crate::helpers::aftercare_bin;
use aftercare_shared::testing::{envelope, utc};
use chrono::{DateTime, Utc};
use serde_json::json;
use std::path::Path;
use std::process::Command;

fn run(data: &Path, events: &Path, until: &str) {
    let out = Command::new(aftercare_bin())
        .env("AFTERCARE_SECRET", SECRET)
        .args(["run", "--quiet", "--data"])
        .arg(data)
        .arg("--events")
        .arg(events)
        .args(["--until", until])
        .output()
        .expect("running aftercare run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn reminders(outbox: &Path) -> Vec<(String, DateTime<Utc>)> {
    let mut out: Vec<(String, DateTime<Utc>)> = std::fs::read_dir(outbox)
        .expect("the outbox")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("reminder-"))
        .map(|n| {
            let raw = std::fs::read(outbox.join(&n)).expect("an email");
            let m = mail_parser::MessageParser::default()
                .parse(&raw)
                .expect("parses");
            let date = m.date().expect("a Date header").to_rfc3339();
            (n, utc(&date))
        })
        .collect();
    out.sort();
    out
}

#[test]
fn one_reminder_goes_out_three_days_later_only_if_unanswered_out_of_quiet_time_and_never_when_suppressed(
) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let data = dir.path().join("data");
    let events = dir.path().join("events.jsonl");
    let answered = envelope(
        "SurveyAnswered",
        "ev-answer",
        json!({"survey_for": {"ticket_id": "t-answered"}, "score": 4, "occurred_at": "2026-11-20T15:00:00Z"}),
    );
    let lines = [
        // CSAT Fri 20 Nov 12:00 → reminder Mon 23 Nov 12:00.
        ticket_closed(
            "t-plain",
            customer("c-plain", "en", "Ann"),
            utc("2026-11-20T10:00:00Z"),
        ),
        // CSAT Thu 19 Nov 18:00 → three days is Sunday 18:00, a quiet day → Mon 09:00.
        ticket_closed(
            "t-quiet",
            customer("c-quiet", "ko", "Min"),
            utc("2026-11-19T16:00:00Z"),
        ),
        ticket_closed(
            "t-answered",
            customer("c-answered", "vi", "Thu"),
            utc("2026-11-20T10:00:00Z"),
        ),
        ticket_closed(
            "t-gone",
            customer("c-gone", "zh", "Wei"),
            utc("2026-11-20T10:00:00Z"),
        ),
        answered,
    ];
    let text: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    std::fs::write(&events, text.join("\n") + "\n").expect("writing events");
    // The first emails go out; then c-gone's address is suppressed.
    run(&data, &events, "2026-11-21T00:00:00Z");
    assert!(
        reminders(&data.join("outbox")).is_empty(),
        "no reminder before three days"
    );
    let out = Command::new(aftercare_bin())
        .args(["suppress", "--data"])
        .arg(&data)
        .args(["add", "c-gone@example.com", "--reason", "bounce"])
        .output()
        .expect("aftercare suppress");
    assert!(out.status.success());
    // The rest of the week, twice: a rerun sends nothing again.
    run(&data, &events, "2026-11-28T00:00:00Z");
    run(&data, &events, "2026-11-28T00:00:00Z");
    let sent = reminders(&data.join("outbox"));
    assert_eq!(
        sent,
        vec![
            (
                "reminder-c-plain-csat_t-plain.eml".to_string(),
                utc("2026-11-23T12:00:00Z")
            ),
            (
                "reminder-c-quiet-csat_t-quiet.eml".to_string(),
                utc("2026-11-23T09:00:00Z")
            ),
        ],
        "one reminder each for the unanswered, unsuppressed surveys, at their times"
    );
}

#[test]
fn a_reminders_links_open_the_survey_and_unsubscribe_pages() {
    let now = Utc::now();
    // Closed a week ago: however quiet time moved the first email and the
    // reminder (at most ~37 hours each), both are out by now.
    let s = Served::start(&[ticket_closed(
        "t-r",
        customer("c-r", "en", "Ann"),
        now - chrono::Duration::days(7),
    )]);
    let reminder = s.email(&["reminder", "c-r"]);
    let http = reqwest::blocking::Client::new();
    let survey = http.get(s.survey_link(&reminder, 5)).send().expect("GET");
    assert_eq!(survey.status(), reqwest::StatusCode::OK);
    assert!(survey
        .text()
        .expect("page")
        .contains(r#"value="5" required checked"#));
    let unsubscribe = http.get(s.unsubscribe_link(&reminder)).send().expect("GET");
    assert_eq!(unsubscribe.status(), reqwest::StatusCode::OK);
}
