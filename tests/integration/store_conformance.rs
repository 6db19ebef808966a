//! One conformance suite, run against every store: SQLite and DynamoDB Local.

use aftercare_shared::adapters::outbox::OutboxMailer;
use aftercare_shared::adapters::sqlite::SqliteStore;
use aftercare_shared::config::Settings;
use aftercare_shared::domain::boards::{Board, Listing};
use aftercare_shared::domain::history::History;
use aftercare_shared::domain::ids::{AgentId, CustomerId, EmailAddress};
use aftercare_shared::domain::keys::{Job, MessageId};
use aftercare_shared::domain::kpi::{AgentMetric, Contributions, Metric};
use aftercare_shared::domain::token::TokenKey;
use aftercare_shared::ports::{
    BookResult, Booking, Commit, EscalationChanges, Message, OpenEscalation, Store, StoreError,
};
use aftercare_shared::services::{Aftercare, Ingested};
use aftercare_shared::testing::{envelope, event, seoul_customer};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use std::sync::Arc;

fn t(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, h, m, 0).unwrap()
}
fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}
fn customer(id: &str) -> CustomerId {
    CustomerId::parse(id).unwrap()
}

fn key<T: std::str::FromStr>(text: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    text.parse().unwrap()
}

/// A bare commit of customer `id` at version `expected + 1` with `delta`
/// (also the read-count test's builder).
pub(crate) fn commit(id: &str, expected: u64, delta: Contributions) -> Commit {
    let mut history = History::new(customer(id));
    history.version = expected + 1;
    Commit {
        history,
        expected_version: expected,
        delta,
        claims: Vec::new(),
        next_due: None,
        messages: Vec::new(),
        at: t(9, 0),
        escalations: EscalationChanges::default(),
        boards: Default::default(),
        erases_personal_data: false,
    }
}

fn message(id: &str) -> Message {
    Message {
        id: id.parse().unwrap(),
        from: "care@example.com".into(),
        to: vec!["x@example.com".into()],
        raw: format!("Subject: {id}\r\n\r\nbody"),
    }
}

pub async fn a_committed_history_loads_back_and_a_stale_version_is_a_conflict(store: &dyn Store) {
    assert!(store.load(&customer("c-1")).await.unwrap().is_none());
    let mut delta = Contributions::default();
    delta.add(day("2026-11-20"), Metric::Purchases, 1);
    store
        .commit(&commit("c-1", 0, delta.clone()))
        .await
        .unwrap();
    assert_eq!(
        store.load(&customer("c-1")).await.unwrap().unwrap().version,
        1
    );
    // A second writer that also read version 0 loses, and changes nothing.
    let err = store
        .commit(&commit("c-1", 0, delta.clone()))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert_eq!(
        store
            .day(day("2026-11-20"))
            .await
            .unwrap()
            .get(Metric::Purchases),
        1
    );
    store.commit(&commit("c-1", 1, delta)).await.unwrap();
    assert_eq!(
        store
            .day(day("2026-11-20"))
            .await
            .unwrap()
            .get(Metric::Purchases),
        2
    );
}

pub async fn an_order_belongs_to_the_first_customer_who_claims_it(store: &dyn Store) {
    let mut first = commit("c-1", 0, Contributions::default());
    first.claims = vec![key("nps:o-1")];
    store.commit(&first).await.unwrap();
    let mut again = commit("c-1", 1, Contributions::default());
    again.claims = vec![key("nps:o-1")];
    store.commit(&again).await.unwrap();
    let mut delta = Contributions::default();
    delta.add(day("2026-11-20"), Metric::Purchases, 1);
    let mut other = commit("c-2", 0, delta);
    other.claims = vec![key("nps:o-1")];
    let err = store.commit(&other).await.unwrap_err();
    assert!(matches!(err, StoreError::ClaimedByOther { .. }), "{err:?}");
    assert_eq!(
        store.owner(&key("nps:o-1")).await.unwrap(),
        Some(customer("c-1"))
    );
    assert!(
        store.load(&customer("c-2")).await.unwrap().is_none(),
        "a refused commit writes nothing"
    );
    assert_eq!(
        store
            .day(day("2026-11-20"))
            .await
            .unwrap()
            .get(Metric::Purchases),
        0
    );
}

pub async fn level_metrics_read_as_running_sums_and_plain_ones_per_day(store: &dyn Store) {
    let mut a = Contributions::default();
    a.add(day("2026-11-18"), Metric::BacklogDelta, 3);
    a.add(day("2026-11-18"), Metric::TicketsOpened, 3);
    a.add(day("2026-11-20"), Metric::BacklogDelta, -1);
    a.add(day("2026-11-22"), Metric::BacklogDelta, 5);
    store.commit(&commit("c-1", 0, a)).await.unwrap();
    let mut b = Contributions::default();
    b.add(day("2026-11-19"), Metric::BacklogDelta, 2);
    store.commit(&commit("c-2", 0, b)).await.unwrap();
    let d20 = store.day(day("2026-11-20")).await.unwrap();
    assert_eq!(d20.get(Metric::BacklogDelta), 3 + 2 - 1);
    assert_eq!(d20.get(Metric::TicketsOpened), 0);
    assert_eq!(
        store
            .day(day("2026-11-18"))
            .await
            .unwrap()
            .get(Metric::TicketsOpened),
        3
    );
}

