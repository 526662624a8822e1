//! HTTP/1.1 drivers: a server or a client [`Connection`] run by a script taken from the
//! input, with an application that answers everything, and the invariants checked after
//! every step. Shared by the fuzz targets and by `tests/fuzz_corpus.rs`, so this file
//! depends on nothing but `weir` and `std`.
//!
//! An input is `[config] [n] [n op bytes] [m] [m choice bytes] [wire bytes…]`:
//!
//! - `config`: bit 0 allows obs-fold, 1 bare LF, 2 space before colon, 3 multiple spaces;
//!   4 small limits; 5 no timeouts; 6 short timeouts; 7 a small `max_body`.
//! - each op byte `c` acts by `c % 8`, with `k = c >> 3` as its argument: 0–3 feed `k + 1`
//!   bytes of the wire; 4 feed `61 (k + 1)` bytes; 5 let time pass (`k < 8`: to the last
//!   deadline, `k < 24`: `k − 7` quarter seconds, else `k − 23` times ten seconds) and call
//!   `handle_timeout`; 6 end of input (`k < 16`) or the rest of the wire in one read;
//!   7 an application action (finish bodies, a deliberate misuse, a 1xx, a new request, a
//!   reset). When the ops run out, the rest of the wire is fed in one read, then end of input.
//! - choice bytes decide how the application answers each request (server) or which
//!   requests it sends (client); once they run out every choice is 0, the plain answer.
//!
//! Everything one side writes is read back by a *mirror*, a weir connection of the other
//! role, which must see exactly the heads and bodies the application sent.
//!
//! A corpus file named `ok-…` must run without any error; one named `bad-…` must end in
//! an error (see `Summary::check_name`).

use std::collections::BTreeMap;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use weir::{
    Config, Connection, Error, ErrorKind, Event, Fields, Head, Leniency, Misuse, Output, Reason,
    Request, Response, Side, StreamId, Version,
};

/// A drain that needs more `poll_output` calls than this never reaches its deadline.
const MAX_POLLS: usize = 100_000;

/// What a run saw, for the corpus test's expectations.
#[derive(Debug, Default, Clone)]
pub struct Summary {
    /// `Headers` events (requests on a server, responses of any status on a client).
    pub heads: usize,
    /// `EarlyError` events.
    pub early_errors: usize,
    /// `StreamReset` events.
    pub resets: usize,
    /// `Tunnel` events.
    pub tunnels: usize,
    /// Body (or tunnel) bytes delivered.
    pub data_bytes: usize,
    /// Bytes transmitted.
    pub transmitted: usize,
    /// The error that `Closed` carried (`None` for a clean close).
    pub close_error: Option<Error>,
    /// Messages the mirror read back whole and found identical to what was sent.
    pub round_trips: usize,
}

impl Summary {
    /// Whether the run ended in a peer error.
    pub fn failed(&self) -> bool {
        self.early_errors > 0 || self.resets > 0 || self.close_error.is_some()
    }

    /// Checks the expectation that a corpus file's name states; panics if it is not met.
    pub fn check_name(&self, name: &str) {
        if name.starts_with("ok-") {
            assert!(!self.failed(), "{name}: expected a clean run, got {self:?}");
            assert!(self.heads > 0, "{name}: expected at least one head");
            assert!(self.round_trips > 0, "{name}: nothing was read back whole");
        } else if name.starts_with("bad-") {
            assert!(self.failed(), "{name}: expected an error, got {self:?}");
        }
    }
}

/// Runs a server connection on `data`; panics if an invariant breaks.
pub fn server(data: &[u8]) -> Summary {
    run(Side::Server, data, &mut ServerApp::default())
}

/// Runs a client connection on `data`; panics if an invariant breaks.
pub fn client(data: &[u8]) -> Summary {
    run(Side::Client, data, &mut ClientApp::default())
}

// ---- the script ------------------------------------------------------------------

fn take_prefixed(data: &[u8]) -> (&[u8], &[u8]) {
    match data.split_first() {
        Some((&n, rest)) => rest.split_at(usize::from(n).min(rest.len())),
        None => (&[], &[]),
    }
}

fn config(flags: u8) -> Config {
    let mut c = Config::default();
    let allow = |bit: u8| {
        if flags & (1 << bit) != 0 {
            Leniency::Allow
        } else {
            Leniency::Reject
        }
    };
    c.allow_obs_fold = allow(0);
    c.allow_bare_lf = allow(1);
    c.allow_space_before_colon = allow(2);
    c.allow_multiple_spaces = allow(3);
    if flags & 0x10 != 0 {
        c.max_request_line = 64;
        c.max_head_bytes = 256;
        c.max_fields = 8;
        c.max_trailer_bytes = 64;
        c.max_chunk_line = 24;
        c.max_buffered_input = 512;
    }
    if flags & 0x20 != 0 {
        c.header_read_timeout = None;
        c.idle_timeout = None;
    } else if flags & 0x40 != 0 {
        c.header_read_timeout = Some(Duration::from_secs(1));
        c.idle_timeout = Some(Duration::from_secs(2));
    }
    if flags & 0x80 != 0 {
        c.max_body = 16;
    }
    c
}

/// The clock starts at the same instant for every run of a process.
fn base() -> Instant {
    static BASE: OnceLock<Instant> = OnceLock::new();
    *BASE.get_or_init(Instant::now)
}

// ---- the harness: the connection, the clock and the invariants -------------------------

