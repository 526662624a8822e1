//! HTTP/2 drivers: a server or a client [`Connection`] run by a script taken from the
//! input, with an application that answers everything, and the invariants checked after
//! every step. Shared by the fuzz targets and by `tests/fuzz_corpus.rs`, so this file
//! depends on nothing but `weir` and `std`.
//!
//! Three drivers:
//!
//! - [`frames`]: `[n] [n split bytes] [frame bytes…]`. A server that speaks HTTP/2 gets
//!   the client preface and an empty SETTINGS frame, then the frame bytes in pieces: a
//!   split byte `b` feeds `b + 1` bytes (`b < 0xf0`) or `256 (b − 0xef)` bytes. Every
//!   request is answered with 200 and a short body.
//! - [`server`]: `[config] [n] [n op bytes] [m] [m choice bytes] [wire bytes…]`, run
//!   twice: by a server that detects the version (`Connection::new`) and by one that
//!   speaks HTTP/2 only (`Connection::with_version`). When the wire starts with the
//!   preface and nothing but reads happened before it was complete, both runs must
//!   write the same bytes and deliver the same events.
//! - [`client`]: the same layout; a client with prior knowledge sends one to four
//!   requests, then reads the wire. Config bit 0 puts a valid server SETTINGS frame in
//!   front of the wire, so that half the inputs get past the preface check.
//!
//! `config`: bit 0 as above (server: no extended CONNECT); 1 small windows; 2 small
//! limits (2 concurrent streams, 2 remembered closed streams, 256-byte heads, 16 frames
//! that carry nothing, 2 owed control frames); 3 a 256-byte HPACK table and extension
//! frames shown; 4 push disabled (client) or 64 KiB frames (server); 5 no
//! SETTINGS timeout; 6 a one-second SETTINGS timeout; 7 a large connection window.
//!
//! Each op byte `c` acts by `c % 8`, with `k = c >> 3` as its argument: 0–3 feed `k + 1`
//! bytes of the wire; 4 feed `61 (k + 1)` bytes; 5 let time pass (`k < 8`: to the last
//! deadline, `k < 24`: `k − 7` quarter seconds, else `k − 23` times ten seconds) and call
//! `handle_timeout`; 6 end of input (`k < 16`) or the rest of the wire in one read;
//! 7 an application action (see `ServerApp::act` and `ClientApp::act`). When the ops
//! run out, the rest of the wire is fed in one read, then end of input, after which
//! the connection must be closed. Choice bytes decide how each request is answered
//! (server) or which requests are sent (client); once they run out every choice is 0.
//!
//! Invariants, besides not panicking: `poll_output` reaches a deadline; nothing is
//! transmitted or delivered after `Closed`, which comes at most once; events concern
//! only streams announced first (a request head on a server, a request sent or a
//! `Push` on a client), never a stream after its `StreamReset` or once it is closed
//! both ways, and every announced stream is closed or reset when `Closed` comes;
//! refused commands change nothing; and every frame written is well-formed, in order
//! (CONTINUATION, END_STREAM, RST_STREAM, GOAWAY), HPACK-decodable with the table size
//! the peer allowed, and within the flow-control credit the peer's frames gave.
//!
//! A corpus file named `ok-…` must run without any error; one named `bad-…` must end in
//! an error; one named `refused-…` must have its request reset on the wire without the
//! application ever seeing it (see `Summary::check_name`).

use std::collections::{BTreeMap, VecDeque};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use weir::hpack::Decoder;
use weir::{
    Config, Connection, Error, Event, Fields, Head, Misuse, Output, Priority, Reason, Request,
    Response, Side, StreamId, Version,
};

/// A drain that needs more `poll_output` calls than this never reaches its deadline.
const MAX_POLLS: usize = 100_000;

/// The client connection preface (RFC 9113 §3.4).
pub const PREFACE: &[u8; 24] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// An empty SETTINGS frame.
pub const EMPTY_SETTINGS: [u8; 9] = [0, 0, 0, 4, 0, 0, 0, 0, 0];

/// A body larger than the protocol's initial window, so that it waits for WINDOW_UPDATE.
static BIG: [u8; 70_000] = [b'x'; 70_000];

/// A header value that makes a block larger than one frame: HEADERS + CONTINUATION.
static LONG_VALUE: [u8; 20_000] = [b'v'; 20_000];

/// What a run saw, for the corpus test's expectations.
#[derive(Debug, Default, Clone)]
pub struct Summary {
    /// `Headers` events (requests on a server, responses of any status on a client).
    pub heads: usize,
    /// `Push` events (client) or promises made (server).
    pub pushes: usize,
    /// `StreamReset` events.
    pub resets: usize,
    /// `Trailers` events.
    pub trailers: usize,
    /// `Pong` events.
    pub pongs: usize,
    /// `GoAway` events.
    pub goaways: usize,
    /// Body (or tunnel) bytes delivered.
    pub data_bytes: usize,
    /// Bytes transmitted.
    pub transmitted: usize,
    /// Frames transmitted (HTTP/2 only).
    pub frames_out: usize,
    /// RST_STREAM frames transmitted (HTTP/2 only).
    pub resets_out: usize,
    /// The error that `Closed` carried (`None` for a clean close).
    pub close_error: Option<Error>,
    /// The version the connection ended up speaking.
    pub version: Option<Version>,
}

impl Summary {
    /// Whether the run ended in an error: a stream reset or a connection error.
    pub fn failed(&self) -> bool {
        self.resets > 0 || self.close_error.is_some()
    }

    /// Checks the expectation that a corpus file's name states; panics if it is not met.
    pub fn check_name(&self, name: &str) {
        if name.starts_with("ok-") {
            assert!(!self.failed(), "{name}: expected a clean run, got {self:?}");
            assert!(self.heads > 0, "{name}: expected at least one head");
            assert_eq!(self.version, Some(Version::Http2), "{name}: not HTTP/2");
        } else if name.starts_with("bad-") {
            assert!(self.failed(), "{name}: expected an error, got {self:?}");
        } else if name.starts_with("refused-") {
            // A malformed request: reset on the wire, never shown to the application.
            assert!(
                self.heads == 0 && self.resets_out > 0 && self.close_error.is_none(),
                "{name}: expected a request reset unseen, got {self:?}"
            );
        }
    }
}

/// Runs an HTTP/2 server on raw frames that follow a valid preface and SETTINGS.
pub fn frames(data: &[u8]) -> Summary {
    let (splits, wire) = take_prefixed(data);
    let script = Script {
        config: Config::default(),
        ops: splits,
        choices: &[],
        wire,
    };
    run(Mode::Frames, script).summary
}

/// Runs a version-detecting server and an HTTP/2-only server on `data`; panics if an
/// invariant breaks. Returns what the HTTP/2-only server saw.
pub fn server(data: &[u8]) -> Summary {
    let auto = run(
        Mode::Server { auto: true },
        Script::parse(data, Side::Server, &mut Vec::new()),
    );
    let fixed = run(
        Mode::Server { auto: false },
        Script::parse(data, Side::Server, &mut Vec::new()),
    );
    if auto.pristine {
        // Detection is invisible: the same bytes out, the same events in.
        assert_eq!(
            auto.events, fixed.events,
            "detected vs fixed HTTP/2: events differ"
        );
        assert!(
            auto.wire == fixed.wire,
            "detected vs fixed HTTP/2: bytes written differ"
        );
    }
    fixed.summary
}

/// Runs an HTTP/2 client on `data`; panics if an invariant breaks.
pub fn client(data: &[u8]) -> Summary {
    let mut buf = Vec::new();
    let script = Script::parse(data, Side::Client, &mut buf);
    run(Mode::Client, script).summary
}

// ---- the script ------------------------------------------------------------------

fn take_prefixed(data: &[u8]) -> (&[u8], &[u8]) {
    match data.split_first() {
        Some((&n, rest)) => rest.split_at(usize::from(n).min(rest.len())),
        None => (&[], &[]),
    }
}

/// How many bytes split byte `b` of the frames target feeds (see [`frames`]).
fn split_len(b: u8) -> usize {
    match b {
        0..=0xef => usize::from(b) + 1,
        _ => 256 * usize::from(b - 0xef),
    }
}

struct Script<'a> {
    config: Config,
    ops: &'a [u8],
    choices: &'a [u8],
    wire: &'a [u8],
}

impl<'a> Script<'a> {
    /// `buf` holds the wire when a SETTINGS frame is put in front of it.
    fn parse(data: &'a [u8], side: Side, buf: &'a mut Vec<u8>) -> Script<'a> {
        let (flags, rest) = match data.split_first() {
            Some((&f, rest)) => (f, rest),
            None => (0, data),
        };
        let (ops, rest) = take_prefixed(rest);
        let (choices, wire) = take_prefixed(rest);
        let wire = if side == Side::Client && flags & 1 != 0 {
            buf.extend_from_slice(&EMPTY_SETTINGS);
            buf.extend_from_slice(wire);
            &buf[..]
        } else {
            wire
        };
        Script {
            config: config(flags, side),
            ops,
            choices,
            wire,
        }
    }
}

