//! HTTP/2 attacks on a server `Connection` in memory, one test per public attack class.
//!
//! Each test drives a server with the default `Config` (or says which limit it lowers
//! and why) the way an adapter does: the attacker's bytes come in reads of at most
//! [`READ`] bytes, and after each read the output is drained, the application answering
//! events as they come. Each asserts
//!
//! - the exact answer on the wire: the GOAWAY's code and last stream id, the RST_STREAM
//!   codes and how many, with the RFC 9113 or RFC 7541 section that names them;
//! - the memory bound: the peak of heap bytes the test's thread held during the attack
//!   (the connection, the events it queued, the adapter's output buffer, what the
//!   application allocated), over what it held before, is under a bound derived from
//!   `Config`, explained at each test;
//! - bounded work: the connection ends at the frame the defence names (the error's
//!   input offset says which), or, for an attack a server must simply withstand, the
//!   same connection still answers a PING and a request afterwards.
//!
//! The loopback suite `examples/blocking/tests/h2_attacks.rs` runs the same classes
//! against the example server over TCP; this one is exact and deterministic: the
//! virtual clock stands still, so budgets that refill with time do not refill.

#[path = "support/frames.rs"]
mod frames;
#[path = "support/tracking.rs"]
mod tracking;

use frames::wire::*;
use frames::{frame, settings, PREFACE};
use std::time::Instant;
use tracking::Meter;
use weir::{
    Config, Connection, Error, ErrorKind, Event, Http2Error, Limit, Output, Reason, Response, Side,
    StreamId,
};

#[global_allocator]
static ALLOCATOR: tracking::Tracking = tracking::Tracking;

/// The most an adapter reads at once: what one `handle_input` gets.
const READ: usize = 16 * 1024;

/// The size of one body write of the application.
const WRITE: usize = 64 * 1024;

/// Room for what any connection allocates whatever the attack: its HPACK tables and
/// scratch buffers, the response heads the application sends, small queues.
const SLACK: usize = 64 * 1024;

const KIB: usize = 1024;

/// The `i`-th stream a client opens: 1, 3, 5…
fn nth(i: usize) -> u32 {
    2 * i as u32 + 1
}

/// A request head, HPACK-coded by hand so that it leaves the server's dynamic table
/// alone: `:method` (static index 2 GET or 3 POST), `:scheme http` (6), `:path /` (4),
/// and `:authority a` as a literal without indexing (name index 1), RFC 7541 §6.2.2.
fn request_block(post: bool) -> Vec<u8> {
    vec![if post { 0x83 } else { 0x82 }, 0x86, 0x84, 0x01, 0x01, b'a']
}

/// A whole request: HEADERS with END_HEADERS, and END_STREAM for a GET.
fn get(stream: u32) -> Vec<u8> {
    frame(
        HEADERS,
        END_HEADERS | END_STREAM,
        stream,
        &request_block(false),
    )
}

/// A POST whose body is still to come: the stream stays open.
fn post(stream: u32) -> Vec<u8> {
    frame(HEADERS, END_HEADERS, stream, &request_block(true))
}

fn rst_stream(stream: u32, code: Reason) -> Vec<u8> {
    frame(RST_STREAM, 0, stream, &code.0.to_be_bytes())
}

fn window_update(stream: u32, increment: u32) -> Vec<u8> {
    frame(WINDOW_UPDATE, 0, stream, &increment.to_be_bytes())
}

fn ping(payload: u64) -> Vec<u8> {
    frame(PING, 0, 0, &payload.to_be_bytes())
}

/// An HPACK integer with an `n`-bit prefix (RFC 7541 §5.1) after the bits of `first`.
fn hpack_int(first: u8, n: u32, value: usize, out: &mut Vec<u8>) {
    let max = (1usize << n) - 1;
    if value < max {
        out.push(first | value as u8);
        return;
    }
    out.push(first | max as u8);
    let mut rest = value - max;
    while rest >= 128 {
        out.push(rest as u8 | 0x80);
        rest >>= 7;
    }
    out.push(rest as u8);
}

/// An HPACK string literal without Huffman coding (RFC 7541 §5.2).
fn hpack_str(s: &[u8], out: &mut Vec<u8>) {
    hpack_int(0, 7, s.len(), out);
    out.extend_from_slice(s);
}

/// A field block on `stream` (a GET): `block`, cut into HEADERS and as many
/// CONTINUATION frames of `max` octets as it takes.
fn field_block(stream: u32, block: &[u8], max: usize) -> Vec<u8> {
    let pieces: Vec<&[u8]> = block.chunks(max).collect();
    let mut out = Vec::new();
    for (i, piece) in pieces.iter().enumerate() {
        let end = if i + 1 == pieces.len() {
            END_HEADERS
        } else {
            0
        };
        match i {
            0 => out.extend(frame(HEADERS, END_STREAM | end, stream, piece)),
            _ => out.extend(frame(CONTINUATION, end, stream, piece)),
        }
    }
    out
}

// ---- the server and its application ------------------------------------------------

/// What the application does with requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum App {
    /// Answers each complete request with 200 and a 5-byte body.
    Answer,
    /// Never answers, never reads: requests stay open until the peer gives up.
    Silent,
    /// Answers each complete request with a body of this many bytes, written
    /// [`WRITE`] bytes at a time while the connection takes them, and again on
    /// `Event::Writable`, as a polite streaming application does.
    Stream(usize),
}

/// The streams an [`App::Stream`] application can serve (the first 64).
const STREAMED: usize = 64;

/// A GOAWAY the server sent (RFC 9113 §6.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct GoAway {
    last_stream: u32,
    code: Reason,
}

/// A summary of what the server wrote and delivered, in counters only, so that
/// keeping it costs no memory during the attack.
#[derive(Debug, Default)]
struct Seen {
    goaway: Option<GoAway>,
    /// RST_STREAM frames by error code (0x0 to 0xd).
    resets: [usize; 14],
    /// The stream of the last RST_STREAM.
    last_reset: u32,
    ping_acks: usize,
    settings_acks: usize,
    /// HEADERS frames (response heads), and the stream of the last one.
    responses: usize,
    last_response: u32,
    /// DATA payload bytes.
    data: usize,
    window_updates: usize,
    /// Frames written after the GOAWAY (there should be none).
    after_goaway: usize,
    /// `Event::Headers` (requests) and `Event::Data` bytes delivered.
    requests: usize,
    body: usize,
    /// `Event::StreamReset` delivered.
    stream_resets: usize,
    /// `Event::Closed`, with its error.
    closed: Option<Option<Error>>,
}

