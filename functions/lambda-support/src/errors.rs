//! A failed invocation as Lambda reports it. Every error a function
//! returns is one of two kinds, its `errorType`: `Rejected` (the input is
//! at fault; retrying cannot help, the event belongs in the dead-letter
//! queue) or `Retryable` (ours or a dependency's; try again). Handlers
//! decode their payload themselves ([`decode`]), so a payload of the wrong
//! shape is `Rejected` too, never the runtime's own deserializer error.

use aftercare_shared::inbound::eventbridge::EventError;
use aftercare_shared::services::ServiceError;
use lambda_runtime::Diagnostic;
use serde::de::DeserializeOwned;

#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct HandlerError {
    pub retryable: bool,
    pub message: String,
}

impl HandlerError {
    pub fn rejected(message: impl Into<String>) -> HandlerError {
        HandlerError {
            retryable: false,
            message: message.into(),
        }
    }

    /// The `errorType` Lambda shows.
    pub fn kind(&self) -> &'static str {
        if self.retryable {
            "Retryable"
        } else {
            "Rejected"
        }
    }
}

impl From<ServiceError> for HandlerError {
    fn from(e: ServiceError) -> HandlerError {
        HandlerError {
            retryable: !e.is_rejection(),
            message: e.to_string(),
        }
    }
}

impl From<EventError> for HandlerError {
    fn from(e: EventError) -> HandlerError {
        HandlerError::rejected(e.to_string())
    }
}

impl From<HandlerError> for Diagnostic {
    fn from(e: HandlerError) -> Diagnostic {
        Diagnostic {
            error_type: e.kind().into(),
            error_message: e.message,
        }
    }
}

/// A function's payload as `T` (an SQS batch, an SNS delivery): a payload
/// of another shape is `Rejected`, naming where it went wrong.
pub fn decode<T: DeserializeOwned>(
    what: &str,
    payload: serde_json::Value,
) -> Result<T, HandlerError> {
    serde_path_to_error::deserialize(payload).map_err(|e| {
        HandlerError::rejected(format!(
            "the payload is not {what}: at {}: {}",
            e.path(),
            e.inner()
        ))
    })
}
