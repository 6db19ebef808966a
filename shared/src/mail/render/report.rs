//! The morning report email and the report page.

use super::{managers, message, Parts, RenderError};
use crate::config::Settings;
use crate::domain::keys::MessageId;
use crate::domain::report::DailyReport;
use crate::i18n::{fill, texts};
use crate::ports::Message;
use askama::Template;
use chrono::{DateTime, Utc};

/// What the morning email says beside the KPIs (issue 8 grows this into
/// the full manager email).
#[derive(Debug, Clone, Default)]
pub struct MorningNotes {
    /// The roster is empty: every call is booked unassigned, at risk.
    pub no_agents: bool,
    /// Open escalations, oldest first: the customer, since when (report
    /// time zone), the signed link to resolve it.
    pub escalations: Vec<(String, String, String)>,
    /// How many are open in all (more than listed when capped).
    pub escalations_open: usize,
}

struct ReportView<'a> {
    lang: &'a str,
    title: String,
    text: String,
    warning: Option<&'a str>,
    escalations_heading: Option<String>,
    escalations: &'a [(String, String, String)],
    more: Option<String>,
}

#[derive(Template)]
#[template(path = "mail/report.html")]
struct ReportHtml<'a> {
    v: &'a ReportView<'a>,
    resolve: &'a str,
}

fn report_view<'a>(
    settings: &Settings,
    report: &DailyReport,
    notes: &'a MorningNotes,
) -> ReportView<'a> {
    let locale = settings.business.locale;
    let t = &texts(locale).report;
    let date = report.date.to_string();
    let listed = notes.escalations.len();
    ReportView {
        lang: locale.code(),
        title: fill(
            &t.subject,
            &[("business", &settings.business.name), ("date", &date)],
        ),
        text: report.to_text(),
        warning: notes.no_agents.then_some(t.no_agents.as_str()),
        escalations_heading: (notes.escalations_open > 0).then(|| {
            fill(
                &t.open_escalations,
                &[("count", &notes.escalations_open.to_string())],
            )
        }),
        escalations: &notes.escalations,
        more: (notes.escalations_open > listed).then(|| {
            fill(
                &t.and_more,
                &[("n", &(notes.escalations_open - listed).to_string())],
            )
        }),
    }
}

/// The text part: the notes first, then the KPIs.
fn text_part(v: &ReportView<'_>, resolve: &str) -> String {
    let mut out = String::new();
    if let Some(w) = v.warning {
        out.push_str(&format!("! {w}\n\n"));
    }
    if let Some(h) = &v.escalations_heading {
        out.push_str(&format!("{h}\n"));
        for (name, since, url) in v.escalations {
            out.push_str(&format!("- {name}, {since}\n  {resolve}: {url}\n"));
        }
        if let Some(more) = &v.more {
            out.push_str(&format!("  {more}\n"));
        }
        out.push('\n');
    }
    out.push_str(&v.text);
    out
}

/// The morning KPI email (the full manager email is built on this).
pub fn daily_report(
    settings: &Settings,
    report: &DailyReport,
    notes: &MorningNotes,
    now: DateTime<Utc>,
) -> Result<Message, RenderError> {
    let v = report_view(settings, report, notes);
    let resolve = &texts(settings.business.locale).alert.open_escalation;
    let html = ReportHtml { v: &v, resolve }.render()?;
    let text = text_part(&v, resolve);
    Ok(message(
        settings,
        now,
        Parts {
            id: MessageId::Report(report.date),
            to: managers(settings),
            subject: &v.title,
            text: &text,
            html: &html,
            unsubscribe: None,
            inline: &[],
        },
    ))
}

/// A day's KPIs as a standalone HTML page.
pub fn report_html(settings: &Settings, report: &DailyReport) -> Result<String, RenderError> {
    let notes = MorningNotes::default();
    Ok(ReportHtml {
        v: &report_view(settings, report, &notes),
        resolve: "",
    }
    .render()?)
}
