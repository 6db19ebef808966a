//! The agents' and managers' pages: the outcome form of one call
//! attempt (`/c/{token}`) and the escalation page (`/e/{token}`), in the
//! agent's or the managers' language, every value escaped by askama.

use crate::pages::{footer, html};
use aftercare_shared::domain::event::{Outcome, Satisfaction};
use aftercare_shared::i18n::words::{self, language_name, local_time};
use aftercare_shared::i18n::{fill, phone, texts, EscalationTexts};
use aftercare_shared::services::{AttemptStatus, CallStatus, EscalationPage, OutcomePage};
use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};

/// The templates' filters: `keep_words` keeps dates and ids whole on a phone.
use crate::filters;

pub const OUTCOMES: [(Outcome, &str); 5] = [
    (Outcome::Reached, "reached"),
    (Outcome::NoAnswer, "no_answer"),
    (Outcome::Busy, "busy"),
    (Outcome::WrongNumber, "wrong_number"),
    (Outcome::Declined, "declined"),
];

pub const SATISFACTIONS: [(Satisfaction, &str); 3] = [
    (Satisfaction::Satisfied, "satisfied"),
    (Satisfaction::Neutral, "neutral"),
    (Satisfaction::Unsatisfied, "unsatisfied"),
];

pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
    pub checked: bool,
}

/// What the agent chose, to show the form again as they left it.
#[derive(Debug, Default, Clone)]
pub struct OutcomeChoice {
    pub outcome: Option<Outcome>,
    pub satisfaction: Option<Satisfaction>,
    pub notes: String,
}

#[derive(Template)]
#[template(path = "outcome.html")]
struct OutcomeTemplate<'a> {
    lang: &'a str,
    title: String,
    business: &'a str,
    footer: String,
    heading: String,
    priority: bool,
    priority_label: &'a str,
    problem: Option<String>,
    /// The `tel:` target and the number as its country writes it.
    phone: Option<(&'a str, String)>,
    reasons_label: &'a str,
    reasons: Vec<String>,
    deadline: String,
    at_risk: Option<&'a str>,
    attempt: String,
    slot: Option<String>,
    customer_zone: String,
    language: String,
    outcome_label: &'a str,
    outcomes: Vec<Choice>,
    satisfaction_label: &'a str,
    satisfaction_hint: &'a str,
    satisfactions: Vec<Choice>,
    notes_label: &'a str,
    notes: &'a str,
    submit: &'a str,
}

#[derive(Template)]
#[template(path = "done.html")]
struct DoneTemplate<'a> {
    lang: &'a str,
    title: &'a str,
    business: &'a str,
    footer: String,
    heading: &'a str,
    notice: Option<&'a str>,
    lines: Vec<String>,
}

/// A case's history as its page lists it, times in `tz`.
pub fn history_lines(
    l: aftercare_shared::domain::ids::Locale,
    history: &[(DateTime<Utc>, aftercare_shared::domain::case::CaseStep)],
    tz: chrono_tz::Tz,
) -> Vec<HistoryLine> {
    history
        .iter()
        .map(|(at, step)| {
            let (text, said) = words::case_step(l, step);
            HistoryLine {
                at: local_time(*at, tz),
                text,
                said,
            }
        })
        .collect()
}

pub struct HistoryLine {
    pub at: String,
    pub text: String,
    pub said: Option<String>,
}

#[derive(Template)]
#[template(path = "escalation.html")]
struct EscalationTemplate<'a> {
    lang: &'a str,
    title: String,
    business: &'a str,
    footer: String,
    heading: String,
    t: &'a EscalationTexts,
    notice: Option<&'a str>,
    problem: Option<&'a str>,
    opened: String,
    name: String,
    /// The `tel:` target and the number as its country writes it.
    phone: Option<(&'a str, String)>,
    email: Option<&'a str>,
    reasons: Vec<String>,
    agent: Option<&'a str>,
    notes: Option<&'a str>,
    history: Vec<HistoryLine>,
    /// The zone of the history's times.
    zone: &'a str,
    resolved: Option<String>,
    /// Who has the case ("Taken by ... at ..."), or that nobody has yet.
    owner: String,
    taken: bool,
    /// The two forms' fields, as sent when a post was refused.
    take_by: &'a str,
    by: &'a str,
    note: &'a str,
}

