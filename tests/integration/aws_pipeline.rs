//! The AWS path end to end, on DynamoDB Local and moto: the services the
//! Lambda functions call, over the DynamoDB store and the SES mailer.

use crate::helpers::{dynamo_store, endpoint, ses_client};
use aftercare_shared::adapters::ses::SesMailer;
use aftercare_shared::config::Settings;
use aftercare_shared::domain::kpi::Metric;
use aftercare_shared::domain::token::TokenKey;
use aftercare_shared::ports::{Counters, DueIndex, Histories, Outbox};
use aftercare_shared::services::{Aftercare, Budget, Ingested};
use aftercare_shared::testing::{envelope, event, seoul_customer, utc};
use mail_parser::MessageParser;
use serde_json::json;
use std::sync::Arc;

pub(crate) async fn raw_messages() -> Vec<String> {
    let data: serde_json::Value = reqwest::get(format!(
        "{}/moto-api/data.json",
        endpoint("AFTERCARE_SES_ENDPOINT")
    ))
    .await
    .expect("reading moto's data")
    .json()
    .await
    .expect("moto's data is JSON");
    data["ses"]["RawMessage"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|m| m["raw_data"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// The first recipient of a raw message.
fn first_to(raw: &str) -> Option<String> {
    let m = MessageParser::default().parse(raw.as_bytes())?;
    let to = m.to()?.first()?.address()?.to_string();
    Some(to)
}

/// Whether a raw message has this Message-ID.
fn has_id(raw: &str, id: &str) -> bool {
    MessageParser::default()
        .parse(raw.as_bytes())
        .is_some_and(|m| m.message_id() == Some(id))
}

#[tokio::test]
async fn a_purchase_on_aws_becomes_a_booked_call_an_nps_email_and_a_morning_report() {
    let store = Arc::new(dynamo_store().await);
    let ses = ses_client().await;
    let settings = Settings::from_toml("[business]\nreport_time_zone = \"Asia/Seoul\"\nfrom = \"care-aws@example.com\"\nmanagers = [\"boss-aws@example.com\"]\n").unwrap();
    ses.create_email_identity()
        .email_identity(settings.business.from.as_str())
        .send()
        .await
        .expect("verifying the sender on moto");
    let mailer = SesMailer::new(ses, None);
    let key = TokenKey::new(b"aws-pipeline-key-123").unwrap();
    let service = Aftercare::new(store.clone(), Arc::new(mailer), settings, key);

    // Wed 2026-11-18 10:00 Seoul, a Korean speaker: the default agent speaks Korean.
    let mut customer = seoul_customer("c-aws-1", "minji.aws@example.com");
    customer["name"] = json!("Kim Minji");
    let event = event(&envelope(
        "PurchaseCompleted",
        "aws-1",
        json!({"order_id": "o-aws-1", "occurred_at": "2026-11-18T01:00:00Z", "customer": customer}),
    ));
    let now = utc("2026-11-18T01:00:00Z");
    service.schedule_jobs(now).await.unwrap();
    assert_eq!(
        service.ingest(&event, now).await.unwrap(),
        Ingested::Accepted
    );
    assert_eq!(
        service.ingest(&event, now).await.unwrap(),
        Ingested::Duplicate
    );

    let history = store
        .load(&event.customer_id().unwrap().clone())
        .await
        .unwrap()
        .unwrap();
    let booked = history
        .facts
        .assignments
        .values()
        .next()
        .expect("the call's first attempt is booked");
    assert_eq!(booked.agent.as_ref().map(|a| a.as_str()), Some("a-1"));
    assert_eq!(
        booked.slot,
        utc("2026-11-19T00:00:00Z"),
        "Thursday 09:00 Seoul, the next local day"
    );

    // Thursday 09:00 Seoul: a-1's sheet goes out, and the call is made
    // (otherwise the attempt would be booked again two hours after its slot).
    assert_eq!(
        store.next_due().await.unwrap(),
        Some(utc("2026-11-19T02:00:00Z")),
        "the re-booking check, should the slot pass with no outcome"
    );
    service
        .call_sheets(utc("2026-11-19T00:00:00Z"))
        .await
        .unwrap();
    let reached = aftercare_shared::testing::event(&envelope(
        "CallOutcomeRecorded",
        "aws-call-1",
        json!({"customer_id": "c-aws-1", "outcome": "reached", "satisfaction": "satisfied",
               "agent_id": "a-1", "occurred_at": "2026-11-19T00:10:00Z"}),
    ));
    let t = utc("2026-11-19T00:10:00Z");
    assert_eq!(
        service.ingest(&reached, t).await.unwrap(),
        Ingested::Accepted
    );

    // A week later (Wed 25th 10:00 Seoul, inside contact hours) the NPS survey is due.
    assert_eq!(
        store.next_due().await.unwrap(),
        Some(utc("2026-11-25T01:00:00Z"))
    );
    service
        .run_due(utc("2026-11-25T01:00:00Z"), Budget::unlimited())
        .await
        .unwrap();
    let sent = raw_messages().await;
    let survey = sent
        .iter()
        .find(|m| has_id(m, "survey-c-aws-1-nps=3Ao-aws-1@example.com"))
        .expect("the NPS email reached SES");
    assert_eq!(first_to(survey).as_deref(), Some("minji.aws@example.com"));
    assert!(survey.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"));

    // The next morning's report (08:00 Seoul on the 26th) covers the 25th.
    let late = utc("2026-11-25T23:00:00Z");
    service.morning_report(late).await.unwrap();
    service.call_sheets(late).await.unwrap();
    assert!(raw_messages()
        .await
        .iter()
        .any(|m| has_id(m, "report-2026-11-25@example.com")
            && first_to(m).as_deref() == Some("boss-aws@example.com")));
    // a-1 got the sheet of Thursday 19th, the call's day, and the
    // catch-up sent no sheet for the days without calls.
    let sent = raw_messages().await;
    let sheet = sent
        .iter()
        .find(|m| has_id(m, "sheet-a-1-2026-11-19@example.com"))
        .expect("a-1's call sheet for the 19th reached SES");
    let sheet = MessageParser::default().parse(sheet.as_bytes()).unwrap();
    // a-1 speaks Korean first: the sheet is in Korean.
    assert_eq!(sheet.subject(), Some("2026-11-19 통화 목록: 1건"));
    let text = sheet.body_text(0).unwrap().into_owned();
    assert!(
        text.contains(
            "09:00  Kim Minji\n  고객 시간 09:00 (Asia/Seoul), 한국어\n  +82 10-1234-5678"
        ),
        "the sheet lists the call at 09:00 Seoul:\n{text}"
    );
    assert!(text.contains("/c/"), "the sheet links the outcome form");
    for day in ["2026-11-20", "2026-11-23", "2026-11-24", "2026-11-25"] {
        assert!(
            !sent
                .iter()
                .any(|m| has_id(m, &format!("sheet-a-1-{day}@example.com"))),
            "a-1 had no calls on {day} but got a sheet"
        );
    }
    let day = store.day("2026-11-25".parse().unwrap()).await.unwrap();
    assert_eq!(day.get(Metric::NpsSent), 1);
    let purchase_day = store.day("2026-11-18".parse().unwrap()).await.unwrap();
    assert_eq!(
        (
            purchase_day.get(Metric::Purchases),
            purchase_day.get(Metric::CallsScheduled)
        ),
        (1, 1)
    );
    assert!(
        store.undelivered(late, 10).await.unwrap().is_empty(),
        "everything committed was delivered"
    );
}
