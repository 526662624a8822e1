//! Properties of the HPACK decoder and encoder, checked against two other
//! implementations: `loona-hpack` and the `hpack` crate.
//!
//! - Encoding then decoding is the identity, across blocks that share a context and
//!   table size changes in between (names come back lowercase; a field comes back
//!   sensitive if it was, or if the encoder's policy wrote it never indexed).
//! - Whatever block an oracle's encoder writes, we decode to the fields it was given;
//!   whatever block ours writes, both oracles decode to the fields it was given.
//! - On arbitrary bytes, whenever an oracle accepts a block we accept it too, with the
//!   same fields, unless the input falls into one of the known differences below, in
//!   each of which the oracle is the one that breaks RFC 7541.
//! - No input makes the decoder panic.
//!
//! # Known differences
//!
//! 1. The `hpack` crate's static table has `accept-` at index 15, where RFC 7541
//!    Appendix A has `accept-charset`. Its output is compared with that name mapped
//!    back, and its encoder is never given a field named `accept-`.
//! 2. Both oracles accept a dynamic table size update after a field representation. RFC
//!    7541 §4.2: the update "MUST occur at the beginning of the first header block
//!    following the change"; we answer `SizeUpdateNotAtStart`.
//! 3. Both oracles accept any number of size updates at the start of a block. RFC 7541
//!    §4.2 allows the smallest size then the final one, "at most two dynamic table size
//!    updates"; we answer `TooManySizeUpdates` for a third.
//! 4. The `hpack` crate accepts a size update above the limit the decoder advertised
//!    (it has no such limit). RFC 7541 §6.3: "The new maximum size MUST be lower than or
//!    equal to the limit [...] A value that exceeds this limit MUST be treated as a
//!    decoding error"; we answer `SizeUpdateTooLarge`. (`loona-hpack` is given the limit
//!    and agrees with us.)
//! 5. The `hpack` crate panics on a truncated or overlong size update (it unwraps the
//!    integer); such runs are not compared.
//!
//! Differences where the oracle refuses what we accept are not failures, and there are
//! some: `loona-hpack` refuses a block that ends with a size update, which RFC 7541
//! allows (a block may hold only updates), and both oracles refuse integers longer than
//! five octets, where we accept up to 2^32 − 1 (RFC 7541 §5.1 leaves the limit to the
//! implementation).

use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

use proptest::prelude::*;
use weir::hpack::{Decoder, Encoder, HpackError};
use weir::{Field, Fields};

type Pairs = Vec<(Vec<u8>, Vec<u8>)>;

const BIG: usize = usize::MAX;

thread_local! {
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

/// Calls `f`, an oracle that may panic, without printing its panic; `None` if it did.
fn quietly<T>(f: impl FnOnce() -> T) -> Option<T> {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let default = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !QUIET.with(Cell::get) {
                default(info);
            }
        }));
    });
    QUIET.with(|q| q.set(true));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    QUIET.with(|q| q.set(false));
    result.ok()
}

fn pairs(fields: &Fields) -> Pairs {
    fields
        .iter()
        .map(|f| (f.name.to_vec(), f.value.to_vec()))
        .collect()
}

/// Known difference 1: the `hpack` crate's `accept-` is RFC 7541's `accept-charset`.
fn fix_accept(mut list: Pairs) -> Pairs {
    for (name, _) in &mut list {
        if name == b"accept-" {
            *name = b"accept-charset".to_vec();
        }
    }
    list
}

/// The encoder's documented never-indexed policy.
fn never_indexed(name: &[u8], value: &[u8]) -> bool {
    match name {
        b"authorization" | b"proxy-authorization" => true,
        b"cookie" => value.len() < 20,
        _ => false,
    }
}

const NAMES: &[&str] = &[
    ":authority",
    ":method",
    ":path",
    ":scheme",
    ":status",
    "accept-charset",
    "accept-encoding",
    "authorization",
    "cache-control",
    "content-length",
    "cookie",
    "date",
    "etag",
    "proxy-authorization",
    "set-cookie",
    "user-agent",
    "x-custom",
    "X-Mixed-Case",
];

const VALUES: &[&str] = &[
    "",
    "GET",
    "POST",
    "/",
    "/index.html",
    "/search?q=1",
    "http",
    "https",
    "200",
    "404",
    "gzip, deflate",
    "no-cache",
    "a=1",
    "session=0123456789abcdef0123",
];

