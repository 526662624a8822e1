//! [`Connection`]: one type for a connection of either role, whatever the version.

use crate::h1::H1;
use crate::h2::conn::{H2, PREFACE};
use crate::park::{Folded, Parked};
use crate::transmit::{Sink, Transmit};
use crate::{
    Command, Config, Fields, Misuse, Output, Priority, Reason, Request, Response, Side, StreamId,
    Version,
};
use bytes::Bytes;
use std::sync::Arc;
use std::time::Instant;

/// One HTTP connection (TCP, TLS or in-memory), in one role.
///
/// Feed it what happens (`handle_*`), tell it what you want (the `send_*` verbs or
/// [`execute`](Connection::execute)), and after each of those drain
/// [`poll_output`](Connection::poll_output) until it returns [`Output::Timeout`].
/// See the crate documentation for the loop.
#[derive(Debug)]
pub struct Connection {
    proto: Proto,
    /// A server that may still switch to HTTP/2: the first bytes, until they are or
    /// are not the HTTP/2 preface.
    sniff: Option<Sniff>,
    /// The deadline `poll_output` last reported: only a deadline that is due ends the
    /// wait for the preface, not a `handle_timeout` called early.
    deadline: Option<Instant>,
}

/// HTTP/2's state is boxed: it is twice HTTP/1.1's, and an idle HTTP/1.1 connection
/// should not carry its room. HTTP/1.1's stays in place, since every connection
/// starts with it.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)]
enum Proto {
    H1(H1),
    H2(Box<H2>),
}

/// The first bytes a server received, while they may still be the HTTP/2 preface:
/// held in place, since most connections settle the question with their first read.
#[derive(Debug, Default)]
struct Sniff {
    seen: [u8; PREFACE.len()],
    len: u8,
}

impl Sniff {
    fn bytes(&self) -> &[u8] {
        &self.seen[..usize::from(self.len)]
    }
}

macro_rules! each {
    ($self:expr, $c:ident => $body:expr) => {
        match &mut $self.proto {
            Proto::H1($c) => $body,
            Proto::H2($c) => $body,
        }
    };
}

impl Connection {
    /// A new connection. A client speaks HTTP/1.1. A server speaks HTTP/1.1 unless the
    /// peer opens with the HTTP/2 preface (prior knowledge, RFC 9113 §3.3), or asks for
    /// HTTP/2 with `Upgrade: h2c` (RFC 7540 §3.2, unless [`Config::h2c_upgrade`] is
    /// off), in which case it speaks HTTP/2. `now` starts its clocks.
    ///
    /// An h2c request qualifies when it is HTTP/1.1, has no content, lists `h2c` as
    /// its only Upgrade (`h2` aside), names `Upgrade` and `HTTP2-Settings` in
    /// `Connection`, and carries exactly one valid `HTTP2-Settings`. The server then
    /// answers `101 Switching Protocols` itself and the request arrives as
    /// `Event::Headers` on stream 1 as an HTTP/2 request (version `Http2`, scheme
    /// `http`, the authority taken from Host, the fields of the HTTP/1.1 connection
    /// left out); answer it as any other. A request that asks for h2c and does not
    /// qualify is served as HTTP/1.1, its Upgrade ignored unless the application
    /// answers it; other upgrades work as on any HTTP/1.1 connection (the application
    /// answers 101 and gets a `Tunnel`).
    ///
    /// `config` is a [`Config`] or an `Arc<Config>`: connections made from clones of
    /// one `Arc` share it rather than each keeping a copy.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::time::Instant;
    /// use weir::{Config, Connection, Side};
    /// let config = Arc::new(Config::default());
    /// let a = Connection::new(Side::Server, config.clone(), Instant::now());
    /// let b = Connection::new(Side::Server, config, Instant::now());
    /// assert!(std::ptr::eq(a.config(), b.config()));
    /// ```
    pub fn new(side: Side, config: impl Into<Arc<Config>>, now: Instant) -> Connection {
        let sniff = (side == Side::Server).then(Sniff::default);
        let mut h1 = H1::new(side, config.into(), now);
        h1.offer_h2c();
        Connection {
            proto: Proto::H1(h1),
            sniff,
            deadline: None,
        }
    }

