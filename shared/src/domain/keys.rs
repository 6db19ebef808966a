//! The domain's own identities: which survey, which call, which attempt,
//! which alert, which message, which job. Each is parsed once and kept
//! typed; `Display` and `FromStr` give exactly the strings stored since the
//! first release, so no stored data needs migrating.

use super::ids::{AgentId, CustomerId, InvalidValue, OrderId, TicketId};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Serde as the `Display` / `FromStr` string.
macro_rules! string_serde {
    ($name:ident) => {
        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = String::deserialize(d)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

fn invalid(what: &str, raw: &str) -> InvalidValue {
    InvalidValue(format!("{raw:?} is not a {what}"))
}

/// Which survey an answer is for: the order's NPS or the ticket's CSAT.
/// (Tickets order first, as their keys `csat:…` sort before `nps:…`.)
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SurveyFor {
    Ticket(TicketId),
    Order(OrderId),
}

impl SurveyFor {
    pub fn kind(&self) -> SurveyKind {
        match self {
            SurveyFor::Order(_) => SurveyKind::Nps,
            SurveyFor::Ticket(_) => SurveyKind::Csat,
        }
    }
    /// The survey's key (`nps:o-1`, `csat:t-1`), used in ids and store keys.
    pub fn key(&self) -> SurveyKey {
        SurveyKey::new(self.clone())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SurveyKind {
    Csat,
    Nps,
}

impl SurveyKind {
    /// The scale of this survey's scores (SPEC 5): CSAT 1–5, NPS 0–10;
    /// exactly the values `Score::parse` accepts (tested with it).
    pub fn scale(self) -> std::ops::RangeInclusive<u8> {
        match self {
            SurveyKind::Csat => 1..=5,
            SurveyKind::Nps => 0..=10,
        }
    }
}

/// One survey: the NPS of an order (`nps:o-1`) or the CSAT of a ticket
/// (`csat:t-1`). It orders as its text does.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SurveyKey(SurveyFor);

impl SurveyKey {
    pub fn new(subject: SurveyFor) -> SurveyKey {
        SurveyKey(subject)
    }
    pub fn subject(&self) -> &SurveyFor {
        &self.0
    }
    pub fn kind(&self) -> SurveyKind {
        self.0.kind()
    }
}

impl From<SurveyFor> for SurveyKey {
    fn from(s: SurveyFor) -> SurveyKey {
        SurveyKey(s)
    }
}

impl fmt::Display for SurveyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            SurveyFor::Order(o) => write!(f, "nps:{o}"),
            SurveyFor::Ticket(t) => write!(f, "csat:{t}"),
        }
    }
}

impl FromStr for SurveyKey {
    type Err = InvalidValue;
    fn from_str(raw: &str) -> Result<SurveyKey, InvalidValue> {
        let bad = || invalid("survey key (nps:ORDER or csat:TICKET)", raw);
        match raw.split_once(':').ok_or_else(bad)? {
            ("nps", id) => Ok(SurveyKey(SurveyFor::Order(
                OrderId::parse(id).map_err(|_| bad())?,
            ))),
            ("csat", id) => Ok(SurveyKey(SurveyFor::Ticket(
                TicketId::parse(id).map_err(|_| bad())?,
            ))),
            _ => Err(bad()),
        }
    }
}
string_serde!(SurveyKey);

/// Why a call exists, as the text inside its id: `order:o-1`,
/// `ticket:t-1` or `low:nps:o-1` (a low survey score).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ReasonKey {
    Order(OrderId),
    Ticket(TicketId),
    LowScore(SurveyKey),
}

impl fmt::Display for ReasonKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReasonKey::Order(o) => write!(f, "order:{o}"),
            ReasonKey::Ticket(t) => write!(f, "ticket:{t}"),
            ReasonKey::LowScore(s) => write!(f, "low:{s}"),
        }
    }
}

impl FromStr for ReasonKey {
    type Err = InvalidValue;
    fn from_str(raw: &str) -> Result<ReasonKey, InvalidValue> {
        let bad = || invalid("call reason (order:…, ticket:… or low:…)", raw);
        match raw.split_once(':').ok_or_else(bad)? {
            ("order", id) => OrderId::parse(id).map(ReasonKey::Order),
            ("ticket", id) => TicketId::parse(id).map(ReasonKey::Ticket),
            ("low", key) => key.parse().map(ReasonKey::LowScore),
            _ => Err(bad()),
        }
        .map_err(|_| bad())
    }
}

