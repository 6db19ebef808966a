//! The managers' morning brief as plain data (SPEC 8): what the service
//! gathers (`services::brief`) and the email and the report page show
//! (`mail::render::report`), in neither's terms.

use super::event::{Score, SurveyFor};
use super::ids::AgentId;
use super::report::DailyReport;
use super::trends::KpiLine;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;

/// A list cut to what one screen holds, with how many there are in all.
#[derive(Debug, Clone, PartialEq)]
pub struct Capped<T> {
    pub items: Vec<T>,
    pub total: usize,
}

impl<T> Capped<T> {
    pub fn more(&self) -> usize {
        self.total.saturating_sub(self.items.len())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct EscalationItem {
    pub name: String,
    pub since: DateTime<Utc>,
    /// How long it has waited, as of the brief.
    pub age: Duration,
    /// Older than the target time to resolve.
    pub overdue: bool,
    /// The manager who took it, if one did.
    pub owner: Option<String>,
    pub notes: Option<String>,
    /// The signed link to resolve it.
    pub url: String,
}

/// The open escalations in one figure: the KPI card's (open at the end of
/// the day reported, SPEC 7 `escalations_open`), of which some were
/// resolved since midnight; the rest are listed, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct EscalationCounts {
    pub open_at_day_end: usize,
    pub resolved_since: usize,
    /// Of those still open, the ones older than `target`.
    pub overdue: usize,
    pub target: Duration,
    /// Over the 7 days ending with the day reported.
    pub time_to_resolve: Option<TimeToResolve>,
}

/// How long managers took to resolve escalations: the median from the
/// reach that opened each to its resolution, over a week's resolutions.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimeToResolve {
    pub median: Duration,
    pub resolutions: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AtRiskItem {
    pub name: String,
    pub deadline: DateTime<Utc>,
    /// The agent's name; `None`: unassigned.
    pub agent: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DetractorItem {
    pub name: String,
    pub score: Score,
    pub subject: SurveyFor,
    pub comment: String,
    pub at: DateTime<Utc>,
}

/// One row of the per-agent table.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentRow {
    /// `None`: calls no agent could take.
    pub agent: Option<(AgentId, String)>,
    pub calls: i64,
    pub reached: i64,
    pub satisfied: i64,
    pub due: i64,
    pub on_time: i64,
    /// Priority calls (for a low score) reached, and of those the ones
    /// that recovered it (SPEC 7 `recovery`).
    pub priority_reached: i64,
    pub recovered: i64,
}

impl AgentRow {
    /// On-time rate in percent; `None` with nothing due.
    pub fn on_time_rate(&self) -> Option<f64> {
        (self.due > 0).then(|| self.on_time as f64 / self.due as f64 * 100.0)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ManagerBrief {
    /// The day reported (yesterday, for the morning email).
    pub day: NaiveDate,
    pub time_zone: Tz,
    /// The trend's days, oldest first, ending with `day`.
    pub days: Vec<DailyReport>,
    pub kpis: Vec<KpiLine>,
    /// The cohort days the recovery figure pools (first, last).
    pub recovery_days: (NaiveDate, NaiveDate),
    pub agents: Vec<AgentRow>,
    /// Still open, opened by the end of the day: oldest first.
    pub escalations: Capped<EscalationItem>,
    pub escalation_counts: EscalationCounts,
    /// Opened since midnight (each had its own alert), oldest first.
    pub new_escalations: Capped<EscalationItem>,
    pub at_risk: Capped<AtRiskItem>,
    pub detractors: Capped<DetractorItem>,
    /// Earlier days whose figures changed since the last email.
    pub revised: Vec<NaiveDate>,
    pub no_agents: bool,
}

impl ManagerBrief {
    pub fn report(&self) -> Option<&DailyReport> {
        self.days.last()
    }
}
