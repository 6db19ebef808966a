//! The messages aftercare sends: a view per message kind, rendered by its
//! templates (`shared/templates/mail/`, HTML escaped automatically) in the
//! reader's language, then built into MIME. One file per message kind:
//! `survey.rs`, `notices.rs` (alerts), `report.rs`, `sheet.rs`.

pub mod filters;
mod notices;
mod report;
mod sheet;
mod survey;

pub use notices::{escalation_alert, low_score_alert, EscalationAlert};
pub use report::{
    manager_email, manager_email_text, range_page, report_page, ReportError, TREND_CID,
};
pub use sheet::{call_sheet, sheet_update};
pub use survey::{survey_email, SurveyMail};

use super::mime::{Email, Inline};
use crate::config::Settings;
use crate::domain::keys::MessageId;
use crate::ports::Message;
use chrono::{DateTime, Utc};

/// A template failed to render (a bug, never the reader's input).
#[derive(Debug, thiserror::Error)]
#[error("rendering a message: {0}")]
pub struct RenderError(#[from] askama::Error);

/// An unsubscribe link works this long after the email that carries it
/// (SPEC 6 asks for at least 30 days), whatever the survey link's expiry.
pub const UNSUBSCRIBE_VALID_DAYS: i64 = 90;

struct Parts<'a> {
    id: MessageId,
    to: Vec<String>,
    subject: &'a str,
    text: &'a str,
    html: &'a str,
    unsubscribe: Option<&'a str>,
    inline: &'a [Inline<'a>],
}

fn message(settings: &Settings, now: DateTime<Utc>, p: Parts<'_>) -> Message {
    let from = settings.business.from.as_str();
    let raw = Email {
        id: &p.id,
        from: (&settings.business.name, from),
        to: &p.to,
        subject: p.subject,
        date: now,
        text: p.text,
        html: p.html,
        unsubscribe: p.unsubscribe,
        inline: p.inline,
    }
    .to_mime();
    Message {
        id: p.id,
        from: from.to_string(),
        to: p.to,
        raw,
    }
}

fn managers(settings: &Settings) -> Vec<String> {
    settings
        .business
        .managers
        .iter()
        .map(|m| m.as_str().to_string())
        .collect()
}

/// A time as the managers read it: in the report time zone, named.
fn report_time(settings: &Settings, t: DateTime<Utc>) -> String {
    let tz = settings.policy.report_time_zone;
    format!(
        "{} ({})",
        t.with_timezone(&tz).format("%Y-%m-%d %H:%M"),
        tz.name()
    )
}
