//! The messages aftercare sends: a view per message kind, rendered by its
//! templates (`shared/templates/mail/`, HTML escaped automatically) in the
//! reader's language, then built into MIME.

use super::mime::{Email, Inline};
use crate::config::Settings;
use crate::domain::event::{Score, SurveyFor, SurveyKind};
use crate::domain::ids::{CustomerId, Locale};
use crate::domain::keys::{CallId, MessageId, SurveyKey};
use crate::domain::report::DailyReport;
use crate::domain::roster::Agent;
use crate::domain::surveys::PlannedSurvey;
use crate::domain::token::{Purpose, TokenKey};
use crate::i18n::{fill, texts};
use crate::ports::Message;
use askama::Template;
use chrono::{DateTime, Duration, NaiveDate, Utc};

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

/// The survey subject used in tokens: which customer, which survey.
pub fn survey_subject(customer: &CustomerId, survey: &SurveyKey) -> String {
    format!("{customer}\n{survey}")
}

struct ScoreButton {
    score: u8,
    url: String,
}

struct SurveyView<'a> {
    lang: &'a str,
    title: String,
    hello: String,
    question: String,
    choose: &'a str,
    buttons: Vec<ScoreButton>,
    low: &'a str,
    high: &'a str,
    signature: String,
    unsubscribe: &'a str,
    unsubscribe_url: String,
}

#[derive(Template)]
#[template(path = "mail/survey.html")]
struct SurveyHtml<'a> {
    v: &'a SurveyView<'a>,
}

#[derive(Template)]
#[template(path = "mail/survey.txt")]
struct SurveyText<'a> {
    v: &'a SurveyView<'a>,
}

/// Which survey email to write, to whom.
pub struct SurveyMail<'a> {
    pub customer: &'a CustomerId,
    pub name: Option<&'a str>,
    pub survey: &'a PlannedSurvey,
    /// When the first email went out: survey links expire from then.
    pub first_sent: DateTime<Utc>,
    pub reminder: bool,
}

/// A survey email (or its reminder): one button per score, each a link to
/// the survey page with that score chosen, and RFC 8058 unsubscribe headers.
pub fn survey_email(
    settings: &Settings,
    key: &TokenKey,
    mail: &SurveyMail<'_>,
    now: DateTime<Utc>,
) -> Result<Message, RenderError> {
    let SurveyMail {
        customer,
        name,
        survey,
        first_sent,
        reminder,
    } = *mail;
    let t = &texts(survey.locale).survey;
    let business = [("business", settings.business.name.as_str())];
    let expires = first_sent + settings.policy.surveys.link_valid;
    let token = key.sign(
        Purpose::Survey,
        &survey_subject(customer, &survey.key),
        expires,
    );
    let unsubscribe = key.sign(
        Purpose::Unsubscribe,
        customer.as_str(),
        now + Duration::days(UNSUBSCRIBE_VALID_DAYS),
    );
    let unsubscribe_url = format!("{}/u/{}", settings.business.base_url, unsubscribe);
    let (subject, question, scores, low, high) = match survey.kind() {
        SurveyKind::Csat => (
            &t.csat_subject,
            &t.csat_question,
            1..=5u8,
            &t.csat_low,
            &t.csat_high,
        ),
        SurveyKind::Nps => (
            &t.nps_subject,
            &t.nps_question,
            0..=10u8,
            &t.nps_low,
            &t.nps_high,
        ),
    };
    let mut subject = fill(subject, &business);
    if reminder {
        subject = format!("{}{}", t.reminder_prefix, subject);
    }
    let hello = match name.filter(|n| !n.trim().is_empty()) {
        Some(n) => fill(&t.hello, &[("name", n)]),
        None => t.hello_anonymous.clone(),
    };
    let v = SurveyView {
        lang: survey.locale.code(),
        title: subject.clone(),
        hello,
        question: fill(question, &business),
        choose: &t.choose,
        buttons: scores
            .map(|score| ScoreButton {
                score,
                url: format!("{}/s/{}?score={}", settings.business.base_url, token, score),
            })
            .collect(),
        low,
        high,
        signature: fill(&t.signature, &business),
        unsubscribe: &t.unsubscribe,
        unsubscribe_url,
    };
    let (html, text) = (
        SurveyHtml { v: &v }.render()?,
        SurveyText { v: &v }.render()?,
    );
    let id = if reminder {
        MessageId::Reminder {
            customer: customer.clone(),
            survey: survey.key.clone(),
        }
    } else {
        MessageId::Survey {
            customer: customer.clone(),
            survey: survey.key.clone(),
        }
    };
    Ok(message(
        settings,
        now,
        Parts {
            id,
            to: vec![survey.email.as_str().to_string()],
            subject: &subject,
            text: &text,
            html: &html,
            unsubscribe: Some(&v.unsubscribe_url),
            inline: &[],
        },
    ))
}

fn managers(settings: &Settings) -> Vec<String> {
    settings
        .business
        .managers
        .iter()
        .map(|m| m.as_str().to_string())
        .collect()
}

/// An alert for the managers: what happened and what happens next.
struct NoticeView<'a> {
    lang: &'a str,
    title: String,
    intro: String,
    details: Vec<(&'a str, String)>,
    footer: String,
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

/// A time as the managers read it: in the report time zone, named.
fn report_time(settings: &Settings, t: DateTime<Utc>) -> String {
    let tz = settings.policy.report_time_zone;
    format!(
        "{} ({})",
        t.with_timezone(&tz).format("%Y-%m-%d %H:%M"),
        tz.name()
    )
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
        SurveyFor::Order(o) => o.to_string(),
        SurveyFor::Ticket(t) => t.to_string(),
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
    };
    let id = MessageId::LowScoreAlert {
        customer: low.customer.clone(),
        survey: low.survey.clone(),
    };
    notice(settings, now, id, &v)
}

/// Immediate alert: a reached customer said they were unsatisfied.
pub fn escalation_alert(
    settings: &Settings,
    call: &CallId,
    name: Option<&str>,
    notes: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Message, RenderError> {
    let locale = settings.business.locale;
    let t = &texts(locale).alert;
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
    };
    notice(settings, now, MessageId::EscalationAlert(call.clone()), &v)
}

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
