//! Hand-computed scenarios for the derivation: calls, surveys and every KPI
//! family. Times are UTC; Seoul is UTC+9 (no DST), New York UTC−5 in November.

use super::derive::{derive, ActionKind};
use super::event::Event;
use super::history::{Assignment, History, SendOutcome, SurveyDecision};
use super::ids::CustomerId;
use super::kpi::Metric as M;
use super::policy::Policy;
use crate::testing::{envelope, event, seoul_customer, utc};
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{json, Value};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// Customer c-1, with every contact detail.
fn seoul() -> Value {
    seoul_customer("c-1", "minji@example.com")
}

fn ev(kind: &str, detail: Value) -> Event {
    event(&envelope(kind, "ev-1", detail))
}
fn purchase(order: &str, at: &str, customer: Value) -> Event {
    ev(
        "PurchaseCompleted",
        json!({"order_id": order, "occurred_at": at, "customer": customer}),
    )
}
fn closed(ticket: &str, at: &str, opened: &str, resolved: bool, contacts: u32) -> Event {
    ev(
        "TicketClosed",
        json!({"ticket_id": ticket, "occurred_at": at, "opened_at": opened, "resolved": resolved,
               "customer_contacts": contacts, "first_response_at": opened, "customer": seoul()}),
    )
}
fn outcome(at: &str, outcome: &str, satisfaction: Option<&str>) -> Event {
    let mut detail = json!({"customer_id": "c-1", "outcome": outcome, "occurred_at": at});
    if let Some(s) = satisfaction {
        detail["satisfaction"] = json!(s);
    }
    ev("CallOutcomeRecorded", detail)
}
fn answer(survey_for: Value, score: i64, at: &str) -> Event {
    ev(
        "SurveyAnswered",
        json!({"survey_for": survey_for, "score": score, "occurred_at": at}),
    )
}

fn history(events: Vec<Event>) -> History {
    let mut h = History::new(CustomerId::parse("c-1").unwrap());
    for e in events {
        h.insert(e);
    }
    h
}

fn seoul_policy() -> Policy {
    Policy {
        report_time_zone: chrono_tz::Asia::Seoul,
        ..Policy::default()
    }
}

#[test]
fn a_purchase_schedules_a_call_due_72_hours_later_from_the_next_local_morning() {
    let s = seoul_policy();
    // Fri 2026-11-20 22:00 Seoul.
    let h = history(vec![purchase("o-1", "2026-11-20T13:00:00Z", seoul())]);
    let out = derive(&h, &s);
    let call = &out.calls.calls[0];
    assert_eq!(call.deadline, utc("2026-11-23T13:00:00Z"));
    // Next local day is Sat 21st, a contact day: 09:00 Seoul.
    assert_eq!(call.earliest, utc("2026-11-21T00:00:00Z"));
    assert_eq!(out.contributions.get(d("2026-11-20"), M::CallsScheduled), 1);
    // The deadline falls on Mon 23rd 22:00 Seoul.
    assert_eq!(out.contributions.get(d("2026-11-23"), M::CallsDue), 1);
    assert_eq!(out.contributions.get(d("2026-11-23"), M::CallsOnTime), 0);
    // Booking the first attempt is due at once.
    assert!(matches!(
        out.actions[0].kind,
        ActionKind::Book { attempt: 1, .. }
    ));
}

