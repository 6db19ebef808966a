//! `aftercare report`: one day (`--date`) or a range (`--from`/`--to`),
//! as text, JSON, CSV or an HTML page.

use aftercare_shared::config::Settings;
use aftercare_shared::domain::report::DailyReport;
use aftercare_shared::mail::render;
use aftercare_shared::services::Aftercare;
use anyhow::{Context, Result};
use chrono::{Datelike, NaiveDate};
use clap::ValueEnum;
use serde_json::Value;

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Html,
    Csv,
}

/// Ranges longer than this are refused (ten years of days).
const MAX_RANGE_DAYS: i64 = 3660;

pub enum Days {
    One(NaiveDate),
    Range(NaiveDate, NaiveDate),
}

fn date(flag: &str, text: &str) -> Result<NaiveDate> {
    let d: NaiveDate = text
        .parse()
        .with_context(|| format!("{flag} {text:?} is not a date (YYYY-MM-DD)"))?;
    // A report reaches 28 days back and a day forward: keep well inside
    // the calendar's ends.
    anyhow::ensure!(
        (1900..=9999).contains(&d.year()),
        "{flag} {text:?} is outside the years 1900 to 9999"
    );
    Ok(d)
}

impl Days {
    pub fn parse(date_: Option<&str>, from: Option<&str>, to: Option<&str>) -> Result<Days> {
        match (date_, from, to) {
            (Some(d), None, None) => Ok(Days::One(date("--date", d)?)),
            (None, Some(f), Some(t)) => {
                let (f, t) = (date("--from", f)?, date("--to", t)?);
                anyhow::ensure!(f <= t, "--from {f} is after --to {t}");
                anyhow::ensure!(
                    (t - f).num_days() < MAX_RANGE_DAYS,
                    "--from {f} --to {t} spans more than {MAX_RANGE_DAYS} days"
                );
                Ok(Days::Range(f, t))
            }
            _ => anyhow::bail!("say which days: --date D, or --from D1 --to D2"),
        }
    }
}

/// The report as the format asks, ready to print.
pub async fn report(
    service: &Aftercare,
    settings: &Settings,
    days: Days,
    format: Format,
) -> Result<String> {
    Ok(match (days, format) {
        (Days::One(d), Format::Json) => serde_json::to_string_pretty(&service.report(d).await?)?,
        (Days::One(d), Format::Text) => service.report(d).await?.to_text(),
        (Days::One(d), Format::Html) => {
            render::report_page(settings, &service.brief_for_day(d).await?)?
        }
        (Days::One(d), Format::Csv) => csv(&[service.report(d).await?])?,
        (Days::Range(f, t), Format::Json) => {
            serde_json::to_string_pretty(&service.reports(f, t).await?)?
        }
        (Days::Range(f, t), Format::Csv) => csv(&service.reports(f, t).await?)?,
        (Days::Range(f, t), Format::Html) => {
            render::range_page(settings, &service.reports(f, t).await?)?
        }
        (Days::Range(..), Format::Text) => {
            anyhow::bail!("a range prints as --format csv, json or html")
        }
    })
}

/// Flattens a JSON value into dotted columns (`csat.score`; arrays by
/// index: `csat.ci95.0`), in the JSON's field order.
fn flatten(prefix: &str, v: &Value, out: &mut Vec<(String, String)>) {
    let name = |k: &str| {
        if prefix.is_empty() {
            k.to_string()
        } else {
            format!("{prefix}.{k}")
        }
    };
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                flatten(&name(k), v, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                flatten(&name(&i.to_string()), v, out);
            }
        }
        Value::Null => out.push((prefix.to_string(), String::new())),
        Value::String(s) => out.push((prefix.to_string(), s.clone())),
        other => out.push((prefix.to_string(), other.to_string())),
    }
}

/// One row a day, the JSON's fields as columns (a null rate is empty; a
/// null interval is two empty columns, so every row has the same columns).
pub fn csv(days: &[DailyReport]) -> Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Option<Vec<String>> = None;
    for r in days {
        let mut value = serde_json::to_value(r)?;
        if value["csat"]["ci95"].is_null() {
            value["csat"]["ci95"] = Value::Array(vec![Value::Null, Value::Null]);
        }
        let mut cells = Vec::new();
        flatten("", &value, &mut cells);
        if header.is_none() {
            let names: Vec<String> = cells.iter().map(|(k, _)| k.clone()).collect();
            w.write_record(&names)?;
            header = Some(names);
        }
        w.write_record(cells.iter().map(|(_, v)| v))?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| anyhow::anyhow!("writing CSV: {e}"))?;
    Ok(String::from_utf8(bytes)?)
}
