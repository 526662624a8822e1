//! Request and response heads, and their fields: wire-exact and zero-copy.
//!
//! A head received from a peer keeps the original bytes of every field name and value,
//! in their original case and order, as [`Bytes`] slices of the connection's input
//! buffer. A head you send has the same type and is written exactly as you built it.

use crate::h1::encode::{FieldInfo, LineFraming};
use bytes::{Bytes, BytesMut};
use std::fmt;

/// The HTTP version of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Version {
    /// HTTP/1.0 (keep-alive is opt-in, no chunked framing).
    Http10,
    /// HTTP/1.1 (RFC 9112).
    Http11,
    /// HTTP/2 (RFC 9113).
    Http2,
}

impl Version {
    /// The version as written on an HTTP/1.x start line.
    pub fn as_str(self) -> &'static str {
        match self {
            Version::Http10 => "HTTP/1.0",
            Version::Http11 => "HTTP/1.1",
            Version::Http2 => "HTTP/2",
        }
    }
}

/// One header or trailer field, borrowed from its [`Fields`]: a name and a value, both
/// kept byte for byte.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Field<'a> {
    /// The name as it appeared on the wire (case preserved).
    pub name: &'a [u8],
    /// The value, without leading and trailing whitespace (RFC 9110 §5.5).
    pub value: &'a [u8],
    /// Whether the field must never enter a compression table (HPACK's never-indexed
    /// representation, RFC 7541 §6.2.3): set by the peer, or by the application for
    /// secrets it sends.
    pub sensitive: bool,
}

impl Field<'_> {
    /// Whether the name equals `name`, ignoring ASCII case (field names are
    /// case-insensitive, RFC 9110 §5.1).
    pub fn is(&self, name: &str) -> bool {
        eq_ignore_ascii_case(self.name, name.as_bytes())
    }
}

/// `a` and `b` are equal ignoring ASCII case: eight bytes at a time, as lookups compare
/// names of a dozen bytes or more (`content-length`) with every field of a head.
pub(crate) fn eq_ignore_ascii_case(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if n < 8 {
        return a.eq_ignore_ascii_case(b);
    }
    let word = |s: &[u8], at: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&s[at..at + 8]);
        lower_word(u64::from_le_bytes(w))
    };
    let mut at = 0;
    while at + 8 < n {
        if word(a, at) != word(b, at) {
            return false;
        }
        at += 8;
    }
    // The last word may overlap the one before.
    word(a, n - 8) == word(b, n - 8)
}

/// Each byte of `x` lowercased if it is an ASCII capital letter, all eight at once.
fn lower_word(x: u64) -> u64 {
    const LOW7: u64 = u64::from_ne_bytes([0x7f; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    // Adding to the low seven bits of each byte sets its high bit past a threshold,
    // without a carry into the next byte.
    let ge_a = (x & LOW7) + u64::from_ne_bytes([0x80 - b'A'; 8]);
    let gt_z = (x & LOW7) + u64::from_ne_bytes([0x80 - b'Z' - 1; 8]);
    // A capital: at least 'A', at most 'Z', and ASCII.
    let upper = ge_a & !gt_z & !x & HIGHS;
    x | (upper >> 2)
}

impl fmt::Debug for Field<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}",
            String::from_utf8_lossy(self.name),
            String::from_utf8_lossy(self.value)
        )?;
        if self.sensitive {
            f.write_str(" (sensitive)")?;
        }
        Ok(())
    }
}

/// An ordered list of fields: a header section or a trailer section.
///
/// Lookups ignore ASCII case; iteration gives the fields in wire order with their
/// original bytes. A received section keeps its bytes in one shared buffer (a slice of
/// the connection's input), so that parsing it costs no copy and no reference count per
/// field; [`Fields::get_bytes`] hands out a zero-copy [`Bytes`] when one is needed. A
/// section that arrived as strict HTTP/1.1 lines is not even indexed until changed:
/// reading it walks the checked lines, so receiving a head allocates nothing for it.
/// One decoded from HPACK keeps its index in the shared buffer, in front of its bytes.
/// A section you build is kept as lines too, each field checked as you add it, in one
/// buffer that HTTP/1.1 writes as it is; a field no line can hold (one marked
/// sensitive, or a value with whitespace at either end) indexes it, with no change to
/// what it reads as.
///
/// ```
/// use weir::Fields;
/// let mut fields = Fields::new();
/// fields.append("Content-Type", "text/plain");
/// fields.append("X-Trace", "a");
/// fields.append("x-trace", "b");
/// assert_eq!(fields.get("content-type").unwrap(), b"text/plain");
/// assert_eq!(fields.get_all("X-TRACE").count(), 2);
/// ```
#[derive(Clone, Default)]
pub struct Fields {
    store: Store,
    entries: Vec<Entry>,
    /// How many fields the section holds while they are still checked lines, the whole
    /// store (received, see [`Fields::from_lines`], or built, see `push_line`),
    /// `entries` then being empty; 0 once indexed.
    lines: u32,
    /// How many fields a shared section holds as packed entries at the start of its
    /// store (see [`Fields::share_via`]), `entries` then being empty and `lines` 0;
    /// 0 once indexed.
    packed: u32,
    /// What the lines built by `push_line` say of framing, noted as they come, so that
    /// sending the head need not read them again (see `h1::encode::LineFraming`).
    framing: LineFraming,
}

/// The bytes of a packed entry: the offsets and lengths of the name and the value
/// within the bytes after the packed entries, as little-endian u32s, the name's length
/// carrying the sensitive flag in its high bit.
const PACKED: usize = 16;
const SENSITIVE_BIT: u32 = 1 << 31;

/// The buffers a decoder builds its sections in, which [`Fields::share_via`] gives back
/// for the next one.
#[derive(Debug, Default)]
pub(crate) struct Workspace {
    bytes: Vec<u8>,
    entries: Vec<Entry>,
}

/// Where the bytes of the fields live.
#[derive(Clone)]
enum Store {
    /// Received: a slice of the input, shared with the connection's other heads.
    Shared(Bytes),
    /// Built or changed by the application.
    Owned(Vec<u8>),
}

