//! [`Compress`]: response bodies compressed with gzip or deflate as the client's
//! `accept-encoding` asks, after Cowboy's `cowboy_compress_h`.

use super::{Handler, Info, Next, Options, Terminate};
use crate::head::{list_elements, trim_ows};
use crate::{Command, Fields, Request, Response, StreamId, StreamMap};
use bytes::Bytes;
use flate2::write::{GzEncoder, ZlibEncoder};
use flate2::Compression;
use std::io::Write;

/// Bodies of at most this many bytes are sent as they are, by default (Cowboy's
/// default too): below it the coding's own framing eats most of the gain.
const DEFAULT_THRESHOLD: usize = 300;

/// The compression level by default: zlib's own default, a good balance of speed and
/// size.
const DEFAULT_LEVEL: u32 = 6;

/// A content coding the compression handlers make and undo (RFC 9110 §8.4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Coding {
    /// RFC 9110 §8.4.1.3: the gzip file format (RFC 1952).
    Gzip,
    /// RFC 9110 §8.4.1.2: the zlib data format (RFC 1950) around a deflate stream.
    Deflate,
}

impl Coding {
    /// The coding named `name`, ignoring case (content codings are case-insensitive,
    /// RFC 9110 §8.4.1); `x-gzip` is gzip (§8.4.1.3: "A recipient SHOULD consider
    /// "x-gzip" to be equivalent to "gzip"").
    pub(super) fn named(name: &[u8]) -> Option<Coding> {
        let is = |n: &str| name.eq_ignore_ascii_case(n.as_bytes());
        if is("gzip") || is("x-gzip") {
            Some(Coding::Gzip)
        } else if is("deflate") {
            Some(Coding::Deflate)
        } else {
            None
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Coding::Gzip => "gzip",
            Coding::Deflate => "deflate",
        }
    }
}

/// Compresses response bodies with gzip or deflate, as the request's
/// `accept-encoding` asks (modelled on Cowboy's `cowboy_compress_h`).
///
/// **The coding** is the acceptable one (weight above 0) that `accept-encoding` weighs
/// highest among gzip and deflate, gzip on a tie (RFC 9110 §12.5.3; `*` stands for
/// any coding not named, `x-gzip` for gzip). A request without `accept-encoding` gets
/// the identity body: RFC 9110 would allow any coding, but a client that says nothing
/// is usually one that cannot decode.
///
/// **What is not compressed**: a response to `HEAD` (it has no content, RFC 9110
/// §9.3.2) or to `CONNECT` (a tunnel); 1xx, 204 and 304 (no content, §15.2, §15.3.5,
/// §15.4.5), and a 101 makes the stream a tunnel; 206 and anything with
/// `content-range` (the range is of the identity representation, §14.4); a response
/// with a `content-encoding` already (§8.4: no coding on top of another); one with
/// `cache-control: no-transform` (RFC 9111 §5.2.2.6); one whose body is at most the
/// [threshold](Compress::threshold), known from its `content-length` or because the
/// whole body came in one `Data` command; one whose whole body compresses to no
/// fewer bytes; and content that is not worth compressing, by its `content-type`:
///
/// - no `content-type` at all (RFC 9110 §8.3 lets the recipient take it for
///   `application/octet-stream`, so it is treated as that);
/// - `image/*` except `image/svg+xml`, `audio/*`, `video/*`, and the compressed font
///   formats `font/woff` and `font/woff2` (RFC 8081);
/// - `application/octet-stream`, `zip`, `gzip`, `x-gzip`, `zstd`, `x-bzip2`, `x-xz`,
///   `x-7z-compressed`, `x-rar-compressed`, `vnd.rar`, and every type with a `+zip`
///   (RFC 6839 §3.6) or `+gzip` suffix.
///
/// **A compressed response** gets `content-encoding` (RFC 9110 §8.4) and
/// `vary: accept-encoding` (§12.5.5, added to what it already varies with); a strong
/// `etag` is made weak (§8.8.3: a strong validator changes with the bytes, and these
/// bytes differ; the weak one still matches under the weak comparison conditional
/// GETs use, §13.1.2). Its `content-length` is set to the compressed length when the
/// whole body came in one `Data` command, else removed (HTTP/1.1 then sends it
/// chunked, HTTP/2 needs none). A response that would have been compressed for another
/// `accept-encoding` (or for GET instead of HEAD) gets `vary: accept-encoding` too.
///
/// **Streaming**: the head of a response that may be compressed is held until its
/// first body command, which decides; every `Data` command is then compressed and
/// flushed (a sync flush), so its compressed bytes leave at once, before the
/// application has sent the rest. Trailers first end the compressed body. Each stream
/// being compressed holds its own compressor (a few hundred kilobytes).
///
/// ```
/// use std::time::Instant;
/// use weir::handler::{Compress, Dispatcher};
/// use weir::{Command, Config, Connection, Event, Output, Response, Side, Version};
///
/// let now = Instant::now();
/// let conn = Connection::with_version(Side::Server, Version::Http11, Config::default(), now);
/// let mut server: Dispatcher = Dispatcher::new(conn).handler(Compress::new().threshold(100));
/// server.handle_input(now, b"GET /text HTTP/1.1\r\nHost: a\r\nAccept-Encoding: gzip\r\n\r\n");
/// let mut out = Vec::new();
/// let Output::Event(Event::Headers { stream, .. }) = server.poll_output(&mut out) else {
///     panic!("a request")
/// };
/// let head = Response::new(200).field("content-type", "text/plain");
/// server.send(Command::Response { stream, head, end_stream: false }).unwrap();
/// let body = "All work and no play makes Jack a dull boy. ".repeat(100);
/// server.send(Command::Data { stream, data: body.into(), end_stream: true }).unwrap();
/// assert!(matches!(server.poll_output(&mut out), Output::Transmit));
/// let at = out.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
/// let head = String::from_utf8_lossy(&out[..at]);
/// assert!(head.contains("content-encoding: gzip\r\n"));
/// assert!(head.contains("vary: accept-encoding\r\n"));
/// // The whole body came at once: its compressed length is known.
/// assert!(head.contains(&format!("content-length: {}\r\n", out.len() - at)));
/// assert!(out.len() - at < 200);
/// ```
#[derive(Debug)]
pub struct Compress {
    threshold: usize,
    level: u32,
    streams: StreamMap<Stream>,
}

