//! The morning report email and the report page.

use super::{managers, message, Parts, RenderError};
use crate::config::Settings;
use crate::domain::keys::MessageId;
use crate::domain::report::DailyReport;
use crate::i18n::{fill, texts};
use crate::ports::Message;
use askama::Template;
use chrono::{DateTime, Utc};

struct ReportView<'a> {
    lang: &'a str,
    title: String,
    text: String,
}

#[derive(Template)]
#[template(path = "mail/report.html")]
struct ReportHtml<'a> {
    v: &'a ReportView<'a>,
}

fn report_view(settings: &Settings, report: &DailyReport) -> ReportView<'static> {
    let locale = settings.business.locale;
    let date = report.date.to_string();
    ReportView {
        lang: locale.code(),
        title: fill(
            &texts(locale).report.subject,
            &[("business", &settings.business.name), ("date", &date)],
        ),
        text: report.to_text(),
    }
}

/// The morning KPI email (the full manager email is built on this).
pub fn daily_report(
    settings: &Settings,
    report: &DailyReport,
    now: DateTime<Utc>,
) -> Result<Message, RenderError> {
    let v = report_view(settings, report);
    let html = ReportHtml { v: &v }.render()?;
    Ok(message(
        settings,
        now,
        Parts {
            id: MessageId::Report(report.date),
            to: managers(settings),
            subject: &v.title,
            text: &v.text,
            html: &html,
            unsubscribe: None,
            inline: &[],
        },
    ))
}

/// A day's KPIs as a standalone HTML page.
pub fn report_html(settings: &Settings, report: &DailyReport) -> Result<String, RenderError> {
    Ok(ReportHtml {
        v: &report_view(settings, report),
    }
    .render()?)
}