fn name() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => prop::sample::select(NAMES).prop_map(|n| n.as_bytes().to_vec()),
        1 => prop::collection::vec(any::<u8>(), 0..12),
    ]
}

fn value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => prop::sample::select(VALUES).prop_map(|v| v.as_bytes().to_vec()),
        2 => prop::collection::vec(any::<u8>(), 0..40),
        1 => prop::collection::vec(any::<u8>(), 0..3500),
    ]
}

/// A field: name, value, sensitive.
fn field() -> impl Strategy<Value = (Vec<u8>, Vec<u8>, bool)> {
    (name(), value(), prop::bool::weighted(0.1))
}

fn list() -> impl Strategy<Value = Vec<(Vec<u8>, Vec<u8>, bool)>> {
    prop::collection::vec(field(), 0..12)
}

/// A table size change before a block, if any.
fn size_change() -> impl Strategy<Value = Option<usize>> {
    prop::option::weighted(
        0.2,
        prop::sample::select(vec![0usize, 1, 40, 64, 256, 1000, 4096, 8192]),
    )
}

/// A string literal: plain, Huffman-coded (by our encoder, through a literal field), or
/// flagged Huffman over arbitrary bytes (mostly invalid).
fn string() -> impl Strategy<Value = Vec<u8>> {
    let bytes = prop::collection::vec(any::<u8>(), 0..20);
    prop_oneof![
        3 => bytes.clone().prop_map(|b| {
            let mut out = vec![b.len() as u8];
            out.extend(b);
            out
        }),
        2 => "[a-z0-9 /=;-]{1,24}".prop_map(|text| {
            // Our encoder writes `content-length` without indexing, by its static name
            // index 28 (0x0f 0x0d); the rest is the value, Huffman-coded when shorter.
            let mut block = Vec::new();
            let field = Field { name: b"content-length", value: text.as_bytes(), sensitive: false };
            Encoder::new().encode([field], &mut block);
            block.split_off(2)
        }),
        1 => bytes.prop_map(|b| {
            let mut out = vec![0x80 | b.len() as u8];
            out.extend(b);
            out
        }),
    ]
}

/// One representation, mostly well formed, for blocks that get past the first octets.
fn representation() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        // Indexed, mostly within the tables.
        4 => prop_oneof![9 => 1u8..62, 1 => 62u8..70, 1 => Just(0u8)].prop_map(|i| vec![0x80 | i]),
        // Literals with a name index (or 0 and a literal name) and a value.
        4 => (prop::sample::select(vec![0x00u8, 0x10, 0x40]), 0u8..15, string(), string())
            .prop_map(|(kind, index, name, value)| {
                let mut out = vec![kind | index];
                if index == 0 {
                    out.extend(name);
                }
                out.extend(value);
                out
            }),
        // Size updates, small or large.
        1 => prop::sample::select(vec![
            vec![0x20],
            vec![0x3f, 0x01],
            vec![0x3f, 0xe1, 0x1f],
            vec![0x3f, 0xe2, 0x1f],
            vec![0x3f, 0xff],
        ]),
        // Anything.
        1 => prop::collection::vec(any::<u8>(), 1..6),
    ]
}

fn block() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        1 => prop::collection::vec(any::<u8>(), 0..64),
        3 => prop::collection::vec(representation(), 0..10).prop_map(|r| r.concat()),
    ]
}

/// Which oracle a difference applies to.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Oracle {
    Loona,
    HpackCrate,
}

/// Whether our refusal of a block the oracle accepted is a known difference.
fn known_difference(oracle: Oracle, ours: &HpackError) -> bool {
    match ours {
        HpackError::SizeUpdateNotAtStart | HpackError::TooManySizeUpdates => true,
        HpackError::SizeUpdateTooLarge { .. } => oracle == Oracle::HpackCrate,
        _ => false,
    }
}

