//! A case's facts in words, in one language: a call's reasons ("order
//! O-1, 2 days ago"), outcomes, the steps of a case's history, times.
//! Sheets, alerts and pages all say them the same way.

use super::{fill, texts};
use crate::domain::case::{CaseStep, PriorityCall, ReasonDetail};
use crate::domain::event::{Outcome, Satisfaction, SurveyKind};
use crate::domain::ids::Locale;
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

/// A time as people read it on a sheet or a page: `2026-11-20 14:30`.
pub fn local_time(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
}

/// A time with its zone named: `2026-11-20 09:05 (Asia/Seoul)`.
pub fn zoned_time(t: DateTime<Utc>, tz: Tz) -> String {
    format!("{} ({})", local_time(t, tz), tz.name())
}

/// A low score's priority call as booked, for the managers: its agent and
/// slot, or that it is at risk or still being booked, with its deadline.
pub fn priority_call(locale: Locale, c: &PriorityCall, tz: Tz) -> String {
    let a = &texts(locale).alert;
    let deadline = zoned_time(c.deadline, tz);
    match (&c.agent, c.slot) {
        (Some(agent), Some(slot)) if !c.at_risk => fill(
            &a.call_booked,
            &[
                ("agent", agent),
                ("slot", &zoned_time(slot, tz)),
                ("deadline", &deadline),
            ],
        ),
        (_, Some(_)) => fill(&a.call_at_risk, &[("deadline", &deadline)]),
        (_, None) => fill(&a.call_not_booked, &[("deadline", &deadline)]),
    }
}

/// Just the clock time: `14:30`.
pub fn clock_time(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%H:%M").to_string()
}

/// A language by its own name, as a speaker of it writes it.
pub fn language_name(l: Locale) -> &'static str {
    match l {
        Locale::En => "English",
        Locale::Ko => "한국어",
        Locale::Vi => "Tiếng Việt",
        Locale::Zh => "中文",
    }
}

/// How long ago `at` was, in local days as of `today` ("2 days ago").
pub fn days_ago(locale: Locale, at: DateTime<Utc>, today: NaiveDate, tz: Tz) -> String {
    let t = &texts(locale).call;
    let days = (today - at.with_timezone(&tz).date_naive()).num_days();
    match days {
        i64::MIN..=0 => t.today.clone(),
        1 => t.yesterday.clone(),
        n => fill(&t.days_ago, &[("n", &n.to_string())]),
    }
}

pub fn survey_kind(locale: Locale, kind: SurveyKind) -> &'static str {
    let t = &texts(locale).call;
    match kind {
        SurveyKind::Csat => &t.csat,
        SurveyKind::Nps => &t.nps,
    }
}

/// One reason to call in words, as of `today` in `tz`.
pub fn reason(locale: Locale, r: &ReasonDetail, today: NaiveDate, tz: Tz) -> String {
    let t = &texts(locale).call;
    let ago = days_ago(locale, r.at(), today, tz);
    match r {
        ReasonDetail::Order { id, .. } => fill(&t.order, &[("id", id.as_str()), ("ago", &ago)]),
        ReasonDetail::Ticket { id, resolved, .. } => {
            let template = if *resolved {
                &t.ticket_resolved
            } else {
                &t.ticket_unresolved
            };
            fill(template, &[("id", id.as_str()), ("ago", &ago)])
        }
        ReasonDetail::LowScore {
            kind,
            score,
            comment,
            ..
        } => {
            let template = match kind {
                SurveyKind::Csat => &t.low_csat,
                SurveyKind::Nps => &t.low_nps,
            };
            let low = fill(template, &[("score", &score.to_string())]);
            match comment.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
                Some(c) => fill(&t.with_comment, &[("reason", &low), ("comment", c)]),
                None => low,
            }
        }
    }
}

