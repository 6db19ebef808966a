//! Survey rules (SPEC 5): what to send when, throttling, answers.

use super::contact::WeeklyHours;
use super::event::{Event, Score, SurveyFor, SurveyKind};
use super::history::{Facts, History, SendOutcome, SurveyDecision};
use super::ids::{EmailAddress, Locale};
use super::keys::SurveyKey;
use super::policy::Policy;
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use std::collections::BTreeMap;

/// A survey the history calls for.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedSurvey {
    pub key: SurveyKey,
    pub subject: SurveyFor,
    pub trigger_at: DateTime<Utc>,
    /// When the first email is due: the delay, moved out of quiet time.
    pub due_at: DateTime<Utc>,
    pub email: EmailAddress,
    pub locale: Locale,
    pub tz: Tz,
}

impl PlannedSurvey {
    pub fn kind(&self) -> SurveyKind {
        self.subject.kind()
    }
}

/// Moves `t` out of the customer's quiet time (to the next contact-hours
/// start). With no contact hours at all, `t` itself.
pub fn out_of_quiet_time(hours: &WeeklyHours, tz: Tz, t: DateTime<Utc>) -> DateTime<Utc> {
    hours.next_open(tz, t).unwrap_or(t)
}

/// One NPS per order, one CSAT per ticket (for its first close only), and
/// none for a customer without an email at the trigger.
pub fn plan(history: &History, policy: &Policy) -> Vec<PlannedSurvey> {
    let mut out = Vec::new();
    let mut seen_tickets = std::collections::BTreeSet::new();
    for e in &history.events {
        let (subject, delay, customer) = match e {
            Event::PurchaseCompleted(p) => (
                SurveyFor::Order(p.order_id.clone()),
                policy.surveys.nps_delay,
                &p.customer,
            ),
            Event::TicketClosed(c) => {
                if !seen_tickets.insert(c.ticket_id.clone()) {
                    continue;
                }
                (
                    SurveyFor::Ticket(c.ticket_id.clone()),
                    policy.surveys.csat_delay,
                    &c.customer,
                )
            }
            _ => continue,
        };
        let Some(email) = customer.email.clone() else {
            continue;
        };
        let tz = policy.zone_or_default(customer.time_zone);
        let trigger_at = e.occurred_at();
        out.push(PlannedSurvey {
            key: subject.key(),
            subject,
            trigger_at,
            due_at: out_of_quiet_time(&policy.contact_hours, tz, trigger_at + delay),
            email,
            locale: customer.locale,
            tz,
        });
    }
    // Two surveys due at one instant: the earlier trigger goes first (and
    // may throttle the other), whatever the shop's id format.
    out.sort_by(|a, b| (a.due_at, a.trigger_at, &a.key).cmp(&(b.due_at, b.trigger_at, &b.key)));
    out
}

/// Throttling, judged at the send time `at`: a survey of the same kind sent
/// to this customer less than the throttle window before blocks this one.
/// Suppression wins over throttling (the address must never get mail).
pub fn decide(
    kind: SurveyKind,
    at: DateTime<Utc>,
    facts: &Facts,
    suppressed: bool,
    policy: &Policy,
) -> SendOutcome {
    if suppressed {
        return SendOutcome::Suppressed;
    }
    let window = match kind {
        SurveyKind::Csat => policy.surveys.csat_throttle,
        SurveyKind::Nps => policy.surveys.nps_throttle,
    };
    let recently_sent = facts.surveys.iter().any(|(key, d)| {
        d.outcome == SendOutcome::Sent && key.kind() == kind && d.at <= at && at - d.at < window
    });
    if recently_sent {
        SendOutcome::Throttled
    } else {
        SendOutcome::Sent
    }
}

/// Why an answer cannot be recorded (SPEC 5), shown to whoever gave it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AnswerRejection {
    #[error("there is no survey for this order or ticket")]
    UnknownSurvey,
    #[error("the survey was answered before it was sent")]
    NotSentYet,
    #[error("the survey was not sent: the customer had been asked recently (throttled)")]
    Throttled,
    #[error("the survey was not sent: the address is suppressed")]
    Suppressed,
    #[error("the survey's link had expired when it was answered")]
    Expired,
}