impl Default for Compress {
    fn default() -> Compress {
        Compress::new()
    }
}

impl Compress {
    /// A handler that compresses bodies of more than 300 bytes at level 6.
    pub fn new() -> Compress {
        Compress {
            threshold: DEFAULT_THRESHOLD,
            level: DEFAULT_LEVEL,
            streams: StreamMap::default(),
        }
    }

    /// Bodies of at most `bytes` bytes are sent as they are (builder style).
    pub fn threshold(mut self, bytes: usize) -> Compress {
        self.threshold = bytes;
        self
    }

    /// The compression level, from 0 (none, fastest) to 9 (smallest); larger values
    /// mean 9 (builder style).
    pub fn level(mut self, level: u32) -> Compress {
        self.level = level.min(9);
        self
    }

    /// Applies the rules to the commands on their way to the connection.
    fn process(&mut self, mut commands: Vec<Command>) -> Vec<Command> {
        // A stream leaves the map once the rest of its response goes out untouched, so
        // that most batches (bodies, other handlers' commands) pass on as they are.
        let tracked = |c: &Command| c.stream().is_some_and(|s| self.streams.contains_key(&s));
        if !commands.iter().any(tracked) {
            return commands;
        }
        // The usual batch is one command: its result goes back into the same vector.
        if let [_] = commands.as_slice() {
            if let Some(command) = commands.pop() {
                self.process_one(command, &mut commands);
            }
            return commands;
        }
        let mut out = Vec::with_capacity(commands.len());
        for command in commands {
            self.process_one(command, &mut out);
        }
        out
    }

    /// Applies the rules to one command, pushing what comes of it onto `out`.
    fn process_one(&mut self, command: Command, out: &mut Vec<Command>) {
        let Some(id) = command.stream() else {
            out.push(command);
            return;
        };
        match self.streams.get_mut(&id) {
            Some(s) => {
                s.process(command, self.threshold, self.level, out);
                if matches!(s.state, State::Untouched) {
                    self.streams.remove(&id);
                }
            }
            None => out.push(command),
        }
    }
}

impl<M> Handler<M> for Compress {
    fn release_buffers(&mut self) {
        if self.streams.is_empty() {
            self.streams = StreamMap::default();
        }
    }

    fn init(
        &mut self,
        stream: StreamId,
        request: Request,
        end_stream: bool,
        opts: &Options,
        next: Next<'_, M>,
    ) -> Vec<Command> {
        self.streams.insert(stream, Stream::new(&request));
        let commands = next.init(stream, request, end_stream, opts);
        self.process(commands)
    }

    fn data(
        &mut self,
        stream: StreamId,
        data: Bytes,
        end_stream: bool,
        next: Next<'_, M>,
    ) -> Vec<Command> {
        let commands = next.data(stream, data, end_stream);
        self.process(commands)
    }

    fn info(&mut self, stream: StreamId, info: Info<M>, next: Next<'_, M>) -> Vec<Command> {
        let commands = next.info(stream, info);
        self.process(commands)
    }

    fn terminate(&mut self, stream: StreamId, reason: &Terminate, next: Next<'_, M>) {
        self.streams.remove(&stream);
        next.terminate(stream, reason)
    }
}

