//! The HPACK decoder driven by arbitrary bytes: a sequence of header blocks decoded in
//! one context, each decoded list re-encoded by our encoder and decoded back. Shared by
//! the fuzz target `hpack_decode` and by `tests/fuzz_corpus.rs`, so this file depends on
//! nothing but `weir` and `std`.
//!
//! An input is `[limit] ([control] [bytes…])…`:
//!
//! - `limit`: its low 3 bits pick the list size limit passed to every decode (from 0 to
//!   unlimited);
//! - then, repeatedly, a control byte: `0xff` followed by a byte `k` sets our advertised
//!   table size to `SIZES[k % 8]` (as when the peer acknowledges our SETTINGS); any
//!   other value `n` is a block of the next `n` bytes (or of what is left).
//!
//! After every block: a list that decoded must be within the limit and must come back
//! the same through our encoder and a second decoder that follow each other across
//! blocks (names lowercase, and sensitive where the encoder's policy writes a field
//! never indexed). After a connection error the context is dropped and a new one starts,
//! as a new connection would.
//!
//! A corpus file named `ok-…` must decode every block; one named `bad-…` must fail at
//! least one (see `Summary::check_name`).

use weir::hpack::{Decoder, Encoder, HpackError};
use weir::Fields;

const LIMITS: [usize; 8] = [0, 32, 100, 256, 1024, 4096, 16 * 1024, usize::MAX];
const SIZES: [usize; 8] = [0, 1, 32, 64, 256, 1024, 4096, 65536];

/// What a run saw.
#[derive(Debug, Default, Clone)]
pub struct Summary {
    /// Blocks decoded without error.
    pub decoded: usize,
    /// Fields in those blocks.
    pub fields: usize,
    /// Blocks refused with a connection error.
    pub connection_errors: usize,
    /// Blocks whose list was over the limit.
    pub too_large: usize,
}

impl Summary {
    /// Checks the expectation that a corpus file's name states; panics if it is not met.
    pub fn check_name(&self, name: &str) {
        let failed = self.connection_errors + self.too_large;
        if name.starts_with("ok-") {
            assert_eq!(
                failed, 0,
                "{name}: expected every block to decode, got {self:?}"
            );
            assert!(self.fields > 0, "{name}: expected fields");
        } else if name.starts_with("bad-") {
            assert!(failed > 0, "{name}: expected an error, got {self:?}");
        }
    }
}

/// The encoder's documented never-indexed policy.
fn never_indexed(name: &[u8], value: &[u8]) -> bool {
    match name {
        b"authorization" | b"proxy-authorization" => true,
        b"cookie" => value.len() < 20,
        _ => false,
    }
}

/// Runs the blocks of `data`; panics if an invariant breaks.
pub fn decode(data: &[u8]) -> Summary {
    let mut summary = Summary::default();
    let Some((&limit, mut rest)) = data.split_first() else {
        return summary;
    };
    let limit = LIMITS[usize::from(limit % 8)];
    let mut decoder = Decoder::new(4096);
    let (mut encoder, mut mirror) = (Encoder::new(), Decoder::new(4096));
    while let Some((&control, after)) = rest.split_first() {
        if control == 0xff {
            let Some((&k, after)) = after.split_first() else {
                break;
            };
            decoder.set_max_table_size(SIZES[usize::from(k % 8)]);
            rest = after;
            continue;
        }
        let (block, after) = after.split_at(usize::from(control).min(after.len()));
        rest = after;
        match decoder.decode(block, limit) {
            Ok(fields) => {
                summary.decoded += 1;
                summary.fields += fields.len();
                check(&fields, limit, &mut encoder, &mut mirror);
            }
            Err(HpackError::ListTooLarge { size, max }) => {
                assert!(size > max && max <= limit, "{size} over {max}");
                summary.too_large += 1;
            }
            Err(e) => {
                assert!(e.is_connection_error());
                summary.connection_errors += 1;
                decoder = Decoder::new(4096);
            }
        }
    }
    summary
}

fn check(fields: &Fields, limit: usize, encoder: &mut Encoder, mirror: &mut Decoder) {
    let size: usize = fields
        .iter()
        .map(|f| f.name.len() + f.value.len() + 32)
        .sum();
    assert!(size <= limit, "a list of {size} passed the limit {limit}");
    let mut block = Vec::new();
    encoder.encode(fields, &mut block);
    let again = mirror
        .decode(&block, usize::MAX)
        .expect("our own block decodes");
    assert_eq!(again.len(), fields.len());
    for (a, f) in again.iter().zip(fields) {
        let name = f.name.to_ascii_lowercase();
        assert_eq!(a.name, name, "names come back lowercase");
        assert_eq!(a.value, f.value);
        assert_eq!(a.sensitive, f.sensitive || never_indexed(&name, f.value));
    }
    assert_eq!(encoder.table_size(), mirror.table_size());
}
