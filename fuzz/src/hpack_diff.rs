//! Our HPACK decoder and encoder against two independent implementations, the `hpack`
//! and `loona-hpack` crates. Shared by the fuzz target `hpack_diff` and by
//! `tests/fuzz_corpus.rs`.
//!
//! The first byte's low bit picks what the rest is:
//!
//! - even, **decoding**: `([control] [bytes…])…` as in the `hpack_decode` target: a
//!   control byte `0xff` followed by `k` sets the table size this side advertises to
//!   `SIZES[k % 8]`; any other `n` is a header block of the next `n` bytes. Every block
//!   goes to our decoder and to both others, in one context each. Where ours and
//!   another accept a block, the two lists must be equal.
//! - odd, **encoding**: `([control] …)…`: `0xff k` sets the table size the peer
//!   advertises to `SIZES[k % 8]`; any other `n` is a header list of `n % 16` fields,
//!   each `[flags] [name] [value]` (see [`field`]). Our encoder writes each list; our
//!   decoder and both others must all decode the block to the same list (names
//!   lowercase, as our encoder writes them).
//!
//! The other implementations may panic on bad input: they run under `catch_unwind`.
//! Decoding, one that panics on or refuses a block ours accepts is out of step from
//! then on and no longer compared, until a block ours refuses starts all contexts
//! over; its refusal says nothing about ours. Encoding, every block ours wrote must
//! decode with each.
//!
//! A corpus file named `ok-…` must decode (or encode) every block, with a comparison
//! against each other implementation; one named `bad-…` must have a block our decoder
//! refuses (see `Summary::check_name`).

use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

use weir::hpack::{Decoder, Encoder, HpackError};
use weir::Fields;

const SIZES: [usize; 8] = [0, 1, 32, 64, 256, 1024, 4096, 65536];

/// The list size limit of our decoder: past it a block is not compared (a few indexed
/// bytes can name kilobytes each, and the copies would only slow the fuzzer down).
const LIST_LIMIT: usize = 1 << 20;

/// A header list as the other implementations give it.
type List = Vec<(Vec<u8>, Vec<u8>)>;

/// What a run saw.
#[derive(Debug, Default, Clone)]
pub struct Summary {
    /// Blocks our decoder decoded (or, encoding, that our encoder wrote).
    pub blocks: usize,
    /// Fields in those blocks.
    pub fields: usize,
    /// Blocks our decoder refused.
    pub refused: usize,
    /// Blocks compared with `hpack` and found equal.
    pub same_as_hpack: usize,
    /// Blocks compared with `loona-hpack` and found equal.
    pub same_as_loona: usize,
}

impl Summary {
    /// Checks the expectation that a corpus file's name states; panics if it is not met.
    pub fn check_name(&self, name: &str) {
        if name.starts_with("ok-") {
            assert!(
                self.refused == 0 && self.fields > 0,
                "{name}: expected every block to decode, got {self:?}"
            );
            assert!(
                self.same_as_hpack > 0 && self.same_as_loona > 0,
                "{name}: expected comparisons with both, got {self:?}"
            );
        } else if name.starts_with("bad-") {
            assert!(self.refused > 0, "{name}: expected a refusal, got {self:?}");
        }
    }
}

/// Runs `data`; panics where our HPACK and another implementation disagree.
pub fn run(data: &[u8]) -> Summary {
    match data.split_first() {
        Some((mode, rest)) if mode & 1 == 1 => encode(rest),
        Some((_, rest)) => decode(rest),
        None => Summary::default(),
    }
}

// ---- the other implementations -------------------------------------------------------

