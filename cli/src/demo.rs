//! `aftercare demo`: a simulated business through the whole pipeline.
//!
//! Customers of four kinds (promoters, passives, detractors, and those who
//! ignore email) buy, open and close tickets; they answer the survey emails
//! they really receive, and agents record outcomes for the calls really on
//! their call sheets. Everything goes through the same services as
//! `aftercare run`, on the embedded store with a simulated clock.

use crate::local;
use crate::run::{Counts, Driver};
use aftercare_shared::config::Settings;
use aftercare_shared::domain::event::{Event, Outcome, Satisfaction};
use aftercare_shared::domain::keys::MessageId;
use aftercare_shared::inbound::eventbridge::parse_envelope_value;
use aftercare_shared::ports::{MailError, Mailer, Message};
use aftercare_shared::services::{Aftercare, ServiceError, UnsubscribeBy};
use anyhow::{Context, Result};
use async_trait::async_trait;
use chrono::{DateTime, Duration, TimeZone, Utc};
use indicatif::{ProgressBar, ProgressStyle};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde_json::json;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::path::Path;
use std::sync::{Arc, Mutex};

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

/// Remembers the messages delivered, so the simulated people can read
/// them and react.
struct Observed {
    inner: Arc<dyn Mailer>,
    sent: Mutex<Vec<Message>>,
}

