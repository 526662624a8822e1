//! HTTP/1.1 attacks on a server `Connection` in memory: each request-smuggling
//! (desync) class, and the attacks on a server's memory and time.
//!
//! Each test drives a server with the default `Config` (or says which limit it lowers
//! and why) the way an adapter does: the attacker's bytes come in reads of at most
//! [`READ`] bytes, after each read the output is drained, and the application answers
//! each complete request with `200` and `hello`. Each asserts
//!
//! - the exact answer on the wire (status line and fields, byte for byte), with the
//!   RFC 9112 (or RFC 9110) section that names it, and that the connection closes by
//!   itself, without waiting for the peer to close, where it must;
//! - for a desync, that nothing after the smuggled boundary surfaces as a request: the
//!   application sees only the requests named, whether the input comes whole or a byte
//!   at a time;
//! - the memory bound: the peak of heap bytes the test's thread held during the attack
//!   (the connection, the adapter's output buffer, what the application allocated),
//!   over what it held before, is under a bound derived from `Config`, explained at
//!   each test;
//! - bounded work: the connection ends within the bytes or the time the limit names,
//!   or, for an attack a server must simply withstand, it still serves afterwards.
//!
//! The long tail of each desync class is in the conformance corpus of the blocking
//! example (`examples/blocking/tests/conformance/cases.rs`).

#[path = "support/tracking.rs"]
mod tracking;

use std::time::{Duration, Instant};
use tracking::Meter;
use weir::{Config, Connection, Error, ErrorKind, Event, Limit, Output, ProtocolError, Response};
use weir::{Side, Timeout};

#[global_allocator]
static ALLOCATOR: tracking::Tracking = tracking::Tracking;

/// The most an adapter reads at once: what one `handle_input` gets.
const READ: usize = 16 * 1024;

/// Room for what any connection allocates whatever the attack: its queues, the
/// request head it parsed, the response the application sends, the events.
const SLACK: usize = 16 * 1024;

/// The wire's record of what the server wrote is kept up to this size, so that
/// keeping it costs nothing during the attack.
const WIRE: usize = 64 * 1024;

const KIB: usize = 1024;
const MIB: usize = 1024 * 1024;

const GET: &[u8] = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n";

/// The response of the application.
const HELLO: &str = "HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello";

/// The response the connection writes for an error with `status`, before it closes.
fn refusal(status: &str) -> String {
    format!("HTTP/1.1 {status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n")
}

/// What the application does with requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum App {
    /// Answers each complete request with [`HELLO`].
    Answer,
    /// Never answers: the first request stays open until the peer gives up.
    Silent,
}

/// What the server wrote and delivered, kept without allocating during the attack.
#[derive(Debug, Default)]
struct Seen {
    /// The first [`WIRE`] bytes the server wrote.
    wire: Vec<u8>,
    /// All the bytes the server wrote, and the status lines among them.
    written: usize,
    responses: usize,
    /// Requests delivered, and whether one was the smuggled one.
    requests: usize,
    smuggled: bool,
    /// The stream of the last request.
    last_request: u32,
    body: usize,
    extensions: usize,
    /// `Event::EarlyError` and `Event::StreamReset` delivered.
    early_errors: usize,
    stream_resets: usize,
    /// The first error the connection reported (`EarlyError` or `Closed`).
    error: Option<Error>,
    closed: bool,
}

/// A server connection driven as an adapter drives it, with an application.
struct Server {
    conn: Connection,
    now: Instant,
    deadline: Option<Instant>,
    app: App,
    out: Vec<u8>,
    /// The read buffer of [`Server::flood`].
    read: Vec<u8>,
    /// Input bytes handed to the connection, and how many it had when it first did
    /// not want more (`wants_input`).
    fed: usize,
    unwanted_at: Option<usize>,
    seen: Seen,
}

impl Server {
    fn new(config: Config, app: App) -> Server {
        let now = Instant::now();
        let mut seen = Seen::default();
        seen.wire.reserve(WIRE);
        Server {
            conn: Connection::new(Side::Server, config, now),
            now,
            deadline: None,
            app,
            out: Vec::with_capacity(READ),
            read: Vec::with_capacity(READ),
            fed: 0,
            unwanted_at: None,
            seen,
        }
    }

