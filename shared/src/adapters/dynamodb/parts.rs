//! A large history stored in parts, so that one more event rewrites a few
//! kilobytes, not the whole history (pure: no I/O here; `history_store`
//! reads and writes the items).
//!
//! Why: a history is rewritten by every commit, and DynamoDB charges a
//! write by the item's size. Kept whole, one more event of a customer with
//! 5,000 events cost 58 write units. Split at boundaries chosen by the
//! content (a rolling hash over the JSON, as content-defined chunking
//! does), an event inserted anywhere changes the part it lands in and
//! leaves the others byte for byte as they were: a commit writes the
//! changed parts and the small head that lists them, whatever the
//! history's length.
//!
//! A part's sort key is 64 random bits, written only where no item is (a
//! conditional put): a key is in practice never written twice, so
//! deleting a part the new head no longer lists cannot remove a part
//! another commit lists, and a reader never mistakes a new part for an
//! old one (a counter would: a commit planned on a stale copy reuses the
//! numbers a later commit listed and deleted). The head lists the keys,
//! eight bytes a part: under 1 KB up to about 1 MB of history JSON.

use sha2::{Digest, Sha256};

/// Histories whose deflated JSON is at most this size stay in their head
/// item (2 write units in a transaction up to 1 KB, 8 at 4 KB); larger ones
/// go in parts, whose commit costs about the same whatever their length.
pub const INLINE_MAX: usize = 4 * 1024;

/// Parts are at least this long (JSON bytes) unless the history ends ...
const MIN_PART: usize = 2 * 1024;
/// ... and at most this long, whatever the content.
const MAX_PART: usize = 32 * 1024;
/// A boundary is where the rolling hash's top 13 bits are zero: on
/// average every 8 KB past the minimum (about 1 KB deflated).
const BOUNDARY_BITS: u32 = 13;

/// One part: the nonce that keys its item (what the head lists) and its
/// content's hash (what a commit compares, to keep the parts unchanged).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PartRef {
    pub hash: [u8; 8],
    pub nonce: u64,
}

/// A part's sort key (the partition is the customer's).
pub fn sort_key(nonce: u64) -> String {
    format!("{PART_PREFIX}{nonce:016x}")
}

/// Every part's sort key starts with this (the head's is `H`).
pub const PART_PREFIX: &str = "P#";

pub fn content_hash(content: &[u8]) -> [u8; 8] {
    let digest = Sha256::digest(content);
    let mut hash = [0u8; 8];
    hash.copy_from_slice(&digest[..8]);
    hash
}

/// The head's list of parts, in order: each nonce in eight bytes.
pub fn encode_list(parts: &[PartRef]) -> Vec<u8> {
    parts.iter().flat_map(|p| p.nonce.to_be_bytes()).collect()
}

/// The nonces read back; `None` when the length is not a whole number of
/// entries (a corrupt head).
pub fn decode_list(bytes: &[u8]) -> Option<Vec<u64>> {
    if !bytes.len().is_multiple_of(8) {
        return None;
    }
    Some(
        bytes
            .chunks_exact(8)
            .map(|e| {
                let mut n = [0u8; 8];
                n.copy_from_slice(e);
                u64::from_be_bytes(n)
            })
            .collect(),
    )
}

/// A history's JSON split into the head's prefix (the object's opening up
/// to its events: the customer and the version, which change with every
/// commit) and the parts after it. Concatenated, they are the JSON again.
pub fn split(json: &[u8]) -> (&[u8], Vec<&[u8]>) {
    // `"events":` cannot occur inside a JSON string (its quotes would be
    // escaped), so its first occurrence is the field.
    let marker = b"\"events\":";
    let cut = json
        .windows(marker.len())
        .position(|w| w == marker)
        .unwrap_or(0);
    let (prefix, rest) = json.split_at(cut);
    (prefix, chunks(rest))
}

/// Content-defined boundaries: a gear hash over the bytes, cut where its
/// top bits are zero, within [`MIN_PART`, `MAX_PART`].
fn chunks(bytes: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < bytes.len() {
        let rest = &bytes[start..];
        let len = boundary(rest);
        out.push(&rest[..len]);
        start += len;
    }
    out
}

fn boundary(bytes: &[u8]) -> usize {
    if bytes.len() <= MIN_PART {
        return bytes.len();
    }
    let end = bytes.len().min(MAX_PART);
    let mut hash: u64 = 0;
    for (i, b) in bytes.iter().enumerate().take(end) {
        hash = (hash << 1).wrapping_add(GEAR[*b as usize]);
        if i >= MIN_PART && hash >> (64 - BOUNDARY_BITS) == 0 {
            return i + 1;
        }
    }
    end
}

/// 256 fixed pseudo-random words (splitmix64 from a fixed seed): the
/// boundaries must be the same in every build and every process.
const GEAR: [u64; 256] = gear_table();

const fn gear_table() -> [u64; 256] {
    let mut table = [0u64; 256];
    let mut state: u64 = 0x6166_7465_7263_6172; // "aftercar"
    let mut i = 0;
    while i < 256 {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        table[i] = z ^ (z >> 31);
        i += 1;
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(events: usize) -> Vec<u8> {
        let mut json = String::from("{\"customer_id\":\"c-1\",\"version\":7,\"events\":[");
        for i in 0..events {
            if i > 0 {
                json.push(',');
            }
            json.push_str(&format!(
                "{{\"kind\":\"TicketOpened\",\"id\":\"evt-{i:06}\",\"at\":\"2026-01-01T00:{:02}:00Z\"}}",
                i % 60
            ));
        }
        json.push_str("],\"facts\":{}}");
        json.into_bytes()
    }

    #[test]
    fn the_prefix_and_parts_concatenate_to_the_json() {
        let json = sample(3_000);
        let (prefix, parts) = split(&json);
        assert_eq!(prefix, b"{\"customer_id\":\"c-1\",\"version\":7,");
        assert!(parts.len() > 5, "{} parts", parts.len());
        assert!(parts.iter().all(|p| p.len() <= MAX_PART));
        assert_eq!([prefix, &parts.concat()].concat(), json);
    }

    #[test]
    fn an_event_inserted_in_the_middle_changes_few_parts() {
        let before = sample(3_000);
        let text = String::from_utf8(before.clone()).unwrap();
        let at = text.find("evt-001500").unwrap();
        let after = format!("{}evt-late\"}},{{\"id\":\"{}", &text[..at], &text[at..]).into_bytes();
        let old: std::collections::HashSet<[u8; 8]> =
            split(&before).1.iter().map(|p| content_hash(p)).collect();
        let changed = split(&after)
            .1
            .iter()
            .filter(|p| !old.contains(&content_hash(p)))
            .count();
        assert!(changed <= 2, "{changed} parts changed");
    }

    #[test]
    fn the_list_round_trips_and_a_torn_list_is_refused() {
        let parts = [
            PartRef {
                hash: content_hash(b"a"),
                nonce: 1,
            },
            PartRef {
                hash: content_hash(b"b"),
                nonce: u64::MAX,
            },
        ];
        assert_eq!(decode_list(&encode_list(&parts)), Some(vec![1, u64::MAX]));
        assert_eq!(decode_list(&encode_list(&parts)[..12]), None);
        assert_eq!(sort_key(1), "P#0000000000000001");
        assert_eq!(sort_key(u64::MAX), "P#ffffffffffffffff");
    }

    #[test]
    fn short_json_is_one_part_and_empty_json_none() {
        assert_eq!(chunks(b"abc"), vec![&b"abc"[..]]);
        assert!(chunks(b"").is_empty());
    }
}
