//! The messages aftercare sends, rendered to MIME.

use super::escape_html;
use super::i18n::{fill, texts};
use super::mime::Email;
use crate::config::{Agent, Settings};
use crate::domain::event::{Score, SurveyKind};
use crate::domain::ids::{CustomerId, Locale};
use crate::domain::report::DailyReport;
use crate::domain::surveys::PlannedSurvey;
use crate::domain::token::{Purpose, TokenKey};
use crate::ports::Message;
use chrono::{DateTime, NaiveDate, Utc};

/// A message before it gets its sender and date.
struct Draft<'a> {
    id: String,
    to: Vec<String>,
    subject: &'a str,
    text: &'a str,
    html: &'a str,
    headers: &'a [(&'a str, String)],
}

fn message(settings: &Settings, now: DateTime<Utc>, d: Draft<'_>) -> Message {
    let from = settings.from.as_str();
    let email = Email {
        id: &d.id,
        from,
        to: &d.to,
        subject: d.subject,
        date: now,
        text: d.text,
        html: d.html,
        headers: d.headers,
    };
    let raw = email.to_mime();
    Message {
        id: d.id,
        from: from.to_string(),
        to: d.to,
        raw,
    }
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{}</title></head>\
<body style=\"font-family:system-ui,sans-serif;max-width:640px;margin:auto;padding:16px;color:#222\">{}</body></html>",
        escape_html(title),
        body
    )
}

/// The survey subject used in tokens: which customer, which survey.
pub fn survey_subject(customer: &CustomerId, survey_key: &str) -> String {
    format!("{customer}\n{survey_key}")
}

/// A survey email (or its reminder): one button per score, each a link to
/// the survey page with that score chosen, and RFC 8058 unsubscribe headers.
/// Which survey email to write, to whom.
pub struct SurveyMail<'a> {
    pub customer: &'a CustomerId,
    pub name: Option<&'a str>,
    pub survey: &'a PlannedSurvey,
    /// When the first email went out: links expire from then.
    pub first_sent: DateTime<Utc>,
    pub reminder: bool,
}

pub fn survey_email(
    settings: &Settings,
    key: &TokenKey,
    mail: &SurveyMail<'_>,
    now: DateTime<Utc>,
) -> Message {
    let SurveyMail {
        customer,
        name,
        survey,
        first_sent,
        reminder,
    } = *mail;
    let t = texts(survey.locale);
    let business = &settings.business_name;
    let expires = first_sent + settings.surveys.link_valid;
    let token = key.sign(
        Purpose::Survey,
        &survey_subject(customer, &survey.key),
        expires,
    );
    let unsubscribe = key.sign(Purpose::Unsubscribe, customer.as_str(), expires);
    let unsubscribe_url = format!("{}/u/{}", settings.base_url, unsubscribe);
    let (subject, question, scores, low, high) = match survey.kind() {
        SurveyKind::Csat => (
            t.csat_subject,
            t.csat_question,
            1..=5u8,
            t.csat_low,
            t.csat_high,
        ),
        SurveyKind::Nps => (
            t.nps_subject,
            t.nps_question,
            0..=10u8,
            t.nps_low,
            t.nps_high,
        ),
    };
    let mut subject = fill(subject, "", business);
    if reminder {
        subject = format!("{}{}", t.reminder_prefix, subject);
    }
    let hello = fill(t.hello, name.unwrap_or(""), business)
        .replace(" ,", ",")
        .replace("  ", " ");
    let question = fill(question, "", business);
    let signature = fill(t.thanks_signature, "", business);
    let mut text = format!("{hello}\n\n{question}\n({low}, {high})\n\n");
    let mut buttons = String::new();
    for s in scores {
        let url = format!("{}/s/{}?score={}", settings.base_url, token, s);
        text.push_str(&format!("{s}: {url}\n"));
        buttons.push_str(&format!(
            "<a href=\"{}\" style=\"display:inline-block;min-width:36px;padding:10px 0;margin:2px;text-align:center;border:1px solid #888;border-radius:6px;text-decoration:none;color:#222\">{}</a>",
            escape_html(&url),
            s
        ));
    }
    text.push_str(&format!(
        "\n{signature}\n\n{}: {unsubscribe_url}\n",
        t.unsubscribe
    ));
    let html = page(
        &subject,
        &format!(
            "<p>{}</p><p><strong>{}</strong></p><div>{}</div><p style=\"font-size:small\">{} · {}</p><p>{}</p><p style=\"font-size:small\"><a href=\"{}\">{}</a></p>",
            escape_html(&hello),
            escape_html(&question),
            buttons,
            escape_html(low),
            escape_html(high),
            escape_html(&signature),
            escape_html(&unsubscribe_url),
            escape_html(t.unsubscribe)
        ),
    );
    let headers = [
        ("List-Unsubscribe", format!("<{unsubscribe_url}>")),
        (
            "List-Unsubscribe-Post",
            "List-Unsubscribe=One-Click".to_string(),
        ),
    ];
    let kind = if reminder { "reminder" } else { "survey" };
    message(
        settings,
        now,
        Draft {
            id: format!("{kind}-{}-{}", customer, survey.key),
            to: vec![survey.email.as_str().to_string()],
            subject: &subject,
            text: &text,
            html: &html,
            headers: &headers,
        },
    )
}

