//! The static table (RFC 7541 Appendix A) and the dynamic table (RFC 7541 §2.3.2, §4).

use std::collections::VecDeque;

/// The static table: entry `i` has index `i + 1` (RFC 7541 Appendix A).
pub(crate) const STATIC: [(&[u8], &[u8]); 61] = [
    (b":authority", b""),
    (b":method", b"GET"),
    (b":method", b"POST"),
    (b":path", b"/"),
    (b":path", b"/index.html"),
    (b":scheme", b"http"),
    (b":scheme", b"https"),
    (b":status", b"200"),
    (b":status", b"204"),
    (b":status", b"206"),
    (b":status", b"304"),
    (b":status", b"400"),
    (b":status", b"404"),
    (b":status", b"500"),
    (b"accept-charset", b""),
    (b"accept-encoding", b"gzip, deflate"),
    (b"accept-language", b""),
    (b"accept-ranges", b""),
    (b"accept", b""),
    (b"access-control-allow-origin", b""),
    (b"age", b""),
    (b"allow", b""),
    (b"authorization", b""),
    (b"cache-control", b""),
    (b"content-disposition", b""),
    (b"content-encoding", b""),
    (b"content-language", b""),
    (b"content-length", b""),
    (b"content-location", b""),
    (b"content-range", b""),
    (b"content-type", b""),
    (b"cookie", b""),
    (b"date", b""),
    (b"etag", b""),
    (b"expect", b""),
    (b"expires", b""),
    (b"from", b""),
    (b"host", b""),
    (b"if-match", b""),
    (b"if-modified-since", b""),
    (b"if-none-match", b""),
    (b"if-range", b""),
    (b"if-unmodified-since", b""),
    (b"last-modified", b""),
    (b"link", b""),
    (b"location", b""),
    (b"max-forwards", b""),
    (b"proxy-authenticate", b""),
    (b"proxy-authorization", b""),
    (b"range", b""),
    (b"referer", b""),
    (b"refresh", b""),
    (b"retry-after", b""),
    (b"server", b""),
    (b"set-cookie", b""),
    (b"strict-transport-security", b""),
    (b"transfer-encoding", b""),
    (b"user-agent", b""),
    (b"vary", b""),
    (b"via", b""),
    (b"www-authenticate", b""),
];

/// The size of an entry: RFC 7541 §4.1 counts 32 octets of overhead per entry.
pub(crate) fn entry_size(name: &[u8], value: &[u8]) -> usize {
    name.len().saturating_add(value.len()).saturating_add(32)
}

/// The entry at `index` (1-based) of the static table.
pub(crate) fn static_entry(index: usize) -> Option<(&'static [u8], &'static [u8])> {
    STATIC.get(index.checked_sub(1)?).copied()
}

const K: u64 = 0x9e37_79b9_7f4a_7c15;

/// A 64-bit hash of `bytes`, chained from `seed`: the encoder's key for its table
/// lookups.
pub(crate) fn hash(bytes: &[u8], seed: u64) -> u64 {
    let mut h = seed ^ (bytes.len() as u64).wrapping_mul(K);
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        h = (h.rotate_left(23) ^ u64::from_le_bytes(word)).wrapping_mul(K);
    }
    let mut tail = [0u8; 8];
    let rest = chunks.remainder();
    if let Some(t) = tail.get_mut(..rest.len()) {
        t.copy_from_slice(rest);
    }
    h = (h.rotate_left(23) ^ u64::from_le_bytes(tail)).wrapping_mul(K);
    h ^ (h >> 29)
}

/// [`hash`] as a `const fn`, for the static name index built at compile time.
const fn const_hash(bytes: &[u8], seed: u64) -> u64 {
    let mut h = seed ^ (bytes.len() as u64).wrapping_mul(K);
    let mut i = 0;
    let mut word = 0u64;
    let mut shift = 0;
    while i < bytes.len() {
        word |= (bytes[i] as u64) << shift;
        shift += 8;
        i += 1;
        if shift == 64 {
            h = (h.rotate_left(23) ^ word).wrapping_mul(K);
            word = 0;
            shift = 0;
        }
    }
    h = (h.rotate_left(23) ^ word).wrapping_mul(K);
    h ^ (h >> 29)
}