#[test]
fn a_second_reason_before_the_deadline_merges_and_a_low_score_brings_the_deadline_forward() {
    let s = seoul_policy();
    let mut h = history(vec![
        purchase("o-1", "2026-11-20T01:00:00Z", seoul()),
        purchase("o-2", "2026-11-21T01:00:00Z", seoul()),
    ]);
    h.facts.surveys.insert(
        "nps:o-1".parse().unwrap(),
        SurveyDecision {
            at: utc("2026-11-27T01:00:00Z"),
            outcome: SendOutcome::Sent,
        },
    );
    let out = derive(&h, &s);
    assert_eq!(out.calls.calls.len(), 1);
    assert_eq!(out.calls.calls[0].deadline, utc("2026-11-23T01:00:00Z"));
    assert_eq!(out.contributions.get(d("2026-11-21"), M::CallsMerged), 1);

    // A detractor answer a week later, after the first call's deadline (23rd 01:00 UTC).
    h.insert(answer(
        json!({"order_id": "o-1"}),
        3,
        "2026-11-27T03:00:00Z",
    ));
    let out = derive(&h, &s);
    // The first call was past its deadline by then: missed, and a new priority call.
    assert_eq!(out.calls.calls.len(), 2);
    assert!(matches!(
        out.calls.calls[0].state,
        super::calls::CallState::Missed { .. }
    ));
    assert_eq!(out.calls.calls[1].deadline, utc("2026-11-28T03:00:00Z"));
    assert!(out.calls.calls[1].priority());
    // The priority call may be placed at the next contact-hours slot: 12:00 Seoul the same day.
    assert_eq!(out.calls.calls[1].earliest, utc("2026-11-27T03:00:00Z"));
    assert_eq!(out.contributions.get(d("2026-11-27"), M::CallsScheduled), 1);
    assert_eq!(out.contributions.get(d("2026-11-27"), M::NpsDetractors), 1);
    assert!(out.actions.iter().any(|a| a.kind
        == ActionKind::LowScoreAlert("nps:o-1".parse().unwrap())
        && a.at == utc("2026-11-27T03:00:00Z")));
}

#[test]
fn a_low_score_while_a_call_is_open_merges_with_the_earlier_deadline() {
    let s = seoul_policy();
    let mut h = history(vec![
        closed(
            "t-1",
            "2026-11-20T01:00:00Z",
            "2026-11-19T01:00:00Z",
            true,
            1,
        ),
        purchase("o-1", "2026-11-21T01:00:00Z", seoul()),
    ]);
    h.facts.surveys.insert(
        "csat:t-1".parse().unwrap(),
        SurveyDecision {
            at: utc("2026-11-20T03:00:00Z"),
            outcome: SendOutcome::Sent,
        },
    );
    h.insert(answer(
        json!({"ticket_id": "t-1"}),
        1,
        "2026-11-21T05:00:00Z",
    ));
    let out = derive(&h, &s);
    assert_eq!(out.calls.calls.len(), 1);
    // min(ticket 23rd 01:00, answer + 24 h = 22nd 05:00).
    assert_eq!(out.calls.calls[0].deadline, utc("2026-11-22T05:00:00Z"));
    assert_eq!(out.contributions.get(d("2026-11-21"), M::CallsMerged), 2);
    assert_eq!(out.contributions.get(d("2026-11-22"), M::CallsDue), 1);
}

#[test]
fn a_customer_without_a_phone_is_skipped_and_gets_no_call() {
    let s = seoul_policy();
    let h = history(vec![purchase(
        "o-1",
        "2026-11-20T01:00:00Z",
        json!({"id": "c-1", "email": "minji@example.com"}),
    )]);
    let out = derive(&h, &s);
    assert!(out.calls.calls.is_empty());
    assert_eq!(out.contributions.get(d("2026-11-20"), M::CallsSkipped), 1);
    assert_eq!(out.contributions.get(d("2026-11-20"), M::CallsScheduled), 0);
}

