//! The simulated customers: each acts as its persona, reading the survey
//! emails it really receives and following their links.

use super::Item;
use aftercare_shared::domain::event::SurveyKind;
use aftercare_shared::domain::keys::SurveyKey;
use aftercare_shared::ports::Message;
use chrono::{DateTime, Duration, Utc};
use rand::rngs::SmallRng;
use rand::Rng;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Promoter,
    Passive,
    Detractor,
    Ignorer,
}

pub struct Persona {
    pub kind: Kind,
}

/// The persona of customer `c-NNNNN` (none for another id).
pub fn persona<'p>(personas: &'p [Persona], customer: &str) -> Option<&'p Persona> {
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
pub(super) fn text_of(m: &Message) -> String {
    mail_parser::MessageParser::default()
        .parse(m.raw.as_bytes())
        .and_then(|p| p.body_text(0).map(|t| t.into_owned()))
        .unwrap_or_default()
}

/// The token of the first link in `text` that starts with `prefix`.
pub(super) fn token_after(text: &str, prefix: &str) -> Option<String> {
    let start = text.find(prefix)? + prefix.len();
    let token: String = text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || "-_.".contains(*c))
        .collect();
    (!token.is_empty()).then_some(token)
}

/// What a customer does with a survey email or its reminder: sometimes
/// unsubscribes, sometimes answers (as the persona would), else nothing.
pub fn read_survey(
    personas: &[Persona],
    customer: &str,
    survey: &SurveyKey,
    m: &Message,
    at: DateTime<Utc>,
    rng: &mut SmallRng,
) -> Vec<(DateTime<Utc>, Item)> {
    let mut out = Vec::new();
    let Some(p) = persona(personas, customer) else {
        return out;
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
        let nps = survey.kind() == SurveyKind::Nps;
        let answered = at + Duration::minutes(rng.gen_range(5..60 * 48));
        // One of a few comments, chosen by the email (not by the random
        // stream, which the demo's figures depend on).
        const UNHAPPY: &[&str] = &[
            "The delivery was late and nobody answered my messages.",
            "Second time the parcel arrived damaged.",
            "I was charged twice and still wait for the refund.",
            "The agent closed my ticket without solving anything.",
        ];
        let comment = match p.kind {
            Kind::Detractor => Some(
                UNHAPPY[(aftercare_shared::domain::keys::stable_hash(&text) % UNHAPPY.len() as u64)
                    as usize],
            ),
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
    out
}
