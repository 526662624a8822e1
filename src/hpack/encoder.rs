//! Encoding header blocks (RFC 7541 §6), with a small indexing policy.

use super::table::{entry_size, hash, static_find, static_name, DynamicTable, STATIC};
use super::{huffman, integer};
use crate::Field;

/// The most table this encoder uses, even if the peer allows more: the protocol's
/// initial size (RFC 9113 §6.5.2), which keeps a connection's memory small.
const TABLE_SIZE: usize = 4096;

/// The sending half of an HPACK context: encodes the header blocks of one connection,
/// in order.
///
/// Each field is written the cheapest way this policy allows:
///
/// - *never indexed* (RFC 7541 §6.2.3) for fields marked [`Field::sensitive`], for
///   `authorization` and `proxy-authorization`, and for `cookie` values shorter than 20
///   bytes, which are short enough to guess (RFC 7541 §7.1.3); the decoder sees them as
///   sensitive too;
/// - *indexed* (§6.1) when the static or dynamic table holds the same name and value;
/// - otherwise a literal, naming a table entry when one has the same name, and added to
///   the dynamic table (§6.2.1) unless the entry would take more than 3/4 of the table
///   or the field changes with every message: `:path` with a query, `content-length`,
///   `content-range`, `age`, `etag`, `last-modified`, `if-modified-since` and
///   `if-none-match` go without indexing (§6.2.2), so that they do not evict entries
///   that would be used again.
///
/// Strings are Huffman-coded when that is strictly shorter. Names are written in
/// lowercase, as HTTP/2 requires (RFC 9113 §8.2.1). The table uses at most 4096 octets,
/// the protocol's initial size, whatever larger size the peer allows.
///
/// ```
/// use weir::hpack::Encoder;
/// use weir::Fields;
///
/// let mut encoder = Encoder::new();
/// let mut block = Vec::new();
/// encoder.encode(&[(":method", "GET")].into_iter().collect::<Fields>(), &mut block);
/// assert_eq!(block, [0x82]); // static index 2
/// ```
#[derive(Debug)]
pub struct Encoder {
    table: DynamicTable,
    /// The names of the entries, as tags: allocated at the first insertion.
    names: Option<Box<Names>>,
    /// The table size to use from the next block on.
    size: usize,
    /// The lowest size since the previous block, when the size changed.
    lowest: Option<usize>,
    /// Where an uppercase name is lowercased.
    name_buf: Vec<u8>,
}

/// The dynamic table's names, for lookups.
///
/// A lookup compares a name's tag (the low half of its hash) with sixteen entries' at
/// once, SIMD-wide, then reads only the entries whose tag matches, so that values are
/// never hashed and an insertion or eviction costs no map upkeep; and it does not even
/// scan when no live tag falls in the name's bucket, as for the new names that make
/// up most of a connection's first blocks.
#[derive(Debug)]
struct Names {
    /// Each entry's tag, oldest first, room for as many entries as the table can hold
    /// (512 octets), so that every chunk of sixteen is whole; the tags past the table's
    /// length are stale and masked off.
    tags: [u32; MAX_ENTRIES],
    /// How many live tags have each value of their low octet.
    buckets: [u8; 256],
}

impl Names {
    fn new() -> Box<Names> {
        // Filled with ones, not zeros, where it does not matter: a zeroed allocation
        // is calloc, which glibc serves outside its fast per-thread cache.
        Box::new(Names {
            tags: [u32::MAX; MAX_ENTRIES],
            buckets: [0; 256],
        })
    }

    fn bucket(tag: u32) -> usize {
        usize::from(tag as u8)
    }
}

/// Tags compared per step of a lookup: a multiple of every SIMD width.
const LANES: usize = 16;

/// The most entries the table can hold: each takes at least 32 octets (RFC 7541 §4.1).
/// A multiple of LANES.
const MAX_ENTRIES: usize = TABLE_SIZE / 32;

/// Entries whose tag matches that a lookup reads at most: enough for every realistic
/// list (a name rarely has more than a few values in the table), and a bound on the
/// work an application can cause with many values of one name. Past it a field is
/// written as a literal, which is always correct.
const MAX_CANDIDATES: usize = 16;