#[test]
fn three_unanswered_attempts_close_the_call_and_retries_wait_three_hours() {
    let s = seoul_policy();
    let mut h = history(vec![
        purchase("o-1", "2026-11-20T01:00:00Z", seoul()),
        outcome("2026-11-21T10:50:00Z", "no_answer", None),
    ]);
    let out = derive(&h, &s);
    // Retry: 10:50 UTC + 3 h = 22:50 Seoul, quiet time -> Sun closed -> Mon 23rd 09:00 Seoul.
    let book = out.actions.iter().find_map(|a| match a.kind {
        ActionKind::Book {
            attempt, earliest, ..
        } => Some((attempt, earliest)),
        _ => None,
    });
    assert_eq!(book, Some((2, utc("2026-11-23T00:00:00Z"))));
    h.insert(outcome("2026-11-23T00:05:00Z", "busy", None));
    h.insert(outcome("2026-11-23T03:10:00Z", "no_answer", None));
    let out = derive(&h, &s);
    assert!(matches!(
        out.calls.calls[0].state,
        super::calls::CallState::Unreached { .. }
    ));
    assert_eq!(out.contributions.get(d("2026-11-23"), M::CallAttempts), 2);
    assert_eq!(out.contributions.get(d("2026-11-21"), M::CallAttempts), 1);
    assert_eq!(out.contributions.get(d("2026-11-23"), M::CallsDue), 1);
    // An outcome after the call closed has no open call.
    h.insert(outcome(
        "2026-11-23T05:00:00Z",
        "reached",
        Some("satisfied"),
    ));
    assert_eq!(derive(&h, &s).calls.orphan_outcomes.len(), 1);
}

#[test]
fn reaching_an_unsatisfied_customer_opens_an_escalation_until_resolved() {
    let s = seoul_policy();
    let mut h = history(vec![
        purchase("o-1", "2026-11-20T01:00:00Z", seoul()),
        outcome("2026-11-21T02:00:00Z", "reached", Some("unsatisfied")),
    ]);
    let out = derive(&h, &s);
    let c = &out.contributions;
    assert_eq!(c.get(d("2026-11-21"), M::CallsReached), 1);
    assert_eq!(c.get(d("2026-11-21"), M::CallsUnsatisfied), 1);
    assert_eq!(c.get(d("2026-11-21"), M::EscalationsOpened), 1);
    assert_eq!(c.get(d("2026-11-21"), M::EscalationsOpenDelta), 1);
    // Deadline 23rd 01:00 UTC = 10:00 Seoul on the 23rd; reached before it.
    assert_eq!(c.get(d("2026-11-23"), M::CallsOnTime), 1);
    assert!(out
        .actions
        .iter()
        .any(|a| matches!(&a.kind, ActionKind::EscalationAlert(_))));
    let id = out.calls.calls[0].id.clone();
    h.facts.escalations_resolved.insert(
        id,
        super::history::Resolution {
            at: utc("2026-11-24T02:00:00Z"),
            by: "manager".into(),
            note: None,
        },
    );
    assert_eq!(
        derive(&h, &s)
            .contributions
            .get(d("2026-11-24"), M::EscalationsOpenDelta),
        -1
    );
}

#[test]
fn a_survey_due_in_quiet_time_moves_to_the_next_contact_hours_start() {
    let s = seoul_policy();
    // Closed Sat 21st 19:30 Seoul; +2 h = 21:30 Seoul: quiet; Sunday closed; Mon 09:00 Seoul.
    let h = history(vec![closed(
        "t-1",
        "2026-11-21T10:30:00Z",
        "2026-11-21T01:00:00Z",
        true,
        1,
    )]);
    let out = derive(&h, &s);
    assert_eq!(out.surveys[0].due_at, utc("2026-11-23T00:00:00Z"));
    assert_eq!(
        out.actions
            .iter()
            .find(|a| a.kind == ActionKind::SendSurvey("csat:t-1".parse().unwrap()))
            .map(|a| a.at),
        Some(utc("2026-11-23T00:00:00Z"))
    );
}

