//! HTTP/2 attacks against the `blocking-server` program, measured from outside.
//!
//! Each test starts its own `blocking-server --protocol h2`, makes one normal request,
//! reads the server's resident memory from `/proc/<pid>/status` as the baseline, then
//! attacks it over a plain `TcpStream` with frames built by hand, while a thread parses
//! what the server writes back. Each attack shows that:
//!
//! - the server answers as it should: GOAWAY with the code the defence or RFC 9113
//!   gives (ENHANCE_YOUR_CALM for floods, the RFC's code where it names one), or, for
//!   an attack a server simply has to withstand, it keeps serving on that connection;
//! - it does so in bounded time, and with bounded CPU (the server's user and system
//!   time during the attack, from `/proc/<pid>/stat`);
//! - its peak resident memory (`VmHWM`) stays within a stated bound over the baseline;
//! - a fresh connection still gets `200` for `GET /` afterwards.
//!
//! One server per attack, rather than one for all: `VmHWM` is a peak over the life of
//! the process, so a fresh process is what lets each attack be charged with its own
//! peak; the tests run in parallel and cannot disturb each other's numbers; and one
//! attack that kills or wedges the server fails only its own test. A start costs a few
//! milliseconds.
//!
//! The memory bounds are on the growth of the peak over the baseline (about 3 MiB for
//! a debug build), and are a few MiB ([`BOUND`]): measured, each attack adds at most
//! 1.5 MiB (a connection's thread, its 64 KiB read buffer, its allocator arena); the
//! in-memory suite `tests/attacks_h2.rs` measures the connection alone, to the byte,
//! against bounds from `Config`. Undefended, an attack that can cost memory costs more
//! than its bound (the numbers are with each test); one that cannot, such as a flood
//! of frames that carry nothing, goes on for as long as the peer likes, and its test
//! fails for want of the GOAWAY.

#![cfg(target_os = "linux")]

#[path = "../../../tests/support/frames.rs"]
mod frames;
mod support;

use frames::wire::*;
use frames::{frame, settings, PREFACE};
use std::collections::{BTreeMap, HashSet};
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::process::Command;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};
use support::{Program, PATIENCE};
use weir::{Config, Event, Head, Request, Version};
use weir_blocking::{Client, HELLO};

// ---- the wire: error codes (RFC 9113 §7); frame types are in `frames::wire` ---------

const PROTOCOL_ERROR: u32 = 0x1;
const FLOW_CONTROL_ERROR: u32 = 0x3;
const STREAM_CLOSED: u32 = 0x5;
const FRAME_SIZE_ERROR: u32 = 0x6;
const REFUSED_STREAM: u32 = 0x7;
const CANCEL: u32 = 0x8;
const COMPRESSION_ERROR: u32 = 0x9;
const ENHANCE_YOUR_CALM: u32 = 0xb;

/// The largest frame payload the server accepts (its default SETTINGS_MAX_FRAME_SIZE).
const MAX_FRAME: usize = 16 * 1024;

/// The longest an attack may take, from its first frame to the server's answer. Each
/// takes well under a second on a debug build; this leaves room for a loaded machine.
const ATTACK_TIME: Duration = Duration::from_secs(5);

/// The most CPU time the server may spend on one attack. Measured on a debug build:
/// at most 0.65 s (20,000 requests), most attacks under 0.1 s.
const ATTACK_CPU: Duration = Duration::from_secs(3);

const MIB: u64 = 1024 * 1024;

/// The bound on the growth of the server's peak memory for most attacks (see the
/// module documentation for what is measured).
const BOUND: u64 = 4 * MIB;

/// The bound for the attacks on stream bookkeeping, tighter because there lies their
/// harm: measured, at most 0.45 MiB; with no bound on closed streams the 20,000
/// streams of [`many_streams_opened_and_completed`] cost 3.6 MiB.
const STREAMS_BOUND: u64 = 2 * MIB;

/// The bound for the responses a zero-window peer asks for (64 MiB in all): the
/// server's send buffer per connection (`send_buffer_per_connection`, 4 MiB) and room
/// for one write over it and the allocator's slack; measured, 6.2 MiB.
const ZERO_WINDOW_BOUND: u64 = 10 * MIB;

fn code_name(code: u32) -> String {
    let name = match code {
        0x0 => "NO_ERROR",
        PROTOCOL_ERROR => "PROTOCOL_ERROR",
        FLOW_CONTROL_ERROR => "FLOW_CONTROL_ERROR",
        STREAM_CLOSED => "STREAM_CLOSED",
        FRAME_SIZE_ERROR => "FRAME_SIZE_ERROR",
        REFUSED_STREAM => "REFUSED_STREAM",
        CANCEL => "CANCEL",
        COMPRESSION_ERROR => "COMPRESSION_ERROR",
        ENHANCE_YOUR_CALM => "ENHANCE_YOUR_CALM",
        _ => return format!("0x{code:x}"),
    };
    name.to_string()
}

// ---- HPACK, by hand (RFC 7541), so that each attack sends exactly its bytes -----------

/// An integer with an `n`-bit prefix (§5.1); `first` holds the bits above the prefix.
fn hpack_int(first: u8, n: u32, value: usize, out: &mut Vec<u8>) {
    let max = (1usize << n) - 1;
    if value < max {
        out.push(first | value as u8);
        return;
    }
    out.push(first | max as u8);
    let mut rest = value - max;
    while rest >= 128 {
        out.push((rest % 128) as u8 | 0x80);
        rest /= 128;
    }
    out.push(rest as u8);
}

/// A string literal, not Huffman-coded (§5.2).
fn hpack_str(s: &[u8], out: &mut Vec<u8>) {
    hpack_int(0, 7, s.len(), out);
    out.extend_from_slice(s);
}

/// A request head: `:method` and `:path` from the static table where they are in it
/// (index 2 GET, 3 POST, 4 `/`), `:scheme http` (index 6), and `:authority` as a
/// literal that is not indexed, so that the server's dynamic table is left alone.
fn request_block(method: &str, path: &str) -> Vec<u8> {
    let mut b = Vec::new();
    match method {
        "GET" => b.push(0x82),
        "POST" => b.push(0x83),
        _ => unreachable!("only GET and POST are used"),
    }
    b.push(0x86);
    if path == "/" {
        b.push(0x84);
    } else {
        // Literal without indexing, name :path (index 4).
        hpack_int(0x00, 4, 4, &mut b);
        hpack_str(path.as_bytes(), &mut b);
    }
    hpack_int(0x00, 4, 1, &mut b);
    hpack_str(b"localhost", &mut b);
    b
}

