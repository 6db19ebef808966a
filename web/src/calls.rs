//! The agent's outcome form: `GET /c/{token}` shows the call and the
//! form, `POST /c/{token}` records the attempt through the
//! `record_outcome` use case. A second POST for the same attempt, or one
//! for a call already closed, records nothing and says so.

use crate::links::{LinkGet, LinkPost};
use crate::staff_pages::{self, OutcomeChoice, OUTCOMES, SATISFACTIONS};
use crate::Pages;
use aftercare_shared::i18n::texts;
use aftercare_shared::services::{
    AttemptStatus, OutcomeForm, OutcomePage, Rejection, ServiceError,
};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

/// The form's fields; unknown values read as not chosen.
fn choice(body: &[u8]) -> OutcomeChoice {
    let mut c = OutcomeChoice::default();
    for (k, v) in form_urlencoded::parse(body) {
        match k.as_ref() {
            "outcome" => c.outcome = OUTCOMES.iter().find(|(_, n)| *n == v).map(|(o, _)| *o),
            "satisfaction" => {
                c.satisfaction = SATISFACTIONS.iter().find(|(_, n)| *n == v).map(|(s, _)| *s)
            }
            "notes" => c.notes = v.into_owned(),
            _ => {}
        }
    }
    c
}

/// The page an attempt's state calls for when nothing is to be recorded.
fn settled(page: &OutcomePage, notice: Option<&str>, status: StatusCode) -> Response {
    staff_pages::outcome_done(page, notice, status)
}

/// `GET /c/{token}`: the form, or what was recorded (changes nothing).
pub async fn outcome_form(State(p): State<Pages>, LinkGet { token, headers }: LinkGet) -> Response {
    let now = p.clock.now();
    match p.service.outcome_page(&token, now).await {
        Ok(page) => match page.status {
            AttemptStatus::ToRecord => staff_pages::outcome_form(
                &page,
                &OutcomeChoice::default(),
                None,
                StatusCode::OK,
                now,
            ),
            AttemptStatus::Recorded { .. } => settled(&page, None, StatusCode::OK),
            // A link the sheet gave, to a call closed since (reached on
            // another attempt, replaced by a later reason): the page says
            // so. Opening a link is never an error; only a POST that
            // cannot apply is (409).
            AttemptStatus::CallClosed(_) => {
                let notice = &texts(page.locale).page.call_closed;
                settled(&page, Some(notice), StatusCode::OK)
            }
        },
        Err(e) => p.refuse(Some(&token), &headers, &e).await,
    }
}

/// `POST /c/{token}`: records the outcome, then shows what happens next.
pub async fn record_outcome(State(p): State<Pages>, post: LinkPost) -> Response {
    let LinkPost {
        token,
        body,
        headers,
    } = post;
    let now = p.clock.now();
    let page = match p.service.outcome_page(&token, now).await {
        Ok(page) => page,
        Err(e) => return p.refuse(Some(&token), &headers, &e).await,
    };
    let chosen = choice(&body);
    let t = &texts(page.locale).outcome;
    let Some(outcome) = chosen.outcome else {
        let problem = Some(t.need_outcome.clone());
        return staff_pages::outcome_form(
            &page,
            &chosen,
            problem,
            StatusCode::UNPROCESSABLE_ENTITY,
            now,
        );
    };
    let form = OutcomeForm {
        outcome,
        satisfaction: chosen.satisfaction,
        notes: Some(chosen.notes.as_str()),
    };
    let recorded = p.service.record_outcome(&token, form, now).await;
    let page_t = &texts(page.locale).page;
    let (notice, status) = match recorded {
        Ok(_) => (None, StatusCode::OK),
        Err(ServiceError::Rejected(Rejection::Invalid(_))) => {
            let problem = Some(t.need_satisfaction.clone());
            return staff_pages::outcome_form(
                &page,
                &chosen,
                problem,
                StatusCode::UNPROCESSABLE_ENTITY,
                now,
            );
        }
        Err(ServiceError::Rejected(Rejection::AttemptRecorded)) => {
            (Some(page_t.attempt_recorded.as_str()), StatusCode::CONFLICT)
        }
        Err(ServiceError::Rejected(Rejection::CallClosed)) => {
            (Some(page_t.call_closed.as_str()), StatusCode::CONFLICT)
        }
        Err(e) => return p.refuse(Some(&token), &headers, &e).await,
    };
    match p.service.outcome_page(&token, now).await {
        Ok(after) => settled(&after, notice, status),
        Err(e) => p.refuse(Some(&token), &headers, &e).await,
    }
}
