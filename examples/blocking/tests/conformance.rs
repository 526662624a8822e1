//! The HTTP/1.1 conformance and request-smuggling corpus of `conformance/cases.rs`, run
//! four ways: in memory against `weir::Connection` with an application that answers like
//! the server's `GET /` route, and over TCP against the `blocking-server` binary; each
//! once with the case in one piece and once one byte at a time.
//!
//! Every failing case is listed with what differed; the test fails if a MUST case fails.
//! `cargo test -p weir-blocking --test conformance -- --nocapture` shows the report.

#[path = "conformance/cases.rs"]
mod cases;
#[path = "support/mod.rs"]
mod support;
#[path = "conformance/wire.rs"]
mod wire;

use bytes::Bytes;
use cases::{Case, End, Level, Reply};
use std::collections::{HashMap, HashSet};
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use weir::{Config, Connection, Event, Head, Output, Request, Response, Side, StreamId};

/// The longest a TCP case waits for a response or a close that is due: only a failing
/// case waits this long.
const PATIENCE: Duration = Duration::from_millis(500);

/// How long a connection expected to stay open is watched for a premature close.
const GRACE: Duration = Duration::from_millis(25);

/// TCP cases run on this many threads (most of their time is spent waiting).
const WORKERS: usize = 6;

/// The body of the application's answer.
const HELLO: &[u8] = b"Hello, World!\n";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    MemoryWhole,
    MemoryBytes,
    TcpWhole,
    TcpBytes,
}

impl Mode {
    const ALL: [Mode; 4] = [
        Mode::MemoryWhole,
        Mode::MemoryBytes,
        Mode::TcpWhole,
        Mode::TcpBytes,
    ];

    fn name(self) -> &'static str {
        match self {
            Mode::MemoryWhole => "memory/whole",
            Mode::MemoryBytes => "memory/bytes",
            Mode::TcpWhole => "tcp/whole",
            Mode::TcpBytes => "tcp/bytes",
        }
    }

    fn bytewise(self) -> bool {
        matches!(self, Mode::MemoryBytes | Mode::TcpBytes)
    }
}

/// What a run saw.
#[derive(Debug, Default)]
struct Observed {
    /// Everything the server wrote.
    wire: Vec<u8>,
    /// How much of `wire` had arrived when the client half-closed (all of it if the
    /// server closed first): what comes later may say `connection: close`.
    early: usize,
    /// The server closed before the client half-closed.
    closed_early: bool,
    /// The server closed after the half-close (or earlier).
    closed: bool,
    /// Anything else worth reporting (refused commands, I/O errors).
    notes: Vec<String>,
}

/// A run of a case (by index) that did not match, with the run's notes.
struct Failure {
    case: usize,
    mode: Mode,
    mismatch: Mismatch,
    notes: Vec<String>,
}

/// Why a run did not match its case; `level` lowers the case's level for a difference
/// that only breaks a weaker requirement.
struct Mismatch {
    what: String,
    level: Option<Level>,
}

