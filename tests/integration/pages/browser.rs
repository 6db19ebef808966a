//! The customer's whole path in headless Chromium, driven over WebDriver
//! (`chromedriver`, started here on a free 127.0.0.1 port): take the
//! survey email from the outbox, open its link, see the chosen score,
//! change it, comment, submit, see thanks; open it again and update; the
//! report shows one response with the latest score. Then unsubscribe.
//! Every page is screenshotted in every language at phone width (and the
//! English ones at desktop width) into `$AFTERCARE_SCREENSHOTS` when set
//! (`docs/screenshots/pages/` is made this way), else a temporary folder.

use super::{customer, rfc3339, sign, ticket_closed, Served};
use aftercare_shared::domain::token::Purpose;
use aftercare_shared::testing::envelope;
use chrono::{Duration, Utc};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

const PHONE: (u32, u32) = (390, 844);
const DESKTOP: (u32, u32) = (1280, 900);

/// `chromedriver` on a free port, killed on drop.
pub(crate) struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    pub(crate) fn start() -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver is not installed: ./scripts/test.sh installs chromium and chromium-driver");
        // Owned from here on: dropping it (a panic included) stops chromedriver.
        let driver = Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        for _ in 0..100 {
            let status = reqwest::blocking::get(format!("{}/status", driver.url));
            if status.is_ok_and(|r| r.status().is_success()) {
                return driver;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("chromedriver did not answer at {}", driver.url);
    }

    pub(crate) async fn browser(&self) -> Client {
        let mut caps = serde_json::Map::new();
        let profile = tempfile::tempdir().expect("a profile folder").keep();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({"args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--hide-scrollbars", "--force-device-scale-factor=1",
                format!("--user-data-dir={}", profile.display())]}),
        );
        ClientBuilder::rustls()
            .expect("a WebDriver client")
            .capabilities(caps)
            .connect(&self.url)
            .await
            .expect("a Chromium session")
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn shots() -> PathBuf {
    let dir = std::env::var_os("AFTERCARE_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("aftercare-screenshots"));
    std::fs::create_dir_all(&dir).expect("the screenshots folder");
    dir
}

/// At phone width, the page is no wider than the window and no word is
/// cut across two lines: each space-separated word (Korean ones too, as
/// `keep-all` keeps them) sits on one line. Chinese text and its
/// punctuation, which has no spaces and breaks between any two
/// characters, is left out, and so are words wider than most of the
/// window (a URL), which must wrap.
pub(crate) async fn reads_on_a_phone(c: &Client, what: &str) {
    c.set_window_size(PHONE.0, PHONE.1).await.expect("resizing");
    let found = c
        .execute(
            r#"const broken = [];
               const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
               const range = document.createRange();
               for (let n = walk.nextNode(); n; n = walk.nextNode()) {
                 const text = n.textContent;
                 for (const m of text.matchAll(/\S+/g)) {
                   if (/[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]/.test(m[0])) continue;
                   range.setStart(n, m.index);
                   range.setEnd(n, m.index + m[0].length);
                   const rects = [...range.getClientRects()].filter(r => r.width > 0);
                   const tops = new Set(rects.map(r => Math.round(r.top)));
                   const width = rects.reduce((sum, r) => sum + r.width, 0);
                   const wide = width > window.innerWidth * 0.8;
                   if (tops.size > 1 && !wide) broken.push(m[0]);
                 }
               }
               return [document.documentElement.scrollWidth, window.innerWidth, broken];"#,
            vec![],
        )
        .await
        .expect("measuring the page");
    let (scroll, inner) = (
        found[0].as_f64().unwrap_or(f64::MAX),
        found[1].as_f64().unwrap_or(0.0),
    );
    assert!(
        scroll <= inner,
        "{what}: {scroll}px wide in a {inner}px window"
    );
    assert_eq!(
        found[2],
        serde_json::json!([]),
        "{what}: words cut across two lines"
    );
}

/// The page at phone width (and desktop width when `desktop`), saved as PNG.
/// Every page a test looks at is also checked first: by axe-core (WCAG
/// 2.1 AA, zero violations), and at phone width for overflow and words
/// cut across lines.
pub(super) async fn screenshot(c: &Client, dir: &Path, name: &str, desktop: bool) {
    super::axe::accessible(c, name).await;
    reads_on_a_phone(c, name).await;
    let mut sizes = vec![("phone", PHONE)];
    if desktop {
        sizes.push(("desktop", DESKTOP));
    }
    for (label, (w, h)) in sizes {
        c.set_window_size(w, h).await.expect("resizing");
        let png = c.screenshot().await.expect("a screenshot");
        assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
        std::fs::write(dir.join(format!("{name}-{label}.png")), png).expect("saving a screenshot");
    }
    c.set_window_size(PHONE.0, PHONE.1).await.expect("resizing");
}

async fn checked_score(c: &Client) -> Option<String> {
    for input in c
        .find_all(Locator::Css("input[name=score]"))
        .await
        .expect("score inputs")
    {
        if input.is_selected().await.expect("is_selected") {
            return input.attr("value").await.expect("value");
        }
    }
    None
}

async fn choose(c: &Client, score: u8) {
    c.find(Locator::XPath(&format!(
        "//input[@name='score'][@value='{score}']/following-sibling::span"
    )))
    .await
    .expect("a score button")
    .click()
    .await
    .expect("clicking a score");
}

pub(super) async fn submit(c: &Client) {
    c.find(Locator::Css("button[type=submit]"))
        .await
        .expect("the submit button")
        .click()
        .await
        .expect("submitting");
}

async fn heading(c: &Client) -> String {
    c.find(Locator::Css("h1"))
        .await
        .expect("a heading")
        .text()
        .await
        .expect("text")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_answers_updates_and_unsubscribes_in_a_real_browser_in_four_languages() {
    let now = Utc::now();
    let locales = ["en", "ko", "vi", "zh"];
    let mut events: Vec<_> = locales
        .iter()
        .map(|l| {
            ticket_closed(
                &format!("t-{l}"),
                customer(&format!("c-{l}"), l, "Kim <b>Minji</b>"),
                now - Duration::days(2),
            )
        })
        .collect();
    // A purchase nine days ago: its NPS survey (0 to 10) is out too.
    events.push(envelope(
        "PurchaseCompleted",
        "ev-o-nps",
        json!({"order_id": "o-nps", "occurred_at": rfc3339(now - Duration::days(9)),
               "customer": customer("c-nps", "ko", "Park")}),
    ));
    let served = tokio::task::spawn_blocking(move || Served::start(&events))
        .await
        .expect("serve");
    let driver = tokio::task::spawn_blocking(Driver::start)
        .await
        .expect("chromedriver");
    let c = driver.browser().await;
    let dir = shots();
    c.set_window_size(PHONE.0, PHONE.1).await.expect("resizing");

    for (i, locale) in locales.iter().enumerate() {
        let email = served.email(&["survey", &format!("c-{locale}-csat")]);
        let desktop = *locale == "en";
        // The email's "4" button: the page opens with 4 chosen.
        c.goto(&served.survey_link(&email, 4))
            .await
            .expect("opening the survey link");
        assert_eq!(
            checked_score(&c).await.as_deref(),
            Some("4"),
            "{locale}: the chosen score"
        );
        assert_eq!(
            c.find(Locator::Css("html"))
                .await
                .expect("html")
                .attr("lang")
                .await
                .expect("lang")
                .as_deref(),
            Some(*locale)
        );
        // A screen reader hears what the ends of the scale mean on the
        // scores themselves: 1 is described by "1 = very dissatisfied".
        for (score, end) in [(1, "low-end"), (5, "high-end")] {
            let input = c
                .find(Locator::Css(&format!("input[name=score][value='{score}']")))
                .await
                .expect("a score");
            assert_eq!(
                input
                    .attr("aria-describedby")
                    .await
                    .expect("attr")
                    .as_deref(),
                Some(end),
                "{locale}: score {score}"
            );
            let described = c.find(Locator::Id(end)).await.expect("the end's label");
            assert!(
                described
                    .text()
                    .await
                    .expect("text")
                    .starts_with(&score.to_string()),
                "{locale}: {end}"
            );
        }
        screenshot(&c, &dir, &format!("{locale}-1-survey"), desktop).await;
        // Change it, comment, submit: thanks with the recorded score.
        choose(&c, 2).await;
        let comment = c
            .find(Locator::Id("comment"))
            .await
            .expect("the comment box");
        comment
            .send_keys("The parcel came late <again> & \"damaged\"")
            .await
            .expect("typing");
        submit(&c).await;
        // Wait for what only the next page has: the old page stays until
        // the POST's answer arrives.
        c.wait()
            .for_element(Locator::Id("thanks"))
            .await
            .expect("the thanks page");
        let big = c.find(Locator::Css("p.big")).await.expect("the score");
        assert_eq!(
            big.text().await.expect("text"),
            "2 / 5",
            "{locale}: the recorded score, out of the scale's top"
        );
        let quote = c
            .find(Locator::Css("blockquote"))
            .await
            .expect("the comment")
            .text()
            .await
            .expect("text");
        assert_eq!(
            quote, "The parcel came late <again> & \"damaged\"",
            "{locale}: the comment, as typed"
        );
        screenshot(&c, &dir, &format!("{locale}-2-thanks"), desktop).await;
        // "Change my answer": the form again with 2 chosen; update to 5.
        c.find(Locator::Css("a.button"))
            .await
            .expect("the change link")
            .click()
            .await
            .expect("clicking");
        c.wait()
            .for_element(Locator::Id("survey"))
            .await
            .expect("the form again");
        assert_eq!(
            checked_score(&c).await.as_deref(),
            Some("2"),
            "{locale}: the recorded score chosen"
        );
        choose(&c, 5).await;
        submit(&c).await;
        c.wait()
            .for_element(Locator::Id("thanks"))
            .await
            .expect("thanks again");
        let big = c.find(Locator::Css("p.big")).await.expect("the score");
        assert_eq!(big.text().await.expect("text"), "5 / 5");
        // One response, the latest score (5 is satisfied), across the languages so far.
        let (responses, satisfied) = {
            let s = &served;
            (s.total("csat", "responses"), s.total("csat", "satisfied"))
        };
        assert_eq!(
            (responses, satisfied),
            ((i + 1) as f64, (i + 1) as f64),
            "{locale}: one response each, the latest score"
        );

        // Unsubscribe: the confirmation, one button, done.
        c.goto(&served.unsubscribe_link(&email))
            .await
            .expect("opening the unsubscribe link");
        screenshot(&c, &dir, &format!("{locale}-3-unsubscribe"), desktop).await;
        submit(&c).await;
        c.wait()
            .for_element(Locator::Id("message"))
            .await
            .expect("the done page");
        assert!(!heading(&c).await.is_empty());
        screenshot(&c, &dir, &format!("{locale}-4-unsubscribed"), desktop).await;
        assert!(
            served
                .suppressed()
                .contains(&format!("c-{locale}@example.com")),
            "{locale}: suppressed"
        );

        // A link that expired: a clear page in the customer's language.
        let subject = format!("c-{locale}");
        let expired = sign(Purpose::Unsubscribe, &subject, now - Duration::hours(1));
        c.goto(&format!("{}/u/{expired}", served.base))
            .await
            .expect("opening an expired link");
        screenshot(&c, &dir, &format!("{locale}-5-expired"), desktop).await;
    }
    // The NPS page: eleven scores wrap on a phone, the ends stay readable.
    let nps = served.email(&["survey", "c-nps-nps"]);
    c.goto(&served.survey_link(&nps, 9))
        .await
        .expect("opening the NPS link");
    assert_eq!(checked_score(&c).await.as_deref(), Some("9"));
    let scores = c
        .find_all(Locator::Css("input[name=score]"))
        .await
        .expect("scores");
    assert_eq!(scores.len(), 11, "0 to 10");
    screenshot(&c, &dir, "ko-6-nps-survey", false).await;
    c.close().await.expect("closing the browser");
}