/// What the handler knows of one stream: a few bytes, the large states boxed, since
/// every request has one while its response head is on its way.
#[derive(Debug)]
struct Stream {
    /// The coding the client prefers among ours; `None`: identity only.
    coding: Option<Coding>,
    /// A HEAD request: its response has no content to compress.
    head_only: bool,
    /// A CONNECT request: its 2xx makes the stream a tunnel.
    connect: bool,
    state: State,
}

#[derive(Debug)]
enum State {
    /// No final response yet.
    Waiting,
    /// A final head to compress unless its whole body turns out small: held until its
    /// first body command.
    Held(Box<Response>),
    /// Compressing the body.
    Encoding(Box<Encoder>),
    /// The rest of the response goes out as the application sent it.
    Untouched,
}

impl Stream {
    fn new(request: &Request) -> Stream {
        Stream {
            coding: negotiate(&request.fields),
            head_only: request.is_method("HEAD"),
            connect: request.is_method("CONNECT"),
            state: State::Waiting,
        }
    }

    fn process(&mut self, command: Command, threshold: usize, level: u32, out: &mut Vec<Command>) {
        let state = std::mem::replace(&mut self.state, State::Untouched);
        self.state = match (state, command) {
            (
                State::Waiting,
                Command::Response {
                    stream,
                    head,
                    end_stream,
                },
            ) => self.response(stream, head, end_stream, threshold, out),
            (
                State::Held(head),
                Command::Data {
                    stream,
                    data,
                    end_stream,
                },
            ) => {
                // Held only when the client accepts a coding.
                let coding = self.coding.unwrap_or(Coding::Gzip);
                held_data(
                    stream, *head, data, end_stream, coding, threshold, level, out,
                )
            }
            (State::Held(head), trailers @ Command::Trailers { stream, .. }) => {
                // No body at all: nothing to compress.
                out.push(Command::Response {
                    stream,
                    head: *head,
                    end_stream: false,
                });
                out.push(trailers);
                State::Untouched
            }
            (
                State::Encoding(mut encoder),
                Command::Data {
                    stream,
                    data,
                    end_stream,
                },
            ) => {
                let mut bytes = encoder.write(&data);
                if end_stream {
                    bytes.extend_from_slice(&encoder.finish());
                }
                if !bytes.is_empty() || end_stream {
                    out.push(Command::Data {
                        stream,
                        data: bytes.into(),
                        end_stream,
                    });
                }
                if end_stream {
                    State::Untouched
                } else {
                    State::Encoding(encoder)
                }
            }
            (State::Encoding(mut encoder), trailers @ Command::Trailers { stream, .. }) => {
                // The trailers end the body: the compressed stream ends before them.
                out.push(Command::Data {
                    stream,
                    data: encoder.finish().into(),
                    end_stream: false,
                });
                out.push(trailers);
                State::Untouched
            }
            (State::Held(_) | State::Encoding(_), reset @ Command::Reset { .. }) => {
                out.push(reset);
                State::Untouched
            }
            (state, command) => {
                out.push(command);
                state
            }
        };
    }

    /// A response head of the application: decides whether its body is compressed.
    fn response(
        &mut self,
        stream: StreamId,
        mut head: Response,
        end_stream: bool,
        threshold: usize,
        out: &mut Vec<Command>,
    ) -> State {
        let state = if head.status < 200 {
            // RFC 9110 §15.2: no content. A 101 makes the stream a tunnel; after any other
            // the final response is still to come.
            if head.status == 101 {
                State::Untouched
            } else {
                State::Waiting
            }
        } else if self.connect
            // Nothing to encode: no content (a response to GET that ends at once).
            || (end_stream && !self.head_only)
            || !encodable(&head, threshold)
        {
            State::Untouched
        } else if self.head_only || self.coding.is_none() {
            // RFC 9110 §12.5.5: sent as it is, but it would have been compressed for
            // another accept-encoding, or for GET: caches must tell them apart.
            add_vary(&mut head.fields);
            State::Untouched
        } else {
            return State::Held(Box::new(head));
        };
        out.push(Command::Response {
            stream,
            head,
            end_stream,
        });
        state
    }
}

/// The first body command of a response whose head is held: compresses the body, or
/// sends it as it is when it is whole and small.
#[allow(clippy::too_many_arguments)]
fn held_data(
    stream: StreamId,
    mut head: Response,
    data: Bytes,
    end_stream: bool,
    coding: Coding,
    threshold: usize,
    level: u32,
    out: &mut Vec<Command>,
) -> State {
    if data.is_empty() && !end_stream {
        // Nothing to decide on yet.
        return State::Held(Box::new(head));
    }
    let mut encoder = Encoder::new(coding, level);
    if end_stream {
        // The whole body is here: a small one, or one that compression does not
        // shrink, goes as it is; otherwise its compressed length is known.
        let compressed = Some(&data)
            .filter(|d| d.len() > threshold)
            .map(|d| encoder.whole(d))
            .filter(|c| c.len() < data.len());
        let data = match compressed {
            Some(c) => {
                encoded_head(&mut head, coding);
                head.fields
                    .set("content-length", crate::Decimal::from(c.len()));
                Bytes::from(c)
            }
            None => data,
        };
        head_and_data(stream, head, data, true, out);
        return State::Untouched;
    }
    // Streamed: the length changes and is not known yet (RFC 9110 §8.6).
    encoded_head(&mut head, coding);
    head.fields.remove("content-length");
    let first = encoder.write(&data);
    head_and_data(stream, head, first.into(), false, out);
    State::Encoding(Box::new(encoder))
}

