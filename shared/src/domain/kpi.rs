//! KPI counters: what each customer contributes to each day.
//!
//! Every KPI of SPEC 7 is built from these integer counters, so the
//! aggregates are exact sums that can be kept incrementally: a customer's
//! contribution is recomputed from its history and only the difference is
//! applied. Metrics ending in `_delta` are day-over-day changes of a level
//! (backlog, open escalations); a day's level is the sum of all deltas up to
//! and including that day.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

macro_rules! metrics {
    ($($variant:ident => $name:literal,)*) => {
        /// One counter of one day.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(into = "&'static str", try_from = "String")]
        pub enum Metric { $($variant,)* }

        impl Metric {
            pub const ALL: &'static [Metric] = &[$(Metric::$variant,)*];
            pub fn name(self) -> &'static str {
                match self { $(Metric::$variant => $name,)* }
            }
            pub fn from_name(name: &str) -> Option<Metric> {
                match name { $($name => Some(Metric::$variant),)* _ => None }
            }
        }
    };
}

metrics! {
    Purchases => "purchases",
    PurchaseCustomers => "purchase_customers",
    RepeatCustomers => "repeat_customers",
    TicketsOpened => "tickets_opened",
    TicketsClosed => "tickets_closed",
    TicketsResolved => "tickets_resolved",
    ResolvedFirstContact => "resolved_first_contact",
    FirstResponses => "first_responses",
    FirstResponseMicros => "first_response_us",
    ResolutionMicros => "resolution_us",
    TicketsReopened => "tickets_reopened",
    BacklogDelta => "backlog_delta",
    CallsScheduled => "calls_scheduled",
    CallsMerged => "calls_merged",
    CallsSkipped => "calls_skipped",
    CallAttempts => "call_attempts",
    CallsReached => "calls_reached",
    CallsSatisfied => "calls_satisfied",
    CallsNeutral => "calls_neutral",
    CallsUnsatisfied => "calls_unsatisfied",
    CallsDue => "calls_due",
    CallsOnTime => "calls_on_time",
    CallsAtRisk => "calls_at_risk",
    EscalationsOpened => "escalations_opened",
    EscalationsOpenDelta => "escalations_open_delta",
    CsatSent => "csat_sent",
    CsatThrottled => "csat_throttled",
    CsatSuppressed => "csat_suppressed",
    CsatResponses => "csat_responses",
    CsatSatisfied => "csat_satisfied",
    CsatScoreSum => "csat_score_sum",
    CsatAnsweredOfSent => "csat_answered_of_sent",
    NpsSent => "nps_sent",
    NpsThrottled => "nps_throttled",
    NpsSuppressed => "nps_suppressed",
    NpsResponses => "nps_responses",
    NpsPromoters => "nps_promoters",
    NpsPassives => "nps_passives",
    NpsDetractors => "nps_detractors",
    NpsAnsweredOfSent => "nps_answered_of_sent",
    Unsubscribes => "unsubscribes",
}

impl Metric {
    /// Levels kept as day-over-day deltas (read as a running sum).
    pub fn is_delta(self) -> bool {
        matches!(self, Metric::BacklogDelta | Metric::EscalationsOpenDelta)
    }
}

impl From<Metric> for &'static str {
    fn from(m: Metric) -> &'static str {
        m.name()
    }
}

impl TryFrom<String> for Metric {
    type Error = String;
    fn try_from(s: String) -> Result<Metric, String> {
        Metric::from_name(&s).ok_or_else(|| format!("unknown metric {s:?}"))
    }
}

/// Counter values by day and metric. Zero entries are never stored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contributions(BTreeMap<NaiveDate, BTreeMap<Metric, i64>>);

impl Contributions {
    pub fn add(&mut self, day: NaiveDate, metric: Metric, value: i64) {
        if value == 0 {
            return;
        }
        let day_map = self.0.entry(day).or_default();
        let v = day_map.entry(metric).or_insert(0);
        *v += value;
        if *v == 0 {
            day_map.remove(&metric);
            if day_map.is_empty() {
                self.0.remove(&day);
            }
        }
    }

    pub fn get(&self, day: NaiveDate, metric: Metric) -> i64 {
        self.0
            .get(&day)
            .and_then(|m| m.get(&metric))
            .copied()
            .unwrap_or(0)
    }

    /// `self - before`: what must be added to the shared counters.
    pub fn minus(&self, before: &Contributions) -> Contributions {
        let mut out = self.clone();
        for (day, metrics) in &before.0 {
            for (m, v) in metrics {
                out.add(*day, *m, -v);
            }
        }
        out
    }

    pub fn merge(&mut self, other: &Contributions) {
        for (day, metric, v) in other.iter() {
            self.add(day, metric, v);
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (NaiveDate, Metric, i64)> + '_ {
        self.0
            .iter()
            .flat_map(|(d, m)| m.iter().map(move |(k, v)| (*d, *k, *v)))
    }

    pub fn days(&self) -> impl Iterator<Item = (NaiveDate, &BTreeMap<Metric, i64>)> {
        self.0.iter().map(|(d, m)| (*d, m))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// One day's counters as read back from a store: plain metrics for the day,
/// and delta metrics already summed up to and including the day.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DayCounters(BTreeMap<Metric, i64>);

impl DayCounters {
    pub fn set(&mut self, metric: Metric, value: i64) {
        self.0.insert(metric, value);
    }
    pub fn add(&mut self, metric: Metric, value: i64) {
        *self.0.entry(metric).or_insert(0) += value;
    }
    pub fn get(&self, metric: Metric) -> i64 {
        self.0.get(&metric).copied().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_difference_of_two_contributions_applies_only_what_changed() {
        let mut before = Contributions::default();
        before.add(d("2026-11-20"), Metric::CsatResponses, 1);
        before.add(d("2026-11-20"), Metric::CsatSatisfied, 1);
        let mut after = Contributions::default();
        after.add(d("2026-11-20"), Metric::CsatResponses, 1);
        after.add(d("2026-11-21"), Metric::CsatSent, 1);
        let delta = after.minus(&before);
        assert_eq!(delta.get(d("2026-11-20"), Metric::CsatResponses), 0);
        assert_eq!(delta.get(d("2026-11-20"), Metric::CsatSatisfied), -1);
        assert_eq!(delta.get(d("2026-11-21"), Metric::CsatSent), 1);
        assert_eq!(delta.iter().count(), 2);
    }

    #[test]
    fn metric_names_round_trip() {
        for m in Metric::ALL {
            assert_eq!(Metric::from_name(m.name()), Some(*m));
        }
    }
}
