//! A seeded generator of EventBridge envelopes: a small business over three
//! weeks (2026-10-19 to 2026-11-09, across both the European and the US
//! daylight-saving ends) with customers in several time zones and locales,
//! some without a phone or an email; purchases, tickets (opened, closed,
//! reopened, never closed, closed without a seen open), survey answers (in
//! time, updated, too early, expired, for no survey) and call outcomes
//! (mixed, some for customers with no open call).
//!
//! Within one customer no two events share an instant, and natural keys are
//! unique, so the expected result does not depend on tie-breaks.

use chrono::{DateTime, Duration, FixedOffset, SecondsFormat, TimeZone, Utc};
use rand::rngs::SmallRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use std::collections::HashSet;

/// The first instant of the data.
pub fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 10, 19, 0, 0, 0).unwrap()
}

const SPAN_DAYS: i64 = 21;

struct Gen {
    rng: SmallRng,
    seed: u64,
    next_id: u64,
    out: Vec<(DateTime<Utc>, Value)>,
    /// (customer id, instant) already used: one event per instant per customer.
    taken: HashSet<(String, DateTime<Utc>)>,
}

impl Gen {
    fn random_time(&mut self) -> DateTime<Utc> {
        start() + Duration::seconds(self.rng.gen_range(0..SPAN_DAYS * 86_400)) + self.millis()
    }

    /// Sometimes a fraction of a second, to exercise parsing.
    fn millis(&mut self) -> Duration {
        if self.rng.gen_bool(0.25) {
            Duration::milliseconds(self.rng.gen_range(1..1000))
        } else {
            Duration::zero()
        }
    }

    fn between(&mut self, from: Duration, to: Duration) -> Duration {
        Duration::seconds(self.rng.gen_range(from.num_seconds()..to.num_seconds())) + self.millis()
    }

    /// `t`, or the next free second for this customer.
    fn free(&mut self, customer: &str, mut t: DateTime<Utc>) -> DateTime<Utc> {
        while !self.taken.insert((customer.to_string(), t)) {
            t += Duration::seconds(1);
        }
        t
    }

    /// RFC 3339 with a random UTC offset (the same instant).
    fn stamp(&mut self, t: DateTime<Utc>) -> String {
        let format = if t.timestamp_subsec_nanos() == 0 {
            SecondsFormat::Secs
        } else {
            SecondsFormat::Millis
        };
        let offsets = [
            0,
            0,
            9 * 3600,
            -5 * 3600,
            -4 * 3600,
            7 * 3600,
            3600,
            5 * 3600 + 1800,
            -(3 * 3600 + 1800),
        ];
        let offset = *offsets.choose(&mut self.rng).unwrap();
        if offset == 0 && self.rng.gen_bool(0.5) {
            t.to_rfc3339_opts(format, true)
        } else {
            t.with_timezone(&FixedOffset::east_opt(offset).unwrap())
                .to_rfc3339_opts(format, false)
        }
    }

    /// An event whose `occurred_at` is written exactly as given.
    fn emit_literal(&mut self, detail_type: &str, mut detail: Value) {
        let at = detail["occurred_at"].as_str().expect("occurred_at");
        let t = DateTime::parse_from_rfc3339(at)
            .expect("a literal time")
            .with_timezone(&Utc);
        self.next_id += 1;
        let id = format!("ev-{}-{:06}", self.seed, self.next_id);
        detail["occurred_at"] = json!(at);
        self.out.push((t, json!({"version": "0", "id": id, "detail-type": detail_type, "source": "test", "detail": detail})));
    }

    fn emit(&mut self, t: DateTime<Utc>, detail_type: &str, mut detail: Value) {
        detail["occurred_at"] = json!(self.stamp(t));
        self.next_id += 1;
        let id = format!("ev-{}-{:06}", self.seed, self.next_id);
        self.out.push((t, json!({"version": "0", "id": id, "detail-type": detail_type, "source": "test", "detail": detail})));
    }

    fn nps_score(&mut self) -> i64 {
        match self.rng.gen_range(0..4) {
            0 | 1 => self.rng.gen_range(9..=10),
            2 => self.rng.gen_range(7..=8),
            _ => self.rng.gen_range(0..=6),
        }
    }

