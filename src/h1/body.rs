//! HTTP/1.1 message bodies (RFC 9112 §6–§7): decoding Content-Length, chunked and
//! close-delimited bodies from the input without copying, and encoding bodies.

use super::input::Input;
use super::parse::{find_head_end, Framing};
use crate::config::{Config, Leniency};
use crate::error::{ErrorKind, Limit, Misuse, ProtocolError};
use crate::head::{trim_ows, Fields, Spans};
use bytes::Bytes;

/// One step of decoding.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Decoded {
    /// Body bytes (a slice of the input) and whether they end the body.
    Data(Bytes, bool),
    /// The extensions of the chunk whose data follows.
    Extension(Bytes),
    /// The trailer section, which ends the body.
    Trailers(Fields),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Chunk {
    /// Expecting a chunk-size line.
    Size,
    /// Inside chunk data, this many bytes left.
    Data(u64),
    /// Expecting the CRLF after chunk data.
    DataEnd,
    /// Expecting the trailer section (or the final CRLF).
    Trailers,
}

/// Decodes one incoming body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Decoder {
    /// This many bytes left.
    Length(u64),
    /// Chunked, with the state inside the coding.
    Chunked { state: Chunk, scanned: usize },
    /// Until the peer closes.
    Close,
    /// The body is complete.
    Done,
}

impl Decoder {
    pub(crate) fn new(framing: Framing) -> Decoder {
        match framing {
            Framing::Empty | Framing::Length(0) => Decoder::Done,
            Framing::Length(n) => Decoder::Length(n),
            Framing::Chunked => Decoder::Chunked {
                state: Chunk::Size,
                scanned: 0,
            },
            Framing::Close => Decoder::Close,
        }
    }

    pub(crate) fn is_done(&self) -> bool {
        *self == Decoder::Done
    }

