//! Decoding header blocks (RFC 7541 §3, §6).

use super::table::{entry_size, static_entry, DynamicTable, STATIC};
use super::{huffman, integer, HpackError};
use crate::h2::fields as h2_fields;
use crate::head::Workspace;
use crate::Fields;
use bytes::BytesMut;

/// A decoded list never passes this, whatever the limit asked for: [`Fields`] keeps
/// u32 offsets.
const MAX_LIST: usize = (u32::MAX / 2) as usize;

/// The receiving half of an HPACK context: decodes the header blocks of one connection,
/// in order.
///
/// ```
/// use weir::hpack::Decoder;
/// let mut decoder = Decoder::new(4096);
/// // RFC 7541 §C.2.4: the indexed field `:method: GET`.
/// let fields = decoder.decode(&[0x82], 16 * 1024).unwrap();
/// assert_eq!(fields.get(":method").unwrap(), b"GET");
/// ```
#[derive(Debug)]
pub struct Decoder {
    table: DynamicTable,
    /// The SETTINGS_HEADER_TABLE_SIZE we advertised and the peer acknowledged.
    max_table_size: usize,
    /// Set when our limit went below the table's size: the next block must start with
    /// an update to at most this.
    required_update: Option<usize>,
    /// Fields past the list limit are decoded here, to keep the table in step.
    scratch: Vec<u8>,
    /// The bytes of the previous list, to size the next one's buffer in one go.
    last_list_bytes: usize,
    /// Where lists are decoded, and where they are shared from (see
    /// `Fields::share_via`): both reused from list to list.
    work: Workspace,
    pool: BytesMut,
}

impl Decoder {
    /// A decoder whose table may grow to `max_table_size` octets: the
    /// SETTINGS_HEADER_TABLE_SIZE this endpoint advertised (4096 by default, RFC 9113
    /// §6.5.2).
    pub fn new(max_table_size: usize) -> Decoder {
        Decoder {
            // RFC 7541 §4.2: the table starts at the maximum the protocol allows.
            table: DynamicTable::new(max_table_size),
            max_table_size,
            required_update: None,
            scratch: Vec::new(),
            last_list_bytes: 0,
            work: Workspace::default(),
            pool: BytesMut::new(),
        }
    }

    /// Frees the buffers kept between blocks; the table stays (see
    /// `Connection::release_buffers`).
    pub(crate) fn release_buffers(&mut self) {
        self.scratch = Vec::new();
        self.work = Workspace::default();
        self.pool = BytesMut::new();
    }

    /// Our advertised limit changed (call it when the peer acknowledged the SETTINGS
    /// that carried it). If it is below the table's current size, the peer's next
    /// block must start with a table size update to at most the lowest limit set since
    /// the previous block (RFC 7541 §4.2).
    pub fn set_max_table_size(&mut self, max: usize) {
        self.max_table_size = max;
        if let Some(lowest) = self.required_update {
            self.required_update = Some(lowest.min(max));
        } else if max < self.table.capacity() {
            self.required_update = Some(max);
        }
    }