    fn csat_score(&mut self) -> i64 {
        match self.rng.gen_range(0..5) {
            0..=2 => self.rng.gen_range(4..=5),
            3 => 3,
            _ => self.rng.gen_range(1..=2),
        }
    }

    /// An answer, sometimes updated later; low-score answers sometimes get
    /// a call outcome soon after.
    fn answer(
        &mut self,
        customer: &str,
        has_phone: bool,
        survey_for: Value,
        nps: bool,
        at: DateTime<Utc>,
    ) {
        let mut at = self.free(customer, at);
        let mut updates = if self.rng.gen_bool(0.12) { 1 } else { 0 };
        loop {
            let score = if nps {
                self.nps_score()
            } else {
                self.csat_score()
            };
            let mut detail = json!({"survey_for": survey_for.clone(), "score": score});
            if self.rng.gen_bool(0.3) {
                detail["comment"] = json!([
                    "great",
                    "slow delivery",
                    "정말 좋아요",
                    "không hài lòng",
                    "还行"
                ]
                .choose(&mut self.rng)
                .unwrap());
            }
            self.emit(at, "SurveyAnswered", detail);
            let low = if nps { score <= 6 } else { score <= 2 };
            if low && has_phone && self.rng.gen_bool(0.5) {
                let t = at + self.between(Duration::hours(2), Duration::hours(20));
                self.outcomes(customer, t);
            }
            if updates == 0 {
                break;
            }
            updates -= 1;
            let later = at + self.between(Duration::hours(1), Duration::days(3));
            at = self.free(customer, later);
        }
    }

    /// One to three call outcomes, at least four hours apart.
    fn outcomes(&mut self, customer: &str, from: DateTime<Utc>) {
        let mut t = from;
        for _ in 0..self.rng.gen_range(1..=3) {
            t = self.free(customer, t);
            let outcome = *[
                "reached",
                "reached",
                "reached",
                "no_answer",
                "no_answer",
                "busy",
                "wrong_number",
                "declined",
            ]
            .choose(&mut self.rng)
            .unwrap();
            let mut detail = json!({"customer_id": customer, "outcome": outcome});
            if outcome == "reached" {
                detail["satisfaction"] =
                    json!(["satisfied", "satisfied", "neutral", "unsatisfied"]
                        .choose(&mut self.rng)
                        .unwrap());
            }
            if self.rng.gen_bool(0.5) {
                detail["agent_id"] = json!("a-1");
            }
            if self.rng.gen_bool(0.3) {
                detail["notes"] = json!("called back");
            }
            self.emit(t, "CallOutcomeRecorded", detail);
            let ends = matches!(outcome, "reached" | "wrong_number" | "declined");
            if ends && !self.rng.gen_bool(0.1) {
                break;
            }
            t += self.between(Duration::hours(4), Duration::hours(30));
        }
    }
}