impl Default for Store {
    fn default() -> Store {
        Store::Owned(Vec::new())
    }
}

impl Store {
    fn bytes(&self) -> &[u8] {
        match self {
            Store::Shared(b) => b,
            Store::Owned(v) => v,
        }
    }

    /// The owned buffer, copying the shared one on the first change.
    fn owned(&mut self) -> &mut Vec<u8> {
        if let Store::Shared(b) = self {
            *self = Store::Owned(b.to_vec());
        }
        match self {
            Store::Owned(v) => v,
            Store::Shared(_) => unreachable!("converted just above"),
        }
    }
}

/// Offsets into the store: u32 keeps an entry at 20 bytes, and no head comes near 4 GiB
/// (the limits in `Config` are far below).
#[derive(Clone, Copy, Debug)]
struct Entry {
    name: u32,
    name_len: u32,
    value: u32,
    value_len: u32,
    sensitive: bool,
}

impl Entry {
    fn name_range(&self) -> std::ops::Range<usize> {
        self.name as usize..(self.name + self.name_len) as usize
    }

    fn value_range(&self) -> std::ops::Range<usize> {
        self.value as usize..(self.value + self.value_len) as usize
    }
}

/// The room a built section starts with: fields, and bytes of names and values.
const FIRST_ROOM_FIELDS: usize = 8;
const FIRST_ROOM_BYTES: usize = 256;

/// `n` as a store offset. Stores are bounded by the head limits in `Config`, but the
/// application can build anything, so this refuses rather than wraps.
fn offset(n: usize) -> u32 {
    u32::try_from(n).expect("a field section larger than 4 GiB")
}

/// Field spans found by a parser in a buffer that becomes the store afterwards: a
/// connection parses its input in place, then freezes the head into `Bytes`.
pub(crate) struct Spans {
    base: usize,
    entries: Vec<Entry>,
}

impl Spans {
    /// Spans into `buf`, with room for `capacity` fields. `buf` must not exceed 4 GiB
    /// (the head limits in `Config` keep it far below).
    pub(crate) fn new(buf: &[u8], capacity: usize) -> Spans {
        offset(buf.len());
        Spans {
            base: buf.as_ptr() as usize,
            entries: Vec::with_capacity(capacity),
        }
    }

    /// Spans into `buf` of every `(name, value)` pair, sub-slices of `buf`, in one
    /// allocation of the exact size. `buf` must not exceed 4 GiB.
    pub(crate) fn collect<'b>(
        buf: &[u8],
        fields: impl ExactSizeIterator<Item = (&'b [u8], &'b [u8])>,
    ) -> Spans {
        offset(buf.len());
        let (base, len) = (buf.as_ptr() as usize, buf.len());
        // By value, so that the loop keeps the base in a register.
        let at = move |s: &[u8]| {
            debug_assert!(
                s.as_ptr() as usize >= base && s.as_ptr() as usize + s.len() <= base + len,
                "spans must point into the buffer"
            );
            // Within a buffer of at most 4 GiB (checked above), so the cast is exact.
            (s.as_ptr() as usize - base) as u32
        };
        Spans {
            base,
            entries: fields
                .map(|(name, value)| Entry {
                    name: at(name),
                    name_len: name.len() as u32,
                    value: at(value),
                    value_len: value.len() as u32,
                    sensitive: false,
                })
                .collect(),
        }
    }

    /// Adds a field whose name and value are sub-slices of the buffer.
    #[inline]
    pub(crate) fn push(&mut self, name: &[u8], value: &[u8]) {
        debug_assert!(
            (name.as_ptr() as usize) >= self.base && (value.as_ptr() as usize) >= self.base,
            "spans must point into the buffer"
        );
        // Within a buffer of at most 4 GiB (checked in `new`), so the casts are exact.
        let at = |s: &[u8]| (s.as_ptr() as usize - self.base) as u32;
        self.entries.push(Entry {
            name: at(name),
            name_len: name.len() as u32,
            value: at(value),
            value_len: value.len() as u32,
            sensitive: false,
        });
    }

    /// The fields, over `store`: the bytes of the buffer the spans were found in.
    pub(crate) fn into_fields(self, store: Bytes) -> Fields {
        Fields {
            store: Store::Shared(store),
            entries: self.entries,
            lines: 0,
            packed: 0,
            framing: LineFraming::default(),
        }
    }
}

impl Fields {
    /// An empty field list.
    pub fn new() -> Fields {
        Fields::default()
    }

    /// An empty field list with room for `n` fields of a typical size (a name and a
    /// value of about 28 bytes together).
    pub fn with_capacity(n: usize) -> Fields {
        /// A field's bytes as a line, `name: value CRLF`, in a typical head.
        const TYPICAL_LINE: usize = 32;
        Fields {
            store: Store::Owned(Vec::with_capacity(n.saturating_mul(TYPICAL_LINE))),
            entries: Vec::new(),
            lines: 0,
            packed: 0,
            framing: LineFraming::default(),
        }
    }

    /// A received section that is `count` lines, each `name ":" OWS value OWS CRLF`
    /// with a token for a name and no CR or LF in the value: what the HTTP/1.1 parser
    /// has checked already. It is read as it is, and indexed only when first changed.
    pub(crate) fn from_lines(block: Bytes, count: usize) -> Fields {
        debug_assert_eq!(lines(&block, usize::MAX).count(), count);
        Fields {
            store: Store::Shared(block),
            entries: Vec::new(),
            lines: offset(count),
            packed: 0,
            framing: LineFraming::UNKNOWN,
        }
    }

    /// Indexes a section still kept as lines or packed entries, before a change or an
    /// indexed lookup.
    #[inline]
    fn index(&mut self) {
        if self.lines != 0 || self.packed != 0 {
            self.index_now();
        }
    }

