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

const K1: u64 = 0x9e37_79b9_7f4a_7c15;
const K2: u64 = 0xa076_1d64_78bd_642f;

/// A 64-bit hash of `bytes`, the encoder's key for the names it looks up.
///
/// Names are short, so it is built for latency: 16 octets per step, each step one
/// 64 × 64 → 128-bit multiply whose halves are folded together, and a name of 16
/// octets or less is hashed in a single step from words that may overlap (the length
/// is hashed too, so overlapping words still tell different names apart).
pub(crate) fn hash(bytes: &[u8]) -> u64 {
    let mut h = (bytes.len() as u64).wrapping_mul(K1);
    let mut rest = bytes;
    while rest.len() > 16 {
        let Some((block, tail)) = rest.split_at_checked(16) else {
            break;
        };
        h = fold(word(block, 0) ^ K2, word(block, 8) ^ h);
        rest = tail;
    }
    let (a, b) = last_block(rest);
    fold(a ^ K2, b ^ h)
}

/// The little-endian word of 8 octets at `at`, 0 past the end (never, as called).
fn word(bytes: &[u8], at: usize) -> u64 {
    bytes
        .get(at..at + 8)
        .and_then(|w| <[u8; 8]>::try_from(w).ok())
        .map_or(0, u64::from_le_bytes)
}

/// The little-endian half-word of 4 octets at `at`, 0 past the end (never, as called).
fn half(bytes: &[u8], at: usize) -> u64 {
    bytes
        .get(at..at + 4)
        .and_then(|w| <[u8; 4]>::try_from(w).ok())
        .map_or(0, |w| u64::from(u32::from_le_bytes(w)))
}

/// The last block of at most 16 octets as two words, read without a copy: its first
/// and last 8 octets (overlapping when it is shorter than 16), or 4 and 4, or for 1 to
/// 3 octets the first, middle and last. With the length, they determine the block.
fn last_block(rest: &[u8]) -> (u64, u64) {
    let r = rest.len();
    if r >= 8 {
        (word(rest, 0), word(rest, r - 8))
    } else if r >= 4 {
        (half(rest, 0), half(rest, r - 4))
    } else if let (Some(&first), Some(&last)) = (rest.first(), rest.last()) {
        let middle = rest.get(r / 2).copied().unwrap_or_default();
        let a = (u64::from(first) << 16) | (u64::from(middle) << 8) | u64::from(last);
        (a, 0)
    } else {
        (0, 0)
    }
}

/// The two halves of the full product, folded together.
const fn fold(a: u64, b: u64) -> u64 {
    let p = (a as u128) * (b as u128);
    (p as u64) ^ ((p >> 64) as u64)
}

/// [`hash`] as a `const fn`, for the static name index built at compile time.
const fn const_hash(bytes: &[u8]) -> u64 {
    let mut h = (bytes.len() as u64).wrapping_mul(K1);
    let mut at = 0;
    while bytes.len() - at > 16 {
        h = fold(
            const_read(bytes, at, 8) ^ K2,
            const_read(bytes, at + 8, 8) ^ h,
        );
        at += 16;
    }
    let r = bytes.len() - at;
    let (a, b) = if r >= 8 {
        (const_read(bytes, at, 8), const_read(bytes, at + r - 8, 8))
    } else if r >= 4 {
        (const_read(bytes, at, 4), const_read(bytes, at + r - 4, 4))
    } else if r > 0 {
        let a = ((bytes[at] as u64) << 16)
            | ((bytes[at + r / 2] as u64) << 8)
            | (bytes[at + r - 1] as u64);
        (a, 0)
    } else {
        (0, 0)
    };
    fold(a ^ K2, b ^ h)
}

/// The little-endian integer of the `n` octets at `at`.
const fn const_read(bytes: &[u8], at: usize, n: usize) -> u64 {
    let mut v = 0u64;
    let mut i = 0;
    while i < n {
        v |= (bytes[at + i] as u64) << (8 * i);
        i += 1;
    }
    v
}

/// The index of the first static entry named `name`, at compile time (a name that is
/// not there fails the build).
pub(crate) const fn static_name(name: &[u8]) -> usize {
    let mut i = 0;
    while i < STATIC.len() {
        if const_eq(STATIC[i].0, name) {
            return i + 1;
        }
        i += 1;
    }
    panic!("not a name of the static table");
}

/// Slots of the static name index: a power of two, over twice the 52 distinct names.
const NAME_SLOTS: usize = 128;

/// One slot of the static name index.
#[derive(Clone, Copy)]
struct NameSlot {
    /// The low half of the name's hash, compared before the name itself, so that a
    /// name that is not there costs no comparison of bytes.
    tag: u32,
    /// The index of the first entry with that name.
    first: u8,
    /// How many entries have that name (they are adjacent); 0 for an empty slot.
    count: u8,
}

/// Open addressing from a name's hash to its entries in the static table.
static STATIC_NAMES: [NameSlot; NAME_SLOTS] = build_static_names();

