//! EventBridge envelopes (SPEC 3) parsed into the domain's [`Event`].
//!
//! Two steps: serde reads the wire shape into the DTOs below (every field
//! optional, so that a missing one is reported by its name rather than by
//! serde's "missing field"), with `serde_path_to_error` naming the field
//! of any type mismatch; then each DTO is converted into the validated
//! event. Every failure names the event (its envelope id, or the caller's
//! label such as `line 17`) and the field.
//!
//! `aws_lambda_events`' `EventBridgeEvent` is not used for the envelope: it
//! makes `source` required, which SPEC 3 does not, and the local runner's
//! JSON Lines may leave it out.

use crate::domain::event::{
    CallOutcomeRecorded, Customer, Event, Outcome, Purchase, Satisfaction, Score, SurveyAnswered,
    SurveyFor, TicketClosed, TicketOpened,
};
use crate::domain::ids::{
    AgentId, CustomerId, EmailAddress, InvalidValue, Locale, OrderId, PhoneNumber, TicketId,
};
use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Tz;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;
use std::fmt;

/// Why an envelope was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("event {event}{}: {field}: {problem}", kind.as_ref().map(|k| format!(" ({k})")).unwrap_or_default())]
pub struct EventError {
    pub event: String,
    pub kind: Option<String>,
    pub field: String,
    pub problem: String,
}

/// A parsed event with the name it goes by in messages: its envelope's
/// `id`, else the caller's label.
pub struct Parsed {
    pub envelope_id: String,
    /// The envelope's `source`, if it names one (checked on AWS by
    /// [`super::sources::SourcePolicy`]).
    pub source: Option<String>,
    pub event: Event,
}

impl fmt::Debug for Parsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Parsed({} {})", self.envelope_id, self.event.kind())
    }
}

/// Parses one envelope from JSON text. `label` names the event when the
/// envelope has no usable `id` (for example `line 17`).
pub fn parse_envelope(text: &str, label: &str) -> Result<Parsed, EventError> {
    let value: Value = serde_json::from_str(text).map_err(|e| EventError {
        event: label.to_string(),
        kind: None,
        field: "(json)".into(),
        problem: format!("not valid JSON: {e}"),
    })?;
    parse_envelope_value(&value, label)
}

/// The most bytes one event may take: a 100,000-character comment (cut to
/// 5,000 when stored) fits; a runaway line is refused, not parsed.
pub const MAX_EVENT_BYTES: usize = 1 << 20;

/// Parses one envelope from raw bytes (a line of an events file): one that
/// is too long or not UTF-8 is refused with where, and never stops the
/// lines around it.
pub fn parse_envelope_bytes(raw: &[u8], label: &str) -> Result<Parsed, EventError> {
    let refuse = |problem: String| EventError {
        event: label.to_string(),
        kind: None,
        field: "(bytes)".into(),
        problem,
    };
    if raw.len() > MAX_EVENT_BYTES {
        return Err(refuse(format!(
            "{} bytes, over the {MAX_EVENT_BYTES} an event may take",
            raw.len()
        )));
    }
    let text = std::str::from_utf8(raw)
        .map_err(|e| refuse(format!("not valid UTF-8 (at byte {})", e.valid_up_to() + 1)))?;
    parse_envelope(text, label)
}

// ---- the wire shape ----

/// A string field; any other JSON type is refused by name.
#[derive(Debug)]
struct Text(String);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Text, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Text;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
        }
        d.deserialize_str(V)
    }
}

impl Text {
    /// Blank text counts as absent.
    fn present(t: Option<Text>) -> Option<String> {
        t.map(|t| t.0).filter(|s| !s.trim().is_empty())
    }
}

/// The envelope fields aftercare reads (its `id` names the event and is
/// read before, so that even a malformed envelope is named).
#[derive(Deserialize)]
struct Envelope {
    #[serde(default)]
    source: Option<Text>,
    #[serde(rename = "detail-type", default)]
    detail_type: Option<Text>,
    #[serde(default)]
    detail: Option<Value>,
}

#[derive(Deserialize)]
struct CustomerDto {
    id: Option<Text>,
    name: Option<Text>,
    email: Option<Text>,
    phone: Option<Text>,
    locale: Option<Text>,
    time_zone: Option<Text>,
}

#[derive(Deserialize)]
struct PurchaseDto {
    order_id: Option<Text>,
    occurred_at: Option<Text>,
    customer: Option<CustomerDto>,
    channel: Option<Text>,
}

