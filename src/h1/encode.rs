//! Writing HTTP/1.1 heads (RFC 9112 §3–§5), exactly as the application built them.

use super::parse::{
    any_word_flagged, find_lf, is_token, line_start_is, parse_content_length, token_is,
};
use crate::error::Misuse;
use crate::head::{list_elements, trim_ows, Fields, Request, Response};

/// What one pass over the fields of a head the application built finds: whether they
/// can go on the wire, and what framing and persistence need from them, so that no
/// field is looked up again.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct FieldInfo {
    /// A Transfer-Encoding field is present…
    pub te: bool,
    /// …and the elements of all of them are exactly one `chunked`.
    pub te_chunked: bool,
    /// How many Content-Length fields (counting stops at 2)…
    pub lengths: u8,
    /// …and the first one's value, if it is a number.
    pub length: Option<u64>,
    /// A Connection field lists `close`.
    pub close: bool,
}

/// Refuses a head that cannot go on the wire as given: a name that is not a token, or a
/// value with CR, LF or NUL (which would let a value inject fields or a second message).
pub(crate) fn check_fields(fields: &Fields) -> Result<FieldInfo, Misuse> {
    let mut framing = Framing::default();
    // Lines passed these checks as they were parsed (httparse's strict rules are
    // stricter) or added (`fits_a_line`); only the framing fields need a look, and
    // none at all if they were noted as they were added.
    if let Some(lines) = fields.as_lines() {
        if let Some(info) = fields.lines_framing() {
            return Ok(info);
        }
        framing.note_lines(lines);
        return Ok(framing.info());
    }
    for f in fields {
        if !is_token(f.name) {
            return Err(Misuse::InvalidHead("field name is not a token"));
        }
        if has_cr_lf_or_nul(f.value) {
            return Err(Misuse::InvalidHead("field value holds CR, LF or NUL"));
        }
        framing.note(f.name, f.value);
    }
    Ok(framing.info())
}

/// [`FieldInfo`] of lines noted as they are added to a head (see `Fields::push_line`),
/// in one word, as long as they hold no field that needs more than a word to follow: a
/// Connection or Transfer-Encoding field, or a Content-Length of 2^60 or more, makes
/// it unknown, and the lines are read again on sending. So is it for received lines.
///
/// The bits: `UNKNOWN`; the number of Content-Length fields
/// (counting stops at 2) in two bits from `COUNT_SHIFT`; `NUMBER` if the first
/// one's value is a number, which the bits below it then hold.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct LineFraming(u64);

impl LineFraming {
    pub(crate) const UNKNOWN: LineFraming = LineFraming(1 << 63);
    const COUNT_SHIFT: u32 = 61;
    const NUMBER: u64 = 1 << 60;

    /// Notes the line `name: value`, `name` being a token and `value` without the
    /// whitespace around it (as `fits_a_line` requires).
    pub(crate) fn note(&mut self, name: &[u8], value: &[u8]) {
        // The length rules out most names before any comparison.
        let framing = match name.len() {
            10 => token_is(name, b"connection"),
            14 => token_is(name, b"content-length"),
            17 => token_is(name, b"transfer-encoding"),
            _ => false,
        };
        if !framing || *self == LineFraming::UNKNOWN {
            return;
        }
        if name.len() != 14 {
            *self = LineFraming::UNKNOWN;
            return;
        }
        let count = self.0 >> LineFraming::COUNT_SHIFT & 3;
        if count > 0 {
            // Only the first value counts; the others only make the count 2.
            self.0 = self.0 & !(3 << LineFraming::COUNT_SHIFT) | 2 << LineFraming::COUNT_SHIFT;
            return;
        }
        self.0 = match parse_content_length(value) {
            Some(n) if n < LineFraming::NUMBER => {
                1 << LineFraming::COUNT_SHIFT | LineFraming::NUMBER | n
            }
            Some(_) => LineFraming::UNKNOWN.0,
            None => 1 << LineFraming::COUNT_SHIFT,
        };
    }

    /// The lines' [`FieldInfo`], if it is known.
    pub(crate) fn info(self) -> Option<FieldInfo> {
        if self == LineFraming::UNKNOWN {
            return None;
        }
        Some(FieldInfo {
            lengths: (self.0 >> LineFraming::COUNT_SHIFT & 3) as u8,
            length: (self.0 & LineFraming::NUMBER != 0)
                .then_some(self.0 & (LineFraming::NUMBER - 1)),
            ..FieldInfo::default()
        })
    }
}

/// [`FieldInfo`] as it is gathered, field by field.
#[derive(Default)]
struct Framing {
    info: FieldInfo,
    te_elements: usize,
    te_other: bool,
}

