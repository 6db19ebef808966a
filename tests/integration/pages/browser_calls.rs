//! The agent's and the manager's path in headless Chromium: open the
//! call sheet email as a mail client shows it, follow a call's link,
//! record "no answer" on the form, follow the next call's link, record
//! "reached, unsatisfied"; open the alert email, follow its link to the
//! case and resolve it. The KPIs move as SPEC 7 says. Every page and
//! email is screenshotted (phone width, and desktop for the emails), and
//! a call sheet in each of the four languages.

use super::browser::{reads_on_a_phone, screenshot, shots, submit, Driver};
use super::calls::week_old_purchase;
use super::Served;
use aftercare_shared::config::Settings;
use aftercare_shared::domain::case::ReasonDetail;
use aftercare_shared::domain::event::SurveyKind;
use aftercare_shared::domain::ids::{CustomerId, Locale, OrderId, TicketId};
use aftercare_shared::domain::sheet::ScheduledCall;
use aftercare_shared::i18n::fill;
use aftercare_shared::mail::render::call_sheet;
use chrono::{Duration, TimeZone, Utc};
use fantoccini::{Client, Locator};
use mail_parser::MessageParser;
use serde_json::Value;

async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("clicking {css}: {e}"));
}

/// Opens the sheet (a file, as a mail client shows it) and follows the
/// outcome link of call `n` (0-based, in time order).
async fn follow_call(c: &Client, sheet: &str, n: usize) {
    c.goto(sheet).await.expect("opening the sheet");
    let links = c
        .find_all(Locator::Css("a[href*='/c/']"))
        .await
        .expect("the sheet's outcome links");
    assert_eq!(links.len(), 2, "one link per call");
    links[n]
        .clone()
        .click()
        .await
        .expect("following a call's link");
    c.wait()
        .for_element(Locator::Id("outcome"))
        .await
        .expect("the outcome form");
}

