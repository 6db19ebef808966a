//! KPI counters: what each customer contributes to each day.
//!
//! Every KPI of SPEC 7 is built from these integer counters, so the
//! aggregates are exact sums that can be kept incrementally: a customer's
//! contribution is recomputed from its history and only the difference is
//! applied. Metrics ending in `_delta` are day-over-day changes of a level
//! (backlog, open escalations); a day's level is the sum of all deltas up to
//! and including that day (the stores keep monthly running totals so that
//! reading it costs the same whatever the age of the data).
//!
//! Beside the business's totals, each agent has a few counters of their
//! own ([`AgentMetric`]): the managers' table per agent.

use super::ids::AgentId;
use chrono::{Datelike, NaiveDate};
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
    LowScores => "low_scores",
    ReachedInTime => "reached_in_time",
    Recovered => "recovered",
    ActiveDelta => "active_delta",
    NewCustomers => "new_customers",
    WonBack => "won_back",
    Churned => "churned",
}

impl Metric {
    /// Levels kept as day-over-day deltas (read as a running sum).
    pub fn is_delta(self) -> bool {
        matches!(
            self,
            Metric::BacklogDelta | Metric::EscalationsOpenDelta | Metric::ActiveDelta
        )
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

/// One agent's counter of one day (the managers' table per agent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AgentMetric {
    /// Attempts the agent made (outcomes recorded), by the outcome's day.
    Calls,
    /// Calls the agent reached, by the outcome's day.
    Reached,
    /// Of those, the customer said satisfied.
    Satisfied,
    /// Calls whose deadline falls on the day, by the agent of their last
    /// booking (`None`: no agent speaks the customer's language).
    Due,
    /// Of those, reached at or before the deadline.
    OnTime,
    /// Priority calls (for a low score) the agent reached, by the
    /// outcome's day.
    PriorityReached,
    /// Of those, the low scores they recovered (SPEC 7 `recovery`:
    /// reached within the priority deadline, and satisfied).
    Recovered,
}

impl AgentMetric {
    pub const ALL: &'static [AgentMetric] = &[
        AgentMetric::Calls,
        AgentMetric::Reached,
        AgentMetric::Satisfied,
        AgentMetric::Due,
        AgentMetric::OnTime,
        AgentMetric::PriorityReached,
        AgentMetric::Recovered,
    ];
    pub fn name(self) -> &'static str {
        match self {
            AgentMetric::Calls => "calls",
            AgentMetric::Reached => "reached",
            AgentMetric::Satisfied => "satisfied",
            AgentMetric::Due => "due",
            AgentMetric::OnTime => "on_time",
            AgentMetric::PriorityReached => "priority_reached",
            AgentMetric::Recovered => "recovered",
        }
    }
    fn from_name(name: &str) -> Option<AgentMetric> {
        AgentMetric::ALL.iter().copied().find(|m| m.name() == name)
    }
}

/// What one stored counter counts: a business-wide [`Metric`], or an
/// agent's [`AgentMetric`] (`None`: the unassigned calls).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum Counter {
    Total(Metric),
    Agent(AgentMetric, Option<AgentId>),
}

impl Counter {
    /// The stored name: the metric's (`csat_responses`, as before agents
    /// had counters), or `agent:{metric}:{agent id}` (empty id: unassigned).
    pub fn name(&self) -> String {
        match self {
            Counter::Total(m) => m.name().to_string(),
            Counter::Agent(m, agent) => format!(
                "agent:{}:{}",
                m.name(),
                agent.as_ref().map(AgentId::as_str).unwrap_or("")
            ),
        }
    }

    pub fn from_name(name: &str) -> Option<Counter> {
        let Some(rest) = name.strip_prefix("agent:") else {
            return Metric::from_name(name).map(Counter::Total);
        };
        let (metric, agent) = rest.split_once(':')?;
        let agent = match agent {
            "" => None,
            id => Some(AgentId::parse(id).ok()?),
        };
        Some(Counter::Agent(AgentMetric::from_name(metric)?, agent))
    }

    /// A level kept as day-over-day deltas.
    pub fn is_delta(&self) -> bool {
        matches!(self, Counter::Total(m) if m.is_delta())
    }
}

impl From<Counter> for String {
    fn from(c: Counter) -> String {
        c.name()
    }
}

impl TryFrom<String> for Counter {
    type Error = String;
    fn try_from(s: String) -> Result<Counter, String> {
        Counter::from_name(&s).ok_or_else(|| format!("unknown counter {s:?}"))
    }
}

/// Counter values by day and counter. Zero entries are never stored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contributions(BTreeMap<NaiveDate, BTreeMap<Counter, i64>>);

impl Contributions {
    pub fn add(&mut self, day: NaiveDate, metric: Metric, value: i64) {
        self.add_counter(day, Counter::Total(metric), value);
    }

    pub fn add_agent(
        &mut self,
        day: NaiveDate,
        metric: AgentMetric,
        agent: Option<&AgentId>,
        value: i64,
    ) {
        self.add_counter(day, Counter::Agent(metric, agent.cloned()), value);
    }

    pub fn add_counter(&mut self, day: NaiveDate, counter: Counter, value: i64) {
        if value == 0 {
            return;
        }
        let day_map = self.0.entry(day).or_default();
        let v = day_map.entry(counter.clone()).or_insert(0);
        *v += value;
        if *v == 0 {
            day_map.remove(&counter);
            if day_map.is_empty() {
                self.0.remove(&day);
            }
        }
    }

    pub fn get(&self, day: NaiveDate, metric: Metric) -> i64 {
        self.get_counter(day, &Counter::Total(metric))
    }

