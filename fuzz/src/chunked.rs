//! The chunked transfer coding (RFC 9112 §7.1) of a request body, read by a server
//! [`Connection`] and by a small reference decoder written here from the RFC's grammar:
//! the two must agree. Shared by the fuzz target `h1_chunked` and by
//! `tests/fuzz_corpus.rs`, so this file depends on nothing but `weir` and `std`.
//!
//! An input is `[config] [n] [n piece bytes] [body bytes…]`:
//!
//! - `config`: bit 0 allows bare LF, bit 1 obs-fold; bit 2 makes `max_chunk_line`
//!   small, bit 3 `max_trailer_bytes`, bit 4 `max_fields`, bit 5 `max_body`;
//! - the connection reads [`HEAD`] and then the body bytes, in reads as long as the
//!   piece bytes say (0 is an empty read); what is left goes in one read, then the end
//!   of input.
//!
//! The checks, after every read: the body bytes and chunk extensions delivered are a
//! prefix of what the reference decodes, never more than was fed. At the end: a body
//! the reference decodes whole (within the limits) was delivered exactly, with the same
//! extensions and trailers; a body the connection ends must be one the reference
//! decodes; a connection error on the body needs a body the reference rejects or
//! one past a limit; and the end of input ends an unfinished body with an error.
//!
//! A corpus file named `ok-…` must be a body both decode whole; one named `bad-…` must
//! be one the connection refuses (see `Summary::check_name`).

use std::time::Instant;

use weir::{Config, Connection, Error, Event, Head, Leniency, Output, Side, StreamId, Version};

/// The request head every input's body follows.
pub const HEAD: &[u8] = b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";

const STREAM: StreamId = StreamId(1);

/// A drain that needs more `poll_output` calls than this never reaches its deadline.
const MAX_POLLS: usize = 100_000;

/// The bounds and leniencies both decoders apply.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Whether a LF alone ends a line (RFC 9112 §2.2 allows a recipient this).
    pub bare_lf: bool,
    /// Whether a trailer field may continue on a line that starts with whitespace
    /// (obs-fold, RFC 9112 §5.2), each line break replaced by as many spaces.
    pub obs_fold: bool,
    /// Longest chunk-size line, its bytes before the LF counted (a CR included).
    pub chunk_line: usize,
    /// Largest trailer section, its final empty line included.
    pub trailer_bytes: usize,
    /// Most trailer fields.
    pub fields: usize,
    /// Most body bytes.
    pub body: u64,
}

impl Limits {
    /// The limits a config byte picks (see the module docs).
    pub fn from_flags(flags: u8) -> Limits {
        let c = Config::default();
        let on = |bit: u8| flags & (1 << bit) != 0;
        let small = |bit: u8, small: usize, default: usize| if on(bit) { small } else { default };
        Limits {
            bare_lf: on(0),
            obs_fold: on(1),
            chunk_line: small(2, 10, c.max_chunk_line),
            trailer_bytes: small(3, 24, c.max_trailer_bytes),
            // The head has two fields, which must pass.
            fields: small(4, 2, c.max_fields),
            body: if on(5) { 16 } else { c.max_body },
        }
    }

    fn config(&self) -> Config {
        let allow = |yes| {
            if yes {
                Leniency::Allow
            } else {
                Leniency::Reject
            }
        };
        let mut c = Config {
            allow_bare_lf: allow(self.bare_lf),
            allow_obs_fold: allow(self.obs_fold),
            max_chunk_line: self.chunk_line,
            max_trailer_bytes: self.trailer_bytes,
            max_fields: self.fields,
            max_body: self.body,
            ..Config::default()
        };
        // Time never passes here; no deadline may end a run early either.
        c.header_read_timeout = None;
        c.body_read_timeout = None;
        c.idle_timeout = None;
        c
    }
}

// ---- the reference decoder -----------------------------------------------------------

/// What a body decodes to, in order: chunk extensions and data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// A chunk's extensions, from the first `;` to the end of the line.
    Extension(Vec<u8>),
    /// Body bytes.
    Data(Vec<u8>),
}

/// How the reference decoder's reading of a body ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The body is complete and valid.
    Complete,
    /// Valid so far; more is needed.
    Incomplete,
    /// It breaks the grammar.
    Rejected,
    /// It goes past one of the limits.
    OverLimit,
}

