//! A small, strict reader of the responses a server wrote: it checks every byte it
//! reads, so that a server that frames a response wrongly (a body to HEAD, a wrong
//! Content-Length, garbage between responses) fails the case instead of confusing it.

use super::cases::{Case, Reply};

/// One response read from the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    /// The value of `x-body-length`, if the response had one.
    pub body_length: Option<u64>,
    /// Whether the head carried the `close` connection option.
    pub close: bool,
}

/// What follows the last complete response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rest {
    /// Nothing.
    Empty,
    /// Raw tunnel bytes (after a 101, or a 2xx to CONNECT).
    Tunnel,
    /// The start of a response that is not complete yet.
    Partial,
}

/// Everything read from the wire so far.
#[derive(Debug, Clone)]
pub struct Read {
    pub responses: Vec<Response>,
    pub rest: Rest,
}

/// Parses `wire` as the sequence of responses to `case`. Its expected replies say which
/// responses answer HEAD (no body) or open a tunnel, and so does a 2xx to CONNECT; `eof`
/// says the server closed, which ends a close-delimited body and makes a partial
/// response an error.
pub fn parse(wire: &[u8], case: &Case, eof: bool) -> Result<Read, String> {
    let connect = case.raw.starts_with(b"CONNECT ");
    let mut responses = Vec::new();
    let mut at = 0;
    while at < wire.len() {
        let expect = case.replies.get(responses.len());
        match response(&wire[at..], expect, connect, eof)? {
            None => {
                return Ok(Read {
                    responses,
                    rest: Rest::Partial,
                })
            }
            Some((res, len, tunnel)) => {
                responses.push(res);
                at += len;
                if tunnel {
                    return Ok(Read {
                        responses,
                        rest: Rest::Tunnel,
                    });
                }
            }
        }
    }
    Ok(Read {
        responses,
        rest: Rest::Empty,
    })
}

/// One response at the start of `buf`: the response, its length on the wire, and
/// whether a tunnel starts after it. `Ok(None)` if it is not complete yet.
fn response(
    buf: &[u8],
    expect: Option<&Reply>,
    connect: bool,
    eof: bool,
) -> Result<Option<(Response, usize, bool)>, String> {
    let Some(head_len) = find(buf, b"\r\n\r\n").map(|i| i + 4) else {
        if eof {
            return Err(format!("truncated response head: {}", show(buf)));
        }
        // Check what has arrived, so that garbage fails now rather than at the deadline.
        if !b"HTTP/1.1 ".starts_with(&buf[..buf.len().min(9)]) {
            return Err(format!("not a response: {}", show(buf)));
        }
        return Ok(None);
    };
    // Every line of the head, the status line included, ends in CRLF.
    let head = &buf[..head_len - 2];
    let mut lines = head.split_inclusive(|&b| b == b'\n').map(|l| {
        l.strip_suffix(b"\r\n")
            .ok_or_else(|| format!("bare LF in response head: {}", show(head)))
    });
    let status_line = lines.next().ok_or("empty head")??;
    let status = status_of(status_line)?;
    let (mut length, mut chunked, mut body_length, mut close) = (None, false, None, false);
    for line in lines {
        let line = line?;
        if line.is_empty() {
            continue;
        }
        let colon = line
            .iter()
            .position(|&b| b == b':')
            .ok_or_else(|| format!("field line without colon: {}", show(line)))?;
        let (name, value) = (&line[..colon], trim(&line[colon + 1..]));
        if name.is_empty() || !name.iter().all(|&b| is_tchar(b)) {
            return Err(format!("invalid field name: {}", show(line)));
        }
        if value.iter().any(|&b| b < 0x20 && b != b'\t' || b == 0x7f) {
            return Err(format!("control byte in field value: {}", show(line)));
        }
        let name = name.to_ascii_lowercase();
        match &name[..] {
            b"content-length" => {
                if length.is_some() {
                    return Err("two Content-Length fields".into());
                }
                length = Some(number(value).ok_or("invalid Content-Length")?);
            }
            b"transfer-encoding" => {
                if !value.eq_ignore_ascii_case(b"chunked") {
                    return Err(format!("unexpected transfer coding: {}", show(value)));
                }
                chunked = true;
            }
            b"x-body-length" => {
                body_length = Some(number(value).ok_or("invalid x-body-length")?);
            }
            b"connection" => {
                close |= value
                    .split(|&b| b == b',')
                    .any(|t| trim(t).eq_ignore_ascii_case(b"close"));
            }
            _ => {}
        }
    }
    if chunked && length.is_some() {
        return Err("both Content-Length and Transfer-Encoding".into());
    }
    let res = Response {
        status,
        body_length,
        close,
    };
    let tunnel = matches!(expect, Some(Reply::Tunnel(s)) if *s == status)
        || connect && (200..300).contains(&status);
    let no_body = (100..200).contains(&status)
        || status == 204
        || status == 304
        || tunnel
        || matches!(expect, Some(Reply::Head(_)));
    let body = &buf[head_len..];
    let body_len = if no_body {
        Some(0)
    } else if chunked {
        chunked_len(body)?
    } else if let Some(n) = length {
        (body.len() as u64 >= n).then_some(n as usize)
    } else if eof {
        Some(body.len())
    } else {
        None
    };
    Ok(body_len.map(|n| (res, head_len + n, tunnel)))
}

