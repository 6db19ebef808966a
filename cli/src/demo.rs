//! `aftercare demo`: a simulated business through the whole pipeline.
//!
//! Customers of four kinds (promoters, passives, detractors, and those who
//! ignore email) buy, open and close tickets; they answer the survey emails
//! they really receive, and agents record outcomes for the calls really on
//! their call sheets. Everything goes through the same services as
//! `aftercare run`, on the embedded store with a simulated clock.

use crate::local::{self, Local};
use crate::run::{Counts, Driver};
use aftercare_shared::config::Settings;
use aftercare_shared::domain::derive::derive;
use aftercare_shared::domain::event::Event;
use aftercare_shared::domain::ids::{AgentId, CustomerId};
use aftercare_shared::ports::{MailError, Mailer, Message, Store};
use aftercare_shared::services::read_report;
use anyhow::{Context, Result};
use async_trait::async_trait;
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use indicatif::{ProgressBar, ProgressStyle};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde_json::json;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::path::Path;
use std::sync::Mutex;

/// The demo business: its report zone and a roster speaking all four languages.
const DEMO_SETTINGS: &str = include_str!("../demo-settings.toml");

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Promoter,
    Passive,
    Detractor,
    Ignorer,
}

struct Persona {
    kind: Kind,
}

/// Remembers which messages were delivered, so the simulated people can react.
struct Observed<'a> {
    inner: &'a dyn Mailer,
    sent: Mutex<Vec<String>>,
}

#[async_trait]
impl Mailer for Observed<'_> {
    async fn send(&self, m: &Message) -> Result<(), MailError> {
        self.inner.send(m).await?;
        self.sent
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(m.id.clone());
        Ok(())
    }
}

enum Item {
    Event(Box<Event>),
    /// An agent places the call booked under this key for this customer.
    Call {
        customer: String,
        call_key: String,
        agent: String,
    },
    Unsubscribe(String),
}

