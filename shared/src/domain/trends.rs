//! Yesterday against the day before and the 7 days before it (SPEC 8):
//! the manager email's comparisons, each worded by whether it lies beyond
//! the margin of error. Pure: built from the days' reports.
//!
//! - CSAT compares two proportions: the change is clear when Newcombe's
//!   interval of the difference (from both sides' Wilson intervals)
//!   excludes zero.
//! - NPS: clear when the change exceeds both margins of error combined,
//!   sqrt(m1² + m2²), each margin computed with one answer of each kind
//!   added ([`nps_comparison_margin`]) so that a few answers of one kind
//!   (whose plain margin is 0) are not taken for certainty.
//! - Callbacks, tickets and purchases are counted, not sampled: every
//!   change is a change.
//!
//! The 7-day figure pools the seven days before yesterday: rates and scores
//! over all their answers (or calls, tickets), counts as a mean per day.
//!
//! Recovery is a cohort whose days stay open for the priority deadline
//! after them, so its headline is the rate pooled over the last 7 days
//! whose windows have closed, against the same 7 days one day earlier and
//! the 7 before them, worded against Newcombe's interval like CSAT.

use super::report::DailyReport;
use super::stats::{
    newcombe_difference, nps_comparison_margin, nps_difference_margin, wilson_interval,
};
use chrono::{Duration, NaiveDate};

/// The headline figures, in the email's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kpi {
    Csat,
    Nps,
    OnTime,
    Reached,
    EscalationsOpen,
    AtRisk,
    Orders,
    TicketsClosed,
    ResolutionRate,
    Backlog,
    SurveyResponses,
    Unsubscribes,
    Recovery,
    ActiveCustomers,
    NewCustomers,
    WonBack,
    Churned,
}

impl Kpi {
    pub const ALL: &'static [Kpi] = &[
        Kpi::Csat,
        Kpi::Nps,
        Kpi::OnTime,
        Kpi::Recovery,
        Kpi::Reached,
        Kpi::EscalationsOpen,
        Kpi::AtRisk,
        Kpi::Orders,
        Kpi::TicketsClosed,
        Kpi::ResolutionRate,
        Kpi::Backlog,
        Kpi::SurveyResponses,
        Kpi::ActiveCustomers,
        Kpi::NewCustomers,
        Kpi::WonBack,
        Kpi::Churned,
        Kpi::Unsubscribes,
    ];

    /// Rates and scores change in points; counts in units.
    pub fn in_points(self) -> bool {
        matches!(
            self,
            Kpi::Csat | Kpi::Nps | Kpi::OnTime | Kpi::ResolutionRate | Kpi::Recovery
        )
    }

    /// Whether a rise is good news (for the colour of the change).
    pub fn higher_is_better(self) -> bool {
        !matches!(
            self,
            Kpi::EscalationsOpen | Kpi::AtRisk | Kpi::Backlog | Kpi::Unsubscribes | Kpi::Churned
        )
    }
}