    /// A connection that speaks only `version`: chosen by ALPN (`h2` or `http/1.1`) or
    /// fixed by configuration. An HTTP/2 server then treats anything but the preface as
    /// a connection error; an HTTP/2 client sends the preface at once. An HTTP/1.1
    /// server does not switch to HTTP/2, whether by preface or by `Upgrade: h2c`.
    /// `config` as for [`new`](Connection::new).
    pub fn with_version(
        side: Side,
        version: Version,
        config: impl Into<Arc<Config>>,
        now: Instant,
    ) -> Connection {
        let config = config.into();
        let proto = match version {
            Version::Http2 => Proto::H2(Box::new(H2::new(side, config, now))),
            Version::Http10 | Version::Http11 => Proto::H1(H1::new(side, config, now)),
        };
        Connection {
            proto,
            sniff: None,
            deadline: None,
        }
    }

    /// The protocol version the connection speaks (HTTP/1.1 until a server has seen
    /// the HTTP/2 preface or accepted `Upgrade: h2c`).
    pub fn version(&self) -> Version {
        match self.proto {
            Proto::H1(_) => Version::Http11,
            Proto::H2(_) => Version::Http2,
        }
    }

    /// The configuration the connection runs with.
    pub fn config(&self) -> &Config {
        match &self.proto {
            Proto::H1(c) => c.config(),
            Proto::H2(c) => c.config(),
        }
    }

    /// Bytes received from the peer. Never fails: a peer's error becomes an event
    /// (`EarlyError`, `StreamReset`, then `Closed` with the error) and, where one is
    /// due, an answer on the wire.
    pub fn handle_input(&mut self, now: Instant, bytes: &[u8]) {
        // A connection that closed (an idle timeout) does not come back as HTTP/2.
        if self.sniff.is_some() && self.is_closed() {
            self.sniff = None;
        }
        if let Some(sniff) = &mut self.sniff {
            let len = usize::from(sniff.len);
            let n = (PREFACE.len() - len).min(bytes.len());
            sniff.seen[len..len + n].copy_from_slice(&bytes[..n]);
            // At most the preface's 24 bytes.
            sniff.len += n as u8;
            if PREFACE.starts_with(sniff.bytes()) && usize::from(sniff.len) < PREFACE.len() {
                return;
            }
            let sniff = self.sniff.take().expect("matched above");
            if let (true, Proto::H1(h1)) = (sniff.bytes() == PREFACE, &self.proto) {
                let config = h1.shared_config();
                self.proto = Proto::H2(Box::new(H2::new(Side::Server, config, now)));
            }
            if len == 0 {
                // Nothing was held back (the usual case: one read decides): the input
                // goes on in one piece, as it would have without the question.
                each!(self, c => c.handle_input(now, bytes));
                return;
            }
            each!(self, c => c.handle_input(now, sniff.bytes()));
            if n < bytes.len() {
                each!(self, c => c.handle_input(now, &bytes[n..]));
            }
            return;
        }
        each!(self, c => c.handle_input(now, bytes))
    }

    /// The peer closed its sending side (a read returned 0).
    pub fn handle_eof(&mut self, now: Instant) {
        if let Some(sniff) = self.sniff.take() {
            if sniff.len > 0 {
                each!(self, c => c.handle_input(now, sniff.bytes()));
            }
        }
        each!(self, c => c.handle_eof(now))
    }

