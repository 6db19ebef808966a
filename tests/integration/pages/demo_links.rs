//! The README's walkthrough on the day it is tried: `aftercare demo`
//! ends today, so right after it `aftercare serve` answers every link of
//! the emails of its last day (surveys, unsubscribes, call outcomes,
//! escalations) with its page, none "expired" or "not yet sent".

use super::Served;
use chrono::{DateTime, Duration, Utc};
use mail_parser::MessageParser;
use reqwest::StatusCode;

/// When an email went out (its `Date`).
fn sent_at(raw: &[u8]) -> Option<DateTime<Utc>> {
    let m = MessageParser::default().parse(raw)?;
    DateTime::from_timestamp(m.date()?.to_timestamp(), 0)
}

#[test]
fn every_link_of_the_demos_last_day_answers_in_serve_right_after_it() {
    let served = Served::demo(&["--customers", "150", "--days", "10"]);
    let outbox = served.data().join("outbox");
    let emails: Vec<(std::path::PathBuf, DateTime<Utc>)> = std::fs::read_dir(&outbox)
        .expect("the outbox")
        .map(|e| e.expect("an email").path())
        .filter_map(|p| {
            let at = sent_at(&std::fs::read(&p).ok()?)?;
            Some((p, at))
        })
        .collect();
    let last = emails
        .iter()
        .map(|(_, at)| *at)
        .max()
        .expect("the demo sent mail");
    let now = Utc::now();
    assert!(
        last <= now && now - last < Duration::hours(24),
        "the demo's last email ({last}) is from today, not from its own calendar"
    );
    let client = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("an HTTP client");
    let mut checked = 0;
    let mut failed = Vec::new();
    for (path, _) in emails
        .iter()
        .filter(|(_, at)| last - *at < Duration::hours(24))
    {
        for link in served.links(path) {
            let status = client
                .get(&link)
                .send()
                .map_or(StatusCode::SERVICE_UNAVAILABLE, |r| r.status());
            checked += 1;
            if status != StatusCode::OK {
                let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
                let kind = link.split('/').nth(3).unwrap_or_default().to_string();
                failed.push(format!("{name:?}: /{kind}/… answered {status}"));
            }
        }
    }
    assert!(
        checked >= 20,
        "only {checked} links in the last day's emails"
    );
    assert!(
        failed.is_empty(),
        "{} of {checked} links failed:\n{}",
        failed.len(),
        failed.join("\n")
    );
    // The summary names the days it covers, ending yesterday in the
    // report time zone it names.
    let summary = std::fs::read_to_string(served.data().join("summary.txt")).expect("summary.txt");
    let first = summary.lines().next().unwrap_or_default();
    let zone: chrono_tz::Tz = first
        .split_once('(')
        .and_then(|(_, rest)| rest.split_once(')'))
        .and_then(|(zone, _)| zone.parse().ok())
        .unwrap_or_else(|| panic!("no zone in {first:?}"));
    let yesterday = (now.with_timezone(&zone).date_naive() - Duration::days(1)).to_string();
    assert!(
        first.contains(&format!("to {yesterday} ({zone})")),
        "{summary}"
    );
}
