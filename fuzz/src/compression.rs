//! The compression handlers between a client [`Connection`] and a server [`Dispatcher`]
//! in memory, on HTTP/1.1 or HTTP/2, with `flate2` in the driver to make and undo what
//! they undo and make. Shared by the fuzz targets `compress` and `decompress` and by
//! `tests/fuzz_corpus.rs`.
//!
//! [`compress`]: the application answers a request with a body sent in pieces through
//! [`Compress`]; what the client receives must decode to exactly that body, and after
//! every piece, to exactly what was sent so far (each piece is flushed), in a coding the
//! request accepts. An input is `[setup] [tuning] [n] [n piece lengths] [body…]`:
//!
//! - `setup`: bit 0 HTTP/2; bits 1–3 the request's `accept-encoding` ([`ACCEPT`]);
//!   bit 4 a `text/plain` response (else `image/png`, never compressed); bit 5 a
//!   `content-length`; bit 6 trailers; bit 7 a HEAD request;
//! - `tuning`: the level (low nibble, modulo 10), the threshold (bits 4–5: 0, 1, 10 or
//!   300 bytes), bit 6 a 103 response first, bit 7 a strong ETag (weakened when the
//!   body is compressed);
//! - each piece length is one `Data` command (0 an empty one); the rest of the body
//!   is the last.
//!
//! [`decompress`]: the client sends a request body with `content-encoding` through
//! [`Decompress`]; the application may never get more than the handler's bound, and
//! gets exactly what `flate2` decodes from the body when it is valid and within the
//! bound; otherwise the client gets 400 or 413. An input is `[setup] [n] [n piece
//! lengths] [payload…]`:
//!
//! - `setup`: bit 0 HTTP/2; bit 1 deflate (else gzip); bit 2 the payload is plaintext,
//!   compressed here (and in two gzip members with bit 7), else it is sent as it is;
//!   bits 3–4 the bound (0, 16, 1024 bytes or 1 MiB); bit 5 a `content-length`; bit 6
//!   trailers;
//! - the piece lengths cut the encoded body into `send_data` calls, as above.
//!
//! A corpus file named `ok-…` must be compressed (`compress`) or decoded whole
//! (`decompress`); one named `bad-…` must be refused by `Decompress`.

use std::io::{Read, Write};
use std::time::Instant;

use flate2::Compression;
use weir::handler::{Compress, Decompress, Dispatcher};
use weir::{
    Command, Config, Connection, Event, Fields, Head, Output, Request, Response, Side, StreamId,
    Version,
};

/// A drain that needs more `poll_output` calls than this never reaches its deadline.
const MAX_POLLS: usize = 100_000;

/// The `accept-encoding` a `compress` input picks (`None`: no field), and the coding
/// that a compressed response to it must have.
pub const ACCEPT: [(Option<&str>, Option<&str>); 8] = [
    (Some("gzip"), Some("gzip")),
    (Some("deflate"), Some("deflate")),
    (Some("gzip;q=0.5, deflate"), Some("deflate")),
    (Some("*"), Some("gzip")),
    (Some("br, identity"), None),
    (None, None),
    (Some("gzip;q=0, deflate;q=0"), None),
    (Some("x-gzip;q=0.2, DEFLATE;q=0.1"), Some("gzip")),
];

const THRESHOLDS: [usize; 4] = [0, 1, 10, 300];
const BOUNDS: [usize; 4] = [0, 16, 1024, 1 << 20];

/// What a run saw.
#[derive(Debug, Default, Clone)]
pub struct Summary {
    /// The coding the response (`compress`) or request (`decompress`) body had.
    pub coding: Option<String>,
    /// Body bytes the client sent (`decompress`) or the application sent (`compress`).
    pub sent: usize,
    /// Body bytes that came out: on the client (`compress`), or decoded to the
    /// application (`decompress`).
    pub delivered: usize,
    /// Whether the whole body came out.
    pub whole: bool,
    /// The status the client got.
    pub status: Option<u16>,
}

impl Summary {
    /// Checks the expectation that a corpus file's name states; panics if it is not met.
    pub fn check_name(&self, name: &str) {
        if name.starts_with("ok-") {
            assert!(
                self.coding.is_some() && self.whole && matches!(self.status, Some(200..=299)),
                "{name}: expected a coded body, whole, got {self:?}"
            );
        } else if name.starts_with("bad-") {
            assert!(
                matches!(self.status, Some(400 | 413)) && !self.whole,
                "{name}: expected the body refused, got {self:?}"
            );
        }
    }
}