    /// Time passed: call it when the deadline from [`Output::Timeout`] is reached.
    pub fn handle_timeout(&mut self, now: Instant) {
        // A deadline ends the wait for the preface: the bytes so far were HTTP/1.1's.
        // A call before any deadline is due changes nothing, as it does on a
        // connection that knows its version.
        if self.sniff.is_some() && self.deadline.is_some_and(|d| d <= now) {
            if let Some(sniff) = self.sniff.take() {
                if sniff.len > 0 {
                    each!(self, c => c.handle_input(now, sniff.bytes()));
                }
            }
        }
        each!(self, c => c.handle_timeout(now))
    }

    /// The next thing to do: bytes to transmit (appended to `out`), an event, or the
    /// deadline to wait for. Drain it after every input and command.
    #[inline]
    pub fn poll_output(&mut self, out: &mut Vec<u8>) -> Output {
        self.poll_into(out)
    }

    /// [`poll_output`](Connection::poll_output), with the bytes to transmit appended to
    /// a [`Transmit`], which passes large HTTP/2 body chunks on as the application's
    /// own `Bytes` rather than copying them: write it with one vectored write. (HTTP/1.1
    /// copies bodies into it as `poll_output` does.)
    #[inline]
    pub fn poll_output_vectored(&mut self, out: &mut Transmit) -> Output {
        self.poll_into(out)
    }

    pub(crate) fn poll_into<S: Sink>(&mut self, out: &mut S) -> Output {
        let h1 = match &mut self.proto {
            Proto::H2(c) => return c.poll_output(out),
            Proto::H1(c) => c,
        };
        // Most often nothing below applies: the output is returned as it is made, since
        // an `Output` is a few hundred bytes and each move of one is a copy. (A request
        // that asks for h2c is answered with a 101 that goes out first, so the call that
        // reads it returns `Transmit`, and the next comes here for the hand-over.)
        if self.sniff.is_none() && !h1.h2c_requested() {
            return h1.poll_output(out.buf());
        }
        let deadline = match h1.poll_output(out.buf()) {
            Output::Timeout(deadline) => deadline,
            other => return other,
        };
        // A request asked for h2c and qualified, and HTTP/1.1 has nothing left to say:
        // HTTP/2 takes over, with the 101 as its first bytes.
        if let Some(handoff) = h1.take_h2c() {
            self.proto = Proto::H2(Box::new(H2::upgraded(handoff)));
            return self.poll_into(out);
        }
        self.deadline = deadline;
        Output::Timeout(deadline)
    }

    /// The role of this side.
    pub fn side(&self) -> Side {
        match &self.proto {
            Proto::H1(c) => c.side(),
            Proto::H2(c) => c.side(),
        }
    }

    /// Whether the connection is over: `Event::Closed` was delivered and nothing is
    /// left to transmit. Close the transport.
    pub fn is_closed(&self) -> bool {
        match &self.proto {
            Proto::H1(c) => c.is_closed(),
            Proto::H2(c) => c.is_closed(),
        }
    }

    /// Whether this side is done writing (a tunnel or close-delimited body ended):
    /// shut down the transport's write half once everything was transmitted.
    pub fn is_write_closed(&self) -> bool {
        match &self.proto {
            Proto::H1(c) => c.is_write_closed(),
            Proto::H2(c) => c.is_write_closed(),
        }
    }

    /// Whether more input is welcome now. When it is not (pipelined requests wait
    /// behind an unfinished response and `Config::max_buffered_input` is reached), stop
    /// reading until it is: input that comes all the same fails the connection.
    pub fn wants_input(&self) -> bool {
        match &self.proto {
            Proto::H1(c) => c.wants_input(),
            Proto::H2(c) => c.wants_input(),
        }
    }

    /// Frees the memory of the buffers that hold nothing now (input, output, queues,
    /// scratch space), keeping what the protocol's state needs (HPACK tables, the
    /// streams). A connection that waits for its peer costs little this way; the
    /// buffers come back, allocated afresh, with the next exchange. Adapters call it
    /// once a connection has been idle for a moment, not after every exchange, since
    /// reusing the buffers is what keeps a busy connection from allocating.
    ///
    /// ```
    /// use std::time::Instant;
    /// use weir::{Config, Connection, Side};
    /// let mut conn = Connection::new(Side::Server, Config::default(), Instant::now());
    /// conn.handle_input(Instant::now(), b"GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    /// // ... the exchange completes, and the peer goes quiet ...
    /// conn.release_buffers();
    /// ```
    pub fn release_buffers(&mut self) {
        each!(self, c => c.release_buffers())
    }