    /// Decodes the next item from `input`. `Ok(None)` means more input is needed.
    /// `received` counts body bytes for `max_body`.
    pub(crate) fn decode(
        &mut self,
        input: &mut Input,
        eof: bool,
        received: &mut u64,
        config: &Config,
    ) -> Result<Option<Decoded>, ErrorKind> {
        let take_data = |input: &mut Input, n: u64, received: &mut u64| {
            if *received + n > config.max_body {
                return Err(ErrorKind::Limit(Limit::Body));
            }
            *received += n;
            Ok(input.take(n as usize))
        };
        match self {
            Decoder::Done => Ok(None),
            Decoder::Length(remaining) => {
                if input.is_empty() {
                    return Ok(None);
                }
                let n = (*remaining).min(input.len() as u64);
                let data = take_data(input, n, received)?;
                *remaining -= n;
                let end = *remaining == 0;
                if end {
                    *self = Decoder::Done;
                }
                Ok(Some(Decoded::Data(data, end)))
            }
            Decoder::Close => {
                if input.is_empty() {
                    if eof {
                        *self = Decoder::Done;
                        return Ok(Some(Decoded::Data(Bytes::new(), true)));
                    }
                    return Ok(None);
                }
                let n = input.len() as u64;
                Ok(Some(Decoded::Data(take_data(input, n, received)?, false)))
            }
            Decoder::Chunked { state, scanned } => {
                let bare_lf = config.allow_bare_lf == Leniency::Allow;
                match *state {
                    Chunk::Size => {
                        let Some(lf) = input.find_byte(b'\n', *scanned) else {
                            *scanned = input.len();
                            if input.len() > config.max_chunk_line {
                                return Err(Limit::ChunkLine.into());
                            }
                            return Ok(None);
                        };
                        *scanned = 0;
                        if lf > config.max_chunk_line {
                            return Err(Limit::ChunkLine.into());
                        }
                        // Parsed before it is consumed, so an error points at the line.
                        let line = strip_eol(&input.bytes()[..=lf], bare_lf)
                            .ok_or(ProtocolError::InvalidChunkSize)?;
                        let (size, ext_at) = parse_chunk_size(line)?;
                        let (ext, line_len) = (line.len() > ext_at, line.len());
                        let raw = input.take(lf + 1);
                        let line = &raw[..line_len];
                        *state = if size == 0 {
                            Chunk::Trailers
                        } else {
                            Chunk::Data(size)
                        };
                        if ext {
                            return Ok(Some(Decoded::Extension(raw.slice_ref(&line[ext_at..]))));
                        }
                        self.decode(input, eof, received, config)
                    }
                    Chunk::Data(remaining) => {
                        if input.is_empty() {
                            return Ok(None);
                        }
                        let n = remaining.min(input.len() as u64);
                        let data = take_data(input, n, received)?;
                        *state = if n == remaining {
                            Chunk::DataEnd
                        } else {
                            Chunk::Data(remaining - n)
                        };
                        Ok(Some(Decoded::Data(data, false)))
                    }
                    Chunk::DataEnd => {
                        let buf = input.bytes();
                        let eol = match buf {
                            [b'\r', b'\n', ..] => 2,
                            [b'\n', ..] if bare_lf => 1,
                            [] | [b'\r'] => return Ok(None),
                            _ => return Err(ProtocolError::InvalidChunkEnd.into()),
                        };
                        input.skip(eol);
                        *state = Chunk::Size;
                        self.decode(input, eof, received, config)
                    }
                    Chunk::Trailers => {
                        let buf = input.bytes();
                        // The common case: no trailers, just the final CRLF.
                        let eol = match buf {
                            [b'\r', b'\n', ..] => Some(2),
                            [b'\n', ..] if bare_lf => Some(1),
                            [] | [b'\r'] => return Ok(None),
                            _ => None,
                        };
                        if let Some(eol) = eol {
                            input.skip(eol);
                            *self = Decoder::Done;
                            return Ok(Some(Decoded::Data(Bytes::new(), true)));
                        }
                        let Some(len) = find_head_end(buf, scanned, bare_lf)? else {
                            if buf.len() > config.max_trailer_bytes {
                                return Err(Limit::TrailerBytes.into());
                            }
                            return Ok(None);
                        };
                        if len > config.max_trailer_bytes {
                            return Err(Limit::TrailerBytes.into());
                        }
                        super::parse::prepare_trailers(&mut input.bytes_mut()[..len], config)
                            .map_err(|_| ProtocolError::InvalidTrailers)?;
                        // Parsed before it is consumed, so an error points at the section.
                        let ranges = parse_trailers(&input.bytes()[..len], config)?;
                        let section = input.take(len);
                        let mut spans = Spans::new(&section, ranges.len());
                        for (n, v) in ranges {
                            spans.push(&section[n], &section[v]);
                        }
                        let fields = spans.into_fields(section);
                        *self = Decoder::Done;
                        Ok(Some(Decoded::Trailers(fields)))
                    }
                }
            }
        }
    }
}

fn strip_eol(line: &[u8], bare_lf: bool) -> Option<&[u8]> {
    let line = line.strip_suffix(b"\n")?;
    match line.strip_suffix(b"\r") {
        Some(l) => Some(l),
        None if bare_lf => Some(line),
        None => None,
    }
}

/// Parses `chunk-size [ chunk-ext ]` (RFC 9112 §7.1, §7.1.1). Returns the size and where
/// the extensions start (the line's length if there are none).
fn parse_chunk_size(line: &[u8]) -> Result<(u64, usize), ErrorKind> {
    let digits = line.iter().take_while(|b| b.is_ascii_hexdigit()).count();
    if digits == 0 {
        return Err(ProtocolError::InvalidChunkSize.into());
    }
    let mut size: u64 = 0;
    for &b in &line[..digits] {
        let d = (b as char).to_digit(16).unwrap_or(0) as u64;
        size = size
            .checked_mul(16)
            .and_then(|s| s.checked_add(d))
            .ok_or(ProtocolError::ChunkSizeOverflow)?;
    }
    let rest = &line[digits..];
    if rest.is_empty() {
        return Ok((size, line.len()));
    }
    // chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
    let ext_start = digits
        + rest
            .iter()
            .take_while(|&&b| b == b' ' || b == b'\t')
            .count();
    // BWS is only allowed before a `;`: trailing whitespace alone is junk.
    if ext_start == line.len() || !valid_extensions(&line[ext_start..]) {
        return Err(ProtocolError::InvalidChunkSize.into());
    }
    Ok((size, ext_start))
}