    /// The dynamic table's entries in index order (the first has index 62): for
    /// diagnostics and tests.
    pub fn table_entries(&self) -> impl ExactSizeIterator<Item = (&[u8], &[u8])> + '_ {
        self.table.iter()
    }

    /// The dynamic table's size: the sum of its entries' name, value and 32 octets of
    /// overhead (RFC 7541 §4.1).
    pub fn table_size(&self) -> usize {
        self.table.size()
    }

    /// The dynamic table's maximum size, as last set by the peer (RFC 7541 §4.2).
    pub fn table_capacity(&self) -> usize {
        self.table.capacity()
    }

    /// Decodes one complete header block: a HEADERS or PUSH_PROMISE fragment with its
    /// CONTINUATION fragments joined.
    ///
    /// `max_list_size` bounds the decoded list as SETTINGS_MAX_HEADER_LIST_SIZE does
    /// (the sum of name + value + 32 over the fields, RFC 9113 §6.5.2). Past it, the
    /// fields are decoded but no longer kept, so that memory stays bounded while the
    /// table stays in step with the peer, and the result is
    /// [`HpackError::ListTooLarge`], a stream error. Any other error is a connection
    /// error (COMPRESSION_ERROR, RFC 9113 §4.3).
    pub fn decode(&mut self, block: &[u8], max_list_size: usize) -> Result<Fields, HpackError> {
        self.decode_checked(block, max_list_size)
            .map(|(fields, _)| fields)
    }

    /// [`decode`](Decoder::decode), and which fields are known to pass the checks
    /// HTTP/2 makes of each field alone (`h2::fields::passes`): bit `i` for the `i`th
    /// field, none past the 64th.
    ///
    /// The verdict is taken once per table entry, when it is added (for the static
    /// table, once and for all), so that a field sent again by index, as most fields
    /// of a connection's later messages are, is not checked again.
    pub(crate) fn decode_checked(
        &mut self,
        block: &[u8],
        max_list_size: usize,
    ) -> Result<(Fields, u64), HpackError> {
        let max_list = max_list_size.min(MAX_LIST);
        let work = std::mem::take(&mut self.work);
        let mut fields = Fields::building(work, block.len().min(32));
        let estimate = (block.len() * 2).max(self.last_list_bytes).min(max_list);
        fields.reserve(0, estimate);

        let mut pos = self.size_updates(block)?;
        let mut list_size = 0usize;
        let mut over = false;
        let mut checked = 0u64;
        // The bit of the next field kept (0 past the 64th).
        let mut bit = 1u64;
        while let Some(&first) = block.get(pos) {
            if first & 0x80 != 0 {
                // RFC 7541 §6.1: indexed header field.
                let index = integer::decode(block, &mut pos, 7)?;
                let (name, value, passes) = lookup(&self.table, index)?;
                list_size = list_size.saturating_add(entry_size(name, value));
                if list_size > max_list {
                    over = true;
                }
                if !over {
                    fields.push_entry(name, value, false);
                    checked |= if passes { bit } else { 0 };
                    bit <<= 1;
                }
                continue;
            }
            if first & 0xe0 == 0x20 {
                // RFC 7541 §4.2: a dynamic table size update MUST occur at the beginning
                // of the first header block following the change; §6.3 places it there.
                return Err(HpackError::SizeUpdateNotAtStart);
            }
            // RFC 7541 §6.2.1 (01xxxxxx, 6-bit name index), §6.2.2 (0000xxxx) and §6.2.3
            // (0001xxxx, never indexed), both with a 4-bit name index.
            let indexing = first & 0x40 != 0;
            let sensitive = first & 0xf0 == 0x10;
            let name_index = integer::decode(block, &mut pos, if indexing { 6 } else { 4 })?;
            let table = &self.table;
            let field_pos = pos;
            let kept = if over {
                None
            } else {
                fields.push_with(sensitive, |buf| {
                    read_field(table, block, &mut pos, name_index, buf)
                })?
            };
            let is_kept = kept.is_some();
            let (name, value) = match kept {
                Some(f) => (f.name, f.value),
                None => {
                    // Past the limit (or past what a section can hold): decode aside.
                    over = true;
                    pos = field_pos;
                    self.scratch.clear();
                    let name_len =
                        read_field(table, block, &mut pos, name_index, &mut self.scratch)?;
                    self.scratch.split_at(name_len)
                }
            };
            list_size = list_size.saturating_add(entry_size(name, value));
            if list_size > max_list {
                over = true;
            }
            if indexing {
                // RFC 7541 §6.2.1: the field is added to the dynamic table as a new entry.
                let passes = h2_fields::passes(name, value);
                self.table.insert_checked(name, value, passes);
                checked |= if passes && is_kept { bit } else { 0 };
            }
            bit <<= u32::from(is_kept);
        }
        if over {
            return Err(HpackError::ListTooLarge {
                size: list_size,
                max: max_list,
            });
        }
        self.last_list_bytes = list_size;
        self.work = fields.share_via(&mut self.pool);
        Ok((fields, checked))
    }

    /// Applies the table size updates at the start of `block`; returns where the field
    /// representations start.
    fn size_updates(&mut self, block: &[u8]) -> Result<usize, HpackError> {
        let mut pos = 0;
        let mut updates = 0;
        while let Some(&first) = block.get(pos) {
            if first & 0xe0 != 0x20 {
                break;
            }
            // RFC 7541 §6.3: dynamic table size update, 001xxxxx with a 5-bit prefix.
            let size = integer::decode(block, &mut pos, 5)?;
            updates += 1;
            // RFC 7541 §4.2: after a change of the limit the encoder signals at most two
            // updates, the smallest size then the final one.
            if updates > 2 {
                return Err(HpackError::TooManySizeUpdates);
            }
            // RFC 7541 §6.3: the new maximum size MUST be lower than or equal to the
            // limit set by the protocol.
            if size > self.max_table_size {
                return Err(HpackError::SizeUpdateTooLarge {
                    size,
                    max: self.max_table_size,
                });
            }
            if let Some(max) = self.required_update.take() {
                // RFC 7541 §4.2: the first update after our limit went down must bring
                // the table within the lowest limit.
                if size > max {
                    return Err(HpackError::MissingSizeUpdate { max });
                }
            }
            self.table.set_capacity(size);
        }
        // RFC 7541 §4.2: this dynamic table size update MUST occur at the beginning of
        // the first header block following the change to the dynamic table size.
        if let Some(max) = self.required_update {
            return Err(HpackError::MissingSizeUpdate { max });
        }
        Ok(pos)
    }
}

