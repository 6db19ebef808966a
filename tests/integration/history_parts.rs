//! A large history on DynamoDB Local is kept in parts (the adapter's
//! `parts`): read back whole by a process that never saw it written,
//! guarded by its version like a small one, with one more event costing a
//! few write units, the parts no head names deleted (a refused commit's
//! at once, a stray one by the next commit, any by a forgotten customer's
//! commit), and one item again when it shrinks; a transaction whose
//! answer was lost after it landed lands once and keeps every part.

use crate::helpers::{dynamo_table, dynamodb_client, stray_part};
use aftercare_shared::adapters::dynamodb::DynamoStore;
use aftercare_shared::domain::event::Event;
use aftercare_shared::domain::history::History;
use aftercare_shared::domain::ids::CustomerId;
use aftercare_shared::ports::{Commit, Histories, StoreError};
use aftercare_shared::testing::{envelope, event, utc};
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::Duration;
use serde_json::json;
use std::sync::atomic::Ordering;
use std::sync::Arc;

fn opened(i: usize) -> Event {
    let at = utc("2026-01-01T00:00:00Z") + Duration::minutes(i as i64 * 90);
    event(&envelope(
        "TicketOpened",
        &format!("open-{i}"),
        json!({"ticket_id": format!("big-t-{i:05}"), "occurred_at": at.to_rfc3339(),
               "customer": {"id": "big", "email": "big@example.com"}}),
    ))
}

fn commit(history: History, expected_version: u64) -> Commit {
    Commit {
        // As the service says it: every commit of a forgotten customer.
        erases_personal_data: history.facts.forgotten_at.is_some(),
        history,
        expected_version,
        delta: Default::default(),
        claims: Vec::new(),
        next_due: None,
        messages: Vec::new(),
        at: utc("2026-12-01T00:00:00Z"),
        escalations: Default::default(),
        boards: Default::default(),
    }
}

fn same(a: &History, b: &History) -> bool {
    serde_json::to_value(a).unwrap() == serde_json::to_value(b).unwrap()
}

/// The part items stored for the customer, and how many its head names.
async fn parts(table: &str) -> (usize, usize) {
    let client = dynamodb_client().await;
    let items = client
        .query()
        .table_name(table)
        .key_condition_expression("pk = :p")
        .expression_attribute_values(":p", AttributeValue::S("CUST#big".into()))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .items
        .unwrap_or_default();
    let stored = items
        .iter()
        .filter(|i| matches!(i.get("sk"), Some(AttributeValue::S(sk)) if sk.starts_with("P#")))
        .count();
    let named = items
        .iter()
        .find_map(|i| match i.get("history_parts") {
            Some(AttributeValue::B(b)) => Some(b.as_ref().len() / 8),
            _ => None,
        })
        .unwrap_or(0);
    (stored, named)
}

fn big() -> CustomerId {
    CustomerId::parse("big").unwrap()
}

