//! Services: the use cases, over the ports. Lambda handlers and the local
//! runner call these and nothing else.

pub mod booking;
pub mod care;
pub mod jobs;

use crate::config::Settings;
use crate::domain::report::DailyReport;
use crate::ports::{Store, StoreError};
use chrono::NaiveDate;

/// Reads one day's KPI report: a constant number of store reads, whatever
/// the volume behind it.
pub async fn read_report(
    store: &dyn Store,
    settings: &Settings,
    date: NaiveDate,
) -> Result<DailyReport, StoreError> {
    let counters = store.day(date).await?;
    Ok(DailyReport::from_counters(
        date,
        settings.report_time_zone.name(),
        &counters,
    ))
}
