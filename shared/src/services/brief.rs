//! The managers' morning brief (SPEC 8): one day's KPIs against the day
//! before and the week, the 28-day trend, the per-agent table, and what
//! needs a manager today (open escalations, calls at risk, the latest
//! detractor comments), plus which earlier days late events revised since
//! the last email. Every read is bounded: one range read of 28 days, the
//! boards, and one history read per listed entry.

use super::{Aftercare, ServiceError};
use crate::domain::boards::Board;
pub use crate::domain::brief::{
    AgentRow, AtRiskItem, Capped, DetractorItem, EscalationCounts, EscalationItem, ManagerBrief,
};
use crate::domain::contact::local_day;
use crate::domain::derive::derive;
use crate::domain::ids::AgentId;
use crate::domain::keys::{stable_hash, CallId, SurveyKey};
use crate::domain::kpi::{AgentMetric, DayCounters};
use crate::domain::report::DailyReport;
use crate::domain::trends::{kpi_lines, recovery_days, RECOVERY_POOL_DAYS};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use std::collections::BTreeMap;

/// Days of the trend picture.
pub const TREND_DAYS: i64 = 28;
/// Detractor comments from this many days back (today included).
const DETRACTOR_DAYS: i64 = 8;
const LISTED_ESCALATIONS: usize = 10;
const LISTED_AT_RISK: usize = 10;
const LISTED_DETRACTORS: usize = 5;

/// The open escalations as the brief lists them.
struct Escalations {
    listed: Capped<EscalationItem>,
    since: Capped<EscalationItem>,
    counts: EscalationCounts,
}

/// What the morning email remembers of the days it showed: a fingerprint
/// of each day's counts (the cohorts' late-rising counts and the active
/// level left out), so the next email can say which days changed.
pub fn day_fingerprints(days: &[DailyReport]) -> BTreeMap<NaiveDate, u64> {
    days.iter()
        .map(|r| {
            let mut r = r.clone();
            r.csat.response_rate = None;
            r.nps.response_rate = None;
            // Recovery is a cohort too: reaches within the window raise it.
            r.recovery.reached_in_time = 0;
            r.recovery.recovered = 0;
            r.recovery.recovery_rate = None;
            // Active customers are a level every later day carries: a late
            // first order is the revision of its own day (`new`), not of
            // each day after it.
            r.customers.active = 0;
            r.customers.churn_rate = None;
            let text = serde_json::to_string(&r).unwrap_or_default();
            (r.date, stable_hash(&text))
        })
        .collect()
}

/// The days whose fingerprint differs from what was shown (days not shown
/// before are new, not revised), oldest first, without `today`.
pub fn revised_days(
    shown: &BTreeMap<NaiveDate, u64>,
    now: &BTreeMap<NaiveDate, u64>,
    reported: NaiveDate,
) -> Vec<NaiveDate> {
    now.iter()
        .filter(|(d, _)| **d < reported)
        .filter(|(d, f)| shown.get(*d).is_some_and(|s| s != *f))
        .map(|(d, _)| *d)
        .collect()
}

/// The last cohort day whose recovery windows have all closed by `now`
/// (its end plus the priority deadline), and never after `day`.
pub fn recovery_closed_through(
    day: NaiveDate,
    tz: Tz,
    now: DateTime<Utc>,
    priority_deadline: Duration,
) -> NaiveDate {
    let cutoff = now
        .checked_sub_signed(priority_deadline)
        .unwrap_or(DateTime::<Utc>::MIN_UTC);
    // A day D is closed when the start of D + 1 is at or before the cutoff.
    let closed = local_day(tz, cutoff).pred_opt().unwrap_or(NaiveDate::MIN);
    closed.min(day)
}