fn managers(settings: &Settings) -> Vec<String> {
    settings
        .managers
        .iter()
        .map(|m| m.as_str().to_string())
        .collect()
}

/// Immediate alert: a low CSAT or NPS answer, with its priority call.
/// A low answer, for the managers' alert.
pub struct LowScore<'a> {
    pub customer: &'a CustomerId,
    pub name: Option<&'a str>,
    pub survey_key: &'a str,
    pub score: Score,
    pub comment: Option<&'a str>,
    /// The priority call's deadline, when a call could be made.
    pub call_deadline: Option<DateTime<Utc>>,
}

pub fn low_score_alert(settings: &Settings, low: &LowScore<'_>, now: DateTime<Utc>) -> Message {
    let LowScore {
        customer,
        name,
        survey_key,
        score,
        comment,
        call_deadline,
    } = *low;
    let kind = match score {
        Score::Csat(_) => "CSAT",
        Score::Nps(_) => "NPS",
    };
    let subject = format!(
        "Unhappy customer: {kind} {} from {}",
        score.value(),
        name.unwrap_or(customer.as_str())
    );
    let call = call_deadline
        .map(|d| {
            format!(
                "A priority call is scheduled, due by {} UTC.",
                d.format("%Y-%m-%d %H:%M")
            )
        })
        .unwrap_or_else(|| "No call is possible: the customer has no phone number.".into());
    let text = format!(
        "Customer {customer} ({}) answered the {kind} survey {survey_key} with {}.\nComment: {}\n{call}\n",
        name.unwrap_or("-"),
        score.value(),
        comment.unwrap_or("(none)")
    );
    let html = page(
        &subject,
        &format!(
            "<pre style=\"white-space:pre-wrap\">{}</pre>",
            escape_html(&text)
        ),
    );
    message(
        settings,
        now,
        Draft {
            id: format!("alert-low-{customer}-{survey_key}"),
            to: managers(settings),
            subject: &subject,
            text: &text,
            html: &html,
            headers: &[],
        },
    )
}

/// Immediate alert: a reached customer said they were unsatisfied.
pub fn escalation_alert(
    settings: &Settings,
    customer: &CustomerId,
    name: Option<&str>,
    call_id: &str,
    notes: Option<&str>,
    now: DateTime<Utc>,
) -> Message {
    let subject = format!(
        "Escalation: {} was unsatisfied on the follow-up call",
        name.unwrap_or(customer.as_str())
    );
    let text = format!(
        "The follow-up call {call_id} reached customer {customer} ({}), who was unsatisfied.\nAgent notes: {}\nThe escalation stays open in the daily email until a manager resolves it.\n",
        name.unwrap_or("-"),
        notes.unwrap_or("(none)")
    );
    let html = page(
        &subject,
        &format!(
            "<pre style=\"white-space:pre-wrap\">{}</pre>",
            escape_html(&text)
        ),
    );
    message(
        settings,
        now,
        Draft {
            id: format!("alert-esc-{call_id}"),
            to: managers(settings),
            subject: &subject,
            text: &text,
            html: &html,
            headers: &[],
        },
    )
}