impl Framing {
    /// Notes the field `name: value`, `name` being a token.
    fn note(&mut self, name: &[u8], value: &[u8]) {
        // The length rules out most names before any comparison; the name is a
        // token, which `token_is` compares exactly.
        match name.len() {
            10 if token_is(name, b"connection") => self.connection(value),
            14 if token_is(name, b"content-length") => self.content_length(value),
            17 if token_is(name, b"transfer-encoding") => self.transfer_encoding(value),
            _ => {}
        }
    }

    /// Notes every field of checked lines (see `Fields::as_lines`), without looking
    /// for the colon of every line: a name holds none, so a line's byte `n` is a colon
    /// only if its name is `n` bytes long, or shorter (the colon then in the value).
    fn note_lines(&mut self, mut lines: &[u8]) {
        while let Some(lf) = find_lf(lines) {
            // The line without its CRLF.
            let line = &lines[..lf.saturating_sub(1)];
            lines = &lines[lf + 1..];
            let colon_at = |n: usize| line.get(n) == Some(&b':');
            let value = |n: usize| trim_ows(&line[n + 1..]);
            // Shortest first: a colon at `n` rules out every longer name.
            if colon_at(10) {
                if line_start_is(&line[..10], b"connection") {
                    self.connection(value(10));
                }
            } else if colon_at(14) {
                if line_start_is(&line[..14], b"content-length") {
                    self.content_length(value(14));
                }
            } else if colon_at(17) && line_start_is(&line[..17], b"transfer-encoding") {
                self.transfer_encoding(value(17));
            }
        }
    }

    fn connection(&mut self, value: &[u8]) {
        self.info.close |= list_elements(value).any(|e| e.eq_ignore_ascii_case(b"close"));
    }

    fn content_length(&mut self, value: &[u8]) {
        if self.info.lengths == 0 {
            self.info.length = parse_content_length(value);
        }
        self.info.lengths = (self.info.lengths + 1).min(2);
    }

    fn transfer_encoding(&mut self, value: &[u8]) {
        self.info.te = true;
        for coding in list_elements(value) {
            self.te_elements += 1;
            self.te_other |= !coding.eq_ignore_ascii_case(b"chunked");
        }
    }

    fn info(mut self) -> FieldInfo {
        self.info.te_chunked = self.te_elements == 1 && !self.te_other;
        self.info
    }
}

/// Whether a field passes [`check_fields`] and reads back the same from the line
/// `name: value CRLF`: a line drops whitespace at either end of the value, so a value
/// with some there is not one.
pub(crate) fn fits_a_line(name: &[u8], value: &[u8]) -> bool {
    let padded = matches!(value.first().zip(value.last()), Some((a, z))
        if matches!(a, b' ' | b'\t') || matches!(z, b' ' | b'\t'));
    is_token(name) && !padded && !has_cr_lf_or_nul(value)
}

/// Whether `v` holds a CR, LF or NUL: eight bytes at a time, as every field value the
/// application sends goes through this. A zero byte of `w ^ c` is a byte of `w` equal
/// to `c`, and the test for one flags a byte only at or above a zero byte (borrows run
/// upwards), so no word is flagged wrongly.
pub(crate) fn has_cr_lf_or_nul(v: &[u8]) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    let zero = |x: u64| x.wrapping_sub(ONES) & !x;
    let flagged = |w: u64| (zero(w) | zero(w ^ (ONES * 0x0d)) | zero(w ^ (ONES * 0x0a))) & HIGHS;
    // All three are below 0x0e, as value bytes seldom are (HTAB is): one test for a
    // byte below it, exact in the same way, settles most values at a third of the cost.
    const LIMIT: u8 = 0x0e;
    let below = |w: u64| w.wrapping_sub(ONES * u64::from(LIMIT)) & !w & HIGHS;
    if v.len() < 8 {
        // Without an early exit: a branch per byte costs more on short values.
        return v.iter().fold(false, |found, &b| found | (b < LIMIT))
            && v.iter().fold(false, |found, &b| {
                found | (b == b'\r') | (b == b'\n') | (b == 0)
            });
    }
    any_word_flagged(v, below) && any_word_flagged(v, flagged)
}

pub(crate) fn check_request(req: &Request) -> Result<FieldInfo, Misuse> {
    if !is_token(&req.method) {
        return Err(Misuse::InvalidHead("method is not a token"));
    }
    if req.target.is_empty() || req.target.iter().any(|&b| b <= b' ' || b == 0x7f) {
        return Err(Misuse::InvalidHead(
            "target is empty or holds whitespace or controls",
        ));
    }
    check_fields(&req.fields)
}

pub(crate) fn check_response(res: &Response) -> Result<FieldInfo, Misuse> {
    if !(100..=999).contains(&res.status) {
        return Err(Misuse::InvalidHead("status is not three digits"));
    }
    if res
        .reason
        .iter()
        .any(|&b| b == b'\r' || b == b'\n' || b == 0)
    {
        return Err(Misuse::InvalidHead("reason holds CR, LF or NUL"));
    }
    check_fields(&res.fields)
}

