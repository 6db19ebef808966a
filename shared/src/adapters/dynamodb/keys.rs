//! The table's keys, one function per item kind (see the table in
//! [`super`]). Every key the adapter reads or writes is built here.

use crate::domain::ids::{AgentId, CustomerId, EmailAddress};
use crate::domain::keys::{AttemptKey, CallId, Job, MessageId, SurveyKey};
use chrono::NaiveDate;

/// A day's counters are spread over this many items, by customer: every
/// commit adds to one of them, so two commits at once rarely meet on one
/// item (a transaction conflict) and a hot day stays far below one item's
/// write rate (docs/capacity.md). Reading a day is one `BatchGetItem`.
pub const DAY_SHARDS: u64 = 32;
/// Levels (backlog, open escalations) are spread over this many
/// partitions: they change less often than the day's counters, and each
/// is read with two queries.
pub const LEVEL_SHARDS: u64 = 8;
/// Customers' due work is spread over this many index partitions.
pub const DUE_SHARDS: u64 = 4;
pub const DUE_INDEX: &str = "due";
/// The `due` index partition of undelivered mail.
pub const OUTBOX_DUE: &str = "OUTBOX";
/// The `due` index partition of parked mail.
pub const PARKED_DUE: &str = "PARKED";

pub use crate::domain::keys::stable_hash;

pub fn customer(id: &CustomerId) -> (String, &'static str) {
    (format!("CUST#{id}"), "H")
}

pub fn due_shard(id: &CustomerId) -> String {
    format!("DUE#{}", stable_hash(id.as_str()) % DUE_SHARDS)
}

pub fn claim(subject: &SurveyKey) -> (String, &'static str) {
    (format!("CLAIM#{subject}"), "C")
}

pub fn day_shard(customer: &CustomerId) -> u64 {
    stable_hash(customer.as_str()) % DAY_SHARDS
}

pub fn level_shard(customer: &CustomerId) -> u64 {
    stable_hash(customer.as_str()) % LEVEL_SHARDS
}

pub fn kpi_day(date: NaiveDate, shard: u64) -> (String, &'static str) {
    (format!("KPI#{date}#{shard}"), "D")
}

/// A shard's levels (backlog, open escalations): `D#{date}` items hold a
/// day's deltas, `M#{yyyy-mm}` items the month's sum of them.
pub fn kpi_levels(shard: u64) -> String {
    format!("KPILEVEL#{shard}")
}

pub fn level_day(date: NaiveDate) -> String {
    format!("D#{date}")
}

pub fn level_month(date: NaiveDate) -> String {
    format!("M#{}", date.format("%Y-%m"))
}

pub fn agent(agent: &AgentId) -> String {
    format!("AGENT#{agent}")
}

pub fn agent_day(day: NaiveDate) -> String {
    format!("DAY#{day}")
}

pub fn booking(attempt: &AttemptKey, round: u32) -> (String, &'static str) {
    (
        format!(
            "BOOKING#{}",
            crate::ports::Booking::key_text(attempt, round)
        ),
        "B",
    )
}

pub fn outbox(id: &MessageId) -> (String, &'static str) {
    (format!("OUTBOX#{id}"), "M")
}

pub const SUPPRESSION_PREFIX: &str = "SUPPRESS#";

pub fn suppression(address: &EmailAddress) -> (String, &'static str) {
    (format!("{SUPPRESSION_PREFIX}{}", address.normalized()), "S")
}

/// What a job keeps between runs (apart from its schedule item, which
/// each run replaces whole).
pub fn job_memo(job: &Job) -> (String, &'static str) {
    (format!("JOBMEMO#{job}"), "M")
}

/// The partition every job's schedule item lives in: the whole schedule,
/// which every scheduled run reads, is one query that costs a read unit
/// per 4 KB of items, where reading the items one by one cost a read unit
/// each (21 for ten agents).
pub const JOBS: &str = "JOBS";

/// The sort-key prefix of a job's schedule item in [`JOBS`].
pub const JOB_SK_PREFIX: &str = "J#";

pub fn job(job: &Job) -> (String, String) {
    (JOBS.to_string(), format!("{JOB_SK_PREFIX}{job}"))
}

/// Where a job's schedule item was kept up to 2026-12-07, one partition
/// a job: the first read that misses a job in [`JOBS`] adopts it from
/// here.
pub fn legacy_job(job: &Job) -> (String, &'static str) {
    (format!("JOB#{job}"), "J")
}

pub fn lease(lease: crate::ports::Lease) -> (String, &'static str) {
    (format!("LEASE#{lease}"), "L")
}

/// The partition of the open escalations.
/// A board's partition, and an entry's sort key in it.
pub fn board_entry(board: crate::domain::boards::Board, item: &str) -> (String, String) {
    (format!("BOARD#{board}"), format!("I#{item}"))
}

pub const ESCALATIONS: &str = "ESCALATIONS";

/// Sort keys of that partition begin so (a key condition cannot be empty).
pub const ESCALATION_SK_PREFIX: &str = "CALL#";

pub fn escalation(call: &CallId) -> (String, String) {
    (
        ESCALATIONS.to_string(),
        format!("{ESCALATION_SK_PREFIX}{call}"),
    )
}

/// Sort keys of a sheet-log partition begin so (a key condition cannot be empty).
pub const SHEET_LOG_SK_PREFIX: &str = "K#";

pub fn sheet_log(agent: &AgentId, day: NaiveDate) -> String {
    format!("SHEETLOG#{agent}#{day}")
}

/// What the deployment's functions record at start (see `deployment`).
pub fn deployment() -> (String, &'static str) {
    ("DEPLOYMENT".to_string(), "D")
}

pub fn roster() -> (String, &'static str) {
    ("ROSTER".to_string(), "R")
}
