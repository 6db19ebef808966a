//! Closing the loop (SPEC 7 `recovery`): of the low scores given on a
//! day, how many customers were reached within the priority deadline,
//! and how many of those said they were satisfied.
//!
//! A cohort by the day the score became low, like `response_rate`: a
//! day's numbers can rise until its last window closes. Everything is a
//! function of the customer's history, so a late outcome lands where it
//! belongs and a duplicate adds nothing.

use super::calls::{CallFold, CallState};
use super::contact::local_day;
use super::event::Satisfaction;
use super::history::History;
use super::ids::AgentId;
use super::keys::SurveyKey;
use super::kpi::{AgentMetric, Contributions, Metric};
use super::policy::Policy;
use super::surveys::Answers;
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet};

/// One `reached` outcome of the customer: when, how they felt, who called.
struct Reach<'a> {
    at: DateTime<Utc>,
    satisfaction: Satisfaction,
    agent: Option<&'a AgentId>,
    priority: bool,
    call: usize,
}

/// Adds the recovery cohort (by the low answer's day) and each agent's
/// priority calls reached and recovered (by the outcome's day) to `c`.
pub fn add_recovery(
    c: &mut Contributions,
    history: &History,
    answers: &BTreeMap<SurveyKey, Answers>,
    fold: &CallFold,
    policy: &Policy,
) {
    let day = |t: DateTime<Utc>| local_day(policy.report_time_zone, t);
    let reaches = reaches(history, fold);
    let mut recovering_calls = BTreeSet::new();
    for a in answers.values() {
        let Some(low_at) = a.became_low_at else {
            continue;
        };
        let cohort = day(low_at);
        c.add(cohort, Metric::LowScores, 1);
        // Reaches are in time order: the first one in the window decides.
        let window_end = low_at + policy.callbacks.priority_deadline;
        let Some(first) = reaches
            .iter()
            .find(|r| r.at >= low_at && r.at <= window_end)
        else {
            continue;
        };
        c.add(cohort, Metric::ReachedInTime, 1);
        if first.satisfaction == Satisfaction::Satisfied {
            c.add(cohort, Metric::Recovered, 1);
            recovering_calls.insert(first.call);
        }
    }
    for r in reaches.iter().filter(|r| r.priority) {
        let d = day(r.at);
        c.add_agent(d, AgentMetric::PriorityReached, r.agent, 1);
        // A call counts once, however many low scores it answered.
        if recovering_calls.contains(&r.call) {
            c.add_agent(d, AgentMetric::Recovered, r.agent, 1);
        }
    }
}

/// The customer's reached outcomes, earliest first. A reached outcome
/// closes its call, so there is at most one per call.
fn reaches<'a>(history: &'a History, fold: &'a CallFold) -> Vec<Reach<'a>> {
    let mut out: Vec<Reach<'a>> = fold
        .calls
        .iter()
        .enumerate()
        .filter_map(|(i, call)| {
            let CallState::Reached { at, satisfaction } = call.state else {
                return None;
            };
            // Who reached them: the outcome's agent, else the booking's.
            let n = call.next_attempt_number().saturating_sub(1);
            let agent = call
                .attempts
                .last()
                .and_then(|a| a.agent.as_ref())
                .or_else(|| {
                    history
                        .facts
                        .booking_of(&call.attempt_key(n))
                        .and_then(|b| b.agent.as_ref())
                });
            Some(Reach {
                at,
                satisfaction,
                agent,
                priority: call.priority(),
                call: i,
            })
        })
        .collect();
    out.sort_by_key(|r| r.at);
    out
}