/// The connection and everything observed about it.
struct Harness<'a> {
    conn: Connection,
    side: Side,
    now: Instant,
    wire: &'a [u8],
    choices: &'a [u8],
    eof: bool,
    /// The deadline reported by the last complete drain.
    deadline: Option<Instant>,
    /// Something may have changed since the last complete drain (an input, a command
    /// that succeeded, or a drain in progress): a misuse cannot be checked against it.
    dirty: bool,
    closed_seen: bool,
    write_closed_seen: bool,
    /// The application decided to end the connection (a reset): commands may fail.
    closing: bool,
    input_fed: usize,
    app_bytes: usize,
    commands: usize,
    events: usize,
    summary: Summary,
    /// What the application sent on each stream, as the peer should read it.
    sent: BTreeMap<u32, Message>,
    mirror: Mirror,
}

impl<'a> Harness<'a> {
    fn choice(&mut self) -> u8 {
        match self.choices.split_first() {
            Some((&c, rest)) => {
                self.choices = rest;
                c
            }
            None => 0,
        }
    }

    fn feed(&mut self, n: usize) {
        if self.eof || self.wire.is_empty() {
            return;
        }
        let (chunk, rest) = self.wire.split_at(n.min(self.wire.len()));
        self.wire = rest;
        self.input_fed += chunk.len();
        self.dirty = true;
        self.conn.handle_input(self.now, chunk);
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

    /// Records a command's result. A command that fails while nothing is pending must
    /// leave the connection exactly as it was: no bytes, no event, the same deadline.
    fn cmd<T>(&mut self, result: Result<T, Misuse>) -> Option<T> {
        self.commands += 1;
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

    /// Like `cmd`, for a command that is valid in the application's view of the
    /// connection: it must succeed unless the connection is on its way out.
    fn expect_ok<T>(&mut self, result: Result<T, Misuse>, what: &str) -> Option<T> {
        if let Err(e) = &result {
            // A full send buffer is the application's to wait out (`Writable`).
            assert!(
                self.closing || *e == Misuse::BufferFull,
                "{what} refused: {e:?}"
            );
        }
        self.cmd(result)
    }

    /// A deliberate mistake: it must fail, and (between drains) change nothing.
    fn misuse<T: std::fmt::Debug>(&mut self, result: Result<T, Misuse>, what: &str) {
        assert!(result.is_err(), "{what} was accepted: {result:?}");
        self.cmd(result);
    }

    fn message(&mut self, stream: StreamId) -> &mut Message {
        self.sent.entry(stream.0).or_default()
    }

    /// `send_response`, recording what the peer should read.
    fn respond(&mut self, stream: StreamId, res: Response, end: bool) -> Result<(), Misuse> {
        let status = res.status;
        let r = self.conn.send_response(stream, res, end);
        if r.is_ok() && (status >= 200 || status == 101) {
            let m = self.message(stream);
            m.status = Some(status);
            m.ended = end;
        }
        r
    }

    /// `send_data`, recording what the peer should read.
    fn data(&mut self, stream: StreamId, data: &[u8], end: bool) -> Result<(), Misuse> {
        let r = self.conn.send_data(stream, data.to_vec().into(), end);
        if r.is_ok() {
            self.app_bytes += data.len();
            let m = self.message(stream);
            m.body.extend_from_slice(data);
            m.ended |= end;
        }
        r
    }

    /// `send_trailers`, recording the end of the body.
    fn trailers(&mut self, stream: StreamId, fields: Fields) -> Result<(), Misuse> {
        let r = self.conn.send_trailers(stream, fields);
        if r.is_ok() {
            self.message(stream).ended = true;
        }
        r
    }

    /// `send_request`, recording what the peer should read.
    fn request(&mut self, req: Request, end: bool) -> Result<StreamId, Misuse> {
        let (method, target) = (req.method.to_vec(), req.target.to_vec());
        let r = self.conn.send_request(req, end);
        if let Ok(id) = r {
            let m = self.message(id);
            m.method = Some(method);
            m.target = Some(target);
            m.ended = end;
        }
        r
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
                        "bytes to transmit after the write side closed: {:?}",
                        String::from_utf8_lossy(&out)
                    );
                    self.summary.transmitted += out.len();
                    self.mirror.feed(self.now, &out);
                    out.clear();
                }
                Output::Event(ev) => {
                    assert!(!self.closed_seen, "an event after Closed: {ev:?}");
                    self.events += 1;
                    if matches!(ev, Event::Closed { .. }) {
                        // Every stream ends or is reset before the connection closes.
                        assert!(!app.in_progress(), "a stream left open at Closed");
                    }
                    self.observe(&ev);
                    self.mirror.expect(&ev, &mut self.sent);
                    app.on_event(self, ev);
                }
                Output::Timeout(t) => break t,
            }
        };
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
            self.mirror.end(self.now);
        }
        // Nothing the peer sends may make the connection write without bound: all it
        // writes is what the application gave it, echoes and small heads.
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

    /// Invariants about events that do not depend on the role.
    fn observe(&mut self, ev: &Event) {
        match ev {
            Event::Headers { .. } => self.summary.heads += 1,
            Event::EarlyError { .. } => self.summary.early_errors += 1,
            Event::StreamReset { .. } => {
                self.summary.resets += 1;
                self.closing = true;
            }
            Event::Tunnel { .. } => self.summary.tunnels += 1,
            Event::Data { data, .. } => self.summary.data_bytes += data.len(),
            Event::Closed { error } => {
                self.closed_seen = true;
                self.closing = true;
                self.summary.close_error = error.clone();
            }
            _ => {}
        }
        if let Some(stream) = ev.stream() {
            assert!(stream.0 % 2 == 1, "an even stream id: {ev:?}");
        }
    }
}