#[test]
fn survey_counts_follow_the_send_day_and_answers_the_first_answer_day() {
    let s = seoul_policy();
    let mut h = history(vec![closed(
        "t-1",
        "2026-11-20T01:00:00Z",
        "2026-11-19T23:00:00Z",
        true,
        1,
    )]);
    h.facts.surveys.insert(
        "csat:t-1".parse().unwrap(),
        SurveyDecision {
            at: utc("2026-11-20T03:00:00Z"),
            outcome: SendOutcome::Sent,
        },
    );
    h.insert(answer(
        json!({"ticket_id": "t-1"}),
        2,
        "2026-11-21T16:00:00Z",
    ));
    h.insert(answer(
        json!({"ticket_id": "t-1"}),
        5,
        "2026-11-22T16:00:00Z",
    ));
    let c = derive(&h, &s).contributions;
    assert_eq!(c.get(d("2026-11-20"), M::CsatSent), 1);
    assert_eq!(c.get(d("2026-11-20"), M::CsatAnsweredOfSent), 1);
    // First answer 22nd 01:00 Seoul; current score 5 (the update).
    assert_eq!(c.get(d("2026-11-22"), M::CsatResponses), 1);
    assert_eq!(c.get(d("2026-11-22"), M::CsatSatisfied), 1);
    assert_eq!(c.get(d("2026-11-22"), M::CsatScoreSum), 5);
    // The first answer was low: one priority-call reason on its day.
    assert_eq!(
        c.get(d("2026-11-22"), M::CallsMerged) + c.get(d("2026-11-22"), M::CallsScheduled),
        1
    );
}

#[test]
fn ticket_kpis_use_the_first_close_and_backlog_deltas_span_open_to_close() {
    let s = seoul_policy();
    let h = history(vec![
        ev(
            "TicketOpened",
            json!({"ticket_id": "t-1", "occurred_at": "2026-11-18T01:00:00Z", "customer": seoul()}),
        ),
        closed(
            "t-1",
            "2026-11-20T01:00:00Z",
            "2026-11-18T01:00:00Z",
            true,
            2,
        ),
        closed(
            "t-1",
            "2026-11-21T01:00:00Z",
            "2026-11-18T01:00:00Z",
            true,
            1,
        ),
        closed(
            "t-2",
            "2026-11-20T02:30:00Z",
            "2026-11-20T01:00:00Z",
            false,
            1,
        ),
    ]);
    let c = derive(&h, &s).contributions;
    assert_eq!(c.get(d("2026-11-18"), M::TicketsOpened), 1);
    assert_eq!(
        c.get(d("2026-11-20"), M::TicketsOpened),
        1,
        "t-2 was never seen opening: its opened_at counts"
    );
    assert_eq!(c.get(d("2026-11-20"), M::TicketsClosed), 2);
    assert_eq!(c.get(d("2026-11-20"), M::TicketsResolved), 1);
    assert_eq!(
        c.get(d("2026-11-20"), M::ResolvedFirstContact),
        0,
        "t-1 took 2 contacts"
    );
    assert_eq!(
        c.get(d("2026-11-20"), M::ResolutionMicros),
        (48 * 3600 + 90 * 60) * 1_000_000
    );
    assert_eq!(c.get(d("2026-11-21"), M::TicketsReopened), 1);
    assert_eq!(c.get(d("2026-11-18"), M::BacklogDelta), 1);
    assert_eq!(
        c.get(d("2026-11-20"), M::BacklogDelta),
        -1,
        "t-1 leaves, t-2 opens and closes the same day"
    );
    // One CSAT for t-1, not two.
    assert_eq!(derive(&h, &s).surveys.len(), 2);
}

#[test]
fn a_second_order_the_same_day_makes_a_repeat_customer() {
    let s = seoul_policy();
    let c = derive(
        &history(vec![
            purchase("o-1", "2026-11-20T01:00:00Z", seoul()),
            purchase("o-2", "2026-11-20T05:00:00Z", seoul()),
            purchase("o-3", "2026-11-22T05:00:00Z", seoul()),
        ]),
        &s,
    )
    .contributions;
    assert_eq!(c.get(d("2026-11-20"), M::Purchases), 2);
    assert_eq!(c.get(d("2026-11-20"), M::PurchaseCustomers), 1);
    assert_eq!(c.get(d("2026-11-20"), M::RepeatCustomers), 1);
    assert_eq!(c.get(d("2026-11-22"), M::RepeatCustomers), 1);
    let single = derive(
        &history(vec![purchase("o-1", "2026-11-20T01:00:00Z", seoul())]),
        &s,
    )
    .contributions;
    assert_eq!(single.get(d("2026-11-20"), M::RepeatCustomers), 0);
}

