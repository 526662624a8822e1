//! HTTP/1.1 heads (RFC 9112 §2–§5): finding the end of a head in the input, parsing it
//! with `httparse` into wire-exact [`Request`]/[`Response`] values, and the checks that
//! `httparse` leaves to us (bare LF, obs-fold, Host, request-target forms, versions).

use crate::config::{Config, Leniency};
use crate::error::{ErrorKind, Limit, ProtocolError};
use crate::head::{
    list_elements, trim_ows, Field, Fields, PartialRequest, Request, Response, Spans, Version,
};
use bytes::Bytes;
use std::mem::MaybeUninit;

/// Headers parsed on the stack up to this many; beyond, on the heap.
const STACK_FIELDS: usize = 128;

/// A parse failure: the error and what was parsed before it.
#[derive(Debug)]
pub(crate) struct HeadError {
    pub kind: ErrorKind,
    pub field: Option<Bytes>,
    /// Boxed: errors are rare, and the `Ok` path should not pay for their size.
    pub partial: Box<PartialRequest>,
}

impl HeadError {
    pub(crate) fn new(kind: impl Into<ErrorKind>) -> HeadError {
        HeadError {
            kind: kind.into(),
            field: None,
            partial: Box::default(),
        }
    }
}

/// Scans `buf` for the empty line that ends a head (or a trailer section), starting at
/// `*scanned` (bytes before it were already scanned). Returns the section's length,
/// empty line included.
///
/// Unless bare LF is allowed, a LF without its CR is an error as soon as it is seen
/// (RFC 9112 §2.2): waiting for a CRLF CRLF that never comes would let a peer that
/// ends lines with LF alone hold the connection, and reading past a bare-LF end is how
/// a trailer section could swallow a smuggled request.
pub(crate) fn find_head_end(
    buf: &[u8],
    scanned: &mut usize,
    bare_lf: bool,
) -> Result<Option<usize>, ProtocolError> {
    // Restart a little before the previous end so a terminator split across reads is found.
    let mut i = scanned.saturating_sub(3);
    while let Some(off) = find_lf(&buf[i..]) {
        let lf = i + off;
        let after_cr = lf >= 1 && buf[lf - 1] == b'\r';
        if !after_cr && !bare_lf {
            return Err(ProtocolError::BareLf);
        }
        // `\n\r\n` or (lenient) `\n\n`: the line that ends at `lf` is empty.
        if after_cr && lf >= 2 && buf[lf - 2] == b'\n' {
            return Ok(Some(lf + 1));
        }
        if bare_lf && lf >= 1 && buf[lf - 1] == b'\n' {
            return Ok(Some(lf + 1));
        }
        i = lf + 1;
    }
    *scanned = buf.len();
    Ok(None)
}

/// The position of the first LF in `buf`, eight bytes at a time (SWAR): heads are
/// scanned for line ends before anything else, so this is the hottest loop of parsing.
#[inline]
pub(crate) fn find_lf(buf: &[u8]) -> Option<usize> {
    find_byte::<b'\n'>(buf)
}

/// The position of the first `B` in `buf`, eight bytes at a time: a zero byte of
/// `word ^ B` is a `B`, and the lowest byte the test flags is exact (a borrow only
/// flags bytes above a zero one).
#[inline(always)]
pub(crate) fn find_byte<const B: u8>(buf: &[u8]) -> Option<usize> {
    // A short buffer byte by byte: a comparison each, where the word test costs more.
    if buf.len() < 8 {
        return buf.iter().position(|&b| b == B);
    }
    first_flagged(buf, 0, |w| {
        let x = w ^ (ONES * u64::from(B));
        x.wrapping_sub(ONES) & !x & HIGHS
    })
}

/// `0x01` in every byte of a word.
pub(crate) const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
/// `0x80` in every byte of a word.
pub(crate) const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);