/// Slots of the static name index: a power of two, over twice the 52 distinct names.
const NAME_SLOTS: usize = 128;

/// Open addressing from a name's hash to the index of the first static entry with that
/// name (0: empty slot).
static STATIC_NAMES: [u8; NAME_SLOTS] = build_static_names();

const fn build_static_names() -> [u8; NAME_SLOTS] {
    let mut slots = [0u8; NAME_SLOTS];
    let mut i = 0;
    while i < STATIC.len() {
        // Entries of one name are adjacent: index the first of each run.
        if i == 0 || !const_eq(STATIC[i].0, STATIC[i - 1].0) {
            let mut slot = const_hash(STATIC[i].0, 0) as usize % NAME_SLOTS;
            while slots[slot] != 0 {
                slot = (slot + 1) % NAME_SLOTS;
            }
            slots[slot] = (i + 1) as u8;
        }
        i += 1;
    }
    slots
}

const fn const_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// The static entries named `name` (lowercase), whose hash is `name_hash`: the index of
/// the first, and the index of the one whose value is `value`, if any.
pub(crate) fn static_find(
    name: &[u8],
    name_hash: u64,
    value: &[u8],
) -> Option<(usize, Option<usize>)> {
    let mut slot = name_hash as usize % NAME_SLOTS;
    loop {
        let first = usize::from(*STATIC_NAMES.get(slot)?);
        let (n, _) = static_entry(first)?;
        if n == name {
            let mut index = first;
            while let Some((n, v)) = static_entry(index) {
                if n != name {
                    break;
                }
                if v == value {
                    return Some((first, Some(index)));
                }
                index += 1;
            }
            return Some((first, None));
        }
        slot = (slot + 1) % NAME_SLOTS;
    }
}

/// The store reserved at the first insertion, at most (the protocol's initial table
/// size), and the entries: enough for a table of entries of about 64 octets.
const INITIAL_STORE: usize = 4096;
pub(crate) const INITIAL_SLOTS: usize = 64;

/// Where an entry's name and value sit in the table's byte store.
#[derive(Clone, Copy, Debug)]
struct Slot {
    at: usize,
    name_len: usize,
    value_len: usize,
}

/// The dynamic table (RFC 7541 §2.3.2): a FIFO of entries, newest first in index order.
///
/// All the bytes live in one store that grows at the end and is compacted (the evicted
/// prefix dropped) only when it is full, so that an insertion never allocates once the
/// store has reached about twice the table's size.
#[derive(Debug, Default)]
pub(crate) struct DynamicTable {
    bytes: Vec<u8>,
    /// Where the oldest live entry starts in `bytes`.
    start: usize,
    /// Oldest first.
    slots: VecDeque<Slot>,
    /// The sum of the entries' sizes (RFC 7541 §4.1).
    size: usize,
    /// The maximum size (RFC 7541 §4.2).
    capacity: usize,
}

impl DynamicTable {
    pub(crate) fn new(capacity: usize) -> DynamicTable {
        DynamicTable {
            capacity,
            ..DynamicTable::default()
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.slots.len()
    }

    pub(crate) fn size(&self) -> usize {
        self.size
    }

    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    fn entry(&self, slot: &Slot) -> (&[u8], &[u8]) {
        let name_end = slot.at + slot.name_len;
        let value_end = name_end + slot.value_len;
        // Slots always describe stored bytes; empty slices would only hide a bug.
        (
            self.bytes.get(slot.at..name_end).unwrap_or_default(),
            self.bytes.get(name_end..value_end).unwrap_or_default(),
        )
    }

    /// The entry at dynamic position `i`: 0 is the newest, HPACK index 62 (RFC 7541
    /// §2.3.3).
    pub(crate) fn get(&self, i: usize) -> Option<(&[u8], &[u8])> {
        let from_oldest = self.slots.len().checked_sub(i.checked_add(1)?)?;
        self.slots.get(from_oldest).map(|s| self.entry(s))
    }

    /// The entry at position `k` counting from the oldest.
    pub(crate) fn get_from_oldest(&self, k: usize) -> Option<(&[u8], &[u8])> {
        self.slots.get(k).map(|s| self.entry(s))
    }

    /// The entries in index order (newest first).
    pub(crate) fn iter(&self) -> impl ExactSizeIterator<Item = (&[u8], &[u8])> + '_ {
        self.slots.iter().rev().map(|s| self.entry(s))
    }

