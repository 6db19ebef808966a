//! Calls agents work from and escalations managers close (SPEC 4, 6, 7),
//! through the use cases every entry point calls: the outcome recorded
//! from a sheet's token moves attempts, retries and KPIs exactly once;
//! the escalation it opens is listed, alerted with a signed link, and
//! leaves `escalations_open` from the end of the day it is resolved.

use crate::helpers::service_over;
use aftercare_shared::adapters::sqlite::SqliteStore;
use aftercare_shared::config::Settings;
use aftercare_shared::domain::case::CaseStep;
use aftercare_shared::domain::event::{Outcome, Satisfaction};
use aftercare_shared::ports::Store;
use aftercare_shared::services::{
    Aftercare, AttemptStatus, Budget, CallStatus, EscalationRef, OutcomeForm, Rejection,
    ResolveForm, ScheduledCall, ServiceError,
};
use aftercare_shared::testing::{envelope, event, utc};
use chrono::{DateTime, NaiveDate, Utc};
use mail_parser::MessageParser;
use serde_json::json;
use std::path::Path;
use std::sync::Arc;

struct Shop {
    service: Arc<Aftercare>,
    outbox: tempfile::TempDir,
}

fn shop(store: Arc<dyn Store>) -> Shop {
    let outbox = tempfile::tempdir().unwrap();
    let service = Arc::new(service_over(store, outbox.path(), Settings::default()));
    Shop { service, outbox }
}

/// Kim Minji in Seoul buys on Monday 2026-11-16 at 10:00 local: her
/// next-day revisit is Tuesday 09:00 Seoul (00:00 UTC), the first slot
/// of the default agent (Seoul, Mon–Fri 09–18, speaks ko).
async fn purchase(shop: &Shop, customer: &str, order: &str) {
    let e = envelope(
        "PurchaseCompleted",
        &format!("ev-{order}"),
        json!({"order_id": order, "occurred_at": "2026-11-16T01:00:00Z",
               "customer": {"id": customer, "name": "Kim Minji", "email": format!("{customer}@example.com"),
                            "phone": "+821012345678", "locale": "ko", "time_zone": "Asia/Seoul"}}),
    );
    shop.service
        .ingest(&event(&e), utc("2026-11-16T01:00:00Z"))
        .await
        .unwrap();
}

async fn sheet(shop: &Shop, day: &str) -> Vec<ScheduledCall> {
    let agent = &shop.service.settings().agents[0];
    let day: NaiveDate = day.parse().unwrap();
    shop.service.agent_calls(agent, day).await.unwrap()
}

async fn kpi(shop: &Shop, day: &str, field: &str) -> serde_json::Value {
    let report = shop.service.report(day.parse().unwrap()).await.unwrap();
    serde_json::to_value(&report).unwrap()["callbacks"][field].clone()
}

fn form(outcome: Outcome, satisfaction: Option<Satisfaction>) -> OutcomeForm<'static> {
    OutcomeForm {
        outcome,
        satisfaction,
        notes: Some("Customer says the box arrived crushed."),
    }
}

/// The text part of the one email in `dir` whose file name has `part`.
fn email_text(dir: &Path, part: &str) -> String {
    let path = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.to_string_lossy().contains(part))
        .unwrap_or_else(|| panic!("no email {part} in the outbox"));
    let raw = std::fs::read(path).unwrap();
    let parsed = MessageParser::default().parse(&raw).unwrap();
    parsed.body_text(0).unwrap().into_owned()
}

fn token_after(text: &str, prefix: &str) -> String {
    let start = text
        .find(prefix)
        .unwrap_or_else(|| panic!("no {prefix} link"))
        + prefix.len();
    text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || "-_.".contains(*c))
        .collect()
}

fn rejected(r: Result<impl std::fmt::Debug, ServiceError>) -> Rejection {
    match r {
        Err(ServiceError::Rejected(why)) => why,
        other => panic!("expected a rejection, got {other:?}"),
    }
}

fn at(s: &str) -> DateTime<Utc> {
    utc(s)
}