/// What the application does with events and actions.
trait App {
    /// Sends the first requests (client).
    fn start(&mut self, _h: &mut Harness<'_>) {}
    fn on_event(&mut self, h: &mut Harness<'_>, ev: Event);
    /// An action between inputs, `k` in 0..32.
    fn act(&mut self, h: &mut Harness<'_>, k: u8);
    /// Ends every body and tunnel this side still has open; says whether it did anything.
    fn finish(&mut self, h: &mut Harness<'_>) -> bool;
    /// Whether a stream is still in progress in either direction.
    fn in_progress(&self) -> bool;
}

fn run(side: Side, data: &[u8], app: &mut dyn App) -> Summary {
    let (flags, rest) = data.split_first().map_or((0, &[][..]), |(f, r)| (*f, r));
    let (ops, rest) = take_prefixed(rest);
    let (choices, wire) = take_prefixed(rest);
    let now = base();
    let mut h = Harness {
        // HTTP/1.1 only: a server that detects the version would switch to HTTP/2 on
        // the prior-knowledge preface, which the h2 drivers cover.
        conn: Connection::with_version(side, Version::Http11, config(flags), now),
        side,
        now,
        wire,
        choices,
        eof: false,
        deadline: None,
        dirty: true,
        closed_seen: false,
        write_closed_seen: false,
        closing: false,
        input_fed: 0,
        app_bytes: 0,
        commands: 0,
        events: 0,
        summary: Summary::default(),
        sent: BTreeMap::new(),
        mirror: Mirror::new(side, now),
    };
    h.drain(app);
    app.start(&mut h);
    h.drain(app);
    for &c in ops {
        let k = c >> 3;
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
    }
    // The rest of the wire, then the end of input; every body the application holds
    // open is ended, so the connection must close by itself, without any deadline.
    h.feed(usize::MAX);
    h.drain(app);
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
        "{side:?} still open after end of input with everything answered"
    );
    h.mirror.end(h.now);
    let clean = h.summary.close_error.is_none() && h.summary.resets == 0;
    h.summary.round_trips = h.mirror.check(&h.sent, clean);
    h.summary
}

// ---- the mirror: the other side, reading what this side wrote ----------------------

/// One message as written by the application or as read by the mirror.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct Message {
    /// A response's final status (101 included).
    status: Option<u16>,
    /// A request's method and target.
    method: Option<Vec<u8>>,
    target: Option<Vec<u8>>,
    /// Body bytes, then tunnel bytes.
    body: Vec<u8>,
    /// The body (or this direction of the tunnel) is complete.
    ended: bool,
    /// The reader gets no body whatever is sent (a response to HEAD).
    bodyless: bool,
}

/// A connection of the other role, fed everything this side transmits.
struct Mirror {
    conn: Connection,
    /// False once the mirror could not follow (it refused a request it was to send).
    live: bool,
    eof: bool,
    seen: BTreeMap<u32, Message>,
    /// The error its `Closed` carried, once closed.
    closed: Option<Option<Error>>,
    /// It answered a request with an early error: what it read was not a request.
    early: Option<Error>,
    /// A mirror server holds its answer to a tunnel request (CONNECT, or an Upgrade)
    /// until the real server's answer arrives: it accepts exactly when that one did, so
    /// that both read what follows the same way (raw bytes, or the next request).
    held: Option<(StreamId, Response)>,
}

impl Mirror {
    fn new(side: Side, now: Instant) -> Mirror {
        let config = Config {
            max_buffered_input: usize::MAX,
            ..Config::default()
        };
        let other = match side {
            Side::Server => Side::Client,
            Side::Client => Side::Server,
        };
        Mirror {
            conn: Connection::with_version(other, Version::Http11, config, now),
            live: true,
            eof: false,
            seen: BTreeMap::new(),
            closed: None,
            early: None,
            held: None,
        }
    }

    fn feed(&mut self, now: Instant, bytes: &[u8]) {
        if self.live && !self.eof {
            self.conn.handle_input(now, bytes);
            self.drain();
        }
    }

    fn end(&mut self, now: Instant) {
        if self.live && !self.eof {
            self.eof = true;
            self.conn.handle_eof(now);
            self.drain();
        }
    }

    /// A mirror client must have sent a request before the response to it arrives:
    /// send one like the request this server just delivered (or failed to read).
    fn expect(&mut self, ev: &Event, sent: &mut BTreeMap<u32, Message>) {
        if !self.live || self.conn.is_closed() {
            return;
        }
        let req = match ev {
            Event::Headers {
                stream,
                head: Head::Response(res),
                ..
            } if res.status >= 200 || res.status == 101 => {
                if let Some((held, accept)) = self.held.take_if(|(id, _)| id == stream) {
                    let accepted = res.status == 101 && accept.status == 101
                        || (200..300).contains(&res.status) && accept.status == 200;
                    let r = if accepted {
                        self.conn.send_response(held, accept, false)
                    } else {
                        self.conn.send_response(held, Response::new(404), true)
                    };
                    if r.is_err() {
                        self.live = false;
                    }
                }
                return;
            }
            Event::Headers {
                stream,
                head: Head::Request(req),
                ..
            } => {
                sent.entry(stream.0).or_default().bodyless = req.is_method("HEAD");
                let mut mirrored = if req.is_method("CONNECT") {
                    Request::new("CONNECT", "a:1").field("Host", "a:1")
                } else {
                    Request::new(req.method.clone(), "/").field("Host", "a")
                };
                mirrored = mirrored.version(req.version);
                for value in req.fields.get_all("connection") {
                    mirrored = mirrored.field("Connection", value);
                }
                if req.version != Version::Http10 && req.fields.contains("upgrade") {
                    mirrored = mirrored.field("Upgrade", "x");
                }
                mirrored
            }
            Event::EarlyError {
                stream,
                request,
                response,
                ..
            } => {
                let head = request.method.as_deref() == Some(b"HEAD");
                // The proposed answer goes out unless the application replaces it.
                let m = sent.entry(stream.0).or_default();
                m.status = Some(response.status);
                m.ended = true;
                m.bodyless = head;
                let version = request.version.unwrap_or(Version::Http11);
                Request::new(if head { "HEAD" } else { "GET" }, "/")
                    .field("Host", "a")
                    .version(version)
            }
            _ => return,
        };
        if self.conn.send_request(req, true).is_err() {
            self.live = false;
        }
    }

    fn drain(&mut self) {
        let mut out = Vec::new();
        for _ in 0..MAX_POLLS {
            match self.conn.poll_output(&mut out) {
                Output::Transmit => out.clear(),
                Output::Event(ev) => self.on_event(ev),
                Output::Timeout(_) => return,
            }
        }
        panic!("the mirror never reached a deadline");
    }

    fn on_event(&mut self, ev: Event) {
        match ev {
            Event::Headers {
                stream,
                head: Head::Response(res),
                end_stream,
            } if res.status >= 200 || res.status == 101 => {
                let m = self.seen.entry(stream.0).or_default();
                m.status = Some(res.status);
                m.ended = end_stream;
            }
            Event::Headers {
                stream,
                head: Head::Request(req),
                end_stream,
            } => {
                let m = self.seen.entry(stream.0).or_default();
                m.method = Some(req.method.to_vec());
                m.target = Some(req.target.to_vec());
                m.ended = end_stream;
                // Answer so that the next request is read; a tunnel waits for the real
                // server's answer (see `held`).
                let _ = self.conn.accept_body(stream);
                let upgrade = req.version != Version::Http10
                    && req.fields.contains("upgrade")
                    && req.fields.has_token("connection", "upgrade");
                if req.is_method("CONNECT") {
                    self.held = Some((stream, Response::new(200)));
                } else if upgrade && end_stream {
                    self.held = Some((stream, Response::new(101).field("Upgrade", "x")));
                } else if self
                    .conn
                    .send_response(stream, Response::new(204), true)
                    .is_err()
                {
                    self.live = false;
                }
            }
            Event::Data {
                stream,
                data,
                end_stream,
            } => {
                let m = self.seen.entry(stream.0).or_default();
                m.body.extend_from_slice(&data);
                m.ended |= end_stream;
            }
            Event::Trailers { stream, .. } => {
                self.seen.entry(stream.0).or_default().ended = true;
            }
            Event::EarlyError { error, .. } => self.early = Some(error),
            Event::Closed { error } => self.closed = Some(error),
            _ => {}
        }
    }

    /// Checks that the mirror read what the application sent. `clean`: this side closed
    /// without an error, so nothing it wrote may be cut short.
    fn check(&self, sent: &BTreeMap<u32, Message>, clean: bool) -> usize {
        let mut round_trips = 0;
        if !self.live {
            return round_trips;
        }
        assert_eq!(self.early, None, "the mirror could not read a request head");
        match &self.closed {
            Some(Some(e)) if clean || e.kind != ErrorKind::UnexpectedEof => {
                panic!("the mirror failed reading what was written: {e}")
            }
            _ => {}
        }
        for (id, m) in sent {
            let Some(seen) = self.seen.get(id) else {
                assert!(
                    !clean || (m.status.is_none() && m.method.is_none()),
                    "stream {id} was written but never read: {m:?}"
                );
                continue;
            };
            if let (Some(a), Some(b)) = (m.status, seen.status) {
                assert_eq!(a, b, "stream {id}: the status read back differs");
            }
            if m.method.is_some() && seen.method.is_some() {
                assert_eq!(
                    (&m.method, &m.target),
                    (&seen.method, &seen.target),
                    "stream {id}: the request line read back differs"
                );
            }
            let body: &[u8] = if m.bodyless { &[] } else { &m.body };
            if m.ended && seen.ended {
                round_trips += 1;
                assert!(
                    body == seen.body.as_slice(),
                    "stream {id}: the body read back differs: wrote {:?}, read {:?}",
                    String::from_utf8_lossy(body),
                    String::from_utf8_lossy(&seen.body)
                );
            } else {
                assert!(
                    body.starts_with(&seen.body),
                    "stream {id}: the body read back is not what was written: wrote {:?}, read {:?}",
                    String::from_utf8_lossy(body),
                    String::from_utf8_lossy(&seen.body)
                );
            }
            if clean && m.ended {
                assert!(
                    seen.ended,
                    "stream {id}: a complete message read as cut short"
                );
            }
        }
        round_trips
    }
}

// ---- the server application ------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Plan {
    /// The response is complete.
    Done,
    /// A 101 goes out once the request body has ended.
    Upgrade,
    /// The response streams the request body back, and ends with it.
    Echo { trailers: bool },
    /// The response streams and ends on an action, or when the request has ended.
    Stream { trailers: bool },
    /// A tunnel: echo what comes in until the peer closes.
    Tunnel,
}

#[derive(Debug)]
struct ServerStream {
    plan: Plan,
    request_ended: bool,
    tunnel: bool,
    tunnel_in_ended: bool,
    http10: bool,
    upgrade: Vec<u8>,
    early: bool,
}

#[derive(Debug, Default)]
struct ServerApp {
    streams: BTreeMap<u32, ServerStream>,
    last: u32,
}

impl ServerApp {
    fn new_stream(&mut self, h: &Harness<'_>, id: StreamId, ev: &Event) {
        assert!(id.0 > self.last, "stream ids go backwards: {ev:?}");
        self.last = id.0;
        // One exchange at a time: the next request is read once the previous one
        // is over in both directions, and nothing follows a tunnel or an error.
        for (n, s) in &self.streams {
            assert!(
                !s.tunnel && !s.early && s.request_ended && s.plan == Plan::Done,
                "stream {} began while stream {n} was open: {s:?}",
                id.0
            );
        }
        assert!(!h.closing, "a new stream after a reset: {ev:?}");
    }

