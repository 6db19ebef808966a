//! A large history on DynamoDB Local is kept in parts (the adapter's
//! `parts`): read back whole by a process that never saw it written,
//! guarded by its version like a small one, with one more event costing a
//! few write units, the parts no head names deleted (a refused commit's
//! at once, a stray one by the next commit, any by a forgotten customer's
//! commit), and one item again when it shrinks.

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