pub async fn levels_carry_across_months_and_years_and_a_range_reads_as_its_days(store: &dyn Store) {
    let mut a = Contributions::default();
    a.add(day("2025-12-30"), Metric::BacklogDelta, 4);
    a.add(day("2026-01-31"), Metric::BacklogDelta, -1);
    a.add(day("2026-02-01"), Metric::EscalationsOpenDelta, 2);
    a.add(day("2026-02-03"), Metric::BacklogDelta, 10);
    a.add(day("2026-02-02"), Metric::Purchases, 7);
    // Active customers: a level too; its moves are plain counters.
    a.add(day("2025-11-10"), Metric::ActiveDelta, 5);
    a.add(day("2025-11-10"), Metric::NewCustomers, 5);
    a.add(day("2026-02-01"), Metric::ActiveDelta, -2);
    a.add(day("2026-02-01"), Metric::Churned, 2);
    a.add(day("2026-02-01"), Metric::LowScores, 3);
    a.add(day("2026-02-01"), Metric::Recovered, 1);
    let agent = AgentId::parse("a-1").unwrap();
    a.add_agent(day("2026-02-02"), AgentMetric::Reached, Some(&agent), 2);
    a.add_agent(day("2026-02-02"), AgentMetric::Due, None, 1);
    store.commit(&commit("c-1", 0, a)).await.unwrap();
    let mut b = Contributions::default();
    b.add(day("2026-01-15"), Metric::BacklogDelta, 3);
    b.add(day("2026-02-02"), Metric::EscalationsOpenDelta, -1);
    store.commit(&commit("c-2", 0, b)).await.unwrap();

    let level = |c: &aftercare_shared::domain::kpi::DayCounters| {
        (
            c.get(Metric::BacklogDelta),
            c.get(Metric::EscalationsOpenDelta),
        )
    };
    let range = store
        .days(day("2026-01-30"), day("2026-02-04"))
        .await
        .unwrap();
    let levels: Vec<_> = range.iter().map(level).collect();
    assert_eq!(levels, [(7, 0), (6, 0), (6, 2), (6, 1), (16, 1), (16, 1)]);
    let active: Vec<_> = range.iter().map(|c| c.get(Metric::ActiveDelta)).collect();
    assert_eq!(active, [5, 5, 3, 3, 3, 3]);
    let feb1 = &range[2];
    assert_eq!(
        (
            feb1.get(Metric::Churned),
            feb1.get(Metric::LowScores),
            feb1.get(Metric::Recovered),
            feb1.get(Metric::NewCustomers)
        ),
        (2, 3, 1, 0)
    );
    for (i, d) in day("2026-01-30").iter_days().take(6).enumerate() {
        assert_eq!(store.day(d).await.unwrap(), range[i], "{d}");
    }
    let feb2 = &range[3];
    assert_eq!(feb2.get(Metric::Purchases), 7);
    let agents = feb2.agents();
    assert_eq!(agents[&Some(agent.clone())][&AgentMetric::Reached], 2);
    assert_eq!(agents[&None][&AgentMetric::Due], 1);
    assert_eq!(level(&store.day(day("2025-12-29")).await.unwrap()), (0, 0));
    assert_eq!(level(&store.day(day("2027-06-01")).await.unwrap()), (16, 1));
    assert!(store
        .days(day("2026-02-04"), day("2026-02-01"))
        .await
        .unwrap()
        .is_empty());
}