    fn stream(&mut self, id: StreamId, ev: &Event) -> &mut ServerStream {
        self.streams
            .get_mut(&id.0)
            .unwrap_or_else(|| panic!("an event on an unknown stream: {ev:?}"))
    }

    fn on_request(&mut self, h: &mut Harness<'_>, id: StreamId, req: &Request, end: bool) {
        let c = h.choice();
        let http10 = req.version == Version::Http10;
        let connect = req.is_method("CONNECT");
        // HTTP/1.0 has no Upgrade (RFC 9110 §7.8): weir ignores it there.
        let upgrade = !http10
            && req.fields.contains("upgrade")
            && req.fields.has_token("connection", "upgrade");
        let mut s = ServerStream {
            plan: Plan::Done,
            request_ended: end,
            tunnel: false,
            tunnel_in_ended: false,
            http10,
            upgrade: req
                .fields
                .get("upgrade")
                .map(|v| v.to_vec())
                .unwrap_or_default(),
            early: false,
        };
        let continues = req
            .fields
            .get("expect")
            .is_some_and(|v| v.eq_ignore_ascii_case(b"100-continue"));
        if continues && !end && c & 0x80 != 0 {
            let r = h.conn.accept_body(id);
            h.expect_ok(r, "accept_body");
        }
        if c == 0xff {
            let r = h.conn.reset_stream(id, Reason::CANCEL);
            if h.expect_ok(r, "reset_stream").is_some() {
                h.closing = true;
            }
            self.streams.insert(id.0, s);
            return;
        }
        let ok = |h: &mut Harness<'_>, res: Response, end: bool| {
            let r = h.respond(id, res, end);
            h.expect_ok(r, "a response").is_some()
        };
        if connect {
            match c % 4 {
                0 | 1 => {
                    ok(h, Response::new(200), false);
                }
                2 => {
                    ok(h, Response::new(407), true);
                }
                _ => {
                    let r = h.respond(id, Response::new(200).field("content-length", "0"), false);
                    assert!(
                        r.is_err(),
                        "a 2xx to CONNECT with Content-Length was accepted"
                    );
                    h.cmd(r);
                    ok(h, Response::new(502).field("content-length", "4"), false);
                    let r = h.data(id, b"nope", true);
                    h.expect_ok(r, "a body");
                }
            }
        } else if upgrade && c % 4 != 1 && c % 4 != 2 {
            let mut res = Response::new(101).field("upgrade", s.upgrade.clone());
            if c & 0x10 != 0 {
                res = res.field("connection", "upgrade");
            }
            if end {
                ok(h, res, false);
            } else {
                if c % 4 == 3 {
                    // Before the request body has ended, a 101 is refused.
                    let r = h.respond(id, res, false);
                    assert!(
                        r.is_err(),
                        "a 101 before the request body ended was accepted"
                    );
                    h.cmd(r);
                }
                s.plan = Plan::Upgrade;
            }
        } else if upgrade && c % 4 == 2 {
            ok(h, Response::new(426), true);
        } else {
            let trailers = c & 0x10 != 0;
            match c % 8 {
                0 => {
                    ok(h, Response::new(200), false);
                    let r = h.data(id, b"hello", true);
                    h.expect_ok(r, "a body");
                }
                1 => {
                    ok(h, Response::new(204), true);
                }
                2 => {
                    ok(h, Response::new(200).field("Content-Length", "5"), false);
                    let r = h.data(id, b"hello", true);
                    h.expect_ok(r, "a body");
                }
                3 => {
                    ok(h, Response::new(200).field("x-echo", "1"), false);
                    s.plan = Plan::Echo { trailers };
                }
                4 => {
                    let res = if http10 {
                        Response::new(200)
                    } else {
                        Response::new(200).field("Transfer-Encoding", "chunked")
                    };
                    ok(h, res, false);
                    let r = h.data(id, b"part", false);
                    h.expect_ok(r, "a body");
                    s.plan = Plan::Stream { trailers };
                }
                5 => {
                    let hints = Response::new(103).field("link", "</a.css>; rel=preload");
                    ok(h, hints, false);
                    ok(h, Response::new(200), true);
                }
                6 => {
                    ok(h, Response::new(200).field("Connection", "close"), true);
                }
                _ => {
                    ok(h, Response::new(304).field("etag", "\"x\""), true);
                }
            }
        }
        let echo_done = end && matches!(s.plan, Plan::Echo { .. });
        self.streams.insert(id.0, s);
        if echo_done {
            self.end_response(h, id);
        }
    }