/// The entry at `index` of the index space shared by both tables (RFC 7541 §2.3.3).
fn lookup(table: &DynamicTable, index: usize) -> Result<(&[u8], &[u8], bool), HpackError> {
    if index == 0 {
        // RFC 7541 §6.1: the index value of 0 is not used; it MUST be treated as a
        // decoding error if found in an indexed header field representation (and it
        // means "literal name" in the others, which never come here with 0).
        return Err(HpackError::ZeroIndex);
    }
    if let Some((name, value)) = static_entry(index) {
        return Ok((
            name,
            value,
            h2_fields::STATIC_PASSES >> (index - 1) & 1 == 1,
        ));
    }
    // RFC 7541 §2.3.3: indices strictly greater than the sum of the lengths of both
    // tables MUST be treated as a decoding error.
    table
        .get_checked(index - STATIC.len() - 1)
        .ok_or(HpackError::BadIndex(index))
}

/// Appends a literal field's name (from the tables when `name_index` is not 0) and
/// value to `buf`; returns the name's length.
fn read_field(
    table: &DynamicTable,
    block: &[u8],
    pos: &mut usize,
    name_index: usize,
    buf: &mut Vec<u8>,
) -> Result<usize, HpackError> {
    let start = buf.len();
    if name_index == 0 {
        read_string(block, pos, buf)?;
    } else {
        buf.extend_from_slice(lookup(table, name_index)?.0);
    }
    let name_len = buf.len() - start;
    read_string(block, pos, buf)?;
    Ok(name_len)
}