    fn config(&self) -> &Config {
        self.conn.config()
    }

    /// Hands `bytes` to the connection in reads of `read` bytes, draining after each,
    /// until the connection closes.
    fn feed_in(&mut self, bytes: &[u8], read: usize) {
        for chunk in bytes.chunks(read) {
            if self.seen.closed {
                return;
            }
            self.input(chunk);
        }
    }

    fn feed(&mut self, bytes: &[u8]) {
        self.feed_in(bytes, READ);
    }

    fn input(&mut self, bytes: &[u8]) {
        if self.unwanted_at.is_none() && !self.conn.wants_input() {
            self.unwanted_at = Some(self.fed);
        }
        self.conn.handle_input(self.now, bytes);
        self.fed += bytes.len();
        self.drain();
    }

    /// Hands `unit` repeated up to `times` times to the connection, in reads of
    /// [`READ`] bytes, until it closes (an adapter that reads whether or not the
    /// connection wants more); returns how many units it was given.
    fn flood(&mut self, unit: &[u8], times: usize) -> usize {
        let mut read = std::mem::take(&mut self.read);
        let mut sent = 0;
        while sent < times && !self.seen.closed {
            read.clear();
            while sent < times && read.len() + unit.len() <= READ {
                read.extend_from_slice(unit);
                sent += 1;
            }
            self.input(&read);
        }
        self.read = read;
        sent
    }

    /// Lets `by` pass on the virtual clock, firing the deadline if it passed.
    fn advance(&mut self, by: Duration) {
        self.now += by;
        if self.deadline.is_some_and(|d| d <= self.now) {
            self.conn.handle_timeout(self.now);
            self.drain();
        }
    }

    fn drain(&mut self) {
        loop {
            match self.conn.poll_output(&mut self.out) {
                Output::Transmit => {
                    let seen = &mut self.seen;
                    let room = WIRE - seen.wire.len().min(WIRE);
                    seen.wire
                        .extend_from_slice(&self.out[..self.out.len().min(room)]);
                    seen.written += self.out.len();
                    // The application's bodies never hold a status line.
                    seen.responses += self.out.windows(9).filter(|w| *w == b"HTTP/1.1 ").count();
                    self.out.clear();
                }
                Output::Event(event) => self.event(event),
                Output::Timeout(t) => {
                    self.deadline = t;
                    return;
                }
            }
        }
    }

    fn event(&mut self, event: Event) {
        let seen = &mut self.seen;
        let done = match &event {
            Event::Headers {
                stream,
                head,
                end_stream,
            } => {
                seen.requests += 1;
                seen.last_request = stream.0;
                let target = &head.as_request().expect("a request").target;
                seen.smuggled |= target.windows(8).any(|w| w == b"smuggled");
                end_stream.then_some(*stream)
            }
            Event::Data {
                stream,
                data,
                end_stream,
            } => {
                seen.body += data.len();
                end_stream.then_some(*stream)
            }
            Event::ChunkExtension { .. } => {
                seen.extensions += 1;
                None
            }
            Event::Trailers { stream, .. } => Some(*stream),
            Event::EarlyError { error, .. } => {
                seen.early_errors += 1;
                seen.error.get_or_insert_with(|| error.clone());
                None
            }
            Event::StreamReset { .. } => {
                seen.stream_resets += 1;
                None
            }
            Event::Closed { error } => {
                seen.closed = true;
                if let Some(e) = error {
                    seen.error.get_or_insert_with(|| e.clone());
                }
                None
            }
            _ => None,
        };
        if let (Some(stream), App::Answer) = (done, self.app) {
            let _ = self.conn.send_response(stream, Response::new(200), false);
            let _ = self.conn.send_data(stream, "hello".into(), true);
        }
    }

    fn wire(&self) -> String {
        String::from_utf8_lossy(&self.seen.wire).into_owned()
    }