pub async fn boards_list_entries_by_time_and_drop_what_a_commit_removes(store: &dyn Store) {
    let nov20 = day("2026-11-20");
    let listing = |board, item: &str, at| Listing {
        board,
        item: item.into(),
        at,
    };
    let mut first = commit("c-1", 0, Contributions::default());
    first.boards.put = vec![
        listing(Board::AtRisk, "c-1/order:o-1", t(12, 0)),
        listing(Board::Detractors(nov20), "csat:order:o-1", t(9, 0)),
        listing(Board::Answers(nov20), "csat:order:o-1", t(9, 0)),
    ];
    store.commit(&first).await.unwrap();
    let mut second = commit("c-2", 0, Contributions::default());
    second.boards.put = vec![listing(Board::AtRisk, "c-2/ticket:t-1", t(8, 0))];
    store.commit(&second).await.unwrap();
    let at_risk = store.board(Board::AtRisk).await.unwrap();
    let items: Vec<_> = at_risk
        .iter()
        .map(|e| (e.item.as_str(), e.customer.as_str()))
        .collect();
    assert_eq!(items, [("c-2/ticket:t-1", "c-2"), ("c-1/order:o-1", "c-1")]);
    assert_eq!(at_risk[0].at, t(8, 0));
    let detractors = store.board(Board::Detractors(nov20)).await.unwrap();
    assert_eq!(detractors.len(), 1);
    let answers = store.board(Board::Answers(nov20)).await.unwrap();
    assert_eq!(
        answers
            .iter()
            .map(|e| (e.item.as_str(), e.customer.as_str(), e.at))
            .collect::<Vec<_>>(),
        [("csat:order:o-1", "c-1", t(9, 0))],
        "a day's answers are on their own board"
    );
    assert!(store
        .board(Board::Detractors(day("2026-11-21")))
        .await
        .unwrap()
        .is_empty());

    let mut later = commit("c-1", 1, Contributions::default());
    later.boards.removed = vec![(Board::AtRisk, "c-1/order:o-1".into())];
    later.boards.put = vec![listing(
        Board::Detractors(nov20),
        "csat:order:o-1",
        t(10, 0),
    )];
    store.commit(&later).await.unwrap();
    let at_risk = store.board(Board::AtRisk).await.unwrap();
    assert_eq!(at_risk.len(), 1);
    let moved = store.board(Board::Detractors(nov20)).await.unwrap();
    assert_eq!(moved[0].at, t(10, 0));
}

pub async fn due_work_is_listed_earliest_first_up_to_now(store: &dyn Store) {
    for (id, due) in [
        ("c-1", Some(t(10, 0))),
        ("c-2", Some(t(9, 0))),
        ("c-3", None),
        ("c-4", Some(t(12, 0))),
    ] {
        let mut c = commit(id, 0, Contributions::default());
        c.next_due = due;
        store.commit(&c).await.unwrap();
    }
    assert_eq!(store.next_due().await.unwrap(), Some(t(9, 0)));
    let due = |list: Vec<aftercare_shared::ports::Due>| -> Vec<(CustomerId, DateTime<Utc>)> {
        list.into_iter().map(|d| (d.customer, d.at)).collect()
    };
    assert_eq!(
        due(store.due(t(11, 0), 10).await.unwrap()),
        vec![(customer("c-2"), t(9, 0)), (customer("c-1"), t(10, 0))]
    );
    let mut done = commit("c-2", 1, Contributions::default());
    done.next_due = None;
    store.commit(&done).await.unwrap();
    assert_eq!(store.next_due().await.unwrap(), Some(t(10, 0)));
    assert_eq!(
        due(store.due(t(11, 0), 10).await.unwrap()),
        vec![(customer("c-1"), t(10, 0))]
    );
}

pub async fn a_postponed_customer_is_due_later_with_its_failures_counted(store: &dyn Store) {
    let mut c = commit("c-1", 0, Contributions::default());
    c.next_due = Some(t(9, 0));
    store.commit(&c).await.unwrap();
    store.postpone(&customer("c-1"), t(9, 30)).await.unwrap();
    assert!(store.due(t(9, 10), 10).await.unwrap().is_empty());
    let due = store.due(t(9, 30), 10).await.unwrap();
    assert_eq!((due[0].at, due[0].failures), (t(9, 30), 1));
    store.postpone(&customer("c-1"), t(10, 0)).await.unwrap();
    assert_eq!(store.due(t(10, 0), 10).await.unwrap()[0].failures, 2);
    // A commit (the customer settled at last) clears the failures.
    let mut settled = commit("c-1", 1, Contributions::default());
    settled.next_due = Some(t(11, 0));
    store.commit(&settled).await.unwrap();
    assert_eq!(store.due(t(11, 0), 10).await.unwrap()[0].failures, 0);
    // No due work: nothing to postpone.
    store.postpone(&customer("c-9"), t(12, 0)).await.unwrap();
    assert_eq!(store.next_due().await.unwrap(), Some(t(11, 0)));
}