/// Decodes `blocks` in one context with ours and with `oracle_decode`; compares until
/// the first refusal. Panics on a disagreement that is not a known difference.
fn compare(
    oracle: Oracle,
    blocks: &[Vec<u8>],
    mut oracle_decode: impl FnMut(&[u8]) -> Option<Result<Pairs, String>>,
) -> Result<(), TestCaseError> {
    let mut ours = Decoder::new(4096);
    for (i, block) in blocks.iter().enumerate() {
        let mine = ours.decode(block, BIG);
        let Some(theirs) = oracle_decode(block) else {
            // Known difference 5: the oracle panicked; its state is gone.
            return Ok(());
        };
        match (mine, theirs) {
            (Ok(mine), Ok(theirs)) => {
                let (mine, theirs) = match oracle {
                    Oracle::HpackCrate => (fix_accept(pairs(&mine)), fix_accept(theirs)),
                    Oracle::Loona => (pairs(&mine), theirs),
                };
                prop_assert_eq!(mine, theirs, "{:?}: block {} {:02x?}", oracle, i, block);
            }
            (Err(e), Ok(_)) => {
                prop_assert!(
                    known_difference(oracle, &e),
                    "{:?} accepts block {} {:02x?}, we refuse it: {:?}",
                    oracle,
                    i,
                    block,
                    e
                );
                return Ok(());
            }
            // The oracle refuses: contexts may differ from here on.
            (_, Err(_)) => return Ok(()),
        }
    }
    Ok(())
}

fn loona_decoder() -> loona_hpack::Decoder<'static> {
    let mut d = loona_hpack::Decoder::new();
    d.set_max_allowed_table_size(4096);
    d
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Encoding then decoding is the identity, with table size changes in between.
    #[test]
    fn encode_decode_identity(
        steps in prop::collection::vec((size_change(), list()), 1..8),
    ) {
        let mut encoder = Encoder::new();
        let mut decoder = Decoder::new(4096);
        for (change, list) in &steps {
            if let Some(size) = change {
                encoder.set_max_table_size(*size);
                decoder.set_max_table_size(*size);
            }
            let fields: Vec<Field> = list
                .iter()
                .map(|(n, v, s)| Field { name: n, value: v, sensitive: *s })
                .collect();
            let mut block = Vec::new();
            encoder.encode(fields.iter().copied(), &mut block);
            let got = decoder.decode(&block, BIG).unwrap();
            let expect: Vec<(Vec<u8>, Vec<u8>, bool)> = list
                .iter()
                .map(|(n, v, s)| {
                    let n = n.to_ascii_lowercase();
                    let s = *s || never_indexed(&n, v);
                    (n, v.clone(), s)
                })
                .collect();
            let got: Vec<(Vec<u8>, Vec<u8>, bool)> = got
                .iter()
                .map(|f| (f.name.to_vec(), f.value.to_vec(), f.sensitive))
                .collect();
            prop_assert_eq!(got, expect);
            prop_assert_eq!(encoder.table_size(), decoder.table_size());
            prop_assert!(encoder.table_entries().eq(decoder.table_entries()));
        }
    }

    /// Both oracles decode what our encoder writes (Huffman-coded or not, indexed,
    /// never indexed, after table size changes) to the fields it was given, names in
    /// lowercase, in one context.
    #[test]
    fn the_oracles_decode_what_we_encode(
        steps in prop::collection::vec(
            (size_change(), prop::collection::vec(field(), 1..12)),
            1..8,
        ),
    ) {
        let mut ours = Encoder::new();
        let mut loona = loona_decoder();
        let mut hpack_crate = hpack::Decoder::new();
        for (change, list) in &steps {
            if let Some(size) = change {
                ours.set_max_table_size(*size);
            }
            let fields: Vec<Field> = list
                .iter()
                .map(|(n, v, s)| Field { name: n, value: v, sensitive: *s })
                .collect();
            let mut block = Vec::new();
            ours.encode(fields.iter().copied(), &mut block);
            let expect: Pairs = list
                .iter()
                .map(|(n, v, _)| (n.to_ascii_lowercase(), v.clone()))
                .collect();
            let by_loona = loona.decode(&block).map_err(|e| format!("{e:?}"));
            prop_assert_eq!(by_loona, Ok(expect.clone()), "loona-hpack, {:02x?}", block);
            let Some(by_hpack_crate) = quietly(|| hpack_crate.decode(&block)) else {
                return Err(TestCaseError::fail(format!("the hpack crate panicked on {block:02x?}")));
            };
            let by_hpack_crate = by_hpack_crate.map(fix_accept).map_err(|e| format!("{e:?}"));
            prop_assert_eq!(by_hpack_crate, Ok(expect), "the hpack crate, {:02x?}", block);
        }
    }

    /// Blocks written by loona-hpack's encoder decode to what it was given.
    #[test]
    fn decodes_what_loona_encodes(lists in prop::collection::vec(list(), 1..6)) {
        let mut theirs = loona_hpack::Encoder::new();
        let mut ours = Decoder::new(4096);
        for list in &lists {
            let block = theirs.encode(list.iter().map(|(n, v, _)| (&n[..], &v[..])));
            let got = ours.decode(&block, BIG).unwrap();
            let expect: Pairs = list.iter().map(|(n, v, _)| (n.clone(), v.clone())).collect();
            prop_assert_eq!(pairs(&got), expect);
        }
    }

    /// Blocks written by the hpack crate's encoder decode to what it was given.
    #[test]
    fn decodes_what_the_hpack_crate_encodes(lists in prop::collection::vec(list(), 1..6)) {
        let mut theirs = hpack::Encoder::new();
        let mut ours = Decoder::new(4096);
        for list in &lists {
            // Known difference 1: its `accept-` would be our `accept-charset`.
            let list: Vec<_> = list.iter().filter(|(n, _, _)| n != b"accept-").collect();
            let Some(block) = quietly(|| theirs.encode(list.iter().map(|(n, v, _)| (&n[..], &v[..])))) else {
                return Ok(());
            };
            let got = ours.decode(&block, BIG).unwrap();
            let expect: Pairs = list.iter().map(|(n, v, _)| (n.clone(), v.clone())).collect();
            prop_assert_eq!(pairs(&got), expect);
        }
    }

    /// On arbitrary blocks, we accept what loona-hpack accepts, with the same fields.
    #[test]
    fn agrees_with_loona_on_arbitrary_blocks(blocks in prop::collection::vec(block(), 1..5)) {
        let mut theirs = loona_decoder();
        compare(Oracle::Loona, &blocks, |b| {
            quietly(|| theirs.decode(b).map_err(|e| format!("{e:?}")))
        })?;
    }

    /// On arbitrary blocks, we accept what the hpack crate accepts, with the same fields.
    #[test]
    fn agrees_with_the_hpack_crate_on_arbitrary_blocks(
        blocks in prop::collection::vec(block(), 1..5),
    ) {
        let mut theirs = hpack::Decoder::new();
        compare(Oracle::HpackCrate, &blocks, |b| {
            quietly(|| theirs.decode(b).map_err(|e| format!("{e:?}")))
        })?;
    }

    /// No input makes the decoder panic, whatever the limits and table size changes.
    #[test]
    fn never_panics(
        steps in prop::collection::vec(
            (block(), prop::sample::select(vec![0usize, 10, 100, 1000, BIG]), size_change()),
            1..8,
        ),
    ) {
        let mut decoder = Decoder::new(4096);
        for (block, limit, change) in &steps {
            if let Some(size) = change {
                decoder.set_max_table_size(*size);
            }
            match decoder.decode(block, *limit) {
                // A connection error ends the context: start a new one.
                Err(e) if e.is_connection_error() => decoder = Decoder::new(4096),
                // Only a list over its limit is a stream error.
                Err(e) => prop_assert!(*limit < BIG, "{:?}", e),
                Ok(fields) => {
                    let size: usize = fields.iter().map(|f| f.name.len() + f.value.len() + 32).sum();
                    prop_assert!(size <= *limit);
                }
            }
        }
    }
}

