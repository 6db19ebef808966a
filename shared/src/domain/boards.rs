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
//!   the rest of the data;
//! - **resolved on a day**: escalations by the day (report time zone) a
//!   manager resolved them, at that time, so that the time to resolve of
//!   a week reads a week's entries.

use super::contact::local_day;
use super::derive::Derived;
use super::history::History;
pub use super::listing::{Board, BoardChanges, Listing};
use chrono_tz::Tz;

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
    for (call, r) in &history.facts.escalations_resolved {
        out.push(Listing {
            board: Board::Resolved(local_day(report_tz, r.at)),
            item: call.to_string(),
            at: r.at,
        });
    }
    out.sort();
    out
}