    /// Ends the response of `id` as its plan says.
    fn end_response(&mut self, h: &mut Harness<'_>, id: StreamId) {
        let Some(s) = self.streams.get_mut(&id.0) else {
            return;
        };
        match s.plan {
            Plan::Echo { trailers } | Plan::Stream { trailers } => {
                s.plan = Plan::Done;
                if trailers && !s.http10 {
                    let mut fields = Fields::new();
                    fields.append("x-checksum", "0");
                    let r = h.trailers(id, fields);
                    h.expect_ok(r, "trailers");
                } else {
                    let r = h.data(id, b"", true);
                    h.expect_ok(r, "the end of a body");
                }
            }
            Plan::Upgrade if s.request_ended => {
                s.plan = Plan::Done;
                let res = Response::new(101).field("upgrade", s.upgrade.clone());
                let r = h.respond(id, res, false);
                h.expect_ok(r, "a deferred 101");
            }
            Plan::Upgrade => {}
            Plan::Tunnel if s.tunnel_in_ended => {
                s.plan = Plan::Done;
                let r = h.data(id, b"", true);
                h.expect_ok(r, "closing a tunnel");
            }
            Plan::Tunnel | Plan::Done => {}
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
    fn in_progress(&self) -> bool {
        self.streams.values().any(|s| {
            !s.early && (s.plan != Plan::Done || !s.request_ended || s.tunnel && !s.tunnel_in_ended)
        })
    }

    fn on_event(&mut self, h: &mut Harness<'_>, ev: Event) {
        match &ev {
            Event::Headers {
                stream,
                head,
                end_stream,
            } => {
                self.new_stream(h, *stream, &ev);
                let Head::Request(req) = head else {
                    panic!("a server received a response head: {ev:?}");
                };
                self.on_request(h, *stream, req, *end_stream);
            }
            Event::EarlyError {
                stream, response, ..
            } => {
                self.new_stream(h, *stream, &ev);
                assert!(
                    response.status >= 400,
                    "an early error proposing {response:?}"
                );
                self.streams.insert(
                    stream.0,
                    ServerStream {
                        plan: Plan::Done,
                        request_ended: true,
                        tunnel: false,
                        tunnel_in_ended: false,
                        http10: false,
                        upgrade: Vec::new(),
                        early: true,
                    },
                );
                match h.choice() % 4 {
                    1 => {
                        let r = h.respond(*stream, Response::new(400), false);
                        h.expect_ok(r, "replacing an early error response");
                        let r = h.data(*stream, b"bad request", true);
                        h.expect_ok(r, "a body");
                    }
                    2 => {
                        let r = h.respond(*stream, Response::new(431), true);
                        h.expect_ok(r, "replacing an early error response");
                    }
                    _ => {}
                }
            }
            Event::Data {
                stream,
                data,
                end_stream,
            } => {
                let s = self.stream(*stream, &ev);
                if s.tunnel {
                    assert!(!s.tunnel_in_ended, "tunnel data after its end: {ev:?}");
                    s.tunnel_in_ended = *end_stream;
                    if !data.is_empty() && !s.tunnel_in_ended {
                        let r = h.data(*stream, data, false);
                        h.cmd(r);
                    }
                    if *end_stream {
                        self.end_response(h, *stream);
                    }
                    return;
                }
                assert!(!s.request_ended, "body data after the body ended: {ev:?}");
                s.request_ended = *end_stream;
                if matches!(s.plan, Plan::Echo { .. }) && !data.is_empty() {
                    let r = h.data(*stream, data, false);
                    h.expect_ok(r, "echoing data");
                }
                if *end_stream {
                    self.end_response(h, *stream);
                }
            }
            Event::ChunkExtension { stream, extension } => {
                let s = self.stream(*stream, &ev);
                assert!(
                    !s.tunnel && !s.request_ended,
                    "a misplaced extension: {ev:?}"
                );
                assert!(extension.first() == Some(&b';'), "an extension without `;`");
            }
            Event::Trailers { stream, .. } => {
                let s = self.stream(*stream, &ev);
                assert!(!s.tunnel && !s.request_ended, "misplaced trailers: {ev:?}");
                s.request_ended = true;
                self.end_response(h, *stream);
            }
            Event::Tunnel { stream } => {
                let s = self.stream(*stream, &ev);
                assert!(!s.tunnel, "a second Tunnel: {ev:?}");
                assert!(s.request_ended, "a tunnel before the request ended: {ev:?}");
                s.tunnel = true;
                s.plan = Plan::Tunnel;
                let r = h.data(*stream, b"hi", false);
                h.expect_ok(r, "writing to a tunnel");
            }
            Event::StreamReset { stream, .. } => {
                self.stream(*stream, &ev);
                // A reset stream is over: nothing more is owed on it.
                self.streams.remove(&stream.0);
            }
            _ => {}
        }
    }

    fn act(&mut self, h: &mut Harness<'_>, k: u8) {
        let open = self.open();
        let any = self.streams.keys().next_back().map(|&id| StreamId(id));
        let target = open.or(any).unwrap_or(StreamId(1));
        match k {
            0..=7 => {
                if let Some(id) = open {
                    self.end_response(h, id);
                }
            }
            8..=15 => misuse(h, k - 8, target),
            16..=23 => {
                let r = h.conn.accept_body(target);
                h.cmd(r);
            }
            24..=30 => {
                let r = h.respond(target, Response::new(103), false);
                h.cmd(r);
            }
            _ => {
                let r = h.conn.reset_stream(target, Reason::INTERNAL_ERROR);
                if h.cmd(r).is_some() {
                    h.closing = true;
                }
            }
        }
    }

    fn finish(&mut self, h: &mut Harness<'_>) -> bool {
        let mut acted = false;
        let ids: Vec<u32> = self.streams.keys().copied().collect();
        for id in ids {
            let s = &self.streams[&id];
            if s.plan == Plan::Done || h.closed_seen {
                continue;
            }
            if s.plan == Plan::Upgrade && !s.request_ended {
                // The request body never ended (the connection failed): nothing to send.
                self.streams.get_mut(&id).expect("listed").plan = Plan::Done;
                continue;
            }
            if s.plan == Plan::Tunnel {
                self.streams.get_mut(&id).expect("listed").tunnel_in_ended = true;
            }
            self.end_response(h, StreamId(id));
            acted = true;
        }
        acted
    }
}

/// A deliberate mistake of kind `k` (0..8): every one of them must be refused.
fn misuse(h: &mut Harness<'_>, k: u8, stream: StreamId) {
    let never = StreamId(2);
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
            let r = h.conn.send_data(never, "x".into(), true);
            h.misuse(r, "data on a stream that never was");
        }
        3 => match h.side {
            Side::Server => {
                let r = h
                    .conn
                    .send_request(Request::new("GET", "/").field("Host", "a"), true);
                h.misuse(r, "a server sending a request");
            }
            Side::Client => {
                let r = h.conn.send_response(stream, Response::new(200), true);
                h.misuse(r, "a client sending a response");
            }
        },
        4 => {
            let res = Response::new(200).field("x", "a\r\nSet-Cookie: injected");
            let r = h.conn.send_response(stream, res, true);
            h.misuse(r, "a value with CRLF");
        }
        5 => {
            let r = h.conn.reset_stream(never, Reason::CANCEL);
            h.misuse(r, "resetting a stream that never was");
        }
        6 => {
            let r = h
                .conn
                .send_request(Request::new("GE T", "/").field("Host", "a"), true);
            h.misuse(r, "a method with a space");
        }
        _ => {
            let r = h.conn.accept_body(never);
            h.misuse(r, "accepting the body of a stream that never was");
        }
    }
}

