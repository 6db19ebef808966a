//! Random customers: their purchases, tickets, answers and call outcomes.

use super::Gen;
use chrono::{DateTime, Duration, Utc};
use rand::seq::SliceRandom;
use rand::Rng;
use serde_json::{json, Value};

impl Gen {
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

/// `customers` customers, each with the events of its own random story.
pub fn customers(g: &mut Gen, customers: usize) {
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
}
