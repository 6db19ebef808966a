//! The HTTP function is the pages' router itself (`aftercare_web`) on the
//! wall clock: the same routes as `aftercare serve`, behind API Gateway's
//! HTTP API. The payload is decoded here (a payload that is not an API
//! Gateway request is `Rejected`, our own error type); `lambda_http` turns
//! it into a request, and the router's answer is encoded here: our pages
//! are UTF-8 text, so `lambda_http`'s charset conversion (and its
//! encodings' tables, a tenth of the binary) is not needed.

use aftercare_lambda::{decode, HandlerError};
use aftercare_shared::ports::SystemClock;
use aftercare_shared::services::Aftercare;
use http_body_util::BodyExt;
use lambda_http::aws_lambda_events::apigw::ApiGatewayV2httpResponse;
use lambda_http::http::header::SET_COOKIE;
use lambda_http::request::LambdaRequest;
use lambda_http::{Body, LambdaEvent};
use serde_json::Value;
use std::sync::Arc;
use tower::ServiceExt;

pub fn app(service: Arc<Aftercare>) -> aftercare_web::Router {
    aftercare_web::router(service, Arc::new(SystemClock))
}

pub async fn handle(
    app: &aftercare_web::Router,
    event: LambdaEvent<Value>,
) -> Result<ApiGatewayV2httpResponse, HandlerError> {
    let request: LambdaRequest = decode("an API Gateway request", event.payload)?;
    // The router never fails (its error type is `Infallible`).
    let Ok(response) = app
        .clone()
        .oneshot(lambda_http::Request::from(request))
        .await;
    encode(response).await
}

/// An API Gateway HTTP API (payload 2.0) response: text as it is, any
/// other body in base64, cookies apart from the headers.
async fn encode(
    response: axum::response::Response,
) -> Result<ApiGatewayV2httpResponse, HandlerError> {
    let (mut parts, body) = response.into_parts();
    let bytes = body
        .collect()
        .await
        .map_err(|e| HandlerError {
            retryable: true,
            message: format!("the page could not be read: {e}"),
        })?
        .to_bytes();
    let mut out = ApiGatewayV2httpResponse::default();
    out.status_code = i64::from(parts.status.as_u16());
    out.cookies = parts
        .headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_string))
        .collect();
    parts.headers.remove(SET_COOKIE);
    out.headers = parts.headers;
    if !bytes.is_empty() {
        match String::from_utf8(bytes.to_vec()) {
            Ok(text) => out.body = Some(Body::Text(text)),
            Err(e) => {
                out.body = Some(Body::Binary(e.into_bytes()));
                out.is_base64_encoded = true;
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aftercare_lambda::testing::local_service;
    use aftercare_shared::config::Settings;
    use aftercare_shared::services::Budget;
    use aftercare_shared::testing::{api_gateway_request, envelope, event};
    use chrono::{Duration, SecondsFormat, Utc};
    use lambda_http::http::StatusCode;
    use lambda_runtime::{Context, Diagnostic};
    use serde_json::json;

    /// A service whose CSAT for ticket t-1 went out two days ago; and the
    /// survey token from that email.
    async fn sent_survey(outbox: &std::path::Path) -> (Arc<Aftercare>, String) {
        let service = local_service(outbox, Settings::from_toml("agents = []").unwrap());
        let closed_at = Utc::now() - Duration::days(2);
        let at = |t: chrono::DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, true);
        let closed = envelope(
            "TicketClosed",
            "ev-1",
            json!({"ticket_id": "t-1", "occurred_at": at(closed_at), "opened_at": at(closed_at - Duration::hours(1)),
                   "resolved": true, "customer": {"id": "c-1", "email": "c1@example.com", "locale": "vi"}}),
        );
        service.ingest(&event(&closed), closed_at).await.unwrap();
        service
            .run_due(Utc::now(), Budget::unlimited())
            .await
            .unwrap();
        let raw = std::fs::read_to_string(outbox.join("survey-c-1-csat_t-1.eml")).unwrap();
        // Quoted-printable soft breaks would split the token; the text part is 7-bit here.
        let unfolded = raw.replace("=\r\n", "").replace("=\n", "");
        let start = unfolded.find("/s/").expect("a survey link") + 3;
        let token: String = unfolded[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || "-_.".contains(*c))
            .collect();
        (Arc::new(service), token)
    }

    /// An API Gateway HTTP API request, as `lambda_http` reads it.
    fn request(method: &str, path: &str, query: &str, body: Option<&str>) -> lambda_http::Request {
        let event = api_gateway_request(method, path, query, body);
        lambda_http::request::from_str(&event.to_string()).expect("an API Gateway v2 request")
    }

    async fn send(service: Arc<Aftercare>, req: lambda_http::Request) -> (StatusCode, String) {
        let response = app(service).oneshot(req).await.expect("the router answers");
        let status = response.status();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("a body")
            .to_bytes();
        (status, String::from_utf8_lossy(&bytes).into_owned())
    }

    #[tokio::test]
    async fn a_get_shows_the_form_in_the_customers_language_and_records_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let (service, token) = sent_survey(dir.path()).await;
        let (status, page) = send(
            service,
            request("GET", &format!("/s/{token}"), "score=4", None),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains(r#"lang="vi""#) && page.contains(r#"value="4" required checked"#));
    }

    #[tokio::test]
    async fn a_post_records_the_answer_and_thanks() {
        let dir = tempfile::tempdir().unwrap();
        let (service, token) = sent_survey(dir.path()).await;
        let req = request(
            "POST",
            &format!("/s/{token}"),
            "",
            Some("score=5&comment=Rất+tốt"),
        );
        let (status, page) = send(service, req).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            page.contains(r#"<p class="big" aria-hidden="true">5<span class="of"> / 5</span></p>"#)
                && page.contains("Rất tốt"),
            "{page}"
        );
    }

    #[tokio::test]
    async fn an_api_gateway_payload_gets_an_api_gateway_response_and_another_payload_is_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let (service, token) = sent_survey(dir.path()).await;
        let app = app(service);
        let event = api_gateway_request("GET", &format!("/s/{token}"), "score=3", None);
        let response = handle(&app, LambdaEvent::new(event, Context::default()))
            .await
            .unwrap();
        assert_eq!(response.status_code, 200);
        assert!(!response.is_base64_encoded);
        let Some(Body::Text(page)) = response.body else {
            panic!("a text page")
        };
        assert!(page.contains(r#"value="3" required checked"#), "{page}");
        assert!(response.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"));
        let err = handle(
            &app,
            LambdaEvent::new(json!({"not": "a request"}), Context::default()),
        )
        .await
        .unwrap_err();
        assert_eq!(Diagnostic::from(err).error_type, "Rejected");
    }

    #[tokio::test]
    async fn a_bad_token_and_a_big_body_get_4xx_pages() {
        let dir = tempfile::tempdir().unwrap();
        let (service, token) = sent_survey(dir.path()).await;
        let forged = format!("{}x", &token);
        let (status, page) = send(service, request("GET", &format!("/s/{forged}"), "", None)).await;
        assert!(status.is_client_error(), "{status}");
        // An unreadable link names no customer: the browser's language.
        assert!(
            page.contains("Liên kết"),
            "refused in the browser's language: {page}"
        );
        let (service, _) = sent_survey(tempfile::tempdir().unwrap().path()).await;
        let big = format!("score=5&comment={}", "a".repeat(100_000));
        let (status, _) = send(
            service,
            request("POST", &format!("/s/{token}"), "", Some(&big)),
        )
        .await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    }
}