const fn build_static_names() -> [NameSlot; NAME_SLOTS] {
    let empty = NameSlot {
        tag: 0,
        first: 0,
        count: 0,
    };
    let mut slots = [empty; NAME_SLOTS];
    let mut i = 0;
    while i < STATIC.len() {
        // Entries of one name are adjacent: index the first of each run.
        let mut count = 1;
        while i + count < STATIC.len() && const_eq(STATIC[i + count].0, STATIC[i].0) {
            count += 1;
        }
        let hash = const_hash(STATIC[i].0);
        let mut slot = hash as usize % NAME_SLOTS;
        while slots[slot].count != 0 {
            slot = (slot + 1) % NAME_SLOTS;
        }
        slots[slot] = NameSlot {
            tag: hash as u32,
            first: (i + 1) as u8,
            count: count as u8,
        };
        i += count;
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
    let tag = name_hash as u32;
    let mut slot = name_hash as usize % NAME_SLOTS;
    loop {
        let s = STATIC_NAMES.get(slot)?;
        if s.count == 0 {
            return None;
        }
        if s.tag == tag {
            let first = usize::from(s.first);
            let entries = STATIC.get(first - 1..first - 1 + usize::from(s.count))?;
            if entries.first().is_some_and(|&(n, _)| n == name) {
                let same = entries.iter().position(|&(_, v)| v == value);
                return Some((first, same.map(|i| first + i)));
            }
        }
        slot = (slot + 1) % NAME_SLOTS;
    }
}

/// The store and the entries reserved at the first insertion: enough for the first
/// blocks of a connection (a browser's first request adds about 700 octets in 15
/// entries), and small enough (at most 1 KiB each) for the allocator's fast path,
/// which is a tenth of the cost of encoding a first request or response. Both grow by
/// doubling if the table fills further.
const INITIAL_STORE: usize = 1024;
const INITIAL_SLOTS: usize = 32;

/// Where an entry's name and value sit in the table's byte store.
#[derive(Clone, Copy, Debug)]
struct Slot {
    at: usize,
    name_len: usize,
    /// The value's length, and in [`PASSES`] what the decoder's check said of the
    /// entry when it was added (see `Decoder::decode_checked`; never set in an
    /// encoder's table): a flag rather than a field, so that a slot stays three words.
    value: usize,
}

/// The verdict's bit in `Slot::value`: no slice is that long.
const PASSES: usize = 1 << (usize::BITS - 1);

impl Slot {
    fn value_len(&self) -> usize {
        self.value & !PASSES
    }
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
        let value_end = name_end + slot.value_len();
        // Slots always describe stored bytes; empty slices would only hide a bug.
        (
            self.bytes.get(slot.at..name_end).unwrap_or_default(),
            self.bytes.get(name_end..value_end).unwrap_or_default(),
        )
    }

    /// The entry at dynamic position `i`.
    #[cfg(test)]
    pub(crate) fn get(&self, i: usize) -> Option<(&[u8], &[u8])> {
        self.get_checked(i).map(|(name, value, _)| (name, value))
    }

    /// The entry at dynamic position `i` (0 is the newest, HPACK index 62, RFC 7541
    /// §2.3.3), with the verdict it was inserted with.
    #[inline]
    pub(crate) fn get_checked(&self, i: usize) -> Option<(&[u8], &[u8], bool)> {
        let from_oldest = self.slots.len().checked_sub(i.checked_add(1)?)?;
        let s = self.slots.get(from_oldest)?;
        let (name, value) = self.entry(s);
        Some((name, value, s.value & PASSES != 0))
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
            self.size -= s.name_len + s.value_len() + 32;
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
        self.insert_checked(name, value, false)
    }

    /// [`insert`](DynamicTable::insert), keeping a check's verdict on the entry.
    pub(crate) fn insert_checked(
        &mut self,
        name: &[u8],
        value: &[u8],
        passes: bool,
    ) -> (usize, bool) {
        let size = entry_size(name, value);
        // RFC 7541 §4.4: an entry larger than the maximum size empties the table and is
        // not added.
        let Some(room) = self.capacity.checked_sub(size) else {
            let evicted = self.slots.len();
            self.evict_to(0);
            return (evicted, false);
        };
        let evicted = self.evict_to(room);
        let n = name.len() + value.len();
        if self.bytes.capacity() == 0 {
            // Some room up front rather than doubling from a few bytes.
            self.bytes.reserve(self.capacity.min(INITIAL_STORE).max(n));
            self.slots.reserve(INITIAL_SLOTS);
        }
        let full = self.bytes.len() + n > self.bytes.capacity();
        // Once the store holds as much as the table can, it only ever drops the evicted
        // prefix; before that, only if that prefix is at least half of it, so that
        // each octet moved was paid for by one evicted, and otherwise it grows.
        if full
            && self.start > 0
            && (self.bytes.capacity() >= self.capacity || self.start >= self.bytes.len() / 2)
        {
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
            // A slice is at most isize::MAX long: its length never reaches PASSES.
            value: value.len() | if passes { PASSES } else { 0 },
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
            for start in [0, 1, 7] {
                let bytes = &long[start.min(n)..n];
                assert_eq!(hash(bytes), const_hash(bytes));
            }
        }
        assert_ne!(hash(b"a"), hash(b"a\0"));
        assert_ne!(hash(b""), hash(b"\0"));
    }

    #[test]
    fn static_find_every_entry() {
        for (i, (name, value)) in STATIC.iter().enumerate() {
            let (first, full) = static_find(name, hash(name), value).unwrap();
            assert_eq!(full, Some(i + 1), "{}", String::from_utf8_lossy(name));
            assert_eq!(STATIC[first - 1].0, *name);
            assert!(first == 1 || STATIC[first - 2].0 != *name);
        }
        assert_eq!(
            static_find(b":status", hash(b":status"), b"201"),
            Some((8, None))
        );
        assert_eq!(static_find(b"x-other", hash(b"x-other"), b""), None);
        assert_eq!(static_find(b"", hash(b""), b""), None);
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