// ---- the client application ------------------------------------------------------

#[derive(Debug, Default)]
struct ClientStream {
    /// The request body is still open (a streamed POST).
    body_open: bool,
    head_request: bool,
    final_seen: bool,
    response_ended: bool,
    tunnel: bool,
    tunnel_in_ended: bool,
    tunnel_out_ended: bool,
}

#[derive(Debug, Default)]
struct ClientApp {
    streams: BTreeMap<u32, ClientStream>,
}

impl ClientApp {
    /// Sends a request of kind `k % 8`; returns whether the library took it.
    fn request(&mut self, h: &mut Harness<'_>, k: u8) -> bool {
        let host = |r: Request| r.field("Host", "example.com");
        let (req, end, body): (Request, bool, Option<&'static [u8]>) = match k % 8 {
            0 => (host(Request::new("GET", "/")), true, None),
            1 => (host(Request::new("HEAD", "/head")), true, None),
            2 => (
                host(Request::new("POST", "/form")).field("Content-Length", "5"),
                false,
                Some(b"a=b&c"),
            ),
            3 => (host(Request::new("POST", "/stream")), false, Some(b"abc")),
            4 => (
                host(Request::new("PUT", "/upload"))
                    .field("Expect", "100-continue")
                    .field("Content-Length", "4"),
                false,
                Some(b"data"),
            ),
            5 => (
                Request::new("CONNECT", "example.com:443").field("Host", "example.com:443"),
                true,
                None,
            ),
            6 => (
                host(Request::new("GET", "/chat"))
                    .field("Upgrade", "websocket")
                    .field("Connection", "Upgrade"),
                true,
                None,
            ),
            _ => (
                Request::new("GET", "/old").version(Version::Http10),
                true,
                None,
            ),
        };
        let head_request = req.is_method("HEAD");
        let first = self.streams.is_empty();
        let r = h.request(req, end);
        let id = if first {
            h.expect_ok(r, "the first request")
        } else {
            h.cmd(r)
        };
        let Some(id) = id else {
            return false;
        };
        let mut s = ClientStream {
            head_request,
            ..ClientStream::default()
        };
        match (k % 8, body) {
            (3, Some(b)) => {
                let r = h.data(id, b, false);
                h.expect_ok(r, "a request body");
                s.body_open = true;
            }
            (_, Some(b)) => {
                let r = h.data(id, b, true);
                h.expect_ok(r, "a request body");
            }
            _ => {}
        }
        self.streams.insert(id.0, s);
        true
    }

