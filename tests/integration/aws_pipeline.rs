//! The AWS path end to end, on DynamoDB Local and moto: the services the
//! Lambda functions call, over the DynamoDB store and the SES mailer.

use crate::helpers::{dynamo_store, endpoint, ses_client};
use aftercare_shared::adapters::ses::SesMailer;
use aftercare_shared::config::Settings;
use aftercare_shared::domain::event::parse_envelope;
use aftercare_shared::domain::kpi::Metric;
use aftercare_shared::domain::token::TokenKey;
use aftercare_shared::ports::Store;
use aftercare_shared::services::care::{Care, Ingested};
use aftercare_shared::services::jobs::Jobs;
use chrono::{DateTime, Utc};

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

async fn raw_messages() -> Vec<String> {
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

/// The decoded text/plain part of a raw message (aftercare writes base64).
fn plain_text(raw: &str) -> String {
    use base64::Engine;
    let body = raw
        .split("Content-Type: text/plain; charset=UTF-8\r\n")
        .nth(1)
        .and_then(|part| part.split("\r\n\r\n").nth(1))
        .and_then(|part| part.split("--").next())
        .expect("a text/plain part");
    let b64: String = body.split_whitespace().collect();
    String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(b64)
            .expect("base64 body"),
    )
    .expect("UTF-8 body")
}

#[tokio::test]
async fn a_purchase_on_aws_becomes_a_booked_call_an_nps_email_and_a_morning_report() {
    let store = dynamo_store().await;
    let ses = ses_client().await;
    let settings = Settings::from_toml("[business]\nreport_time_zone = \"Asia/Seoul\"\nfrom = \"care-aws@example.com\"\nmanagers = [\"boss-aws@example.com\"]\n").unwrap();
    ses.create_email_identity()
        .email_identity(settings.from.as_str())
        .send()
        .await
        .expect("verifying the sender on moto");
    let mailer = SesMailer::new(ses, None);
    let key = TokenKey::new(b"aws-pipeline-key-123").unwrap();
    let care = Care {
        store: &store,
        mailer: &mailer,
        settings: &settings,
        key: &key,
    };
    let jobs = Jobs {
        store: &store,
        mailer: &mailer,
        settings: &settings,
        key: &key,
    };

    // Wed 2026-11-18 10:00 Seoul, a Korean speaker: the default agent speaks Korean.
    let text = r#"{"id":"aws-1","detail-type":"PurchaseCompleted","detail":{"order_id":"o-aws-1","occurred_at":"2026-11-18T01:00:00Z","customer":{"id":"c-aws-1","name":"Kim Minji","email":"minji.aws@example.com","phone":"+821012345678","locale":"ko","time_zone":"Asia/Seoul"}}}"#;
    let event = parse_envelope(text, "aws").unwrap().event;
    let now = utc("2026-11-18T01:00:00Z");
    jobs.run_due(now).await.unwrap();
    assert_eq!(care.ingest(&event, now).await.unwrap(), Ingested::Accepted);
    assert_eq!(care.ingest(&event, now).await.unwrap(), Ingested::Duplicate);

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

    // A week later (Wed 25th 10:00 Seoul, inside contact hours) the NPS survey is due.
    assert_eq!(
        store.next_due().await.unwrap(),
        Some(utc("2026-11-25T01:00:00Z"))
    );
    care.run_due(utc("2026-11-25T01:00:00Z")).await.unwrap();
    let sent = raw_messages().await;
    let survey = sent
        .iter()
        .find(|m| m.contains("Message-ID: <survey-c-aws-1-nps:o-aws-1@aftercare>"))
        .expect("the NPS email reached SES");
    assert!(survey.contains("To: minji.aws@example.com"));
    assert!(survey.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"));

    // The next morning's report (08:00 Seoul on the 26th) covers the 25th.
    jobs.run_due(utc("2026-11-25T23:00:00Z")).await.unwrap();
    assert!(raw_messages()
        .await
        .iter()
        .any(|m| m.contains("Message-ID: <report-2026-11-25@aftercare>")
            && m.contains("To: boss-aws@example.com")));
    // The same catch-up sent a-1 the sheet of Thursday 19th, the call's
    // day, and no sheet for the days without calls.
    let sent = raw_messages().await;
    let sheet = sent
        .iter()
        .find(|m| m.contains("Message-ID: <sheet-a-1-2026-11-19@aftercare>"))
        .expect("a-1's call sheet for the 19th reached SES");
    assert!(sheet.contains("Subject: Your calls for 2026-11-19: 1"));
    let text = plain_text(sheet);
    assert!(
        text.contains("09:00  Kim Minji  +821012345678  [ko]"),
        "the sheet lists the call at 09:00 Seoul:\n{text}"
    );
    assert!(text.contains("/c/"), "the sheet links the outcome form");
    for day in ["2026-11-20", "2026-11-23", "2026-11-24", "2026-11-25"] {
        assert!(
            !sent
                .iter()
                .any(|m| m.contains(&format!("<sheet-a-1-{day}@"))),
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
        store.undelivered(10).await.unwrap().is_empty(),
        "everything committed was delivered"
    );
}
