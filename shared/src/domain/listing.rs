//! What a customer has on the managers' boards: which board, which entry,
//! and what one commit changes. Plain data kept with the customer's
//! history; `boards` works out the entries from a derivation.

use super::ids::InvalidValue;
use chrono::{DateTime, NaiveDate, Utc};
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
    /// Escalations resolved on a day, for the time to resolve.
    Resolved(NaiveDate),
}

impl fmt::Display for Board {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Board::AtRisk => f.write_str("at-risk"),
            Board::Detractors(day) => write!(f, "detractors-{day}"),
            Board::Answers(day) => write!(f, "answers-{day}"),
            Board::Resolved(day) => write!(f, "resolved-{day}"),
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
            .or_else(|| day("resolved-").map(Board::Resolved))
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