    /// The connection answered exactly `wire`, then closed by itself (with the error
    /// of `kind`); nothing else was written.
    fn expect_closed_after(&self, wire: &str, kind: ErrorKind) {
        assert_eq!(self.wire(), wire);
        assert_eq!(self.seen.written, wire.len());
        assert!(self.seen.closed, "the connection closed by itself");
        assert!(self.conn.is_closed());
        let error = self.seen.error.as_ref().expect("an error");
        assert_eq!(error.kind, kind, "{error}");
    }
}

/// Asserts that an attack's peak memory stayed under `bound`, and shows both.
fn assert_bound(name: &str, growth: usize, bound: usize) {
    eprintln!(
        "{name}: peak +{:.1} KiB (bound {:.1} KiB)",
        growth as f64 / 1024.0,
        bound as f64 / 1024.0
    );
    assert!(
        growth <= bound,
        "{name}: the connection held {growth} bytes more at its peak (bound {bound})"
    );
}

/// The input a connection buffers to hold `n` bytes: its buffer grows by doubling,
/// and at least a page at a time.
fn buffered(n: usize) -> usize {
    2 * n.max(4 * KIB)
}

// ---- request smuggling --------------------------------------------------------------

/// A desync attempt: `input` (whole, and then a byte at a time) gets exactly `wire`,
/// with the error of `kind`, and the connection closes by itself; the application
/// sees `requests` requests and never the smuggled one. Memory: the input, buffered,
/// and [`SLACK`].
fn desync(name: &str, input: &[u8], wire: &str, requests: usize, kind: ErrorKind) {
    for read in [READ, 1] {
        let mut s = Server::new(Config::default(), App::Answer);
        let meter = Meter::start();
        s.feed_in(input, read);
        let growth = meter.growth();
        s.expect_closed_after(wire, kind.clone());
        assert_eq!(s.seen.requests, requests, "{name}, reads of {read}");
        assert!(!s.seen.smuggled, "{name}: the smuggled request surfaced");
        if read == READ {
            assert_bound(name, growth, buffered(input.len()) + SLACK);
        }
    }
}

/// CL.TE: a front end that frames by Content-Length forwards the smuggled request as
/// body; a back end that frames by chunked would read it as a second request. RFC 9112
/// §6.3: "If a message is received with both a Transfer-Encoding and a Content-Length
/// header field, the Transfer-Encoding overrides the Content-Length. Such a message
/// might indicate an attempt to perform request smuggling (Section 11.2) ... A server
/// MAY reject a request that contains both Content-Length and Transfer-Encoding or
/// process such a request in accordance with the Transfer-Encoding alone. Regardless,
/// the server MUST close the connection after responding to such a request". weir
/// rejects: 400, and close.
#[test]
fn cl_te() {
    desync(
        "CL.TE",
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 40\r\nTransfer-Encoding: chunked\r\n\r\n\
          0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n",
        &refusal("400 Bad Request"),
        0,
        ProtocolError::TransferEncodingWithContentLength.into(),
    );
}

/// TE.CL: a front end that frames by chunked forwards the smuggled request inside a
/// chunk; a back end that frames by Content-Length would read it after a 4-byte body.
/// The same rule of RFC 9112 §6.3 (both fields: reject, or not, but close).
#[test]
fn te_cl() {
    desync(
        "TE.CL",
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n\
          23\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n\r\n0\r\n\r\n",
        &refusal("400 Bad Request"),
        0,
        ProtocolError::TransferEncodingWithContentLength.into(),
    );
}

/// TE.TE: two Transfer-Encoding fields, one obfuscated so that one of two servers
/// ignores it. Their values combine into `chunked, x` (RFC 9110 §5.3), and RFC 9112
/// §6.3: "If a Transfer-Encoding header field is present in a request and the chunked
/// transfer coding is not the final encoding, the message body length cannot be
/// determined reliably; the server MUST respond with the 400 (Bad Request) status code
/// and then close the connection." An obfuscation of the name instead, whitespace
/// before the colon: RFC 9112 §5.1: "A server MUST reject, with a response status code
/// of 400 (Bad Request), any received request message that contains whitespace between
/// a header field name and colon."
#[test]
fn te_te_obfuscation() {
    desync(
        "TE.TE, a second coding",
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: x\r\n\r\n\
          0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n",
        &refusal("400 Bad Request"),
        0,
        ProtocolError::ChunkedNotFinal.into(),
    );
    desync(
        "TE.TE, space before the colon",
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 40\r\nTransfer-Encoding : chunked\r\n\r\n\
          0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n",
        &refusal("400 Bad Request"),
        0,
        ProtocolError::InvalidFieldName.into(),
    );
}

