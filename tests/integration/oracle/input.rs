//! The envelopes read into the oracle's own events, duplicates dropped by
//! the natural key of SPEC 3; and what the events say: the orders, the
//! tickets, the customer objects, the surveys' triggers and the reasons to
//! call.

use super::{Reason, Rules, Trigger};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::Value;
use std::collections::{BTreeMap, HashSet};

#[derive(Clone, Debug)]
pub struct Customer {
    pub id: String,
    pub has_email: bool,
    pub has_phone: bool,
    pub tz: Tz,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SurveyKind {
    Csat,
    Nps,
}

#[derive(Clone, Debug)]
pub enum Kind {
    Purchase {
        order_id: String,
        customer: Customer,
    },
    Opened {
        ticket_id: String,
        customer: Customer,
    },
    Closed {
        ticket_id: String,
        customer: Customer,
        opened_at: DateTime<Utc>,
        first_response_at: Option<DateTime<Utc>>,
        resolved: bool,
        contacts: i64,
    },
    Answer {
        kind: SurveyKind,
        subject: String,
        score: i64,
    },
    Outcome {
        customer_id: String,
        outcome: String,
        satisfaction: Option<String>,
    },
}

#[derive(Clone, Debug)]
pub struct Ev {
    pub id: String,
    pub at: DateTime<Utc>,
    pub kind: Kind,
}

fn time(v: &Value) -> DateTime<Utc> {
    let s = v
        .as_str()
        .unwrap_or_else(|| panic!("oracle: not a time string: {v}"));
    DateTime::parse_from_rfc3339(s)
        .unwrap_or_else(|e| panic!("oracle: bad time {s:?}: {e}"))
        .with_timezone(&Utc)
}

fn string(v: &Value, what: &str) -> String {
    v.as_str()
        .unwrap_or_else(|| panic!("oracle: {what} missing in {v}"))
        .to_string()
}

fn customer(v: &Value, report_tz: Tz) -> Customer {
    let present = |k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .is_some_and(|s| !s.is_empty())
    };
    let tz = match v.get("time_zone").and_then(Value::as_str) {
        Some(name) => name
            .parse::<Tz>()
            .unwrap_or_else(|_| panic!("oracle: unknown time zone {name}")),
        None => report_tz,
    };
    Customer {
        id: string(&v["id"], "customer.id"),
        has_email: present("email"),
        has_phone: present("phone"),
        tz,
    }
}

fn parse(envelope: &Value, report_tz: Tz) -> Ev {
    let d = &envelope["detail"];
    let at = time(&d["occurred_at"]);
    let kind = match envelope["detail-type"].as_str().expect("detail-type") {
        "PurchaseCompleted" => Kind::Purchase {
            order_id: string(&d["order_id"], "order_id"),
            customer: customer(&d["customer"], report_tz),
        },
        "TicketOpened" => Kind::Opened {
            ticket_id: string(&d["ticket_id"], "ticket_id"),
            customer: customer(&d["customer"], report_tz),
        },
        "TicketClosed" => Kind::Closed {
            ticket_id: string(&d["ticket_id"], "ticket_id"),
            customer: customer(&d["customer"], report_tz),
            opened_at: time(&d["opened_at"]),
            first_response_at: d
                .get("first_response_at")
                .filter(|v| !v.is_null())
                .map(time),
            resolved: d["resolved"].as_bool().expect("resolved"),
            contacts: d
                .get("customer_contacts")
                .and_then(Value::as_i64)
                .unwrap_or(1),
        },
        "SurveyAnswered" => {
            let f = &d["survey_for"];
            let (kind, subject) = match (f.get("order_id"), f.get("ticket_id")) {
                (Some(o), None) => (SurveyKind::Nps, string(o, "order_id")),
                (None, Some(t)) => (SurveyKind::Csat, string(t, "ticket_id")),
                _ => panic!("oracle: survey_for {f}"),
            };
            let score = d["score"].as_i64().expect("score");
            let range = if kind == SurveyKind::Csat {
                1..=5
            } else {
                0..=10
            };
            assert!(
                range.contains(&score),
                "oracle: the generator made a score out of range"
            );
            Kind::Answer {
                kind,
                subject,
                score,
            }
        }
        "CallOutcomeRecorded" => Kind::Outcome {
            customer_id: string(&d["customer_id"], "customer_id"),
            outcome: string(&d["outcome"], "outcome"),
            satisfaction: d
                .get("satisfaction")
                .and_then(Value::as_str)
                .map(str::to_string),
        },
        other => panic!("oracle: unknown detail-type {other}"),
    };
    Ev {
        id: string(&envelope["id"], "id"),
        at,
        kind,
    }
}