fn config(flags: u8, side: Side) -> Config {
    let mut c = Config::default();
    let mut set = |key: &str, value: &str| c.set(key, value).expect("a valid setting");
    // The peer model reads the input as HTTP/2 from its first byte, which an h2c
    // upgrade (an HTTP/1.1 request first) is not: that switch is tested on its own, in
    // `tests/h2c_upgrade.rs`.
    set("h2c_upgrade", "false");
    if side == Side::Server && flags & 1 != 0 {
        set("h2_enable_connect_protocol", "false");
    }
    if flags & 2 != 0 {
        set("h2_initial_window_size", "64");
        set("h2_connection_window_size", "65535");
    }
    if flags & 4 != 0 {
        set("h2_max_concurrent_streams", "2");
        set("h2_max_closed_streams", "2");
        set("max_head_bytes", "256");
        set("h2_idle_frame_budget", "16");
        set("h2_max_owed_control_frames", "2");
    }
    if flags & 8 != 0 {
        set("h2_header_table_size", "256");
        set("h2_extension_frames", "true");
    }
    if flags & 0x10 != 0 {
        match side {
            Side::Client => set("h2_enable_push", "false"),
            Side::Server => set("h2_max_frame_size", "65536"),
        }
    }
    if flags & 0x20 != 0 {
        set("h2_settings_timeout", "0");
    } else if flags & 0x40 != 0 {
        set("h2_settings_timeout", "1");
    }
    if flags & 0x80 != 0 {
        set("h2_connection_window_size", "1000000000");
    }
    c
}

/// The clock starts at the same instant for every run of a process.
fn base() -> Instant {
    static BASE: OnceLock<Instant> = OnceLock::new();
    *BASE.get_or_init(Instant::now)
}

// ---- frames -----------------------------------------------------------------------

mod kind {
    pub const DATA: u8 = 0x0;
    pub const HEADERS: u8 = 0x1;
    pub const PRIORITY: u8 = 0x2;
    pub const RST_STREAM: u8 = 0x3;
    pub const SETTINGS: u8 = 0x4;
    pub const PUSH_PROMISE: u8 = 0x5;
    pub const PING: u8 = 0x6;
    pub const GOAWAY: u8 = 0x7;
    pub const WINDOW_UPDATE: u8 = 0x8;
    pub const CONTINUATION: u8 = 0x9;
    pub const PRIORITY_UPDATE: u8 = 0x10;
}

const END_STREAM: u8 = 0x1;
const ACK: u8 = 0x1;
const END_HEADERS: u8 = 0x4;
const PADDED: u8 = 0x8;
const PRIORITY_FLAG: u8 = 0x20;

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// A frame's payload without its padding and priority fields (HEADERS, PUSH_PROMISE,
/// DATA); `None` if they do not fit.
fn unpadded(flags: u8, kind: u8, payload: &[u8]) -> Option<&[u8]> {
    let mut p = payload;
    let mut pad = 0;
    if flags & PADDED != 0 && kind != kind::CONTINUATION {
        pad = usize::from(*p.first()?);
        p = &p[1..];
    }
    if kind == kind::HEADERS && flags & PRIORITY_FLAG != 0 {
        p = p.get(5..)?;
    }
    p.get(..p.len().checked_sub(pad)?)
}

/// Splits complete frames off the front of `buf`, from `*at` on.
fn next_frame<'b>(buf: &'b [u8], at: &mut usize) -> Option<(u8, u8, u32, &'b [u8])> {
    let rest = &buf[*at..];
    if rest.len() < 9 {
        return None;
    }
    let len = (usize::from(rest[0]) << 16) | (usize::from(rest[1]) << 8) | usize::from(rest[2]);
    if rest.len() < 9 + len {
        return None;
    }
    *at += 9 + len;
    Some((
        rest[3],
        rest[4],
        u32_at(rest, 5) & 0x7fff_ffff,
        &rest[9..9 + len],
    ))
}

/// What the peer's frames allow this side to do, read from everything fed so far
/// (complete frames, as the connection reads them). Every number is a bound: frames the
/// connection rejects count too, which only loosens it.
#[derive(Debug)]
struct Peer {
    side: Side,
    preface_left: usize,
    broken: bool,
    buf: Vec<u8>,
    at: usize,
    max_frame: u32,
    initial_window: i64,
    conn_credit: i64,
    credit: BTreeMap<u32, i64>,
    /// One entry per SETTINGS frame (not ACK): the HEADER_TABLE_SIZE it set, if any.
    settings: Vec<Option<u32>>,
    pings: usize,
    /// The highest stream the peer opened (server) or promised (client).
    highest: u32,
}

impl Peer {
    /// `side`: this side's role; a server's peer starts with the preface.
    fn new(side: Side) -> Peer {
        Peer {
            side,
            preface_left: if side == Side::Server {
                PREFACE.len()
            } else {
                0
            },
            broken: false,
            buf: Vec::new(),
            at: 0,
            max_frame: 1 << 14,
            initial_window: 65_535,
            conn_credit: 65_535,
            credit: BTreeMap::new(),
            settings: Vec::new(),
            pings: 0,
            highest: 0,
        }
    }

    fn feed(&mut self, mut bytes: &[u8]) {
        if self.broken {
            return;
        }
        if self.preface_left > 0 {
            let at = PREFACE.len() - self.preface_left;
            let n = self.preface_left.min(bytes.len());
            if bytes[..n] != PREFACE[at..at + n] {
                self.broken = true;
                return;
            }
            self.preface_left -= n;
            bytes = &bytes[n..];
        }
        self.buf.extend_from_slice(bytes);
        let buf = std::mem::take(&mut self.buf);
        let mut at = self.at;
        while let Some((kind, flags, stream, payload)) = next_frame(&buf, &mut at) {
            self.frame(kind, flags, stream, payload);
        }
        self.buf = buf;
        self.at = at;
        if self.at > 1 << 16 {
            self.buf.drain(..self.at);
            self.at = 0;
        }
    }

    fn frame(&mut self, kind: u8, flags: u8, stream: u32, payload: &[u8]) {
        match kind {
            kind::SETTINGS if flags & ACK == 0 => {
                let mut table = None;
                for p in payload.chunks_exact(6) {
                    let value = u32_at(p, 2);
                    match u16::from_be_bytes([p[0], p[1]]) {
                        0x1 => table = Some(value),
                        0x4 => self.initial_window = self.initial_window.max(i64::from(value)),
                        0x5 => self.max_frame = self.max_frame.max(value),
                        _ => {}
                    }
                }
                self.settings.push(table);
            }
            kind::PING if flags & ACK == 0 => self.pings += 1,
            kind::WINDOW_UPDATE if payload.len() == 4 => {
                let inc = i64::from(u32_at(payload, 0) & 0x7fff_ffff);
                if stream == 0 {
                    self.conn_credit += inc;
                } else {
                    *self.credit.entry(stream).or_default() += inc;
                }
            }
            kind::HEADERS if self.side == Side::Server && stream % 2 == 1 => {
                self.highest = self.highest.max(stream);
            }
            kind::PUSH_PROMISE if self.side == Side::Client => {
                if let Some(p) = unpadded(flags, kind, payload).filter(|p| p.len() >= 4) {
                    self.highest = self.highest.max(u32_at(p, 0) & 0x7fff_ffff);
                }
            }
            _ => {}
        }
    }

    /// What this side may have sent on `stream` in DATA, at most.
    fn stream_credit(&self, stream: u32) -> i64 {
        self.initial_window + self.credit.get(&stream).copied().unwrap_or(0)
    }
}

/// What this side wrote on a stream.
#[derive(Debug, Default)]
struct Sent {
    /// A final (non-1xx) head: a request, or a final response.
    final_head: bool,
    ended: bool,
    reset: bool,
    data: i64,
}

/// A header block being written: HEADERS or PUSH_PROMISE, then CONTINUATION frames.
#[derive(Debug)]
struct Block {
    stream: u32,
    promised: Option<u32>,
    end_stream: bool,
    fragment: Vec<u8>,
}

/// Reads back every frame this side writes and checks it against RFC 9113.
#[derive(Debug)]
struct Wire {
    side: Side,
    preface_left: usize,
    buf: Vec<u8>,
    at: usize,
    settings_seen: bool,
    decoder: Decoder,
    block: Option<Block>,
    streams: BTreeMap<u32, Sent>,
    /// The highest stream this side opened (a request, or a promise).
    opened: u32,
    goaway: Option<u32>,
    fatal_goaway: bool,
    conn_data: i64,
    settings_acks: usize,
    ping_acks: usize,
    frames: usize,
    resets: usize,
}

impl Wire {
    fn new(side: Side) -> Wire {
        Wire {
            side,
            preface_left: if side == Side::Client {
                PREFACE.len()
            } else {
                0
            },
            buf: Vec::new(),
            at: 0,
            settings_seen: false,
            decoder: Decoder::new(4096),
            block: None,
            streams: BTreeMap::new(),
            opened: 0,
            goaway: None,
            fatal_goaway: false,
            conn_data: 0,
            settings_acks: 0,
            ping_acks: 0,
            frames: 0,
            resets: 0,
        }
    }