#[tokio::test]
async fn a_large_history_is_read_whole_elsewhere_guarded_by_its_version_and_shrinks_back() {
    let (a, table) = dynamo_table().await;
    let b = DynamoStore::new(dynamodb_client().await, table.clone());
    let mut h = History::new(big());
    for i in 0..2_000 {
        h.insert(opened(i));
    }
    h.version = 1;
    a.commit(&commit(h.clone(), 0)).await.unwrap();
    let (stored, named) = parts(&table).await;
    assert!(
        named > 3 && stored == named,
        "{stored} parts stored, {named} named"
    );

    // Another process reads it whole, and one more event costs it a few
    // write units however long the history is.
    let read = b.load(&big()).await.unwrap().unwrap();
    assert!(same(&read, &h));
    let mut next = read.clone();
    next.insert(opened(5_000));
    next.version = 2;
    let before = b.usage();
    b.commit(&commit(next.clone(), 1)).await.unwrap();
    let units = b.usage().since(&before).write_units;
    eprintln!("one more event on a 2,000-event history: {units} write units");
    assert!(units <= 16.0, "{units} write units for one event");
    assert_eq!(parts(&table).await.0, parts(&table).await.1);

    // The first process's copy is stale: its commit is refused, and the
    // parts it wrote first are deleted again.
    let mut stale = h.clone();
    stale.insert(opened(6_000));
    stale.version = 2;
    assert!(matches!(
        a.commit(&commit(stale, 1)).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(parts(&table).await.0, parts(&table).await.1);

    // A part no head names (as a process killed before its transaction
    // leaves one) goes with the customer's next commit.
    stray_part(&table, "big", 0xdead, b"").await;
    let mut latest = a.load(&big()).await.unwrap().unwrap();
    assert!(same(&latest, &next));
    latest.insert(opened(7_000));
    latest.version = 3;
    a.commit(&commit(latest.clone(), 2)).await.unwrap();
    let (stored, named) = parts(&table).await;
    assert_eq!(stored, named);
    assert!(same(&b.load(&big()).await.unwrap().unwrap(), &latest));

    // Shrunk (as a forgotten customer's may be): one item again, no part
    // left; the head says parts may be loose until the next commit looks.
    let mut small = History::new(big());
    small.insert(opened(1));
    small.version = 4;
    b.commit(&commit(small.clone(), 3)).await.unwrap();
    assert_eq!(parts(&table).await, (0, 0));
    assert!(head_is_loose(&table).await);
    let mut reread = a.load(&big()).await.unwrap().unwrap();
    assert!(same(&reread, &small));
    reread.insert(opened(2));
    reread.version = 5;
    a.commit(&commit(reread.clone(), 4)).await.unwrap();
    assert!(!head_is_loose(&table).await);

    // A forgotten customer's commit always looks for parts, and deletes
    // what it finds.
    stray_part(&table, "big", 0xbeef, b"").await;
    let mut forgotten = b.load(&big()).await.unwrap().unwrap();
    forgotten.facts.forgotten_at = Some(utc("2026-12-02T00:00:00Z"));
    forgotten.version = 6;
    b.commit(&commit(forgotten, 5)).await.unwrap();
    assert_eq!(parts(&table).await, (0, 0));
}

async fn head_is_loose(table: &str) -> bool {
    let head = dynamodb_client()
        .await
        .get_item()
        .table_name(table)
        .key("pk", AttributeValue::S("CUST#big".into()))
        .key("sk", AttributeValue::S("H".into()))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    matches!(head.get("loose"), Some(AttributeValue::Bool(true)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_processes_appending_to_one_large_history_lose_no_event_and_leave_no_part() {
    let (first, table) = dynamo_table().await;
    let mut h = History::new(big());
    for i in 0..1_500 {
        h.insert(opened(i));
    }
    h.version = 1;
    first.commit(&commit(h, 0)).await.unwrap();
    let mut tasks = Vec::new();
    for p in 0..4usize {
        let store = Arc::new(DynamoStore::new(dynamodb_client().await, table.clone()));
        tasks.push(tokio::spawn(async move {
            for k in 0..8usize {
                loop {
                    let mut h = match store.load(&big()).await {
                        Ok(h) => h.unwrap(),
                        Err(StoreError::Contended(_)) => continue,
                        Err(e) => panic!("load: {e}"),
                    };
                    let expected = h.version;
                    h.insert(opened(10_000 + p * 100 + k));
                    h.version += 1;
                    match store.commit(&commit(h, expected)).await {
                        Ok(()) => break,
                        Err(StoreError::Conflict(_) | StoreError::Contended(_)) => continue,
                        Err(e) => panic!("commit: {e}"),
                    }
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let end = first.load(&big()).await.unwrap().unwrap();
    assert_eq!(end.events.len(), 1_500 + 32);
    assert_eq!(end.version, 1 + 32);
    // One last commit sweeps what refused commits left.
    let mut last = end.clone();
    last.insert(opened(20_000));
    last.version += 1;
    first.commit(&commit(last, end.version)).await.unwrap();
    let (stored, named) = parts(&table).await;
    assert_eq!(stored, named);
}

/// Loses the answer of the next `armed` transactions after DynamoDB has
/// applied them: the caller sees an internal server error, the write
/// happened (as when a connection drops on the way back).
#[derive(Debug, Default)]
struct LostAnswers {
    armed: std::sync::atomic::AtomicUsize,
    lost: std::sync::atomic::AtomicUsize,
    /// Whether the request on the wire is a transaction (the store sends
    /// one request at a time here).
    transaction: std::sync::atomic::AtomicBool,
}

#[derive(Debug)]
struct LoseAnswers(Arc<LostAnswers>);

impl aws_sdk_dynamodb::config::Intercept for LoseAnswers {
    fn name(&self) -> &'static str {
        "test::LoseAnswers"
    }

    fn read_before_transmit(
        &self,
        context: &aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef<'_>,
        _: &aws_sdk_dynamodb::config::RuntimeComponents,
        _: &mut aws_sdk_dynamodb::config::ConfigBag,
    ) -> Result<(), aws_sdk_dynamodb::error::BoxError> {
        let target = context.request().headers().get("x-amz-target");
        let transaction = target.is_some_and(|t| t.ends_with(".TransactWriteItems"));
        self.0.transaction.store(transaction, Ordering::SeqCst);
        Ok(())
    }

    fn modify_before_deserialization(
        &self,
        context: &mut aws_sdk_dynamodb::config::interceptors::BeforeDeserializationInterceptorContextMut<'_>,
        _: &aws_sdk_dynamodb::config::RuntimeComponents,
        _: &mut aws_sdk_dynamodb::config::ConfigBag,
    ) -> Result<(), aws_sdk_dynamodb::error::BoxError> {
        let state = &self.0;
        if !state.transaction.load(Ordering::SeqCst)
            || state
                .armed
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_err()
        {
            return Ok(());
        }
        let response = context.response_mut();
        *response.status_mut() = 500.try_into()?;
        *response.body_mut() = String::from(
            r#"{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"injected: the answer was lost"}"#,
        )
        .into();
        state.lost.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

#[tokio::test]
async fn a_transaction_whose_answer_was_lost_lands_once_and_keeps_every_part() {
    let (_, table) = dynamo_table().await;
    let faults = Arc::new(LostAnswers::default());
    let config = dynamodb_client()
        .await
        .config()
        .to_builder()
        .interceptor(LoseAnswers(faults.clone()))
        .build();
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::from_conf(config), table.clone());
    let mut h = History::new(big());
    for i in 0..2_000 {
        h.insert(opened(i));
    }
    h.version = 1;
    store.commit(&commit(h.clone(), 0)).await.unwrap();

    // The SDK retries a transaction whose answer was lost with the same
    // client request token, which DynamoDB answers as the first (applied
    // once, not refused on the version the first attempt moved): the
    // commit succeeds, and none of the parts the new head names is
    // deleted as a refused commit's would be.
    let mut next = store.load(&big()).await.unwrap().unwrap();
    next.insert(opened(5_000));
    next.version = 2;
    faults.armed.store(1, Ordering::SeqCst);
    let answered = store.commit(&commit(next.clone(), 1)).await;
    assert_eq!(faults.lost.load(Ordering::SeqCst), 1, "the fault fired");
    let reader = DynamoStore::new(dynamodb_client().await, table.clone());
    let stored = reader.load(&big()).await.unwrap().unwrap();
    assert!(same(&stored, &next), "the change landed: {answered:?}");
    let (stored_parts, named) = parts(&table).await;
    assert_eq!(stored_parts, named, "every part the head names is there");
    assert!(answered.is_ok(), "{answered:?}");

    // Every answer lost (the SDK gives up): the caller sees an error while
    // the write landed; the parts it names stay, and the next commit, from
    // a fresh load, lands on top of it and deletes what no head names.
    let mut third = stored.clone();
    third.insert(opened(6_000));
    third.version = 3;
    faults.armed.store(usize::MAX, Ordering::SeqCst);
    let answered = store.commit(&commit(third.clone(), 2)).await;
    faults.armed.store(0, Ordering::SeqCst);
    assert!(answered.is_err(), "{answered:?}");
    let landed = reader.load(&big()).await.unwrap().unwrap();
    assert!(same(&landed, &third), "the first attempt landed");
    // The parts only the old head named are still there (a failed commit
    // deletes nothing it cannot tell is unnamed): the next commit sweeps.
    let (stored_parts, named) = parts(&table).await;
    assert!(stored_parts > named, "{stored_parts} stored, {named} named");
    let mut fourth = store.load(&big()).await.unwrap().unwrap();
    fourth.insert(opened(7_000));
    fourth.version = 4;
    store.commit(&commit(fourth.clone(), 3)).await.unwrap();
    assert!(same(&reader.load(&big()).await.unwrap().unwrap(), &fourth));
    assert_eq!(parts(&table).await.0, parts(&table).await.1);
}
