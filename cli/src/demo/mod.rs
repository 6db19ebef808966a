//! `aftercare demo`: a simulated business through the whole pipeline.
//!
//! Customers of four kinds (promoters, passives, detractors, and those who
//! ignore email) buy, open and close tickets; they answer the survey emails
//! they really receive, and agents record outcomes for the calls really on
//! their call sheets. Everything goes through the same services as
//! `aftercare run`, on the embedded store with a simulated clock that
//! runs up to the real one (or the end of `--end`): the demo's last day
//! is today, so its links work in `aftercare serve` and no page shows an
//! event from the future.
//!
//! The parts: `shop` generates the business's events and its customers'
//! personas; `customers` and `agents` are the simulated people reacting to
//! the mail they get; `output` prepares the directory and writes the
//! reports and the summary.

mod agents;
mod customers;
mod output;
mod shop;

use crate::local;
use crate::run::{Counts, Driver};
use aftercare_shared::config::Settings;
use aftercare_shared::domain::event::Event;
use aftercare_shared::domain::keys::MessageId;
use aftercare_shared::inbound::eventbridge::parse_envelope_value;
use aftercare_shared::ports::{MailError, Mailer, Message};
use aftercare_shared::services::{
    Aftercare, EscalationRef, OutcomeForm, ResolveForm, ServiceError, UnsubscribeBy,
};
use anyhow::{bail, Context, Result};
use async_trait::async_trait;
use chrono::{DateTime, Duration, DurationRound, NaiveDate, Utc};
use customers::Persona;
use indicatif::{ProgressBar, ProgressStyle};
use rand::rngs::SmallRng;
use rand::SeedableRng;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// The demo business: its report zone and a roster speaking all four languages.
const DEMO_SETTINGS: &str = include_str!("../../demo-settings.toml");

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
    /// A manager takes an escalation from the alert's link (who).
    Take(String, &'static str),
    /// The same manager resolves it.
    Resolve(String, &'static str),
}

/// What to simulate: how many days and customers, with which seed,
/// ending on which day (`None`: today).
pub struct Size {
    pub days: u32,
    pub customers: u32,
    pub seed: u64,
    pub end: Option<NaiveDate>,
}

/// Where the demo's clock stops: now, or the end of `end` (in the report
/// time zone) when that is earlier. A day after today is refused: the
/// demo would show events from the future, and its links would be "not
/// yet sent" in `serve`.
fn horizon(end: Option<NaiveDate>, tz: chrono_tz::Tz, now: DateTime<Utc>) -> Result<DateTime<Utc>> {
    let Some(day) = end else {
        return Ok(now);
    };
    let today = aftercare_shared::domain::contact::local_day(tz, now);
    if day > today {
        bail!("--end {day} is after today ({today} in {}): the demo simulates days that have happened", tz.name());
    }
    let day_end = aftercare_shared::domain::contact::local_to_utc(
        tz,
        day.succ_opt()
            .context("--end: the day after is out of range")?,
        chrono::NaiveTime::MIN,
    );
    Ok(day_end.min(now))
}

pub async fn demo(
    config: Option<&Path>,
    out: &Path,
    size: Size,
    events_only: Option<&Path>,
) -> Result<()> {
    let Size {
        days,
        customers,
        seed,
        end,
    } = size;
    let (settings, settings_text) = match config {
        Some(_) => (local::settings(config)?, local::config_text(config)?),
        None => (
            Settings::from_toml(DEMO_SETTINGS).context("demo settings")?,
            DEMO_SETTINGS.to_string(),
        ),
    };
    // The demo ends where the real clock is (or on `--end`): what it
    // shows has happened, and `serve` picks up from there.
    let now = Utc::now()
        .duration_trunc(Duration::minutes(1))
        .context("the clock")?;
    let end = horizon(end, settings.policy.report_time_zone, now)?;
    let start = end - Duration::days(days.into());
    let mut rng = SmallRng::seed_from_u64(seed);
    let (personas, base) = shop::generate(&mut rng, customers, start, end);
    if let Some(path) = events_only {
        output::write_events(path, &base)?;
        say!("wrote {} events to {}", base.len(), path.display());
        return Ok(());
    }
    output::prepare_out_dir(out)?;
    output::write_events(&out.join("events.jsonl"), &base)?;
    local::remember_settings(out, &settings_text)?;
    let mut observed = None;
    let service = local::open(out, &crate::run::in_time_order(&settings), |inner| {
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
    let horizon = end;
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
                counts.add(&driver.ingest(&event).await?);
            }
            Item::Call { token, customer } => {
                driver.advance_to(at).await?;
                let (outcome, satisfaction) = agents::call_outcome(&personas, &customer, &mut rng);
                let notes = agents::call_notes(outcome, satisfaction, &token);
                let form = OutcomeForm {
                    outcome,
                    satisfaction,
                    notes,
                };
                tolerate(service.record_outcome(&token, form, at).await)?;
            }
            Item::Answer {
                token,
                score,
                comment,
            } => {
                driver.advance_to(at).await?;
                tolerate(service.record_answer(&token, score, comment, at).await)?;
            }
            Item::Take(token, by) => {
                driver.advance_to(at).await?;
                tolerate(
                    service
                        .take_escalation(EscalationRef::Token(&token), by, at)
                        .await,
                )?;
            }
            Item::Resolve(token, by) => {
                driver.advance_to(at).await?;
                let form = ResolveForm {
                    by,
                    note: Some("Called the customer back and made it right."),
                };
                tolerate(
                    service
                        .resolve_escalation(EscalationRef::Token(&token), form, at)
                        .await,
                )?;
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
    output::write_outputs(&service, &settings, out, start, end, counts, elapsed).await
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

/// How simulated people react to a delivered message: they read it and
/// follow its links, as a person would.
async fn react(
    service: &Aftercare,
    personas: &[Persona],
    m: &Message,
    at: DateTime<Utc>,
    rng: &mut SmallRng,
) -> Result<Vec<(DateTime<Utc>, Item)>> {
    Ok(match &m.id {
        MessageId::Survey { customer, survey } | MessageId::Reminder { customer, survey } => {
            customers::read_survey(personas, customer.as_str(), survey, m, at, rng)
        }
        MessageId::CallSheet { agent, day } => {
            agents::read_call_sheet(service, agent, *day, at, rng).await?
        }
        // An update lists calls booked since the sheet: those still ahead.
        MessageId::SheetUpdate { agent, day, .. } => {
            agents::read_call_sheet(service, agent, *day, at, rng).await?
        }
        MessageId::EscalationAlert(_) => agents::read_escalation_alert(m, at, rng),
        _ => Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::horizon;
    use chrono::{NaiveDate, TimeZone, Utc};

    fn day(s: &str) -> Option<NaiveDate> {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
    }

    #[test]
    fn the_demo_ends_now_by_default_and_at_the_end_of_an_earlier_day_in_the_zone() {
        let now = Utc.with_ymd_and_hms(2026, 12, 7, 14, 0, 0).unwrap();
        let seoul = chrono_tz::Asia::Seoul;
        assert_eq!(horizon(None, seoul, now).unwrap(), now);
        // The end of 2026-12-01 in Seoul is 15:00 UTC that day.
        assert_eq!(
            horizon(day("2026-12-01"), seoul, now).unwrap(),
            Utc.with_ymd_and_hms(2026, 12, 1, 15, 0, 0).unwrap()
        );
        // Today (already 2026-12-07 23:00 in Seoul) stops at now.
        assert_eq!(horizon(day("2026-12-07"), seoul, now).unwrap(), now);
    }

    #[test]
    fn a_day_after_today_is_refused_with_both_days_named() {
        let now = Utc.with_ymd_and_hms(2026, 12, 7, 14, 0, 0).unwrap();
        let said = horizon(day("2026-12-09"), chrono_tz::Asia::Seoul, now)
            .unwrap_err()
            .to_string();
        assert!(
            said.contains("2026-12-09")
                && said.contains("2026-12-07")
                && said.contains("Asia/Seoul"),
            "{said}"
        );
    }
}