/// The held head goes out at last, with the first body bytes.
fn head_and_data(
    stream: StreamId,
    head: Response,
    data: Bytes,
    end_stream: bool,
    out: &mut Vec<Command>,
) {
    out.push(Command::Response {
        stream,
        head,
        end_stream: false,
    });
    out.push(Command::Data {
        stream,
        data,
        end_stream,
    });
}

/// The response's part of the rules: whether its body may be compressed at all. One
/// walk over the fields: every response passes here.
fn encodable(head: &Response, threshold: usize) -> bool {
    // RFC 9110 §15.3.5, §15.4.5: 204 and 304 have no content. §14.4: a 206 carries a
    // range of the identity representation.
    if matches!(head.status, 204 | 206 | 304) {
        return false;
    }
    let (mut content_type, mut length) = (None, None);
    for f in &head.fields {
        // The length rules out most names before any comparison.
        match f.name.len() {
            // §14.4: so does a Content-Range.
            13 if f.is("content-range") => return false,
            // RFC 9110 §8.4: content already encoded is sent as it is, never encoded
            // twice.
            16 if f.is("content-encoding") => return false,
            // RFC 9111 §5.2.2.6: "no-transform" forbids transforming the content.
            13 if f.is("cache-control")
                && list_elements(f.value).any(|e| e.eq_ignore_ascii_case(b"no-transform")) =>
            {
                return false
            }
            12 if f.is("content-type") => {
                content_type.get_or_insert(f.value);
            }
            14 if f.is("content-length") => {
                length.get_or_insert(f.value);
            }
            _ => {}
        }
    }
    // RFC 9110 §8.6: a body known to be small is not worth it.
    let large = length
        .and_then(crate::h1::parse::parse_content_length)
        .is_none_or(|n| n > threshold as u64);
    large && content_type.is_some_and(compressible)
}

/// Application subtypes that are compressed already (and `octet-stream`, which may be
/// anything).
const PACKED_APPLICATION_TYPES: [&[u8]; 10] = [
    b"octet-stream",
    b"zip",
    b"gzip",
    b"x-gzip",
    b"zstd",
    b"x-bzip2",
    b"x-xz",
    b"x-7z-compressed",
    b"x-rar-compressed",
    b"vnd.rar",
];

/// Whether content of media type `content_type` is worth compressing (see the list on
/// [`Compress`]). Every response with a type asks: compared in place, not lowercased
/// into a copy.
fn compressible(content_type: &[u8]) -> bool {
    // RFC 9110 §8.3.1: type "/" subtype, then parameters; case-insensitive.
    let essence = content_type
        .split(|&b| b == b';')
        .next()
        .unwrap_or_default();
    let essence = trim_ows(essence);
    let Some(slash) = essence.iter().position(|&b| b == b'/') else {
        // Not a media type: nothing is known of it.
        return false;
    };
    let (kind, subtype) = (&essence[..slash], &essence[slash + 1..]);
    let is = |part: &[u8], name: &[u8]| part.eq_ignore_ascii_case(name);
    let ends_with = |suffix: &[u8]| {
        subtype.len() >= suffix.len() && is(&subtype[subtype.len() - suffix.len()..], suffix)
    };
    if is(kind, b"image") {
        is(subtype, b"svg+xml")
    } else if is(kind, b"audio") || is(kind, b"video") {
        false
    } else if is(kind, b"font") {
        !(is(subtype, b"woff") || is(subtype, b"woff2"))
    } else if is(kind, b"application") {
        !(ends_with(b"+zip")
            || ends_with(b"+gzip")
            || PACKED_APPLICATION_TYPES.iter().any(|t| is(subtype, t)))
    } else {
        true
    }
}

