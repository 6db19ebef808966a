//! An independent recomputation of the daily KPIs (SPEC 3, 4, 5, 7), written
//! from the specification alone and used as a test oracle for `aftercare run`.
//!
//! It models a run with the default settings, no agents (every new call is
//! at risk) and no suppressions. Obviously correct over fast: sort, dedupe,
//! simple loops, and every day's numbers recounted from the full lists.
//!
//! The readings it follows where the spec is open:
//! - events are processed in `occurred_at` order; a survey is sent exactly at
//!   its planned time, before an event at the same instant;
//! - planned send = trigger + delay, moved to the next contact-hours start
//!   when outside [09:00, 20:00) Mon–Sat in the customer's time zone;
//! - throttling is judged at the planned send time against earlier *sent*
//!   surveys of the same kind to the same customer (exactly the throttle
//!   period apart is not throttled);
//! - an answer counts if sent <= answer <= sent + 28 days, else it is rejected;
//! - reasons before outcomes at the same instant; a reason merges into the
//!   open call when its time is <= the call's deadline, else it closes the
//!   open call as missed and opens a new one.
//! - two surveys of one kind for one customer planned for the same instant:
//!   the one with the earlier trigger goes first (then by kind and id); this
//!   one is the oracle's own reading: neither the spec nor the project's
//!   readings decide it;
//! - durations (first response, resolution) keep fractions of a second
//!   ("JSON carries full precision").

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// The settings the oracle models (the defaults of SPEC 10).
struct Rules {
    contact_start: NaiveTime,
    contact_end: NaiveTime,
    contact_days: [Weekday; 6],
    csat_delay: Duration,
    nps_delay: Duration,
    csat_throttle: Duration,
    nps_throttle: Duration,
    link_valid: Duration,
    deadline: Duration,
    priority_deadline: Duration,
    max_attempts: u32,
}

fn rules() -> Rules {
    Rules {
        contact_start: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
        contact_end: NaiveTime::from_hms_opt(20, 0, 0).unwrap(),
        contact_days: [
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
            Weekday::Sat,
        ],
        csat_delay: Duration::hours(2),
        nps_delay: Duration::days(7),
        csat_throttle: Duration::days(7),
        nps_throttle: Duration::days(90),
        link_valid: Duration::days(28),
        deadline: Duration::hours(72),
        priority_deadline: Duration::hours(24),
        max_attempts: 3,
    }
}

/// What the oracle expects of one run.
pub struct Expected {
    /// Every day from the first event's day to `until`'s day: the SPEC 7 JSON.
    pub days: BTreeMap<NaiveDate, Value>,
    pub accepted: usize,
    pub duplicate: usize,
    pub rejected: usize,
    /// Envelope ids of the events rejected for what they say (not malformed).
    pub rejected_ids: BTreeSet<String>,
    /// How often each interesting case occurred, to check that a data set
    /// exercises what it is meant to.
    pub cases: BTreeMap<&'static str, usize>,
}