    fn index_now(&mut self) {
        let base = self.store.bytes().as_ptr() as usize;
        // Within a store of at most 4 GiB (`from_lines` counts in u32), so exact.
        let at = |s: &[u8]| (s.as_ptr() as usize - base) as u32;
        let entries = self
            .iter()
            .map(|f| Entry {
                name: at(f.name),
                name_len: f.name.len() as u32,
                value: at(f.value),
                value_len: f.value.len() as u32,
                sensitive: f.sensitive,
            })
            .collect();
        self.entries = entries;
        self.lines = 0;
        self.packed = 0;
    }

    /// Makes room for `fields` more fields holding `bytes` more bytes, so that a decoder
    /// that knows the sizes up front allocates once.
    pub(crate) fn reserve(&mut self, fields: usize, bytes: usize) {
        self.index();
        self.entries.reserve(fields);
        self.store.owned().reserve(bytes);
    }

    /// An empty section to be built in `work` (emptied first), with room for `n`
    /// fields: a decoder passes what [`Fields::share_via`] gave back.
    pub(crate) fn building(work: Workspace, n: usize) -> Fields {
        let Workspace {
            bytes: mut store,
            mut entries,
        } = work;
        store.clear();
        entries.clear();
        entries.reserve(n);
        Fields {
            store: Store::Owned(store),
            entries,
            lines: 0,
            packed: 0,
            framing: LineFraming::default(),
        }
    }

    /// Shares a built section from `pool`: its entries, packed, and its bytes are
    /// appended there and split off, and the buffers they were built in come back for
    /// the next section. Once every section split from it is dropped, `pool` is reused
    /// in place, so that a steady flow of sections allocates nothing; one kept alive
    /// keeps its part of the pool (at most `POOL_BYTES` or its own size) alive with it.
    pub(crate) fn share_via(&mut self, pool: &mut BytesMut) -> Workspace {
        /// The pool's first size: a few typical request heads.
        const POOL_BYTES: usize = 4096;
        // Only an indexed section of under 2 GiB (so that every length leaves the
        // sensitive bit free) is packed; a decoder builds no other.
        let packable = self.lines == 0 && self.packed == 0;
        let Store::Owned(built) = &mut self.store else {
            return Workspace::default();
        };
        if !packable || built.len() >= SENSITIVE_BIT as usize {
            return Workspace::default();
        }
        let need = self.entries.len() * PACKED + built.len();
        // Room for a few sections at a time: in place if the sections shared earlier
        // are all gone, else a new buffer (the old one lives on with them).
        if pool.capacity() < need {
            pool.reserve(POOL_BYTES.max(need));
        }
        for e in &self.entries {
            let flagged = e.name_len | if e.sensitive { SENSITIVE_BIT } else { 0 };
            let mut packed = [0; PACKED];
            for (at, n) in [e.name, flagged, e.value, e.value_len]
                .into_iter()
                .enumerate()
            {
                packed[at * 4..at * 4 + 4].copy_from_slice(&n.to_le_bytes());
            }
            pool.extend_from_slice(&packed);
        }
        pool.extend_from_slice(built);
        let bytes = std::mem::take(built);
        self.store = Store::Shared(pool.split().freeze());
        self.packed = offset(self.entries.len());
        Workspace {
            bytes,
            entries: std::mem::take(&mut self.entries),
        }
    }