    /// Whether this side has written END_STREAM on `stream`.
    fn ended(&self, stream: u32) -> bool {
        self.streams.get(&stream).is_some_and(|s| s.ended)
    }

    fn feed(&mut self, mut bytes: &[u8], peer: &Peer) {
        if self.preface_left > 0 {
            let at = PREFACE.len() - self.preface_left;
            let n = self.preface_left.min(bytes.len());
            assert_eq!(
                bytes[..n],
                PREFACE[at..at + n],
                "a client must start with the preface"
            );
            self.preface_left -= n;
            bytes = &bytes[n..];
        }
        self.buf.extend_from_slice(bytes);
        let buf = std::mem::take(&mut self.buf);
        let mut at = self.at;
        while let Some((kind, flags, stream, payload)) = next_frame(&buf, &mut at) {
            let raw = u32_at(&buf, at - payload.len() - 4);
            assert_eq!(
                raw & 0x8000_0000,
                0,
                "the reserved bit of a stream id is set"
            );
            self.frame(kind, flags, stream, payload, peer);
        }
        self.buf = buf;
        self.at = at;
        if self.at > 1 << 16 {
            self.buf.drain(..self.at);
            self.at = 0;
        }
    }

    fn frame(&mut self, kind: u8, flags: u8, stream: u32, payload: &[u8], peer: &Peer) {
        self.frames += 1;
        let len = payload.len();
        assert!(
            !self.fatal_goaway,
            "a frame (type {kind}) after a GOAWAY with an error code"
        );
        // §4.2: never larger than the peer's SETTINGS_MAX_FRAME_SIZE.
        assert!(
            len <= peer.max_frame as usize,
            "a frame of {len} bytes over the peer's limit {}",
            peer.max_frame
        );
        // §3.4: SETTINGS comes first.
        if !self.settings_seen {
            assert!(
                kind == kind::SETTINGS && flags & ACK == 0,
                "the first frame is type {kind}, not SETTINGS"
            );
            self.settings_seen = true;
        }
        // §6.10: nothing comes between the frames of a header block.
        if let Some(b) = &self.block {
            assert!(
                kind == kind::CONTINUATION && stream == b.stream,
                "a frame of type {kind} on stream {stream} inside the header block of stream {}",
                b.stream
            );
        }
        let on_stream = matches!(
            kind,
            kind::DATA
                | kind::HEADERS
                | kind::PRIORITY
                | kind::RST_STREAM
                | kind::PUSH_PROMISE
                | kind::CONTINUATION
        );
        if on_stream {
            assert_ne!(stream, 0, "a frame of type {kind} on stream 0");
        } else if kind != kind::WINDOW_UPDATE {
            assert_eq!(stream, 0, "a frame of type {kind} on stream {stream}");
        }
        match kind {
            kind::DATA => self.data(flags, stream, payload, peer),
            kind::HEADERS => self.headers(flags, stream, payload, peer),
            kind::PRIORITY => assert_eq!(len, 5, "PRIORITY of {len} bytes"),
            kind::RST_STREAM => {
                assert_eq!(len, 4, "RST_STREAM of {len} bytes");
                self.streams.entry(stream).or_default().reset = true;
                self.resets += 1;
            }
            kind::SETTINGS => self.settings(flags, payload, peer),
            kind::PUSH_PROMISE => self.push_promise(flags, stream, payload, peer),
            kind::PING => {
                assert_eq!(len, 8, "PING of {len} bytes");
                if flags & ACK != 0 {
                    self.ping_acks += 1;
                    // §6.7: an answer to each PING, never more.
                    assert!(self.ping_acks <= peer.pings, "a PING ACK for no PING");
                }
            }
            kind::GOAWAY => {
                assert!(len >= 8, "GOAWAY of {len} bytes");
                let last = u32_at(payload, 0) & 0x7fff_ffff;
                let code = u32_at(payload, 4);
                // §6.8: a graceful shutdown is first announced with 2^31-1.
                let announcement = last == 0x7fff_ffff && code == 0 && self.goaway.is_none();
                assert!(
                    last <= peer.highest || announcement,
                    "GOAWAY names stream {last}, the peer opened none above {}",
                    peer.highest
                );
                // §6.8: "Endpoints MUST NOT increase the value they send in the last
                // stream identifier".
                if let Some(prev) = self.goaway {
                    assert!(
                        last <= prev,
                        "a second GOAWAY raised the last stream from {prev} to {last}"
                    );
                }
                self.goaway = Some(last);
                self.fatal_goaway = code != 0;
            }
            kind::WINDOW_UPDATE => {
                assert_eq!(len, 4, "WINDOW_UPDATE of {len} bytes");
                let inc = u32_at(payload, 0);
                assert!((1..=0x7fff_ffff).contains(&inc), "a WINDOW_UPDATE of {inc}");
            }
            kind::CONTINUATION => {
                let Some(b) = self.block.as_mut() else {
                    panic!("a CONTINUATION outside a header block");
                };
                b.fragment.extend_from_slice(payload);
                if flags & END_HEADERS != 0 {
                    self.end_block();
                }
            }
            kind::PRIORITY_UPDATE => {
                // RFC 9218 §7.1: from a client only, for a stream it opened or was
                // promised, with a value a server can read.
                assert_eq!(self.side, Side::Client, "a server sent PRIORITY_UPDATE");
                assert!(len >= 4, "PRIORITY_UPDATE of {len} bytes");
                let id = u32_at(payload, 0) & 0x7fff_ffff;
                let known = if id % 2 == 1 {
                    id <= self.opened
                } else {
                    id != 0 && id <= peer.highest
                };
                assert!(known, "PRIORITY_UPDATE for stream {id}, never opened");
                assert!(
                    Priority::parse(&payload[4..]).is_some(),
                    "PRIORITY_UPDATE with a value that does not parse"
                );
            }
            _ => panic!("a frame of unknown type {kind} written"),
        }
    }

    fn data(&mut self, flags: u8, stream: u32, payload: &[u8], peer: &Peer) {
        let Some(s) = self.streams.get_mut(&stream) else {
            panic!("DATA on stream {stream}, which never had a head");
        };
        assert!(
            s.final_head,
            "DATA on stream {stream} before its final head"
        );
        assert!(
            !s.ended && !s.reset,
            "DATA on stream {stream} after its end"
        );
        // §6.9: the whole payload counts against both windows.
        let n = payload.len() as i64;
        s.data += n;
        self.conn_data += n;
        assert!(
            self.conn_data <= peer.conn_credit,
            "{} bytes of DATA sent, the connection window allowed {}",
            self.conn_data,
            peer.conn_credit
        );
        assert!(
            s.data <= peer.stream_credit(stream),
            "{} bytes of DATA on stream {stream}, its window allowed {}",
            s.data,
            peer.stream_credit(stream)
        );
        if unpadded(flags, kind::DATA, payload).is_none() {
            panic!("DATA with bad padding");
        }
        s.ended = flags & END_STREAM != 0;
    }

    fn headers(&mut self, flags: u8, stream: u32, payload: &[u8], peer: &Peer) {
        let fragment = unpadded(flags, kind::HEADERS, payload).expect("HEADERS with bad padding");
        if !self.streams.contains_key(&stream) {
            match self.side {
                Side::Client => {
                    // §5.1.1: new streams are odd and numbered upwards; §6.8: none after
                    // our own GOAWAY (the server's may be fed and not read yet: see the
                    // PUSH_PROMISE check).
                    assert!(
                        stream % 2 == 1 && stream > self.opened,
                        "a request on stream {stream} after stream {}",
                        self.opened
                    );
                    assert!(self.goaway.is_none(), "a new stream after our GOAWAY");
                    self.opened = stream;
                }
                Side::Server => assert!(
                    stream % 2 == 1 && stream <= peer.highest,
                    "a response on stream {stream}, which the client never opened"
                ),
            }
        }
        let s = self.streams.entry(stream).or_default();
        assert!(
            !s.ended && !s.reset,
            "HEADERS on stream {stream} after its end"
        );
        let end_stream = flags & END_STREAM != 0;
        s.ended = end_stream;
        self.block = Some(Block {
            stream,
            promised: None,
            end_stream,
            fragment: fragment.to_vec(),
        });
        if flags & END_HEADERS != 0 {
            self.end_block();
        }
    }