/// The position of the first byte at or after `from` in `buf` that `flagged` flags,
/// eight bytes at a time. `flagged` sets the high bit of each byte of a little-endian
/// word that it looks for, and may set others only above the lowest of those, so the
/// lowest flag is exact. A tail shorter than a word is read as the last eight bytes
/// of the buffer, shifted down past the bytes before it.
#[inline(always)]
pub(crate) fn first_flagged(
    buf: &[u8],
    from: usize,
    flagged: impl Fn(u64) -> u64,
) -> Option<usize> {
    let n = buf.len();
    if n < 8 {
        return (from..n).find(|&i| flagged(u64::from(buf[i])) & 0x80 != 0);
    }
    let mut at = from;
    while at + 8 <= n {
        let found = flagged(word_at(buf, at));
        if found != 0 {
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    if at >= n {
        return None;
    }
    // The tail word starts before `at`: those bytes are shifted out rather than
    // masked, as a flag of theirs could carry into the bytes after them. The zero
    // bytes shifted in are past the end.
    let word = word_at(buf, n - 8) >> ((at - (n - 8)) * 8);
    let found = flagged(word);
    let i = at + (found.trailing_zeros() / 8) as usize;
    (i < n).then_some(i)
}

/// Drops empty lines before a request line (RFC 9112 §2.2: a server SHOULD ignore at
/// least one). Returns how many bytes to skip.
pub(crate) fn skip_leading_empty_lines(buf: &[u8], bare_lf: bool) -> usize {
    let mut i = 0;
    loop {
        match &buf[i..] {
            [b'\r', b'\n', ..] => i += 2,
            [b'\n', ..] if bare_lf => i += 1,
            _ => return i,
        }
    }
}

/// Checks a head that is still incomplete against the size limits, so that a peer
/// cannot make us buffer more than `max_head_bytes` (431) or an endless request line (414).
pub(crate) fn check_partial_head(buf: &[u8], config: &Config, request: bool) -> Result<(), Limit> {
    if request {
        // RFC 9112 §3: a server that receives a request-target longer than it wishes to
        // parse MUST respond with 414.
        let window = &buf[..buf.len().min(config.max_request_line + 2)];
        if buf.len() > config.max_request_line + 1 && !window.contains(&b'\n') {
            return Err(Limit::RequestLine);
        }
    }
    if buf.len() > config.max_head_bytes {
        return Err(Limit::HeadBytes);
    }
    Ok(())
}

/// Prepares a complete head in place before `httparse` sees it: rejects bare LF or
/// obs-fold unless allowed, and replaces each allowed obs-fold by spaces.
pub(crate) fn prepare_head(head: &mut [u8], config: &Config) -> Result<(), ProtocolError> {
    prepare_lines(head, true, config)
}

/// Prepares a complete trailer section in place, as [`prepare_head`] does a head. Its
/// first line is a field line, so unlike a head's start line it may be folded too.
pub(crate) fn prepare_trailers(section: &mut [u8], config: &Config) -> Result<(), ProtocolError> {
    prepare_lines(section, false, config)
}

/// `start_line`: the first line is a request or status line, which cannot be folded.
fn prepare_lines(head: &mut [u8], start_line: bool, config: &Config) -> Result<(), ProtocolError> {
    let allow_lf = config.allow_bare_lf == Leniency::Allow;
    let allow_fold = config.allow_obs_fold == Leniency::Allow;
    let mut i = 0;
    while let Some(off) = head[i..].iter().position(|&b| b == b'\n') {
        let lf = i + off;
        // RFC 9112 §2.2: a recipient MAY recognize a single LF as a line terminator.
        if (lf == 0 || head[lf - 1] != b'\r') && !allow_lf {
            return Err(ProtocolError::BareLf);
        }
        // RFC 9112 §5.2: obs-fold in a request MUST be rejected with 400 or replaced by SP;
        // a start line cannot be folded (that would be whitespace before the first field).
        if matches!(head.get(lf + 1), Some(b' ' | b'\t')) && (i > 0 || !start_line) {
            if !allow_fold {
                return Err(ProtocolError::ObsFold);
            }
            head[lf] = b' ';
            if lf > 0 && head[lf - 1] == b'\r' {
                head[lf - 1] = b' ';
            }
        }
        i = lf + 1;
    }
    Ok(())
}

fn map_httparse(e: httparse::Error) -> ErrorKind {
    match e {
        httparse::Error::HeaderName => ProtocolError::InvalidFieldName.into(),
        httparse::Error::HeaderValue | httparse::Error::NewLine => {
            ProtocolError::InvalidFieldValue.into()
        }
        httparse::Error::Status => ProtocolError::InvalidStatus.into(),
        httparse::Error::Token => ProtocolError::InvalidMethod.into(),
        httparse::Error::TooManyHeaders => Limit::FieldCount.into(),
        httparse::Error::Version => ProtocolError::InvalidVersion.into(),
    }
}

/// A version that `httparse` refused: `HTTP/x.y` with another major is 505; a higher
/// HTTP/1 minor is served as HTTP/1.1 (RFC 9110 §6.2); anything else is malformed.
fn classify_version(version: &[u8]) -> Result<(), ProtocolError> {
    match version {
        [b'H', b'T', b'T', b'P', b'/', major, b'.', minor]
            if major.is_ascii_digit() && minor.is_ascii_digit() =>
        {
            if *major == b'1' {
                Ok(())
            } else {
                Err(ProtocolError::UnsupportedVersion)
            }
        }
        _ => Err(ProtocolError::InvalidVersion),
    }
}

fn collect_spans(buf: &[u8], headers: &[httparse::Header<'_>]) -> Spans {
    Spans::collect(
        buf,
        headers
            .iter()
            .map(|h| (h.name.as_bytes(), trim_ows(h.value))),
    )
}

fn collect_fields(src: &Bytes, headers: &[httparse::Header<'_>]) -> Fields {
    collect_spans(src, headers).into_fields(src.clone())
}

type Slot<'b> = MaybeUninit<httparse::Header<'b>>;

/// Runs `f` with room for `max` headers, on the stack when small, left uninitialized:
/// zeroing a few KiB for every head would cost more than parsing it.
fn with_headers<'b, R>(max: usize, f: impl FnOnce(&mut [Slot<'b>]) -> R) -> R {
    if max <= STACK_FIELDS {
        let mut arr: [Slot<'b>; STACK_FIELDS] = [const { MaybeUninit::uninit() }; STACK_FIELDS];
        f(&mut arr[..max])
    } else {
        let mut v: Vec<Slot<'b>> = (0..max).map(|_| MaybeUninit::uninit()).collect();
        f(&mut v)
    }
}

/// Parses a complete request head (`src` is exactly the head, empty line included).
pub(crate) fn parse_request(src: &Bytes, config: &Config) -> Result<Request, HeadError> {
    let mut parser = httparse::ParserConfig::default();
    parser.allow_multiple_spaces_in_request_line_delimiters(
        config.allow_multiple_spaces == Leniency::Allow,
    );
    with_headers(config.max_fields, |headers| {
        let mut req = httparse::Request::new(&mut []);
        let result = parser.parse_request_with_uninit_headers(&mut req, src, headers);
        let partial = || PartialRequest {
            method: req.method.map(|m| src.slice_ref(m.as_bytes())),
            target: req.path.map(|p| src.slice_ref(p.as_bytes())),
            version: req.version.map(|v| {
                if v == 0 {
                    Version::Http10
                } else {
                    Version::Http11
                }
            }),
            fields: Fields::new(),
        };
        match result {
            Ok(httparse::Status::Complete(_)) => {}
            Ok(httparse::Status::Partial) => {
                let mut e = HeadError::new(ProtocolError::InvalidRequestLine);
                e.partial = Box::new(partial());
                return Err(e);
            }
            Err(httparse::Error::Version) => {
                let mut e = HeadError::new(version_error(src, true));
                e.partial = Box::new(partial());
                return Err(e);
            }
            Err(e) => {
                let kind = match e {
                    // Strict parsing leaves folded lines to httparse, which sees a field
                    // name starting with whitespace; name it for what it is.
                    httparse::Error::HeaderName if is_folded(src) => ProtocolError::ObsFold.into(),
                    e => map_httparse(e),
                };
                let mut e = HeadError::new(kind);
                e.partial = Box::new(partial());
                return Err(e);
            }
        }
        let method = src.slice_ref(req.method.unwrap_or_default().as_bytes());
        let target = src.slice_ref(req.path.unwrap_or_default().as_bytes());
        let version = if req.version == Some(0) {
            Version::Http10
        } else {
            Version::Http11
        };
        Ok(Request {
            method,
            target,
            version,
            fields: collect_fields(src, req.headers),
            scheme: None,
            authority: None,
            protocol: None,
        })
    })
}

/// `httparse` only knows HTTP/1.0 and HTTP/1.1; tell a future version (505) from junk (400).
fn version_error(src: &[u8], request: bool) -> ErrorKind {
    let line_end = src.iter().position(|&b| b == b'\n').unwrap_or(src.len());
    let line = src[..line_end]
        .strip_suffix(b"\r")
        .unwrap_or(&src[..line_end]);
    // Only a line of exactly three parts names a version; anything else (a space in
    // the target, a doubled space) is a malformed request line (RFC 9112 §3: 400).
    let parts: Vec<&[u8]> = line.split(|&b| b == b' ').collect();
    let version = match (request, &parts[..]) {
        (true, [_, _, version]) => version,
        (false, [version, ..]) => version,
        _ => return ProtocolError::InvalidRequestLine.into(),
    };
    match classify_version(version) {
        // A later HTTP/1 minor version: httparse refuses it, we read it as HTTP/1.1.
        Ok(()) => ErrorKind::Protocol(ProtocolError::UnsupportedVersion),
        Err(p) => p.into(),
    }
}

/// Whether a field line of `head` starts with whitespace (obs-fold, RFC 9112 §5.2).
fn is_folded(head: &[u8]) -> bool {
    head.windows(2)
        .any(|w| w[0] == b'\n' && (w[1] == b' ' || w[1] == b'\t'))
}

/// If the request line names a later HTTP/1 minor version (`HTTP/1.2`…), rewrites it in
/// place to `HTTP/1.1` so that it is served as HTTP/1.1 (RFC 9110 §6.2). Returns whether
/// it did.
pub(crate) fn downgrade_minor_version(head: &mut [u8], line_end: usize) -> bool {
    let end = if line_end > 0 && head[line_end - 1] == b'\r' {
        line_end - 1
    } else {
        line_end
    };
    if end < 9 || &head[end - 8..end] == b"HTTP/1.1" {
        return false;
    }
    let v = &head[end - 9..end];
    if v.starts_with(b" HTTP/1.") && v[8].is_ascii_digit() && v[8] > b'1' {
        head[end - 1] = b'1';
        return true;
    }
    false
}

/// Parses a complete response head.
pub(crate) fn parse_response(src: &Bytes, config: &Config) -> Result<Response, HeadError> {
    let mut parser = httparse::ParserConfig::default();
    parser
        .allow_spaces_after_header_name_in_responses(
            config.allow_space_before_colon == Leniency::Allow,
        )
        .allow_obsolete_multiline_headers_in_responses(config.allow_obs_fold == Leniency::Allow)
        .allow_multiple_spaces_in_response_status_delimiters(
            config.allow_multiple_spaces == Leniency::Allow,
        );
    with_headers(config.max_fields, |headers| {
        let mut res = httparse::Response::new(&mut []);
        match parser.parse_response_with_uninit_headers(&mut res, src, headers) {
            Ok(httparse::Status::Complete(_)) => {}
            Ok(httparse::Status::Partial) => {
                return Err(HeadError::new(ProtocolError::InvalidStatus))
            }
            Err(httparse::Error::Version) => return Err(HeadError::new(version_error(src, false))),
            Err(e) => return Err(HeadError::new(map_httparse(e))),
        }
        let status = res.code.unwrap_or_default();
        if !(100..=999).contains(&status) {
            return Err(HeadError::new(ProtocolError::InvalidStatus));
        }
        Ok(Response {
            status,
            reason: src.slice_ref(res.reason.unwrap_or_default().as_bytes()),
            version: if res.version == Some(0) {
                Version::Http10
            } else {
                Version::Http11
            },
            fields: collect_fields(src, res.headers),
        })
    })
}

/// How a message body is delimited (RFC 9112 §6.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Framing {
    /// No body.
    Empty,
    /// Exactly this many bytes.
    Length(u64),
    /// Chunked transfer coding.
    Chunked,
    /// Until the connection closes (responses only).
    Close,
}

/// A single Content-Length value: one or more digits that fit in 64 bits.
pub(crate) fn parse_content_length(value: &[u8]) -> Option<u64> {
    if value.is_empty() {
        return None;
    }
    // 1*DIGIT: leading zeros are valid, so the length of the text is no bound.
    value.iter().try_fold(0u64, |acc, &b| {
        if !b.is_ascii_digit() {
            return None;
        }
        acc.checked_mul(10)?.checked_add(u64::from(b - b'0'))
    })
}

/// The Content-Length of a message: `Ok(None)` if absent. More than one value, even an
/// equal one, is refused: RFC 9110 §8.6 lets a recipient reject it, and smuggling
/// attacks rely on recipients that disagree about which one counts.
fn content_length(fields: &Fields) -> Result<Option<u64>, (ProtocolError, Bytes)> {
    let mut found: Option<(u64, Field<'_>)> = None;
    for f in fields.iter().filter(|f| f.is("content-length")) {
        if found.is_some() {
            return Err((
                ProtocolError::DuplicateContentLength,
                Bytes::copy_from_slice(f.name),
            ));
        }
        match parse_content_length(f.value) {
            Some(n) => found = Some((n, f)),
            None if f.value.contains(&b',') => {
                return Err((
                    ProtocolError::DuplicateContentLength,
                    Bytes::copy_from_slice(f.name),
                ))
            }
            None => {
                return Err((
                    ProtocolError::InvalidContentLength,
                    Bytes::copy_from_slice(f.name),
                ))
            }
        }
    }
    Ok(found.map(|(n, _)| n))
}

/// The Content-Length of a request, from the first two Content-Length fields found.
fn content_length_of(
    lengths: &[Option<Field<'_>>; 2],
) -> Result<Option<u64>, (ProtocolError, Bytes)> {
    match *lengths {
        [None, _] => Ok(None),
        [Some(_), Some(dup)] => Err((
            ProtocolError::DuplicateContentLength,
            Bytes::copy_from_slice(dup.name),
        )),
        [Some(f), None] => match parse_content_length(f.value) {
            Some(n) => Ok(Some(n)),
            None if f.value.contains(&b',') => Err((
                ProtocolError::DuplicateContentLength,
                Bytes::copy_from_slice(f.name),
            )),
            None => Err((
                ProtocolError::InvalidContentLength,
                Bytes::copy_from_slice(f.name),
            )),
        },
    }
}

/// The transfer codings of a message, checked: `Ok(())` if they are exactly one final
/// `chunked`; an error for anything else.
fn transfer_coding_is_chunked<'a>(
    fields: impl IntoIterator<Item = Field<'a>>,
) -> Result<(), (ProtocolError, Bytes)> {
    let mut codings = 0usize;
    let mut chunked_last = false;
    let mut unsupported = None;
    let mut first = None;
    for f in fields.into_iter().filter(|f| f.is("transfer-encoding")) {
        first.get_or_insert(f.name);
        for coding in list_elements(f.value) {
            codings += 1;
            if chunked_last {
                // Something after chunked, including a second chunked (RFC 9112 §6.1:
                // a sender MUST NOT apply chunked more than once).
                return Err((
                    ProtocolError::ChunkedNotFinal,
                    Bytes::copy_from_slice(f.name),
                ));
            }
            if coding.eq_ignore_ascii_case(b"chunked") {
                chunked_last = true;
            } else if is_token(coding_name(coding)) {
                unsupported.get_or_insert(Bytes::copy_from_slice(f.name));
            } else {
                return Err((
                    ProtocolError::ChunkedNotFinal,
                    Bytes::copy_from_slice(f.name),
                ));
            }
        }
    }
    if codings == 0 {
        // `Transfer-Encoding:` with an empty value is not a valid coding list.
        let name = first.map(Bytes::copy_from_slice);
        return Err((ProtocolError::ChunkedNotFinal, name.unwrap_or_default()));
    }
    if !chunked_last {
        return Err((
            ProtocolError::ChunkedNotFinal,
            unsupported.unwrap_or_default(),
        ));
    }
    if let Some(name) = unsupported {
        // RFC 9112 §6.1: a server that receives a transfer coding it does not understand
        // SHOULD respond with 501.
        return Err((ProtocolError::UnsupportedTransferCoding, name));
    }
    Ok(())
}

fn coding_name(coding: &[u8]) -> &[u8] {
    let end = coding
        .iter()
        .position(|&b| b == b';')
        .unwrap_or(coding.len());
    trim_ows(&coding[..end])
}

/// RFC 9110 §5.6.2 tchar.
pub(crate) fn is_tchar(b: u8) -> bool {
    TCHAR[usize::from(b)]
}

/// [`is_tchar`] as a table: one load per byte rather than a chain of ranges.
static TCHAR: [bool; 256] = TCHAR_TABLE;

/// The table of [`TCHAR`], for other tables built from it.
pub(crate) const TCHAR_TABLE: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = matches!(b as u8,
            b'!' | b'#' | b'$' | b'%' | b'&' | b'\'' | b'*' | b'+' | b'-' | b'.' | b'^' | b'_'
            | b'`' | b'|' | b'~' | b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z');
        b += 1;
    }
    table
};

pub(crate) fn is_token(s: &[u8]) -> bool {
    // Without an early exit: names are short, and a branch per byte costs more.
    !s.is_empty() && s.iter().fold(true, |ok, &b| ok & is_tchar(b))
}

/// What the server needs to know about a request beyond its head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RequestInfo {
    pub http10: bool,
    pub framing: Framing,
    pub keep_alive: bool,
    pub expect_continue: bool,
    pub upgrade: bool,
    pub connect: bool,
    pub head: bool,
}

