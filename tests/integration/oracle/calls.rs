//! The calls of SPEC 4, one customer's timeline at a time: a reason
//! merges into the open call, misses it or opens one; an outcome is an
//! attempt of the open call.

use super::input::{Ev, Kind};
use super::{Reason, Rules};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum ReasonFate {
    Scheduled,
    Merged,
    Skipped,
}

pub struct Call {
    pub deadline: DateTime<Utc>,
    pub attempts: u32,
    pub reached_at: Option<DateTime<Utc>>,
}

pub struct Attempt {
    pub customer: String,
    pub at: DateTime<Utc>,
    pub outcome: String,
    pub satisfaction: Option<String>,
}

/// One step of a customer's call timeline: (time, 0 = reason / 1 = outcome, tie key, index).
type Step = (DateTime<Utc>, u8, String, usize);

/// What the calls came to.
pub struct Calls {
    /// Every reason's fate, at the reason's time.
    pub fates: Vec<(DateTime<Utc>, ReasonFate)>,
    pub calls: Vec<Call>,
    pub attempts: Vec<Attempt>,
}

/// Folds every customer's reasons and outcomes in time order, reasons
/// before outcomes at the same instant.
pub fn timeline(
    r: &Rules,
    unique: &[Ev],
    reasons: &[Reason],
    rejected_ids: &mut BTreeSet<String>,
    case: &mut dyn FnMut(&'static str),
) -> Calls {
    // (time, 0 = reason / 1 = outcome, tie key, index)
    let mut timeline: BTreeMap<String, Vec<Step>> = BTreeMap::new();
    for (i, (at, _, key, c)) in reasons.iter().enumerate() {
        timeline
            .entry(c.id.clone())
            .or_default()
            .push((*at, 0, key.clone(), i));
    }
    for (i, e) in unique.iter().enumerate() {
        if let Kind::Outcome { customer_id, .. } = &e.kind {
            timeline
                .entry(customer_id.clone())
                .or_default()
                .push((e.at, 1, String::new(), i));
        }
    }
    let mut fates: Vec<(DateTime<Utc>, ReasonFate)> = Vec::new();
    let mut calls: Vec<Call> = Vec::new();
    let mut attempts: Vec<Attempt> = Vec::new();
    for (customer, items) in timeline.iter_mut() {
        items.sort();
        let mut open: Option<usize> = None;
        for (at, what, _, i) in items.iter() {
            if *what == 0 {
                let (_, deadline, _, c) = &reasons[*i];
                if !c.has_phone {
                    fates.push((*at, ReasonFate::Skipped));
                    continue;
                }
                match open {
                    Some(o) if *at <= calls[o].deadline => {
                        if *deadline < calls[o].deadline {
                            case("merge moved a deadline earlier");
                        }
                        calls[o].deadline = calls[o].deadline.min(*deadline);
                        fates.push((*at, ReasonFate::Merged));
                    }
                    _ => {
                        // No open call, or one past its deadline: that one is missed.
                        if open.is_some() {
                            case("open call missed: a new reason after its deadline");
                        }
                        calls.push(Call {
                            deadline: *deadline,
                            attempts: 0,
                            reached_at: None,
                        });
                        open = Some(calls.len() - 1);
                        fates.push((*at, ReasonFate::Scheduled));
                    }
                }
            } else {
                let e = &unique[*i];
                let Kind::Outcome {
                    outcome,
                    satisfaction,
                    ..
                } = &e.kind
                else {
                    unreachable!()
                };
                let Some(o) = open else {
                    case("outcome with no open call");
                    rejected_ids.insert(e.id.clone());
                    continue;
                };
                let call = &mut calls[o];
                call.attempts += 1;
                if *at > call.deadline {
                    case("outcome after the deadline");
                }
                attempts.push(Attempt {
                    customer: customer.clone(),
                    at: *at,
                    outcome: outcome.clone(),
                    satisfaction: satisfaction.clone(),
                });
                match outcome.as_str() {
                    "reached" => {
                        call.reached_at = Some(*at);
                        open = None;
                    }
                    "wrong_number" | "declined" => open = None,
                    "no_answer" | "busy" => {
                        if call.attempts >= r.max_attempts {
                            case("call closed after the last failed attempt");
                            open = None;
                        }
                    }
                    other => panic!("oracle: outcome {other}"),
                }
            }
        }
    }
    Calls {
        fates,
        calls,
        attempts,
    }
}