    /// Adds a field whose bytes `write` appends to the owned buffer, name then value,
    /// returning the name's length: a decoder writes straight into the section instead
    /// of through a scratch copy. Returns the field, or `None` (and adds nothing) if the
    /// section would pass 4 GiB; if `write` fails, the section is left as it was.
    pub(crate) fn push_with<E>(
        &mut self,
        sensitive: bool,
        write: impl FnOnce(&mut Vec<u8>) -> Result<usize, E>,
    ) -> Result<Option<Field<'_>>, E> {
        self.index();
        let buf = self.store.owned();
        let start = buf.len();
        let name_len = match write(buf) {
            Ok(n) => n,
            Err(e) => {
                buf.truncate(start);
                return Err(e);
            }
        };
        let fits = |n: usize| u32::try_from(n).ok();
        let entry = (|| {
            let value_at = start.checked_add(name_len)?;
            Some(Entry {
                name: fits(start)?,
                name_len: fits(name_len)?,
                value: fits(value_at)?,
                value_len: fits(buf.len().checked_sub(value_at)?)?,
                sensitive,
            })
        })()
        .filter(|_| fits(buf.len()).is_some());
        let Some(entry) = entry else {
            buf.truncate(start);
            return Ok(None);
        };
        self.entries.push(entry);
        Ok(Some(self.field(&entry)))
    }

    fn field(&self, e: &Entry) -> Field<'_> {
        let bytes = self.store.bytes();
        Field {
            name: &bytes[e.name_range()],
            value: &bytes[e.value_range()],
            sensitive: e.sensitive,
        }
    }

    fn push(&mut self, name: &[u8], value: &[u8], sensitive: bool) {
        // A section not indexed yet grows as lines, in one buffer that is also what an
        // HTTP/1.1 head writes: no index to allocate, and nothing to check or format
        // again on sending. A field a line cannot hold (sensitive, or not valid on the
        // wire, which sending then refuses) indexes the section.
        let unindexed = self.entries.is_empty() && self.packed == 0;
        if unindexed && !sensitive && crate::h1::encode::fits_a_line(name, value) {
            self.push_line(name, value);
            return;
        }
        self.push_entry(name, value, sensitive);
    }

    /// Adds a field to the index (indexing the section first): for a decoder, whose
    /// sections start with pseudo-headers, which no line holds, and are read by name
    /// and value rather than written as lines.
    pub(crate) fn push_entry(&mut self, name: &[u8], value: &[u8], sensitive: bool) {
        self.index();
        // A head built field by field would otherwise grow both buffers a few times
        // over: room for a typical small head from the first field.
        if self.entries.capacity() == 0 {
            self.entries.reserve(FIRST_ROOM_FIELDS);
        }
        let buf = self.store.owned();
        if buf.capacity() == 0 {
            buf.reserve(FIRST_ROOM_BYTES.max(name.len() + value.len()));
        }
        let name_at = offset(buf.len());
        buf.extend_from_slice(name);
        let value_at = offset(buf.len());
        buf.extend_from_slice(value);
        self.entries.push(Entry {
            name: name_at,
            name_len: offset(name.len()),
            value: value_at,
            value_len: offset(value.len()),
            sensitive,
        });
    }

    /// Adds the line `name: value CRLF` to a section kept as lines (or empty).
    fn push_line(&mut self, name: &[u8], value: &[u8]) {
        debug_assert!(self.entries.is_empty() && self.packed == 0);
        if self.lines == 0 {
            // No lines and no index: whatever the store holds is no field's, and the
            // lines must be all of it.
            match &mut self.store {
                Store::Owned(buf) => buf.clear(),
                shared => *shared = Store::default(),
            }
            self.framing = LineFraming::default();
        }
        self.framing.note(name, value);
        let buf = self.store.owned();
        let line = name.len() + value.len() + 4;
        offset(buf.len() + line);
        if buf.capacity() == 0 {
            // Allocated outright: cheaper than growing an empty vector.
            *buf = Vec::with_capacity(FIRST_ROOM_BYTES.max(line));
        }
        buf.extend_from_slice(name);
        buf.extend_from_slice(b": ");
        buf.extend_from_slice(value);
        buf.extend_from_slice(b"\r\n");
        self.lines += 1;
    }

    /// The section as its lines, `name: value CRLF` each, if it is kept that way: every
    /// field checked already, and the bytes what HTTP/1.1 writes.
    pub(crate) fn as_lines(&self) -> Option<&[u8]> {
        (self.lines > 0).then(|| self.store.bytes())
    }

    /// What framing needs from the lines ([`as_lines`](Fields::as_lines)), if they
    /// were noted as they were added.
    pub(crate) fn lines_framing(&self) -> Option<FieldInfo> {
        self.framing.info()
    }

    /// Adds a field at the end, keeping any others of the same name.
    ///
    /// # Panics
    ///
    /// If the section grows beyond 4 GiB.
    pub fn append(&mut self, name: impl AsRef<[u8]>, value: impl AsRef<[u8]>) {
        self.push(name.as_ref(), value.as_ref(), false);
    }

    /// Adds a field that must never be indexed by header compression (RFC 7541 §7.1.3):
    /// a secret such as a token that an attacker could otherwise guess byte by byte.
    pub fn append_sensitive(&mut self, name: impl AsRef<[u8]>, value: impl AsRef<[u8]>) {
        self.push(name.as_ref(), value.as_ref(), true);
    }

    /// Adds a field unless one of that name is already present.
    pub fn append_if_missing(&mut self, name: &str, value: impl AsRef<[u8]>) {
        if !self.contains(name) {
            self.append(name, value);
        }
    }

    /// Replaces every field named `name` with one field (placed where the first was).
    pub fn set(&mut self, name: &str, value: impl AsRef<[u8]>) {
        self.index();
        let Some(first) = self.position(name) else {
            self.append(name, value);
            return;
        };
        let value = value.as_ref();
        let buf = self.store.owned();
        let value_at = offset(buf.len());
        buf.extend_from_slice(value);
        let e = &mut self.entries[first];
        e.value = value_at;
        e.value_len = offset(value.len());
        let mut i = first + 1;
        while i < self.entries.len() {
            if self.field(&self.entries[i]).is(name) {
                self.entries.remove(i);
            } else {
                i += 1;
            }
        }
    }

    /// Removes every field named `name`; returns how many were removed.
    pub fn remove(&mut self, name: &str) -> usize {
        self.index();
        let before = self.entries.len();
        let store = &self.store;
        self.entries
            .retain(|e| !store.bytes()[e.name_range()].eq_ignore_ascii_case(name.as_bytes()));
        before - self.entries.len()
    }

    fn position(&self, name: &str) -> Option<usize> {
        self.iter().position(|f| f.is(name))
    }

    /// The value of the first field named `name`.
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.iter().find(|f| f.is(name)).map(|f| f.value)
    }

    /// The value of the first field named `name` as [`Bytes`]: a zero-copy slice of
    /// the input for a received section, a copy otherwise.
    pub fn get_bytes(&self, name: &str) -> Option<Bytes> {
        self.value_bytes(self.position(name)?)
    }

    /// The value of the `i`-th field as [`Bytes`] (zero-copy when received).
    pub(crate) fn value_bytes(&self, i: usize) -> Option<Bytes> {
        Some(self.bytes_of(self.iter().nth(i)?.value))
    }

    /// `part`, a name or value of these fields, as [`Bytes`] (zero-copy when received).
    pub(crate) fn bytes_of(&self, part: &[u8]) -> Bytes {
        match &self.store {
            Store::Shared(b) if !part.is_empty() => b.slice_ref(part),
            _ => Bytes::copy_from_slice(part),
        }
    }

    /// The values of every field named `name`, in order.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.iter().filter(move |f| f.is(name)).map(|f| f.value)
    }

    /// Whether a field named `name` is present.
    pub fn contains(&self, name: &str) -> bool {
        self.position(name).is_some()
    }

    /// Whether any comma-separated element of any `name` field equals `token`,
    /// ignoring ASCII case (for list fields such as `Connection`, RFC 9110 §5.6.1).
    pub fn has_token(&self, name: &str, token: &str) -> bool {
        self.get_all(name)
            .flat_map(list_elements)
            .any(|e| e.eq_ignore_ascii_case(token.as_bytes()))
    }

    /// The fields in wire order.
    pub fn iter(&self) -> FieldIter<'_> {
        // Packed entries come first in the store, and offsets count from after them.
        let (packed, bytes) = self.store.bytes().split_at(self.packed as usize * PACKED);
        FieldIter {
            bytes,
            packed,
            entries: self.entries.iter(),
            lines: self.lines as usize,
        }
    }

    /// The number of fields.
    pub fn len(&self) -> usize {
        self.lines as usize + self.packed as usize + self.entries.len()
    }

    /// Whether there are no fields.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Keeps only the fields for which `keep` is true, in order, without copying them.
    pub(crate) fn retain(&mut self, mut keep: impl FnMut(Field<'_>) -> bool) {
        self.index();
        let store = &self.store;
        self.entries.retain(|e| {
            let bytes = store.bytes();
            keep(Field {
                name: &bytes[e.name_range()],
                value: &bytes[e.value_range()],
                sensitive: e.sensitive,
            })
        });
    }

    /// Drops the first `n` fields (the pseudo-headers of an HTTP/2 block, which become
    /// the head's own fields), without copying the rest.
    pub(crate) fn drop_first(&mut self, n: usize) {
        if let (Store::Shared(store), 1..) = (&mut self.store, self.packed) {
            // The entries go from the front; their offsets count from after the last,
            // which stays where it was.
            let n = n.min(self.packed as usize);
            bytes::Buf::advance(store, n * PACKED);
            self.packed -= n as u32;
            return;
        }
        self.index();
        self.entries.drain(..n.min(self.entries.len()));
    }
}