// ---- the bench -----------------------------------------------------------------------

/// A client connection and a server dispatcher wired together in memory.
struct Bench {
    client: Connection,
    server: Dispatcher,
    now: Instant,
    client_events: Vec<Event>,
    server_events: Vec<Event>,
    server_eof: bool,
    /// The application answered the request.
    answered: bool,
}

impl Bench {
    fn new(http2: bool, handler: impl FnOnce(Dispatcher) -> Dispatcher) -> Bench {
        let now = Instant::now();
        let version = if http2 {
            Version::Http2
        } else {
            Version::Http11
        };
        let config = Config::default();
        let conn = Connection::with_version(Side::Server, version, config.clone(), now);
        Bench {
            client: Connection::with_version(Side::Client, version, config, now),
            server: handler(Dispatcher::new(conn)),
            now,
            client_events: Vec::new(),
            server_events: Vec::new(),
            server_eof: false,
            answered: false,
        }
    }

    /// Moves bytes both ways until both sides wait.
    fn drive(&mut self) {
        let mut buf = Vec::new();
        loop {
            let mut moved = false;
            for _ in 0..MAX_POLLS {
                match self.client.poll_output(&mut buf) {
                    Output::Transmit => {
                        self.server.handle_input(self.now, &buf);
                        buf.clear();
                        moved = true;
                    }
                    Output::Event(e) => {
                        self.client_events.push(e);
                        moved = true;
                    }
                    Output::Timeout(_) => break,
                }
            }
            for _ in 0..MAX_POLLS {
                match self.server.poll_output(&mut buf) {
                    Output::Transmit => {
                        self.client.handle_input(self.now, &buf);
                        buf.clear();
                        moved = true;
                    }
                    Output::Event(e) => {
                        self.server_events.push(e);
                        moved = true;
                    }
                    Output::Timeout(_) => break,
                }
            }
            if self.server.is_write_closed() && !self.server_eof {
                self.server_eof = true;
                self.client.handle_eof(self.now);
                moved = true;
            }
            if !moved {
                return;
            }
        }
    }

    /// The final response the client got on `stream`, its body so far, its trailers,
    /// and whether the body ended.
    fn response(&self, stream: StreamId) -> (Option<Response>, Vec<u8>, Option<Fields>, bool) {
        let (mut head, mut body, mut trailers, mut ended) = (None, Vec::new(), None, false);
        for e in &self.client_events {
            match e {
                Event::Headers {
                    stream: s,
                    head: Head::Response(r),
                    end_stream,
                } if *s == stream && r.status >= 200 => {
                    head = Some(r.clone());
                    ended = *end_stream;
                }
                Event::Data {
                    stream: s,
                    data,
                    end_stream,
                } if *s == stream => {
                    body.extend_from_slice(data);
                    ended |= *end_stream;
                }
                Event::Trailers { stream: s, fields } if *s == stream => {
                    trailers = Some(fields.clone());
                    ended = true;
                }
                _ => {}
            }
        }
        (head, body, trailers, ended)
    }
}

fn take_pieces(data: &[u8]) -> (&[u8], &[u8]) {
    match data.split_first() {
        Some((&n, rest)) => rest.split_at(usize::from(n).min(rest.len())),
        None => (&[], &[]),
    }
}

/// Cuts `body` as the piece lengths say; the rest is the last piece (maybe empty).
fn cut<'a>(body: &'a [u8], lengths: &[u8]) -> Vec<&'a [u8]> {
    let mut pieces = Vec::new();
    let mut rest = body;
    for &n in lengths {
        let (piece, after) = rest.split_at(usize::from(n).min(rest.len()));
        pieces.push(piece);
        rest = after;
    }
    pieces.push(rest);
    pieces
}

/// Decodes what came so far of a body in `coding`: everything a sync flush let out.
fn decode_so_far(coding: &str, body: &[u8]) -> Vec<u8> {
    let written = match coding {
        "gzip" => {
            let mut d = flate2::write::GzDecoder::new(Vec::new());
            d.write_all(body)
                .and_then(|()| d.flush())
                .map(|()| d.get_ref().clone())
        }
        "deflate" => {
            let mut d = flate2::write::ZlibDecoder::new(Vec::new());
            d.write_all(body)
                .and_then(|()| d.flush())
                .map(|()| d.get_ref().clone())
        }
        other => panic!("a coding nobody asked for: {other}"),
    };
    written.unwrap_or_else(|e| panic!("{coding} so far does not decode: {e}"))
}