/// A follow-up call: the customer and the reason that created it
/// (`c-1/order:o-1`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CallId {
    customer: CustomerId,
    reason: ReasonKey,
}

impl CallId {
    pub fn new(customer: CustomerId, reason: ReasonKey) -> CallId {
        CallId { customer, reason }
    }
    pub fn customer(&self) -> &CustomerId {
        &self.customer
    }
    pub fn reason(&self) -> &ReasonKey {
        &self.reason
    }
    /// The key of attempt `n` (1-based) of this call.
    pub fn attempt(&self, n: u32) -> AttemptKey {
        AttemptKey {
            call: self.clone(),
            n,
        }
    }
}

impl fmt::Display for CallId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.customer, self.reason)
    }
}

impl FromStr for CallId {
    type Err = InvalidValue;
    /// The customer is everything before the first `/` that starts a
    /// reason (`/order:`, `/ticket:`, `/low:`), so customer ids may hold `/`.
    fn from_str(raw: &str) -> Result<CallId, InvalidValue> {
        let bad = || invalid("call id (CUSTOMER/REASON)", raw);
        let split = ["/order:", "/ticket:", "/low:"]
            .iter()
            .filter_map(|p| raw.find(p))
            .min()
            .ok_or_else(bad)?;
        Ok(CallId {
            customer: CustomerId::parse(&raw[..split]).map_err(|_| bad())?,
            reason: raw[split + 1..].parse().map_err(|_| bad())?,
        })
    }
}
string_serde!(CallId);

/// One attempt of one call (`c-1/order:o-1#2`): what a slot is booked for
/// and what an outcome link records.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AttemptKey {
    pub call: CallId,
    /// 1-based.
    pub n: u32,
}

impl fmt::Display for AttemptKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}#{}", self.call, self.n)
    }
}

impl FromStr for AttemptKey {
    type Err = InvalidValue;
    fn from_str(raw: &str) -> Result<AttemptKey, InvalidValue> {
        let bad = || invalid("call attempt (CALL#N)", raw);
        let (call, n) = raw.rsplit_once('#').ok_or_else(bad)?;
        let n: u32 = n.parse().map_err(|_| bad())?;
        if n == 0 {
            return Err(bad());
        }
        Ok(AttemptKey {
            call: call.parse().map_err(|_| bad())?,
            n,
        })
    }
}
string_serde!(AttemptKey);

/// An alert the managers got once: a low score (`low:nps:o-1`) or an
/// escalation (`esc:c-1/order:o-1`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AlertKey {
    Escalation(CallId),
    LowScore(SurveyKey),
}

impl fmt::Display for AlertKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AlertKey::Escalation(c) => write!(f, "esc:{c}"),
            AlertKey::LowScore(s) => write!(f, "low:{s}"),
        }
    }
}

impl FromStr for AlertKey {
    type Err = InvalidValue;
    fn from_str(raw: &str) -> Result<AlertKey, InvalidValue> {
        let bad = || invalid("alert key (low:SURVEY or esc:CALL)", raw);
        match raw.split_once(':').ok_or_else(bad)? {
            ("low", key) => key.parse().map(AlertKey::LowScore),
            ("esc", call) => call.parse().map(AlertKey::Escalation),
            _ => Err(bad()),
        }
        .map_err(|_| bad())
    }
}
string_serde!(AlertKey);

/// A message aftercare sends. Deterministic: the same message always gets
/// the same id, which is how the outbox sends it once.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MessageId {
    Survey {
        customer: CustomerId,
        survey: SurveyKey,
    },
    Reminder {
        customer: CustomerId,
        survey: SurveyKey,
    },
    LowScoreAlert {
        customer: CustomerId,
        survey: SurveyKey,
    },
    EscalationAlert(CallId),
    /// The managers' morning email about `date`.
    Report(NaiveDate),
    /// An agent's call sheet for their local `day`.
    CallSheet {
        agent: AgentId,
        day: NaiveDate,
    },
    /// The calls booked for an agent's `day` after its sheet went out;
    /// `calls` is a stable hash of the bookings it lists.
    SheetUpdate {
        agent: AgentId,
        day: NaiveDate,
        calls: u64,
    },
}

