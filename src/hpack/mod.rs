//! HPACK, the header compression of HTTP/2 (RFC 7541).
//!
//! A [`Decoder`] turns the header blocks a peer sends into [`Fields`](crate::Fields);
//! an [`Encoder`] turns fields into header blocks. Each keeps one side of the
//! compression context of a connection: the dynamic table that the peer's encoder (or
//! decoder) mirrors. Both are pure: bytes in, bytes or fields out.
//!
//! ```
//! use weir::hpack::{Decoder, Encoder};
//! use weir::Fields;
//!
//! let mut fields = Fields::new();
//! fields.append(":status", "200");
//! fields.append("content-type", "text/html");
//! fields.append_sensitive("set-cookie", "id=42");
//!
//! let (mut encoder, mut decoder) = (Encoder::new(), Decoder::new(4096));
//! let mut block = Vec::new();
//! encoder.encode(&fields, &mut block);
//! assert_eq!(decoder.decode(&block, 16 * 1024).unwrap(), fields);
//! ```
//!
//! # Errors
//!
//! Every [`HpackError`] but one leaves the decoder out of step with the peer's
//! encoder, so it is a connection error of type COMPRESSION_ERROR (RFC 9113 §4.3).
//! The exception is [`HpackError::ListTooLarge`]: the whole block was decoded (the
//! table is in step), only the fields past the limit were dropped, so the caller can
//! refuse that one request (431) and keep the connection.
//! [`HpackError::is_connection_error`] tells which.

mod decoder;
mod encoder;
mod huffman;
mod integer;
mod table;

pub use decoder::Decoder;
pub use encoder::Encoder;

/// Why a header block could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HpackError {
    /// The block ends inside an integer or a string.
    #[error("header block truncated")]
    Truncated,
    /// An integer is longer or larger than this decoder accepts (RFC 7541 §5.1).
    #[error("integer too large")]
    IntegerOverflow,
    /// An indexed representation uses index 0 (RFC 7541 §6.1).
    #[error("index 0")]
    ZeroIndex,
    /// An index beyond the static and dynamic tables (RFC 7541 §2.3.3).
    #[error("index {0} beyond the tables")]
    BadIndex(usize),
    /// A Huffman-coded string contains the EOS symbol (RFC 7541 §5.2).
    #[error("EOS in a Huffman-coded string")]
    HuffmanEos,
    /// A Huffman-coded string ends with more than 7 bits of padding (RFC 7541 §5.2).
    #[error("Huffman padding longer than 7 bits")]
    HuffmanPaddingTooLong,
    /// A Huffman-coded string ends with padding that is not the start of EOS, that is
    /// not all ones (RFC 7541 §5.2).
    #[error("Huffman padding not all ones")]
    HuffmanPaddingNotOnes,
    /// A dynamic table size update after a field representation (RFC 7541 §4.2).
    #[error("table size update after a field")]
    SizeUpdateNotAtStart,
    /// More than two dynamic table size updates at the start of a block (RFC 7541
    /// §4.2: at most the smallest and the final size).
    #[error("more than two table size updates")]
    TooManySizeUpdates,
    /// A dynamic table size update above the limit we advertised (RFC 7541 §6.3).
    #[error("table size update to {size} above the limit {max}")]
    SizeUpdateTooLarge {
        /// The size the peer asked for.
        size: usize,
        /// The limit we advertised.
        max: usize,
    },
    /// Our limit went below the table's size and the block does not start with an
    /// update to at most `max` (RFC 7541 §4.2).
    #[error("missing table size update to at most {max}")]
    MissingSizeUpdate {
        /// The lowest limit advertised since the previous block.
        max: usize,
    },
    /// The decoded fields add up to more than the list size limit
    /// (SETTINGS_MAX_HEADER_LIST_SIZE, RFC 9113 §6.5.2). The rest of the block was
    /// still decoded, so the decoder stays usable: this is a stream error.
    #[error("header list of {size} bytes above the limit {max}")]
    ListTooLarge {
        /// The size of the whole list (name + value + 32 for each field).
        size: usize,
        /// The limit applied: the one asked for, or 2 GiB if that is less.
        max: usize,
    },
}

impl HpackError {
    /// Whether the connection must end with COMPRESSION_ERROR (RFC 9113 §4.3): true
    /// for every error but [`HpackError::ListTooLarge`], after which the decoder is
    /// still in step with the peer's encoder.
    pub fn is_connection_error(&self) -> bool {
        !matches!(self, HpackError::ListTooLarge { .. })
    }
}
