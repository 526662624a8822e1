//! The common request head in one pass: a strict connection whose input starts with a
//! whole head of plain ASCII, read line by line, eight bytes at a time, and checked on
//! the way (RFC 9112 §2–§5).
//!
//! Only the plain grammar is read here: single spaces in the request line, `HTTP/1.1`
//! or `HTTP/1.0`, token names right before their colon, values of visible ASCII,
//! spaces and tabs, every line ending in CRLF. Anything else (a leniency, obs-text, a
//! control byte, an incomplete head, a limit) is left to the careful path in `parse`,
//! which reads the same head with `httparse` and names the error, so both agree on
//! every head this one reads.

use std::ops::Range;

use bytes::Bytes;

use super::parse::{
    check_parts, find_byte, first_flagged, is_tchar, is_token, Checked, FieldScan, HIGHS, ONES,
};
use crate::config::{Config, Leniency};
use crate::head::{lines, lines_match, trim_ows, Fields, Request, Version};

/// A request head read whole from the front of the input, as offsets into it, so that
/// the input can be frozen into the head's `Bytes` afterwards; checked already, while
/// its fields were at hand.
pub(crate) struct WholeRequest {
    /// The head's length, empty line included.
    pub len: usize,
    /// The outcome of the request's checks.
    pub checked: Checked,
    /// What the request is made of.
    pub parts: RequestParts,
}

/// Where the parts of a request head are in the buffer it was parsed from.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct RequestParts {
    method: Range<usize>,
    target: Range<usize>,
    version: Version,
    /// The field lines, CRLF included, and how many there are.
    fields: Range<usize>,
    count: usize,
}

impl RequestParts {
    /// The request, over `src`: the first `len` bytes of the buffer it was parsed from.
    #[inline(always)]
    pub(crate) fn into_request(self, mut src: Bytes) -> Request {
        let method = method_bytes(&src, self.method);
        let target = src.slice(self.target);
        let fields = if self.count == 0 {
            Fields::new()
        } else {
            // The head's own reference becomes the fields' store: no count taken.
            src.truncate(self.fields.end);
            bytes::Buf::advance(&mut src, self.fields.start);
            Fields::from_lines(src, self.count)
        };
        Request {
            method,
            target,
            version: self.version,
            fields,
            scheme: None,
            authority: None,
            protocol: None,
        }
    }
}

/// The method at `at` in `src`: the common ones as static bytes, so that the head takes
/// no reference to the input for them (a count taken and dropped per request).
#[inline(always)]
fn method_bytes(src: &Bytes, at: Range<usize>) -> Bytes {
    match &src[at.clone()] {
        b"GET" => Bytes::from_static(b"GET"),
        b"POST" => Bytes::from_static(b"POST"),
        b"HEAD" => Bytes::from_static(b"HEAD"),
        b"PUT" => Bytes::from_static(b"PUT"),
        b"DELETE" => Bytes::from_static(b"DELETE"),
        b"OPTIONS" => Bytes::from_static(b"OPTIONS"),
        _ => src.slice(at),
    }
}

/// Reads the request head at the start of `buf` if it is whole and plain (see the
/// module docs), and checks it. `None` leaves the head to the careful path; a request
/// that reads but fails its checks is `Some`, with the error in its outcome.
pub(crate) fn parse_whole_request(buf: &[u8], config: &Config) -> Option<WholeRequest> {
    if config.allow_bare_lf == Leniency::Allow || config.allow_obs_fold == Leniency::Allow {
        return None;
    }
    // RFC 9112 §3: request-line = method SP request-target SP HTTP-version, then CRLF.
    let method_end = token_end(buf, 0);
    if method_end == 0 || buf.get(method_end) != Some(&b' ') {
        return None;
    }
    let target_at = method_end + 1;
    let target_end = first_flagged(buf, target_at, outside::<b'!'>)?;
    if target_end == target_at || buf[target_end] != b' ' {
        return None;
    }
    let version = match buf.get(target_end + 1..target_end + 11)? {
        b"HTTP/1.1\r\n" => Version::Http11,
        b"HTTP/1.0\r\n" => Version::Http10,
        _ => return None,
    };
    let fields_at = target_end + 11;
    // The line's LF is the byte before the fields, as the careful path measures it.
    if fields_at - 1 > config.max_request_line + 1 {
        return None;
    }
    // RFC 9112 §5: field-line = field-name ":" OWS field-value OWS, then CRLF; no
    // whitespace before the colon, none at the start of a line (obs-fold).
    let mut scan = FieldScan::default();
    let mut count = 0;
    let mut at = fields_at;
    let len = loop {
        if at > config.max_head_bytes {
            return None;
        }
        if *buf.get(at)? == b'\r' {
            if buf.get(at + 1) == Some(&b'\n') {
                break at + 2;
            }
            return None;
        }
        let name_end = at + find_byte::<b':'>(&buf[at..])?;
        if !is_token(&buf[at..name_end]) {
            return None;
        }
        // The value without the whitespace around it (RFC 9112 §5.1): its end is
        // looked for after the leading whitespace; trailing whitespace is rare, and
        // only trimmed when there.
        let mut value_at = name_end + 1;
        while let Some(b' ' | b'\t') = buf.get(value_at) {
            value_at += 1;
        }
        let value_end = value_end(buf, value_at)?;
        let mut value = &buf[value_at..value_end];
        if let [.., b' ' | b'\t'] = value {
            value = trim_ows(value);
        }
        scan.add(&buf[at..name_end], value);
        count += 1;
        at = value_end + 2;
    };
    if len > config.max_head_bytes || count > config.max_fields {
        return None;
    }
    let parts = RequestParts {
        method: 0..method_end,
        target: target_at..target_end,
        version,
        fields: fields_at..len - 2,
        count,
    };
    debug_assert!(
        httparse_agrees(buf, &parts, len),
        "httparse reads {:?} otherwise",
        String::from_utf8_lossy(&buf[..len])
    );
    let fields = lines(&buf[parts.fields.clone()], count);
    let checked = check_parts(
        &buf[parts.method.clone()],
        &buf[parts.target.clone()],
        version,
        &scan,
        fields,
    );
    Some(WholeRequest {
        len,
        checked,
        parts,
    })
}

