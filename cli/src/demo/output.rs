//! What the demo writes: its directory, the events file, the daily
//! reports, the call sheets and the summary.

use crate::run::Counts;
use aftercare_shared::config::Settings;
use aftercare_shared::services::Aftercare;
use anyhow::{Context, Result};
use chrono::{DateTime, Duration, Utc};
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
        for dir in ["outbox", "reports", "call-sheets"] {
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
    std::fs::create_dir_all(&reports)?;
    std::fs::create_dir_all(&sheets)?;
    let tz = settings.policy.report_time_zone;
    let mut day = start.with_timezone(&tz).date_naive();
    let last = end.with_timezone(&tz).date_naive();
    let mut summary = format!(
        "aftercare demo: {} to {} ({})\n{counts}\nsimulated in {:.1} s\n\n",
        day,
        last,
        tz.name(),
        elapsed.as_secs_f64()
    );
    summary.push_str(
        "date        purchases  tickets closed  calls scheduled  reached  on-time  CSAT   NPS\n",
    );
    while day <= last {
        let r = service.report(day).await?;
        std::fs::write(
            reports.join(format!("{day}.html")),
            aftercare_shared::mail::render::report_html(settings, &r)?,
        )?;
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
    print!("{summary}");
    println!("\nWrote the demo to {}:\n  {0}/outbox/       every email, one .eml file each\n  {0}/call-sheets/  the agents' daily call sheets\n  {0}/reports/      daily KPI reports (HTML and JSON)\n  {0}/summary.txt\nTry: aftercare report --data {0} --date {} --format text", out.display(), last - Duration::days(1));
    Ok(())
}
