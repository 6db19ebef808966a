//! The pages people open from aftercare's emails (SPEC 6): the survey and
//! its thanks page, the unsubscribe confirmation (customers), the outcome
//! form of a call (agents), the escalation page (managers), and a clear
//! refusal for every bad request. One [`router`] serves them for `aftercare serve` and
//! for the HTTP Lambda (`lambda_http` runs the same router), so the two
//! cannot drift.
//!
//! Every handler decodes the request, calls a use case of the
//! [`Aftercare`] facade and renders a page. A GET or HEAD never records
//! anything: mail scanners and link previews open every link.

mod calls;
mod customer;
mod escalations;
mod filters;
mod links;
mod low_scores;
mod pages;
mod refusal;
mod staff_pages;

use aftercare_shared::domain::ids::Locale;
use aftercare_shared::ports::Clock;
use aftercare_shared::services::Aftercare;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
pub use axum::Router;
use std::sync::Arc;

/// The largest request body read (a comment is at most 5,000 characters,
/// up to 20 KB as a form): anything larger is refused with 413.
pub const MAX_BODY_BYTES: usize = 32 * 1024;

/// What every handler needs: the facade and the clock.
#[derive(Clone)]
pub struct Pages {
    service: Arc<Aftercare>,
    clock: Arc<dyn Clock>,
}

/// The router for every page.
pub fn router(service: Arc<Aftercare>, clock: Arc<dyn Clock>) -> Router {
    let pages = Pages { service, clock };
    Router::new()
        .route(
            "/s/{token}",
            get(customer::survey)
                .post(customer::answer)
                .fallback(wrong_method),
        )
        .route(
            "/u/{token}",
            get(customer::unsubscribe_form)
                .post(customer::unsubscribe)
                .fallback(wrong_method),
        )
        .route(
            "/c/{token}",
            get(calls::outcome_form)
                .post(calls::record_outcome)
                .fallback(wrong_method),
        )
        .route(
            "/e/{token}",
            get(escalations::escalation)
                .post(escalations::resolve)
                .fallback(wrong_method),
        )
        .route(
            "/l/{token}",
            get(low_scores::low_score_case).fallback(wrong_method),
        )
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::map_response(protect))
        .with_state(pages)
}

impl Pages {
    fn business(&self) -> &str {
        &self.service.settings().business.name
    }

    /// The visitor's language for a page that cannot read the link: the
    /// link's customer if it can be read, else the browser's first choice.
    async fn locale(&self, token: Option<&str>, headers: &HeaderMap) -> Locale {
        if let Some(token) = token {
            if let Some(l) = self.service.link_locale(token, self.clock.now()).await {
                return l;
            }
        }
        accepted_language(headers)
    }
}

/// The first language of `Accept-Language` (`ko-KR,ko;q=0.9` → Korean).
fn accepted_language(headers: &HeaderMap) -> Locale {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(|tag| Locale::from_tag(tag.split(';').next().unwrap_or("").trim()))
        .unwrap_or_default()
}

async fn not_found(State(pages): State<Pages>, headers: HeaderMap) -> Response {
    let locale = accepted_language(&headers);
    let t = &aftercare_shared::i18n::texts(locale).page;
    pages::refusal(
        locale,
        pages.business(),
        StatusCode::NOT_FOUND,
        &t.not_found,
    )
}

async fn wrong_method(State(pages): State<Pages>, headers: HeaderMap) -> Response {
    let locale = accepted_language(&headers);
    let t = &aftercare_shared::i18n::texts(locale).page;
    let mut response = pages::refusal(
        locale,
        pages.business(),
        StatusCode::METHOD_NOT_ALLOWED,
        &t.wrong_method,
    );
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD, POST"));
    response
}

/// Headers every page carries: links hold tokens, so no referrer leaks
/// them and no cache keeps them; no script runs and no other site frames
/// the forms.
async fn protect(mut response: Response) -> Response {
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response.into_response()
}