impl Default for Encoder {
    fn default() -> Encoder {
        Encoder::new()
    }
}

impl Encoder {
    /// An encoder with a table of 4096 octets, the size the peer's decoder starts with
    /// (RFC 9113 §6.5.2).
    pub fn new() -> Encoder {
        Encoder {
            table: DynamicTable::new(TABLE_SIZE),
            names: None,
            size: TABLE_SIZE,
            lowest: None,
            name_buf: Vec::new(),
        }
    }

    /// The peer's SETTINGS_HEADER_TABLE_SIZE changed: the next block starts with a
    /// dynamic table size update (RFC 7541 §4.2, §6.3), preceded by one to the lowest
    /// size if the size went down and up again in between.
    pub fn set_max_table_size(&mut self, max: usize) {
        let size = max.min(TABLE_SIZE);
        if self.lowest.is_none() && size == self.size {
            return;
        }
        self.lowest = Some(self.lowest.map_or(size, |l| l.min(size)));
        self.size = size;
    }

    /// The dynamic table's entries in index order (the first has index 62): for
    /// diagnostics and tests.
    pub fn table_entries(&self) -> impl ExactSizeIterator<Item = (&[u8], &[u8])> + '_ {
        self.table.iter()
    }

    /// Frees the scratch space kept between blocks; the table stays (see
    /// `Connection::release_buffers`).
    pub(crate) fn release_buffers(&mut self) {
        self.name_buf = Vec::new();
    }

    /// The dynamic table's size (RFC 7541 §4.1).
    pub fn table_size(&self) -> usize {
        self.table.size()
    }

    /// Encodes one header block, appending it to `dst`.
    pub fn encode<'a>(&mut self, fields: impl IntoIterator<Item = Field<'a>>, dst: &mut Vec<u8>) {
        if let Some(lowest) = self.lowest.take() {
            // RFC 7541 §4.2: the smallest maximum size since the previous block, then
            // the final one.
            if lowest < self.size {
                self.size_update(lowest, dst);
            }
            self.size_update(self.size, dst);
        }
        for field in fields {
            self.field(field.name, field.value, field.sensitive, dst);
        }
    }

    fn size_update(&mut self, size: usize, dst: &mut Vec<u8>) {
        // RFC 7541 §6.3: 001xxxxx, the new maximum size with a 5-bit prefix.
        integer::encode(size, 5, 0x20, dst);
        let evicted = self.table.set_capacity(size);
        self.forget(evicted);
    }

    fn field(&mut self, name: &[u8], value: &[u8], sensitive: bool, dst: &mut Vec<u8>) {
        let name_hash = hash(name);
        let in_static = static_find(name, name_hash, value);
        // RFC 9113 §8.2.1: field names MUST be converted to lowercase. The static
        // table's names are, so a name found there needs no check.
        if in_static.is_none() && has_uppercase(name) {
            self.field_lowercased(name, value, sensitive, dst);
            return;
        }
        self.represent(name, name_hash, in_static, value, sensitive, dst);
    }

    #[cold]
    fn field_lowercased(&mut self, name: &[u8], value: &[u8], sensitive: bool, dst: &mut Vec<u8>) {
        let mut lower = std::mem::take(&mut self.name_buf);
        lower.clear();
        lower.extend(name.iter().map(u8::to_ascii_lowercase));
        let name_hash = hash(&lower);
        let in_static = static_find(&lower, name_hash, value);
        self.represent(&lower, name_hash, in_static, value, sensitive, dst);
        self.name_buf = lower;
    }

    /// Writes one field whose name is lowercase, given its name's hash and what the
    /// static table holds of it. (Inlined in both callers, so that a field costs no
    /// call beyond `field`.)
    #[inline(always)]
    fn represent(
        &mut self,
        name: &[u8],
        name_hash: u64,
        in_static: Option<(usize, Option<usize>)>,
        value: &[u8],
        sensitive: bool,
        dst: &mut Vec<u8>,
    ) {
        let static_name = in_static.map(|(first, _)| first);
        // RFC 7541 §7.1.3: secrets go never indexed, also for intermediaries (§6.2.3).
        let never = sensitive || static_name.is_some_and(|first| guessable(first, value));
        if !never {
            if let Some((_, Some(index))) = in_static {
                // RFC 7541 §6.1: indexed header field, 1xxxxxxx.
                integer::encode(index, 7, 0x80, dst);
                return;
            }
        }
        let tag = name_hash as u32;
        // A static name is never longer to write than a dynamic one: look further only
        // for the whole field, and not at all when it must not be indexed.
        let (full, same_name) = match (never, in_static) {
            (true, Some(_)) => (None, None),
            (never, _) => self.find(tag, name, value, !never),
        };
        if let Some(index) = full {
            integer::encode(index, 7, 0x80, dst);
            return;
        }
        let name_index = static_name.or(same_name).unwrap_or(0);
        if never {
            // RFC 7541 §6.2.3: 0001xxxx, 4-bit name index.
            literal(0x10, 4, name_index, name, value, dst);
        } else if self.worth_indexing(static_name, name, value) {
            // RFC 7541 §6.2.1: 01xxxxxx, 6-bit name index.
            literal(0x40, 6, name_index, name, value, dst);
            self.insert(name, value, tag);
        } else {
            // RFC 7541 §6.2.2: 0000xxxx, 4-bit name index.
            literal(0x00, 4, name_index, name, value, dst);
        }
    }

    /// The HPACK indexes of the newest dynamic entry with this name and value (looked
    /// for only if `full`), and of the newest with this name.
    fn find(
        &self,
        tag: u32,
        name: &[u8],
        value: &[u8],
        full: bool,
    ) -> (Option<usize>, Option<usize>) {
        let mut search = Search {
            name,
            value,
            full,
            same_name: None,
            candidates: 0,
        };
        let Some(names) = self
            .names
            .as_ref()
            .filter(|n| n.buckets.get(Names::bucket(tag)).is_some_and(|&b| b > 0))
        else {
            return (None, None);
        };
        // Newest first, LANES tags at a time: the comparison of a whole chunk has no
        // early exit, so that it compiles to vector compares and one mask.
        let len = self.table.len();
        for start in (0..len.div_ceil(LANES)).rev().map(|c| c * LANES) {
            let Some(Ok(chunk)) = names
                .tags
                .get(start..start + LANES)
                .map(<&[u32; LANES]>::try_from)
            else {
                break;
            };
            // Only the chunk's first `len - start` tags are live.
            let live = u32::MAX >> (32 - (len - start).min(LANES));
            if let Some(found) = self.visit(&mut search, start, matches(chunk, tag) & live) {
                return found;
            }
        }
        (None, search.same_name)
    }

    /// Reads the entries whose tag matched in a chunk that starts at `start` from the
    /// oldest, newest first; the answer of [`Encoder::find`] once it is known.
    fn visit(
        &self,
        search: &mut Search<'_>,
        start: usize,
        mut mask: u32,
    ) -> Option<(Option<usize>, Option<usize>)> {
        while mask != 0 {
            // The highest bit is the newest entry of the chunk.
            let bit = 31 - mask.leading_zeros();
            mask &= !(1 << bit);
            let k = start + bit as usize;
            let Some((n, v)) = self.table.get_from_oldest(k) else {
                continue;
            };
            if n != search.name {
                continue;
            }
            let index = self.index_of(k);
            if !search.full || v == search.value {
                return Some((search.full.then_some(index), Some(index)));
            }
            search.same_name.get_or_insert(index);
            search.candidates += 1;
            if search.candidates == MAX_CANDIDATES {
                return Some((None, search.same_name));
            }
        }
        None
    }

    /// The HPACK index of the dynamic entry that `k` counts from the oldest.
    fn index_of(&self, k: usize) -> usize {
        STATIC.len() + self.table.len() - k
    }

    fn worth_indexing(&self, static_name: Option<usize>, name: &[u8], value: &[u8]) -> bool {
        let fits = entry_size(name, value).saturating_mul(4) <= self.table.capacity() * 3;
        fits && !static_name.is_some_and(|first| per_message(first, value))
    }

    fn insert(&mut self, name: &[u8], value: &[u8], tag: u32) {
        let (evicted, added) = self.table.insert(name, value);
        self.forget(evicted);
        if added {
            let names = self.names.get_or_insert_with(Names::new);
            // The new entry is the newest: the last live tag.
            if let Some(slot) = names.tags.get_mut(self.table.len() - 1) {
                *slot = tag;
                if let Some(b) = names.buckets.get_mut(Names::bucket(tag)) {
                    *b = b.saturating_add(1);
                }
            }
        }
    }

    /// Drops the tags of the `n` oldest entries, just evicted: the others move to the
    /// front (at most 512 octets, and only when the table is full).
    fn forget(&mut self, n: usize) {
        let live = n..n + self.table.len();
        let Some(names) = self
            .names
            .as_mut()
            .filter(|names| n > 0 && live.end <= names.tags.len())
        else {
            return;
        };
        for &tag in names.tags.get(..n).unwrap_or_default() {
            if let Some(b) = names.buckets.get_mut(Names::bucket(tag)) {
                *b = b.saturating_sub(1);
            }
        }
        names.tags.copy_within(live, 0);
    }
}

