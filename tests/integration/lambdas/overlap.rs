//! Two due-work invocations at once (a slow run and the next schedule, or
//! Lambda's retry of a timed-out run) send every message once: one holds
//! the lease and works, the other does nothing.

use super::{sent_mail, Stack, SETTINGS};
use aftercare_shared::adapters::void::VoidMailer;
use aftercare_shared::config::{link_keys, Settings};
use aftercare_shared::services::Aftercare;
use aftercare_shared::testing::{envelope, event};
use chrono::{Duration, SecondsFormat, Utc};
use mail_parser::MessageParser;
use serde_json::json;
use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_due_work_invocations_at_once_send_every_message_once() {
    let stack = Stack::new(8).await;
    // Twenty tickets closed five hours ago, recorded then: their CSATs
    // are due now, and nothing has sent them.
    let vars: std::collections::BTreeMap<String, String> = stack.env.iter().cloned().collect();
    let settings = Settings::from_env(|k| vars.get(k).cloned()).unwrap();
    assert!(
        settings
            .policy
            .contact_hours
            .contains(chrono_tz::UTC, Utc::now()),
        "{SETTINGS}"
    );
    let key = link_keys(r#"{"current": "k1", "k1": "test-link-key-0123456789abcdef"}"#).unwrap();
    let service = Aftercare::new(
        Arc::new(stack.store_handle().await),
        Arc::new(VoidMailer),
        settings,
        key,
    );
    let closed = Utc::now() - Duration::hours(5);
    let at = |t: chrono::DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, true);
    let tag = &stack.table;
    for i in 0..20 {
        let e = envelope(
            "TicketClosed",
            &format!("ev-{i}"),
            json!({"ticket_id": format!("t-{i}"), "occurred_at": at(closed), "opened_at": at(closed - Duration::hours(1)),
                   "resolved": true, "customer": {"id": format!("c-{i}"), "email": format!("c{i}.{tag}@mail.example")}}),
        );
        service.ingest(&event(&e), closed).await.unwrap();
    }

    let a = stack.start("aftercare-due-work").await;
    let b = stack.start("aftercare-due-work").await;
    let (ra, rb) = tokio::join!(a.invoke(json!({})), b.invoke(json!({})));
    let (ra, rb) = (ra.response(), rb.response());
    let busy = [&ra, &rb].iter().filter(|r| r["busy"] == true).count();
    let worked: u64 = [&ra, &rb]
        .iter()
        .filter_map(|r| r["customers"].as_u64())
        .sum();
    assert!(
        busy <= 1 && worked == 20,
        "one run settles the twenty, the other waits its turn: {ra} {rb}"
    );

    let ours: Vec<String> = sent_mail()
        .await
        .iter()
        .filter_map(|raw| {
            let m = MessageParser::default().parse(raw.as_bytes())?;
            let to = m.to()?.first()?.address()?.to_string();
            to.ends_with(&format!(".{tag}@mail.example")).then_some(to)
        })
        .collect();
    let mut unique = ours.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 20, "every customer's CSAT went out");
    assert_eq!(ours.len(), 20, "and none twice");

    // Run again, both at once: nothing more to send.
    let (ra, rb) = tokio::join!(a.invoke(json!({})), b.invoke(json!({})));
    let _ = (ra.response(), rb.response());
    let again = sent_mail()
        .await
        .iter()
        .filter(|raw| raw.contains(&format!(".{tag}@mail.example")))
        .count();
    assert_eq!(again, 20);
}
