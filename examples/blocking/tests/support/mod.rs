//! Shared by the interoperability suites (this crate's, and weir-tokio's through a
//! `#[path]` module): a weir client driven over a blocking `TcpStream` by the loop of
//! the crate documentation, and a guard that runs a server program, learns its address
//! from its `listening on IP:PORT` line (or waits for a given port) and kills it on drop.

// Each suite uses a different part of this module.
#![allow(dead_code)]

use bytes::Bytes;
use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};
use weir::{Config, Connection, Event, Fields, Head, Output, Request, Response, Side, StreamId};

/// The longest any single wait may take: a test fails instead of hanging.
pub const PATIENCE: Duration = Duration::from_secs(10);

// ---- a server program ---------------------------------------------------------------

/// A server process, killed when dropped.
pub struct Program {
    name: String,
    child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
    stderr: Arc<Mutex<Vec<u8>>>,
}

impl Program {
    /// The example server of this crate on a free loopback port.
    pub fn blocking_server() -> Program {
        // `option_env!`: the variable exists only when building this crate's tests, and
        // the module is compiled into other crates' suites too.
        let Some(exe) = option_env!("CARGO_BIN_EXE_blocking-server") else {
            panic!("blocking-server is a binary of weir-blocking's tests only");
        };
        let mut cmd = Command::new(exe);
        cmd.args(["--listen", "127.0.0.1:0"]);
        Program::start("blocking-server", cmd)
    }

    /// Starts `cmd`; its stdout is piped, its stderr collected.
    fn spawn(name: &str, mut cmd: Command) -> Program {
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name} ({cmd:?}): {e}"));
        // Collected so that a failing test can show what the server said.
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let mut pipe = child.stderr.take().expect("piped");
        let sink = Arc::clone(&stderr);
        std::thread::spawn(move || {
            let mut chunk = [0; 4096];
            while let Ok(n @ 1..) = pipe.read(&mut chunk) {
                sink.lock().unwrap().extend_from_slice(&chunk[..n]);
            }
        });
        Program {
            name: name.to_string(),
            child,
            addr: SocketAddr::from(([0, 0, 0, 0], 0)),
            stderr,
        }
    }

    /// Starts `cmd`, a server told to listen on `addr` that does not say when it does:
    /// waits until `addr` takes connections.
    pub fn start_at(name: &str, cmd: Command, addr: SocketAddr) -> Program {
        let mut program = Program::spawn(name, cmd);
        program.addr = addr;
        // Keep draining so that the server never blocks on a full pipe.
        let mut stdout = program.child.stdout.take().expect("piped");
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        let give_up = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = program.child.try_wait().unwrap() {
                panic!(
                    "{name} exited ({status}) before listening on {addr}; stderr:\n{}",
                    program.stderr_text()
                );
            }
            if TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_ok() {
                return program;
            }
            assert!(
                Instant::now() < give_up,
                "{name} did not listen on {addr} within {PATIENCE:?}; stderr:\n{}",
                program.stderr_text()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Starts `cmd` and waits for its one line `listening on IP:PORT` on stdout.
    pub fn start(name: &str, cmd: Command) -> Program {
        let mut program = Program::spawn(name, cmd);
        let stdout = program.child.stdout.take().expect("piped");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout);
            let mut first = String::new();
            let _ = tx.send(lines.read_line(&mut first).map(|_| first));
            // Keep draining so that the server never blocks on a full pipe.
            let _ = std::io::copy(&mut lines, &mut std::io::sink());
        });
        let line = match rx.recv_timeout(PATIENCE) {
            Ok(Ok(line)) => line,
            Ok(Err(e)) => panic!("{name}: reading its stdout: {e}"),
            Err(_) => panic!(
                "{name} printed no `listening on` line within {PATIENCE:?}; stderr:\n{}",
                program.stderr_text()
            ),
        };
        let Some(addr) = line
            .strip_suffix('\n')
            .and_then(|l| l.strip_prefix("listening on "))
            .and_then(|a| a.parse::<SocketAddr>().ok())
        else {
            // Give a crashed server a moment to finish writing why.
            std::thread::sleep(Duration::from_millis(100));
            panic!(
                "{name}: the first line on stdout must be exactly `listening on IP:PORT`, \
                 got {line:?}; stderr:\n{}",
                program.stderr_text()
            );
        };
        assert!(
            addr.ip().is_loopback() && addr.port() != 0,
            "{name}: asked for 127.0.0.1:0, says it listens on {addr}"
        );
        program.addr = addr;
        program
    }

    /// Its process id, to read what it uses from `/proc`.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The `host[:port]` to put in a Host field.
    pub fn authority(&self) -> String {
        self.addr.to_string()
    }

    fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr.lock().unwrap()).into_owned()
    }
}