#[test]
fn conformance() {
    let cases = cases::all();
    let mut names = HashSet::new();
    for case in &cases {
        assert!(names.insert(case.name), "two cases named {}", case.name);
    }
    let server = support::Program::blocking_server();
    let addr = server.addr;

    let next = AtomicUsize::new(0);
    let failures: Mutex<Vec<Failure>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..WORKERS {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(case) = cases.get(i) else { return };
                for mode in Mode::ALL {
                    let seen = match mode {
                        Mode::MemoryWhole | Mode::MemoryBytes => run_memory(case, mode.bytewise()),
                        Mode::TcpWhole | Mode::TcpBytes => run_tcp(addr, case, mode.bytewise()),
                    };
                    if let Err(mismatch) = judge(case, &seen) {
                        failures.lock().unwrap().push(Failure {
                            case: i,
                            mode,
                            mismatch,
                            notes: seen.notes,
                        });
                    }
                }
            });
        }
    });
    drop(server);

    let mut failures = failures.into_inner().unwrap();
    failures.sort_by_key(|f| (f.case, f.mode as usize));
    // Per failing case: the strongest level among its failures, and its report.
    let mut failed: Vec<(usize, Level, String)> = Vec::new();
    for Failure {
        case: i,
        mode,
        mismatch: m,
        notes,
    } in failures
    {
        let case = &cases[i];
        // A difference that only breaks a weaker requirement weakens the case's level.
        let level = m.level.unwrap_or(case.level).max(case.level);
        if failed.last().is_none_or(|(j, ..)| *j != i) {
            failed.push((
                i,
                level,
                format!("     request: {}\n", wire::show(case.raw)),
            ));
        }
        let (_, worst, text) = failed.last_mut().expect("pushed above");
        *worst = (*worst).min(level);
        text.push_str(&format!("     {}: {}\n", mode.name(), m.what));
        for note in notes {
            text.push_str(&format!("       note: {note}\n"));
        }
    }
    for (i, level, text) in &failed {
        let case = &cases[*i];
        println!(
            "FAIL {} [{} RFC {}]\n{text}",
            case.name,
            level.name(),
            case.rfc
        );
    }
    let names = |level: Level| -> Vec<&str> {
        let mut names: Vec<&str> = failed
            .iter()
            .filter(|(_, l, _)| *l == level)
            .map(|(i, ..)| cases[*i].name)
            .collect();
        names.sort_unstable();
        names
    };
    for level in [Level::Must, Level::Should, Level::May] {
        let names = names(level);
        if !names.is_empty() {
            println!("{} failures: {}", level.name(), names.join(", "));
        }
    }
    println!(
        "conformance: {} passed, {} failed",
        cases.len() - failed.len(),
        failed.len()
    );
    let must = names(Level::Must);
    assert!(must.is_empty(), "MUST cases failed: {must:?}");
}

// ---- judging ------------------------------------------------------------------------

fn judge(case: &Case, seen: &Observed) -> Result<(), Mismatch> {
    let hard = |what: String| Mismatch { what, level: None };
    let read = wire::parse(&seen.wire, case, true)
        .map_err(|e| hard(format!("{e}; wire: {}", wire::show(&seen.wire))))?;
    // The responses that were complete when the client half-closed.
    let early = wire::parse(&seen.wire[..seen.early], case, false)
        .map(|r| r.responses)
        .unwrap_or_default();
    let matches = read.responses.len() == case.replies.len()
        && read
            .responses
            .iter()
            .zip(case.replies)
            .all(|(r, e)| fits(r, e));
    let tunnel_expected = matches!(case.replies.last(), Some(Reply::Tunnel(_)));
    let rest_ok = match read.rest {
        wire::Rest::Empty => true,
        wire::Rest::Tunnel => tunnel_expected,
        wire::Rest::Partial => false,
    };
    let rest = match read.rest {
        _ if rest_ok => "",
        wire::Rest::Tunnel => ", then a tunnel",
        _ => " + an incomplete response",
    };
    let closes = case.end == End::Close;
    if !matches || !rest_ok || seen.closed_early != closes || !seen.closed {
        let expected: Vec<String> = case.replies.iter().map(expect_text).collect();
        let got: Vec<String> = read.responses.iter().map(describe).collect();
        let (before, after) = got.split_at(early.len().min(got.len()));
        let got = if seen.closed_early {
            format!("[{}] then close", before.join(", "))
        } else {
            format!(
                "[{}] and open, then after the client's half-close [{}]{}",
                before.join(", "),
                after.join(", "),
                if seen.closed {
                    " and close"
                } else {
                    " and still no close"
                },
            )
        };
        return Err(hard(format!(
            "expected [{}] {}, got {got}{}",
            expected.join(", "),
            if closes { "then close" } else { "and open" },
            rest,
        )));
    }
    // RFC 9112 §9.6: "The server SHOULD send a "close" connection option in its final
    // response on that connection."
    let last_close = read.responses.last().is_some_and(|r| r.close);
    if closes && !read.responses.is_empty() && !last_close && !tunnel_expected {
        return Err(Mismatch {
            what: "closed without `connection: close` in the last response".into(),
            level: Some(Level::Should),
        });
    }
    // After a half-close a server may announce that it closes; not before.
    if !closes && early.iter().any(|r| r.close) {
        return Err(hard(
            "`connection: close` on a connection that stays open".into(),
        ));
    }
    Ok(())
}

fn fits(got: &wire::Response, expected: &Reply) -> bool {
    match *expected {
        Reply::Hello(n) | Reply::Head(n) => got.status == 200 && got.body_length == Some(n),
        Reply::Status(s) => got.status == s && got.body_length.is_none(),
        Reply::Tunnel(s) => got.status == s,
    }
}