    fn settings(&mut self, flags: u8, payload: &[u8], peer: &Peer) {
        if flags & ACK != 0 {
            assert!(payload.is_empty(), "a SETTINGS ACK with a payload");
            self.settings_acks += 1;
            let Some(&table) = peer.settings.get(self.settings_acks - 1) else {
                panic!("a SETTINGS ACK for no SETTINGS");
            };
            // RFC 7541 §4.2: from the acknowledgment on, the encoder keeps to the new size.
            if let Some(size) = table {
                self.decoder.set_max_table_size(size as usize);
            }
            return;
        }
        assert_eq!(payload.len() % 6, 0, "SETTINGS of {} bytes", payload.len());
        for p in payload.chunks_exact(6) {
            let (id, value) = (u16::from_be_bytes([p[0], p[1]]), u32_at(p, 2));
            let ok = match id {
                0x2 | 0x8 => value <= 1,
                0x4 => value <= 0x7fff_ffff,
                0x5 => (1 << 14..1 << 24).contains(&value),
                _ => true,
            };
            assert!(ok, "setting {id} = {value} is out of range");
            // §6.5.2: a server never sends ENABLE_PUSH.
            assert!(
                !(id == 0x2 && self.side == Side::Server),
                "a server sent SETTINGS_ENABLE_PUSH"
            );
        }
    }

    fn push_promise(&mut self, flags: u8, stream: u32, payload: &[u8], peer: &Peer) {
        assert_eq!(self.side, Side::Server, "a client sent PUSH_PROMISE");
        let p =
            unpadded(flags, kind::PUSH_PROMISE, payload).expect("PUSH_PROMISE with bad padding");
        assert!(p.len() >= 4, "PUSH_PROMISE of {} bytes", p.len());
        let promised = u32_at(p, 0) & 0x7fff_ffff;
        // §8.4: on an open client stream, promising a new even stream, while push is on.
        assert!(stream % 2 == 1, "PUSH_PROMISE on stream {stream}");
        assert!(
            promised & 1 == 0 && promised > self.opened,
            "stream {promised} promised after {}",
            self.opened
        );
        // Only this side's own GOAWAY is checked here. The peer model reads the
        // client's frames when they are fed, and the connection may not have read them
        // yet (it stops reading while its events wait): a push made before it read a
        // GOAWAY or a SETTINGS that disables push is in order (RFC 9113 §6.8 binds
        // the receiver of a GOAWAY once received). That the connection refuses a push
        // once it has read them is tested in `tests/h2_scenarios.rs`.
        assert!(self.goaway.is_none(), "PUSH_PROMISE after our GOAWAY");
        assert!(
            stream <= peer.highest,
            "PUSH_PROMISE on stream {stream}, which the client never opened"
        );
        assert!(
            !self
                .streams
                .get(&stream)
                .is_some_and(|s| s.ended || s.reset),
            "PUSH_PROMISE on stream {stream}, which this side has ended"
        );
        self.opened = promised;
        self.streams.insert(promised, Sent::default());
        self.block = Some(Block {
            stream,
            promised: Some(promised),
            end_stream: false,
            fragment: p[4..].to_vec(),
        });
        if flags & END_HEADERS != 0 {
            self.end_block();
        }
    }

    /// A complete header block: it decodes, and its pseudo-headers fit its place.
    fn end_block(&mut self) {
        let b = self.block.take().expect("an open block");
        let fields = match self.decoder.decode(&b.fragment, usize::MAX) {
            Ok(f) => f,
            Err(e) => panic!(
                "a header block written on stream {} does not decode: {e:?}",
                b.stream
            ),
        };
        let pseudo = |name: &str| {
            fields
                .iter()
                .find(|f| f.name == name.as_bytes())
                .map(|f| f.value.to_vec())
        };
        let any_pseudo = fields.iter().any(|f| f.name.first() == Some(&b':'));
        // §8.3: pseudo-headers come before the other fields.
        let mut regular = false;
        for f in fields.iter() {
            let is_pseudo = f.name.first() == Some(&b':');
            assert!(
                !(is_pseudo && regular),
                "a pseudo-header after a regular field"
            );
            regular |= !is_pseudo;
            assert!(
                !f.name.iter().any(u8::is_ascii_uppercase),
                "an uppercase field name {:?}",
                String::from_utf8_lossy(f.name)
            );
        }
        if let Some(promised) = b.promised {
            let method = pseudo(":method");
            assert!(
                matches!(method.as_deref(), Some(b"GET" | b"HEAD")),
                "stream {promised} promised for {method:?}"
            );
            return;
        }
        let s = self.streams.get_mut(&b.stream).expect("entered by HEADERS");
        if s.final_head {
            // §8.1: trailers: END_STREAM, no pseudo-header.
            assert!(
                b.end_stream,
                "a header block after the final head without END_STREAM"
            );
            assert!(!any_pseudo, "trailers with a pseudo-header");
            return;
        }
        match self.side {
            Side::Client => {
                assert!(pseudo(":method").is_some(), "a request without :method");
                s.final_head = true;
            }
            Side::Server => {
                let status = pseudo(":status").expect("a response without :status");
                assert!(
                    status.len() == 3 && status.iter().all(u8::is_ascii_digit),
                    "status {status:?}"
                );
                assert_ne!(status, b"101", "101 on HTTP/2");
                if status[0] == b'1' {
                    assert!(!b.end_stream, "an informational response with END_STREAM");
                } else {
                    s.final_head = true;
                }
            }
        }
    }
}

// ---- the harness: the connection, the clock and the invariants -------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Frames,
    Server { auto: bool },
    Client,
}

/// What one run produced.
struct Outcome {
    summary: Summary,
    events: Vec<String>,
    wire: Vec<u8>,
    /// The wire started with the preface and nothing but reads happened before it was
    /// complete: a detecting server must behave exactly as an HTTP/2 one.
    pristine: bool,
}

/// One announced stream, as the events told it.
#[derive(Debug, Default)]
struct Track {
    /// Nothing more comes from the peer on it.
    in_ended: bool,
    /// The final head arrived (a server's request head is final).
    final_in: bool,
    reset: bool,
    tunnel: bool,
    /// This side never sends on it (a stream promised to a client).
    silent: bool,
}

/// A command refused while events were still queued: they must explain it by the end
/// of the drain (its stream was reset or closed, or the connection is going away).
#[derive(Debug)]
struct Refusal {
    stream: Option<u32>,
    what: &'static str,
    error: Misuse,
}

/// A write a full send buffer refused.
#[derive(Debug)]
enum Held {
    Data(Vec<u8>, bool),
    Trailers,
}

/// The connection and everything observed about it.
struct Harness<'a> {
    conn: Connection,
    side: Side,
    mode: Mode,
    now: Instant,
    wire: &'a [u8],
    choices: &'a [u8],
    eof: bool,
    /// The deadline reported by the last complete drain.
    deadline: Option<Instant>,
    /// Something may have changed since the last complete drain.
    dirty: bool,
    closed_seen: bool,
    write_closed_seen: bool,
    goaway_seen: bool,
    /// The application sent GOAWAY.
    goaway_sent: bool,
    input_fed: usize,
    app_bytes: usize,
    commands: usize,
    events: usize,
    summary: Summary,
    tracks: BTreeMap<u32, Track>,
    /// The highest stream the peer announced (a request, or a promise).
    last_remote: u32,
    pings: VecDeque<([u8; 8], Instant)>,
    ping_count: u64,
    refusals: Vec<Refusal>,
    /// What a full send buffer refused, per stream in order: written again on
    /// `Writable`, as an application that obeys backpressure does.
    held: BTreeMap<u32, VecDeque<Held>>,
    peer: Peer,
    /// Frames checked once the connection is known to speak HTTP/2.
    out: Option<Wire>,
    /// Frames of unknown types are shown to the application.
    extension_frames: bool,
    log: Vec<String>,
    written: Vec<u8>,
}

impl<'a> Harness<'a> {
    fn h2(&self) -> bool {
        self.conn.version() == Version::Http2
    }

    fn choice(&mut self) -> u8 {
        match self.choices.split_first() {
            Some((&c, rest)) => {
                self.choices = rest;
                c
            }
            None => 0,
        }
    }

    fn input(&mut self, bytes: &[u8]) {
        self.input_fed += bytes.len();
        self.dirty = true;
        self.peer.feed(bytes);
        self.conn.handle_input(self.now, bytes);
    }

    fn feed(&mut self, n: usize) {
        if self.eof || self.wire.is_empty() {
            return;
        }
        let (chunk, rest) = self.wire.split_at(n.min(self.wire.len()));
        self.wire = rest;
        self.input(chunk);
    }

    fn end_input(&mut self) {
        if !self.eof {
            self.eof = true;
            self.dirty = true;
            self.conn.handle_eof(self.now);
        }
    }

    fn pass_time(&mut self, k: u8) {
        let jump = k < 8;
        let step = match k {
            0..=7 => Duration::from_secs(1),
            8..=23 => Duration::from_millis(250) * u32::from(k - 7),
            _ => Duration::from_secs(10) * u32::from(k - 23),
        };
        self.now = match self.deadline {
            Some(d) if jump => d.max(self.now),
            _ => self.now + step,
        };
        self.dirty = true;
        self.conn.handle_timeout(self.now);
    }