#[derive(Deserialize)]
struct TicketOpenedDto {
    ticket_id: Option<Text>,
    occurred_at: Option<Text>,
    customer: Option<CustomerDto>,
    channel: Option<Text>,
}

#[derive(Deserialize)]
struct TicketClosedDto {
    ticket_id: Option<Text>,
    occurred_at: Option<Text>,
    customer: Option<CustomerDto>,
    opened_at: Option<Text>,
    first_response_at: Option<Text>,
    agent_id: Option<Text>,
    resolved: Option<bool>,
    customer_contacts: Option<u32>,
}

#[derive(Deserialize)]
struct SurveyForDto {
    order_id: Option<Text>,
    ticket_id: Option<Text>,
}

#[derive(Deserialize)]
struct SurveyAnsweredDto {
    survey_for: Option<SurveyForDto>,
    score: Option<i64>,
    comment: Option<Text>,
    occurred_at: Option<Text>,
}

#[derive(Deserialize)]
struct CallOutcomeDto {
    customer_id: Option<Text>,
    outcome: Option<Outcome>,
    satisfaction: Option<Satisfaction>,
    notes: Option<Text>,
    agent_id: Option<Text>,
    occurred_at: Option<Text>,
}

// ---- from the wire shape to the domain ----

/// Names the event being read, for its errors.
struct Cx {
    event: String,
    kind: Option<String>,
}

impl Cx {
    fn err(&self, field: &str, problem: impl Into<String>) -> EventError {
        EventError {
            event: self.event.clone(),
            kind: self.kind.clone(),
            field: field.to_string(),
            problem: problem.into(),
        }
    }

    /// Reads `value` as `T`, naming the path of a mismatch under `prefix`.
    fn read<T: DeserializeOwned>(&self, prefix: &str, value: &Value) -> Result<T, EventError> {
        serde_path_to_error::deserialize(value).map_err(|e| {
            let path = e.path().to_string();
            let field = match (prefix, path.as_str()) {
                ("", "." | "") => "(envelope)".to_string(),
                ("", path) => path.to_string(),
                (prefix, "." | "") => prefix.to_string(),
                (prefix, path) => format!("{prefix}.{path}"),
            };
            self.err(&field, e.into_inner().to_string())
        })
    }

    fn required<T>(&self, field: &str, v: Option<T>) -> Result<T, EventError> {
        v.ok_or_else(|| self.err(field, "is missing"))
    }

    fn id<T>(
        &self,
        field: &str,
        v: Option<Text>,
        parse: fn(&str) -> Result<T, InvalidValue>,
    ) -> Result<T, EventError> {
        let raw = self.required(field, Text::present(v))?;
        parse(&raw).map_err(|e| self.err(field, e.0))
    }

    fn opt_time(&self, field: &str, v: Option<Text>) -> Result<Option<DateTime<Utc>>, EventError> {
        Text::present(v)
            .map(|s| {
                let t = DateTime::parse_from_rfc3339(&s)
                    .map(|t| t.with_timezone(&Utc))
                    .map_err(|_| self.err(field, format!("{s:?} is not an RFC 3339 time")))?;
                if !(FIRST_YEAR..=LAST_YEAR).contains(&t.year()) {
                    return Err(self.err(
                        field,
                        format!("{s:?} is outside the years {FIRST_YEAR} to {LAST_YEAR}"),
                    ));
                }
                Ok(t)
            })
            .transpose()
    }

    fn time(&self, field: &str, v: Option<Text>) -> Result<DateTime<Utc>, EventError> {
        let t = self.opt_time(field, v)?;
        self.required(field, t)
    }

    /// A ticket's times in their order: opened, first response, closed.
    fn ticket_times(
        &self,
        opened: DateTime<Utc>,
        first_response: Option<DateTime<Utc>>,
        closed: DateTime<Utc>,
    ) -> Result<(), EventError> {
        if opened > closed {
            return Err(self.err(
                "detail.opened_at",
                "is after the close (occurred_at): a ticket closes after it opens",
            ));
        }
        match first_response {
            Some(r) if r < opened => Err(self.err(
                "detail.first_response_at",
                "is before the ticket opened (opened_at)",
            )),
            Some(r) if r > closed => Err(self.err(
                "detail.first_response_at",
                "is after the close (occurred_at)",
            )),
            _ => Ok(()),
        }
    }