impl Aftercare {
    /// The KPIs of each day from `from` to `to` (a range read: its cost
    /// grows with the days asked for, not with the data).
    pub async fn reports(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<DailyReport>, ServiceError> {
        let counters = self.store.days(from, to).await?;
        Ok(self.reports_of(from, &counters))
    }

    fn reports_of(&self, from: NaiveDate, counters: &[DayCounters]) -> Vec<DailyReport> {
        let tz = self.settings.policy.report_time_zone.name();
        counters
            .iter()
            .zip(from.iter_days())
            .map(|(c, d)| DailyReport::from_counters(d, tz, c))
            .collect()
    }

    /// The brief for `day`, as of `now`; `shown` is what the last email
    /// showed ([`day_fingerprints`]), for the revised-days line.
    pub async fn manager_brief(
        &self,
        day: NaiveDate,
        now: DateTime<Utc>,
        shown: &BTreeMap<NaiveDate, u64>,
    ) -> Result<ManagerBrief, ServiceError> {
        let tz = self.settings.policy.report_time_zone;
        let recovery_through = recovery_closed_through(
            day,
            tz,
            now,
            self.settings.policy.callbacks.priority_deadline,
        );
        // The recovery figure compares 7 closed cohort days with the 7
        // before them: read back far enough for both.
        let from = (day - Duration::days(TREND_DAYS - 1))
            .min(recovery_through - Duration::days(2 * RECOVERY_POOL_DAYS - 1));
        // One range read: the trend's reports, and the day's own counters
        // (with the agents') as its last.
        let range = self.store.days(from, day).await?;
        let all_days = self.reports_of(from, &range);
        let counters = range.last().cloned().unwrap_or_default();
        let days = all_days[all_days.len().saturating_sub(TREND_DAYS as usize)..].to_vec();
        let roster = self.agents().await?;
        let names: BTreeMap<&AgentId, &str> =
            roster.iter().map(|a| (&a.id, a.name.as_str())).collect();
        let mut agents: Vec<AgentRow> = Vec::new();
        let by_agent = counters.agents();
        let mut ids: Vec<Option<AgentId>> = roster.iter().map(|a| Some(a.id.clone())).collect();
        let others: Vec<Option<AgentId>> = by_agent
            .keys()
            .filter(|k| !ids.contains(k))
            .cloned()
            .collect();
        ids.extend(others);
        for id in ids {
            let c = by_agent.get(&id).cloned().unwrap_or_default();
            let get = |m| c.get(&m).copied().unwrap_or(0);
            let row = AgentRow {
                agent: id.map(|id| {
                    let name = names
                        .get(&id)
                        .map(|n| n.to_string())
                        .unwrap_or_else(|| id.to_string());
                    (id, name)
                }),
                calls: get(AgentMetric::Calls),
                reached: get(AgentMetric::Reached),
                satisfied: get(AgentMetric::Satisfied),
                due: get(AgentMetric::Due),
                on_time: get(AgentMetric::OnTime),
                priority_reached: get(AgentMetric::PriorityReached),
                recovered: get(AgentMetric::Recovered),
            };
            // The unassigned row only when there is something in it.
            let empty = row.calls == 0 && row.due == 0;
            if row.agent.is_some() || !empty {
                agents.push(row);
            }
        }
        let fingerprints = day_fingerprints(&days);
        let open_at_day_end = days
            .last()
            .map_or(0, |r| r.callbacks.escalations_open.max(0) as usize);
        let escalations = self.listed_escalations(day, now, open_at_day_end).await?;
        Ok(ManagerBrief {
            day,
            time_zone: tz,
            kpis: kpi_lines(&all_days, recovery_through),
            recovery_days: recovery_days(recovery_through),
            revised: revised_days(shown, &fingerprints, day),
            days,
            agents,
            escalations: escalations.listed,
            new_escalations: escalations.since,
            escalation_counts: escalations.counts,
            at_risk: self.listed_at_risk(now, &names).await?,
            detractors: self.listed_detractors(now, tz).await?,
            no_agents: roster.is_empty(),
        })
    }

    fn customer_name(h: Option<&crate::domain::history::History>, fallback: &str) -> String {
        h.and_then(|h| h.latest_profile().and_then(|p| p.name.clone()))
            .unwrap_or_else(|| fallback.to_string())
    }

    /// The brief as the morning email after `day` would show it (at the
    /// report hour of the next day), for report pages: the lists as they
    /// stand, without what was opened after that morning.
    pub async fn brief_for_day(&self, day: NaiveDate) -> Result<ManagerBrief, ServiceError> {
        let tz = self.settings.policy.report_time_zone;
        let hour = chrono::NaiveTime::from_hms_opt(self.settings.business.report_hour, 0, 0)
            .unwrap_or(chrono::NaiveTime::MIN);
        let morning = crate::domain::contact::local_to_utc(tz, day + Duration::days(1), hour);
        self.manager_brief(day, morning, &BTreeMap::new()).await
    }

    /// The escalations still open at `now`: those opened by the end of
    /// `day`, oldest first, under the KPI card's figure (less those
    /// resolved since midnight), and apart from them those opened since,
    /// so that the list and the card give one figure.
    async fn listed_escalations(
        &self,
        day: NaiveDate,
        now: DateTime<Utc>,
        open_at_day_end: usize,
    ) -> Result<Escalations, ServiceError> {
        let tz = self.settings.policy.report_time_zone;
        let day_end = crate::domain::contact::local_to_utc(
            tz,
            day + Duration::days(1),
            chrono::NaiveTime::MIN,
        );
        let target = self.settings.policy.callbacks.escalation_target;
        // One read of the index: the counts, then the oldest listed.
        let (by_day_end, since): (Vec<_>, Vec<_>) = self
            .store
            .open_escalations(usize::MAX)
            .await?
            .into_iter()
            .filter(|e| e.opened_at <= now)
            .partition(|e| e.opened_at < day_end);
        let total = by_day_end.len();
        let overdue = by_day_end
            .iter()
            .filter(|e| now - e.opened_at > target)
            .count();
        // The card counts from the day's counters, the list from the index:
        // a card behind the index (a count not yet applied) shows the list's.
        let counts = EscalationCounts {
            open_at_day_end: open_at_day_end.max(total),
            resolved_since: open_at_day_end.saturating_sub(total),
            overdue,
            target,
            time_to_resolve: self.time_to_resolve(day, now).await?,
        };
        let mut lists = Vec::new();
        for open in [by_day_end, since] {
            let total = open.len();
            let mut items = Vec::new();
            for e in open.into_iter().take(LISTED_ESCALATIONS) {
                let e = self.escalation_summary(e).await?;
                let age = now - e.opened_at;
                items.push(EscalationItem {
                    name: e.name.unwrap_or_else(|| e.call.customer().to_string()),
                    since: e.opened_at,
                    age,
                    overdue: age > target,
                    owner: e.owner,
                    notes: e.notes,
                    url: self.escalation_url(&e.call, now),
                });
            }
            lists.push(Capped { items, total });
        }
        let since = lists.pop().unwrap_or(Capped {
            items: Vec::new(),
            total: 0,
        });
        let listed = lists.pop().unwrap_or(Capped {
            items: Vec::new(),
            total: 0,
        });
        Ok(Escalations {
            listed,
            since,
            counts,
        })
    }

    /// Open calls at risk whose deadline is still ahead, soonest first.
    async fn listed_at_risk(
        &self,
        now: DateTime<Utc>,
        names: &BTreeMap<&AgentId, &str>,
    ) -> Result<Capped<AtRiskItem>, ServiceError> {
        let entries: Vec<_> = self
            .store
            .board(Board::AtRisk)
            .await?
            .into_iter()
            .filter(|e| e.at >= now)
            .collect();
        let mut items = Vec::new();
        for e in entries.iter().take(LISTED_AT_RISK) {
            let h = self.store.load(&e.customer).await?;
            let agent = match (&h, e.item.parse::<CallId>()) {
                (Some(h), Ok(call_id)) => {
                    let derived = derive(h, &self.settings.policy);
                    derived.call(&call_id).and_then(|call| {
                        h.facts
                            .booking_of(&call.attempt_key(call.next_attempt_number()))
                            .and_then(|b| b.agent.clone())
                    })
                }
                _ => None,
            };
            items.push(AtRiskItem {
                name: Self::customer_name(h.as_ref(), e.customer.as_str()),
                deadline: e.at,
                agent: agent.map(|a| {
                    names
                        .get(&a)
                        .map(|n| n.to_string())
                        .unwrap_or_else(|| a.to_string())
                }),
            });
        }
        Ok(Capped {
            items,
            total: entries.len(),
        })
    }

    /// The latest detractor comments, newest first, from the last days'
    /// boards (today's included: what came in overnight).
    async fn listed_detractors(
        &self,
        now: DateTime<Utc>,
        tz: Tz,
    ) -> Result<Capped<DetractorItem>, ServiceError> {
        let today = local_day(tz, now);
        let mut entries = Vec::new();
        for back in 0..DETRACTOR_DAYS {
            entries.extend(
                self.store
                    .board(Board::Detractors(today - Duration::days(back)))
                    .await?
                    .into_iter()
                    .filter(|e| e.at <= now),
            );
        }
        entries.sort_by(|a, b| (b.at, &b.item).cmp(&(a.at, &a.item)));
        let mut items = Vec::new();
        for e in entries.iter().take(LISTED_DETRACTORS) {
            let Ok(key) = e.item.parse::<SurveyKey>() else {
                continue;
            };
            let h = self.store.load(&e.customer).await?;
            let Some(history) = &h else { continue };
            let derived = derive(history, &self.settings.policy);
            let Some(a) = derived.answers.get(&key) else {
                continue;
            };
            items.push(DetractorItem {
                name: Self::customer_name(h.as_ref(), e.customer.as_str()),
                score: a.current,
                subject: key.subject().clone(),
                comment: a.current_comment.clone().unwrap_or_default(),
                at: a.current_at,
            });
        }
        Ok(Capped {
            items,
            total: entries.len(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::kpi::Metric;

    #[test]
    fn a_day_is_revised_when_its_counts_changed_but_not_when_only_late_answers_came() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let mut c = crate::domain::kpi::DayCounters::default();
        c.set(Metric::Purchases, 3);
        c.set(Metric::CsatSent, 4);
        let before = vec![
            DailyReport::from_counters(d("2026-11-19"), "UTC", &c),
            DailyReport::from_counters(d("2026-11-20"), "UTC", &c),
        ];
        let shown = day_fingerprints(&before);
        let mut late_answers = c.clone();
        late_answers.set(Metric::CsatAnsweredOfSent, 2);
        let mut late_order = c.clone();
        late_order.set(Metric::Purchases, 4);
        let after = vec![
            DailyReport::from_counters(d("2026-11-19"), "UTC", &late_answers),
            DailyReport::from_counters(d("2026-11-20"), "UTC", &late_order),
            DailyReport::from_counters(d("2026-11-21"), "UTC", &c),
        ];
        let now = day_fingerprints(&after);
        assert_eq!(
            revised_days(&shown, &now, d("2026-11-21")),
            vec![d("2026-11-20")]
        );
        assert!(revised_days(&shown, &now, d("2026-11-20")).is_empty());
    }
}