pub fn generate(seed: u64, customers: usize) -> Vec<Value> {
    let mut g = Gen {
        rng: SmallRng::seed_from_u64(seed),
        seed,
        next_id: 0,
        out: Vec::new(),
        taken: HashSet::new(),
    };
    let zones = [
        Some("Asia/Seoul"),
        Some("America/New_York"),
        Some("Europe/London"),
        Some("Asia/Ho_Chi_Minh"),
        None,
    ];
    let locales = [
        Some("ko"),
        Some("en"),
        Some("vi"),
        Some("zh"),
        Some("fr"),
        None,
    ];
    for i in 0..customers {
        let id = format!("c-{i:04}");
        let zone = *zones.choose(&mut g.rng).unwrap();
        let mut customer = json!({"id": id, "name": format!("Customer {i}")});
        let has_email = g.rng.gen_bool(0.88);
        let has_phone = g.rng.gen_bool(0.85);
        if has_email {
            customer["email"] = json!(format!("c{i}@example.com"));
        }
        if has_phone {
            let phone = match zone {
                Some("America/New_York") => format!("+1212555{:04}", i % 10_000),
                Some("Europe/London") => format!("+447700{:06}", i),
                Some("Asia/Ho_Chi_Minh") => format!("+8490{:07}", i),
                _ => format!("+8210{:08}", i),
            };
            customer["phone"] = json!(phone);
        }
        if let Some(l) = *locales.choose(&mut g.rng).unwrap() {
            customer["locale"] = json!(l);
        }
        if let Some(z) = zone {
            customer["time_zone"] = json!(z);
        }

        // Purchases: some customers several, some the same day.
        let n_purchases = *[0, 1, 1, 1, 1, 2, 2, 3].choose(&mut g.rng).unwrap();
        let mut purchases: Vec<(String, DateTime<Utc>)> = Vec::new();
        for k in 0..n_purchases {
            let t = match purchases.first() {
                Some((_, first)) if g.rng.gen_bool(0.3) => {
                    *first + g.between(Duration::hours(1), Duration::hours(8))
                }
                _ => g.random_time(),
            };
            let t = g.free(&id, t);
            let order_id = format!("o-{i:04}-{k}");
            let total = if zone == Some("America/New_York") {
                json!({"amount": 49.99, "currency": "USD"})
            } else {
                json!({"amount": 129000, "currency": "KRW"})
            };
            let channel = *["web", "store", "app"].choose(&mut g.rng).unwrap();
            g.emit(t, "PurchaseCompleted", json!({"order_id": order_id, "customer": customer, "channel": channel, "total": total}));
            purchases.push((order_id, t));
        }

        // Tickets.
        let n_tickets = *[0, 0, 0, 0, 1, 1, 1, 2].choose(&mut g.rng).unwrap();
        for k in 0..n_tickets {
            let ticket_id = format!("t-{i:04}-{k}");
            let opened = g.random_time();
            let opened = g.free(&id, opened);
            let seen_open = g.rng.gen_bool(0.8);
            if seen_open {
                g.emit(
                    opened,
                    "TicketOpened",
                    json!({"ticket_id": ticket_id, "customer": customer, "channel": "phone"}),
                );
            }
            if g.rng.gen_bool(0.12) {
                // Never closed; sometimes answered all the same (no survey).
                if g.rng.gen_bool(0.2) {
                    let t = opened + g.between(Duration::days(1), Duration::days(3));
                    g.answer(&id, has_phone, json!({"ticket_id": ticket_id}), false, t);
                }
                continue;
            }
            let mut close = opened + g.between(Duration::minutes(10), Duration::hours(72));
            let n_closes = if g.rng.gen_bool(0.15) {
                if g.rng.gen_bool(0.3) {
                    3
                } else {
                    2
                }
            } else {
                1
            };
            let mut first_close = None;
            for _ in 0..n_closes {
                close = g.free(&id, close);
                let mut detail = json!({
                    "ticket_id": ticket_id,
                    "customer": customer,
                    "opened_at": g.stamp(opened),
                    "resolved": g.rng.gen_bool(0.7),
                    "channel": "email",
                });
                if g.rng.gen_bool(0.7) {
                    let span = (close - opened).num_seconds().max(2);
                    let first_response =
                        opened + Duration::seconds(g.rng.gen_range(1..span)) + g.millis();
                    detail["first_response_at"] = json!(g.stamp(first_response.min(close)));
                }
                if g.rng.gen_bool(0.7) {
                    detail["customer_contacts"] = json!(g.rng.gen_range(1..=3));
                }
                if g.rng.gen_bool(0.5) {
                    detail["agent_id"] = json!("a-1");
                }
                g.emit(close, "TicketClosed", detail);
                first_close.get_or_insert(close);
                close += g.between(Duration::days(1), Duration::days(4));
            }
            let first_close = first_close.unwrap();
            let survey_for = json!({"ticket_id": ticket_id});
            // CSAT answers: mostly one to three days after the close.
            if (has_email && g.rng.gen_bool(0.6)) || g.rng.gen_bool(0.02) {
                let t = first_close + g.between(Duration::days(1), Duration::days(3));
                g.answer(&id, has_phone, survey_for.clone(), false, t);
            }
            if g.rng.gen_bool(0.04) {
                // Too early: before the survey was sent.
                let t = first_close + g.between(Duration::minutes(5), Duration::minutes(100));
                g.answer(&id, has_phone, survey_for.clone(), false, t);
            }
            if g.rng.gen_bool(0.02) {
                // Expired: over 28 days after the survey was sent.
                let t = first_close + g.between(Duration::days(31), Duration::days(33));
                g.answer(&id, has_phone, survey_for, false, t);
            }
        }

        // NPS answers: mostly nine to twelve days after the purchase.
        for (order_id, at) in purchases.clone() {
            let survey_for = json!({"order_id": order_id});
            if (has_email && g.rng.gen_bool(0.6)) || g.rng.gen_bool(0.02) {
                let t = at + g.between(Duration::days(9), Duration::days(12));
                g.answer(&id, has_phone, survey_for.clone(), true, t);
            }
            if g.rng.gen_bool(0.04) {
                let t = at + g.between(Duration::hours(1), Duration::days(5));
                g.answer(&id, has_phone, survey_for, true, t);
            }
        }

        // Call outcomes, mostly one or two days after a purchase; some late
        // (after the deadline); some for customers with no phone (no call).
        if let Some((_, at)) = purchases.choose(&mut g.rng).cloned() {
            if g.rng.gen_bool(if has_phone { 0.5 } else { 0.3 }) {
                let late = g.rng.gen_bool(0.15);
                let from = if late {
                    Duration::hours(75)
                } else {
                    Duration::hours(20)
                };
                let to = if late {
                    Duration::hours(100)
                } else {
                    Duration::hours(50)
                };
                let t = at + g.between(from, to);
                g.outcomes(&id, t);
            }
        }
    }
    edge_cases(&mut g);
    g.out.sort_by_key(|(t, _)| *t);
    g.out.into_iter().map(|(_, v)| v).collect()
}

