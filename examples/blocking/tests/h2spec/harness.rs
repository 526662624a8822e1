//! The client side of the suite: the server process, one HTTP/2 connection per case
//! written frame by frame, the events read back, and the checks that decide a case.
//!
//! The checks accept exactly what the h2spec tool accepts (version 2.6.0, the last
//! release): a connection error passes on a GOAWAY with one of the expected codes or on
//! the connection closing; a stream error also on a RST_STREAM with one of the codes;
//! every wait gives up after 2 s and a timeout ends the connection for the checks. A TCP
//! reset is *not* a close for that version (it reports "connection reset by peer" as an
//! error), so it is reported as an error here too.
//!
//! A [`Target`] says which server program to start and whether to speak to it over TLS
//! (the tool's `-t`: ALPN `h2`, and `:scheme https` in the requests).

use super::hpack::Encoder;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

/// Every wait of a case gives up after this long, as the tool's default `--timeout 2`.
pub const TIMEOUT: Duration = Duration::from_secs(2);

/// A case that has not finished after this long is reported as hung.
const CASE_LIMIT: Duration = Duration::from_secs(60);

/// The initial flow-control window (RFC 9113 §6.9.2), which the client also announces.
pub const DEFAULT_WINDOW: u32 = 65_535;

pub const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

// Frame types (RFC 9113 §6).
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

// Flags.
pub const END_STREAM: u8 = 0x1;
pub const ACK: u8 = 0x1;
pub const END_HEADERS: u8 = 0x4;
pub const PADDED: u8 = 0x8;
pub const PRIORITY_FLAG: u8 = 0x20;

// Error codes (RFC 9113 §7).
pub const NO_ERROR: u32 = 0x0;
pub const PROTOCOL_ERROR: u32 = 0x1;
pub const FLOW_CONTROL_ERROR: u32 = 0x3;
pub const STREAM_CLOSED: u32 = 0x5;
pub const FRAME_SIZE_ERROR: u32 = 0x6;
pub const REFUSED_STREAM: u32 = 0x7;
pub const CANCEL: u32 = 0x8;
pub const COMPRESSION_ERROR: u32 = 0x9;

// Settings (RFC 9113 §6.5.2).
pub const HEADER_TABLE_SIZE: u16 = 0x1;
pub const ENABLE_PUSH: u16 = 0x2;
pub const MAX_CONCURRENT_STREAMS: u16 = 0x3;
pub const INITIAL_WINDOW_SIZE: u16 = 0x4;
pub const MAX_FRAME_SIZE: u16 = 0x5;
pub const MAX_HEADER_LIST_SIZE: u16 = 0x6;

pub fn code_name(code: u32) -> String {
    let name = match code {
        0x0 => "NO_ERROR",
        0x1 => "PROTOCOL_ERROR",
        0x2 => "INTERNAL_ERROR",
        0x3 => "FLOW_CONTROL_ERROR",
        0x4 => "SETTINGS_TIMEOUT",
        0x5 => "STREAM_CLOSED",
        0x6 => "FRAME_SIZE_ERROR",
        0x7 => "REFUSED_STREAM",
        0x8 => "CANCEL",
        0x9 => "COMPRESSION_ERROR",
        0xa => "CONNECT_ERROR",
        0xb => "ENHANCE_YOUR_CALM",
        0xc => "INADEQUATE_SECURITY",
        0xd => "HTTP_1_1_REQUIRED",
        _ => return format!("unknown error code 0x{code:x}"),
    };
    name.to_string()
}

fn type_name(t: u8) -> String {
    let name = match t {
        DATA => "DATA",
        HEADERS => "HEADERS",
        PRIORITY => "PRIORITY",
        RST_STREAM => "RST_STREAM",
        SETTINGS => "SETTINGS",
        PUSH_PROMISE => "PUSH_PROMISE",
        PING => "PING",
        GOAWAY => "GOAWAY",
        WINDOW_UPDATE => "WINDOW_UPDATE",
        CONTINUATION => "CONTINUATION",
        _ => return format!("UNKNOWN(0x{t:02x})"),
    };
    name.to_string()
}

// ---- the server under test ---------------------------------------------------------

/// The byte stream of a connection: the TCP socket itself, or TLS over it.
pub trait Transport: Read + Write + Send {}

impl<T: Read + Write + Send> Transport for T {}

/// Makes a connected socket a TLS connection to `host` (the name or address dialled);
/// `Err` says why the handshake or the protocol negotiation failed.
pub type Tls = Arc<dyn Fn(&str, TcpStream) -> Result<Box<dyn Transport>, String> + Send + Sync>;

/// The server the cases run against.
#[derive(Clone)]
pub struct Target {
    /// Started as `program --listen 127.0.0.1:0 args…`; it prints `listening on ADDR`.
    pub program: &'static str,
    pub args: &'static [&'static str],
    /// `Some`: every connection is TLS, made by this; `None`: cleartext TCP.
    pub tls: Option<Tls>,
    /// Follows `h2spec` in the printed lines, to tell apart the runs of one suite
    /// against several targets (empty: nothing).
    pub label: &'static str,
}

