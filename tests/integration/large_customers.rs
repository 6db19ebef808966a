//! Customers whose histories grow large, on DynamoDB Local: a guest id
//! that 5,000 tickets were opened under, and an answer whose
//! 5,000-character comment is edited 200 times. Each event is accepted,
//! other customers are unaffected, and the write units one event costs
//! stay flat (they are counted from the consumed capacity DynamoDB
//! reports): a large history is kept in parts.

use crate::helpers::dynamo_table;
use aftercare_shared::adapters::outbox::OutboxMailer;
use aftercare_shared::config::Settings;
use aftercare_shared::domain::derive::derive;
use aftercare_shared::domain::history::History;
use aftercare_shared::domain::ids::CustomerId;
use aftercare_shared::domain::kpi::Contributions;
use aftercare_shared::domain::token::TokenKey;
use aftercare_shared::ports::{Commit, Histories};
use aftercare_shared::services::{Aftercare, Budget, Ingested, ServiceError};
use aftercare_shared::testing::{envelope, event, utc};
use chrono::Duration;
use serde_json::json;
use std::sync::Arc;

fn opened(i: usize) -> aftercare_shared::domain::event::Event {
    let at = utc("2026-01-01T00:00:00Z") + Duration::minutes(i as i64 * 90);
    event(&envelope(
        "TicketOpened",
        &format!("open-{i}"),
        json!({"ticket_id": format!("guest-t-{i:05}"), "occurred_at": at.to_rfc3339(),
               "customer": {"id": "guest", "email": "guest@example.com"}}),
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guest_with_five_thousand_events_is_stored_within_bounds_and_others_are_unaffected() {
    let (store, _table) = dynamo_table().await;
    let store = Arc::new(store);
    let outbox = tempfile::tempdir().unwrap();
    let service = Aftercare::new(
        store.clone(),
        Arc::new(OutboxMailer::new(outbox.path()).unwrap()),
        Settings::from_toml("agents = []").unwrap(),
        TokenKey::new(b"large-customers-key-01").unwrap(),
    );
    // The first 4,900 events as one stored history (as 4,900 ingests would
    // leave it), then the last hundred through the service, one by one.
    let guest = CustomerId::parse("guest").unwrap();
    let mut h = History::new(guest.clone());
    for i in 0..4_900 {
        h.insert(opened(i));
    }
    // As if applied one by one: their counters were added then (this
    // test reads the history, not the counters).
    h.applied = derive(&h, &service.settings().policy).contributions;
    h.version = 1;
    store
        .commit(&Commit {
            history: h,
            expected_version: 0,
            delta: Contributions::default(),
            claims: Vec::new(),
            next_due: None,
            messages: Vec::new(),
            at: utc("2026-12-01T00:00:00Z"),
            escalations: Default::default(),
            boards: Default::default(),
            erases_personal_data: false,
        })
        .await
        .expect("4,900 events stored (in parts)");
    let mut per_event = Vec::new();
    let mut refused = Vec::new();
    for i in 4_900..5_000 {
        let before = store.usage();
        match service
            .ingest(&opened(i), utc("2026-12-01T00:00:00Z"))
            .await
        {
            Ok(Ingested::Accepted) => per_event.push(store.usage().since(&before).write_units),
            Ok(Ingested::Duplicate) => panic!("event {i} is no duplicate"),
            Err(ServiceError::Rejected(why)) => refused.push(why.to_string()),
            Err(e) => panic!("event {i}: {e}"),
        }
    }
    assert!(refused.is_empty(), "refused: {refused:?}");
    let (first, worst) = (
        per_event.first().copied().unwrap_or(0.0),
        per_event.iter().cloned().fold(0.0, f64::max),
    );
    eprintln!("guest with 5,000 events: write units per event {first:.0} to {worst:.0}");
    // In parts, one more event rewrites the part it lands in and the
    // head, not the history: a handful of units, as for a new customer.
    assert!(worst <= 20.0, "{worst} write units for one event");
    let stored = store.load(&guest).await.unwrap().unwrap();
    assert_eq!(stored.events.len(), 5_000);

    // Another customer is unaffected.
    let other = event(&envelope(
        "TicketOpened",
        "other-1",
        json!({"ticket_id": "other-t-1", "occurred_at": "2026-11-20T10:00:00Z",
               "customer": {"id": "someone-else"}}),
    ));
    assert_eq!(
        service
            .ingest(&other, utc("2026-12-01T00:00:00Z"))
            .await
            .unwrap(),
        Ingested::Accepted
    );
    service
        .run_due(utc("2026-12-01T00:00:00Z"), Budget::unlimited())
        .await
        .unwrap();
}

#[tokio::test]
async fn a_long_comment_edited_two_hundred_times_stays_small() {
    let (store, _table) = dynamo_table().await;
    let store = Arc::new(store);
    let outbox = tempfile::tempdir().unwrap();
    let service = Aftercare::new(
        store.clone(),
        Arc::new(OutboxMailer::new(outbox.path()).unwrap()),
        Settings::from_toml("agents = []\n[contact_hours]\nstart = \"00:00\"\nend = \"24:00\"\ndays = [\"Mon\", \"Tue\", \"Wed\", \"Thu\", \"Fri\", \"Sat\", \"Sun\"]\n").unwrap(),
        TokenKey::new(b"large-customers-key-02").unwrap(),
    );
    let closed = event(&envelope(
        "TicketClosed",
        "closed-1",
        json!({"ticket_id": "t-1", "occurred_at": "2026-11-20T10:00:00Z", "opened_at": "2026-11-20T09:00:00Z",
               "resolved": true, "customer": {"id": "talker", "email": "talker@example.com"}}),
    ));
    service
        .ingest(&closed, utc("2026-11-20T10:00:00Z"))
        .await
        .unwrap();
    service
        .run_due(utc("2026-11-20T12:00:00Z"), Budget::unlimited())
        .await
        .unwrap();
    let mut units = Vec::new();
    for i in 0..200u32 {
        // Each edit a different 5,000-character text (no compression helps).
        let comment: String = (0..5_000)
            .map(|j| char::from(b'a' + ((i * 7919 + j * 31 + j * j) % 26) as u8))
            .collect();
        let at = utc("2026-11-20T13:00:00Z") + Duration::minutes(i64::from(i));
        let answer = event(&envelope(
            "SurveyAnswered",
            &format!("edit-{i}"),
            json!({"survey_for": {"ticket_id": "t-1"}, "score": 1 + (i % 5), "comment": comment,
                   "occurred_at": at.to_rfc3339()}),
        ));
        let before = store.usage();
        assert_eq!(
            service.ingest(&answer, at).await.unwrap(),
            Ingested::Accepted,
            "edit {i}"
        );
        units.push(store.usage().since(&before).write_units);
    }
    let h = store
        .load(&CustomerId::parse("talker").unwrap())
        .await
        .unwrap()
        .unwrap();
    let answers = h
        .events
        .iter()
        .filter(|e| e.kind() == "SurveyAnswered")
        .count();
    assert!(
        answers <= 3,
        "the first, the first low, the latest: {answers}"
    );
    let (early, late) = (units[10], units[199]);
    eprintln!(
        "comment edited 200 times: write units per edit {early} at the 10th, {late} at the 200th"
    );
    assert!(
        late <= early * 1.5 + 5.0,
        "write units stay flat: {early} then {late}"
    );
}