async fn text(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"))
        .text()
        .await
        .expect("text")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_records_outcomes_from_the_sheet_and_a_manager_resolves_the_alert_in_a_browser() {
    let events = vec![
        week_old_purchase("c-ann", "Ann Lee", "ORD-1", 0),
        week_old_purchase("c-bo", "Bo Tran", "ORD-2", 30),
    ];
    let served = tokio::task::spawn_blocking(move || Served::start(&events))
        .await
        .expect("serve");
    let driver = tokio::task::spawn_blocking(Driver::start)
        .await
        .expect("chromedriver");
    let c = driver.browser().await;
    let dir = shots();
    let sheet_eml = served.email(&["sheet-"]);
    let sheet = format!("file://{}", served.html_file(&sheet_eml).display());
    c.goto(&sheet).await.expect("opening the sheet");
    screenshot(&c, &dir, "calls-1-sheet-ko", true).await;

    // Ann does not answer: the form says the next attempt is booked.
    follow_call(&c, &sheet, 0).await;
    assert!(text(&c, "h1").await.contains("Ann Lee"));
    screenshot(&c, &dir, "calls-2-outcome-form-ko", false).await;
    click(&c, "input[name=outcome][value=no_answer]").await;
    submit(&c).await;
    c.wait()
        .for_element(Locator::Id("done"))
        .await
        .expect("recorded");
    let done = text(&c, "main").await;
    assert!(done.contains("다음 시도는"), "{done}");
    screenshot(&c, &dir, "calls-3-recorded-retry-ko", false).await;

    // Bo is reached and unsatisfied: a problem first (no satisfaction).
    follow_call(&c, &sheet, 1).await;
    assert!(text(&c, "h1").await.contains("Bo Tran"));
    click(&c, "input[name=outcome][value=reached]").await;
    c.find(Locator::Id("notes"))
        .await
        .expect("notes")
        .send_keys("The box arrived crushed; wants a replacement.")
        .await
        .expect("typing notes");
    submit(&c).await;
    c.wait()
        .for_element(Locator::Css("p.error"))
        .await
        .expect("asked for the satisfaction");
    screenshot(&c, &dir, "calls-4-outcome-needs-satisfaction-ko", false).await;
    click(&c, "input[name=satisfaction][value=unsatisfied]").await;
    submit(&c).await;
    c.wait()
        .for_element(Locator::Id("done"))
        .await
        .expect("recorded");
    assert!(text(&c, "main").await.contains("에스컬레이션"));

    // The alert, as the managers' mail client shows it, links to the case.
    let alert_eml = served.email(&["alert-esc-"]);
    let alert = format!("file://{}", served.html_file(&alert_eml).display());
    c.goto(&alert).await.expect("opening the alert");
    screenshot(&c, &dir, "calls-5-escalation-alert-en", true).await;
    click(&c, "a[href*='/e/']").await;
    c.wait()
        .for_element(Locator::Id("escalation"))
        .await
        .expect("the escalation page");
    let case = text(&c, "main").await;
    for expected in [
        "Bo Tran",
        "The box arrived crushed",
        "Purchase: order ORD-2",
    ] {
        assert!(
            case.contains(expected),
            "the case lacks {expected:?}:\n{case}"
        );
    }
    assert!(
        text(&c, "#owner").await.contains("Nobody has taken"),
        "a new case is nobody's"
    );
    screenshot(&c, &dir, "calls-6-escalation-en", true).await;
    // A manager takes it: the page then says whose it is.
    c.find(Locator::Id("take-by"))
        .await
        .expect("take-by")
        .send_keys("Park Seoyeon")
        .await
        .expect("typing");
    click(&c, "#take button[type=submit]").await;
    c.wait()
        .for_element(Locator::XPath(
            "//p[@id='owner'][starts-with(., 'Taken by Park Seoyeon')]",
        ))
        .await
        .expect("taken");
    c.execute("document.getElementById('owner').scrollIntoView();", vec![])
        .await
        .expect("scrolling to the owner");
    screenshot(&c, &dir, "calls-6b-escalation-taken-en", false).await;
    c.find(Locator::Id("by"))
        .await
        .expect("by")
        .send_keys("Park Seoyeon")
        .await
        .expect("typing");
    c.find(Locator::Id("note"))
        .await
        .expect("note")
        .send_keys("Sent a replacement by courier.")
        .await
        .expect("typing");
    click(&c, "#resolve button[type=submit]").await;
    c.wait()
        .for_element(Locator::Id("resolved"))
        .await
        .expect("resolved");
    screenshot(&c, &dir, "calls-7-escalation-resolved-en", false).await;

    let today = Utc::now().date_naive().to_string();
    let report: Value =
        serde_json::from_str(&served.aftercare(&["report", "--format", "json", "--date", &today]))
            .expect("report JSON");
    let cb = &report["callbacks"];
    assert_eq!(
        (&cb["attempts"], &cb["reached"], &cb["unsatisfied"]),
        (&Value::from(2), &Value::from(1), &Value::from(1))
    );
    assert_eq!(
        (&cb["escalations_opened"], &cb["escalations_open"]),
        (&Value::from(1), &Value::from(0))
    );
    c.close().await.expect("closing the browser");
}

/// A call sheet for an agent of each language: three calls (an order,
/// an unresolved ticket, a low score with its comment, one at risk),
/// customers of every language, rendered and screenshotted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn call_sheets_read_well_in_every_language() {
    let mut toml = String::from("[business]\nname = \"Hanbit Store\"\n");
    for (i, lang) in ["en", "ko", "vi", "zh"].iter().enumerate() {
        toml.push_str(&format!(
            "[[agents]]\nid = \"a-{i}\"\nname = \"Agent {lang}\"\nemail = \"a{i}@example.com\"\nlanguages = [\"{lang}\", \"en\"]\ntime_zone = \"Asia/Seoul\"\n"
        ));
    }
    let settings = Settings::from_toml(&toml).expect("settings");
    let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 20).expect("a day");
    let slot = |h: u32, m: u32| Utc.with_ymd_and_hms(2026, 11, 20, h, m, 0).unwrap();
    // The links are the settings' base URL (the default, 127.0.0.1:8080)
    // and each call's token.
    let entries = || {
        vec![
            ScheduledCall {
                attempt: "c-1/order:ORD-114#1".parse().unwrap(),
                round: 0,
                slot: slot(0, 0),
                customer: CustomerId::parse("c-1").unwrap(),
                name: Some("Kim Minji".into()),
                phone: Some("+821012345678".into()),
                locale: Locale::Ko,
                customer_tz: chrono_tz::Asia::Seoul,
                reasons: vec![ReasonDetail::Order {
                    id: OrderId::parse("ORD-114").unwrap(),
                    at: slot(0, 0) - Duration::days(2),
                }],
                deadline: slot(0, 0) + Duration::hours(24),
                at_risk: false,
                outcome_token: "token-1".into(),
            },
            ScheduledCall {
                attempt: "c-2/ticket:TKT-3#1".parse().unwrap(),
                round: 0,
                slot: slot(1, 30),
                customer: CustomerId::parse("c-2").unwrap(),
                name: Some("Nguyễn Văn An".into()),
                phone: Some("+84901234567".into()),
                locale: Locale::Vi,
                customer_tz: chrono_tz::Asia::Ho_Chi_Minh,
                reasons: vec![
                    ReasonDetail::LowScore {
                        kind: SurveyKind::Csat,
                        score: 1,
                        comment: Some("Nobody called me back.".into()),
                        at: slot(0, 0) - Duration::hours(20),
                    },
                    ReasonDetail::Ticket {
                        id: TicketId::parse("TKT-3").unwrap(),
                        at: slot(0, 0) - Duration::days(1),
                        resolved: false,
                    },
                ],
                deadline: slot(1, 0),
                at_risk: true,
                outcome_token: "token-2".into(),
            },
            ScheduledCall {
                attempt: "c-3/ticket:TKT-9#1".parse().unwrap(),
                round: 0,
                slot: slot(5, 0),
                customer: CustomerId::parse("c-3").unwrap(),
                name: Some("王芳".into()),
                phone: Some("+8613812345678".into()),
                locale: Locale::Zh,
                customer_tz: chrono_tz::Asia::Shanghai,
                reasons: vec![ReasonDetail::Ticket {
                    id: TicketId::parse("TKT-9").unwrap(),
                    at: slot(0, 0) - Duration::days(1),
                    resolved: true,
                }],
                deadline: slot(0, 0) + Duration::hours(48),
                at_risk: false,
                outcome_token: "token-3".into(),
            },
        ]
    };
    let driver = tokio::task::spawn_blocking(Driver::start)
        .await
        .expect("chromedriver");
    let c = driver.browser().await;
    let dir = shots();
    let tmp = tempfile::tempdir().expect("a folder");
    for agent in &settings.agents {
        let lang = agent.languages[0].code();
        let m = call_sheet(&settings, agent, day, &entries(), slot(0, 0)).expect("a sheet");
        let parsed = MessageParser::default()
            .parse(m.raw.as_bytes())
            .expect("MIME");
        let html = parsed.body_html(0).expect("HTML").into_owned();
        let text = parsed.body_text(0).expect("text").into_owned();
        // The whole sheet as an agent reads it, reviewed once per language.
        let subject = parsed.subject().expect("a subject");
        crate::helpers::assert_golden(
            &format!("call-sheet.{lang}.txt"),
            &format!("Subject: {subject}\n\n{}", text.replace("\r\n", "\n")),
        );
        let t = &aftercare_shared::i18n::texts(agent.languages[0]).sheet;
        // Every call by name, its number as its country writes it behind
        // a tel: link, its deadline with the agent's zone named.
        for (name, shown, tel) in [
            ("Kim Minji", "+82 10-1234-5678", "+821012345678"),
            ("Nguyễn Văn An", "+84 90 123 45 67", "+84901234567"),
            ("王芳", "+86 138 1234 5678", "+8613812345678"),
        ] {
            assert!(
                text.contains(name) && text.contains(shown),
                "{lang}: {text}"
            );
            assert!(html.contains(&format!("href=\"tel:{tel}\"")), "{lang}");
        }
        for time in ["2026-11-21 09:00", "2026-11-20 10:00", "2026-11-22 09:00"] {
            let deadline = fill(&t.deadline, &[("time", time), ("zone", "Asia/Seoul")]);
            assert!(text.contains(&deadline), "{lang}: {deadline} in {text}");
        }
        // One script per language the calls need, each call pointing to
        // its own, each reply labelled: no agent reads both aloud.
        for anchor in ["script-ko", "script-vi", "script-zh"] {
            assert_eq!(
                html.matches(&format!("id=\"{anchor}\"")).count(),
                1,
                "{lang}"
            );
            assert_eq!(
                html.matches(&format!("href=\"#{anchor}\"")).count(),
                1,
                "{lang}"
            );
        }
        assert!(!html.contains("script-en"), "{lang}: no call needs English");
        for label in [&t.if_satisfied, &t.if_not] {
            assert_eq!(text.matches(label.as_str()).count(), 3, "{lang}: {label}");
        }
        // The Vietnamese call opens with the low score's thanks, labelled.
        let vi = &aftercare_shared::i18n::texts(Locale::Vi).script;
        assert!(
            text.contains(&format!(
                "{}{}{}",
                t.after_feedback, t.colon, vi.thanks_feedback
            )),
            "{lang}: {text}"
        );
        let file = tmp.path().join(format!("sheet-{lang}.html"));
        std::fs::write(&file, html).expect("saving");
        c.goto(&format!("file://{}", file.display()))
            .await
            .expect("opening");
        reads_on_a_phone(&c, &format!("the {lang} call sheet")).await;
        screenshot(&c, &dir, &format!("calls-sheet-{lang}"), lang == "en").await;
        // The first call's pointer leads to its script.
        click(&c, "a[href='#script-ko']").await;
        screenshot(&c, &dir, &format!("calls-sheet-{lang}-scripts"), false).await;
    }
    // A busy day stays one email: 17 calls, well under the 102 KB at
    // which Gmail cuts a message off.
    let busy: Vec<ScheduledCall> = (0..17).flat_map(|_| entries()).take(17).collect();
    let m = call_sheet(&settings, &settings.agents[0], day, &busy, slot(0, 0)).expect("a sheet");
    assert!(
        m.raw.len() < 102_000,
        "a 17-call sheet is {} bytes",
        m.raw.len()
    );
    c.close().await.expect("closing the browser");
}