/// A request's checks: what it needs, or the error and the field at fault.
pub(crate) type Checked = Result<RequestInfo, (ErrorKind, Option<Bytes>)>;

/// What one pass over a request's fields finds for the checks: the fields that decide
/// framing, persistence and expectations, and the tokens that matter. Made on the fast
/// path as the head is read, so that no field is looked up again afterwards.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct FieldScan<'a> {
    /// The first two of each: the second is only needed to name a duplicate.
    hosts: [Option<Field<'a>>; 2],
    lengths: [Option<Field<'a>>; 2],
    /// The name of the first Transfer-Encoding field.
    te: Option<&'a [u8]>,
    close: bool,
    keep_alive_token: bool,
    upgrade_token: bool,
    upgrade: bool,
    expect_continue: bool,
    expect_other: bool,
}

impl<'a> FieldScan<'a> {
    fn of(fields: &'a Fields) -> FieldScan<'a> {
        let mut scan = FieldScan::default();
        for f in fields {
            scan.add(f.name, f.value);
        }
        scan
    }

    /// Notes a field: a token `name` and a trimmed `value`.
    #[inline(always)]
    pub(crate) fn add(&mut self, name: &'a [u8], value: &'a [u8]) {
        // The length and the first letter, lowercased, rule out most fields before
        // any comparison: no two of the names that matter have the same length, so
        // one lookup by length gives the only first letter worth a closer look.
        const FIRST_BY_LENGTH: [u8; 18] = {
            let mut t = [0; 18];
            t[4] = b'h'; // host
            t[6] = b'e'; // expect
            t[7] = b'u'; // upgrade
            t[10] = b'c'; // connection
            t[14] = b'c'; // content-length
            t[17] = b't'; // transfer-encoding
            t
        };
        // `| 0x20` is never 0, the entry of the other lengths; nor is an empty name's 0xff.
        let first = name.first().map_or(0xff, |b| b | 0x20);
        if FIRST_BY_LENGTH.get(name.len()) == Some(&first) {
            self.note(name, value);
        }
    }

    /// [`FieldScan::add`] for a field that may matter: out of line, so that the walk
    /// over the other fields stays small.
    #[inline(never)]
    fn note(&mut self, name: &'a [u8], value: &'a [u8]) {
        let field = Field {
            name,
            value,
            sensitive: false,
        };
        // No two of the names have the same length (see `add`).
        match name.len() {
            4 if token_is(name, b"host") => first_two(&mut self.hosts, field),
            6 if token_is(name, b"expect") => {
                // RFC 9110 §10.1.1: the only expectation defined is 100-continue
                // (case-insensitive); empty list elements are ignored (§5.6.1.2).
                for e in list_elements(value) {
                    if element_is(e, b"100-continue") {
                        self.expect_continue = true;
                    } else {
                        self.expect_other = true;
                    }
                }
            }
            7 if token_is(name, b"upgrade") => self.upgrade = true,
            10 if token_is(name, b"connection") => {
                let mut note = |token: &[u8]| {
                    let close = element_is(token, b"close");
                    let keep_alive = element_is(token, b"keep-alive");
                    let upgrade = element_is(token, b"upgrade");
                    self.close |= close;
                    self.keep_alive_token |= keep_alive;
                    self.upgrade_token |= upgrade;
                    close | keep_alive | upgrade
                };
                // Mostly one token, trimmed already: a list only if that is not it.
                if !note(value) && value.contains(&b',') {
                    list_elements(value).for_each(|e| {
                        note(e);
                    });
                }
            }
            14 if token_is(name, b"content-length") => first_two(&mut self.lengths, field),
            17 if token_is(name, b"transfer-encoding") => {
                self.te.get_or_insert(name);
            }
            _ => {}
        }
    }
}

/// Checks a parsed request and works out its framing (RFC 9112 §3.2, §6, RFC 9110 §7.2).
pub(crate) fn check_request(req: &Request) -> Checked {
    let scan = FieldScan::of(&req.fields);
    check_parts(&req.method, &req.target, req.version, &scan, &req.fields)
}

/// [`check_request`] on the parts of a request, its fields already scanned; `fields`
/// are walked again only for a Transfer-Encoding.
pub(crate) fn check_parts<'a>(
    method: &[u8],
    target: &[u8],
    version: Version,
    scan: &FieldScan<'a>,
    fields: impl IntoIterator<Item = Field<'a>>,
) -> Checked {
    let http10 = version == Version::Http10;
    let connect = method == b"CONNECT";
    let FieldScan {
        ref hosts,
        ref lengths,
        te,
        close,
        keep_alive_token,
        upgrade_token,
        upgrade,
        expect_continue,
        expect_other,
    } = *scan;
    check_target(method, target).map_err(|p| (p.into(), None))?;
    check_host(version, hosts).map_err(|(p, f)| (p.into(), f))?;
    let framing = if let Some(te) = te {
        let name = Some(Bytes::copy_from_slice(te));
        // RFC 9112 §6.1: an HTTP/1.0 message with Transfer-Encoding has faulty framing.
        if http10 {
            return Err((ProtocolError::TransferEncodingOnHttp10.into(), name));
        }
        // RFC 9112 §6.1: a server MAY reject a request with both, and MUST then close.
        if lengths[0].is_some() {
            return Err((
                ProtocolError::TransferEncodingWithContentLength.into(),
                name,
            ));
        }
        transfer_coding_is_chunked(fields).map_err(|(p, f)| (p.into(), Some(f)))?;
        Framing::Chunked
    } else {
        match content_length_of(lengths).map_err(|(p, f)| (p.into(), Some(f)))? {
            Some(0) | None => Framing::Empty,
            Some(n) => Framing::Length(n),
        }
    };
    let keep_alive = if http10 {
        keep_alive_token && !close
    } else {
        !close
    };
    // A server MAY answer other expectations with 417.
    if expect_other {
        return Err((ProtocolError::UnsupportedExpectation.into(), None));
    }
    Ok(RequestInfo {
        http10,
        framing,
        keep_alive,
        // RFC 9110 §10.1.1: a server MUST ignore 100-continue in an HTTP/1.0 request.
        expect_continue: expect_continue && !http10 && framing != Framing::Empty,
        // RFC 9110 §7.8: a server MUST ignore Upgrade in an HTTP/1.0 request.
        upgrade: !http10 && upgrade && upgrade_token,
        connect,
        head: method == b"HEAD",
    })
}

/// Whether the token `name` is `lower` (lowercase letters and `-`), ignoring case.
/// Setting bit 5 lowercases a letter and leaves `-` alone; of the other tchars none
/// turns into a letter or `-` that way, so on a token the comparison is exact.
pub(crate) fn token_is(name: &[u8], lower: &[u8]) -> bool {
    debug_assert!(is_token(name));
    lower_is(name, lower)
}

/// Whether the start of a checked field line (a token, a colon, a value without CR) is
/// `lower` (lowercase letters and `-`), ignoring case. Setting bit 5 turns a byte into
/// a letter or `-` only from that letter in either case, or from `-` or CR; a colon
/// stays one. So the comparison is exact, and fails on a shorter name and its colon.
pub(crate) fn line_start_is(s: &[u8], lower: &[u8]) -> bool {
    debug_assert!(!s.contains(&b'\r'));
    lower_is(s, lower)
}

/// `s | 0x20` byte for byte equals `lower`, eight or four bytes at a time (`lower` is
/// a constant, so its words are too); the last word may overlap the one before.
#[inline(always)]
fn lower_is(s: &[u8], lower: &[u8]) -> bool {
    const SPACES: u64 = u64::from_ne_bytes([0x20; 8]);
    let n = s.len();
    if n != lower.len() {
        return false;
    }
    if n >= 8 {
        let mut at = 0;
        while at + 8 < n {
            if word_at(s, at) | SPACES != word_at(lower, at) {
                return false;
            }
            at += 8;
        }
        return word_at(s, n - 8) | SPACES == word_at(lower, n - 8);
    }
    if n >= 4 {
        let half = |s: &[u8], at: usize| {
            let mut word = [0u8; 4];
            word.copy_from_slice(&s[at..at + 4]);
            u32::from_le_bytes(word) | 0x2020_2020
        };
        return half(s, 0) == half(lower, 0) && half(s, n - 4) == half(lower, n - 4);
    }
    s.iter().zip(lower).all(|(&a, &b)| a | 0x20 == b)
}

/// Whether the list element `e` of a received field value is `lower` (lowercase
/// letters, digits and `-`), ignoring case. Setting bit 5 turns a byte into a letter,
/// digit or `-` only from that letter in either case, or from a control character:
/// httparse lets none but HTAB into a value, and HTAB turns into `)`.
fn element_is(e: &[u8], lower: &[u8]) -> bool {
    debug_assert!(e.iter().all(|&b| b == b'\t' || b >= 0x20));
    lower_is(e, lower)
}

/// Keeps the first two fields of one name: the second is only needed to name a duplicate.
fn first_two<T>(slot: &mut [Option<T>; 2], field: T) {
    let at = usize::from(slot[0].is_some());
    slot[at].get_or_insert(field);
}

/// What a server refuses in a request line or Host, checked before a client sends it:
/// a request weir writes, weir reads.
pub(crate) fn check_outgoing(
    method: &[u8],
    target: &[u8],
    fields: &Fields,
) -> Result<(), &'static str> {
    // httparse's own bound on target bytes, which `check_target` relies on.
    let visible = target.iter().all(|&b| (0x21..0x7f).contains(&b));
    if !visible || check_target(method, target).is_err() {
        return Err("the target's form does not fit the method (RFC 9112 §3.2)");
    }
    let mut hosts = fields.get_all("host");
    match (hosts.next(), hosts.next()) {
        (_, Some(_)) => Err("more than one Host"),
        (Some(h), None) if !h.trim_ascii().is_empty() && !valid_host_port(h.trim_ascii()) => {
            Err("Host is not host[:port]")
        }
        _ => Ok(()),
    }
}