/// A whole request on `stream`: HEADERS with END_HEADERS, and END_STREAM if `end`.
fn request(stream: u32, method: &str, path: &str, end: bool) -> Vec<u8> {
    let flags = END_HEADERS | if end { END_STREAM } else { 0 };
    frame(HEADERS, flags, stream, &request_block(method, path))
}

fn window_update(stream: u32, increment: u32) -> Vec<u8> {
    frame(WINDOW_UPDATE, 0, stream, &increment.to_be_bytes())
}

fn rst_stream(stream: u32, code: u32) -> Vec<u8> {
    frame(RST_STREAM, 0, stream, &code.to_be_bytes())
}

/// The `i`-th stream a client opens: 1, 3, 5…
fn nth_stream(i: usize) -> u32 {
    2 * i as u32 + 1
}

// ---- the server and what it uses ----------------------------------------------------

/// Resident memory of a process, in bytes: now and at its peak.
#[derive(Debug, Clone, Copy)]
struct Memory {
    rss: u64,
    peak: u64,
}

fn memory_of(pid: u32) -> Memory {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_else(|e| panic!("/proc/{pid}/status: {e} (did the server die?)"));
    let kib = |key: &str| -> u64 {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.trim().strip_suffix("kB"))
            .and_then(|v| v.trim().parse::<u64>().ok())
            .unwrap_or_else(|| panic!("no {key} in /proc/{pid}/status:\n{status}"))
    };
    Memory {
        rss: kib("VmRSS:") * 1024,
        peak: kib("VmHWM:") * 1024,
    }
}

/// A `blocking-server --protocol h2` of its own for one attack.
struct Target {
    program: Program,
    /// Its threads while it serves no connection (it runs one per connection).
    idle_threads: usize,
}

impl Target {
    /// Starts a server with the default limits: they are what is under test.
    fn start() -> Target {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_blocking-server"));
        cmd.args(["--listen", "127.0.0.1:0", "--protocol", "h2"]);
        let program = Program::start("blocking-server --protocol h2", cmd);
        let mut target = Target {
            program,
            idle_threads: 0,
        };
        target.idle_threads = target.threads();
        target
    }

    fn threads(&self) -> usize {
        let pid = self.program.pid();
        std::fs::read_dir(format!("/proc/{pid}/task"))
            .map(|d| d.count())
            .unwrap_or_else(|e| panic!("/proc/{pid}/task: {e} (did the server die?)"))
    }

