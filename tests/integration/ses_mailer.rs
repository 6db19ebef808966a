//! The SES v2 adapter against moto, reading sent mail back from moto's API.

use crate::helpers::{endpoint, ses_client};
use aftercare_shared::adapters::ses::SesMailer;
use aftercare_shared::config::Settings;
use aftercare_shared::domain::event::SurveyFor;
use aftercare_shared::domain::ids::{CustomerId, EmailAddress, Locale, TicketId};
use aftercare_shared::domain::surveys::PlannedSurvey;
use aftercare_shared::domain::token::TokenKey;
use aftercare_shared::mail::render::{survey_email, SurveyMail};
use aftercare_shared::ports::Mailer;
use chrono::{TimeZone, Utc};

#[tokio::test]
async fn a_survey_email_goes_out_through_ses_with_its_unsubscribe_headers() {
    let client = ses_client().await;
    let settings = Settings::default();
    client
        .create_email_identity()
        .email_identity(settings.business.from.as_str())
        .send()
        .await
        .expect("verifying the sender on moto");
    let now = Utc.with_ymd_and_hms(2026, 11, 20, 1, 0, 0).unwrap();
    let customer = CustomerId::parse("c-ses-1").unwrap();
    let survey = PlannedSurvey {
        key: "csat:t-ses-1".parse().unwrap(),
        subject: SurveyFor::Ticket(TicketId::parse("t-ses-1").unwrap()),
        trigger_at: now,
        due_at: now,
        email: EmailAddress::parse("minji.ses@example.com").unwrap(),
        locale: Locale::Ko,
        tz: chrono_tz::Asia::Seoul,
    };
    let key = TokenKey::new(b"test-key-0123456789").unwrap();
    let mail = SurveyMail {
        customer: &customer,
        name: Some("Kim Minji"),
        survey: &survey,
        first_sent: now,
        reminder: false,
    };
    let message = survey_email(&settings, &key, &mail, now).unwrap();
    SesMailer::new(client, None)
        .send(&message)
        .await
        .expect("sending through SES (moto)");

    let data: serde_json::Value = reqwest::get(format!(
        "{}/moto-api/data.json",
        endpoint("AFTERCARE_SES_ENDPOINT")
    ))
    .await
    .expect("reading moto's data")
    .json()
    .await
    .expect("moto's data is JSON");
    let sent = data["ses"]["RawMessage"]
        .as_array()
        .expect("moto recorded raw messages")
        .clone();
    let ours = sent
        .iter()
        .find(|m| {
            m["raw_data"].as_str().is_some_and(|r| {
                r.contains("Message-ID: <survey-c-ses-1-csat=3At-ses-1@example.com>")
            })
        })
        .expect("our message reached SES");
    let raw = ours["raw_data"].as_str().unwrap();
    assert!(
        raw.contains("List-Unsubscribe: <http://127.0.0.1:8080/u/"),
        "{raw}"
    );
    assert!(raw.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"));
    let parsed = mail_parser::MessageParser::default()
        .parse(raw.as_bytes())
        .expect("SES got a parseable message");
    assert!(parsed.body_html(0).is_some_and(|h| h.contains("/s/")));
    assert_eq!(ours["source"], "care@example.com");
    assert!(ours["destinations"]
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d == "minji.ses@example.com"));
}

#[tokio::test]
async fn a_refused_send_is_an_error_whose_text_carries_no_address() {
    let client = ses_client().await;
    let settings =
        Settings::from_toml("[business]\nfrom = \"never-verified-sender@example.com\"\n").unwrap();
    let now = Utc.with_ymd_and_hms(2026, 11, 20, 1, 0, 0).unwrap();
    let customer = CustomerId::parse("c-ses-2").unwrap();
    let survey = PlannedSurvey {
        key: "csat:t-ses-2".parse().unwrap(),
        subject: SurveyFor::Ticket(TicketId::parse("t-ses-2").unwrap()),
        trigger_at: now,
        due_at: now,
        email: EmailAddress::parse("jiwoo.ses@example.com").unwrap(),
        locale: Locale::En,
        tz: chrono_tz::UTC,
    };
    let key = TokenKey::new(b"test-key-0123456789").unwrap();
    let mail = SurveyMail {
        customer: &customer,
        name: None,
        survey: &survey,
        first_sent: now,
        reminder: false,
    };
    let message = survey_email(&settings, &key, &mail, now).unwrap();
    let error = SesMailer::new(client, None)
        .send(&message)
        .await
        .expect_err("SES refuses an unverified sender");
    assert!(
        matches!(error, aftercare_shared::ports::MailError::Refused { .. }),
        "MessageRejected is a refusal for good, never retried: {error}"
    );
    let error = error.to_string();
    // moto, like SES, names the sender in its refusal: the adapter hides it.
    assert!(error.contains("<address>"), "{error}");
    assert!(!error.contains("@example.com"), "{error}");
}
