//! Conformance of what keeps concurrent senders apart, on both stores: a
//! message is sent by the one sender that claimed it, a claim that expires
//! frees it, delivered or parked mail cannot be claimed, parked mail can be
//! put back; the scheduled work's lease has one holder at a time.

use aftercare_shared::adapters::sqlite::SqliteStore;
use aftercare_shared::domain::keys::MessageId;
use aftercare_shared::ports::{Lease, Message, Store};
use chrono::{DateTime, Duration, TimeZone, Utc};
use std::sync::Arc;

fn t(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 6, h, m, 0).unwrap()
}

fn message(id: &str) -> Message {
    Message {
        id: id.parse().unwrap(),
        from: "care@example.com".into(),
        to: vec!["x@example.com".into()],
        raw: format!("Subject: {id}\r\n\r\nbody"),
    }
}

fn id(text: &str) -> MessageId {
    text.parse().unwrap()
}

pub async fn a_message_is_claimed_by_one_sender_until_its_claim_expires(store: &dyn Store) {
    store
        .enqueue(
            &[message("survey-c-1-nps:o-1"), message("report-2026-12-05")],
            t(9, 0),
        )
        .await
        .unwrap();
    let m = id("survey-c-1-nps:o-1");
    assert!(store.claim(&m, t(9, 0), t(9, 2)).await.unwrap());
    assert!(
        !store.claim(&m, t(9, 1), t(9, 3)).await.unwrap(),
        "a second sender waits while the claim holds"
    );
    assert!(
        store.claim(&m, t(9, 3), t(9, 5)).await.unwrap(),
        "an expired claim (its sender died) frees the message"
    );
    store.mark_delivered(&m, t(9, 3)).await.unwrap();
    assert!(
        !store.claim(&m, t(10, 0), t(10, 2)).await.unwrap(),
        "a delivered message is never claimed again"
    );
    assert!(!store
        .claim(&id("report-1999-01-01"), t(9, 0), t(9, 2))
        .await
        .unwrap());
    // A deferred message's claim ends with the failure that deferred it.
    let r = id("report-2026-12-05");
    assert!(store.claim(&r, t(9, 0), t(9, 2)).await.unwrap());
    store.defer(&r, t(9, 1), "throttled").await.unwrap();
    assert!(store.claim(&r, t(9, 1), t(9, 3)).await.unwrap());
}

pub async fn parked_mail_cannot_be_claimed_until_it_is_put_back(store: &dyn Store) {
    let m = id("alert-low-c-1-csat:t-1");
    store
        .enqueue(&[message("alert-low-c-1-csat:t-1")], t(9, 0))
        .await
        .unwrap();
    assert!(store.claim(&m, t(9, 0), t(9, 2)).await.unwrap());
    store
        .park(
            &m,
            "MessageRejected: Email address is not verified",
            t(9, 0),
        )
        .await
        .unwrap();
    assert!(!store.claim(&m, t(9, 5), t(9, 7)).await.unwrap());
    assert!(store.undelivered(t(9, 5), 10).await.unwrap().is_empty());
    assert!(store.requeue(&m, t(10, 0)).await.unwrap());
    assert!(
        !store.requeue(&m, t(10, 0)).await.unwrap(),
        "only parked mail is put back"
    );
    assert!(store.parked(10).await.unwrap().is_empty());
    let queued = store.undelivered(t(10, 0), 10).await.unwrap();
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].attempts, 0, "a fresh start");
    assert!(store.claim(&m, t(10, 0), t(10, 2)).await.unwrap());
}

pub async fn the_scheduled_work_lease_has_one_holder_at_a_time(store: &dyn Store) {
    let lease = Lease::ScheduledWork;
    assert!(store
        .take_lease(lease, "run-a", t(9, 0), t(9, 5))
        .await
        .unwrap());
    assert!(!store
        .take_lease(lease, "run-b", t(9, 1), t(9, 6))
        .await
        .unwrap());
    assert!(
        store
            .take_lease(lease, "run-a", t(9, 1), t(9, 6))
            .await
            .unwrap(),
        "the holder may extend it"
    );
    store.release_lease(lease, "run-b").await.unwrap();
    assert!(
        !store
            .take_lease(lease, "run-b", t(9, 2), t(9, 7))
            .await
            .unwrap(),
        "only the holder releases it"
    );
    store.release_lease(lease, "run-a").await.unwrap();
    assert!(store
        .take_lease(lease, "run-b", t(9, 2), t(9, 7))
        .await
        .unwrap());
    assert!(
        store
            .take_lease(lease, "run-c", t(9, 8), t(9, 13))
            .await
            .unwrap(),
        "an expired lease (its runner died) is free"
    );
}

pub async fn racing_senders_claim_each_message_exactly_once(store: Arc<dyn Store>) {
    let ids: Vec<String> = (0..20).map(|i| format!("survey-c-{i}-nps:o-{i}")).collect();
    let messages: Vec<Message> = ids.iter().map(|i| message(i)).collect();
    store.enqueue(&messages, t(9, 0)).await.unwrap();
    let mut senders = Vec::new();
    for _ in 0..6 {
        let store = store.clone();
        let ids = ids.clone();
        senders.push(tokio::spawn(async move {
            let mut won = Vec::new();
            for i in &ids {
                if store
                    .claim(&id(i), t(9, 0), t(9, 0) + Duration::minutes(2))
                    .await
                    .unwrap()
                {
                    won.push(i.clone());
                }
            }
            won
        }));
    }
    let mut all = Vec::new();
    for s in senders {
        all.extend(s.await.unwrap());
    }
    all.sort();
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(all, expected, "every message claimed by exactly one sender");
}

macro_rules! claims {
    ($store:ident, $make:expr) => {
        mod $store {
            use super::*;

            #[tokio::test]
            async fn a_message_is_claimed_by_one_sender_until_its_claim_expires() {
                super::a_message_is_claimed_by_one_sender_until_its_claim_expires(&$make).await
            }
            #[tokio::test]
            async fn parked_mail_cannot_be_claimed_until_it_is_put_back() {
                super::parked_mail_cannot_be_claimed_until_it_is_put_back(&$make).await
            }
            #[tokio::test]
            async fn the_scheduled_work_lease_has_one_holder_at_a_time() {
                super::the_scheduled_work_lease_has_one_holder_at_a_time(&$make).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn racing_senders_claim_each_message_exactly_once() {
                super::racing_senders_claim_each_message_exactly_once(Arc::new($make)).await
            }
        }
    };
}

claims!(sqlite, SqliteStore::in_memory().unwrap());
claims!(dynamodb, crate::helpers::dynamo_store().await);