    /// Waits (at most [`ATTACK_TIME`]) until the server has no connection left, as
    /// its threads tell; returns whether it got there.
    fn wait_for_idle(&self) -> bool {
        let give_up = Instant::now() + ATTACK_TIME;
        while self.threads() > self.idle_threads {
            if Instant::now() > give_up {
                return false;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        true
    }

    fn memory(&self) -> Memory {
        memory_of(self.program.pid())
    }

    /// The CPU time (user and system, all threads) the server has used so far.
    fn cpu(&self) -> Duration {
        let pid = self.program.pid();
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .unwrap_or_else(|e| panic!("/proc/{pid}/stat: {e} (did the server die?)"));
        // proc(5): the name (field 2) is in parentheses and may hold spaces; utime and
        // stime are fields 14 and 15, counted from the state (field 3) after it.
        let after_name = &stat[stat.rfind(')').expect("a name in parentheses") + 1..];
        let fields: Vec<&str> = after_name.split_whitespace().collect();
        let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
        // In clock ticks of USER_HZ, which is 100 on Linux whatever the kernel's HZ.
        Duration::from_millis(ticks * 10)
    }

    /// A fresh connection gets `200` and the body of `GET /`: the server survived.
    fn assert_serves(&self, when: &str) {
        let addr = self.program.addr;
        let mut client = Client::connect_version(addr, Version::Http2, Config::default(), PATIENCE)
            .unwrap_or_else(|e| panic!("{when}: cannot connect to the server: {e}"));
        let get = Request::new("GET", "/").field("host", addr.to_string());
        let stream = client
            .send_request(get, true)
            .unwrap_or_else(|e| panic!("{when}: GET / not sent: {e}"));
        let mut status = None;
        let mut body = Vec::new();
        loop {
            let event = client
                .next_event()
                .unwrap_or_else(|e| panic!("{when}: no answer to GET /: {e}"))
                .unwrap_or_else(|| panic!("{when}: the server closed instead of answering"));
            match event {
                Event::Headers {
                    stream: s,
                    head: Head::Response(r),
                    end_stream,
                } if s == stream => {
                    status = Some(r.status);
                    if end_stream {
                        break;
                    }
                }
                Event::Data {
                    stream: s,
                    data,
                    end_stream,
                } if s == stream => {
                    body.extend_from_slice(&data);
                    if end_stream {
                        break;
                    }
                }
                Event::StreamReset {
                    stream: s, code, ..
                } if s == stream => {
                    panic!("{when}: GET / was reset with {code:?}")
                }
                _ => {}
            }
        }
        assert_eq!(status, Some(200), "{when}: GET / on a fresh connection");
        assert_eq!(body, HELLO.as_bytes(), "{when}: the body of GET /");
    }

    /// One normal request, then the baseline the attack is measured against.
    fn begin(&self, name: &'static str) -> Meter {
        self.assert_serves(&format!("{name}, before the attack"));
        Meter {
            name,
            baseline: self.memory(),
            cpu: self.cpu(),
            started: Instant::now(),
        }
    }
}

/// What an attack costs the server, from the baseline on.
struct Meter {
    name: &'static str,
    baseline: Memory,
    cpu: Duration,
    started: Instant,
}

impl Meter {
    /// The server's peak memory over the baseline so far.
    fn growth(&self, target: &Target) -> u64 {
        target.memory().peak.saturating_sub(self.baseline.rss)
    }

    /// Checks the attack's cost against `bound` bytes of peak growth, [`ATTACK_TIME`]
    /// and [`ATTACK_CPU`], then that a fresh connection is still served. `what` says
    /// what the attack did, for the report.
    fn finish(self, target: &Target, bound: u64, what: &str) {
        let elapsed = self.started.elapsed();
        let cpu = target.cpu().saturating_sub(self.cpu);
        let growth = self.growth(target);
        let name = self.name;
        eprintln!(
            "{name}: {what}; peak RSS {:+.2} MiB over a baseline of {:.2} MiB (bound {:.0} MiB), \
             server CPU {:.2} s, {:.2} s",
            growth as f64 / MIB as f64,
            self.baseline.rss as f64 / MIB as f64,
            bound as f64 / MIB as f64,
            cpu.as_secs_f64(),
            elapsed.as_secs_f64(),
        );
        assert!(
            growth <= bound,
            "{name}: the server's peak RSS grew by {:.1} MiB over its baseline of {:.1} MiB \
             (bound {:.0} MiB); {what}",
            growth as f64 / MIB as f64,
            self.baseline.rss as f64 / MIB as f64,
            bound as f64 / MIB as f64,
        );
        assert!(
            elapsed <= ATTACK_TIME,
            "{name}: the attack took {elapsed:?} (bound {ATTACK_TIME:?}); {what}"
        );
        assert!(
            cpu <= ATTACK_CPU,
            "{name}: the server spent {cpu:?} of CPU (bound {ATTACK_CPU:?}); {what}"
        );
        target.assert_serves(&format!("{name}, after the attack"));
    }
}

// ---- a raw HTTP/2 client ------------------------------------------------------------

/// One frame the server wrote.
#[derive(Debug)]
struct Frame {
    kind: u8,
    flags: u8,
    stream: u32,
    payload: Vec<u8>,
}

impl Frame {
    /// The error code of a RST_STREAM or GOAWAY.
    fn code(&self) -> u32 {
        let at = if self.kind == GOAWAY { 4 } else { 0 };
        u32::from_be_bytes(self.payload[at..at + 4].try_into().unwrap())
    }
}

/// What the reading thread passes on.
enum Incoming {
    Frame(Frame),
    /// The server closed, or the socket failed (said how).
    End(String),
}

/// The GOAWAY the server sent (RFC 9113 §6.8).
#[derive(Debug, Clone)]
struct GoAway {
    last_stream: u32,
    code: u32,
    debug: String,
}

/// A summary of what the server wrote so far.
#[derive(Debug, Default)]
struct Seen {
    frames: usize,
    goaway: Option<GoAway>,
    /// Why the connection ended, once it has.
    ended: Option<String>,
    /// RST_STREAM frames, by error code.
    resets: BTreeMap<u32, usize>,
    /// Streams the server ended (END_STREAM on HEADERS or DATA).
    finished: HashSet<u32>,
    /// Streams the server sent a response head on.
    answered: HashSet<u32>,
    data_bytes: usize,
    ping_acks: usize,
}

impl Seen {
    fn resets(&self, code: u32) -> usize {
        self.resets.get(&code).copied().unwrap_or(0)
    }

    fn take(&mut self, f: Frame) {
        self.frames += 1;
        let end = f.flags & END_STREAM != 0;
        match f.kind {
            DATA => {
                self.data_bytes += f.payload.len();
                if end {
                    self.finished.insert(f.stream);
                }
            }
            HEADERS => {
                self.answered.insert(f.stream);
                if end {
                    self.finished.insert(f.stream);
                }
            }
            RST_STREAM => *self.resets.entry(f.code()).or_default() += 1,
            PING if f.flags & ACK != 0 => self.ping_acks += 1,
            GOAWAY => {
                let last = u32::from_be_bytes(f.payload[..4].try_into().unwrap()) & 0x7fff_ffff;
                self.goaway = Some(GoAway {
                    last_stream: last,
                    code: f.code(),
                    debug: String::from_utf8_lossy(&f.payload[8..]).into_owned(),
                });
            }
            _ => {}
        }
    }

    /// The GOAWAY, said for a failure message.
    fn goaway_text(&self) -> String {
        match &self.goaway {
            Some(g) => format!(
                "GOAWAY {} (last stream {}, {:?})",
                code_name(g.code),
                g.last_stream,
                g.debug
            ),
            None => "no GOAWAY".to_string(),
        }
    }
}

/// Reads frames until the connection ends, passing each on.
fn read_frames(mut sock: TcpStream, tx: Sender<Incoming>) {
    let mut buf = Vec::new();
    let mut chunk = vec![0; 64 * 1024];
    loop {
        let n = match sock.read(&mut chunk) {
            Ok(0) => {
                let _ = tx.send(Incoming::End("the server closed the connection".into()));
                return;
            }
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => {
                let _ = tx.send(Incoming::End(format!("reading: {e}")));
                return;
            }
        };
        buf.extend_from_slice(&chunk[..n]);
        let mut at = 0;
        while buf.len() - at >= 9 {
            let len = u32::from_be_bytes([0, buf[at], buf[at + 1], buf[at + 2]]) as usize;
            if buf.len() - at < 9 + len {
                break;
            }
            let f = Frame {
                kind: buf[at + 3],
                flags: buf[at + 4],
                stream: u32::from_be_bytes(buf[at + 5..at + 9].try_into().unwrap()) & 0x7fff_ffff,
                payload: buf[at + 9..at + 9 + len].to_vec(),
            };
            at += 9 + len;
            if tx.send(Incoming::Frame(f)).is_err() {
                return;
            }
        }
        buf.drain(..at);
    }
}

/// A client that writes frames built by hand, while a thread parses the server's.
struct Peer {
    name: &'static str,
    sock: TcpStream,
    incoming: Option<Receiver<Incoming>>,
    seen: Seen,
    /// The server's process, for its memory in failure messages.
    server: u32,
}

impl Peer {
    /// Connects, reads what the server writes, and opens the connection with the
    /// preface, a SETTINGS frame of `params`, and the acknowledgement of the server's
    /// SETTINGS (which a server always sends first), so that no settings deadline is
    /// pending.
    fn connect(name: &'static str, target: &Target, params: &[(u16, u32)]) -> Peer {
        let sock = TcpStream::connect_timeout(&target.program.addr, PATIENCE)
            .unwrap_or_else(|e| panic!("{name}: connect: {e}"));
        let mut peer = Peer::unread(name, target, sock, params);
        peer.start_reading();
        peer
    }

    /// Opens the connection over `sock` without reading anything yet.
    fn unread(name: &'static str, target: &Target, sock: TcpStream, params: &[(u16, u32)]) -> Peer {
        sock.set_nodelay(true).unwrap();
        sock.set_write_timeout(Some(PATIENCE)).unwrap();
        let mut peer = Peer {
            name,
            sock,
            incoming: None,
            seen: Seen::default(),
            server: target.program.pid(),
        };
        let mut hello = PREFACE.to_vec();
        hello.extend(settings(params));
        hello.extend(frame(SETTINGS, ACK, 0, &[]));
        assert!(peer.send(&hello), "{name}: the server refused the preface");
        peer
    }

    fn start_reading(&mut self) {
        let (tx, rx) = mpsc::channel();
        let sock = self.sock.try_clone().unwrap();
        std::thread::spawn(move || read_frames(sock, tx));
        self.incoming = Some(rx);
    }

    /// Writes `bytes`; `false` if the server no longer takes them (it closed).
    fn send(&mut self, bytes: &[u8]) -> bool {
        match self.sock.write_all(bytes) {
            Ok(()) => true,
            Err(e)
                if matches!(
                    e.kind(),
                    ErrorKind::BrokenPipe
                        | ErrorKind::ConnectionReset
                        | ErrorKind::ConnectionAborted
                ) =>
            {
                false
            }
            Err(e) => panic!("{}: writing to the server: {e}", self.name),
        }
    }

    /// What the server wrote and holds, for a failure message.
    fn state(&self) -> String {
        let m = memory_of(self.server);
        format!(
            "{}; connection {}; the server wrote {} frames, resets {:?}; its RSS is {:.1} MiB \
             (peak {:.1} MiB)",
            self.seen.goaway_text(),
            self.seen.ended.as_deref().unwrap_or("open"),
            self.seen.frames,
            self.seen.resets,
            m.rss as f64 / MIB as f64,
            m.peak as f64 / MIB as f64,
        )
    }

    fn take(&mut self, incoming: Incoming) {
        match incoming {
            Incoming::Frame(f) => self.seen.take(f),
            Incoming::End(why) => self.seen.ended = Some(why),
        }
    }

    /// Takes in what has arrived, without waiting.
    fn pump(&mut self) {
        while let Some(Ok(incoming)) = self.incoming.as_ref().map(|rx| rx.try_recv()) {
            self.take(incoming);
        }
    }

    /// Whether the server said GOAWAY or closed.
    fn over(&mut self) -> bool {
        self.pump();
        self.seen.goaway.is_some() || self.seen.ended.is_some()
    }

    /// Waits until `done` holds for what the server wrote, the connection ends, or
    /// [`ATTACK_TIME`] passes; returns whether `done` holds.
    fn wait(&mut self, mut done: impl FnMut(&Seen) -> bool) -> bool {
        let give_up = Instant::now() + ATTACK_TIME;
        loop {
            self.pump();
            if done(&self.seen) {
                return true;
            }
            if self.seen.ended.is_some() {
                return false;
            }
            let left = give_up.saturating_duration_since(Instant::now());
            let rx = self.incoming.as_ref().expect("reading");
            match rx.recv_timeout(left) {
                Ok(incoming) => self.take(incoming),
                Err(RecvTimeoutError::Timeout) => return done(&self.seen),
                Err(RecvTimeoutError::Disconnected) => {
                    self.seen.ended.get_or_insert("the reader stopped".into());
                }
            }
        }
    }

    /// Writes `unit(i)` for i = 0, 1, … in batches of about 64 KiB until the server
    /// says GOAWAY or closes, or `max` units are written. Returns how many were.
    fn flood(&mut self, max: usize, mut unit: impl FnMut(usize, &mut Vec<u8>)) -> usize {
        let mut sent = 0;
        let mut batch = Vec::with_capacity(80 * 1024);
        while sent < max && !self.over() {
            batch.clear();
            let first = sent;
            while sent < max && batch.len() < 64 * 1024 {
                unit(sent, &mut batch);
                sent += 1;
            }
            if !self.send(&batch) {
                return first;
            }
        }
        sent
    }

    /// Waits for the server's GOAWAY and asserts its code; the server must close too.
    fn expect_goaway(&mut self, code: u32, attack: &str) -> GoAway {
        let name = self.name;
        self.wait(|s| s.goaway.is_some());
        let goaway = self.seen.goaway.clone().unwrap_or_else(|| {
            panic!(
                "{name}: no GOAWAY within {ATTACK_TIME:?} of {attack}: {}",
                self.state()
            )
        });
        assert_eq!(
            code_name(goaway.code),
            code_name(code),
            "{name}: the GOAWAY after {attack} (debug data {:?})",
            goaway.debug
        );
        // GOAWAY for an error is followed by the end of the connection (§5.4.1).
        assert!(
            self.wait(|s| s.ended.is_some()),
            "{name}: the server sent {} but did not close within {ATTACK_TIME:?}",
            self.seen.goaway_text()
        );
        goaway
    }

    /// Asserts that the connection is still fully alive: a PING is answered and a
    /// `GET /` on `stream` gets its response.
    fn expect_alive(&mut self, stream: u32, after: &str) {
        let name = self.name;
        let acks = self.seen.ping_acks;
        let mut probe = frame(PING, 0, 0, b"alive?..");
        probe.extend(request(stream, "GET", "/", true));
        assert!(
            self.send(&probe),
            "{name}: the server stopped taking input after {after}"
        );
        let alive = self.wait(|s| s.ping_acks > acks && s.finished.contains(&stream));
        assert!(
            alive && self.seen.goaway.is_none(),
            "{name}: after {after}, a PING and a GET / on the same connection were not both \
             answered within {ATTACK_TIME:?}: {}",
            self.state()
        );
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        // Ends the reading thread, and tells the server the peer is gone.
        let _ = self.sock.shutdown(Shutdown::Both);
    }
}

// ---- resets: rapid reset and MadeYouReset -------------------------------------------

/// CVE-2023-44487: requests opened and cancelled at once, by the thousand. Every
/// reset of a live stream spends the reset budget (`h2_reset_budget`, 1000, refilled
/// at 33 per second), so the server stops the flood after about a thousand streams.
#[test]
fn rapid_reset() {
    let target = Target::start();
    let meter = target.begin("rapid reset");
    let mut peer = Peer::connect("rapid reset", &target, &[]);
    let sent = peer.flood(50_000, |i, out| {
        let id = nth_stream(i);
        out.extend(request(id, "GET", "/", true));
        out.extend(rst_stream(id, CANCEL));
    });
    let attack = format!("{sent} requests each reset at once");
    let goaway = peer.expect_goaway(ENHANCE_YOUR_CALM, &attack);
    let what = format!("{attack}; GOAWAY after stream {}", goaway.last_stream);
    meter.finish(&target, BOUND, &what);
}

/// CVE-2025-8671 (MadeYouReset): frames that make the *server* reset a stream it just
/// opened, by the thousand. `provoke` writes, for a stream, its request and the frame
/// the server must answer with RST_STREAM `reset` (RFC 9113 §5.4.2). Those resets
/// spend the same budget as the peer's own, so the flood ends with ENHANCE_YOUR_CALM.
fn made_you_reset(name: &'static str, reset: u32, provoke: fn(u32, &mut Vec<u8>)) {
    let target = Target::start();
    let meter = target.begin(name);
    let mut peer = Peer::connect(name, &target, &[]);
    let sent = peer.flood(50_000, |i, out| provoke(nth_stream(i), out));
    let attack = format!("{sent} streams the server had to reset");
    let goaway = peer.expect_goaway(ENHANCE_YOUR_CALM, &attack);
    assert!(
        peer.seen.resets(reset) > 0,
        "{name}: the server never reset a stream with {}; resets: {:?}",
        code_name(reset),
        peer.seen.resets
    );
    let what = format!(
        "{attack}; {} RST_STREAM {}, then GOAWAY after stream {}",
        peer.seen.resets(reset),
        code_name(reset),
        goaway.last_stream
    );
    meter.finish(&target, BOUND, &what);
}

/// §6.9: "A receiver MUST treat the receipt of a WINDOW_UPDATE frame with a
/// flow-control window increment of 0 as a stream error of type PROTOCOL_ERROR".
#[test]
fn made_you_reset_with_zero_window_increments() {
    made_you_reset(
        "MadeYouReset, WINDOW_UPDATE 0",
        PROTOCOL_ERROR,
        |id, out| {
            // A POST whose body is still to come: the stream is open.
            out.extend(request(id, "POST", "/", false));
            out.extend(window_update(id, 0));
        },
    );
}

/// §6.9.1: a WINDOW_UPDATE that takes a stream's window past 2^31-1 is a stream error
/// FLOW_CONTROL_ERROR.
#[test]
fn made_you_reset_with_window_overflows() {
    made_you_reset(
        "MadeYouReset, window overflow",
        FLOW_CONTROL_ERROR,
        |id, out| {
            out.extend(request(id, "POST", "/", false));
            out.extend(window_update(id, 0x7fff_ffff));
        },
    );
}

/// §5.1, §6.1: DATA on a stream the peer has half-closed is a stream error
/// STREAM_CLOSED.
#[test]
fn made_you_reset_with_data_after_end_stream() {
    made_you_reset(
        "MadeYouReset, DATA after END_STREAM",
        STREAM_CLOSED,
        |id, out| {
            out.extend(request(id, "GET", "/", true));
            out.extend(frame(DATA, 0, id, b"x"));
        },
    );
}

/// A flood of RST_STREAM on a stream that is over (both sides ended it) resets
/// nothing: §5.1 lets a server ignore such frames, and this one does, at no cost
/// but parsing. So the server withstands the flood: no growth, and the same
/// connection keeps serving.
#[test]
fn rst_stream_flood_on_a_closed_stream() {
    let name = "RST_STREAM flood";
    let target = Target::start();
    let meter = target.begin(name);
    let mut peer = Peer::connect(name, &target, &[]);
    assert!(peer.send(&request(1, "GET", "/", true)));
    assert!(
        peer.wait(|s| s.finished.contains(&1)),
        "{name}: no response to the first GET"
    );
    let sent = peer.flood(200_000, |_, out| out.extend(rst_stream(1, CANCEL)));
    assert_eq!(sent, 200_000, "{name}: {}", peer.state());
    peer.expect_alive(3, "200,000 RST_STREAM frames");
    meter.finish(&target, BOUND, "200,000 RST_STREAM on a closed stream");
}

// ---- field blocks: CONTINUATION floods and HPACK bombs ------------------------------

/// A HEADERS frame for a GET on stream 1 without END_HEADERS: a field block left open
/// for CONTINUATION frames.
fn open_field_block() -> Vec<u8> {
    frame(HEADERS, END_STREAM, 1, &request_block("GET", "/"))
}

/// One HEADERS then CONTINUATION frames full of fields, never ending the block
/// (CVE-2024-27316 and its kin). The server buffers a block until it ends, so it
/// refuses one past twice its header list limit (`max_head_bytes`, 64 KiB): that is,
/// after 128 KiB, with ENHANCE_YOUR_CALM (RFC 9113 §10.5: a flood, not a request).
/// Undefended (`max_head_bytes` lifted to 1 GB), the server buffers all of the 64 MiB
/// this attack sends: measured, 67 MiB of RSS and no GOAWAY.
#[test]
fn continuation_flood() {
    let name = "CONTINUATION flood";
    let target = Target::start();
    let meter = target.begin(name);
    let mut peer = Peer::connect(name, &target, &[]);
    assert!(peer.send(&open_field_block()));
    // Literal fields `x-pad: aaa…` (not indexed), cut to a full frame.
    let mut field = Vec::new();
    hpack_int(0x00, 4, 0, &mut field);
    hpack_str(b"x-pad", &mut field);
    hpack_str(&[b'a'; 100], &mut field);
    let fragment: Vec<u8> = field.iter().copied().cycle().take(MAX_FRAME).collect();
    let unit = frame(CONTINUATION, 0, 1, &fragment);
    let sent = peer.flood(4096, |_, out| out.extend_from_slice(&unit));
    let attack = format!("{sent} CONTINUATION frames of 16 KiB");
    peer.expect_goaway(ENHANCE_YOUR_CALM, &attack);
    meter.finish(&target, BOUND, &attack);
}

/// The same with empty CONTINUATION frames, which add nothing to the block: each
/// spends the budget of frames that carry nothing (`h2_idle_frame_budget`, 10,000).
#[test]
fn empty_continuation_flood() {
    let name = "empty CONTINUATION flood";
    let target = Target::start();
    let meter = target.begin(name);
    let mut peer = Peer::connect(name, &target, &[]);
    assert!(peer.send(&open_field_block()));
    let unit = frame(CONTINUATION, 0, 1, &[]);
    let sent = peer.flood(500_000, |_, out| out.extend_from_slice(&unit));
    let attack = format!("{sent} empty CONTINUATION frames");
    peer.expect_goaway(ENHANCE_YOUR_CALM, &attack);
    meter.finish(&target, BOUND, &attack);
}

/// A field block of `len` octets on `stream` (a GET, END_STREAM): `start`, then
/// `filler` repeated, sent as HEADERS and as many CONTINUATION frames as it takes.
fn field_block(stream: u32, start: &[u8], filler: u8, len: usize) -> Vec<u8> {
    let mut block = start.to_vec();
    block.resize(len, filler);
    let mut out = Vec::new();
    let pieces: Vec<&[u8]> = block.chunks(MAX_FRAME).collect();
    for (i, piece) in pieces.iter().enumerate() {
        let last = if i + 1 == pieces.len() {
            END_HEADERS
        } else {
            0
        };
        match i {
            0 => out.extend(frame(HEADERS, END_STREAM | last, stream, piece)),
            _ => out.extend(frame(CONTINUATION, last, stream, piece)),
        }
    }
    out
}

/// The largest block this suite sends: under the 128 KiB at which the server stops
/// buffering a block (see [`continuation_flood`]), so that each one is decoded.
const BIG_BLOCK: usize = 7 * MAX_FRAME;

/// Sends `blocks` field blocks made by `block(stream)`, on streams 1, 3, …, and
/// expects each refused with RST_STREAM PROTOCOL_ERROR (§10.5.1: a header list over
/// SETTINGS_MAX_HEADER_LIST_SIZE; the server keeps decoding, for the table's sake,
/// but no longer keeps the fields), then the connection to serve on.
fn header_bomb(name: &'static str, blocks: usize, block: impl Fn(u32) -> Vec<u8>, what: &str) {
    let target = Target::start();
    let meter = target.begin(name);
    let mut peer = Peer::connect(name, &target, &[]);
    for i in 0..blocks {
        assert!(
            peer.send(&block(nth_stream(i))),
            "{name}: the server closed; {}",
            peer.state()
        );
    }
    let refused = peer.wait(|s| s.resets(PROTOCOL_ERROR) >= blocks);
    assert!(
        refused,
        "{name}: {blocks} blocks {what}; expected as many RST_STREAM PROTOCOL_ERROR, got \
         {} responses; {}",
        peer.seen.answered.len(),
        peer.state()
    );
    peer.expect_alive(nth_stream(blocks), what);
    meter.finish(&target, BOUND, &format!("{blocks} blocks {what}"));
}

/// HPACK bomb: a block inserts one field of 4 KiB (the whole dynamic table) and then
/// refers to it by index (one octet, 0xbe = 62, the newest entry) about 110,000 times:
/// 450 MB of header list from 112 KiB of input. 20 such blocks. With the header list
/// limit lifted (`max_head_bytes`), measured: the server at 430 MiB after one block.
#[test]
fn hpack_bomb_of_references_to_a_large_entry() {
    let mut start = request_block("GET", "/");
    // Literal with incremental indexing, new name (§6.2.1).
    start.push(0x40);
    hpack_str(b"x-bomb", &mut start);
    hpack_str(&[b'a'; 4000], &mut start);
    let refs = BIG_BLOCK - start.len();
    header_bomb(
        "HPACK bomb",
        20,
        |stream| field_block(stream, &start, 0xbe, BIG_BLOCK),
        &format!("each referring {refs} times to a 4 KiB entry"),
    );
}

/// A block that decodes to far more than the header list limit (64 KiB) with no
/// dynamic table at all: one-octet references to a static entry (0x90 = 16,
/// `accept-encoding: gzip, deflate`, 60 octets of list each), 6.7 MB of header list
/// per block of 112 KiB. 20 such blocks. With the limit lifted, measured: 20 requests
/// of 114,674 fields served, and 6 MiB more.
#[test]
fn header_list_far_over_the_limit() {
    let start = request_block("GET", "/");
    let refs = BIG_BLOCK - start.len();
    header_bomb(
        "header list over the limit",
        20,
        |stream| field_block(stream, &start, 0x90, BIG_BLOCK),
        &format!("each of {refs} static fields"),
    );
}

/// A block that tries to grow the server's HPACK table past the SETTINGS_HEADER_TABLE_SIZE
/// the server announced (4096) to 1 GiB: RFC 7541 §6.3 makes that a decoding error,
/// which RFC 9113 §4.3 makes a connection error COMPRESSION_ERROR.
#[test]
fn hpack_table_size_inflation() {
    let name = "HPACK table inflation";
    let target = Target::start();
    let meter = target.begin(name);
    let mut peer = Peer::connect(name, &target, &[]);
    let mut start = Vec::new();
    hpack_int(0x20, 5, 1 << 30, &mut start);
    start.extend(request_block("GET", "/"));
    // Fields of 4 KiB to fill the table the peer hopes for.
    for _ in 0..20 {
        start.push(0x40);
        hpack_str(b"x-fill", &mut start);
        hpack_str(&[b'a'; 4000], &mut start);
    }
    let len = start.len();
    assert!(peer.send(&field_block(1, &start, 0, len)));
    peer.expect_goaway(COMPRESSION_ERROR, "a table size update to 1 GiB");
    meter.finish(&target, BOUND, "a table size update to 1 GiB");
}

// ---- frames that carry nothing ------------------------------------------------------

/// Floods `unit` on a connection where `setup` was sent first, and expects
/// ENHANCE_YOUR_CALM: every such frame spends the budget of frames that carry nothing
/// for the application (`h2_idle_frame_budget`, 10,000, refilled at 1,000 per second).
/// Undefended, each flood goes on for as long as the peer likes (the test sends
/// `max` frames, far past the budget).
fn idle_flood(name: &'static str, setup: &[u8], unit: &[u8], max: usize) {
    let target = Target::start();
    let meter = target.begin(name);
    let mut peer = Peer::connect(name, &target, &[]);
    assert!(peer.send(setup));
    let sent = peer.flood(max, |_, out| out.extend_from_slice(unit));
    let attack = format!("{sent} frames");
    peer.expect_goaway(ENHANCE_YOUR_CALM, &attack);
    meter.finish(&target, BOUND, &attack);
}

/// CVE-2019-9515: SETTINGS frames, each of which the server must acknowledge.
#[test]
fn settings_flood() {
    let unit = settings(&[(SETTINGS_MAX_CONCURRENT_STREAMS, 100)]);
    idle_flood("SETTINGS flood", &[], &unit, 200_000);
}

/// CVE-2019-9518: empty DATA frames on an open request body.
#[test]
fn empty_data_flood() {
    let open = request(1, "POST", "/", false);
    idle_flood("empty DATA flood", &open, &frame(DATA, 0, 1, &[]), 200_000);
}

/// WINDOW_UPDATE frames that open the connection's window a byte at a time (under
/// 1 KiB, an update counts as carrying nothing).
#[test]
fn window_update_flood() {
    idle_flood("WINDOW_UPDATE flood", &[], &window_update(0, 1), 200_000);
}

/// DATA of one byte each on an open request body: unlike empty frames these carry
/// the body, so the server takes them (and pays per byte, as for any body) and then
/// answers the request; 150,000 frames, well within the stream's window (1 MiB).
#[test]
fn one_byte_data_flood() {
    let name = "1-byte DATA flood";
    let target = Target::start();
    let meter = target.begin(name);
    let mut peer = Peer::connect(name, &target, &[]);
    assert!(peer.send(&request(1, "POST", "/", false)));
    let sent = peer.flood(150_000, |_, out| out.extend(frame(DATA, 0, 1, b"x")));
    assert_eq!(sent, 150_000, "{name}: {}", peer.state());
    assert!(peer.send(&frame(DATA, END_STREAM, 1, &[])));
    let answered = peer.wait(|s| s.finished.contains(&1));
    assert!(
        answered && peer.seen.goaway.is_none(),
        "{name}: the request whose body came a byte at a time got no response: {}",
        peer.state()
    );
    peer.expect_alive(3, "150,000 one-byte DATA frames");
    meter.finish(
        &target,
        BOUND,
        "150,000 one-byte DATA frames, then answered",
    );
}

/// CVE-2019-9512 from a peer that never reads: every PING makes the server owe an
/// ACK. The client's receive buffer is small, so the ACKs back up in the server's
/// socket at once; the server must neither hold them in memory without bound nor wait
/// for the peer forever: the PINGs spend the budget of frames that carry nothing, and
/// the server ends the connection (its thread exits) while the peer has still not
/// read a byte.
///
/// What this adapter owes a peer is bounded by its socket in any case: it answers each
/// read (at most 64 KiB) before the next. The library's own bound on owed control
/// frames (`h2_max_owed_control_frames`) is for adapters that read ahead, and
/// `tests/h2_scenarios.rs` covers it. Here the kernel takes the ACKs of the PINGs the
/// budget allows (10,000: 170 KB) without blocking the server, so its input never
/// stalls.
///
/// The server closes right after its GOAWAY, and with PINGs still unread its kernel
/// resets the connection, which drops a GOAWAY that had not gone out yet (the peer's
/// window is a few KiB): its code is checked when it arrives.
#[test]
fn ping_flood_from_a_peer_that_never_reads() {
    use socket2::{Domain, Protocol, Socket, Type};
    let name = "PING flood, never reading";
    const PINGS: usize = 200_000;
    let target = Target::start();
    let meter = target.begin(name);
    let socket = Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP)).unwrap();
    // Set before connecting, so that the window the client offers is small too.
    socket.set_recv_buffer_size(4096).unwrap();
    socket
        .connect_timeout(&target.program.addr.into(), PATIENCE)
        .unwrap_or_else(|e| panic!("{name}: connect: {e}"));
    let mut peer = Peer::unread(name, &target, socket.into(), &[]);
    let pings: Vec<u8> = (0..PINGS as u64)
        .flat_map(|i| frame(PING, 0, 0, &i.to_be_bytes()))
        .collect();
    // Writes until the server ends the connection, or stops reading (a write makes no
    // progress for 300 ms), or every PING is written.
    peer.sock
        .set_write_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let mut written = 0;
    let stop = loop {
        if written == pings.len() {
            break "all written";
        }
        match peer.sock.write(&pings[written..]) {
            Ok(n) => written += n,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                break "the server stopped reading"
            }
            Err(e) if matches!(e.kind(), ErrorKind::ConnectionReset | ErrorKind::BrokenPipe) => {
                break "the server closed"
            }
            Err(e) => panic!("{name}: after {written} bytes of PING: {e}"),
        }
    };
    let attack = format!("{} PINGs written, never reading ({stop})", written / 17);
    assert!(
        target.wait_for_idle(),
        "{name}: {attack}; the server did not end the connection within {ATTACK_TIME:?}"
    );
    // Now read what reached the client before the end.
    peer.start_reading();
    assert!(
        peer.wait(|s| s.ended.is_some()),
        "{name}: the connection is still open for the client"
    );
    if let Some(goaway) = &peer.seen.goaway {
        assert_eq!(
            code_name(goaway.code),
            code_name(ENHANCE_YOUR_CALM),
            "{name}: the GOAWAY after {attack} ({:?})",
            goaway.debug
        );
    }
    let what = format!(
        "{attack}; then read {} ACKs and {}",
        peer.seen.ping_acks,
        peer.seen.goaway_text()
    );
    meter.finish(&target, BOUND, &what);
}

