//! The managers' alerts: a low score, an escalation.

use super::{managers, message, report_time, Parts, RenderError};
use crate::config::Settings;
use crate::domain::event::{Score, SurveyFor};
use crate::domain::ids::CustomerId;
use crate::domain::keys::{CallId, MessageId, SurveyKey};
use crate::i18n::{fill, texts};
use crate::ports::Message;
use askama::Template;
use chrono::{DateTime, Utc};

/// An alert for the managers: what happened and what happens next.
struct NoticeView<'a> {
    lang: &'a str,
    title: String,
    intro: String,
    details: Vec<(&'a str, String)>,
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

/// A low answer, for the managers' alert.
pub struct LowScore<'a> {
    pub customer: &'a CustomerId,
    pub name: Option<&'a str>,
    pub survey: &'a SurveyKey,
    pub score: Score,
    pub comment: Option<&'a str>,
    /// The priority call's deadline, when a call could be made.
    pub call_deadline: Option<DateTime<Utc>>,
}

/// Immediate alert: a low CSAT or NPS answer, with its priority call.
pub fn low_score_alert(
    settings: &Settings,
    low: &LowScore<'_>,
    now: DateTime<Utc>,
) -> Result<Message, RenderError> {
    let locale = settings.business.locale;
    let t = &texts(locale).alert;
    let kind = match low.score {
        Score::Csat(_) => "CSAT",
        Score::Nps(_) => "NPS",
    };
    let name = low.name.unwrap_or(low.customer.as_str());
    let score = low.score.value().to_string();
    let subject = match low.survey.subject() {
        SurveyFor::Order(o) => fill(&t.order, &[("id", o.as_str())]),
        SurveyFor::Ticket(k) => fill(&t.ticket, &[("id", k.as_str())]),
    };
    let values = [
        ("kind", kind),
        ("score", score.as_str()),
        ("name", name),
        ("customer", low.customer.as_str()),
        ("subject", subject.as_str()),
    ];
    let footer = match low.call_deadline {
        Some(d) => fill(&t.priority_call, &[("deadline", &report_time(settings, d))]),
        None => t.no_call.clone(),
    };
    let v = NoticeView {
        lang: locale.code(),
        title: fill(&t.low_subject, &values),
        intro: fill(&t.low_intro, &values),
        details: vec![(
            &t.comment,
            low.comment
                .map_or_else(|| t.no_comment.clone(), str::to_string),
        )],
        footer,
        action: None,
    };
    let id = MessageId::LowScoreAlert {
        customer: low.customer.clone(),
        survey: low.survey.clone(),
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
        )],
        footer: t.stays_open.clone(),
        action: Some((t.open_escalation.as_str(), e.url)),
    };
    notice(settings, now, MessageId::EscalationAlert(call.clone()), &v)
}
