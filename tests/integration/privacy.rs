//! Personal data is kept no longer than it is needed, on both stores: a
//! customer who asks to be forgotten is erased (no name, address, number,
//! comment or note of theirs remains anywhere in the store: the SQLite
//! file's bytes, every DynamoDB item, histories inflated) and gets no mail
//! again, while every past KPI stays exactly as it was; and due work
//! removes personal data older than the retention period the same way,
//! on DynamoDB from every item, even a part of her history that a process
//! which died mid-commit left with no head naming it.

use crate::helpers::{dynamo_table, dynamodb_client, service_over, stray_part};
use aftercare_shared::adapters::sqlite::SqliteStore;
use aftercare_shared::config::Settings;
use aftercare_shared::domain::event::Event;
use aftercare_shared::domain::ids::CustomerId;
use aftercare_shared::ports::Store;
use aftercare_shared::services::{Aftercare, Budget};
use aftercare_shared::testing::{envelope, event, utc};
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::{json, Value};
use std::io::Read;
use std::sync::Arc;

/// What the store must not keep of Kim Minji once she is forgotten.
const HERS: [&str; 6] = [
    "Kim Minji",
    "minji.forget@example.com",
    "821099998888",
    "the courier was rude",
    "wants a refund",
    "Manager Park",
];

fn settings() -> Settings {
    Settings::from_toml(
        "[business]\nretention_days = 90\n[contact_hours]\nstart = \"00:00\"\nend = \"24:00\"\ndays = [\"Mon\", \"Tue\", \"Wed\", \"Thu\", \"Fri\", \"Sat\", \"Sun\"]\n\n[[agents]]\nid = \"a-1\"\nname = \"Lee\"\nemail = \"lee@example.com\"\nlanguages = [\"ko\", \"en\"]\ntime_zone = \"UTC\"\nhours = \"00:00-24:00\"\ndays = [\"Mon\", \"Tue\", \"Wed\", \"Thu\", \"Fri\", \"Sat\", \"Sun\"]\n",
    )
    .unwrap()
}

fn service(store: Arc<dyn Store>, outbox: &std::path::Path) -> Aftercare {
    service_over(store, outbox, settings())
}

fn minji() -> Value {
    json!({"id": "c-9", "name": "Kim Minji", "email": "minji.forget@example.com",
           "phone": "+821099998888", "locale": "ko", "time_zone": "Asia/Seoul"})
}

fn ev(kind: &str, id: &str, detail: Value) -> Event {
    event(&envelope(kind, id, detail))
}

/// Kim Minji's month: a ticket closed, a CSAT answered low with a comment,
/// the priority call reached and unsatisfied with notes, the escalation
/// resolved by a manager; and another customer beside her.
async fn her_month(s: &Aftercare) {
    let at = |t: &str| utc(t);
    s.ingest(
        &ev(
            "TicketClosed",
            "t-1",
            json!({"ticket_id": "t-9", "occurred_at": "2026-09-01T01:00:00Z",
            "opened_at": "2026-09-01T00:00:00Z", "resolved": true, "customer": minji()}),
        ),
        at("2026-09-01T01:00:00Z"),
    )
    .await
    .unwrap();
    s.ingest(
        &ev("PurchaseCompleted", "p-1", json!({"order_id": "o-other", "occurred_at": "2026-09-01T02:00:00Z",
            "customer": {"id": "c-10", "email": "other@example.com", "phone": "+821055556666", "locale": "ko"}})),
        at("2026-09-01T02:00:00Z"),
    )
    .await
    .unwrap();
    s.run_due(at("2026-09-01T03:00:00Z"), Budget::unlimited())
        .await
        .unwrap();
    s.ingest(
        &ev(
            "SurveyAnswered",
            "a-1",
            json!({"survey_for": {"ticket_id": "t-9"}, "score": 1,
            "comment": "the courier was rude", "occurred_at": "2026-09-01T04:00:00Z"}),
        ),
        at("2026-09-01T04:00:00Z"),
    )
    .await
    .unwrap();
    s.ingest(
        &ev("CallOutcomeRecorded", "o-1", json!({"customer_id": "c-9", "outcome": "reached",
            "satisfaction": "unsatisfied", "notes": "wants a refund", "occurred_at": "2026-09-01T06:00:00Z"})),
        at("2026-09-01T06:00:00Z"),
    )
    .await
    .unwrap();
    let open = s.open_escalations(10).await.unwrap();
    let call = open.first().expect("her escalation").call.clone();
    s.resolve_escalation(
        aftercare_shared::services::EscalationRef::Call(&call),
        aftercare_shared::services::ResolveForm {
            by: "Manager Park",
            note: Some("refunded"),
        },
        at("2026-09-01T08:00:00Z"),
    )
    .await
    .unwrap();
    s.run_due(at("2026-09-02T00:00:00Z"), Budget::unlimited())
        .await
        .unwrap();
}