fn valid_extensions(mut s: &[u8]) -> bool {
    use super::parse::is_tchar;
    let skip_ws = |s: &mut &[u8]| {
        while let [b' ' | b'\t', rest @ ..] = *s {
            *s = rest;
        }
    };
    let token = |s: &mut &[u8]| {
        let n = s.iter().take_while(|&&b| is_tchar(b)).count();
        *s = &s[n..];
        n > 0
    };
    while !s.is_empty() {
        skip_ws(&mut s);
        let [b';', rest @ ..] = s else { return false };
        s = rest;
        skip_ws(&mut s);
        if !token(&mut s) {
            return false;
        }
        skip_ws(&mut s);
        if let [b'=', rest @ ..] = s {
            s = rest;
            skip_ws(&mut s);
            if let [b'"', rest @ ..] = s {
                // quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE
                s = rest;
                loop {
                    match s {
                        [b'"', rest @ ..] => {
                            s = rest;
                            break;
                        }
                        [b'\\', c, rest @ ..] if *c == b'\t' || *c >= 0x20 && *c != 0x7f => {
                            s = rest
                        }
                        [c, rest @ ..]
                            if *c == b'\t' || *c >= 0x20 && *c != 0x7f && *c != b'\\' =>
                        {
                            s = rest
                        }
                        _ => return false,
                    }
                }
            } else if !token(&mut s) {
                return false;
            }
            skip_ws(&mut s);
        }
    }
    true
}

/// Parses a trailer section (`section` is exactly the section, empty line included)
/// into the byte ranges of each field's name and value.
fn parse_trailers(section: &[u8], config: &Config) -> Result<Vec<(Range, Range)>, ErrorKind> {
    let mut headers = vec![httparse::EMPTY_HEADER; config.max_fields.min(section.len() / 3 + 1)];
    let range = |sub: &[u8]| {
        let start = sub.as_ptr() as usize - section.as_ptr() as usize;
        start..start + sub.len()
    };
    match httparse::parse_headers(section, &mut headers) {
        // The parser must consume exactly the section we delimited, or the two disagree
        // about where the message ends.
        Ok(httparse::Status::Complete((n, parsed))) if n == section.len() => Ok(parsed
            .iter()
            .map(|h| (range(h.name.as_bytes()), range(trim_ows(h.value))))
            .collect()),
        Err(httparse::Error::TooManyHeaders) => Err(Limit::FieldCount.into()),
        _ => Err(ProtocolError::InvalidTrailers.into()),
    }
}

type Range = std::ops::Range<usize>;

/// Encodes one outgoing body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoder {
    /// Exactly this many bytes left to send.
    Length(u64),
    /// Chunked coding.
    Chunked,
    /// Raw bytes until this side closes (close-delimited responses, tunnels).
    Raw,
    /// Body bytes are accepted and dropped (responses to HEAD).
    Discard,
}

impl Encoder {
    /// Writes `data` (and the end of the body if `end`), or refuses without writing.
    pub(crate) fn data(&mut self, tx: &mut Vec<u8>, data: &[u8], end: bool) -> Result<(), Misuse> {
        match self {
            Encoder::Length(remaining) => {
                let n = data.len() as u64;
                if n > *remaining || (end && n != *remaining) {
                    return Err(Misuse::ContentLength);
                }
                *remaining -= n;
                tx.extend_from_slice(data);
            }
            Encoder::Chunked => {
                if !data.is_empty() {
                    write_chunk_size(tx, data.len());
                    tx.extend_from_slice(data);
                    tx.extend_from_slice(b"\r\n");
                }
                if end {
                    tx.extend_from_slice(b"0\r\n\r\n");
                }
            }
            Encoder::Raw => tx.extend_from_slice(data),
            Encoder::Discard => {}
        }
        Ok(())
    }

