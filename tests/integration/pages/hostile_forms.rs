//! Every form of every page against bodies no browser sends (issue 18):
//! random fields and values, random bytes under any content type, on the
//! survey, unsubscribe, outcome and escalation links of a real `aftercare
//! serve`. Whatever comes in, the answer is a page with a 2xx or 4xx, never
//! a 5xx, and the server keeps serving the real forms afterwards.

use super::calls::{outcome_link, week_old_purchase};
use super::{customer, ticket_closed, Served};
use chrono::{Duration, Utc};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use reqwest::blocking::Client;
use reqwest::StatusCode;

/// A form field: one the pages read, or any other name.
fn field() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "score",
            "comment",
            "outcome",
            "satisfaction",
            "notes",
            "by",
            "note",
            "List-Unsubscribe",
        ])
        .prop_map(str::to_string),
        ".{0,12}",
    ]
}

/// A value: one a form offers, a number out of range, or any text.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "reached",
            "no_answer",
            "unsatisfied",
            "satisfied",
            "One-Click",
            "10",
            "-1",
            "99999999999999999999999",
            "NaN",
            " 3 ",
            "",
        ])
        .prop_map(str::to_string),
        any::<i64>().prop_map(|n| n.to_string()),
        ".{0,300}",
    ]
}

#[derive(Debug, Clone)]
enum Body {
    Form(Vec<(String, String)>),
    Bytes(String, Vec<u8>),
}

fn body() -> impl Strategy<Value = Body> {
    prop_oneof![
        3 => prop::collection::vec((field(), value()), 0..6).prop_map(Body::Form),
        1 => (
            prop::sample::select(vec![
                "application/x-www-form-urlencoded",
                "multipart/form-data",
                "application/json",
                "text/plain; charset=latin1",
                "",
            ]),
            prop::collection::vec(any::<u8>(), 0..3000),
        )
            .prop_map(|(t, b)| Body::Bytes(t.to_string(), b)),
    ]
}

fn send(http: &Client, url: &str, body: &Body) -> (StatusCode, String) {
    let request = match body {
        Body::Form(fields) => http.post(url).form(fields),
        Body::Bytes(kind, bytes) => http
            .post(url)
            .header("content-type", kind.as_str())
            .body(bytes.clone()),
    };
    let response = request.send().expect("a POST");
    let kind = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (response.status(), kind)
}

#[test]
fn no_body_on_any_form_gets_a_5xx_and_every_refusal_is_a_page() {
    let now = Utc::now();
    let served = Served::start(&[
        week_old_purchase("c-fz", "Fay Zed", "ORD-FZ", 0),
        week_old_purchase("c-esc", "Eli Sun", "ORD-ES", 30),
        ticket_closed(
            "t-fz",
            customer("c-fz-ticket", "en", "Fay"),
            now - Duration::days(2),
        ),
    ]);
    let http = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("an HTTP client");
    // An escalation to post at: Eli reached and unsatisfied.
    let eli = outcome_link(&served, "Eli Sun");
    let opened = http
        .post(&eli)
        .form(&[("outcome", "reached"), ("satisfaction", "unsatisfied")])
        .send()
        .expect("POST an outcome");
    assert_eq!(opened.status(), StatusCode::OK);
    let alert = served.email(&["alert-esc-"]);
    let case = served
        .links(&alert)
        .into_iter()
        .find(|l| l.contains("/e/"))
        .expect("the alert links to its case");
    let survey_email = served.email(&["survey", "c-fz-ticket"]);
    let links = [
        served.survey_link(&survey_email, 2),
        served.unsubscribe_link(&survey_email),
        outcome_link(&served, "Fay Zed"),
        case,
    ];

    // Seeded: a failure replays.
    let mut runner = TestRunner::new_with_rng(
        Config {
            cases: 160,
            failure_persistence: None,
            ..Config::default()
        },
        TestRng::deterministic_rng(RngAlgorithm::ChaCha),
    );
    let result = runner.run(
        &(prop::sample::select(links.to_vec()), body()),
        |(url, body)| {
            let (status, kind) = send(&http, &url, &body);
            prop_assert!(
                status.is_success() || status.is_client_error(),
                "POST {url} {body:?}: {status}"
            );
            prop_assert!(kind.starts_with("text/html"), "{status} as {kind:?}");
            Ok(())
        },
    );
    if let Err(e) = result {
        panic!("{e}");
    }
    // Still serving: the survey page opens.
    let page = http.get(&links[0]).send().expect("GET the survey");
    assert_eq!(page.status(), StatusCode::OK);
}
