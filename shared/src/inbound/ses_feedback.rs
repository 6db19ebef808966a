//! SES bounce and complaint notifications (the JSON an SNS topic carries
//! from a configuration set's event destination, `eventType`, or from an
//! identity's feedback notifications, `notificationType`) parsed into
//! [`MailFeedback`].

use crate::domain::feedback::{FeedbackKind, MailFeedback};
use crate::domain::ids::EmailAddress;
use serde::Deserialize;

/// Why a notification cannot be read: the field and the problem (never
/// the address or other content).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("SES notification: {field}: {problem}")]
pub struct FeedbackError {
    pub field: String,
    pub problem: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Notification {
    event_type: Option<String>,
    notification_type: Option<String>,
    bounce: Option<Bounce>,
    complaint: Option<Complaint>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Bounce {
    bounce_type: Option<String>,
    bounce_sub_type: Option<String>,
    #[serde(default)]
    bounced_recipients: Vec<Recipient>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Complaint {
    complaint_feedback_type: Option<String>,
    #[serde(default)]
    complained_recipients: Vec<Recipient>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Recipient {
    email_address: Option<String>,
}

fn error(field: impl Into<String>, problem: impl Into<String>) -> FeedbackError {
    FeedbackError {
        field: field.into(),
        problem: problem.into(),
    }
}

/// `Name <a@b.example>` or `a@b.example` → the address.
fn address(field: &str, raw: Option<String>) -> Result<EmailAddress, FeedbackError> {
    let raw = raw.ok_or_else(|| error(field, "is missing"))?;
    let bare = match (raw.rfind('<'), raw.rfind('>')) {
        (Some(open), Some(close)) if open < close => &raw[open + 1..close],
        _ => raw.as_str(),
    };
    EmailAddress::parse(bare).map_err(|e| error(field, e.0))
}

fn recipients(prefix: &str, list: Vec<Recipient>) -> Result<Vec<EmailAddress>, FeedbackError> {
    list.into_iter()
        .enumerate()
        .map(|(i, r)| address(&format!("{prefix}[{i}].emailAddress"), r.email_address))
        .collect()
}

/// Reads one notification (the SNS message text).
pub fn parse_notification(text: &str) -> Result<MailFeedback, FeedbackError> {
    let mut de = serde_json::Deserializer::from_str(text);
    let n: Notification = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." {
            "(message)".into()
        } else {
            path
        };
        // The serde message names types, never values.
        error(field, "is not a valid SES notification")
    })?;
    let kind = n
        .event_type
        .or(n.notification_type)
        .ok_or_else(|| error("eventType", "is missing (and so is notificationType)"))?;
    match kind.as_str() {
        "Bounce" => {
            let b = n.bounce.ok_or_else(|| error("bounce", "is missing"))?;
            let bounce_type = b
                .bounce_type
                .ok_or_else(|| error("bounce.bounceType", "is missing"))?;
            let sub_type = b.bounce_sub_type.unwrap_or_else(|| "General".into());
            let kind = match bounce_type.as_str() {
                "Permanent" => FeedbackKind::PermanentBounce { sub_type },
                "Transient" | "Undetermined" => FeedbackKind::TransientBounce { sub_type },
                other => {
                    return Err(error(
                        "bounce.bounceType",
                        format!("{other:?} is not Permanent, Transient or Undetermined"),
                    ))
                }
            };
            Ok(MailFeedback {
                kind,
                recipients: recipients("bounce.bouncedRecipients", b.bounced_recipients)?,
            })
        }
        "Complaint" => {
            let c = n
                .complaint
                .ok_or_else(|| error("complaint", "is missing"))?;
            Ok(MailFeedback {
                kind: FeedbackKind::Complaint {
                    feedback_type: c.complaint_feedback_type,
                },
                recipients: recipients("complaint.complainedRecipients", c.complained_recipients)?,
            })
        }
        other => Ok(MailFeedback {
            kind: FeedbackKind::Other(other.to_string()),
            recipients: Vec::new(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Shapes from the SES developer guide's notification examples.
    const PERMANENT: &str = r#"{"notificationType":"Bounce","bounce":{"feedbackId":"0100015e-aa","bounceType":"Permanent","bounceSubType":"General","bouncedRecipients":[{"emailAddress":"jane@example.com","action":"failed","status":"5.1.1","diagnosticCode":"smtp; 550 5.1.1 user unknown"},{"emailAddress":"\"Richard Roe\" <richard@example.com>","action":"failed","status":"5.1.1"}],"timestamp":"2026-11-20T10:00:00.000Z","remoteMtaIp":"127.0.2.0","reportingMTA":"dsn; a7-3.smtp-out.us-west-2.amazonses.com"},"mail":{"timestamp":"2026-11-20T09:59:58.000Z","source":"care@example.com","messageId":"0100015e-bb","destination":["jane@example.com","richard@example.com"]}}"#;
    const TRANSIENT: &str = r#"{"eventType":"Bounce","bounce":{"bounceType":"Transient","bounceSubType":"MailboxFull","bouncedRecipients":[{"emailAddress":"jane@example.com"}],"timestamp":"2026-11-20T10:00:00.000Z","feedbackId":"x"},"mail":{"messageId":"m"}}"#;
    const COMPLAINT: &str = r#"{"eventType":"Complaint","complaint":{"feedbackId":"0100015e-cc","complaintSubType":null,"complainedRecipients":[{"emailAddress":"jane@example.com"}],"timestamp":"2026-11-20T10:00:00.000Z","userAgent":"Mozilla/5.0","complaintFeedbackType":"abuse","arrivalDate":"2026-11-20T09:59:00.000Z"},"mail":{"messageId":"m"}}"#;

    #[test]
    fn a_permanent_bounce_suppresses_every_bounced_recipient() {
        let f = parse_notification(PERMANENT).unwrap();
        assert_eq!(f.recipients.len(), 2);
        assert_eq!(f.recipients[1].as_str(), "richard@example.com");
        assert_eq!(
            f.suppression_reason().as_deref(),
            Some("bounce: permanent (General)")
        );
    }

    #[test]
    fn a_transient_bounce_suppresses_nothing_and_a_complaint_does() {
        assert_eq!(
            parse_notification(TRANSIENT).unwrap().suppression_reason(),
            None
        );
        let c = parse_notification(COMPLAINT).unwrap();
        assert_eq!(c.suppression_reason().as_deref(), Some("complaint (abuse)"));
        assert_eq!(c.recipients[0].as_str(), "jane@example.com");
    }

    #[test]
    fn deliveries_are_ignored_and_bad_notifications_name_the_field() {
        let d = parse_notification(r#"{"eventType":"Delivery","mail":{}}"#).unwrap();
        assert_eq!(d.suppression_reason(), None);
        let e = parse_notification(r#"{"eventType":"Bounce","bounce":{"bouncedRecipients":[]}}"#)
            .unwrap_err();
        assert_eq!(e.field, "bounce.bounceType");
        let e = parse_notification(r#"{"eventType":"Bounce","bounce":{"bounceType":"Permanent","bouncedRecipients":[{"emailAddress":"nobody"}]}}"#).unwrap_err();
        assert_eq!(e.field, "bounce.bouncedRecipients[0].emailAddress");
        assert!(!e.to_string().contains("nobody"));
        let e = parse_notification("not json").unwrap_err();
        assert!(e.to_string().contains("SES notification"));
        let e = parse_notification(r#"{"eventType":7}"#).unwrap_err();
        assert_eq!(e.field, "eventType");
    }
}