/// RFC 9112 §3.2: the four forms of request-target, each only where it belongs. `t`
/// is one httparse accepted: every byte visible ASCII or obs-text (0x80 and up).
fn check_target(method: &[u8], t: &[u8]) -> Result<(), ProtocolError> {
    debug_assert!(t.iter().all(|&b| b >= 0x21 && b != 0x7f));
    // The target is ASCII: httparse lets obs-text through, RFC 3986 does not. A
    // fragment is not part of any request-target (RFC 9112 §3.2). One pass for both.
    if t.is_empty() || !ascii_without_hash(t) {
        return Err(ProtocolError::InvalidTarget);
    }
    if method == b"CONNECT" {
        // RFC 9112 §3.2.3: authority-form, `host:port`, only for CONNECT.
        return match split_port(t) {
            // RFC 9110 §9.3.6: a server MUST reject an empty or invalid port.
            Some((host, Some(port))) if valid_host(host) && valid_port(port) => Ok(()),
            _ => Err(ProtocolError::InvalidTarget),
        };
    }
    if t == b"*" {
        // RFC 9112 §3.2.4: asterisk-form only for OPTIONS.
        return if method == b"OPTIONS" {
            Ok(())
        } else {
            Err(ProtocolError::InvalidTarget)
        };
    }
    if t[0] == b'/' {
        return Ok(());
    }
    // absolute-form: scheme ":" hier-part (RFC 3986 §3.1 scheme syntax).
    match t.iter().position(|&b| b == b':') {
        Some(n)
            if n > 0
                && t[0].is_ascii_alphabetic()
                && t[..n]
                    .iter()
                    .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')) =>
        {
            let scheme = &t[..n];
            if scheme.eq_ignore_ascii_case(b"http") || scheme.eq_ignore_ascii_case(b"https") {
                check_http_authority(&t[n + 1..])
            } else {
                Ok(())
            }
        }
        _ => Err(ProtocolError::InvalidTarget),
    }
}

