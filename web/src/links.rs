//! The start of every request behind a signed link (`/s`, `/u`, `/c`,
//! `/e`, `/l`), written once as two extractors: [`LinkGet`] (the token from
//! the path) for the pages and [`LinkPost`] (the token and the body within
//! [`crate::MAX_BODY_BYTES`]) for their forms. The rejection is the page
//! that refuses the request (400 for an unreadable link or body, 413 for a
//! body too large), in the customer's language when the link says it.

use crate::pages;
use crate::Pages;
use aftercare_shared::i18n::texts;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

/// A link's page: its token and the headers (the language a refusal is
/// written in).
pub struct LinkGet {
    pub token: String,
    pub headers: HeaderMap,
}

impl FromRequestParts<Pages> for LinkGet {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, pages: &Pages) -> Result<LinkGet, Response> {
        let headers = parts.headers.clone();
        match Path::<String>::from_request_parts(parts, pages).await {
            Ok(Path(token)) => Ok(LinkGet { token, headers }),
            Err(_) => Err(pages.malformed(&headers).await),
        }
    }
}

/// A link's form POST: its token, its bounded body and the headers (the
/// language a refusal is written in).
pub struct LinkPost {
    pub token: String,
    pub body: Bytes,
    pub headers: HeaderMap,
}

impl FromRequest<Pages> for LinkPost {
    type Rejection = Response;

    async fn from_request(req: Request, pages: &Pages) -> Result<LinkPost, Response> {
        let (mut parts, body) = req.into_parts();
        let headers = parts.headers.clone();
        let Ok(Path(token)) = Path::<String>::from_request_parts(&mut parts, pages).await else {
            return Err(pages.malformed(&headers).await);
        };
        let req = Request::from_parts(parts, body);
        match Bytes::from_request(req, pages).await {
            Ok(body) => Ok(LinkPost {
                token,
                body,
                headers,
            }),
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                let locale = pages.locale(Some(&token), &headers).await;
                Err(pages::refusal(
                    locale,
                    pages.business(),
                    StatusCode::PAYLOAD_TOO_LARGE,
                    &texts(locale).page.too_large,
                ))
            }
            Err(_) => Err(pages.malformed(&headers).await),
        }
    }
}