/// Decoded output past which a reference decoding stops: the bounds are far below, so
/// it only keeps a bomb from costing the fuzzer memory and time.
const MAX_DECODED: u64 = 8 << 20;

/// Decodes a whole body in `coding`: what came out (up to [`MAX_DECODED`]), and
/// whether it is exactly one valid zlib stream, or one or more valid gzip members, with
/// nothing after it (`None`: not known, the output went past `MAX_DECODED`).
fn decode_whole(coding: &str, body: &[u8]) -> (Vec<u8>, Option<bool>) {
    let mut out = Vec::new();
    let ok = match coding {
        "gzip" => {
            let mut d = flate2::read::MultiGzDecoder::new(body);
            (&mut d).take(MAX_DECODED).read_to_end(&mut out).is_ok()
        }
        _ => {
            let mut d = flate2::read::ZlibDecoder::new(body);
            // Bytes after the zlib stream's end are not part of the coding.
            (&mut d).take(MAX_DECODED).read_to_end(&mut out).is_ok()
                && d.total_in() == body.len() as u64
        }
    };
    let known = (out.len() as u64) < MAX_DECODED;
    (out, known.then_some(ok))
}

/// How many bytes a corrupt body decodes to before the decoder finds it corrupt, up to
/// `cap`: at most one byte short, as it is read a byte at a time (a decoder loses what
/// the step that fails made, and a step here makes at most one byte).
fn decoded_before_error(coding: &str, body: &[u8], cap: usize) -> usize {
    let input = std::io::BufReader::with_capacity(1, body);
    let mut decoder: Box<dyn Read> = match coding {
        "gzip" => Box::new(flate2::bufread::MultiGzDecoder::new(input)),
        _ => Box::new(flate2::bufread::ZlibDecoder::new(input)),
    };
    let (mut n, mut byte) = (0, [0u8]);
    while n < cap && matches!(decoder.read(&mut byte), Ok(1)) {
        n += 1;
    }
    n
}

// ---- compress ------------------------------------------------------------------------

/// Runs the `compress` target on `data`; panics if an invariant breaks.
pub fn compress(data: &[u8]) -> Summary {
    let [setup, tuning, rest @ ..] = data else {
        return Summary::default();
    };
    let (setup, tuning) = (*setup, *tuning);
    let (lengths, body) = take_pieces(rest);
    let (accept, expected) = ACCEPT[usize::from(setup >> 1 & 7)];
    let text = setup & 0x10 != 0;
    let head_request = setup & 0x80 != 0;
    let trailers = setup & 0x40 != 0;
    let level = u32::from(tuning & 0xf) % 10;
    let threshold = THRESHOLDS[usize::from(tuning >> 4 & 3)];
    let handler = Compress::new().level(level).threshold(threshold);
    let mut bench = Bench::new(setup & 1 != 0, |d| d.handler(handler));

    let mut request =
        Request::new(if head_request { "HEAD" } else { "GET" }, "/doc").field("host", "a");
    if let Some(accept) = accept {
        request = request.field("accept-encoding", accept);
    }
    let stream = bench.client.send_request(request, true).expect("a request");
    bench.drive();
    assert!(
        bench
            .server_events
            .iter()
            .any(|e| matches!(e, Event::Headers { stream: s, .. } if *s == stream)),
        "the request did not arrive: {:?}",
        bench.server_events
    );

    let send = |bench: &mut Bench, command: Command| {
        let what = format!("{command:?}");
        bench
            .server
            .send(command)
            .unwrap_or_else(|e| panic!("{what} refused: {e:?}"));
        bench.drive();
    };
    if tuning & 0x40 != 0 {
        let head = Response::new(103).field("link", "</style.css>; rel=preload");
        send(
            &mut bench,
            Command::Response {
                stream,
                head,
                end_stream: false,
            },
        );
    }
    let mut head = Response::new(200).field(
        "content-type",
        if text {
            "text/plain; charset=utf-8"
        } else {
            "image/png"
        },
    );
    if setup & 0x20 != 0 {
        head = head.field("content-length", body.len().to_string());
    }
    if tuning & 0x80 != 0 {
        head = head.field("etag", "\"v1\"");
    }
    send(
        &mut bench,
        Command::Response {
            stream,
            head,
            end_stream: false,
        },
    );
    let pieces = cut(body, lengths);
    let mut sent = 0;
    for (i, piece) in pieces.iter().enumerate() {
        let last = i + 1 == pieces.len();
        let data = piece.to_vec().into();
        send(
            &mut bench,
            Command::Data {
                stream,
                data,
                end_stream: last && !trailers,
            },
        );
        sent += piece.len();
        check_so_far(&bench, stream, &body[..sent], head_request);
    }
    if trailers {
        let mut fields = Fields::new();
        fields.append("x-checksum", "1234");
        send(&mut bench, Command::Trailers { stream, fields });
    }

    let (head, received, got_trailers, ended) = bench.response(stream);
    let head = head.expect("a final response");
    assert!(ended, "the response did not end");
    let coding = head
        .fields
        .get("content-encoding")
        .map(|c| String::from_utf8(c.to_vec()).expect("a coding we wrote"));
    if let Some(coding) = &coding {
        assert_eq!(
            Some(coding.as_str()),
            expected,
            "accept-encoding: {accept:?}"
        );
        assert!(text, "image/png compressed");
        assert!(!head_request, "a response to HEAD has nothing to compress");
        assert!(head.fields.has_token("vary", "accept-encoding"));
        if tuning & 0x80 != 0 {
            assert_eq!(head.fields.get("etag"), Some(&b"W/\"v1\""[..]));
        }
    }
    if head_request {
        assert!(received.is_empty(), "a body in a response to HEAD");
    } else {
        let decoded = match &coding {
            Some(c) => {
                let (decoded, ok) = decode_whole(c, &received);
                assert_eq!(ok, Some(true), "the {c} body does not decode whole");
                decoded
            }
            None => received.clone(),
        };
        assert!(decoded == body, "the client decodes another body");
    }
    if let Some(length) = head.fields.get("content-length") {
        if !head_request {
            assert_eq!(length, received.len().to_string().as_bytes());
        }
    }
    if let Some(t) = got_trailers {
        assert_eq!(t.get("x-checksum"), Some(&b"1234"[..]));
    }
    Summary {
        coding,
        sent: body.len(),
        delivered: received.len(),
        whole: ended,
        status: Some(head.status),
    }
}