#[tokio::test]
async fn an_outcome_from_the_sheet_counts_once_books_the_retry_and_an_escalation_is_resolved() {
    // A store that can lose the answer of one commit that landed.
    let lose_answer = Arc::new(LoseOneCommitAnswer::default());
    let store = crate::hooked_store::Hooked::new(
        Arc::new(SqliteStore::in_memory().unwrap()),
        lose_answer.clone(),
    );
    let shop = shop(Arc::new(store));
    purchase(&shop, "c-1", "ORD-114").await;

    // Tuesday's sheet has the call, with the reason in the agent's words.
    let calls = sheet(&shop, "2026-11-17").await;
    assert_eq!(calls.len(), 1);
    let first = &calls[0];
    assert_eq!(first.slot, at("2026-11-17T00:00:00Z"));
    assert_eq!(first.name.as_deref(), Some("Kim Minji"));
    assert!(!first.at_risk);

    // No answer: one attempt, and the retry at least three hours later.
    let t1 = at("2026-11-17T00:05:00Z");
    let service = &shop.service;
    let no_answer = form(Outcome::NoAnswer, None);
    service
        .record_outcome(&first.outcome_token, no_answer, t1)
        .await
        .unwrap();
    let again = service
        .record_outcome(&first.outcome_token, no_answer, at("2026-11-17T00:06:00Z"))
        .await;
    assert_eq!(rejected(again), Rejection::AttemptRecorded);
    assert_eq!(kpi(&shop, "2026-11-17", "attempts").await, 1);
    let page = service
        .outcome_page(&first.outcome_token, t1)
        .await
        .unwrap();
    let AttemptStatus::Recorded {
        outcome: Outcome::NoAnswer,
        call: CallStatus::Retry { slot: Some(retry) },
        ..
    } = page.status
    else {
        panic!(
            "attempt 1 should read as recorded with a retry: {:?}",
            page.status
        );
    };
    assert!(retry >= at("2026-11-17T03:05:00Z"), "{retry}");

    // The retry is on the same day's sheet; reached + unsatisfied on it.
    let calls = sheet(&shop, "2026-11-17").await;
    assert_eq!(calls.len(), 1);
    let second = &calls[0];
    assert_eq!((second.attempt.n, second.slot), (2, retry));
    let reached_without = service
        .record_outcome(&second.outcome_token, form(Outcome::Reached, None), retry)
        .await;
    assert!(
        matches!(rejected(reached_without), Rejection::Invalid(f) if f.starts_with("satisfaction"))
    );
    let reached = form(Outcome::Reached, Some(Satisfaction::Unsatisfied));
    service
        .record_outcome(&second.outcome_token, reached, retry)
        .await
        .unwrap();
    for (field, n) in [
        ("attempts", 2),
        ("reached", 1),
        ("unsatisfied", 1),
        ("escalations_opened", 1),
        ("escalations_open", 1),
    ] {
        assert_eq!(kpi(&shop, "2026-11-17", field).await, n, "{field}");
    }
    assert!(
        sheet(&shop, "2026-11-17").await.is_empty(),
        "a closed call leaves the sheet"
    );

    // The escalation is listed and alerted with its signed page.
    let open = service.open_escalations(10).await.unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].call.to_string(), "c-1/order:ORD-114");
    assert_eq!(open[0].name.as_deref(), Some("Kim Minji"));
    let alert = email_text(shop.outbox.path(), "alert-esc");
    let token = token_after(&alert, "/e/");
    let page = service
        .escalation_page(EscalationRef::Token(&token), retry)
        .await
        .unwrap();
    assert_eq!(
        page.notes.as_deref(),
        Some("Customer says the box arrived crushed.")
    );
    assert_eq!(page.agent.as_deref(), Some("Lee Jiwoo"));
    let steps: Vec<&CaseStep> = page.history.iter().map(|(_, s)| s).collect();
    assert!(matches!(steps[0], CaseStep::Purchase { .. }), "{steps:?}");
    let attempts = steps
        .iter()
        .filter(|s| matches!(s, CaseStep::CallAttempt { .. }))
        .count();
    assert_eq!(attempts, 2);

    // A manager takes it (a name is needed), another takes it over; the
    // page, the list and the morning email say whose it is.
    let case = EscalationRef::Token(&token);
    let refused = service.take_escalation(case, " ", retry).await;
    assert!(matches!(rejected(refused), Rejection::Invalid(f) if f.starts_with("by")));
    let early = service
        .take_escalation(case, "Lee Jiwoo", retry - chrono::Duration::minutes(5))
        .await;
    assert!(matches!(rejected(early), Rejection::Invalid(f) if f.starts_with("at:")));
    let first_take = retry + chrono::Duration::minutes(10);
    service
        .take_escalation(case, "Lee Jiwoo", first_take)
        .await
        .unwrap();
    service
        .take_escalation(case, "Lee Jiwoo", first_take + chrono::Duration::hours(1))
        .await
        .unwrap();
    let taken = service.escalation_page(case, retry).await.unwrap().taken;
    assert_eq!(
        taken.map(|t| (t.by, t.at)),
        Some(("Lee Jiwoo".to_string(), first_take)),
        "taking it again keeps when it was taken"
    );
    service
        .take_escalation(
            case,
            "Park Seoyeon",
            first_take + chrono::Duration::hours(2),
        )
        .await
        .unwrap();
    let open = service.open_escalations(10).await.unwrap();
    assert_eq!(open[0].owner.as_deref(), Some("Park Seoyeon"));

    // The morning email lists it, with the link to resolve it.
    service
        .morning_report(at("2026-11-17T08:00:00Z"))
        .await
        .unwrap();
    let morning = email_text(shop.outbox.path(), "report-2026-11-16");
    // It opened this morning: listed apart from yesterday's, whose card
    // and list say 0.
    for expected in [
        "New escalations since midnight: 1",
        "Kim Minji",
        "taken by Park Seoyeon",
        "/e/",
    ] {
        assert!(
            morning.contains(expected),
            "{expected:?} not in:\n{morning}"
        );
    }

    // Resolved on Wednesday: open through Tuesday, closed from Wednesday.
    let resolved_at = at("2026-11-18T05:00:00Z");
    let nobody = ResolveForm {
        by: "  ",
        note: None,
    };
    let refused = service
        .resolve_escalation(EscalationRef::Token(&token), nobody, resolved_at)
        .await;
    assert!(matches!(rejected(refused), Rejection::Invalid(f) if f.starts_with("by")));
    // Never resolved before the call that opened it.
    let early = ResolveForm {
        by: "Park Seoyeon",
        note: None,
    };
    let refused = service
        .resolve_escalation(
            EscalationRef::Token(&token),
            early,
            retry - chrono::Duration::minutes(1),
        )
        .await;
    assert!(
        matches!(rejected(refused), Rejection::Invalid(f) if f.starts_with("at:") && f.contains("before the call"))
    );
    let manager = ResolveForm {
        by: "Park Seoyeon",
        note: Some("Sent a replacement."),
    };
    // The resolution lands but its answer is lost: the service tries again
    // and finds it, the manager's own, so it is their success.
    lose_answer.arm();
    service
        .resolve_escalation(EscalationRef::Token(&token), manager, resolved_at)
        .await
        .unwrap();
    assert!(!lose_answer.armed(), "a commit's answer was lost");
    assert_eq!(kpi(&shop, "2026-11-17", "escalations_open").await, 1);
    assert_eq!(kpi(&shop, "2026-11-18", "escalations_open").await, 0);
    assert_eq!(kpi(&shop, "2026-11-18", "escalations_opened").await, 0);
    assert!(service.open_escalations(10).await.unwrap().is_empty());
    let twice = service
        .resolve_escalation(EscalationRef::Token(&token), manager, resolved_at)
        .await;
    assert_eq!(rejected(twice), Rejection::AlreadyResolved);
    let late_take = service
        .take_escalation(EscalationRef::Token(&token), "Lee Jiwoo", resolved_at)
        .await;
    assert_eq!(rejected(late_take), Rejection::AlreadyResolved);
    let page = service
        .escalation_page(EscalationRef::Token(&token), resolved_at)
        .await
        .unwrap();
    assert_eq!(page.resolved.map(|r| r.by).as_deref(), Some("Park Seoyeon"));

    // Wednesday's email reports Tuesday: one open at its end, as the card
    // says, and resolved since midnight, so nothing is left to list.
    service
        .morning_report(at("2026-11-18T08:00:00Z"))
        .await
        .unwrap();
    let morning = email_text(shop.outbox.path(), "report-2026-11-17").replace("\r\n", "\n");
    for expected in [
        "Escalations open: 1\n",
        "Open escalations: 1\n",
        "1 resolved since midnight",
    ] {
        assert!(
            morning.contains(expected),
            "{expected:?} not in:\n{morning}"
        );
    }
    assert!(
        !morning.contains("/e/"),
        "nothing left to resolve:\n{morning}"
    );
}

