//! Why a request cannot be done, as the visitor sees it: a status and a
//! sentence in their language. Bad input is always a 4xx; only our own
//! trouble (a store outage) is a 5xx, and no page names anything internal.

use aftercare_shared::domain::surveys::AnswerRejection;
use aftercare_shared::domain::token::TokenError;
use aftercare_shared::i18n::PageTexts;
use aftercare_shared::services::{Rejection, ServiceError};
use axum::http::StatusCode;

/// The status and the sentence for a failed use case.
pub fn explain<'t>(error: &ServiceError, t: &'t PageTexts) -> (StatusCode, &'t str) {
    match error {
        ServiceError::Rejected(r) => rejection(r, t),
        ServiceError::Store(_)
        | ServiceError::Contended(_)
        | ServiceError::Render(_)
        | ServiceError::Report(_) => (StatusCode::SERVICE_UNAVAILABLE, &t.unavailable),
    }
}

fn rejection<'t>(r: &Rejection, t: &'t PageTexts) -> (StatusCode, &'t str) {
    match r {
        Rejection::Link(TokenError::Malformed) => (StatusCode::BAD_REQUEST, &t.link_malformed),
        Rejection::Link(TokenError::BadSignature) => (StatusCode::FORBIDDEN, &t.link_forged),
        Rejection::Link(TokenError::WrongPurpose) => (StatusCode::FORBIDDEN, &t.link_wrong_purpose),
        Rejection::Link(TokenError::Expired) => (StatusCode::GONE, &t.link_expired),
        Rejection::Answer(a) => answer(*a, t),
        Rejection::Invalid(_) | Rejection::Event(_) => {
            (StatusCode::UNPROCESSABLE_ENTITY, &t.invalid_form)
        }
        Rejection::CallClosed => (StatusCode::CONFLICT, &t.call_closed),
        Rejection::AttemptRecorded => (StatusCode::CONFLICT, &t.attempt_recorded),
        Rejection::NoSuchCall => (StatusCode::NOT_FOUND, &t.no_such_call),
        Rejection::NoSuchEscalation => (StatusCode::NOT_FOUND, &t.no_such_escalation),
        Rejection::NoSuchCase => (StatusCode::NOT_FOUND, &t.no_such_case),
        Rejection::AlreadyResolved => (StatusCode::CONFLICT, &t.already_resolved),
    }
}

/// Why a survey cannot take an answer.
pub fn answer(a: AnswerRejection, t: &PageTexts) -> (StatusCode, &str) {
    match a {
        AnswerRejection::UnknownSurvey => (StatusCode::NOT_FOUND, &t.survey_unknown),
        AnswerRejection::NotSentYet => (StatusCode::CONFLICT, &t.survey_not_sent),
        AnswerRejection::Throttled | AnswerRejection::Suppressed => {
            (StatusCode::GONE, &t.survey_not_asked)
        }
        AnswerRejection::Expired => (StatusCode::GONE, &t.link_expired),
    }
}
