//! Who may send which event (SPEC 11). On AWS the EventBridge rules let
//! through only these (`source`, `detail-type`) pairs, and ingest checks
//! the pair again: anyone else allowed to put events on the bus (another
//! team's service, a mistaken script) cannot forge a purchase, an answer or
//! a call outcome for a customer. Answers and call outcomes are the ones
//! that matter most: they are accepted only from the survey tool and the
//! telephony system's own sources.

use super::eventbridge::{EventError, Parsed};

/// The `source` each kind of event must carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourcePolicy {
    /// `PurchaseCompleted`.
    pub shop: String,
    /// `TicketOpened`, `TicketClosed`.
    pub help_desk: String,
    /// `CallOutcomeRecorded`.
    pub telephony: String,
    /// `SurveyAnswered` (aftercare's own pages record answers directly; this
    /// is for another survey tool that reports them as events).
    pub surveys: String,
}

impl SourcePolicy {
    /// The source allowed for an event of `kind`.
    pub fn allowed(&self, kind: &str) -> &str {
        match kind {
            "PurchaseCompleted" => &self.shop,
            "TicketOpened" | "TicketClosed" => &self.help_desk,
            "CallOutcomeRecorded" => &self.telephony,
            _ => &self.surveys,
        }
    }

    /// Refuses an event whose source is missing or not the one allowed for
    /// its kind, naming both.
    pub fn check(&self, parsed: &Parsed) -> Result<(), EventError> {
        let kind = parsed.event.kind();
        let allowed = self.allowed(kind);
        if parsed.source.as_deref() == Some(allowed) {
            return Ok(());
        }
        Err(EventError {
            event: parsed.envelope_id.clone(),
            kind: Some(kind.to_string()),
            field: "source".into(),
            problem: match &parsed.source {
                None => format!("is missing (a {kind} is accepted only from {allowed:?})"),
                Some(s) => format!("{s:?} may not send a {kind} (only {allowed:?})"),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inbound::eventbridge::parse_envelope_value;
    use serde_json::json;

    fn policy() -> SourcePolicy {
        SourcePolicy {
            shop: "acme.shop".into(),
            help_desk: "acme.helpdesk".into(),
            telephony: "acme.phones".into(),
            surveys: "aftercare.surveys".into(),
        }
    }

    fn outcome(source: Option<&str>) -> Parsed {
        let mut v = json!({"id": "ev-1", "detail-type": "CallOutcomeRecorded",
            "detail": {"customer_id": "c-1", "outcome": "no_answer", "occurred_at": "2026-11-20T10:00:00Z"}});
        if let Some(s) = source {
            v["source"] = json!(s);
        }
        parse_envelope_value(&v, "test").unwrap()
    }

    #[test]
    fn a_call_outcome_is_accepted_only_from_the_telephony_source() {
        assert!(policy().check(&outcome(Some("acme.phones"))).is_ok());
        let forged = policy().check(&outcome(Some("acme.shop"))).unwrap_err();
        assert_eq!(forged.field, "source");
        assert!(
            forged.to_string().contains(
                "\"acme.shop\" may not send a CallOutcomeRecorded (only \"acme.phones\")"
            ),
            "{forged}"
        );
        let missing = policy().check(&outcome(None)).unwrap_err();
        assert!(
            missing.to_string().contains("source: is missing"),
            "{missing}"
        );
    }

    #[test]
    fn each_kind_has_its_own_source() {
        let p = policy();
        assert_eq!(p.allowed("PurchaseCompleted"), "acme.shop");
        assert_eq!(p.allowed("TicketOpened"), "acme.helpdesk");
        assert_eq!(p.allowed("TicketClosed"), "acme.helpdesk");
        assert_eq!(p.allowed("SurveyAnswered"), "aftercare.surveys");
        assert_eq!(p.allowed("CallOutcomeRecorded"), "acme.phones");
    }
}