#[tokio::test]
async fn a_closed_call_and_a_forged_or_foreign_token_record_nothing() {
    let shop = shop(Arc::new(SqliteStore::in_memory().unwrap()));
    purchase(&shop, "c-2", "ORD-7").await;
    let call = sheet(&shop, "2026-11-17").await.remove(0);
    let service = &shop.service;
    let t = at("2026-11-17T00:10:00Z");
    service
        .record_outcome(&call.outcome_token, form(Outcome::WrongNumber, None), t)
        .await
        .unwrap();
    let page = service.outcome_page(&call.outcome_token, t).await.unwrap();
    assert!(matches!(
        page.status,
        AttemptStatus::Recorded {
            call: CallStatus::Unreached,
            ..
        }
    ));
    // A forged token, and a survey-purpose token on the call page.
    let mut forged = call.outcome_token.clone();
    forged.replace_range(..1, if forged.starts_with('A') { "B" } else { "A" });
    assert!(matches!(
        rejected(
            service
                .record_outcome(&forged, form(Outcome::Busy, None), t)
                .await
        ),
        Rejection::Link(_)
    ));
    let not_escalated = service
        .escalation_page(EscalationRef::Call(&call.attempt.call), t)
        .await;
    assert_eq!(rejected(not_escalated), Rejection::NoSuchEscalation);
    assert_eq!(kpi(&shop, "2026-11-17", "attempts").await, 1);
}

