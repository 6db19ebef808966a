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
//!
//! `random` makes the customers of a seed; `boundaries` adds the same
//! hand-made ones to every data set.

mod boundaries;
mod random;

use aftercare_shared::testing::envelope;
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

/// The generator's state, shared by the random and the hand-made customers.
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
        self.out.push((t, envelope(detail_type, &id, detail)));
    }

    fn emit(&mut self, t: DateTime<Utc>, detail_type: &str, mut detail: Value) {
        detail["occurred_at"] = json!(self.stamp(t));
        self.next_id += 1;
        let id = format!("ev-{}-{:06}", self.seed, self.next_id);
        self.out.push((t, envelope(detail_type, &id, detail)));
    }
}

/// The envelopes of `customers` random customers and of the boundary
/// cases, in `occurred_at` order.
pub fn generate(seed: u64, customers: usize) -> Vec<Value> {
    let mut g = Gen {
        rng: SmallRng::seed_from_u64(seed),
        seed,
        next_id: 0,
        out: Vec::new(),
        taken: HashSet::new(),
    };
    random::customers(&mut g, customers);
    boundaries::edge_cases(&mut g);
    g.out.sort_by_key(|(t, _)| *t);
    g.out.into_iter().map(|(_, v)| v).collect()
}
