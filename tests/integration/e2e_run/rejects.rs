//! Malformed lines among good ones: each rejected with its line number and
//! the field at fault, and nothing else changed.

use super::{
    clean_run, customers, fail_with, first_differences, outbox, rejected, seed, write_lines, Setup,
};
use aftercare_shared::testing::envelope;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

/// `lines` with each of `bad` put in at a random place (seeded by `salt`).
fn scattered<T>(mut lines: Vec<T>, bad: impl IntoIterator<Item = T>, salt: u64) -> Vec<T> {
    let mut rng = SmallRng::seed_from_u64(seed() ^ salt);
    for line in bad {
        let at = rng.gen_range(0..=lines.len());
        lines.insert(at, line);
    }
    lines
}

#[test]
fn malformed_lines_are_rejected_with_their_reason_and_change_nothing_else() {
    let setup = Setup::new();
    let clean = clean_run(&setup, seed(), customers());
    let some_ticket = clean
        .events
        .iter()
        .find(|e| e["detail-type"] == "TicketClosed")
        .map(|e| e["detail"]["ticket_id"].as_str().unwrap().to_string())
        .expect("a closed ticket");
    let at = "2026-10-25T10:00:00+09:00";
    let customer = json!({"id": "c-bad", "email": "bad@example.com", "phone": "+821099999999"});
    // A well-formed envelope around a detail that is not.
    let line =
        |detail_type: &str, id: &str, detail: Value| envelope(detail_type, id, detail).to_string();
    // (line, the field its reason must name; None for bad JSON)
    let bad: Vec<(String, Option<&str>)> = vec![
        // Cut short: hand-written, as no builder writes broken JSON.
        (r#"{"version":"0","id":"bad-json","detail-type":"PurchaseCompleted","detail":{"order_id":"o-bad-1""#.to_string(), None),
        (
            line("PurchaseCompleted", "bad-no-time", json!({"order_id": "o-bad-2", "customer": customer})),
            Some("detail.occurred_at"),
        ),
        (
            line("SurveyAnswered", "bad-score", json!({"survey_for": {"ticket_id": some_ticket}, "score": 9, "occurred_at": "2026-10-30T10:00:00Z"})),
            Some("detail.score"),
        ),
        (
            line("RefundIssued", "bad-type", json!({"order_id": "o-bad-3", "occurred_at": at, "customer": customer})),
            Some("detail-type"),
        ),
        (
            line("PurchaseCompleted", "bad-time", json!({"order_id": "o-bad-4", "occurred_at": "25/10/2026 10:00", "customer": customer})),
            Some("detail.occurred_at"),
        ),
        (
            line("TicketOpened", "bad-customer", json!({"ticket_id": "t-bad-5", "occurred_at": at, "customer": {"email": "bad@example.com"}})),
            Some("detail.customer.id"),
        ),
    ];
    // Spread them through the clean file.
    let lines = scattered(
        clean.lines.clone(),
        bad.iter().map(|(l, _)| l.clone()),
        0xbad,
    );
    let file = setup.path("with-bad-lines.jsonl");
    write_lines(&file, &lines);
    let data = setup.path("bad");
    let (accepted, _, rejected_count) = setup.run(&data, &file, clean.until);
    assert_eq!(accepted, clean.counts.0, "accepted events");
    assert_eq!(
        rejected_count,
        clean.counts.2 + bad.len(),
        "rejected events: the clean run's and the malformed lines"
    );

    let clean_raws: BTreeSet<String> = rejected(&clean.data)
        .iter()
        .map(|r| r["raw"].as_str().unwrap().to_string())
        .collect();
    let mut injected: BTreeMap<String, (u64, String)> = BTreeMap::new();
    for r in rejected(&data) {
        let raw = r["raw"].as_str().expect("raw").to_string();
        if !clean_raws.contains(&raw) {
            injected.insert(
                raw,
                (
                    r["line"].as_u64().expect("line"),
                    r["reason"].as_str().expect("reason").to_string(),
                ),
            );
        }
    }
    let bad_lines: BTreeSet<&String> = bad.iter().map(|(l, _)| l).collect();
    let kept: BTreeSet<&String> = injected.keys().collect();
    assert_eq!(
        kept, bad_lines,
        "rejected.jsonl beyond the clean run's rejects should hold exactly the malformed lines"
    );
    for (line, field) in &bad {
        let (number, reason) = &injected[line];
        let position = lines.iter().position(|l| l == line).unwrap() as u64 + 1;
        assert_eq!(*number, position, "line number of {line}");
        if let Some(field) = field {
            assert!(
                reason.contains(field),
                "the reason for {line} should name {field}: {reason:?}"
            );
        }
    }

    let reports = setup.reports(&data, clean.reports.keys().copied());
    fail_with(
        "malformed lines changed the reports",
        &first_differences(&clean.reports, &reports),
    );
}

/// SPEC 12's absurd values among good lines: a time in the year 9999 or 1,
/// a time years outside the file's span, a byte that is not UTF-8, a
/// ticket closed before it opened, a 10 MB line. Each is rejected with its
/// line number and why; the run's reports, mail and days are the clean
/// run's (no clock walked through centuries, no negative durations).
#[test]
fn absurd_values_are_rejected_by_line_and_change_nothing_else() {
    let setup = Setup::new();
    let clean = clean_run(&setup, seed(), customers());
    let customer = json!({"id": "c-absurd", "email": "absurd@example.com"});
    let line =
        |detail_type: &str, id: &str, detail: Value| envelope(detail_type, id, detail).to_string();
    let purchase_at = |id: &str, at: &str| {
        line(
            "PurchaseCompleted",
            id,
            json!({"order_id": format!("o-{id}"), "occurred_at": at, "customer": customer}),
        )
    };
    // (line, what its reason must say)
    let mut bad: Vec<(Vec<u8>, &str)> = vec![
        (purchase_at("far-future", "9999-12-31T23:59:59Z").into_bytes(), "outside the years 2000 to 2099"),
        (purchase_at("far-past", "0001-01-01T00:00:00Z").into_bytes(), "outside the years 2000 to 2099"),
        (purchase_at("years-ahead", "2031-06-01T10:00:00Z").into_bytes(), "outside the file's span"),
        (purchase_at("years-back", "2021-06-01T10:00:00Z").into_bytes(), "outside the file's span"),
        (
            line("TicketClosed", "closed-before-open", json!({"ticket_id": "t-absurd", "occurred_at": "2026-10-25T10:00:00Z",
                "opened_at": "2026-10-29T10:00:00Z", "first_response_at": "2026-10-25T09:00:00Z", "resolved": true, "customer": customer}))
                .into_bytes(),
            "detail.opened_at",
        ),
    ];
    // One byte that is not UTF-8 inside an otherwise good event.
    let mut invalid = purchase_at("not-utf8", "2026-10-25T10:00:00Z").into_bytes();
    let at = invalid.len() / 2;
    invalid.insert(at, 0xff);
    bad.push((invalid, "not valid UTF-8"));
    // A line of 10 MB: a comment no one wrote.
    let huge = line(
        "SurveyAnswered",
        "huge",
        json!({"survey_for": {"order_id": "o-huge"}, "score": 9,
        "comment": "x".repeat(10 << 20), "occurred_at": "2026-10-25T10:00:00Z"}),
    );
    bad.push((huge.into_bytes(), "bytes, over the"));

    let lines = scattered(
        clean.lines.iter().map(|l| l.clone().into_bytes()).collect(),
        bad.iter().map(|(l, _)| l.clone()),
        0xab5,
    );
    let file = setup.path("with-absurd-lines.jsonl");
    std::fs::write(&file, lines.join(&b'\n')).unwrap();
    let data = setup.path("absurd");
    let (accepted, _, rejected_count) = setup.run(&data, &file, clean.until);
    assert_eq!(accepted, clean.counts.0, "accepted events");
    assert_eq!(
        rejected_count,
        clean.counts.2 + bad.len(),
        "rejected events"
    );

    let reasons: BTreeMap<u64, String> = rejected(&data)
        .iter()
        .map(|r| {
            (
                r["line"].as_u64().expect("line"),
                r["reason"].as_str().expect("reason").to_string(),
            )
        })
        .collect();
    for (l, says) in &bad {
        let number = lines.iter().position(|x| x == l).unwrap() as u64 + 1;
        let reason = reasons
            .get(&number)
            .unwrap_or_else(|| panic!("line {number} ({says}) is not in rejected.jsonl"));
        assert!(
            reason.contains(says),
            "line {number}'s reason should say {says:?}: {reason:?}"
        );
    }
    let kept = std::fs::read_to_string(data.join("rejected.jsonl")).unwrap();
    assert!(
        kept.len() < 1 << 20,
        "the 10 MB line is not kept whole: {} bytes",
        kept.len()
    );

    assert_eq!(
        outbox(&data),
        outbox(&clean.data),
        "the mail: no report for a day outside the data"
    );
    let reports = setup.reports(&data, clean.reports.keys().copied());
    fail_with(
        "absurd lines changed the reports",
        &first_differences(&clean.reports, &reports),
    );
}