/// Where the token that starts at `at` ends: its length is 0 if there is none.
#[inline(always)]
fn token_end(buf: &[u8], at: usize) -> usize {
    buf[at..]
        .iter()
        .position(|&b| !is_tchar(b))
        .map_or(buf.len(), |n| at + n)
}

/// The CR of the CRLF that ends a field value starting at `from`. A value is visible
/// ASCII, spaces and tabs (RFC 9110 §5.5 allows obs-text too, left to the careful path);
/// `None` at any other byte, a CR without its LF or the end of the input.
#[inline(always)]
fn value_end(buf: &[u8], mut from: usize) -> Option<usize> {
    loop {
        let at = first_flagged(buf, from, outside::<b' '>)?;
        match buf[at] {
            b'\t' => from = at + 1,
            b'\r' if buf.get(at + 1) == Some(&b'\n') => return Some(at),
            _ => return None,
        }
    }
}

/// Flags the bytes of a word below `LOW` or above `~`, for [`first_flagged`]: a byte
/// below `LOW` borrows, and only into bytes above it; a byte above `~` has its high
/// bit set once one is added, and only `0xff`, flagged itself, carries.
#[inline(always)]
fn outside<const LOW: u8>(w: u64) -> u64 {
    let below = w.wrapping_sub(ONES * u64::from(LOW)) & !w;
    let above = w.wrapping_add(ONES) | w;
    (below | above) & HIGHS
}