/// Two Content-Length fields that disagree: one server frames by the first, another
/// by the last. RFC 9112 §6.3: "If a message is received without Transfer-Encoding and
/// with an invalid Content-Length header field, then the message framing is invalid
/// and the recipient MUST treat it as an unrecoverable error ... the server MUST
/// respond with a 400 (Bad Request) status code and then close the connection."
#[test]
fn duplicate_content_length() {
    desync(
        "duplicate Content-Length",
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nContent-Length: 35\r\n\r\n\
          GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n",
        &refusal("400 Bad Request"),
        0,
        ProtocolError::DuplicateContentLength.into(),
    );
}

/// obs-fold: a Transfer-Encoding folded onto a second line, which a server that
/// unfolds reads as chunked and one that does not ignores. RFC 9112 §5.2: "A server
/// that receives an obs-fold in a request message that is not within a "message/http"
/// container MUST either reject the message by sending a 400 (Bad Request) ... or
/// replace each received obs-fold with one or more SP octets". weir rejects by default
/// (`allow_obs_fold`).
#[test]
fn obs_fold() {
    desync(
        "obs-fold",
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 40\r\nTransfer-Encoding:\r\n chunked\r\n\r\n\
          0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n",
        &refusal("400 Bad Request"),
        0,
        ProtocolError::ObsFold.into(),
    );
}

/// A bare LF that hides a Transfer-Encoding from a server that ends lines at CRLF
/// only. RFC 9112 §2.2: "a recipient MAY recognize a single LF as a line terminator";
/// weir does not by default (`allow_bare_lf`), so the head does not match the grammar:
/// 400.
#[test]
fn bare_lf() {
    desync(
        "bare LF",
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 40\r\nX: y\nTransfer-Encoding: chunked\r\n\r\n\
          0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n",
        &refusal("400 Bad Request"),
        0,
        ProtocolError::BareLf.into(),
    );
}

/// A bare CR that one server reads as a line end and another as part of a value.
/// RFC 9112 §2.2: "A recipient of such a bare CR MUST consider that element to be
/// invalid or replace each bare CR with SP before processing the element".
#[test]
fn bare_cr() {
    desync(
        "bare CR",
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 40\r\nX: y\rTransfer-Encoding: chunked\r\n\r\n\
          0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n",
        &refusal("400 Bad Request"),
        0,
        ProtocolError::InvalidFieldValue.into(),
    );
}

/// Chunk-size tricks: a size of 2^64 that a parser wrapping on overflow reads as 0,
/// the last chunk, after which the smuggled request would follow. RFC 9112 §7.1:
/// "Recipients MUST anticipate potentially large hexadecimal numerals and prevent
/// parsing errors due to integer conversion overflows or precision loss due to integer
/// conversion." The head was sound, so the application saw the request; the body is
/// not, so it is reset, and the connection answers 400 (no response had started) and
/// closes. Then a size in a notation that is not `1*HEXDIG` (`0x23`).
#[test]
fn chunk_size_tricks() {
    desync(
        "chunk size overflow",
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n\
          10000000000000000\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n",
        &refusal("400 Bad Request"),
        1,
        ProtocolError::ChunkSizeOverflow.into(),
    );
    desync(
        "chunk size 0x",
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n\
          0x23\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n\r\n0\r\n\r\n",
        &refusal("400 Bad Request"),
        1,
        ProtocolError::InvalidChunkSize.into(),
    );
}