/// A zone where it is now 08:xx, and that hour, so a retry three hours
/// on still falls on today (`Etc/GMT-9` is UTC+9).
fn morning_zone(now: chrono::DateTime<Utc>) -> (String, u32) {
    use chrono::Timelike;
    let mut k = (8 - now.hour() as i32).rem_euclid(24);
    if k > 14 {
        k -= 24;
    }
    let zone = match k {
        0 => "Etc/GMT".to_string(),
        k if k > 0 => format!("Etc/GMT-{k}"),
        k => format!("Etc/GMT+{}", -k),
    };
    let local_hour = (now.hour() as i32 + k).rem_euclid(24) as u32;
    (zone, local_hour)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_same_day_retry_reaches_the_agent_on_an_update_sheet_in_a_browser() {
    let now = Utc::now();
    let (zone, hour) = morning_zone(now);
    // The agent and the customer share a zone where the working day (and
    // the contact hours) began this hour: the call's first slot is now-ish.
    let days = "[\"Mon\", \"Tue\", \"Wed\", \"Thu\", \"Fri\", \"Sat\", \"Sun\"]";
    let settings = format!(
        "[contact_hours]\nstart = \"{hour:02}:00\"\nend = \"23:45\"\ndays = {days}\n\n\
         [[agents]]\nid = \"a-1\"\nname = \"Lee Jiwoo\"\nemail = \"jiwoo@example.com\"\nlanguages = [\"en\"]\n\
         time_zone = \"{zone}\"\nhours = \"{hour:02}:00-23:45\"\ndays = {days}\n"
    );
    let purchase = aftercare_shared::testing::envelope(
        "PurchaseCompleted",
        "ev-ORD-7",
        serde_json::json!({"order_id": "ORD-7", "occurred_at": super::rfc3339(now - Duration::hours(20)),
               "customer": {"id": "c-cy", "name": "Cy Park", "email": "c-cy@example.com",
                            "phone": "+821055501234", "locale": "en", "time_zone": zone}}),
    );
    let served =
        tokio::task::spawn_blocking(move || Served::start_with(&[purchase], Some(&settings)))
            .await
            .expect("serve");
    let driver = tokio::task::spawn_blocking(Driver::start)
        .await
        .expect("chromedriver");
    let c = driver.browser().await;
    let dir = shots();

    // This morning's sheet: the call; no answer.
    let sheet_eml = served.email(&["sheet-"]);
    let sheet = format!("file://{}", served.html_file(&sheet_eml).display());
    c.goto(&sheet).await.expect("opening the sheet");
    click(&c, "a[href*='/c/']").await;
    c.wait()
        .for_element(Locator::Id("outcome"))
        .await
        .expect("the form");
    click(&c, "input[name=outcome][value=no_answer]").await;
    submit(&c).await;
    c.wait()
        .for_element(Locator::Id("done"))
        .await
        .expect("recorded");
    assert!(text(&c, "main")
        .await
        .contains("next attempt is booked for"));

    // The next half hour's update lists just the retry (the clock run on
    // by `aftercare run` over the same data, as the scheduler would).
    let empty = served.dir.path().join("none.jsonl");
    std::fs::write(&empty, "").expect("an empty events file");
    let later = super::rfc3339(Utc::now() + Duration::minutes(31));
    let empty_arg = empty.to_string_lossy().into_owned();
    served.aftercare(&["run", "--quiet", "--events", &empty_arg, "--until", &later]);
    let update_eml = served.email(&["sheetupd-"]);
    let update = format!("file://{}", served.html_file(&update_eml).display());
    c.goto(&update).await.expect("opening the update");
    screenshot(&c, &dir, "calls-8-sheet-update-en", false).await;
    let links = c
        .find_all(Locator::Css("a[href*='/c/']"))
        .await
        .expect("the update's links");
    assert_eq!(links.len(), 1, "just the retry");
    links[0].clone().click().await.expect("following the retry");
    c.wait()
        .for_element(Locator::Id("outcome"))
        .await
        .expect("the retry's form");
    assert!(text(&c, "main").await.contains("Attempt 2 of 3"));

    // Reached and unsatisfied on the retry: the escalation opens.
    click(&c, "input[name=outcome][value=reached]").await;
    click(&c, "input[name=satisfaction][value=unsatisfied]").await;
    submit(&c).await;
    c.wait()
        .for_element(Locator::Id("done"))
        .await
        .expect("recorded");
    assert!(text(&c, "main").await.contains("escalation is open"));
    assert_eq!(served.total("callbacks", "attempts"), 2.0);
    assert_eq!(served.total("callbacks", "escalations_opened"), 1.0);
    c.close().await.expect("closing the browser");
}