fn name_of(name: Option<&String>, fallback: &impl ToString) -> String {
    name.cloned().unwrap_or_else(|| fallback.to_string())
}

/// The outcome form for an attempt still to record.
pub fn outcome_form(
    page: &OutcomePage,
    chosen: &OutcomeChoice,
    problem: Option<String>,
    status: StatusCode,
    now: DateTime<Utc>,
) -> Response {
    let l = page.locale;
    let all = texts(l);
    let t = &all.outcome;
    let tz = page.time_zone;
    let business = page.business.as_str();
    let name = name_of(page.name.as_ref(), page.attempt.call.customer());
    let today = now.with_timezone(&tz).date_naive();
    let template = OutcomeTemplate {
        lang: l.code(),
        title: fill(&t.title, &[("name", &name)]),
        business,
        footer: footer(&all.page, business),
        heading: fill(&t.title, &[("name", &name)]),
        priority: page.reasons.iter().any(|r| {
            matches!(
                r,
                aftercare_shared::domain::case::ReasonDetail::LowScore { .. }
            )
        }),
        priority_label: &all.sheet.priority,
        problem,
        phone: page.phone.as_deref().map(|p| (p, phone::display(p))),
        reasons_label: &t.reasons,
        reasons: page
            .reasons
            .iter()
            .map(|r| words::reason(l, r, today, tz))
            .collect(),
        deadline: fill(&t.deadline, &[("time", &local_time(page.deadline, tz))]),
        at_risk: page.at_risk.then_some(t.at_risk.as_str()),
        attempt: fill(
            &t.attempt,
            &[
                ("n", &page.attempt.n.to_string()),
                ("max", &page.max_attempts.to_string()),
            ],
        ),
        slot: page
            .slot
            .map(|s| fill(&t.slot, &[("time", &local_time(s, tz))])),
        customer_zone: fill(
            &t.customer_zone,
            &[
                ("time", &local_time(now, page.customer_tz)),
                ("zone", page.customer_tz.name()),
            ],
        ),
        language: fill(
            &t.language,
            &[("language", language_name(page.customer_locale))],
        ),
        outcome_label: &t.outcome,
        outcomes: OUTCOMES
            .iter()
            .map(|(o, value)| Choice {
                value,
                label: words::outcome(l, *o),
                checked: chosen.outcome == Some(*o),
            })
            .collect(),
        satisfaction_label: &t.satisfaction,
        satisfaction_hint: &t.satisfaction_hint,
        satisfactions: SATISFACTIONS
            .iter()
            .map(|(s, value)| Choice {
                value,
                label: words::satisfaction(l, *s),
                checked: chosen.satisfaction == Some(*s),
            })
            .collect(),
        notes_label: &t.notes,
        notes: &chosen.notes,
        submit: &t.submit,
    };
    html(status, template.render())
}

/// What became of the call, in sentences.
fn call_lines(page: &OutcomePage, call: &CallStatus) -> Vec<String> {
    let l = page.locale;
    let t = &texts(l).outcome;
    match call {
        CallStatus::Retry { slot: Some(s) } => {
            vec![fill(
                &t.next_retry,
                &[("time", &local_time(*s, page.time_zone))],
            )]
        }
        CallStatus::Retry { slot: None } => vec![t.next_retry_unbooked.clone()],
        CallStatus::Reached(s) => {
            let mut lines = vec![fill(
                &t.closed_reached,
                &[("satisfaction", words::satisfaction(l, *s))],
            )];
            if *s == Satisfaction::Unsatisfied {
                lines.push(t.escalated.clone());
            }
            lines
        }
        CallStatus::Unreached => vec![t.closed_unreached.clone()],
        CallStatus::Missed => vec![t.closed_missed.clone()],
    }
}

