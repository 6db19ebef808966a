//! The manager's escalation page: `GET /e/{token}` shows the case (the
//! customer, the call, its notes, the history, who has it) with two
//! forms; `POST /e/{token}` takes it (`action=take`, who) through
//! `take_escalation` or resolves it (who, a note) through
//! `resolve_escalation`.

use crate::links::{LinkGet, LinkPost};
use crate::staff_pages::{self, CaseAction, ResolveChoice};
use crate::Pages;
use aftercare_shared::i18n::texts;
use aftercare_shared::services::{EscalationRef, Rejection, ResolveForm, ServiceError};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

fn choice(body: &[u8]) -> ResolveChoice {
    let mut c = ResolveChoice::default();
    for (k, v) in form_urlencoded::parse(body) {
        match k.as_ref() {
            "by" => c.by = v.into_owned(),
            "note" => c.note = v.into_owned(),
            "action" if v == "take" => c.action = CaseAction::Take,
            _ => {}
        }
    }
    c
}

/// `GET /e/{token}`: the case (changes nothing).
pub async fn escalation(State(p): State<Pages>, LinkGet { token, headers }: LinkGet) -> Response {
    let now = p.clock.now();
    match p
        .service
        .escalation_page(EscalationRef::Token(&token), now)
        .await
    {
        Ok(page) => staff_pages::escalation(
            &page,
            &ResolveChoice::default(),
            None,
            None,
            StatusCode::OK,
            now,
        ),
        Err(e) => p.refuse(Some(&token), &headers, &e).await,
    }
}

/// `POST /e/{token}`: takes or resolves the escalation, then shows the
/// case as it now stands.
pub async fn resolve(State(p): State<Pages>, post: LinkPost) -> Response {
    let LinkPost {
        token,
        body,
        headers,
    } = post;
    let now = p.clock.now();
    let which = || EscalationRef::Token(&token);
    let page = match p.service.escalation_page(which(), now).await {
        Ok(page) => page,
        Err(e) => return p.refuse(Some(&token), &headers, &e).await,
    };
    let chosen = choice(&body);
    let t = texts(page.locale);
    let done = match chosen.action {
        CaseAction::Take => p.service.take_escalation(which(), &chosen.by, now).await,
        CaseAction::Resolve => {
            let form = ResolveForm {
                by: &chosen.by,
                note: Some(chosen.note.as_str()),
            };
            p.service.resolve_escalation(which(), form, now).await
        }
    };
    let (notice, status) = match done {
        Ok(()) => (None, StatusCode::OK),
        Err(ServiceError::Rejected(Rejection::Invalid(_))) => {
            let problem = Some(match chosen.action {
                CaseAction::Take => t.escalation.need_taker.as_str(),
                CaseAction::Resolve => t.escalation.need_by.as_str(),
            });
            return staff_pages::escalation(
                &page,
                &chosen,
                None,
                problem,
                StatusCode::UNPROCESSABLE_ENTITY,
                now,
            );
        }
        Err(ServiceError::Rejected(Rejection::AlreadyResolved)) => {
            (Some(t.page.already_resolved.as_str()), StatusCode::CONFLICT)
        }
        Err(e) => return p.refuse(Some(&token), &headers, &e).await,
    };
    match p.service.escalation_page(which(), now).await {
        Ok(after) => {
            staff_pages::escalation(&after, &ResolveChoice::default(), notice, None, status, now)
        }
        Err(e) => p.refuse(Some(&token), &headers, &e).await,
    }
}