/// Whether every byte of `s` is ASCII other than `#`, eight bytes at a time: every
/// request target goes through this. In each word, a byte with its high bit set in
/// either term below is a byte that fails; the test for `#` flags a byte only at or
/// above one that fails (borrows run upwards), so no word passes wrongly.
fn ascii_without_hash(s: &[u8]) -> bool {
    const HASHES: u64 = ONES * b'#' as u64;
    // Non-ASCII | `#` (a zero byte of `w ^ HASHES`).
    let word_fails = |w: u64| {
        let x = w ^ HASHES;
        (w | (x.wrapping_sub(ONES) & !x)) & HIGHS
    };
    if s.len() < 8 {
        return s.iter().all(|&b| b < 0x80 && b != b'#');
    }
    !any_word_flagged(s, word_fails)
}

/// Whether `flagged` sets a bit for any eight-byte word of `s` (at least eight bytes
/// long): the whole words, then the last eight bytes, some of them seen already.
#[inline(always)]
pub(crate) fn any_word_flagged(s: &[u8], flagged: impl Fn(u64) -> u64) -> bool {
    debug_assert!(s.len() >= 8);
    let mut found = 0;
    for chunk in s.chunks_exact(8) {
        found |= flagged(word_at(chunk, 0));
    }
    found |= flagged(word_at(s, s.len() - 8));
    found != 0
}

