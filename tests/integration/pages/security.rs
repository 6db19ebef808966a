//! Every fault a link can carry records nothing and gets the right page
//! and status; GET and HEAD never record; values are escaped; bodies are
//! bounded; answers update; unsubscribes (the page and RFC 8058's
//! one-click POST) stop the mail.

use super::{customer, sign, ticket_closed, Served};
use aftercare_shared::domain::event::SurveyFor;
use aftercare_shared::domain::ids::{CustomerId, TicketId};
use aftercare_shared::domain::keys::SurveyKey;
use aftercare_shared::domain::token::LinkSubject;
use aftercare_shared::domain::token::{Purpose, TokenKey};
use chrono::{Duration, Utc};
use reqwest::blocking::Client;
use reqwest::StatusCode;

fn client() -> Client {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("an HTTP client")
}

/// What every page must never show.
fn assert_clean(page: &str) {
    for internal in [
        "panicked",
        "sqlite",
        "StoreError",
        "Rejection",
        "aftercare_",
        "src/",
    ] {
        assert!(
            !page.contains(internal),
            "a page shows {internal:?}:\n{page}"
        );
    }
}

/// The token subject of a customer's CSAT survey, as the survey email signs it.
fn csat_subject(customer: &str, ticket: &str) -> String {
    let customer = CustomerId::parse(customer).expect("a customer id");
    let ticket = TicketId::parse(ticket).expect("a ticket id");
    LinkSubject::Survey {
        customer,
        survey: SurveyKey::new(SurveyFor::Ticket(ticket)),
    }
    .text()
}

/// A name that tries markup, quotes and a header of its own.
const HOSTILE_NAME: &str = "Ann \"<b>Lee</b>\" 'x'\r\nBcc: evil@example.com";

/// Surveys planned two days ago or more are out whatever the weekday: the
/// longest quiet stretch (Saturday 20:00 to Monday 09:00) is 37 hours.
fn scenario() -> Served {
    let now = Utc::now();
    Served::start(&[
        ticket_closed(
            "t-en",
            customer("c-en", "en", HOSTILE_NAME),
            now - Duration::days(2),
        ),
        ticket_closed(
            "t-ko",
            customer("c-ko", "ko", "김민지"),
            now - Duration::days(4),
        ),
        // A second ticket within the 7-day throttle: its CSAT is never sent.
        ticket_closed(
            "t-ko-2",
            customer("c-ko", "ko", "김민지"),
            now - Duration::days(2),
        ),
        // Closed a minute ago: its CSAT is due in two hours.
        ticket_closed(
            "t-vi",
            customer("c-vi", "vi", "Trần Thu"),
            now - Duration::minutes(1),
        ),
    ])
}

#[test]
fn token_faults_record_nothing_and_get_a_clear_page_with_the_right_status() {
    let s = scenario();
    let http = client();
    let link = s.survey_link(&s.email(&["survey", "c-en"]), 4);
    let (path, _) = link.split_once('?').expect("a query");
    let token = path.rsplit('/').next().expect("a token").to_string();
    let now = Utc::now();
    let (payload, tag) = token.split_once('.').expect("payload.tag");
    let mut flipped: Vec<char> = tag.chars().collect();
    flipped[3] = if flipped[3] == 'A' { 'B' } else { 'A' };
    let altered = format!("{payload}.{}", flipped.into_iter().collect::<String>());
    let forged = TokenKey::new(b"someone-elses-secret-key")
        .expect("key")
        .sign(
            Purpose::Survey,
            &csat_subject("c-en", "t-en"),
            now + Duration::days(9),
        );
    let expired = sign(
        Purpose::Survey,
        &csat_subject("c-en", "t-en"),
        now - Duration::hours(1),
    );
    let wrong_purpose = sign(Purpose::Unsubscribe, "c-en", now + Duration::days(9));
    let throttled = sign(
        Purpose::Survey,
        &csat_subject("c-ko", "t-ko-2"),
        now + Duration::days(9),
    );
    let not_sent = sign(
        Purpose::Survey,
        &csat_subject("c-vi", "t-vi"),
        now + Duration::days(9),
    );
    let cases = [
        (
            "truncated",
            token[..token.len() / 2].to_string(),
            StatusCode::BAD_REQUEST,
            "incomplete",
        ),
        ("altered", altered, StatusCode::FORBIDDEN, "not valid"),
        ("forged", forged, StatusCode::FORBIDDEN, "not valid"),
        ("expired", expired, StatusCode::GONE, "expired"),
        (
            "unsubscribe token on /s/",
            wrong_purpose,
            StatusCode::FORBIDDEN,
            "another page",
        ),
        // The customer's own language, though the page cannot be used.
        ("throttled", throttled, StatusCode::GONE, "보내지 않은 설문"),
        (
            "not yet sent",
            not_sent,
            StatusCode::CONFLICT,
            "chưa được gửi",
        ),
        (
            "garbage",
            "%%%.###".into(),
            StatusCode::BAD_REQUEST,
            "incomplete",
        ),
    ];
    for (what, token, status, says) in cases {
        let url = format!("{}/s/{token}?score=4", s.base);
        let get = http.get(&url).send().expect("GET");
        assert_eq!(get.status(), status, "GET {what}");
        let page = get.text().expect("a page");
        assert!(
            page.contains(says),
            "GET {what}: page does not say {says:?}:\n{page}"
        );
        assert_clean(&page);
        let post = http
            .post(&url)
            .form(&[("score", "4"), ("comment", "hello")])
            .send()
            .expect("POST");
        assert_eq!(post.status(), status, "POST {what}");
        assert_clean(&post.text().expect("a page"));
    }
    assert_eq!(
        s.total("csat", "responses"),
        0.0,
        "a faulty link recorded an answer"
    );
}