#[test]
fn an_at_risk_booking_counts_on_the_reasons_day() {
    let s = seoul_policy();
    let mut h = history(vec![purchase("o-1", "2026-11-20T01:00:00Z", seoul())]);
    let call = derive(&h, &s).calls.calls[0].attempt_key(1);
    h.facts.assignments.insert(
        call,
        Assignment {
            agent: None,
            slot: utc("2026-11-21T00:00:00Z"),
            at_risk: true,
            round: 0,
            judged_for: None,
        },
    );
    let out = derive(&h, &s);
    assert_eq!(out.contributions.get(d("2026-11-20"), M::CallsAtRisk), 1);
    // Booked: the only booking left to do is the re-booking, should the
    // slot pass with no outcome, two hours after it.
    let books: Vec<_> = out
        .actions
        .iter()
        .filter_map(|a| match a.kind {
            ActionKind::Book { round, .. } => Some((a.at, round)),
            _ => None,
        })
        .collect();
    assert_eq!(books, [(utc("2026-11-21T02:00:00Z"), 1)]);
}

#[test]
fn of_two_surveys_due_at_once_the_earlier_purchase_is_sent_and_the_other_throttled() {
    let s = seoul_policy();
    // Purchases Sat 7th 00:42 and 05:18 Seoul; + 7 days is Sat 14th before
    // 09:00, so both surveys move to Sat 14th 09:00 Seoul.
    let h = history(vec![
        purchase("o-b", "2026-11-06T15:42:00Z", seoul()),
        purchase("o-a", "2026-11-06T20:18:00Z", seoul()),
    ]);
    let out = derive(&h, &s);
    let due: Vec<(String, DateTime<Utc>)> = out
        .surveys
        .iter()
        .map(|p| (p.key.to_string(), p.due_at))
        .collect();
    assert_eq!(
        due,
        vec![
            ("nps:o-b".to_string(), utc("2026-11-14T00:00:00Z")),
            ("nps:o-a".to_string(), utc("2026-11-14T00:00:00Z"))
        ]
    );
    assert_eq!(
        out.actions
            .iter()
            .find(|a| matches!(a.kind, ActionKind::SendSurvey(_)))
            .map(|a| &a.kind),
        Some(&ActionKind::SendSurvey("nps:o-b".parse().unwrap()))
    );
}

#[test]
fn durations_keep_their_fractions_of_a_second() {
    let s = seoul_policy();
    let h = history(vec![closed(
        "t-1",
        "2026-10-20T11:00:00Z",
        "2026-10-20T10:00:00.500Z",
        true,
        1,
    )]);
    // The helper sets first_response_at = opened_at: resolution 3599.5 s.
    assert_eq!(
        derive(&h, &s)
            .contributions
            .get(d("2026-10-20"), M::ResolutionMicros),
        3_599_500_000
    );
}

#[test]
fn the_order_events_arrive_in_changes_nothing() {
    let s = seoul_policy();
    let events = vec![
        purchase("o-1", "2026-11-20T01:00:00Z", seoul()),
        closed(
            "t-1",
            "2026-11-20T04:00:00Z",
            "2026-11-19T04:00:00Z",
            true,
            1,
        ),
        outcome("2026-11-21T02:00:00Z", "no_answer", None),
        purchase("o-2", "2026-11-24T01:00:00Z", seoul()),
        outcome("2026-11-25T02:00:00Z", "reached", Some("satisfied")),
    ];
    let forward = derive(&history(events.clone()), &s);
    let mut reversed = events;
    reversed.reverse();
    let mut doubled = reversed.clone();
    doubled.extend(reversed.clone());
    let backward = derive(&history(doubled), &s);
    assert_eq!(forward.contributions, backward.contributions);
    assert_eq!(forward.calls, backward.calls);
}

