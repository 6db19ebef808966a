//! One failure never blocks the rest: a customer whose stored history is
//! corrupt, a message the mailer refuses for good and one it fails on once
//! do not stop the other customers or the other mail; a morning run killed
//! between queueing its email and moving on sends that email once.

use crate::helpers::service_over;
use aftercare_shared::adapters::outbox::OutboxMailer;
use aftercare_shared::adapters::sqlite::SqliteStore;
use aftercare_shared::config::Settings;
use aftercare_shared::domain::ids::CustomerId;
use aftercare_shared::domain::token::TokenKey;
use aftercare_shared::ports::Histories;
use aftercare_shared::ports::{MailError, Mailer, Message};
use aftercare_shared::services::{Aftercare, Budget};
use aftercare_shared::testing::{envelope, event, utc};
use chrono::Duration;
use serde_json::json;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// The outbox directory, except that it refuses `refused@…` for good and
/// is unavailable the first time it sees `flaky@…`.
struct Unreliable {
    inner: OutboxMailer,
    flaked: AtomicBool,
}

#[async_trait::async_trait]
impl Mailer for Unreliable {
    async fn send(&self, m: &Message) -> Result<(), MailError> {
        if m.to.iter().any(|t| t.starts_with("refused@")) {
            return Err(MailError::Refused {
                id: m.id.clone(),
                reason: "MessageRejected: Address blacklisted.".into(),
            });
        }
        if m.to.iter().any(|t| t.starts_with("flaky@")) && !self.flaked.swap(true, Ordering::SeqCst)
        {
            return Err(MailError::Unavailable("TooManyRequestsException".into()));
        }
        self.inner.send(m).await
    }
}

