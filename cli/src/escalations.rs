//! `aftercare escalations list|resolve`: the managers' escalations from a
//! terminal, the same use cases as the escalation page.

use aftercare_shared::domain::keys::CallId;
use aftercare_shared::services::{Aftercare, EscalationRef, ResolveForm};
use anyhow::{anyhow, Result};
use chrono::{DateTime, Utc};
use clap::Subcommand;

#[derive(Subcommand)]
pub enum EscalationAction {
    /// The open escalations, oldest first: call id, since when, customer, notes.
    List,
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
            for e in open {
                say!(
                    "{}  since {}  {}  {}",
                    e.call,
                    e.opened_at.to_rfc3339(),
                    e.name.as_deref().unwrap_or("-"),
                    e.notes.as_deref().map(excerpt).unwrap_or_default()
                );
            }
        }
        EscalationAction::Resolve { id, note, by, at } => {
            let call: CallId = id
                .parse()
                .map_err(|e: aftercare_shared::domain::ids::InvalidValue| anyhow!("id: {}", e.0))?;
            let at = match at {
                Some(t) => DateTime::parse_from_rfc3339(&t)
                    .map_err(|e| anyhow!("--at {t:?}: {e}"))?
                    .with_timezone(&Utc),
                None => Utc::now(),
            };
            let by = by
                .or_else(|| std::env::var("USER").ok())
                .unwrap_or_else(|| "operator".into());
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
