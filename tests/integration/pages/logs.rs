//! SPEC 12: no personal data in logs. `aftercare run`, `aftercare serve`
//! and the operator commands at their most verbose (`AFTERCARE_LOG=trace`)
//! over a customer whose name, address, phone and comment are each
//! unmistakable, through a survey answered low, an unsubscribe, a bad form
//! and a forged link: none of them appears in any log.

use super::{ticket_closed, Served};
use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::json;

const NAME: &str = "Seo-yeon Loggedname";
const EMAIL: &str = "seoyeon.loggedaddress@example.com";
const PHONE: &str = "+821055517733";
const COMMENT: &str = "the blender arrived cracked, please ring after seven";

#[test]
fn the_most_verbose_logs_of_run_serve_and_the_operator_commands_carry_no_personal_data() {
    let customer = json!({"id": "c-logs", "name": NAME, "email": EMAIL, "phone": PHONE,
                          "locale": "ko", "time_zone": "UTC"});
    let mut s = Served::start_logged(&[ticket_closed(
        "t-logs",
        customer,
        Utc::now() - Duration::days(2),
    )]);
    let survey = s.email(&["survey", "c-logs"]);
    let link = s.survey_link(&survey, 2);
    let http = reqwest::blocking::Client::new();
    assert_eq!(
        http.get(&link).send().expect("GET").status(),
        StatusCode::OK
    );
    let answered = http
        .post(&link)
        .form(&[("score", "2"), ("comment", COMMENT)])
        .send()
        .expect("POST");
    assert_eq!(answered.status(), StatusCode::OK, "the answer is taken");
    let bad = http
        .post(&link)
        .form(&[("score", "99"), ("comment", COMMENT)])
        .send()
        .expect("POST");
    assert!(
        bad.status().is_client_error(),
        "a score of 99: {}",
        bad.status()
    );
    let forged = link.replace("/s/", "/s/x");
    assert!(http
        .get(&forged)
        .send()
        .expect("GET")
        .status()
        .is_client_error());
    let unsubscribe = s.unsubscribe_link(&survey);
    let unsubscribed = http
        .post(&unsubscribe)
        .form(&[("List-Unsubscribe", "One-Click")])
        .send()
        .expect("POST");
    assert_eq!(unsubscribed.status(), StatusCode::OK);

    let today = Utc::now().date_naive().to_string();
    s.aftercare(&["report", "--date", &today, "--format", "text"]);
    s.aftercare(&["outbox", "--parked"]);
    s.aftercare(&["escalations", "list"]);
    let suppressed = s.suppressed();
    assert!(
        suppressed.contains(EMAIL),
        "the unsubscribe took: {suppressed}"
    );
    let status = s.stop();
    assert!(status.success(), "serve exited with {status}");

    let logs = s.logs();
    // What was logged: the events by kind and key, the mail by id.
    for logged in [
        "kind=\"TicketClosed\"",
        "committed customer=c-logs",
        "sent alert-low-c-logs",
    ] {
        assert!(logs.contains(logged), "no {logged} at trace:\n{logs}");
    }
    let phone_digits = PHONE.trim_start_matches('+');
    for secret in [
        NAME,
        "Loggedname",
        EMAIL,
        "loggedaddress",
        PHONE,
        phone_digits,
        COMMENT,
        "blender",
    ] {
        assert!(!logs.contains(secret), "a log names {secret:?}");
    }
    // The comment as a form sends it, too.
    assert!(
        !logs.contains("blender+arrived"),
        "a log holds the form's body"
    );
}