/// The eight bytes of `s` at `at`, little-endian.
#[inline(always)]
pub(crate) fn word_at(s: &[u8], at: usize) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(&s[at..at + 8]);
    u64::from_le_bytes(word)
}

/// The authority of an `http` or `https` absolute-form target. RFC 9110 §4.2.1: a
/// recipient MUST reject an http URI with an empty host; §4.2.4: userinfo SHOULD be
/// treated as an error.
fn check_http_authority(rest: &[u8]) -> Result<(), ProtocolError> {
    let Some(rest) = rest.strip_prefix(b"//") else {
        return Err(ProtocolError::InvalidTarget);
    };
    let end = rest
        .iter()
        .position(|&b| b == b'/' || b == b'?')
        .unwrap_or(rest.len());
    let authority = &rest[..end];
    if authority.contains(&b'@') {
        return Err(ProtocolError::InvalidTarget);
    }
    match split_port(authority) {
        Some((host, port))
            if valid_host(host) && port.is_none_or(|p| p.is_empty() || valid_port(p)) =>
        {
            Ok(())
        }
        _ => Err(ProtocolError::InvalidTarget),
    }
}

/// A port number, 1 to 65535.
fn valid_port(port: &[u8]) -> bool {
    parse_content_length(port).is_some_and(|p| (1..=65535).contains(&p))
}

/// RFC 9112 §3.2: an HTTP/1.1 request MUST have exactly one Host; a server MUST answer
/// 400 to a request without one, with more than one, or with an invalid value.
fn check_host(
    version: Version,
    hosts: &[Option<Field<'_>>; 2],
) -> Result<(), (ProtocolError, Option<Bytes>)> {
    if let Some(dup) = hosts[1] {
        return Err((
            ProtocolError::DuplicateHost,
            Some(Bytes::copy_from_slice(dup.name)),
        ));
    }
    match hosts[0] {
        None if version == Version::Http10 => Ok(()),
        None => Err((ProtocolError::MissingHost, None)),
        // An empty Host is how a client says the target has no authority.
        Some(f) if f.value.is_empty() => Ok(()),
        Some(f) if valid_host_port(f.value) => Ok(()),
        Some(f) => Err((
            ProtocolError::InvalidHost,
            Some(Bytes::copy_from_slice(f.name)),
        )),
    }
}

/// `host [ ":" port ]` (RFC 9110 §7.2), the port possibly empty.
fn valid_host_port(s: &[u8]) -> bool {
    // Most often a reg-name alone: every byte looked up, without a branch per byte.
    if !s.is_empty() && s.iter().fold(true, |ok, &b| ok & REG_NAME[usize::from(b)]) {
        return true;
    }
    if s.first() == Some(&b'[') {
        return matches!(split_port(s), Some((host, port))
            if valid_host(host) && port.is_none_or(|p| p.iter().all(u8::is_ascii_digit)));
    }
    // A reg-name or IPv4 host, then the port: one pass, as `:` is no reg-name character.
    let host_len = s
        .iter()
        .position(|&b| !REG_NAME[usize::from(b)])
        .unwrap_or(s.len());
    host_len > 0
        && match &s[host_len..] {
            [] => true,
            [b':', port @ ..] => port.iter().all(u8::is_ascii_digit),
            _ => false,
        }
}

/// Splits `host[:port]`, minding IPv6 literals. `None` if malformed.
fn split_port(s: &[u8]) -> Option<(&[u8], Option<&[u8]>)> {
    if s.first() == Some(&b'[') {
        let close = s.iter().position(|&b| b == b']')?;
        let (host, rest) = s.split_at(close + 1);
        return match rest {
            [] => Some((host, None)),
            [b':', port @ ..] => Some((host, Some(port))),
            _ => None,
        };
    }
    match s.iter().rposition(|&b| b == b':') {
        Some(i) => Some((&s[..i], Some(&s[i + 1..]))),
        None => Some((s, None)),
    }
    .filter(|(_, port)| port.is_none_or(|p| p.iter().all(u8::is_ascii_digit)))
}

/// RFC 3986 §3.2.2 host: an IP literal in brackets, or reg-name / IPv4 characters.
fn valid_host(host: &[u8]) -> bool {
    if let [b'[', inner @ .., b']'] = host {
        return !inner.is_empty()
            && inner
                .iter()
                .all(|&b| b.is_ascii_hexdigit() || matches!(b, b':' | b'.' | b'v' | b'V'));
    }
    !host.is_empty() && host.iter().all(|&b| REG_NAME[usize::from(b)])
}

/// RFC 3986 §3.2.2 reg-name (and IPv4) characters: unreserved, sub-delims and `%`, as a
/// table, since every request's Host goes through it.
const REG_NAME: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric()
            || matches!(
                c,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
                    | b'%'
            );
        b += 1;
    }
    table
};

