//! Writing HTTP/1.1 heads (RFC 9112 §3–§5), exactly as the application built them.

use super::parse::{any_word_flagged, is_token, parse_content_length, token_is};
use crate::error::Misuse;
use crate::head::{list_elements, Fields, Request, Response};

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
    let mut info = FieldInfo::default();
    let mut te_elements = 0;
    let mut te_all_chunked = true;
    for f in fields {
        if !is_token(f.name) {
            return Err(Misuse::InvalidHead("field name is not a token"));
        }
        if has_cr_lf_or_nul(f.value) {
            return Err(Misuse::InvalidHead("field value holds CR, LF or NUL"));
        }
        // The length rules out most names before any comparison; the name is a
        // token, which `token_is` compares exactly.
        match f.name.len() {
            10 if token_is(f.name, b"connection") => {
                info.close |= list_elements(f.value).any(|e| e.eq_ignore_ascii_case(b"close"));
            }
            14 if token_is(f.name, b"content-length") => {
                if info.lengths == 0 {
                    info.length = parse_content_length(f.value);
                }
                info.lengths = (info.lengths + 1).min(2);
            }
            17 if token_is(f.name, b"transfer-encoding") => {
                info.te = true;
                for coding in list_elements(f.value) {
                    te_elements += 1;
                    te_all_chunked &= coding.eq_ignore_ascii_case(b"chunked");
                }
            }
            _ => {}
        }
    }
    info.te_chunked = te_elements == 1 && te_all_chunked;
    Ok(info)
}

/// Whether `v` holds a CR, LF or NUL: eight bytes at a time, as every field value the
/// application sends goes through this. A zero byte of `w ^ c` is a byte of `w` equal
/// to `c`, and the test for one flags a byte only at or above a zero byte (borrows run
/// upwards), so no word is flagged wrongly.
fn has_cr_lf_or_nul(v: &[u8]) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    let zero = |x: u64| x.wrapping_sub(ONES) & !x;
    let flagged = |w: u64| (zero(w) | zero(w ^ (ONES * 0x0d)) | zero(w ^ (ONES * 0x0a))) & HIGHS;
    if v.len() < 8 {
        // Without an early exit: a branch per byte costs more on short values.
        return v.iter().fold(false, |found, &b| {
            found | (b == b'\r') | (b == b'\n') | (b == 0)
        });
    }
    any_word_flagged(v, flagged)
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
    tx.extend_from_slice(b"HTTP/1.1 ");
    let s = res.status;
    tx.extend_from_slice(&[
        b'0' + (s / 100) as u8,
        b'0' + (s / 10 % 10) as u8,
        b'0' + (s % 10) as u8,
        b' ',
    ]);
    tx.extend_from_slice(&res.reason);
    tx.extend_from_slice(b"\r\n");
    write_fields(tx, &res.fields);
    write_extra(tx, extra);
}

fn write_extra(tx: &mut Vec<u8>, extra: &[(&str, &[u8])]) {
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

    #[test]
    fn value_bytes_word_at_a_time_match_a_plain_check() {
        assert!(!has_cr_lf_or_nul(b""));
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
