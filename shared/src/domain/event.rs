//! Input events (SPEC 3): EventBridge envelopes parsed into validated types.
//!
//! Every failure names the event (its envelope id, or the caller's label
//! such as `line 17`) and the field, so a rejected event can be fixed.

use super::ids::{
    AgentId, CsatScore, CustomerId, EmailAddress, InvalidValue, Locale, NpsScore, OrderId,
    PhoneNumber, TicketId,
};
use chrono::{DateTime, SecondsFormat, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
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

/// The customer object carried by events (SPEC 3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Customer {
    pub id: CustomerId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<EmailAddress>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<PhoneNumber>,
    #[serde(default)]
    pub locale: Locale,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<Tz>,
}

/// Which survey an answer is for: the order's NPS or the ticket's CSAT.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SurveyFor {
    Order(OrderId),
    Ticket(TicketId),
}

impl SurveyFor {
    pub fn kind(&self) -> SurveyKind {
        match self {
            SurveyFor::Order(_) => SurveyKind::Nps,
            SurveyFor::Ticket(_) => SurveyKind::Csat,
        }
    }
    /// Stable text key, used in ids and store keys.
    pub fn key(&self) -> String {
        match self {
            SurveyFor::Order(o) => format!("nps:{o}"),
            SurveyFor::Ticket(t) => format!("csat:{t}"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SurveyKind {
    Csat,
    Nps,
}

/// A validated survey score; the variant matches the survey kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Score {
    Csat(CsatScore),
    Nps(NpsScore),
}

impl Score {
    pub fn parse(kind: SurveyKind, v: i64) -> Result<Score, InvalidValue> {
        match kind {
            SurveyKind::Csat => CsatScore::new(v).map(Score::Csat),
            SurveyKind::Nps => NpsScore::new(v).map(Score::Nps),
        }
    }
    pub fn value(self) -> u8 {
        match self {
            Score::Csat(s) => s.value(),
            Score::Nps(s) => s.value(),
        }
    }
    /// Low enough to close the loop with a priority call (SPEC 5).
    pub fn is_low(self) -> bool {
        match self {
            Score::Csat(s) => s.is_low(),
            Score::Nps(s) => s.is_low(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Reached,
    NoAnswer,
    Busy,
    WrongNumber,
    Declined,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Satisfaction {
    Satisfied,
    Neutral,
    Unsatisfied,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Purchase {
    pub order_id: OrderId,
    pub occurred_at: DateTime<Utc>,
    pub customer: Customer,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketOpened {
    pub ticket_id: TicketId,
    pub occurred_at: DateTime<Utc>,
    pub customer: Customer,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketClosed {
    pub ticket_id: TicketId,
    /// The close time.
    pub occurred_at: DateTime<Utc>,
    pub customer: Customer,
    pub opened_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_response_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    pub resolved: bool,
    pub customer_contacts: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurveyAnswered {
    pub survey_for: SurveyFor,
    pub score: Score,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    pub occurred_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallOutcomeRecorded {
    pub customer_id: CustomerId,
    pub outcome: Outcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub satisfaction: Option<Satisfaction>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<AgentId>,
    pub occurred_at: DateTime<Utc>,
}

/// A parsed, validated event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Event {
    PurchaseCompleted(Purchase),
    TicketOpened(TicketOpened),
    TicketClosed(TicketClosed),
    SurveyAnswered(SurveyAnswered),
    CallOutcomeRecorded(CallOutcomeRecorded),
}

pub fn time_key(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

impl Event {
    pub fn occurred_at(&self) -> DateTime<Utc> {
        match self {
            Event::PurchaseCompleted(e) => e.occurred_at,
            Event::TicketOpened(e) => e.occurred_at,
            Event::TicketClosed(e) => e.occurred_at,
            Event::SurveyAnswered(e) => e.occurred_at,
            Event::CallOutcomeRecorded(e) => e.occurred_at,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Event::PurchaseCompleted(_) => "PurchaseCompleted",
            Event::TicketOpened(_) => "TicketOpened",
            Event::TicketClosed(_) => "TicketClosed",
            Event::SurveyAnswered(_) => "SurveyAnswered",
            Event::CallOutcomeRecorded(_) => "CallOutcomeRecorded",
        }
    }

    /// The natural key of SPEC 3: two events with one key are one event.
    pub fn natural_key(&self) -> String {
        match self {
            Event::PurchaseCompleted(e) => format!("purchase:{}", e.order_id),
            Event::TicketOpened(e) => format!("ticket-opened:{}", e.ticket_id),
            Event::TicketClosed(e) => {
                format!("ticket-closed:{}@{}", e.ticket_id, time_key(e.occurred_at))
            }
            Event::SurveyAnswered(e) => {
                format!("answer:{}@{}", e.survey_for.key(), time_key(e.occurred_at))
            }
            Event::CallOutcomeRecorded(e) => {
                format!("outcome:{}@{}", e.customer_id, time_key(e.occurred_at))
            }
        }
    }

    /// The customer the event names, when it names one directly.
    pub fn customer_id(&self) -> Option<&CustomerId> {
        self.customer().map(|c| &c.id).or(match self {
            Event::CallOutcomeRecorded(e) => Some(&e.customer_id),
            _ => None,
        })
    }

    pub fn customer(&self) -> Option<&Customer> {
        match self {
            Event::PurchaseCompleted(e) => Some(&e.customer),
            Event::TicketOpened(e) => Some(&e.customer),
            Event::TicketClosed(e) => Some(&e.customer),
            _ => None,
        }
    }

    /// The order or ticket this event claims for its customer, if any.
    pub fn claimed_subject(&self) -> Option<SurveyFor> {
        match self {
            Event::PurchaseCompleted(e) => Some(SurveyFor::Order(e.order_id.clone())),
            Event::TicketOpened(e) => Some(SurveyFor::Ticket(e.ticket_id.clone())),
            Event::TicketClosed(e) => Some(SurveyFor::Ticket(e.ticket_id.clone())),
            _ => None,
        }
    }
}

/// An envelope's id for messages: its own `id`, else the caller's label.
pub struct Parsed {
    pub envelope_id: String,
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

pub fn parse_envelope_value(value: &Value, label: &str) -> Result<Parsed, EventError> {
    let envelope_id = value
        .get("id")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    let name = envelope_id.clone().unwrap_or_else(|| label.to_string());
    let mut cx = Cx {
        event: name.clone(),
        kind: None,
    };
    let root = value
        .as_object()
        .ok_or_else(|| cx.err("(envelope)", "must be a JSON object"))?;
    let kind = match root.get("detail-type") {
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err(cx.err("detail-type", "must be a string")),
        None => return Err(cx.err("detail-type", "is missing")),
    };
    cx.kind = Some(kind.clone());
    let detail = match root.get("detail") {
        Some(Value::Object(m)) => m,
        Some(_) => return Err(cx.err("detail", "must be an object")),
        None => return Err(cx.err("detail", "is missing")),
    };
    let event = match kind.as_str() {
        "PurchaseCompleted" => Event::PurchaseCompleted(Purchase {
            order_id: cx.id(detail, "order_id", OrderId::parse)?,
            occurred_at: cx.time(detail, "occurred_at")?,
            customer: cx.customer(detail)?,
            channel: cx.opt_text(detail, "channel")?,
        }),
        "TicketOpened" => Event::TicketOpened(TicketOpened {
            ticket_id: cx.id(detail, "ticket_id", TicketId::parse)?,
            occurred_at: cx.time(detail, "occurred_at")?,
            customer: cx.customer(detail)?,
            channel: cx.opt_text(detail, "channel")?,
        }),
        "TicketClosed" => Event::TicketClosed(TicketClosed {
            ticket_id: cx.id(detail, "ticket_id", TicketId::parse)?,
            occurred_at: cx.time(detail, "occurred_at")?,
            customer: cx.customer(detail)?,
            opened_at: cx.time(detail, "opened_at")?,
            first_response_at: cx.opt_time(detail, "first_response_at")?,
            agent_id: cx.opt_text(detail, "agent_id")?,
            resolved: match detail.get("resolved") {
                Some(Value::Bool(b)) => *b,
                Some(_) => return Err(cx.err("detail.resolved", "must be true or false")),
                None => return Err(cx.err("detail.resolved", "is missing")),
            },
            customer_contacts: match detail.get("customer_contacts") {
                None | Some(Value::Null) => 1,
                Some(v) => v
                    .as_u64()
                    .and_then(|n| u32::try_from(n).ok())
                    .ok_or_else(|| cx.err("detail.customer_contacts", "must be a whole number >= 0"))?,
            },
        }),
        "SurveyAnswered" => {
            let survey_for = cx.survey_for(detail)?;
            let raw = match detail.get("score") {
                Some(v) => v.as_i64().filter(|_| v.is_i64() || v.is_u64()).ok_or_else(|| {
                    cx.err("detail.score", "must be a whole number")
                })?,
                None => return Err(cx.err("detail.score", "is missing")),
            };
            let score = Score::parse(survey_for.kind(), raw)
                .map_err(|e| cx.err("detail.score", &e.0))?;
            Event::SurveyAnswered(SurveyAnswered {
                survey_for,
                score,
                comment: cx.opt_long_text(detail, "comment")?,
                occurred_at: cx.time(detail, "occurred_at")?,
            })
        }
        "CallOutcomeRecorded" => {
            let outcome: Outcome = cx.enumeration(detail, "outcome")?.ok_or_else(|| {
                cx.err("detail.outcome", "is missing")
            })?;
            let satisfaction: Option<Satisfaction> = cx.enumeration(detail, "satisfaction")?;
            if outcome == Outcome::Reached && satisfaction.is_none() {
                return Err(cx.err("detail.satisfaction", "is required when outcome is reached"));
            }
            Event::CallOutcomeRecorded(CallOutcomeRecorded {
                customer_id: cx.id(detail, "customer_id", CustomerId::parse)?,
                outcome,
                satisfaction: if outcome == Outcome::Reached { satisfaction } else { None },
                notes: cx.opt_long_text(detail, "notes")?,
                agent_id: match cx.opt_text(detail, "agent_id")? {
                    Some(a) => Some(AgentId::parse(&a).map_err(|e| cx.err("detail.agent_id", &e.0))?),
                    None => None,
                },
                occurred_at: cx.time(detail, "occurred_at")?,
            })
        }
        other => {
            return Err(cx.err(
                "detail-type",
                &format!("unknown detail-type {other:?} (expected PurchaseCompleted, TicketOpened, TicketClosed, SurveyAnswered or CallOutcomeRecorded)"),
            ))
        }
    };
    Ok(Parsed {
        envelope_id: name,
        event,
    })
}

/// Parsing context: knows which event it is reading, to name it in errors.
struct Cx {
    event: String,
    kind: Option<String>,
}

impl Cx {
    fn err(&self, field: &str, problem: &str) -> EventError {
        EventError {
            event: self.event.clone(),
            kind: self.kind.clone(),
            field: field.to_string(),
            problem: problem.to_string(),
        }
    }

    fn text<'a>(
        &self,
        obj: &'a Map<String, Value>,
        prefix: &str,
        key: &str,
    ) -> Result<Option<&'a str>, EventError> {
        match obj.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(Value::Number(_)) if key.ends_with("id") => {
                Err(self.err(&format!("{prefix}{key}"), "must be a string"))
            }
            Some(_) => Err(self.err(&format!("{prefix}{key}"), "must be a string")),
        }
    }

    fn id<T>(
        &self,
        obj: &Map<String, Value>,
        key: &str,
        parse: fn(&str) -> Result<T, InvalidValue>,
    ) -> Result<T, EventError> {
        let field = format!("detail.{key}");
        let raw = self
            .text(obj, "detail.", key)?
            .ok_or_else(|| self.err(&field, "is missing"))?;
        parse(raw).map_err(|e| self.err(&field, &e.0))
    }

    fn opt_text(&self, obj: &Map<String, Value>, key: &str) -> Result<Option<String>, EventError> {
        Ok(self
            .text(obj, "detail.", key)?
            .map(|s| s.chars().take(200).collect()))
    }

    fn opt_long_text(
        &self,
        obj: &Map<String, Value>,
        key: &str,
    ) -> Result<Option<String>, EventError> {
        Ok(self
            .text(obj, "detail.", key)?
            .map(|s| s.chars().take(5000).collect()))
    }

    fn time_value(
        &self,
        field: &str,
        v: Option<&Value>,
    ) -> Result<Option<DateTime<Utc>>, EventError> {
        match v {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => DateTime::parse_from_rfc3339(s)
                .map(|t| Some(t.with_timezone(&Utc)))
                .map_err(|_| self.err(field, &format!("{s:?} is not an RFC 3339 time"))),
            Some(_) => Err(self.err(field, "must be an RFC 3339 time string")),
        }
    }

    fn time(&self, obj: &Map<String, Value>, key: &str) -> Result<DateTime<Utc>, EventError> {
        let field = format!("detail.{key}");
        self.time_value(&field, obj.get(key))?
            .ok_or_else(|| self.err(&field, "is missing"))
    }

    fn opt_time(
        &self,
        obj: &Map<String, Value>,
        key: &str,
    ) -> Result<Option<DateTime<Utc>>, EventError> {
        self.time_value(&format!("detail.{key}"), obj.get(key))
    }

    fn enumeration<T: for<'de> Deserialize<'de>>(
        &self,
        obj: &Map<String, Value>,
        key: &str,
    ) -> Result<Option<T>, EventError> {
        match self.text(obj, "detail.", key)? {
            None => Ok(None),
            Some(s) => serde_json::from_value(Value::String(s.to_string()))
                .map(Some)
                .map_err(|_| {
                    self.err(
                        &format!("detail.{key}"),
                        &format!("{s:?} is not a known value"),
                    )
                }),
        }
    }

    fn customer(&self, detail: &Map<String, Value>) -> Result<Customer, EventError> {
        let obj = match detail.get("customer") {
            Some(Value::Object(m)) => m,
            Some(_) => return Err(self.err("detail.customer", "must be an object")),
            None => return Err(self.err("detail.customer", "is missing")),
        };
        let p = "detail.customer.";
        let id = self
            .text(obj, p, "id")?
            .ok_or_else(|| self.err("detail.customer.id", "is missing"))?;
        let id = CustomerId::parse(id).map_err(|e| self.err("detail.customer.id", &e.0))?;
        let email = match self.text(obj, p, "email")? {
            Some(s) => {
                Some(EmailAddress::parse(s).map_err(|e| self.err("detail.customer.email", &e.0))?)
            }
            None => None,
        };
        let phone = match self.text(obj, p, "phone")? {
            Some(s) => {
                Some(PhoneNumber::parse(s).map_err(|e| self.err("detail.customer.phone", &e.0))?)
            }
            None => None,
        };
        let time_zone = match self.text(obj, p, "time_zone")? {
            Some(s) => Some(s.parse::<Tz>().map_err(|_| {
                self.err(
                    "detail.customer.time_zone",
                    &format!("{s:?} is not an IANA time zone"),
                )
            })?),
            None => None,
        };
        Ok(Customer {
            id,
            name: self
                .text(obj, p, "name")?
                .map(|s| s.chars().take(200).collect()),
            email,
            phone,
            locale: self
                .text(obj, p, "locale")?
                .map(Locale::from_tag)
                .unwrap_or_default(),
            time_zone,
        })
    }

    fn survey_for(&self, detail: &Map<String, Value>) -> Result<SurveyFor, EventError> {
        let obj = match detail.get("survey_for") {
            Some(Value::Object(m)) => m,
            Some(_) => return Err(self.err("detail.survey_for", "must be an object")),
            None => return Err(self.err("detail.survey_for", "is missing")),
        };
        let p = "detail.survey_for.";
        match (
            self.text(obj, p, "order_id")?,
            self.text(obj, p, "ticket_id")?,
        ) {
            (Some(o), None) => OrderId::parse(o)
                .map(SurveyFor::Order)
                .map_err(|e| self.err("detail.survey_for.order_id", &e.0)),
            (None, Some(t)) => TicketId::parse(t)
                .map(SurveyFor::Ticket)
                .map_err(|e| self.err("detail.survey_for.ticket_id", &e.0)),
            (Some(_), Some(_)) => Err(self.err(
                "detail.survey_for",
                "names both an order_id and a ticket_id",
            )),
            (None, None) => Err(self.err("detail.survey_for", "needs an order_id or a ticket_id")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn envelope(kind: &str, detail: &str) -> String {
        format!(r#"{{"id":"ev-1","detail-type":"{kind}","source":"shop","detail":{detail}}}"#)
    }

    #[test]
    fn a_purchase_parses_with_its_customer() {
        let text = envelope(
            "PurchaseCompleted",
            r#"{"order_id":"o-1","occurred_at":"2026-11-20T10:00:00+09:00","customer":{"id":"c-42","email":"minji@example.com","phone":"+821012345678","locale":"ko","time_zone":"Asia/Seoul"},"total":{"amount":12.5,"currency":"KRW"}}"#,
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
            r#"{"ticket_id":"t-1","occurred_at":"2026-11-20T10:00:00Z","customer":{"id":"c-1"}}"#,
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
    fn scores_are_checked_against_the_survey_kind() {
        let csat = envelope(
            "SurveyAnswered",
            r#"{"survey_for":{"ticket_id":"t-1"},"score":7,"occurred_at":"2026-11-20T10:00:00Z"}"#,
        );
        assert_eq!(
            parse_envelope(&csat, "l").unwrap_err().field,
            "detail.score"
        );
        let nps = envelope(
            "SurveyAnswered",
            r#"{"survey_for":{"order_id":"o-1"},"score":7,"occurred_at":"2026-11-20T10:00:00Z"}"#,
        );
        assert!(parse_envelope(&nps, "l").is_ok());
    }

    #[test]
    fn bad_json_unknown_kinds_and_bad_times_are_rejected() {
        assert_eq!(
            parse_envelope("{not json", "line 9").unwrap_err().event,
            "line 9"
        );
        assert_eq!(
            parse_envelope(&envelope("Refund", "{}"), "l")
                .unwrap_err()
                .field,
            "detail-type"
        );
        let bad_time = envelope(
            "TicketOpened",
            r#"{"ticket_id":"t","occurred_at":"yesterday","customer":{"id":"c"}}"#,
        );
        assert_eq!(
            parse_envelope(&bad_time, "l").unwrap_err().field,
            "detail.occurred_at"
        );
    }

    #[test]
    fn reached_outcomes_need_a_satisfaction() {
        let text = envelope(
            "CallOutcomeRecorded",
            r#"{"customer_id":"c-1","outcome":"reached","occurred_at":"2026-11-20T10:00:00Z"}"#,
        );
        assert_eq!(
            parse_envelope(&text, "l").unwrap_err().field,
            "detail.satisfaction"
        );
    }

    #[test]
    fn mangled_envelopes_never_panic_and_always_name_a_field() {
        use rand::{Rng, SeedableRng};
        let valid = envelope(
            "TicketClosed",
            r#"{"ticket_id":"t-1","occurred_at":"2026-11-20T10:00:00Z","opened_at":"2026-11-20T09:00:00Z","resolved":true,"customer_contacts":2,"customer":{"id":"c-1","email":"a@example.com","phone":"+821012345678","time_zone":"Asia/Seoul"}}"#,
        );
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
        ];
        let mut rng = rand::rngs::SmallRng::seed_from_u64(7);
        for _ in 0..20_000 {
            let mut text = valid.clone().into_bytes();
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
            r#"{"survey_for":{"order_id":"o-1"},"score":9,"occurred_at":"2026-11-20T10:00:00Z"}"#,
        );
        let b = a
            .replace("ev-1", "ev-2")
            .replace("10:00:00Z", "19:00:00+09:00");
        let ka = parse_envelope(&a, "l").unwrap().event.natural_key();
        let kb = parse_envelope(&b, "l").unwrap().event.natural_key();
        assert_eq!(ka, kb);
    }
}