pub(crate) fn write_fields(tx: &mut Vec<u8>, fields: &Fields) {
    // Lines are already what goes on the wire, byte for byte.
    if let Some(lines) = fields.as_lines() {
        tx.extend_from_slice(lines);
        return;
    }
    for f in fields {
        tx.extend_from_slice(f.name);
        tx.extend_from_slice(b": ");
        tx.extend_from_slice(f.value);
        tx.extend_from_slice(b"\r\n");
    }
}

/// Writes a request head. `extra` holds the framing fields the connection adds.
pub(crate) fn write_request(tx: &mut Vec<u8>, req: &Request, extra: &[(&str, &[u8])]) {
    tx.extend_from_slice(&req.method);
    tx.push(b' ');
    tx.extend_from_slice(&req.target);
    // A client sends the highest version it conforms to: HTTP/1.1, or 1.0 if asked.
    tx.extend_from_slice(if req.version == crate::Version::Http10 {
        b" HTTP/1.0\r\n"
    } else {
        b" HTTP/1.1\r\n"
    });
    write_fields(tx, &req.fields);
    write_extra(tx, extra);
}

/// Writes a response head. A server always answers HTTP/1.1 (RFC 9110 §6.2).
pub(crate) fn write_response(tx: &mut Vec<u8>, res: &Response, extra: &[(&str, &[u8])]) {
    write_response_open(tx, res);
    write_extra(tx, extra);
}

/// Writes a response head up to its last field: what [`write_extra`] completes.
pub(crate) fn write_response_open(tx: &mut Vec<u8>, res: &Response) {
    let s = res.status;
    let mut start = *b"HTTP/1.1 200 ";
    start[9..12].copy_from_slice(&[
        b'0' + (s / 100) as u8,
        b'0' + (s / 10 % 10) as u8,
        b'0' + (s % 10) as u8,
    ]);
    tx.extend_from_slice(&start);
    tx.extend_from_slice(&res.reason);
    tx.extend_from_slice(b"\r\n");
    write_fields(tx, &res.fields);
}

/// Ends a head with `content-length: n` and the empty line, in one write: the line a
/// server adds to most responses whose length it works out.
pub(crate) fn end_with_length(tx: &mut Vec<u8>, n: u64) {
    const NAME: &[u8; 16] = b"content-length: ";
    // The name, at most 20 digits (u64::MAX), CRLF CRLF: digits are written from the
    // end, and the name right before the first.
    let mut line = [0u8; 40];
    line[36..].copy_from_slice(b"\r\n\r\n");
    let at = crate::decimal::digits_before(&mut line, 36, n);
    line[at - NAME.len()..at].copy_from_slice(NAME);
    tx.extend_from_slice(&line[at - NAME.len()..]);
}