/// After each piece: the client has exactly what was sent so far, decoded.
fn check_so_far(bench: &Bench, stream: StreamId, sent: &[u8], head_request: bool) {
    let (head, received, _, _) = bench.response(stream);
    let Some(head) = head else {
        // A head held until the first byte of the body decides on it.
        assert!(sent.is_empty(), "{} bytes sent, no head yet", sent.len());
        return;
    };
    if head_request {
        return;
    }
    let so_far = match head.fields.get("content-encoding") {
        Some(c) => decode_so_far(std::str::from_utf8(c).expect("ASCII"), &received),
        None => received,
    };
    assert!(
        so_far == sent,
        "{} bytes sent, {} came out so far",
        sent.len(),
        so_far.len()
    );
}

// ---- decompress ----------------------------------------------------------------------

/// Runs the `decompress` target on `data`; panics if an invariant breaks.
pub fn decompress(data: &[u8]) -> Summary {
    let Some((&setup, rest)) = data.split_first() else {
        return Summary::default();
    };
    let (lengths, payload) = take_pieces(rest);
    let coding = if setup & 2 != 0 { "deflate" } else { "gzip" };
    let bound = BOUNDS[usize::from(setup >> 3 & 3)];
    let trailers = setup & 0x40 != 0;
    let encoded = if setup & 4 != 0 {
        encode(coding, payload, setup & 0x80 != 0)
    } else {
        payload.to_vec()
    };
    // What a correct decoder makes of it: all of it, or what came before it failed.
    let (plain, valid) = if encoded.is_empty() {
        // An empty body is empty, whatever coding it claims.
        (Vec::new(), Some(true))
    } else {
        decode_whole(coding, &encoded)
    };
    let mut bench = Bench::new(setup & 1 != 0, |d| {
        d.handler(Decompress::new().max_size(bound))
    });

    let mut request = Request::new("POST", "/up")
        .field("host", "a")
        .field("content-encoding", coding);
    if setup & 0x20 != 0 {
        request = request.field("content-length", encoded.len().to_string());
    }
    let stream = bench
        .client
        .send_request(request, false)
        .expect("a request");
    bench.drive();
    let pieces = cut(&encoded, lengths);
    for (i, piece) in pieces.iter().enumerate() {
        let last = i + 1 == pieces.len();
        // Refused once the server answered and closed: the rest has nowhere to go.
        let _ = bench
            .client
            .send_data(stream, piece.to_vec().into(), last && !trailers);
        bench.drive();
        respond_when_whole(&mut bench, stream);
    }
    if trailers {
        let mut fields = Fields::new();
        fields.append("x-checksum", "1234");
        let _ = bench.client.send_trailers(stream, fields);
        bench.drive();
        respond_when_whole(&mut bench, stream);
    }

    let (delivered, whole, reset) = app_view(&bench, stream);
    assert!(
        delivered.len() <= bound,
        "{} bytes decoded past the bound of {bound}",
        delivered.len()
    );
    // Both decoders stop at the same place, but may lose what the step that failed
    // made: one's output is a prefix of the other's.
    let consistent = plain.starts_with(&delivered) || delivered.starts_with(&plain);
    assert!(
        consistent,
        "the application got other bytes than flate2 decodes"
    );
    let (head, _, _, _) = bench.response(stream);
    let status = head.map(|h| h.status);
    let large = plain.len() > bound;
    match (valid, large) {
        (Some(true), false) => {
            assert!(
                whole,
                "a valid body within the bound was not delivered whole"
            );
            assert!(delivered == plain, "the application got another body");
            assert_eq!(status, Some(200));
        }
        _ => {
            assert!(!whole, "a body corrupt or past the bound came out whole");
            assert!(reset, "the application was not told the stream ended");
            let allowed: &[u16] = match valid {
                Some(true) => &[413],
                // Corrupt, and what comes before that fits even with the byte the
                // count may miss: the handler may lose the output of the step that
                // fails, never make more.
                Some(false) if !large && decoded_before_error(coding, &encoded, bound) < bound => {
                    &[400]
                }
                // Corrupt past the bound, or not known: whichever the decoder met first.
                _ => &[400, 413],
            };
            assert!(
                status.is_some_and(|s| allowed.contains(&s)),
                "got {status:?}, valid: {valid:?}, {} bytes decode",
                plain.len()
            );
        }
    }
    Summary {
        coding: Some(coding.to_string()),
        sent: encoded.len(),
        delivered: delivered.len(),
        whole,
        status,
    }
}