fn describe(r: &wire::Response) -> String {
    match r.body_length {
        Some(n) => format!("{}(x-body-length {n})", r.status),
        None => r.status.to_string(),
    }
}

fn expect_text(r: &Reply) -> String {
    match r {
        Reply::Hello(n) => format!("200(x-body-length {n})"),
        Reply::Head(n) => format!("HEAD 200(x-body-length {n})"),
        Reply::Status(s) => s.to_string(),
        Reply::Tunnel(s) => format!("{s} tunnel"),
    }
}

// ---- in memory ----------------------------------------------------------------------

/// Answers like the server's routes for the requests of the corpus: `CONNECT` and
/// `Upgrade: echo` open an echo tunnel, anything else gets 200 with `x-body-length` once
/// its body has ended.
#[derive(Default)]
struct App {
    /// Streams whose body is being counted: bytes so far, whether the request is HEAD.
    counting: HashMap<StreamId, (u64, bool)>,
    /// Upgrade requests waiting for the end of their body.
    upgrading: HashSet<StreamId>,
    tunnels: HashSet<StreamId>,
    notes: Vec<String>,
}

impl App {
    fn on_event(&mut self, conn: &mut Connection, event: Event) {
        match event {
            Event::Headers {
                stream,
                head: Head::Request(req),
                end_stream,
            } => self.on_request(conn, stream, &req, end_stream),
            Event::Data {
                stream,
                data,
                end_stream,
            } => self.on_body(conn, stream, data, end_stream),
            Event::Trailers { stream, .. } => self.on_body(conn, stream, Bytes::new(), true),
            Event::StreamReset { stream, .. } => {
                self.counting.remove(&stream);
                self.tunnels.remove(&stream);
            }
            _ => {}
        }
    }

    fn on_request(&mut self, conn: &mut Connection, stream: StreamId, req: &Request, end: bool) {
        if req.is_method("CONNECT") {
            let r = conn.send_response(stream, Response::new(200), false);
            self.check(r);
            self.tunnels.insert(stream);
            return;
        }
        // As the server's route: Upgrade in an HTTP/1.0 request is ignored (RFC 9110 §7.8).
        if req.version != weir::Version::Http10
            && req.fields.has_token("upgrade", "echo")
            && req.fields.has_token("connection", "upgrade")
        {
            if end {
                self.switch(conn, stream);
            } else {
                let r = conn.accept_body(stream);
                self.check(r);
                self.upgrading.insert(stream);
            }
            return;
        }
        let head_only = req.is_method("HEAD");
        if end {
            self.hello(conn, stream, 0, head_only);
        } else {
            let r = conn.accept_body(stream);
            self.check(r);
            self.counting.insert(stream, (0, head_only));
        }
    }

    fn on_body(&mut self, conn: &mut Connection, stream: StreamId, data: Bytes, end: bool) {
        if self.tunnels.contains(&stream) {
            if !data.is_empty() || end {
                let r = conn.send_data(stream, data, end);
                self.check(r);
            }
            if end {
                self.tunnels.remove(&stream);
            }
            return;
        }
        if self.upgrading.contains(&stream) {
            if end {
                self.upgrading.remove(&stream);
                self.switch(conn, stream);
            }
            return;
        }
        if let Some((received, head_only)) = self.counting.get_mut(&stream) {
            *received += data.len() as u64;
            if end {
                let (received, head_only) = (*received, *head_only);
                self.counting.remove(&stream);
                self.hello(conn, stream, received, head_only);
            }
        }
    }

    fn switch(&mut self, conn: &mut Connection, stream: StreamId) {
        let head = Response::new(101)
            .field("upgrade", "echo")
            .field("connection", "upgrade");
        let r = conn.send_response(stream, head, false);
        self.check(r);
        self.tunnels.insert(stream);
    }

    fn hello(&mut self, conn: &mut Connection, stream: StreamId, received: u64, head_only: bool) {
        let head = Response::new(200)
            .field("content-type", "text/plain")
            .field("x-body-length", received.to_string())
            .field("content-length", HELLO.len().to_string());
        let r = conn.send_response(stream, head, head_only);
        self.check(r);
        if !head_only {
            let r = conn.send_data(stream, Bytes::from_static(HELLO), true);
            self.check(r);
        }
    }