    /// Records a command's result. After `Closed` every command must fail; a command
    /// that fails while nothing is pending must leave the connection exactly as it was.
    fn cmd<T>(&mut self, result: Result<T, Misuse>) -> Option<T> {
        self.commands += 1;
        if self.closed_seen {
            assert!(result.is_err(), "a command was accepted after Closed");
        }
        match result {
            Ok(v) => {
                self.dirty = true;
                Some(v)
            }
            Err(e) => {
                if !self.dirty {
                    self.check_unchanged(&e);
                }
                None
            }
        }
    }

    /// Like `cmd`, for a command that is valid in the application's view of `stream`:
    /// on HTTP/2 it may only fail because of news not yet delivered (a reset of the
    /// stream, or the end of the connection), which must come in the same drain.
    fn expect_ok<T>(
        &mut self,
        result: Result<T, Misuse>,
        stream: Option<StreamId>,
        what: &'static str,
    ) -> Option<T> {
        if let Err(e) = &result {
            // A full send buffer is not news from the peer: the application waits for
            // `Writable`.
            if self.h2() && !self.closed_seen && *e != Misuse::BufferFull {
                assert!(self.dirty, "{what} refused at rest: {e:?}");
                self.refusals.push(Refusal {
                    stream: stream.map(|s| s.0),
                    what,
                    error: e.clone(),
                });
            }
        }
        self.cmd(result)
    }

    /// A deliberate mistake: it must fail, and (between drains) change nothing.
    fn misuse<T: std::fmt::Debug>(&mut self, result: Result<T, Misuse>, what: &str) {
        assert!(result.is_err(), "{what} was accepted: {result:?}");
        self.cmd(result);
    }

    fn check_unchanged(&mut self, e: &Misuse) {
        let mut out = Vec::new();
        match self.conn.poll_output(&mut out) {
            Output::Timeout(t) => assert_eq!(
                t, self.deadline,
                "a refused command ({e:?}) moved the deadline"
            ),
            other => panic!("a refused command ({e:?}) left output behind: {other:?}"),
        }
        assert!(out.is_empty());
    }

    fn respond(&mut self, stream: StreamId, res: Response, end: bool) -> bool {
        let r = self.conn.send_response(stream, res, end);
        self.app_bytes += 64;
        self.expect_ok(r, Some(stream), "a response").is_some()
    }

    /// A response head, then `body` to end it.
    fn respond_with(&mut self, stream: StreamId, res: Response, body: &'static [u8]) {
        if self.respond(stream, res, false) {
            self.data(stream, body, true);
        }
    }

    /// A response head and a first piece of its body; the body goes on.
    fn respond_part(&mut self, stream: StreamId, res: Response, piece: &'static [u8]) -> bool {
        self.respond(stream, res, false) && self.data(stream, piece, false)
    }

    fn data(&mut self, stream: StreamId, data: &[u8], end: bool) -> bool {
        self.write(stream, Held::Data(data.to_vec(), end))
    }

    fn trailers(&mut self, stream: StreamId) -> bool {
        self.write(stream, Held::Trailers)
    }

    /// Writes body data or trailers behind what is held for `stream`; returns whether
    /// it was taken (sent, or held for `Writable`).
    fn write(&mut self, stream: StreamId, w: Held) -> bool {
        if let Some(held) = self.held.get_mut(&stream.0) {
            held.push_back(w);
            return true;
        }
        self.try_write(stream, w)
    }

    /// Writes `w` now; holds it if the send buffer is full.
    fn try_write(&mut self, stream: StreamId, w: Held) -> bool {
        let (r, bytes) = match &w {
            Held::Data(data, end) => (
                self.conn.send_data(stream, data.clone().into(), *end),
                data.len(),
            ),
            Held::Trailers => {
                let mut fields = Fields::new();
                fields.append("x-checksum", "0");
                (self.conn.send_trailers(stream, fields), 64)
            }
        };
        if r.is_ok() {
            self.app_bytes += bytes;
        }
        if r == Err(Misuse::BufferFull) {
            self.cmd(r);
            self.held.entry(stream.0).or_default().push_front(w);
            return true;
        }
        let what = match w {
            Held::Data(..) => "body data",
            Held::Trailers => "trailers",
        };
        self.expect_ok(r, Some(stream), what).is_some()
    }

    /// `Writable`: writes what was held for `stream` until the buffer is full again.
    fn write_held(&mut self, stream: StreamId) {
        let Some(mut held) = self.held.remove(&stream.0) else {
            return;
        };
        while let Some(w) = held.pop_front() {
            if !self.try_write(stream, w) {
                // Refused for good (the stream is over): the rest goes nowhere.
                return;
            }
            if let Some(again) = self.held.get_mut(&stream.0) {
                // Full again: the refused write is back in `held`, the rest behind it.
                again.extend(held);
                return;
            }
        }
    }

    fn ping(&mut self) {
        self.ping_count += 1;
        let payload = self.ping_count.to_be_bytes();
        let r = self.conn.ping(payload);
        if self.cmd(r).is_some() {
            self.pings.push_back((payload, self.now));
        }
    }

    fn go_away(&mut self, code: Reason) {
        let r = self.conn.go_away(code);
        if self.cmd(r).is_some() {
            self.goaway_sent = true;
        }
    }

    /// Resets `stream` (one that is neither reset nor closed both ways).
    fn reset(&mut self, stream: StreamId, code: Reason) {
        let r = self.conn.reset_stream(stream, code);
        if self.h2() {
            self.expect_ok(r, Some(stream), "reset_stream");
        } else {
            self.cmd(r);
        }
    }

    /// Whether `stream` is over both ways (HTTP/2: as the wire and the events tell).
    fn closed_both_ways(&self, stream: u32) -> bool {
        let Some(t) = self.tracks.get(&stream) else {
            return false;
        };
        t.reset || (t.in_ended && (t.silent || self.out.as_ref().is_some_and(|w| w.ended(stream))))
    }

    /// A stream the application may still act on: announced, neither reset nor closed.
    fn live_stream(&self) -> Option<StreamId> {
        self.tracks
            .keys()
            .find(|&&id| !self.closed_both_ways(id))
            .map(|&id| StreamId(id))
    }

    /// Drains `poll_output` to its deadline, handing events to the application.
    fn drain(&mut self, app: &mut dyn App) {
        self.dirty = true;
        let mut out = Vec::new();
        let mut polls = 0;
        let deadline = loop {
            polls += 1;
            assert!(polls <= MAX_POLLS, "poll_output never reached a deadline");
            match self.conn.poll_output(&mut out) {
                Output::Transmit => {
                    assert!(!out.is_empty(), "Transmit with nothing to send");
                    assert!(!self.closed_seen, "bytes to transmit after Closed");
                    assert!(
                        !self.write_closed_seen,
                        "bytes to transmit after the write side closed"
                    );
                    self.summary.transmitted += out.len();
                    if self.out.is_none() && self.h2() {
                        self.out = Some(Wire::new(self.side));
                    }
                    if let Some(w) = self.out.as_mut() {
                        w.feed(&out, &self.peer);
                    }
                    if matches!(self.mode, Mode::Server { .. }) {
                        self.written.extend_from_slice(&out);
                    }
                    out.clear();
                }
                Output::Event(ev) => {
                    assert!(!self.closed_seen, "an event after Closed: {ev:?}");
                    self.events += 1;
                    if matches!(self.mode, Mode::Server { .. }) {
                        self.log.push(format!("{ev:?}"));
                    }
                    self.observe(&ev);
                    match ev {
                        Event::Writable { stream } => self.write_held(stream),
                        Event::StreamReset { stream, .. } => {
                            self.held.remove(&stream.0);
                        }
                        _ => {}
                    }
                    app.on_event(self, &ev);
                }
                Output::Timeout(t) => break t,
            }
        };
        let refusals = std::mem::take(&mut self.refusals);
        let unexplained = refusals.iter().find(|r| {
            let stream_over = r.stream.is_some_and(|id| self.closed_both_ways(id));
            let going_away =
                matches!(r.error, Misuse::Closed) && (self.goaway_seen || self.goaway_sent);
            !(stream_over || going_away || self.closed_seen)
        });
        if let Some(r) = unexplained {
            panic!(
                "{} on stream {:?} was refused ({:?}) and no event explained it",
                r.what, r.stream, r.error
            );
        }
        if self.closed_seen {
            assert_eq!(deadline, None, "a deadline after Closed");
        }
        self.deadline = deadline;
        // A drained connection is at rest: asking again changes nothing.
        match self.conn.poll_output(&mut out) {
            Output::Timeout(t) => assert_eq!(t, deadline, "the deadline moved at rest"),
            other => panic!("poll_output after a complete drain gave {other:?}"),
        }
        assert_eq!(
            self.conn.is_closed(),
            self.closed_seen,
            "is_closed vs Closed"
        );
        if self.conn.is_write_closed() {
            self.write_closed_seen = true;
        }
        if let Some(w) = &self.out {
            assert!(w.block.is_none(), "a header block left unfinished at rest");
            self.summary.frames_out = w.frames;
            self.summary.resets_out = w.resets;
        }
        // Nothing the peer sends may make the connection write without bound: all it
        // writes is what the application gave it, answers to frames and small heads.
        let budget = 2 * self.input_fed + self.app_bytes + 512 * (self.commands + self.events + 1);
        assert!(
            self.summary.transmitted <= budget,
            "transmitted {} bytes for {} bytes of input and {} of the application",
            self.summary.transmitted,
            self.input_fed,
            self.app_bytes
        );
        assert!(
            self.summary.data_bytes <= self.input_fed,
            "more body bytes delivered than received"
        );
        self.dirty = false;
    }