    /// Puts the connection aside if it is idle: nothing received and not yet read,
    /// nothing to send, no event waiting, no exchange (HTTP/1.1) or stream (HTTP/2)
    /// under way, no shutdown started. Drain [`poll_output`](Connection::poll_output)
    /// first. The [`Parked`] value holds what the connection needs to carry on, in
    /// far less room than the connection (an HTTP/1.1 one folds to a few words);
    /// `self` is left closed, with nothing to say. Returns `None`, changing nothing,
    /// when the connection is not idle.
    ///
    /// A server holding thousands of connections that wait for their next request
    /// parks them, watches their sockets, and resumes one when its socket turns
    /// readable or its [`deadline`](Parked::deadline) comes.
    #[cold]
    pub fn park(&mut self) -> Option<Parked> {
        let sniff = match &self.sniff {
            None => false,
            Some(sniff) if sniff.len == 0 => true,
            // Part of a preface is held: the connection is reading.
            Some(_) => return None,
        };
        let (side, config, now) = match &self.proto {
            Proto::H1(h1) => (h1.side(), h1.shared_config(), h1.now()),
            Proto::H2(h2) => (h2.side(), h2.shared_config(), h2.now()),
        };
        let h1 = match &mut self.proto {
            Proto::H1(h1) => Some(h1.park()?),
            Proto::H2(h2) if h2.can_park() => {
                // What goes along is the protocol's state, not its buffers.
                h2.release_buffers();
                None
            }
            Proto::H2(_) => return None,
        };
        let husk = Proto::H1(H1::husk(side, config, now));
        let folded = match (h1, std::mem::replace(&mut self.proto, husk)) {
            (Some(h1), _) => Folded::H1 { h1, sniff },
            (None, Proto::H2(h2)) => Folded::H2(h2),
            // Checked above: not reached.
            (None, proto) => {
                self.proto = proto;
                return None;
            }
        };
        self.sniff = None;
        self.deadline = None;
        Some(Parked(folded))
    }

    /// The connection a [`Parked`] folds (see [`Parked::resume`]).
    pub(crate) fn unpark(folded: Folded, now: Instant) -> Connection {
        let (proto, sniff) = match folded {
            Folded::H1 { h1, sniff } => (Proto::H1(h1.resume(now)), sniff),
            Folded::H2(h2) => (Proto::H2(h2), false),
        };
        Connection {
            proto,
            sniff: sniff.then(Sniff::default),
            deadline: None,
        }
    }

    /// Starts a request (client); returns its stream.
    ///
    /// Without `Content-Length` or `Transfer-Encoding`, the framing is chosen for you:
    /// a Content-Length if the body ends before the next transmit, chunked otherwise.
    pub fn send_request(&mut self, head: Request, end_stream: bool) -> Result<StreamId, Misuse> {
        each!(self, c => c.send_request(head, end_stream))
    }

    /// Sends a response head (server); 1xx heads too (a 101 opens a tunnel).
    ///
    /// Without framing fields, the framing is chosen for you: a Content-Length if the
    /// body ends before the next transmit, else chunked (close-delimited for HTTP/1.0).
    pub fn send_response(
        &mut self,
        stream: StreamId,
        head: Response,
        end_stream: bool,
    ) -> Result<(), Misuse> {
        each!(self, c => c.send_response(stream, head, end_stream))
    }

