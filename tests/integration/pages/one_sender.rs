//! One data directory, two processes: `aftercare run` (or an operator's
//! command) beside `aftercare serve`. Outbox claims live in each process's
//! memory, so only the process holding the directory's sender lock sends;
//! the other commits and leaves its mail to it. Every message goes out
//! once, and a killed sender's lock passes on at once.

use super::{customer, run_until_now, ticket_closed, Served};
use aftercare_shared::adapters::sqlite::SqliteStore;
use aftercare_shared::ports::Outbox;
use chrono::{Duration, Utc};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Output;

/// Customers whose survey falls due within the second process's run.
const BESIDE: usize = 6;

/// Tickets closed two days ago: each customer's CSAT is due by now.
fn closed_two_days_ago(prefix: &str) -> Vec<Value> {
    (0..BESIDE)
        .map(|i| {
            let c = customer(&format!("c-{prefix}-{i}"), "en", "Beside");
            ticket_closed(
                &format!("t-{prefix}-{i}"),
                c,
                Utc::now() - Duration::days(2),
            )
        })
        .collect()
}

/// `aftercare run` over `events` into `data`, up to now.
fn run_beside(data: &Path, events: &[Value]) -> Output {
    let file = data.with_file_name(format!("events-{}.jsonl", events.len()));
    run_until_now(data, &file, events, None, "warn")
}

/// How many times `mail.log` says each message was sent.
fn sends(data: &Path) -> BTreeMap<String, usize> {
    let mut counted = BTreeMap::new();
    for id in std::fs::read_to_string(data.join("mail.log"))
        .unwrap_or_default()
        .lines()
    {
        *counted.entry(id.to_string()).or_default() += 1;
    }
    counted
}

/// The messages sent for customers whose id starts with `c-{prefix}-`.
fn sent_to(data: &Path, prefix: &str) -> usize {
    sends(data)
        .keys()
        .filter(|id| id.contains(&format!("c-{prefix}-")))
        .count()
}

fn assert_each_sent_once(data: &Path) {
    let twice: Vec<_> = sends(data).into_iter().filter(|(_, n)| *n > 1).collect();
    assert!(twice.is_empty(), "sent more than once: {twice:?}");
}

#[test]
fn a_run_beside_serve_leaves_its_mail_to_serve_which_sends_each_message_once() {
    let mut served = Served::start(&[]);
    let data = served.data();
    let serve_pid = served.child.id();

    let out = run_beside(&data, &closed_two_days_ago("beside"));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains(&format!("another aftercare process (pid {serve_pid})")),
        "the run says who sends its mail: {said}"
    );
    // The server's next round (at most 15 s away) sends what the run queued.
    let mut waited = 0;
    while sent_to(&data, "beside") < BESIDE && waited < 400 {
        std::thread::sleep(std::time::Duration::from_millis(100));
        waited += 1;
    }
    assert_eq!(sent_to(&data, "beside"), BESIDE, "every survey went out");
    assert_each_sent_once(&data);

    // A process that opens the store while serve runs does not send ...
    let store = SqliteStore::open(&data.join("aftercare.sqlite")).expect("the store");
    assert!(!store.sends_mail().expect("asking who sends"));
    assert_eq!(
        store.mail_sent_by_another(),
        Some(format!("pid {serve_pid}"))
    );
    // ... until serve is gone, however it went: the lock goes with it.
    served.child.kill().expect("killing serve");
    served.child.wait().expect("waiting for serve");
    assert!(store.sends_mail().expect("asking who sends"));
    assert_eq!(store.mail_sent_by_another(), None);
}

#[test]
fn mail_queued_while_another_process_sends_goes_out_once_with_the_next_run() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let data = dir.path().join("data");
    run_beside(&data, &[]);
    // This process is the directory's sender now.
    let store = SqliteStore::open(&data.join("aftercare.sqlite")).expect("the store");
    assert!(store.sends_mail().expect("asking who sends"));

    run_beside(&data, &closed_two_days_ago("queued"));
    assert_eq!(sent_to(&data, "queued"), 0, "the run sent nothing itself");
    let waiting = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime")
        .block_on(store.undelivered(Utc::now(), 100))
        .expect("reading the outbox");
    let queued = waiting
        .iter()
        .filter(|q| q.message.id.to_string().contains("c-queued-"))
        .count();
    assert_eq!(queued, BESIDE, "the surveys wait in the outbox");

    drop(store);
    run_beside(&data, &[]);
    assert_eq!(sent_to(&data, "queued"), BESIDE, "the next run sent them");
    assert_each_sent_once(&data);
}