impl Seen {
    fn resets(&self, code: Reason) -> usize {
        self.resets[code.0 as usize]
    }

    fn total_resets(&self) -> usize {
        self.resets.iter().sum()
    }
}

/// A server connection driven as an adapter drives it, with an application.
struct Server {
    conn: Connection,
    now: Instant,
    app: App,
    /// The output buffer, reused as an adapter reuses it.
    out: Vec<u8>,
    /// Bytes of a frame cut between two transmits.
    carry: Vec<u8>,
    /// The read buffer of [`Server::flood`].
    read: Vec<u8>,
    /// What is left to write of each [`App::Stream`] response, by stream (n-th).
    left: [usize; STREAMED],
    /// Input bytes handed to the connection.
    fed: usize,
    seen: Seen,
}

impl Server {
    /// A server that has completed the handshake with a client that sent `params` in
    /// its SETTINGS and acknowledged the server's.
    fn new(config: Config, app: App, params: &[(u16, u32)]) -> Server {
        let now = Instant::now();
        let mut s = Server {
            conn: Connection::new(Side::Server, config, now),
            now,
            app,
            out: Vec::with_capacity(READ),
            carry: Vec::with_capacity(READ),
            read: Vec::with_capacity(READ),
            left: [0; STREAMED],
            fed: 0,
            seen: Seen::default(),
        };
        let mut hello = PREFACE.to_vec();
        hello.extend(settings(params));
        hello.extend(frame(SETTINGS, ACK, 0, &[]));
        s.feed(&hello);
        assert_eq!(
            s.seen.settings_acks, 1,
            "the server acknowledged the SETTINGS"
        );
        s.seen = Seen::default();
        s.fed = 0;
        s
    }

    /// The handshake's length: the attack's offsets count from the start of the input.
    fn handshake_len(params: &[(u16, u32)]) -> usize {
        PREFACE.len() + 9 + 6 * params.len() + 9
    }

    fn config(&self) -> &Config {
        self.conn.config()
    }

    fn over(&self) -> bool {
        self.seen.closed.is_some()
    }

    /// Hands `bytes` to the connection in reads of [`READ`] bytes, draining after each,
    /// until the connection closes.
    fn feed(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(READ) {
            if self.over() {
                return;
            }
            self.conn.handle_input(self.now, chunk);
            self.fed += chunk.len();
            self.drain();
        }
    }

    /// Hands `unit` repeated `times` to the connection, in reads of [`READ`] bytes,
    /// until the connection closes; returns how many units it was given, whole or
    /// in part.
    fn flood(&mut self, unit: &[u8], times: usize) -> usize {
        self.flood_with(times, |_, out| out.extend_from_slice(unit))
    }

    /// Like [`flood`](Server::flood) with the `i`-th unit written by `unit(i, out)`.
    fn flood_with(&mut self, times: usize, unit: impl FnMut(usize, &mut Vec<u8>)) -> usize {
        self.flood_reads(times, usize::MAX, unit)
    }

    /// Like [`flood_with`](Server::flood_with), with at most `per_read` units a read.
    fn flood_reads(
        &mut self,
        times: usize,
        per_read: usize,
        mut unit: impl FnMut(usize, &mut Vec<u8>),
    ) -> usize {
        let mut read = std::mem::take(&mut self.read);
        let mut sent = 0;
        while sent < times && !self.over() {
            read.clear();
            // Whole units per read, so that `sent` is exact.
            let mut in_read = 0;
            while sent < times && in_read < per_read && read.len() + 64 <= READ {
                let before = read.len();
                unit(sent, &mut read);
                if read.len() > READ {
                    read.truncate(before);
                    break;
                }
                sent += 1;
                in_read += 1;
            }
            assert!(
                !read.is_empty(),
                "a unit of the flood is larger than a read"
            );
            self.conn.handle_input(self.now, &read);
            self.fed += read.len();
            self.drain();
        }
        self.read = read;
        sent
    }

    /// Drains the output: transmits are parsed into [`Seen`], events go to the
    /// application.
    fn drain(&mut self) {
        loop {
            match self.conn.poll_output(&mut self.out) {
                Output::Transmit => {
                    let mut out = std::mem::take(&mut self.out);
                    self.wire(&out);
                    out.clear();
                    self.out = out;
                }
                Output::Event(event) => self.event(event),
                Output::Timeout(_) => return,
            }
        }
    }

    fn wire(&mut self, bytes: &[u8]) {
        let mut carry = std::mem::take(&mut self.carry);
        let rest = if carry.is_empty() {
            self.frames(bytes)
        } else {
            carry.extend_from_slice(bytes);
            let n = carry.len() - self.frames(&carry).len();
            carry.drain(..n);
            &[][..]
        };
        carry.extend_from_slice(rest);
        self.carry = carry;
    }