#[test]
fn an_answer_edited_two_hundred_times_keeps_three_and_derives_the_same() {
    // A CSAT sent at 12:00, answered 5 at 13:00, then edited every minute:
    // low (2) at the 50th edit, 4 at the last.
    let mut answers = Vec::new();
    for i in 0..200i64 {
        let score = match i {
            49 => 2,
            199 => 4,
            _ if i % 2 == 0 => 5,
            _ => 3,
        };
        let at = utc("2026-11-20T13:00:00Z") + chrono::Duration::minutes(i);
        answers.push(answer(json!({"ticket_id": "t-1"}), score, &at.to_rfc3339()));
    }
    let base = vec![closed(
        "t-1",
        "2026-11-20T10:00:00Z",
        "2026-11-20T09:00:00Z",
        true,
        1,
    )];
    let mut full = history(base.clone());
    let mut kept = history(base);
    for h in [&mut full, &mut kept] {
        h.facts.surveys.insert(
            "csat:t-1".parse().unwrap(),
            SurveyDecision {
                at: utc("2026-11-20T12:00:00Z"),
                outcome: SendOutcome::Sent,
            },
        );
    }
    // Every answer as it was, and as History::insert keeps them.
    full.events.extend(answers.iter().cloned());
    full.events.sort_by_key(|e| e.occurred_at());
    for a in &answers {
        assert!(kept.insert(a.clone()));
    }
    let answered = |h: &History| {
        h.events
            .iter()
            .filter(|e| matches!(e, Event::SurveyAnswered(_)))
            .count()
    };
    assert_eq!(answered(&kept), 3, "first, first low, latest");
    assert_eq!(answered(&full), 200);
    let p = seoul_policy();
    let (a, b) = (derive(&full, &p), derive(&kept, &p));
    assert_eq!(a.answers, b.answers, "the same answers are read");
    assert_eq!(a.contributions, b.contributions, "the same KPIs");
    assert_eq!(
        a.calls.calls.len(),
        b.calls.calls.len(),
        "the same priority call"
    );
    // A dropped answer delivered again is still a duplicate.
    assert!(kept.contains(&answers[100].natural_key()));
    assert!(!kept.insert(answers[100].clone()));
}

/// A ticket t-1 whose CSAT survey was sent, answered `score` at `at`.
fn answered_ticket(score: i64, at: &str) -> History {
    let mut h = history(vec![closed(
        "t-1",
        "2026-11-20T01:00:00Z",
        "2026-11-19T23:00:00Z",
        true,
        1,
    )]);
    h.facts.surveys.insert(
        "csat:t-1".parse().unwrap(),
        SurveyDecision {
            at: utc("2026-11-20T03:00:00Z"),
            outcome: SendOutcome::Sent,
        },
    );
    h.insert(answer(json!({"ticket_id": "t-1"}), score, at));
    h
}

#[test]
fn a_low_score_reached_within_the_priority_deadline_and_satisfied_is_recovered_on_its_answer_day() {
    let s = seoul_policy();
    // Low answer Sat 21st 10:00 Seoul; reached satisfied 23 hours later.
    let mut h = answered_ticket(1, "2026-11-21T01:00:00Z");
    h.insert(outcome(
        "2026-11-22T00:00:00Z",
        "reached",
        Some("satisfied"),
    ));
    let c = derive(&h, &s).contributions;
    let day = d("2026-11-21");
    assert_eq!(c.get(day, M::LowScores), 1);
    assert_eq!(c.get(day, M::ReachedInTime), 1);
    assert_eq!(c.get(day, M::Recovered), 1);
    assert_eq!(
        c.get(d("2026-11-22"), M::LowScores),
        0,
        "by the answer's day"
    );
}

