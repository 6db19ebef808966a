//! The managers' boards: short lists across all customers that the
//! morning email shows without reading every history. Each customer's
//! commit keeps its own entries on them up to date, like the escalation
//! index:
//!
//! - **at risk**: open calls whose booking misses the deadline or has no
//!   agent, sorted by deadline;
//! - **detractors of a day**: answers whose current score is a detractor's
//!   (NPS 0–6, CSAT 1–2) and that carry a comment, by the day (report time
//!   zone) of that answer;
//! - **answers of a day**: every answered survey, by the day of its first
//!   answer (as `csat.responses` counts it), so that exporting a range of
//!   answers reads those days' entries and the customers in them, never
//!   the rest of the data.

use super::contact::local_day;
use super::derive::Derived;
use super::history::History;
use super::ids::InvalidValue;
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum Board {
    AtRisk,
    Detractors(NaiveDate),
    Answers(NaiveDate),
}

impl fmt::Display for Board {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Board::AtRisk => f.write_str("at-risk"),
            Board::Detractors(day) => write!(f, "detractors-{day}"),
            Board::Answers(day) => write!(f, "answers-{day}"),
        }
    }
}

impl FromStr for Board {
    type Err = InvalidValue;
    fn from_str(s: &str) -> Result<Board, InvalidValue> {
        if s == "at-risk" {
            return Ok(Board::AtRisk);
        }
        let day = |prefix: &str| s.strip_prefix(prefix).and_then(|d| d.parse().ok());
        day("detractors-")
            .map(Board::Detractors)
            .or_else(|| day("answers-").map(Board::Answers))
            .ok_or_else(|| InvalidValue(format!("unknown board {s:?}")))
    }
}

impl From<Board> for String {
    fn from(b: Board) -> String {
        b.to_string()
    }
}

impl TryFrom<String> for Board {
    type Error = InvalidValue;
    fn try_from(s: String) -> Result<Board, InvalidValue> {
        s.parse()
    }
}

/// One entry: which board, which call or survey (its key as text), and
/// the time it sorts by (the call's deadline, the answer's time).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Listing {
    pub board: Board,
    pub item: String,
    pub at: DateTime<Utc>,
}

/// The entries this customer should have on the boards now.
pub fn listings(history: &History, derived: &Derived, report_tz: Tz) -> Vec<Listing> {
    let mut out = Vec::new();
    for call in derived.calls.calls.iter().filter(|c| c.is_open()) {
        let booking = history
            .facts
            .booking_of(&call.attempt_key(call.next_attempt_number()));
        if booking.is_some_and(|b| b.at_risk || b.agent.is_none()) {
            out.push(Listing {
                board: Board::AtRisk,
                item: call.id.to_string(),
                at: call.deadline,
            });
        }
    }
    for (survey, a) in &derived.answers {
        out.push(Listing {
            board: Board::Answers(local_day(report_tz, a.first_at)),
            item: survey.to_string(),
            at: a.first_at,
        });
        let commented = a
            .current_comment
            .as_deref()
            .is_some_and(|c| !c.trim().is_empty());
        if a.current.is_low() && commented {
            out.push(Listing {
                board: Board::Detractors(local_day(report_tz, a.current_at)),
                item: survey.to_string(),
                at: a.current_at,
            });
        }
    }
    out.sort();
    out
}

/// What one commit changes on the boards.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BoardChanges {
    /// Listed (or listed again with a new time).
    pub put: Vec<Listing>,
    /// No longer listed.
    pub removed: Vec<(Board, String)>,
}

impl BoardChanges {
    pub fn between(listed: &[Listing], now: &[Listing]) -> BoardChanges {
        let key = |l: &Listing| (l.board, l.item.clone());
        let before: BTreeMap<_, _> = listed.iter().map(|l| (key(l), l.at)).collect();
        let after: BTreeMap<_, _> = now.iter().map(|l| (key(l), l.at)).collect();
        BoardChanges {
            put: now
                .iter()
                .filter(|l| before.get(&key(l)) != Some(&l.at))
                .cloned()
                .collect(),
            removed: before
                .keys()
                .filter(|k| !after.contains_key(*k))
                .cloned()
                .collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.put.is_empty() && self.removed.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::utc;

    #[test]
    fn board_names_round_trip() {
        for b in [
            Board::AtRisk,
            Board::Detractors("2026-11-20".parse().unwrap()),
            Board::Answers("2026-11-20".parse().unwrap()),
        ] {
            assert_eq!(b.to_string().parse::<Board>().unwrap(), b);
        }
        assert!("detractors-soon".parse::<Board>().is_err());
    }

    #[test]
    fn changes_put_what_is_new_or_moved_and_remove_what_is_gone() {
        let l = |item: &str, at: &str| Listing {
            board: Board::AtRisk,
            item: item.into(),
            at: utc(at),
        };
        let before = [
            l("a", "2026-11-20T00:00:00Z"),
            l("b", "2026-11-20T00:00:00Z"),
        ];
        let after = [
            l("a", "2026-11-20T00:00:00Z"),
            l("c", "2026-11-21T00:00:00Z"),
        ];
        let c = BoardChanges::between(&before, &after);
        assert_eq!(c.put, vec![l("c", "2026-11-21T00:00:00Z")]);
        assert_eq!(c.removed, vec![(Board::AtRisk, "b".to_string())]);
        assert!(BoardChanges::between(&after, &after).is_empty());
    }
}