impl Drop for Program {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let said = self.stderr_text();
        if std::thread::panicking() && !said.is_empty() {
            eprintln!("--- stderr of {} ---\n{said}", self.name);
        }
    }
}

// ---- a weir client over a blocking socket -------------------------------------------

/// A weir client connection over a blocking `TcpStream`.
pub struct Client {
    /// The connection, for commands beyond [`Client::send`].
    pub conn: Connection,
    sock: TcpStream,
    out: Vec<u8>,
    buf: Vec<u8>,
    /// Events delivered and not yet taken by [`Client::response`].
    pub events: Vec<Event>,
    write_shut: bool,
}

impl Client {
    /// Connects to `addr`.
    pub fn connect(addr: SocketAddr) -> Client {
        let sock = TcpStream::connect_timeout(&addr, PATIENCE)
            .unwrap_or_else(|e| panic!("connect to {addr}: {e}"));
        sock.set_nodelay(true).unwrap();
        sock.set_write_timeout(Some(PATIENCE)).unwrap();
        Client {
            conn: Connection::new(Side::Client, Config::default(), Instant::now()),
            sock,
            out: Vec::new(),
            buf: vec![0; 16 * 1024],
            events: Vec::new(),
            write_shut: false,
        }
    }

    /// Drains the output: writes what the connection transmits, keeps its events.
    /// Returns the connection's deadline.
    pub fn flush(&mut self) -> Option<Instant> {
        loop {
            match self.conn.poll_output(&mut self.out) {
                Output::Transmit => {
                    self.sock.write_all(&self.out).expect("write to the peer");
                    self.out.clear();
                }
                Output::Event(ev) => self.events.push(ev),
                Output::Timeout(deadline) => {
                    if self.conn.is_write_closed() && !self.write_shut {
                        self.write_shut = true;
                        let _ = self.sock.shutdown(Shutdown::Write);
                    }
                    return deadline;
                }
            }
        }
    }

    /// Runs the loop until `done` holds for the events kept so far. Panics if the
    /// connection closes first or nothing comes within [`PATIENCE`].
    pub fn run_until(&mut self, what: &str, mut done: impl FnMut(&[Event]) -> bool) {
        let give_up = Instant::now() + PATIENCE;
        loop {
            let deadline = self.flush();
            if done(&self.events) {
                return;
            }
            assert!(
                !self.conn.is_closed(),
                "the connection closed while waiting for {what}; events: {:#?}",
                self.events
            );
            let now = Instant::now();
            assert!(
                now < give_up,
                "nothing more came in {PATIENCE:?} while waiting for {what}; events: {:#?}",
                self.events
            );
            let wake = deadline.map_or(give_up, |d| d.min(give_up));
            let wait = wake.saturating_duration_since(now);
            self.sock
                .set_read_timeout(Some(wait.max(Duration::from_millis(1))))
                .unwrap();
            match self.sock.read(&mut self.buf) {
                Ok(0) => self.conn.handle_eof(Instant::now()),
                Ok(n) => self.conn.handle_input(Instant::now(), &self.buf[..n]),
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    let now = Instant::now();
                    if deadline.is_some_and(|d| d <= now) {
                        self.conn.handle_timeout(now);
                    }
                }
                Err(e) => panic!(
                    "read while waiting for {what}: {e}; events: {:#?}",
                    self.events
                ),
            }
        }
    }

    /// Sends a request, then each element of `body` as its own piece, transmitting each
    /// before the next: without a Content-Length in `head`, a body goes chunked.
    pub fn send(&mut self, head: Request, body: &[&[u8]]) -> StreamId {
        let stream = self
            .conn
            .send_request(head, body.is_empty())
            .expect("send_request");
        for (i, piece) in body.iter().enumerate() {
            self.flush();
            let last = i + 1 == body.len();
            self.conn
                .send_data(stream, Bytes::copy_from_slice(piece), last)
                .expect("send_data");
        }
        self.flush();
        stream
    }

    /// Reads until the response on `stream` is complete; takes its events.
    pub fn response(&mut self, stream: StreamId) -> Reply {
        self.run_until("the end of the response", |evs| {
            evs.iter().any(|ev| ends(ev, stream))
        });
        let (mine, others) = std::mem::take(&mut self.events)
            .into_iter()
            .partition(|ev| ev.stream() == Some(stream));
        self.events = others;
        Reply::from_events(mine)
    }

    /// Sends a request (see [`Client::send`]) and reads its response.
    pub fn exchange(&mut self, head: Request, body: &[&[u8]]) -> Reply {
        let stream = self.send(head, body);
        self.response(stream)
    }

    /// Reads until at least `n` body bytes of `stream` have arrived (the response is
    /// not over yet); returns them.
    pub fn body_so_far(&mut self, stream: StreamId, n: usize) -> Vec<u8> {
        let got = |evs: &[Event]| -> Vec<u8> {
            let mut body = Vec::new();
            for ev in evs {
                if let Event::Data {
                    stream: s, data, ..
                } = ev
                {
                    if *s == stream {
                        body.extend_from_slice(data);
                    }
                }
            }
            body
        };
        self.run_until(&format!("{n} bytes of the response body"), |evs| {
            got(evs).len() >= n
        });
        got(&self.events)
    }
}