/// The page for an attempt whose outcome is in, or whose call closed:
/// what was recorded and what happens next. `notice` says why a POST
/// changed nothing (a second submit).
pub fn outcome_done(page: &OutcomePage, notice: Option<&str>, status: StatusCode) -> Response {
    let l = page.locale;
    let all = texts(l);
    let t = &all.outcome;
    let business = page.business.as_str();
    let (heading, lines) = match &page.status {
        AttemptStatus::Recorded { outcome, at, call } => {
            let mut lines = vec![fill(
                &t.recorded,
                &[
                    ("n", &page.attempt.n.to_string()),
                    ("outcome", words::outcome(l, *outcome)),
                    ("time", &local_time(*at, page.time_zone)),
                ],
            )];
            lines.extend(call_lines(page, call));
            (t.recorded_title.as_str(), lines)
        }
        AttemptStatus::CallClosed(call) => {
            (all.page.refusal_title.as_str(), call_lines(page, call))
        }
        AttemptStatus::ToRecord => (t.recorded_title.as_str(), Vec::new()),
    };
    let template = DoneTemplate {
        lang: l.code(),
        title: heading,
        business,
        footer: footer(&all.page, business),
        heading,
        notice,
        lines,
    };
    html(status, template.render())
}

/// What the manager typed, to show the form again as they left it.
/// Which of the escalation page's two forms was sent.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub enum CaseAction {
    Take,
    #[default]
    Resolve,
}

#[derive(Debug, Default, Clone)]
pub struct ResolveChoice {
    pub action: CaseAction,
    pub by: String,
    pub note: String,
}

/// The escalation page: the case, and the form to resolve it (or how it
/// was resolved).
pub fn escalation(
    page: &EscalationPage,
    form: &ResolveChoice,
    notice: Option<&str>,
    problem: Option<&str>,
    status: StatusCode,
    now: DateTime<Utc>,
) -> Response {
    let l = page.locale;
    let all = texts(l);
    let t = &all.escalation;
    let tz = page.time_zone;
    let business = page.business.as_str();
    let name = name_of(page.name.as_ref(), page.call.customer());
    let today = now.with_timezone(&tz).date_naive();
    let template = EscalationTemplate {
        lang: l.code(),
        title: fill(&t.title, &[("name", &name)]),
        business,
        footer: footer(&all.page, business),
        heading: fill(&t.title, &[("name", &name)]),
        t,
        notice,
        problem,
        opened: fill(
            &t.opened,
            &[("time", &words::zoned_time(page.opened_at, tz))],
        ),
        phone: page.phone.as_deref().map(|p| (p, phone::display(p))),
        email: page.email.as_deref(),
        reasons: page
            .reasons
            .iter()
            .map(|r| words::reason(l, r, today, tz))
            .collect(),
        agent: page.agent.as_deref(),
        notes: page.notes.as_deref(),
        history: history_lines(l, &page.history, tz),
        resolved: page.resolved.as_ref().map(|r| {
            fill(
                &t.resolved,
                &[("by", &r.by), ("time", &words::zoned_time(r.at, tz))],
            )
        }),
        owner: match &page.taken {
            Some(taken) => fill(
                &t.taken,
                &[
                    ("by", &taken.by),
                    ("time", &words::zoned_time(taken.at, tz)),
                ],
            ),
            None => t.not_taken.clone(),
        },
        taken: page.taken.is_some(),
        zone: tz.name(),
        take_by: if form.action == CaseAction::Take {
            &form.by
        } else {
            ""
        },
        by: if form.action == CaseAction::Resolve {
            &form.by
        } else {
            ""
        },
        note: &form.note,
        name,
    };
    html(status, template.render())
}