pub async fn an_agent_slot_is_booked_once(store: &dyn Store) {
    let agent = AgentId::parse("a-1").unwrap();
    let b = Booking {
        agent: agent.clone(),
        slot: t(9, 0),
        attempt: key("c-1/order:o-1#1"),
        customer: customer("c-1"),
        round: 0,
    };
    assert_eq!(
        store.book(&b, day("2026-11-20"), 32).await.unwrap(),
        BookResult::Booked
    );
    let same_slot = Booking {
        attempt: key("c-2/order:o-2#1"),
        customer: customer("c-2"),
        ..b.clone()
    };
    assert_eq!(
        store.book(&same_slot, day("2026-11-20"), 32).await.unwrap(),
        BookResult::SlotTaken
    );
    let same_attempt = Booking {
        slot: t(9, 15),
        ..b.clone()
    };
    assert_eq!(
        store
            .book(&same_attempt, day("2026-11-20"), 32)
            .await
            .unwrap(),
        BookResult::SlotTaken
    );
    assert_eq!(
        store.booking_for(&key("c-1/order:o-1#1"), 0).await.unwrap(),
        Some(b.clone())
    );
    assert_eq!(
        store.bookings(&agent, t(8, 0), t(9, 0)).await.unwrap(),
        vec![]
    );
    assert_eq!(
        store.bookings(&agent, t(9, 0), t(10, 0)).await.unwrap(),
        vec![b.clone()]
    );
    // The same attempt booked again (its slot passed with no outcome) is
    // a booking of its own, read back with its round.
    let again = Booking {
        slot: t(14, 0),
        round: 1,
        ..b.clone()
    };
    assert_eq!(
        store.book(&again, day("2026-11-20"), 32).await.unwrap(),
        BookResult::Booked
    );
    assert_eq!(
        store.booking_for(&key("c-1/order:o-1#1"), 1).await.unwrap(),
        Some(again.clone())
    );
    assert_eq!(
        store.bookings(&agent, t(9, 0), t(15, 0)).await.unwrap(),
        vec![b.clone(), again.clone()]
    );
    assert_eq!(
        store.booked_slots(&agent, t(9, 0), t(15, 0)).await.unwrap(),
        vec![b.slot, again.slot],
        "the slots alone, the same in the same order"
    );
    assert_eq!(
        store.booked_slots(&agent, t(9, 0), b.slot).await.unwrap(),
        Vec::<DateTime<Utc>>::new(),
        "up to a slot, not including it"
    );
}

async fn queued_ids(store: &dyn Store, now: DateTime<Utc>) -> Vec<String> {
    store
        .undelivered(now, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|q| q.message.id.to_string())
        .collect()
}

const SURVEY: &str = "survey-c-1-nps:o-1";
const REPORT: &str = "report-2026-11-19";

pub async fn queued_mail_stays_until_delivered_and_is_queued_once(store: &dyn Store) {
    let mut c = commit("c-1", 0, Contributions::default());
    c.messages = vec![message(SURVEY)];
    store.commit(&c).await.unwrap();
    let fresh = store
        .enqueue(&[message(REPORT), message(REPORT)], t(9, 1))
        .await
        .unwrap();
    assert_eq!(
        fresh,
        vec![key(REPORT)],
        "newly queued: the first copy only"
    );
    assert_eq!(queued_ids(store, t(9, 0)).await, vec![SURVEY, REPORT]);
    store.mark_delivered(&key(SURVEY), t(9, 0)).await.unwrap();
    let again = store.enqueue(&[message(SURVEY)], t(9, 0)).await.unwrap();
    assert!(
        again.is_empty(),
        "a delivered id is not queued again: {again:?}"
    );
    assert_eq!(
        queued_ids(store, t(9, 0)).await,
        vec![REPORT],
        "a delivered message is never queued again"
    );
}

/// The outbox rule: a message id committed again (delivered or not) keeps
/// the first copy, and the rest of the commit lands.
pub async fn a_recommitted_message_keeps_its_first_copy(store: &dyn Store) {
    let mut c = commit("c-1", 0, Contributions::default());
    c.messages = vec![message(SURVEY)];
    store.commit(&c).await.unwrap();
    let mut delta = Contributions::default();
    delta.add(day("2026-11-20"), Metric::Purchases, 1);
    let mut again = commit("c-1", 1, delta);
    again.at = t(9, 1);
    let mut changed = message(SURVEY);
    changed.raw = "Subject: changed\r\n\r\nbody".into();
    again.messages = vec![changed, message(REPORT)];
    store.commit(&again).await.unwrap();
    let queued = store.undelivered(t(9, 0), 10).await.unwrap();
    assert_eq!(queued.len(), 2);
    assert_eq!(queued[0].message, message(SURVEY), "the first copy stays");
    assert_eq!(
        store.load(&customer("c-1")).await.unwrap().unwrap().version,
        2
    );
    assert_eq!(
        store
            .day(day("2026-11-20"))
            .await
            .unwrap()
            .get(Metric::Purchases),
        1
    );
}

