//! The agents' and managers' pages against a real `aftercare serve`
//! (SPEC 4, 6): the outcome form opened from a call sheet's link, the
//! escalation page opened from the alert's link, and what they move in
//! the KPIs, read back through `aftercare report` and `aftercare
//! escalations list`.

use super::{rfc3339, Served};
use aftercare_shared::testing::envelope;
use chrono::{Duration, Utc};
use reqwest::blocking::Client;
use reqwest::StatusCode;
use serde_json::{json, Value};

fn client() -> Client {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("an HTTP client")
}

/// A purchase by a customer in Seoul a week ago: the call's first slot is
/// long past, on a call sheet already sent to the default agent.
pub fn week_old_purchase(customer: &str, name: &str, order: &str, minutes: i64) -> Value {
    let at = Utc::now() - Duration::days(7) + Duration::minutes(minutes);
    envelope(
        "PurchaseCompleted",
        &format!("ev-{order}"),
        json!({"order_id": order, "occurred_at": rfc3339(at),
               "customer": {"id": customer, "name": name, "email": format!("{customer}@example.com"),
                            "phone": "+821055501234", "locale": "en", "time_zone": "Asia/Seoul"}}),
    )
}

/// The outcome-form link of `name`'s call, on the newest call sheet
/// that lists it.
pub fn outcome_link(served: &Served, name: &str) -> String {
    let http = client();
    let outbox = served.data().join("outbox");
    let mut sheets: Vec<_> = std::fs::read_dir(&outbox)
        .expect("the outbox")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("sheet-"))
        })
        .collect();
    sheets.sort();
    sheets
        .iter()
        .rev()
        .flat_map(|sheet| served.links(sheet))
        .filter(|l| l.contains("/c/"))
        .find(|l| {
            http.get(l)
                .send()
                .and_then(|r| r.text())
                .is_ok_and(|page| page.contains(name))
        })
        .unwrap_or_else(|| panic!("no outcome link for {name} in {}", outbox.display()))
}

/// The agent's notes are on the page, escaped: no `<b>` reaches the HTML.
fn assert_escaped(page: &str, word: &str) {
    assert!(page.contains(word), "{word:?} is missing:\n{page}");
    assert!(!page.contains("<b>"), "unescaped notes:\n{page}");
}

/// A page's HTML without the spans that keep hyphenated words whole on
/// a phone, so that its text reads as shown.
pub(super) fn unwrapped(page: &str) -> String {
    page.replace("<span style=\"white-space:nowrap;\">", "")
        .replace("</span>", "")
}

fn post(url: &str, form: &[(&str, &str)]) -> (StatusCode, String) {
    let r = client().post(url).form(form).send().expect("a POST");
    (r.status(), unwrapped(&r.text().expect("a page")))
}

#[test]
fn an_outcome_from_the_call_sheet_counts_once_and_an_escalation_is_resolved_from_its_alert() {
    let served = Served::start(&[
        week_old_purchase("c-ann", "Ann Lee", "ORD-1", 0),
        week_old_purchase("c-bo", "Bo Tran", "ORD-2", 30),
    ]);

    // Ann: no answer. The form (in the default agent's Korean) shows her
    // call; a second submit changes nothing.
    let ann = outcome_link(&served, "Ann Lee");
    let form = client().get(&ann).send().expect("GET the form");
    assert_eq!(form.status(), StatusCode::OK);
    let page = unwrapped(&form.text().unwrap());
    for expected in [
        "tel:+821055501234",
        "주문 ORD-1, 7일 전",
        "name=\"outcome\"",
    ] {
        assert!(
            page.contains(expected),
            "the form lacks {expected:?}:\n{page}"
        );
    }
    let (status, page) = post(&ann, &[("outcome", "no_answer"), ("notes", "")]);
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("다음 시도는"), "{page}");
    let (status, page) = post(&ann, &[("outcome", "no_answer")]);
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(page.contains("이미 기록"), "{page}");

    // Bo: reached but no satisfaction chosen is sent back; then unsatisfied.
    let bo = outcome_link(&served, "Bo Tran");
    let (status, page) = post(
        &bo,
        &[("outcome", "reached"), ("notes", "Box <b>crushed</b>")],
    );
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_escaped(&page, "crushed");
    let (status, _) = post(&bo, &[("outcome", "bogus")]);
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, page) = post(
        &bo,
        &[
            ("outcome", "reached"),
            ("satisfaction", "unsatisfied"),
            ("notes", "Box <b>crushed</b>"),
        ],
    );
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("에스컬레이션이 열렸습니다"), "{page}");
    assert_eq!(served.total("callbacks", "attempts"), 2.0);
    assert_eq!(served.total("callbacks", "escalations_opened"), 1.0);
    let listed = served.aftercare(&["escalations", "list"]);
    assert!(listed.contains("c-bo/order:ORD-2"), "{listed}");
    // Since when, in the report time zone, to the minute, the zone named.
    let since = listed
        .split_once("since ")
        .map(|(_, rest)| rest)
        .unwrap_or_default();
    assert!(
        chrono::NaiveDateTime::parse_from_str(&since[..16.min(since.len())], "%Y-%m-%d %H:%M")
            .is_ok()
            && since[16..].starts_with(" UTC (0h)"),
        "{listed}"
    );

    // The alert links to the case; resolving it there closes it today.
    let alert = served.email(&["alert-esc-"]);
    let case = served
        .links(&alert)
        .into_iter()
        .find(|l| l.contains("/e/"))
        .expect("the alert links to the escalation page");
    let page = unwrapped(&client().get(&case).send().unwrap().text().unwrap());
    assert_escaped(&page, "crushed");
    for expected in ["Bo Tran", "Purchase: order ORD-2", "name=\"by\""] {
        assert!(
            page.contains(expected),
            "the case lacks {expected:?}:\n{page}"
        );
    }
    let (status, _) = post(&case, &[("by", " "), ("note", "")]);
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, page) = post(
        &case,
        &[("by", "Park Seoyeon"), ("note", "Sent a new one.")],
    );
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("Resolved by Park Seoyeon"), "{page}");
    let (status, _) = post(&case, &[("by", "Park Seoyeon")]);
    assert_eq!(status, StatusCode::CONFLICT);
    let today = Utc::now().date_naive().to_string();
    let report: Value =
        serde_json::from_str(&served.aftercare(&["report", "--format", "json", "--date", &today]))
            .unwrap();
    assert_eq!(report["callbacks"]["escalations_open"], 0);
    assert!(served
        .aftercare(&["escalations", "list"])
        .contains("no open escalations"));

    // Bad links get clear 4xx pages.
    let base = &served.base;
    for (url, expected) in [
        (format!("{base}/c/not-a-token"), StatusCode::BAD_REQUEST),
        (format!("{base}/e/not-a-token"), StatusCode::BAD_REQUEST),
    ] {
        assert_eq!(
            client().get(&url).send().unwrap().status(),
            expected,
            "{url}"
        );
    }
}