/// The reference decoder's reading of a body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// Extensions and data, as far as the body was read.
    pub items: Vec<Item>,
    /// The trailer fields (name, value), when complete.
    pub trailers: Vec<(Vec<u8>, Vec<u8>)>,
    /// How it ended.
    pub verdict: Verdict,
    /// Why, for the messages of failed checks.
    pub why: &'static str,
    /// Where the body ends, when complete.
    pub end: usize,
}

/// RFC 9110 §5.6.2: tchar.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// RFC 9110 §5.5: a byte of a field value (field-vchar, SP or HTAB).
fn is_value_byte(b: u8) -> bool {
    b == b'\t' || (0x20..0x7f).contains(&b) || b >= 0x80
}

fn is_ws(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// One line from `at`: its content (without its line end) and where the next starts.
/// `Ok(None)`: no line end yet.
fn line(buf: &[u8], at: usize, bare_lf: bool) -> Result<Option<(&[u8], usize)>, &'static str> {
    let Some(lf) = buf[at..].iter().position(|&b| b == b'\n') else {
        return Ok(None);
    };
    let raw = &buf[at..at + lf];
    match raw.strip_suffix(b"\r") {
        Some(content) => Ok(Some((content, at + lf + 1))),
        // RFC 9112 §2.2: a recipient MAY take a lone LF for a line end.
        None if bare_lf => Ok(Some((raw, at + lf + 1))),
        None => Err("a LF without its CR"),
    }
}

/// Parses `chunk-size [ chunk-ext ]` (RFC 9112 §7.1, §7.1.1): the size and the
/// extensions, starting at their first `;`.
fn chunk_line(line: &[u8]) -> Result<(u64, &[u8]), &'static str> {
    let digits = line.iter().take_while(|b| b.is_ascii_hexdigit()).count();
    if digits == 0 {
        return Err("no chunk size");
    }
    let mut size = 0u64;
    for &b in &line[..digits] {
        let d = char::from(b).to_digit(16).unwrap_or(0);
        // §7.1: "prevent parsing errors due to integer conversion overflows".
        size = size
            .checked_mul(16)
            .and_then(|s| s.checked_add(u64::from(d)))
            .ok_or("a chunk size over 64 bits")?;
    }
    let ext = &line[digits..];
    let first = ext.iter().take_while(|&&b| is_ws(b)).count();
    if first == ext.len() {
        // Nothing, or whitespace with no extension after it.
        return if ext.is_empty() {
            Ok((size, ext))
        } else {
            Err("whitespace after the chunk size")
        };
    }
    let ext = &ext[first..];
    if extensions(ext) {
        Ok((size, ext))
    } else {
        Err("bad chunk extensions")
    }
}

/// Whether `s` is `*( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )`
/// starting at its first `;`, with `chunk-ext-val = token / quoted-string`.
///
/// One tolerance beyond the grammar, as the decoder under test has it: whitespace at
/// the very end of the line (the grammar only has it before a `;` or `=`). The line
/// ends at its CRLF either way, so it cannot hide a delimiter.
fn extensions(s: &[u8]) -> bool {
    let mut i = 0;
    let ws = |i: &mut usize| {
        while s.get(*i).copied().is_some_and(is_ws) {
            *i += 1;
        }
    };
    let token = |i: &mut usize| {
        let start = *i;
        while s.get(*i).copied().is_some_and(is_tchar) {
            *i += 1;
        }
        *i > start
    };
    loop {
        ws(&mut i);
        if i == s.len() {
            return true;
        }
        if s[i] != b';' {
            return false;
        }
        i += 1;
        ws(&mut i);
        if !token(&mut i) {
            return false;
        }
        let before = i;
        ws(&mut i);
        if s.get(i) != Some(&b'=') {
            i = before;
            continue;
        }
        i += 1;
        ws(&mut i);
        if s.get(i) == Some(&b'"') {
            // RFC 9110 §5.6.4: quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE.
            i += 1;
            loop {
                match s.get(i) {
                    Some(b'"') => break,
                    Some(b'\\') => match s.get(i + 1) {
                        Some(&c) if c == b'\t' || c == b' ' || c > 0x20 && c != 0x7f => i += 2,
                        _ => return false,
                    },
                    Some(&c) if c == b'\t' || c == b' ' || c > 0x20 && c != 0x7f => i += 1,
                    _ => return false,
                }
            }
            i += 1;
        } else if !token(&mut i) {
            return false;
        }
    }
}