fn days() -> Vec<NaiveDate> {
    (0..10)
        .map(|d| NaiveDate::from_ymd_opt(2026, 8, 30).unwrap() + Duration::days(d))
        .collect()
}

async fn kpis(s: &Aftercare) -> Vec<Value> {
    let mut out = Vec::new();
    for d in days() {
        out.push(serde_json::to_value(s.report(d).await.unwrap()).unwrap());
    }
    out
}

fn mentions_her(text: &str) -> Vec<&'static str> {
    HERS.iter().copied().filter(|h| text.contains(h)).collect()
}

/// Everything a DynamoDB table holds, as text (histories inflated).
async fn table_text(table: &str) -> String {
    let client = dynamodb_client().await;
    let mut out = String::new();
    let mut start = None;
    loop {
        let page = client
            .scan()
            .table_name(table)
            .set_exclusive_start_key(start)
            .send()
            .await
            .unwrap();
        for item in page.items() {
            for v in item.values() {
                match v {
                    AttributeValue::B(b) => {
                        let mut text = String::new();
                        flate2_inflate(b.as_ref(), &mut text);
                        out.push_str(&text);
                    }
                    other => out.push_str(&format!("{other:?}")),
                }
                out.push('\n');
            }
        }
        start = page.last_evaluated_key().cloned();
        if start.is_none() {
            return out;
        }
    }
}

fn flate2_inflate(bytes: &[u8], out: &mut String) {
    let mut d = flate2::read::DeflateDecoder::new(bytes);
    let _ = d.read_to_string(out);
}

pub async fn a_forgotten_customer_leaves_no_personal_data_and_every_kpi_as_it_was(
    store: Arc<dyn Store>,
    contents: impl std::future::Future<Output = String>,
) {
    let outbox = tempfile::tempdir().unwrap();
    let s = service(store.clone(), outbox.path());
    her_month(&s).await;
    let before = kpis(&s).await;
    let done = s
        .forget(
            &CustomerId::parse("c-9").unwrap(),
            utc("2026-09-03T00:00:00Z"),
        )
        .await
        .unwrap();
    assert_eq!(done.addresses, 1);
    assert_eq!(kpis(&s).await, before, "every past KPI as it was");
    // Forgetting twice changes nothing; an unknown customer is said so.
    s.forget(
        &CustomerId::parse("c-9").unwrap(),
        utc("2026-09-03T00:00:00Z"),
    )
    .await
    .unwrap();
    assert!(s
        .forget(
            &CustomerId::parse("nobody").unwrap(),
            utc("2026-09-03T00:00:00Z")
        )
        .await
        .is_err());
    assert_eq!(kpis(&s).await, before);

    // No more mail: neither to her id, nor to her address under a new id.
    let again = |id: &str, customer: Value| {
        ev(
            "TicketClosed",
            id,
            json!({"ticket_id": id, "occurred_at": "2026-09-05T01:00:00Z",
            "opened_at": "2026-09-05T00:00:00Z", "resolved": true, "customer": customer}),
        )
    };
    s.ingest(&again("t-90", minji()), utc("2026-09-05T01:00:00Z"))
        .await
        .unwrap();
    let mut new_id = minji();
    new_id["id"] = json!("c-99");
    s.ingest(&again("t-91", new_id), utc("2026-09-05T01:00:00Z"))
        .await
        .unwrap();
    let before_mail = std::fs::read_dir(outbox.path()).unwrap().count();
    s.run_due(utc("2026-09-05T04:00:00Z"), Budget::unlimited())
        .await
        .unwrap();
    let after = kpis(&s).await;
    let csat = |v: &Vec<Value>| -> (u64, u64) {
        v.iter().fold((0, 0), |(sent, sup), d| {
            (
                sent + d["csat"]["sent"].as_u64().unwrap(),
                sup + d["csat"]["suppressed"].as_u64().unwrap(),
            )
        })
    };
    let (sent_before, suppressed_before) = csat(&before);
    assert_eq!(
        csat(&after),
        (sent_before, suppressed_before + 2),
        "both refused"
    );
    assert_eq!(
        std::fs::read_dir(outbox.path()).unwrap().count(),
        before_mail
    );

    // Her new events carry her data again (given again); forget them too,
    // then nothing of hers is anywhere in the store.
    s.forget(
        &CustomerId::parse("c-9").unwrap(),
        utc("2026-09-06T00:00:00Z"),
    )
    .await
    .unwrap();
    s.forget(
        &CustomerId::parse("c-99").unwrap(),
        utc("2026-09-06T00:00:00Z"),
    )
    .await
    .unwrap();
    drop(s);
    drop(store);
    let text = contents.await;
    assert!(
        text.contains("other@example.com"),
        "the other customer's data stays"
    );
    assert_eq!(
        mentions_her(&text),
        Vec::<&str>::new(),
        "nothing of hers remains"
    );
}

