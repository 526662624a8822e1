//! Conversation drivers: a client and a server [`Connection`] of one version, wired
//! together in memory, driven by a list of [`Step`]s that `arbitrary` derives from the
//! fuzzer's bytes. Shared by the fuzz targets and by `tests/fuzz_conversations.rs`, so
//! this file depends on nothing but `weir`, `std` and `arbitrary`.
//!
//! A step is an application command on either side (heads from mostly valid parts,
//! data, trailers, resets, GOAWAY, 1xx, push, deliberate mistakes), a delivery of the
//! bytes in flight from one side to the other in a chosen split, bytes forged for one
//! side (a valid message or frame, then mutated), an end of input that the peer never
//! sent, or time passing. After the steps, both applications finish what they started
//! and everything in flight is delivered.
//!
//! Checked after every step:
//!
//! - nothing panics, and `poll_output` settles within [`MAX_POLLS`] calls;
//! - **misuse changes nothing**: every connection has a *twin* that gets the same
//!   inputs and the same commands, except the commands the connection refused; every
//!   output of the two must be identical, for the whole run. Whenever time passes the
//!   connection, not its twin, also releases its buffers, which must change nothing
//!   either;
//! - **what one side sends, the other reads**: the heads, bodies, trailers and ends one
//!   side delivers are, field by field, what the other side's application sent (see
//!   [`same_head`] for what each version may change), until bytes were forged;
//! - a connection that delivered `Closed` emits nothing more, whatever it is fed, and
//!   `is_closed` agrees with it; a deadline that fired is not reported again;
//! - the bounds of [`Config`]: `send_capacity` never above the send buffers, a write
//!   refused exactly when there is no capacity, HTTP/2 body queued within the buffers
//!   (by the DATA on the wire), streams open at once within the receiver's
//!   `h2_max_concurrent_streams`, every frame within the receiver's
//!   `h2_max_frame_size`, every header block decodable with the HPACK table size the
//!   receiver allowed, and no side writing more than its input and its application
//!   account for;
//! - until bytes were forged or an application aborted, neither side finds a protocol
//!   error in what the other wrote: weir must not send what weir rejects;
//! - at the end of a run without error, every message both applications completed
//!   arrived whole.
//!
//! The buffered input (`max_buffered_input`), the HPACK decoder's own table, the
//! closed-stream memory and the reset and idle-frame budgets have no public
//! introspection: they are covered only through the checks above.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use arbitrary::{Arbitrary, Unstructured};
use weir::hpack::Decoder;
use weir::{
    Config, Connection, Error, ErrorKind, Event, Fields, Head, Http2Error, Initiator, Misuse,
    Output, Priority, Reason, Request, Response, Side, StreamId, Version,
};

/// A drain that needs more `poll_output` calls than this never reaches its deadline.
pub const MAX_POLLS: usize = 100_000;

/// Steps beyond this are ignored: a run stays short whatever the input's length.
pub const MAX_STEPS: usize = 200;

/// The client connection preface (RFC 9113 §3.4).
const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

// ---- the input -------------------------------------------------------------------

/// A whole input: the two configurations, then the steps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    /// The client's configuration.
    pub client: Knobs,
    /// The server's configuration.
    pub server: Knobs,
    /// What happens, in order.
    pub steps: Vec<Step>,
}

impl Input {
    /// Reads an input the way the fuzz targets do: the knobs, then steps until the
    /// bytes run out (at most [`MAX_STEPS`]).
    pub fn from_bytes(data: &[u8]) -> Input {
        let mut u = Unstructured::new(data);
        let client = Knobs::arbitrary(&mut u).unwrap_or_default();
        let server = Knobs::arbitrary(&mut u).unwrap_or_default();
        let mut steps = Vec::new();
        while !u.is_empty() && steps.len() < MAX_STEPS {
            match Step::arbitrary(&mut u) {
                Ok(s) => steps.push(s),
                Err(_) => break,
            }
        }
        Input {
            client,
            server,
            steps,
        }
    }

    /// The bytes that [`from_bytes`](Input::from_bytes) reads back as this input (see
    /// [`Encode`]).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.client.encode(&mut out);
        self.server.encode(&mut out);
        for s in &self.steps {
            s.encode(&mut out);
        }
        out
    }
}

/// Configuration switches, one bit each: 0 small head and body limits; 1 small send
/// buffers; 2 small HTTP/2 windows; 3 two concurrent streams and two remembered closed
/// streams; 4 a 64-byte HPACK table (0 bytes with bit 3); 5 short timeouts; 6 HTTP/2
/// manual flow control; 7 (server) detect the version instead of being told.
#[derive(Arbitrary, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Knobs(pub u8);

impl Knobs {
    /// The configuration these switches make.
    pub fn config(self) -> Config {
        let bit = |n: u8| self.0 & (1 << n) != 0;
        let mut c = Config::default();
        if bit(0) {
            c.max_request_line = 128;
            c.max_head_bytes = 512;
            c.max_fields = 8;
            c.max_trailer_bytes = 64;
            c.max_chunk_line = 32;
            c.max_buffered_input = 1024;
            c.max_body = 4096;
        }
        if bit(1) {
            c.send_buffer_per_stream = 100;
            c.send_buffer_per_connection = 300;
        }
        if bit(2) {
            c.h2_initial_window_size = 100;
            c.h2_connection_window_size = 65_535;
        }
        if bit(3) {
            c.h2_max_concurrent_streams = 2;
            c.h2_max_closed_streams = 2;
        }
        if bit(4) {
            c.h2_header_table_size = if bit(3) { 0 } else { 64 };
        }
        if bit(5) {
            c.header_read_timeout = Some(Duration::from_secs(1));
            c.body_read_timeout = Some(Duration::from_secs(2));
            c.idle_timeout = Some(Duration::from_secs(3));
            c.h2_settings_timeout = Some(Duration::from_secs(1));
            c.h2_shutdown_round_trip_timeout = Some(Duration::from_secs(1));
        }
        if bit(6) {
            c.h2_manual_flow_control = true;
        }
        c
    }

    /// Whether a server detects the version (`Connection::new`) instead of being given
    /// it; only for HTTP/2, since an HTTP/1.1 server that detects could switch to h2c.
    pub fn detect(self) -> bool {
        self.0 & 0x80 != 0
    }
}

/// One side of the pair.
#[derive(Arbitrary, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    /// The client.
    Client,
    /// The server.
    Server,
}

/// A stream: one the side knows (by index, modulo how many it knows), or any id.
#[derive(Arbitrary, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick {
    /// The n-th stream the side knows, most recent first.
    Known(u8),
    /// This stream id, known or not.
    Id(u8),
}

/// What one step does.
#[derive(Arbitrary, Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// The client sends a request head.
    Request { head: ReqSpec, end: bool },
    /// The server sends a response head (1xx included).
    Response {
        stream: Pick,
        head: ResSpec,
        end: bool,
    },
    /// Body (or tunnel) bytes.
    Data {
        who: Who,
        stream: Pick,
        body: Body,
        end: bool,
    },
    /// A trailer section.
    Trailers {
        who: Who,
        stream: Pick,
        fields: [Option<FieldSpec>; 2],
    },
    /// The application abandons a stream.
    Reset { who: Who, stream: Pick, code: Code },
    /// The application shuts the connection down.
    GoAway { who: Who, code: Code },
    /// An HTTP/2 PING.
    Ping { who: Who, payload: u8 },
    /// The server promises a response (HTTP/2).
    Push { stream: Pick, target: Target },
    /// The server asks for the request body (100 Continue).
    AcceptBody { stream: Pick },
    /// The application gives back received body (manual flow control).
    Release { who: Who, stream: Pick, bytes: u16 },
    /// The application reprioritizes a stream.
    Prioritize {
        who: Who,
        stream: Pick,
        urgency: u8,
        incremental: bool,
    },
    /// A deliberate mistake: it should be refused, and change nothing.
    Mistake {
        who: Who,
        what: Mistake,
        stream: Pick,
    },
    /// Delivers some of the bytes `from` wrote to the other side; unless `force`, only
    /// while the receiver wants input.
    Deliver { from: Who, split: u8, force: bool },
    /// Delivers everything in flight both ways, in one read each.
    DeliverAll,
    /// Feeds forged bytes to one side: no longer a faithful conversation.
    Inject {
        to: Who,
        msg: Forged,
        mutations: [Option<Mutation>; 2],
        split: u8,
    },
    /// Tells one side its input ended though its peer never closed.
    Eof { to: Who },
    /// Time passes; both sides hear of it.
    Advance { by: Lapse },
}

/// A request head built from mostly valid parts.
#[derive(Arbitrary, Debug, Clone, PartialEq, Eq)]
pub struct ReqSpec {
    pub method: Method,
    pub target: Target,
    pub host: Host,
    pub fields: [Option<FieldSpec>; 3],
    pub framing: Framing,
    /// HTTP/1.0 when its low four bits are 0.
    pub version: u8,
}

/// A response head built from mostly valid parts.
#[derive(Arbitrary, Debug, Clone, PartialEq, Eq)]
pub struct ResSpec {
    pub status: Status,
    pub fields: [Option<FieldSpec>; 3],
    pub framing: Framing,
    /// 1: an empty reason phrase; 2: a custom one; else the standard one.
    pub reason: u8,
}

#[derive(Arbitrary, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Head,
    Post,
    Put,
    Delete,
    Options,
    Connect,
    Patch,
    Custom(u8),
}

#[derive(Arbitrary, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Root,
    Path(u8),
    Query(u8),
    Star,
    Absolute(u8),
    Authority,
}

#[derive(Arbitrary, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Host {
    Plain,
    Port,
    Missing,
    /// HTTP/2's `:authority` set directly, no Host field.
    Authority,
}

#[derive(Arbitrary, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// The connection decides.
    Auto,
    /// `Content-Length: n`.
    Length(u8),
    /// `Transfer-Encoding: chunked`.
    Chunked,
}

#[derive(Arbitrary, Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSpec {
    pub name: Name,
    pub value: Value,
}

#[derive(Arbitrary, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Name {
    Accept,
    UserAgent,
    Custom(u8),
    Mixed,
    Cookie,
    ContentType,
    Te,
    Expect,
    Connection,
    Upgrade,
    Priority,
    Token([u8; 2]),
}

#[derive(Arbitrary, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value {
    Empty,
    Word(u8),
    Text([u8; 5]),
    /// A value with whitespace around it.
    Padded(u8),
    Number(u16),
}

#[derive(Arbitrary, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Continue,
    Switching,
    EarlyHints,
    Ok,
    Created,
    NoContent,
    Partial,
    Moved,
    NotModified,
    BadRequest,
    NotFound,
    ServerError,
    Other(u16),
}

#[derive(Arbitrary, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    Empty,
    /// The first `len % 7` of these bytes.
    Bytes([u8; 6], u8),
    /// `len` copies of `byte`.
    Fill {
        byte: u8,
        len: u16,
    },
}

#[derive(Arbitrary, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    NoError,
    Protocol,
    Internal,
    Cancel,
    Refused,
    Calm,
    Other(u8),
}

#[derive(Arbitrary, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lapse {
    /// Tens of milliseconds.
    Ticks(u8),
    Seconds(u8),
    /// To the earliest deadline either side reported.
    Deadline,
    Minutes(u8),
}