/// Eight agents' phones submit the same attempt at once (a double tap, a
/// retried request): one attempt is counted, on either store.
pub async fn racing_submits_of_one_attempt_count_once(store: Arc<dyn Store>) {
    let shop = shop(store);
    purchase(&shop, "c-race", "ORD-RACE").await;
    let call = sheet(&shop, "2026-11-17").await.remove(0);
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..8 {
        let service = shop.service.clone();
        let token = call.outcome_token.clone();
        tasks.spawn(async move {
            let t = at("2026-11-17T00:05:00Z") + chrono::Duration::seconds(i);
            service
                .record_outcome(&token, form(Outcome::Busy, None), t)
                .await
        });
    }
    let mut recorded = 0;
    while let Some(r) = tasks.join_next().await {
        match r.unwrap() {
            Ok(_) => recorded += 1,
            Err(ServiceError::Rejected(Rejection::AttemptRecorded)) => {}
            Err(e) => panic!("unexpected: {e}"),
        }
    }
    assert_eq!(recorded, 1);
    assert_eq!(kpi(&shop, "2026-11-17", "attempts").await, 1);
    // The due work after it still runs (the retry is booked once).
    shop.service
        .run_due(at("2026-11-17T00:10:00Z"), Budget::unlimited())
        .await
        .unwrap();
    let retry = sheet(&shop, "2026-11-17").await;
    assert_eq!(retry.len(), 1);
    assert_eq!(retry[0].attempt.n, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_submits_of_one_attempt_count_once_on_sqlite() {
    racing_submits_of_one_attempt_count_once(Arc::new(SqliteStore::in_memory().unwrap())).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_submits_of_one_attempt_count_once_on_dynamodb() {
    racing_submits_of_one_attempt_count_once(Arc::new(crate::helpers::dynamo_store().await)).await
}

/// Three escalations resolved 10, 20 and 60 hours after the calls that
/// opened them: the next morning's email says the median, 20 h, of 3.
async fn a_weeks_time_to_resolve_reaches_the_morning_email(store: Arc<dyn Store>) {
    let shop = shop(store);
    for customer in ["c-a", "c-b", "c-c"] {
        purchase(&shop, customer, &format!("ORD-{customer}")).await;
    }
    let calls = sheet(&shop, "2026-11-17").await;
    assert_eq!(calls.len(), 3);
    let unhappy = form(Outcome::Reached, Some(Satisfaction::Unsatisfied));
    let service = &shop.service;
    for (call, hours) in calls.iter().zip([10, 20, 60]) {
        service
            .record_outcome(&call.outcome_token, unhappy, call.slot)
            .await
            .unwrap();
        let id = call.attempt.call.clone();
        let manager = ResolveForm {
            by: "Park Seoyeon",
            note: None,
        };
        service
            .resolve_escalation(
                EscalationRef::Call(&id),
                manager,
                call.slot + chrono::Duration::hours(hours),
            )
            .await
            .unwrap();
    }
    service
        .morning_report(at("2026-11-20T08:00:00Z"))
        .await
        .unwrap();
    let morning = email_text(shop.outbox.path(), "report-2026-11-19").replace("\r\n", "\n");
    assert!(
        morning.contains(
            "\nEscalations open: 0 (median time to resolve 20 h, 3 resolved in 7 days)\n"
        ),
        "{morning}"
    );
    // A week later the resolutions have left the window.
    let later = service
        .time_to_resolve("2026-11-30".parse().unwrap(), at("2026-12-01T00:00:00Z"))
        .await
        .unwrap();
    assert_eq!(later, None);
}

#[tokio::test]
async fn a_weeks_time_to_resolve_reaches_the_morning_email_on_sqlite() {
    a_weeks_time_to_resolve_reaches_the_morning_email(Arc::new(SqliteStore::in_memory().unwrap()))
        .await
}

#[tokio::test]
async fn a_weeks_time_to_resolve_reaches_the_morning_email_on_dynamodb() {
    a_weeks_time_to_resolve_reaches_the_morning_email(Arc::new(
        crate::helpers::dynamo_store().await,
    ))
    .await
}

#[tokio::test]
async fn a_slot_that_passes_without_an_outcome_is_booked_again_on_a_later_sheet() {
    let shop = shop(Arc::new(SqliteStore::in_memory().unwrap()));
    purchase(&shop, "c-3", "ORD-9").await;
    let tuesday = sheet(&shop, "2026-11-17").await;
    assert_eq!(tuesday.len(), 1);
    let missed = tuesday[0].clone();
    // Nobody records anything on Tuesday; the due work runs on.
    shop.service
        .run_due(at("2026-11-17T09:00:00Z"), Budget::unlimited())
        .await
        .unwrap();
    assert!(
        sheet(&shop, "2026-11-17").await.is_empty(),
        "the missed slot leaves Tuesday's sheet"
    );
    let wednesday = sheet(&shop, "2026-11-18").await;
    assert_eq!(wednesday.len(), 1, "booked again on Wednesday");
    let again = &wednesday[0];
    assert_eq!(
        again.attempt, missed.attempt,
        "the same attempt, not a new one"
    );
    assert!(again.slot >= at("2026-11-18T00:00:00Z"), "{}", again.slot);
    // The form from either sheet records the one attempt, once.
    let t = again.slot + chrono::Duration::minutes(3);
    shop.service
        .record_outcome(
            &missed.outcome_token,
            form(Outcome::Reached, Some(Satisfaction::Satisfied)),
            t,
        )
        .await
        .unwrap();
    let twice = shop
        .service
        .record_outcome(
            &again.outcome_token,
            form(Outcome::Reached, Some(Satisfaction::Satisfied)),
            t + chrono::Duration::minutes(1),
        )
        .await;
    assert_eq!(rejected(twice), Rejection::AttemptRecorded);
    assert_eq!(kpi(&shop, "2026-11-18", "attempts").await, 1);
    assert_eq!(kpi(&shop, "2026-11-18", "reached").await, 1);
    assert!(sheet(&shop, "2026-11-18").await.is_empty());
}

/// A low CSAT merged into a ticket's call booked for Monday makes its
/// deadline Saturday noon: the call is booked again at once, on Friday
/// afternoon (the next contact-hours slot), and judged for the new deadline.
#[tokio::test]
async fn a_merged_low_score_books_the_call_again_before_its_earlier_deadline() {
    let shop = shop(Arc::new(SqliteStore::in_memory().unwrap()));
    let service = &shop.service;
    let customer = json!({"id": "c-4", "name": "Kim Minji", "email": "c-4@example.com",
                          "phone": "+821012345678", "locale": "ko", "time_zone": "Asia/Seoul"});
    // Friday 2026-11-20, 10:00 Seoul: the ticket closes, unresolved.
    let closed = envelope(
        "TicketClosed",
        "ev-t-4",
        json!({"ticket_id": "TKT-4", "occurred_at": "2026-11-20T01:00:00Z", "opened_at": "2026-11-19T01:00:00Z",
               "resolved": false, "customer": customer}),
    );
    service
        .ingest(&event(&closed), at("2026-11-20T01:00:00Z"))
        .await
        .unwrap();
    let monday = sheet(&shop, "2026-11-23").await;
    assert_eq!(
        monday.len(),
        1,
        "the next-day revisit falls on Monday (the agent's Saturday is off)"
    );
    assert!(!monday[0].at_risk);
    // The CSAT goes out at 12:00 Seoul; the customer answers 1 at 12:30.
    service
        .run_due(at("2026-11-20T03:00:00Z"), Budget::unlimited())
        .await
        .unwrap();
    let answer = envelope(
        "SurveyAnswered",
        "ev-a-4",
        json!({"survey_for": {"ticket_id": "TKT-4"}, "score": 1, "comment": "Still broken.",
               "occurred_at": "2026-11-20T03:30:00Z"}),
    );
    service
        .ingest(&event(&answer), at("2026-11-20T03:30:00Z"))
        .await
        .unwrap();
    assert!(
        sheet(&shop, "2026-11-23").await.is_empty(),
        "Monday's slot is given up"
    );
    let friday = sheet(&shop, "2026-11-20").await;
    assert_eq!(friday.len(), 1, "booked again on Friday afternoon");
    let call = &friday[0];
    assert_eq!(
        call.slot,
        at("2026-11-20T03:30:00Z"),
        "12:30 Seoul, the next contact-hours slot"
    );
    assert_eq!(
        call.deadline,
        at("2026-11-21T03:30:00Z"),
        "24 hours after the answer"
    );
    assert!(!call.at_risk, "judged again for the earlier deadline");
    assert_eq!(kpi(&shop, "2026-11-20", "merged").await, 1);
}

/// Files in the outbox whose name has `part`.
fn outbox_names(dir: &Path, part: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(part))
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn a_same_day_retry_reaches_the_agent_as_an_update_listing_just_it() {
    let shop = shop(Arc::new(SqliteStore::in_memory().unwrap()));
    let service = &shop.service;
    purchase(&shop, "c-5", "ORD-5").await;
    purchase(&shop, "c-6", "ORD-6").await;
    service
        .schedule_jobs(at("2026-11-16T01:00:00Z"))
        .await
        .unwrap();
    // Tuesday 09:00 Seoul: the sheet with both calls.
    service
        .call_sheets(at("2026-11-17T00:00:00Z"))
        .await
        .unwrap();
    assert_eq!(
        outbox_names(shop.outbox.path(), "sheet-a-1-2026-11-17").len(),
        1
    );
    let calls = sheet(&shop, "2026-11-17").await;
    assert_eq!(calls.len(), 2);
    // The first call is not answered: a retry at least three hours later, today.
    service
        .record_outcome(
            &calls[0].outcome_token,
            form(Outcome::NoAnswer, None),
            at("2026-11-17T00:05:00Z"),
        )
        .await
        .unwrap();
    // The next half hour: an update with the retry alone.
    service
        .call_sheets(at("2026-11-17T00:30:00Z"))
        .await
        .unwrap();
    let updates = outbox_names(shop.outbox.path(), "sheetupd-a-1-2026-11-17");
    assert_eq!(updates.len(), 1, "{updates:?}");
    let text = email_text(shop.outbox.path(), "sheetupd-a-1-2026-11-17");
    assert_eq!(text.matches("/c/").count(), 1, "just the retry:\n{text}");
    assert!(text.contains("Kim Minji"), "{text}");
    // Nothing new since: no second update, whatever runs.
    service
        .call_sheets(at("2026-11-17T01:00:00Z"))
        .await
        .unwrap();
    service
        .call_sheets(at("2026-11-17T01:30:00Z"))
        .await
        .unwrap();
    assert_eq!(outbox_names(shop.outbox.path(), "sheetupd-").len(), 1);
}

/// Fails the next commit after it landed, once armed (a DynamoDB answer
/// lost on the way back).
#[derive(Default)]
struct LoseOneCommitAnswer(std::sync::atomic::AtomicBool);

impl LoseOneCommitAnswer {
    fn arm(&self) {
        self.0.store(true, std::sync::atomic::Ordering::SeqCst);
    }
    fn armed(&self) -> bool {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl crate::hooked_store::Hooks for LoseOneCommitAnswer {
    fn after(&self, operation: &'static str) -> Result<(), aftercare_shared::ports::StoreError> {
        if operation == "commit" && self.0.swap(false, std::sync::atomic::Ordering::SeqCst) {
            return Err(aftercare_shared::ports::StoreError::unavailable(
                std::io::Error::other("the answer was lost"),
            ));
        }
        Ok(())
    }
}
