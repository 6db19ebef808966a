//! An agent's call sheet with the call script.

use super::{message, Parts, RenderError};
use crate::config::Settings;
use crate::domain::ids::{CustomerId, Locale};
use crate::domain::keys::MessageId;
use crate::domain::roster::Agent;
use crate::i18n::{fill, texts};
use crate::ports::Message;
use askama::Template;
use chrono::{DateTime, NaiveDate, Utc};

/// One line of an agent's call sheet.
pub struct SheetEntry {
    pub slot: DateTime<Utc>,
    pub customer: CustomerId,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub locale: Locale,
    pub reason: String,
    pub outcome_url: String,
}

struct SheetRow {
    time: String,
    name: String,
    phone: String,
    language: &'static str,
    reason: String,
    url: String,
}

struct ScriptView {
    language: &'static str,
    lines: Vec<String>,
}

struct SheetView<'a> {
    lang: &'a str,
    title: String,
    heading: String,
    labels: &'a crate::i18n::SheetTexts,
    rows: Vec<SheetRow>,
    scripts: Vec<ScriptView>,
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

/// An agent's call sheet for one working day, with the scripts, in the
/// agent's first language.
pub fn call_sheet(
    settings: &Settings,
    agent: &Agent,
    day: NaiveDate,
    entries: &[SheetEntry],
    now: DateTime<Utc>,
) -> Result<Message, RenderError> {
    let locale = agent.languages.first().copied().unwrap_or_default();
    let t = &texts(locale).sheet;
    let day_text = day.to_string();
    let count = entries.len().to_string();
    let values = [
        ("day", day_text.as_str()),
        ("count", count.as_str()),
        ("agent", agent.name.as_str()),
        ("zone", agent.time_zone.name()),
    ];
    let rows = entries
        .iter()
        .map(|e| SheetRow {
            time: e
                .slot
                .with_timezone(&agent.time_zone)
                .format("%H:%M")
                .to_string(),
            name: e.name.clone().unwrap_or_else(|| e.customer.to_string()),
            phone: e.phone.clone().unwrap_or_else(|| "-".into()),
            language: e.locale.code(),
            reason: e.reason.clone(),
            url: e.outcome_url.clone(),
        })
        .collect();
    let mut locales: Vec<Locale> = entries.iter().map(|e| e.locale).collect();
    locales.sort();
    locales.dedup();
    let scripts = locales
        .into_iter()
        .map(|l| {
            let s = &texts(l).script;
            let values = [
                ("name", "…"),
                ("business", settings.business.name.as_str()),
                ("agent", agent.name.as_str()),
            ];
            ScriptView {
                language: l.code(),
                lines: [
                    &s.greeting,
                    &s.thanks_order,
                    &s.thanks_ticket,
                    &s.question,
                    &s.if_satisfied,
                    &s.if_unsatisfied,
                    &s.closing,
                ]
                .iter()
                .map(|line| fill(line, &values))
                .collect(),
            }
        })
        .collect();
    let v = SheetView {
        lang: locale.code(),
        title: fill(&t.subject, &values),
        heading: fill(&t.title, &values),
        labels: t,
        rows,
        scripts,
    };
    let (html, text) = (SheetHtml { v: &v }.render()?, SheetText { v: &v }.render()?);
    Ok(message(
        settings,
        now,
        Parts {
            id: MessageId::CallSheet {
                agent: agent.id.clone(),
                day,
            },
            to: vec![agent.email.as_str().to_string()],
            subject: &v.title,
            text: &text,
            html: &html,
            unsubscribe: None,
            inline: &[],
        },
    ))
}
