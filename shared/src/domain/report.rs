//! The daily KPI report of SPEC 7, computed from a day's counters.

use super::kpi::{DayCounters, Metric as M};
use super::stats::{nps_margin_of_error, wilson_interval};
use chrono::NaiveDate;
use serde::Serialize;
use std::fmt::Write;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DailyReport {
    pub date: NaiveDate,
    pub time_zone: String,
    pub purchases: Purchases,
    pub tickets: Tickets,
    pub callbacks: Callbacks,
    pub csat: Csat,
    pub nps: Nps,
    pub unsubscribes: i64,
    pub recovery: Recovery,
    pub customers: Customers,
}

/// Closing the loop: a cohort by the day the score became low.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recovery {
    pub low_scores: i64,
    pub reached_in_time: i64,
    pub recovered: i64,
    pub recovery_rate: Option<f64>,
}

/// Retention: `active` is a level; the others are the day's moves.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Customers {
    pub active: i64,
    pub new: i64,
    pub won_back: i64,
    pub churned: i64,
    pub churn_rate: Option<f64>,
}

impl Customers {
    /// Active customers at the end of the day before:
    /// active(D − 1) = active(D) − new − won_back + churned.
    pub fn active_day_before(&self) -> i64 {
        self.active - self.new - self.won_back + self.churned
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Purchases {
    pub count: i64,
    pub customers: i64,
    pub repeat_customers: i64,
    pub repeat_rate: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tickets {
    pub opened: i64,
    pub closed: i64,
    pub resolved: i64,
    pub resolution_rate: Option<f64>,
    pub first_contact_resolution_rate: Option<f64>,
    pub avg_first_response_minutes: Option<f64>,
    pub avg_resolution_hours: Option<f64>,
    pub reopened: i64,
    pub backlog: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Callbacks {
    pub scheduled: i64,
    pub merged: i64,
    pub skipped: i64,
    pub attempts: i64,
    pub reached: i64,
    pub satisfied: i64,
    pub neutral: i64,
    pub unsatisfied: i64,
    pub due: i64,
    pub completed_on_time: i64,
    pub on_time_rate: Option<f64>,
    pub at_risk: i64,
    pub escalations_opened: i64,
    pub escalations_open: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Csat {
    pub sent: i64,
    pub throttled: i64,
    pub suppressed: i64,
    pub responses: i64,
    pub satisfied: i64,
    pub score: Option<f64>,
    pub average: Option<f64>,
    pub ci95: Option<[f64; 2]>,
    pub response_rate: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Nps {
    pub sent: i64,
    pub throttled: i64,
    pub suppressed: i64,
    pub responses: i64,
    pub promoters: i64,
    pub passives: i64,
    pub detractors: i64,
    pub score: Option<f64>,
    pub margin_of_error: Option<f64>,
    pub response_rate: Option<f64>,
}

fn ratio(num: i64, den: i64) -> Option<f64> {
    (den != 0).then(|| num as f64 / den as f64)
}

/// `num / den × 100`, in that order, as SPEC section 7 writes the scores.
fn percent(num: i64, den: i64) -> Option<f64> {
    ratio(num, den).map(|r| r * 100.0)
}

fn non_negative(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

impl DailyReport {
    pub fn from_counters(date: NaiveDate, time_zone: &str, c: &DayCounters) -> DailyReport {
        let csat_n = c.get(M::CsatResponses);
        let csat_sat = c.get(M::CsatSatisfied);
        let nps_n = c.get(M::NpsResponses);
        let (p, d) = (c.get(M::NpsPromoters), c.get(M::NpsDetractors));
        DailyReport {
            date,
            time_zone: time_zone.to_string(),
            purchases: Purchases {
                count: c.get(M::Purchases),
                customers: c.get(M::PurchaseCustomers),
                repeat_customers: c.get(M::RepeatCustomers),
                repeat_rate: ratio(c.get(M::RepeatCustomers), c.get(M::PurchaseCustomers)),
            },
            tickets: Tickets {
                opened: c.get(M::TicketsOpened),
                closed: c.get(M::TicketsClosed),
                resolved: c.get(M::TicketsResolved),
                resolution_rate: ratio(c.get(M::TicketsResolved), c.get(M::TicketsClosed)),
                first_contact_resolution_rate: ratio(
                    c.get(M::ResolvedFirstContact),
                    c.get(M::TicketsResolved),
                ),
                avg_first_response_minutes: ratio(
                    c.get(M::FirstResponseMicros),
                    c.get(M::FirstResponses),
                )
                .map(|us| us / 60e6),
                avg_resolution_hours: ratio(c.get(M::ResolutionMicros), c.get(M::TicketsClosed))
                    .map(|us| us / 3600e6),
                reopened: c.get(M::TicketsReopened),
                backlog: c.get(M::BacklogDelta),
            },
            callbacks: Callbacks {
                scheduled: c.get(M::CallsScheduled),
                merged: c.get(M::CallsMerged),
                skipped: c.get(M::CallsSkipped),
                attempts: c.get(M::CallAttempts),
                reached: c.get(M::CallsReached),
                satisfied: c.get(M::CallsSatisfied),
                neutral: c.get(M::CallsNeutral),
                unsatisfied: c.get(M::CallsUnsatisfied),
                due: c.get(M::CallsDue),
                completed_on_time: c.get(M::CallsOnTime),
                on_time_rate: ratio(c.get(M::CallsOnTime), c.get(M::CallsDue)),
                at_risk: c.get(M::CallsAtRisk),
                escalations_opened: c.get(M::EscalationsOpened),
                escalations_open: c.get(M::EscalationsOpenDelta),
            },
            csat: Csat {
                sent: c.get(M::CsatSent),
                throttled: c.get(M::CsatThrottled),
                suppressed: c.get(M::CsatSuppressed),
                responses: csat_n,
                satisfied: csat_sat,
                score: percent(csat_sat, csat_n),
                average: ratio(c.get(M::CsatScoreSum), csat_n),
                ci95: wilson_interval(non_negative(csat_sat), non_negative(csat_n))
                    .map(|(lo, hi)| [lo * 100.0, hi * 100.0]),
                response_rate: ratio(c.get(M::CsatAnsweredOfSent), c.get(M::CsatSent)),
            },
            nps: Nps {
                sent: c.get(M::NpsSent),
                throttled: c.get(M::NpsThrottled),
                suppressed: c.get(M::NpsSuppressed),
                responses: nps_n,
                promoters: p,
                passives: c.get(M::NpsPassives),
                detractors: d,
                score: percent(p - d, nps_n),
                margin_of_error: nps_margin_of_error(
                    non_negative(p),
                    non_negative(d),
                    non_negative(nps_n),
                ),
                response_rate: ratio(c.get(M::NpsAnsweredOfSent), c.get(M::NpsSent)),
            },
            unsubscribes: c.get(M::Unsubscribes),
            recovery: Recovery {
                low_scores: c.get(M::LowScores),
                reached_in_time: c.get(M::ReachedInTime),
                recovered: c.get(M::Recovered),
                recovery_rate: ratio(c.get(M::Recovered), c.get(M::LowScores)),
            },
            customers: {
                let mut customers = Customers {
                    active: c.get(M::ActiveDelta),
                    new: c.get(M::NewCustomers),
                    won_back: c.get(M::WonBack),
                    churned: c.get(M::Churned),
                    churn_rate: None,
                };
                customers.churn_rate = ratio(customers.churned, customers.active_day_before());
                customers
            },
        }
    }

    /// Plain text for people: numbers rounded to 0.1, rates in percent.
    pub fn to_text(&self) -> String {
        let pct = |v: Option<f64>| {
            v.map(|x| format!("{:.1}%", x * 100.0))
                .unwrap_or_else(|| "n/a".into())
        };
        let num = |v: Option<f64>| v.map(|x| format!("{x:.1}")).unwrap_or_else(|| "n/a".into());
        let mut s = String::new();
        let t = &self.tickets;
        let c = &self.callbacks;
        let (cs, n) = (&self.csat, &self.nps);
        let _ = writeln!(s, "aftercare KPIs for {} ({})", self.date, self.time_zone);
        let _ = writeln!(s, "\nPurchases");
        let _ = writeln!(
            s,
            "  orders {}, customers {}, repeat customers {} (repeat rate {})",
            self.purchases.count,
            self.purchases.customers,
            self.purchases.repeat_customers,
            pct(self.purchases.repeat_rate)
        );
        let _ = writeln!(s, "\nTickets");
        let _ = writeln!(
            s,
            "  opened {}, closed {}, resolved {}, reopened {}, backlog {}",
            t.opened, t.closed, t.resolved, t.reopened, t.backlog
        );
        let _ = writeln!(
            s,
            "  resolution rate {}, first-contact resolution {}",
            pct(t.resolution_rate),
            pct(t.first_contact_resolution_rate)
        );
        let _ = writeln!(
            s,
            "  average first response {} min, average resolution {} h",
            num(t.avg_first_response_minutes),
            num(t.avg_resolution_hours)
        );
        let _ = writeln!(s, "\nCallbacks");
        let _ = writeln!(
            s,
            "  scheduled {}, merged {}, skipped (no phone) {}, at risk {}",
            c.scheduled, c.merged, c.skipped, c.at_risk
        );
        let _ = writeln!(
            s,
            "  attempts {}, reached {} (satisfied {}, neutral {}, unsatisfied {})",
            c.attempts, c.reached, c.satisfied, c.neutral, c.unsatisfied
        );
        let _ = writeln!(
            s,
            "  due {}, completed on time {} (on-time rate {})",
            c.due,
            c.completed_on_time,
            pct(c.on_time_rate)
        );
        let _ = writeln!(
            s,
            "  escalations opened {}, open at end of day {}",
            c.escalations_opened, c.escalations_open
        );
        let _ = writeln!(s, "\nCSAT");
        let ci = cs
            .ci95
            .map(|[lo, hi]| format!("{lo:.1}–{hi:.1}"))
            .unwrap_or_else(|| "n/a".into());
        let _ = writeln!(
            s,
            "  sent {}, throttled {}, suppressed {}, responses {} (response rate {})",
            cs.sent,
            cs.throttled,
            cs.suppressed,
            cs.responses,
            pct(cs.response_rate)
        );
        let _ = writeln!(
            s,
            "  score {} (95% CI {}), average {}",
            num(cs.score),
            ci,
            num(cs.average)
        );
        let _ = writeln!(s, "\nNPS");
        let _ = writeln!(
            s,
            "  sent {}, throttled {}, suppressed {}, responses {} (response rate {})",
            n.sent,
            n.throttled,
            n.suppressed,
            n.responses,
            pct(n.response_rate)
        );
        let _ = writeln!(
            s,
            "  promoters {}, passives {}, detractors {}",
            n.promoters, n.passives, n.detractors
        );
        let moe = n
            .margin_of_error
            .map(|m| format!("±{m:.1}"))
            .unwrap_or_else(|| "n/a".into());
        let _ = writeln!(s, "  score {} ({})", num(n.score), moe);
        let _ = writeln!(s, "\nRecovery (low scores given this day)");
        let r = &self.recovery;
        let _ = writeln!(
            s,
            "  low scores {}, reached in time {}, recovered {} (recovery rate {})",
            r.low_scores,
            r.reached_in_time,
            r.recovered,
            pct(r.recovery_rate)
        );
        let _ = writeln!(s, "\nCustomers");
        let cu = &self.customers;
        let _ = writeln!(
            s,
            "  active {}, new {}, won back {}, churned {} (churn rate {})",
            cu.active,
            cu.new,
            cu.won_back,
            cu.churned,
            pct(cu.churn_rate)
        );
        let _ = writeln!(s, "\nUnsubscribes {}", self.unsubscribes);
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_denominators_are_null_in_json() {
        let r = DailyReport::from_counters(
            "2026-11-20".parse().unwrap(),
            "UTC",
            &DayCounters::default(),
        );
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["csat"]["ci95"], serde_json::Value::Null);
        assert_eq!(v["purchases"]["repeat_rate"], serde_json::Value::Null);
        assert_eq!(v["tickets"]["backlog"], 0);
    }

    #[test]
    fn scores_and_rates_follow_the_definitions() {
        let mut c = DayCounters::default();
        c.set(M::CsatResponses, 4);
        c.set(M::CsatSatisfied, 3);
        c.set(M::CsatScoreSum, 17);
        c.set(M::CsatSent, 10);
        c.set(M::CsatAnsweredOfSent, 2);
        c.set(M::NpsResponses, 10);
        c.set(M::NpsPromoters, 5);
        c.set(M::NpsPassives, 3);
        c.set(M::NpsDetractors, 2);
        c.set(M::TicketsClosed, 2);
        c.set(M::ResolutionMicros, (3 * 3600 + 1800) * 1_000_000);
        c.set(M::FirstResponses, 1);
        c.set(M::FirstResponseMicros, 90_000_000);
        let r = DailyReport::from_counters("2026-11-20".parse().unwrap(), "Asia/Seoul", &c);
        assert_eq!(r.csat.score, Some(75.0));
        assert_eq!(r.csat.average, Some(4.25));
        assert_eq!(r.csat.response_rate, Some(0.2));
        assert_eq!(r.nps.score, Some(30.0));
        assert_eq!(r.tickets.avg_resolution_hours, Some(1.75));
        assert_eq!(r.tickets.avg_first_response_minutes, Some(1.5));
        let moe = r.nps.margin_of_error.unwrap();
        // p = .5, d = .2 → sqrt((.7 − .09)/10) × 196 = 48.408…
        assert!((moe - 48.408429).abs() < 1e-5, "{moe}");
        assert!(r.to_text().contains("score 75.0"));
    }
}