    fn check(&mut self, result: Result<(), weir::Misuse>) {
        if let Err(e) = result {
            self.notes
                .push(format!("the connection refused a command: {e}"));
        }
    }
}

/// Drains the connection into `wire`, handing events to `app`.
fn drain(conn: &mut Connection, app: &mut App, wire: &mut Vec<u8>) {
    let mut out = Vec::new();
    // Bounded: a connection that never reports its deadline would hang the test.
    for _ in 0..1_000_000 {
        match conn.poll_output(&mut out) {
            Output::Transmit => wire.append(&mut out),
            Output::Event(ev) => app.on_event(conn, ev),
            Output::Timeout(_) => return,
        }
    }
    panic!("poll_output never reported a deadline");
}

fn run_memory(case: &Case, bytewise: bool) -> Observed {
    let now = Instant::now();
    let mut conn = Connection::new(Side::Server, Config::default(), now);
    let mut app = App::default();
    let mut seen = Observed::default();
    drain(&mut conn, &mut app, &mut seen.wire);
    let pieces: Vec<&[u8]> = if bytewise {
        case.raw.chunks(1).collect()
    } else {
        vec![case.raw]
    };
    for piece in pieces {
        if conn.is_closed() {
            break;
        }
        conn.handle_input(now, piece);
        drain(&mut conn, &mut app, &mut seen.wire);
    }
    seen.closed_early = conn.is_closed();
    seen.early = seen.wire.len();
    if !conn.is_closed() {
        conn.handle_eof(now);
        drain(&mut conn, &mut app, &mut seen.wire);
    }
    seen.closed = conn.is_closed();
    seen.notes = app.notes;
    seen
}

// ---- over TCP -----------------------------------------------------------------------

fn run_tcp(addr: SocketAddr, case: &Case, bytewise: bool) -> Observed {
    let mut seen = Observed::default();
    let mut sock = match TcpStream::connect_timeout(&addr, PATIENCE) {
        Ok(s) => s,
        Err(e) => {
            seen.notes.push(format!("connect: {e}"));
            return seen;
        }
    };
    let _ = sock.set_nodelay(true);
    let _ = sock.set_write_timeout(Some(PATIENCE));
    // A server that closes early makes the rest of the writes fail: what it wrote before
    // closing is still there to read.
    let written = if bytewise {
        case.raw
            .iter()
            .try_for_each(|b| sock.write_all(std::slice::from_ref(b)))
    } else {
        sock.write_all(case.raw)
    };
    if let Err(e) = written {
        seen.notes.push(format!("write: {e}"));
    }
    // Read until every expected response is in, then watch for the close.
    let deadline = Instant::now() + PATIENCE;
    let mut eof = read_until(&mut sock, &mut seen, deadline, |wire| {
        wire::parse(wire, case, false).map_or(true, |r| r.responses.len() >= case.replies.len())
    });
    if !eof {
        let watch = match case.end {
            End::Close => deadline,
            End::Open => Instant::now() + GRACE,
        };
        eof = read_until(&mut sock, &mut seen, watch, |_| false);
    }
    seen.closed_early = eof;
    seen.early = seen.wire.len();
    if !eof {
        let _ = sock.shutdown(Shutdown::Write);
        eof = read_until(&mut sock, &mut seen, Instant::now() + PATIENCE, |_| false);
    }
    seen.closed = eof;
    seen
}

/// Reads into `seen.wire` until `enough` holds, the server closes (returns true) or
/// `deadline` passes.
fn read_until(
    sock: &mut TcpStream,
    seen: &mut Observed,
    deadline: Instant,
    enough: impl Fn(&[u8]) -> bool,
) -> bool {
    let mut buf = [0; 16 * 1024];
    loop {
        if enough(&seen.wire) {
            return false;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return false;
        }
        let _ = sock.set_read_timeout(Some(left.max(Duration::from_millis(1))));
        match sock.read(&mut buf) {
            Ok(0) => return true,
            Ok(n) => seen.wire.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return false
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            // A server that closes with unread input resets the connection: a close.
            Err(e) => {
                seen.notes.push(format!("read: {e}"));
                return true;
            }
        }
    }
}
