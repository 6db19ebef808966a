//! Attribute values in and out: the adapter's mapping between items and
//! the ports' types. A malformed item is `StoreError::Corrupt`, named.

use super::super::{parse_time_text, time_text};
use crate::domain::ids::InvalidValue;
use crate::domain::kpi::{Counter, DayCounters};
use crate::ports::{Message, StoreError};
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};
use std::collections::HashMap;

pub type Item = HashMap<String, AttributeValue>;

pub fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

pub fn n(v: i64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

pub fn key((pk, sk): (String, &str)) -> Item {
    HashMap::from([("pk".to_string(), s(pk)), ("sk".to_string(), s(sk))])
}

pub fn get_s<'a>(item: &'a Item, name: &str) -> Result<&'a str, StoreError> {
    match item.get(name) {
        Some(AttributeValue::S(v)) => Ok(v),
        _ => Err(StoreError::Corrupt(format!(
            "item lacks string attribute {name}"
        ))),
    }
}

pub fn get_n(item: &Item, name: &str) -> i64 {
    match item.get(name) {
        Some(AttributeValue::N(v)) => v.parse().unwrap_or(0),
        _ => 0,
    }
}

pub fn get_time(item: &Item, name: &str) -> Result<DateTime<Utc>, StoreError> {
    let t = get_s(item, name)?;
    parse_time_text(t).ok_or_else(|| StoreError::Corrupt(format!("bad time {t:?} in {name}")))
}

/// A typed value from a string attribute.
pub fn get_parsed<T>(item: &Item, name: &str) -> Result<T, StoreError>
where
    T: std::str::FromStr<Err = InvalidValue>,
{
    get_s(item, name)?
        .parse()
        .map_err(|e: InvalidValue| StoreError::Corrupt(format!("{name}: {}", e.0)))
}

/// The `due_at` sort key: a time, then the item's own id so equal times
/// stay distinct and ordered.
pub fn due_at(t: DateTime<Utc>, id: &impl std::fmt::Display) -> String {
    format!("{}#{id}", time_text(t))
}

/// The time part of a `due_at`.
pub fn due_time(item: &Item) -> Result<DateTime<Utc>, StoreError> {
    let text = get_s(item, "due_at")?;
    parse_time_text(text.split('#').next().unwrap_or(text))
        .ok_or_else(|| StoreError::Corrupt(format!("bad due_at {text:?}")))
}

/// "Send now": sorts before every time, so a fresh message is due
/// whatever the clock says (the simulated clock runs in the past).
pub fn fresh_due_at(committed: DateTime<Utc>, id: &impl std::fmt::Display) -> String {
    format!("0#{}#{id}", time_text(committed))
}

/// A queued message as stored: its JSON, deflated. A message is written
/// once, claimed, and marked sent (which drops it); each of those writes
/// costs a unit per KB of the item, so the item is kept small.
pub fn message_blob(m: &Message) -> Result<AttributeValue, StoreError> {
    deflate(&serde_json::to_vec(m).map_err(|e| StoreError::Corrupt(e.to_string()))?)
        .map_err(|e| StoreError::Corrupt(format!("compressing a message: {e}")))
}

pub fn message(item: &Item) -> Result<Message, StoreError> {
    if let Some(AttributeValue::B(blob)) = item.get("message_z") {
        let json = inflate(blob.as_ref())
            .map_err(|e| StoreError::Corrupt(format!("outbox message: not deflated: {e}")))?;
        return serde_json::from_slice(&json)
            .map_err(|e| super::super::corrupt_json("outbox message", &e));
    }
    serde_json::from_str(get_s(item, "message")?)
        .map_err(|e| super::super::corrupt_json("outbox message", &e))
}

fn deflate(bytes: &[u8]) -> std::io::Result<AttributeValue> {
    Ok(AttributeValue::B(aws_sdk_dynamodb::primitives::Blob::new(
        deflate_bytes(bytes)?,
    )))
}

pub(super) fn deflate_bytes(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    use std::io::Write;
    let mut z = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(bytes)?;
    z.finish()
}

pub(super) fn inflate(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::DeflateDecoder::new(bytes).read_to_end(&mut out)?;
    Ok(out)
}

/// Adds an item's counter attributes (those `keep` wants) to `out`.
pub fn add_counters(out: &mut DayCounters, item: &Item, keep: impl Fn(&Counter) -> bool) {
    for (name, value) in item {
        if let (Some(c), AttributeValue::N(v)) = (Counter::from_name(name), value) {
            if keep(&c) {
                out.add_counter(c, v.parse().unwrap_or(0));
            }
        }
    }
}

/// A stored history read back: deflated JSON (`history_z`), or the plain
/// JSON of items written before compression (`history`).
pub fn history(item: &Item) -> Result<crate::domain::history::History, StoreError> {
    if let Some(AttributeValue::B(blob)) = item.get("history_z") {
        let json = inflate(blob.as_ref())
            .map_err(|e| StoreError::Corrupt(format!("customer history: not deflated: {e}")))?;
        return serde_json::from_slice(&json)
            .map_err(|e| super::super::corrupt_json("customer history", &e));
    }
    serde_json::from_str(get_s(item, "history")?)
        .map_err(|e| super::super::corrupt_json("customer history", &e))
}