impl MessageId {
    /// The customer the message is to or about, if it is one customer's
    /// (a survey, a reminder, an alert); `None` for a report or a sheet.
    pub fn customer(&self) -> Option<&CustomerId> {
        match self {
            MessageId::Survey { customer, .. }
            | MessageId::Reminder { customer, .. }
            | MessageId::LowScoreAlert { customer, .. } => Some(customer),
            MessageId::EscalationAlert(call) => Some(call.customer()),
            MessageId::Report(_) | MessageId::CallSheet { .. } | MessageId::SheetUpdate { .. } => {
                None
            }
        }
    }
}

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MessageId::Survey { customer, survey } => write!(f, "survey-{customer}-{survey}"),
            MessageId::Reminder { customer, survey } => write!(f, "reminder-{customer}-{survey}"),
            MessageId::LowScoreAlert { customer, survey } => {
                write!(f, "alert-low-{customer}-{survey}")
            }
            MessageId::EscalationAlert(call) => write!(f, "alert-esc-{call}"),
            MessageId::Report(date) => write!(f, "report-{date}"),
            MessageId::CallSheet { agent, day } => write!(f, "sheet-{agent}-{day}"),
            MessageId::SheetUpdate { agent, day, calls } => {
                write!(f, "sheetupd-{agent}-{day}-{calls:016x}")
            }
        }
    }
}

/// `{customer}-{survey key}`: the customer ends at the first `-csat:` or `-nps:`.
fn customer_and_survey(rest: &str) -> Option<(CustomerId, SurveyKey)> {
    let split = ["-csat:", "-nps:"]
        .iter()
        .filter_map(|p| rest.find(p))
        .min()?;
    Some((
        CustomerId::parse(&rest[..split]).ok()?,
        rest[split + 1..].parse().ok()?,
    ))
}

impl FromStr for MessageId {
    type Err = InvalidValue;
    fn from_str(raw: &str) -> Result<MessageId, InvalidValue> {
        let parsed = if let Some(rest) = raw.strip_prefix("survey-") {
            customer_and_survey(rest)
                .map(|(customer, survey)| MessageId::Survey { customer, survey })
        } else if let Some(rest) = raw.strip_prefix("reminder-") {
            customer_and_survey(rest)
                .map(|(customer, survey)| MessageId::Reminder { customer, survey })
        } else if let Some(rest) = raw.strip_prefix("alert-low-") {
            customer_and_survey(rest)
                .map(|(customer, survey)| MessageId::LowScoreAlert { customer, survey })
        } else if let Some(rest) = raw.strip_prefix("alert-esc-") {
            rest.parse().ok().map(MessageId::EscalationAlert)
        } else if let Some(rest) = raw.strip_prefix("report-") {
            rest.parse().ok().map(MessageId::Report)
        } else if let Some(rest) = raw.strip_prefix("sheetupd-") {
            // `{agent}-{day}-{16 hex digits}`.
            let hash_at = rest
                .len()
                .checked_sub(17)
                .filter(|&i| rest.is_char_boundary(i));
            hash_at.and_then(|h| {
                let (head, calls) = (&rest[..h], rest[h..].strip_prefix('-')?);
                let day_at = head
                    .len()
                    .checked_sub(11)
                    .filter(|&i| head.is_char_boundary(i))?;
                Some(MessageId::SheetUpdate {
                    agent: AgentId::parse(&head[..day_at]).ok()?,
                    day: head[day_at..].strip_prefix('-')?.parse().ok()?,
                    calls: u64::from_str_radix(calls, 16).ok()?,
                })
            })
        } else if let Some(rest) = raw.strip_prefix("sheet-") {
            // The day is the last ten characters, after a `-`.
            let split = rest
                .len()
                .checked_sub(11)
                .filter(|&i| rest.is_char_boundary(i));
            split.and_then(|i| {
                let (agent, day) = (&rest[..i], &rest[i..]);
                Some(MessageId::CallSheet {
                    agent: AgentId::parse(agent).ok()?,
                    day: day.strip_prefix('-')?.parse().ok()?,
                })
            })
        } else {
            None
        };
        parsed.ok_or_else(|| invalid("message id", raw))
    }
}
string_serde!(MessageId);

