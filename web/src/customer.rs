//! The customer's pages: `/s/{token}` (the survey, its answer and thanks)
//! and `/u/{token}` (unsubscribe, also RFC 8058's one-click POST).

use crate::links::{LinkGet, LinkPost};
use crate::pages;
use crate::refusal::{answer as answer_refusal, explain};
use crate::Pages;
use aftercare_shared::domain::event::Score;
use aftercare_shared::i18n::{fill, texts};
use aftercare_shared::services::{Rejection, ServiceError, UnsubscribeBy};
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

/// The `score` a survey button carried (`?score=7`), if it is a number.
fn query_score(query: Option<&str>) -> Option<i64> {
    form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .find(|(k, _)| k == "score")
        .and_then(|(_, v)| v.trim().parse().ok())
}

struct AnswerForm {
    score: Option<i64>,
    comment: Option<String>,
}

fn answer_form(body: &[u8]) -> AnswerForm {
    let mut form = AnswerForm {
        score: None,
        comment: None,
    };
    for (k, v) in form_urlencoded::parse(body) {
        match k.as_ref() {
            "score" => form.score = v.trim().parse().ok(),
            "comment" => form.comment = Some(v.into_owned()),
            _ => {}
        }
    }
    form
}

impl Pages {
    /// The refusal page for a failed use case, in the customer's language
    /// when the link can be read.
    pub(crate) async fn refuse(
        &self,
        token: Option<&str>,
        headers: &HeaderMap,
        e: &ServiceError,
    ) -> Response {
        if !e.is_rejection() {
            tracing::warn!(error = %e, "a page request failed");
        }
        let locale = self.locale(token, headers).await;
        let (status, why) = explain(e, &texts(locale).page);
        pages::refusal(locale, self.business(), status, why)
    }

    pub(crate) async fn malformed(&self, headers: &HeaderMap) -> Response {
        let e = ServiceError::Rejected(Rejection::Link(
            aftercare_shared::domain::token::TokenError::Malformed,
        ));
        self.refuse(None, headers, &e).await
    }
}

/// `GET /s/{token}?score=N`: the form, N chosen when it is a valid score.
pub async fn survey(
    State(p): State<Pages>,
    LinkGet { token, headers }: LinkGet,
    RawQuery(query): RawQuery,
) -> Response {
    match p.service.survey_page(&token, p.clock.now()).await {
        Ok(page) => match page.closed {
            Some(why) => {
                let (status, text) = answer_refusal(why, &texts(page.locale).page);
                pages::refusal(page.locale, &page.business, status, text)
            }
            None => {
                let chosen = query_score(query.as_deref())
                    .and_then(|s| Score::parse(page.survey.kind(), s).ok())
                    .map(Score::value);
                pages::survey(&page, chosen, None, None, StatusCode::OK)
            }
        },
        Err(e) => p.refuse(Some(&token), &headers, &e).await,
    }
}

/// `POST /s/{token}`: records the score and comment, then thanks.
pub async fn answer(State(p): State<Pages>, post: LinkPost) -> Response {
    let LinkPost {
        token,
        body,
        headers,
    } = post;
    let form = answer_form(&body);
    let now = p.clock.now();
    let recorded = match form.score {
        Some(score) => {
            p.service
                .record_answer(&token, score, form.comment.as_deref(), now)
                .await
        }
        None => Err(ServiceError::Rejected(Rejection::Invalid(
            "score: missing".into(),
        ))),
    };
    match recorded {
        Ok(receipt) => match p.service.survey_page(&token, now).await {
            Ok(page) => pages::thanks(&page, &receipt),
            Err(e) => p.refuse(Some(&token), &headers, &e).await,
        },
        // A missing or out-of-range score: the form again, saying what to fix.
        Err(ServiceError::Rejected(Rejection::Invalid(_))) => {
            match p.service.survey_page(&token, now).await {
                Ok(page) if page.closed.is_none() => {
                    let scale = page.survey.kind().scale();
                    let t = &texts(page.locale).page;
                    let problem = fill(
                        &t.choose_score,
                        &[
                            ("low", &scale.start().to_string()),
                            ("high", &scale.end().to_string()),
                        ],
                    );
                    pages::survey(
                        &page,
                        None,
                        form.comment.as_deref(),
                        Some(problem),
                        StatusCode::UNPROCESSABLE_ENTITY,
                    )
                }
                Ok(page) => {
                    let why = page.closed.unwrap_or(
                        aftercare_shared::domain::surveys::AnswerRejection::UnknownSurvey,
                    );
                    let (status, text) = answer_refusal(why, &texts(page.locale).page);
                    pages::refusal(page.locale, &page.business, status, text)
                }
                Err(e) => p.refuse(Some(&token), &headers, &e).await,
            }
        }
        Err(e) => p.refuse(Some(&token), &headers, &e).await,
    }
}

/// `GET /u/{token}`: the confirmation with one button (changes nothing).
pub async fn unsubscribe_form(
    State(p): State<Pages>,
    LinkGet { token, headers }: LinkGet,
) -> Response {
    match p.service.unsubscribe_page(&token, p.clock.now()).await {
        Ok(page) => pages::unsubscribe(&page),
        Err(e) => p.refuse(Some(&token), &headers, &e).await,
    }
}

/// `POST /u/{token}`: unsubscribes. The page's button and a mail
/// client's RFC 8058 one-click POST (`List-Unsubscribe=One-Click`, no
/// cookie) both land here; the body is not needed, only bounded.
pub async fn unsubscribe(State(p): State<Pages>, post: LinkPost) -> Response {
    let LinkPost { token, headers, .. } = post;
    let now = p.clock.now();
    let done = p
        .service
        .unsubscribe(UnsubscribeBy::Token(&token), now)
        .await;
    match done {
        Ok(()) => match p.service.unsubscribe_page(&token, now).await {
            Ok(page) => pages::unsubscribed(page.locale, &page.business),
            Err(e) => p.refuse(Some(&token), &headers, &e).await,
        },
        Err(e) => p.refuse(Some(&token), &headers, &e).await,
    }
}
