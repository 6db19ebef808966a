//! An agent's call sheet: the day's calls in time order, each with what
//! the agent needs to make it (the customer's local time, a `tel:` link,
//! the reasons in words, the deadline) and its call script, in the
//! customer's language with their name and the branch that fits.

use super::{message, Parts, RenderError};
use crate::config::Settings;
use crate::domain::case::ReasonDetail;
use crate::domain::ids::Locale;
use crate::domain::keys::MessageId;
use crate::domain::roster::Agent;
use crate::domain::sheet::ScheduledCall;
use crate::i18n::words::{self, clock_time, language_name, local_time};
use crate::i18n::{fill, texts, Script};
use crate::ports::Message;
use askama::Template;
use chrono::{DateTime, NaiveDate, Utc};

struct SheetRow {
    time: String,
    their_time: String,
    name: String,
    phone: Option<String>,
    language: &'static str,
    priority: bool,
    reasons: Vec<String>,
    deadline: String,
    at_risk: bool,
    url: String,
    script_title: String,
    script: Vec<String>,
}

struct SheetView<'a> {
    lang: &'a str,
    title: String,
    heading: String,
    labels: &'a crate::i18n::SheetTexts,
    rows: Vec<SheetRow>,
}

#[derive(Template)]
#[template(path = "mail/call_sheet.html")]
struct SheetHtml<'a> {
    v: &'a SheetView<'a>,
}

#[derive(Template)]
#[template(path = "mail/call_sheet.txt")]
struct SheetText<'a> {
    v: &'a SheetView<'a>,
}

/// The script for one call: only the thanks that fits its most urgent
/// reason (a low score, else the order or the ticket).
fn script_lines(s: &Script, first: Option<&ReasonDetail>, values: &[(&str, &str)]) -> Vec<String> {
    let thanks = match first {
        Some(ReasonDetail::LowScore { .. }) => &s.thanks_feedback,
        Some(ReasonDetail::Ticket { .. }) => &s.thanks_ticket,
        Some(ReasonDetail::Order { .. }) | None => &s.thanks_order,
    };
    [
        &s.greeting,
        thanks,
        &s.question,
        &s.if_satisfied,
        &s.if_unsatisfied,
        &s.closing,
    ]
    .iter()
    .map(|line| fill(line, values))
    .collect()
}

fn row(
    settings: &Settings,
    agent: &Agent,
    locale: Locale,
    day: NaiveDate,
    e: &ScheduledCall,
) -> SheetRow {
    let t = &texts(locale).sheet;
    let name = e.name.clone().unwrap_or_else(|| e.customer.to_string());
    let values = [
        ("name", name.as_str()),
        ("business", settings.business.name.as_str()),
        ("agent", agent.name.as_str()),
    ];
    SheetRow {
        time: clock_time(e.slot, agent.time_zone),
        their_time: fill(
            &t.their_time,
            &[
                ("time", &clock_time(e.slot, e.customer_tz)),
                ("zone", e.customer_tz.name()),
            ],
        ),
        phone: e.phone.clone(),
        language: language_name(e.locale),
        priority: e
            .reasons
            .iter()
            .any(|r| matches!(r, ReasonDetail::LowScore { .. })),
        reasons: e
            .reasons
            .iter()
            .map(|r| words::reason(locale, r, day, agent.time_zone))
            .collect(),
        deadline: fill(
            &t.deadline,
            &[("time", &local_time(e.deadline, agent.time_zone))],
        ),
        at_risk: e.at_risk,
        url: format!("{}/c/{}", settings.business.base_url, e.outcome_token),
        script_title: fill(&t.script_for, &[("name", &name)]),
        script: script_lines(&texts(e.locale).script, e.reasons.first(), &values),
        name,
    }
}

/// An agent's call sheet for one working day, in the agent's first
/// language; each call's script in the customer's.
pub fn call_sheet(
    settings: &Settings,
    agent: &Agent,
    day: NaiveDate,
    entries: &[ScheduledCall],
    now: DateTime<Utc>,
) -> Result<Message, RenderError> {
    let id = MessageId::CallSheet {
        agent: agent.id.clone(),
        day,
    };
    sheet(settings, agent, day, entries, now, id)
}

/// The calls booked for an agent's day after its sheet went out (a
/// same-day retry, a priority call): just those, as on the sheet.
/// `calls` identifies them (a hash of their booking keys).
pub fn sheet_update(
    settings: &Settings,
    agent: &Agent,
    day: NaiveDate,
    entries: &[ScheduledCall],
    calls: u64,
    now: DateTime<Utc>,
) -> Result<Message, RenderError> {
    let id = MessageId::SheetUpdate {
        agent: agent.id.clone(),
        day,
        calls,
    };
    sheet(settings, agent, day, entries, now, id)
}

fn sheet(
    settings: &Settings,
    agent: &Agent,
    day: NaiveDate,
    entries: &[ScheduledCall],
    now: DateTime<Utc>,
    id: MessageId,
) -> Result<Message, RenderError> {
    let locale = agent.languages.first().copied().unwrap_or_default();
    let t = &texts(locale).sheet;
    let update = matches!(id, MessageId::SheetUpdate { .. });
    let day_text = day.to_string();
    let count = entries.len().to_string();
    let values = [
        ("day", day_text.as_str()),
        ("count", count.as_str()),
        ("agent", agent.name.as_str()),
        ("zone", agent.time_zone.name()),
    ];
    let mut entries: Vec<&ScheduledCall> = entries.iter().collect();
    entries.sort_by_key(|e| e.slot);
    let v = SheetView {
        lang: locale.code(),
        title: fill(
            if update {
                &t.update_subject
            } else {
                &t.subject
            },
            &values,
        ),
        heading: fill(if update { &t.update_title } else { &t.title }, &values),
        labels: t,
        rows: entries
            .into_iter()
            .map(|e| row(settings, agent, locale, day, e))
            .collect(),
    };
    let (html, text) = (SheetHtml { v: &v }.render()?, SheetText { v: &v }.render()?);
    Ok(message(
        settings,
        now,
        Parts {
            id,
            to: vec![agent.email.as_str().to_string()],
            subject: &v.title,
            text: &text,
            html: &html,
            unsubscribe: None,
            inline: &[],
        },
    ))
}
