//! Events judged at their own times whatever the order they arrive in, on
//! both stores (SPEC 4): on AWS a call's outcome can arrive before the late
//! event that creates its call. It waits in the history for a grace window
//! (24 hours) and is applied, once, when the call arrives; past the window
//! without a call it is rejected. A settle that changes nothing writes
//! nothing.

use crate::helpers::service_over;
use crate::hooked_store::{Hooked, Hooks};
use aftercare_shared::adapters::sqlite::SqliteStore;
use aftercare_shared::config::Settings;
use aftercare_shared::domain::ids::CustomerId;
use aftercare_shared::ports::{Due, Store};
use aftercare_shared::services::{Aftercare, Budget, Ingested, ServiceError};
use aftercare_shared::testing::{envelope, event, utc};
use serde_json::json;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

fn service(store: Arc<dyn Store>, outbox: &std::path::Path) -> Aftercare {
    service_over(store, outbox, Settings::from_toml("agents = []").unwrap())
}

fn outcome(id: &str, at: &str) -> aftercare_shared::domain::event::Event {
    event(&envelope(
        "CallOutcomeRecorded",
        id,
        json!({"customer_id": "c-1", "outcome": "reached", "satisfaction": "satisfied", "occurred_at": at}),
    ))
}

fn purchase(at: &str) -> aftercare_shared::domain::event::Event {
    event(&envelope(
        "PurchaseCompleted",
        "ev-purchase",
        json!({"order_id": "o-1", "occurred_at": at,
               "customer": {"id": "c-1", "email": "c1@example.com", "phone": "+15550000001"}}),
    ))
}

async fn callbacks(s: &Aftercare, day: &str) -> serde_json::Value {
    serde_json::to_value(s.report(day.parse().unwrap()).await.unwrap()).unwrap()["callbacks"]
        .clone()
}