    /// Sends body bytes, or raw bytes on a tunnel; `end_stream` ends the body (or closes
    /// this side of the tunnel).
    ///
    /// The bytes wait in the connection until they are handed out by `poll_output`
    /// (HTTP/2: as the peer's flow-control window allows). While the stream's or the
    /// connection's send buffer is full (`Config::send_buffer_per_stream`,
    /// `send_buffer_per_connection`), a write is refused with [`Misuse::BufferFull`] and
    /// changes nothing: send it again after [`Event::Writable`](crate::Event::Writable)
    /// for the stream. An empty write that ends the stream is always taken. See
    /// [`send_capacity`](Connection::send_capacity).
    pub fn send_data(
        &mut self,
        stream: StreamId,
        data: Bytes,
        end_stream: bool,
    ) -> Result<(), Misuse> {
        each!(self, c => c.send_data(stream, data, end_stream))
    }

    /// Sends trailers, ending the body (never refused for a full send buffer). HTTP/1.1
    /// carries them only on chunked bodies; on a body of known length they are dropped
    /// (the body must be complete), and on a tunnel they end this side's bytes.
    pub fn send_trailers(&mut self, stream: StreamId, fields: Fields) -> Result<(), Misuse> {
        each!(self, c => c.send_trailers(stream, fields))
    }

    /// How many bytes of body [`send_data`](Connection::send_data) may queue on
    /// `stream` now; 0 when a write would be refused (a full buffer, or a stream that
    /// takes no body now). Any write is accepted while it is above 0, whatever its size,
    /// so a buffer is exceeded by at most one write; writing no more than this keeps it
    /// within its bound. Once a write is refused, or one fills the buffer,
    /// [`Event::Writable`](crate::Event::Writable) says when the stream has room for at
    /// least half a buffer again (of the smaller of the two bounds).
    ///
    /// ```
    /// # use std::time::Instant;
    /// # use weir::{Config, Connection, Event, Misuse, Output, Request, Side, Version};
    /// let mut config = Config::default();
    /// config.send_buffer_per_stream = 10;
    /// let mut conn = Connection::with_version(Side::Client, Version::Http2, config, Instant::now());
    /// let post = Request::new("POST", "/upload").field("host", "example.com");
    /// let stream = conn.send_request(post, false).unwrap();
    /// assert_eq!(conn.send_capacity(stream), 10);
    /// conn.send_data(stream, "0123456".into(), false).unwrap();
    /// assert_eq!(conn.send_capacity(stream), 3);
    /// // Still below the bound: taken whole, though larger than the room left.
    /// conn.send_data(stream, "789abc".into(), false).unwrap();
    /// assert_eq!(conn.send_capacity(stream), 0);
    /// assert_eq!(conn.send_data(stream, "d".into(), false), Err(Misuse::BufferFull));
    /// // The protocol's initial window lets the 13 bytes go; the stream hears of it.
    /// let (mut out, mut writable) = (Vec::new(), false);
    /// loop {
    ///     match conn.poll_output(&mut out) {
    ///         Output::Event(Event::Writable { stream: s }) => writable = s == stream,
    ///         Output::Timeout(_) => break,
    ///         _ => {}
    ///     }
    /// }
    /// assert!(writable);
    /// assert_eq!(conn.send_capacity(stream), 10);
    /// ```
    pub fn send_capacity(&self, stream: StreamId) -> usize {
        match &self.proto {
            Proto::H1(c) => c.send_capacity(stream),
            Proto::H2(c) => c.send_capacity(stream),
        }
    }