/// Decodes `body` (everything after the head) as RFC 9112 §7.1 says, within `limits`.
pub fn reference(body: &[u8], limits: &Limits) -> Reference {
    let mut r = Reference {
        items: Vec::new(),
        trailers: Vec::new(),
        verdict: Verdict::Incomplete,
        why: "",
        end: 0,
    };
    let stop = |mut r: Reference, verdict, why| {
        r.verdict = verdict;
        r.why = why;
        r
    };
    let mut at = 0;
    let mut received = 0u64;
    loop {
        // chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
        let (content, next) = match line(body, at, limits.bare_lf) {
            Ok(Some((content, next))) => (content, next),
            Ok(None) if body.len() - at > limits.chunk_line => {
                return stop(r, Verdict::OverLimit, "an endless chunk-size line")
            }
            Ok(None) => return stop(r, Verdict::Incomplete, "in a chunk-size line"),
            Err(why) => return stop(r, Verdict::Rejected, why),
        };
        // The line's bytes before its LF.
        if next - 1 - at > limits.chunk_line {
            return stop(r, Verdict::OverLimit, "a long chunk-size line");
        }
        let (size, ext) = match chunk_line(content) {
            Ok(parsed) => parsed,
            Err(why) => return stop(r, Verdict::Rejected, why),
        };
        at = next;
        if !ext.is_empty() {
            r.items.push(Item::Extension(ext.to_vec()));
        }
        if size == 0 {
            break;
        }
        let available = (body.len() - at) as u64;
        let n = size.min(available) as usize;
        if received + n as u64 > limits.body {
            // Read in smaller pieces, the bytes up to the limit may come out first.
            let allowed = (limits.body - received) as usize;
            if allowed > 0 {
                push_data(&mut r.items, &body[at..at + allowed]);
            }
            return stop(r, Verdict::OverLimit, "a large body");
        }
        received += n as u64;
        if n > 0 {
            push_data(&mut r.items, &body[at..at + n]);
        }
        at += n;
        if (n as u64) < size {
            return stop(r, Verdict::Incomplete, "in chunk data");
        }
        match &body[at..] {
            [b'\r', b'\n', ..] => at += 2,
            [b'\n', ..] if limits.bare_lf => at += 1,
            [] | [b'\r'] => return stop(r, Verdict::Incomplete, "after chunk data"),
            _ => return stop(r, Verdict::Rejected, "no CRLF after chunk data"),
        }
    }
    // trailer-section = *( field-line CRLF ), then CRLF.
    let start = at;
    let over = |end: usize| end - start > limits.trailer_bytes;
    // The raw value of the field being read, and the length of its line end.
    let mut open: Option<(Vec<u8>, Vec<u8>, usize)> = None;
    loop {
        let (content, next) = match line(body, at, limits.bare_lf) {
            Ok(Some(found)) => found,
            Ok(None) if over(body.len()) => {
                return stop(r, Verdict::OverLimit, "a large trailer section")
            }
            Ok(None) => return stop(r, Verdict::Incomplete, "in the trailer section"),
            Err(why) => return stop(r, Verdict::Rejected, why),
        };
        let eol = next - at - content.len();
        if content.is_empty() {
            if let Some((name, value, _)) = open.take() {
                r.trailers.push((name, trim(&value).to_vec()));
            }
            if over(next) {
                return stop(r, Verdict::OverLimit, "a large trailer section");
            }
            if r.trailers.len() > limits.fields {
                return stop(r, Verdict::OverLimit, "many trailer fields");
            }
            r.end = next;
            return stop(r, Verdict::Complete, "");
        }
        // Names are tokens and values field-vchar, SP or HTAB: a byte outside both is
        // wrong in either.
        if !content.iter().all(|&b| is_value_byte(b)) {
            return stop(r, Verdict::Rejected, "a control byte in a trailer line");
        }
        if is_ws(content[0]) {
            // RFC 9112 §5.2: obs-fold, replaced by spaces where it is allowed.
            match &mut open {
                Some((_, value, prev_eol)) if limits.obs_fold => {
                    value.extend(std::iter::repeat_n(b' ', *prev_eol));
                    value.extend_from_slice(content);
                    *prev_eol = eol;
                }
                _ => {
                    return stop(
                        r,
                        Verdict::Rejected,
                        "a trailer line starts with whitespace",
                    )
                }
            }
        } else {
            if let Some((name, value, _)) = open.take() {
                r.trailers.push((name, trim(&value).to_vec()));
            }
            // field-line = field-name ":" OWS field-value OWS
            let Some(colon) = content.iter().position(|&b| b == b':') else {
                return stop(r, Verdict::Rejected, "a trailer line without a colon");
            };
            let name = &content[..colon];
            if name.is_empty() || !name.iter().all(|&b| is_tchar(b)) {
                return stop(r, Verdict::Rejected, "a bad trailer name");
            }
            open = Some((name.to_vec(), content[colon + 1..].to_vec(), eol));
        }
        at = next;
    }
}