impl Target {
    /// A server spoken to over cleartext TCP (HTTP/2 with prior knowledge).
    pub fn tcp(program: &'static str, args: &'static [&'static str]) -> Target {
        Target {
            program,
            args,
            tls: None,
            label: "",
        }
    }

    /// `h2spec` and the label, to start the printed lines.
    fn tool(&self) -> String {
        if self.label.is_empty() {
            "h2spec".into()
        } else {
            format!("h2spec {}", self.label)
        }
    }

    fn name(&self) -> &str {
        let path = std::path::Path::new(self.program);
        path.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or(self.program)
    }
}

/// A running server program, killed when dropped; or, when `H2SPEC_TARGET=HOST:PORT`
/// is set, a server already running there.
pub struct Server {
    child: Option<Child>,
    pub host: String,
    pub port: u16,
}

impl Server {
    pub fn start(target: &Target) -> Server {
        if let Some(target) = std::env::var_os("H2SPEC_TARGET") {
            let target = target.to_string_lossy().into_owned();
            let (host, port) = target
                .rsplit_once(':')
                .and_then(|(h, p)| Some((h.to_string(), p.parse().ok()?)))
                .unwrap_or_else(|| panic!("H2SPEC_TARGET={target:?} is not HOST:PORT"));
            return Server {
                child: None,
                host,
                port,
            };
        }
        let mut child = Command::new(target.program)
            .args(["--listen", "127.0.0.1:0"])
            .args(target.args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {}: {e}", target.name()));
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            let _ = reader.read_line(&mut line);
            let _ = tx.send(line);
            // Keep draining so the server never blocks on a full pipe.
            let mut sink = Vec::new();
            let _ = reader.read_to_end(&mut sink);
        });
        let line = match rx.recv_timeout(Duration::from_secs(10)) {
            Ok(line) => line,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("{} did not say where it listens", target.name());
            }
        };
        let addr = line
            .strip_prefix("listening on ")
            .map(str::trim_end)
            .unwrap_or_else(|| panic!("expected `listening on IP:PORT`, got {line:?}"));
        let port = addr
            .rsplit_once(':')
            .and_then(|(_, p)| p.parse().ok())
            .unwrap_or_else(|| panic!("no port in {addr:?}"));
        Server {
            child: Some(child),
            host: "127.0.0.1".into(),
            port,
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

// ---- the tool's configuration ------------------------------------------------------

/// What the tool is run with: `-h 127.0.0.1 -p PORT`, path `/`, headers of 4000 octets,
/// and `-t` when `tls` is set.
#[derive(Clone)]
pub struct Ctx {
    pub host: String,
    pub port: u16,
    pub path: String,
    pub max_header_len: usize,
    pub tls: Option<Tls>,
}

pub type Fields = Vec<(String, String)>;

pub fn field(name: &str, value: &str) -> (String, String) {
    (name.to_string(), value.to_string())
}

impl Ctx {
    /// `https` over TLS, as the tool sends it with `-t`.
    pub fn scheme(&self) -> &'static str {
        if self.tls.is_some() {
            "https"
        } else {
            "http"
        }
    }

    /// The host alone on the scheme's default port, as the tool writes it.
    pub fn authority(&self) -> String {
        let default_port = if self.tls.is_some() { 443 } else { 80 };
        if self.port == default_port {
            self.host.clone()
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// The request every case starts from: `GET` of the path.
    pub fn common_headers(&self) -> Fields {
        vec![
            field(":method", "GET"),
            field(":scheme", self.scheme()),
            field(":path", &self.path),
            field(":authority", &self.authority()),
        ]
    }

    /// `x-dummyN: xxx…` fields with values of `max_header_len` octets.
    pub fn dummy_headers(&self, n: usize) -> Fields {
        let value = "x".repeat(self.max_header_len);
        (0..n)
            .map(|i| (format!("x-dummy{i}"), value.clone()))
            .collect()
    }

    pub fn dial(&self) -> Result<Conn, String> {
        let addr = format!("{}:{}", self.host, self.port)
            .parse()
            .map_err(|e| format!("address: {e}"))?;
        let socket = TcpStream::connect_timeout(&addr, TIMEOUT).map_err(|e| e.to_string())?;
        socket.set_nodelay(true).ok();
        socket.set_write_timeout(Some(Duration::from_secs(5))).ok();
        // The TLS handshake gets the same time as any other wait (the tool's dial
        // timeout); reads set their own afterwards.
        socket.set_read_timeout(Some(TIMEOUT)).ok();
        let io: Box<dyn Transport> = match &self.tls {
            None => Box::new(socket.try_clone().map_err(|e| e.to_string())?),
            Some(tls) => tls(&self.host, socket.try_clone().map_err(|e| e.to_string())?)?,
        };
        Ok(Conn {
            io,
            socket,
            closed: false,
            settings: HashMap::new(),
            encoder: Encoder::new(),
            windows: HashMap::from([(0, DEFAULT_WINDOW as i64)]),
            log: Vec::new(),
        })
    }

    /// The total length of the DATA frames of a `GET` of the path, over a connection of
    /// its own (the tool skips some flow-control cases when the body is too short).
    pub fn server_data_length(&self) -> Result<usize, Fail> {
        let mut conn = self.dial().map_err(Fail::error)?;
        conn.handshake()?;
        let block = conn.encode(&self.common_headers());
        conn.write_headers(1, true, true, &block);
        let mut len = 0;
        while !conn.closed {
            match conn.wait_event() {
                Event::Frame(f) if f.typ == DATA => {
                    len += f.payload.len();
                    if f.flags & END_STREAM != 0 {
                        return Ok(len);
                    }
                }
                Event::Frame(f) if f.typ == HEADERS && f.flags & END_STREAM != 0 => {
                    return Ok(len);
                }
                _ => {}
            }
        }
        Err(Fail::error("Unable to get server data length".into()))
    }
}

// ---- frames and events -------------------------------------------------------------

#[derive(Clone, Debug)]
pub struct Frame {
    pub typ: u8,
    pub flags: u8,
    pub stream: u32,
    pub payload: Vec<u8>,
}

fn u32_at(p: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([p[at], p[at + 1], p[at + 2], p[at + 3]])
}

impl Frame {
    /// The error code of a GOAWAY or RST_STREAM.
    pub fn error_code(&self) -> u32 {
        match self.typ {
            GOAWAY => u32_at(&self.payload, 4),
            RST_STREAM => u32_at(&self.payload, 0),
            _ => u32::MAX,
        }
    }

    pub fn is_ack(&self) -> bool {
        self.flags & ACK != 0
    }

    pub fn stream_ended(&self) -> bool {
        self.flags & END_STREAM != 0
    }

    /// The checks the tool's frame reader makes on what the server sends; a frame that
    /// fails them is a read error for the tool, hence for the case.
    fn malformed(&self) -> Option<String> {
        let (p, len) = (&self.payload, self.payload.len());
        let padded = |skip_priority: usize, at_least: usize| -> Option<String> {
            let mut rest = len;
            if self.flags & PADDED != 0 {
                if rest < 1 {
                    return Some("padded frame without pad length".into());
                }
                let pad = p[0] as usize;
                rest -= 1;
                if rest < skip_priority + at_least || pad > rest - skip_priority - at_least {
                    return Some("pad length too large".into());
                }
            } else if rest < skip_priority + at_least {
                return Some("frame too short".into());
            }
            None
        };
        match self.typ {
            DATA if self.stream == 0 => Some("DATA frame with stream ID 0".into()),
            DATA => padded(0, 0),
            HEADERS if self.stream == 0 => Some("HEADERS frame with stream ID 0".into()),
            HEADERS => padded(
                if self.flags & PRIORITY_FLAG != 0 {
                    5
                } else {
                    0
                },
                0,
            ),
            PRIORITY if self.stream == 0 => Some("PRIORITY frame with stream ID 0".into()),
            PRIORITY if len != 5 => Some("PRIORITY frame of wrong length".into()),
            RST_STREAM if len != 4 => Some("RST_STREAM frame of wrong length".into()),
            RST_STREAM if self.stream == 0 => Some("RST_STREAM frame with stream ID 0".into()),
            SETTINGS if self.is_ack() && len > 0 => Some("SETTINGS ACK with payload".into()),
            SETTINGS if self.stream != 0 => Some("SETTINGS frame on a stream".into()),
            SETTINGS if len % 6 != 0 => Some("SETTINGS length not a multiple of 6".into()),
            SETTINGS => p.chunks(6).find_map(|s| {
                let id = u16::from_be_bytes([s[0], s[1]]);
                let v = u32_at(s, 2);
                (id == INITIAL_WINDOW_SIZE && v > 0x7fff_ffff)
                    .then(|| "SETTINGS_INITIAL_WINDOW_SIZE too large".into())
            }),
            PUSH_PROMISE if self.stream == 0 => Some("PUSH_PROMISE with stream ID 0".into()),
            PUSH_PROMISE => padded(0, 4),
            PING if len != 8 => Some("PING frame of wrong length".into()),
            PING if self.stream != 0 => Some("PING frame on a stream".into()),
            GOAWAY if self.stream != 0 => Some("GOAWAY frame on a stream".into()),
            GOAWAY if len < 8 => Some("GOAWAY frame too short".into()),
            WINDOW_UPDATE if len != 4 => Some("WINDOW_UPDATE frame of wrong length".into()),
            WINDOW_UPDATE if u32_at(p, 0) & 0x7fff_ffff == 0 => {
                Some("WINDOW_UPDATE with increment 0".into())
            }
            CONTINUATION if self.stream == 0 => Some("CONTINUATION with stream ID 0".into()),
            _ => None,
        }
    }

    pub fn describe(&self) -> String {
        let mut s = format!(
            "{}(stream {}, len {}, flags 0x{:02x}",
            type_name(self.typ),
            self.stream,
            self.payload.len(),
            self.flags
        );
        let p = &self.payload;
        match self.typ {
            DATA | HEADERS | CONTINUATION => {
                let mut names = Vec::new();
                if self.typ != CONTINUATION && self.flags & END_STREAM != 0 {
                    names.push("END_STREAM");
                }
                if self.typ != DATA && self.flags & END_HEADERS != 0 {
                    names.push("END_HEADERS");
                }
                if !names.is_empty() {
                    let _ = write!(s, " {}", names.join("|"));
                }
            }
            RST_STREAM if p.len() == 4 => {
                let _ = write!(s, ", {}", code_name(self.error_code()));
            }
            GOAWAY if p.len() >= 8 => {
                let _ = write!(
                    s,
                    ", last stream {}, {}",
                    u32_at(p, 0) & 0x7fff_ffff,
                    code_name(self.error_code())
                );
                if p.len() > 8 {
                    let _ = write!(s, ", {:?}", String::from_utf8_lossy(&p[8..]));
                }
            }
            SETTINGS if self.is_ack() => s.push_str(", ACK"),
            SETTINGS => {
                let list: Vec<String> = p
                    .chunks(6)
                    .filter(|c| c.len() == 6)
                    .map(|c| format!("0x{:x}={}", u16::from_be_bytes([c[0], c[1]]), u32_at(c, 2)))
                    .collect();
                let _ = write!(s, ", [{}]", list.join(" "));
            }
            PING => {
                let _ = write!(
                    s,
                    ", {}{:?}",
                    if self.is_ack() { "ACK " } else { "" },
                    String::from_utf8_lossy(p)
                );
            }
            WINDOW_UPDATE if p.len() == 4 => {
                let _ = write!(s, ", +{}", u32_at(p, 0) & 0x7fff_ffff);
            }
            _ => {}
        }
        s.push(')');
        s
    }
}

#[derive(Clone, Debug)]
pub enum Event {
    Frame(Frame),
    /// The server closed the connection (end of stream).
    Closed,
    /// A read error: a reset, a frame the reader rejects, an end in mid-frame.
    Error(String),
    Timeout,
}

impl Event {
    pub fn describe(&self) -> String {
        match self {
            Event::Frame(f) => f.describe(),
            Event::Closed => "Connection closed".into(),
            Event::Error(e) => format!("Error: {e}"),
            Event::Timeout => "Timeout".into(),
        }
    }

    fn frame_type(&self) -> Option<u8> {
        match self {
            Event::Frame(f) => Some(f.typ),
            _ => None,
        }
    }
}

/// Why a case did not pass.
#[derive(Debug)]
pub enum Fail {
    /// The tool's own skip (a precondition the server does not meet).
    Skipped(String),
    /// What the tool would print: the accepted outcomes, and what came instead.
    Failed {
        expected: Vec<String>,
        actual: String,
    },
}

impl Fail {
    pub fn error(message: String) -> Fail {
        Fail::Failed {
            expected: vec![],
            actual: format!("Error: {message}"),
        }
    }

    fn new(expected: Vec<String>, actual: Option<&Event>) -> Fail {
        Fail::Failed {
            expected,
            actual: actual.map_or("(nothing received)".into(), Event::describe),
        }
    }
}

pub type Outcome = Result<(), Fail>;

fn goaway_expected(code: u32) -> String {
    format!("GOAWAY Frame (Error Code: {})", code_name(code))
}

fn rst_expected(code: u32) -> String {
    format!("RST_STREAM Frame (Error Code: {})", code_name(code))
}

const CLOSED: &str = "Connection closed";

// ---- the connection --------------------------------------------------------------

enum ReadFail {
    /// End of stream after this many octets of the wanted ones.
    Eof(usize),
    Reset,
    Timeout,
    Other(String),
}

pub struct Conn {
    /// What frames are written to and read from.
    io: Box<dyn Transport>,
    /// The same socket as `io`'s (a handle of its own), for the read timeouts, which
    /// hold under TLS too.
    socket: TcpStream,
    /// Set by any read error or timeout, as the tool does: checks stop reading then.
    pub closed: bool,
    /// The server's SETTINGS, from the handshake.
    pub settings: HashMap<u16, u32>,
    encoder: Encoder,
    /// The client's own accounting of the receive windows (stream 0: the connection).
    windows: HashMap<u32, i64>,
    /// Everything sent (`>`) and received (`<`), for the report.
    pub log: Vec<String>,
}

impl Conn {
    // -- writing (errors are ignored, as the tool ignores them) --

    /// Raw octets; the tool checks this result in a few cases.
    pub fn send(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.log.push(format!("> raw {} octets", bytes.len()));
        self.io.write_all(bytes)?;
        self.io.flush()
    }

    pub fn write_frame(&mut self, typ: u8, flags: u8, stream: u32, payload: &[u8]) {
        let frame = Frame {
            typ,
            flags,
            stream,
            payload: payload.to_vec(),
        };
        self.log.push(format!("> {}", frame.describe()));
        let len = payload.len();
        let mut out = Vec::with_capacity(9 + len);
        out.extend_from_slice(&[(len >> 16) as u8, (len >> 8) as u8, len as u8, typ, flags]);
        out.extend_from_slice(&stream.to_be_bytes());
        out.extend_from_slice(payload);
        let _ = self.io.write_all(&out).and_then(|()| self.io.flush());
    }

    pub fn encode(&mut self, fields: &Fields) -> Vec<u8> {
        self.encoder.encode(fields)
    }

    pub fn set_max_table_size(&mut self, size: usize) {
        self.encoder.set_max_table_size(size);
    }

    /// HEADERS with optional padding (`pad` zero octets) and priority
    /// (dependency, exclusive, weight); the priority is left out when all zero.
    pub fn write_headers_with(
        &mut self,
        stream: u32,
        end_stream: bool,
        end_headers: bool,
        block: &[u8],
        pad: u8,
        priority: (u32, bool, u8),
    ) {
        let mut flags = 0;
        if end_stream {
            flags |= END_STREAM;
        }
        if end_headers {
            flags |= END_HEADERS;
        }
        let has_priority = priority != (0, false, 0);
        if pad != 0 {
            flags |= PADDED;
        }
        if has_priority {
            flags |= PRIORITY_FLAG;
        }
        let mut payload = Vec::new();
        if pad != 0 {
            payload.push(pad);
        }
        if has_priority {
            let dep = priority.0 | if priority.1 { 1 << 31 } else { 0 };
            payload.extend_from_slice(&dep.to_be_bytes());
            payload.push(priority.2);
        }
        payload.extend_from_slice(block);
        payload.resize(payload.len() + pad as usize, 0);
        self.write_frame(HEADERS, flags, stream, &payload);
    }

    pub fn write_headers(
        &mut self,
        stream: u32,
        end_stream: bool,
        end_headers: bool,
        block: &[u8],
    ) {
        self.write_headers_with(stream, end_stream, end_headers, block, 0, (0, false, 0));
    }

    pub fn write_data(&mut self, stream: u32, end_stream: bool, data: &[u8]) {
        let flags = if end_stream { END_STREAM } else { 0 };
        self.write_frame(DATA, flags, stream, data);
    }

    pub fn write_data_padded(&mut self, stream: u32, end_stream: bool, data: &[u8], pad: &[u8]) {
        let flags = PADDED | if end_stream { END_STREAM } else { 0 };
        let mut payload = vec![pad.len() as u8];
        payload.extend_from_slice(data);
        payload.extend_from_slice(pad);
        self.write_frame(DATA, flags, stream, &payload);
    }

    pub fn write_priority(&mut self, stream: u32, dependency: u32, exclusive: bool, weight: u8) {
        let dep = dependency | if exclusive { 1 << 31 } else { 0 };
        let mut payload = dep.to_be_bytes().to_vec();
        payload.push(weight);
        self.write_frame(PRIORITY, 0, stream, &payload);
    }

    pub fn write_rst_stream(&mut self, stream: u32, code: u32) {
        self.write_frame(RST_STREAM, 0, stream, &code.to_be_bytes());
    }

    pub fn write_settings(&mut self, settings: &[(u16, u32)]) {
        let mut payload = Vec::new();
        for (id, value) in settings {
            payload.extend_from_slice(&id.to_be_bytes());
            payload.extend_from_slice(&value.to_be_bytes());
        }
        self.write_frame(SETTINGS, 0, 0, &payload);
    }

    pub fn write_settings_ack(&mut self) {
        self.write_frame(SETTINGS, ACK, 0, &[]);
    }

    pub fn write_ping(&mut self, ack: bool, data: [u8; 8]) {
        self.write_frame(PING, if ack { ACK } else { 0 }, 0, &data);
    }

    pub fn write_goaway(&mut self, last_stream: u32, code: u32, debug: &[u8]) {
        let mut payload = (last_stream & 0x7fff_ffff).to_be_bytes().to_vec();
        payload.extend_from_slice(&code.to_be_bytes());
        payload.extend_from_slice(debug);
        self.write_frame(GOAWAY, 0, 0, &payload);
    }

    pub fn write_window_update(&mut self, stream: u32, increment: u32) {
        self.write_frame(WINDOW_UPDATE, 0, stream, &increment.to_be_bytes());
    }

    pub fn write_continuation(&mut self, stream: u32, end_headers: bool, block: &[u8]) {
        let flags = if end_headers { END_HEADERS } else { 0 };
        self.write_frame(CONTINUATION, flags, stream, block);
    }

    pub fn write_push_promise(
        &mut self,
        stream: u32,
        promised: u32,
        end_headers: bool,
        block: &[u8],
    ) {
        let flags = if end_headers { END_HEADERS } else { 0 };
        let mut payload = promised.to_be_bytes().to_vec();
        payload.extend_from_slice(block);
        self.write_frame(PUSH_PROMISE, flags, stream, &payload);
    }

    // -- reading --

    fn read_full(&mut self, buf: &mut [u8], deadline: Instant) -> Result<(), ReadFail> {
        let mut got = 0;
        while got < buf.len() {
            let now = Instant::now();
            if now >= deadline {
                return Err(ReadFail::Timeout);
            }
            self.socket.set_read_timeout(Some(deadline - now)).ok();
            match self.io.read(&mut buf[got..]) {
                Ok(0) => return Err(ReadFail::Eof(got)),
                Ok(n) => got += n,
                // rustls's word for the TCP connection ending without a TLS
                // close_notify; the tool's TLS (Go's) reads that as the end of the
                // stream, so it is a close here as on cleartext TCP.
                Err(e) if e.kind() == ErrorKind::UnexpectedEof => return Err(ReadFail::Eof(got)),
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    return Err(ReadFail::Timeout)
                }
                Err(e) if e.kind() == ErrorKind::ConnectionReset => return Err(ReadFail::Reset),
                Err(e) => return Err(ReadFail::Other(e.to_string())),
            }
        }
        Ok(())
    }

    /// One frame, or why none came, within `deadline`.
    fn read_frame(&mut self, deadline: Instant) -> Event {
        let mut head = [0u8; 9];
        let fail = |f: ReadFail, mid_frame: bool| {
            match f {
            ReadFail::Eof(0) if !mid_frame => Event::Closed,
            ReadFail::Eof(_) => Event::Error("unexpected EOF in the middle of a frame".into()),
            ReadFail::Reset => Event::Error(
                "read: connection reset by peer (TCP RST; h2spec 2.6.0 reports this, it is no close)"
                    .into(),
            ),
            ReadFail::Timeout => Event::Timeout,
            ReadFail::Other(e) => Event::Error(e),
        }
        };
        if let Err(f) = self.read_full(&mut head, deadline) {
            return fail(f, false);
        }
        let len = (head[0] as usize) << 16 | (head[1] as usize) << 8 | head[2] as usize;
        let mut payload = vec![0; len];
        if let Err(f) = self.read_full(&mut payload, deadline) {
            // An end before the first payload octet reads as a plain end of stream.
            return fail(f, false);
        }
        let frame = Frame {
            typ: head[3],
            flags: head[4],
            stream: u32_at(&head, 5) & 0x7fff_ffff,
            payload,
        };
        match frame.malformed() {
            Some(why) => Event::Error(format!("{why}: {}", frame.describe())),
            None => Event::Frame(frame),
        }
    }

    /// The next event, as the tool's `WaitEvent`: 2 s at most; any error or timeout
    /// marks the connection closed; a DATA frame is answered with WINDOW_UPDATEs once the
    /// client's own count of the window reaches zero.
    pub fn wait_event(&mut self) -> Event {
        let event = self.read_frame(Instant::now() + TIMEOUT);
        self.log.push(format!("< {}", event.describe()));
        match &event {
            Event::Frame(f) if f.typ == DATA => {
                let (stream, len) = (f.stream, f.payload.len() as i64);
                self.consume_window(stream, len);
                self.consume_window(0, len);
            }
            Event::Frame(_) => {}
            _ => self.closed = true,
        }
        event
    }

    fn consume_window(&mut self, stream: u32, len: i64) {
        let window = self.windows.entry(stream).or_insert(DEFAULT_WINDOW as i64);
        *window -= len;
        if *window <= 0 {
            let increment = DEFAULT_WINDOW as i64 - *window;
            *window += increment;
            self.write_window_update(stream, increment as u32);
        }
    }

    /// The tool's `WaitEventByType`: the first event of that frame type, or the last
    /// other event seen.
    pub fn wait_event_by_type(&mut self, typ: u8) -> (Option<Event>, bool) {
        let mut last: Option<Event> = None;
        while !self.closed {
            let event = self.wait_event();
            if event.frame_type() == Some(typ) {
                return (Some(event), true);
            }
            if matches!(event, Event::Timeout) && last.is_some() {
                break;
            }
            last = Some(event);
        }
        (last, false)
    }

    /// The client preface, SETTINGS (INITIAL_WINDOW_SIZE 65535), then frames until the
    /// server's SETTINGS (acknowledged) and the acknowledgement of ours, within 2 s.
    pub fn handshake(&mut self) -> Outcome {
        let _ = self.send(PREFACE);
        self.write_settings(&[(INITIAL_WINDOW_SIZE, DEFAULT_WINDOW)]);
        let deadline = Instant::now() + TIMEOUT;
        let (mut local, mut remote) = (false, false);
        while !(local && remote) {
            let event = self.read_frame(deadline);
            self.log.push(format!("< {}", event.describe()));
            match event {
                Event::Frame(f) if f.typ == SETTINGS => {
                    if f.is_ack() {
                        local = true;
                    } else {
                        remote = true;
                        for s in f.payload.chunks(6) {
                            self.settings
                                .insert(u16::from_be_bytes([s[0], s[1]]), u32_at(s, 2));
                        }
                        self.write_settings_ack();
                    }
                }
                Event::Frame(_) => {}
                Event::Timeout => return Err(Fail::error("Timeout (handshake)".into())),
                Event::Closed => return Err(Fail::error("EOF (handshake)".into())),
                Event::Error(e) => return Err(Fail::error(format!("{e} (handshake)"))),
            }
        }
        Ok(())
    }

    pub fn max_frame_size(&self) -> usize {
        self.settings
            .get(&MAX_FRAME_SIZE)
            .map_or(16_384, |&v| v as usize)
    }

    // -- the checks --

    /// Passes when the connection closes.
    pub fn verify_connection_close(&mut self) -> Outcome {
        let mut actual: Option<Event> = None;
        while !self.closed {
            match self.wait_event() {
                Event::Closed => return Ok(()),
                Event::Timeout => {
                    actual.get_or_insert(Event::Timeout);
                }
                other => actual = Some(other),
            }
        }
        Err(Fail::new(vec![CLOSED.into()], actual.as_ref()))
    }

    /// A connection error: GOAWAY with one of `codes`, or the connection closing.
    pub fn verify_connection_error(&mut self, codes: &[u32]) -> Outcome {
        let mut actual: Option<Event> = None;
        while !self.closed {
            match self.wait_event() {
                Event::Closed => return Ok(()),
                Event::Frame(f) if f.typ == GOAWAY => {
                    if codes.contains(&f.error_code()) {
                        return Ok(());
                    }
                }
                Event::Timeout => {
                    actual.get_or_insert(Event::Timeout);
                }
                other => actual = Some(other),
            }
        }
        let mut expected: Vec<String> = codes.iter().map(|&c| goaway_expected(c)).collect();
        expected.push(CLOSED.into());
        Err(Fail::new(expected, actual.as_ref()))
    }

    /// A stream error: RST_STREAM or GOAWAY with one of `codes`, or the connection closing.
    pub fn verify_stream_error(&mut self, codes: &[u32]) -> Outcome {
        let mut actual: Option<Event> = None;
        while !self.closed {
            match self.wait_event() {
                Event::Closed => return Ok(()),
                Event::Frame(f) if f.typ == GOAWAY || f.typ == RST_STREAM => {
                    if codes.contains(&f.error_code()) {
                        return Ok(());
                    }
                    if f.typ == RST_STREAM {
                        actual = Some(Event::Frame(f));
                    }
                }
                Event::Timeout => {
                    actual.get_or_insert(Event::Timeout);
                }
                other => actual = Some(other),
            }
        }
        let mut expected = Vec::new();
        for &c in codes {
            expected.push(goaway_expected(c));
            expected.push(rst_expected(c));
        }
        expected.push(CLOSED.into());
        Err(Fail::new(expected, actual.as_ref()))
    }

    /// The end of a response: DATA or HEADERS with END_STREAM, or RST_STREAM NO_ERROR.
    pub fn verify_stream_close(&mut self) -> Outcome {
        let mut actual: Option<Event> = None;
        while !self.closed {
            match self.wait_event() {
                Event::Frame(f) if (f.typ == DATA || f.typ == HEADERS) && f.stream_ended() => {
                    return Ok(())
                }
                Event::Frame(f) if f.typ == RST_STREAM && f.error_code() == NO_ERROR => {
                    return Ok(())
                }
                Event::Frame(f) if f.typ == DATA || f.typ == HEADERS || f.typ == RST_STREAM => {
                    actual = Some(Event::Frame(f));
                }
                Event::Timeout => {
                    actual.get_or_insert(Event::Timeout);
                }
                other => actual = Some(other),
            }
        }
        Err(Fail::new(vec!["Stream closed".into()], actual.as_ref()))
    }

    /// The first HEADERS frame to arrive is on `stream`.
    pub fn verify_headers_frame(&mut self, stream: u32) -> Outcome {
        let (actual, _) = self.wait_event_by_type(HEADERS);
        match &actual {
            Some(Event::Frame(f)) if f.typ == HEADERS && f.stream == stream => Ok(()),
            _ => Err(Fail::new(
                vec![format!("HEADERS Frame (stream_id:{stream})")],
                actual.as_ref(),
            )),
        }
    }

    /// The first SETTINGS frame to arrive is an acknowledgement.
    pub fn verify_settings_ack(&mut self) -> Outcome {
        let (actual, _) = self.wait_event_by_type(SETTINGS);
        match &actual {
            Some(Event::Frame(f)) if f.typ == SETTINGS && f.is_ack() => Ok(()),
            _ => Err(Fail::new(
                vec!["SETTINGS Frame (length:0, flags:0x01, stream_id:0)".into()],
                actual.as_ref(),
            )),
        }
    }

    /// The first PING frame to arrive acknowledges `data`.
    pub fn verify_ping_ack(&mut self, data: [u8; 8]) -> Outcome {
        let (actual, _) = self.wait_event_by_type(PING);
        match &actual {
            Some(Event::Frame(f)) if f.typ == PING && f.is_ack() && f.payload == data => Ok(()),
            _ => Err(Fail::new(vec![ping_expected(data)], actual.as_ref())),
        }
    }

    /// A PING acknowledging `data`, or the connection closing.
    pub fn verify_ping_ack_or_close(&mut self, data: [u8; 8]) -> Outcome {
        let mut actual: Option<Event> = None;
        while !self.closed {
            match self.wait_event() {
                Event::Closed => return Ok(()),
                Event::Frame(f) if f.typ == PING => {
                    if f.is_ack() && f.payload == data {
                        return Ok(());
                    }
                    actual = Some(Event::Frame(f));
                }
                Event::Timeout => {
                    actual.get_or_insert(Event::Timeout);
                }
                other => actual = Some(other),
            }
        }
        Err(Fail::new(
            vec![CLOSED.into(), ping_expected(data)],
            actual.as_ref(),
        ))
    }

    /// A frame of this type arrives.
    pub fn verify_event_type(&mut self, typ: u8) -> Outcome {
        let (actual, passed) = self.wait_event_by_type(typ);
        if passed {
            return Ok(());
        }
        Err(Fail::new(
            vec![format!("{} frame", type_name(typ))],
            actual.as_ref(),
        ))
    }

    /// The first frame of type `typ` satisfies `check`; `expected` says what was wanted.
    pub fn verify_first_of_type(
        &mut self,
        typ: u8,
        expected: String,
        check: impl Fn(&Frame) -> bool,
    ) -> Outcome {
        let (actual, _) = self.wait_event_by_type(typ);
        match &actual {
            Some(Event::Frame(f)) if f.typ == typ && check(f) => Ok(()),
            _ => Err(Fail::new(vec![expected], actual.as_ref())),
        }
    }
}

fn ping_expected(data: [u8; 8]) -> String {
    format!(
        "PING Frame (length:8, flags:0x01, stream_id:0, opaque_data:{:?})",
        String::from_utf8_lossy(&data)
    )
}

// ---- running the groups ------------------------------------------------------------

pub type Run = fn(&Ctx, &mut Conn) -> Outcome;

pub struct Case {
    pub desc: &'static str,
    pub run: Run,
}

/// What a run of cases came to.
#[derive(Default)]
struct Tally {
    passed: usize,
    skipped: usize,
    failures: Vec<String>,
}

fn ctx_for(server: &Server, target: &Target) -> Ctx {
    Ctx {
        host: server.host.clone(),
        port: server.port,
        path: "/".into(),
        max_header_len: 4000,
        tls: target.tls.clone(),
    }
}

/// Runs the cases of one group in order, each on its own connection, numbered from 1
/// as the tool numbers them; prints the group's summary line.
fn run_cases(tool: &str, ctx: &Ctx, group: &str, cases: &[Case], tally: &mut Tally) {
    let (mut passed, mut skipped) = (0, 0);
    for (i, case) in cases.iter().enumerate() {
        let id = format!("{group}/{}", i + 1);
        let (tx, rx) = mpsc::channel();
        let (ctx2, run) = (ctx.clone(), case.run);
        std::thread::spawn(move || {
            let result = match ctx2.dial() {
                Ok(mut conn) => {
                    let outcome = run(&ctx2, &mut conn);
                    (outcome, std::mem::take(&mut conn.log))
                }
                Err(e) => (Err(Fail::error(format!("connect: {e}"))), Vec::new()),
            };
            let _ = tx.send(result);
        });
        let (outcome, log) = rx.recv_timeout(CASE_LIMIT).unwrap_or_else(|_| {
            (
                Err(Fail::error(format!(
                    "the case did not finish in {CASE_LIMIT:?}"
                ))),
                Vec::new(),
            )
        });
        if std::env::var_os("H2SPEC_VERBOSE").is_some() {
            let verdict = match &outcome {
                Ok(()) => "passed",
                Err(Fail::Skipped(_)) => "skipped",
                Err(Fail::Failed { .. }) => "FAILED",
            };
            println!("{id} {verdict}: {}\n    {}", case.desc, log.join("\n    "));
        }
        match outcome {
            Ok(()) => passed += 1,
            Err(Fail::Skipped(why)) => {
                skipped += 1;
                println!("{tool} {id}: skipped ({why}): {}", case.desc);
            }
            Err(Fail::Failed { expected, actual }) => {
                let mut s = format!("{id} {}\n", case.desc);
                if !expected.is_empty() {
                    let _ = writeln!(s, "    expected: {}", expected.join(" | "));
                }
                let _ = writeln!(s, "    actual:   {actual}");
                let _ = writeln!(
                    s,
                    "    exchange: {}",
                    shorten(&log).join("\n              ")
                );
                tally.failures.push(s);
            }
        }
    }
    println!(
        "{tool} {group}: {passed}/{} passed{}",
        cases.len(),
        if skipped > 0 {
            format!(", {skipped} skipped")
        } else {
            String::new()
        }
    );
    tally.passed += passed;
    tally.skipped += skipped;
}

fn conclude(tool: &str, what: &str, total: usize, tally: Tally) {
    if !tally.failures.is_empty() {
        panic!(
            "{} of {total} {tool} {what} cases failed:\n{}",
            tally.failures.len(),
            tally.failures.join("")
        );
    }
}

/// Runs one group against a server of its own; panics with every failure.
pub fn run_group(target: &Target, group: &str, cases: &[Case]) {
    let server = Server::start(target);
    let mut tally = Tally::default();
    let tool = target.tool();
    run_cases(&tool, &ctx_for(&server, target), group, cases, &mut tally);
    drop(server);
    conclude(&tool, group, cases.len(), tally);
}

/// Runs every group in order against one server, as the tool does in one run; panics
/// with every failure.
pub fn run_all(target: &Target, groups: &[(&str, &[Case])]) {
    let server = Server::start(target);
    let ctx = ctx_for(&server, target);
    let tool = target.tool();
    let mut tally = Tally::default();
    for (group, cases) in groups {
        run_cases(&tool, &ctx, group, cases, &mut tally);
    }
    drop(server);
    let total = groups.iter().map(|(_, c)| c.len()).sum();
    println!(
        "{tool}, all groups on one server: {}/{total} passed{}",
        tally.passed,
        if tally.skipped > 0 {
            format!(", {} skipped", tally.skipped)
        } else {
            String::new()
        }
    );
    conclude(&tool, "(one server)", total, tally);
}

/// Long exchanges (a hundred HEADERS) keep their start and end.
fn shorten(log: &[String]) -> Vec<String> {
    if log.len() <= 40 {
        return log.to_vec();
    }
    let mut out = log[..15].to_vec();
    out.push(format!("… {} more …", log.len() - 35));
    out.extend_from_slice(&log[log.len() - 20..]);
    out
}