/// The coding for a request's `accept-encoding` (RFC 9110 §12.5.3): of gzip and
/// deflate, the acceptable one (weight above 0) weighed highest, gzip on a tie. `*`
/// stands for a coding not named. `None` without the field, with an empty one (§12.5.3:
/// "the user agent does not want any content coding"), or when neither is acceptable.
pub(super) fn negotiate(fields: &Fields) -> Option<Coding> {
    if !fields.contains("accept-encoding") {
        return None;
    }
    let (mut gzip, mut deflate, mut any) = (None, None, None);
    for element in fields.get_all("accept-encoding").flat_map(list_elements) {
        // codings [ OWS ";" OWS "q=" qvalue ]
        let mut parts = element.split(|&b| b == b';');
        let name = trim_ows(parts.next().unwrap_or_default());
        let mut weight = Some(1000);
        for parameter in parts.map(trim_ows) {
            if let Some(value) = parameter
                .strip_prefix(b"q=")
                .or_else(|| parameter.strip_prefix(b"Q="))
            {
                weight = qvalue(value);
            }
        }
        // A weight that is not a qvalue says nothing we can trust: the element is ignored.
        let Some(weight) = weight else { continue };
        let slot = match Coding::named(name) {
            Some(Coding::Gzip) => &mut gzip,
            Some(Coding::Deflate) => &mut deflate,
            None if name == b"*" => &mut any,
            None => continue,
        };
        // Named twice: the higher weight.
        *slot = Some(slot.map_or(weight, |w: u16| w.max(weight)));
    }
    let gzip = gzip.or(any).unwrap_or(0);
    let deflate = deflate.or(any).unwrap_or(0);
    match (gzip, deflate) {
        (0, 0) => None,
        (g, d) if g >= d => Some(Coding::Gzip),
        _ => Some(Coding::Deflate),
    }
}