/// Hand-made customers on the boundaries the readings decide (`e-…` ids).
fn edge_cases(g: &mut Gen) {
    let purchase = |order: &str, at: &str, customer: &Value| json!({"order_id": order, "occurred_at": at, "customer": customer});
    let answer = |survey_for: Value, score: i64, at: &str| json!({"survey_for": survey_for, "score": score, "occurred_at": at});
    let outcome = |customer: &str, outcome: &str, at: &str| {
        let mut d = json!({"customer_id": customer, "outcome": outcome, "occurred_at": at});
        if outcome == "reached" {
            d["satisfaction"] = json!("satisfied");
        }
        d
    };
    let opened = |ticket: &str, at: &str, customer: &Value| json!({"ticket_id": ticket, "occurred_at": at, "customer": customer});
    let closed = |ticket: &str, at: &str, opened_at: &str, customer: &Value| json!({"ticket_id": ticket, "occurred_at": at, "opened_at": opened_at, "resolved": true, "customer": customer});

    // An answer at the very instant of the send counts (the send runs
    // first); an update exactly 28 days after the send still counts and
    // makes the score low (no phone: skipped); one second later is expired.
    let c =
        json!({"id": "e-1", "email": "e1@example.com", "time_zone": "Asia/Seoul", "locale": "ko"});
    g.emit_literal(
        "PurchaseCompleted",
        purchase("o-e1", "2026-10-21T10:00:00+09:00", &c),
    );
    g.emit_literal(
        "SurveyAnswered",
        answer(json!({"order_id": "o-e1"}), 9, "2026-10-28T10:00:00+09:00"),
    );
    g.emit_literal(
        "SurveyAnswered",
        answer(json!({"order_id": "o-e1"}), 5, "2026-11-25T01:00:00Z"),
    );
    g.emit_literal(
        "SurveyAnswered",
        answer(json!({"order_id": "o-e1"}), 10, "2026-11-25T10:00:01+09:00"),
    );

    // CSAT throttle: exactly 7 × 24 h after the last send is not throttled,
    // one second less is.
    let c = json!({"id": "e-2", "email": "e2@example.com", "time_zone": "Asia/Seoul"});
    for (ticket, open, close) in [
        (
            "t-e2-a",
            "2026-10-19T09:30:00+09:00",
            "2026-10-19T10:00:00+09:00",
        ),
        (
            "t-e2-b",
            "2026-10-26T09:30:00+09:00",
            "2026-10-26T10:00:00+09:00",
        ),
        (
            "t-e2-c",
            "2026-11-02T09:30:00+09:00",
            "2026-11-02T09:59:59+09:00",
        ),
    ] {
        g.emit_literal("TicketOpened", opened(ticket, open, &c));
        g.emit_literal("TicketClosed", closed(ticket, close, open, &c));
    }
    g.emit_literal(
        "SurveyAnswered",
        answer(
            json!({"ticket_id": "t-e2-b"}),
            4,
            "2026-10-27T10:00:00+09:00",
        ),
    );
    g.emit_literal(
        "SurveyAnswered",
        answer(
            json!({"ticket_id": "t-e2-c"}),
            1,
            "2026-11-03T10:00:00+09:00",
        ),
    );

    // Calls: a reason exactly at the open call's deadline merges; an outcome
    // at that same instant comes after the reason and is on time. A reason a
    // millisecond after the deadline closes the call as missed. Three failed
    // attempts close a call; an outcome after that is rejected.
    let c = json!({"id": "e-3", "phone": "+821000000003", "time_zone": "Asia/Seoul"});
    g.emit_literal(
        "PurchaseCompleted",
        purchase("o-e3-a", "2026-10-20T10:00:00+09:00", &c),
    );
    g.emit_literal(
        "PurchaseCompleted",
        purchase("o-e3-b", "2026-10-23T10:00:00+09:00", &c),
    );
    g.emit_literal(
        "CallOutcomeRecorded",
        outcome("e-3", "reached", "2026-10-23T01:00:00Z"),
    );
    g.emit_literal(
        "PurchaseCompleted",
        purchase("o-e3-c", "2026-10-30T10:00:00+09:00", &c),
    );
    g.emit_literal(
        "PurchaseCompleted",
        purchase("o-e3-d", "2026-11-02T10:00:00.001+09:00", &c),
    );
    g.emit_literal(
        "CallOutcomeRecorded",
        outcome("e-3", "no_answer", "2026-11-03T10:00:00+09:00"),
    );
    g.emit_literal(
        "CallOutcomeRecorded",
        outcome("e-3", "busy", "2026-11-03T14:00:00+09:00"),
    );
    g.emit_literal(
        "CallOutcomeRecorded",
        outcome("e-3", "no_answer", "2026-11-04T10:00:00+09:00"),
    );
    g.emit_literal(
        "CallOutcomeRecorded",
        outcome("e-3", "reached", "2026-11-04T15:00:00+09:00"),
    );
    // The same order again later, with another envelope: a duplicate.
    g.emit_literal(
        "PurchaseCompleted",
        purchase("o-e3-a", "2026-10-25T10:00:00+09:00", &c),
    );

    // A low score's call goes by the latest customer object at or before the
    // answer: no phone at the purchase (skipped), a phone by the answer.
    let c = json!({"id": "e-4", "email": "e4@example.com", "time_zone": "Asia/Seoul"});
    g.emit_literal(
        "PurchaseCompleted",
        purchase("o-e4", "2026-10-20T11:00:00+09:00", &c),
    );
    let c = json!({"id": "e-4", "email": "e4@example.com", "phone": "+821000000004", "time_zone": "Asia/Seoul"});
    g.emit_literal(
        "TicketOpened",
        opened("t-e4", "2026-10-29T11:00:00+09:00", &c),
    );
    g.emit_literal(
        "SurveyAnswered",
        answer(json!({"order_id": "o-e4"}), 2, "2026-10-30T12:00:00+09:00"),
    );

    // Two orders at one instant: not repeat customers (strictly earlier);
    // one call (scheduled, merged).
    let c = json!({"id": "e-5", "email": "e5@example.com", "phone": "+821000000005"});
    g.emit_literal(
        "PurchaseCompleted",
        purchase("o-e5-a", "2026-10-22T15:00:00+09:00", &c),
    );
    g.emit_literal(
        "PurchaseCompleted",
        purchase("o-e5-b", "2026-10-22T06:00:00Z", &c),
    );

    // Two NPS surveys planned for one instant (both moved to Saturday Nov 7
    // 09:00 KST), from purchases at different times: the earlier purchase's
    // is sent, the other throttled (the oracle's reading of an open tie).
    let c = json!({"id": "e-11", "email": "e11@example.com"});
    g.emit_literal(
        "PurchaseCompleted",
        purchase("o-e11-b", "2026-10-31T00:42:00+09:00", &c),
    );
    g.emit_literal(
        "PurchaseCompleted",
        purchase("o-e11-a", "2026-10-31T05:18:00+09:00", &c),
    );
    g.emit_literal(
        "SurveyAnswered",
        answer(
            json!({"order_id": "o-e11-a"}),
            10,
            "2026-11-08T10:00:00+09:00",
        ),
    );
    g.emit_literal(
        "SurveyAnswered",
        answer(
            json!({"order_id": "o-e11-b"}),
            10,
            "2026-11-08T11:00:00+09:00",
        ),
    );

    // Durations keep their fractions of a second: 59.75 s to the first
    // response, 3599.5 s to the close.
    let c = json!({"id": "e-12", "time_zone": "Asia/Seoul"});
    let mut close = closed(
        "t-e12",
        "2026-10-22T11:00:00+09:00",
        "2026-10-22T10:00:00.500+09:00",
        &c,
    );
    close["first_response_at"] = json!("2026-10-22T01:01:00.250Z");
    g.emit_literal("TicketClosed", close);

    // A ticket whose TicketOpened (Oct 20) and the close's opened_at (Oct 21)
    // are on different days; the same close delivered again written in UTC
    // (a duplicate); first_response_at null.
    let c = json!({"id": "e-6", "email": "e6@example.com", "time_zone": "Asia/Seoul"});
    g.emit_literal(
        "TicketOpened",
        opened("t-e6", "2026-10-20T23:50:00+09:00", &c),
    );
    let mut close = closed(
        "t-e6",
        "2026-10-21T15:00:00+09:00",
        "2026-10-21T00:10:00+09:00",
        &c,
    );
    close["first_response_at"] = Value::Null;
    close["customer_contacts"] = json!(2);
    g.emit_literal("TicketClosed", close.clone());
    close["occurred_at"] = json!("2026-10-21T06:00:00Z");
    g.emit_literal("TicketClosed", close);

    // Quiet time across the daylight-saving ends and at the half-open end
    // of contact hours: one second before the moved send is too early.
    for (id, zone, close, send) in [
        // Saturday 21:30 EDT → Monday 09:00 EDT.
        (
            "e-7",
            "America/New_York",
            "2026-10-24T19:30:00-04:00",
            "2026-10-26T13:00:00Z",
        ),
        // Saturday 21:00 BST → Monday 09:00 GMT (after the Oct 25 change).
        (
            "e-8",
            "Europe/London",
            "2026-10-24T19:00:00+01:00",
            "2026-10-26T09:00:00Z",
        ),
        // 18:00 + 2 h = 20:00 exactly: outside [09:00, 20:00) → next 09:00.
        (
            "e-9",
            "Asia/Ho_Chi_Minh",
            "2026-10-20T18:00:00+07:00",
            "2026-10-21T02:00:00Z",
        ),
        // Saturday 20:30 EST (after the Nov 1 change) → Monday 09:00 EST.
        (
            "e-10",
            "America/New_York",
            "2026-11-07T18:30:00-05:00",
            "2026-11-09T14:00:00Z",
        ),
    ] {
        let c = json!({"id": id, "email": format!("{id}@example.com"), "time_zone": zone});
        let ticket = format!("t-{id}");
        g.emit_literal("TicketClosed", closed(&ticket, close, close, &c));
        let send = DateTime::parse_from_rfc3339(send)
            .unwrap()
            .with_timezone(&Utc);
        let early = (send - Duration::seconds(1)).to_rfc3339_opts(SecondsFormat::Secs, true);
        let exact = send.to_rfc3339_opts(SecondsFormat::Secs, true);
        g.emit_literal(
            "SurveyAnswered",
            answer(json!({"ticket_id": ticket}), 5, &early),
        );
        g.emit_literal(
            "SurveyAnswered",
            answer(json!({"ticket_id": ticket}), 3, &exact),
        );
    }
}