    fn customer(&self, v: Option<CustomerDto>) -> Result<Customer, EventError> {
        let c = self.required("detail.customer", v)?;
        fn opt<T>(
            cx: &Cx,
            field: &str,
            v: Option<Text>,
            parse: fn(&str) -> Result<T, InvalidValue>,
        ) -> Result<Option<T>, EventError> {
            Text::present(v)
                .map(|s| parse(&s).map_err(|e| cx.err(field, e.0)))
                .transpose()
        }
        let time_zone = Text::present(c.time_zone)
            .map(|s| {
                s.parse::<Tz>().map_err(|_| {
                    self.err(
                        "detail.customer.time_zone",
                        format!("{s:?} is not an IANA time zone"),
                    )
                })
            })
            .transpose()?;
        Ok(Customer {
            id: self.id("detail.customer.id", c.id, CustomerId::parse)?,
            name: Text::present(c.name).map(|s| truncate(&s, SHORT)),
            email: opt(self, "detail.customer.email", c.email, EmailAddress::parse)?,
            phone: opt(self, "detail.customer.phone", c.phone, PhoneNumber::parse)?,
            locale: Text::present(c.locale)
                .map(|s| Locale::from_tag(&s))
                .unwrap_or_default(),
            time_zone,
        })
    }

    fn survey_for(&self, v: Option<SurveyForDto>) -> Result<SurveyFor, EventError> {
        let s = self.required("detail.survey_for", v)?;
        match (Text::present(s.order_id), Text::present(s.ticket_id)) {
            (Some(o), None) => OrderId::parse(&o)
                .map(SurveyFor::Order)
                .map_err(|e| self.err("detail.survey_for.order_id", e.0)),
            (None, Some(t)) => TicketId::parse(&t)
                .map(SurveyFor::Ticket)
                .map_err(|e| self.err("detail.survey_for.ticket_id", e.0)),
            (Some(_), Some(_)) => Err(self.err(
                "detail.survey_for",
                "names both an order_id and a ticket_id",
            )),
            (None, None) => Err(self.err("detail.survey_for", "needs an order_id or a ticket_id")),
        }
    }
}

/// Times outside these years are refused: no business event is that old
/// or that far ahead, and a clock driven to them would walk through
/// centuries of days (docs/design.md, "Plausible times").
const FIRST_YEAR: i32 = 2000;
const LAST_YEAR: i32 = 2099;

/// Names, channels and ids: at most this many characters are kept.
const SHORT: usize = 200;
/// Comments and notes.
const LONG: usize = 5000;

fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