fn trim(mut s: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = s {
        if !is_ws(*first) {
            break;
        }
        s = rest;
    }
    while let [rest @ .., last] = s {
        if !is_ws(*last) {
            break;
        }
        s = rest;
    }
    s
}

fn push_data(items: &mut Vec<Item>, data: &[u8]) {
    match items.last_mut() {
        Some(Item::Data(d)) => d.extend_from_slice(data),
        _ => items.push(Item::Data(data.to_vec())),
    }
}

/// Whether `got` is a prefix of `want`: every item equal, but the last data of `got`
/// may be a prefix of its counterpart.
fn is_prefix(got: &[Item], want: &[Item]) -> bool {
    if got.len() > want.len() {
        return false;
    }
    let Some((last, rest)) = got.split_last() else {
        return true;
    };
    rest == &want[..rest.len()]
        && match (last, &want[rest.len()]) {
            (Item::Data(g), Item::Data(w)) => w.starts_with(g),
            (g, w) => g == w,
        }
}

// ---- the connection ------------------------------------------------------------------

/// What a run saw.
#[derive(Debug, Clone)]
pub struct Summary {
    /// The reference decoder's reading of the body.
    pub reference: Reference,
    /// Whether the connection ended the body (with its last `Data` or its trailers).
    pub completed: bool,
    /// The error that ended the body, if the connection failed it.
    pub error: Option<Error>,
    /// Body bytes delivered.
    pub data_bytes: usize,
}

impl Summary {
    /// Checks the expectation that a corpus file's name states; panics if it is not met.
    pub fn check_name(&self, name: &str) {
        if name.starts_with("ok-") {
            assert!(
                self.completed && self.reference.verdict == Verdict::Complete,
                "{name}: expected a whole body, got {self:?}"
            );
        } else if name.starts_with("bad-") {
            assert!(
                self.error.is_some() && !self.completed,
                "{name}: expected the body refused, got {self:?}"
            );
        }
    }
}

struct Run {
    conn: Connection,
    now: Instant,
    items: Vec<Item>,
    trailers: Option<Vec<(Vec<u8>, Vec<u8>)>>,
    completed: bool,
    error: Option<Error>,
    closed: bool,
    heads: usize,
    data_bytes: usize,
}

impl Run {
    fn drain(&mut self) {
        let mut out = Vec::new();
        for _ in 0..MAX_POLLS {
            match self.conn.poll_output(&mut out) {
                Output::Transmit => out.clear(),
                Output::Event(ev) => self.on_event(ev),
                Output::Timeout(_) => return,
            }
        }
        panic!("poll_output never reached a deadline");
    }

