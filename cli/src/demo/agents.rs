//! The simulated agents: each places the calls on the call sheet it
//! receives and records an outcome through the outcome form.

use super::customers::{persona, text_of, token_after, Kind, Persona};
use super::Item;
use aftercare_shared::domain::event::{Outcome, Satisfaction};
use aftercare_shared::domain::ids::AgentId;
use aftercare_shared::ports::Message;
use aftercare_shared::services::Aftercare;
use anyhow::Result;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use rand::rngs::SmallRng;
use rand::Rng;

/// The calls on an agent's sheet (or its update) for `day` from `now` on,
/// each placed within ten minutes of its slot. A call already placed
/// from an earlier read is placed again and refused ("already
/// recorded"), as a real agent's second tap would be.
pub async fn read_call_sheet(
    service: &Aftercare,
    agent: &AgentId,
    day: NaiveDate,
    now: DateTime<Utc>,
    rng: &mut SmallRng,
) -> Result<Vec<(DateTime<Utc>, Item)>> {
    let mut out = Vec::new();
    let agents = service.agents().await?;
    let Some(agent) = agents.iter().find(|a| &a.id == agent) else {
        return Ok(out);
    };
    for c in service
        .agent_calls(agent, day)
        .await?
        .into_iter()
        .filter(|c| c.slot >= now)
    {
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
        // A call can turn an unhappy customer round: that is what the
        // recovery figures measure.
        Kind::Detractor => match rng.gen_range(0..100) {
            0..=34 => Satisfaction::Satisfied,
            35..=64 => Satisfaction::Neutral,
            _ => Satisfaction::Unsatisfied,
        },
    };
    (
        outcome,
        (outcome == Outcome::Reached).then_some(satisfaction),
    )
}

/// A manager reads an escalation alert and resolves the case from its
/// link one to three working days later (most do; a few stay open).
pub fn read_escalation_alert(
    m: &Message,
    at: DateTime<Utc>,
    rng: &mut SmallRng,
) -> Vec<(DateTime<Utc>, Item)> {
    if !rng.gen_bool(0.85) {
        return Vec::new();
    }
    let Some(token) = token_after(&text_of(m), "/e/") else {
        return Vec::new();
    };
    // A manager takes it within the working day and resolves it one to
    // three days later, as a working team does.
    let taken = at + Duration::minutes(rng.gen_range(20..8 * 60));
    let later = at + Duration::hours(rng.gen_range(20..72));
    let by = manager(&token);
    vec![
        (taken, Item::Take(token.clone(), by)),
        (later, Item::Resolve(token, by)),
    ]
}

/// The demo's managers; each case stays with one, picked by its link.
fn manager(token: &str) -> &'static str {
    const MANAGERS: &[&str] = &["Park Seoyeon", "Nguyen Thu Ha", "Emma Brown"];
    MANAGERS[(aftercare_shared::domain::keys::stable_hash(token) % MANAGERS.len() as u64) as usize]
}

/// What a simulated agent writes down after a call: one of a few notes
/// per outcome, chosen by the call's token so the random stream (and so
/// the demo's figures) stays the same.
pub fn call_notes(
    outcome: Outcome,
    satisfaction: Option<Satisfaction>,
    token: &str,
) -> Option<&'static str> {
    const UNHAPPY: &[&str] = &[
        "Unhappy: the delivery came late and nobody answered the chat. Asked for a refund of the shipping.",
        "The item arrived damaged; wants a replacement before the weekend.",
        "Charged twice for the order. Promised to check with billing today.",
        "Support closed the ticket without fixing the login problem.",
        "Wrong size sent; the return label never arrived.",
    ];
    const NEUTRAL: &[&str] = &[
        "Fine, but found the setup instructions unclear.",
        "OK overall; delivery was a day later than promised.",
    ];
    let pick = |notes: &[&'static str]| {
        notes[(aftercare_shared::domain::keys::stable_hash(token) % notes.len() as u64) as usize]
    };
    match (outcome, satisfaction) {
        (Outcome::Reached, Some(Satisfaction::Unsatisfied)) => Some(pick(UNHAPPY)),
        (Outcome::Reached, Some(Satisfaction::Neutral)) => Some(pick(NEUTRAL)),
        (Outcome::Reached, _) => Some("Happy with the purchase; no further questions."),
        (Outcome::WrongNumber, _) => Some("The number belongs to someone else."),
        _ => None,
    }
}