/// Pipelined smuggling: a sound request, then a CL.TE one behind it in the same
/// packet. RFC 9112 §9.3.2: a server "MUST send the corresponding responses in the
/// same order that the requests were received"; the first is answered, the second
/// refused as in [`cl_te`], and nothing after it is read.
#[test]
fn pipelined_smuggling() {
    desync(
        "pipelined CL.TE",
        b"GET / HTTP/1.1\r\nHost: a\r\n\r\n\
          POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 40\r\nTransfer-Encoding: chunked\r\n\r\n\
          0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n",
        &format!("{HELLO}{}", refusal("400 Bad Request")),
        1,
        ProtocolError::TransferEncodingWithContentLength.into(),
    );
}

/// HTTP/1.0 with Transfer-Encoding: an HTTP/1.0 server does not know chunked and
/// frames by Content-Length. RFC 9112 §6.1: "A server or client that receives an
/// HTTP/1.0 message containing a Transfer-Encoding header field MUST treat the message
/// as if the framing is faulty, even if a Content-Length is present, and close the
/// connection after processing the message."
#[test]
fn http10_with_transfer_encoding() {
    desync(
        "HTTP/1.0 and Transfer-Encoding",
        b"POST / HTTP/1.0\r\nContent-Length: 40\r\nTransfer-Encoding: chunked\r\n\r\n\
          0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n",
        &refusal("400 Bad Request"),
        0,
        ProtocolError::TransferEncodingOnHttp10.into(),
    );
}

/// A NUL in a Transfer-Encoding value, which a C server ends the value at. RFC 9110
/// §5.5: "Field values containing CR, LF, or NUL characters are invalid and dangerous
/// ... a recipient of CR, LF, or NUL within a field value MUST either reject the
/// message or replace each of those characters with SP".
#[test]
fn header_nul() {
    desync(
        "NUL in a field value",
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 40\r\nTransfer-Encoding: chunked\x00\r\n\r\n\
          0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n",
        &refusal("400 Bad Request"),
        0,
        ProtocolError::InvalidFieldValue.into(),
    );
}

// ---- pipelining ---------------------------------------------------------------------

/// A peer that pipelines requests by the thousand to an application that never
/// answers the first: the server parses no request before the previous response is
/// complete (RFC 9112 §9.3.2: responses go "in the same order that the requests were
/// received"), so the others wait in its input. Once the read that reaches
/// `max_buffered_input` is in, it wants no more input (`wants_input`), and when an
/// adapter reads on regardless, as this one does, the next read fails the
/// connection: 503 for the request still unanswered (RFC 9110 §15.6.4: "the server is
/// currently unable to handle the request due to a temporary overload"), and close.
///
/// Memory: `max_buffered_input` and one read, buffered, and [`SLACK`].
#[test]
fn pipelined_flood_to_an_application_that_never_answers() {
    let mut s = Server::new(Config::default(), App::Silent);
    let limit = s.config().max_buffered_input;
    let meter = Meter::start();
    s.flood(GET, 100_000);
    let growth = meter.growth();
    s.expect_closed_after(
        &refusal("503 Service Unavailable"),
        ErrorKind::Limit(Limit::BufferedInput),
    );
    assert_eq!(s.seen.requests, 1, "only the first request was parsed");
    let unwanted = s.unwanted_at.expect("the connection stopped wanting input");
    assert!((limit..limit + READ).contains(&unwanted), "{unwanted}");
    assert!(s.fed <= limit + 2 * READ, "closed after {} bytes", s.fed);
    assert_bound("pipelined flood", growth, buffered(limit + READ) + SLACK);
}

/// The same flood to an application that answers each request, and a transport that
/// takes every response (the peer reads them, or its kernel does): 100,000 requests
/// are served one at a time, in order, and the server holds one read, never the
/// pipeline. A peer that stops reading its responses stops the adapter too, which
/// reads only once its output is written (as both example adapters do): the server
/// then holds what it held here at most.
///
/// Memory: one read of requests, buffered, and the responses to them: the connection
/// parses the next pipelined request before it hands out the previous response, so
/// that one transmit carries them all, and the responses to one read wait in the
/// connection's output and then in the adapter's, both growing by doubling.
#[test]
fn pipelined_requests_by_the_thousand_are_served_one_at_a_time() {
    const REQUESTS: usize = 100_000;
    let mut s = Server::new(Config::default(), App::Answer);
    let meter = Meter::start();
    s.flood(GET, REQUESTS);
    let growth = meter.growth();
    assert_eq!(s.seen.requests, REQUESTS);
    assert_eq!(s.seen.responses, REQUESTS);
    assert_eq!(s.seen.last_request, 2 * REQUESTS as u32 - 1);
    assert!(!s.seen.closed);
    let responses = READ / GET.len() * HELLO.len();
    let bound = buffered(READ) + 4 * responses + SLACK;
    assert_bound("100,000 pipelined requests", growth, bound);
}

