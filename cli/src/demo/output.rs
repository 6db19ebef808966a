//! What the demo writes: its directory, the events file, the daily
//! reports, the call sheets and the summary.

use crate::run::Counts;
use aftercare_shared::config::Settings;
use aftercare_shared::domain::ids::Locale;
use aftercare_shared::domain::report::DailyReport;
use aftercare_shared::mail::render;
use aftercare_shared::services::Aftercare;
use anyhow::{Context, Result};
use chrono::{DateTime, Duration, Utc};
use std::collections::BTreeMap;
use std::path::Path;

pub fn prepare_out_dir(out: &Path) -> Result<()> {
    if out.exists() {
        let looks_like_demo =
            out.join("aftercare.sqlite").exists() || std::fs::read_dir(out)?.next().is_none();
        anyhow::ensure!(
            looks_like_demo,
            "{} exists and is not an aftercare demo directory; choose another --out",
            out.display()
        );
        for name in [
            "aftercare.sqlite",
            "aftercare.sqlite-wal",
            "aftercare.sqlite-shm",
            "rejected.jsonl",
            "summary.txt",
            "events.jsonl",
        ] {
            let _ = std::fs::remove_file(out.join(name));
        }
        for dir in ["outbox", "reports", "call-sheets", "manager-emails"] {
            let _ = std::fs::remove_dir_all(out.join(dir));
        }
    }
    std::fs::create_dir_all(out)?;
    Ok(())
}