#[test]
fn a_low_score_reached_late_or_unsatisfied_is_not_recovered() {
    let s = seoul_policy();
    // Reached 24 hours and one second after the answer: not in time.
    let mut late = answered_ticket(2, "2026-11-21T01:00:00Z");
    late.insert(outcome(
        "2026-11-22T01:00:01Z",
        "reached",
        Some("satisfied"),
    ));
    let c = derive(&late, &s).contributions;
    assert_eq!(c.get(d("2026-11-21"), M::LowScores), 1);
    assert_eq!(c.get(d("2026-11-21"), M::ReachedInTime), 0);
    assert_eq!(c.get(d("2026-11-21"), M::Recovered), 0);
    // Reached in time but unsatisfied: reached, not recovered; exactly at
    // the deadline counts as in time.
    let mut unhappy = answered_ticket(1, "2026-11-21T01:00:00Z");
    unhappy.insert(outcome(
        "2026-11-22T01:00:00Z",
        "reached",
        Some("unsatisfied"),
    ));
    let c = derive(&unhappy, &s).contributions;
    assert_eq!(c.get(d("2026-11-21"), M::ReachedInTime), 1);
    assert_eq!(c.get(d("2026-11-21"), M::Recovered), 0);
    // A good score is no low score at all.
    let happy = answered_ticket(5, "2026-11-21T01:00:00Z");
    assert_eq!(
        derive(&happy, &s)
            .contributions
            .get(d("2026-11-21"), M::LowScores),
        0
    );
}

#[test]
fn customers_start_a_spell_on_their_first_order_churn_after_churn_days_and_come_back() {
    let s = Policy {
        churn_days: 10,
        ..seoul_policy()
    };
    // Orders on Seoul days 1st, 11th (10 days on: still active), then 22nd
    // (11 days after the 11th: churned on the 21st, won back on the 22nd).
    let h = history(vec![
        purchase("o-1", "2026-11-01T03:00:00Z", seoul()),
        purchase("o-2", "2026-11-11T03:00:00Z", seoul()),
        purchase("o-3", "2026-11-22T03:00:00Z", seoul()),
    ]);
    let c = derive(&h, &s).contributions;
    assert_eq!(c.get(d("2026-11-01"), M::NewCustomers), 1);
    assert_eq!(c.get(d("2026-11-11"), M::WonBack), 0);
    assert_eq!(c.get(d("2026-11-11"), M::Churned), 0);
    assert_eq!(c.get(d("2026-11-21"), M::Churned), 1);
    assert_eq!(c.get(d("2026-11-22"), M::WonBack), 1);
    // The last spell ends 10 days after the last order.
    assert_eq!(c.get(d("2026-12-02"), M::Churned), 1);
    // Active as a level: +1, −1, +1, −1.
    let level: Vec<(NaiveDate, i64)> = c
        .iter()
        .filter(|(_, counter, _)| **counter == super::kpi::Counter::Total(M::ActiveDelta))
        .map(|(day, _, v)| (day, v))
        .collect();
    assert_eq!(
        level,
        vec![
            (d("2026-11-01"), 1),
            (d("2026-11-21"), -1),
            (d("2026-11-22"), 1),
            (d("2026-12-02"), -1)
        ]
    );
}

#[test]
fn an_order_arriving_late_moves_the_churn_day_and_only_the_difference_applies() {
    let s = Policy {
        churn_days: 10,
        ..seoul_policy()
    };
    let first = history(vec![purchase("o-1", "2026-11-01T03:00:00Z", seoul())]);
    let before = derive(&first, &s).contributions;
    let both = history(vec![
        purchase("o-1", "2026-11-01T03:00:00Z", seoul()),
        purchase("o-2", "2026-11-05T03:00:00Z", seoul()),
    ]);
    let delta = derive(&both, &s).contributions.minus(&before);
    assert_eq!(delta.get(d("2026-11-11"), M::Churned), -1);
    assert_eq!(delta.get(d("2026-11-15"), M::Churned), 1);
    assert_eq!(delta.get(d("2026-11-05"), M::NewCustomers), 0);
}
