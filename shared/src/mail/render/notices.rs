//! The managers' alerts: a low score, an escalation.

use super::filters;
use super::{managers, message, report_time, Parts, RenderError};
use crate::config::Settings;
use crate::domain::case::LowScoreCase;
use crate::domain::event::{Score, SurveyFor};
use crate::domain::keys::{CallId, MessageId};
use crate::i18n::{fill, phone, texts, words};
use crate::ports::Message;
use askama::Template;
use chrono::{DateTime, Utc};

/// An alert for the managers: what happened and what happens next.
struct NoticeView<'a> {
    lang: &'a str,
    title: String,
    intro: String,
    /// (label, value, link): a phone's `tel:`, an address's `mailto:`.
    details: Vec<(&'a str, String, Option<String>)>,
    footer: String,
    /// A button to the page where the manager acts on it.
    action: Option<(&'a str, &'a str)>,
}

#[derive(Template)]
#[template(path = "mail/notice.html")]
struct NoticeHtml<'a> {
    v: &'a NoticeView<'a>,
}

#[derive(Template)]
#[template(path = "mail/notice.txt")]
struct NoticeText<'a> {
    v: &'a NoticeView<'a>,
}

fn notice(
    settings: &Settings,
    now: DateTime<Utc>,
    id: MessageId,
    v: &NoticeView<'_>,
) -> Result<Message, RenderError> {
    let (html, text) = (NoticeHtml { v }.render()?, NoticeText { v }.render()?);
    Ok(message(
        settings,
        now,
        Parts {
            id,
            to: managers(settings),
            subject: &v.title,
            text: &text,
            html: &html,
            unsubscribe: None,
            inline: &[],
        },
    ))
}

/// Immediate alert: a low CSAT or NPS answer, with everything a manager
/// needs to act on it (who, how to reach them, what they said, the
/// priority call's agent and slot) and a link to its case page (`url`).
pub fn low_score_alert(
    settings: &Settings,
    case: &LowScoreCase,
    url: &str,
    now: DateTime<Utc>,
) -> Result<Message, RenderError> {
    let locale = settings.business.locale;
    let t = &texts(locale).alert;
    let kind = match case.score {
        Score::Csat(_) => "CSAT",
        Score::Nps(_) => "NPS",
    };
    let name = case.name.as_deref().unwrap_or(case.customer.as_str());
    let score = case.score.value().to_string();
    let subject = match case.survey.subject() {
        SurveyFor::Order(o) => fill(&t.order, &[("id", o.as_str())]),
        SurveyFor::Ticket(k) => fill(&t.ticket, &[("id", k.as_str())]),
    };
    let values = [
        ("kind", kind),
        ("score", score.as_str()),
        ("name", name),
        ("customer", case.customer.as_str()),
        ("subject", subject.as_str()),
    ];
    let footer = match &case.call {
        Some(c) => fill(
            &t.priority_call,
            &[("deadline", &report_time(settings, c.deadline))],
        ),
        None => t.no_call.clone(),
    };
    let mut details = Vec::new();
    if let Some(phone) = &case.phone {
        details.push((
            t.phone.as_str(),
            phone::display(phone),
            Some(format!("tel:{phone}")),
        ));
    }
    if let Some(email) = &case.email {
        details.push((
            t.email.as_str(),
            email.clone(),
            Some(format!("mailto:{email}")),
        ));
    }
    details.push((t.answer.as_str(), format!("{kind} {score}"), None));
    details.push((
        t.comment.as_str(),
        case.comment.clone().unwrap_or_else(|| t.no_comment.clone()),
        None,
    ));
    if let Some(c) = &case.call {
        let tz = settings.policy.report_time_zone;
        details.push((t.call.as_str(), words::priority_call(locale, c, tz), None));
    }
    let v = NoticeView {
        lang: locale.code(),
        title: fill(&t.low_subject, &values),
        intro: fill(&t.low_intro, &values),
        details,
        footer,
        action: Some((t.open_case.as_str(), url)),
    };
    let id = MessageId::LowScoreAlert {
        customer: case.customer.clone(),
        survey: case.survey.clone(),
    };
    notice(settings, now, id, &v)
}

/// An escalation, for the managers' alert.
pub struct EscalationAlert<'a> {
    pub call: &'a CallId,
    pub name: Option<&'a str>,
    pub notes: Option<&'a str>,
    /// The signed escalation page, where a manager resolves it.
    pub url: &'a str,
}

/// Immediate alert: a reached customer said they were unsatisfied.
pub fn escalation_alert(
    settings: &Settings,
    e: &EscalationAlert<'_>,
    now: DateTime<Utc>,
) -> Result<Message, RenderError> {
    let locale = settings.business.locale;
    let t = &texts(locale).alert;
    let (call, name, notes) = (e.call, e.name, e.notes);
    let customer = call.customer();
    let values = [
        ("name", name.unwrap_or(customer.as_str())),
        ("customer", customer.as_str()),
    ];
    let v = NoticeView {
        lang: locale.code(),
        title: fill(&t.escalation_subject, &values),
        intro: fill(&t.escalation_intro, &values),
        details: vec![(
            &t.notes,
            notes.map_or_else(|| t.no_notes.clone(), str::to_string),
            None,
        )],
        footer: t.stays_open.clone(),
        action: Some((t.open_escalation.as_str(), e.url)),
    };
    notice(settings, now, MessageId::EscalationAlert(call.clone()), &v)
}
