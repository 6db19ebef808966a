//! The survey email (SPEC 5): one button per score, a signed link each, and
//! RFC 8058 unsubscribe headers.

use super::{message, Parts, RenderError, UNSUBSCRIBE_VALID_DAYS};
use crate::config::Settings;
use crate::domain::event::SurveyKind;
use crate::domain::ids::CustomerId;
use crate::domain::keys::MessageId;
use crate::domain::surveys::PlannedSurvey;
use crate::domain::token::{LinkSubject, TokenKey};
use crate::i18n::{fill, texts};
use crate::ports::Message;
use askama::Template;
use chrono::{DateTime, Duration, Utc};

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
    let token = key.sign_link(
        &LinkSubject::Survey {
            customer: customer.clone(),
            survey: survey.key.clone(),
        },
        expires,
    );
    let unsubscribe = key.sign_link(
        &LinkSubject::Unsubscribe(customer.clone()),
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