    /// The track of an event's stream: announced, not reset, not closed both ways.
    fn track(&mut self, stream: StreamId, ev: &Event) -> &mut Track {
        let h2 = self.h2();
        let closed = h2 && self.closed_both_ways(stream.0);
        let t = self
            .tracks
            .get_mut(&stream.0)
            .unwrap_or_else(|| panic!("an event on a stream never announced: {ev:?}"));
        assert!(!t.reset, "an event on a stream after its reset: {ev:?}");
        assert!(!closed, "an event on a stream closed both ways: {ev:?}");
        t
    }

    /// Invariants about events that do not depend on the application.
    fn observe(&mut self, ev: &Event) {
        let h2 = self.h2();
        match ev {
            Event::Headers {
                stream,
                head,
                end_stream,
            } => {
                self.summary.heads += 1;
                match (self.side, head) {
                    (Side::Server, Head::Request(_)) => {
                        assert!(
                            !self.tracks.contains_key(&stream.0),
                            "a second request head on a stream: {ev:?}"
                        );
                        assert!(
                            stream.0 % 2 == 1 && stream.0 > self.last_remote,
                            "request streams must be odd and grow: {ev:?} after {}",
                            self.last_remote
                        );
                        self.last_remote = stream.0;
                        self.tracks.insert(
                            stream.0,
                            Track {
                                in_ended: *end_stream,
                                final_in: true,
                                ..Track::default()
                            },
                        );
                    }
                    (Side::Client, Head::Response(res)) => {
                        let t = self.track(*stream, ev);
                        assert!(
                            !t.final_in && !t.in_ended,
                            "a head after the final one: {ev:?}"
                        );
                        if res.is_informational() {
                            assert!(!end_stream, "a 1xx that ends the stream: {ev:?}");
                        } else {
                            t.final_in = true;
                        }
                        t.in_ended = *end_stream;
                    }
                    _ => panic!("a head of the wrong kind: {ev:?}"),
                }
            }
            Event::Data {
                stream,
                data,
                end_stream,
            } => {
                self.summary.data_bytes += data.len();
                let t = self.track(*stream, ev);
                assert!(t.final_in || t.tunnel, "data before the final head: {ev:?}");
                assert!(!t.in_ended, "data after the end: {ev:?}");
                t.in_ended = *end_stream;
            }
            Event::Trailers { stream, .. } => {
                self.summary.trailers += 1;
                let t = self.track(*stream, ev);
                assert!(
                    t.final_in && !t.in_ended && !t.tunnel,
                    "misplaced trailers: {ev:?}"
                );
                t.in_ended = true;
            }
            Event::ChunkExtension { stream, .. } => {
                assert!(!h2, "a chunk extension on HTTP/2");
                self.track(*stream, ev);
            }
            Event::EarlyError { stream, .. } => {
                assert!(!h2 && self.side == Side::Server, "an early error: {ev:?}");
                assert!(stream.0 > self.last_remote && !self.tracks.contains_key(&stream.0));
                self.last_remote = stream.0;
                self.tracks.insert(
                    stream.0,
                    Track {
                        in_ended: true,
                        final_in: true,
                        ..Track::default()
                    },
                );
            }
            Event::Tunnel { stream } => {
                let t = self.track(*stream, ev);
                assert!(!t.tunnel, "a second Tunnel: {ev:?}");
                t.tunnel = true;
                if !h2 {
                    // HTTP/1.1: raw bytes follow the head, whatever its framing said.
                    t.in_ended = false;
                }
            }
            Event::StreamReset { stream, .. } => {
                self.summary.resets += 1;
                self.track(*stream, ev).reset = true;
            }
            Event::Push {
                stream,
                promised,
                request,
            } => {
                assert!(h2 && self.side == Side::Client, "a push: {ev:?}");
                self.summary.pushes += 1;
                let t = self.track(*stream, ev);
                assert!(!t.in_ended, "a push on a stream the server ended: {ev:?}");
                assert!(
                    promised.0 % 2 == 0 && promised.0 > self.last_remote,
                    "promised streams must be even and grow: {ev:?} after {}",
                    self.last_remote
                );
                assert!(
                    request.is_method("GET") || request.is_method("HEAD"),
                    "a promised request that is not safe and cacheable: {ev:?}"
                );
                self.last_remote = promised.0;
                let silent = Track {
                    silent: true,
                    ..Track::default()
                };
                self.tracks.insert(promised.0, silent);
            }
            Event::GoAway { .. } => {
                assert!(h2, "GOAWAY on HTTP/1.1");
                self.summary.goaways += 1;
                self.goaway_seen = true;
            }
            Event::Pong { payload, rtt } => {
                self.summary.pongs += 1;
                let i = self
                    .pings
                    .iter()
                    .position(|(p, _)| p == payload)
                    .unwrap_or_else(|| panic!("a pong for no ping: {ev:?}"));
                let (_, sent) = self.pings.remove(i).expect("found");
                assert_eq!(
                    *rtt,
                    self.now.saturating_duration_since(sent),
                    "the round trip of {ev:?}"
                );
            }
            Event::Closed { error } => {
                self.closed_seen = true;
                self.summary.close_error = error.clone();
                if h2 {
                    // Every stream ends or is reset before the connection closes.
                    let open: Vec<u32> = self
                        .tracks
                        .keys()
                        .copied()
                        .filter(|&id| !self.closed_both_ways(id))
                        .collect();
                    assert!(open.is_empty(), "streams {open:?} left open at Closed");
                }
            }
            Event::ExtensionFrame { kind, .. } => {
                assert!(self.extension_frames, "an extension frame nobody asked for");
                // RFC 9113 §6 and RFC 9218 define 0x0-0x9 and 0x10.
                assert!(
                    *kind > 0x9 && *kind != 0x10,
                    "a defined frame type shown as an extension: {ev:?}"
                );
            }
            Event::Writable { stream } => {
                // Room on a stream this side sends on; the peer has no say in it.
                let t = self.track(*stream, ev);
                assert!(
                    !t.silent,
                    "room on a stream this side never sends on: {ev:?}"
                );
            }
            _ => panic!("an event the driver does not know: {ev:?}"),
        }
    }
}

