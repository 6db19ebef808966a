//! An agent's call sheet as plain data: what the service gathers from the
//! bookings (`services::calls`) and the sheet email shows
//! (`mail::render::sheet`).

use super::case::ReasonDetail;
use super::ids::{CustomerId, Locale};
use super::keys::AttemptKey;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

/// An attempt an agent is booked to make, as their call sheet shows it.
#[derive(Debug, Clone)]
pub struct ScheduledCall {
    pub slot: DateTime<Utc>,
    pub attempt: AttemptKey,
    /// The booking's round (0 unless the attempt was booked again).
    pub round: u32,
    pub customer: CustomerId,
    pub name: Option<String>,
    pub phone: Option<String>,
    /// The customer's language (the script's) and time zone.
    pub locale: Locale,
    pub customer_tz: Tz,
    /// Why the call exists, most urgent first.
    pub reasons: Vec<ReasonDetail>,
    pub deadline: DateTime<Utc>,
    /// The slot is after the deadline: no earlier slot was free.
    pub at_risk: bool,
    /// The signed token of the outcome form for this attempt.
    pub outcome_token: String,
}