/// `plain` in `coding`, at a level taken from its length; gzip in two members when
/// `split`.
fn encode(coding: &str, plain: &[u8], split: bool) -> Vec<u8> {
    let level = Compression::new(plain.len() as u32 % 10);
    let one = |part: &[u8]| -> Vec<u8> {
        let done = match coding {
            "gzip" => {
                let mut e = flate2::write::GzEncoder::new(Vec::new(), level);
                e.write_all(part).and_then(|()| e.finish())
            }
            _ => {
                let mut e = flate2::write::ZlibEncoder::new(Vec::new(), level);
                e.write_all(part).and_then(|()| e.finish())
            }
        };
        done.expect("compressing into memory")
    };
    if split && coding == "gzip" {
        let (a, b) = plain.split_at(plain.len() / 2);
        [one(a), one(b)].concat()
    } else {
        one(plain)
    }
}

/// The server application: once the request body is whole, answers 200.
fn respond_when_whole(bench: &mut Bench, stream: StreamId) {
    let (_, whole, reset) = app_view(bench, stream);
    if whole && !reset && !bench.answered {
        bench.answered = true;
        let head = Response::new(200).field("content-length", "0");
        bench
            .server
            .send(Command::Response {
                stream,
                head,
                end_stream: true,
            })
            .expect("the answer to a whole body");
        bench.drive();
    }
}

/// What the application got of the request body: the decoded bytes, whether they
/// ended, and whether it was told the stream was reset.
fn app_view(bench: &Bench, stream: StreamId) -> (Vec<u8>, bool, bool) {
    let (mut body, mut whole, mut reset) = (Vec::new(), false, false);
    for e in &bench.server_events {
        match e {
            Event::Headers {
                stream: s,
                head: Head::Request(r),
                end_stream,
            } if *s == stream => {
                // Without a body (an empty one of length 0) there is nothing to decode.
                let decoded =
                    !r.fields.contains("content-encoding") && !r.fields.contains("content-length");
                assert!(
                    *end_stream || decoded,
                    "the decoded request still says how it was encoded: {r:?}"
                );
                whole |= *end_stream;
            }
            Event::Data {
                stream: s,
                data,
                end_stream,
            } if *s == stream => {
                assert!(!whole && !reset, "data after the end");
                body.extend_from_slice(data);
                whole |= *end_stream;
            }
            Event::Trailers { stream: s, .. } if *s == stream => whole = true,
            Event::StreamReset { stream: s, .. } if *s == stream => reset = true,
            _ => {}
        }
    }
    (body, whole, reset)
}