pub async fn deferred_mail_waits_and_parked_mail_is_listed_with_its_reason(store: &dyn Store) {
    store
        .enqueue(&[message(SURVEY), message(REPORT)], t(9, 0))
        .await
        .unwrap();
    store
        .defer(&key(SURVEY), t(9, 30), "throttled")
        .await
        .unwrap();
    assert_eq!(queued_ids(store, t(9, 0)).await, vec![REPORT]);
    let back = store.undelivered(t(9, 30), 10).await.unwrap();
    let survey = back
        .iter()
        .find(|q| q.message.id.to_string() == SURVEY)
        .unwrap();
    assert_eq!(survey.attempts, 1);
    store
        .park(
            &key(REPORT),
            "MessageRejected: address blacklisted",
            t(9, 5),
        )
        .await
        .unwrap();
    assert_eq!(queued_ids(store, t(23, 0)).await, vec![SURVEY]);
    let parked = store.parked(10).await.unwrap();
    assert_eq!(parked.len(), 1);
    assert_eq!(parked[0].id, key::<MessageId>(REPORT));
    assert_eq!(parked[0].reason, "MessageRejected: address blacklisted");
    assert_eq!(
        (parked[0].attempts, parked[0].at, parked[0].recipients),
        (1, t(9, 5), 1)
    );
}

pub async fn suppression_ignores_case_and_jobs_move_on_once(store: &dyn Store) {
    let address = |a: &str| EmailAddress::parse(a).unwrap();
    store
        .suppress(&address("Minji@Example.com"), "bounce", t(9, 0))
        .await
        .unwrap();
    assert!(store
        .is_suppressed(&address("minji@example.com"))
        .await
        .unwrap());
    assert!(!store
        .is_suppressed(&address("other@example.com"))
        .await
        .unwrap());
    let job = Job::DailyReport;
    assert!(store.advance_job(&job, None, t(8, 0)).await.unwrap());
    assert!(!store.advance_job(&job, None, t(8, 0)).await.unwrap());
    assert!(store
        .advance_job(&job, Some(t(8, 0)), t(9, 0))
        .await
        .unwrap());
    assert!(
        !store
            .advance_job(&job, Some(t(8, 0)), t(10, 0))
            .await
            .unwrap(),
        "a second runner loses"
    );
    assert_eq!(store.job_next_run(&job).await.unwrap(), Some(t(9, 0)));
    let sheet = Job::CallSheet(aftercare_shared::domain::ids::AgentId::parse("a-1").unwrap());
    assert!(store.advance_job(&sheet, None, t(7, 0)).await.unwrap());
    let never = Job::SheetUpdates(aftercare_shared::domain::ids::AgentId::parse("a-1").unwrap());
    assert_eq!(
        store
            .job_next_runs(&[never.clone(), job.clone(), sheet, job, never])
            .await
            .unwrap(),
        vec![None, Some(t(9, 0)), Some(t(7, 0)), Some(t(9, 0)), None],
        "each job's next run, in the order asked, asked twice or never scheduled"
    );
}

pub async fn the_suppression_list_is_listed_in_order_keeps_the_first_reason_and_can_be_undone(
    store: &dyn Store,
) {
    let address = |a: &str| EmailAddress::parse(a).unwrap();
    store
        .suppress(&address("zed@example.com"), "complaint (abuse)", t(9, 0))
        .await
        .unwrap();
    store
        .suppress(&address("Ann@Example.com"), "unsubscribe", t(9, 5))
        .await
        .unwrap();
    // SNS delivers at least once: the same address again keeps its first reason.
    store
        .suppress(
            &address("ann@example.com"),
            "bounce: permanent (General)",
            t(9, 10),
        )
        .await
        .unwrap();
    let listed = store.suppressions(100).await.unwrap();
    let rows: Vec<(&str, &str, DateTime<Utc>)> = listed
        .iter()
        .map(|s| (s.address.as_str(), s.reason.as_str(), s.at))
        .collect();
    assert_eq!(
        rows,
        [
            ("ann@example.com", "unsubscribe", t(9, 5)),
            ("zed@example.com", "complaint (abuse)", t(9, 0)),
        ]
    );
    assert_eq!(store.suppressions(1).await.unwrap().len(), 1);
    assert!(store.unsuppress(&address("ANN@example.com")).await.unwrap());
    assert!(!store.unsuppress(&address("ann@example.com")).await.unwrap());
    assert!(!store
        .is_suppressed(&address("ann@example.com"))
        .await
        .unwrap());
    assert_eq!(store.suppressions(100).await.unwrap().len(), 1);
}