/// Whether an answer at `t` counts, given the survey's send decision.
pub fn check_answer(
    decision: Option<&SurveyDecision>,
    t: DateTime<Utc>,
    link_valid: Duration,
) -> Result<(), AnswerRejection> {
    let d = decision.ok_or(AnswerRejection::NotSentYet)?;
    match d.outcome {
        SendOutcome::Throttled => Err(AnswerRejection::Throttled),
        SendOutcome::Suppressed => Err(AnswerRejection::Suppressed),
        SendOutcome::Sent if t < d.at => Err(AnswerRejection::NotSentYet),
        SendOutcome::Sent if t > d.at + link_valid => Err(AnswerRejection::Expired),
        SendOutcome::Sent => Ok(()),
    }
}

/// The valid answers of one survey, folded.
#[derive(Debug, Clone, PartialEq)]
pub struct Answers {
    pub first_at: DateTime<Utc>,
    /// The score of the latest answer.
    pub current: Score,
    /// When the latest answer came.
    pub current_at: DateTime<Utc>,
    pub current_comment: Option<String>,
    /// The first answer (or update) that made the score low, once per survey.
    pub became_low_at: Option<DateTime<Utc>>,
}

/// Survey key → its folded answers, counting only answers that pass
/// [`check_answer`].
pub fn answers(history: &History, policy: &Policy) -> BTreeMap<SurveyKey, Answers> {
    let mut out: BTreeMap<SurveyKey, Answers> = BTreeMap::new();
    for e in &history.events {
        let Event::SurveyAnswered(a) = e else {
            continue;
        };
        let key = a.survey_for.key();
        if check_answer(
            history.facts.surveys.get(&key),
            a.occurred_at,
            policy.surveys.link_valid,
        )
        .is_err()
        {
            continue;
        }
        // Events are in time order, so each valid answer is the latest so far.
        let entry = out.entry(key).or_insert(Answers {
            first_at: a.occurred_at,
            current: a.score,
            current_at: a.occurred_at,
            current_comment: None,
            became_low_at: None,
        });
        entry.current = a.score;
        entry.current_at = a.occurred_at;
        entry.current_comment = a.comment.clone();
        if a.score.is_low() && entry.became_low_at.is_none() {
            entry.became_low_at = Some(a.occurred_at);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::history::SurveyDecision;
    use crate::testing::utc;

    fn facts_with(key: &str, at: &str) -> Facts {
        let mut f = Facts::default();
        f.surveys.insert(
            key.parse().unwrap(),
            SurveyDecision {
                at: utc(at),
                outcome: SendOutcome::Sent,
            },
        );
        f
    }

    #[test]
    fn a_csat_within_seven_days_of_the_last_is_throttled() {
        let s = Policy::default();
        let f = facts_with("csat:t-1", "2026-11-01T10:00:00Z");
        // 6 days 23 hours later: throttled; exactly 7 × 24 hours later: sent.
        assert_eq!(
            decide(SurveyKind::Csat, utc("2026-11-08T09:00:00Z"), &f, false, &s),
            SendOutcome::Throttled
        );
        assert_eq!(
            decide(SurveyKind::Csat, utc("2026-11-08T10:00:00Z"), &f, false, &s),
            SendOutcome::Sent
        );
        // An NPS is not throttled by a CSAT.
        assert_eq!(
            decide(SurveyKind::Nps, utc("2026-11-02T10:00:00Z"), &f, false, &s),
            SendOutcome::Sent
        );
    }

    #[test]
    fn suppression_wins_over_throttling() {
        let s = Policy::default();
        let f = facts_with("nps:o-1", "2026-11-01T10:00:00Z");
        assert_eq!(
            decide(SurveyKind::Nps, utc("2026-11-02T10:00:00Z"), &f, true, &s),
            SendOutcome::Suppressed
        );
    }

    #[test]
    fn answers_outside_the_sent_window_are_refused() {
        let sent = SurveyDecision {
            at: utc("2026-11-01T10:00:00Z"),
            outcome: SendOutcome::Sent,
        };
        let valid = Duration::days(28);
        assert_eq!(
            check_answer(Some(&sent), utc("2026-11-01T09:59:59Z"), valid),
            Err(AnswerRejection::NotSentYet)
        );
        assert_eq!(
            check_answer(Some(&sent), utc("2026-11-29T10:00:00Z"), valid),
            Ok(())
        );
        assert_eq!(
            check_answer(Some(&sent), utc("2026-11-29T10:00:01Z"), valid),
            Err(AnswerRejection::Expired)
        );
        assert_eq!(
            check_answer(None, utc("2026-11-02T00:00:00Z"), valid),
            Err(AnswerRejection::NotSentYet)
        );
    }
}