pub fn write_events(path: &Path, events: &[serde_json::Value]) -> Result<()> {
    let mut text = String::new();
    for e in events {
        text.push_str(&e.to_string());
        text.push('\n');
    }
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

/// The month's loop in two lines: low scores recovered, and customers
/// gained and lost.
fn loop_summary(days: &[DailyReport], churn_days: u32) -> String {
    let sum = |f: fn(&DailyReport) -> i64| days.iter().map(f).sum::<i64>();
    let low = sum(|r| r.recovery.low_scores);
    let reached = sum(|r| r.recovery.reached_in_time);
    let recovered = sum(|r| r.recovery.recovered);
    let rate = if low > 0 {
        format!("{:.1}%", recovered as f64 / low as f64 * 100.0)
    } else {
        "n/a".into()
    };
    let active = |r: Option<&DailyReport>| r.map(|r| r.customers.active).unwrap_or(0);
    format!(
        "\nrecovery rate over the month: {rate} ({recovered} of {low} low scores recovered; {reached} reached within the priority deadline)\ncustomers (churn_days {churn_days}): {} new, {} won back, {} churned; active {} on the first day, {} on the last\n",
        sum(|r| r.customers.new),
        sum(|r| r.customers.won_back),
        sum(|r| r.customers.churned),
        active(days.first()),
        active(days.last()),
    )
}

/// The daily reports (HTML and JSON), the call sheets and the summary,
/// which is also printed.
pub async fn write_outputs(
    service: &Aftercare,
    settings: &Settings,
    out: &Path,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    counts: Counts,
    elapsed: std::time::Duration,
) -> Result<()> {
    let reports = out.join("reports");
    let sheets = out.join("call-sheets");
    let manager_mail = out.join("manager-emails");
    std::fs::create_dir_all(&reports)?;
    std::fs::create_dir_all(&sheets)?;
    let tz = settings.policy.report_time_zone;
    let mut day = start.with_timezone(&tz).date_naive();
    // The last whole day: the clock stopped during the next (today's).
    let last = end.with_timezone(&tz).date_naive() - Duration::days(1);
    let mut summary = format!(
        "aftercare demo: {} to {} ({}), the clock stopped at {}\n{counts}\nsimulated in {:.1} s\n\n",
        day,
        last,
        tz.name(),
        end.with_timezone(&tz).format("%Y-%m-%d %H:%M"),
        elapsed.as_secs_f64()
    );
    summary.push_str(
        "date        purchases  tickets closed  calls scheduled  reached  on-time  CSAT   NPS\n",
    );
    while day <= last {
        let r = service.report(day).await?;
        // The brief as the morning after showed it, or as of the clock's
        // stop if that morning has not come yet.
        let morning = report_morning(settings, day).min(end);
        let brief = service
            .manager_brief(day, morning, &BTreeMap::new())
            .await?;
        std::fs::write(
            reports.join(format!("{day}.html")),
            render::report_page(settings, &brief)?,
        )?;
        // The morning email in each language the product speaks: the
        // configured language's as the simulated clock sent it (outbox/),
        // the others rendered from the same day as of that morning (a
        // day whose morning is past the run's end is rendered in all).
        let sent = out.join("outbox").join(format!("report-{day}.eml"));
        for locale in &[Locale::En, Locale::Ko, Locale::Vi, Locale::Zh] {
            let dir = manager_mail.join(locale.code());
            std::fs::create_dir_all(&dir)?;
            let file = dir.join(format!("{day}.eml"));
            if *locale == settings.business.locale && sent.exists() {
                std::fs::copy(&sent, &file)?;
                continue;
            }
            let mut local = settings.clone();
            local.business.locale = *locale;
            let m = render::manager_email(&local, &brief, morning)?;
            std::fs::write(file, m.raw)?;
        }
        std::fs::write(
            reports.join(format!("{day}.json")),
            serde_json::to_string_pretty(&r)?,
        )?;
        let fmt = |v: Option<f64>| v.map(|x| format!("{x:.1}")).unwrap_or_else(|| "-".into());
        summary.push_str(&format!(
            "{day}  {:>9}  {:>14}  {:>15}  {:>7}  {:>7}  {:>5}  {:>5}\n",
            r.purchases.count,
            r.tickets.closed,
            r.callbacks.scheduled,
            r.callbacks.reached,
            fmt(r.callbacks.on_time_rate.map(|x| x * 100.0)),
            fmt(r.csat.score),
            fmt(r.nps.score)
        ));
        day = day.succ_opt().context("date overflow")?;
    }
    let first = start.with_timezone(&tz).date_naive();
    let month = service.reports(first, last).await?;
    summary.push_str(&loop_summary(&month, settings.policy.churn_days));
    std::fs::write(
        reports.join("all-days.html"),
        render::range_page(settings, &month)?,
    )?;
    std::fs::write(reports.join("all-days.csv"), crate::report::csv(&month)?)?;
    let mut sheet_count = 0;
    for entry in std::fs::read_dir(out.join("outbox"))? {
        let entry = entry?;
        if entry.file_name().to_string_lossy().starts_with("sheet-") {
            std::fs::copy(entry.path(), sheets.join(entry.file_name()))?;
            sheet_count += 1;
        }
    }
    let mails = std::fs::read_dir(out.join("outbox"))?.count();
    summary.push_str(&format!("\n{mails} emails in outbox/ ({sheet_count} call sheets also in call-sheets/), daily reports in reports/\n"));
    std::fs::write(out.join("summary.txt"), &summary)?;
    say_raw!("{summary}");
    say!("\nWrote the demo to {}:\n  {0}/outbox/       every email, one .eml file each\n  {0}/call-sheets/  the agents' daily call sheets\n  {0}/reports/      daily KPI reports (HTML and JSON; all-days.html and .csv for the month)\n  {0}/manager-emails/ the managers' morning email each day, in en, ko, vi and zh (.eml)\n  {0}/summary.txt\nTry: aftercare report --data {0} --date {} --format text", out.display(), last);
    Ok(())
}

/// When the morning email after `day` goes out: the report hour of the
/// next day, in the report time zone.
fn report_morning(settings: &Settings, day: chrono::NaiveDate) -> DateTime<Utc> {
    let tz = settings.policy.report_time_zone;
    let hour = chrono::NaiveTime::from_hms_opt(settings.business.report_hour, 0, 0)
        .unwrap_or(chrono::NaiveTime::MIN);
    aftercare_shared::domain::contact::local_to_utc(tz, day + Duration::days(1), hour)
}