/// The fields of a [`Fields`], in order (see [`Fields::iter`]).
#[derive(Clone)]
pub struct FieldIter<'a> {
    /// The store's bytes, looked up once rather than per field; for a section kept as
    /// lines, the lines not read yet; for packed entries, the bytes after them.
    bytes: &'a [u8],
    /// The packed entries not read yet.
    packed: &'a [u8],
    entries: std::slice::Iter<'a, Entry>,
    /// The lines left to read (0 for an indexed section).
    lines: usize,
}

/// The fields of a block of checked lines (see [`Fields::from_lines`]), at most `count`.
pub(crate) fn lines(block: &[u8], count: usize) -> FieldIter<'_> {
    FieldIter {
        bytes: block,
        packed: &[],
        entries: [].iter(),
        lines: count,
    }
}

/// Whether a block of lines reads as exactly `fields`: the parser's check that what
/// [`Fields::from_lines`] will read is what httparse found.
pub(crate) fn lines_match<'b>(
    block: &'b [u8],
    fields: impl Iterator<Item = (&'b [u8], &'b [u8])>,
) -> bool {
    lines(block, usize::MAX)
        .map(|f| (f.name, f.value))
        .eq(fields)
}

/// The first field of a block of checked lines, and the lines after it.
fn next_line(block: &[u8]) -> Option<(Field<'_>, &[u8])> {
    use crate::h1::parse::{find_byte, find_lf};
    let colon = find_byte::<b':'>(block)?;
    let lf = colon + find_lf(&block[colon..])?;
    // The value is what lies between the colon and the line's CR, trimmed.
    let value = block.get(colon + 1..lf - 1)?;
    let field = Field {
        name: &block[..colon],
        value: trim_ows(value),
        sensitive: false,
    };
    Some((field, &block[lf + 1..]))
}

impl<'a> FieldIter<'a> {
    /// The next field of a section kept as lines.
    fn next_line(&mut self) -> Option<Field<'a>> {
        let Some((field, rest)) = next_line(self.bytes) else {
            // Only checked blocks are read this way, so this is not reached; if it
            // were, the iterator would end rather than repeat or panic.
            self.lines = 0;
            return None;
        };
        self.bytes = rest;
        self.lines -= 1;
        Some(field)
    }

    /// The next field of a section of packed entries.
    #[inline(always)]
    fn next_packed(&mut self) -> Option<Field<'a>> {
        let (entry, rest) = self.packed.split_first_chunk::<PACKED>()?;
        self.packed = rest;
        let n = |at: usize| {
            let mut word = [0; 4];
            word.copy_from_slice(&entry[at..at + 4]);
            u32::from_le_bytes(word) as usize
        };
        let (name, flagged, value, value_len) = (n(0), n(4), n(8), n(12));
        let name_len = flagged & !(SENSITIVE_BIT as usize);
        Some(Field {
            name: &self.bytes[name..name + name_len],
            value: &self.bytes[value..value + value_len],
            sensitive: flagged != name_len,
        })
    }
}

impl<'a> Iterator for FieldIter<'a> {
    type Item = Field<'a>;

    #[inline(always)]
    fn next(&mut self) -> Option<Field<'a>> {
        if let Some(e) = self.entries.next() {
            return Some(Field {
                name: &self.bytes[e.name_range()],
                value: &self.bytes[e.value_range()],
                sensitive: e.sensitive,
            });
        }
        if self.lines > 0 {
            return self.next_line();
        }
        self.next_packed()
    }

    fn nth(&mut self, n: usize) -> Option<Field<'a>> {
        // An indexed or packed section skips to the entry; lines are read through.
        if self.lines == 0 {
            let packed = n.min(self.packed.len() / PACKED);
            self.packed = &self.packed[packed * PACKED..];
            if n > packed {
                // Skips the first `n` entries.
                let _ = self.entries.nth(n - packed - 1);
            }
        } else {
            for _ in 0..n {
                self.next()?;
            }
        }
        self.next()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.lines + self.packed.len() / PACKED + self.entries.len();
        (n, Some(n))
    }
}

impl ExactSizeIterator for FieldIter<'_> {}

impl<'a> IntoIterator for &'a Fields {
    type Item = Field<'a>;
    type IntoIter = FieldIter<'a>;
    fn into_iter(self) -> FieldIter<'a> {
        self.iter()
    }
}

impl PartialEq for Fields {
    fn eq(&self, other: &Fields) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for Fields {}

impl std::hash::Hash for Fields {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_usize(self.len());
        for f in self {
            f.hash(state);
        }
    }
}

impl fmt::Debug for Fields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<N: AsRef<[u8]>, V: AsRef<[u8]>> FromIterator<(N, V)> for Fields {
    fn from_iter<I: IntoIterator<Item = (N, V)>>(iter: I) -> Fields {
        let mut fields = Fields::new();
        for (n, v) in iter {
            fields.append(n, v);
        }
        fields
    }
}