    fn stream(&mut self, id: StreamId, ev: &Event) -> &mut ClientStream {
        self.streams
            .get_mut(&id.0)
            .unwrap_or_else(|| panic!("an event on a stream never requested: {ev:?}"))
    }

    fn end_body(&mut self, h: &mut Harness<'_>, id: u32, trailers: bool) {
        let s = self.streams.get_mut(&id).expect("known stream");
        s.body_open = false;
        if trailers {
            let mut fields = Fields::new();
            fields.append("x-sum", "3");
            let r = h.trailers(StreamId(id), fields);
            h.expect_ok(r, "request trailers");
        } else {
            let r = h.data(StreamId(id), b"!", true);
            h.expect_ok(r, "the end of a request body");
        }
    }

    fn close_tunnel(&mut self, h: &mut Harness<'_>, id: u32) {
        let s = self.streams.get_mut(&id).expect("known stream");
        if s.tunnel && !s.tunnel_out_ended {
            s.tunnel_out_ended = true;
            let r = h.data(StreamId(id), b"", true);
            h.expect_ok(r, "closing a tunnel");
        }
    }
}

impl App for ClientApp {
    fn in_progress(&self) -> bool {
        self.streams.values().any(|s| {
            s.body_open
                || if s.tunnel {
                    !s.tunnel_in_ended || !s.tunnel_out_ended
                } else {
                    !s.response_ended
                }
        })
    }