    /// Counts the whole frames at the start of `wire`; returns what is left.
    fn frames<'a>(&mut self, mut wire: &'a [u8]) -> &'a [u8] {
        while wire.len() >= 9 {
            let len = u32::from_be_bytes([0, wire[0], wire[1], wire[2]]) as usize;
            if wire.len() < 9 + len {
                break;
            }
            let (kind, flags) = (wire[3], wire[4]);
            let stream = u32::from_be_bytes(wire[5..9].try_into().unwrap()) & 0x7fff_ffff;
            let payload = &wire[9..9 + len];
            let word = |at: usize| u32::from_be_bytes(payload[at..at + 4].try_into().unwrap());
            let seen = &mut self.seen;
            if seen.goaway.is_some() {
                seen.after_goaway += 1;
            }
            match kind {
                DATA => seen.data += len,
                HEADERS => {
                    seen.responses += 1;
                    seen.last_response = stream;
                }
                RST_STREAM => {
                    if let Some(n) = seen.resets.get_mut(word(0) as usize) {
                        *n += 1;
                    }
                    seen.last_reset = stream;
                }
                SETTINGS if flags & ACK != 0 => seen.settings_acks += 1,
                PING if flags & ACK != 0 => seen.ping_acks += 1,
                GOAWAY => {
                    seen.goaway = Some(GoAway {
                        last_stream: word(0) & 0x7fff_ffff,
                        code: Reason(word(4)),
                    })
                }
                WINDOW_UPDATE => seen.window_updates += 1,
                _ => {}
            }
            wire = &wire[9 + len..];
        }
        wire
    }

    fn event(&mut self, event: Event) {
        let done = match &event {
            Event::Headers {
                stream, end_stream, ..
            } => {
                self.seen.requests += 1;
                end_stream.then_some(*stream)
            }
            Event::Data {
                stream,
                data,
                end_stream,
            } => {
                self.seen.body += data.len();
                end_stream.then_some(*stream)
            }
            Event::Trailers { stream, .. } => Some(*stream),
            Event::Writable { stream } => {
                self.write_body(*stream);
                None
            }
            Event::StreamReset { .. } => {
                self.seen.stream_resets += 1;
                None
            }
            Event::Closed { error } => {
                self.seen.closed = Some(error.clone());
                None
            }
            _ => None,
        };
        let Some(stream) = done else { return };
        // The stream may have been reset by the time its events are read: the
        // refusal of a command on it is expected, and changes nothing.
        match self.app {
            App::Silent => {}
            App::Answer => {
                let _ = self.conn.send_response(stream, Response::new(200), false);
                let _ = self.conn.send_data(stream, "hello".into(), true);
            }
            App::Stream(size) => {
                if self
                    .conn
                    .send_response(stream, Response::new(200), false)
                    .is_ok()
                {
                    if let Some(left) = self.left.get_mut(stream.0 as usize / 2) {
                        *left = size;
                    }
                    self.write_body(stream);
                }
            }
        }
    }

    /// Writes what is left of a streamed response while the connection takes it.
    fn write_body(&mut self, stream: StreamId) {
        let Some(left) = self.left.get_mut(stream.0 as usize / 2) else {
            return;
        };
        while *left > 0 {
            let n = (*left).min(WRITE);
            match self
                .conn
                .send_data(stream, vec![b'x'; n].into(), *left == n)
            {
                Ok(()) => *left -= n,
                Err(_) => return,
            }
        }
    }

    /// The GOAWAY, which must be the connection's last frame, and the error it closed
    /// with, which must be `kind`.
    fn expect_goaway(&self, code: Reason, last_stream: u32, kind: ErrorKind) -> &Error {
        assert_eq!(
            self.seen.goaway,
            Some(GoAway { last_stream, code }),
            "the GOAWAY; {:?}",
            self.seen
        );
        assert_eq!(self.seen.after_goaway, 0, "frames after the GOAWAY");
        // RFC 9113 §5.4.1: "After sending the GOAWAY frame for an error condition, the
        // endpoint MUST close the TCP connection."
        assert!(
            self.conn.is_closed(),
            "the connection closed after its GOAWAY"
        );
        let error = self
            .seen
            .closed
            .as_ref()
            .and_then(Option::as_ref)
            .expect("closed with an error");
        assert_eq!(error.kind, kind, "{error}");
        error
    }

    /// The 1-based number of the `unit`-long unit of a flood that started `start`
    /// bytes into the input at which the connection failed; the error's offset must
    /// point at the unit's last frame, `tail` bytes long, the one the defence refused.
    fn failed_at(&self, start: usize, unit: usize, tail: usize) -> usize {
        let error = self.seen.closed.as_ref().and_then(Option::as_ref);
        let offset = error.and_then(|e| e.offset).expect("an offset") as usize;
        assert_eq!((offset - start) % unit, unit - tail, "the error's offset");
        (offset - start) / unit + 1
    }

    /// The connection is still fully alive: a PING and a request on `stream` are
    /// answered, and nothing went wrong.
    fn expect_alive(&mut self, stream: u32) {
        let (acks, responses) = (self.seen.ping_acks, self.seen.responses);
        let mut probe = ping(0x616c_6976_653f_3f3f);
        probe.extend(get(stream));
        self.feed(&probe);
        assert_eq!(self.seen.ping_acks, acks + 1, "the PING was answered");
        assert_eq!(
            self.seen.responses,
            responses + 1,
            "the request was answered"
        );
        assert_eq!(self.seen.last_response, stream);
        assert_eq!(self.seen.goaway, None);
        assert!(!self.over());
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

/// The events the connection holds before the application takes them: reading waits
/// once 64 are queued (one frame may add a few more), and a connection that fails
/// adds one for each open stream (`h2_max_concurrent_streams`); the queue grows by
/// doubling.
fn queued_events(config: &Config) -> usize {
    2 * (64 + 8 + config.h2_max_concurrent_streams as usize) * std::mem::size_of::<Event>()
}

// ---- resets: rapid reset and MadeYouReset -------------------------------------------

/// Rapid reset (CVE-2023-44487): requests opened and cancelled at once, by the
/// thousand. Each RST_STREAM on a live stream spends the reset budget
/// (`h2_reset_budget`); with it spent, RFC 9113 §10.5: "An endpoint MAY treat activity
/// that is suspicious as a connection error (Section 5.4.1) of type ENHANCE_YOUR_CALM".
/// The clock stands still, so the budget does not refill: the reset of stream number
/// `budget + 1` ends the connection, and the GOAWAY names that stream, the last the
/// server took action on (§6.8).
///
/// Memory: the streams are forgotten as they close but for the last
/// `h2_max_closed_streams` (see [`stream_bound`]), and one read's events.
#[test]
fn rapid_reset() {
    let mut s = Server::new(Config::default(), App::Answer, &[]);
    let budget = s.config().h2_reset_budget as usize;
    let meter = Meter::start();
    let sent = s.flood_with(50_000, |i, out| {
        out.extend(get(nth(i)));
        out.extend(rst_stream(nth(i), Reason::CANCEL));
    });
    let growth = meter.growth();
    s.expect_goaway(
        Reason::ENHANCE_YOUR_CALM,
        nth(budget),
        ErrorKind::Limit(Limit::Resets),
    );
    let tail = rst_stream(1, Reason::CANCEL).len();
    let unit = get(1).len() + tail;
    let at = s.failed_at(Server::handshake_len(&[]), unit, tail);
    assert_eq!(at, budget + 1, "the RST_STREAM past the budget ends it");
    assert!(sent < budget + 1 + READ / unit, "nothing is read after it");
    assert_eq!(s.seen.total_resets(), 0, "the server reset nothing itself");
    assert_bound("rapid reset", growth, stream_bound(s.config()));
}

/// The memory of stream bookkeeping: at most `h2_max_concurrent_streams` open and
/// `h2_max_closed_streams` remembered closed, at under 512 bytes each (a stream's
/// state and its place in the map, measured at about 300), the queued events and
/// [`SLACK`].
fn stream_bound(config: &Config) -> usize {
    let streams = config.h2_max_concurrent_streams as usize + config.h2_max_closed_streams;
    streams * 512 + queued_events(config) + SLACK
}

/// MadeYouReset (CVE-2025-8671): frames that make the *server* reset a stream it just
/// opened. `provoke(stream, out)` writes a request and the frame that makes the server
/// answer with RST_STREAM `code`. Those resets spend the same budget as the peer's own
/// (`h2_reset_budget`), so the flood ends with ENHANCE_YOUR_CALM (§10.5) at the reset
/// past the budget, which still goes out before the GOAWAY.
/// `tail` is the length of the provoking frame, the last of each unit.
fn made_you_reset(name: &str, code: Reason, tail: usize, provoke: fn(u32, &mut Vec<u8>)) {
    let mut s = Server::new(Config::default(), App::Answer, &[]);
    let budget = s.config().h2_reset_budget as usize;
    let mut unit = Vec::new();
    provoke(1, &mut unit);
    let meter = Meter::start();
    s.flood_with(50_000, |i, out| provoke(nth(i), out));
    let growth = meter.growth();
    s.expect_goaway(
        Reason::ENHANCE_YOUR_CALM,
        nth(budget),
        ErrorKind::Limit(Limit::Resets),
    );
    let at = s.failed_at(Server::handshake_len(&[]), unit.len(), tail);
    assert_eq!(at, budget + 1, "{name}: the reset past the budget ends it");
    assert_eq!(s.seen.resets(code), budget + 1, "{name}: {:?}", s.seen);
    assert_eq!(s.seen.total_resets(), budget + 1, "{name}: {:?}", s.seen);
    assert_eq!(s.seen.last_reset, nth(budget));
    assert_bound(name, growth, stream_bound(s.config()));
}

/// RFC 9113 §6.9: "A receiver MUST treat the receipt of a WINDOW_UPDATE frame with a
/// flow-control window increment of 0 as a stream error (Section 5.4.2) of type
/// PROTOCOL_ERROR".
#[test]
fn made_you_reset_with_zero_window_increments() {
    made_you_reset(
        "MadeYouReset, WINDOW_UPDATE 0",
        Reason::PROTOCOL_ERROR,
        13,
        |id, out| {
            out.extend(post(id));
            out.extend(window_update(id, 0));
        },
    );
}

/// RFC 9113 §6.9.1: a WINDOW_UPDATE that takes a stream's window past 2^31-1: "For
/// streams, the sender sends a RST_STREAM with an error code of FLOW_CONTROL_ERROR".
#[test]
fn made_you_reset_with_window_overflows() {
    made_you_reset(
        "MadeYouReset, window overflow",
        Reason::FLOW_CONTROL_ERROR,
        13,
        |id, out| {
            out.extend(post(id));
            out.extend(window_update(id, 0x7fff_ffff));
        },
    );
}

/// RFC 9113 §5.1, half-closed (remote): "If an endpoint receives additional frames,
/// other than WINDOW_UPDATE, PRIORITY, or RST_STREAM, for a stream that is in this
/// state, it MUST respond with a stream error (Section 5.4.2) of type STREAM_CLOSED."
#[test]
fn made_you_reset_with_data_after_end_stream() {
    made_you_reset(
        "MadeYouReset, DATA after END_STREAM",
        Reason::STREAM_CLOSED,
        10,
        |id, out| {
            out.extend(get(id));
            out.extend(frame(DATA, 0, id, b"x"));
        },
    );
}

/// RFC 9113 §8.1.1: "Malformed requests or responses that are detected MUST be
/// treated as a stream error (Section 5.4.2) of type PROTOCOL_ERROR." Here each
/// request has an uppercase field name (§8.2.1: "A field name MUST NOT contain
/// characters in the ranges 0x00-0x20, 0x41-0x5A, or 0x7F-0xFF"). Before these
/// resets spent the budget, 50,000 such requests got 50,000 RST_STREAM and no GOAWAY.
#[test]
fn made_you_reset_with_malformed_requests() {
    made_you_reset(
        "MadeYouReset, malformed request",
        Reason::PROTOCOL_ERROR,
        22,
        |id, out| {
            let mut block = request_block(false);
            // Literal without indexing, new name `X-A: b` (RFC 7541 §6.2.2).
            block.push(0x00);
            hpack_str(b"X-A", &mut block);
            hpack_str(b"b", &mut block);
            out.extend(frame(HEADERS, END_HEADERS | END_STREAM, id, &block));
        },
    );
}

/// RST_STREAM floods on a stream that is over: RFC 9113 §5.1 (closed) lets a server
/// ignore them ("An endpoint MUST ignore frames that it receives on closed streams
/// after it has sent a RST_STREAM frame"; and RST_STREAM on a closed stream changes
/// nothing), so they cost parsing and nothing else. The server withstands 200,000 of
/// them: no memory beyond [`SLACK`], and the same connection serves on.
#[test]
fn rst_stream_flood_on_a_closed_stream() {
    let mut s = Server::new(Config::default(), App::Answer, &[]);
    s.feed(&get(1));
    assert_eq!((s.seen.responses, s.seen.last_response), (1, 1));
    let meter = Meter::start();
    let sent = s.flood(&rst_stream(1, Reason::CANCEL), 200_000);
    let growth = meter.growth();
    assert_eq!(sent, 200_000);
    s.expect_alive(3);
    assert_eq!(s.seen.total_resets(), 0);
    assert_bound("RST_STREAM flood", growth, SLACK);
}

// ---- field blocks: CONTINUATION floods and HPACK bombs ------------------------------

/// CONTINUATION flood (CVE-2024-27316): a HEADERS frame without END_HEADERS, then
/// CONTINUATION frames full of fields that never end the block. RFC 9113 §6.10 puts no
/// bound on their number, but §10.5.1: "A large field block (Section 4.3) can cause an
/// implementation to commit a large amount of state." The server buffers a block until
/// it ends and refuses one past twice its header list limit (`max_head_bytes`, sent
/// as SETTINGS_MAX_HEADER_LIST_SIZE) with ENHANCE_YOUR_CALM (§10.5): a block that size
/// could only be refused. No stream was opened, so the GOAWAY names stream 0.
///
/// Memory: the block, at most twice `max_head_bytes` and a frame, in a buffer that
/// grows by doubling, plus a read.
#[test]
fn continuation_flood() {
    let mut s = Server::new(Config::default(), App::Answer, &[]);
    let frame_size = s.config().h2_max_frame_size as usize;
    let head = frame(HEADERS, END_STREAM, 1, &request_block(false));
    // Literal fields `x-pad: aaa…` without indexing, cut to full frames.
    let mut field = vec![0x00];
    hpack_str(b"x-pad", &mut field);
    hpack_str(&[b'a'; 100], &mut field);
    let fragment: Vec<u8> = field.iter().copied().cycle().take(frame_size).collect();
    let unit = frame(CONTINUATION, 0, 1, &fragment);
    let mut attack = head.clone();
    for _ in 0..1000 {
        attack.extend_from_slice(&unit);
    }
    let limit = 2 * s.config().max_head_bytes;
    let meter = Meter::start();
    s.feed(&attack);
    let growth = meter.growth();
    s.expect_goaway(
        Reason::ENHANCE_YOUR_CALM,
        0,
        ErrorKind::Limit(Limit::FieldBlock),
    );
    // The CONTINUATION that takes the block past the limit ends the connection.
    let at = s.failed_at(
        Server::handshake_len(&[]) + head.len(),
        unit.len(),
        unit.len(),
    );
    assert_eq!(at, (limit - (head.len() - 9)) / frame_size + 1);
    assert_eq!(s.seen.requests, 0);
    let bound = 2 * (limit + frame_size) + 2 * READ + SLACK;
    assert_bound("CONTINUATION flood", growth, bound);
}

/// The same with empty CONTINUATION frames, which add nothing to the block: RFC 9113
/// §10.5: "Large numbers of small or empty frames can be abused to cause a peer to
/// expend time processing frame headers." Each spends the budget of frames that carry
/// nothing (`h2_idle_frame_budget`), which the client's SETTINGS already took one of;
/// once it is spent, ENHANCE_YOUR_CALM.
#[test]
fn empty_continuation_flood() {
    idle_flood(
        "empty CONTINUATION flood",
        &frame(HEADERS, END_STREAM, 1, &request_block(false)),
        &frame(CONTINUATION, 0, 1, &[]),
        0,
    );
}

/// Floods `unit` after `setup`, and expects ENHANCE_YOUR_CALM with the GOAWAY naming
/// `last_stream` once the budget of frames that carry nothing (`h2_idle_frame_budget`)
/// is spent: the client's SETTINGS took one, so the flood's frame number `budget`
/// ends the connection. Memory: nothing accumulates: the read the connection copies,
/// the answers to one read (PING and SETTINGS acknowledgements), the queued events
/// and [`SLACK`].
fn idle_flood(name: &str, setup: &[u8], unit: &[u8], last_stream: u32) -> Server {
    let mut s = Server::new(Config::default(), App::Answer, &[]);
    s.feed(setup);
    let budget = s.config().h2_idle_frame_budget as usize;
    let meter = Meter::start();
    s.flood(unit, 10 * budget);
    let growth = meter.growth();
    s.expect_goaway(
        Reason::ENHANCE_YOUR_CALM,
        last_stream,
        ErrorKind::Limit(Limit::IdleFrames),
    );
    let start = Server::handshake_len(&[]) + setup.len();
    assert_eq!(s.failed_at(start, unit.len(), unit.len()), budget, "{name}");
    let bound = 2 * READ + queued_events(s.config()) + SLACK;
    assert_bound(name, growth, bound);
    s
}

/// The largest field block the bombs send: under the `2 * max_head_bytes` at which a
/// block is refused unread (see [`continuation_flood`]), so that each is decoded.
const BIG_BLOCK: usize = 7 * 16 * KIB;

/// Sends `blocks` field blocks made by `block(stream)` and expects each refused with
/// RST_STREAM PROTOCOL_ERROR, then the connection to serve on. RFC 9113 §10.5.1: "A
/// server that receives a larger field block than it is willing to handle can send an
/// HTTP 431 (Request Header Fields Too Large) status code" ... "The field block MUST
/// be processed to ensure a consistent connection state, unless the connection is
/// closed." weir decodes each block, for the table's sake, but stops keeping fields
/// once the list passes `max_head_bytes`, and refuses the stream.
///
/// Memory: one block (it arrives whole before it is decoded) in a buffer that grows by
/// doubling, the list decoded up to `max_head_bytes`, the HPACK table
/// (`h2_header_table_size`), a read and [`SLACK`].
fn header_bomb(name: &str, blocks: usize, block: &[u8]) {
    let mut s = Server::new(Config::default(), App::Answer, &[]);
    let frame_size = s.config().h2_max_frame_size as usize;
    let attack: Vec<u8> = (0..blocks)
        .flat_map(|i| field_block(nth(i), block, frame_size))
        .collect();
    let meter = Meter::start();
    s.feed(&attack);
    let growth = meter.growth();
    assert_eq!(
        s.seen.resets(Reason::PROTOCOL_ERROR),
        blocks,
        "{name}: {:?}",
        s.seen
    );
    assert_eq!(s.seen.total_resets(), blocks);
    assert_eq!(s.seen.requests, 0, "{name}: no request surfaced");
    s.expect_alive(nth(blocks));
    let c = s.config();
    let bound =
        2 * BIG_BLOCK + 2 * c.max_head_bytes + c.h2_header_table_size as usize + READ + SLACK;
    assert_bound(name, growth, bound);
}

/// HPACK bomb: a block inserts one field of 4 KiB (as much as the dynamic table holds)
/// and then refers to it by index (one octet, 0xbe: index 62, the newest entry) about
/// 110,000 times: 450 MB of header list from 112 KiB of input. RFC 7541 §7.3: "An
/// attacker can try to cause an endpoint to exhaust its memory. HPACK is designed to
/// limit both the peak and state amounts of memory allocated by an endpoint."
#[test]
fn hpack_bomb_of_references_to_a_large_entry() {
    let mut block = request_block(false);
    // Literal with incremental indexing, new name (RFC 7541 §6.2.1).
    block.push(0x40);
    hpack_str(b"x-bomb", &mut block);
    hpack_str(&[b'a'; 4000], &mut block);
    block.resize(BIG_BLOCK, 0xbe);
    header_bomb("HPACK bomb", 20, &block);
}

/// A block that decodes to a hundred times the header list limit with no dynamic
/// table at all: one-octet references to a static entry (0x90, index 16,
/// `accept-encoding: gzip, deflate`, 60 octets of list each): 6.7 MB of list per
/// block of 112 KiB.
#[test]
fn header_list_far_over_the_limit() {
    let mut block = request_block(false);
    block.resize(BIG_BLOCK, 0x90);
    header_bomb("header list over the limit", 20, &block);
}

/// A block that starts with a dynamic table size update to 1 GiB, past the
/// SETTINGS_HEADER_TABLE_SIZE the server allows (4096). RFC 7541 §6.3: "The new
/// maximum size MUST be lower than or equal to the limit determined by the protocol
/// using HPACK. A value that exceeds this limit MUST be treated as a decoding error."
/// RFC 9113 §4.3: "A decoding error in a field block MUST be treated as a connection
/// error (Section 5.4.1) of type COMPRESSION_ERROR." The block opens no stream: the
/// GOAWAY names stream 0, and nothing of the table is allocated.
#[test]
fn hpack_table_size_inflation() {
    let mut s = Server::new(Config::default(), App::Answer, &[]);
    let mut block = Vec::new();
    hpack_int(0x20, 5, 1 << 30, &mut block);
    block.extend(request_block(false));
    for _ in 0..3 {
        block.push(0x40);
        hpack_str(b"x-fill", &mut block);
        hpack_str(&[b'a'; 4000], &mut block);
    }
    let attack = field_block(1, &block, 16 * KIB);
    let meter = Meter::start();
    s.feed(&attack);
    let growth = meter.growth();
    s.expect_goaway(
        Reason::COMPRESSION_ERROR,
        0,
        ErrorKind::Http2(Http2Error::Compression),
    );
    assert_eq!(s.seen.requests, 0);
    assert_bound("HPACK table inflation", growth, 2 * READ + SLACK);
}

// ---- frames that carry nothing ------------------------------------------------------

/// SETTINGS flood (CVE-2019-9515), each of which the server must acknowledge (RFC 9113
/// §6.5.3: "the recipient MUST immediately emit a SETTINGS frame with the ACK flag
/// set"). §10.5: "The SETTINGS frame can be abused to cause a peer to expend
/// additional processing time."
#[test]
fn settings_flood() {
    let s = idle_flood(
        "SETTINGS flood",
        &[],
        &settings(&[(SETTINGS_INITIAL_WINDOW_SIZE, 100)]),
        0,
    );
    // Every SETTINGS before the one past the budget was acknowledged.
    let budget = s.config().h2_idle_frame_budget as usize;
    assert_eq!(s.seen.settings_acks, budget - 1);
}

/// PING flood (CVE-2019-9512): each PING must be answered (RFC 9113 §6.7: "Receivers
/// of a PING frame that does not include an ACK flag MUST send a PING frame with the
/// ACK flag set in response, with an identical frame payload").
#[test]
fn ping_flood() {
    let s = idle_flood("PING flood", &[], &ping(7), 0);
    let budget = s.config().h2_idle_frame_budget as usize;
    assert_eq!(s.seen.ping_acks, budget - 1);
}

/// A PING flood that an adapter reads ahead of its writes, all in one read:
/// `h2_max_owed_control_frames` bounds what the server may owe before it stops
/// reading, so the answers it holds stay bounded whatever the read's size. Here one
/// read of 5,000 PINGs, and the owed limit lowered to 100 so that the bound is far
/// below what answering them all at once would take.
#[test]
fn ping_flood_in_one_read_owes_a_bounded_answer() {
    let config = Config {
        h2_max_owed_control_frames: 100,
        ..Config::default()
    };
    let owed = config.h2_max_owed_control_frames;
    let mut s = Server::new(config, App::Answer, &[]);
    let pings: Vec<u8> = (0..5_000u64).flat_map(ping).collect();
    let meter = Meter::start();
    s.conn.handle_input(s.now, &pings);
    // The first transmit holds at most the owed acknowledgements (17 octets each).
    let mut out = Vec::new();
    assert!(matches!(s.conn.poll_output(&mut out), Output::Transmit));
    assert_eq!(out.len(), owed * 17, "one transmit holds what is owed");
    s.wire(&out);
    drop(out);
    let growth = meter.growth();
    s.drain();
    assert_eq!(
        s.seen.ping_acks, 5_000,
        "all answered as the output is drained"
    );
    assert!(!s.over());
    // The read itself is the adapter's; the connection copies it into its input once.
    assert_bound("PING flood in one read", growth, 2 * pings.len() + SLACK);
}

/// Empty DATA frames on an open request body (CVE-2019-9518). RFC 9113 §10.5:
/// "Large numbers of small or empty frames can be abused to cause a peer to expend
/// time processing frame headers. Note, however, that some uses are entirely
/// legitimate, such as the sending of an empty DATA or CONTINUATION frame at the end
/// of a stream." Only those without END_STREAM count.
#[test]
fn empty_data_flood() {
    idle_flood("empty DATA flood", &post(1), &frame(DATA, 0, 1, &[]), 1);
}

/// DATA of one byte each on an open request body, all in one read of 1 MiB from an
/// adapter with a large read buffer. Unlike empty frames these carry the body, so the
/// server takes them, within the stream's window (RFC 9113 §6.9.1), and answers the
/// request at its end. The events they make are held to a few dozen at a time: the
/// connection reads on as the application takes them, so the read's 100,000 frames
/// cost the read (which the connection copies) and no more; turned into events at
/// once they would cost 30 MiB.
#[test]
fn one_byte_data_flood_in_one_large_read() {
    const FRAMES: usize = 100_000;
    let mut s = Server::new(Config::default(), App::Answer, &[]);
    s.feed(&post(1));
    let mut read = Vec::with_capacity(10 * FRAMES + 9);
    for _ in 0..FRAMES {
        read.extend(frame(DATA, 0, 1, b"x"));
    }
    read.extend(frame(DATA, END_STREAM, 1, &[]));
    let meter = Meter::start();
    s.conn.handle_input(s.now, &read);
    s.drain();
    let growth = meter.growth();
    assert_eq!(s.seen.body, FRAMES);
    assert_eq!((s.seen.responses, s.seen.last_response), (1, 1));
    s.expect_alive(3);
    let bound = read.len() + queued_events(s.config()) + SLACK;
    assert_bound("1-byte DATA flood in one read", growth, bound);
}

/// WINDOW_UPDATE frames that open the connection's window a byte at a time: each is
/// legitimate alone, but a window opened a byte at a time makes the server write as
/// many frames as the peer sends; under 1 KiB, an update counts as carrying nothing.
#[test]
fn window_update_flood() {
    idle_flood("WINDOW_UPDATE flood", &[], &window_update(0, 1), 0);
}

// ---- streams: concurrency, closed-stream memory, frame size -------------------------

/// More requests at once than SETTINGS_MAX_CONCURRENT_STREAMS, to an application
/// that never answers them, so that every stream stays open: RFC 9113 §5.1.2: "An
/// endpoint that receives a HEADERS frame that causes its advertised concurrent stream
/// limit to be exceeded MUST treat this as a stream error (Section 5.4.2) of type
/// PROTOCOL_ERROR or REFUSED_STREAM." The refusals spend the reset budget, so a peer
/// that keeps opening streams past the limit ends with ENHANCE_YOUR_CALM: after
/// `h2_max_concurrent_streams` open and `h2_reset_budget` refused, the next refusal.
#[test]
fn streams_past_the_concurrency_limit_to_an_application_that_never_answers() {
    let mut s = Server::new(Config::default(), App::Silent, &[]);
    let (open, budget) = (
        s.config().h2_max_concurrent_streams as usize,
        s.config().h2_reset_budget as usize,
    );
    let meter = Meter::start();
    s.flood_with(50_000, |i, out| out.extend(get(nth(i))));
    let growth = meter.growth();
    let last = open + budget;
    s.expect_goaway(
        Reason::ENHANCE_YOUR_CALM,
        nth(last),
        ErrorKind::Limit(Limit::Resets),
    );
    assert_eq!(s.seen.requests, open, "only the allowed streams surfaced");
    assert_eq!(s.seen.resets(Reason::REFUSED_STREAM), budget + 1);
    assert_eq!(s.seen.total_resets(), budget + 1);
    assert_eq!(s.seen.responses, 0);
    assert_bound("streams past the limit", growth, stream_bound(s.config()));
}

/// Many requests opened and completed on one connection: the server remembers closed
/// streams (to tell a late frame from an error, RFC 9113 §5.1) but only the last
/// `h2_max_closed_streams`, so 20,000 requests cost no more than a few hundred.
#[test]
fn many_streams_opened_and_completed() {
    let mut s = Server::new(Config::default(), App::Answer, &[]);
    // The responses need more than the connection's initial window.
    s.feed(&window_update(0, 1 << 30));
    let meter = Meter::start();
    // Fifty requests a read, answered before the next read: under the concurrency
    // limit, as a well-behaved client keeps them.
    let sent = s.flood_reads(20_000, 50, |i, out| out.extend(get(nth(i))));
    let growth = meter.growth();
    assert_eq!(sent, 20_000);
    assert_eq!(s.seen.responses, 20_000);
    assert_eq!(s.seen.total_resets(), 0);
    s.expect_alive(nth(20_000));
    assert_bound("20,000 streams", growth, stream_bound(s.config()));
}

/// A frame header that announces 16 MiB of payload, over SETTINGS_MAX_FRAME_SIZE:
/// RFC 9113 §4.2: "An endpoint MUST send an error code of FRAME_SIZE_ERROR if a frame
/// exceeds the size defined in SETTINGS_MAX_FRAME_SIZE". The header is judged before
/// the payload is buffered, so the megabyte that follows costs nothing. The GOAWAY
/// names stream 1, the request before it.
#[test]
fn oversized_frame() {
    let mut s = Server::new(Config::default(), App::Silent, &[]);
    let mut attack = post(1);
    attack.extend([0xff, 0xff, 0xff, DATA, 0, 0, 0, 0, 1]);
    attack.resize(attack.len() + (1 << 20), b'x');
    let meter = Meter::start();
    s.feed(&attack);
    let growth = meter.growth();
    s.expect_goaway(
        Reason::FRAME_SIZE_ERROR,
        1,
        ErrorKind::Http2(Http2Error::FrameSize),
    );
    assert_eq!(s.fed, READ, "the connection ends within the first read");
    assert_bound("oversized frame", growth, 2 * READ + SLACK);
}

// ---- responses the peer will not take -----------------------------------------------

/// Zero window: a peer that gives no flow-control window (SETTINGS_INITIAL_WINDOW_SIZE
/// = 0) asks for large responses on many streams. RFC 9113 §6.9.1: "The sender MUST
/// NOT send a flow-controlled frame with a length that exceeds the space available in
/// either of the flow-control windows advertised by the receiver", so no DATA goes
/// out, and the server must not hold the bodies whole either: 32 responses of 2 MiB,
/// of which the connection takes `send_buffer_per_connection` (4 MiB) and refuses the
/// rest with `Misuse::BufferFull` until the peer opens its windows.
///
/// Memory: the connection's send buffer, exceeded by at most one write per stream (a
/// write is taken while its stream is under its own bound), and [`SLACK`] and the
/// stream bookkeeping.
#[test]
fn zero_window_peer_asking_for_large_responses() {
    const STREAMS: usize = 32;
    let params = [(SETTINGS_INITIAL_WINDOW_SIZE, 0)];
    let mut s = Server::new(Config::default(), App::Stream(2 << 20), &params);
    let attack: Vec<u8> = (0..STREAMS).flat_map(|i| get(nth(i))).collect();
    let meter = Meter::start();
    s.feed(&attack);
    let growth = meter.growth();
    assert_eq!(s.seen.responses, STREAMS, "every response head went out");
    assert_eq!(s.seen.data, 0, "no DATA on streams whose window is 0");
    assert!(!s.over());
    let c = s.config();
    let bound = c.send_buffer_per_connection + STREAMS * WRITE + stream_bound(c);
    assert_bound("zero window", growth, bound);
}

/// Slow reader: a peer that opens every window wide (RFC 9113 §6.9.2 lets it raise
/// SETTINGS_INITIAL_WINDOW_SIZE to 2^31-1) but reads slowly: the adapter's transport
/// takes [`READ`] bytes per round, and the adapter, as a blocking one would, stops
/// draining the connection while its last transmit waits. The application writes its
/// responses (8 of 8 MiB) as fast as the connection takes them. What piles up is
/// bounded by the send buffers: what the connection queues
/// (`send_buffer_per_connection`, exceeded by at most one write per stream) and one
/// transmit, which holds at most what was queued.
#[test]
fn slow_reader_with_open_windows() {
    const STREAMS: usize = 8;
    const SIZE: usize = 8 << 20;
    let params = [(SETTINGS_INITIAL_WINDOW_SIZE, 0x7fff_ffff)];
    let mut s = Server::new(Config::default(), App::Stream(SIZE), &params);
    let mut attack = window_update(0, 0x7fff_ffff - 65_535);
    attack.extend((0..STREAMS).flat_map(|i| get(nth(i))));
    let meter = Meter::start();
    s.conn.handle_input(s.now, &attack);
    // The transport: the bytes of the transmit still waiting, and what was taken.
    let mut waiting = Vec::new();
    let (mut taken, mut idle) = (0, 0);
    for _round in 0..2_000 {
        if waiting.is_empty() {
            // The last transmit is written: drain until the next one.
            loop {
                match s.conn.poll_output(&mut waiting) {
                    Output::Transmit => break,
                    Output::Event(e) => s.event(e),
                    Output::Timeout(_) => break,
                }
            }
        }
        let n = waiting.len().min(READ);
        s.wire(&waiting[..n]);
        waiting.drain(..n);
        taken += n;
        idle += usize::from(n == 0);
    }
    let growth = meter.growth();
    assert_eq!(idle, 0, "the transport was never left waiting");
    assert!(s.seen.data > taken * 99 / 100, "{taken} bytes taken");
    assert_eq!(s.seen.responses, STREAMS);
    assert!(!s.over());
    let c = s.config();
    let bound = 2 * (c.send_buffer_per_connection + STREAMS * WRITE) + stream_bound(c);
    assert_bound("slow reader", growth, bound);
}

/// An application that never reads request bodies, with manual flow control
/// (`h2_manual_flow_control`): what it has not released counts against the windows,
/// so a peer that keeps sending is held to them. RFC 9113 §6.9.1: "A receiver MAY
/// respond with a stream error (Section 5.4.2) or connection error (Section 5.4.1) of
/// type FLOW_CONTROL_ERROR if it is unable to accept a frame." Past a stream's window
/// (`h2_initial_window_size`), RST_STREAM FLOW_CONTROL_ERROR on that stream; past the
/// connection's (`h2_connection_window_size`), GOAWAY FLOW_CONTROL_ERROR: the body
/// delivered and not released never exceeds the connection window, which is what such
/// an application must be ready to hold.
///
/// Memory: the connection keeps no body (the application got each as an event and,
/// here, drops it): a read's events and [`SLACK`].
#[test]
fn application_that_never_reads_holds_the_peer_to_its_windows() {
    let config = Config {
        h2_manual_flow_control: true,
        ..Config::default()
    };
    let (stream_window, connection_window) = (
        config.h2_initial_window_size as usize,
        config.h2_connection_window_size as usize,
    );
    let mut s = Server::new(config, App::Silent, &[]);
    let chunk = vec![b'x'; 16 * KIB];
    let meter = Meter::start();
    // One stream past its window: only that stream is reset.
    s.feed(&post(1));
    for _ in 0..stream_window / chunk.len() + 1 {
        s.feed(&frame(DATA, 0, 1, &chunk));
    }
    assert_eq!(s.seen.resets(Reason::FLOW_CONTROL_ERROR), 1);
    assert_eq!((s.seen.last_reset, s.seen.total_resets()), (1, 1));
    assert_eq!(s.seen.body, stream_window);
    // Then streams that each stay within their own window, until the connection's is
    // spent: the frame past it ends the connection.
    let mut stream = 3;
    while !s.over() {
        s.feed(&post(stream));
        for _ in 0..stream_window / chunk.len() {
            s.feed(&frame(DATA, 0, stream, &chunk));
        }
        stream += 2;
    }
    let growth = meter.growth();
    // §6.9: "A receiver that receives a flow-controlled frame MUST always account for
    // its contribution against the connection flow-control window ... This is
    // necessary even if the frame is in error": the frame refused on stream 1 took a
    // chunk of the connection's window, so the 15th stream fails one chunk short.
    let last = nth(connection_window / stream_window - 1);
    s.expect_goaway(
        Reason::FLOW_CONTROL_ERROR,
        last,
        ErrorKind::Http2(Http2Error::FlowControl),
    );
    assert_eq!(s.seen.body, connection_window - chunk.len(), "{:?}", s.seen);
    assert_eq!(s.seen.window_updates, 0, "nothing was released");
    assert_bound(
        "an application that never reads",
        growth,
        stream_bound(s.config()),
    );
}