impl<N: AsRef<[u8]>, V: AsRef<[u8]>> Extend<(N, V)> for Fields {
    fn extend<I: IntoIterator<Item = (N, V)>>(&mut self, iter: I) {
        for (n, v) in iter {
            self.append(n, v);
        }
    }
}

/// The non-empty elements of a comma-separated list value, trimmed of optional
/// whitespace (RFC 9110 §5.6.1: recipients accept empty elements and ignore them).
pub(crate) fn list_elements(value: &[u8]) -> impl Iterator<Item = &[u8]> {
    value
        .split(|&b| b == b',')
        .map(trim_ows)
        .filter(|e| !e.is_empty())
}

pub(crate) fn trim_ows(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

/// A request head: method, target, version and header fields.
///
/// ```
/// use weir::Request;
/// let req = Request::new("GET", "/index.html").field("Host", "example.com");
/// assert_eq!(req.method, "GET");
/// assert_eq!(req.fields.get("host").unwrap(), b"example.com");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Request {
    /// The method token, e.g. `GET`.
    pub method: Bytes,
    /// The request target exactly as sent (origin, absolute, authority or asterisk form).
    pub target: Bytes,
    /// The protocol version.
    pub version: Version,
    /// The header fields, in wire order.
    pub fields: Fields,
    /// HTTP/2's `:scheme`. `None` on HTTP/1.1; when sending over HTTP/2, `None` means
    /// `http` (or the scheme of an absolute-form target).
    pub scheme: Option<Bytes>,
    /// HTTP/2's `:authority`. HTTP/1.1 carries it in `Host`; when sending over HTTP/2,
    /// `None` means the `Host` field's value (sent as `:authority` instead).
    pub authority: Option<Bytes>,
    /// The protocol of an extended CONNECT (RFC 8441 `:protocol`, e.g. `websocket`).
    pub protocol: Option<Bytes>,
}

impl Request {
    /// An HTTP/1.1 request with no fields.
    pub fn new(method: impl Into<Bytes>, target: impl Into<Bytes>) -> Request {
        Request {
            method: method.into(),
            target: target.into(),
            version: Version::Http11,
            fields: Fields::new(),
            scheme: None,
            authority: None,
            protocol: None,
        }
    }

    /// Adds a field (builder style).
    pub fn field(mut self, name: impl AsRef<[u8]>, value: impl AsRef<[u8]>) -> Request {
        self.fields.append(name, value);
        self
    }

    /// Sets the version (builder style).
    pub fn version(mut self, version: Version) -> Request {
        self.version = version;
        self
    }

    /// Whether the method is `name` (methods are case-sensitive, RFC 9110 §9.1).
    pub fn is_method(&self, name: &str) -> bool {
        self.method == name.as_bytes()
    }
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("method", &String::from_utf8_lossy(&self.method))
            .field("target", &String::from_utf8_lossy(&self.target))
            .field("version", &self.version)
            .field("fields", &self.fields)
            .field("scheme", &self.scheme)
            .field("authority", &self.authority)
            .field("protocol", &self.protocol)
            .finish()
    }
}

/// A response head: status, reason phrase, version and header fields.
///
/// ```
/// use weir::Response;
/// let res = Response::new(404).field("content-length", "0");
/// assert_eq!(res.status, 404);
/// assert_eq!(res.reason, "Not Found");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Response {
    /// The three-digit status code.
    pub status: u16,
    /// The reason phrase (HTTP/1.x only; may be empty).
    pub reason: Bytes,
    /// The protocol version.
    pub version: Version,
    /// The header fields, in wire order.
    pub fields: Fields,
}

impl Response {
    /// An HTTP/1.1 response with the standard reason phrase and no fields.
    pub fn new(status: u16) -> Response {
        Response {
            status,
            reason: Bytes::from_static(reason_phrase(status).as_bytes()),
            version: Version::Http11,
            fields: Fields::new(),
        }
    }

    /// Adds a field (builder style).
    pub fn field(mut self, name: impl AsRef<[u8]>, value: impl AsRef<[u8]>) -> Response {
        self.fields.append(name, value);
        self
    }

    /// Whether this is an informational (1xx) response.
    pub fn is_informational(&self) -> bool {
        (100..200).contains(&self.status)
    }
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("reason", &String::from_utf8_lossy(&self.reason))
            .field("version", &self.version)
            .field("fields", &self.fields)
            .finish()
    }
}

/// A received head: a request (on a server) or a response (on a client).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Head {
    /// A request head.
    Request(Request),
    /// A response head.
    Response(Response),
}

impl Head {
    /// The request, if this is one.
    pub fn as_request(&self) -> Option<&Request> {
        match self {
            Head::Request(r) => Some(r),
            Head::Response(_) => None,
        }
    }

    /// The response, if this is one.
    pub fn as_response(&self) -> Option<&Response> {
        match self {
            Head::Response(r) => Some(r),
            Head::Request(_) => None,
        }
    }

    /// The header fields.
    pub fn fields(&self) -> &Fields {
        match self {
            Head::Request(r) => &r.fields,
            Head::Response(r) => &r.fields,
        }
    }
}

/// What was parsed of a request before it failed (see [`Event::EarlyError`](crate::Event::EarlyError)).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PartialRequest {
    /// The method, if the request line got that far.
    pub method: Option<Bytes>,
    /// The target, if the request line got that far.
    pub target: Option<Bytes>,
    /// The version, if the request line was complete.
    pub version: Option<Version>,
    /// The fields parsed before the error (possibly none).
    pub fields: Fields,
}