trait App {
    /// Called once after the first drain.
    fn start(&mut self, _h: &mut Harness<'_>) {}
    /// Called for each event, after the harness checked it.
    fn on_event(&mut self, h: &mut Harness<'_>, ev: &Event);
    /// An application action of kind `k` (0..32), between drains.
    fn act(&mut self, h: &mut Harness<'_>, k: u8);
    /// Ends what the application still holds open; returns whether it did anything.
    fn finish(&mut self, h: &mut Harness<'_>) -> bool;
}

fn run(mode: Mode, script: Script<'_>) -> Outcome {
    let now = base();
    let config = script.config;
    let extension_frames = config.h2_extension_frames;
    let (side, conn) = match mode {
        Mode::Frames | Mode::Server { auto: false } => (
            Side::Server,
            Connection::with_version(Side::Server, Version::Http2, config, now),
        ),
        Mode::Server { auto: true } => (Side::Server, Connection::new(Side::Server, config, now)),
        Mode::Client => (
            Side::Client,
            Connection::with_version(Side::Client, Version::Http2, config, now),
        ),
    };
    let mut server_app = ServerApp::default();
    let mut client_app = ClientApp::default();
    let app: &mut dyn App = match side {
        Side::Server => &mut server_app,
        Side::Client => &mut client_app,
    };
    let mut h = Harness {
        conn,
        side,
        mode,
        now,
        wire: script.wire,
        choices: script.choices,
        eof: false,
        deadline: None,
        dirty: true,
        closed_seen: false,
        write_closed_seen: false,
        goaway_seen: false,
        goaway_sent: false,
        input_fed: 0,
        app_bytes: 0,
        commands: 0,
        events: 0,
        summary: Summary::default(),
        tracks: BTreeMap::new(),
        last_remote: 0,
        pings: VecDeque::new(),
        ping_count: 0,
        refusals: Vec::new(),
        held: BTreeMap::new(),
        peer: Peer::new(side),
        out: None,
        extension_frames,
        log: Vec::new(),
        written: Vec::new(),
    };
    let mut pristine = script.wire.starts_with(PREFACE);
    h.drain(app);
    if mode == Mode::Frames {
        let mut prelude = PREFACE.to_vec();
        prelude.extend_from_slice(&EMPTY_SETTINGS);
        h.input(&prelude);
        h.drain(app);
    }
    app.start(&mut h);
    h.drain(app);
    if mode == Mode::Frames {
        for &b in script.ops {
            h.feed(split_len(b));
            h.drain(app);
        }
    }
    for &c in script.ops.iter().filter(|_| mode != Mode::Frames) {
        let k = c >> 3;
        let is_feed = c % 8 <= 4 || (c % 8 == 6 && k >= 16);
        if !is_feed && !h.h2() {
            pristine = false;
        }
        match c % 8 {
            0..=3 => h.feed(usize::from(k) + 1),
            4 => h.feed(61 * (usize::from(k) + 1)),
            5 => {
                let before = h.deadline;
                h.pass_time(k);
                let due = before.is_some_and(|d| d <= h.now);
                h.drain(app);
                if due {
                    // A deadline that fired must not be reported again, or an adapter
                    // would spin on it.
                    assert!(
                        h.deadline.is_none_or(|d| d > h.now),
                        "the deadline that just fired is still due"
                    );
                }
            }
            6 if k < 16 => h.end_input(),
            6 => h.feed(usize::MAX),
            _ => app.act(&mut h, k),
        }
        h.drain(app);
        // Parking an idle connection and resuming it is invisible: whatever the
        // script did, the events and the bytes stay those of a connection never
        // parked (the detected and fixed servers, compared below, park alike).
        if c & 0x40 != 0 {
            let version = h.conn.version();
            if let Some(parked) = h.conn.park() {
                assert!(
                    h.conn.is_closed(),
                    "a parked connection leaves a closed one"
                );
                assert_eq!(parked.version(), version);
                h.conn = parked.resume(h.now);
                h.drain(app);
            }
        }
    }
    h.feed(usize::MAX);
    h.drain(app);
    if !h.h2() {
        pristine = false;
    }
    h.end_input();
    h.drain(app);
    let mut rounds = 0;
    while app.finish(&mut h) {
        h.drain(app);
        rounds += 1;
        assert!(rounds <= h.input_fed + 64, "the application never finished");
    }
    assert!(
        h.closed_seen,
        "still open after end of input with everything answered"
    );
    h.summary.version = Some(h.conn.version());
    Outcome {
        summary: h.summary,
        events: h.log,
        wire: h.written,
        pristine,
    }
}

// ---- the server application ------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Plan {
    /// The response is complete (as far as the application goes).
    Done,
    /// The request body is streamed back; the response ends with it.
    Echo { trailers: bool },
    /// The response goes out once the request body has ended.
    AfterBody,
    /// The head went out; the body ends on an action, or at the end.
    Hold { trailers: bool },
}

#[derive(Debug)]
struct ServerStream {
    plan: Plan,
    request_ended: bool,
}

#[derive(Debug, Default)]
struct ServerApp {
    streams: BTreeMap<u32, ServerStream>,
}

impl ServerApp {
    fn on_request(&mut self, h: &mut Harness<'_>, id: StreamId, req: &Request, end: bool) {
        let c = h.choice();
        let mut s = ServerStream {
            plan: Plan::Done,
            request_ended: end,
        };
        if c == 0xff {
            h.reset(id, Reason::CANCEL);
            return;
        }
        if c & 0x20 != 0 {
            // The response's own priority, so that responses interleave in many orders.
            let r = h
                .conn
                .set_priority(id, Priority::new((c >> 1) & 7, c & 0x08 != 0));
            h.cmd(r);
        }
        let trailers = c & 0x10 != 0;
        if req.is_method("CONNECT") {
            // A tunnel (HTTP/2: the stream's DATA both ways) that echoes.
            h.respond(id, Response::new(200), false);
            s.plan = Plan::Echo { trailers: false };
        } else {
            match c % 8 {
                0 => {
                    h.respond_with(id, Response::new(200), b"hello");
                }
                1 => {
                    h.respond(id, Response::new(204), true);
                }
                2 => {
                    let hints = Response::new(103).field("link", "</a.css>; rel=preload");
                    let res = Response::new(200).field("content-length", "10");
                    if h.respond(id, hints, false) && h.respond_part(id, res, b"hello") {
                        h.data(id, b"world", true);
                    }
                }
                3 => {
                    h.respond(id, Response::new(200).field("x-echo", "1"), false);
                    s.plan = Plan::Echo { trailers };
                }
                4 => {
                    for path in ["/pushed.css", "/pushed.js"] {
                        self.push(h, id, req, path);
                    }
                    h.respond_with(id, Response::new(200), b"with pushes");
                }
                5 => {
                    h.respond_with(id, Response::new(200), &BIG);
                }
                6 => s.plan = Plan::AfterBody,
                _ => {
                    h.respond_part(id, Response::new(200), b"part");
                    s.plan = Plan::Hold { trailers };
                }
            }
        }
        if c & 0x40 != 0 {
            h.ping();
        }
        if c & 0x80 != 0 {
            h.go_away(Reason::NO_ERROR);
        }
        self.streams.insert(id.0, s);
        if end {
            self.request_ended(h, id);
        }
    }

    fn push(&mut self, h: &mut Harness<'_>, id: StreamId, req: &Request, path: &'static str) {
        let mut promise = Request::new("GET", path);
        promise.scheme = req.scheme.clone();
        promise.authority = req.authority.clone().or_else(|| Some("a".into()));
        let r = h.conn.push(id, promise);
        if let Some(promised) = h.cmd(r) {
            h.summary.pushes += 1;
            h.tracks.insert(
                promised.0,
                Track {
                    in_ended: true,
                    final_in: true,
                    ..Track::default()
                },
            );
            h.respond_with(promised, Response::new(200), b"pushed");
        }
    }

    fn request_ended(&mut self, h: &mut Harness<'_>, id: StreamId) {
        if let Some(s) = self.streams.get_mut(&id.0) {
            s.request_ended = true;
            if matches!(s.plan, Plan::Echo { .. } | Plan::AfterBody) {
                self.end_response(h, id);
            }
        }
    }

    /// Ends the response of `id` as its plan says.
    fn end_response(&mut self, h: &mut Harness<'_>, id: StreamId) {
        let Some(s) = self.streams.get_mut(&id.0) else {
            return;
        };
        match s.plan {
            Plan::Echo { trailers } | Plan::Hold { trailers } => {
                s.plan = Plan::Done;
                if trailers {
                    h.trailers(id);
                } else {
                    h.data(id, b"", true);
                }
            }
            Plan::AfterBody if s.request_ended => {
                s.plan = Plan::Done;
                if h.respond_part(id, Response::new(200), b"done") {
                    h.trailers(id);
                }
            }
            Plan::AfterBody | Plan::Done => {}
        }
    }

    fn open(&self) -> Option<StreamId> {
        self.streams
            .iter()
            .find(|(_, s)| s.plan != Plan::Done)
            .map(|(&id, _)| StreamId(id))
    }
}

impl App for ServerApp {
    fn on_event(&mut self, h: &mut Harness<'_>, ev: &Event) {
        match ev {
            Event::Headers {
                stream,
                head: Head::Request(req),
                end_stream,
            } => self.on_request(h, *stream, req, *end_stream),
            Event::Data {
                stream,
                data,
                end_stream,
            } => {
                if let Some(s) = self.streams.get(&stream.0) {
                    if matches!(s.plan, Plan::Echo { .. }) && !data.is_empty() {
                        h.data(*stream, data, false);
                    }
                }
                if *end_stream {
                    self.request_ended(h, *stream);
                }
            }
            Event::Trailers { stream, .. } => self.request_ended(h, *stream),
            Event::StreamReset { stream, .. } => {
                // A reset stream is over: nothing more is owed on it.
                self.streams.remove(&stream.0);
            }
            _ => {}
        }
    }

    /// 0–7 end the first open response; 8–15 a deliberate misuse; 16–19 PING; 20–21
    /// GOAWAY(NO_ERROR); 22 GOAWAY(ENHANCE_YOUR_CALM); 23 a 1xx; 24–27 reset the first
    /// live stream (26–27 with NO_ERROR); 28–29 push on the first open stream; 30–31
    /// more body on a held one.
    fn act(&mut self, h: &mut Harness<'_>, k: u8) {
        let open = self.open();
        let live = h.live_stream();
        let target = open.or(live).unwrap_or(StreamId(1));
        match k {
            0..=7 => {
                if let Some(id) = open {
                    self.end_response(h, id);
                }
            }
            8..=15 => misuse(h, k - 8, target),
            16..=19 => h.ping(),
            20 | 21 => h.go_away(Reason::NO_ERROR),
            22 => h.go_away(Reason::ENHANCE_YOUR_CALM),
            23 => {
                let r = h.conn.send_response(target, Response::new(103), false);
                h.cmd(r);
            }
            24..=27 => {
                if let Some(id) = live {
                    // NO_ERROR after a complete response stops the request body and
                    // keeps the response (RFC 9113 §8.1).
                    let code = if k < 26 {
                        Reason::INTERNAL_ERROR
                    } else {
                        Reason::NO_ERROR
                    };
                    h.reset(id, code);
                }
            }
            28 | 29 => {
                if let Some(id) = open {
                    let req = Request::new("GET", "/").field("host", "a");
                    self.push(h, id, &req, "/late.css");
                }
            }
            _ => {
                if let Some((&id, _)) = self
                    .streams
                    .iter()
                    .find(|(_, s)| matches!(s.plan, Plan::Hold { .. }))
                {
                    h.data(StreamId(id), b"more", false);
                }
            }
        }
    }

    fn finish(&mut self, h: &mut Harness<'_>) -> bool {
        if h.closed_seen {
            return false;
        }
        let mut acted = false;
        let ids: Vec<u32> = self.streams.keys().copied().collect();
        for id in ids {
            let s = &self.streams[&id];
            if s.plan == Plan::Done || (s.plan == Plan::AfterBody && !s.request_ended) {
                continue;
            }
            self.end_response(h, StreamId(id));
            acted = true;
        }
        acted
    }
}

/// A deliberate mistake of kind `k` (0..8): every one of them must be refused.
fn misuse(h: &mut Harness<'_>, k: u8, stream: StreamId) {
    let none = StreamId(0);
    let server = h.side == Side::Server;
    match k {
        0 => {
            let r = h.conn.send_response(stream, Response::new(42), true);
            h.misuse(r, "status 42");
        }
        1 => {
            let mut fields = Fields::new();
            fields.append("bad name", "x");
            let r = h.conn.send_trailers(stream, fields);
            h.misuse(r, "a field name with a space");
        }
        2 => {
            let r = h.conn.send_data(none, "x".into(), true);
            h.misuse(r, "data on stream 0");
        }
        3 if server => {
            let r = h
                .conn
                .send_request(Request::new("GET", "/").field("host", "a"), true);
            h.misuse(r, "a server sending a request");
        }
        3 => {
            let r = h.conn.send_response(stream, Response::new(200), true);
            h.misuse(r, "a client sending a response");
        }
        4 if server => {
            let res = Response::new(200).field("x", "a\r\nSet-Cookie: injected");
            let r = h.conn.send_response(stream, res, true);
            h.misuse(r, "a value with CRLF");
        }
        4 => {
            let req = Request::new("GET", "/")
                .field("host", "a")
                .field("x", "a\r\nb: c");
            let r = h.conn.send_request(req, true);
            h.misuse(r, "a value with CRLF");
        }
        5 => {
            let r = h.conn.reset_stream(none, Reason::CANCEL);
            h.misuse(r, "resetting stream 0");
        }
        6 if server => {
            let r = h
                .conn
                .push(stream, Request::new("POST", "/").field("host", "a"));
            h.misuse(r, "pushing a POST");
        }
        6 => {
            let r = h
                .conn
                .push(stream, Request::new("GET", "/").field("host", "a"));
            h.misuse(r, "a client pushing");
        }
        _ if server && h.h2() => {
            let r = h.conn.send_response(stream, Response::new(103), true);
            h.misuse(r, "a 1xx that ends the stream");
        }
        _ if server => {
            let r = h.conn.accept_body(none);
            h.misuse(r, "accepting the body of stream 0");
        }
        _ => {
            let r = h
                .conn
                .send_request(Request::new("GE T", "/").field("host", "a"), true);
            h.misuse(r, "a method with a space");
        }
    }
}

// ---- the client application ------------------------------------------------------

#[derive(Debug, Default)]
struct ClientStream {
    /// The request body is still open (a streamed upload, or a tunnel).
    body_open: bool,
}

#[derive(Debug, Default)]
struct ClientApp {
    streams: BTreeMap<u32, ClientStream>,
}

impl ClientApp {
    /// Sends a request of kind `k % 8`, between drains.
    fn request(&mut self, h: &mut Harness<'_>, k: u8) {
        let host = |r: Request| r.field("host", "example.com");
        let (req, end, body): (Request, bool, &'static [u8]) = match k % 8 {
            0 => (host(Request::new("GET", "/")), true, b""),
            1 => (host(Request::new("POST", "/echo")), false, b"hello"),
            2 => (host(Request::new("POST", "/upload")), false, b""),
            3 => (
                host(Request::new("PUT", "/t")).field("te", "trailers"),
                false,
                b"abc",
            ),
            4 => (host(Request::new("HEAD", "/")), true, b""),
            5 => (Request::new("CONNECT", "example.com:443"), false, b""),
            6 => (
                host(Request::new("GET", "/long")).field("x-long", &LONG_VALUE[..]),
                true,
                b"",
            ),
            _ => (host(Request::new("POST", "/big")), false, &BIG[..]),
        };
        let r = h.conn.send_request(req, end);
        if h.goaway_seen || h.goaway_sent {
            assert!(r.is_err(), "a request accepted after GOAWAY");
        }
        let refused_ok = |e: &Misuse| {
            h.goaway_seen
                || h.goaway_sent
                || h.closed_seen
                // The server's SETTINGS_MAX_CONCURRENT_STREAMS, which the driver does not track.
                || matches!(e, Misuse::State(_))
        };
        if let Err(e) = &r {
            assert!(refused_ok(e), "a request refused: {e:?}");
        }
        let Some(id) = h.cmd(r) else {
            return;
        };
        h.app_bytes += 64 + if k % 8 == 6 { LONG_VALUE.len() } else { 0 };
        h.tracks.insert(id.0, Track::default());
        let mut s = ClientStream { body_open: !end };
        match k % 8 {
            1 | 7 => {
                h.data(id, body, true);
                s.body_open = false;
            }
            3 => {
                if h.data(id, body, false) {
                    h.trailers(id);
                }
                s.body_open = false;
            }
            2 => {
                h.data(id, b"part", false);
            }
            _ => {}
        }
        if k & 0x08 != 0 {
            // A new priority for the request: PRIORITY_UPDATE, and the order of bodies.
            let r = h
                .conn
                .set_priority(id, Priority::new(k >> 5, k & 0x10 != 0));
            h.cmd(r);
        }
        self.streams.insert(id.0, s);
    }

    fn end_body(&mut self, h: &mut Harness<'_>, id: u32, trailers: bool) {
        if let Some(s) = self.streams.get_mut(&id) {
            if s.body_open {
                s.body_open = false;
                if trailers {
                    h.trailers(StreamId(id));
                } else {
                    h.data(StreamId(id), b"", true);
                }
            }
        }
    }
}

impl App for ClientApp {
    fn start(&mut self, h: &mut Harness<'_>) {
        let n = 1 + h.choice() % 4;
        for _ in 0..n {
            let k = h.choice();
            self.request(h, k);
            h.drain(self);
        }
    }

    fn on_event(&mut self, h: &mut Harness<'_>, ev: &Event) {
        match ev {
            Event::Push { promised, .. } => {
                // Some promises are refused: the promised stream is reset.
                let refuse = h.choice() & 1 != 0;
                if refuse {
                    h.reset(*promised, Reason::CANCEL);
                }
            }
            // A tunnel is written to only while the request side is open: the
            // application may have ended it before the 2xx came.
            Event::Tunnel { stream }
                if self.streams.get(&stream.0).is_some_and(|s| s.body_open) =>
            {
                h.data(*stream, b"ping", false);
            }
            // The server closed its side of a tunnel: close ours.
            Event::Data {
                stream,
                end_stream: true,
                ..
            } if self.streams.get(&stream.0).is_some_and(|s| s.body_open)
                && h.tracks[&stream.0].tunnel =>
            {
                self.end_body(h, stream.0, false);
            }
            Event::StreamReset { stream, .. } => {
                self.streams.remove(&stream.0);
            }
            _ => {}
        }
    }

    /// 0–7 end the first open request body (odd: with trailers); 8–15 a deliberate
    /// misuse; 16–23 a new request of kind `k`; 24–27 PING; 28–29 reset the first live
    /// stream; 30 GOAWAY(NO_ERROR); 31 GOAWAY(PROTOCOL_ERROR).
    fn act(&mut self, h: &mut Harness<'_>, k: u8) {
        let live = h.live_stream();
        let target = live.unwrap_or(StreamId(1));
        match k {
            0..=7 => {
                if let Some((&id, _)) = self.streams.iter().find(|(_, s)| s.body_open) {
                    self.end_body(h, id, k % 2 == 1);
                }
            }
            8..=15 => misuse(h, k - 8, target),
            16..=23 => self.request(h, k),
            24..=27 => h.ping(),
            28 | 29 => {
                if let Some(id) = live {
                    h.reset(id, Reason::CANCEL);
                }
            }
            30 => h.go_away(Reason::NO_ERROR),
            _ => h.go_away(Reason::PROTOCOL_ERROR),
        }
    }

    fn finish(&mut self, h: &mut Harness<'_>) -> bool {
        if h.closed_seen {
            return false;
        }
        let open: Vec<u32> = self
            .streams
            .iter()
            .filter(|(_, s)| s.body_open)
            .map(|(&id, _)| id)
            .collect();
        for &id in &open {
            self.end_body(h, id, false);
        }
        !open.is_empty()
    }
}