// ---- heads: slowloris by size and by time -------------------------------------------

/// Slowloris by size: a head whose field lines never end. RFC 9112 §5 leaves the size
/// of a header section to the server, and RFC 6585 §5 names the answer: "431 (Request
/// Header Fields Too Large) ... the server is unwilling to process the request because
/// its header fields are too large". Past `max_head_bytes` the server answers 431 and
/// closes, having read at most a read more.
///
/// Memory: `max_head_bytes` and a read, buffered, and [`SLACK`].
#[test]
fn endless_header_fields() {
    let mut s = Server::new(Config::default(), App::Answer);
    let limit = s.config().max_head_bytes;
    s.feed(b"GET / HTTP/1.1\r\nHost: a\r\n");
    let meter = Meter::start();
    s.flood(
        b"X-Pad: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n",
        1 << 20,
    );
    let growth = meter.growth();
    s.expect_closed_after(
        &refusal("431 Request Header Fields Too Large"),
        ErrorKind::Limit(Limit::HeadBytes),
    );
    assert_eq!(s.seen.requests, 0);
    assert!(s.fed <= limit + READ, "closed after {} bytes", s.fed);
    assert_bound(
        "endless header fields",
        growth,
        buffered(limit + READ) + SLACK,
    );
}

/// The same with a request line that never ends. RFC 9112 §3: "A server that receives
/// a request-target longer than any URI it wishes to parse MUST respond with a 414
/// (URI Too Long) status code". Past `max_request_line`: 414, and close.
#[test]
fn endless_request_line() {
    let mut s = Server::new(Config::default(), App::Answer);
    let limit = s.config().max_request_line;
    s.feed(b"GET /");
    let meter = Meter::start();
    s.flood(b"aaaaaaaaaaaaaaaa", 1 << 20);
    let growth = meter.growth();
    s.expect_closed_after(
        &refusal("414 URI Too Long"),
        ErrorKind::Limit(Limit::RequestLine),
    );
    assert!(s.fed <= limit + READ, "closed after {} bytes", s.fed);
    assert_bound(
        "endless request line",
        growth,
        buffered(limit + READ) + SLACK,
    );
}

/// Slowloris by time: a head sent a byte a second, on the virtual clock. RFC 9110
/// §15.5.9: "The 408 (Request Timeout) status code indicates that the server did not
/// receive a complete request message within the time that it was prepared to wait."
/// `header_read_timeout` counts from the head's first byte, not from the last, so
/// trickling does not extend it: at 30 s the server answers 408 and closes.
#[test]
fn slowloris_by_time() {
    let mut s = Server::new(Config::default(), App::Answer);
    let timeout = s.config().header_read_timeout.expect("a header timeout");
    let head = b"GET / HTTP/1.1\r\nHost: a\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    let meter = Meter::start();
    let mut sent = 0;
    while !s.seen.closed && sent < head.len() {
        s.feed(&head[sent..sent + 1]);
        sent += 1;
        s.advance(Duration::from_secs(1));
    }
    let growth = meter.growth();
    s.expect_closed_after(
        &refusal("408 Request Timeout"),
        ErrorKind::Timeout(Timeout::HeaderRead),
    );
    assert_eq!(
        sent as u64,
        timeout.as_secs(),
        "one byte a second until the timeout"
    );
    assert_eq!(s.seen.requests, 0);
    assert_bound("slowloris by time", growth, buffered(head.len()) + SLACK);
}