/// Writes the fields the connection adds, then the empty line that ends the head.
pub(crate) fn write_extra(tx: &mut Vec<u8>, extra: &[(&str, &[u8])]) {
    for (name, value) in extra {
        tx.extend_from_slice(name.as_bytes());
        tx.extend_from_slice(b": ");
        tx.extend_from_slice(value);
        tx.extend_from_slice(b"\r\n");
    }
    tx.extend_from_slice(b"\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn end_with_length_writes_the_line_and_the_empty_line() {
        for n in [0, 7, 10, 99, 1_000_000, u64::MAX] {
            let mut tx = b"HTTP/1.1 200 OK\r\n".to_vec();
            end_with_length(&mut tx, n);
            let expected = format!("HTTP/1.1 200 OK\r\ncontent-length: {n}\r\n\r\n");
            assert_eq!(String::from_utf8(tx).unwrap(), expected);
        }
    }

    /// A field for the framing checks: the names they read, in any case, and names of
    /// the same lengths; values with the colons and list elements that matter.
    fn framing_field() -> impl Strategy<Value = (String, String)> {
        let name = prop_oneof![
            Just("connection"),
            Just("content-length"),
            Just("transfer-encoding"),
            Just("x"),
            Just("connectio"),
            Just("content-lengtx"),
            Just("x-tag"),
        ]
        .prop_flat_map(|n| (Just(n), proptest::collection::vec(any::<bool>(), n.len())))
        .prop_map(|(n, upper)| {
            n.chars()
                .zip(upper)
                .map(|(c, u)| if u { c.to_ascii_uppercase() } else { c })
                .collect()
        });
        // No whitespace at either end, so that every field is a line.
        // Elements after a colon that may fall where a longer name's colon would.
        let value = "([a-e:,0-9]([a-e:, 0-9]{0,18}[a-e:,0-9])?)?|[a-e:]{0,15}:(close|chunked|12)\
                     |close|chunked|gzip, chunked|1152921504606846975|1152921504606846976";
        (name, value)
    }

    proptest! {
        /// The framing found by walking lines is what the field-by-field walk finds.
        #[test]
        fn lines_give_the_framing_fields_give(
            fields in proptest::collection::vec(framing_field(), 0..6)
        ) {
            let lines: Fields = fields.iter().cloned().collect();
            let mut indexed = Fields::new();
            indexed.append_sensitive("x-first", "indexes the section");
            for (n, v) in &fields {
                indexed.append(n, v);
            }
            prop_assert!(lines.as_lines().is_some() || fields.is_empty());
            prop_assert!(indexed.as_lines().is_none());
            prop_assert_eq!(check_fields(&lines), check_fields(&indexed));
            // What the lines noted as they came is what reading them finds, and it is
            // known unless a Connection or Transfer-Encoding field (or a first
            // Content-Length of 2^60 or more) needs the reading.
            let mut read = Framing::default();
            read.note_lines(lines.as_lines().unwrap_or_default());
            let noted = lines.lines_framing();
            prop_assert!(noted.is_none_or(|n| n == read.info()));
            let first_length = fields
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
                .and_then(|(_, v)| parse_content_length(v.as_bytes()));
            let simple = fields.iter().all(|(n, _)| {
                !n.eq_ignore_ascii_case("connection") && !n.eq_ignore_ascii_case("transfer-encoding")
            }) && first_length.is_none_or(|l| l < 1 << 60);
            prop_assert_eq!(noted.is_some(), simple);
        }
    }

    #[test]
    fn value_bytes_word_at_a_time_match_a_plain_check() {
        assert!(!has_cr_lf_or_nul(b""));
        // Bytes below 0x0e other than the three pass the first test but not the second.
        assert!(!has_cr_lf_or_nul(b"\t\x0b\x0c"));
        assert!(!has_cr_lf_or_nul(b"\t\t\t\t\t\t\t\t\x01\x0c"));
        assert!(has_cr_lf_or_nul(b"\t\t\t\t\t\t\t\t\x01\r"));
        assert!(has_cr_lf_or_nul(b"\t\n"));
        crate::h1::parse::tests::matches_plain_check(has_cr_lf_or_nul, |v| {
            v.iter().any(|&b| matches!(b, b'\r' | b'\n' | 0))
        });
    }

    #[test]
    fn writes_exact_bytes() {
        let mut tx = vec![];
        let res = Response::new(200).field("X-Case", "Kept");
        write_response(&mut tx, &res, &[("content-length", b"5")]);
        assert_eq!(
            tx,
            b"HTTP/1.1 200 OK\r\nX-Case: Kept\r\ncontent-length: 5\r\n\r\n"
        );
        // An indexed section (a field marked sensitive) writes the same lines.
        let mut res = Response::new(200).field("X-Case", "Kept");
        res.fields.append_sensitive("Set-Cookie", "a=1");
        res.fields.append("Vary", "*");
        assert!(res.fields.as_lines().is_none());
        let mut tx = vec![];
        write_response(&mut tx, &res, &[]);
        assert_eq!(
            tx,
            b"HTTP/1.1 200 OK\r\nX-Case: Kept\r\nSet-Cookie: a=1\r\nVary: *\r\n\r\n"
        );
        let mut tx = vec![];
        write_request(&mut tx, &Request::new("GET", "/x").field("Host", "a"), &[]);
        assert_eq!(tx, b"GET /x HTTP/1.1\r\nHost: a\r\n\r\n");
    }

    #[test]
    fn refuses_injection() {
        let bad = Response::new(200).field("X", "a\r\nSet-Cookie: evil");
        assert!(check_response(&bad).is_err());
        let bad = Response::new(200).field("X Y", "a");
        assert!(check_response(&bad).is_err());
        let info = check_response(
            &Response::new(200)
                .field("Connection", "keep-alive, Close")
                .field("Content-Length", "12")
                .field("content-length", "12")
                .field("Transfer-Encoding", "chunked"),
        )
        .unwrap();
        let expected = FieldInfo {
            te: true,
            te_chunked: true,
            lengths: 2,
            length: Some(12),
            close: true,
        };
        assert_eq!(info, expected);
        let te = |v: &str| {
            check_response(
                &Response::new(200)
                    .field("TE", "x")
                    .field("transfer-encoding", v),
            )
        };
        assert!(!te("gzip, chunked").unwrap().te_chunked);
        assert!(!te("chunked, chunked").unwrap().te_chunked);
        assert!(te(" , Chunked").unwrap().te_chunked);
        let bad = Request::new("GET", "/a b");
        assert!(check_request(&bad).is_err());
        assert!(check_request(&Request::new("GET", "/").field("Host", "a")).is_ok());
    }
}