fn status_of(line: &[u8]) -> Result<u16, String> {
    // RFC 9112 §4: status-line = HTTP-version SP status-code SP [ reason-phrase ]
    let bad = || format!("malformed status line: {}", show(line));
    let rest = line
        .strip_prefix(b"HTTP/1.1 ")
        .or_else(|| line.strip_prefix(b"HTTP/1.0 "))
        .ok_or_else(bad)?;
    if rest.len() < 4 || rest[3] != b' ' || !rest[..3].iter().all(u8::is_ascii_digit) {
        return Err(bad());
    }
    if rest[4..]
        .iter()
        .any(|&b| b < 0x20 && b != b'\t' || b == 0x7f)
    {
        return Err(bad());
    }
    Ok(rest[..3]
        .iter()
        .fold(0, |n, &d| n * 10 + u16::from(d - b'0')))
}

/// The wire length of a complete chunked body at the start of `buf`, if complete.
fn chunked_len(buf: &[u8]) -> Result<Option<usize>, String> {
    let mut at = 0;
    loop {
        let Some(eol) = find(&buf[at..], b"\r\n") else {
            return Ok(None);
        };
        let line = &buf[at..at + eol];
        let size = usize::from_str_radix(std::str::from_utf8(line).unwrap_or("?"), 16)
            .map_err(|_| format!("invalid chunk size line in response: {}", show(line)))?;
        at += eol + 2;
        if size == 0 {
            // Trailer fields, then the empty line.
            loop {
                let Some(eol) = find(&buf[at..], b"\r\n") else {
                    return Ok(None);
                };
                at += eol + 2;
                if eol == 0 {
                    return Ok(Some(at));
                }
            }
        }
        if buf.len() < at + size + 2 {
            return Ok(None);
        }
        if &buf[at + size..at + size + 2] != b"\r\n" {
            return Err("chunk data not followed by CRLF in response".into());
        }
        at += size + 2;
    }
}

fn number(s: &[u8]) -> Option<u64> {
    if s.is_empty() || s.len() > 19 || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(s).ok()?.parse().ok()
}

fn trim(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Bytes for a report: printable ASCII as is, the rest escaped, long input cut.
pub fn show(bytes: &[u8]) -> String {
    const MAX: usize = 160;
    let mut s: String = bytes[..bytes.len().min(MAX)]
        .iter()
        .flat_map(|&b| std::ascii::escape_default(b))
        .map(char::from)
        .collect();
    if bytes.len() > MAX {
        s.push_str(&format!("…({} bytes)", bytes.len()));
    }
    s
}
