//! The pages, one askama template each (`web/templates/`), every value
//! escaped by the engine; texts come from `shared/locales/` ([page]).

use aftercare_shared::domain::event::{Score, SurveyKind};
use aftercare_shared::domain::ids::Locale;
use aftercare_shared::i18n::{fill, texts, PageTexts};
use aftercare_shared::services::{AnswerReceipt, SurveyPage, UnsubscribePage};
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

/// The templates' filters: `keep_words` keeps dates and ids whole on a phone.
use crate::filters;

pub struct ScoreChoice {
    pub value: u8,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "survey.html")]
struct SurveyTemplate<'a> {
    lang: &'a str,
    title: String,
    business: &'a str,
    footer: String,
    question: String,
    current: Option<String>,
    problem: Option<String>,
    choose: &'a str,
    scores: Vec<ScoreChoice>,
    low_end: &'a str,
    high_end: &'a str,
    comment_label: &'a str,
    comment: &'a str,
    submit: &'a str,
}

#[derive(Template)]
#[template(path = "thanks.html")]
struct ThanksTemplate<'a> {
    lang: &'a str,
    title: String,
    business: &'a str,
    footer: String,
    heading: &'a str,
    score: u8,
    /// The scale's top (5 for CSAT, 10 for NPS): "4 / 5", not a bare 4.
    max: u8,
    recorded: String,
    comment_label: &'a str,
    comment: Option<&'a str>,
    low: Option<&'a str>,
    change_href: String,
    change: &'a str,
}

#[derive(Template)]
#[template(path = "unsubscribe.html")]
struct UnsubscribeTemplate<'a> {
    lang: &'a str,
    title: &'a str,
    business: &'a str,
    footer: String,
    heading: &'a str,
    already: Option<&'a str>,
    question: String,
    button: &'a str,
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessageTemplate<'a> {
    lang: &'a str,
    title: &'a str,
    business: &'a str,
    footer: String,
    heading: &'a str,
    body: &'a str,
    is_error: bool,
}

/// A rendered page, or a plain 500 if a template itself fails (a bug,
/// never the visitor's input; the page names nothing internal).
pub(crate) fn html(status: StatusCode, rendered: Result<String, askama::Error>) -> Response {
    match rendered {
        Ok(body) => (status, Html(body)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "a page template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "Internal error").into_response()
        }
    }
}

pub(crate) fn footer(t: &PageTexts, business: &str) -> String {
    fill(&t.footer, &[("business", business)])
}

/// The survey form. `chosen` is the score the email's button carried (or
/// the one just sent back with a problem); `problem` says what to fix.
pub fn survey(
    page: &SurveyPage,
    chosen: Option<u8>,
    comment: Option<&str>,
    problem: Option<String>,
    status: StatusCode,
) -> Response {
    let all = texts(page.locale);
    let (t, s) = (&all.page, &all.survey);
    let kind = page.survey.kind();
    let scale = kind.scale();
    let business = page.business.as_str();
    let question = match kind {
        SurveyKind::Csat => &s.csat_question,
        SurveyKind::Nps => &s.nps_question,
    };
    let (low_end, high_end) = match kind {
        SurveyKind::Csat => (&s.csat_low, &s.csat_high),
        SurveyKind::Nps => (&s.nps_low, &s.nps_high),
    };
    let recorded_comment = page.answer.as_ref().and_then(|(_, c)| c.as_deref());
    let template = SurveyTemplate {
        lang: page.locale.code(),
        title: fill(&t.survey_title, &[("business", business)]),
        business,
        footer: footer(t, business),
        question: fill(question, &[("business", business)]),
        current: page
            .answer
            .as_ref()
            .map(|(score, _)| fill(&t.current, &[("score", &score.to_string())])),
        problem,
        choose: &s.choose,
        scores: scale
            .map(|value| ScoreChoice {
                value,
                checked: chosen == Some(value),
            })
            .collect(),
        low_end,
        high_end,
        comment_label: &t.comment_label,
        comment: comment.or(recorded_comment).unwrap_or(""),
        submit: &t.submit,
    };
    html(status, template.render())
}

/// The thanks page after an answer was recorded: the score and comment
/// as the store now holds them, and a way to change them.
pub fn thanks(page: &SurveyPage, receipt: &AnswerReceipt) -> Response {
    let locale = page.locale;
    let t = &texts(locale).page;
    let business = page.business.as_str();
    let (score, comment) = match &page.answer {
        Some((score, comment)) => (*score, comment.as_deref()),
        None => (receipt.score, None),
    };
    let low = Score::parse(receipt.survey.kind(), i64::from(score)).is_ok_and(Score::is_low);
    let max = *receipt.survey.kind().scale().end();
    let template = ThanksTemplate {
        lang: locale.code(),
        title: t.thanks_title.clone(),
        business,
        footer: footer(t, business),
        heading: &t.thanks_title,
        score,
        max,
        recorded: fill(
            &t.thanks_score,
            &[("score", &score.to_string()), ("max", &max.to_string())],
        ),
        comment_label: &t.thanks_comment,
        comment,
        low: low.then_some(t.thanks_low.as_str()),
        // Relative: the page's own URL with the recorded score chosen.
        change_href: format!("?score={score}"),
        change: &t.change,
    };
    html(StatusCode::OK, template.render())
}

/// The unsubscribe confirmation (GET).
pub fn unsubscribe(page: &UnsubscribePage) -> Response {
    let t = &texts(page.locale).page;
    let business = page.business.as_str();
    let question = match &page.masked_address {
        Some(address) => fill(
            &t.unsubscribe_question,
            &[("business", business), ("address", address)],
        ),
        None => fill(&t.unsubscribe_question_anonymous, &[("business", business)]),
    };
    let template = UnsubscribeTemplate {
        lang: page.locale.code(),
        title: &t.unsubscribe_title,
        business,
        footer: footer(t, business),
        heading: &t.unsubscribe_title,
        already: page.already.then_some(t.already_unsubscribed.as_str()),
        question,
        button: &t.unsubscribe_button,
    };
    html(StatusCode::OK, template.render())
}

/// The page after unsubscribing.
pub fn unsubscribed(locale: Locale, business: &str) -> Response {
    let t = &texts(locale).page;
    let body = fill(&t.unsubscribed_body, &[("business", business)]);
    message(
        locale,
        business,
        StatusCode::OK,
        &t.unsubscribed_title,
        &body,
        false,
    )
}

/// A page that says why a request cannot be done, with its status.
pub fn refusal(locale: Locale, business: &str, status: StatusCode, why: &str) -> Response {
    let t = &texts(locale).page;
    message(locale, business, status, &t.refusal_title, why, true)
}

fn message(
    locale: Locale,
    business: &str,
    status: StatusCode,
    heading: &str,
    body: &str,
    is_error: bool,
) -> Response {
    let t = &texts(locale).page;
    let template = MessageTemplate {
        lang: locale.code(),
        title: heading,
        business,
        footer: footer(t, business),
        heading,
        body,
        is_error,
    };
    html(status, template.render())
}