    pub fn get_counter(&self, day: NaiveDate, counter: &Counter) -> i64 {
        self.0
            .get(&day)
            .and_then(|m| m.get(counter))
            .copied()
            .unwrap_or(0)
    }

    /// `self - before`: what must be added to the shared counters.
    pub fn minus(&self, before: &Contributions) -> Contributions {
        let mut out = self.clone();
        for (day, counters) in &before.0 {
            for (c, v) in counters {
                out.add_counter(*day, c.clone(), -v);
            }
        }
        out
    }

    pub fn merge(&mut self, other: &Contributions) {
        for (day, counter, v) in other.iter() {
            self.add_counter(day, counter.clone(), v);
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (NaiveDate, &Counter, i64)> + '_ {
        self.0
            .iter()
            .flat_map(|(d, m)| m.iter().map(move |(k, v)| (*d, k, *v)))
    }

    pub fn days(&self) -> impl Iterator<Item = (NaiveDate, &BTreeMap<Counter, i64>)> {
        self.0.iter().map(|(d, m)| (*d, m))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// One day's counters as read back from a store: plain counters for the
/// day, and delta metrics already summed up to and including the day.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DayCounters(BTreeMap<Counter, i64>);

impl DayCounters {
    pub fn set(&mut self, metric: Metric, value: i64) {
        self.0.insert(Counter::Total(metric), value);
    }
    pub fn add(&mut self, metric: Metric, value: i64) {
        self.add_counter(Counter::Total(metric), value);
    }
    pub fn add_counter(&mut self, counter: Counter, value: i64) {
        *self.0.entry(counter).or_insert(0) += value;
    }
    pub fn get(&self, metric: Metric) -> i64 {
        self.0.get(&Counter::Total(metric)).copied().unwrap_or(0)
    }

    pub fn into_counters(self) -> impl Iterator<Item = (Counter, i64)> {
        self.0.into_iter()
    }

    /// Each agent's counters (`None`: unassigned calls), by agent.
    pub fn agents(&self) -> BTreeMap<Option<AgentId>, BTreeMap<AgentMetric, i64>> {
        let mut out: BTreeMap<Option<AgentId>, BTreeMap<AgentMetric, i64>> = BTreeMap::new();
        for (c, v) in &self.0 {
            if let Counter::Agent(m, agent) = c {
                *out.entry(agent.clone()).or_default().entry(*m).or_insert(0) += v;
            }
        }
        out
    }
}

/// What a store reads for the days `from..=to`, put together: each day's
/// plain counters, plus each level as the sum of the months before
/// `from`'s month (`levels_before`) and the day deltas from the first of
/// that month on (`level_days`, any days up to `to`).
pub fn assemble_days(
    from: NaiveDate,
    to: NaiveDate,
    mut plain: BTreeMap<NaiveDate, DayCounters>,
    levels_before: BTreeMap<Counter, i64>,
    level_days: &BTreeMap<NaiveDate, BTreeMap<Counter, i64>>,
) -> Vec<DayCounters> {
    let mut level = levels_before;
    let mut deltas = level_days.iter().peekable();
    let mut out = Vec::new();
    for day in from.iter_days().take_while(|d| *d <= to) {
        while let Some((_, counters)) = deltas.next_if(|(d, _)| **d <= day) {
            for (c, v) in counters {
                *level.entry(c.clone()).or_insert(0) += v;
            }
        }
        let mut counters = plain.remove(&day).unwrap_or_default();
        counters.0.retain(|c, _| !c.is_delta());
        for m in Metric::ALL.iter().filter(|m| m.is_delta()) {
            counters.set(*m, level.get(&Counter::Total(*m)).copied().unwrap_or(0));
        }
        out.push(counters);
    }
    out
}

/// The first day of `day`'s month, where a store's month totals start.
pub fn month_start(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
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
        let agent = AgentId::parse("a-1").unwrap();
        for m in AgentMetric::ALL {
            for who in [Some(agent.clone()), None] {
                let c = Counter::Agent(*m, who);
                assert_eq!(Counter::from_name(&c.name()), Some(c));
            }
        }
        assert_eq!(
            Counter::from_name("agent:calls:"),
            Some(Counter::Agent(AgentMetric::Calls, None))
        );
        assert_eq!(Counter::from_name("agent:nope:a-1"), None);
    }

    #[test]
    fn levels_are_the_months_before_plus_the_days_of_the_month_so_far() {
        let backlog = Counter::Total(Metric::BacklogDelta);
        let before = BTreeMap::from([(backlog.clone(), 5)]);
        let mut days = BTreeMap::new();
        days.insert(d("2026-11-01"), BTreeMap::from([(backlog.clone(), 2)]));
        days.insert(d("2026-11-03"), BTreeMap::from([(backlog.clone(), -4)]));
        let mut plain = BTreeMap::new();
        let mut third = DayCounters::default();
        third.set(Metric::Purchases, 7);
        plain.insert(d("2026-11-03"), third);
        let out = assemble_days(d("2026-11-02"), d("2026-11-04"), plain, before, &days);
        let levels: Vec<i64> = out.iter().map(|c| c.get(Metric::BacklogDelta)).collect();
        assert_eq!(levels, [7, 3, 3]);
        assert_eq!(out[1].get(Metric::Purchases), 7);
        assert_eq!(month_start(d("2026-11-20")), d("2026-11-01"));
    }

    #[test]
    fn contributions_stored_before_agent_counters_still_load() {
        let old = r#"{"2026-11-20":{"csat_responses":1,"backlog_delta":-1}}"#;
        let c: Contributions = serde_json::from_str(old).unwrap();
        assert_eq!(c.get(d("2026-11-20"), Metric::CsatResponses), 1);
        assert_eq!(c.get(d("2026-11-20"), Metric::BacklogDelta), -1);
    }
}
