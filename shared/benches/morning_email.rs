//! What the morning email costs to write (not a test: numbers for
//! docs/performance.md): the text part alone, the whole email (text, HTML
//! and the 28-day picture as PNG), and the picture alone, for a brief of
//! 28 busy days with full lists, each as a ratio to the text part measured
//! in the same process (the machine is shared and noisy).
//!
//!     cargo bench -p aftercare-shared --bench morning_email

use aftercare_shared::config::Settings;
use aftercare_shared::domain::event::{Score, SurveyFor, SurveyKind};
use aftercare_shared::domain::ids::{AgentId, OrderId};
use aftercare_shared::domain::kpi::{DayCounters, Metric};
use aftercare_shared::domain::report::DailyReport;
use aftercare_shared::domain::trends::{kpi_lines, recovery_days};
use aftercare_shared::mail::chart::trend_png;
use aftercare_shared::mail::render::{manager_email, manager_email_text};
use aftercare_shared::services::{
    AgentRow, AtRiskItem, Capped, DetractorItem, EscalationCounts, EscalationItem, ManagerBrief,
};
use chrono::{Duration, NaiveDate, TimeZone, Utc};
use std::hint::black_box;
use std::time::Instant;

fn brief() -> ManagerBrief {
    let first = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap_or_default();
    let days: Vec<DailyReport> = (0..28)
        .map(|i| {
            let mut c = DayCounters::default();
            for (m, v) in [
                (Metric::Purchases, 100 + i),
                (Metric::CsatResponses, 40 + i),
                (Metric::CsatSatisfied, 30 + i / 2),
                (Metric::NpsResponses, 30),
                (Metric::NpsPromoters, 12 + i % 5),
                (Metric::NpsDetractors, 6),
                (Metric::CallsDue, 50),
                (Metric::CallsOnTime, 40 + i % 9),
                (Metric::LowScores, 8),
                (Metric::Recovered, 5 + i % 3),
                (Metric::ActiveDelta, 900 + i),
                (Metric::NewCustomers, 20),
                (Metric::Churned, 19),
            ] {
                c.set(m, v);
            }
            DailyReport::from_counters(first + Duration::days(i), "Asia/Seoul", &c)
        })
        .collect();
    let at = Utc.with_ymd_and_hms(2026, 11, 28, 23, 0, 0).unwrap();
    ManagerBrief {
        day: first + Duration::days(27),
        time_zone: chrono_tz::Asia::Seoul,
        kpis: kpi_lines(&days, first + Duration::days(26)),
        recovery_days: recovery_days(first + Duration::days(26)),
        agents: (0..10)
            .map(|i| AgentRow {
                agent: AgentId::parse(&format!("a-{i}"))
                    .ok()
                    .map(|id| (id, format!("Agent {i}"))),
                calls: 20,
                reached: 15,
                satisfied: 12,
                due: 18,
                on_time: 16,
                priority_reached: 3,
                recovered: 2,
            })
            .collect(),
        escalations: Capped {
            items: (0..10)
                .map(|i| EscalationItem {
                    name: format!("Customer {i}"),
                    since: at - Duration::hours(i),
                    age: Duration::hours(40 + i),
                    overdue: 40 + i > 48,
                    owner: (i % 2 == 0).then(|| "Park Seoyeon".to_string()),
                    notes: Some("Unhappy: the delivery came late.".into()),
                    url: format!("https://care.example/e/token-{i}"),
                })
                .collect(),
            total: 19,
        },
        new_escalations: Capped {
            items: Vec::new(),
            total: 0,
        },
        escalation_counts: EscalationCounts {
            open_at_day_end: 20,
            resolved_since: 1,
            overdue: 11,
            target: Duration::hours(48),
            time_to_resolve: None,
        },
        at_risk: Capped {
            items: (0..10)
                .map(|i| AtRiskItem {
                    name: format!("Customer {i}"),
                    deadline: at + Duration::hours(i),
                    agent: None,
                })
                .collect(),
            total: 14,
        },
        detractors: Capped {
            items: (0..5)
                .map(|i| DetractorItem {
                    name: format!("Customer {i}"),
                    score: Score::parse(SurveyKind::Nps, 3).unwrap_or_else(|e| panic!("{e:?}")),
                    subject: SurveyFor::Order(
                        OrderId::parse(&format!("o-{i}")).unwrap_or_else(|e| panic!("{e:?}")),
                    ),
                    comment: "The delivery was late.".into(),
                    at,
                })
                .collect(),
            total: 27,
        },
        days,
        revised: Vec::new(),
        no_agents: false,
    }
}

/// Microseconds per call of `f`, over `n` calls.
fn time(n: u32, mut f: impl FnMut()) -> f64 {
    let began = Instant::now();
    for _ in 0..n {
        f();
    }
    began.elapsed().as_secs_f64() * 1e6 / n as f64
}

fn main() {
    let settings = Settings::default();
    let b = brief();
    let now = Utc.with_ymd_and_hms(2026, 11, 28, 23, 0, 0).unwrap();
    let dates: Vec<NaiveDate> = b.days.iter().map(|r| r.date).collect();
    let points = aftercare_shared::mail::chart::trend_points(&b.days, None);
    // Warm up, then measure.
    let _ = manager_email(&settings, &b, now);
    let text = time(200, || {
        black_box(manager_email_text(&settings, &b));
    });
    let picture = time(20, || {
        black_box(trend_png(&dates, &points).ok());
    });
    let email = time(20, || {
        black_box(manager_email(&settings, &b, now).ok());
    });
    let size = manager_email(&settings, &b, now)
        .map(|m| m.raw.len())
        .unwrap_or(0);
    println!("| part | µs | vs text part |");
    println!("|---|---:|---:|");
    for (name, us) in [
        ("text part", text),
        ("trend picture (PNG)", picture),
        ("whole email (text, HTML, PNG, MIME)", email),
    ] {
        println!("| {name} | {us:.0} | {:.1} |", us / text);
    }
    println!("\nwhole email: {size} bytes");
}