/// Slowloris on the body: a request whose body stops coming. `body_read_timeout`
/// counts the peer's silence; past it, with no response started, 408 (RFC 9110
/// §15.5.9), and close.
#[test]
fn stalled_request_body() {
    let mut s = Server::new(Config::default(), App::Answer);
    let timeout = s.config().body_read_timeout.expect("a body timeout");
    let meter = Meter::start();
    s.feed(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nhello");
    s.advance(timeout - Duration::from_secs(1));
    assert!(!s.seen.closed, "still waiting within the timeout");
    s.advance(Duration::from_secs(1));
    let growth = meter.growth();
    s.expect_closed_after(
        &refusal("408 Request Timeout"),
        ErrorKind::Timeout(Timeout::BodyRead),
    );
    assert_eq!(
        (s.seen.requests, s.seen.body, s.seen.stream_resets),
        (1, 5, 1)
    );
    assert_bound("stalled request body", growth, buffered(64) + SLACK);
}

/// Empty lines before a request, without end. RFC 9112 §2.2: "a server that is
/// expecting to receive and parse a request-line SHOULD ignore at least one empty line
/// (CRLF) received prior to the request-line." They are dropped as they come, so they
/// cost nothing to hold, and they do not keep the connection: it is idle until a
/// request starts, and closes, silently, at `idle_timeout` (RFC 9112 §9.5).
#[test]
fn endless_empty_lines() {
    let mut s = Server::new(Config::default(), App::Answer);
    let idle = s.config().idle_timeout.expect("an idle timeout");
    let meter = Meter::start();
    let lines = [b'\r', b'\n'].repeat(READ / 2);
    for _ in 0..idle.as_secs() - 1 {
        s.feed(&lines);
        s.advance(Duration::from_secs(1));
    }
    assert!(!s.seen.closed);
    s.feed(&lines);
    s.advance(Duration::from_secs(1));
    let growth = meter.growth();
    s.expect_closed_after("", ErrorKind::Timeout(Timeout::Idle));
    assert_bound("endless empty lines", growth, buffered(READ) + SLACK);
}

// ---- bodies: chunk extensions, trailers, sizes --------------------------------------

/// Endless chunk extensions on one chunk-size line. RFC 9112 §7.1.1: "A server ought to
/// limit the total length of chunk extensions received in a request to an amount
/// reasonable for the services provided ... and generate an appropriate 4xx (Client
/// Error) response if that amount is exceeded." Past `max_chunk_line`, 413 (the
/// request had surfaced and is reset; no response had started), and close.
#[test]
fn endless_chunk_extensions() {
    let mut s = Server::new(Config::default(), App::Answer);
    let limit = s.config().max_chunk_line;
    s.feed(b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5");
    let meter = Meter::start();
    s.flood(b";name=value", 1 << 20);
    let growth = meter.growth();
    s.expect_closed_after(
        &refusal("413 Content Too Large"),
        ErrorKind::Limit(Limit::ChunkLine),
    );
    assert_eq!((s.seen.requests, s.seen.stream_resets), (1, 1));
    assert!(s.fed <= limit + READ + 128, "closed after {} bytes", s.fed);
    assert_bound(
        "endless chunk extensions",
        growth,
        buffered(limit + READ) + SLACK,
    );
}

/// Chunk extensions on every chunk, each just under `max_chunk_line`: each line is
/// taken as it comes and delivered (`Event::ChunkExtension`) and let go, so the
/// server holds one line at a time, whatever their number, and answers the request
/// when it ends. 10,000 chunks of one byte, 40 MB of extensions.
#[test]
fn chunk_extensions_on_every_chunk() {
    const CHUNKS: usize = 10_000;
    let mut s = Server::new(Config::default(), App::Answer);
    let limit = s.config().max_chunk_line;
    s.feed(b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n");
    let mut chunk = b"1;x=".to_vec();
    chunk.resize(limit - 2, b'a');
    chunk.extend_from_slice(b"\r\nx\r\n");
    let meter = Meter::start();
    s.flood(&chunk, CHUNKS);
    s.feed(b"0\r\n\r\n");
    let growth = meter.growth();
    assert_eq!((s.seen.extensions, s.seen.body), (CHUNKS, CHUNKS));
    assert_eq!(s.wire(), HELLO);
    assert!(!s.seen.closed);
    assert_bound(
        "chunk extensions on every chunk",
        growth,
        buffered(READ) + SLACK,
    );
}

/// A trailer section that never ends. RFC 9112 §7.1.2 lets a chunked body end with
/// trailer fields, and a server bounds them as it bounds a head: past
/// `max_trailer_bytes`, 431 (RFC 6585 §5), the request reset, and close.
#[test]
fn endless_trailers() {
    let mut s = Server::new(Config::default(), App::Answer);
    let limit = s.config().max_trailer_bytes;
    s.feed(b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n");
    let meter = Meter::start();
    s.flood(
        b"X-Trailer: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n",
        1 << 20,
    );
    let growth = meter.growth();
    s.expect_closed_after(
        &refusal("431 Request Header Fields Too Large"),
        ErrorKind::Limit(Limit::TrailerBytes),
    );
    assert_eq!(
        (s.seen.requests, s.seen.body, s.seen.stream_resets),
        (1, 5, 1)
    );
    assert!(s.fed <= limit + READ + 128, "closed after {} bytes", s.fed);
    assert_bound("endless trailers", growth, buffered(limit + READ) + SLACK);
}

/// A giant chunk size, 2^64-1 (the largest that fits, so not an overflow): the server
/// must not size anything after it. RFC 9112 §7.1 ("Recipients MUST anticipate
/// potentially large hexadecimal numerals"). The body streams through as it comes:
/// 8 MiB of it cost one read at a time, and the request stays open for more.
#[test]
fn giant_chunk_size() {
    let mut s = Server::new(Config::default(), App::Answer);
    s.feed(b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\n");
    let meter = Meter::start();
    s.flood(&[b'x'; 1024], 8 * 1024);
    let growth = meter.growth();
    assert_eq!((s.seen.requests, s.seen.body), (1, 8 * MIB));
    assert!(!s.seen.closed);
    assert_eq!(s.seen.written, 0);
    assert_bound("giant chunk size", growth, buffered(READ) + SLACK);
}

/// A body larger than the server takes: `max_body`, unbounded by default since bodies
/// are streamed, is lowered to 1 MiB. RFC 9110 §15.5.14: "The 413 (Content Too Large)
/// status code indicates that the server is refusing to process a request because the
/// request content is larger than the server is willing or able to process. The
/// server MAY terminate the request, if the protocol version in use allows it;
/// otherwise, the server MAY close the connection." A Content-Length over it is
/// refused before any body is read; a chunked body, once it passes the limit.
#[test]
fn body_over_max_body() {
    let config = Config {
        max_body: MIB as u64,
        ..Config::default()
    };
    let mut s = Server::new(config.clone(), App::Answer);
    let meter = Meter::start();
    s.feed(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1048577\r\n\r\n");
    s.flood(&[b'x'; 1024], 1024);
    let growth = meter.growth();
    s.expect_closed_after(
        &refusal("413 Content Too Large"),
        ErrorKind::Limit(Limit::Body),
    );
    assert_eq!(
        (s.seen.requests, s.seen.body),
        (0, 0),
        "refused at the head"
    );
    assert!(s.fed < READ, "nothing after the head was read");
    assert_bound(
        "Content-Length over max_body",
        growth,
        buffered(READ) + SLACK,
    );

    let mut s = Server::new(config, App::Answer);
    s.feed(b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n");
    let chunk = [b"400\r\n".as_slice(), &[b'x'; 1024], b"\r\n"].concat();
    let meter = Meter::start();
    s.flood(&chunk, 2048);
    let growth = meter.growth();
    s.expect_closed_after(
        &refusal("413 Content Too Large"),
        ErrorKind::Limit(Limit::Body),
    );
    assert_eq!((s.seen.requests, s.seen.stream_resets), (1, 1));
    assert_eq!(
        s.seen.body, MIB,
        "the body up to the limit, not a byte more"
    );
    assert_bound("chunked body over max_body", growth, buffered(READ) + SLACK);
}
