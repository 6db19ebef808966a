//! A history's items: its head (`H`: the version, the due index and, for
//! a small history, the whole of it deflated) and, for a large one, its
//! parts (`P#…`, see [`super::parts`]).
//!
//! The head is the only item a commit's transaction guards: it names the
//! parts in order. New parts are written before the transaction under keys
//! never used before, and the parts the new head no longer names are
//! deleted after it. So a reader that finds the head's parts all present
//! has a consistent history, and one that misses a part (a later commit
//! deleted it) reads again. A part left over by a commit that failed is
//! named by no head: the customer's next commit deletes it.

use super::items::{self, key, Item};
use super::parts::{self, PartRef, PART_PREFIX};
use super::{keys, DynamoStore};
use crate::domain::history::History;
use crate::domain::ids::CustomerId;
use crate::ports::{Commit, StoreError};
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use std::collections::HashMap;
use std::sync::Mutex;

/// A read that misses a part tries again this many times: each miss means
/// another commit landed in between.
const LOAD_ATTEMPTS: usize = 5;
/// The layouts remembered between a load and its commit (a process
/// handles a batch at a time; past this many the memory starts over).
const REMEMBERED: usize = 10_000;

/// What this process last saw of a customer's items: the version, the
/// parts its head names, and the parts no head names (`None`: not read).
#[derive(Debug, Clone, Default)]
pub(super) struct Layout {
    version: u64,
    /// The next part's nonce: nonces only grow, so a deleted part's key
    /// is never written again.
    next: u32,
    parts: Vec<PartRef>,
    orphans: Option<Vec<String>>,
}

/// Layouts by customer, so a commit knows which parts it keeps without
/// reading the head again.
#[derive(Debug, Default)]
pub(super) struct Layouts(Mutex<HashMap<String, Layout>>);

impl Layouts {
    fn get(&self, customer: &CustomerId) -> Option<Layout> {
        self.0.lock().ok()?.get(customer.as_str()).cloned()
    }

    fn set(&self, customer: &CustomerId, layout: Option<Layout>) {
        let Ok(mut map) = self.0.lock() else { return };
        match layout {
            Some(l) => {
                if map.len() >= REMEMBERED {
                    map.clear();
                }
                map.insert(customer.as_str().to_string(), l);
            }
            None => {
                map.remove(customer.as_str());
            }
        }
    }
}

/// A commit's history, laid out: the head's attributes and what to do
/// with the parts around the transaction.
pub(super) struct HistoryWrite {
    pub head: Vec<(&'static str, AttributeValue)>,
    next: u32,
    parts: Vec<PartRef>,
    /// Parts no longer named, deleted once the head is committed.
    stale: Vec<String>,
}

fn blob(bytes: Vec<u8>) -> AttributeValue {
    AttributeValue::B(Blob::new(bytes))
}

fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("customer history: {what}"))
}

impl DynamoStore {
    pub(super) async fn load_history(
        &self,
        customer: &CustomerId,
    ) -> Result<Option<History>, StoreError> {
        for _ in 0..LOAD_ATTEMPTS {
            let Some(head) = self.get(keys::customer(customer)).await? else {
                self.layouts.set(customer, None);
                return Ok(None);
            };
            let Some(list) = part_list(&head)? else {
                let history = items::history(&head)?;
                self.layouts.set(
                    customer,
                    Some(Layout {
                        version: history.version,
                        next: next_nonce(&head),
                        ..Layout::default()
                    }),
                );
                return Ok(Some(history));
            };
            let mut json = match head.get("history_prefix") {
                Some(AttributeValue::B(b)) => b.as_ref().to_vec(),
                _ => return Err(corrupt("a head with parts but no prefix")),
            };
            let mut found = self.stored_parts(customer).await?;
            let mut parts = Vec::with_capacity(list.len());
            for nonce in list {
                let Some(z) = found.remove(&parts::sort_key(nonce)) else {
                    break;
                };
                let content = items::inflate(&z).map_err(corrupt)?;
                parts.push(PartRef {
                    hash: parts::content_hash(&content),
                    nonce,
                });
                json.extend(content);
            }
            if parts.len() < list_len(&head) {
                continue;
            }
            let history: History = serde_json::from_slice(&json)
                .map_err(|e| super::super::corrupt_json("customer history", &e))?;
            self.layouts.set(
                customer,
                Some(Layout {
                    version: history.version,
                    next: next_nonce(&head),
                    parts,
                    orphans: Some(found.into_keys().collect()),
                }),
            );
            return Ok(Some(history));
        }
        Err(StoreError::Contended(format!(
            "customer {customer}: its history's parts changed under {LOAD_ATTEMPTS} reads in a row"
        )))
    }