#[test]
fn the_oracles_disagree_where_documented() {
    // Known difference 1.
    let mut theirs = hpack::Decoder::new();
    assert_eq!(
        theirs.decode(&[0x8f]).unwrap(),
        [(b"accept-".to_vec(), vec![])]
    );
    assert_eq!(
        pairs(&Decoder::new(4096).decode(&[0x8f], BIG).unwrap()),
        [(b"accept-charset".to_vec(), vec![])]
    );
    // Known difference 2.
    assert!(loona_decoder().decode(&[0x82, 0x20, 0x82]).is_ok());
    assert_eq!(
        Decoder::new(4096).decode(&[0x82, 0x20, 0x82], BIG),
        Err(HpackError::SizeUpdateNotAtStart)
    );
    // Known difference 3.
    assert!(loona_decoder().decode(&[0x20, 0x20, 0x20, 0x82]).is_ok());
    assert_eq!(
        Decoder::new(4096).decode(&[0x20, 0x20, 0x20, 0x82], BIG),
        Err(HpackError::TooManySizeUpdates)
    );
    // Known difference 4: 4097.
    assert!(hpack::Decoder::new()
        .decode(&[0x3f, 0xe2, 0x1f, 0x82])
        .is_ok());
    assert!(loona_decoder().decode(&[0x3f, 0xe2, 0x1f, 0x82]).is_err());
    // Known difference 5.
    assert!(quietly(|| hpack::Decoder::new().decode(&[0x3f])).is_none());
}