/// Appends a string literal (RFC 7541 §5.2) to `buf`.
fn read_string(block: &[u8], pos: &mut usize, buf: &mut Vec<u8>) -> Result<(), HpackError> {
    let huffman = block.get(*pos).is_some_and(|&b| b & 0x80 != 0);
    let len = integer::decode(block, pos, 7)?;
    // The string must lie within the block.
    let end = pos.checked_add(len).ok_or(HpackError::Truncated)?;
    let bytes = block.get(*pos..end).ok_or(HpackError::Truncated)?;
    *pos = end;
    if huffman {
        huffman::decode(bytes, buf)
    } else {
        buf.extend_from_slice(bytes);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BIG: usize = 1 << 20;

    /// A literal with incremental indexing and a literal name.
    fn indexed_literal(name: &str, value: &str) -> Vec<u8> {
        let mut b = vec![0x40, name.len() as u8];
        b.extend_from_slice(name.as_bytes());
        b.push(value.len() as u8);
        b.extend_from_slice(value.as_bytes());
        b
    }

    fn pairs(fields: &Fields) -> Vec<(String, String, bool)> {
        fields
            .iter()
            .map(|f| {
                (
                    String::from_utf8_lossy(f.name).into_owned(),
                    String::from_utf8_lossy(f.value).into_owned(),
                    f.sensitive,
                )
            })
            .collect()
    }

    #[test]
    fn every_representation() {
        let mut d = Decoder::new(4096);
        let mut block = vec![0x82]; // :method: GET
        block.extend(indexed_literal("x-a", "1"));
        block.extend([0x04, 0x01, b'/']); // :path: / without indexing, name index 4
        block.extend([0x10, 0x01, b'k', 0x01, b'v']); // never indexed, literal name
        block.extend([0x1f, 0x10, 0x01, b's']); // never indexed, name index 15 + 16 = 31
        block.push(0xbe); // index 62: x-a: 1
        let fields = d.decode(&block, BIG).unwrap();
        let s = |a: &str, b: &str, c| (a.to_string(), b.to_string(), c);
        assert_eq!(
            pairs(&fields),
            [
                s(":method", "GET", false),
                s("x-a", "1", false),
                s(":path", "/", false),
                s("k", "v", true),
                s("content-type", "s", true),
                s("x-a", "1", false),
            ]
        );
        assert_eq!(d.table_entries().len(), 1);
        assert_eq!(d.table_size(), 3 + 1 + 32);
    }

    #[test]
    fn index_zero_and_out_of_range() {
        let mut d = Decoder::new(4096);
        assert_eq!(d.decode(&[0x80], BIG), Err(HpackError::ZeroIndex));
        let mut d = Decoder::new(4096);
        assert_eq!(d.decode(&[0xbe], BIG), Err(HpackError::BadIndex(62)));
        // A name index beyond the tables.
        let mut d = Decoder::new(4096);
        assert_eq!(
            d.decode(&[0x7f, 0x00, 0x00], BIG),
            Err(HpackError::BadIndex(63))
        );
        // One entry: 62 is valid, 63 is not.
        let mut d = Decoder::new(4096);
        d.decode(&indexed_literal("a", "b"), BIG).unwrap();
        assert!(d.decode(&[0xbe], BIG).is_ok());
        assert_eq!(d.decode(&[0xbf], BIG), Err(HpackError::BadIndex(63)));
        // Huge indexes are errors, not panics.
        let mut d = Decoder::new(4096);
        assert_eq!(
            d.decode(&[0xff, 0x80, 0xff, 0xff, 0xff, 0x0f], BIG),
            Err(HpackError::BadIndex(u32::MAX as usize))
        );
    }

    #[test]
    fn strings_must_lie_within_the_block() {
        let mut d = Decoder::new(4096);
        assert_eq!(
            d.decode(&[0x40, 0x05, b'a'], BIG),
            Err(HpackError::Truncated)
        );
        assert_eq!(
            d.decode(&[0x40, 0x01, b'a'], BIG),
            Err(HpackError::Truncated)
        );
        assert_eq!(d.decode(&[0x40], BIG), Err(HpackError::Truncated));
        assert_eq!(
            d.decode(&[0x40, 0x7f, 0xff, 0xff, 0xff, 0x0f], BIG),
            Err(HpackError::Truncated)
        );
    }

    #[test]
    fn huffman_errors_are_connection_errors() {
        let mut d = Decoder::new(4096);
        // Value "a" Huffman-coded with bad padding 000.
        let e = d.decode(&[0x04, 0x81, 0b0001_1000], BIG).unwrap_err();
        assert_eq!(e, HpackError::HuffmanPaddingNotOnes);
        assert!(e.is_connection_error());
    }

    #[test]
    fn size_updates_only_at_the_start() {
        let mut d = Decoder::new(4096);
        // Two updates, then a field: fine.
        let fields = d.decode(&[0x20, 0x3f, 0xe1, 0x1f, 0x82], BIG).unwrap();
        assert_eq!(fields.len(), 1);
        assert_eq!(d.table_capacity(), 4096);
        // A block of only an update is fine too.
        assert!(d.decode(&[0x3f, 0xe1, 0x0f], BIG).unwrap().is_empty());
        assert_eq!(d.table_capacity(), 2048);
        // After a field: error.
        let mut d = Decoder::new(4096);
        assert_eq!(
            d.decode(&[0x82, 0x20], BIG),
            Err(HpackError::SizeUpdateNotAtStart)
        );
        // Three at the start: error.
        let mut d = Decoder::new(4096);
        assert_eq!(
            d.decode(&[0x20, 0x20, 0x20, 0x82], BIG),
            Err(HpackError::TooManySizeUpdates)
        );
    }

    #[test]
    fn size_updates_never_above_our_limit() {
        let mut d = Decoder::new(4096);
        // 4097 = 31 + 4066 (0xe2 0x1f).
        assert_eq!(
            d.decode(&[0x3f, 0xe2, 0x1f], BIG),
            Err(HpackError::SizeUpdateTooLarge {
                size: 4097,
                max: 4096
            })
        );
        let mut d = Decoder::new(0);
        assert_eq!(
            d.decode(&[0x21], BIG),
            Err(HpackError::SizeUpdateTooLarge { size: 1, max: 0 })
        );
        assert!(d.decode(&[0x20], BIG).is_ok());
    }

    #[test]
    fn a_lowered_limit_requires_an_update() {
        let mut d = Decoder::new(4096);
        d.set_max_table_size(100);
        assert_eq!(
            d.decode(&[0x82], BIG),
            Err(HpackError::MissingSizeUpdate { max: 100 })
        );

        // Too large an update is refused.
        let mut d = Decoder::new(4096);
        d.set_max_table_size(100);
        assert!(d.decode(&[0x3f, 0x46, 0x82], BIG).is_err());

        // Down then up again before the block: the lowest first.
        let mut d = Decoder::new(4096);
        d.decode(&indexed_literal("a", "b"), BIG).unwrap();
        d.set_max_table_size(0);
        d.set_max_table_size(4096);
        assert_eq!(
            d.decode(&[0x3f, 0xe1, 0x1f, 0x82], BIG),
            Err(HpackError::MissingSizeUpdate { max: 0 })
        );
        let mut d = Decoder::new(4096);
        d.decode(&indexed_literal("a", "b"), BIG).unwrap();
        d.set_max_table_size(0);
        d.set_max_table_size(4096);
        assert!(d.decode(&[0x20, 0x3f, 0xe1, 0x1f, 0x82], BIG).is_ok());
        assert_eq!(
            d.table_entries().len(),
            0,
            "the update to 0 evicted everything"
        );
        // The requirement is met once.
        assert!(d.decode(&[0x82], BIG).is_ok());

        // A limit still above the table's size requires nothing.
        let mut d = Decoder::new(4096);
        assert!(d.decode(&[0x3f, 0x45], BIG).is_ok()); // 100
        d.set_max_table_size(200);
        assert!(d.decode(&[0x82], BIG).is_ok());
    }

    #[test]
    fn bomb_stops_keeping_fields_but_keeps_the_table_in_step() {
        let mut d = Decoder::new(4096);
        let mut block = indexed_literal("x-big", &"a".repeat(100)); // 137 octets
        block.extend(indexed_literal("x-after", "1")); // inserted past the limit
        block.extend([0xbf, 0xbf, 0xbf]); // x-big three more times
        let e = d.decode(&block, 150).unwrap_err();
        assert_eq!(
            e,
            HpackError::ListTooLarge {
                size: 137 + 40 + 3 * 137,
                max: 150
            }
        );
        assert!(!e.is_connection_error());
        // The next block refers to the entry inserted past the limit: 62 is x-after.
        let fields = d.decode(&[0xbe, 0xbf], 4096).unwrap();
        assert_eq!(fields.get("x-after").unwrap(), b"1");
        assert_eq!(fields.get("x-big").unwrap().len(), 100);
    }

    #[test]
    fn bomb_of_indexed_fields_is_bounded() {
        let mut d = Decoder::new(4096);
        d.decode(&indexed_literal("x", &"a".repeat(120)), BIG)
            .unwrap();
        // 10 000 references to a 153-octet entry: 1.5 MB if kept.
        let block = vec![0xbe; 10_000];
        let e = d.decode(&block, 16 * 1024).unwrap_err();
        assert_eq!(
            e,
            HpackError::ListTooLarge {
                size: 153 * 10_000,
                max: 16 * 1024
            }
        );
    }

    #[test]
    fn huge_list_limits_are_clamped() {
        let mut d = Decoder::new(4096);
        let fields = d.decode(&[0x82, 0x84], usize::MAX).unwrap();
        assert_eq!(fields.len(), 2);
    }

    #[test]
    fn static_verdicts() {
        let computed = STATIC
            .iter()
            .enumerate()
            .filter(|(_, (name, value))| h2_fields::passes(name, value))
            .fold(0u64, |mask, (i, _)| mask | 1 << i);
        assert_eq!(
            h2_fields::STATIC_PASSES,
            computed,
            "STATIC_PASSES should be {computed:#x}"
        );
    }

    #[test]
    fn verdicts_follow_each_field_by_index() {
        let mut d = Decoder::new(4096);
        // :method GET (static), then new entries: a plain field, an uppercase name, a
        // Content-Length (read by the block's checks); then one without indexing.
        let mut block = vec![0x82];
        block.extend(indexed_literal("x-a", "1"));
        block.extend(indexed_literal("X-B", "2"));
        block.extend(indexed_literal("content-length", "3"));
        block.extend([0x00, 3, b'x', b'-', b'c', 1, b'4']);
        let (fields, checked) = d.decode_checked(&block, BIG).unwrap();
        assert_eq!(fields.len(), 5);
        assert_eq!(checked, 0b00011);
        // The same fields again by index (newest first: 62 is content-length) keep
        // their verdicts; :status 200 is never marked.
        let (fields, checked) = d.decode_checked(&[0xbe, 0xbf, 0xc0, 0x88], BIG).unwrap();
        assert_eq!(fields.len(), 4);
        assert_eq!(checked, 0b0100);
    }
}