/// A qvalue in thousandths (RFC 9110 §12.4.2: `"0" [ "." 0*3DIGIT ] / "1" [ "."
/// 0*3("0") ]`).
fn qvalue(value: &[u8]) -> Option<u16> {
    let (whole, fraction) = match value.iter().position(|&b| b == b'.') {
        Some(dot) => (&value[..dot], &value[dot + 1..]),
        None => (value, &b""[..]),
    };
    if fraction.len() > 3 || !fraction.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut thousandths = 0u16;
    for i in 0..3 {
        thousandths = thousandths * 10 + fraction.get(i).map_or(0, |d| u16::from(d - b'0'));
    }
    match whole {
        b"0" => Some(thousandths),
        b"1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

/// RFC 9110 §12.5.5: the response varies with `accept-encoding`, besides what it
/// already varies with (`*` says it varies with everything already).
fn add_vary(fields: &mut Fields) {
    if fields.has_token("vary", "accept-encoding") || fields.has_token("vary", "*") {
        return;
    }
    let present: Vec<Vec<u8>> = fields.get_all("vary").map(<[u8]>::to_vec).collect();
    if present.is_empty() {
        fields.append("vary", "accept-encoding");
        return;
    }
    let mut value = present.join(&b", "[..]);
    value.extend_from_slice(b", accept-encoding");
    fields.set("vary", value);
}

/// Marks `head` as carrying `coding`: `content-encoding`, `vary`, a weakened ETag.
fn encoded_head(head: &mut Response, coding: Coding) {
    head.fields.append("content-encoding", coding.as_str());
    add_vary(&mut head.fields);
    // RFC 9110 §8.8.3: a strong validator changes whenever the representation's bytes
    // do, and compressed bytes are other bytes; a weak one ("W/") still matches the
    // same content under weak comparison (§8.8.3.2), which conditional GETs use.
    if let Some(tag) = head.fields.get("etag").filter(|t| t.starts_with(b"\"")) {
        let weak = [&b"W/"[..], tag].concat();
        head.fields.set("etag", weak);
    }
}

/// A compressor for one response body.
#[derive(Debug)]
pub(super) enum Encoder {
    Gzip(GzEncoder<Vec<u8>>),
    Deflate(ZlibEncoder<Vec<u8>>),
}

impl Encoder {
    pub(super) fn new(coding: Coding, level: u32) -> Encoder {
        let level = Compression::new(level);
        match coding {
            Coding::Gzip => Encoder::Gzip(GzEncoder::new(Vec::new(), level)),
            Coding::Deflate => Encoder::Deflate(ZlibEncoder::new(Vec::new(), level)),
        }
    }

    /// Compresses `data` and flushes (a sync flush): the bytes returned decode to
    /// everything written so far.
    fn write(&mut self, data: &[u8]) -> Vec<u8> {
        if data.is_empty() {
            // A flush would only add an empty block.
            return Vec::new();
        }
        // Writing into memory does not fail, and the compressor's state is its own.
        let done = match self {
            Encoder::Gzip(e) => e.write_all(data).and_then(|()| e.flush()),
            Encoder::Deflate(e) => e.write_all(data).and_then(|()| e.flush()),
        };
        done.expect("compressing into memory cannot fail");
        self.take()
    }

    /// Compresses a whole body at once.
    pub(super) fn whole(&mut self, data: &[u8]) -> Vec<u8> {
        let done = match self {
            Encoder::Gzip(e) => e.write_all(data),
            Encoder::Deflate(e) => e.write_all(data),
        };
        done.expect("compressing into memory cannot fail");
        self.finish()
    }

    /// Ends the compressed stream: the bytes returned end it.
    fn finish(&mut self) -> Vec<u8> {
        let done = match self {
            Encoder::Gzip(e) => e.try_finish(),
            Encoder::Deflate(e) => e.try_finish(),
        };
        done.expect("compressing into memory cannot fail");
        self.take()
    }

    fn take(&mut self) -> Vec<u8> {
        match self {
            Encoder::Gzip(e) => std::mem::take(e.get_mut()),
            Encoder::Deflate(e) => std::mem::take(e.get_mut()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::{GzDecoder, ZlibDecoder};

    fn accept(values: &[&str]) -> Option<Coding> {
        let fields: Fields = values.iter().map(|v| ("accept-encoding", *v)).collect();
        negotiate(&fields)
    }

    #[test]
    fn accept_encoding_weights_choose_the_coding() {
        use Coding::{Deflate, Gzip};
        assert_eq!(negotiate(&Fields::new()), None, "no field: identity");
        assert_eq!(accept(&[""]), None, "empty: no coding wanted");
        assert_eq!(accept(&["gzip"]), Some(Gzip));
        assert_eq!(accept(&["deflate"]), Some(Deflate));
        assert_eq!(accept(&["GZip"]), Some(Gzip), "case-insensitive");
        assert_eq!(accept(&["x-gzip"]), Some(Gzip));
        assert_eq!(accept(&["deflate, gzip"]), Some(Gzip), "a tie goes to gzip");
        assert_eq!(accept(&["gzip;q=0.5, deflate"]), Some(Deflate));
        assert_eq!(accept(&["gzip ; q=0.5 ,deflate;q=0.501"]), Some(Deflate));
        assert_eq!(accept(&["gzip;q=0"]), None, "q=0 refuses");
        assert_eq!(accept(&["gzip;q=0, deflate;q=0.001"]), Some(Deflate));
        assert_eq!(accept(&["br, zstd"]), None, "none of ours");
        assert_eq!(accept(&["identity"]), None);
        assert_eq!(accept(&["*"]), Some(Gzip), "* stands for any coding");
        assert_eq!(accept(&["*;q=0.5, gzip;q=0"]), Some(Deflate));
        assert_eq!(accept(&["*;q=0"]), None);
        assert_eq!(accept(&["*;q=0, deflate"]), Some(Deflate));
        assert_eq!(accept(&["gzip;Q=1.000"]), Some(Gzip));
        assert_eq!(
            accept(&["br", "deflate;q=0.2"]),
            Some(Deflate),
            "two fields"
        );
        // A weight that is not a qvalue: the element is ignored.
        assert_eq!(accept(&["gzip;q=2"]), None);
        assert_eq!(accept(&["gzip;q=0.5x, deflate;q=0.1"]), Some(Deflate));
        assert_eq!(accept(&["gzip;q=1.001"]), None);
    }

    #[test]
    fn qvalues() {
        for (text, value) in [
            ("1", Some(1000)),
            ("1.", Some(1000)),
            ("1.000", Some(1000)),
            ("0", Some(0)),
            ("0.5", Some(500)),
            ("0.05", Some(50)),
            ("0.001", Some(1)),
            ("0.0001", None),
            ("1.5", None),
            ("2", None),
            ("", None),
            ("-0", None),
            ("0.a", None),
        ] {
            assert_eq!(qvalue(text.as_bytes()), value, "{text:?}");
        }
    }

    #[test]
    fn compressible_types() {
        for yes in [
            "text/plain",
            "text/html; charset=utf-8",
            "Text/CSS",
            "application/json",
            "application/javascript",
            "image/svg+xml",
            "font/ttf",
            "text/event-stream",
        ] {
            assert!(compressible(yes.as_bytes()), "{yes}");
        }
        for no in [
            "image/png",
            "IMAGE/JPEG",
            "audio/ogg",
            "video/mp4",
            "font/woff2",
            "application/octet-stream",
            "application/zip",
            "application/gzip",
            "application/zstd",
            "application/epub+zip",
            "application/x-tar+gzip",
            "Application/EPUB+ZIP",
            "Font/WOFF",
            " application/Octet-Stream ; q=1",
            "nonsense",
            "",
        ] {
            assert!(!compressible(no.as_bytes()), "{no}");
        }
    }

    #[test]
    fn vary_is_added_to_what_is_there() {
        let mut fields = Fields::new();
        add_vary(&mut fields);
        assert_eq!(fields.get("vary"), Some(&b"accept-encoding"[..]));
        let mut fields: Fields = [("Vary", "Origin"), ("vary", "cookie")]
            .into_iter()
            .collect();
        add_vary(&mut fields);
        assert_eq!(
            fields.get_all("vary").collect::<Vec<_>>(),
            [&b"Origin, cookie, accept-encoding"[..]]
        );
        for already in ["Accept-Encoding", "*", "origin, accept-encoding"] {
            let mut fields: Fields = [("vary", already)].into_iter().collect();
            add_vary(&mut fields);
            assert_eq!(fields.get("vary"), Some(already.as_bytes()), "{already}");
        }
    }

    #[test]
    fn a_strong_etag_is_weakened() {
        let mut head = Response::new(200).field("etag", "\"v1\"");
        encoded_head(&mut head, Coding::Deflate);
        assert_eq!(head.fields.get("etag"), Some(&b"W/\"v1\""[..]));
        assert_eq!(head.fields.get("content-encoding"), Some(&b"deflate"[..]));
        let mut head = Response::new(200).field("etag", "W/\"v1\"");
        encoded_head(&mut head, Coding::Gzip);
        assert_eq!(head.fields.get("etag"), Some(&b"W/\"v1\""[..]));
    }

    fn gunzip(bytes: &[u8]) -> Vec<u8> {
        let mut d = GzDecoder::new(Vec::new());
        d.write_all(bytes).unwrap();
        d.finish().unwrap()
    }

    /// A stream after a request with these fields, and what comes out of `commands`.
    fn run(method: &'static str, accept: Option<&str>, commands: Vec<Command>) -> Vec<Command> {
        let mut request = Request::new(method, "/");
        if let Some(a) = accept {
            request.fields.append("accept-encoding", a);
        }
        let mut s = Stream::new(&request);
        let mut out = Vec::new();
        for c in commands {
            s.process(c, 300, 6, &mut out);
        }
        out
    }

    const S: StreamId = StreamId(1);

    fn response(head: Response, end_stream: bool) -> Command {
        Command::Response {
            stream: S,
            head,
            end_stream,
        }
    }

    fn data(bytes: impl Into<Bytes>, end_stream: bool) -> Command {
        Command::Data {
            stream: S,
            data: bytes.into(),
            end_stream,
        }
    }

    fn text() -> Response {
        Response::new(200).field("content-type", "text/plain")
    }

    fn head_of(c: &Command) -> &Response {
        match c {
            Command::Response { head, .. } => head,
            other => panic!("not a response: {other:?}"),
        }
    }

    fn bytes_of(c: &Command) -> (&Bytes, bool) {
        match c {
            Command::Data {
                data, end_stream, ..
            } => (data, *end_stream),
            other => panic!("not data: {other:?}"),
        }
    }

    #[test]
    fn a_streamed_body_is_compressed_piece_by_piece() {
        let piece = "Lorem ipsum dolor sit amet. ".repeat(40);
        let mut request = Request::new("GET", "/");
        request.fields.append("accept-encoding", "gzip");
        let mut s = Stream::new(&request);
        let mut out = Vec::new();
        s.process(
            response(text().field("content-length", "3360"), false),
            300,
            6,
            &mut out,
        );
        assert!(out.is_empty(), "the head waits for the first body bytes");
        s.process(data(piece.clone(), false), 300, 6, &mut out);
        let [head, first] = &out[..] else {
            panic!("{out:?}")
        };
        let head = head_of(head);
        assert_eq!(head.fields.get("content-encoding"), Some(&b"gzip"[..]));
        assert_eq!(head.fields.get("vary"), Some(&b"accept-encoding"[..]));
        assert!(!head.fields.contains("content-length"));
        // The first piece decodes on its own, before the body is complete.
        let first = bytes_of(first).0.clone();
        let mut partial = GzDecoder::new(Vec::new());
        partial.write_all(&first).unwrap();
        partial.flush().unwrap();
        assert_eq!(partial.get_ref(), piece.as_bytes());
        out.clear();
        s.process(data(piece.clone(), false), 300, 6, &mut out);
        s.process(data("", true), 300, 6, &mut out);
        let mut wire = first.to_vec();
        for c in &out {
            wire.extend_from_slice(bytes_of(c).0);
        }
        assert!(bytes_of(out.last().unwrap()).1, "ends the stream");
        assert_eq!(gunzip(&wire), piece.repeat(2).as_bytes());
    }

    #[test]
    fn a_whole_body_gets_its_compressed_length() {
        let body = "a".repeat(1000);
        let out = run(
            "GET",
            Some("deflate"),
            vec![
                response(text().field("content-length", "1000"), false),
                data(body.clone(), true),
            ],
        );
        let head = head_of(&out[0]);
        let (compressed, end) = bytes_of(&out[1]);
        assert!(end);
        let length = compressed.len().to_string();
        assert_eq!(head.fields.get("content-length"), Some(length.as_bytes()));
        let mut d = ZlibDecoder::new(Vec::new());
        d.write_all(compressed).unwrap();
        assert_eq!(d.finish().unwrap(), body.as_bytes());
    }

    #[test]
    fn small_or_incompressible_whole_bodies_go_as_they_are() {
        // No content-length: the head waits, and the body proves small.
        let out = run(
            "GET",
            Some("gzip"),
            vec![response(text(), false), data("short", true)],
        );
        assert_eq!(out, vec![response(text(), false), data("short", true)]);
        // Text that does not shrink.
        let mut x = 0x9e37_79b9_7f4a_7c15_u64;
        let noise: Vec<u8> = (0..2000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 24) as u8
            })
            .collect();
        let out = run(
            "GET",
            Some("gzip"),
            vec![response(text(), false), data(noise.clone(), true)],
        );
        assert!(
            out == vec![response(text(), false), data(noise, true)],
            "noise went out compressed"
        );
    }

    #[test]
    fn trailers_end_the_compressed_body_first() {
        let body = "b".repeat(500);
        let mut fields = Fields::new();
        fields.append("x-sum", "1");
        let trailers = Command::Trailers {
            stream: S,
            fields: fields.clone(),
        };
        let out = run(
            "GET",
            Some("gzip"),
            vec![
                response(text(), false),
                data(body.clone(), false),
                trailers.clone(),
            ],
        );
        assert_eq!(out.len(), 4, "{out:?}");
        assert_eq!(out[3], trailers);
        let mut wire = bytes_of(&out[1]).0.to_vec();
        wire.extend_from_slice(bytes_of(&out[2]).0);
        assert!(!bytes_of(&out[2]).1, "the trailers end the stream");
        assert_eq!(gunzip(&wire), body.as_bytes());
        // Trailers with no body at all: the head as it was.
        let out = run(
            "GET",
            Some("gzip"),
            vec![response(text(), false), trailers.clone()],
        );
        assert_eq!(out, vec![response(text(), false), trailers]);
    }

    #[test]
    fn exclusions_leave_the_response_alone() {
        let big = "c".repeat(1000);
        let cases: Vec<(&'static str, Option<&str>, Response)> = vec![
            ("GET", Some("gzip"), Response::new(204)),
            (
                "GET",
                Some("gzip"),
                Response::new(304).field("content-type", "text/plain"),
            ),
            (
                "GET",
                Some("gzip"),
                Response::new(206).field("content-type", "text/plain"),
            ),
            (
                "GET",
                Some("gzip"),
                text().field("content-range", "bytes 0-999/2000"),
            ),
            ("GET", Some("gzip"), text().field("content-encoding", "br")),
            (
                "GET",
                Some("gzip"),
                text().field("cache-control", "public, no-transform"),
            ),
            (
                "GET",
                Some("gzip"),
                Response::new(200).field("content-type", "image/png"),
            ),
            ("GET", Some("gzip"), Response::new(200)),
            ("GET", Some("gzip"), text().field("content-length", "300")),
            ("CONNECT", Some("gzip"), text()),
        ];
        for (method, accept, head) in cases {
            let out = run(
                method,
                accept,
                vec![response(head.clone(), false), data(big.clone(), true)],
            );
            assert_eq!(
                out,
                vec![response(head.clone(), false), data(big.clone(), true)],
                "{method} {head:?}"
            );
        }
    }

    #[test]
    fn vary_without_compression_when_another_request_would_get_it() {
        // No accept-encoding, or HEAD: as it is, but varying.
        for (method, accept, end) in [("GET", None, false), ("HEAD", Some("gzip"), true)] {
            let head = text().field("content-length", "5000");
            let out = run(method, accept, vec![response(head.clone(), end)]);
            let mut expected = head.clone();
            expected.fields.append("vary", "accept-encoding");
            assert_eq!(out, vec![response(expected, end)], "{method}");
        }
        // A response that no accept-encoding would change does not vary.
        let head = text().field("content-length", "14");
        assert_eq!(
            run("GET", None, vec![response(head.clone(), false)]),
            vec![response(head, false)]
        );
    }

    #[test]
    fn informational_responses_pass_and_a_101_makes_a_tunnel() {
        let big = "d".repeat(1000);
        let out = run(
            "GET",
            Some("gzip"),
            vec![
                response(Response::new(103), false),
                response(text(), false),
                data(big.clone(), true),
            ],
        );
        assert_eq!(out[0], response(Response::new(103), false));
        assert_eq!(
            head_of(&out[1]).fields.get("content-encoding"),
            Some(&b"gzip"[..])
        );
        let upgrade = Response::new(101).field("upgrade", "echo");
        let out = run(
            "GET",
            Some("gzip"),
            vec![response(upgrade.clone(), false), data(big.clone(), false)],
        );
        assert_eq!(out, vec![response(upgrade, false), data(big, false)]);
    }

    #[test]
    fn a_reset_drops_the_held_head() {
        let reset = Command::Reset {
            stream: S,
            code: crate::Reason::CANCEL,
        };
        let out = run(
            "GET",
            Some("gzip"),
            vec![response(text(), false), reset.clone()],
        );
        assert_eq!(out, vec![reset]);
    }
}