pub async fn demo(
    config: Option<&Path>,
    out: &Path,
    days: u32,
    customers: u32,
    seed: u64,
    events_only: Option<&Path>,
) -> Result<()> {
    let settings = match config {
        Some(_) => local::settings(config)?,
        None => Settings::from_toml(DEMO_SETTINGS).context("demo settings")?,
    };
    let start = Utc
        .with_ymd_and_hms(2026, 11, 2, 0, 0, 0)
        .single()
        .context("start date")?;
    let end = start + Duration::days(days.into());
    let mut rng = SmallRng::seed_from_u64(seed);
    let (personas, base) = generate(&mut rng, customers, start, end);
    if let Some(path) = events_only {
        write_events(path, &base)?;
        println!("wrote {} events to {}", base.len(), path.display());
        return Ok(());
    }
    prepare_out_dir(out)?;
    write_events(&out.join("events.jsonl"), &base)?;
    let local = Local::open(out, &settings)?;
    let observed = Observed {
        inner: &local.mailer,
        sent: Mutex::new(Vec::new()),
    };
    let driver = Driver::new(&local.store, &observed, &settings, &local.key);
    driver.jobs.ensure_scheduled(start).await?;

    let mut queue: BinaryHeap<Reverse<(DateTime<Utc>, u64, usize)>> = BinaryHeap::new();
    let mut items: Vec<Option<Item>> = Vec::new();
    let push = |queue: &mut BinaryHeap<_>,
                items: &mut Vec<Option<Item>>,
                at: DateTime<Utc>,
                item: Item| {
        items.push(Some(item));
        queue.push(Reverse((at, items.len() as u64, items.len() - 1)));
    };
    for e in &base {
        let at = envelope_time(e)?;
        let event = aftercare_shared::domain::event::parse_envelope_value(e, "demo")?.event;
        push(&mut queue, &mut items, at, Item::Event(Box::new(event)));
    }
    let horizon = end + Duration::days(9);
    let bar = ProgressBar::new((horizon - start).num_hours() as u64);
    bar.set_style(
        ProgressStyle::with_template("simulating {bar:40} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut counts = Counts::default();
    let began = std::time::Instant::now();
    while let Some(Reverse((at, _, index))) = queue.pop() {
        if at > horizon {
            break;
        }
        let Some(item) = items[index].take() else {
            continue;
        };
        match item {
            Item::Event(event) => {
                driver.ingest(&event, &mut counts).await?;
            }
            Item::Call {
                customer,
                call_key,
                agent,
            } => {
                driver.advance_to(at).await?;
                if let Some(event) = call_outcome(
                    &local.store,
                    &settings,
                    &personas,
                    &customer,
                    &call_key,
                    &agent,
                    at,
                    &mut rng,
                )
                .await?
                {
                    driver.ingest(&event, &mut counts).await?;
                }
            }
            Item::Unsubscribe(customer) => {
                driver.advance_to(at).await?;
                let id = CustomerId::parse(&customer)?;
                if let Some(h) = local.store.load(&id).await? {
                    if let Some(email) = h.latest_profile().and_then(|p| p.email.clone()) {
                        local
                            .store
                            .suppress(email.as_str(), "unsubscribe", at)
                            .await?;
                    }
                }
                driver
                    .care
                    .change(&id, at, |h| {
                        h.facts.unsubscribed_at.get_or_insert(at);
                        Ok(())
                    })
                    .await?;
            }
        }
        let sent: Vec<String> =
            std::mem::take(&mut *observed.sent.lock().unwrap_or_else(|p| p.into_inner()));
        for id in sent {
            for (t, item) in react(&local.store, &personas, &id, at, &mut rng).await? {
                push(&mut queue, &mut items, t, item);
            }
        }
        bar.set_position((at - start).num_hours().max(0) as u64);
        bar.set_message(format!("{}", at.format("%Y-%m-%d")));
    }
    driver.advance_to(horizon).await?;
    bar.finish_and_clear();
    let elapsed = began.elapsed();
    write_outputs(&local, &settings, out, start, end, counts, elapsed).await
}

fn envelope_time(e: &serde_json::Value) -> Result<DateTime<Utc>> {
    let t = e["detail"]["occurred_at"].as_str().context("occurred_at")?;
    Ok(DateTime::parse_from_rfc3339(t)?.with_timezone(&Utc))
}

fn prepare_out_dir(out: &Path) -> Result<()> {
    if out.exists() {
        let looks_like_demo =
            out.join("aftercare.sqlite").exists() || std::fs::read_dir(out)?.next().is_none();
        anyhow::ensure!(
            looks_like_demo,
            "{} exists and is not an aftercare demo directory; choose another --out",
            out.display()
        );
        for name in [
            "aftercare.sqlite",
            "aftercare.sqlite-wal",
            "aftercare.sqlite-shm",
            "rejected.jsonl",
            "summary.txt",
            "events.jsonl",
        ] {
            let _ = std::fs::remove_file(out.join(name));
        }
        for dir in ["outbox", "reports", "call-sheets"] {
            let _ = std::fs::remove_dir_all(out.join(dir));
        }
    }
    std::fs::create_dir_all(out)?;
    Ok(())
}

fn write_events(path: &Path, events: &[serde_json::Value]) -> Result<()> {
    let mut text = String::new();
    for e in events {
        text.push_str(&e.to_string());
        text.push('\n');
    }
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

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

fn generate(
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
            let first_response = opened + Duration::minutes(rng.gen_range(3..240));
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

fn persona<'p>(personas: &'p [Persona], customer: &str) -> Option<&'p Persona> {
    customer
        .strip_prefix("c-")
        .and_then(|n| n.parse::<usize>().ok())
        .and_then(|i| personas.get(i))
}

fn score(rng: &mut SmallRng, kind: Kind, nps: bool) -> i64 {
    match (kind, nps) {
        (Kind::Promoter, true) => rng.gen_range(9..=10),
        (Kind::Passive, true) => rng.gen_range(7..=8),
        (_, true) => rng.gen_range(0..=6),
        (Kind::Promoter, false) => rng.gen_range(4..=5),
        (Kind::Passive, false) => rng.gen_range(3..=4),
        (_, false) => rng.gen_range(1..=2),
    }
}

/// How simulated people react to a delivered message.
async fn react(
    store: &dyn Store,
    personas: &[Persona],
    message_id: &str,
    at: DateTime<Utc>,
    rng: &mut SmallRng,
) -> Result<Vec<(DateTime<Utc>, Item)>> {
    let mut out = Vec::new();
    if let Some(rest) = message_id
        .strip_prefix("survey-")
        .or_else(|| message_id.strip_prefix("reminder-"))
    {
        let Some(split) = rest.find("-csat:").or_else(|| rest.find("-nps:")) else {
            return Ok(out);
        };
        let (customer, key) = (&rest[..split], &rest[split + 1..]);
        let Some(p) = persona(personas, customer) else {
            return Ok(out);
        };
        let chance = match p.kind {
            Kind::Ignorer => 0.0,
            Kind::Detractor => 0.5,
            _ => 0.4,
        };
        if rng.gen_bool(0.01) {
            out.push((
                at + Duration::minutes(rng.gen_range(5..600)),
                Item::Unsubscribe(customer.to_string()),
            ));
        } else if rng.gen_bool(chance) {
            let nps = key.starts_with("nps:");
            let (field, id) = if nps {
                ("order_id", &key[4..])
            } else {
                ("ticket_id", &key[5..])
            };
            let answered = at + Duration::minutes(rng.gen_range(5..60 * 48));
            let comment = match p.kind {
                Kind::Detractor => Some("The delivery was late and nobody answered my messages."),
                Kind::Promoter => Some("Great service, thank you!"),
                _ => None,
            };
            let detail = json!({"survey_for": {field: id}, "score": score(rng, p.kind, nps), "comment": comment, "occurred_at": answered.to_rfc3339()});
            let e = aftercare_shared::domain::event::parse_envelope_value(
                &envelope("SurveyAnswered", format!("ev-a-{message_id}"), detail),
                "demo",
            )?;
            out.push((answered, Item::Event(Box::new(e.event))));
        }
    } else if let Some(rest) = message_id.strip_prefix("sheet-") {
        // sheet-{agent}-{YYYY-MM-DD}
        let (agent, day) = rest.split_at(rest.len().saturating_sub(11));
        let Ok(day) = day.trim_start_matches('-').parse::<NaiveDate>() else {
            return Ok(out);
        };
        let agent_id = AgentId::parse(agent)?;
        let from = at - Duration::hours(1);
        let to = from + Duration::days(1);
        let _ = day;
        for b in store.bookings(&agent_id, from, to).await? {
            let placed = b.slot + Duration::minutes(rng.gen_range(0..10));
            out.push((
                placed,
                Item::Call {
                    customer: b.customer.to_string(),
                    call_key: b.call_key,
                    agent: agent.to_string(),
                },
            ));
        }
    }
    Ok(out)
}

/// The outcome an agent records for a booked call, if that attempt is still due.
#[allow(clippy::too_many_arguments)]
async fn call_outcome(
    store: &dyn Store,
    settings: &Settings,
    personas: &[Persona],
    customer: &str,
    call_key: &str,
    agent: &str,
    at: DateTime<Utc>,
    rng: &mut SmallRng,
) -> Result<Option<Event>> {
    let id = CustomerId::parse(customer)?;
    let Some(h) = store.load(&id).await? else {
        return Ok(None);
    };
    let d = derive(&h, settings);
    let Some(call) = d.open_call() else {
        return Ok(None);
    };
    if call.attempt_key(call.attempts.len() + 1) != call_key {
        return Ok(None);
    }
    let kind = persona(personas, customer)
        .map(|p| p.kind)
        .unwrap_or(Kind::Passive);
    let outcome = match rng.gen_range(0..100) {
        0..=64 => "reached",
        65..=84 => "no_answer",
        85..=91 => "busy",
        92..=95 => "declined",
        _ => "wrong_number",
    };
    let satisfaction = match kind {
        Kind::Promoter => "satisfied",
        Kind::Passive | Kind::Ignorer => {
            if rng.gen_bool(0.7) {
                "satisfied"
            } else {
                "neutral"
            }
        }
        Kind::Detractor => {
            if rng.gen_bool(0.6) {
                "unsatisfied"
            } else {
                "neutral"
            }
        }
    };
    let mut detail = json!({"customer_id": customer, "outcome": outcome, "agent_id": agent, "occurred_at": at.to_rfc3339()});
    if outcome == "reached" {
        detail["satisfaction"] = json!(satisfaction);
        detail["notes"] = json!("Called back as planned.");
    }
    let env = envelope("CallOutcomeRecorded", format!("ev-c-{call_key}"), detail);
    Ok(Some(
        aftercare_shared::domain::event::parse_envelope_value(&env, "demo")?.event,
    ))
}

async fn write_outputs(
    local: &Local,
    settings: &Settings,
    out: &Path,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    counts: Counts,
    elapsed: std::time::Duration,
) -> Result<()> {
    let reports = out.join("reports");
    let sheets = out.join("call-sheets");
    std::fs::create_dir_all(&reports)?;
    std::fs::create_dir_all(&sheets)?;
    let tz = settings.report_time_zone;
    let mut day = start.with_timezone(&tz).date_naive();
    let last = end.with_timezone(&tz).date_naive();
    let mut summary = format!(
        "aftercare demo: {} to {} ({})\n{counts}\nsimulated in {:.1} s\n\n",
        day,
        last,
        tz.name(),
        elapsed.as_secs_f64()
    );
    summary.push_str(
        "date        purchases  tickets closed  calls scheduled  reached  on-time  CSAT   NPS\n",
    );
    while day <= last {
        let r = read_report(&local.store, settings, day).await?;
        std::fs::write(
            reports.join(format!("{day}.html")),
            aftercare_shared::mail::render::report_html(settings, &r),
        )?;
        std::fs::write(
            reports.join(format!("{day}.json")),
            serde_json::to_string_pretty(&r)?,
        )?;
        let fmt = |v: Option<f64>| v.map(|x| format!("{x:.1}")).unwrap_or_else(|| "-".into());
        summary.push_str(&format!(
            "{day}  {:>9}  {:>14}  {:>15}  {:>7}  {:>7}  {:>5}  {:>5}\n",
            r.purchases.count,
            r.tickets.closed,
            r.callbacks.scheduled,
            r.callbacks.reached,
            fmt(r.callbacks.on_time_rate.map(|x| x * 100.0)),
            fmt(r.csat.score),
            fmt(r.nps.score)
        ));
        day = day.succ_opt().context("date overflow")?;
    }
    let mut sheet_count = 0;
    for entry in std::fs::read_dir(out.join("outbox"))? {
        let entry = entry?;
        if entry.file_name().to_string_lossy().starts_with("sheet-") {
            std::fs::copy(entry.path(), sheets.join(entry.file_name()))?;
            sheet_count += 1;
        }
    }
    let mails = std::fs::read_dir(out.join("outbox"))?.count();
    summary.push_str(&format!("\n{mails} emails in outbox/ ({sheet_count} call sheets also in call-sheets/), daily reports in reports/\n"));
    std::fs::write(out.join("summary.txt"), &summary)?;
    print!("{summary}");
    println!("\nWrote the demo to {}:\n  {0}/outbox/       every email, one .eml file each\n  {0}/call-sheets/  the agents' daily call sheets\n  {0}/reports/      daily KPI reports (HTML and JSON)\n  {0}/summary.txt\nTry: aftercare report --data {0} --date {} --format text", out.display(), last - Duration::days(1));
    Ok(())
}