pub fn parse_envelope_value(value: &Value, label: &str) -> Result<Parsed, EventError> {
    let name = value
        .get("id")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .unwrap_or(label)
        .to_string();
    let mut cx = Cx {
        event: name.clone(),
        kind: None,
    };
    if !value.is_object() {
        return Err(cx.err("(envelope)", "must be a JSON object"));
    }
    let envelope: Envelope = cx.read("", value)?;
    let source = Text::present(envelope.source);
    let kind = cx.required("detail-type", envelope.detail_type)?.0;
    cx.kind = Some(kind.clone());
    let detail = cx.required("detail", envelope.detail)?;
    if !detail.is_object() {
        return Err(cx.err("detail", "must be an object"));
    }
    let event = match kind.as_str() {
        "PurchaseCompleted" => {
            let d: PurchaseDto = cx.read("detail", &detail)?;
            Event::PurchaseCompleted(Purchase {
                order_id: cx.id("detail.order_id", d.order_id, OrderId::parse)?,
                occurred_at: cx.time("detail.occurred_at", d.occurred_at)?,
                customer: cx.customer(d.customer)?,
                channel: Text::present(d.channel).map(|s| truncate(&s, SHORT)),
            })
        }
        "TicketOpened" => {
            let d: TicketOpenedDto = cx.read("detail", &detail)?;
            Event::TicketOpened(TicketOpened {
                ticket_id: cx.id("detail.ticket_id", d.ticket_id, TicketId::parse)?,
                occurred_at: cx.time("detail.occurred_at", d.occurred_at)?,
                customer: cx.customer(d.customer)?,
                channel: Text::present(d.channel).map(|s| truncate(&s, SHORT)),
            })
        }
        "TicketClosed" => {
            let d: TicketClosedDto = cx.read("detail", &detail)?;
            let closed = cx.time("detail.occurred_at", d.occurred_at)?;
            let opened = cx.time("detail.opened_at", d.opened_at)?;
            let first_response = cx.opt_time("detail.first_response_at", d.first_response_at)?;
            cx.ticket_times(opened, first_response, closed)?;
            Event::TicketClosed(TicketClosed {
                ticket_id: cx.id("detail.ticket_id", d.ticket_id, TicketId::parse)?,
                occurred_at: closed,
                customer: cx.customer(d.customer)?,
                opened_at: opened,
                first_response_at: first_response,
                agent_id: Text::present(d.agent_id).map(|s| truncate(&s, SHORT)),
                resolved: cx.required("detail.resolved", d.resolved)?,
                customer_contacts: d.customer_contacts.unwrap_or(1),
            })
        }
        "SurveyAnswered" => {
            let d: SurveyAnsweredDto = cx.read("detail", &detail)?;
            let survey_for = cx.survey_for(d.survey_for)?;
            let raw = cx.required("detail.score", d.score)?;
            let score =
                Score::parse(survey_for.kind(), raw).map_err(|e| cx.err("detail.score", e.0))?;
            Event::SurveyAnswered(SurveyAnswered {
                survey_for,
                score,
                comment: Text::present(d.comment).map(|s| truncate(&s, LONG)),
                occurred_at: cx.time("detail.occurred_at", d.occurred_at)?,
            })
        }
        "CallOutcomeRecorded" => {
            let d: CallOutcomeDto = cx.read("detail", &detail)?;
            let outcome = cx.required("detail.outcome", d.outcome)?;
            if outcome == Outcome::Reached && d.satisfaction.is_none() {
                return Err(cx.err(
                    "detail.satisfaction",
                    "is required when outcome is reached",
                ));
            }
            Event::CallOutcomeRecorded(CallOutcomeRecorded {
                customer_id: cx.id("detail.customer_id", d.customer_id, CustomerId::parse)?,
                outcome,
                satisfaction: d.satisfaction.filter(|_| outcome == Outcome::Reached),
                notes: Text::present(d.notes).map(|s| truncate(&s, LONG)),
                agent_id: Text::present(d.agent_id)
                    .map(|a| AgentId::parse(&a).map_err(|e| cx.err("detail.agent_id", e.0)))
                    .transpose()?,
                occurred_at: cx.time("detail.occurred_at", d.occurred_at)?,
            })
        }
        other => {
            return Err(cx.err(
                "detail-type",
                format!("unknown detail-type {other:?} (expected PurchaseCompleted, TicketOpened, TicketClosed, SurveyAnswered or CallOutcomeRecorded)"),
            ))
        }
    };
    Ok(Parsed {
        envelope_id: name,
        source,
        event,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The envelope `ev-1` of `crate::testing`, as JSON text.
    fn envelope(kind: &str, detail: Value) -> String {
        crate::testing::envelope(kind, "ev-1", detail).to_string()
    }

    #[test]
    fn a_purchase_parses_with_its_customer() {
        let text = envelope(
            "PurchaseCompleted",
            json!({"order_id": "o-1", "occurred_at": "2026-11-20T10:00:00+09:00",
                   "customer": {"id": "c-42", "email": "minji@example.com", "phone": "+821012345678",
                                "locale": "ko", "time_zone": "Asia/Seoul"},
                   "total": {"amount": 12.5, "currency": "KRW"}}),
        );
        let parsed = parse_envelope(&text, "line 1").unwrap();
        let Event::PurchaseCompleted(p) = parsed.event else {
            panic!("wrong kind")
        };
        assert_eq!(p.occurred_at.to_rfc3339(), "2026-11-20T01:00:00+00:00");
        assert_eq!(p.customer.locale, Locale::Ko);
        assert_eq!(p.customer.time_zone, Some(chrono_tz::Asia::Seoul));
    }

    #[test]
    fn a_missing_required_field_names_the_event_and_the_field() {
        let text = envelope(
            "TicketClosed",
            json!({"ticket_id": "t-1", "occurred_at": "2026-11-20T10:00:00Z", "customer": {"id": "c-1"}}),
        );
        let err = parse_envelope(&text, "line 3").unwrap_err();
        assert_eq!(err.event, "ev-1");
        assert_eq!(err.field, "detail.opened_at");
        assert_eq!(
            err.to_string(),
            "event ev-1 (TicketClosed): detail.opened_at: is missing"
        );
    }

    #[test]
    fn a_value_of_the_wrong_type_is_named_by_its_path() {
        let text = envelope(
            "PurchaseCompleted",
            json!({"order_id": "o-1", "occurred_at": "2026-11-20T10:00:00Z", "customer": {"id": "c-1", "phone": 821012345678_i64}}),
        );
        let err = parse_envelope(&text, "l").unwrap_err();
        assert_eq!(err.field, "detail.customer.phone");
        assert!(err.problem.contains("expected a string"), "{err}");
        let text = envelope(
            "TicketClosed",
            json!({"ticket_id": "t-1", "occurred_at": "2026-11-20T10:00:00Z",
                   "opened_at": "2026-11-20T09:00:00Z", "resolved": "yes", "customer": {"id": "c-1"}}),
        );
        assert_eq!(
            parse_envelope(&text, "l").unwrap_err().field,
            "detail.resolved"
        );
    }

    #[test]
    fn scores_are_checked_against_the_survey_kind() {
        let csat = envelope(
            "SurveyAnswered",
            json!({"survey_for": {"ticket_id": "t-1"}, "score": 7, "occurred_at": "2026-11-20T10:00:00Z"}),
        );
        assert_eq!(
            parse_envelope(&csat, "l").unwrap_err().field,
            "detail.score"
        );
        let nps = envelope(
            "SurveyAnswered",
            json!({"survey_for": {"order_id": "o-1"}, "score": 7, "occurred_at": "2026-11-20T10:00:00Z"}),
        );
        assert!(parse_envelope(&nps, "l").is_ok());
        let fractional = nps.replace("\"score\":7", "\"score\":7.5");
        assert_eq!(
            parse_envelope(&fractional, "l").unwrap_err().field,
            "detail.score"
        );
    }

    #[test]
    fn bad_json_unknown_kinds_and_bad_times_are_rejected() {
        assert_eq!(
            parse_envelope("{not json", "line 9").unwrap_err().event,
            "line 9"
        );
        assert_eq!(
            parse_envelope(&envelope("Refund", json!({})), "l")
                .unwrap_err()
                .field,
            "detail-type"
        );
        let bad_time = envelope(
            "TicketOpened",
            json!({"ticket_id": "t", "occurred_at": "yesterday", "customer": {"id": "c"}}),
        );
        assert_eq!(
            parse_envelope(&bad_time, "l").unwrap_err().field,
            "detail.occurred_at"
        );
    }

    #[test]
    fn times_outside_the_plausible_years_are_refused_by_name() {
        for at in [
            "9999-12-31T23:59:59Z",
            "0001-01-01T00:00:00Z",
            "1970-01-01T00:00:00Z",
        ] {
            let text = envelope(
                "PurchaseCompleted",
                json!({"order_id": "o-1", "occurred_at": at, "customer": {"id": "c-1"}}),
            );
            let err = parse_envelope(&text, "l").unwrap_err();
            assert_eq!(err.field, "detail.occurred_at", "{at}");
            assert!(
                err.problem.contains("outside the years 2000 to 2099"),
                "{err}"
            );
        }
    }

    #[test]
    fn a_ticket_whose_times_are_out_of_order_is_refused_by_the_field_at_fault() {
        let closed = |opened: &str, first: Option<&str>| {
            let mut detail = json!({"ticket_id": "t-1", "occurred_at": "2026-11-20T10:00:00Z",
                   "opened_at": opened, "resolved": true, "customer": {"id": "c-1"}});
            if let Some(f) = first {
                detail["first_response_at"] = json!(f);
            }
            parse_envelope(&envelope("TicketClosed", detail), "l")
        };
        let err = closed("2026-11-20T12:00:00Z", None).unwrap_err();
        assert_eq!(err.field, "detail.opened_at");
        assert!(err.problem.contains("after the close"), "{err}");
        let early = closed("2026-11-20T09:00:00Z", Some("2026-11-20T08:00:00Z")).unwrap_err();
        assert_eq!(early.field, "detail.first_response_at");
        assert!(
            early.problem.contains("before the ticket opened"),
            "{early}"
        );
        let late = closed("2026-11-20T09:00:00Z", Some("2026-11-20T11:00:00Z")).unwrap_err();
        assert_eq!(late.field, "detail.first_response_at");
        // Equal times are in order: a ticket answered and closed at once.
        assert!(closed("2026-11-20T10:00:00Z", Some("2026-11-20T10:00:00Z")).is_ok());
    }

    #[test]
    fn a_hundred_thousand_character_comment_is_cut_to_the_kept_length() {
        let text = envelope(
            "SurveyAnswered",
            json!({"survey_for": {"order_id": "o-1"}, "score": 3, "comment": "가".repeat(100_000),
                   "occurred_at": "2026-11-20T10:00:00Z"}),
        );
        let Event::SurveyAnswered(a) = parse_envelope(&text, "l").unwrap().event else {
            panic!("wrong kind")
        };
        let kept = a.comment.expect("the comment, cut");
        assert_eq!(kept.chars().count(), LONG);
    }

    #[test]
    fn reached_outcomes_need_a_satisfaction() {
        let text = envelope(
            "CallOutcomeRecorded",
            json!({"customer_id": "c-1", "outcome": "reached", "occurred_at": "2026-11-20T10:00:00Z"}),
        );
        assert_eq!(
            parse_envelope(&text, "l").unwrap_err().field,
            "detail.satisfaction"
        );
        let unknown = text.replace("reached", "hung_up");
        assert_eq!(
            parse_envelope(&unknown, "l").unwrap_err().field,
            "detail.outcome"
        );
    }

    #[test]
    fn mangled_envelopes_never_panic_and_always_name_a_field() {
        use rand::{Rng, SeedableRng};
        let valid = [
            envelope(
                "TicketClosed",
                json!({"ticket_id": "t-1", "occurred_at": "2026-11-20T10:00:00Z",
                       "opened_at": "2026-11-20T09:00:00Z", "resolved": true, "customer_contacts": 2,
                       "customer": {"id": "c-1", "email": "a@example.com", "phone": "+821012345678",
                                    "time_zone": "Asia/Seoul"}}),
            ),
            envelope(
                "SurveyAnswered",
                json!({"survey_for": {"order_id": "o-1"}, "score": 7, "comment": "ok", "occurred_at": "2026-11-20T10:00:00Z"}),
            ),
            envelope(
                "CallOutcomeRecorded",
                json!({"customer_id": "c-1", "outcome": "reached", "satisfaction": "neutral",
                       "notes": "n", "agent_id": "a-1", "occurred_at": "2026-11-20T10:00:00Z"}),
            ),
        ];
        let pieces = [
            "\"",
            "{",
            "}",
            "[",
            "]",
            ":",
            ",",
            "null",
            "-1",
            "1e999",
            "\\u0000",
            "\\",
            "é",
            "9999-99-99T99:99:99Z",
            "true",
            "7.5",
        ];
        let mut rng = rand::rngs::SmallRng::seed_from_u64(7);
        for i in 0..30_000 {
            let mut text = valid[i % valid.len()].clone().into_bytes();
            for _ in 0..rng.gen_range(1..4) {
                if text.is_empty() {
                    break;
                }
                let at = rng.gen_range(0..text.len());
                match rng.gen_range(0..3) {
                    0 => {
                        text.remove(at);
                    }
                    1 => text
                        .splice(at..at, pieces[rng.gen_range(0..pieces.len())].bytes())
                        .for_each(drop),
                    _ => text.truncate(at),
                }
            }
            let text = String::from_utf8_lossy(&text);
            if let Err(e) = parse_envelope(&text, "fuzz") {
                assert!(!e.field.is_empty() && !e.problem.is_empty(), "{e}");
            }
        }
    }

    #[test]
    fn natural_keys_ignore_the_envelope_and_the_time_offset() {
        let a = envelope(
            "SurveyAnswered",
            json!({"survey_for": {"order_id": "o-1"}, "score": 9, "occurred_at": "2026-11-20T10:00:00Z"}),
        );
        let b = a
            .replace("ev-1", "ev-2")
            .replace("10:00:00Z", "19:00:00+09:00");
        let ka = parse_envelope(&a, "l").unwrap().event.natural_key();
        let kb = parse_envelope(&b, "l").unwrap().event.natural_key();
        assert_eq!(ka, kb);
    }

    /// Hand-built, not by `crate::testing::envelope` (which writes every
    /// field a real envelope has): SPEC 3 requires neither `source` nor
    /// `version`, and the local runner's JSON Lines may leave them out.
    #[test]
    fn an_envelope_without_source_or_version_parses() {
        let text = r#"{"id":"ev-1","detail-type":"TicketOpened","detail":{"ticket_id":"t-1","occurred_at":"2026-11-20T10:00:00Z","customer":{"id":"c-1"}}}"#;
        let parsed = parse_envelope(text, "l").unwrap();
        assert_eq!(parsed.envelope_id, "ev-1");
        assert!(matches!(parsed.event, Event::TicketOpened(_)));
    }
}