pub fn outcome(locale: Locale, o: Outcome) -> &'static str {
    let t = &texts(locale).call;
    match o {
        Outcome::Reached => &t.reached,
        Outcome::NoAnswer => &t.no_answer,
        Outcome::Busy => &t.busy,
        Outcome::WrongNumber => &t.wrong_number,
        Outcome::Declined => &t.declined,
    }
}

pub fn satisfaction(locale: Locale, s: Satisfaction) -> &'static str {
    let t = &texts(locale).call;
    match s {
        Satisfaction::Satisfied => &t.satisfied,
        Satisfaction::Neutral => &t.neutral,
        Satisfaction::Unsatisfied => &t.unsatisfied,
    }
}

/// One step of a case in words, and what the customer or agent wrote
/// with it (a comment, notes), if anything.
pub fn case_step(locale: Locale, step: &CaseStep) -> (String, Option<String>) {
    let t = &texts(locale).escalation;
    match step {
        CaseStep::Purchase { order } => (fill(&t.purchase, &[("id", order.as_str())]), None),
        CaseStep::TicketOpened { ticket } => {
            (fill(&t.ticket_opened, &[("id", ticket.as_str())]), None)
        }
        CaseStep::TicketClosed { ticket, resolved } => {
            let template = if *resolved {
                &t.ticket_closed_resolved
            } else {
                &t.ticket_closed_unresolved
            };
            (fill(template, &[("id", ticket.as_str())]), None)
        }
        CaseStep::SurveySent { kind } => (
            fill(&t.survey_sent, &[("kind", survey_kind(locale, *kind))]),
            None,
        ),
        CaseStep::SurveyAnswered {
            kind,
            score,
            comment,
        } => (
            fill(
                &t.survey_answered,
                &[
                    ("kind", survey_kind(locale, *kind)),
                    ("score", &score.to_string()),
                ],
            ),
            comment.clone(),
        ),
        CaseStep::CallAttempt {
            outcome: o,
            satisfaction: s,
            notes,
        } => {
            let mut said = outcome(locale, *o).to_string();
            if let Some(s) = s {
                said = format!("{said} ({})", satisfaction(locale, *s));
            }
            (fill(&t.call_attempt, &[("outcome", &said)]), notes.clone())
        }
        CaseStep::EscalationResolved { by, note } => {
            (fill(&t.resolved_step, &[("by", by)]), note.clone())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::{OrderId, TicketId};
    use chrono::TimeZone;

    fn at(d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, d, h, 0, 0).unwrap()
    }

    #[test]
    fn reasons_read_as_words_with_how_long_ago() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
        let order = ReasonDetail::Order {
            id: OrderId::parse("ORD-114").unwrap(),
            at: at(18, 3),
        };
        assert_eq!(
            reason(Locale::En, &order, today, Tz::UTC),
            "order ORD-114, 2 days ago"
        );
        let ticket = ReasonDetail::Ticket {
            id: TicketId::parse("TKT-3").unwrap(),
            at: at(19, 12),
            resolved: false,
        };
        assert_eq!(
            reason(Locale::En, &ticket, today, Tz::UTC),
            "ticket TKT-3, not resolved, yesterday"
        );
        let low = ReasonDetail::LowScore {
            kind: SurveyKind::Csat,
            score: 1,
            comment: Some("nobody called back".into()),
            at: at(20, 1),
        };
        assert_eq!(
            reason(Locale::En, &low, today, Tz::UTC),
            "low CSAT 1: “nobody called back”"
        );
        assert_eq!(
            reason(Locale::Ko, &order, today, Tz::UTC),
            "주문 ORD-114, 2일 전"
        );
    }

    #[test]
    fn days_ago_counts_the_reader_s_local_days() {
        // 23:00 UTC on the 19th is already the 20th in Seoul.
        let today = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
        assert_eq!(
            days_ago(Locale::En, at(19, 23), today, chrono_tz::Asia::Seoul),
            "today"
        );
        assert_eq!(
            days_ago(Locale::En, at(19, 23), today, Tz::UTC),
            "yesterday"
        );
    }
}