// ---- streams: closed-stream memory, concurrency, frame size -------------------------

/// Many requests opened and completed on one connection: the server remembers closed
/// streams (to tell late frames from errors) but only the last `h2_max_closed_streams`
/// (256). 20,000 requests, at most 50 in flight. With that bound lifted, measured:
/// 3.6 MiB more, and 13 s of CPU instead of 0.6 s (the streams kept are walked as
/// each new one opens).
#[test]
fn many_streams_opened_and_completed() {
    let name = "20,000 streams";
    const STREAMS: usize = 20_000;
    const IN_FLIGHT: usize = 50;
    let target = Target::start();
    let meter = target.begin(name);
    let mut peer = Peer::connect(name, &target, &[]);
    // The responses' bodies need more than the connection's initial window.
    assert!(peer.send(&window_update(0, 1 << 30)));
    let give_up = Instant::now() + ATTACK_TIME;
    let mut sent = 0;
    while peer.seen.finished.len() < STREAMS {
        assert!(
            Instant::now() < give_up && !peer.over(),
            "{name}: {} of {STREAMS} requests answered in {ATTACK_TIME:?}; {}",
            peer.seen.finished.len(),
            peer.state()
        );
        let in_flight = sent - peer.seen.finished.len();
        if in_flight <= IN_FLIGHT / 2 && sent < STREAMS {
            let mut batch = Vec::new();
            for _ in in_flight..IN_FLIGHT {
                if sent < STREAMS {
                    batch.extend(request(nth_stream(sent), "GET", "/", true));
                    sent += 1;
                }
            }
            assert!(peer.send(&batch), "{name}: {}", peer.state());
        } else {
            let before = peer.seen.finished.len();
            peer.wait(|s| s.finished.len() > before);
        }
    }
    assert!(
        peer.seen.resets.is_empty(),
        "{name}: {:?}",
        peer.seen.resets
    );
    peer.expect_alive(nth_stream(STREAMS), "20,000 completed requests");
    meter.finish(&target, STREAMS_BOUND, "20,000 requests completed");
}