/// How a figure moved against a baseline.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Change {
    /// One side has no figure (no answers, no calls due).
    Unknown,
    Same,
    Up(f64),
    Down(f64),
    /// Within the margin of error: not called a change.
    Unclear {
        by: f64,
        margin: f64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Comparison {
    pub base: Option<f64>,
    pub change: Change,
}

/// One headline figure of yesterday, with its comparisons.
#[derive(Debug, Clone, PartialEq)]
pub struct KpiLine {
    pub kpi: Kpi,
    /// Scores and rates in percent (NPS from −100 to 100), counts as such.
    pub value: Option<f64>,
    /// What the figure is out of: answers, calls due, tickets closed.
    pub out_of: Option<i64>,
    /// CSAT: the Wilson interval, in percent.
    pub ci95: Option<[f64; 2]>,
    /// NPS: the margin of error, in points.
    pub margin: Option<f64>,
    pub vs_day_before: Comparison,
    pub vs_week: Comparison,
}

/// Pooled counts of a set of days, enough for every figure.
#[derive(Debug, Clone, Copy, Default)]
struct Pool {
    days: i64,
    csat_satisfied: i64,
    csat_n: i64,
    promoters: i64,
    detractors: i64,
    nps_n: i64,
    on_time: i64,
    due: i64,
    reached: i64,
    escalations_open: i64,
    at_risk: i64,
    orders: i64,
    closed: i64,
    resolved: i64,
    backlog: i64,
    responses: i64,
    unsubscribes: i64,
    low_scores: i64,
    recovered: i64,
    active: i64,
    new: i64,
    won_back: i64,
    churned: i64,
}

impl Pool {
    fn of(days: &[DailyReport]) -> Pool {
        let mut p = Pool::default();
        for r in days {
            p.days += 1;
            p.csat_satisfied += r.csat.satisfied;
            p.csat_n += r.csat.responses;
            p.promoters += r.nps.promoters;
            p.detractors += r.nps.detractors;
            p.nps_n += r.nps.responses;
            p.on_time += r.callbacks.completed_on_time;
            p.due += r.callbacks.due;
            p.reached += r.callbacks.reached;
            p.escalations_open += r.callbacks.escalations_open;
            p.at_risk += r.callbacks.at_risk;
            p.orders += r.purchases.count;
            p.closed += r.tickets.closed;
            p.resolved += r.tickets.resolved;
            p.backlog += r.tickets.backlog;
            p.responses += r.csat.responses + r.nps.responses;
            p.unsubscribes += r.unsubscribes;
            p.low_scores += r.recovery.low_scores;
            p.recovered += r.recovery.recovered;
            p.active += r.customers.active;
            p.new += r.customers.new;
            p.won_back += r.customers.won_back;
            p.churned += r.customers.churned;
        }
        p
    }

    fn share(num: i64, den: i64) -> Option<f64> {
        (den > 0).then(|| num as f64 / den as f64 * 100.0)
    }

    /// A count as a mean per day.
    fn mean(&self, total: i64) -> Option<f64> {
        (self.days > 0).then(|| total as f64 / self.days as f64)
    }

    fn nps(&self) -> Option<f64> {
        Pool::share(self.promoters - self.detractors, self.nps_n)
    }

    /// The margin a comparison uses ([`nps_comparison_margin`]: never 0
    /// for a handful of answers of one kind).
    fn nps_margin(&self) -> Option<f64> {
        nps_comparison_margin(u(self.promoters), u(self.detractors), u(self.nps_n))
    }

    fn value(&self, kpi: Kpi) -> Option<f64> {
        match kpi {
            Kpi::Csat => Pool::share(self.csat_satisfied, self.csat_n),
            Kpi::Nps => self.nps(),
            Kpi::OnTime => Pool::share(self.on_time, self.due),
            Kpi::ResolutionRate => Pool::share(self.resolved, self.closed),
            Kpi::Reached => self.mean(self.reached),
            Kpi::EscalationsOpen => self.mean(self.escalations_open),
            Kpi::AtRisk => self.mean(self.at_risk),
            Kpi::Orders => self.mean(self.orders),
            Kpi::TicketsClosed => self.mean(self.closed),
            Kpi::Backlog => self.mean(self.backlog),
            Kpi::SurveyResponses => self.mean(self.responses),
            Kpi::Unsubscribes => self.mean(self.unsubscribes),
            Kpi::Recovery => Pool::share(self.recovered, self.low_scores),
            Kpi::ActiveCustomers => self.mean(self.active),
            Kpi::NewCustomers => self.mean(self.new),
            Kpi::WonBack => self.mean(self.won_back),
            Kpi::Churned => self.mean(self.churned),
        }
    }
}

fn u(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

/// A change too small to show at one decimal is no change.
const SAME_BELOW: f64 = 0.05;

fn plain_change(value: Option<f64>, base: Option<f64>) -> Change {
    match (value, base) {
        (Some(v), Some(b)) if (v - b).abs() < SAME_BELOW => Change::Same,
        (Some(v), Some(b)) if v > b => Change::Up(v - b),
        (Some(v), Some(b)) => Change::Down(b - v),
        _ => Change::Unknown,
    }
}

/// `by` beyond `margin` is a change; within it, it is not called one;
/// none at all (at one decimal) is no change.
fn against_margin(by: f64, margin: f64) -> Change {
    if by.abs() < SAME_BELOW {
        Change::Same
    } else if by.abs() > margin {
        if by > 0.0 {
            Change::Up(by)
        } else {
            Change::Down(-by)
        }
    } else {
        Change::Unclear { by, margin }
    }
}

fn csat_change(now: &Pool, base: &Pool) -> Change {
    share_change(
        (now.csat_satisfied, now.csat_n),
        (base.csat_satisfied, base.csat_n),
    )
}

/// Two shares (successes, trials) compared: clear iff Newcombe's interval
/// of the difference excludes zero.
fn share_change(now: (i64, i64), base: (i64, i64)) -> Change {
    match newcombe_difference(u(now.0), u(now.1), u(base.0), u(base.1)) {
        // The margin on the side the change went: clear iff the interval
        // of the difference excludes zero.
        Some((d, low, high)) => {
            let margin = if d >= 0.0 { d - low } else { high - d };
            against_margin(d * 100.0, margin * 100.0)
        }
        None => Change::Unknown,
    }
}

fn nps_change(now: &Pool, base: &Pool) -> Change {
    match (now.nps(), base.nps(), now.nps_margin(), base.nps_margin()) {
        (Some(v), Some(b), Some(m1), Some(m2)) => {
            against_margin(v - b, nps_difference_margin(m1, m2))
        }
        _ => Change::Unknown,
    }
}

fn compare(kpi: Kpi, now: &Pool, base: &Pool) -> Comparison {
    Comparison {
        base: base.value(kpi),
        change: match kpi {
            Kpi::Csat => csat_change(now, base),
            Kpi::Nps => nps_change(now, base),
            Kpi::Recovery => share_change(
                (now.recovered, now.low_scores),
                (base.recovered, base.low_scores),
            ),
            _ => plain_change(now.value(kpi), base.value(kpi)),
        },
    }
}

/// Days a recovery figure pools.
pub const RECOVERY_POOL_DAYS: i64 = 7;

/// The recovery cohort days pooled for a headline whose last closed day
/// is `through`: the seven days ending with it.
pub fn recovery_days(through: NaiveDate) -> (NaiveDate, NaiveDate) {
    (through - Duration::days(RECOVERY_POOL_DAYS - 1), through)
}

/// The headline lines for the last day of `days` (oldest first): against
/// the day before it and the seven days before it. Fewer days compare
/// against what there is. Recovery pools the seven cohort days ending
/// with `recovery_through` (the last whose windows have closed).
pub fn kpi_lines(days: &[DailyReport], recovery_through: NaiveDate) -> Vec<KpiLine> {
    let Some((last, earlier)) = days.split_last() else {
        return Vec::new();
    };
    let now = Pool::of(std::slice::from_ref(last));
    let day_before = Pool::of(&earlier[earlier.len().saturating_sub(1)..]);
    let week = Pool::of(&earlier[earlier.len().saturating_sub(7)..]);
    let pooled = |through: NaiveDate| {
        let (from, to) = recovery_days(through);
        let in_range: Vec<DailyReport> = days
            .iter()
            .filter(|r| r.date >= from && r.date <= to)
            .cloned()
            .collect();
        Pool::of(&in_range)
    };
    let recovery_now = pooled(recovery_through);
    let recovery_line = KpiLine {
        kpi: Kpi::Recovery,
        value: recovery_now.value(Kpi::Recovery),
        out_of: Some(recovery_now.low_scores),
        ci95: wilson_interval(u(recovery_now.recovered), u(recovery_now.low_scores))
            .map(|(lo, hi)| [lo * 100.0, hi * 100.0]),
        margin: None,
        vs_day_before: compare(
            Kpi::Recovery,
            &recovery_now,
            &pooled(recovery_through - Duration::days(1)),
        ),
        vs_week: compare(
            Kpi::Recovery,
            &recovery_now,
            &pooled(recovery_through - Duration::days(RECOVERY_POOL_DAYS)),
        ),
    };
    Kpi::ALL
        .iter()
        .map(|&kpi| {
            if kpi == Kpi::Recovery {
                recovery_line.clone()
            } else {
                KpiLine {
                    kpi,
                    value: now.value(kpi),
                    out_of: match kpi {
                        Kpi::Csat => Some(now.csat_n),
                        Kpi::Nps => Some(now.nps_n),
                        Kpi::OnTime => Some(now.due),
                        Kpi::ResolutionRate => Some(now.closed),
                        _ => None,
                    },
                    ci95: (kpi == Kpi::Csat).then_some(last.csat.ci95).flatten(),
                    margin: (kpi == Kpi::Nps)
                        .then_some(last.nps.margin_of_error)
                        .flatten(),
                    vs_day_before: compare(kpi, &now, &day_before),
                    vs_week: compare(kpi, &now, &week),
                }
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::kpi::{DayCounters, Metric};

    fn day(i: u32, set: &[(Metric, i64)]) -> DailyReport {
        let mut c = DayCounters::default();
        for (m, v) in set {
            c.set(*m, *v);
        }
        let date = chrono::NaiveDate::from_ymd_opt(2026, 11, 1 + i).unwrap();
        DailyReport::from_counters(date, "UTC", &c)
    }

    fn line(days: &[DailyReport], kpi: Kpi) -> KpiLine {
        let through = days.last().map(|d| d.date).unwrap();
        kpi_lines(days, through)
            .into_iter()
            .find(|l| l.kpi == kpi)
            .unwrap()
    }

    #[test]
    fn a_csat_change_just_inside_newcombe_s_interval_is_not_called_a_change() {
        // 80 of 100 against 67 of 100 is beyond chance; 80 against 68 is not
        // (Newcombe's lower bound crosses zero between the two).
        let y = day(
            1,
            &[(Metric::CsatResponses, 100), (Metric::CsatSatisfied, 80)],
        );
        for (base, clear) in [(67, true), (68, false)] {
            let b = day(
                0,
                &[(Metric::CsatResponses, 100), (Metric::CsatSatisfied, base)],
            );
            let (d, low, _) = newcombe_difference(80, 100, base as u64, 100).unwrap();
            assert_eq!(low > 0.0, clear, "base {base}: d {d}, low {low}");
            let change = line(&[b, y.clone()], Kpi::Csat).vs_day_before.change;
            match (clear, change) {
                (true, Change::Up(by)) => assert!((by - (80 - base) as f64).abs() < 1e-9),
                (false, Change::Unclear { by, margin }) => assert!(by < margin),
                other => panic!("base {base}: {other:?}"),
            }
        }
    }

    #[test]
    fn an_nps_change_is_clear_only_beyond_both_margins_combined() {
        let y = day(
            1,
            &[
                (Metric::NpsResponses, 100),
                (Metric::NpsPromoters, 60),
                (Metric::NpsDetractors, 10),
            ],
        );
        let b = day(
            0,
            &[
                (Metric::NpsResponses, 100),
                (Metric::NpsPromoters, 40),
                (Metric::NpsDetractors, 20),
            ],
        );
        let l = line(&[b.clone(), y.clone()], Kpi::Nps);
        // 50 − 20 = 30 points; the comparison margins 13.1 and 14.5 combine
        // to 19.6. Against 35 (15 points), 13.1 and 14.1 combine to 19.3.
        assert!(matches!(l.vs_day_before.change, Change::Up(by) if (by - 30.0).abs() < 1e-9));
        let closer = day(
            0,
            &[
                (Metric::NpsResponses, 100),
                (Metric::NpsPromoters, 50),
                (Metric::NpsDetractors, 15),
            ],
        );
        let l = line(&[closer, y], Kpi::Nps);
        assert!(matches!(l.vs_day_before.change, Change::Unclear { by, margin } if by < margin));
    }

    #[test]
    fn a_one_answer_swing_of_100_nps_points_is_no_clear_change() {
        // The plain margins of one passive and of one detractor are both 0.
        let detractor = day(0, &[(Metric::NpsResponses, 1), (Metric::NpsDetractors, 1)]);
        let passive = day(1, &[(Metric::NpsResponses, 1)]);
        let l = line(&[detractor, passive], Kpi::Nps);
        assert_eq!(l.margin, Some(0.0), "the day's own margin is the spec's");
        assert!(
            matches!(l.vs_day_before.change, Change::Unclear { by, margin } if by == 100.0 && margin > 100.0),
            "{:?}",
            l.vs_day_before.change
        );
    }

    #[test]
    fn the_week_pools_the_seven_days_before_yesterday() {
        let mut days: Vec<DailyReport> = (0..8)
            .map(|i| {
                day(
                    i,
                    &[
                        (Metric::CallsDue, 4),
                        (Metric::CallsOnTime, if i == 0 { 0 } else { 3 }),
                        (Metric::Purchases, i as i64),
                    ],
                )
            })
            .collect();
        days.push(day(
            8,
            &[
                (Metric::CallsDue, 4),
                (Metric::CallsOnTime, 4),
                (Metric::Purchases, 10),
            ],
        ));
        let on_time = line(&days, Kpi::OnTime);
        assert_eq!(on_time.value, Some(100.0));
        assert_eq!(on_time.vs_week.base, Some(75.0)); // day 0 is outside the week
        assert!(matches!(on_time.vs_day_before.change, Change::Up(by) if (by - 25.0).abs() < 1e-9));
        let orders = line(&days, Kpi::Orders);
        assert_eq!(orders.vs_week.base, Some(4.0)); // (1 + … + 7) / 7
        assert_eq!(orders.vs_day_before.change, Change::Up(3.0));
        let none = line(&days, Kpi::Csat);
        assert_eq!(none.value, None);
        assert_eq!(none.vs_week.change, Change::Unknown);
    }
}
