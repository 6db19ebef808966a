//! The simulated shop: customers of four personas in four languages and
//! several time zones, their purchases and tickets, as EventBridge
//! envelopes.

use super::customers::{Kind, Persona};
use chrono::{DateTime, Duration, Utc};
use rand::rngs::SmallRng;
use rand::Rng;
use serde_json::json;

const NAMES: [(&str, &[&str], &str, &[&str]); 4] = [
    (
        "en",
        &[
            "Alex Kim",
            "Sam Taylor",
            "Jordan Lee",
            "Chris Evans",
            "Pat Morgan",
            "Jamie Fox",
        ],
        "America/New_York",
        &["Europe/London", "America/Chicago"],
    ),
    (
        "ko",
        &[
            "Kim Minji",
            "Lee Hana",
            "Park Jisoo",
            "Choi Yuna",
            "Jung Hoon",
            "Kang Dae",
        ],
        "Asia/Seoul",
        &[],
    ),
    (
        "vi",
        &[
            "Nguyen Van An",
            "Tran Thi Binh",
            "Le Van Cuong",
            "Pham Thi Dung",
        ],
        "Asia/Ho_Chi_Minh",
        &[],
    ),
    (
        "zh",
        &["Wang Wei", "Li Na", "Zhang Min", "Liu Yang", "Chen Jing"],
        "Asia/Shanghai",
        &[],
    ),
];

fn envelope(kind: &str, id: String, detail: serde_json::Value) -> serde_json::Value {
    json!({"version": "0", "id": id, "detail-type": kind, "source": "demo.shop", "detail": detail})
}

fn random_time(rng: &mut SmallRng, from: DateTime<Utc>, to: DateTime<Utc>) -> DateTime<Utc> {
    let span = (to - from).num_seconds().max(1);
    from + Duration::seconds(rng.gen_range(0..span))
}

pub fn generate(
    rng: &mut SmallRng,
    customers: u32,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> (Vec<Persona>, Vec<serde_json::Value>) {
    let mut personas = Vec::new();
    let mut events = Vec::new();
    let mut order = 0;
    let mut ticket = 0;
    for n in 0..customers {
        let id = format!("c-{n:05}");
        let (locale, names, tz, other_tz) = NAMES[match rng.gen_range(0..100) {
            0..=39 => 0,
            40..=64 => 1,
            65..=84 => 2,
            _ => 3,
        }];
        let tz = if !other_tz.is_empty() && rng.gen_bool(0.4) {
            other_tz[rng.gen_range(0..other_tz.len())]
        } else {
            tz
        };
        let kind = match rng.gen_range(0..100) {
            0..=34 => Kind::Promoter,
            35..=59 => Kind::Passive,
            60..=74 => Kind::Detractor,
            _ => Kind::Ignorer,
        };
        let mut customer = json!({"id": id, "name": names[rng.gen_range(0..names.len())], "locale": locale, "time_zone": tz});
        if rng.gen_bool(0.95) {
            customer["email"] = json!(format!("customer{n}@example.com"));
        }
        if rng.gen_bool(0.9) {
            customer["phone"] = json!(format!("+1555{:07}", n));
        }
        let purchases = match rng.gen_range(0..100) {
            0..=14 => 0,
            15..=79 => 1,
            80..=94 => 2,
            _ => 3,
        };
        for _ in 0..purchases {
            order += 1;
            let at = random_time(rng, start, end);
            let detail = json!({"order_id": format!("o-{order:06}"), "occurred_at": at.to_rfc3339(), "customer": customer, "channel": "web",
                "total": {"amount": rng.gen_range(10..500), "currency": "USD"}});
            events.push(envelope(
                "PurchaseCompleted",
                format!("ev-o-{order}"),
                detail,
            ));
        }
        if rng.gen_bool(0.35) {
            ticket += 1;
            let opened = random_time(rng, start, end - Duration::hours(2));
            let closed = opened + Duration::minutes(rng.gen_range(30..60 * 48));
            // The first response comes before the close (a ticket's times
            // in order are checked at the door).
            let first_response = (opened + Duration::minutes(rng.gen_range(3..240))).min(closed);
            let tid = format!("t-{ticket:06}");
            events.push(envelope("TicketOpened", format!("ev-to-{ticket}"), json!({"ticket_id": tid, "occurred_at": opened.to_rfc3339(), "customer": customer, "channel": "chat"})));
            let resolved = rng.gen_bool(if kind == Kind::Detractor { 0.6 } else { 0.9 });
            events.push(envelope("TicketClosed", format!("ev-tc-{ticket}"), json!({"ticket_id": tid, "occurred_at": closed.to_rfc3339(), "opened_at": opened.to_rfc3339(),
                "first_response_at": first_response.to_rfc3339(), "customer": customer, "resolved": resolved, "customer_contacts": rng.gen_range(1..4), "channel": "chat"})));
            if !resolved && rng.gen_bool(0.5) {
                let again = closed + Duration::hours(rng.gen_range(2..72));
                events.push(envelope("TicketClosed", format!("ev-tr-{ticket}"), json!({"ticket_id": tid, "occurred_at": again.to_rfc3339(), "opened_at": opened.to_rfc3339(),
                    "customer": customer, "resolved": true, "customer_contacts": 2})));
            }
        }
        personas.push(Persona { kind });
    }
    (personas, events)
}