/// A lookup in the dynamic table, under way.
struct Search<'a> {
    name: &'a [u8],
    value: &'a [u8],
    /// Whether an entry with the same value is looked for.
    full: bool,
    /// The newest entry with the same name seen so far.
    same_name: Option<usize>,
    /// Entries with the same name and another value seen so far.
    candidates: usize,
}

/// A mask of the tags in `chunk` equal to `tag`: bit `i` for `chunk[i]`.
fn matches(chunk: &[u32; LANES], tag: u32) -> u32 {
    chunk
        .iter()
        .enumerate()
        .fold(0, |mask, (i, &t)| mask | (u32::from(t == tag) << i))
}

/// Whether `name` holds an ASCII uppercase letter: eight octets at a time, each word
/// tested with a few integer operations (a letter's octet is at least `A` and not above
/// `Z`, below 0x80).
fn has_uppercase(name: &[u8]) -> bool {
    const ONES: u64 = u64::MAX / 0xff;
    fn letters(word: u64) -> u64 {
        // Seven bits of each octet plus a constant never carry into the next octet.
        let low = word & (0x7f * ONES);
        let from_a = low + u64::from(0x80 - b'A') * ONES;
        let past_z = low + u64::from(0x80 - b'Z' - 1) * ONES;
        from_a & !past_z & !word & (0x80 * ONES)
    }
    let mut words = name.chunks_exact(8);
    let mut found = 0;
    for word in &mut words {
        if let Ok(word) = <[u8; 8]>::try_from(word) {
            found |= letters(u64::from_le_bytes(word));
        }
    }
    found != 0 || words.remainder().iter().any(u8::is_ascii_uppercase)
}