/// Whether httparse reads `buf` as the head `parts` describes, `len` bytes long: the
/// debug builds' check that the two paths agree.
fn httparse_agrees(buf: &[u8], parts: &RequestParts, len: usize) -> bool {
    let mut headers = vec![httparse::EMPTY_HEADER; parts.count];
    let mut req = httparse::Request::new(&mut headers);
    let Ok(httparse::Status::Complete(n)) = req.parse(buf) else {
        return false;
    };
    let version = match req.version {
        Some(0) => Version::Http10,
        _ => Version::Http11,
    };
    n == len
        && req.method.map(str::as_bytes) == Some(&buf[parts.method.clone()])
        && req.path.map(str::as_bytes) == Some(&buf[parts.target.clone()])
        && version == parts.version
        && req.headers.len() == parts.count
        && lines_match(
            &buf[parts.fields.clone()],
            req.headers.iter().map(|h| (h.name.as_bytes(), h.value)),
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::h1::parse::{check_request, parse_request};
    use proptest::prelude::*;

    const BROWSER: &[u8] = b"GET /search?q=sans-io HTTP/1.1\r\nHost: www.example.com\r\n\
        Connection: keep-alive\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64)\r\n\
        Accept: text/html,*/*;q=0.8\r\nCookie: sid=4f2a9c81e0; theme=dark\r\n\r\nnext";

    fn read(buf: &[u8]) -> Option<WholeRequest> {
        parse_whole_request(buf, &Config::default())
    }

    /// What the careful path makes of the head `whole` read: the same request, checked
    /// the same way.
    fn careful_agrees(buf: &[u8], whole: WholeRequest) {
        let src = Bytes::copy_from_slice(&buf[..whole.len]);
        let careful = parse_request(&src, &Config::default()).expect("httparse reads it");
        assert_eq!(check_request(&careful), whole.checked);
        let fast = whole.parts.into_request(src);
        assert_eq!(fast.method, careful.method);
        assert_eq!(fast.target, careful.target);
        assert_eq!(fast.version, careful.version);
        assert!(fast.fields.iter().eq(careful.fields.iter()));
    }

    #[test]
    fn plain_heads_are_read_in_one_pass() {
        let whole = read(BROWSER).expect("a browser's head is plain");
        assert_eq!(whole.len, BROWSER.len() - 4);
        assert_eq!(
            whole.parts,
            RequestParts {
                method: 0..3,
                target: 4..21,
                version: Version::Http11,
                fields: 32..whole.len - 2,
                count: 5,
            }
        );
        careful_agrees(BROWSER, whole);
        for head in [
            &b"GET / HTTP/1.0\r\n\r\n"[..],
            b"OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
            b"POST /x HTTP/1.1\r\nHost: a\r\nX-Empty:\r\nX-Tab:\tv\t1 \r\n\r\n",
            // Read, then refused by the checks: no Host in HTTP/1.1.
            b"GET / HTTP/1.1\r\n\r\n",
        ] {
            let whole = read(head).unwrap_or_else(|| panic!("{head:?} is plain"));
            assert_eq!(whole.len, head.len());
            careful_agrees(head, whole);
        }
    }

    #[test]
    fn anything_else_is_left_to_the_careful_path() {
        for head in [
            &b"GET / HTTP/1.1\r\nHost: a\r\n"[..],
            b"GET / HTTP/1.1\r\nHost: a\r\n\r",
            b"GET  / HTTP/1.1\r\nHost: a\r\n\r\n",
            b"GET / HTTP/1.2\r\nHost: a\r\n\r\n",
            b"GET / HTTP/1.1\nHost: a\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: a\n\r\n",
            b"GET / HTTP/1.1\r\nHost : a\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: a\r\n b\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: caf\xc3\xa9\r\n\r\n",
            b"GET /caf\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: a\x7f\r\n\r\n",
            b"\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
            b"G(T / HTTP/1.1\r\nHost: a\r\n\r\n",
        ] {
            assert!(read(head).is_none(), "{:?}", String::from_utf8_lossy(head));
        }
    }

    #[test]
    fn limits_are_left_to_the_careful_path() {
        let head = b"GET /abc HTTP/1.1\r\nHost: a\r\nB: c\r\n\r\n";
        fn config(f: impl FnOnce(&mut Config)) -> Config {
            let mut c = Config::default();
            f(&mut c);
            c
        }
        assert!(parse_whole_request(head, &config(|c| c.max_fields = 2)).is_some());
        assert!(parse_whole_request(head, &config(|c| c.max_fields = 1)).is_none());
        let len = head.len();
        assert!(parse_whole_request(head, &config(|c| c.max_head_bytes = len)).is_some());
        assert!(parse_whole_request(head, &config(|c| c.max_head_bytes = len - 1)).is_none());
        // The careful path's measure of the request line: up to its LF, which may be
        // one byte past the limit (the CR's place).
        assert!(parse_whole_request(head, &config(|c| c.max_request_line = 17)).is_some());
        assert!(parse_whole_request(head, &config(|c| c.max_request_line = 16)).is_none());
        let lenient = config(|c| c.allow_obs_fold = Leniency::Allow);
        assert!(parse_whole_request(head, &lenient).is_none());
    }

    #[test]
    fn scans_for_bytes_outside_match_a_plain_search() {
        fn check<const LOW: u8>(s: &[u8], from: usize) {
            let plain = (from..s.len()).find(|&i| s[i] < LOW || s[i] > b'~');
            assert_eq!(
                first_flagged(s, from, outside::<LOW>),
                plain,
                "{s:?} from {from}"
            );
        }
        // Every byte value at every place of strings up to 19 bytes long, scanned
        // from every place: before it, each byte would stop the scan.
        for len in 1..20 {
            for from in 0..=len {
                for at in 0..len {
                    for b in 0..=255u8 {
                        let mut s = vec![b'a'; len];
                        s[..from].fill(0);
                        s[at] = b;
                        check::<b' '>(&s, from);
                        check::<b'!'>(&s, from);
                    }
                }
            }
        }
    }

    /// Bytes that make heads plain and not: the grammar's own and its near misses.
    fn piece() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            4 => "[a-zA-Z0-9/?=.-]{1,12}".prop_map(String::into_bytes),
            2 => Just(b": ".to_vec()),
            2 => Just(b"\r\n".to_vec()),
            1 => Just(b" ".to_vec()),
            1 => Just(b"\t".to_vec()),
            1 => Just(b"Host: h\r\n".to_vec()),
            1 => Just(b"Content-Length: 3\r\n".to_vec()),
            1 => Just(b"Transfer-Encoding: chunked\r\n".to_vec()),
            1 => Just(b"Connection: close, upgrade\r\n".to_vec()),
            1 => any::<u8>().prop_map(|b| vec![b]),
        ]
    }

    proptest! {
        /// Whatever head the one pass reads, the careful path reads the same way.
        #[test]
        fn the_one_pass_reads_heads_as_the_careful_path_does(
            line in prop_oneof![
                Just(b"GET / HTTP/1.1\r\n".to_vec()),
                Just(b"POST /p HTTP/1.0\r\n".to_vec()),
                proptest::collection::vec(piece(), 1..4).prop_map(|p| p.concat()),
            ],
            fields in proptest::collection::vec(piece(), 0..12),
            end in prop_oneof![Just(&b"\r\n"[..]), Just(&b"\r\nrest"[..]), Just(&b""[..])],
        ) {
            let buf = [line, fields.concat(), end.to_vec()].concat();
            if let Some(whole) = read(&buf) {
                careful_agrees(&buf, whole);
            }
        }
    }
}
