//! A low answer reaches the managers as an alert they can act on: the
//! customer's name, phone and email, the answer and comment, the priority
//! call's agent and slot, and a link to the case page, which shows the
//! same and the case so far. Both in headless Chromium, screenshotted.

use super::browser::{screenshot, shots, Driver};
use super::{customer_in_the_afternoon, sign, ticket_closed, Served, EVERY_DAY};
use aftercare_shared::domain::token::Purpose;
use chrono::{Duration, Utc};
use fantoccini::Locator;
use mail_parser::MessageParser;
use reqwest::StatusCode;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_low_score_alert_carries_who_what_and_the_call_and_links_to_its_case() {
    let served = tokio::task::spawn_blocking(|| {
        Served::start_with(
            &[ticket_closed(
                "t-lo",
                customer_in_the_afternoon("c-lo", "en", "Lo Park"),
                Utc::now() - Duration::hours(6),
            )],
            Some(EVERY_DAY),
        )
    })
    .await
    .expect("serve");
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("an HTTP client");
    let survey = served.email(&["survey", "c-lo"]);
    let answer = http
        .post(served.survey_link(&survey, 1))
        .form(&[("score", "1"), ("comment", "The box was crushed.")])
        .send()
        .await
        .expect("answering");
    assert_eq!(answer.status(), StatusCode::OK);

    let alert_path = served.email(&["alert-low", "c-lo"]);
    let raw = std::fs::read(&alert_path).expect("the alert");
    let alert = MessageParser::default().parse(&raw).expect("parses");
    let text = alert.body_text(0).expect("a text part").into_owned();
    for expected in [
        "Lo Park",
        "+82 10-1234-5678",
        "c-lo@example.com",
        "Answer: CSAT 1",
        "Comment: The box was crushed.",
        "Priority call: ",
        "/l/",
    ] {
        assert!(text.contains(expected), "{expected:?} not in:\n{text}");
    }
    let call_line = text
        .lines()
        .find_map(|l| l.strip_prefix("Priority call: "))
        .expect("the priority call's line")
        .to_string();
    assert!(
        call_line.starts_with("Lee Jiwoo, ") || call_line.starts_with("at risk"),
        "the call names its agent and slot, or says it is at risk: {call_line}"
    );
    let html = alert.body_html(0).expect("an HTML part");
    assert!(html.contains("href=\"tel:+821012345678\""), "{html}");
    assert!(html.contains("href=\"mailto:c-lo@example.com\""), "{html}");

    // The case page says the same, and the case so far.
    let case = served
        .links(&alert_path)
        .into_iter()
        .find(|l| l.contains("/l/"))
        .expect("the case link");
    let page = http.get(&case).send().await.expect("GET the case");
    assert_eq!(page.status(), StatusCode::OK);
    let page = page.text().await.expect("the page");
    let shown = page
        .replace("<span style=\"white-space:nowrap;\">", "")
        .replace("</span>", "");
    for expected in [
        "Low score: Lo Park",
        "href=\"tel:+821012345678\"",
        "The box was crushed.",
        call_line.as_str(),
        "Ticket t-lo closed, resolved",
    ] {
        assert!(shown.contains(expected), "{expected:?} not in:\n{shown}");
    }
    // A forged link, and one to an answer that does not exist.
    let base = &served.base;
    let unknown = sign(
        Purpose::LowScore,
        "c-lo\ncsat:t-none",
        Utc::now() + Duration::days(1),
    );
    for (url, status) in [
        (
            format!("{base}/l/{}", unknown.replace('.', "x")),
            StatusCode::BAD_REQUEST,
        ),
        (format!("{base}/l/{unknown}"), StatusCode::NOT_FOUND),
    ] {
        let got = http.get(&url).send().await.expect("GET").status();
        assert!(
            got == status || (status == StatusCode::BAD_REQUEST && got == StatusCode::FORBIDDEN),
            "{url}: {got}"
        );
    }

    let driver = tokio::task::spawn_blocking(Driver::start)
        .await
        .expect("chromedriver");
    let c = driver.browser().await;
    let dir = shots();
    let file = format!("file://{}", served.html_file(&alert_path).display());
    c.goto(&file).await.expect("opening the alert");
    screenshot(&c, &dir, "calls-9-low-score-alert-en", true).await;
    c.find(Locator::Css("a[href*='/l/']"))
        .await
        .expect("the case button")
        .click()
        .await
        .expect("following it");
    c.wait()
        .for_element(Locator::Id("case"))
        .await
        .expect("the case page");
    screenshot(&c, &dir, "calls-10-low-score-case-en", true).await;
    c.close().await.expect("closing the browser");
}