/// Whether `ev` ends the response on `stream` (or the stream).
fn ends(ev: &Event, stream: StreamId) -> bool {
    ev.stream() == Some(stream)
        && match ev {
            Event::Headers {
                head: Head::Response(r),
                end_stream,
                ..
            } => *end_stream && !r.is_informational(),
            Event::Data { end_stream, .. } => *end_stream,
            Event::Trailers { .. } | Event::StreamReset { .. } => true,
            _ => false,
        }
}

/// A complete response as a weir client saw it.
#[derive(Debug)]
pub struct Reply {
    /// 1xx heads, in order.
    pub informational: Vec<Response>,
    /// The final head.
    pub head: Response,
    /// The body, reassembled.
    pub body: Vec<u8>,
    /// The trailer section, if one came.
    pub trailers: Option<Fields>,
}

impl Reply {
    fn from_events(events: Vec<Event>) -> Reply {
        let mut informational = Vec::new();
        let mut head = None;
        let mut body = Vec::new();
        let mut trailers = None;
        for ev in &events {
            match ev {
                Event::Headers {
                    head: Head::Response(r),
                    ..
                } if r.is_informational() => informational.push(r.clone()),
                Event::Headers {
                    head: Head::Response(r),
                    ..
                } if head.is_none() => head = Some(r.clone()),
                Event::Data { data, .. } if head.is_some() && trailers.is_none() => {
                    body.extend_from_slice(data)
                }
                Event::Trailers { fields, .. } if head.is_some() && trailers.is_none() => {
                    trailers = Some(fields.clone())
                }
                Event::ChunkExtension { .. } => {}
                _ => panic!("unexpected event {ev:#?} in the response; all: {events:#?}"),
            }
        }
        Reply {
            informational,
            head: head.unwrap_or_else(|| panic!("no response head in {events:#?}")),
            body,
            trailers,
        }
    }

    /// The first value of a header field, as text.
    pub fn field(&self, name: &str) -> Option<String> {
        text(self.head.fields.get(name))
    }

    /// The first value of a trailer field, as text.
    pub fn trailer(&self, name: &str) -> Option<String> {
        text(self.trailers.as_ref()?.get(name))
    }
}

fn text(value: Option<&[u8]>) -> Option<String> {
    value.map(|v| String::from_utf8_lossy(v).into_owned())
}

/// A request with a Host field for `authority`.
pub fn request(method: &str, target: &str, authority: &str) -> Request {
    Request::new(method.to_string(), target.to_string()).field("Host", authority)
}
