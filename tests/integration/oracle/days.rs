//! The SPEC 7 report of one day, recounted from the full lists, and the
//! statistics it needs.

use super::calls::{Attempt, Call, Calls, ReasonFate};
use super::input::{Close, Ev, Facts, Order, SurveyKind, Ticket};
use super::surveys::{is_low, Survey};
use super::Rules;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

/// Every day from the first event's day (or the first close's `opened_at`)
/// to `until`'s day, in the report time zone.
pub fn days(
    r: &Rules,
    report_tz: Tz,
    until: DateTime<Utc>,
    unique: &[Ev],
    facts: &Facts,
    surveys: &[Survey],
    calls: &Calls,
) -> BTreeMap<NaiveDate, Value> {
    let day = |t: DateTime<Utc>| t.with_timezone(&report_tz).date_naive();
    let Facts {
        orders, tickets, ..
    } = facts;
    let Calls {
        fates,
        calls,
        attempts,
    } = calls;
    let first_day = unique
        .iter()
        .map(|e| day(e.at))
        .chain(
            tickets
                .values()
                .flat_map(|t| t.closes.iter().map(|c| day(c.opened_at))),
        )
        .min()
        .unwrap_or_else(|| day(until));
    let last_day = day(until);
    let mut days = BTreeMap::new();
    let mut d = first_day;
    while d <= last_day {
        days.insert(
            d,
            report_day(
                r, d, report_tz, orders, tickets, surveys, fates, calls, attempts, &day,
            ),
        );
        d = d.succ_opt().unwrap();
    }
    days
}

fn ratio(a: usize, b: usize) -> Value {
    if b == 0 {
        Value::Null
    } else {
        json!(a as f64 / b as f64)
    }
}

fn mean(xs: &[f64]) -> Value {
    if xs.is_empty() {
        Value::Null
    } else {
        json!(xs.iter().sum::<f64>() / xs.len() as f64)
    }
}

fn minutes(d: Duration) -> f64 {
    d.num_nanoseconds().unwrap() as f64 / 60e9
}

/// Wilson score interval of s successes in n, z = 1.96, in percent.
fn wilson(s: usize, n: usize) -> Value {
    if n == 0 {
        return Value::Null;
    }
    let z = 1.96_f64;
    let n = n as f64;
    let p = s as f64 / n;
    let denom = 1.0 + z * z / n;
    let center = (p + z * z / (2.0 * n)) / denom;
    let half = z / denom * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt();
    json!([(center - half) * 100.0, (center + half) * 100.0])
}

