//! `aftercare serve` stops cleanly: SIGTERM lets the work in progress finish
//! and ends the process with success.

use super::{customer, ticket_closed, Served};
use chrono::{Duration, Utc};

#[test]
fn sigterm_stops_serve_cleanly_and_the_pages_answered_until_then() {
    let mut s = Served::start(&[ticket_closed(
        "t-stop",
        customer("c-stop", "en", "Ann"),
        Utc::now() - Duration::days(2),
    )]);
    let link = s.survey_link(&s.email(&["survey", "c-stop"]), 3);
    let page = reqwest::blocking::get(&link).expect("GET");
    assert_eq!(page.status(), reqwest::StatusCode::OK);
    let status = s.stop();
    assert!(status.success(), "serve exited with {status}");
    assert!(
        reqwest::blocking::get(&link).is_err(),
        "nothing listens after the stop"
    );
}