    /// Lays the commit's history out: whole in the head when small, else
    /// in parts, of which the new ones are written now.
    pub(super) async fn plan_history(&self, c: &Commit) -> Result<HistoryWrite, StoreError> {
        let id = &c.history.customer_id;
        let json = serde_json::to_vec(&c.history).map_err(corrupt)?;
        let whole = items::deflate_bytes(&json).map_err(corrupt)?;
        let mut before = self.layout_before(c).await?;
        if whole.len() <= parts::INLINE_MAX && before.parts.is_empty() && before.orphans.is_none() {
            return Ok(HistoryWrite {
                head: vec![
                    ("history_z", blob(whole)),
                    ("history_next", next(before.next)),
                ],
                next: before.next,
                parts: Vec::new(),
                stale: Vec::new(),
            });
        }
        if before.orphans.is_none() {
            // The first commit in parts, or the last: sweep what an earlier
            // commit that failed may have left.
            let found = self.stored_parts(id).await?;
            let named: Vec<String> = before
                .parts
                .iter()
                .map(|p| parts::sort_key(p.nonce))
                .collect();
            before.orphans = Some(found.into_keys().filter(|k| !named.contains(k)).collect());
        }
        let mut stale = before.orphans.take().unwrap_or_default();
        if whole.len() <= parts::INLINE_MAX {
            stale.extend(before.parts.iter().map(|p| parts::sort_key(p.nonce)));
            return Ok(HistoryWrite {
                head: vec![
                    ("history_z", blob(whole)),
                    ("history_next", next(before.next)),
                ],
                next: before.next,
                parts: Vec::new(),
                stale,
            });
        }
        let mut kept: HashMap<[u8; 8], Vec<PartRef>> = HashMap::new();
        for p in &before.parts {
            kept.entry(p.hash).or_default().push(*p);
        }
        let (prefix, chunks) = parts::split(&json);
        let mut list = Vec::with_capacity(chunks.len());
        for chunk in chunks {
            let hash = parts::content_hash(chunk);
            match kept.get_mut(&hash).and_then(Vec::pop) {
                Some(p) => list.push(p),
                None => {
                    let z = items::deflate_bytes(chunk).map_err(corrupt)?;
                    let nonce = self.put_part(id, z, &mut before.next).await?;
                    list.push(PartRef { hash, nonce });
                }
            }
        }
        stale.extend(
            kept.into_values()
                .flatten()
                .map(|p| parts::sort_key(p.nonce)),
        );
        Ok(HistoryWrite {
            head: vec![
                ("history_prefix", blob(prefix.to_vec())),
                ("history_parts", blob(parts::encode_list(&list))),
                ("history_next", next(before.next)),
            ],
            next: before.next,
            parts: list,
            stale,
        })
    }

    /// After the transaction: the parts no head names are deleted, and the
    /// layout is remembered for this customer's next commit. A delete that
    /// fails leaves a part the next commit sweeps.
    pub(super) async fn after_commit(&self, c: &Commit, w: HistoryWrite) {
        let id = &c.history.customer_id;
        let mut swept = true;
        for sk in &w.stale {
            swept &= self.delete(key((keys::customer(id).0, sk))).await.is_ok();
        }
        self.layouts.set(
            id,
            Some(Layout {
                version: c.history.version,
                next: w.next,
                parts: w.parts,
                orphans: if swept { Some(Vec::new()) } else { None },
            }),
        );
    }

    /// A commit that failed: what this process knew may be stale.
    pub(super) fn commit_failed(&self, c: &Commit) {
        self.layouts.set(&c.history.customer_id, None);
    }

    /// The layout the commit replaces: remembered from the load, or read.
    async fn layout_before(&self, c: &Commit) -> Result<Layout, StoreError> {
        let id = &c.history.customer_id;
        if let Some(l) = self
            .layouts
            .get(id)
            .filter(|l| l.version == c.expected_version)
        {
            return Ok(l);
        }
        if c.expected_version == 0 {
            return Ok(Layout::default());
        }
        // Not remembered (another process loaded it, or a commit failed):
        // read it again, which remembers it.
        self.load_history(id).await?;
        match self.layouts.get(id) {
            Some(l) if l.version == c.expected_version => Ok(l),
            _ => Err(StoreError::Conflict(id.clone())),
        }
    }

    /// Writes one new part under the next nonce no item has (a commit
    /// that failed may have left one), and returns it.
    async fn put_part(
        &self,
        customer: &CustomerId,
        z: Vec<u8>,
        next: &mut u32,
    ) -> Result<u32, StoreError> {
        for _ in 0..64 {
            let nonce = *next;
            *next = next.wrapping_add(1);
            let mut item = key((keys::customer(customer).0, &parts::sort_key(nonce)));
            item.insert("part_z".into(), blob(z.clone()));
            let put = self
                .client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(item))
                .condition_expression("attribute_not_exists(pk)")
                .send()
                .await;
            if super::ignore_condition(put, |e| e.is_conditional_check_failed_exception())? {
                return Ok(nonce);
            }
        }
        Err(StoreError::Contended(format!(
            "customer {customer}: no free key for a part of its history in 64 tries"
        )))
    }

    /// Every part item of the customer, by sort key: deflated JSON.
    async fn stored_parts(
        &self,
        customer: &CustomerId,
    ) -> Result<HashMap<String, Vec<u8>>, StoreError> {
        let items = self
            .query_partition(
                keys::customer(customer).0,
                "begins_with(sk, :a)",
                PART_PREFIX.to_string(),
                None,
            )
            .await?;
        items
            .into_iter()
            .map(|item| {
                let sk = items::get_s(&item, "sk")?.to_string();
                match item.get("part_z") {
                    Some(AttributeValue::B(b)) => Ok((sk, b.as_ref().to_vec())),
                    _ => Err(corrupt("a part without its content")),
                }
            })
            .collect()
    }
}

fn next(nonce: u32) -> AttributeValue {
    items::n(i64::from(nonce))
}

fn next_nonce(head: &Item) -> u32 {
    u32::try_from(items::get_n(head, "history_next")).unwrap_or(0)
}

/// How many parts the head lists.
fn list_len(head: &Item) -> usize {
    match head.get("history_parts") {
        Some(AttributeValue::B(b)) => b.as_ref().len() / 4,
        _ => 0,
    }
}

/// The nonces of the head's parts, in order; `None` for a history kept
/// whole.
fn part_list(head: &Item) -> Result<Option<Vec<u32>>, StoreError> {
    match head.get("history_parts") {
        None => Ok(None),
        Some(AttributeValue::B(b)) => parts::decode_list(b.as_ref())
            .map(Some)
            .ok_or_else(|| corrupt("a torn list of parts")),
        Some(_) => Err(corrupt("a list of parts that is not binary")),
    }
}