/// Commands that should be refused.
#[derive(Arbitrary, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mistake {
    DataOnUnknownStream,
    RequestFromServer,
    ResponseFromClient,
    SecondFinalResponse,
    BadFieldName,
    BadFieldValue,
    BadStatus(u16),
    DataAfterEnd,
    TrailersTwice,
    PushFromClient,
    ExtensionFrameOfKnownType(u8),
    ReleaseTooMuch,
    InformationalWithEnd,
    RequestWithoutHost,
    ResetUnknownStream,
    BadTarget,
    BadMethod,
    ContentLengthOverrun,
}

/// Bytes forged for one side: something its peer might send.
#[derive(Arbitrary, Debug, Clone, PartialEq, Eq)]
pub enum Forged {
    H1Request {
        head: ReqSpec,
        body: Body,
        chunked: bool,
    },
    H1Response {
        status: Status,
        body: Body,
        chunked: bool,
    },
    Headers {
        stream: Pick,
        end: bool,
        head: ReqSpec,
        status: Status,
    },
    Data {
        stream: Pick,
        len: u8,
        end: bool,
        pad: u8,
    },
    RstStream {
        stream: Pick,
        code: Code,
    },
    Settings {
        id: u8,
        value: u32,
    },
    SettingsAck,
    Ping {
        ack: bool,
    },
    GoAway {
        last: Pick,
        code: Code,
    },
    WindowUpdate {
        stream: Pick,
        increment: u32,
    },
    Priority {
        stream: Pick,
    },
    Continuation {
        stream: Pick,
        end: bool,
    },
    PushPromise {
        stream: Pick,
        promised: u8,
    },
    Unknown {
        kind: u8,
        stream: Pick,
    },
    Raw([u8; 8]),
}

/// A change to forged bytes; positions wrap around the length.
#[derive(Arbitrary, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mutation {
    Flip { at: u16, bit: u8 },
    Truncate { at: u16 },
    Duplicate { at: u16, len: u8 },
    Insert { at: u16, byte: u8 },
}

// ---- from the specs to heads and bytes ---------------------------------------------

/// Bytes mapped into visible ASCII that a field value may hold, no leading or trailing
/// space.
fn text(bytes: &[u8]) -> Vec<u8> {
    let mut v: Vec<u8> = bytes.iter().map(|b| b' ' + b % 95).collect();
    for end in [0, v.len().saturating_sub(1)] {
        if let Some(b) = v.get_mut(end) {
            if *b == b' ' {
                *b = b'x';
            }
        }
    }
    v
}

const TCHARS: &[u8] =
    b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~";

fn token(bytes: &[u8]) -> Vec<u8> {
    bytes
        .iter()
        .map(|b| TCHARS[usize::from(*b) % TCHARS.len()])
        .collect()
}

impl FieldSpec {
    fn build(&self) -> (Vec<u8>, Vec<u8>) {
        let name: Vec<u8> = match self.name {
            Name::Accept => b"Accept".to_vec(),
            Name::UserAgent => b"User-Agent".to_vec(),
            Name::Custom(n) => format!("x-f{}", n % 8).into_bytes(),
            Name::Mixed => b"X-Mixed-Case".to_vec(),
            Name::Cookie => b"cookie".to_vec(),
            Name::ContentType => b"Content-Type".to_vec(),
            Name::Te => return (b"TE".to_vec(), b"trailers".to_vec()),
            Name::Expect => return (b"Expect".to_vec(), b"100-continue".to_vec()),
            Name::Connection => b"Connection".to_vec(),
            Name::Upgrade => b"Upgrade".to_vec(),
            Name::Priority => b"priority".to_vec(),
            Name::Token(t) => {
                let mut n = b"x-".to_vec();
                n.extend(token(&t));
                n
            }
        };
        let value: Vec<u8> = match (self.name, self.value) {
            (Name::Connection, Value::Word(w)) => {
                [&b"close"[..], b"keep-alive", b"upgrade", b"x-f1"][usize::from(w % 4)].to_vec()
            }
            (Name::Upgrade, Value::Word(w)) => {
                [&b"websocket"[..], b"h2c", b"x/1"][usize::from(w % 3)].to_vec()
            }
            (Name::Priority, Value::Word(w)) => format!("u={}, i", w % 9).into_bytes(),
            (_, Value::Empty) => Vec::new(),
            (_, Value::Word(w)) => [&b"*/*"[..], b"text/plain", b"gzip", b"a=b; c=d", b"weir"]
                [usize::from(w % 5)]
            .to_vec(),
            (_, Value::Text(t)) => text(&t),
            (_, Value::Padded(w)) => format!(" v{w}\t").into_bytes(),
            (_, Value::Number(n)) => n.to_string().into_bytes(),
        };
        (name, value)
    }
}

/// The fields these specs describe, in order.
pub fn fields_of(specs: &[Option<FieldSpec>]) -> Fields {
    let mut f = Fields::new();
    for spec in specs.iter().flatten() {
        let (n, v) = spec.build();
        f.append(n, v);
    }
    f
}

impl Framing {
    fn add(self, fields: &mut Fields) {
        match self {
            Framing::Auto => {}
            Framing::Length(n) => fields.append("Content-Length", n.to_string()),
            Framing::Chunked => fields.append("Transfer-Encoding", "chunked"),
        }
    }
}

impl Method {
    fn bytes(self) -> &'static [u8] {
        match self {
            Method::Get => b"GET",
            Method::Head => b"HEAD",
            Method::Post => b"POST",
            Method::Put => b"PUT",
            Method::Delete => b"DELETE",
            Method::Options => b"OPTIONS",
            Method::Connect => b"CONNECT",
            Method::Patch => b"PATCH",
            Method::Custom(n) => [&b"PROPFIND"[..], b"X-M", b"purge", b"M1"][usize::from(n % 4)],
        }
    }
}

impl Target {
    fn bytes(self) -> Vec<u8> {
        match self {
            Target::Root => b"/".to_vec(),
            Target::Path(n) => format!("/p{}/{}", n % 16, n / 16).into_bytes(),
            Target::Query(n) => format!("/q?x={n}&y=%20").into_bytes(),
            Target::Star => b"*".to_vec(),
            Target::Absolute(n) => format!("http://a.test/abs{}", n % 8).into_bytes(),
            Target::Authority => b"a.test:443".to_vec(),
        }
    }
}

impl ReqSpec {
    /// The request this spec describes.
    pub fn build(&self) -> Request {
        let mut req = Request::new(self.method.bytes(), self.target.bytes());
        if self.version & 0xf == 0 {
            req = req.version(Version::Http10);
        }
        match self.host {
            Host::Plain => req.fields.append("Host", "a.test"),
            Host::Port => req.fields.append("Host", "a.test:8080"),
            Host::Missing => {}
            Host::Authority => req.authority = Some("a.test".into()),
        }
        for (n, v) in fields_of(&self.fields).iter().map(|f| (f.name, f.value)) {
            req.fields.append(n, v);
        }
        self.framing.add(&mut req.fields);
        req
    }
}

impl Status {
    /// The status code (`Other` wraps into 100 to 999).
    pub fn code(self) -> u16 {
        match self {
            Status::Continue => 100,
            Status::Switching => 101,
            Status::EarlyHints => 103,
            Status::Ok => 200,
            Status::Created => 201,
            Status::NoContent => 204,
            Status::Partial => 206,
            Status::Moved => 301,
            Status::NotModified => 304,
            Status::BadRequest => 400,
            Status::NotFound => 404,
            Status::ServerError => 500,
            Status::Other(n) => 100 + n % 900,
        }
    }
}

impl ResSpec {
    /// The response this spec describes.
    pub fn build(&self) -> Response {
        let mut res = Response::new(self.status.code());
        match self.reason {
            1 => res.reason = "".into(),
            2 => res.reason = "Custom Reason".into(),
            _ => {}
        }
        res.fields = fields_of(&self.fields);
        if self.status.code() == 101 {
            res.fields.append("Upgrade", "websocket");
        }
        self.framing.add(&mut res.fields);
        res
    }
}

impl Body {
    /// The bytes this spec describes.
    pub fn bytes(&self) -> Vec<u8> {
        match *self {
            Body::Empty => Vec::new(),
            Body::Bytes(b, n) => b[..usize::from(n % 7).min(6)].to_vec(),
            Body::Fill { byte, len } => vec![byte; usize::from(len)],
        }
    }
}

impl Code {
    fn reason(self) -> Reason {
        match self {
            Code::NoError => Reason::NO_ERROR,
            Code::Protocol => Reason::PROTOCOL_ERROR,
            Code::Internal => Reason::INTERNAL_ERROR,
            Code::Cancel => Reason::CANCEL,
            Code::Refused => Reason::REFUSED_STREAM,
            Code::Calm => Reason::ENHANCE_YOUR_CALM,
            Code::Other(n) => Reason(u32::from(n)),
        }
    }
}

/// Bytes per read: `0..=127` gives `n + 1`, `128..=254` gives 256-byte blocks, 255 all.
fn split_len(split: u8) -> usize {
    match split {
        0..=127 => usize::from(split) + 1,
        128..=254 => 256 * usize::from(split - 127),
        255 => usize::MAX,
    }
}

// ---- forged bytes ---------------------------------------------------------------------

fn frame(out: &mut Vec<u8>, kind: u8, flags: u8, stream: u32, payload: &[u8]) {
    let len = payload.len() as u32;
    out.extend_from_slice(&len.to_be_bytes()[1..]);
    out.push(kind);
    out.push(flags);
    out.extend_from_slice(&stream.to_be_bytes());
    out.extend_from_slice(payload);
}

