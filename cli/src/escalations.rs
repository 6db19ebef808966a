//! `aftercare escalations list|take|resolve`: the managers' escalations from a
//! terminal, the same use cases as the escalation page.

use crate::out::{age, local_time};
use aftercare_shared::domain::keys::CallId;
use aftercare_shared::services::{Aftercare, EscalationRef, ResolveForm};
use anyhow::{anyhow, Result};
use chrono::{DateTime, Utc};
use clap::Subcommand;

#[derive(Subcommand)]
pub enum EscalationAction {
    /// The open escalations, oldest first: call id, since when (in the
    /// report time zone) and how long, overdue past the target time to
    /// resolve, customer, notes.
    List,
    /// Take one escalation by its call id (as `list` prints it): it shows
    /// as yours until it is resolved.
    Take {
        id: String,
        /// Who takes it (default: $USER).
        #[arg(long)]
        by: Option<String>,
        /// When (RFC 3339; default: now), for data directories run on a
        /// simulated clock.
        #[arg(long)]
        at: Option<String>,
    },
    /// Resolve one escalation by its call id (as `list` prints it).
    Resolve {
        id: String,
        /// What was done.
        #[arg(long)]
        note: Option<String>,
        /// Who resolved it (default: $USER).
        #[arg(long)]
        by: Option<String>,
        /// When it was resolved (RFC 3339; default: now), for data
        /// directories run on a simulated clock.
        #[arg(long)]
        at: Option<String>,
    },
}

/// The first line of a note, at most 60 characters.
fn excerpt(text: &str) -> String {
    let line = text.lines().next().unwrap_or("");
    let mut out: String = line.chars().take(60).collect();
    if out.len() < text.trim_end().len() {
        out.push('…');
    }
    out
}

pub async fn escalations(service: &Aftercare, action: EscalationAction) -> Result<()> {
    match action {
        EscalationAction::List => {
            let open = service.open_escalations(usize::MAX).await?;
            if open.is_empty() {
                say!("no open escalations");
            }
            let policy = &service.settings().policy;
            let (tz, target) = (policy.report_time_zone, policy.callbacks.escalation_target);
            let now = Utc::now();
            for e in open {
                let overdue = if now - e.opened_at > target {
                    "  overdue"
                } else {
                    ""
                };
                let owner = e
                    .owner
                    .as_deref()
                    .map_or_else(|| "not taken".to_string(), |by| format!("taken by {by}"));
                say!(
                    "{}  since {} ({}){overdue}  {owner}  {}  {}",
                    e.call,
                    local_time(e.opened_at, tz),
                    age(e.opened_at, now),
                    e.name.as_deref().unwrap_or("-"),
                    e.notes.as_deref().map(excerpt).unwrap_or_default()
                );
            }
            // Last, so that `| head -1` is still the oldest escalation.
            let today = aftercare_shared::domain::contact::local_day(tz, now);
            match service.time_to_resolve(today, now).await? {
                Some(r) => say!(
                    "median time to resolve over the 7 days to {today}: {}h ({} resolved)",
                    r.median.num_hours(),
                    r.resolutions
                ),
                None => say!("no escalation resolved in the 7 days to {today}"),
            }
        }
        EscalationAction::Take { id, by, at } => {
            let call = call_id(&id)?;
            let (by, at) = (who(by), when(at)?);
            service
                .take_escalation(EscalationRef::Call(&call), &by, at)
                .await?;
            say!("{call} is yours");
        }
        EscalationAction::Resolve { id, note, by, at } => {
            let call = call_id(&id)?;
            let (by, at) = (who(by), when(at)?);
            let form = ResolveForm {
                by: &by,
                note: note.as_deref(),
            };
            service
                .resolve_escalation(EscalationRef::Call(&call), form, at)
                .await?;
            say!("resolved {call}");
        }
    }
    Ok(())
}

fn call_id(id: &str) -> Result<CallId> {
    id.parse()
        .map_err(|e: aftercare_shared::domain::ids::InvalidValue| anyhow!("id: {}", e.0))
}

/// `--by`, else the login name.
fn who(by: Option<String>) -> String {
    by.or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| "operator".into())
}

/// `--at` (RFC 3339), else now.
fn when(at: Option<String>) -> Result<DateTime<Utc>> {
    match at {
        Some(t) => Ok(DateTime::parse_from_rfc3339(&t)
            .map_err(|e| anyhow!("--at {t:?}: {e}"))?
            .with_timezone(&Utc)),
        None => Ok(Utc::now()),
    }
}
