//! `aftercare serve` under load (issue 18): answer POSTs, re-answers, page
//! GETs, forged links and hostile bodies from several threads of this
//! process while the server's own scheduler sends the surveys that fall due
//! meanwhile. No request may get a 5xx, and afterwards every answer is
//! counted once, with its latest score.

use super::{customer, rfc3339, ticket_closed, zone_where_it_is, Served, EVERY_DAY};
use chrono::{Duration, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::blocking::Client;
use reqwest::StatusCode;
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::Mutex;

/// Customers whose survey `aftercare run` sent before the server started,
/// and who answer it under load.
const ANSWERING: usize = 48;
/// Customers whose survey falls due while the load runs: the server's
/// scheduler sends it.
const DUE_DURING: usize = 12;
const THREADS: usize = 4;

#[test]
fn under_load_no_request_fails_and_every_answer_counts_once_with_its_latest_score() {
    let now = Utc::now();
    let zone = zone_where_it_is(13);
    let mut events = Vec::new();
    for i in 0..ANSWERING {
        let c = customer(&format!("c-load-{i:02}"), "en", "Load");
        events.push(ticket_closed(
            &format!("t-load-{i:02}"),
            c,
            now - Duration::days(2),
        ));
    }
    for i in 0..DUE_DURING {
        let mut c = customer(&format!("c-due-{i:02}"), "en", "Due");
        c["time_zone"] = json!(zone);
        // The CSAT goes out two hours after the close: 8 to 30 s from now.
        let closed = now - Duration::hours(2) + Duration::seconds(8 + 2 * i as i64);
        events.push(ticket_closed(&format!("t-due-{i:02}"), c, closed));
    }
    // `run` ingests every event (all in the past) and sends what is due by now.
    let s = Served::start_with(&events, Some(EVERY_DAY));
    let surveys: Vec<String> = (0..ANSWERING)
        .map(|i| s.survey_link(&s.email(&["survey", &format!("c-load-{i:02}")]), 3))
        .collect();
    let unsubscribe = s.unsubscribe_link(&s.email(&["survey", "c-load-00"]));

    let statuses: Mutex<BTreeMap<u16, usize>> = Mutex::new(BTreeMap::new());
    // The score each survey was last answered with (a 200 for that POST).
    let latest: Mutex<BTreeMap<usize, u8>> = Mutex::new(BTreeMap::new());
    std::thread::scope(|scope| {
        for thread in 0..THREADS {
            let (surveys, unsubscribe, statuses, latest, base) =
                (&surveys, &unsubscribe, &statuses, &latest, &s.base);
            scope.spawn(move || {
                let http = Client::builder()
                    .timeout(std::time::Duration::from_secs(30))
                    .build()
                    .expect("an HTTP client");
                let mut rng = StdRng::seed_from_u64(0x10ad + thread as u64);
                let note = |status: StatusCode| {
                    *statuses
                        .lock()
                        .expect("statuses")
                        .entry(status.as_u16())
                        .or_default() += 1;
                    status
                };
                // Each thread answers its share of the surveys, each two or
                // three times (a customer changing their mind), between GETs
                // of pages, forged links and bodies no form sends.
                for round in 0..3 {
                    for (i, link) in surveys.iter().enumerate() {
                        if i % THREADS != thread || (round == 2 && i % 2 == 0) {
                            continue;
                        }
                        let got = http.get(link).send().expect("GET a survey");
                        assert_eq!(note(got.status()), StatusCode::OK, "GET {link}");
                        let score: u8 = rng.gen_range(1..=5);
                        let comment = "x".repeat(rng.gen_range(0..2000));
                        let posted = http
                            .post(link)
                            .form(&[("score", score.to_string()), ("comment", comment)])
                            .send()
                            .expect("POST an answer");
                        assert_eq!(note(posted.status()), StatusCode::OK, "POST {link}");
                        latest.lock().expect("latest").insert(i, score);

                        let forged = link.replacen("/s/", "/s/A", 1);
                        note(
                            http.get(&forged)
                                .send()
                                .expect("GET a forged link")
                                .status(),
                        );
                        let body: Vec<u8> =
                            (0..rng.gen_range(0..40_000)).map(|_| rng.gen()).collect();
                        note(
                            http.post(link)
                                .header("content-type", "application/x-www-form-urlencoded")
                                .body(body)
                                .send()
                                .expect("POST random bytes")
                                .status(),
                        );
                        note(
                            http.get(unsubscribe)
                                .send()
                                .expect("GET unsubscribe")
                                .status(),
                        );
                        note(
                            http.get(format!("{base}/nowhere/{i}"))
                                .send()
                                .expect("GET a missing page")
                                .status(),
                        );
                    }
                }
            });
        }
    });

    let statuses = statuses.into_inner().expect("statuses");
    let failed: usize = statuses
        .iter()
        .filter(|(code, _)| **code >= 500)
        .map(|(_, n)| n)
        .sum();
    assert_eq!(failed, 0, "5xx answers under load: {statuses:?}");
    assert!(
        statuses.get(&200).copied().unwrap_or(0) >= 2 * ANSWERING,
        "{statuses:?}"
    );

    // The surveys that fell due during the load: sent by the scheduler.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let sent_during = || {
        (0..DUE_DURING)
            .filter(|i| {
                std::fs::read_dir(s.data().join("outbox"))
                    .map(|d| {
                        d.filter_map(|e| e.ok()).any(|e| {
                            let n = e.file_name().to_string_lossy().into_owned();
                            n.starts_with("survey") && n.contains(&format!("c-due-{i:02}"))
                        })
                    })
                    .unwrap_or(false)
            })
            .count()
    };
    while sent_during() < DUE_DURING && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    assert_eq!(
        sent_during(),
        DUE_DURING,
        "surveys due during the load (zone {zone}, from {})",
        rfc3339(now)
    );

    let latest = latest.into_inner().expect("latest");
    assert_eq!(latest.len(), ANSWERING);
    assert_eq!(
        s.total("csat", "responses"),
        ANSWERING as f64,
        "answers counted once"
    );
    let satisfied = latest.values().filter(|&&score| score >= 4).count();
    assert_eq!(
        s.total("csat", "satisfied"),
        satisfied as f64,
        "each answer counted with its latest score"
    );
    assert_eq!(
        s.total("csat", "sent"),
        (ANSWERING + DUE_DURING) as f64,
        "one survey each, whoever sent it"
    );
}