/// An HPACK block of literals that never touch the dynamic table, so that a forged
/// block leaves the receiver's table as the real peer's encoder expects it.
fn literal_block(fields: &[(&[u8], &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    for (n, v) in fields {
        out.push(0x10);
        for s in [n, v] {
            let s = &s[..s.len().min(126)];
            out.push(s.len() as u8);
            out.extend_from_slice(s);
        }
    }
    out
}

impl Forged {
    fn bytes(&self, receiver: Side, known: &[StreamId]) -> Vec<u8> {
        let id = |p: &Pick| pick(*p, known).0;
        let mut out = Vec::new();
        match self {
            Forged::H1Request {
                head,
                body,
                chunked,
            } => {
                let req = head.build();
                out.extend_from_slice(&req.method);
                out.push(b' ');
                out.extend_from_slice(&req.target);
                out.extend_from_slice(b" HTTP/1.1\r\n");
                h1_fields(&mut out, &req.fields, &body.bytes(), *chunked);
            }
            Forged::H1Response {
                status,
                body,
                chunked,
            } => {
                out.extend_from_slice(format!("HTTP/1.1 {} X\r\n", status.code()).as_bytes());
                h1_fields(&mut out, &Fields::new(), &body.bytes(), *chunked);
            }
            Forged::Headers {
                stream,
                end,
                head,
                status,
            } => {
                let block = if receiver == Side::Server {
                    let req = head.build();
                    let mut f: Vec<(&[u8], &[u8])> = vec![
                        (b":method", &req.method),
                        (b":scheme", b"http"),
                        (b":path", &req.target),
                        (b":authority", b"a.test"),
                    ];
                    f.extend(req.fields.iter().map(|f| (f.name, f.value)));
                    literal_block(&f)
                } else {
                    let code = status.code().to_string();
                    literal_block(&[(b":status", code.as_bytes()), (b"x-f", b"1")])
                };
                frame(&mut out, 0x1, 0x4 | u8::from(*end), id(stream), &block);
            }
            Forged::Data {
                stream,
                len,
                end,
                pad,
            } => {
                let mut payload = Vec::new();
                let mut flags = u8::from(*end);
                if *pad > 0 {
                    flags |= 0x8;
                    payload.push(pad % 8);
                }
                payload.extend(std::iter::repeat_n(b'd', usize::from(*len)));
                payload.extend(std::iter::repeat_n(0, usize::from(*pad % 8)));
                frame(&mut out, 0x0, flags, id(stream), &payload);
            }
            Forged::RstStream { stream, code } => {
                frame(&mut out, 0x3, 0, id(stream), &code.reason().0.to_be_bytes());
            }
            Forged::Settings { id: setting, value } => {
                let mut p = u16::from(setting % 10).to_be_bytes().to_vec();
                p.extend_from_slice(&value.to_be_bytes());
                frame(&mut out, 0x4, 0, 0, &p);
            }
            Forged::SettingsAck => frame(&mut out, 0x4, 0x1, 0, &[]),
            Forged::Ping { ack } => frame(&mut out, 0x6, u8::from(*ack), 0, b"forged!!"),
            Forged::GoAway { last, code } => {
                let mut p = id(last).to_be_bytes().to_vec();
                p.extend_from_slice(&code.reason().0.to_be_bytes());
                frame(&mut out, 0x7, 0, 0, &p);
            }
            Forged::WindowUpdate { stream, increment } => {
                frame(&mut out, 0x8, 0, id(stream), &increment.to_be_bytes());
            }
            Forged::Priority { stream } => frame(&mut out, 0x2, 0, id(stream), &[0, 0, 0, 0, 16]),
            Forged::Continuation { stream, end } => {
                let block = literal_block(&[(b"x-c", b"1")]);
                frame(
                    &mut out,
                    0x9,
                    if *end { 0x4 } else { 0 },
                    id(stream),
                    &block,
                );
            }
            Forged::PushPromise { stream, promised } => {
                let mut p = u32::from(*promised).to_be_bytes().to_vec();
                p.extend(literal_block(&[
                    (b":method", b"GET"),
                    (b":scheme", b"http"),
                    (b":path", b"/pushed"),
                    (b":authority", b"a.test"),
                ]));
                frame(&mut out, 0x5, 0x4, id(stream), &p);
            }
            Forged::Unknown { kind, stream } => {
                frame(&mut out, 0xa + kind % 0xf0, 0, id(stream), b"ext")
            }
            Forged::Raw(b) => out.extend_from_slice(b),
        }
        out
    }
}

fn h1_fields(out: &mut Vec<u8>, fields: &Fields, body: &[u8], chunked: bool) {
    for f in fields {
        out.extend_from_slice(f.name);
        out.extend_from_slice(b": ");
        out.extend_from_slice(f.value);
        out.extend_from_slice(b"\r\n");
    }
    if chunked {
        out.extend_from_slice(b"Transfer-Encoding: chunked\r\n\r\n");
        if !body.is_empty() {
            out.extend_from_slice(format!("{:x}\r\n", body.len()).as_bytes());
            out.extend_from_slice(body);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"0\r\nx-t: 1\r\n\r\n");
    } else {
        out.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
        out.extend_from_slice(body);
    }
}

impl Mutation {
    fn apply(self, b: &mut Vec<u8>) {
        let at = |n: u16, len: usize| usize::from(n) % (len + 1);
        match self {
            Mutation::Flip { at: n, bit } => {
                if !b.is_empty() {
                    let i = usize::from(n) % b.len();
                    b[i] ^= 1 << (bit % 8);
                }
            }
            Mutation::Truncate { at: n } => b.truncate(at(n, b.len())),
            Mutation::Duplicate { at: n, len } => {
                let i = at(n, b.len());
                let end = (i + usize::from(len)).min(b.len());
                let copy = b[i..end].to_vec();
                b.splice(i..i, copy);
            }
            Mutation::Insert { at: n, byte } => {
                let i = at(n, b.len());
                b.insert(i, byte);
            }
        }
    }
}

/// The stream a pick names among `known` (most recent last).
fn pick(p: Pick, known: &[StreamId]) -> StreamId {
    match p {
        Pick::Known(i) if !known.is_empty() => {
            known[known.len() - 1 - usize::from(i) % known.len()]
        }
        Pick::Known(_) => StreamId(1),
        Pick::Id(n) => StreamId(u32::from(n)),
    }
}

// ---- what each side's application sent and received ------------------------------

/// One direction of one stream: what an application sent, or what a side delivered.
#[derive(Debug, Default, Clone)]
pub struct Message {
    /// The request a server promised (push), on the promised stream.
    pub pushed: Option<Request>,
    /// Heads in order (1xx included).
    pub heads: Vec<Head>,
    /// Body bytes, then tunnel bytes.
    pub body: Vec<u8>,
    pub trailers: Option<Fields>,
    /// The sender ended it, or the receiver saw its end.
    pub ended: bool,
    /// Proposed by the connection for an early error: only its status is known.
    pub loose: bool,
    /// The largest single write, for the send-buffer bounds.
    pub largest_write: usize,
}

fn is_final(h: &Head) -> bool {
    match h {
        Head::Request(_) => true,
        Head::Response(r) => r.status >= 200 || r.status == 101,
    }
}

impl Message {
    fn final_head(&self) -> Option<&Head> {
        self.heads.iter().find(|h| is_final(h))
    }
}

// ---- one side: a connection, its twin, and what it did ------------------------------

/// A connection, its twin, and what was seen of them.
pub struct End {
    who: Who,
    version: Version,
    conn: Connection,
    /// The same connection without the refused commands: a refused command changes
    /// nothing, so both must produce the same outputs for the whole run.
    twin: Connection,
    config: Config,
    /// Bytes written and not yet delivered to the peer.
    in_flight: Vec<u8>,
    transmitted: usize,
    input: usize,
    deadline: Option<Instant>,
    closed_seen: bool,
    eof_received: bool,
    /// Streams in the order this side learnt of them.
    known: Vec<StreamId>,
    /// What this side's application sent, by stream.
    pub sent: BTreeMap<u32, Message>,
    /// What this side delivered, by stream.
    pub recv: BTreeMap<u32, Message>,
    /// Streams this side saw reset.
    reset: BTreeSet<u32>,
    /// Streams this side's application reset.
    app_reset: BTreeSet<u32>,
    /// Errors from `Closed` and `EarlyError`.
    pub errors: Vec<Error>,
    early: BTreeSet<u32>,
    goaway_seen: bool,
    /// Local resets of a kind that means the peer wrote something wrong.
    suspicious_resets: Vec<(u32, Reason)>,
    app_bytes: usize,
    commands: usize,
    events: usize,
    /// Calls refused (misuse), and the steps a refused call was checked in.
    pub refused: usize,
    released: BTreeMap<u32, usize>,
    frames: FrameLog,
    buf: Vec<u8>,
    twin_buf: Vec<u8>,
    trace: bool,
}

impl End {
    fn new(who: Who, version: Version, knobs: Knobs, now: Instant) -> End {
        let config = knobs.config();
        let side = match who {
            Who::Client => Side::Client,
            Who::Server => Side::Server,
        };
        let make = || {
            if who == Who::Server && version == Version::Http2 && knobs.detect() {
                Connection::new(side, config.clone(), now)
            } else {
                Connection::with_version(side, version, config.clone(), now)
            }
        };
        End {
            who,
            version,
            conn: make(),
            twin: make(),
            frames: FrameLog::new(who, &config),
            config,
            in_flight: Vec::new(),
            transmitted: 0,
            input: 0,
            deadline: None,
            closed_seen: false,
            eof_received: false,
            known: Vec::new(),
            sent: BTreeMap::new(),
            recv: BTreeMap::new(),
            reset: BTreeSet::new(),
            app_reset: BTreeSet::new(),
            errors: Vec::new(),
            early: BTreeSet::new(),
            goaway_seen: false,
            suspicious_resets: Vec::new(),
            app_bytes: 0,
            commands: 0,
            events: 0,
            refused: 0,
            released: BTreeMap::new(),
            buf: Vec::new(),
            twin_buf: Vec::new(),
            trace: false,
        }
    }

    /// The twin, for the test that proves a difference between the two is noticed.
    pub fn twin_mut(&mut self) -> &mut Connection {
        &mut self.twin
    }

    fn learn(&mut self, id: StreamId) {
        if !self.known.contains(&id) {
            self.known.push(id);
        }
    }

    fn pick(&self, p: Pick) -> StreamId {
        pick(p, &self.known)
    }

    /// Runs a command on the connection and, if it was taken, on the twin; the twin
    /// must take it too, with the same result. A refused command is not run on the
    /// twin: it must have changed nothing, which every later output then shows.
    fn call<T: PartialEq + Debug>(
        &mut self,
        f: impl Fn(&mut Connection) -> Result<T, Misuse>,
    ) -> Result<T, Misuse> {
        self.commands += 1;
        let r = f(&mut self.conn);
        match &r {
            Ok(v) => {
                let t = f(&mut self.twin);
                assert_eq!(
                    t.as_ref(),
                    Ok(v),
                    "{:?}: the twin refused a command",
                    self.who
                );
            }
            // The one refusal documented to leave a trace: a write refused for a full
            // buffer promises an `Event::Writable`. The twin gets it too, and must
            // refuse it alike.
            Err(Misuse::BufferFull) => {
                self.refused += 1;
                let t = f(&mut self.twin);
                assert_eq!(
                    t,
                    Err(Misuse::BufferFull),
                    "{:?}: the twin took a write",
                    self.who
                );
            }
            Err(e) => {
                self.refused += 1;
                if self.trace {
                    eprintln!("{:?} refuses: {e:?}", self.who);
                }
            }
        }
        r
    }

    fn input(&mut self, now: Instant, bytes: &[u8]) {
        self.input += bytes.len();
        self.conn.handle_input(now, bytes);
        self.twin.handle_input(now, bytes);
    }

    fn eof(&mut self, now: Instant) {
        if !self.eof_received {
            self.eof_received = true;
            self.conn.handle_eof(now);
            self.twin.handle_eof(now);
        }
    }

    fn timeout(&mut self, now: Instant) {
        self.conn.handle_timeout(now);
        self.twin.handle_timeout(now);
    }

    /// Polls both connections once; they must agree.
    fn poll(&mut self) -> Output {
        self.buf.clear();
        self.twin_buf.clear();
        let a = self.conn.poll_output(&mut self.buf);
        let b = self.twin.poll_output(&mut self.twin_buf);
        let same = match (&a, &b) {
            (Output::Transmit, Output::Transmit) => self.buf == self.twin_buf,
            (Output::Event(x), Output::Event(y)) => x == y,
            (Output::Timeout(x), Output::Timeout(y)) => x == y,
            _ => false,
        };
        assert!(
            same,
            "{:?}: a refused command or a release of buffers changed the connection: {a:?} vs the twin's {b:?}",
            self.who
        );
        a
    }

    /// Whether the stream carries no body this way: a response to HEAD, a 204 or 304.
    fn bodyless_response(client: &End, server: &End, id: u32) -> bool {
        let head_req = client
            .sent
            .get(&id)
            .and_then(|m| m.heads.first())
            .and_then(Head::as_request)
            .is_some_and(|r| r.is_method("HEAD"))
            || server
                .sent
                .get(&id)
                .and_then(|m| m.pushed.as_ref())
                .is_some_and(|r| r.is_method("HEAD"));
        let status = server
            .sent
            .get(&id)
            .and_then(Message::final_head)
            .and_then(Head::as_response)
            .map(|r| r.status);
        let connect = client
            .sent
            .get(&id)
            .and_then(|m| m.heads.first())
            .and_then(Head::as_request)
            .is_some_and(|r| r.is_method("CONNECT"));
        // A 2xx to CONNECT opens a tunnel, and so does a 101 (even to a HEAD, found by
        // the sanitizer run): its bytes are no body.
        let tunnel =
            status == Some(101) || (connect && status.is_some_and(|s| (200..300).contains(&s)));
        !tunnel && (head_req || matches!(status, Some(204 | 304)))
    }
}

// ---- HTTP/2 frames this side wrote -------------------------------------------------------

/// Reads back the frames one side writes, for the bounds the peer's SETTINGS set.
struct FrameLog {
    active: bool,
    preface_left: usize,
    buf: Vec<u8>,
    /// The HEADER_TABLE_SIZE of each SETTINGS frame this side wrote, in order.
    settings_tables: Vec<Option<u32>>,
    acks: usize,
    decoder: Decoder,
    block: Option<Vec<u8>>,
    /// DATA payload written per stream.
    data: BTreeMap<u32, usize>,
}

impl FrameLog {
    fn new(who: Who, _config: &Config) -> FrameLog {
        FrameLog {
            active: true,
            preface_left: if who == Who::Client { PREFACE.len() } else { 0 },
            buf: Vec::new(),
            settings_tables: Vec::new(),
            acks: 0,
            decoder: Decoder::new(4096),
            block: None,
            data: BTreeMap::new(),
        }
    }

    /// Reads `bytes`; `peer_tables` are the table sizes the peer's SETTINGS asked for,
    /// `peer_max_frame` the largest frame it takes.
    fn feed(&mut self, mut bytes: &[u8], peer_tables: &[Option<u32>], peer_max_frame: u32) {
        if !self.active {
            return;
        }
        let n = self.preface_left.min(bytes.len());
        self.preface_left -= n;
        bytes = &bytes[n..];
        self.buf.extend_from_slice(bytes);
        let mut at = 0;
        while self.buf.len() - at >= 9 {
            let h = &self.buf[at..at + 9];
            let len = (usize::from(h[0]) << 16) | (usize::from(h[1]) << 8) | usize::from(h[2]);
            if self.buf.len() - at < 9 + len {
                break;
            }
            let (kind, flags) = (h[3], h[4]);
            let stream = u32::from_be_bytes([h[5], h[6], h[7], h[8]]) & 0x7fff_ffff;
            let payload = self.buf[at + 9..at + 9 + len].to_vec();
            at += 9 + len;
            assert!(
                len <= peer_max_frame as usize,
                "a frame of {len} bytes, over the peer's SETTINGS_MAX_FRAME_SIZE {peer_max_frame}"
            );
            self.frame(kind, flags, stream, &payload, peer_tables);
        }
        self.buf.drain(..at);
    }

    fn frame(&mut self, kind: u8, flags: u8, stream: u32, p: &[u8], peer_tables: &[Option<u32>]) {
        let padded = |p: &[u8]| -> Vec<u8> {
            if flags & 0x8 != 0 && !p.is_empty() {
                let pad = usize::from(p[0]);
                p[1..p.len().saturating_sub(pad).max(1)].to_vec()
            } else {
                p.to_vec()
            }
        };
        match kind {
            0x0 => *self.data.entry(stream).or_default() += padded(p).len(),
            0x1 => {
                let mut f = padded(p);
                if flags & 0x20 != 0 {
                    f.drain(..5.min(f.len()));
                }
                self.block = Some(f);
                if flags & 0x4 != 0 {
                    self.end_block();
                }
            }
            0x5 => {
                let f = padded(p);
                self.block = Some(f.get(4..).unwrap_or_default().to_vec());
                if flags & 0x4 != 0 {
                    self.end_block();
                }
            }
            0x9 => {
                if let Some(b) = &mut self.block {
                    b.extend_from_slice(p);
                }
                if flags & 0x4 != 0 {
                    self.end_block();
                }
            }
            0x4 if flags & 0x1 != 0 => {
                // RFC 7541 §4.2: from its acknowledgment on, the encoder keeps to the
                // table size the peer's SETTINGS asked for.
                self.acks += 1;
                if let Some(Some(size)) = peer_tables.get(self.acks - 1) {
                    self.decoder.set_max_table_size(*size as usize);
                }
            }
            0x4 => {
                let table = p
                    .chunks_exact(6)
                    .filter(|s| s[..2] == [0, 1])
                    .map(|s| u32::from_be_bytes([s[2], s[3], s[4], s[5]]))
                    .next_back();
                self.settings_tables.push(table);
            }
            _ => {}
        }
    }

    fn end_block(&mut self) {
        let Some(block) = self.block.take() else {
            return;
        };
        if let Err(e) = self.decoder.decode(&block, usize::MAX) {
            panic!("a header block does not decode with the table the peer allowed: {e:?}");
        }
        assert!(
            self.decoder.table_size() <= self.decoder.table_capacity(),
            "the HPACK table outgrew its size"
        );
    }
}

// ---- the conversation ----------------------------------------------------------------

/// What a run saw, for the corpus tests' expectations.
#[derive(Debug, Default, Clone)]
pub struct Summary {
    /// Heads delivered, both sides.
    pub heads: usize,
    /// Body bytes delivered, both sides.
    pub body_bytes: usize,
    /// Messages that arrived whole and equal to what was sent.
    pub round_trips: usize,
    /// Commands refused (and checked to have changed nothing).
    pub refused: usize,
    /// Errors either side reported (`Closed`, `EarlyError`).
    pub errors: usize,
    /// `StreamReset` events, both sides.
    pub resets: usize,
    /// Bytes were forged: only the robustness checks applied after that.
    pub tainted: bool,
}

impl Summary {
    /// Checks the expectation a corpus file's name states; panics if it is not met.
    /// `ok-…`: a faithful run without error in which messages made the round trip;
    /// `bad-…`: forged bytes or an error.
    pub fn check_name(&self, name: &str) {
        if name.starts_with("ok-") {
            assert!(
                !self.tainted && self.errors == 0 && self.resets == 0,
                "{name}: expected a clean run, got {self:?}"
            );
            assert!(self.round_trips > 0, "{name}: nothing made the round trip");
        } else if name.starts_with("bad-") {
            assert!(
                self.tainted || self.errors > 0 || self.resets > 0,
                "{name}: expected forged bytes or an error, got {self:?}"
            );
        }
    }
}

/// The clock starts at the same instant for every run of a process.
fn base() -> Instant {
    static BASE: OnceLock<Instant> = OnceLock::new();
    *BASE.get_or_init(Instant::now)
}

/// A client and a server, the clock, and whether the conversation is still faithful.
pub struct Conversation {
    version: Version,
    now: Instant,
    pub client: End,
    pub server: End,
    /// Bytes were forged (or an end of input invented): from then on, what one side
    /// reads is no longer what the other sent.
    tainted: bool,
    /// An application reset a stream or shut the connection down with an error code,
    /// or a deadline fired: what follows may legitimately look like a peer's error.
    aborted: bool,
    /// Prints every step, transmission and event (for replaying one input by hand).
    pub trace: bool,
}

/// Runs the conversation that `data` describes on `version`; panics if a check fails.
pub fn run(version: Version, data: &[u8]) -> Summary {
    run_input(version, &Input::from_bytes(data))
}

/// Runs `input` on `version`; panics if a check fails.
pub fn run_input(version: Version, input: &Input) -> Summary {
    run_traced(version, input, false)
}

/// Like [`run_input`], printing every step, transmission and event if `trace`.
pub fn run_traced(version: Version, input: &Input, trace: bool) -> Summary {
    let mut c = Conversation::new(version, input.client, input.server);
    c.trace = trace;
    c.client.trace = trace;
    c.server.trace = trace;
    c.settle();
    for step in &input.steps {
        if trace {
            eprintln!("== {step:?}");
        }
        c.step(step);
        c.settle();
    }
    c.finish()
}

impl Conversation {
    /// A pair of `version` with these configurations.
    pub fn new(version: Version, client: Knobs, server: Knobs) -> Conversation {
        let now = base();
        Conversation {
            version,
            now,
            client: End::new(Who::Client, version, client, now),
            server: End::new(Who::Server, version, server, now),
            tainted: false,
            aborted: false,
            trace: false,
        }
    }

    fn ends(&mut self, who: Who) -> (&mut End, &mut End) {
        match who {
            Who::Client => (&mut self.client, &mut self.server),
            Who::Server => (&mut self.server, &mut self.client),
        }
    }

    fn end(&mut self, who: Who) -> &mut End {
        self.ends(who).0
    }

    /// Runs one step (without draining).
    pub fn step(&mut self, step: &Step) {
        match step {
            Step::Request { head, end } => self.request(head.build(), *end),
            Step::Response { stream, head, end } => {
                let id = self.server.pick(*stream);
                self.respond(id, head.build(), *end);
            }
            Step::Data {
                who,
                stream,
                body,
                end,
            } => {
                let id = self.end(*who).pick(*stream);
                self.data(*who, id, body.bytes(), *end);
            }
            Step::Trailers {
                who,
                stream,
                fields,
            } => {
                let id = self.end(*who).pick(*stream);
                self.trailers(*who, id, fields_of(fields));
            }
            Step::Reset { who, stream, code } => {
                let id = self.end(*who).pick(*stream);
                self.reset(*who, id, code.reason());
            }
            Step::GoAway { who, code } => {
                let code = code.reason();
                if self.end(*who).call(|c| c.go_away(code)).is_ok() && code != Reason::NO_ERROR {
                    self.aborted = true;
                }
            }
            Step::Ping { who, payload } => {
                let p = [*payload; 8];
                let _ = self.end(*who).call(|c| c.ping(p));
            }
            Step::Push { stream, target } => {
                let id = self.server.pick(*stream);
                let req = Request::new("GET", target.bytes()).field("host", "a.test");
                self.push(id, req);
            }
            Step::AcceptBody { stream } => {
                let id = self.server.pick(*stream);
                let _ = self.server.call(|c| c.accept_body(id));
            }
            Step::Release { who, stream, bytes } => {
                let e = self.end(*who);
                let id = e.pick(*stream);
                let n = usize::from(*bytes);
                // Only HTTP/2 with manual flow control keeps the count (a server still
                // detecting its version takes the call as HTTP/1.1 and does nothing).
                let counts = e.conn.version() == Version::Http2 && e.config.h2_manual_flow_control;
                if e.call(|c| c.release_capacity(id, n)).is_ok() && counts {
                    *e.released.entry(id.0).or_default() += n;
                }
            }
            Step::Prioritize {
                who,
                stream,
                urgency,
                incremental,
            } => {
                let e = self.end(*who);
                let id = e.pick(*stream);
                let p = Priority::new(urgency % 8, *incremental);
                let _ = e.call(|c| c.set_priority(id, p));
            }
            Step::Mistake { who, what, stream } => self.mistake(*who, *what, *stream),
            Step::Deliver { from, split, force } => {
                self.deliver(*from, split_len(*split), *force);
            }
            Step::DeliverAll => {
                self.deliver(Who::Client, usize::MAX, false);
                self.deliver(Who::Server, usize::MAX, false);
            }
            Step::Inject {
                to,
                msg,
                mutations,
                split,
            } => {
                let side = match to {
                    Who::Client => Side::Client,
                    Who::Server => Side::Server,
                };
                self.tainted = true;
                let now = self.now;
                let e = self.end(*to);
                let mut bytes = msg.bytes(side, &e.known);
                for m in mutations.iter().flatten() {
                    m.apply(&mut bytes);
                }
                for chunk in bytes.chunks(split_len(*split).min(1 << 20)) {
                    e.input(now, chunk);
                }
            }
            Step::Eof { to } => {
                let now = self.now;
                let e = self.end(*to);
                let invented = !e.eof_received;
                e.eof(now);
                self.tainted |= invented;
            }
            Step::Advance { by } => self.advance(*by),
        }
    }

    fn request(&mut self, req: Request, end: bool) {
        let sent = req.clone();
        let e = &mut self.client;
        // A CONNECT carries no body: HTTP/1.1 ends its request at once, HTTP/2 keeps
        // the stream open for the tunnel, whatever `end` says.
        let end = match (req.is_method("CONNECT"), e.version) {
            (false, _) => end,
            (true, Version::Http2) => false,
            (true, _) => true,
        };
        if let Ok(id) = e.call(|c| c.send_request(req.clone(), end)) {
            e.learn(id);
            let m = e.sent.entry(id.0).or_default();
            m.heads.push(Head::Request(sent));
            m.ended = end;
        }
    }

    fn respond(&mut self, id: StreamId, res: Response, end: bool) {
        let sent = res.clone();
        let e = &mut self.server;
        let connect = e
            .recv
            .get(&id.0)
            .and_then(|m| m.heads.first())
            .and_then(Head::as_request)
            .is_some_and(|r| r.is_method("CONNECT"));
        // A 204 or 304 head ends the stream (it has no content), unless it opens a
        // tunnel: a 2xx to CONNECT does (a 204 can), a 304 to CONNECT does not.
        let tunnel = connect && (200..300).contains(&res.status);
        let ends = end || (matches!(res.status, 204 | 304) && !tunnel);
        if e.call(|c| c.send_response(id, res.clone(), end)).is_ok() {
            let m = e.sent.entry(id.0).or_default();
            m.heads.push(Head::Response(sent));
            m.ended |= ends;
        }
    }

    fn data(&mut self, who: Who, id: StreamId, body: Vec<u8>, end: bool) {
        let e = self.end(who);
        let capacity = e.conn.send_capacity(id);
        assert_eq!(
            capacity,
            e.twin.send_capacity(id),
            "the twin's capacity differs"
        );
        let r = e.call(|c| c.send_data(id, body.clone().into(), end));
        // Backpressure: a write is taken exactly while there is room (an empty write
        // that ends the stream always is), whatever its size.
        if !body.is_empty() || !end {
            if capacity == 0 {
                assert!(r.is_err(), "{who:?}: a write taken with no send capacity");
            } else {
                assert_ne!(
                    r,
                    Err(Misuse::BufferFull),
                    "{who:?}: a write refused with {capacity} bytes of capacity"
                );
            }
        }
        if r.is_ok() {
            e.app_bytes += body.len();
            let m = e.sent.entry(id.0).or_default();
            m.largest_write = m.largest_write.max(body.len());
            m.body.extend_from_slice(&body);
            m.ended |= end;
        }
    }

    fn trailers(&mut self, who: Who, id: StreamId, fields: Fields) {
        let e = self.end(who);
        if e.call(|c| c.send_trailers(id, fields.clone())).is_ok() {
            let m = e.sent.entry(id.0).or_default();
            // A second section can only end a tunnel (an Upgrade's, after the request's
            // own trailers), whose raw bytes carry no fields: the first is the one the
            // peer may see.
            if m.trailers.is_none() {
                m.trailers = Some(fields);
            }
            m.ended = true;
        }
    }

    fn reset(&mut self, who: Who, id: StreamId, code: Reason) {
        let e = self.end(who);
        if e.call(|c| c.reset_stream(id, code)).is_ok() {
            e.app_reset.insert(id.0);
            self.aborted = true;
        }
    }

    fn push(&mut self, id: StreamId, req: Request) {
        let e = &mut self.server;
        if let Ok(promised) = e.call(|c| c.push(id, req.clone())) {
            e.learn(promised);
            e.sent.entry(promised.0).or_default().pushed = Some(req);
        }
    }

    fn mistake(&mut self, who: Who, what: Mistake, stream: Pick) {
        let manual = self.end(who).config.h2_manual_flow_control;
        let e = self.end(who);
        let id = e.pick(stream);
        let version = e.version;
        let get = || Request::new("GET", "/").field("Host", "a.test");
        let sent = e.sent.get(&id.0);
        let ended = sent.is_some_and(|m| m.ended);
        let has_final = sent.is_some_and(|m| m.final_head().is_some());
        // What the declared Content-Length still allows, where it binds: not on a
        // CONNECT, a response to HEAD or CONNECT, a 204 or 304.
        let request = match who {
            Who::Client => sent.and_then(Message::final_head),
            Who::Server => e.recv.get(&id.0).and_then(Message::final_head),
        }
        .and_then(Head::as_request);
        let exempt = request.is_some_and(|r| r.is_method("CONNECT") || r.is_method("HEAD"))
            || sent
                .and_then(Message::final_head)
                .and_then(Head::as_response)
                .is_some_and(|r| matches!(r.status, 101 | 204 | 304));
        let declared = sent
            .and_then(Message::final_head)
            .filter(|_| !exempt)
            .and_then(|h| h.fields().get("content-length"))
            .and_then(|v| std::str::from_utf8(v).ok()?.parse::<usize>().ok())
            .map(|n| n.saturating_sub(sent.map_or(0, |m| m.body.len())));
        // `None`: not a mistake for this side or in this state.
        let r = match what {
            Mistake::DataOnUnknownStream => {
                let far = StreamId(id.0.wrapping_add(1000) | 1);
                Some(e.call(|c| c.send_data(far, "x".into(), false)))
            }
            Mistake::RequestFromServer if who == Who::Server => {
                Some(e.call(|c| c.send_request(get(), true).map(|_| ())))
            }
            Mistake::ResponseFromClient if who == Who::Client => {
                Some(e.call(|c| c.send_response(id, Response::new(200), true)))
            }
            Mistake::SecondFinalResponse if who == Who::Server && has_final => {
                Some(e.call(|c| c.send_response(id, Response::new(200), true)))
            }
            Mistake::BadFieldName if who == Who::Client => Some(e.call(|c| {
                c.send_request(get().field("bad name", "x"), true)
                    .map(|_| ())
            })),
            Mistake::BadFieldName => {
                Some(e.call(|c| c.send_response(id, Response::new(200).field("a:b", "x"), true)))
            }
            Mistake::BadFieldValue if who == Who::Client => Some(e.call(|c| {
                c.send_request(get().field("x", "a\r\nInjected: 1"), true)
                    .map(|_| ())
            })),
            Mistake::BadFieldValue => {
                Some(e.call(|c| c.send_trailers(id, [("x", "a\nb")].into_iter().collect())))
            }
            Mistake::BadStatus(n) => {
                let status = if n % 2 == 0 { n % 100 } else { 1000 + n % 1000 };
                Some(e.call(|c| c.send_response(id, Response::new(status), false)))
            }
            Mistake::DataAfterEnd if ended => {
                Some(e.call(|c| c.send_data(id, "late".into(), false)))
            }
            Mistake::TrailersTwice if ended => Some(e.call(|c| c.send_trailers(id, Fields::new()))),
            Mistake::PushFromClient if who == Who::Client => {
                Some(e.call(|c| c.push(id, get()).map(|_| ())))
            }
            Mistake::ExtensionFrameOfKnownType(k) => {
                Some(e.call(|c| c.send_extension_frame(k % 10, 0, id, "x".into())))
            }
            // Taken on a closed stream (documented), so only called, not asserted.
            Mistake::ReleaseTooMuch if manual && version == Version::Http2 => {
                let _ = e.call(|c| c.release_capacity(id, usize::MAX / 2));
                None
            }
            Mistake::InformationalWithEnd if who == Who::Server => {
                Some(e.call(|c| c.send_response(id, Response::new(103), true)))
            }
            Mistake::RequestWithoutHost if who == Who::Client && version != Version::Http2 => {
                Some(e.call(|c| c.send_request(Request::new("GET", "/"), true).map(|_| ())))
            }
            Mistake::ResetUnknownStream => {
                let far = StreamId(id.0.wrapping_add(2000) | 1);
                Some(e.call(|c| c.reset_stream(far, Reason::CANCEL)))
            }
            Mistake::BadTarget if who == Who::Client => Some(e.call(|c| {
                c.send_request(Request::new("GET", "/a b").field("Host", "a"), true)
                    .map(|_| ())
            })),
            Mistake::BadMethod if who == Who::Client => Some(e.call(|c| {
                c.send_request(Request::new("GE T", "/").field("Host", "a"), true)
                    .map(|_| ())
            })),
            // A body longer than the Content-Length the application declared.
            Mistake::ContentLengthOverrun if !ended => declared.map(|rest| {
                let over = vec![b'o'; rest + 1];
                e.call(|c| c.send_data(id, over.clone().into(), false))
            }),
            _ => None,
        };
        if let Some(r) = r {
            assert!(
                r.is_err(),
                "{who:?}: the mistake {what:?} on stream {} was taken",
                id.0
            );
        }
    }

    fn deliver(&mut self, from: Who, n: usize, force: bool) {
        let (now, trace) = (self.now, self.trace);
        let (me, peer) = self.ends(from);
        if !me.in_flight.is_empty() && (force || peer.conn.wants_input() || peer.closed_seen) {
            let n = n.min(me.in_flight.len());
            let chunk: Vec<u8> = me.in_flight.drain(..n).collect();
            if trace {
                eprintln!("{:?} reads {} bytes", peer.who, chunk.len());
            }
            peer.input(now, &chunk);
        }
        // The transport closes once the writer is done and everything it wrote is read.
        if me.in_flight.is_empty()
            && (me.conn.is_write_closed() || me.conn.is_closed())
            && !peer.eof_received
        {
            peer.eof(now);
        }
    }

    fn advance(&mut self, by: Lapse) {
        let d = match by {
            Lapse::Ticks(n) => Duration::from_millis(10 * u64::from(n)),
            Lapse::Seconds(n) => Duration::from_secs(u64::from(n)),
            Lapse::Deadline => {
                let next = [self.client.deadline, self.server.deadline]
                    .into_iter()
                    .flatten()
                    .min();
                next.map_or(Duration::ZERO, |t| t.saturating_duration_since(self.now))
            }
            Lapse::Minutes(n) => Duration::from_secs(60 * u64::from(n)),
        };
        self.now += d;
        let now = self.now;
        // An adapter releases an idle connection's buffers while time passes. Only the
        // connection does, not its twin: every later output of the two must still agree.
        self.client.conn.release_buffers();
        self.server.conn.release_buffers();
        let due: Vec<bool> = [&self.client, &self.server]
            .iter()
            .map(|e| e.deadline.is_some_and(|t| t <= now))
            .collect();
        self.client.timeout(now);
        self.server.timeout(now);
        // A deadline that fired (a stalled peer, a SETTINGS never acknowledged) ends
        // things the way a peer's error would: no longer a sign of a bad writer.
        if due.iter().any(|d| *d) {
            self.aborted = true;
        }
        self.settle();
        for (e, due) in [&self.client, &self.server].into_iter().zip(due) {
            if due {
                // A deadline that fired must not be reported again, or an adapter
                // would spin on it.
                assert!(
                    e.deadline.is_none_or(|t| t > now),
                    "{:?}: the deadline that fired is still due",
                    e.who
                );
            }
        }
    }

    /// Drains both sides until they wait, then checks every invariant.
    pub fn settle(&mut self) {
        for who in [Who::Client, Who::Server] {
            self.drain(who);
        }
        self.check();
    }

    fn drain(&mut self, who: Who) {
        let tainted = self.tainted;
        let trace = self.trace;
        let (me, peer) = self.ends(who);
        let mut polls = 0;
        let deadline = loop {
            polls += 1;
            assert!(
                polls <= MAX_POLLS,
                "{who:?}: poll_output never reached a deadline"
            );
            match me.poll() {
                Output::Transmit => {
                    assert!(!me.buf.is_empty(), "{who:?}: Transmit with nothing to send");
                    assert!(!me.closed_seen, "{who:?}: bytes to transmit after Closed");
                    me.transmitted += me.buf.len();
                    if trace {
                        eprintln!("{who:?} writes {:?}", String::from_utf8_lossy(&me.buf));
                    }
                    me.in_flight.extend_from_slice(&me.buf);
                    if me.version == Version::Http2 && !tainted {
                        let max_frame = peer.config.h2_max_frame_size;
                        let buf = std::mem::take(&mut me.buf);
                        me.frames
                            .feed(&buf, &peer.frames.settings_tables, max_frame);
                        me.buf = buf;
                    } else {
                        me.frames.active = false;
                    }
                }
                Output::Event(ev) => {
                    assert!(!me.closed_seen, "{who:?}: an event after Closed: {ev:?}");
                    me.events += 1;
                    if trace {
                        eprintln!("{who:?} delivers {ev:?}");
                    }
                    observe(me, ev);
                }
                Output::Timeout(t) => break t,
            }
        };
        if me.closed_seen {
            assert_eq!(deadline, None, "{who:?}: a deadline after Closed");
        }
        me.deadline = deadline;
        // At rest, asking again changes nothing.
        match me.poll() {
            Output::Timeout(t) => assert_eq!(t, deadline, "{who:?}: the deadline moved at rest"),
            other => panic!("{who:?}: poll_output after a complete drain gave {other:?}"),
        }
        assert_eq!(
            me.conn.is_closed(),
            me.closed_seen,
            "{who:?}: is_closed disagrees with Closed"
        );
        assert_eq!(me.conn.is_closed(), me.twin.is_closed());
        assert_eq!(me.conn.wants_input(), me.twin.wants_input());
        assert_eq!(me.conn.is_write_closed(), me.twin.is_write_closed());
    }

    /// The invariants that hold between steps.
    fn check(&self) {
        for e in [&self.client, &self.server] {
            self.check_bounds(e);
        }
        if !self.tainted {
            check_direction(&self.client, &self.server, self.version, false);
            check_direction(&self.server, &self.client, self.version, false);
            if !self.aborted {
                for e in [&self.client, &self.server] {
                    for err in &e.errors {
                        assert!(
                            !suspicious(err, &e.config),
                            "{:?} found an error in what its peer wrote: {err}",
                            e.who
                        );
                    }
                    assert!(
                        e.suspicious_resets.is_empty(),
                        "{:?} reset streams for what its peer wrote: {:?}",
                        e.who,
                        e.suspicious_resets
                    );
                }
            }
        }
    }

    fn check_bounds(&self, e: &End) {
        let c = &e.config;
        let per_stream = c.send_buffer_per_stream.max(1);
        let per_conn = c.send_buffer_per_connection.max(1);
        for id in &e.known {
            let cap = e.conn.send_capacity(*id);
            assert!(
                cap <= per_stream && cap <= per_conn,
                "{:?}: send_capacity {cap} on stream {} over the buffers",
                e.who,
                id.0
            );
        }
        // HTTP/2: the body queued (taken by send_data, not yet in a DATA frame) stays
        // within the buffers, exceeded by at most one write.
        if e.version == Version::Http2 && e.frames.active && !e.closed_seen {
            let mut total = 0;
            let mut largest = 0;
            for (id, m) in &e.sent {
                if e.reset.contains(id) || e.app_reset.contains(id) {
                    continue;
                }
                let wired = e.frames.data.get(id).copied().unwrap_or(0);
                let queued = m.body.len().saturating_sub(wired);
                assert!(
                    queued <= per_stream + m.largest_write,
                    "{:?}: {queued} bytes queued on stream {id}, over the {per_stream}-byte buffer",
                    e.who
                );
                total += queued;
                largest = largest.max(m.largest_write);
            }
            assert!(
                total <= per_conn + largest,
                "{:?}: {total} bytes queued, over the {per_conn}-byte connection buffer",
                e.who
            );
        }
        // HTTP/2: the streams the peer opened and this side delivered, certainly still
        // open, fit the concurrency limit (RFC 9113 §5.1.2): a request whose response
        // the server's application has not ended; a pushed response that started
        // (promised streams, "reserved", do not count) and has not ended.
        if e.version == Version::Http2 {
            let open = e
                .recv
                .iter()
                .filter(|(id, m)| {
                    let live = match e.who {
                        Who::Server => {
                            *id % 2 == 1
                                && m.heads.iter().any(|h| h.as_request().is_some())
                                && !e.sent.get(id).is_some_and(|s| s.ended)
                        }
                        Who::Client => *id % 2 == 0 && !m.heads.is_empty() && !m.ended,
                    };
                    live && !e.reset.contains(id)
                })
                .count();
            assert!(
                e.closed_seen || open <= c.h2_max_concurrent_streams as usize,
                "{:?}: {open} peer streams open, over the limit {}",
                e.who,
                c.h2_max_concurrent_streams
            );
        }
        // What a side writes is accounted for by its application and its input.
        let budget = e.app_bytes + 2 * e.input + 1024 * (e.commands + e.events + 2);
        assert!(
            e.transmitted <= budget,
            "{:?}: wrote {} bytes for {} of input and {} of body",
            e.who,
            e.transmitted,
            e.input,
            e.app_bytes
        );
    }

    /// Ends the run: both applications finish what they started, everything in
    /// flight is delivered, and a run without error must have delivered every message
    /// whole.
    pub fn finish(mut self) -> Summary {
        if self.trace {
            eprintln!("== finish");
        }
        let mut quiet = false;
        for _ in 0..512 {
            let before = self.progress();
            // Bytes move until both sides wait (small windows take many round trips);
            // the checks of every step, but the costly comparison, hold meanwhile.
            for _ in 0..256 {
                let moved = self.progress();
                self.deliver(Who::Client, usize::MAX, false);
                self.deliver(Who::Server, usize::MAX, false);
                self.drain(Who::Client);
                self.drain(Who::Server);
                self.check_bounds(&self.client);
                self.check_bounds(&self.server);
                if self.progress() == moved {
                    break;
                }
            }
            self.settle();
            self.finish_apps();
            self.settle();
            if self.progress() == before {
                quiet = true;
                break;
            }
        }
        // A run that could not finish within the rounds (a huge body through tiny
        // windows) proves nothing about completeness.
        let clean = quiet && self.clean();
        let mut summary = Summary {
            tainted: self.tainted,
            ..Summary::default()
        };
        if !self.tainted {
            summary.round_trips = check_direction(&self.client, &self.server, self.version, clean)
                + check_direction(&self.server, &self.client, self.version, clean);
        }
        for e in [&self.client, &self.server] {
            summary.heads += e.recv.values().map(|m| m.heads.len()).sum::<usize>();
            summary.body_bytes += e.recv.values().map(|m| m.body.len()).sum::<usize>();
            summary.refused += e.refused;
            summary.errors += e.errors.len();
            summary.resets += e.reset.len();
        }
        summary
    }

    /// What has moved so far: bytes either way, events, and the ends of the
    /// transport (a tunnel's end writes no byte).
    fn progress(&self) -> [usize; 7] {
        let (c, s) = (&self.client, &self.server);
        [
            c.transmitted,
            s.transmitted,
            c.input,
            s.input,
            c.events + s.events,
            usize::from(c.eof_received) + usize::from(s.eof_received),
            usize::from(c.conn.is_write_closed()) + usize::from(s.conn.is_write_closed()),
        ]
    }

    /// No error, reset or GOAWAY anywhere, nothing forged, no application abort: then
    /// everything both applications finished must have arrived.
    fn clean(&self) -> bool {
        !self.tainted
            && !self.aborted
            && [&self.client, &self.server]
                .iter()
                .all(|e| e.errors.is_empty() && e.reset.is_empty() && !e.goaway_seen)
    }

    /// What the applications do at the end: answer every request, end every body and
    /// tunnel, give back every received byte.
    fn finish_apps(&mut self) {
        // Server: a response to every request and promise that has none; the end of
        // every response body.
        let ids: Vec<u32> = self
            .server
            .recv
            .keys()
            .chain(self.server.sent.keys())
            .copied()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        for id in ids {
            let s = StreamId(id);
            let _ = self.server.call(|c| c.accept_body(s));
            let answered = self
                .server
                .sent
                .get(&id)
                .is_some_and(|m| m.final_head().is_some());
            let asked = self
                .server
                .recv
                .get(&id)
                .is_some_and(|m| !m.heads.is_empty())
                || self
                    .server
                    .sent
                    .get(&id)
                    .is_some_and(|m| m.pushed.is_some());
            if asked && !answered {
                self.respond(s, Response::new(200), true);
            }
            self.end_body(Who::Server, s);
        }
        let ids: Vec<u32> = self.client.sent.keys().copied().collect();
        for id in ids {
            self.end_body(Who::Client, StreamId(id));
        }
        for who in [Who::Client, Who::Server] {
            let e = self.end(who);
            let owed: Vec<(u32, usize)> =
                e.recv.iter().map(|(id, m)| (*id, m.body.len())).collect();
            for (id, got) in owed {
                let done = e.released.get(&id).copied().unwrap_or(0);
                if got > done {
                    let n = got - done;
                    if e.call(|c| c.release_capacity(StreamId(id), n)).is_ok() {
                        *e.released.entry(id).or_default() += n;
                    }
                }
            }
        }
    }

    /// Ends what `who` sent on `id`, padding a body to its Content-Length.
    fn end_body(&mut self, who: Who, id: StreamId) {
        let e = self.end(who);
        let Some(m) = e.sent.get(&id.0) else {
            return;
        };
        if m.ended || m.final_head().is_none() {
            return;
        }
        let declared = m
            .final_head()
            .and_then(|h| h.fields().get("content-length"))
            .and_then(|v| std::str::from_utf8(v).ok()?.trim().parse::<usize>().ok());
        let rest = declared.map_or(0, |n| n.saturating_sub(m.body.len()));
        self.data(who, id, vec![b'p'; rest], true);
    }
}

/// Records an event on the side that delivered it.
fn observe(e: &mut End, ev: Event) {
    match ev {
        Event::Headers {
            stream,
            head,
            end_stream,
        } => {
            e.learn(stream);
            let m = e.recv.entry(stream.0).or_default();
            m.heads.push(head);
            m.ended |= end_stream;
        }
        Event::Data {
            stream,
            data,
            end_stream,
        } => {
            let m = e.recv.entry(stream.0).or_default();
            m.body.extend_from_slice(&data);
            m.ended |= end_stream;
        }
        Event::Trailers { stream, fields } => {
            let m = e.recv.entry(stream.0).or_default();
            assert!(
                m.trailers.is_none(),
                "two trailer sections on stream {}",
                stream.0
            );
            m.trailers = Some(fields);
            m.ended = true;
        }
        Event::EarlyError {
            stream,
            error,
            response,
            ..
        } => {
            e.learn(stream);
            e.early.insert(stream.0);
            e.errors.push(error);
            // The connection answers for the application: only the status is known.
            let m = e.sent.entry(stream.0).or_default();
            m.heads.push(Head::Response(response));
            m.loose = true;
            m.ended = true;
        }
        Event::Tunnel { stream } => {
            // The tunnel reopens both directions for raw bytes.
            e.sent.entry(stream.0).or_default().ended = false;
            e.recv.entry(stream.0).or_default().ended = false;
        }
        Event::Writable { stream } => {
            let c = &e.config;
            let half = c
                .send_buffer_per_stream
                .max(1)
                .min(c.send_buffer_per_connection.max(1))
                / 2;
            let cap = e.conn.send_capacity(stream);
            assert!(
                cap >= half || e.closed_seen,
                "{:?}: Writable on stream {} with {cap} bytes of room",
                e.who,
                stream.0
            );
        }
        Event::StreamReset {
            stream,
            code,
            initiator,
        } => {
            e.reset.insert(stream.0);
            let peer_fault = matches!(
                code,
                Reason::PROTOCOL_ERROR
                    | Reason::FLOW_CONTROL_ERROR
                    | Reason::STREAM_CLOSED
                    | Reason::FRAME_SIZE_ERROR
                    | Reason::COMPRESSION_ERROR
                    | Reason::INTERNAL_ERROR
            );
            if initiator == Initiator::Local && peer_fault && !e.app_reset.contains(&stream.0) {
                e.suspicious_resets.push((stream.0, code));
            }
        }
        Event::Push {
            promised, request, ..
        } => {
            e.learn(promised);
            e.recv.entry(promised.0).or_default().pushed = Some(request);
        }
        Event::GoAway { .. } => e.goaway_seen = true,
        Event::Closed { error } => {
            e.closed_seen = true;
            // A server that fails a stream whose response has not started (a body that
            // stalled) answers for the application with the error's status.
            let answered = |e: &End, s: StreamId| {
                e.sent
                    .get(&s.0)
                    .is_some_and(|m| m.heads.iter().any(is_final))
            };
            if let Some((stream, status)) = error
                .as_ref()
                .and_then(|err| Some((err.stream?, err.status()?)))
                .filter(|(s, _)| e.who == Who::Server && !answered(e, *s))
            {
                let m = e.sent.entry(stream.0).or_default();
                m.heads.push(Head::Response(Response::new(status)));
                m.loose = true;
                m.ended = true;
            }
            if let Some(err) = error {
                // A connection error resets every open stream with its code: those
                // resets are as innocent as the error.
                if !suspicious(&err, &e.config) {
                    let code = err.reason();
                    e.suspicious_resets.retain(|(_, c)| *c != code);
                }
                e.errors.push(err);
            }
        }
        _ => {}
    }
}

/// An error that means the peer wrote something wrong (not a limit, a timeout or an
/// end of input). A frame on a stream that a small `h2_max_closed_streams` made this
/// side forget is the limit at work (RFC 9113 §5.1 lets it be an error), not a
/// mistake of the peer's.
fn suspicious(e: &Error, config: &Config) -> bool {
    match &e.kind {
        ErrorKind::Protocol(_) => true,
        ErrorKind::Http2(Http2Error::SettingsTimeout) => false,
        ErrorKind::Http2(Http2Error::StreamId | Http2Error::StreamClosed) => {
            config.h2_max_closed_streams >= 16
        }
        ErrorKind::Http2(_) => true,
        _ => false,
    }
}

// ---- what one side sent against what the other delivered ------------------------

/// Field lines as compared: name (lowercase on HTTP/2, where it is sent lowercase) and
/// value without surrounding whitespace (RFC 9110 §5.5: not part of the value).
fn lines(fields: &Fields, version: Version, skip: &[&str]) -> Vec<(Vec<u8>, Vec<u8>)> {
    fields
        .iter()
        .filter(|f| !skip.iter().any(|s| f.is(s)))
        .map(|f| {
            let name = if version == Version::Http2 {
                f.name.to_ascii_lowercase()
            } else {
                f.name.to_vec()
            };
            (name, f.value.trim_ascii().to_vec())
        })
        .collect()
}

/// What an HTTP/1.1 connection may add to a head for framing and persistence
/// (Content-Length, Transfer-Encoding, Connection): compared apart, see `same_fields`.
const H1_FRAMING: &[&str] = &["content-length", "transfer-encoding", "connection"];

/// What HTTP/2 leaves out of a head (RFC 9113 §8.2.2): the connection-specific fields;
/// Host travels as `:authority`.
const H2_DROPPED: &[&str] = &[
    "connection",
    "proxy-connection",
    "keep-alive",
    "transfer-encoding",
    "upgrade",
    "host",
];

fn same_fields(sent: &Fields, got: &Fields, version: Version) -> Result<(), String> {
    match version {
        Version::Http2 => {
            // TE goes only as `trailers`.
            let mut s = lines(sent, version, H2_DROPPED);
            s.retain(|(n, v)| n != b"te" || v.eq_ignore_ascii_case(b"trailers"));
            let g = lines(got, version, &[]);
            if s != g {
                return Err(format!("fields {s:?} arrived as {g:?}"));
            }
        }
        _ => {
            let (s, g) = (
                lines(sent, version, H1_FRAMING),
                lines(got, version, H1_FRAMING),
            );
            if s != g {
                return Err(format!("fields {s:?} arrived as {g:?}"));
            }
            // The framing fields the application wrote arrive first, as written.
            for name in H1_FRAMING {
                let s: Vec<_> = sent.get_all(name).map(<[u8]>::trim_ascii).collect();
                let g: Vec<_> = got.get_all(name).map(<[u8]>::trim_ascii).collect();
                if !g.starts_with(&s) {
                    return Err(format!("{name} {s:?} arrived as {g:?}"));
                }
            }
        }
    }
    Ok(())
}

/// Whether `got` is what `sent` becomes on the wire of `version`.
pub fn same_head(sent: &Head, got: &Head, version: Version) -> Result<(), String> {
    match (sent, got) {
        (Head::Request(s), Head::Request(g)) => {
            if s.method != g.method {
                return Err(format!("method {:?} arrived as {:?}", s.method, g.method));
            }
            if version == Version::Http2 {
                let (scheme, authority, target) = h2_request_parts(s);
                if g.target != target
                    || g.scheme.as_deref() != scheme.as_deref()
                    || g.authority.as_deref() != authority.as_deref()
                    || g.protocol != s.protocol
                {
                    return Err(format!("request {s:?} arrived as {g:?}"));
                }
            } else if s.target != g.target || s.version != g.version {
                return Err(format!("request line of {s:?} arrived as {g:?}"));
            }
            same_fields(&s.fields, &g.fields, version)
        }
        (Head::Response(s), Head::Response(g)) => {
            if s.status != g.status {
                return Err(format!("status {} arrived as {}", s.status, g.status));
            }
            if version != Version::Http2 && s.reason != g.reason {
                return Err(format!("reason {:?} arrived as {:?}", s.reason, g.reason));
            }
            same_fields(&s.fields, &g.fields, version)
        }
        _ => Err(format!("{sent:?} arrived as {got:?}")),
    }
}

/// The `:scheme`, `:authority` and target an HTTP/2 request carries (RFC 9113 §8.3.1):
/// from an absolute-form target, else the request's scheme (`http` by default) and
/// authority or Host; a CONNECT (§8.5) carries only its authority, which is its target.
fn h2_request_parts(r: &Request) -> (Option<Vec<u8>>, Option<Vec<u8>>, Vec<u8>) {
    let host = r.fields.get("host").map(<[u8]>::to_vec);
    let authority = r.authority.as_deref().map(<[u8]>::to_vec);
    if r.is_method("CONNECT") && r.protocol.is_none() {
        let a = authority.or(host).unwrap_or_else(|| r.target.to_vec());
        return (None, Some(a.clone()), a);
    }
    if let Some(rest) = r.target.strip_prefix(b"http://") {
        let slash = rest.iter().position(|&b| b == b'/').unwrap_or(rest.len());
        let path = if slash == rest.len() {
            b"/".to_vec()
        } else {
            rest[slash..].to_vec()
        };
        return (
            Some(b"http".to_vec()),
            authority.or(Some(rest[..slash].to_vec())),
            path,
        );
    }
    let scheme = r.scheme.as_deref().unwrap_or(b"http").to_vec();
    (Some(scheme), authority.or(host), r.target.to_vec())
}

/// Checks what `receiver` delivered against what `sender`'s application sent.
/// `complete`: the run ended cleanly, so every message the sender ended must have
/// arrived whole. Returns how many messages arrived whole.
pub fn check_direction(sender: &End, receiver: &End, version: Version, complete: bool) -> usize {
    let (client, server) = match sender.who {
        Who::Client => (sender, receiver),
        Who::Server => (receiver, sender),
    };
    let mut whole = 0;
    let ids: BTreeSet<u32> = sender
        .sent
        .keys()
        .chain(receiver.recv.keys())
        .copied()
        .collect();
    for id in ids {
        let empty = Message::default();
        let s = sender.sent.get(&id).unwrap_or(&empty);
        let r = receiver.recv.get(&id).unwrap_or(&empty);
        let at = format!("{:?}→{:?} stream {id}", sender.who, receiver.who);
        let bodyless = sender.who == Who::Server && End::bodyless_response(client, server, id);
        if let Err(e) = compare(s, r, version, bodyless) {
            panic!("{at}: {e}\nsent: {s:?}\ndelivered: {r:?}");
        }
        let finished = s.ended && !s.loose;
        if complete && finished && !bodyless {
            assert!(
                r.ended && r.body == s.body,
                "{at}: a clean run ended without the whole message\nsent: {s:?}\ndelivered: {r:?}"
            );
        }
        if finished && r.ended && !r.heads.is_empty() {
            whole += 1;
        }
    }
    whole
}

/// What the receiver delivered so far must be a prefix of what was sent.
pub fn compare(s: &Message, r: &Message, version: Version, bodyless: bool) -> Result<(), String> {
    match (&s.pushed, &r.pushed) {
        (_, None) => {}
        (Some(sp), Some(rp)) => same_head(
            &Head::Request(sp.clone()),
            &Head::Request(rp.clone()),
            version,
        )?,
        (None, Some(rp)) => return Err(format!("a promise never made: {rp:?}")),
    }
    // Final heads arrive in order; of the 1xx, some may be dropped (HTTP/1.0 peers, a
    // 100 Continue nobody waits for), and the connection sends 100 Continue itself.
    let (s_final, s_info): (Vec<&Head>, Vec<&Head>) = s.heads.iter().partition(|h| is_final(h));
    let (r_final, r_info): (Vec<&Head>, Vec<&Head>) = r.heads.iter().partition(|h| is_final(h));
    if r_final.len() > s_final.len() {
        return Err(format!(
            "{} final heads for {} sent",
            r_final.len(),
            s_final.len()
        ));
    }
    for (sh, rh) in s_final.iter().zip(&r_final) {
        if s.loose {
            let status = |h: &Head| h.as_response().map(|r| r.status);
            if status(sh) != status(rh) {
                return Err(format!("{sh:?} arrived as {rh:?}"));
            }
        } else {
            same_head(sh, rh, version)?;
        }
    }
    let mut pending = s_info.iter();
    for rh in r_info {
        let auto_continue = rh.as_response().is_some_and(|r| r.status == 100);
        if auto_continue {
            continue;
        }
        if !pending.any(|sh| same_head(sh, rh, version).is_ok()) {
            return Err(format!("an informational head never sent: {rh:?}"));
        }
    }
    if s.loose {
        return Ok(());
    }
    if bodyless {
        if !r.body.is_empty() {
            return Err(format!("{} body bytes where none may be", r.body.len()));
        }
    } else {
        if !s.body.starts_with(&r.body) {
            let at = s
                .body
                .iter()
                .zip(&r.body)
                .take_while(|(a, b)| a == b)
                .count();
            return Err(format!(
                "body differs at byte {at} ({} sent, {} delivered)",
                s.body.len(),
                r.body.len()
            ));
        }
        if r.ended && r.body.len() != s.body.len() {
            return Err(format!(
                "ended after {} of {} body bytes",
                r.body.len(),
                s.body.len()
            ));
        }
    }
    if let Some(rt) = &r.trailers {
        let Some(st) = &s.trailers else {
            return Err(format!("trailers never sent: {rt:?}"));
        };
        let skip: &[&str] = if version == Version::Http2 {
            H2_DROPPED
        } else {
            &[]
        };
        let (sl, rl) = (lines(st, version, skip), lines(rt, version, &[]));
        if sl != rl {
            return Err(format!("trailers {sl:?} arrived as {rl:?}"));
        }
    }
    Ok(())
}

// ---- seeds: steps back to bytes ------------------------------------------------------

/// Writes a value as the bytes `arbitrary` reads it back from (version 1.x: integers
/// little-endian, `bool` as a byte's low bit, `Option` as a `bool` then the value, an
/// enum as a `u32` scaled onto its variants, structs and arrays field by field). The
/// corpus test checks the round trip for every seed, so a change in `arbitrary`'s
/// format shows up as a failing test, not as seeds that silently mean something else.
pub trait Encode {
    fn encode(&self, out: &mut Vec<u8>);
}

/// The `u32` that `arbitrary`'s derive maps to variant `i` of `n`:
/// `(u64::from(x) * n) >> 32 == i`.
fn tag(out: &mut Vec<u8>, i: u64, n: u64) {
    let x = (i << 32).div_ceil(n);
    out.extend_from_slice(&(x as u32).to_le_bytes());
}

impl Encode for u8 {
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(*self);
    }
}
impl Encode for u16 {
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
}
impl Encode for u32 {
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
}
impl Encode for bool {
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(u8::from(*self));
    }
}
impl<T: Encode> Encode for Option<T> {
    fn encode(&self, out: &mut Vec<u8>) {
        self.is_some().encode(out);
        if let Some(v) = self {
            v.encode(out);
        }
    }
}
impl<T: Encode, const N: usize> Encode for [T; N] {
    fn encode(&self, out: &mut Vec<u8>) {
        for v in self {
            v.encode(out);
        }
    }
}