/// The standard reason phrase of a status code (RFC 9110 §15), or `""`.
pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        101 => "Switching Protocols",
        103 => "Early Hints",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        203 => "Non-Authoritative Information",
        204 => "No Content",
        205 => "Reset Content",
        206 => "Partial Content",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Content Too Large",
        414 => "URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Range Not Satisfiable",
        417 => "Expectation Failed",
        421 => "Misdirected Request",
        422 => "Unprocessable Content",
        426 => "Upgrade Required",
        428 => "Precondition Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_keep_order_and_case() {
        let mut f = Fields::new();
        f.append("X-A", "1");
        f.append("x-b", "2");
        f.append("X-a", "3");
        let names: Vec<_> = f.iter().map(|f| f.name).collect();
        assert_eq!(names, [&b"X-A"[..], b"x-b", b"X-a"]);
        assert_eq!(f.get_all("x-a").collect::<Vec<_>>(), [b"1", b"3"]);
    }

    #[test]
    fn set_replaces_all_in_place() {
        let mut f = Fields::new();
        f.append("a", "1");
        f.append("B", "2");
        f.append("b", "3");
        f.set("b", "9");
        assert_eq!(format!("{f:?}"), "[a: 1, B: 9]");
        assert_eq!(f.remove("A"), 1);
        assert_eq!(f.len(), 1);
    }

    #[test]
    fn received_fields_share_the_input_until_changed() {
        let input = Bytes::from_static(b"Host: a\r\nX-Long: value\r\n");
        let mut spans = Spans::new(&input, 2);
        spans.push(&input[0..4], &input[6..7]);
        spans.push(&input[9..15], &input[17..22]);
        let mut f = spans.into_fields(input.clone());
        let value = f.get_bytes("x-long").unwrap();
        assert_eq!(value, "value");
        // Zero-copy: the value points into the input.
        assert_eq!(value.as_ptr(), input[17..].as_ptr());
        f.append_sensitive("Authorization", "secret");
        f.set("host", "b");
        assert_eq!(
            format!("{f:?}"),
            "[Host: b, X-Long: value, Authorization: secret (sensitive)]"
        );
        assert!(f.iter().nth(2).unwrap().sensitive);
        assert_eq!(f.get_bytes("x-long").unwrap(), "value");
    }

    #[test]
    fn lines_read_like_indexed_fields_until_changed() {
        let input = Bytes::from_static(b"Host: a\r\nX-Empty:\r\nX-Long:\t value \t\r\n");
        let mut f = Fields::from_lines(input.clone(), 3);
        let mut indexed: Fields = [("Host", "a"), ("X-Empty", ""), ("X-Long", "value")]
            .into_iter()
            .collect();
        indexed.index();
        assert!(indexed.as_lines().is_none());
        assert_eq!(f, indexed);
        assert_eq!((f.len(), f.iter().len()), (3, 3));
        let value = f.get_bytes("x-long").unwrap();
        assert_eq!(value.as_ptr(), input[28..].as_ptr(), "zero-copy");
        assert_eq!(f.value_bytes(1).unwrap(), "");
        let indexed_values: Vec<_> = (0..4).map(|i| indexed.iter().nth(i)).collect();
        let line_values: Vec<_> = (0..4).map(|i| f.iter().nth(i)).collect();
        assert_eq!(indexed_values, line_values);
        assert_eq!(indexed.iter().nth(2).unwrap().value, b"value");
        assert!(indexed.iter().nth(3).is_none());
        f.append("b", "2");
        f.set("host", "c");
        assert_eq!(
            format!("{f:?}"),
            "[Host: c, X-Empty: , X-Long: value, b: 2]"
        );
        let mut g = Fields::from_lines(input, 3);
        g.drop_first(1);
        assert_eq!(g.remove("x-empty"), 1);
        assert_eq!(format!("{g:?}"), "[X-Long: value]");
        assert!(lines_match(
            b"a: 1\r\nb:2\r\n",
            [(&b"a"[..], &b"1"[..]), (b"b", b"2")].into_iter()
        ));
        assert!(!lines_match(
            b"a: 1\r\n",
            [(&b"a"[..], &b"2"[..])].into_iter()
        ));
    }

    #[test]
    fn built_fields_are_lines_until_a_field_cannot_be_one() {
        let mut f = Fields::with_capacity(4);
        f.append("Content-Type", "text/plain");
        f.append("X-Empty", "");
        f.append("x-inner", "a  b");
        assert_eq!(
            f.as_lines(),
            Some(&b"Content-Type: text/plain\r\nX-Empty: \r\nx-inner: a  b\r\n"[..])
        );
        assert_eq!(f.entries.capacity(), 0, "no index allocated");
        assert_eq!(f.get("content-type"), Some(&b"text/plain"[..]));
        assert_eq!(f.get("x-empty"), Some(&b""[..]));
        assert_eq!(f.value_bytes(2).unwrap(), "a  b");
        // Fields a line would not read back the same, or that must stay marked, index
        // the section; their bytes and the order are kept.
        for (name, value, sensitive) in [
            ("X-Pad", " x\t", false),
            ("Bad Name", "x", false),
            ("X-Split", "a\r\nb", false),
            ("X-Nul", "a\0", false),
            ("Authorization", "secret", true),
        ] {
            let mut g = f.clone();
            if sensitive {
                g.append_sensitive(name, value);
            } else {
                g.append(name, value);
            }
            g.append("After", "1");
            assert!(g.as_lines().is_none(), "{name}");
            let last: Vec<_> = g.iter().skip(3).collect();
            let expected = [
                Field {
                    name: name.as_bytes(),
                    value: value.as_bytes(),
                    sensitive,
                },
                Field {
                    name: b"After",
                    value: b"1",
                    sensitive: false,
                },
            ];
            assert_eq!(last, expected, "{name}");
            assert_eq!(g.get("content-type"), Some(&b"text/plain"[..]));
        }
        // Changes index the lines in place.
        let mut g = f.clone();
        g.set("x-empty", "now");
        assert_eq!(
            format!("{g:?}"),
            "[Content-Type: text/plain, X-Empty: now, x-inner: a  b]"
        );
        assert_eq!(g, {
            let mut h = f.clone();
            h.set("X-EMPTY", "now");
            h
        });
        // A section emptied by removal starts its lines afresh.
        g.append_sensitive("k", "v");
        assert_eq!(g.remove("k") + g.remove("content-type"), 2);
        assert_eq!(g.remove("x-empty") + g.remove("x-inner"), 2);
        g.append("a", "1");
        assert_eq!(g.as_lines(), Some(&b"a: 1\r\n"[..]));
        // Received lines take built ones after them, copied once.
        let mut r = Fields::from_lines(Bytes::from_static(b"Host:  a \r\n"), 1);
        r.append("b", "2");
        assert_eq!(r.as_lines(), Some(&b"Host:  a \r\nb: 2\r\n"[..]));
        assert_eq!(format!("{r:?}"), "[Host: a, b: 2]");
    }

    #[test]
    fn equality_ignores_where_bytes_live() {
        let input = Bytes::from_static(b"a: 1");
        let mut spans = Spans::new(&input, 1);
        spans.push(&input[0..1], &input[3..4]);
        let shared = spans.into_fields(input.clone());
        let built: Fields = [("a", "1")].into_iter().collect();
        assert_eq!(shared, built);
        let mut sensitive = Fields::new();
        sensitive.append_sensitive("a", "1");
        assert_ne!(sensitive, built);
        let mut pool = BytesMut::new();
        let mut frozen = Fields::building(Workspace::default(), 1);
        frozen.push_entry(b"a", b"1", false);
        let work = frozen.share_via(&mut pool);
        assert_eq!(frozen.packed, 1);
        assert_eq!(frozen, built);
        assert_eq!(frozen.get_bytes("a").unwrap(), "1");
        drop(frozen);
        // The pool is reused in place as long as the sections shared from it are
        // dropped: thousands of sections never leave its first allocation.
        let base = pool.as_ptr() as usize - (PACKED + 2);
        let mut work = work;
        for i in 0..10_000 {
            let mut next = Fields::building(work, 1);
            next.push_entry(b"name", i.to_string().as_bytes(), false);
            work = next.share_via(&mut pool);
            let at = next.get_bytes("name").unwrap().as_ptr() as usize;
            assert!((base..base + 4096).contains(&at), "section {i} moved");
        }
    }

    #[test]
    fn shared_sections_read_their_packed_entries_until_changed() {
        let mut pool = BytesMut::new();
        let mut f = Fields::building(Workspace::default(), 4);
        for (name, value, sensitive) in [
            (":method", "GET", false),
            (":path", "/", false),
            ("cookie", "secret", true),
            ("accept", "*/*", false),
        ] {
            f.push_entry(name.as_bytes(), value.as_bytes(), sensitive);
        }
        let indexed = f.clone();
        let work = f.share_via(&mut pool);
        assert_eq!(
            (work.entries.capacity() >= 4, f.packed, f.entries.capacity()),
            (true, 4, 0)
        );
        assert_eq!(f, indexed);
        assert_eq!(f.len(), 4);
        assert_eq!(format!("{f:?}"), format!("{indexed:?}"));
        assert!(f.iter().nth(2).unwrap().sensitive);
        assert_eq!(f.iter().nth(3).unwrap().value, b"*/*");
        assert!(f.iter().nth(4).is_none());
        assert_eq!(f.iter().size_hint(), (4, Some(4)));
        let cookie = f.get_bytes("cookie").unwrap();
        // Dropping the pseudo-headers moves no byte and allocates no index.
        let mut g = f.clone();
        g.drop_first(2);
        assert_eq!((g.len(), g.packed), (2, 2));
        assert_eq!(g.get_bytes("cookie").unwrap().as_ptr(), cookie.as_ptr());
        assert_eq!(
            format!("{g:?}"),
            "[cookie: secret (sensitive), accept: */*]"
        );
        // A change indexes the entries, wherever they start.
        g.append("x", "1");
        g.set("accept", "text/html");
        assert_eq!(g.packed, 0);
        assert_eq!(
            format!("{g:?}"),
            "[cookie: secret (sensitive), accept: text/html, x: 1]"
        );
        let mut h = f.clone();
        h.drop_first(9);
        assert!(h.is_empty());
        h.append("a", "1");
        assert_eq!(h.as_lines(), Some(&b"a: 1\r\n"[..]));
    }

    #[test]
    fn push_with_writes_in_place_or_not_at_all() {
        let mut f = Fields::new();
        f.append("a", "1");
        let added = f.push_with(true, |buf| {
            buf.extend_from_slice(b"name");
            buf.extend_from_slice(b"value");
            Ok::<_, ()>(4)
        });
        let field = added.unwrap().unwrap();
        assert_eq!(
            (field.name, field.value, field.sensitive),
            (&b"name"[..], &b"value"[..], true)
        );
        let failed = f.push_with(false, |buf| {
            buf.extend_from_slice(b"partial");
            Err(())
        });
        assert_eq!(failed, Err(()));
        f.append("b", "2");
        assert_eq!(format!("{f:?}"), "[a: 1, name: value (sensitive), b: 2]");
    }

    #[test]
    fn tokens_in_lists() {
        let mut f = Fields::new();
        f.append("Connection", "keep-alive, , Upgrade");
        assert!(f.has_token("connection", "upgrade"));
        assert!(f.has_token("connection", "Keep-Alive"));
        assert!(!f.has_token("connection", "close"));
    }

    #[test]
    fn word_case_folding_matches_the_byte_one() {
        // Every byte in every position, against bytes that differ from it by case or not.
        for a in 0..=255u8 {
            for b in [a, a ^ 0x20, a.wrapping_add(1), 0x41, 0x5a, 0x61, 0x7a, 0xc1] {
                for at in [0, 7, 8, 12] {
                    let mut x = *b"Content-Length";
                    let mut y = *b"cONTENT-lENGTH";
                    x[at] = a;
                    y[at] = b;
                    assert_eq!(
                        eq_ignore_ascii_case(&x, &y),
                        x.eq_ignore_ascii_case(&y),
                        "{a:#x} {b:#x} at {at}"
                    );
                }
            }
        }
        assert!(!eq_ignore_ascii_case(b"content-length", b"content-lengt"));
        assert!(eq_ignore_ascii_case(b"Host", b"hOST"));
    }

    #[test]
    fn trim() {
        assert_eq!(trim_ows(b" \t a b\t "), b"a b");
        assert_eq!(trim_ows(b"   "), b"");
    }
}