pub async fn due_work_removes_personal_data_older_than_the_retention_period(store: Arc<dyn Store>) {
    let outbox = tempfile::tempdir().unwrap();
    let s = service(store.clone(), outbox.path());
    her_month(&s).await;
    let before = kpis(&s).await;
    let id = CustomerId::parse("c-9").unwrap();
    let held = |h: &aftercare_shared::domain::history::History| {
        mentions_her(&serde_json::to_string(h).unwrap())
    };
    assert!(!held(&store.load(&id).await.unwrap().unwrap()).is_empty());
    // 90 days after her last data, due work comes back and removes it.
    let next: Option<DateTime<Utc>> = s.next_due().await.unwrap();
    assert!(
        next.is_some_and(|t| t <= utc("2026-12-01T00:00:00Z")),
        "{next:?}"
    );
    s.run_due(utc("2026-12-01T00:00:00Z"), Budget::unlimited())
        .await
        .unwrap();
    let h = store.load(&id).await.unwrap().unwrap();
    assert_eq!(held(&h), Vec::<&str>::new(), "nothing of hers past 90 days");
    assert!(
        h.facts.forgotten_at.is_none(),
        "redacted, not forgotten: she may buy again"
    );
    assert_eq!(kpis(&s).await, before, "every KPI as it was");
}

#[tokio::test]
async fn sqlite_forgotten_customer() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("aftercare.sqlite");
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&path).unwrap());
    let file = path.clone();
    a_forgotten_customer_leaves_no_personal_data_and_every_kpi_as_it_was(store, async move {
        sqlite_bytes(&file)
    })
    .await
}

/// The SQLite file's bytes and its write-ahead log's, as text.
fn sqlite_bytes(file: &std::path::Path) -> String {
    let mut text = String::new();
    for p in [file.to_path_buf(), file.with_extension("sqlite-wal")] {
        if let Ok(bytes) = std::fs::read(&p) {
            text.push_str(&String::from_utf8_lossy(&bytes));
        }
    }
    text
}

#[tokio::test]
async fn dynamodb_forgotten_customer() {
    let (store, table) = dynamo_table().await;
    a_forgotten_customer_leaves_no_personal_data_and_every_kpi_as_it_was(
        Arc::new(store),
        async move { table_text(&table).await },
    )
    .await
}

#[tokio::test]
async fn sqlite_retention() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("aftercare.sqlite");
    let store = Arc::new(SqliteStore::open(&path).unwrap());
    due_work_removes_personal_data_older_than_the_retention_period(store.clone()).await;
    // With the store still open (a server that keeps running): neither
    // the file nor its write-ahead log keeps the old pages.
    assert_eq!(
        mentions_her(&sqlite_bytes(&path)),
        Vec::<&str>::new(),
        "no byte of the file or its log holds her old data"
    );
    drop(store);
}

#[tokio::test]
async fn dynamodb_retention() {
    let (store, table) = dynamo_table().await;
    // What a process that died mid-commit leaves behind: a part of her
    // history that no head names, beside a history kept in one item.
    stray_part(
        &table,
        "c-9",
        0xdead_beef,
        br#"{"name":"Kim Minji","email":"minji.forget@example.com"},"#,
    )
    .await;
    due_work_removes_personal_data_older_than_the_retention_period(Arc::new(store)).await;
    assert_eq!(
        mentions_her(&table_text(&table).await),
        Vec::<&str>::new(),
        "no item of the table holds her old data, not even the part no head named"
    );
}