    fn on_event(&mut self, ev: Event) {
        assert!(!self.closed, "an event after Closed: {ev:?}");
        let body_open = self.heads == 1 && !self.completed && self.error.is_none();
        match ev {
            Event::Headers {
                stream,
                head: Head::Request(req),
                end_stream,
            } if stream == STREAM => {
                assert_eq!(self.heads, 0, "a second head on stream 1");
                assert!(req.is_method("POST") && !end_stream, "{req:?}");
                self.heads += 1;
            }
            Event::Data {
                stream,
                data,
                end_stream,
            } if stream == STREAM => {
                assert!(body_open, "data outside the body");
                self.data_bytes += data.len();
                if !data.is_empty() {
                    push_data(&mut self.items, &data);
                }
                self.completed = end_stream;
            }
            Event::ChunkExtension { stream, extension } if stream == STREAM => {
                assert!(body_open, "an extension outside the body");
                self.items.push(Item::Extension(extension.to_vec()));
            }
            Event::Trailers { stream, fields } if stream == STREAM => {
                assert!(body_open, "trailers outside the body");
                let fields = fields
                    .iter()
                    .map(|f| (f.name.to_vec(), f.value.to_vec()))
                    .collect();
                self.trailers = Some(fields);
                self.completed = true;
            }
            Event::EarlyError { stream, error, .. } => {
                // Only what follows a complete body can be a new request.
                assert!(stream != STREAM, "the fixed head was refused: {error}");
            }
            Event::Closed { error } => {
                self.closed = true;
                if !self.completed {
                    let error = error.expect("a body cut short closes with an error");
                    self.error = Some(error);
                }
            }
            _ => {}
        }
    }
}

/// Runs a server connection on the body in `data`; panics if an invariant breaks.
pub fn run(data: &[u8]) -> Summary {
    let (&flags, rest) = data.split_first().unwrap_or((&0, &[]));
    let (pieces, body) = match rest.split_first() {
        Some((&n, rest)) => rest.split_at(usize::from(n).min(rest.len())),
        None => (&[][..], &[][..]),
    };
    let limits = Limits::from_flags(flags);
    let reference = reference(body, &limits);
    let wire = [HEAD, body].concat();

    let now = Instant::now();
    let mut run = Run {
        conn: Connection::with_version(Side::Server, Version::Http11, limits.config(), now),
        now,
        items: Vec::new(),
        trailers: None,
        completed: false,
        error: None,
        closed: false,
        heads: 0,
        data_bytes: 0,
    };
    let mut fed = 0;
    let mut reads = pieces.iter().map(|&n| usize::from(n));
    while fed < wire.len() {
        let n = reads.next().unwrap_or(wire.len()).min(wire.len() - fed);
        run.conn.handle_input(run.now, &wire[fed..fed + n]);
        fed += n;
        run.drain();
        check_progress(&run, &reference, fed);
    }
    // All of it is in: what the connection says now is its verdict on the body.
    let what = || format!("reference {reference:?}, items {:?}", run.items);
    match reference.verdict {
        Verdict::Complete => {
            assert!(run.completed, "a whole body was not ended: {}", what());
            assert!(run.error.is_none(), "{:?}: {}", run.error, what());
            assert_eq!(run.items, reference.items, "the body differs");
            let trailers = run.trailers.clone().unwrap_or_default();
            assert_eq!(trailers, reference.trailers, "the trailers differ");
        }
        Verdict::Incomplete => {
            assert!(!run.completed, "an unfinished body was ended: {}", what());
            assert!(run.error.is_none(), "{:?}: {}", run.error, what());
            assert_eq!(run.items, reference.items, "not all of the body came out");
        }
        Verdict::Rejected | Verdict::OverLimit => {
            assert!(!run.completed, "a body the reference refuses: {}", what());
        }
    }
    run.conn.handle_eof(run.now);
    run.drain();
    if !run.completed {
        assert!(run.error.is_some(), "the end of input left the body open");
    }
    Summary {
        reference,
        completed: run.completed,
        error: run.error,
        data_bytes: run.data_bytes,
    }
}

/// The checks after each read, `fed` bytes in.
fn check_progress(run: &Run, reference: &Reference, fed: usize) {
    let body_fed = fed.saturating_sub(HEAD.len());
    assert!(
        run.data_bytes <= body_fed,
        "{} body bytes out of {body_fed} fed",
        run.data_bytes
    );
    assert!(
        is_prefix(&run.items, &reference.items),
        "delivered {:?}, the reference decodes {reference:?}",
        run.items
    );
    if let Some(e) = &run.error {
        assert_eq!(e.stream, Some(STREAM), "{e}");
        assert!(
            matches!(reference.verdict, Verdict::Rejected | Verdict::OverLimit),
            "the body was refused ({e}) but the reference reads {reference:?}"
        );
    }
    if run.completed {
        assert_eq!(
            reference.verdict,
            Verdict::Complete,
            "ended early: {reference:?}"
        );
    }
}
