//! The simulated agents: each places the calls on the call sheet it
//! receives and records an outcome through the outcome form.

use super::customers::{persona, Kind, Persona};
use super::Item;
use aftercare_shared::domain::event::{Outcome, Satisfaction};
use aftercare_shared::domain::ids::AgentId;
use aftercare_shared::services::Aftercare;
use anyhow::Result;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use rand::rngs::SmallRng;
use rand::Rng;

/// The calls on an agent's sheet for `day`, each placed within ten
/// minutes of its slot.
pub async fn read_call_sheet(
    service: &Aftercare,
    agent: &AgentId,
    day: NaiveDate,
    rng: &mut SmallRng,
) -> Result<Vec<(DateTime<Utc>, Item)>> {
    let mut out = Vec::new();
    let Some(agent) = service.settings().agents.iter().find(|a| &a.id == agent) else {
        return Ok(out);
    };
    for c in service.agent_calls(agent, day).await? {
        let placed = c.slot + Duration::minutes(rng.gen_range(0..10));
        out.push((
            placed,
            Item::Call {
                token: c.outcome_token,
                customer: c.customer.to_string(),
            },
        ));
    }
    Ok(out)
}

/// The outcome an agent records for a call to this customer.
pub fn call_outcome(
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