/// How a response body is delimited, given the request it answers (RFC 9112 §6.3).
/// Errors are fatal to the connection: a client cannot trust what follows.
pub(crate) fn response_framing(
    res: &Response,
    head_request: bool,
    connect_request: bool,
) -> Result<Framing, (ProtocolError, Option<Bytes>)> {
    // §6.3 rules 1 and 2: HEAD, 1xx, 204, 304 and 2xx-to-CONNECT have no body (the
    // tunnel starts right after a successful CONNECT).
    if head_request
        || res.is_informational()
        || res.status == 204
        || res.status == 304
        || (connect_request && (200..300).contains(&res.status))
    {
        return Ok(Framing::Empty);
    }
    if res.fields.contains("transfer-encoding") {
        // §6.3 rule 3: chunked final means chunked; otherwise read until close. An
        // HTTP/1.0 message with Transfer-Encoding has faulty framing: read until close.
        if res.version == Version::Http10 {
            return Ok(Framing::Close);
        }
        return Ok(match transfer_coding_is_chunked(&res.fields) {
            Ok(()) => Framing::Chunked,
            Err(_) => Framing::Close,
        });
    }
    match content_length(&res.fields) {
        Ok(Some(n)) => Ok(Framing::Length(n)),
        Ok(None) => Ok(Framing::Close),
        Err((p, f)) => Err((p, Some(f))),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use bytes::BytesMut;

    fn req(src: &'static [u8]) -> Result<Request, HeadError> {
        parse_request(&Bytes::from_static(src), &Config::default())
    }

    fn check(src: &'static [u8]) -> Result<RequestInfo, ErrorKind> {
        check_request(&req(src).map_err(|e| e.kind)?).map_err(|(k, _)| k)
    }

    #[test]
    fn token_comparison_is_exact_on_tokens() {
        for c in (0..=255u8).filter(|&c| is_tchar(c)) {
            for &b in b"abcdefghijklmnopqrstuvwxyz-" {
                assert_eq!(
                    token_is(&[c], &[b]),
                    c.eq_ignore_ascii_case(&b),
                    "{c} vs {b}"
                );
            }
        }
        assert!(token_is(b"Content-Length", b"content-length"));
        assert!(!token_is(b"Content-Lengt", b"content-length"));
    }

    /// Checks a word-at-a-time scan against `plain` on every byte value at every place
    /// of `a` strings up to 19 bytes long: short ones, whole words and a tail.
    pub(crate) fn matches_plain_check(fast: impl Fn(&[u8]) -> bool, plain: impl Fn(&[u8]) -> bool) {
        for len in 1..20 {
            for at in 0..len {
                for b in 0..=255u8 {
                    let mut s = vec![b'a'; len];
                    s[at] = b;
                    assert_eq!(fast(&s), plain(&s), "{s:?}");
                }
            }
        }
    }

    #[test]
    fn target_bytes_word_at_a_time_match_a_plain_check() {
        matches_plain_check(ascii_without_hash, |s| {
            s.iter().all(|&b| b < 0x80 && b != b'#')
        });
    }

    #[test]
    fn host_in_one_pass_matches_split_then_check() {
        let two_passes = |s: &[u8]| {
            matches!(split_port(s), Some((host, port))
                if valid_host(host) && port.is_none_or(|p| p.iter().all(u8::is_ascii_digit)))
        };
        let parts: [&[u8]; 12] = [
            b"a",
            b"example.com",
            b":",
            b"80",
            b"",
            b"[::1]",
            b"[",
            b"]",
            b"x y",
            b"@",
            b"%",
            b":8",
        ];
        for a in parts {
            for b in parts {
                for c in parts {
                    let s = [a, b, c].concat();
                    assert_eq!(valid_host_port(&s), two_passes(&s), "{s:?}");
                }
            }
        }
    }

    #[test]
    fn word_comparisons_match_ignoring_case() {
        let value_bytes =
            (0..=255u8).filter(|&b| b == b'\t' || (0x20..0x7f).contains(&b) || b >= 0x80);
        let tchars: Vec<u8> = (0..=255u8).filter(|&c| is_tchar(c)).collect();
        for lower in [
            &b"host"[..],
            b"close",
            b"expect",
            b"upgrade",
            b"keep-alive",
            b"connection",
            b"100-continue",
            b"content-length",
            b"transfer-encoding",
        ] {
            for at in 0..lower.len() {
                for b in value_bytes.clone() {
                    let mut s = lower.to_vec();
                    s[at] = b;
                    let expected = s.eq_ignore_ascii_case(lower);
                    assert_eq!(element_is(&s, lower), expected, "{s:?}");
                    if tchars.contains(&b) {
                        assert_eq!(token_is(&s, lower), expected, "{s:?}");
                    }
                }
            }
            assert!(token_is(&lower.to_ascii_uppercase(), lower));
            assert!(!element_is(&lower[1..], lower));
        }
    }

    #[test]
    fn find_lf_matches_a_plain_search() {
        let mut buf = vec![b'a'; 40];
        assert_eq!(find_lf(&buf), None);
        for at in 0..40 {
            buf[at] = b'\n';
            for start in 0..=at {
                assert_eq!(
                    find_lf(&buf[start..]),
                    Some(at - start),
                    "lf at {at} from {start}"
                );
            }
            buf[at] = 0x8a; // a byte that differs from LF only in its high bit
            assert_eq!(find_lf(&buf), None);
            buf[at] = b'a';
        }
        assert_eq!(find_lf(b"\x0b\x09\n"), Some(2));
        // Every length, every place, and a second match after the first.
        for len in 0..20 {
            for at in 0..len {
                let mut s = vec![b'a'; len];
                s[at] = b':';
                if at + 1 < len {
                    s[len - 1] = b':';
                }
                assert_eq!(find_byte::<b':'>(&s), Some(at), "{s:?}");
                s[at] = b':' ^ 0x80;
                s[len - 1] = b'a';
                assert_eq!(find_byte::<b':'>(&s), None, "{s:?}");
            }
        }
    }

    #[test]
    fn finds_head_end_across_reads() {
        let buf = b"GET / HTTP/1.1\r\nHost: a\r\n\r\nrest";
        for split in 0..buf.len() {
            let mut scanned = 0;
            let first = find_head_end(&buf[..split], &mut scanned, false).unwrap();
            let found = first.or_else(|| find_head_end(buf, &mut scanned, false).unwrap());
            assert_eq!(found, Some(27), "split at {split}");
        }
        let mut s = 0;
        assert_eq!(
            find_head_end(b"GET / HTTP/1.1\n\n", &mut s, false),
            Err(ProtocolError::BareLf)
        );
        let mut s = 0;
        assert_eq!(
            find_head_end(b"GET / HTTP/1.1\n\n", &mut s, true),
            Ok(Some(16))
        );
    }

    #[test]
    fn keeps_wire_bytes() {
        let r = req(b"GET /a?b HTTP/1.1\r\nHoST:  example.com \r\nX-Y: a b\r\n\r\n").unwrap();
        assert_eq!(r.method, "GET");
        assert_eq!(r.target, "/a?b");
        assert_eq!(r.version, Version::Http11);
        let names: Vec<_> = r.fields.iter().map(|f| f.name).collect();
        assert_eq!(names, [&b"HoST"[..], b"X-Y"]);
        assert_eq!(r.fields.get("host").unwrap(), b"example.com");
    }

    /// One table for the request checks: input, then the expected status (0 = accepted).
    #[test]
    fn request_table() {
        let cases: &[(&[u8], u16)] = &[
            (b"GET / HTTP/1.1\r\nHost: a\r\n\r\n", 0),
            (b"GET / HTTP/1.0\r\n\r\n", 0),
            (b"GET / HTTP/1.1\r\n\r\n", 400),
            (b"GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 400),
            (b"GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400),
            (b"GET / HTTP/1.1\r\nHost: a:80x\r\n\r\n", 400),
            (b"GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n", 0),
            (b"GET / HTTP/1.1\r\nHost: \r\n\r\n", 0),
            (b"GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505),
            (b"GET / HTTX/1.1\r\nHost: a\r\n\r\n", 400),
            (b"GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400),
            (b"GET / HTTP/1.1\r\nHost: a\r\nX: a\x00b\r\n\r\n", 400),
            (b"GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n", 400),
            (b"GET / HTTP/1.1\r\nHost: a\r\nX: a\x01b\r\n\r\n", 400),
            (b"G(T / HTTP/1.1\r\nHost: a\r\n\r\n", 400),
            (b"GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400),
            (b"GET * HTTP/1.1\r\nHost: a\r\n\r\n", 400),
            (b"OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", 0),
            (b"CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n", 0),
            (b"CONNECT /x HTTP/1.1\r\nHost: a\r\n\r\n", 400),
            (b"CONNECT a HTTP/1.1\r\nHost: a\r\n\r\n", 400),
            (b"GET http://a/b HTTP/1.1\r\nHost: a\r\n\r\n", 0),
            (b"GET a/b HTTP/1.1\r\nHost: a\r\n\r\n", 400),
            (b"GET /\xff HTTP/1.1\r\nHost: a\r\n\r\n", 400),
            (b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n", 0),
            (b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n", 400),
            (b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\n", 400),
            (b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n", 400),
            (b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x5\r\n\r\n", 400),
            (b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n", 400),
            (b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n", 400),
            (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", 0),
            (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: CHUNKED\r\n\r\n", 0),
            (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", 400),
            (b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
            (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400),
            (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", 400),
            (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501),
            (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", 400),
            (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
            (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n", 400),
            (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \"chunked\"\r\n\r\n", 400),
            (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n\r\n", 400),
            (b"POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n", 0),
            (b"POST / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\n\r\n", 417),
        ];
        for (input, status) in cases {
            let got = match check(input) {
                Ok(_) => 0,
                Err(k) => k.status().unwrap(),
            };
            assert_eq!(got, *status, "{}", String::from_utf8_lossy(input));
        }
    }

    #[test]
    fn framing_and_keep_alive() {
        let i = check(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 7\r\n\r\n").unwrap();
        assert_eq!(i.framing, Framing::Length(7));
        assert!(i.keep_alive);
        let i = check(b"GET / HTTP/1.1\r\nHost: a\r\nConnection: Close\r\n\r\n").unwrap();
        assert!(!i.keep_alive);
        let i = check(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").unwrap();
        assert!(i.keep_alive);
        let i = check(b"GET / HTTP/1.0\r\n\r\n").unwrap();
        assert!(!i.keep_alive);
        let i = check(b"GET / HTTP/1.1\r\nHost: a\r\nUpgrade: echo\r\nConnection: upgrade\r\n\r\n")
            .unwrap();
        assert!(i.upgrade);
    }

    #[test]
    fn prepare_rejects_or_folds() {
        let c = Config::default();
        let mut h = BytesMut::from(&b"GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n"[..]);
        assert_eq!(prepare_head(&mut h, &c), Err(ProtocolError::BareLf));
        let mut h = BytesMut::from(&b"GET / HTTP/1.1\r\nX: a\r\n b\r\nHost: a\r\n\r\n"[..]);
        assert_eq!(prepare_head(&mut h, &c), Err(ProtocolError::ObsFold));
        let mut lenient = c.clone();
        lenient.allow_obs_fold = Leniency::Allow;
        prepare_head(&mut h, &lenient).unwrap();
        let r = parse_request(&h.freeze(), &lenient).unwrap();
        assert_eq!(r.fields.get("x").unwrap(), b"a   b");
    }

    #[test]
    fn partial_limits() {
        let mut c = Config {
            max_request_line: 16,
            ..Config::default()
        };
        assert_eq!(
            check_partial_head(b"GET /aaaaaaaaaaaaaaa", &c, true),
            Err(Limit::RequestLine)
        );
        assert_eq!(
            check_partial_head(b"GET /a HTTP/1.1\r\nX", &c, true),
            Ok(())
        );
        c.max_head_bytes = 20;
        assert_eq!(
            check_partial_head(b"GET / HTTP/1.1\r\nX: aaaaaaa", &c, true),
            Err(Limit::HeadBytes)
        );
    }

    #[test]
    fn minor_versions() {
        let mut h = BytesMut::from(&b"GET / HTTP/1.7\r\nHost: a\r\n\r\n"[..]);
        assert!(downgrade_minor_version(&mut h, 15));
        assert_eq!(
            parse_request(&h.freeze(), &Config::default())
                .unwrap()
                .version,
            Version::Http11
        );
    }

    #[test]
    fn responses() {
        let c = Config::default();
        let r = parse_response(
            &Bytes::from_static(b"HTTP/1.1 404 Not Here\r\nA: b\r\n\r\n"),
            &c,
        )
        .unwrap();
        assert_eq!((r.status, &r.reason[..]), (404, &b"Not Here"[..]));
        assert_eq!(response_framing(&r, false, false), Ok(Framing::Close));
        assert_eq!(response_framing(&r, true, false), Ok(Framing::Empty));
        let r = parse_response(
            &Bytes::from_static(
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nContent-Length: 3\r\n\r\n",
            ),
            &c,
        )
        .unwrap();
        assert_eq!(response_framing(&r, false, false), Ok(Framing::Close));
        let r = parse_response(
            &Bytes::from_static(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n"),
            &c,
        )
        .unwrap();
        assert_eq!(response_framing(&r, false, true), Ok(Framing::Empty));
        assert_eq!(response_framing(&r, false, false), Ok(Framing::Length(3)));
    }
}