pub async fn open_escalations_are_listed_oldest_first_and_leave_when_closed(store: &dyn Store) {
    let open = |call: &str, at| OpenEscalation {
        call: key(call),
        opened_at: at,
    };
    let mut first = commit("c-1", 0, Contributions::default());
    first.escalations.open = vec![open("c-1/order:o-1", t(9, 30))];
    store.commit(&first).await.unwrap();
    let mut second = commit("c-2", 0, Contributions::default());
    second.escalations.open = vec![
        open("c-2/ticket:t-9", t(8, 0)),
        open("c-2/low:csat:t-9", t(9, 30)),
    ];
    store.commit(&second).await.unwrap();
    let listed: Vec<(String, DateTime<Utc>)> = store
        .open_escalations(100)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.call.to_string(), e.opened_at))
        .collect();
    assert_eq!(
        listed,
        [
            ("c-2/ticket:t-9".to_string(), t(8, 0)),
            ("c-1/order:o-1".to_string(), t(9, 30)),
            ("c-2/low:csat:t-9".to_string(), t(9, 30)),
        ],
        "by time, then call id"
    );
    assert_eq!(store.open_escalations(1).await.unwrap().len(), 1);
    // A later commit moves one's time and closes another, atomically
    // with its history; a commit that fails its version changes nothing.
    let mut stale = commit("c-2", 0, Contributions::default());
    stale.escalations.closed = vec![key("c-2/ticket:t-9")];
    assert!(store.commit(&stale).await.is_err());
    let mut later = commit("c-2", 1, Contributions::default());
    later.escalations.open = vec![open("c-2/low:csat:t-9", t(7, 0))];
    later.escalations.closed = vec![key("c-2/ticket:t-9")];
    store.commit(&later).await.unwrap();
    let listed: Vec<String> = store
        .open_escalations(100)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.call.to_string())
        .collect();
    assert_eq!(listed, ["c-2/low:csat:t-9", "c-1/order:o-1"]);
}

pub async fn the_roster_is_absent_until_imported_and_replaced_whole(store: &dyn Store) {
    assert!(store.roster().await.unwrap().is_none());
    let two = Settings::from_toml(
        "[[agents]]\nid = \"a-1\"\nname = \"Lee Jiwoo\"\nemail = \"j@shop.example\"\nlanguages = [\"ko\", \"en\"]\ntime_zone = \"Asia/Seoul\"\nhours = \"08:30-17:30\"\ndays = [\"Mon\", \"Sat\"]\ncapacity = 7\n\
         [[agents]]\nid = \"a-2\"\nname = \"Tran Mai\"\nemail = \"m@shop.example\"\nlanguages = [\"vi\"]\ntime_zone = \"Asia/Ho_Chi_Minh\"\n",
    )
    .unwrap()
    .agents;
    store.replace_roster(&two, t(9, 0)).await.unwrap();
    assert_eq!(store.roster().await.unwrap().as_deref(), Some(&two[..]));
    store.replace_roster(&two[1..], t(9, 5)).await.unwrap();
    let now = store.roster().await.unwrap().unwrap();
    assert_eq!(now.len(), 1);
    assert_eq!(now[0].id.as_str(), "a-2");
}

/// Racing writers on one agent's day: the capacity holds in the write and
/// a slot is never booked twice, however the writes interleave.
pub async fn racing_bookings_never_exceed_capacity_or_double_a_slot(store: Arc<dyn Store>) {
    let agent = AgentId::parse("a-1").unwrap();
    let booking = |slot: DateTime<Utc>, n: usize| Booking {
        agent: agent.clone(),
        slot,
        attempt: key(&format!("c-{n}/order:o-{n}#1")),
        customer: customer(&format!("c-{n}")),
        round: 0,
    };
    // Twelve writers, twelve free slots, room for five.
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..12 {
        let (store, b) = (
            store.clone(),
            booking(t(9, 0) + chrono::Duration::minutes(15 * n as i64), n),
        );
        tasks.spawn(async move {
            loop {
                match store.book(&b, day("2026-11-20"), 5).await.unwrap() {
                    BookResult::Contended => tokio::task::yield_now().await,
                    other => return other,
                }
            }
        });
    }
    let mut results = Vec::new();
    while let Some(r) = tasks.join_next().await {
        results.push(r.unwrap());
    }
    let booked = results.iter().filter(|r| **r == BookResult::Booked).count();
    assert_eq!(booked, 5, "{results:?}");
    assert!(
        results
            .iter()
            .all(|r| matches!(r, BookResult::Booked | BookResult::DayFull)),
        "{results:?}"
    );
    let loads = store
        .agent_loads(&agent, day("2026-11-20"), day("2026-11-20"))
        .await
        .unwrap();
    assert_eq!(loads.get(&day("2026-11-20")), Some(&5));
    // Eight writers, one slot: one wins.
    let mut tasks = tokio::task::JoinSet::new();
    for n in 100..108 {
        let (store, b) = (store.clone(), booking(t(15, 0), n));
        tasks.spawn(async move {
            loop {
                match store.book(&b, day("2026-11-21"), 32).await.unwrap() {
                    BookResult::Contended => tokio::task::yield_now().await,
                    other => return other,
                }
            }
        });
    }
    let mut won = 0;
    while let Some(r) = tasks.join_next().await {
        if r.unwrap() == BookResult::Booked {
            won += 1;
        }
    }
    assert_eq!(won, 1);
    let slots = store.bookings(&agent, t(0, 0), t(23, 59)).await.unwrap();
    let mut seen = std::collections::BTreeSet::new();
    assert!(
        slots.iter().all(|b| seen.insert(b.slot)),
        "a slot booked twice: {slots:?}"
    );
}