/// More requests at once than SETTINGS_MAX_CONCURRENT_STREAMS (100): §5.1.2 says the
/// rest are refused with RST_STREAM REFUSED_STREAM, and that is all they cost.
/// 600 requests whose bodies never come: 100 stay open, 500 are refused.
#[test]
fn more_streams_than_allowed_at_once() {
    let name = "stream concurrency";
    let target = Target::start();
    let meter = target.begin(name);
    let mut peer = Peer::connect(name, &target, &[]);
    let batch: Vec<u8> = (0..600)
        .flat_map(|i| request(nth_stream(i), "POST", "/", false))
        .collect();
    assert!(peer.send(&batch));
    let refused = peer.wait(|s| s.resets(REFUSED_STREAM) >= 500);
    assert!(
        refused,
        "{name}: 600 open requests, expected 500 refused; resets {:?}, {}",
        peer.seen.resets,
        peer.state()
    );
    // The first request still completes, which leaves room for one more.
    assert!(peer.send(&frame(DATA, END_STREAM, 1, &[])));
    assert!(
        peer.wait(|s| s.finished.contains(&1)),
        "{name}: the first stream got no response; {}",
        peer.state()
    );
    peer.expect_alive(nth_stream(600), "600 requests at once");
    assert_eq!(peer.seen.resets(REFUSED_STREAM), 500, "{name}");
    meter.finish(&target, STREAMS_BOUND, "600 requests at once, 500 refused");
}