#[allow(clippy::too_many_arguments)]
fn report_day(
    r: &Rules,
    d: NaiveDate,
    report_tz: Tz,
    orders: &[Order],
    tickets: &BTreeMap<String, Ticket>,
    surveys: &[Survey],
    fates: &[(DateTime<Utc>, ReasonFate)],
    calls: &[Call],
    attempts: &[Attempt],
    day: &dyn Fn(DateTime<Utc>) -> NaiveDate,
) -> Value {
    // purchases
    let on_d: Vec<&Order> = orders.iter().filter(|o| day(o.at) == d).collect();
    let customers: BTreeSet<&str> = on_d.iter().map(|o| o.customer.as_str()).collect();
    let repeat: BTreeSet<&str> = on_d
        .iter()
        .filter(|o| {
            orders
                .iter()
                .any(|p| p.customer == o.customer && p.at < o.at)
        })
        .map(|o| o.customer.as_str())
        .collect();

    // tickets
    let opened = tickets.values().filter(|t| day(t.opened()) == d).count();
    let first_closes: Vec<&Close> = tickets
        .values()
        .filter_map(|t| t.closes.first())
        .filter(|c| day(c.at) == d)
        .collect();
    let closed = first_closes.len();
    let resolved = first_closes.iter().filter(|c| c.resolved).count();
    let fcr = first_closes
        .iter()
        .filter(|c| c.resolved && c.contacts <= 1)
        .count();
    let first_response: Vec<f64> = first_closes
        .iter()
        .filter_map(|c| c.first_response_at.map(|f| minutes(f - c.opened_at)))
        .collect();
    let resolution: Vec<f64> = first_closes
        .iter()
        .map(|c| minutes(c.at - c.opened_at) / 60.0)
        .collect();
    let reopened = tickets
        .values()
        .flat_map(|t| t.closes.iter().skip(1))
        .filter(|c| day(c.at) == d)
        .count();
    let backlog = tickets
        .values()
        .filter(|t| day(t.opened()) <= d && t.closes.first().is_none_or(|c| day(c.at) > d))
        .count();

    // callbacks
    let fate = |f: ReasonFate| {
        fates
            .iter()
            .filter(|(t, x)| *x == f && day(*t) == d)
            .count()
    };
    let scheduled = fate(ReasonFate::Scheduled);
    let tries: Vec<&Attempt> = attempts.iter().filter(|a| day(a.at) == d).collect();
    let reached: Vec<&&Attempt> = tries.iter().filter(|a| a.outcome == "reached").collect();
    let sat = |s: &str| {
        reached
            .iter()
            .filter(|a| a.satisfaction.as_deref() == Some(s))
            .count()
    };
    let due: Vec<&Call> = calls.iter().filter(|c| day(c.deadline) == d).collect();
    let on_time = due
        .iter()
        .filter(|c| c.reached_at.is_some_and(|t| t <= c.deadline))
        .count();
    let escalation =
        |a: &Attempt| a.outcome == "reached" && a.satisfaction.as_deref() == Some("unsatisfied");
    let escalations_opened = tries.iter().filter(|a| escalation(a)).count();
    let escalations_open = attempts
        .iter()
        .filter(|a| escalation(a) && day(a.at) <= d)
        .count();

    // surveys
    let kind_of = |k: SurveyKind| -> (Vec<&Survey>, Vec<&Survey>, usize) {
        let planned_d: Vec<&Survey> = surveys
            .iter()
            .filter(|s| s.kind == k && day(s.planned) == d)
            .collect();
        let sent: Vec<&Survey> = planned_d.iter().copied().filter(|s| s.sent).collect();
        let throttled = planned_d.len() - sent.len();
        let responded: Vec<&Survey> = surveys
            .iter()
            .filter(|s| s.kind == k && s.first_answer().is_some_and(|t| day(t) == d))
            .collect();
        (sent, responded, throttled)
    };
    let (csat_sent, csat_resp, csat_throttled) = kind_of(SurveyKind::Csat);
    let csat_scores: Vec<i64> = csat_resp.iter().map(|s| s.current().unwrap()).collect();
    let csat_n = csat_scores.len();
    let csat_sat = csat_scores.iter().filter(|s| **s >= 4).count();
    let csat_answered = csat_sent.iter().filter(|s| !s.answers.is_empty()).count();
    let (nps_sent, nps_resp, nps_throttled) = kind_of(SurveyKind::Nps);
    let nps_scores: Vec<i64> = nps_resp.iter().map(|s| s.current().unwrap()).collect();
    let n = nps_scores.len();
    let promoters = nps_scores.iter().filter(|s| **s >= 9).count();
    let passives = nps_scores.iter().filter(|s| (7..=8).contains(*s)).count();
    let detractors = nps_scores.iter().filter(|s| **s <= 6).count();
    let nps_answered = nps_sent.iter().filter(|s| !s.answers.is_empty()).count();
    let (nps_score, moe) = if n == 0 {
        (Value::Null, Value::Null)
    } else {
        let p = promoters as f64 / n as f64;
        let q = detractors as f64 / n as f64;
        (
            json!((promoters as f64 - detractors as f64) / n as f64 * 100.0),
            json!(1.96 * ((p + q - (p - q) * (p - q)) / n as f64).sqrt() * 100.0),
        )
    };

    // recovery: the low scores given on d, each judged by the customer's
    // first reached outcome within the priority deadline after it.
    let mut low_scores = 0;
    let mut reached_in_time = 0;
    let mut recovered = 0;
    for s in surveys {
        let Some(&(low_at, _)) = s.answers.iter().find(|(_, v)| is_low(s.kind, *v)) else {
            continue;
        };
        if day(low_at) != d {
            continue;
        }
        low_scores += 1;
        let first_reach = attempts
            .iter()
            .filter(|a| a.customer == s.customer.id && a.outcome == "reached")
            .filter(|a| a.at >= low_at && a.at <= low_at + r.priority_deadline)
            .min_by_key(|a| a.at);
        if let Some(a) = first_reach {
            reached_in_time += 1;
            if a.satisfaction.as_deref() == Some("satisfied") {
                recovered += 1;
            }
        }
    }

    // customers: from each customer's order days.
    let mut order_days: BTreeMap<&str, BTreeSet<NaiveDate>> = BTreeMap::new();
    for o in orders {
        order_days
            .entry(o.customer.as_str())
            .or_default()
            .insert(day(o.at));
    }
    let active_on = |on: NaiveDate, days: &BTreeSet<NaiveDate>| {
        days.iter()
            .any(|x| *x <= on && (on - *x).num_days() < r.churn_days)
    };
    let yesterday = d.pred_opt().unwrap();
    let active = order_days.values().filter(|o| active_on(d, o)).count();
    let active_before = order_days
        .values()
        .filter(|o| active_on(yesterday, o))
        .count();
    let new = order_days
        .values()
        .filter(|o| o.first() == Some(&d))
        .count();
    let won_back = order_days
        .values()
        .filter(|o| o.contains(&d))
        .filter(|o| {
            o.range(..d)
                .next_back()
                .is_some_and(|p| (d - *p).num_days() > r.churn_days)
        })
        .count();
    let churned = order_days
        .values()
        .filter(|o| active_on(yesterday, o) && !active_on(d, o))
        .count();

    json!({
        "date": d.to_string(),
        "time_zone": report_tz.name(),
        "purchases": {
            "count": on_d.len(),
            "customers": customers.len(),
            "repeat_customers": repeat.len(),
            "repeat_rate": ratio(repeat.len(), customers.len()),
        },
        "tickets": {
            "opened": opened,
            "closed": closed,
            "resolved": resolved,
            "resolution_rate": ratio(resolved, closed),
            "first_contact_resolution_rate": ratio(fcr, resolved),
            "avg_first_response_minutes": mean(&first_response),
            "avg_resolution_hours": mean(&resolution),
            "reopened": reopened,
            "backlog": backlog,
        },
        "callbacks": {
            "scheduled": scheduled,
            "merged": fate(ReasonFate::Merged),
            "skipped": fate(ReasonFate::Skipped),
            "attempts": tries.len(),
            "reached": reached.len(),
            "satisfied": sat("satisfied"),
            "neutral": sat("neutral"),
            "unsatisfied": sat("unsatisfied"),
            "due": due.len(),
            "completed_on_time": on_time,
            "on_time_rate": ratio(on_time, due.len()),
            // No agents: every new call has no slot before its deadline.
            "at_risk": scheduled,
            "escalations_opened": escalations_opened,
            "escalations_open": escalations_open,
        },
        "csat": {
            "sent": csat_sent.len(),
            "throttled": csat_throttled,
            "suppressed": 0,
            "responses": csat_n,
            "satisfied": csat_sat,
            "score": if csat_n == 0 { Value::Null } else { json!(csat_sat as f64 / csat_n as f64 * 100.0) },
            "average": mean(&csat_scores.iter().map(|s| *s as f64).collect::<Vec<_>>()),
            "ci95": wilson(csat_sat, csat_n),
            "response_rate": ratio(csat_answered, csat_sent.len()),
        },
        "nps": {
            "sent": nps_sent.len(),
            "throttled": nps_throttled,
            "suppressed": 0,
            "responses": n,
            "promoters": promoters,
            "passives": passives,
            "detractors": detractors,
            "score": nps_score,
            "margin_of_error": moe,
            "response_rate": ratio(nps_answered, nps_sent.len()),
        },
        "unsubscribes": 0,
        "recovery": {
            "low_scores": low_scores,
            "reached_in_time": reached_in_time,
            "recovered": recovered,
            "recovery_rate": ratio(recovered, low_scores),
        },
        "customers": {
            "active": active,
            "new": new,
            "won_back": won_back,
            "churned": churned,
            "churn_rate": ratio(churned, active_before),
        },
    })
}