/// Ten customers buy at once and one agent takes three calls a day: the
/// calls fill the days in turn, none over capacity, none at one time,
/// none lost to a race as "unassigned".
pub async fn racing_customers_fill_an_agent_s_days_within_capacity(store: Arc<dyn Store>) {
    let outbox = tempfile::tempdir().unwrap();
    let settings = Settings::from_toml(
        "[[agents]]\nid = \"a-1\"\nname = \"Lee Jiwoo\"\nemail = \"j@shop.example\"\nlanguages = [\"ko\"]\ntime_zone = \"Asia/Seoul\"\ndays = [\"Mon\", \"Tue\", \"Wed\", \"Thu\", \"Fri\", \"Sat\"]\ncapacity = 3\n",
    )
    .unwrap();
    let service = Arc::new(Aftercare::new(
        store.clone(),
        Arc::new(OutboxMailer::new(outbox.path()).unwrap()),
        settings,
        TokenKey::new(b"conformance-key-123").unwrap(),
    ));
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..10 {
        let service = service.clone();
        let delivery = purchase(&format!("c-{i}"), &format!("o-{i}"), &format!("env-{i}"));
        tasks.spawn(async move { service.ingest(&event(&delivery), t(1, 0)).await.unwrap() });
    }
    while let Some(r) = tasks.join_next().await {
        assert_eq!(r.unwrap(), Ingested::Accepted);
    }
    let agent = AgentId::parse("a-1").unwrap();
    let from = t(0, 0);
    let bookings = store
        .bookings(&agent, from, from + chrono::Duration::days(14))
        .await
        .unwrap();
    assert_eq!(bookings.len(), 10, "every call booked: {bookings:?}");
    let mut slots = std::collections::BTreeSet::new();
    assert!(
        bookings.iter().all(|b| slots.insert(b.slot)),
        "two calls at one time"
    );
    let loads = store
        .agent_loads(&agent, day("2026-11-20"), day("2026-12-04"))
        .await
        .unwrap();
    assert!(loads.values().all(|n| *n <= 3), "{loads:?}");
    assert_eq!(loads.values().sum::<u32>(), 10);
}

pub async fn a_day_s_listed_bookings_add_up_and_stay_apart_from_other_days(store: &dyn Store) {
    let a1 = AgentId::parse("a-1").unwrap();
    let a2 = AgentId::parse("a-2").unwrap();
    assert!(store
        .listed(&a1, day("2026-11-20"))
        .await
        .unwrap()
        .is_empty());
    let first = [
        "c-1/order:o-1#1".to_string(),
        "c-2/order:o-2#1+1".to_string(),
    ];
    store
        .mark_listed(&a1, day("2026-11-20"), &first)
        .await
        .unwrap();
    store
        .mark_listed(
            &a1,
            day("2026-11-20"),
            &["c-1/order:o-1#1".to_string(), "c-3/order:o-3#2".to_string()],
        )
        .await
        .unwrap();
    store
        .mark_listed(&a2, day("2026-11-20"), &["c-9/order:o-9#1".to_string()])
        .await
        .unwrap();
    store
        .mark_listed(&a1, day("2026-11-21"), &["c-8/order:o-8#1".to_string()])
        .await
        .unwrap();
    let listed: Vec<String> = store
        .listed(&a1, day("2026-11-20"))
        .await
        .unwrap()
        .into_iter()
        .collect();
    assert_eq!(
        listed,
        ["c-1/order:o-1#1", "c-2/order:o-2#1+1", "c-3/order:o-3#2"]
    );
}

fn purchase(customer: &str, order: &str, envelope_id: &str) -> serde_json::Value {
    let customer = seoul_customer(customer, &format!("{customer}@example.com"));
    envelope(
        "PurchaseCompleted",
        envelope_id,
        serde_json::json!({"order_id": order, "occurred_at": "2026-11-20T01:00:00Z", "customer": customer}),
    )
}