/// `Encode` for a derived enum: its variants in declaration order, each with its
/// fields.
macro_rules! encode_enum {
    ($ty:ident, $n:expr, { $($pat:pat => $i:expr, [$($f:expr),*]),* $(,)? }) => {
        impl Encode for $ty {
            #[allow(unused_variables)]
            fn encode(&self, out: &mut Vec<u8>) {
                match self {
                    $($pat => {
                        tag(out, $i, $n);
                        $($f.encode(out);)*
                    })*
                }
            }
        }
    };
}

impl Encode for Knobs {
    fn encode(&self, out: &mut Vec<u8>) {
        self.0.encode(out);
    }
}

encode_enum!(Who, 2, { Who::Client => 0, [], Who::Server => 1, [] });
encode_enum!(Pick, 2, { Pick::Known(i) => 0, [i], Pick::Id(i) => 1, [i] });
encode_enum!(Method, 9, {
    Method::Get => 0, [], Method::Head => 1, [], Method::Post => 2, [], Method::Put => 3, [],
    Method::Delete => 4, [], Method::Options => 5, [], Method::Connect => 6, [],
    Method::Patch => 7, [], Method::Custom(n) => 8, [n],
});
encode_enum!(Target, 6, {
    Target::Root => 0, [], Target::Path(n) => 1, [n], Target::Query(n) => 2, [n],
    Target::Star => 3, [], Target::Absolute(n) => 4, [n], Target::Authority => 5, [],
});
encode_enum!(Host, 4, {
    Host::Plain => 0, [], Host::Port => 1, [], Host::Missing => 2, [], Host::Authority => 3, [],
});
encode_enum!(Framing, 3, {
    Framing::Auto => 0, [], Framing::Length(n) => 1, [n], Framing::Chunked => 2, [],
});
encode_enum!(Name, 12, {
    Name::Accept => 0, [], Name::UserAgent => 1, [], Name::Custom(n) => 2, [n],
    Name::Mixed => 3, [], Name::Cookie => 4, [], Name::ContentType => 5, [], Name::Te => 6, [],
    Name::Expect => 7, [], Name::Connection => 8, [], Name::Upgrade => 9, [],
    Name::Priority => 10, [], Name::Token(t) => 11, [t],
});
encode_enum!(Value, 5, {
    Value::Empty => 0, [], Value::Word(w) => 1, [w], Value::Text(t) => 2, [t],
    Value::Padded(w) => 3, [w], Value::Number(n) => 4, [n],
});
encode_enum!(Status, 13, {
    Status::Continue => 0, [], Status::Switching => 1, [], Status::EarlyHints => 2, [],
    Status::Ok => 3, [], Status::Created => 4, [], Status::NoContent => 5, [],
    Status::Partial => 6, [], Status::Moved => 7, [], Status::NotModified => 8, [],
    Status::BadRequest => 9, [], Status::NotFound => 10, [], Status::ServerError => 11, [],
    Status::Other(n) => 12, [n],
});
encode_enum!(Body, 3, {
    Body::Empty => 0, [], Body::Bytes(b, n) => 1, [b, n], Body::Fill { byte, len } => 2, [byte, len],
});
encode_enum!(Code, 7, {
    Code::NoError => 0, [], Code::Protocol => 1, [], Code::Internal => 2, [], Code::Cancel => 3, [],
    Code::Refused => 4, [], Code::Calm => 5, [], Code::Other(n) => 6, [n],
});
encode_enum!(Lapse, 4, {
    Lapse::Ticks(n) => 0, [n], Lapse::Seconds(n) => 1, [n], Lapse::Deadline => 2, [],
    Lapse::Minutes(n) => 3, [n],
});
encode_enum!(Mistake, 18, {
    Mistake::DataOnUnknownStream => 0, [], Mistake::RequestFromServer => 1, [],
    Mistake::ResponseFromClient => 2, [], Mistake::SecondFinalResponse => 3, [],
    Mistake::BadFieldName => 4, [], Mistake::BadFieldValue => 5, [],
    Mistake::BadStatus(n) => 6, [n], Mistake::DataAfterEnd => 7, [],
    Mistake::TrailersTwice => 8, [], Mistake::PushFromClient => 9, [],
    Mistake::ExtensionFrameOfKnownType(k) => 10, [k], Mistake::ReleaseTooMuch => 11, [],
    Mistake::InformationalWithEnd => 12, [], Mistake::RequestWithoutHost => 13, [],
    Mistake::ResetUnknownStream => 14, [], Mistake::BadTarget => 15, [],
    Mistake::BadMethod => 16, [], Mistake::ContentLengthOverrun => 17, [],
});
encode_enum!(Forged, 15, {
    Forged::H1Request { head, body, chunked } => 0, [head, body, chunked],
    Forged::H1Response { status, body, chunked } => 1, [status, body, chunked],
    Forged::Headers { stream, end, head, status } => 2, [stream, end, head, status],
    Forged::Data { stream, len, end, pad } => 3, [stream, len, end, pad],
    Forged::RstStream { stream, code } => 4, [stream, code],
    Forged::Settings { id, value } => 5, [id, value],
    Forged::SettingsAck => 6, [],
    Forged::Ping { ack } => 7, [ack],
    Forged::GoAway { last, code } => 8, [last, code],
    Forged::WindowUpdate { stream, increment } => 9, [stream, increment],
    Forged::Priority { stream } => 10, [stream],
    Forged::Continuation { stream, end } => 11, [stream, end],
    Forged::PushPromise { stream, promised } => 12, [stream, promised],
    Forged::Unknown { kind, stream } => 13, [kind, stream],
    Forged::Raw(b) => 14, [b],
});
encode_enum!(Mutation, 4, {
    Mutation::Flip { at, bit } => 0, [at, bit],
    Mutation::Truncate { at } => 1, [at],
    Mutation::Duplicate { at, len } => 2, [at, len],
    Mutation::Insert { at, byte } => 3, [at, byte],
});
encode_enum!(Step, 17, {
    Step::Request { head, end } => 0, [head, end],
    Step::Response { stream, head, end } => 1, [stream, head, end],
    Step::Data { who, stream, body, end } => 2, [who, stream, body, end],
    Step::Trailers { who, stream, fields } => 3, [who, stream, fields],
    Step::Reset { who, stream, code } => 4, [who, stream, code],
    Step::GoAway { who, code } => 5, [who, code],
    Step::Ping { who, payload } => 6, [who, payload],
    Step::Push { stream, target } => 7, [stream, target],
    Step::AcceptBody { stream } => 8, [stream],
    Step::Release { who, stream, bytes } => 9, [who, stream, bytes],
    Step::Prioritize { who, stream, urgency, incremental } => 10, [who, stream, urgency, incremental],
    Step::Mistake { who, what, stream } => 11, [who, what, stream],
    Step::Deliver { from, split, force } => 12, [from, split, force],
    Step::DeliverAll => 13, [],
    Step::Inject { to, msg, mutations, split } => 14, [to, msg, mutations, split],
    Step::Eof { to } => 15, [to],
    Step::Advance { by } => 16, [by],
});

impl Encode for FieldSpec {
    fn encode(&self, out: &mut Vec<u8>) {
        self.name.encode(out);
        self.value.encode(out);
    }
}

impl Encode for ReqSpec {
    fn encode(&self, out: &mut Vec<u8>) {
        self.method.encode(out);
        self.target.encode(out);
        self.host.encode(out);
        self.fields.encode(out);
        self.framing.encode(out);
        self.version.encode(out);
    }
}

impl Encode for ResSpec {
    fn encode(&self, out: &mut Vec<u8>) {
        self.status.encode(out);
        self.fields.encode(out);
        self.framing.encode(out);
        self.reason.encode(out);
    }
}
