//! A history's items: its head (`H`: the version, the due index and, for
//! a small history, the whole of it deflated) and, for a large one, its
//! parts (`P#…`, see [`super::parts`]).
//!
//! The head is the only item a commit's transaction guards: it names the
//! parts in order. New parts are written before the transaction under
//! fresh random keys, and the parts the new head no longer names are
//! deleted after it. So a reader that finds the head's parts all present
//! has a consistent history, and one that misses a part (a later commit
//! deleted it) reads again.
//!
//! Parts no head names (left by a commit that failed, or whose deletes
//! failed) are swept: a commit refused on its conditions deletes the parts
//! it wrote; after any other failure this process's next commit for the
//! customer looks for them; a head kept whole that may have old parts
//! beside it says so (`loose`) and the next commit looks; a large
//! history's load sees them all; every commit that erases personal data
//! (retention's, or a forgotten customer's) looks. The window left: a
//! process that dies (or whose next commit for that customer runs
//! elsewhere) after writing parts for a commit that did not land, on a
//! customer whose history then stays in one item, leaves those parts
//! until the history is next written in parts or its personal data is
//! next erased, so they never outlive the retention period
//! (docs/design.md).

use super::items::{self, key, Item};
use super::parts::{self, PartRef, PART_PREFIX};
use super::{keys, DynamoStore};
use crate::domain::history::History;
use crate::domain::ids::CustomerId;
use crate::ports::{Commit, StoreError};
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

/// A read that misses a part tries again this many times: each miss means
/// another commit landed in between.
const LOAD_ATTEMPTS: usize = 5;
/// The layouts remembered between a load and its commit (a process
/// handles a batch at a time; past this many the memory starts over).
const REMEMBERED: usize = 10_000;

/// What this process last saw of a customer's items.
#[derive(Debug, Clone, Default)]
pub(super) struct Layout {
    version: u64,
    /// The parts the head names, in order.
    parts: Vec<PartRef>,
    /// Parts seen that no head names.
    orphans: Vec<String>,
    /// Whether parts no head names may exist beyond `orphans` (not looked
    /// for): the next commit looks.
    unswept: bool,
}

/// Layouts by customer, so a commit knows which parts it keeps without
/// reading the history again; and the customers whose commit may have
/// landed with its answer lost, whose next commit looks for parts no head
/// names.
#[derive(Debug, Default)]
pub(super) struct Layouts(Mutex<(HashMap<String, Layout>, HashSet<String>)>);

impl Layouts {
    fn get(&self, customer: &CustomerId) -> Option<Layout> {
        let map = self.0.lock().ok()?;
        let mut layout = map.0.get(customer.as_str()).cloned()?;
        layout.unswept |= map.1.contains(customer.as_str());
        Some(layout)
    }

    fn set(&self, customer: &CustomerId, layout: Layout) {
        let Ok(mut map) = self.0.lock() else { return };
        if map.0.len() >= REMEMBERED {
            map.0.clear();
        }
        map.0.insert(customer.as_str().to_string(), layout);
    }

    fn forget(&self, customer: &CustomerId) {
        if let Ok(mut map) = self.0.lock() {
            map.0.remove(customer.as_str());
        }
    }

    fn get_suspect(&self, customer: &CustomerId) -> bool {
        self.0
            .lock()
            .map(|map| map.1.contains(customer.as_str()))
            .unwrap_or(false)
    }

    /// Marks (or, once swept, clears) a customer whose parts may be loose.
    fn suspect(&self, customer: &CustomerId, loose: bool) {
        if let Ok(mut map) = self.0.lock() {
            if loose {
                map.1.insert(customer.as_str().to_string());
            } else {
                map.1.remove(customer.as_str());
            }
        }
    }
}

