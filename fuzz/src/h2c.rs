//! The h2c upgrade (RFC 7540 §3.2): a version-detecting server [`Connection`] reads an
//! HTTP/1.1 request that asks for HTTP/2; the request's `HTTP2-Settings` value and the
//! bytes after its head come from the input. The server must either switch (its `101`,
//! then HTTP/2, the request arriving as an HTTP/2 one) or serve HTTP/1.1, never both;
//! never panic, never spin, and close once the peer has closed. Shared by the fuzz target
//! `h2c_upgrade` and by `tests/fuzz_corpus.rs`, so this file depends on nothing but
//! `weir` and `std`.
//!
//! An input is `[shape] [n] [n value bytes] [wire…]`. The value's CR, LF and NUL become
//! `A`, so that the head stays one; `shape` varies the request: bit 0 a
//! `Content-Length: 1` (and one byte of body), bit 1 a second Upgrade token, bit 2
//! `HTTP2-Settings` left out of `Connection`, bit 3 HTTP/1.0, bit 4 the client preface
//! and an empty SETTINGS frame before the wire, bit 5 an absolute-form target, bit 6
//! the input fed a byte at a time, bit 7 two `HTTP2-Settings` fields.
//!
//! A corpus file named `ok-…` must switch to HTTP/2; one named `bad-…` must be served as
//! HTTP/1.1 (see [`Summary::check_name`]).

use std::time::Instant;

use weir::{Config, Connection, Event, Head, Output, Response, Side, Version};

/// A drain that needs more `poll_output` calls than this never reaches its deadline.
const MAX_POLLS: usize = 100_000;

/// The client connection preface (RFC 9113 §3.4), and an empty SETTINGS frame.
const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\x04\0\0\0\0\0";

/// The server's answer when it switches.
const SWITCHING: &[u8] = b"HTTP/1.1 101 ";

/// What a run saw.
#[derive(Debug, Default)]
pub struct Summary {
    /// Request heads delivered.
    pub requests: usize,
    /// Whether the request arrived as an HTTP/2 one: the connection switched.
    pub upgraded: bool,
    /// Whether `Closed` came.
    pub closed: bool,
}

impl Summary {
    /// Checks the expectation that a corpus file's name states; panics if it is not met.
    pub fn check_name(&self, name: &str) {
        if name.starts_with("ok-") {
            assert!(self.upgraded, "{name}: expected a switch, got {self:?}");
        } else if name.starts_with("bad-") {
            assert!(
                !self.upgraded && self.requests > 0,
                "{name}: expected HTTP/1.1, got {self:?}"
            );
        }
    }
}

/// The request head `shape` and `value` describe.
fn request(shape: u8, value: &[u8]) -> Vec<u8> {
    let bit = |n: u8| shape & (1 << n) != 0;
    let mut head = Vec::new();
    head.extend_from_slice(if bit(5) {
        b"GET http://a:8080 HTTP/1."
    } else {
        b"GET /x HTTP/1."
    });
    head.extend_from_slice(if bit(3) { b"0\r\n" } else { b"1\r\n" });
    head.extend_from_slice(b"Host: a:8080\r\nConnection: Upgrade");
    if !bit(2) {
        head.extend_from_slice(b", HTTP2-Settings");
    }
    head.extend_from_slice(b"\r\nUpgrade: h2c");
    if bit(1) {
        head.extend_from_slice(b", websocket");
    }
    let settings_lines = if bit(7) { 2 } else { 1 };
    for _ in 0..settings_lines {
        head.extend_from_slice(b"\r\nHTTP2-Settings: ");
        head.extend(value.iter().map(|&b| match b {
            b'\r' | b'\n' | 0 => b'A',
            b => b,
        }));
    }
    if bit(0) {
        head.extend_from_slice(b"\r\nContent-Length: 1\r\n\r\nx");
    } else {
        head.extend_from_slice(b"\r\n\r\n");
    }
    head
}

/// Runs one input; panics if an invariant breaks.
pub fn upgrade(data: &[u8]) -> Summary {
    let (&shape, rest) = data.split_first().unwrap_or((&0, &[]));
    let (&n, rest) = rest.split_first().unwrap_or((&0, &[]));
    let (value, wire) = rest.split_at(usize::from(n).min(rest.len()));
    let mut input = request(shape, value);
    if shape & 0x10 != 0 {
        input.extend_from_slice(PREFACE);
    }
    input.extend_from_slice(wire);

    let now = Instant::now();
    let mut conn = Connection::new(Side::Server, Config::default(), now);
    let mut run = Run::default();
    if shape & 0x40 != 0 {
        for b in input.chunks(1) {
            conn.handle_input(now, b);
            run.drain(&mut conn);
        }
    } else {
        conn.handle_input(now, &input);
        run.drain(&mut conn);
    }
    conn.handle_eof(now);
    run.drain(&mut conn);
    assert!(run.summary.closed, "still open after the peer closed");
    if run.summary.upgraded {
        assert!(
            run.written.starts_with(SWITCHING),
            "switched without a 101 first"
        );
    }
    run.summary
}

#[derive(Default)]
struct Run {
    summary: Summary,
    written: Vec<u8>,
    /// Whether a request arrived as HTTP/1.1.
    http1: bool,
}

impl Run {
    /// Polls until the connection waits, answering every request with an empty 200.
    fn drain(&mut self, conn: &mut Connection) {
        let mut out = Vec::new();
        for _ in 0..MAX_POLLS {
            out.clear();
            match conn.poll_output(&mut out) {
                Output::Transmit => {
                    assert!(!self.summary.closed, "bytes written after Closed");
                    self.written.extend_from_slice(&out);
                }
                Output::Event(event) => {
                    assert!(!self.summary.closed, "an event after Closed: {event:?}");
                    match event {
                        Event::Headers {
                            stream,
                            head: Head::Request(req),
                            ..
                        } => {
                            self.summary.requests += 1;
                            if req.version == Version::Http2 {
                                assert!(!self.http1, "HTTP/2 after an HTTP/1.1 request");
                                self.summary.upgraded = true;
                            } else {
                                assert!(!self.summary.upgraded, "HTTP/1.1 after the switch");
                                self.http1 = true;
                            }
                            // Refused once the peer is gone: nothing to check.
                            let _ = conn.send_response(stream, Response::new(200), true);
                        }
                        Event::Closed { .. } => self.summary.closed = true,
                        _ => {}
                    }
                }
                Output::Timeout(_) => return,
            }
        }
        panic!("poll_output did not settle within {MAX_POLLS} calls");
    }
}
