//! Retention (SPEC 7 `customers`): who is active, new, won back and
//! churned on each day, from the days of a customer's orders.
//!
//! A customer is active on D with an order on one of the `churn_days`
//! days ending with D. So each run of orders no more than `churn_days`
//! apart is one active spell: it starts (new, or won back) on its first
//! order's day and ends (churned) `churn_days` days after its last. The
//! active count is a level kept as deltas (+1 when a spell starts, −1
//! when it ends), read in constant time like the backlog. A churn day
//! in the future is counted ahead: a later order moves it, and only the
//! difference is applied.

use super::contact::local_day;
use super::event::Event;
use super::history::History;
use super::kpi::{Contributions, Metric};
use super::policy::Policy;
use chrono::{Days, NaiveDate};
use std::collections::BTreeSet;

/// Adds the customer's retention counters to `c`.
pub fn add_retention(c: &mut Contributions, history: &History, policy: &Policy) {
    let order_days: BTreeSet<NaiveDate> = history
        .events
        .iter()
        .filter(|e| matches!(e, Event::PurchaseCompleted(_)))
        .map(|e| local_day(policy.report_time_zone, e.occurred_at()))
        .collect();
    let churn = i64::from(policy.churn_days);
    let gap = |from: NaiveDate, to: NaiveDate| (to - from).num_days();
    let days: Vec<NaiveDate> = order_days.into_iter().collect();
    for (i, d) in days.iter().enumerate() {
        match i.checked_sub(1).map(|p| days[p]) {
            None => {
                c.add(*d, Metric::NewCustomers, 1);
                c.add(*d, Metric::ActiveDelta, 1);
            }
            Some(previous) if gap(previous, *d) > churn => {
                c.add(*d, Metric::WonBack, 1);
                c.add(*d, Metric::ActiveDelta, 1);
            }
            Some(_) => {}
        }
        let spell_ends = days.get(i + 1).is_none_or(|next| gap(*d, *next) > churn);
        if spell_ends {
            // Past the calendar's end, nobody is around to read it.
            if let Some(churn_day) = d.checked_add_days(Days::new(policy.churn_days.into())) {
                c.add(churn_day, Metric::Churned, 1);
                c.add(churn_day, Metric::ActiveDelta, -1);
            }
        }
    }
}