pub async fn an_outcome_ahead_of_its_call_is_applied_once_when_the_call_arrives(
    store: Arc<dyn Store>,
) {
    let dir = tempfile::tempdir().unwrap();
    let s = service(store.clone(), dir.path());
    // The agent's outcome arrives first, five minutes after it happened.
    let early = outcome("ev-outcome", "2026-11-20T10:00:00Z");
    assert_eq!(
        s.ingest(&early, utc("2026-11-20T10:05:00Z")).await.unwrap(),
        Ingested::Accepted,
        "it waits for its call"
    );
    assert_eq!(
        callbacks(&s, "2026-11-20").await["attempts"],
        0,
        "and counts nothing yet"
    );
    // The purchase that made the call (at 09:00) arrives an hour later.
    s.ingest(
        &purchase("2026-11-20T09:00:00Z"),
        utc("2026-11-20T11:00:00Z"),
    )
    .await
    .unwrap();
    let c = callbacks(&s, "2026-11-20").await;
    assert_eq!(
        (
            c["scheduled"].clone(),
            c["attempts"].clone(),
            c["reached"].clone(),
            c["satisfied"].clone()
        ),
        (json!(1), json!(1), json!(1), json!(1)),
        "{c}"
    );
    // Delivered again, and a day later: counted once.
    assert_eq!(
        s.ingest(&early, utc("2026-11-21T12:00:00Z")).await.unwrap(),
        Ingested::Duplicate
    );
    s.run_due(utc("2026-11-22T12:00:00Z"), Budget::unlimited())
        .await
        .unwrap();
    assert_eq!(callbacks(&s, "2026-11-20").await["attempts"], 1);
    let h = store
        .load(&CustomerId::parse("c-1").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(h.events.len(), 2, "the outcome stays: it applied");
}

pub async fn an_outcome_whose_call_never_comes_is_rejected_after_the_window(store: Arc<dyn Store>) {
    let dir = tempfile::tempdir().unwrap();
    let s = service(store.clone(), dir.path());
    let lone = outcome("ev-lone", "2026-11-20T10:00:00Z");
    assert_eq!(
        s.ingest(&lone, utc("2026-11-20T10:01:00Z")).await.unwrap(),
        Ingested::Accepted
    );
    // Due work comes back when the window closes, and drops it.
    assert_eq!(
        s.next_due().await.unwrap(),
        Some(utc("2026-11-21T10:00:00Z")),
        "the customer is due when the grace window closes"
    );
    let before = s.tally();
    s.run_due(utc("2026-11-21T10:00:00Z"), Budget::unlimited())
        .await
        .unwrap();
    assert_eq!(s.tally().since(&before).events_rejected, 1);
    let h = store
        .load(&CustomerId::parse("c-1").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(h.events.is_empty(), "rejected: no longer in the history");
    assert_eq!(callbacks(&s, "2026-11-20").await["attempts"], 0);
    // One that arrives after its window is rejected at once, with the reason.
    let late = outcome("ev-late", "2026-11-20T12:00:00Z");
    match s.ingest(&late, utc("2026-11-21T12:00:00Z")).await {
        Err(ServiceError::Rejected(why)) => {
            assert!(why.to_string().contains("no open call"), "{why}")
        }
        other => panic!("accepted past its window: {other:?}"),
    }
}

/// A due index that lags: it lists `c-1` as due again after its work was
/// done; and the commits that reach the store, counted.
struct LaggingIndex {
    at: chrono::DateTime<chrono::Utc>,
    commits: AtomicUsize,
}

impl Hooks for LaggingIndex {
    fn due(&self, mut listed: Vec<Due>) -> Vec<Due> {
        let c1 = CustomerId::parse("c-1").unwrap();
        if !listed.iter().any(|d| d.customer == c1) {
            listed.push(Due {
                customer: c1,
                at: self.at,
                failures: 0,
            });
        }
        listed
    }
    fn after(&self, operation: &'static str) -> Result<(), aftercare_shared::ports::StoreError> {
        if operation == "commit" {
            self.commits.fetch_add(1, Ordering::SeqCst);
        }
        Ok(())
    }
}

pub async fn a_settle_with_nothing_to_do_writes_nothing(store: Arc<dyn Store>) {
    let dir = tempfile::tempdir().unwrap();
    let hooks = Arc::new(LaggingIndex {
        at: utc("2026-11-20T09:00:00Z"),
        commits: AtomicUsize::new(0),
    });
    let hooked: Arc<dyn Store> = Arc::new(Hooked::new(store.clone(), hooks.clone()));
    let s = service(hooked, dir.path());
    s.ingest(
        &purchase("2026-11-20T09:00:00Z"),
        utc("2026-11-20T09:00:00Z"),
    )
    .await
    .unwrap();
    assert_eq!(hooks.commits.load(Ordering::SeqCst), 1);
    let id = CustomerId::parse("c-1").unwrap();
    let version = store.load(&id).await.unwrap().unwrap().version;
    // Nothing is due before the NPS survey a week later, but the lagging
    // index lists the customer: the run settles it, finds nothing changed,
    // and writes nothing (once, however many pages the index repeats it on).
    let run = s
        .run_due(utc("2026-11-20T12:00:00Z"), Budget::unlimited())
        .await
        .unwrap();
    assert_eq!(run.settled, 1);
    assert_eq!(
        hooks.commits.load(Ordering::SeqCst),
        1,
        "no commit for a settle that changed nothing"
    );
    assert_eq!(store.load(&id).await.unwrap().unwrap().version, version);
}

macro_rules! arrival {
    ($store:ident, $make:expr) => {
        mod $store {
            use super::*;

            #[tokio::test]
            async fn an_outcome_ahead_of_its_call_is_applied_once_when_the_call_arrives() {
                super::an_outcome_ahead_of_its_call_is_applied_once_when_the_call_arrives(Arc::new(
                    $make,
                ))
                .await
            }
            #[tokio::test]
            async fn an_outcome_whose_call_never_comes_is_rejected_after_the_window() {
                super::an_outcome_whose_call_never_comes_is_rejected_after_the_window(Arc::new(
                    $make,
                ))
                .await
            }
            #[tokio::test]
            async fn a_settle_with_nothing_to_do_writes_nothing() {
                super::a_settle_with_nothing_to_do_writes_nothing(Arc::new($make)).await
            }
        }
    };
}

arrival!(sqlite, SqliteStore::in_memory().unwrap());
arrival!(dynamodb, crate::helpers::dynamo_store().await);