/// The morning KPI email (the full manager email is built on this).
pub fn daily_report(settings: &Settings, report: &DailyReport, now: DateTime<Utc>) -> Message {
    let subject = format!("{} KPIs for {}", settings.business_name, report.date);
    let text = report.to_text();
    let html = page(&subject, &format!("<pre>{}</pre>", escape_html(&text)));
    message(
        settings,
        now,
        Draft {
            id: format!("report-{}", report.date),
            to: managers(settings),
            subject: &subject,
            text: &text,
            html: &html,
            headers: &[],
        },
    )
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

/// An agent's call sheet for one working day, with the scripts.
pub fn call_sheet(
    settings: &Settings,
    agent: &Agent,
    day: NaiveDate,
    entries: &[SheetEntry],
    now: DateTime<Utc>,
) -> Message {
    let subject = format!("Your calls for {day}: {}", entries.len());
    let mut text = format!(
        "Calls for {} on {day} ({})\n\n",
        agent.name, agent.time_zone
    );
    let mut rows = String::new();
    for e in entries {
        let local = e.slot.with_timezone(&agent.time_zone).format("%H:%M");
        let name = e.name.as_deref().unwrap_or(e.customer.as_str());
        text.push_str(&format!(
            "{local}  {name}  {}  [{}]  {}\n  record the outcome: {}\n",
            e.phone.as_deref().unwrap_or("-"),
            e.locale.code(),
            e.reason,
            e.outcome_url
        ));
        rows.push_str(&format!(
            "<tr><td>{local}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><a href=\"{}\">record outcome</a></td></tr>",
            escape_html(name),
            escape_html(e.phone.as_deref().unwrap_or("-")),
            e.locale.code(),
            escape_html(&e.reason),
            escape_html(&e.outcome_url)
        ));
    }
    let mut scripts = String::new();
    let mut locales: Vec<Locale> = entries.iter().map(|e| e.locale).collect();
    locales.sort();
    locales.dedup();
    for l in locales {
        let s = &texts(l).script;
        let lines = [
            s.greeting,
            s.thanks_order,
            s.thanks_ticket,
            s.question,
            s.if_satisfied,
            s.if_unsatisfied,
            s.closing,
        ]
        .map(|line| fill(line, "…", &settings.business_name).replace("{agent}", &agent.name));
        text.push_str(&format!(
            "\nScript ({}):\n  {}\n",
            l.code(),
            lines.join("\n  ")
        ));
        scripts.push_str(&format!(
            "<h3>Script ({})</h3><ol>{}</ol>",
            l.code(),
            lines
                .iter()
                .map(|x| format!("<li>{}</li>", escape_html(x)))
                .collect::<String>()
        ));
    }
    let html = page(
        &subject,
        &format!("<h2>{}</h2><table border=\"1\" cellpadding=\"4\" style=\"border-collapse:collapse\"><tr><th>time</th><th>customer</th><th>phone</th><th>language</th><th>reason</th><th></th></tr>{rows}</table>{scripts}", escape_html(&subject)),
    );
    message(
        settings,
        now,
        Draft {
            id: format!("sheet-{}-{day}", agent.id),
            to: vec![agent.email.as_str().to_string()],
            subject: &subject,
            text: &text,
            html: &html,
            headers: &[],
        },
    )
}

/// A day's KPIs as a standalone HTML page.
pub fn report_html(settings: &Settings, report: &DailyReport) -> String {
    let title = format!("{} KPIs for {}", settings.business_name, report.date);
    page(
        &title,
        &format!(
            "<h1>{}</h1><pre>{}</pre>",
            escape_html(&title),
            escape_html(&report.to_text())
        ),
    )
}