fn files(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn a_due_run_settles_and_delivers_everything_but_the_broken_customer_and_the_refused_message()
{
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("aftercare.sqlite");
    let outbox = dir.path().join("outbox");
    let service = Aftercare::new(
        Arc::new(SqliteStore::open(&db).unwrap()),
        Arc::new(Unreliable {
            inner: OutboxMailer::new(&outbox).unwrap(),
            flaked: AtomicBool::new(false),
        }),
        Settings::from_toml("agents = []").unwrap(),
        TokenKey::new(b"isolation-test-key-123").unwrap(),
    );
    // Fri 2026-11-20 10:00 UTC: five tickets close; each CSAT is due at 12:00.
    for who in ["good-1", "good-2", "refused", "flaky", "corrupt"] {
        let closed = envelope(
            "TicketClosed",
            &format!("ev-{who}"),
            json!({"ticket_id": format!("t-{who}"), "occurred_at": "2026-11-20T10:00:00Z",
                   "opened_at": "2026-11-20T09:00:00Z", "resolved": true,
                   "customer": {"id": format!("c-{who}"), "email": format!("{who}@example.com")}}),
        );
        service
            .ingest(&event(&closed), utc("2026-11-20T10:00:00Z"))
            .await
            .unwrap();
    }
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute(
            "UPDATE customers SET history = '{not json' WHERE id = 'c-corrupt'",
            [],
        )
        .unwrap();

    let noon = utc("2026-11-20T12:00:00Z");
    let run = service.run_due(noon, Budget::unlimited()).await.unwrap();
    assert_eq!((run.settled, run.failed), (4, 1));
    assert_eq!(
        files(&outbox),
        vec![
            "survey-c-good-1-csat_t-good-1.eml",
            "survey-c-good-2-csat_t-good-2.eml"
        ]
    );
    let parked = service.parked_mail(10).await.unwrap();
    assert_eq!(parked.len(), 1);
    assert_eq!(parked[0].id.to_string(), "survey-c-refused-csat:t-refused");
    assert!(
        parked[0].reason.contains("MessageRejected"),
        "{}",
        parked[0].reason
    );

    // Before the backoff is over nothing is retried; after it the flaky
    // message goes out, the refused one never does, and the broken
    // customer is tried again (and postponed again) without blocking.
    let soon = service
        .run_due(noon + Duration::seconds(30), Budget::unlimited())
        .await
        .unwrap();
    assert_eq!((soon.settled, soon.failed, soon.mail.sent), (0, 0, 0));
    let later = service
        .run_due(noon + Duration::minutes(2), Budget::unlimited())
        .await
        .unwrap();
    assert_eq!((later.mail.sent, later.failed), (1, 1));
    assert!(files(&outbox).contains(&"survey-c-flaky-csat_t-flaky.eml".to_string()));
    assert!(!files(&outbox).iter().any(|f| f.contains("refused")));
    assert_eq!(service.parked_mail(10).await.unwrap().len(), 1);
    let report = service.report("2026-11-20".parse().unwrap()).await.unwrap();
    assert_eq!(
        report.csat.sent, 4,
        "the corrupt customer's survey was never decided"
    );
}

#[tokio::test]
async fn a_spent_budget_stops_the_run_and_leaves_the_work_due() {
    let dir = tempfile::tempdir().unwrap();
    let service = service_over(
        Arc::new(SqliteStore::in_memory().unwrap()),
        dir.path(),
        Settings::from_toml("agents = []").unwrap(),
    );
    let closed = envelope(
        "TicketClosed",
        "ev-1",
        json!({"ticket_id": "t-1", "occurred_at": "2026-11-20T10:00:00Z", "opened_at": "2026-11-20T09:00:00Z",
               "resolved": true, "customer": {"id": "c-1", "email": "c1@example.com"}}),
    );
    service
        .ingest(&event(&closed), utc("2026-11-20T10:00:00Z"))
        .await
        .unwrap();
    let noon = utc("2026-11-20T12:00:00Z");
    let spent = Budget::until(std::time::Instant::now());
    let run = service.run_due(noon, spent).await.unwrap();
    assert!(run.out_of_time);
    assert_eq!(run.settled, 0);
    assert_eq!(
        service.next_due().await.unwrap().map(|t| t <= noon),
        Some(true)
    );
    let run = service.run_due(noon, Budget::unlimited()).await.unwrap();
    assert_eq!(run.settled, 1);
}

/// A morning run that died after queueing its email (and writing its
/// memo) but before moving the job on: the rerun rebuilds the same email
/// id, and the copy first queued, not the rebuilt one, is sent, once.
#[tokio::test]
async fn a_morning_rerun_after_a_crash_sends_the_first_copy_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open(&dir.path().join("aftercare.sqlite")).unwrap());
    let outbox = dir.path().join("outbox");
    let service = service_over(
        store.clone(),
        &outbox,
        Settings::from_toml("agents = []").unwrap(),
    );
    service
        .schedule_jobs(utc("2026-11-20T07:00:00Z"))
        .await
        .unwrap();
    // What the crashed run had queued: the email of the 19th, marked.
    let morning = utc("2026-11-20T08:00:00Z");
    let brief = service
        .manager_brief("2026-11-19".parse().unwrap(), morning, &Default::default())
        .await
        .unwrap();
    let mut first =
        aftercare_shared::mail::render::manager_email(service.settings(), &brief, morning).unwrap();
    first.raw = first
        .raw
        .replacen("Subject:", "X-Copy: first\r\nSubject:", 1);
    use aftercare_shared::ports::Outbox;
    assert_eq!(
        store.enqueue(&[first.clone()], morning).await.unwrap(),
        vec![first.id.clone()]
    );

    // The rerun: the job moves on without sending its rebuilt copy; the
    // due run sends the queued one; nothing is sent twice.
    assert_eq!(service.morning_report(morning).await.unwrap(), 1);
    service.run_due(morning, Budget::unlimited()).await.unwrap();
    service
        .run_due(morning + Duration::minutes(5), Budget::unlimited())
        .await
        .unwrap();
    assert_eq!(files(&outbox), vec!["report-2026-11-19.eml"]);
    let sent = std::fs::read_to_string(outbox.join("report-2026-11-19.eml")).unwrap();
    assert!(sent.contains("X-Copy: first"), "the first copy went out");
    assert_eq!(
        service.morning_report(morning).await.unwrap(),
        0,
        "once a day"
    );
}

