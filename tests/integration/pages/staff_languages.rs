//! The managers' and agents' pages in each language the product speaks,
//! at phone width: the outcome form (in the agent's first language), the
//! escalation page and a low score's alert and case page (in the
//! managers'). Each is checked by axe-core and for overflow and cut
//! words on the way to its screenshot.

use super::browser::{screenshot, shots, Driver};
use super::calls::{outcome_link, week_old_purchase};
use super::{customer_in_the_afternoon, ticket_closed, Served, EVERY_DAY};
use chrono::{Duration, Utc};
use fantoccini::{Client, Locator};
use reqwest::StatusCode;

/// One agent who speaks `lang` first, the managers reading `lang`.
fn settings(lang: &str) -> String {
    format!(
        "[business]\nlocale = \"{lang}\"\n\n[[agents]]\nid = \"a-1\"\nname = \"Agent {lang}\"\n\
         email = \"agent@example.com\"\nlanguages = [\"{lang}\", \"en\"]\ntime_zone = \"Asia/Seoul\"\n\n\
         {EVERY_DAY}"
    )
}

async fn look(c: &Client, url: &str, id: &str, name: &str) {
    c.goto(url).await.expect("opening");
    c.wait()
        .for_element(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("{name}: no #{id}: {e}"));
    screenshot(c, &shots(), name, false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_staff_pages_read_well_on_a_phone_in_every_language() {
    let driver = tokio::task::spawn_blocking(Driver::start)
        .await
        .expect("chromedriver");
    let c = driver.browser().await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("an HTTP client");
    for lang in ["en", "ko", "vi", "zh"] {
        let settings = settings(lang);
        let served = tokio::task::spawn_blocking(move || {
            Served::start_with(
                &[
                    week_old_purchase("c-sam", "Sam Lee", "ORD-1", 0),
                    ticket_closed(
                        "t-kim",
                        customer_in_the_afternoon("c-kim", "en", "Kim Yu"),
                        Utc::now() - Duration::hours(6),
                    ),
                ],
                Some(&settings),
            )
        })
        .await
        .expect("serve");
        let served = std::sync::Arc::new(served);
        let form = {
            let s = served.clone();
            tokio::task::spawn_blocking(move || outcome_link(&s, "Sam Lee"))
                .await
                .expect("the outcome link")
        };
        look(
            &c,
            &form,
            "outcome",
            &format!("staff-{lang}-1-outcome-form"),
        )
        .await;
        let reached = http
            .post(&form)
            .form(&[
                ("outcome", "reached"),
                ("satisfaction", "unsatisfied"),
                ("notes", "Wants a refund of the shipping."),
            ])
            .send()
            .await
            .expect("recording");
        assert_eq!(reached.status(), StatusCode::OK, "{lang}");
        let alert = served.email(&["alert-esc-"]);
        let case = served
            .links(&alert)
            .into_iter()
            .find(|l| l.contains("/e/"))
            .expect("the escalation link");
        look(
            &c,
            &case,
            "escalation",
            &format!("staff-{lang}-2-escalation"),
        )
        .await;

        let survey = served.email(&["survey", "c-kim"]);
        let answer = http
            .post(served.survey_link(&survey, 1))
            .form(&[("score", "1"), ("comment", "Nobody called me back.")])
            .send()
            .await
            .expect("answering");
        assert_eq!(answer.status(), StatusCode::OK, "{lang}");
        let low = served.email(&["alert-low", "c-kim"]);
        let file = format!("file://{}", served.html_file(&low).display());
        c.goto(&file).await.expect("opening the alert");
        screenshot(
            &c,
            &shots(),
            &format!("staff-{lang}-3-low-score-alert"),
            false,
        )
        .await;
        let case = served
            .links(&low)
            .into_iter()
            .find(|l| l.contains("/l/"))
            .expect("the case link");
        look(&c, &case, "case", &format!("staff-{lang}-4-low-score-case")).await;
    }
    c.close().await.expect("closing the browser");
}