/// A frame header that announces 16 MiB of payload: over SETTINGS_MAX_FRAME_SIZE,
/// which §4.2 makes a FRAME_SIZE_ERROR. The server judges the header before it
/// buffers the payload, so the 1 MiB sent after it costs nothing.
#[test]
fn oversized_frame() {
    let name = "oversized frame";
    let target = Target::start();
    let meter = target.begin(name);
    let mut peer = Peer::connect(name, &target, &[]);
    let mut attack = request(1, "POST", "/", false);
    attack.extend([0xff, 0xff, 0xff, DATA, 0, 0, 0, 0, 1]);
    attack.resize(attack.len() + (1 << 20), b'x');
    peer.send(&attack);
    peer.expect_goaway(FRAME_SIZE_ERROR, "a 16 MiB DATA frame");
    meter.finish(&target, BOUND, "a 16 MiB DATA frame");
}

// ---- responses the peer will not take -----------------------------------------------

/// Waits (at most 3 s) until the server's peak memory has not moved for 300 ms: what
/// a server does with responses it cannot send happens after the requests are read.
fn settle(target: &Target) {
    let give_up = Instant::now() + Duration::from_secs(3);
    let mut last = target.memory().peak;
    let mut still_since = Instant::now();
    while Instant::now() < give_up && still_since.elapsed() < Duration::from_millis(300) {
        std::thread::sleep(Duration::from_millis(50));
        let peak = target.memory().peak;
        if peak != last {
            last = peak;
            still_since = Instant::now();
        }
    }
}

