//! What reading one day costs on DynamoDB (against DynamoDB Local, counted
//! at the adapter): the same number of requests after 10 responses, after
//! 100,000, and for a day a year after the first, with backlog and
//! open-escalation levels carried the whole way.

use crate::helpers::dynamo_store;
use aftercare_shared::adapters::dynamodb::DynamoStore;
use aftercare_shared::domain::ids::AgentId;
use aftercare_shared::domain::kpi::{AgentMetric, Contributions, DayCounters, Metric};
use aftercare_shared::ports::{Counters, Histories};
use chrono::{Duration, NaiveDate};

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// A new customer's first commit carrying `delta`.
async fn commit(store: &DynamoStore, customer: &str, delta: Contributions) {
    store
        .commit(&crate::store_conformance::commit(customer, 0, delta))
        .await
        .unwrap();
}

/// `n` CSAT answers of score 4 on `d`, with a ticket opened and a call
/// escalated for the levels, and agent a-1's counters.
fn responses(d: NaiveDate, n: i64) -> Contributions {
    let mut c = Contributions::default();
    c.add(d, Metric::CsatResponses, n);
    c.add(d, Metric::CsatSatisfied, n);
    c.add(d, Metric::CsatScoreSum, 4 * n);
    c.add(d, Metric::BacklogDelta, 1);
    c.add(d, Metric::EscalationsOpenDelta, 1);
    let a1 = AgentId::parse("a-1").unwrap();
    c.add_agent(d, AgentMetric::Calls, Some(&a1), 1);
    c
}

/// The 28 days to `d` (the trend picture) and the requests they cost.
async fn read_28(store: &DynamoStore, d: NaiveDate) -> (Vec<DayCounters>, u64) {
    let before = store.requests_sent();
    let days = store.days(d - Duration::days(27), d).await.unwrap();
    (days, store.requests_sent() - before)
}

/// A day read and the requests it cost.
async fn read(store: &DynamoStore, d: NaiveDate) -> (DayCounters, u64) {
    let before = store.requests_sent();
    let counters = store.day(d).await.unwrap();
    (counters, store.requests_sent() - before)
}

#[tokio::test]
async fn reading_a_day_costs_the_same_requests_after_10_or_100000_answers_and_a_year_later() {
    let store = dynamo_store().await;
    let first = day("2026-01-05");

    // 10 answers.
    commit(&store, "c-first", responses(first, 10)).await;
    let (small, cost_small) = read(&store, first).await;
    assert_eq!(small.get(Metric::CsatResponses), 10);

    // 100,000 answers on the same day, from 400 customers, each also
    // moving the levels on one of the month's other days.
    for i in 0..400 {
        let mut delta = responses(first, 250);
        let other = first + Duration::days(1 + i % 20);
        delta.add(other, Metric::BacklogDelta, 1);
        commit(&store, &format!("c-{i:03}"), delta).await;
    }
    let (large, cost_large) = read(&store, first).await;
    let (month, cost_28) = read_28(&store, first).await;
    assert_eq!(month.len(), 28);
    assert_eq!(month[27], large, "the range's last day is the day");
    assert_eq!(large.get(Metric::CsatResponses), 10 + 100_000);
    assert_eq!(
        large.get(Metric::BacklogDelta),
        401,
        "the backlog up to the 5th"
    );
    assert_eq!(large.get(Metric::EscalationsOpenDelta), 401);

    // A year of days after it, each with its own answers and level moves.
    for offset in 1..=365 {
        let d = first + Duration::days(offset);
        commit(&store, &format!("c-day-{offset:03}"), responses(d, 1)).await;
    }
    let year_later = first + Duration::days(365);
    let (later, cost_later) = read(&store, year_later).await;
    let (later_month, cost_28_later) = read_28(&store, year_later).await;
    assert_eq!(later_month[27], later);
    assert_eq!(
        later_month[0].get(Metric::BacklogDelta),
        401 + 400 + 365 - 27,
        "28 days earlier, 27 fewer days of new tickets"
    );
    assert_eq!(later.get(Metric::CsatResponses), 1, "the day's own answers");
    assert_eq!(
        later.get(Metric::BacklogDelta),
        401 + 400 + 365,
        "every ticket since the first day is still in the backlog"
    );
    assert_eq!(later.get(Metric::EscalationsOpenDelta), 401 + 365);
    assert_eq!(
        later.agents()[&Some(AgentId::parse("a-1").unwrap())][&AgentMetric::Calls],
        1
    );

    assert_eq!(
        (cost_small, cost_large, cost_later),
        (cost_small, cost_small, cost_small),
        "requests for one day: after 10 answers, after 100,010, a year later"
    );
    assert_eq!(
        cost_28_later, cost_28,
        "28 days: after 100,010 answers, a year later"
    );
    println!("reading one day on DynamoDB: {cost_small} requests; 28 days: {cost_28}");
}
