//! Two due-work runs at once, on both stores, with an outbox index that
//! lags (it keeps listing messages already delivered): every message is
//! sent exactly once, as the mailer counts them. The runs here go around
//! the scheduled work's lease (as two senders of different kinds do: the
//! delivery right after a commit and a due-work run), so the outbox's
//! claims alone keep them apart.

use crate::hooked_store::{Hooked, Hooks};
use aftercare_shared::adapters::sqlite::SqliteStore;
use aftercare_shared::config::Settings;
use aftercare_shared::domain::token::TokenKey;
use aftercare_shared::ports::{MailError, Mailer, Message, Queued, Store};
use aftercare_shared::services::{Aftercare, Budget};
use aftercare_shared::testing::{envelope, event, utc};
use async_trait::async_trait;
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// Counts every send by message id, a little slowly (as a real transport
/// takes its time), so that the runs overlap.
#[derive(Default)]
struct CountingMailer {
    sent: Mutex<BTreeMap<String, usize>>,
}

#[async_trait]
impl Mailer for CountingMailer {
    async fn send(&self, m: &Message) -> Result<(), MailError> {
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        *self
            .sent
            .lock()
            .unwrap()
            .entry(m.id.to_string())
            .or_insert(0) += 1;
        Ok(())
    }
}

/// An outbox index that lags: whatever it listed once it lists again
/// (delivered by now or not), as an eventually consistent index can.
#[derive(Default)]
struct LaggingOutbox {
    seen: Mutex<Vec<Queued>>,
}

impl Hooks for LaggingOutbox {
    fn undelivered(&self, mut listed: Vec<Queued>) -> Vec<Queued> {
        let mut seen = self.seen.lock().unwrap();
        for q in seen.iter() {
            if !listed.iter().any(|l| l.message.id == q.message.id) {
                listed.push(q.clone());
            }
        }
        for q in &listed {
            if !seen.iter().any(|s| s.message.id == q.message.id) {
                seen.push(q.clone());
            }
        }
        listed
    }
}

pub async fn two_runs_at_once_behind_a_lagging_index_send_each_message_once(store: Arc<dyn Store>) {
    let hooked: Arc<dyn Store> = Arc::new(Hooked::new(store, Arc::new(LaggingOutbox::default())));
    let mailer = Arc::new(CountingMailer::default());
    let settings = Settings::from_toml("agents = []").unwrap();
    let key = TokenKey::new(b"overlap-tests-key-0123").unwrap();
    // The writer queues mail without sending it (as a commit's sender that
    // died would leave it); both runs then find all of it due.
    let writer = Aftercare::new(
        hooked.clone(),
        mailer.clone(),
        settings.clone(),
        key.clone(),
    )
    .without_delivery();
    for i in 0..30 {
        let e = envelope(
            "TicketClosed",
            &format!("ev-{i}"),
            json!({"ticket_id": format!("t-{i}"), "occurred_at": "2026-11-20T10:00:00Z",
                   "opened_at": "2026-11-20T09:00:00Z", "resolved": true,
                   "customer": {"id": format!("c-{i}"), "email": format!("c{i}@example.com")}}),
        );
        writer
            .ingest(&event(&e), utc("2026-11-20T10:00:00Z"))
            .await
            .unwrap();
    }
    writer
        .run_due(utc("2026-11-20T12:00:00Z"), Budget::unlimited())
        .await
        .unwrap();
    assert!(mailer.sent.lock().unwrap().is_empty(), "queued, not sent");

    let a = Arc::new(Aftercare::new(
        hooked.clone(),
        mailer.clone(),
        settings.clone(),
        key.clone(),
    ));
    let b = Arc::new(Aftercare::new(hooked, mailer.clone(), settings, key));
    let now = utc("2026-11-20T12:00:00Z");
    let (ra, rb) = tokio::join!(
        tokio::spawn({
            let a = a.clone();
            async move { a.run_due(now, Budget::unlimited()).await }
        }),
        tokio::spawn({
            let b = b.clone();
            async move { b.run_due(now, Budget::unlimited()).await }
        }),
    );
    ra.unwrap().unwrap();
    rb.unwrap().unwrap();
    // Again, with the index still listing everything.
    a.run_due(now, Budget::unlimited()).await.unwrap();
    let sent = mailer.sent.lock().unwrap().clone();
    assert_eq!(sent.len(), 30, "every survey went out: {sent:?}");
    let twice: Vec<_> = sent.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "sent more than once: {twice:?}");
}

macro_rules! overlapping {
    ($store:ident, $make:expr) => {
        mod $store {
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn two_runs_at_once_behind_a_lagging_index_send_each_message_once() {
                super::two_runs_at_once_behind_a_lagging_index_send_each_message_once(Arc::new(
                    $make,
                ))
                .await
            }
        }
    };
}

overlapping!(sqlite, SqliteStore::in_memory().unwrap());
overlapping!(dynamodb, crate::helpers::dynamo_store().await);
