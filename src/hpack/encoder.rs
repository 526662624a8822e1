//! Encoding header blocks (RFC 7541 §6), with a small indexing policy.

use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};

use super::table::{entry_size, hash, static_find, DynamicTable, INITIAL_SLOTS, STATIC};
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
    /// The name hash and field hash of each entry, oldest first.
    keys: VecDeque<(u64, u64)>,
    /// Name hash or field hash → insertion number of the newest entry with that name,
    /// or that name and value (the two kinds of hash share the map; a match is checked
    /// against the entry anyway).
    index: Index,
    /// Entries evicted so far: the insertion number of the oldest entry.
    evicted: u64,
    /// The table size to use from the next block on.
    size: usize,
    /// The lowest size since the previous block, when the size changed.
    lowest: Option<usize>,
    /// Where an uppercase name is lowercased.
    name_buf: Vec<u8>,
}

type Index = HashMap<u64, u64, BuildHasherDefault<Prehashed>>;

/// The keys are hashes already.
#[derive(Default)]
struct Prehashed(u64);

impl Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

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
            keys: VecDeque::new(),
            index: Index::default(),
            evicted: 0,
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
        let mut name_buf = std::mem::take(&mut self.name_buf);
        for field in fields {
            // RFC 9113 §8.2.1: field names MUST be converted to lowercase.
            let name = if field.name.iter().any(u8::is_ascii_uppercase) {
                name_buf.clear();
                name_buf.extend(field.name.iter().map(u8::to_ascii_lowercase));
                &name_buf[..]
            } else {
                field.name
            };
            self.field(name, field.value, field.sensitive, dst);
        }
        self.name_buf = name_buf;
    }

    fn size_update(&mut self, size: usize, dst: &mut Vec<u8>) {
        // RFC 7541 §6.3: 001xxxxx, the new maximum size with a 5-bit prefix.
        integer::encode(size, 5, 0x20, dst);
        let evicted = self.table.set_capacity(size);
        self.forget(evicted);
    }

    fn field(&mut self, name: &[u8], value: &[u8], sensitive: bool, dst: &mut Vec<u8>) {
        let name_hash = hash(name, 0);
        let in_static = static_find(name, name_hash, value);
        // RFC 7541 §7.1.3: secrets go never indexed, also for intermediaries (§6.2.3).
        let never = sensitive || guessable(name, value);
        if !never {
            if let Some((_, Some(index))) = in_static {
                // RFC 7541 §6.1: indexed header field, 1xxxxxxx.
                integer::encode(index, 7, 0x80, dst);
                return;
            }
        }
        let field_hash = hash(value, name_hash);
        let (full, same_name) = self.find(name_hash, field_hash, name, value, !never);
        if let Some(index) = full {
            integer::encode(index, 7, 0x80, dst);
            return;
        }
        let name_index = in_static.map(|(first, _)| first).or(same_name).unwrap_or(0);
        if never {
            // RFC 7541 §6.2.3: 0001xxxx, 4-bit name index.
            literal(0x10, 4, name_index, name, value, dst);
        } else if self.worth_indexing(name, value) {
            // RFC 7541 §6.2.1: 01xxxxxx, 6-bit name index.
            literal(0x40, 6, name_index, name, value, dst);
            self.insert(name, value, name_hash, field_hash);
        } else {
            // RFC 7541 §6.2.2: 0000xxxx, 4-bit name index.
            literal(0x00, 4, name_index, name, value, dst);
        }
    }

    /// The HPACK indexes of the newest dynamic entry with this name and value (looked
    /// for only if `full`), and of the newest with this name.
    fn find(
        &self,
        name_hash: u64,
        field_hash: u64,
        name: &[u8],
        value: &[u8],
        full: bool,
    ) -> (Option<usize>, Option<usize>) {
        if full {
            if let Some(k) = self.lookup(field_hash) {
                if self.table.get_from_oldest(k) == Some((name, value)) {
                    return (Some(self.index_of(k)), None);
                }
            }
        }
        let same_name = self
            .lookup(name_hash)
            .filter(|&k| self.table.get_from_oldest(k).is_some_and(|e| e.0 == name));
        (None, same_name.map(|k| self.index_of(k)))
    }

    /// The position from the oldest of the entry that `hash` names, if any.
    fn lookup(&self, hash: u64) -> Option<usize> {
        let insertion = *self.index.get(&hash)?;
        usize::try_from(insertion.checked_sub(self.evicted)?).ok()
    }

    /// The HPACK index of the dynamic entry that `k` counts from the oldest.
    fn index_of(&self, k: usize) -> usize {
        STATIC.len() + self.table.len() - k
    }

    fn worth_indexing(&self, name: &[u8], value: &[u8]) -> bool {
        let fits = entry_size(name, value).saturating_mul(4) <= self.table.capacity() * 3;
        fits && !per_message(name, value)
    }

    fn insert(&mut self, name: &[u8], value: &[u8], name_hash: u64, field_hash: u64) {
        let (evicted, added) = self.table.insert(name, value);
        self.forget(evicted);
        if added {
            if self.keys.capacity() == 0 {
                // Sized once for a full table of typical entries.
                self.keys.reserve(INITIAL_SLOTS);
                self.index.reserve(2 * INITIAL_SLOTS);
            }
            let insertion = self.evicted + self.keys.len() as u64;
            self.keys.push_back((name_hash, field_hash));
            // The newest entry of a name or field is the last one evicted.
            self.index.insert(name_hash, insertion);
            self.index.insert(field_hash, insertion);
        }
    }

    /// Drops the lookup keys of the `n` oldest entries, just evicted.
    fn forget(&mut self, n: usize) {
        for _ in 0..n {
            let Some((name_hash, field_hash)) = self.keys.pop_front() else {
                break;
            };
            for hash in [name_hash, field_hash] {
                if self.index.get(&hash) == Some(&self.evicted) {
                    self.index.remove(&hash);
                }
            }
            self.evicted += 1;
        }
    }
}

/// Secrets short or common enough to be guessed one try at a time through the table
/// (RFC 7541 §7.1.3).
fn guessable(name: &[u8], value: &[u8]) -> bool {
    match name {
        b"authorization" | b"proxy-authorization" => true,
        b"cookie" => value.len() < 20,
        _ => false,
    }
}

/// Fields whose value changes with nearly every message: an entry would only evict
/// others.
fn per_message(name: &[u8], value: &[u8]) -> bool {
    match name {
        b":path" => value.contains(&b'?'),
        b"content-length" | b"content-range" | b"age" | b"etag" | b"last-modified"
        | b"if-modified-since" | b"if-none-match" => true,
        _ => false,
    }
}

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
        assert_eq!(e.keys.len(), e.table.len());
        assert!(e.index.len() <= 2 * e.table.len());
    }
}