impl Observed {
    fn take(&self) -> Vec<Message> {
        std::mem::take(&mut *self.sent.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

#[async_trait]
impl Mailer for Observed {
    async fn send(&self, m: &Message) -> Result<(), MailError> {
        self.inner.send(m).await?;
        self.sent
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(m.clone());
        Ok(())
    }
}

/// What the simulated people do, each at its own time.
enum Item {
    Event(Box<Event>),
    /// An agent places a call and records the outcome through the form.
    Call {
        token: String,
        customer: String,
    },
    /// A customer answers on the survey page.
    Answer {
        token: String,
        score: i64,
        comment: Option<&'static str>,
    },
    /// A customer clicks the unsubscribe link.
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
    let mut observed = None;
    let service = local::open(out, &settings, |inner| {
        let o = Arc::new(Observed {
            inner,
            sent: Mutex::new(Vec::new()),
        });
        observed = Some(o.clone());
        o as Arc<dyn Mailer>
    })?;
    let observed = observed.context("the demo's mailer")?;
    let driver = Driver { service: &service };
    service.schedule_jobs(start).await?;

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
        let event = parse_envelope_value(e, "demo")?.event;
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
            Item::Call { token, customer } => {
                driver.advance_to(at).await?;
                let (outcome, satisfaction) = call_outcome(&personas, &customer, &mut rng);
                let notes = (outcome == Outcome::Reached).then_some("Called back as planned.");
                tolerate(
                    service
                        .record_outcome(&token, outcome, satisfaction, notes, at)
                        .await,
                )?;
            }
            Item::Answer {
                token,
                score,
                comment,
            } => {
                driver.advance_to(at).await?;
                tolerate(service.record_answer(&token, score, comment, at).await)?;
            }
            Item::Unsubscribe(token) => {
                driver.advance_to(at).await?;
                tolerate(service.unsubscribe(UnsubscribeBy::Token(&token), at).await)?;
            }
        }
        for m in observed.take() {
            for (t, item) in react(&service, &personas, &m, at, &mut rng).await? {
                push(&mut queue, &mut items, t, item);
            }
        }
        bar.set_position((at - start).num_hours().max(0) as u64);
        bar.set_message(format!("{}", at.format("%Y-%m-%d")));
    }
    driver.advance_to(horizon).await?;
    bar.finish_and_clear();
    let elapsed = began.elapsed();
    write_outputs(&service, &settings, out, start, end, counts, elapsed).await
}

/// A simulated person acting on a stale link (a call already recorded, a
/// survey whose link expired) gets a page saying so; the demo moves on.
fn tolerate<T>(r: Result<T, ServiceError>) -> Result<()> {
    match r {
        Ok(_) | Err(ServiceError::Rejected(_)) => Ok(()),
        Err(e) => Err(e.into()),
    }
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

/// The text part of a delivered message, as its reader sees it.
fn text_of(m: &Message) -> String {
    mail_parser::MessageParser::default()
        .parse(m.raw.as_bytes())
        .and_then(|p| p.body_text(0).map(|t| t.into_owned()))
        .unwrap_or_default()
}

/// The token of the first link in `text` that starts with `prefix`.
fn token_after(text: &str, prefix: &str) -> Option<String> {
    let start = text.find(prefix)? + prefix.len();
    let token: String = text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || "-_.".contains(*c))
        .collect();
    (!token.is_empty()).then_some(token)
}

/// How simulated people react to a delivered message: they read it and
/// follow its links, as a person would.
async fn react(
    service: &Aftercare,
    personas: &[Persona],
    m: &Message,
    at: DateTime<Utc>,
    rng: &mut SmallRng,
) -> Result<Vec<(DateTime<Utc>, Item)>> {
    let mut out = Vec::new();
    match &m.id {
        MessageId::Survey { customer, survey } | MessageId::Reminder { customer, survey } => {
            let Some(p) = persona(personas, customer.as_str()) else {
                return Ok(out);
            };
            let chance = match p.kind {
                Kind::Ignorer => 0.0,
                Kind::Detractor => 0.5,
                _ => 0.4,
            };
            let text = text_of(m);
            if rng.gen_bool(0.01) {
                if let Some(token) = token_after(&text, "/u/") {
                    let t = at + Duration::minutes(rng.gen_range(5..600));
                    out.push((t, Item::Unsubscribe(token)));
                }
            } else if rng.gen_bool(chance) {
                let nps = survey.kind() == aftercare_shared::domain::event::SurveyKind::Nps;
                let answered = at + Duration::minutes(rng.gen_range(5..60 * 48));
                let comment = match p.kind {
                    Kind::Detractor => {
                        Some("The delivery was late and nobody answered my messages.")
                    }
                    Kind::Promoter => Some("Great service, thank you!"),
                    _ => None,
                };
                if let Some(token) = token_after(&text, "/s/") {
                    let score = score(rng, p.kind, nps);
                    out.push((
                        answered,
                        Item::Answer {
                            token,
                            score,
                            comment,
                        },
                    ));
                }
            }
        }
        MessageId::CallSheet { agent, day } => {
            let Some(agent) = service.settings().agents.iter().find(|a| &a.id == agent) else {
                return Ok(out);
            };
            for c in service.agent_calls(agent, *day).await? {
                let placed = c.slot + Duration::minutes(rng.gen_range(0..10));
                out.push((
                    placed,
                    Item::Call {
                        token: c.outcome_token,
                        customer: c.customer.to_string(),
                    },
                ));
            }
        }
        _ => {}
    }
    Ok(out)
}

/// The outcome an agent records for a call to this customer.
fn call_outcome(
    personas: &[Persona],
    customer: &str,
    rng: &mut SmallRng,
) -> (Outcome, Option<Satisfaction>) {
    let kind = persona(personas, customer)
        .map(|p| p.kind)
        .unwrap_or(Kind::Passive);
    let outcome = match rng.gen_range(0..100) {
        0..=64 => Outcome::Reached,
        65..=84 => Outcome::NoAnswer,
        85..=91 => Outcome::Busy,
        92..=95 => Outcome::Declined,
        _ => Outcome::WrongNumber,
    };
    let satisfaction = match kind {
        Kind::Promoter => Satisfaction::Satisfied,
        Kind::Passive | Kind::Ignorer => {
            if rng.gen_bool(0.7) {
                Satisfaction::Satisfied
            } else {
                Satisfaction::Neutral
            }
        }
        Kind::Detractor => {
            if rng.gen_bool(0.6) {
                Satisfaction::Unsatisfied
            } else {
                Satisfaction::Neutral
            }
        }
    };
    (
        outcome,
        (outcome == Outcome::Reached).then_some(satisfaction),
    )
}

async fn write_outputs(
    service: &Aftercare,
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
    let tz = settings.policy.report_time_zone;
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
        let r = service.report(day).await?;
        std::fs::write(
            reports.join(format!("{day}.html")),
            aftercare_shared::mail::render::report_html(settings, &r)?,
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