/// A commit's history, laid out: the head's attributes and what to do
/// with the parts around the transaction.
pub(super) struct HistoryWrite {
    pub head: Vec<(&'static str, AttributeValue)>,
    parts: Vec<PartRef>,
    /// Parts written for this commit (deleted again if it surely failed).
    written: Vec<String>,
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
                self.layouts.forget(customer);
                return Ok(None);
            };
            let unswept = matches!(head.get("loose"), Some(AttributeValue::Bool(true)));
            let Some(list) = part_list(&head)? else {
                let history = items::history(&head)?;
                let layout = Layout {
                    version: history.version,
                    unswept,
                    ..Layout::default()
                };
                self.layouts.set(customer, layout);
                return Ok(Some(history));
            };
            let mut json = match head.get("history_prefix") {
                Some(AttributeValue::B(b)) => b.as_ref().to_vec(),
                _ => return Err(corrupt("a head with parts but no prefix")),
            };
            let mut found = self.stored_parts(customer).await?;
            let mut parts = Vec::with_capacity(list.len());
            for &nonce in &list {
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
            if parts.len() < list.len() {
                continue;
            }
            let history: History = serde_json::from_slice(&json)
                .map_err(|e| super::super::corrupt_json("customer history", &e))?;
            let layout = Layout {
                version: history.version,
                parts,
                orphans: found.into_keys().collect(),
                unswept: false,
            };
            self.layouts.set(customer, layout);
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
        if before.unswept || c.erases_personal_data {
            let found = self.stored_parts(id).await?;
            let named: Vec<String> = before
                .parts
                .iter()
                .map(|p| parts::sort_key(p.nonce))
                .collect();
            before.orphans = found.into_keys().filter(|k| !named.contains(k)).collect();
        }
        let mut stale = std::mem::take(&mut before.orphans);
        if whole.len() <= parts::INLINE_MAX {
            stale.extend(before.parts.iter().map(|p| parts::sort_key(p.nonce)));
            let mut head = vec![("history_z", blob(whole))];
            if !stale.is_empty() {
                // Until they are deleted, the head says they may be there.
                head.push(("loose", AttributeValue::Bool(true)));
            }
            return Ok(HistoryWrite {
                head,
                parts: Vec::new(),
                written: Vec::new(),
                stale,
            });
        }
        let mut kept: HashMap<[u8; 8], Vec<PartRef>> = HashMap::new();
        for p in &before.parts {
            kept.entry(p.hash).or_default().push(*p);
        }
        let (prefix, chunks) = parts::split(&json);
        let mut list = Vec::with_capacity(chunks.len());
        let mut written = Vec::new();
        for chunk in chunks {
            let hash = parts::content_hash(chunk);
            match kept.get_mut(&hash).and_then(Vec::pop) {
                Some(p) => list.push(p),
                None => {
                    let z = items::deflate_bytes(chunk).map_err(corrupt)?;
                    let nonce = match self.put_part(id, z).await {
                        Ok(nonce) => nonce,
                        Err(e) => {
                            // This put, or those before it, may have landed.
                            self.layouts.suspect(id, true);
                            return Err(e);
                        }
                    };
                    written.push(parts::sort_key(nonce));
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
            ],
            parts: list,
            written,
            stale,
        })
    }

    /// After the transaction: the parts no head names are deleted, and the
    /// layout is remembered for this customer's next commit. A delete that
    /// fails leaves the layout unswept: the next commit looks again (a head
    /// kept whole says so itself, `loose`, for other processes).
    pub(super) async fn after_commit(&self, c: &Commit, w: HistoryWrite) {
        let id = &c.history.customer_id;
        let mut swept = true;
        for sk in &w.stale {
            swept &= self.delete(key((keys::customer(id).0, sk))).await.is_ok();
        }
        let loose_head = w.parts.is_empty() && !w.stale.is_empty();
        if swept {
            // Whatever a lost answer left was among the stale parts: the
            // commit looked (`unswept`) before writing.
            self.layouts.suspect(id, false);
        }
        let layout = Layout {
            version: c.history.version,
            parts: w.parts,
            orphans: Vec::new(),
            unswept: !swept || loose_head,
        };
        self.layouts.set(id, layout);
    }

    /// A commit that failed. When it surely did not land (its transaction
    /// was cancelled on a condition: the version moved, or a claim is
    /// another customer's), the parts it wrote are named by no head and
    /// are deleted now. Any other failure may hide a transaction that
    /// landed (the SDK retries under one token; an answer can be lost), so
    /// its parts are left, and this process's next commit for the customer
    /// looks for parts no head names.
    pub(super) async fn commit_failed(&self, c: &Commit, w: &HistoryWrite, e: &StoreError) {
        let id = &c.history.customer_id;
        self.layouts.forget(id);
        if w.written.is_empty() {
            return;
        }
        if !matches!(
            e,
            StoreError::Conflict(_) | StoreError::ClaimedByOther { .. }
        ) {
            self.layouts.suspect(id, true);
            return;
        }
        for sk in &w.written {
            if self.delete(key((keys::customer(id).0, sk))).await.is_err() {
                self.layouts.suspect(id, true);
            }
        }
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
            return Ok(Layout {
                unswept: self.layouts.get_suspect(id),
                ..Layout::default()
            });
        }
        // Not remembered (another process loaded it, or a commit failed):
        // read it again, which remembers it.
        self.load_history(id).await?;
        match self.layouts.get(id) {
            Some(l) if l.version == c.expected_version => Ok(l),
            _ => Err(StoreError::Conflict(id.clone())),
        }
    }

    /// Writes one new part under a fresh random key, and returns it.
    async fn put_part(&self, customer: &CustomerId, z: Vec<u8>) -> Result<u64, StoreError> {
        for _ in 0..4 {
            let nonce: u64 = rand::random();
            let mut item = key((keys::customer(customer).0, &parts::sort_key(nonce)));
            item.insert("part_z".into(), blob(z.clone()));
            if self.put_new(item).await? {
                return Ok(nonce);
            }
        }
        Err(StoreError::Corrupt(format!(
            "customer {customer}: four random keys for a part of its history were all taken"
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

/// The nonces of the head's parts, in order; `None` for a history kept
/// whole.
fn part_list(head: &Item) -> Result<Option<Vec<u64>>, StoreError> {
    match head.get("history_parts") {
        None => Ok(None),
        Some(AttributeValue::B(b)) => parts::decode_list(b.as_ref())
            .map(Some)
            .ok_or_else(|| corrupt("a torn list of parts")),
        Some(_) => Err(corrupt("a list of parts that is not binary")),
    }
}