    fn evict_oldest(&mut self) {
        if let Some(s) = self.slots.pop_front() {
            self.size -= s.name_len + s.value_len + 32;
        }
        match self.slots.front() {
            Some(next) => self.start = next.at,
            None => {
                self.bytes.clear();
                self.start = 0;
            }
        }
    }

    /// Evicts the oldest entries until the size is at most `limit`; returns how many.
    fn evict_to(&mut self, limit: usize) -> usize {
        let mut evicted = 0;
        while self.size > limit && !self.slots.is_empty() {
            self.evict_oldest();
            evicted += 1;
        }
        evicted
    }

    /// Sets the maximum size, evicting what no longer fits (RFC 7541 §4.3); returns the
    /// number of entries evicted.
    pub(crate) fn set_capacity(&mut self, capacity: usize) -> usize {
        self.capacity = capacity;
        self.evict_to(capacity)
    }

    /// Adds an entry as the newest (RFC 7541 §4.4): first evicts until it fits, or
    /// empties the table if it never can. Returns the number of entries evicted and
    /// whether the entry was added.
    pub(crate) fn insert(&mut self, name: &[u8], value: &[u8]) -> (usize, bool) {
        let size = entry_size(name, value);
        // RFC 7541 §4.4: an entry larger than the maximum size empties the table and is
        // not added.
        let Some(room) = self.capacity.checked_sub(size) else {
            let evicted = self.slots.len();
            self.evict_to(0);
            return (evicted, false);
        };
        let evicted = self.evict_to(room);
        if self.bytes.capacity() == 0 {
            // Room for a full table of typical entries up front, rather than doubling
            // from a few bytes: the entries' bytes are at most the table's size.
            self.bytes.reserve(self.capacity.min(INITIAL_STORE));
            self.slots.reserve(INITIAL_SLOTS);
        }
        let n = name.len() + value.len();
        if self.bytes.len() + n > self.bytes.capacity() && self.start > 0 {
            // Drop the evicted prefix rather than grow the store.
            self.bytes.drain(..self.start);
            for s in &mut self.slots {
                s.at -= self.start;
            }
            self.start = 0;
        }
        let at = self.bytes.len();
        self.bytes.extend_from_slice(name);
        self.bytes.extend_from_slice(value);
        self.slots.push_back(Slot {
            at,
            name_len: name.len(),
            value_len: value.len(),
        });
        self.size += size;
        (evicted, true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_table_matches_rfc_appendix_a() {
        assert_eq!(STATIC.len(), 61);
        assert_eq!(static_entry(1), Some((&b":authority"[..], &b""[..])));
        assert_eq!(static_entry(2), Some((&b":method"[..], &b"GET"[..])));
        assert_eq!(static_entry(8), Some((&b":status"[..], &b"200"[..])));
        // Index 15 is `accept-charset` (some implementations have `accept-` here).
        assert_eq!(static_entry(15), Some((&b"accept-charset"[..], &b""[..])));
        assert_eq!(
            static_entry(16),
            Some((&b"accept-encoding"[..], &b"gzip, deflate"[..]))
        );
        assert_eq!(static_entry(61), Some((&b"www-authenticate"[..], &b""[..])));
        assert_eq!(static_entry(0), None);
        assert_eq!(static_entry(62), None);
    }

    #[test]
    fn both_hashes_agree() {
        let long: Vec<u8> = (0..=255).collect();
        for n in 0..long.len() {
            for seed in [0, 1, u64::MAX] {
                assert_eq!(hash(&long[..n], seed), const_hash(&long[..n], seed));
            }
        }
        assert_ne!(hash(b"a", 0), hash(b"a\0", 0));
    }

    #[test]
    fn static_find_every_entry() {
        for (i, (name, value)) in STATIC.iter().enumerate() {
            let (first, full) = static_find(name, hash(name, 0), value).unwrap();
            assert_eq!(full, Some(i + 1), "{}", String::from_utf8_lossy(name));
            assert_eq!(STATIC[first - 1].0, *name);
            assert!(first == 1 || STATIC[first - 2].0 != *name);
        }
        assert_eq!(
            static_find(b":status", hash(b":status", 0), b"201"),
            Some((8, None))
        );
        assert_eq!(static_find(b"x-other", hash(b"x-other", 0), b""), None);
        assert_eq!(static_find(b"", hash(b"", 0), b""), None);
    }

    fn entries(t: &DynamicTable) -> Vec<(String, String)> {
        t.iter()
            .map(|(n, v)| {
                (
                    String::from_utf8_lossy(n).into_owned(),
                    String::from_utf8_lossy(v).into_owned(),
                )
            })
            .collect()
    }

    #[test]
    fn newest_first_and_size_accounting() {
        let mut t = DynamicTable::new(4096);
        assert_eq!(t.insert(b"a", b"1"), (0, true));
        assert_eq!(t.insert(b"bb", b"22"), (0, true));
        assert_eq!(t.size(), 34 + 36);
        assert_eq!(t.get(0), Some((&b"bb"[..], &b"22"[..])));
        assert_eq!(t.get(1), Some((&b"a"[..], &b"1"[..])));
        assert_eq!(t.get(2), None);
        assert_eq!(t.get(usize::MAX), None);
        assert_eq!(t.get_from_oldest(0), Some((&b"a"[..], &b"1"[..])));
    }

    #[test]
    fn eviction_makes_room_oldest_first() {
        // Room for two entries of 34 octets.
        let mut t = DynamicTable::new(70);
        t.insert(b"a", b"1");
        t.insert(b"b", b"2");
        assert_eq!(t.insert(b"c", b"3"), (1, true));
        assert_eq!(
            entries(&t),
            [("c".into(), "3".into()), ("b".into(), "2".into())]
        );
        assert_eq!(t.size(), 68);
    }

    #[test]
    fn an_entry_larger_than_the_table_empties_it() {
        let mut t = DynamicTable::new(40);
        t.insert(b"a", b"1");
        assert_eq!(t.insert(b"name", b"a long value"), (1, false));
        assert_eq!(t.len(), 0);
        assert_eq!(t.size(), 0);
        // Exactly the capacity fits.
        assert_eq!(t.insert(b"abcd", b"ef01"), (0, true));
        assert_eq!(t.size(), 40);
    }

    #[test]
    fn lowering_the_capacity_evicts() {
        let mut t = DynamicTable::new(4096);
        for i in 0..10u8 {
            t.insert(&[b'a' + i], b"v");
        }
        assert_eq!(t.set_capacity(34 * 3), 7);
        assert_eq!(t.len(), 3);
        assert_eq!(t.set_capacity(0), 3);
        assert_eq!(t.len(), 0);
        assert_eq!(t.insert(b"a", b""), (0, false));
    }

    #[test]
    fn the_store_is_compacted_not_grown() {
        let mut t = DynamicTable::new(200);
        for i in 0..10_000u32 {
            let value = i.to_string();
            t.insert(b"x-counter", value.as_bytes());
            assert_eq!(t.get(0).unwrap().1, value.as_bytes());
        }
        assert!(t.bytes.capacity() <= 1024, "{}", t.bytes.capacity());
        assert!(t.size() <= 200);
        assert_eq!(t.get(1).unwrap().1, b"9998");
    }
}