/// On AWS the clock is real: an event more than a day ahead of it or more
/// than 400 days behind it is rejected by name (and stores nothing); one
/// inside the window is accepted.
#[tokio::test]
async fn ingest_rejects_an_event_far_from_its_clock_and_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open(&dir.path().join("aftercare.sqlite")).unwrap());
    let service = service_over(
        store.clone(),
        dir.path().join("outbox"),
        Settings::from_toml("agents = []").unwrap(),
    );
    let now = utc("2026-11-20T10:00:00Z");
    let purchase = |id: &str, at: &str| {
        event(&envelope(
            "PurchaseCompleted",
            id,
            json!({"order_id": id, "occurred_at": at, "customer": {"id": format!("c-{id}")}}),
        ))
    };
    for (id, at, says) in [
        ("ahead", "2026-11-22T10:00:00Z", "hours ahead of the clock"),
        ("behind", "2025-10-01T10:00:00Z", "days before the clock"),
    ] {
        let err = service.ingest(&purchase(id, at), now).await.unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("PurchaseCompleted") && text.contains(says),
            "{text}"
        );
        let customer = CustomerId::parse(&format!("c-{id}")).unwrap();
        assert!(
            store.load(&customer).await.unwrap().is_none(),
            "{id} stored"
        );
    }
    for at in ["2026-11-21T09:00:00Z", "2025-11-01T10:00:00Z"] {
        service
            .ingest(&purchase(&format!("ok-{}", &at[..10]), at), now)
            .await
            .unwrap();
    }
}

/// Claims fail (the outbox's store is down for a moment).
struct ClaimsFail;

impl crate::hooked_store::Hooks for ClaimsFail {
    fn before(&self, operation: &'static str) -> Result<(), aftercare_shared::ports::StoreError> {
        if operation == "claim" {
            return Err(aftercare_shared::ports::StoreError::Unavailable(
                "claims down".into(),
            ));
        }
        Ok(())
    }
}

/// A low answer commits its alert; sending it at once fails (the claim
/// cannot be written). The answer is still taken (no error, counted once,
/// not as a duplicate on redelivery) and the alert waits in the outbox
/// for due work.
#[tokio::test]
async fn a_send_failing_after_the_commit_does_not_fail_the_event_and_the_mail_waits() {
    let dir = tempfile::tempdir().unwrap();
    let inner: Arc<dyn aftercare_shared::ports::Store> =
        Arc::new(SqliteStore::open(&dir.path().join("aftercare.sqlite")).unwrap());
    let store = Arc::new(crate::hooked_store::Hooked::new(
        inner.clone(),
        Arc::new(ClaimsFail),
    ));
    let service = service_over(
        store,
        dir.path().join("outbox"),
        Settings::from_toml("agents = []").unwrap(),
    );
    let closed = utc("2026-11-20T10:00:00Z");
    let ticket = event(&envelope(
        "TicketClosed",
        "ev-t",
        json!({"ticket_id": "t-1", "occurred_at": "2026-11-20T10:00:00Z", "opened_at": "2026-11-20T09:00:00Z",
               "resolved": true, "customer": {"id": "c-1", "email": "c1@example.com"}}),
    ));
    service.ingest(&ticket, closed).await.unwrap();
    let run_at = closed + Duration::hours(3);
    service.run_due(run_at, Budget::unlimited()).await.unwrap();
    let answer = event(&envelope(
        "SurveyAnswered",
        "ev-a",
        json!({"survey_for": {"ticket_id": "t-1"}, "score": 1, "occurred_at": "2026-11-20T14:00:00Z"}),
    ));
    let at = utc("2026-11-20T14:00:00Z");
    assert_eq!(
        service.ingest(&answer, at).await.unwrap(),
        aftercare_shared::services::Ingested::Accepted
    );
    assert_eq!(
        service.ingest(&answer, at).await.unwrap(),
        aftercare_shared::services::Ingested::Duplicate
    );
    let waiting = inner
        .undelivered(at + Duration::days(1), 100)
        .await
        .unwrap();
    assert!(
        waiting
            .iter()
            .any(|q| q.message.id.to_string().starts_with("alert-low-")),
        "the alert waits in the outbox: {:?}",
        waiting
            .iter()
            .map(|q| q.message.id.to_string())
            .collect::<Vec<_>>()
    );
}
