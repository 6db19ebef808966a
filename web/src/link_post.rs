//! The start of every form POST behind a signed link (`/s`, `/u`, `/c`,
//! `/e`), written once as an extractor: the token from the path and the
//! body within [`crate::MAX_BODY_BYTES`]. Its rejection is the page that
//! refuses the request (400 for an unreadable link or body, 413 for a
//! body too large), in the customer's language when the link says it.

use crate::pages;
use crate::Pages;
use aftercare_shared::i18n::texts;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

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