/// Many writers deliver the same event at once (different envelopes), and
/// many customers buy on one day at once: every effect lands exactly once.
pub async fn racing_writers_count_each_event_exactly_once(store: Arc<dyn Store>) {
    let outbox = tempfile::tempdir().unwrap();
    let service = Arc::new(Aftercare::new(
        store.clone(),
        Arc::new(OutboxMailer::new(outbox.path()).unwrap()),
        Settings::default(),
        TokenKey::new(b"conformance-key-123").unwrap(),
    ));
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..8 {
        for (customer, order) in [
            ("c-race".to_string(), "o-race".to_string()),
            (format!("c-{i}"), format!("o-{i}")),
        ] {
            let service = service.clone();
            let delivery = purchase(&customer, &order, &format!("env-{i}-{customer}"));
            tasks.spawn(async move {
                let event = event(&delivery);
                service.ingest(&event, t(1, 0)).await.unwrap()
            });
        }
    }
    let mut accepted = 0;
    while let Some(r) = tasks.join_next().await {
        if r.unwrap() == Ingested::Accepted {
            accepted += 1;
        }
    }
    assert_eq!(
        accepted, 9,
        "one of the 8 copies of the shared event, and the 8 distinct ones"
    );
    let d = store.day(day("2026-11-20")).await.unwrap();
    assert_eq!(d.get(Metric::Purchases), 9);
    assert_eq!(d.get(Metric::PurchaseCustomers), 9);
    assert_eq!(d.get(Metric::CallsScheduled), 9);
}

macro_rules! conformance {
    ($store:ident, $make:expr) => {
        mod $store {
            use super::*;

            #[tokio::test]
            async fn a_committed_history_loads_back_and_a_stale_version_is_a_conflict() {
                super::a_committed_history_loads_back_and_a_stale_version_is_a_conflict(&$make)
                    .await
            }
            #[tokio::test]
            async fn an_order_belongs_to_the_first_customer_who_claims_it() {
                super::an_order_belongs_to_the_first_customer_who_claims_it(&$make).await
            }
            #[tokio::test]
            async fn level_metrics_read_as_running_sums_and_plain_ones_per_day() {
                super::level_metrics_read_as_running_sums_and_plain_ones_per_day(&$make).await
            }
            #[tokio::test]
            async fn levels_carry_across_months_and_years_and_a_range_reads_as_its_days() {
                super::levels_carry_across_months_and_years_and_a_range_reads_as_its_days(&$make)
                    .await
            }
            #[tokio::test]
            async fn boards_list_entries_by_time_and_drop_what_a_commit_removes() {
                super::boards_list_entries_by_time_and_drop_what_a_commit_removes(&$make).await
            }
            #[tokio::test]
            async fn due_work_is_listed_earliest_first_up_to_now() {
                super::due_work_is_listed_earliest_first_up_to_now(&$make).await
            }
            #[tokio::test]
            async fn an_agent_slot_is_booked_once() {
                super::an_agent_slot_is_booked_once(&$make).await
            }
            #[tokio::test]
            async fn queued_mail_stays_until_delivered_and_is_queued_once() {
                super::queued_mail_stays_until_delivered_and_is_queued_once(&$make).await
            }
            #[tokio::test]
            async fn a_postponed_customer_is_due_later_with_its_failures_counted() {
                super::a_postponed_customer_is_due_later_with_its_failures_counted(&$make).await
            }
            #[tokio::test]
            async fn a_recommitted_message_keeps_its_first_copy() {
                super::a_recommitted_message_keeps_its_first_copy(&$make).await
            }
            #[tokio::test]
            async fn deferred_mail_waits_and_parked_mail_is_listed_with_its_reason() {
                super::deferred_mail_waits_and_parked_mail_is_listed_with_its_reason(&$make).await
            }
            #[tokio::test]
            async fn suppression_ignores_case_and_jobs_move_on_once() {
                super::suppression_ignores_case_and_jobs_move_on_once(&$make).await
            }
            #[tokio::test]
            async fn the_suppression_list_is_listed_in_order_keeps_the_first_reason_and_can_be_undone() {
                super::the_suppression_list_is_listed_in_order_keeps_the_first_reason_and_can_be_undone(&$make).await
            }
            #[tokio::test]
            async fn open_escalations_are_listed_oldest_first_and_leave_when_closed() {
                super::open_escalations_are_listed_oldest_first_and_leave_when_closed(&$make).await
            }
            #[tokio::test]
            async fn the_roster_is_absent_until_imported_and_replaced_whole() {
                super::the_roster_is_absent_until_imported_and_replaced_whole(&$make).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn racing_bookings_never_exceed_capacity_or_double_a_slot() {
                super::racing_bookings_never_exceed_capacity_or_double_a_slot(Arc::new($make)).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn racing_customers_fill_an_agent_s_days_within_capacity() {
                super::racing_customers_fill_an_agent_s_days_within_capacity(Arc::new($make)).await
            }
            #[tokio::test]
            async fn a_day_s_listed_bookings_add_up_and_stay_apart_from_other_days() {
                super::a_day_s_listed_bookings_add_up_and_stay_apart_from_other_days(&$make).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn racing_writers_count_each_event_exactly_once() {
                super::racing_writers_count_each_event_exactly_once(Arc::new($make)).await
            }
        }
    };
}

conformance!(sqlite, SqliteStore::in_memory().unwrap());
conformance!(dynamodb, crate::helpers::dynamo_store().await);