/// A peer that gives no flow-control window (SETTINGS_INITIAL_WINDOW_SIZE = 0) and
/// asks for large responses on many streams: the server may send none of their bodies
/// and must not hold them whole in memory either. 32 streams of 2 MiB: 64 MiB, which a
/// server without bounded send buffers queues whole (measured: 64 MiB more); the bound
/// is 16 MiB.
#[test]
fn zero_window_peer_asking_for_large_responses() {
    let name = "zero window";
    const STREAMS: usize = 32;
    const SIZE: usize = 2 << 20;
    let target = Target::start();
    let meter = target.begin(name);
    let mut peer = Peer::connect(name, &target, &[(SETTINGS_INITIAL_WINDOW_SIZE, 0)]);
    let path = format!("/bytes/{SIZE}");
    let batch: Vec<u8> = (0..STREAMS)
        .flat_map(|i| request(nth_stream(i), "GET", &path, true))
        .collect();
    assert!(peer.send(&batch));
    let answered = peer.wait(|s| s.answered.len() >= STREAMS);
    assert!(
        answered,
        "{name}: {} of {STREAMS} response heads came; {}",
        peer.seen.answered.len(),
        peer.state()
    );
    settle(&target);
    assert_eq!(
        peer.seen.data_bytes, 0,
        "{name}: the server sent DATA on streams whose window is 0"
    );
    let what = format!(
        "{STREAMS} responses of {} MiB asked for with a window of 0: {} MiB of bodies the \
         server cannot send and must not hold whole (bounded send buffers)",
        SIZE >> 20,
        (STREAMS * SIZE) >> 20
    );
    meter.finish(&target, ZERO_WINDOW_BOUND, &what);
}

