//! `aftercare responses`: every survey answered in a range of days, one
//! row each, as CSV (RFC 4180) or JSON, for a BI tool or a help desk.

use crate::report::Days;
use aftercare_shared::services::{Aftercare, ResponseRow};
use anyhow::Result;
use chrono::{DateTime, SecondsFormat, Utc};
use clap::ValueEnum;

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    Csv,
    Json,
}

const COLUMNS: [&str; 13] = [
    "survey",
    "order_id",
    "ticket_id",
    "score",
    "first_answered_at",
    "latest_answered_at",
    "comment",
    "customer_id",
    "language",
    "call_agent",
    "call_at",
    "call_outcome",
    "call_satisfaction",
];

/// The answers of `--from`..`--to` as the format asks, ready to print.
pub async fn responses(
    service: &Aftercare,
    from: &str,
    to: &str,
    format: Format,
) -> Result<String> {
    let Days::Range(from, to) = Days::parse(None, Some(from), Some(to))? else {
        anyhow::bail!("say which days: --from D1 --to D2");
    };
    let rows = service.responses(from, to).await?;
    Ok(match format {
        Format::Json => serde_json::to_string_pretty(&rows)?,
        Format::Csv => csv(&rows)?,
    })
}

/// A cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, a tab
/// or a carriage return first) gets a leading `'`, so that it is shown as
/// the text it is (OWASP's advice against CSV injection).
pub fn neutralised(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// The rows as RFC 4180 CSV (quoted where needed, CRLF line ends), a
/// header first, every text cell neutralised.
pub fn csv(rows: &[ResponseRow]) -> Result<String> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    w.write_record(COLUMNS)?;
    let text = |v: Option<&str>| v.map(neutralised).unwrap_or_default();
    let word = |v: serde_json::Value| v.as_str().map(str::to_string).unwrap_or_default();
    for r in rows {
        w.write_record([
            word(serde_json::to_value(r.survey)?),
            text(r.order_id.as_deref()),
            text(r.ticket_id.as_deref()),
            r.score.to_string(),
            time(r.first_answered_at),
            time(r.latest_answered_at),
            text(r.comment.as_deref()),
            text(Some(&r.customer_id)),
            r.language.clone(),
            text(r.call_agent.as_deref()),
            r.call_at.map(time).unwrap_or_default(),
            word(serde_json::to_value(r.call_outcome)?),
            word(serde_json::to_value(r.call_satisfaction)?),
        ])?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| anyhow::anyhow!("writing CSV: {e}"))?;
    Ok(String::from_utf8(bytes)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_leading_cells_are_shown_as_text() {
        for cell in ["=1+1", "+33 1", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(neutralised(cell), format!("'{cell}"));
        }
        assert_eq!(neutralised("fine = good"), "fine = good");
        assert_eq!(neutralised(""), "");
    }
}