    /// Gives back `bytes` of body received on `stream` that the application has
    /// consumed, so that the peer may send that much more.
    ///
    /// HTTP/2 with [`Config::h2_manual_flow_control`]: received DATA counts against the
    /// stream's and the connection's windows until it is released here; WINDOW_UPDATE
    /// goes out once half a window is owed. Releasing more than was received and not yet
    /// released is a misuse that changes nothing. Padding, which the application never
    /// sees, is released by the connection. Once a stream is closed, what it held goes
    /// back to the connection by itself, and releasing on it is accepted and does
    /// nothing.
    ///
    /// Otherwise the call is accepted and does nothing: with automatic flow control the
    /// bytes were released as they were delivered, and HTTP/1.1 has no window to give
    /// back. It does not pause reading either: on HTTP/1.1 backpressure is the
    /// transport's (input is parsed only as `poll_output` is drained, and
    /// [`wants_input`](Connection::wants_input) says when to stop reading), so one
    /// application runs unchanged on both versions.
    ///
    /// ```
    /// # use std::time::Instant;
    /// # use weir::{Config, Connection, Side, StreamId, Version};
    /// let mut config = Config::default();
    /// config.h2_manual_flow_control = true;
    /// let mut conn = Connection::with_version(Side::Client, Version::Http2, config, Instant::now());
    /// // No stream 1 yet: nothing to release.
    /// assert!(conn.release_capacity(StreamId(1), 10).is_err());
    /// ```
    pub fn release_capacity(&mut self, stream: StreamId, bytes: usize) -> Result<(), Misuse> {
        each!(self, c => c.release_capacity(stream, bytes))
    }

    /// Says the application wants the request body (server): answers
    /// `Expect: 100-continue` with `100 Continue` if nothing was sent yet.
    pub fn accept_body(&mut self, stream: StreamId) -> Result<(), Misuse> {
        each!(self, c => c.accept_body(stream))
    }

    /// Abandons a stream. On HTTP/1.1 this closes the connection.
    ///
    /// An HTTP/2 server that resets with `NO_ERROR` a stream whose response it has
    /// completed, to stop the rest of the request body (RFC 9113 §8.1), does not lose
    /// the response: if some of it is still queued, the reset follows its END_STREAM.
    pub fn reset_stream(&mut self, stream: StreamId, code: Reason) -> Result<(), Misuse> {
        each!(self, c => c.reset_stream(stream, code))
    }

    /// Promises the response to `request` (server push, HTTP/2 only): the client gets
    /// the request as [`Event::Push`](crate::Event::Push). Returns the promised stream;
    /// send the response on it with [`send_response`](Connection::send_response).
    pub fn push(&mut self, stream: StreamId, request: Request) -> Result<StreamId, Misuse> {
        match &mut self.proto {
            Proto::H1(_) => Err(Misuse::Unsupported("push needs HTTP/2")),
            Proto::H2(c) => c.push(stream, request),
        }
    }

    /// Sends an HTTP/2 PING with `payload`; the answer arrives as
    /// [`Event::Pong`](crate::Event::Pong) with the round trip.
    pub fn ping(&mut self, payload: [u8; 8]) -> Result<(), Misuse> {
        match &mut self.proto {
            Proto::H1(_) => Err(Misuse::Unsupported("PING needs HTTP/2")),
            Proto::H2(c) => c.ping(payload),
        }
    }

    /// Sets the priority of `stream` (RFC 9218): on HTTP/2 it decides when the stream's
    /// DATA is sent, relative to the other streams' (most urgent first; see
    /// [`Priority`]).
    ///
    /// A server re-prioritizes its response, whatever the request asked for (RFC 9218
    /// §10: "Server scheduling is a prioritization process based on many inputs, with
    /// priority signals being only one form of input"); until then a response has the
    /// priority its request's `priority` field and the client's PRIORITY_UPDATE frames
    /// gave it. A client orders its own
    /// request bodies, and tells the server with a PRIORITY_UPDATE frame while the
    /// response may still come, unless the server's SETTINGS showed it does not read
    /// them (no SETTINGS_NO_RFC7540_PRIORITIES = 1, RFC 9218 §2.1.1).
    ///
    /// HTTP/1.1 sends one message at a time, so there is nothing to order: the call
    /// succeeds and changes nothing, and the same code serves both versions.
    ///
    /// ```
    /// # use std::time::Instant;
    /// # use weir::{Config, Connection, Priority, Request, Side, Version};
    /// let mut conn = Connection::with_version(Side::Client, Version::Http2, Config::default(), Instant::now());
    /// let req = Request::new("GET", "/app.js").field("host", "a").field("priority", "u=5");
    /// let stream = conn.send_request(req, true).unwrap();
    /// // The user needs the script now: a PRIORITY_UPDATE with `u=0` follows the request.
    /// conn.set_priority(stream, Priority::new(0, false)).unwrap();
    /// ```
    pub fn set_priority(&mut self, stream: StreamId, priority: Priority) -> Result<(), Misuse> {
        match &mut self.proto {
            Proto::H1(_) => Ok(()),
            Proto::H2(c) => c.set_priority(stream, priority),
        }
    }