/// Secrets short or common enough to be guessed one try at a time through the table
/// (RFC 7541 §7.1.3), by the index of their name in the static table (which holds
/// every such name).
fn guessable(static_name: usize, value: &[u8]) -> bool {
    match static_name {
        AUTHORIZATION | PROXY_AUTHORIZATION => true,
        COOKIE => value.len() < 20,
        _ => false,
    }
}

/// Fields whose value changes with nearly every message, by the index of their name in
/// the static table (which holds every such name): an entry would only evict others.
fn per_message(static_name: usize, value: &[u8]) -> bool {
    match static_name {
        PATH => value.contains(&b'?'),
        CONTENT_LENGTH | CONTENT_RANGE | AGE | ETAG | LAST_MODIFIED | IF_MODIFIED_SINCE
        | IF_NONE_MATCH => true,
        _ => false,
    }
}

const AUTHORIZATION: usize = static_name(b"authorization");
const PROXY_AUTHORIZATION: usize = static_name(b"proxy-authorization");
const COOKIE: usize = static_name(b"cookie");
const PATH: usize = static_name(b":path");
const CONTENT_LENGTH: usize = static_name(b"content-length");
const CONTENT_RANGE: usize = static_name(b"content-range");
const AGE: usize = static_name(b"age");
const ETAG: usize = static_name(b"etag");
const LAST_MODIFIED: usize = static_name(b"last-modified");
const IF_MODIFIED_SINCE: usize = static_name(b"if-modified-since");
const IF_NONE_MATCH: usize = static_name(b"if-none-match");

