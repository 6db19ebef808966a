//! An agent's call sheet: the day's calls in time order, each with what
//! the agent needs to make it (the customer's local time and zone, the
//! number as its country writes it behind a `tel:` link, the reasons in
//! words, the deadline in the agent's zone, named), then one script per
//! language the calls need, its openings and replies labelled with when
//! to say them. Repeating the script under every call made a 17-call
//! sheet ten phone screens long, and its unlabelled replies were read
//! aloud one after the other.

use super::filters;
use super::{message, Parts, RenderError};
use crate::config::Settings;
use crate::domain::case::ReasonDetail;
use crate::domain::ids::Locale;
use crate::domain::keys::MessageId;
use crate::domain::roster::Agent;
use crate::domain::sheet::ScheduledCall;
use crate::i18n::words::{self, clock_time, language_name, local_time};
use crate::i18n::{fill, phone, texts, SheetTexts};
use crate::ports::Message;
use askama::Template;
use chrono::{DateTime, NaiveDate, Utc};

struct SheetRow {
    time: String,
    their_time: String,
    name: String,
    /// The `tel:` target (E.164) and the number as it is read.
    phone: Option<(String, String)>,
    language: &'static str,
    priority: bool,
    reasons: Vec<String>,
    deadline: String,
    at_risk: bool,
    url: String,
    /// The anchor of the call's script and the pointer to it.
    script_anchor: &'static str,
    see_script: String,
}

/// One language's script, shared by the sheet's calls in it: the thanks
/// that fit them and both replies, each labelled with when to say it.
struct ScriptView {
    anchor: &'static str,
    /// The script's language, for `lang` and Korean's line breaking.
    lang: &'static str,
    title: String,
    greeting: String,
    /// (when, the line): only the openings the sheet's calls need.
    thanks: Vec<(String, String)>,
    question: String,
    if_satisfied: String,
    if_unsatisfied: String,
    closing: String,
}

struct SheetView<'a> {
    lang: &'a str,
    title: String,
    heading: String,
    /// The heading around its date, so the date is kept on one line.
    heading_parts: (String, String, String),
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

/// Which thanks opens a call: the one for its most urgent reason (a low
/// score, else the ticket or the order).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Opening {
    Order,
    Ticket,
    Feedback,
}

fn opening(e: &ScheduledCall) -> Opening {
    match e.reasons.first() {
        Some(ReasonDetail::LowScore { .. }) => Opening::Feedback,
        Some(ReasonDetail::Ticket { .. }) => Opening::Ticket,
        Some(ReasonDetail::Order { .. }) | None => Opening::Order,
    }
}

fn anchor(l: Locale) -> &'static str {
    match l {
        Locale::En => "script-en",
        Locale::Ko => "script-ko",
        Locale::Vi => "script-vi",
        Locale::Zh => "script-zh",
    }
}

/// The script in `script_locale` for the sheet's calls in it, with the
/// branch labels in the agent's language (`t`): they are for the agent,
/// the lines for the customer.
fn script(
    settings: &Settings,
    agent: &Agent,
    t: &SheetTexts,
    script_locale: Locale,
    mut openings: Vec<Opening>,
) -> ScriptView {
    let s = &texts(script_locale).script;
    let values = [
        ("name", s.name_placeholder.as_str()),
        ("business", settings.business.name.as_str()),
        ("agent", agent.name.as_str()),
    ];
    openings.sort();
    openings.dedup();
    ScriptView {
        anchor: anchor(script_locale),
        lang: script_locale.code(),
        title: fill(&t.script_in, &[("language", language_name(script_locale))]),
        greeting: fill(&s.greeting, &values),
        thanks: openings
            .into_iter()
            .map(|o| match o {
                Opening::Order => (t.after_order.as_str(), &s.thanks_order),
                Opening::Ticket => (t.after_ticket.as_str(), &s.thanks_ticket),
                Opening::Feedback => (t.after_feedback.as_str(), &s.thanks_feedback),
            })
            .map(|(when, line)| (when.to_string(), fill(line, &values)))
            .collect(),
        question: fill(&s.question, &values),
        if_satisfied: fill(&s.if_satisfied, &values),
        if_unsatisfied: fill(&s.if_unsatisfied, &values),
        closing: fill(&s.closing, &values),
    }
}

fn row(
    agent: &Agent,
    t: &SheetTexts,
    locale: Locale,
    day: NaiveDate,
    settings: &Settings,
    e: &ScheduledCall,
) -> SheetRow {
    let name = e.name.clone().unwrap_or_else(|| e.customer.to_string());
    SheetRow {
        time: clock_time(e.slot, agent.time_zone),
        their_time: fill(
            &t.their_time,
            &[
                ("time", &clock_time(e.slot, e.customer_tz)),
                ("zone", e.customer_tz.name()),
            ],
        ),
        phone: e.phone.as_ref().map(|p| (p.clone(), phone::display(p))),
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
            &[
                ("time", &local_time(e.deadline, agent.time_zone)),
                ("zone", agent.time_zone.name()),
            ],
        ),
        at_risk: e.at_risk,
        url: format!("{}/c/{}", settings.business.base_url, e.outcome_token),
        script_anchor: anchor(e.locale),
        see_script: fill(&t.see_script, &[("language", language_name(e.locale))]),
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
    // One script per language, in the order the calls first need it.
    let mut by_language: Vec<(Locale, Vec<Opening>)> = Vec::new();
    for e in &entries {
        match by_language.iter_mut().find(|(l, _)| *l == e.locale) {
            Some((_, openings)) => openings.push(opening(e)),
            None => by_language.push((e.locale, vec![opening(e)])),
        }
    }
    let heading_template = if update { &t.update_title } else { &t.title };
    let heading = fill(heading_template, &values);
    let heading_parts = around_day(heading_template, &values, &day_text);
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
        heading,
        heading_parts,
        labels: t,
        rows: entries
            .into_iter()
            .map(|e| row(agent, t, locale, day, settings, e))
            .collect(),
        scripts: by_language
            .into_iter()
            .map(|(l, openings)| script(settings, agent, t, l, openings))
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

/// `template` filled, cut around its `{day}`: (before, the day, after).
/// A template without `{day}` is all "before".
fn around_day(template: &str, values: &[(&str, &str)], day: &str) -> (String, String, String) {
    match template.split_once("{day}") {
        Some((before, after)) => (fill(before, values), day.to_string(), fill(after, values)),
        None => (fill(template, values), String::new(), String::new()),
    }
}