#[derive(Clone, Debug)]
struct Customer {
    id: String,
    has_email: bool,
    has_phone: bool,
    tz: Tz,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum SurveyKind {
    Csat,
    Nps,
}

#[derive(Clone, Debug)]
enum Kind {
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
struct Ev {
    id: String,
    at: DateTime<Utc>,
    kind: Kind,
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

/// The first contact-hours instant at or after `t` in `tz`.
fn contact_time(r: &Rules, t: DateTime<Utc>, tz: Tz) -> DateTime<Utc> {
    let local = t.with_timezone(&tz);
    let contact_day = |d: NaiveDate| r.contact_days.contains(&d.weekday());
    let tod = local.time();
    if contact_day(local.date_naive()) && tod >= r.contact_start && tod < r.contact_end {
        return t;
    }
    let mut d = if tod < r.contact_start {
        local.date_naive()
    } else {
        local.date_naive().succ_opt().unwrap()
    };
    while !contact_day(d) {
        d = d.succ_opt().unwrap();
    }
    tz.from_local_datetime(&d.and_time(r.contact_start))
        .earliest()
        .unwrap()
        .with_timezone(&Utc)
}

struct Order {
    customer: String,
    at: DateTime<Utc>,
}

struct Close {
    at: DateTime<Utc>,
    opened_at: DateTime<Utc>,
    first_response_at: Option<DateTime<Utc>>,
    resolved: bool,
    contacts: i64,
}

#[derive(Default)]
struct Ticket {
    opened_event: Option<DateTime<Utc>>,
    closes: Vec<Close>,
}

impl Ticket {
    fn opened(&self) -> DateTime<Utc> {
        self.opened_event
            .unwrap_or_else(|| self.closes[0].opened_at)
    }
}

struct Survey {
    kind: SurveyKind,
    subject: String,
    customer: Customer,
    trigger_at: DateTime<Utc>,
    planned: DateTime<Utc>,
    sent: bool,
    /// Valid answers, in time order.
    answers: Vec<(DateTime<Utc>, i64)>,
}

impl Survey {
    fn current(&self) -> Option<i64> {
        self.answers.last().map(|a| a.1)
    }
    fn first_answer(&self) -> Option<DateTime<Utc>> {
        self.answers.first().map(|a| a.0)
    }
}

fn is_low(kind: SurveyKind, score: i64) -> bool {
    match kind {
        SurveyKind::Csat => score <= 2,
        SurveyKind::Nps => score <= 6,
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ReasonFate {
    Scheduled,
    Merged,
    Skipped,
}

struct Call {
    deadline: DateTime<Utc>,
    attempts: u32,
    reached_at: Option<DateTime<Utc>>,
}

struct Attempt {
    at: DateTime<Utc>,
    outcome: String,
    satisfaction: Option<String>,
}

/// One step of a customer's call timeline: (time, 0 = reason / 1 = outcome, tie key, index).
type Step = (DateTime<Utc>, u8, String, usize);

pub fn recompute(envelopes: &[Value], report_tz: Tz, until: DateTime<Utc>) -> Expected {
    let r = rules();
    let day = |t: DateTime<Utc>| t.with_timezone(&report_tz).date_naive();

    // 1. Parse, sort by occurred_at (stable), drop duplicates by natural key.
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
    let mut rejected_ids = BTreeSet::new();
    let mut cases: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut case = |name: &'static str| *cases.entry(name).or_default() += 1;

    // 2. Orders, tickets, customer objects.
    let mut orders = Vec::new();
    let mut tickets: BTreeMap<String, Ticket> = BTreeMap::new();
    let mut objects: Vec<(DateTime<Utc>, Customer)> = Vec::new();
    // (trigger time, kind, subject, customer)
    let mut triggers: Vec<(DateTime<Utc>, SurveyKind, String, Customer)> = Vec::new();
    // Reasons to call: (time, deadline, tie key, customer object)
    let mut reasons: Vec<(DateTime<Utc>, DateTime<Utc>, String, Customer)> = Vec::new();
    for e in &unique {
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

    // 3. Surveys: planned time, then throttling per customer and kind in
    //    send-time order. Only what the clock reached by `until` happened.
    let mut surveys: Vec<Survey> = Vec::new();
    for (at, kind, subject, customer) in &triggers {
        if !customer.has_email {
            continue;
        }
        let delay = if *kind == SurveyKind::Csat {
            r.csat_delay
        } else {
            r.nps_delay
        };
        let planned = contact_time(&r, *at + delay, customer.tz);
        if planned != *at + delay {
            case("survey moved out of quiet time");
        }
        if planned > until {
            continue;
        }
        surveys.push(Survey {
            kind: *kind,
            subject: subject.clone(),
            customer: customer.clone(),
            trigger_at: *at,
            planned,
            sent: false,
            answers: Vec::new(),
        });
    }
    // Two surveys for one instant: the earlier trigger first (my reading;
    // the spec and the project's readings are silent on this tie).
    surveys.sort_by(|a, b| {
        (a.planned, a.trigger_at, a.kind, &a.subject).cmp(&(
            b.planned,
            b.trigger_at,
            b.kind,
            &b.subject,
        ))
    });
    for (i, a) in surveys.iter().enumerate() {
        let tie = |b: &Survey| {
            b.customer.id == a.customer.id && b.kind == a.kind && b.planned == a.planned
        };
        if surveys[i + 1..].iter().any(tie) {
            case("two surveys of a kind planned for one customer at one instant");
        }
    }
    let mut last_sent: BTreeMap<(String, SurveyKind), DateTime<Utc>> = BTreeMap::new();
    for s in surveys.iter_mut() {
        let throttle = if s.kind == SurveyKind::Csat {
            r.csat_throttle
        } else {
            r.nps_throttle
        };
        let k = (s.customer.id.clone(), s.kind);
        let throttled = last_sent
            .get(&k)
            .is_some_and(|last| s.planned - *last < throttle);
        if !throttled {
            s.sent = true;
            last_sent.insert(k, s.planned);
        } else {
            case("survey throttled");
        }
    }

    // 4. Answers, in time order.
    for e in &unique {
        if let Kind::Answer {
            kind,
            subject,
            score,
        } = &e.kind
        {
            let survey = surveys
                .iter_mut()
                .find(|s| s.kind == *kind && &s.subject == subject);
            match survey {
                Some(s) if s.sent && s.planned <= e.at && e.at <= s.planned + r.link_valid => {
                    if !s.answers.is_empty() {
                        case("answer updated");
                    }
                    s.answers.push((e.at, *score))
                }
                _ => {
                    case(match survey {
                        None => "answer for no survey",
                        Some(s) if !s.sent => "answer for a throttled survey",
                        Some(s) if e.at < s.planned => "answer before the send",
                        Some(_) => "answer after the link expired",
                    });
                    rejected_ids.insert(e.id.clone());
                }
            }
        }
    }

    // 5. Low scores are reasons to call (once per survey).
    for s in &surveys {
        if let Some(i) = s
            .answers
            .iter()
            .position(|(_, score)| is_low(s.kind, *score))
        {
            let at = &s.answers[i].0;
            if i > 0 {
                case("low score by an update");
            }
            let latest = objects
                .iter()
                .rfind(|(t, c)| c.id == s.customer.id && t <= at)
                .map(|(_, c)| c.clone())
                .unwrap_or_else(|| s.customer.clone());
            reasons.push((
                *at,
                *at + r.priority_deadline,
                format!("low {:?} {}", s.kind, s.subject),
                latest,
            ));
        }
    }

    // 6. Calls, per customer, reasons before outcomes at the same instant.
    //    (time, 0 = reason / 1 = outcome, tie key, index)
    let mut timeline: BTreeMap<String, Vec<Step>> = BTreeMap::new();
    for (i, (at, _, key, c)) in reasons.iter().enumerate() {
        timeline
            .entry(c.id.clone())
            .or_default()
            .push((*at, 0, key.clone(), i));
    }
    for (i, e) in unique.iter().enumerate() {
        if let Kind::Outcome { customer_id, .. } = &e.kind {
            timeline
                .entry(customer_id.clone())
                .or_default()
                .push((e.at, 1, String::new(), i));
        }
    }
    let mut fates: Vec<(DateTime<Utc>, ReasonFate)> = Vec::new();
    let mut calls: Vec<Call> = Vec::new();
    let mut attempts: Vec<Attempt> = Vec::new();
    for items in timeline.values_mut() {
        items.sort();
        let mut open: Option<usize> = None;
        for (at, what, _, i) in items.iter() {
            if *what == 0 {
                let (_, deadline, _, c) = &reasons[*i];
                if !c.has_phone {
                    fates.push((*at, ReasonFate::Skipped));
                    continue;
                }
                match open {
                    Some(o) if *at <= calls[o].deadline => {
                        if *deadline < calls[o].deadline {
                            case("merge moved a deadline earlier");
                        }
                        calls[o].deadline = calls[o].deadline.min(*deadline);
                        fates.push((*at, ReasonFate::Merged));
                    }
                    _ => {
                        // No open call, or one past its deadline: that one is missed.
                        if open.is_some() {
                            case("open call missed: a new reason after its deadline");
                        }
                        calls.push(Call {
                            deadline: *deadline,
                            attempts: 0,
                            reached_at: None,
                        });
                        open = Some(calls.len() - 1);
                        fates.push((*at, ReasonFate::Scheduled));
                    }
                }
            } else {
                let e = &unique[*i];
                let Kind::Outcome {
                    outcome,
                    satisfaction,
                    ..
                } = &e.kind
                else {
                    unreachable!()
                };
                let Some(o) = open else {
                    case("outcome with no open call");
                    rejected_ids.insert(e.id.clone());
                    continue;
                };
                let call = &mut calls[o];
                call.attempts += 1;
                if *at > call.deadline {
                    case("outcome after the deadline");
                }
                attempts.push(Attempt {
                    at: *at,
                    outcome: outcome.clone(),
                    satisfaction: satisfaction.clone(),
                });
                match outcome.as_str() {
                    "reached" => {
                        call.reached_at = Some(*at);
                        open = None;
                    }
                    "wrong_number" | "declined" => open = None,
                    "no_answer" | "busy" => {
                        if call.attempts >= r.max_attempts {
                            case("call closed after the last failed attempt");
                            open = None;
                        }
                    }
                    other => panic!("oracle: outcome {other}"),
                }
            }
        }
    }

    for t in tickets.values() {
        match (t.opened_event, t.closes.len()) {
            (_, 0) => case("ticket never closed"),
            (None, _) => case("ticket closed without a seen open"),
            (_, n) if n > 1 => case("ticket reopened"),
            _ => {}
        }
    }

    // 7. The days.
    let first_day = unique
        .iter()
        .map(|e| day(e.at))
        .chain(
            tickets
                .values()
                .flat_map(|t| t.closes.iter().map(|c| day(c.opened_at))),
        )
        .min()
        .unwrap_or_else(|| day(until));
    let last_day = day(until);
    let mut days = BTreeMap::new();
    let mut d = first_day;
    while d <= last_day {
        days.insert(
            d,
            report_day(
                d, report_tz, &orders, &tickets, &surveys, &fates, &calls, &attempts, &day,
            ),
        );
        d = d.succ_opt().unwrap();
    }
    let rejected = rejected_ids.len();
    Expected {
        days,
        accepted: unique.len() - rejected,
        duplicate,
        rejected,
        rejected_ids,
        cases,
    }
}

fn ratio(a: usize, b: usize) -> Value {
    if b == 0 {
        Value::Null
    } else {
        json!(a as f64 / b as f64)
    }
}

fn mean(xs: &[f64]) -> Value {
    if xs.is_empty() {
        Value::Null
    } else {
        json!(xs.iter().sum::<f64>() / xs.len() as f64)
    }
}

fn minutes(d: Duration) -> f64 {
    d.num_nanoseconds().unwrap() as f64 / 60e9
}

/// Wilson score interval of s successes in n, z = 1.96, in percent.
fn wilson(s: usize, n: usize) -> Value {
    if n == 0 {
        return Value::Null;
    }
    let z = 1.96_f64;
    let n = n as f64;
    let p = s as f64 / n;
    let denom = 1.0 + z * z / n;
    let center = (p + z * z / (2.0 * n)) / denom;
    let half = z / denom * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt();
    json!([(center - half) * 100.0, (center + half) * 100.0])
}

#[allow(clippy::too_many_arguments)]
fn report_day(
    d: NaiveDate,
    report_tz: Tz,
    orders: &[Order],
    tickets: &BTreeMap<String, Ticket>,
    surveys: &[Survey],
    fates: &[(DateTime<Utc>, ReasonFate)],
    calls: &[Call],
    attempts: &[Attempt],
    day: &dyn Fn(DateTime<Utc>) -> NaiveDate,
) -> Value {
    // purchases
    let on_d: Vec<&Order> = orders.iter().filter(|o| day(o.at) == d).collect();
    let customers: BTreeSet<&str> = on_d.iter().map(|o| o.customer.as_str()).collect();
    let repeat: BTreeSet<&str> = on_d
        .iter()
        .filter(|o| {
            orders
                .iter()
                .any(|p| p.customer == o.customer && p.at < o.at)
        })
        .map(|o| o.customer.as_str())
        .collect();

    // tickets
    let opened = tickets.values().filter(|t| day(t.opened()) == d).count();
    let first_closes: Vec<&Close> = tickets
        .values()
        .filter_map(|t| t.closes.first())
        .filter(|c| day(c.at) == d)
        .collect();
    let closed = first_closes.len();
    let resolved = first_closes.iter().filter(|c| c.resolved).count();
    let fcr = first_closes
        .iter()
        .filter(|c| c.resolved && c.contacts <= 1)
        .count();
    let first_response: Vec<f64> = first_closes
        .iter()
        .filter_map(|c| c.first_response_at.map(|f| minutes(f - c.opened_at)))
        .collect();
    let resolution: Vec<f64> = first_closes
        .iter()
        .map(|c| minutes(c.at - c.opened_at) / 60.0)
        .collect();
    let reopened = tickets
        .values()
        .flat_map(|t| t.closes.iter().skip(1))
        .filter(|c| day(c.at) == d)
        .count();
    let backlog = tickets
        .values()
        .filter(|t| day(t.opened()) <= d && t.closes.first().is_none_or(|c| day(c.at) > d))
        .count();

    // callbacks
    let fate = |f: ReasonFate| {
        fates
            .iter()
            .filter(|(t, x)| *x == f && day(*t) == d)
            .count()
    };
    let scheduled = fate(ReasonFate::Scheduled);
    let tries: Vec<&Attempt> = attempts.iter().filter(|a| day(a.at) == d).collect();
    let reached: Vec<&&Attempt> = tries.iter().filter(|a| a.outcome == "reached").collect();
    let sat = |s: &str| {
        reached
            .iter()
            .filter(|a| a.satisfaction.as_deref() == Some(s))
            .count()
    };
    let due: Vec<&Call> = calls.iter().filter(|c| day(c.deadline) == d).collect();
    let on_time = due
        .iter()
        .filter(|c| c.reached_at.is_some_and(|t| t <= c.deadline))
        .count();
    let escalation =
        |a: &Attempt| a.outcome == "reached" && a.satisfaction.as_deref() == Some("unsatisfied");
    let escalations_opened = tries.iter().filter(|a| escalation(a)).count();
    let escalations_open = attempts
        .iter()
        .filter(|a| escalation(a) && day(a.at) <= d)
        .count();

    // surveys
    let kind_of = |k: SurveyKind| -> (Vec<&Survey>, Vec<&Survey>, usize) {
        let planned_d: Vec<&Survey> = surveys
            .iter()
            .filter(|s| s.kind == k && day(s.planned) == d)
            .collect();
        let sent: Vec<&Survey> = planned_d.iter().copied().filter(|s| s.sent).collect();
        let throttled = planned_d.len() - sent.len();
        let responded: Vec<&Survey> = surveys
            .iter()
            .filter(|s| s.kind == k && s.first_answer().is_some_and(|t| day(t) == d))
            .collect();
        (sent, responded, throttled)
    };
    let (csat_sent, csat_resp, csat_throttled) = kind_of(SurveyKind::Csat);
    let csat_scores: Vec<i64> = csat_resp.iter().map(|s| s.current().unwrap()).collect();
    let csat_n = csat_scores.len();
    let csat_sat = csat_scores.iter().filter(|s| **s >= 4).count();
    let csat_answered = csat_sent.iter().filter(|s| !s.answers.is_empty()).count();
    let (nps_sent, nps_resp, nps_throttled) = kind_of(SurveyKind::Nps);
    let nps_scores: Vec<i64> = nps_resp.iter().map(|s| s.current().unwrap()).collect();
    let n = nps_scores.len();
    let promoters = nps_scores.iter().filter(|s| **s >= 9).count();
    let passives = nps_scores.iter().filter(|s| (7..=8).contains(*s)).count();
    let detractors = nps_scores.iter().filter(|s| **s <= 6).count();
    let nps_answered = nps_sent.iter().filter(|s| !s.answers.is_empty()).count();
    let (nps_score, moe) = if n == 0 {
        (Value::Null, Value::Null)
    } else {
        let p = promoters as f64 / n as f64;
        let q = detractors as f64 / n as f64;
        (
            json!((promoters as f64 - detractors as f64) / n as f64 * 100.0),
            json!(1.96 * ((p + q - (p - q) * (p - q)) / n as f64).sqrt() * 100.0),
        )
    };

    json!({
        "date": d.to_string(),
        "time_zone": report_tz.name(),
        "purchases": {
            "count": on_d.len(),
            "customers": customers.len(),
            "repeat_customers": repeat.len(),
            "repeat_rate": ratio(repeat.len(), customers.len()),
        },
        "tickets": {
            "opened": opened,
            "closed": closed,
            "resolved": resolved,
            "resolution_rate": ratio(resolved, closed),
            "first_contact_resolution_rate": ratio(fcr, resolved),
            "avg_first_response_minutes": mean(&first_response),
            "avg_resolution_hours": mean(&resolution),
            "reopened": reopened,
            "backlog": backlog,
        },
        "callbacks": {
            "scheduled": scheduled,
            "merged": fate(ReasonFate::Merged),
            "skipped": fate(ReasonFate::Skipped),
            "attempts": tries.len(),
            "reached": reached.len(),
            "satisfied": sat("satisfied"),
            "neutral": sat("neutral"),
            "unsatisfied": sat("unsatisfied"),
            "due": due.len(),
            "completed_on_time": on_time,
            "on_time_rate": ratio(on_time, due.len()),
            // No agents: every new call has no slot before its deadline.
            "at_risk": scheduled,
            "escalations_opened": escalations_opened,
            "escalations_open": escalations_open,
        },
        "csat": {
            "sent": csat_sent.len(),
            "throttled": csat_throttled,
            "suppressed": 0,
            "responses": csat_n,
            "satisfied": csat_sat,
            "score": if csat_n == 0 { Value::Null } else { json!(csat_sat as f64 / csat_n as f64 * 100.0) },
            "average": mean(&csat_scores.iter().map(|s| *s as f64).collect::<Vec<_>>()),
            "ci95": wilson(csat_sat, csat_n),
            "response_rate": ratio(csat_answered, csat_sent.len()),
        },
        "nps": {
            "sent": nps_sent.len(),
            "throttled": nps_throttled,
            "suppressed": 0,
            "responses": n,
            "promoters": promoters,
            "passives": passives,
            "detractors": detractors,
            "score": nps_score,
            "margin_of_error": moe,
            "response_rate": ratio(nps_answered, nps_sent.len()),
        },
        "unsubscribes": 0,
    })
}

/// Field-by-field comparison: integers exactly (an integer field must be a
/// JSON integer), floats within 1e-9 relative (with an absolute floor of
/// 1e-12 for values that should be 0), the same keys, `null` only for `null`.
pub fn differences(path: &str, expected: &Value, actual: &Value, out: &mut Vec<String>) {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (k, ev) in e {
                let p = format!("{path}.{k}");
                match a.get(k) {
                    Some(av) => differences(&p, ev, av, out),
                    None => out.push(format!("{p}: expected {ev}, missing")),
                }
            }
            for k in a.keys().filter(|k| !e.contains_key(*k)) {
                out.push(format!("{path}.{k}: unexpected field, {}", a[k]));
            }
        }
        (Value::Array(e), Value::Array(a)) if e.len() == a.len() => {
            for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                differences(&format!("{path}[{i}]"), ev, av, out);
            }
        }
        (Value::Number(e), Value::Number(a)) if e.is_f64() => {
            let (x, y) = (e.as_f64().unwrap(), a.as_f64().unwrap());
            if (x - y).abs() > 1e-9 * x.abs().max(y.abs()) && (x - y).abs() > 1e-12 {
                out.push(format!("{path}: expected {x}, actual {y}"));
            }
        }
        (e, a) if e == a => {}
        (e, a) => out.push(format!("{path}: expected {e}, actual {a}")),
    }
}