/// A literal field representation (RFC 7541 §6.2): the name index with its prefix
/// (0: the name follows as a string), then the value.
fn literal(flags: u8, prefix: u8, name_index: usize, name: &[u8], value: &[u8], dst: &mut Vec<u8>) {
    integer::encode(name_index, prefix, flags, dst);
    if name_index == 0 {
        string(name, dst);
    }
    string(value, dst);
}

/// A string literal (RFC 7541 §5.2), Huffman-coded only when strictly shorter.
fn string(s: &[u8], dst: &mut Vec<u8>) {
    let start = dst.len();
    if s.len() <= 2 {
        // Every code is at least 5 bits long, so one or two octets never code shorter:
        // not worth the attempt.
        dst.push(s.len() as u8);
        dst.extend_from_slice(s);
        return;
    }
    if s.len() < 0x7f {
        // Either length fits the first octet: code after a placeholder, then set it.
        dst.push(0);
        let first = match huffman::encode_shorter(s, s.len(), dst) {
            Some(coded) => 0x80 | coded as u8,
            None => {
                dst.extend_from_slice(s);
                s.len() as u8
            }
        };
        if let Some(at) = dst.get_mut(start) {
            *at = first;
        }
        return;
    }
    // The coded string goes after room for the plain length's prefix, which is at least
    // as long as a shorter length's: one pass codes and measures it.
    let (plain, room) = integer::encode_array(s.len(), 7, 0);
    dst.resize(start + room, 0);
    match huffman::encode_shorter(s, s.len(), dst) {
        Some(coded) => {
            let (prefix, used) = integer::encode_array(coded, 7, 0x80);
            if used < room {
                dst.copy_within(start + room.., start + used);
                dst.truncate(dst.len() - (room - used));
            }
            if let Some(at) = dst.get_mut(start..start + used) {
                at.copy_from_slice(prefix.get(..used).unwrap_or_default());
            }
        }
        None => {
            if let Some(at) = dst.get_mut(start..start + room) {
                at.copy_from_slice(plain.get(..room).unwrap_or_default());
            }
            dst.extend_from_slice(s);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hpack::Decoder;
    use crate::Fields;

    fn block(e: &mut Encoder, fields: &Fields) -> Vec<u8> {
        let mut out = Vec::new();
        e.encode(fields, &mut out);
        out
    }

    fn fields(pairs: &[(&str, &str)]) -> Fields {
        pairs.iter().copied().collect()
    }

    #[test]
    fn static_matches_are_indexed() {
        let mut e = Encoder::new();
        let f = fields(&[
            (":method", "GET"),
            (":status", "404"),
            ("accept-encoding", "gzip, deflate"),
        ]);
        assert_eq!(block(&mut e, &f), [0x82, 0x8d, 0x90]);
        assert_eq!(e.table_size(), 0);
    }

    #[test]
    fn literals_are_indexed_then_reused() {
        let mut e = Encoder::new();
        let f = fields(&[(":authority", "www.example.com"), ("x-custom", "v")]);
        let first = block(&mut e, &f);
        // :authority by static name index 1 with a Huffman value; x-custom literal name.
        assert_eq!(first[0], 0x41);
        assert_eq!(e.table_entries().len(), 2);
        // The same fields again: two indexed fields, newest first (62 is x-custom).
        assert_eq!(block(&mut e, &f), [0xbf, 0xbe]);
        // Same name, other value: the dynamic name index.
        let other = block(&mut e, &fields(&[("x-custom", "w")]));
        assert_eq!(other[0], 0x40 | 62);
    }

    #[test]
    fn names_are_lowercased() {
        let mut e = Encoder::new();
        let mut d = Decoder::new(4096);
        let f = fields(&[("Content-Type", "text/html"), ("X-Trace", "1")]);
        let out = d.decode(&block(&mut e, &f), 1 << 20).unwrap();
        assert_eq!(
            out,
            fields(&[("content-type", "text/html"), ("x-trace", "1")])
        );
        // Looked up lowercase, too.
        assert_eq!(block(&mut e, &f), [0xbf, 0xbe]);
    }

    #[test]
    fn secrets_are_never_indexed() {
        let mut e = Encoder::new();
        let mut d = Decoder::new(4096);
        let mut f = fields(&[
            ("authorization", "Bearer x"),
            ("cookie", "a=1"),
            ("cookie", "session=0123456789abcdef"),
        ]);
        f.append_sensitive("x-token", "t");
        let wire = block(&mut e, &f);
        assert_eq!(wire[0], 0x10 | 15); // never indexed, name index 23 = 15 + 8
        let out = d.decode(&wire, 1 << 20).unwrap();
        let flags: Vec<bool> = out.iter().map(|f| f.sensitive).collect();
        assert_eq!(flags, [true, true, false, true]);
        // Only the long cookie entered the table.
        assert_eq!(e.table_entries().len(), 1);
        // A sensitive field is never written indexed, even when the table has it.
        let mut again = Fields::new();
        again.append_sensitive("cookie", "session=0123456789abcdef");
        let wire = block(&mut e, &again);
        assert_eq!(wire[0], 0x10 | 15);
    }

    #[test]
    fn per_message_fields_and_large_entries_are_not_indexed() {
        let mut e = Encoder::new();
        let big = "x".repeat(3100);
        let f = fields(&[
            (":path", "/a?b=c"),
            ("content-length", "12"),
            ("x-big", &big),
            (":path", "/a"),
        ]);
        block(&mut e, &f);
        let names: Vec<&[u8]> = e.table_entries().map(|(n, _)| n).collect();
        assert_eq!(names, [&b":path"[..]]);
    }

    #[test]
    fn table_size_changes_are_signalled() {
        let mut e = Encoder::new();
        let mut d = Decoder::new(4096);
        let f = fields(&[("x-a", "1")]);
        d.decode(&block(&mut e, &f), 1 << 20).unwrap();
        // Down to 0 and back up: both updates, the lowest first.
        e.set_max_table_size(0);
        d.set_max_table_size(0);
        e.set_max_table_size(4096);
        d.set_max_table_size(4096);
        let wire = block(&mut e, &f);
        assert_eq!(&wire[..4], [0x20, 0x3f, 0xe1, 0x1f]);
        assert_eq!(d.decode(&wire, 1 << 20).unwrap(), f);
        // A larger limit than ours changes nothing on the wire.
        e.set_max_table_size(1 << 20);
        assert_eq!(block(&mut e, &f), [0xbe]);
        // Down to 100: one update, the entry of 36 octets stays.
        e.set_max_table_size(100);
        d.set_max_table_size(100);
        let wire = block(&mut e, &f);
        assert_eq!(wire, [0x3f, 0x45, 0xbe]);
        assert_eq!(d.decode(&wire, 1 << 20).unwrap(), f);
    }

    #[test]
    fn eviction_keeps_lookups_right() {
        let mut e = Encoder::new();
        let mut d = Decoder::new(4096);
        for round in 0..3 {
            for i in 0..400 {
                let value = format!("value-{}", i % 150);
                let f = fields(&[
                    ("x-n", &value),
                    (":path", "/"),
                    ("x-round", &round.to_string()),
                ]);
                let wire = block(&mut e, &f);
                assert_eq!(d.decode(&wire, 1 << 20).unwrap(), f, "round {round}, {i}");
                assert_eq!(e.table_size(), d.table_size());
                assert!(e.table_entries().eq(d.table_entries()));
            }
        }
        let (len, names) = (e.table.len(), e.names.as_ref().unwrap());
        let mut buckets = [0u8; 256];
        for (i, (name, _)) in e.table_entries().enumerate() {
            let tag = hash(name) as u32;
            assert_eq!(names.tags[len - 1 - i], tag);
            buckets[Names::bucket(tag)] += 1;
        }
        assert_eq!(names.buckets, buckets);
    }
}