    /// Writes a trailer section, which ends the body. Only chunked bodies carry
    /// trailers; elsewhere they are dropped (an HTTP/1.0 peer or a HEAD response
    /// cannot receive them) unless a Content-Length body would be cut short.
    pub(crate) fn trailers(&mut self, tx: &mut Vec<u8>, fields: &Fields) -> Result<(), Misuse> {
        match self {
            Encoder::Chunked => {
                tx.extend_from_slice(b"0\r\n");
                super::encode::write_fields(tx, fields);
                tx.extend_from_slice(b"\r\n");
                Ok(())
            }
            _ => self.data(tx, &[], true),
        }
    }
}

fn write_chunk_size(tx: &mut Vec<u8>, n: usize) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut buf = [0u8; 16];
    let mut i = buf.len();
    let mut n = n;
    loop {
        i -= 1;
        buf[i] = HEX[n & 0xf];
        n >>= 4;
        if n == 0 {
            break;
        }
    }
    tx.extend_from_slice(&buf[i..]);
    tx.extend_from_slice(b"\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(
        framing: Framing,
        wire: &[u8],
        config: &Config,
    ) -> Result<Vec<Decoded>, ErrorKind> {
        let mut input = Input::default();
        input.push(wire);
        let mut d = Decoder::new(framing);
        let mut out = vec![];
        let mut received = 0;
        while let Some(item) = d.decode(&mut input, false, &mut received, config)? {
            out.push(item);
        }
        Ok(out)
    }

    fn data(s: &'static str, end: bool) -> Decoded {
        Decoded::Data(Bytes::from_static(s.as_bytes()), end)
    }

    #[test]
    fn chunked_with_extensions_and_trailers() {
        let c = Config::default();
        let out = decode_all(
            Framing::Chunked,
            b"5;a=b;c=\"d\\\"e\"\r\nhello\r\n0\r\nX-Sum: 1\r\n\r\n",
            &c,
        )
        .unwrap();
        assert_eq!(
            out[0],
            Decoded::Extension(Bytes::from_static(b";a=b;c=\"d\\\"e\""))
        );
        assert_eq!(out[1], data("hello", false));
        let Decoded::Trailers(t) = &out[2] else {
            panic!("{out:?}")
        };
        assert_eq!(t.get("x-sum").unwrap(), b"1");
    }

    #[test]
    fn chunked_table() {
        let c = Config::default();
        let cases: &[(&[u8], Result<&str, ErrorKind>)] = &[
            (b"3\r\nabc\r\n0\r\n\r\n", Ok("abc")),
            (b"003\r\nabc\r\n0\r\n\r\n", Ok("abc")),
            (b"3 ;x\r\nabc\r\n0\r\n\r\n", Ok("abc")),
            (
                b"3 \r\nabc\r\n0\r\n\r\n",
                Err(ProtocolError::InvalidChunkSize.into()),
            ),
            (
                b"-3\r\nabc\r\n0\r\n\r\n",
                Err(ProtocolError::InvalidChunkSize.into()),
            ),
            (
                b"0x3\r\nabc\r\n0\r\n\r\n",
                Err(ProtocolError::InvalidChunkSize.into()),
            ),
            (
                b"3\nabc\r\n0\r\n\r\n",
                Err(ProtocolError::InvalidChunkSize.into()),
            ),
            (
                b"3\r\nabcX\r\n0\r\n\r\n",
                Err(ProtocolError::InvalidChunkEnd.into()),
            ),
            (
                b"3\r\nabc\n0\r\n\r\n",
                Err(ProtocolError::InvalidChunkEnd.into()),
            ),
            (
                b"3;\r\nabc\r\n0\r\n\r\n",
                Err(ProtocolError::InvalidChunkSize.into()),
            ),
            (
                b"3;a=\"b\r\nabc\r\n0\r\n\r\n",
                Err(ProtocolError::InvalidChunkSize.into()),
            ),
            (
                b"10000000000000000\r\n",
                Err(ProtocolError::ChunkSizeOverflow.into()),
            ),
            (b"ffffffffffffffff\r\n", Ok("")),
        ];
        for (wire, want) in cases {
            let got = decode_all(Framing::Chunked, wire, &c).map(|items| {
                items
                    .into_iter()
                    .filter_map(|i| match i {
                        Decoded::Data(d, _) => Some(String::from_utf8(d.to_vec()).unwrap()),
                        _ => None,
                    })
                    .collect::<String>()
            });
            let want = want.clone().map(str::to_string);
            assert_eq!(got, want, "{}", String::from_utf8_lossy(wire));
        }
    }

    #[test]
    fn obs_fold_when_allowed_in_any_trailer_field() {
        let c = Config {
            allow_obs_fold: Leniency::Allow,
            ..Config::default()
        };
        // The first field of the section folded as well as a later one: a trailer
        // section has no start line that a fold could join.
        let out = decode_all(
            Framing::Chunked,
            b"0\r\nA: 1\r\n 2\r\nB: 3\r\n\t4\r\n\r\n",
            &c,
        )
        .unwrap();
        let [Decoded::Trailers(t)] = &out[..] else {
            panic!("{out:?}")
        };
        assert_eq!(t.get("a").unwrap(), b"1   2");
        assert_eq!(t.get("b").unwrap(), b"3  \t4");
        // Refused unless allowed, wherever the fold is.
        let strict = Config::default();
        assert_eq!(
            decode_all(Framing::Chunked, b"0\r\nA: 1\r\n 2\r\n\r\n", &strict),
            Err(ProtocolError::InvalidTrailers.into())
        );
    }

    #[test]
    fn bare_lf_when_allowed() {
        let c = Config {
            allow_bare_lf: Leniency::Allow,
            ..Config::default()
        };
        let out = decode_all(Framing::Chunked, b"3\nabc\n0\n\n", &c).unwrap();
        assert_eq!(out, vec![data("abc", false), data("", true)]);
    }

    #[test]
    fn limits() {
        let mut c = Config {
            max_chunk_line: 8,
            ..Config::default()
        };
        assert_eq!(
            decode_all(Framing::Chunked, b"3;aaaaaaaaaaa", &c),
            Err(Limit::ChunkLine.into())
        );
        c.max_body = 4;
        assert_eq!(
            decode_all(Framing::Length(10), b"0123456789", &c),
            Err(Limit::Body.into())
        );
        c.max_trailer_bytes = 10;
        assert_eq!(
            decode_all(Framing::Chunked, b"0\r\nX-Long-Trailer: 1", &c),
            Err(Limit::TrailerBytes.into())
        );
    }

    #[test]
    fn length_body_and_leftover() {
        let c = Config::default();
        let mut input = Input::default();
        input.push(b"abcdeGET");
        let mut d = Decoder::new(Framing::Length(5));
        let mut r = 0;
        assert_eq!(
            d.decode(&mut input, false, &mut r, &c).unwrap(),
            Some(data("abcde", true))
        );
        assert!(d.is_done());
        assert_eq!(input.bytes(), b"GET");
    }

    #[test]
    fn encoder() {
        let mut tx = vec![];
        let mut e = Encoder::Chunked;
        e.data(&mut tx, &[b'x'; 26], false).unwrap();
        let mut t = Fields::new();
        t.append("X-Checksum", "done");
        e.trailers(&mut tx, &t).unwrap();
        let mut expected = b"1a\r\n".to_vec();
        expected.extend_from_slice(&[b'x'; 26]);
        expected.extend_from_slice(b"\r\n0\r\nX-Checksum: done\r\n\r\n");
        assert_eq!(tx, expected);

        let mut e = Encoder::Length(3);
        let mut tx = vec![];
        assert_eq!(e.data(&mut tx, b"abcd", false), Err(Misuse::ContentLength));
        assert!(tx.is_empty(), "a refused call writes nothing");
        assert_eq!(e.data(&mut tx, b"ab", true), Err(Misuse::ContentLength));
        e.data(&mut tx, b"abc", true).unwrap();
        assert_eq!(tx, b"abc");
    }
}