impl MessageId {
    /// The RFC 5322 `Message-ID` for this message, without the angle
    /// brackets: its text as a dot-atom (every character that is not
    /// `atext` written as `=XX`), at the sender's domain.
    pub fn to_msg_id(&self, domain: &str) -> String {
        let mut local = String::new();
        for b in self.to_string().bytes() {
            let atext = b.is_ascii_alphanumeric() || b"!#$%&'*+-/?^_`{|}~".contains(&b);
            if atext {
                local.push(char::from(b));
            } else {
                local.push_str(&format!("={b:02X}"));
            }
        }
        format!("{local}@{domain}")
    }
}

/// A scheduled job that belongs to no single customer.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Job {
    /// The managers' morning email.
    DailyReport,
    /// One agent's call sheet at the start of their working day.
    CallSheet(AgentId),
    /// Every half hour of an agent's working day: the calls booked for
    /// that day since its sheet went out.
    SheetUpdates(AgentId),
}

impl fmt::Display for Job {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Job::DailyReport => f.write_str("daily-report"),
            Job::CallSheet(a) => write!(f, "call-sheet:{a}"),
            Job::SheetUpdates(a) => write!(f, "sheet-updates:{a}"),
        }
    }
}

impl FromStr for Job {
    type Err = InvalidValue;
    fn from_str(raw: &str) -> Result<Job, InvalidValue> {
        if raw == "daily-report" {
            return Ok(Job::DailyReport);
        }
        let agent = |prefix: &str| {
            raw.strip_prefix(prefix)
                .and_then(|a| AgentId::parse(a).ok())
        };
        agent("call-sheet:")
            .map(Job::CallSheet)
            .or_else(|| agent("sheet-updates:").map(Job::SheetUpdates))
            .ok_or_else(|| {
                invalid(
                    "job (daily-report, call-sheet:AGENT or sheet-updates:AGENT)",
                    raw,
                )
            })
    }
}
string_serde!(Job);

/// FNV-1a: a stable hash of a key (the std hasher may change between
/// releases), for shards and jitter that must not move.
pub fn stable_hash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip<T: FromStr + fmt::Display + fmt::Debug + PartialEq>(text: &str) -> T
    where
        T::Err: fmt::Debug,
    {
        let v: T = text.parse().unwrap();
        assert_eq!(v.to_string(), text);
        v
    }

    #[test]
    fn keys_read_and_write_the_strings_stored_today() {
        let s: SurveyKey = round_trip("nps:o-000001");
        assert_eq!(s.kind(), SurveyKind::Nps);
        let call: CallId = round_trip("c-00001/low:csat:t-9");
        assert_eq!(call.customer().as_str(), "c-00001");
        let a: AttemptKey = round_trip("c-1/order:o-1#2");
        assert_eq!(a.n, 2);
        round_trip::<AlertKey>("esc:c-1/ticket:t-1");
        round_trip::<AlertKey>("low:nps:o-1");
        round_trip::<Job>("call-sheet:a-1");
        round_trip::<Job>("daily-report");
        round_trip::<Job>("sheet-updates:a-1");
        for id in [
            "survey-c-00001-nps:o-000001",
            "reminder-c-1-csat:t-1",
            "alert-low-c-1-csat:t-1",
            "alert-esc-c-1/order:o-1",
            "report-2026-11-20",
            "sheet-a-1-2026-11-20",
            "sheetupd-a-1-2026-11-20-00c0ffee12345678",
        ] {
            round_trip::<MessageId>(id);
        }
    }

    #[test]
    fn customer_ids_with_separators_survive_a_round_trip() {
        let call: CallId = round_trip("shop/c-1/order:o/2");
        assert_eq!(call.customer().as_str(), "shop/c-1");
        let m: MessageId = round_trip("survey-c-1-x-nps:o-1");
        assert!(matches!(m, MessageId::Survey { customer, .. } if customer.as_str() == "c-1-x"));
    }

    #[test]
    fn malformed_keys_are_refused_with_what_they_should_be() {
        assert!("vote:o-1".parse::<SurveyKey>().is_err());
        assert!("c-1/order:o-1#0".parse::<AttemptKey>().is_err());
        assert!("c-1".parse::<CallId>().is_err());
        let e = "hello".parse::<MessageId>().unwrap_err();
        assert!(e.0.contains("message id"), "{e}");
    }

    #[test]
    fn message_ids_become_valid_rfc_5322_msg_ids() {
        let m: MessageId = "survey-c-00001-nps:o-000001".parse().unwrap();
        assert_eq!(
            m.to_msg_id("example.com"),
            "survey-c-00001-nps=3Ao-000001@example.com"
        );
    }
}