    /// Shuts the connection down. With `Reason::NO_ERROR` it is graceful: the peer is
    /// told (HTTP/2 GOAWAY) that no new stream will be processed, and the connection
    /// closes when the open streams are done. Any other code closes it at once.
    pub fn go_away(&mut self, code: Reason) -> Result<(), Misuse> {
        match &mut self.proto {
            Proto::H1(_) => Err(Misuse::Unsupported("GOAWAY needs HTTP/2")),
            Proto::H2(c) => c.go_away(code),
        }
    }

    /// Sends a frame of an extension type (HTTP/2 only, RFC 9113 §5.5) on `stream`
    /// (`StreamId(0)` for the connection). A type that RFC 9113 or RFC 9218 defines, or a
    /// payload over the peer's SETTINGS_MAX_FRAME_SIZE, is a misuse.
    ///
    /// ```
    /// # use std::time::Instant;
    /// # use weir::{Config, Connection, Side, StreamId, Version};
    /// let mut conn = Connection::with_version(Side::Client, Version::Http2, Config::default(), Instant::now());
    /// conn.send_extension_frame(0xf0, 0, StreamId(0), "hello".into()).unwrap();
    /// assert!(conn.send_extension_frame(0x0, 0, StreamId(1), "DATA".into()).is_err());
    /// ```
    pub fn send_extension_frame(
        &mut self,
        kind: u8,
        flags: u8,
        stream: StreamId,
        payload: Bytes,
    ) -> Result<(), Misuse> {
        match &mut self.proto {
            Proto::H1(_) => Err(Misuse::Unsupported("extension frames need HTTP/2")),
            Proto::H2(c) => c.send_extension_frame(kind, flags, stream, payload),
        }
    }

    /// Runs one [`Command`]; returns the new stream for [`Command::Request`] and the
    /// promised stream for [`Command::Push`].
    pub fn execute(&mut self, command: Command) -> Result<Option<StreamId>, Misuse> {
        match command {
            Command::Request { head, end_stream } => self.send_request(head, end_stream).map(Some),
            Command::Response {
                stream,
                head,
                end_stream,
            } => self.send_response(stream, head, end_stream).map(|_| None),
            Command::Data {
                stream,
                data,
                end_stream,
            } => self.send_data(stream, data, end_stream).map(|_| None),
            Command::Trailers { stream, fields } => {
                self.send_trailers(stream, fields).map(|_| None)
            }
            Command::AcceptBody { stream } => self.accept_body(stream).map(|_| None),
            Command::ReleaseCapacity { stream, bytes } => {
                self.release_capacity(stream, bytes).map(|_| None)
            }
            Command::Reset { stream, code } => self.reset_stream(stream, code).map(|_| None),
            Command::Push { stream, request } => self.push(stream, request).map(Some),
            Command::Priority { stream, priority } => {
                self.set_priority(stream, priority).map(|_| None)
            }
            Command::Ping { payload } => self.ping(payload).map(|_| None),
            Command::GoAway { code } => self.go_away(code).map(|_| None),
            Command::ExtensionFrame {
                kind,
                flags,
                stream,
                payload,
            } => self
                .send_extension_frame(kind, flags, stream, payload)
                .map(|_| None),
        }
    }
}