/// A peer that opens every window wide but does not read its socket: the server's
/// writes block, and its memory must stay bounded meanwhile. 8 streams of 8 MiB.
#[test]
fn slow_reader_with_open_windows() {
    use socket2::{Domain, Protocol, Socket, Type};
    let name = "slow reader";
    const STREAMS: usize = 8;
    const SIZE: usize = 8 << 20;
    let target = Target::start();
    let meter = target.begin(name);
    let socket = Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP)).unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    socket
        .connect_timeout(&target.program.addr.into(), PATIENCE)
        .unwrap_or_else(|e| panic!("{name}: connect: {e}"));
    let mut peer = Peer::unread(
        name,
        &target,
        socket.into(),
        &[(SETTINGS_INITIAL_WINDOW_SIZE, 0x7fff_ffff)],
    );
    let mut batch = window_update(0, 0x7fff_ffff - 65_535);
    let path = format!("/bytes/{SIZE}");
    for i in 0..STREAMS {
        batch.extend(request(nth_stream(i), "GET", &path, true));
    }
    assert!(peer.send(&batch));
    settle(&target);
    let what = format!(
        "{STREAMS} responses of {} MiB to a peer that does not read",
        SIZE >> 20
    );
    // The server's thread stays blocked in a write until the peer goes: end it first.
    drop(peer);
    meter.finish(&target, BOUND, &what);
}