/// The natural key of SPEC 3.
fn natural_key(e: &Ev) -> String {
    let ns = e.at.timestamp_nanos_opt().unwrap();
    match &e.kind {
        Kind::Purchase { order_id, .. } => format!("order {order_id}"),
        Kind::Opened { ticket_id, .. } => format!("opened {ticket_id}"),
        Kind::Closed { ticket_id, .. } => format!("closed {ticket_id} {ns}"),
        Kind::Answer { kind, subject, .. } => format!("answer {kind:?} {subject} {ns}"),
        Kind::Outcome { customer_id, .. } => format!("outcome {customer_id} {ns}"),
    }
}

pub struct Order {
    pub customer: String,
    pub at: DateTime<Utc>,
}

pub struct Close {
    pub at: DateTime<Utc>,
    pub opened_at: DateTime<Utc>,
    pub first_response_at: Option<DateTime<Utc>>,
    pub resolved: bool,
    pub contacts: i64,
}

#[derive(Default)]
pub struct Ticket {
    pub opened_event: Option<DateTime<Utc>>,
    pub closes: Vec<Close>,
}

impl Ticket {
    pub fn opened(&self) -> DateTime<Utc> {
        self.opened_event
            .unwrap_or_else(|| self.closes[0].opened_at)
    }
}

/// Parses every envelope, sorts by occurred_at (stable) and drops the
/// duplicates by natural key: the unique events and how many were dropped.
pub fn unique_events(envelopes: &[Value], report_tz: Tz) -> (Vec<Ev>, usize) {
    let mut events: Vec<Ev> = envelopes.iter().map(|e| parse(e, report_tz)).collect();
    events.sort_by_key(|e| e.at);
    let mut seen = HashSet::new();
    let mut duplicate = 0;
    let mut unique = Vec::new();
    for e in events {
        if seen.insert(natural_key(&e)) {
            unique.push(e);
        } else {
            duplicate += 1;
        }
    }
    (unique, duplicate)
}

/// What the unique events say.
pub struct Facts {
    pub orders: Vec<Order>,
    pub tickets: BTreeMap<String, Ticket>,
    /// Every customer object, at its event's time.
    pub objects: Vec<(DateTime<Utc>, Customer)>,
    pub triggers: Vec<Trigger>,
    pub reasons: Vec<Reason>,
}

/// The orders, tickets and customer objects; the surveys' triggers and the
/// reasons to call of purchases and first closes.
pub fn facts(r: &Rules, unique: &[Ev]) -> Facts {
    let mut orders = Vec::new();
    let mut tickets: BTreeMap<String, Ticket> = BTreeMap::new();
    let mut objects: Vec<(DateTime<Utc>, Customer)> = Vec::new();
    // (trigger time, kind, subject, customer)
    let mut triggers: Vec<Trigger> = Vec::new();
    // Reasons to call: (time, deadline, tie key, customer object)
    let mut reasons: Vec<Reason> = Vec::new();
    for e in unique {
        match &e.kind {
            Kind::Purchase { order_id, customer } => {
                orders.push(Order {
                    customer: customer.id.clone(),
                    at: e.at,
                });
                objects.push((e.at, customer.clone()));
                triggers.push((e.at, SurveyKind::Nps, order_id.clone(), customer.clone()));
                reasons.push((
                    e.at,
                    e.at + r.deadline,
                    format!("order {order_id}"),
                    customer.clone(),
                ));
            }
            Kind::Opened {
                ticket_id,
                customer,
            } => {
                objects.push((e.at, customer.clone()));
                tickets.entry(ticket_id.clone()).or_default().opened_event = Some(e.at);
            }
            Kind::Closed {
                ticket_id,
                customer,
                opened_at,
                first_response_at,
                resolved,
                contacts,
            } => {
                objects.push((e.at, customer.clone()));
                let t = tickets.entry(ticket_id.clone()).or_default();
                if t.closes.is_empty() {
                    triggers.push((e.at, SurveyKind::Csat, ticket_id.clone(), customer.clone()));
                    reasons.push((
                        e.at,
                        e.at + r.deadline,
                        format!("ticket {ticket_id}"),
                        customer.clone(),
                    ));
                }
                t.closes.push(Close {
                    at: e.at,
                    opened_at: *opened_at,
                    first_response_at: *first_response_at,
                    resolved: *resolved,
                    contacts: *contacts,
                });
            }
            Kind::Answer { .. } | Kind::Outcome { .. } => {}
        }
    }
    Facts {
        orders,
        tickets,
        objects,
        triggers,
        reasons,
    }
}