    fn start(&mut self, h: &mut Harness<'_>) {
        let n = 1 + h.choice() % 4;
        for _ in 0..n {
            let k = h.choice();
            if !self.request(h, k) {
                break;
            }
            h.drain(self);
        }
    }

    fn on_event(&mut self, h: &mut Harness<'_>, ev: Event) {
        // Responses come in request order: every event is about the oldest stream that
        // still has something to receive.
        let oldest = self
            .streams
            .iter()
            .find(|(_, s)| {
                if s.tunnel {
                    !s.tunnel_in_ended
                } else {
                    !s.response_ended
                }
            })
            .map(|(&id, _)| id);
        // Resets and room to send concern this side's streams, in no particular order.
        let ours = matches!(ev, Event::StreamReset { .. } | Event::Writable { .. });
        if let (Some(stream), false) = (ev.stream(), ours) {
            assert_eq!(Some(stream.0), oldest, "an event out of order: {ev:?}");
        }
        match &ev {
            Event::Headers {
                stream,
                head,
                end_stream,
            } => {
                let Head::Response(res) = head else {
                    panic!("a client received a request head: {ev:?}");
                };
                let s = self.stream(*stream, &ev);
                assert!(
                    !s.final_seen && !s.tunnel,
                    "a head after the final one: {ev:?}"
                );
                if res.is_informational() {
                    assert!(!end_stream, "a 1xx that ends the stream: {ev:?}");
                    if res.status == 101 {
                        s.final_seen = true;
                    }
                } else {
                    s.final_seen = true;
                    s.response_ended = *end_stream;
                    if s.head_request {
                        assert!(*end_stream, "a response to HEAD with a body: {ev:?}");
                    }
                }
            }
            Event::Data {
                stream, end_stream, ..
            } => {
                let s = self.stream(*stream, &ev);
                if s.tunnel {
                    assert!(!s.tunnel_in_ended, "tunnel data after its end: {ev:?}");
                    s.tunnel_in_ended = *end_stream;
                    if *end_stream {
                        self.close_tunnel(h, stream.0);
                    }
                } else {
                    assert!(s.final_seen, "body data before the final head: {ev:?}");
                    s.response_ended = *end_stream;
                }
            }
            Event::ChunkExtension { stream, .. } => {
                let s = self.stream(*stream, &ev);
                assert!(s.final_seen && !s.tunnel, "a misplaced extension: {ev:?}");
            }
            Event::Trailers { stream, .. } => {
                let s = self.stream(*stream, &ev);
                assert!(s.final_seen && !s.tunnel, "misplaced trailers: {ev:?}");
                s.response_ended = true;
            }
            Event::Tunnel { stream } => {
                let s = self.stream(*stream, &ev);
                assert!(s.final_seen && !s.tunnel, "a misplaced Tunnel: {ev:?}");
                s.tunnel = true;
                let r = h.data(*stream, b"ping", false);
                h.expect_ok(r, "writing to a tunnel");
            }
            Event::StreamReset { stream, .. } => {
                self.stream(*stream, &ev);
                // A reset stream is over: nothing more is owed on it.
                self.streams.remove(&stream.0);
            }
            Event::EarlyError { .. } => panic!("a client got an early error: {ev:?}"),
            _ => {}
        }
    }

    fn act(&mut self, h: &mut Harness<'_>, k: u8) {
        let target = self.streams.keys().next().copied().unwrap_or(1);
        match k {
            0..=7 => {
                if let Some((&id, _)) = self.streams.iter().find(|(_, s)| s.body_open) {
                    self.end_body(h, id, k % 2 == 1);
                }
            }
            8..=15 => misuse(h, k - 8, StreamId(target)),
            16..=30 => {
                self.request(h, k);
            }
            _ => {
                let r = h.conn.reset_stream(StreamId(target), Reason::CANCEL);
                if h.cmd(r).is_some() {
                    h.closing = true;
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
            if s.body_open {
                self.end_body(h, id, false);
                acted = true;
            } else if s.tunnel && !s.tunnel_out_ended {
                self.close_tunnel(h, id);
                acted = true;
            }
        }
        acted
    }
}