#[test]
fn opening_every_link_with_get_or_head_records_nothing() {
    let s = scenario();
    let http = client();
    let email = s.email(&["survey", "c-en"]);
    let links = s.links(&email);
    assert!(
        links.len() >= 6,
        "a CSAT email has five score links and an unsubscribe link"
    );
    for link in &links {
        assert_eq!(
            http.get(link).send().expect("GET").status(),
            StatusCode::OK,
            "{link}"
        );
        let head = http.head(link).send().expect("HEAD");
        assert_eq!(head.status(), StatusCode::OK, "HEAD {link}");
    }
    assert_eq!(s.total("csat", "responses"), 0.0);
    assert_eq!(s.unsubscribes(), 0.0);
    assert_eq!(s.suppressed().trim(), "no suppressed addresses");
}

#[test]
fn an_answer_is_recorded_updated_and_shown_escaped() {
    let s = scenario();
    let http = client();
    let link = s.survey_link(&s.email(&["survey", "c-en"]), 2);
    let page = http.get(&link).send().expect("GET").text().expect("page");
    assert!(
        page.contains(r#"value="2" required checked"#),
        "score 2 is pre-selected"
    );
    assert_eq!(
        page.matches(" checked").count(),
        1,
        "only one score is pre-selected"
    );
    // A score out of range, or none, selects nothing: the customer chooses.
    let (path, _) = link.split_once('?').expect("a query");
    for query in ["?score=9", "?score=-1", "?score=x", ""] {
        let page = http.get(format!("{path}{query}")).send().expect("GET");
        let page = page.text().expect("page");
        assert_eq!(
            page.matches(" checked").count(),
            0,
            "{query:?} chose a score"
        );
    }
    let hostile = "<script>alert(\"x\")</script> 'quoted'\r\nBcc: evil@example.com";
    let thanks = http
        .post(&link)
        .form(&[("score", "2"), ("comment", hostile)])
        .send()
        .expect("POST");
    assert_eq!(thanks.status(), StatusCode::OK);
    let thanks = thanks.text().expect("page");
    assert!(
        !thanks.contains("<script>"),
        "the comment came out unescaped"
    );
    assert!(
        thanks.contains("&#60;script&#62;"),
        "the comment is shown, escaped:\n{thanks}"
    );
    assert!(
        thanks.contains(r#"href="?score=2""#),
        "the thanks page offers to change it"
    );
    // The low score alerted the managers; the comment cannot add a header.
    let alert = std::fs::read(s.email(&["alert-low", "c-en"])).expect("the alert");
    let alert = mail_parser::MessageParser::default()
        .parse(&alert)
        .expect("parses");
    assert!(
        alert.header("Bcc").is_none(),
        "a name or comment injected a header"
    );
    let subject = alert.subject().expect("a subject");
    assert!(
        subject.contains("Ann") && !subject.contains(['\r', '\n']),
        "{subject:?}"
    );
    let html = alert.body_html(0).expect("an HTML part");
    assert!(
        !html.contains("<b>Lee") && !html.contains("<script>"),
        "unescaped markup in the alert"
    );
    assert!(
        html.contains("&#60;b&#62;Lee") || html.contains("&lt;b&gt;Lee"),
        "the name, escaped"
    );
    // The survey email greets the same name, escaped, without a new header.
    let survey = std::fs::read(s.email(&["survey", "c-en"])).expect("the survey email");
    let survey = mail_parser::MessageParser::default()
        .parse(&survey)
        .expect("parses");
    assert!(survey.header("Bcc").is_none());
    assert!(!survey.body_html(0).expect("HTML").contains("<b>Lee"));
    assert!(alert.body_text(0).expect("text").contains("alert(\"x\")"));
    // An update before expiry replaces the score: one response, the latest score.
    let update = http
        .post(&link)
        .form(&[("score", "5"), ("comment", "")])
        .send()
        .expect("POST");
    assert_eq!(update.status(), StatusCode::OK);
    assert!(update
        .text()
        .expect("page")
        .contains(r#"<p class="big" aria-hidden="true">5<span class="of"> / 5</span></p>"#));
    assert_eq!(s.total("csat", "responses"), 1.0);
    assert_eq!(s.total("csat", "satisfied"), 1.0);
    // A score out of range or missing: the form again with what to fix, nothing recorded.
    for form in [
        vec![("score", "9")],
        vec![("comment", "only words")],
        vec![("score", "x")],
    ] {
        let r = http.post(&link).form(&form).send().expect("POST");
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{form:?}");
        assert!(r
            .text()
            .expect("page")
            .contains("choose a score from 1 to 5"));
    }
    assert_eq!(s.total("csat", "satisfied"), 1.0);
}

#[test]
fn oversized_bodies_and_wrong_methods_are_refused_with_a_page() {
    let s = scenario();
    let http = client();
    let link = s.survey_link(&s.email(&["survey", "c-ko"]), 5);
    let big = format!("score=5&comment={}", "a".repeat(100_000));
    let r = http
        .post(&link)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(big)
        .send()
        .expect("POST");
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        r.text().expect("page").contains("너무 깁니다"),
        "refused in Korean"
    );
    // The unsubscribe POST is bounded too, and refusing it unsubscribes no one.
    let unsubscribe = s.unsubscribe_link(&s.email(&["survey", "c-ko"]));
    let r = http
        .post(&unsubscribe)
        .body(format!(
            "List-Unsubscribe=One-Click&x={}",
            "a".repeat(100_000)
        ))
        .send()
        .expect("POST");
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(s.suppressed().trim(), "no suppressed addresses");
    let put = http.put(&link).send().expect("PUT");
    assert_eq!(put.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(put.headers()["allow"], "GET, HEAD, POST");
    let missing = http
        .get(format!("{}/nothing/here", s.base))
        .send()
        .expect("GET");
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_clean(&missing.text().expect("page"));
    assert_eq!(s.total("csat", "responses"), 0.0);
}

#[test]
fn unsubscribing_by_page_or_one_click_stops_the_mail_once() {
    let s = scenario();
    let http = client();
    let en = s.unsubscribe_link(&s.email(&["survey", "c-en"]));
    let confirm = http.get(&en).send().expect("GET");
    assert_eq!(confirm.status(), StatusCode::OK);
    let confirm = confirm.text().expect("page");
    assert!(
        confirm.contains("c\u{2022}\u{2022}\u{2022}@example.com"),
        "the address, masked"
    );
    assert!(
        confirm.contains(r#"<form method="post">"#),
        "one form, one button"
    );
    assert_eq!(
        s.suppressed().trim(),
        "no suppressed addresses",
        "a GET unsubscribed"
    );
    let done = http
        .post(&en)
        .form(&[("List-Unsubscribe", "One-Click")])
        .send()
        .expect("POST");
    assert_eq!(done.status(), StatusCode::OK);
    assert!(done.text().expect("page").contains("You are unsubscribed"));
    // RFC 8058: the mail client's one-click POST, no cookie, multipart or not.
    let ko = s.unsubscribe_link(&s.email(&["survey", "c-ko"]));
    for _ in 0..2 {
        let r = http
            .post(&ko)
            .header("content-type", "application/x-www-form-urlencoded")
            .body("List-Unsubscribe=One-Click")
            .send()
            .expect("one-click POST");
        assert_eq!(r.status(), StatusCode::OK);
    }
    let list = s.suppressed();
    assert!(
        list.contains("c-en@example.com") && list.contains("c-ko@example.com"),
        "{list}"
    );
    assert_eq!(list.lines().count(), 2);
    assert_eq!(s.unsubscribes(), 2.0, "each customer counts once");
    // The page says so when it is opened again.
    let again = http.get(&ko).send().expect("GET").text().expect("page");
    assert!(again.contains("이미 수신 거부"), "{again}");
}