thread_local! {
    /// Set while another implementation runs: its panics are expected, and quiet.
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f`, which calls another implementation; `None` if it panicked. The panic hook
/// in place (the fuzzer's aborts the process) is bypassed meanwhile.
fn quietly<R>(f: impl FnOnce() -> R) -> Option<R> {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !QUIET.with(Cell::get) {
                previous(info)
            }
        }));
    });
    QUIET.with(|q| q.set(true));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    QUIET.with(|q| q.set(false));
    result.ok()
}

/// One of the other decoders, with its context; `None` once it is out of step with
/// ours (it refused or panicked on a block ours decoded) until the contexts start over.
enum Other {
    Hpack(Option<hpack::Decoder<'static>>),
    Loona(Option<loona_hpack::Decoder<'static>>),
}

impl Other {
    fn hpack() -> Other {
        Other::Hpack(Some(hpack::Decoder::new()))
    }

    fn loona(max_table_size: usize) -> Other {
        let mut d = loona_hpack::Decoder::new();
        d.set_max_allowed_table_size(max_table_size);
        Other::Loona(Some(d))
    }

    fn name(&self) -> &'static str {
        match self {
            Other::Hpack(_) => "hpack",
            Other::Loona(_) => "loona-hpack",
        }
    }

    /// Whether its context is still in step with ours.
    fn in_step(&self) -> bool {
        match self {
            Other::Hpack(d) => d.is_some(),
            Other::Loona(d) => d.is_some(),
        }
    }

    /// The table size this side advertises changed.
    fn set_max_table_size(&mut self, size: usize) {
        match self {
            // `hpack` has no notion of the advertised size: it takes any size update.
            Other::Hpack(_) => {}
            Other::Loona(d) => {
                if let Some(d) = d {
                    d.set_max_allowed_table_size(size);
                }
            }
        }
    }

    /// Decodes `block`; `None` if it refused or panicked, after which it is out of step.
    fn decode(&mut self, block: &[u8]) -> Option<List> {
        let list = match self {
            Other::Hpack(d) => {
                let decoder = d.as_mut()?;
                quietly(|| decoder.decode(block).ok()).flatten()
            }
            Other::Loona(d) => {
                let decoder = d.as_mut()?;
                quietly(|| {
                    let mut list = Vec::new();
                    let result = decoder.decode_with_cb(block, |n, v| {
                        list.push((n.into_owned(), v.into_owned()));
                    });
                    match result {
                        Ok(()) => Some(list),
                        // It refuses a block that ends with a dynamic table size update,
                        // which RFC 7541 allows (our encoder writes one for an empty list
                        // after a size change); it read the whole block first.
                        Err(loona_hpack::decoder::DecoderError::SizeUpdateAtEnd) => Some(list),
                        Err(_) => None,
                    }
                })
                .flatten()
            }
        };
        if list.is_none() {
            match self {
                Other::Hpack(d) => *d = None,
                Other::Loona(d) => *d = None,
            }
        }
        list
    }

    /// Whether `theirs`, its decoding of a block, is the same list as `ours`, allowing
    /// for its known mistakes; after a block where one showed, it is out of step.
    fn same(&mut self, ours: &List, theirs: &List) -> bool {
        if ours.len() != theirs.len() {
            return false;
        }
        let mut quirk = false;
        let same = ours.iter().zip(theirs).all(|(o, t)| {
            // `hpack` 0.3.0 names static entry 15 `accept-`, not `accept-charset` (RFC
            // 7541 Appendix A). Read the RFC's name for it; but an entry it indexed under
            // that name is 7 octets smaller than ours, so its evictions can differ later.
            let renamed =
                matches!(self, Other::Hpack(_)) && o.0 == b"accept-charset" && t.0 == b"accept-";
            quirk |= renamed;
            (o.0 == t.0 || renamed) && o.1 == t.1
        });
        if quirk {
            match self {
                Other::Hpack(d) => *d = None,
                Other::Loona(d) => *d = None,
            }
        }
        same
    }
}

fn pairs(fields: &Fields) -> List {
    fields
        .iter()
        .map(|f| (f.name.to_vec(), f.value.to_vec()))
        .collect()
}

fn show(list: &List) -> String {
    let shown: Vec<String> = list
        .iter()
        .map(|(n, v)| {
            format!(
                "{}: {}",
                String::from_utf8_lossy(n),
                String::from_utf8_lossy(v)
            )
        })
        .collect();
    format!("{shown:?}")
}

// ---- decoding ------------------------------------------------------------------------

struct Contexts {
    ours: Decoder,
    others: [Other; 2],
}

impl Contexts {
    fn new() -> Contexts {
        Contexts {
            ours: Decoder::new(4096),
            others: [Other::hpack(), Other::loona(4096)],
        }
    }
}

fn decode(mut rest: &[u8]) -> Summary {
    let mut summary = Summary::default();
    let mut c = Contexts::new();
    while let Some((&control, after)) = rest.split_first() {
        if control == 0xff {
            let Some((&k, after)) = after.split_first() else {
                break;
            };
            let size = SIZES[usize::from(k % 8)];
            c.ours.set_max_table_size(size);
            for other in &mut c.others {
                other.set_max_table_size(size);
            }
            rest = after;
            continue;
        }
        let (block, after) = after.split_at(usize::from(control).min(after.len()));
        rest = after;
        let ours = match c.ours.decode(block, LIST_LIMIT) {
            Ok(fields) => pairs(&fields),
            Err(HpackError::ListTooLarge { .. }) => {
                // The whole block was decoded, the tables are in step: only this list
                // is not compared.
                for other in &mut c.others {
                    other.decode(block);
                }
                continue;
            }
            Err(_) => {
                // A connection error ends the context, as it ends the connection: all
                // start over, in step again. (The others do not even look at the block:
                // they are slow, and their answer would not be compared.)
                summary.refused += 1;
                c = Contexts::new();
                continue;
            }
        };
        let theirs = c.others.each_mut().map(|o| o.decode(block));
        summary.blocks += 1;
        summary.fields += ours.len();
        for (other, list) in c.others.iter_mut().zip(theirs) {
            let Some(list) = list else { continue };
            assert!(
                other.same(&ours, &list),
                "block {block:02x?}: ours decodes {}, {} {}",
                show(&ours),
                other.name(),
                show(&list)
            );
            match other {
                Other::Hpack(_) => summary.same_as_hpack += 1,
                Other::Loona(_) => summary.same_as_loona += 1,
            }
        }
    }
    summary
}

// ---- encoding ------------------------------------------------------------------------

/// Names that the tables and the encoder's policy treat specially.
const NAMES: [&str; 16] = [
    ":method",
    ":path",
    ":authority",
    ":status",
    "content-length",
    "cookie",
    "authorization",
    "set-cookie",
    "etag",
    "accept-encoding",
    "user-agent",
    "x-custom",
    "Content-Type",
    "",
    "www-authenticate",
    "age",
];

/// Values from the static table, and ones that are not.
const VALUES: [&str; 8] = [
    "GET",
    "/",
    "/index.html",
    "200",
    "gzip, deflate",
    "",
    "a=b",
    "/search?q=1",
];

/// Takes one field from the front of `rest`: `[flags] [name] [value]`. Flags bit 0 marks
/// it sensitive; bit 1 takes the name from [`NAMES`] by the next byte, else a byte `n`
/// gives its length and the `n % 32` bytes after it are the name; bit 2 does the same
/// for the value with [`VALUES`] (and `n % 128` bytes).
pub fn field(rest: &mut &[u8], fields: &mut Fields) -> bool {
    let next = |rest: &mut &[u8]| {
        let (&b, after) = rest.split_first()?;
        *rest = after;
        Some(b)
    };
    let bytes = |rest: &mut &[u8], n: usize| {
        let (taken, after) = rest.split_at(n.min(rest.len()));
        *rest = after;
        taken.to_vec()
    };
    let Some(flags) = next(rest) else {
        return false;
    };
    let Some(n) = next(rest) else { return false };
    let name = if flags & 2 != 0 {
        NAMES[usize::from(n) % NAMES.len()].as_bytes().to_vec()
    } else {
        bytes(rest, usize::from(n % 32))
    };
    let Some(n) = next(rest) else { return false };
    let value = if flags & 4 != 0 {
        VALUES[usize::from(n) % VALUES.len()].as_bytes().to_vec()
    } else {
        bytes(rest, usize::from(n % 128))
    };
    if flags & 1 != 0 {
        fields.append_sensitive(name, value);
    } else {
        fields.append(name, value);
    }
    true
}

fn encode(mut rest: &[u8]) -> Summary {
    let mut summary = Summary::default();
    let mut encoder = Encoder::new();
    let mut ours = Decoder::new(4096);
    let mut others = [Other::hpack(), Other::loona(4096)];
    while let Some((&control, after)) = rest.split_first() {
        rest = after;
        if control == 0xff {
            let Some((&k, after)) = rest.split_first() else {
                break;
            };
            rest = after;
            // The peer advertised a size, and acknowledged it to itself.
            let size = SIZES[usize::from(k % 8)];
            encoder.set_max_table_size(size);
            ours.set_max_table_size(size);
            for other in &mut others {
                other.set_max_table_size(size);
            }
            continue;
        }
        let mut fields = Fields::new();
        for _ in 0..control % 16 {
            if !field(&mut rest, &mut fields) {
                break;
            }
        }
        let mut block = Vec::new();
        encoder.encode(&fields, &mut block);
        let want: List = fields
            .iter()
            .map(|f| (f.name.to_ascii_lowercase(), f.value.to_vec()))
            .collect();
        let got = ours
            .decode(&block, usize::MAX)
            .unwrap_or_else(|e| panic!("our decoder refuses our block {block:02x?}: {e}"));
        assert!(pairs(&got) == want, "ours decodes {}", show(&pairs(&got)));
        summary.blocks += 1;
        summary.fields += want.len();
        for other in others.iter_mut().filter(|o| o.in_step()) {
            let name = other.name();
            let list = other
                .decode(&block)
                .unwrap_or_else(|| panic!("{name} refuses our block {block:02x?}"));
            assert!(
                other.same(&want, &list),
                "for {}, {name} decodes {}",
                show(&want),
                show(&list)
            );
            match other {
                Other::Hpack(_) => summary.same_as_hpack += 1,
                Other::Loona(_) => summary.same_as_loona += 1,
            }
        }
    }
    summary
}
