//! [`Duplex`]: one stream's inbound and outbound bytes as one IO-like object
//! (`read_partial`, `write`, `close_write`, `close`), on either role and either version,
//! with the body's end and flow control taken care of; on a tunnel, the raw bytes.

use crate::{
    Error, Event, Fields, Initiator, Misuse, Reason, Side, StreamControl, StreamId, Version,
};
use bytes::Bytes;
use std::collections::VecDeque;

/// What [`Duplex::read_partial`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inbound {
    /// Bytes that arrived: never empty, at most the `max` asked for.
    Data(Bytes),
    /// The peer's side is over: the end of the body (END_STREAM, trailers, the last
    /// byte of a known length), or the peer closed its half of a tunnel. Every later
    /// read says so again.
    End,
    /// Nothing yet: give the view the connection's next events, then read again.
    Pending,
}

/// Why a stream's view cannot be read or written any more.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StreamError {
    /// The stream was reset before it ended, by the peer or by this side.
    #[error("stream reset with {code:?} ({initiator:?})")]
    Reset {
        /// The error code (HTTP/2) or its nearest equivalent.
        code: Reason,
        /// Who reset it.
        initiator: Initiator,
    },
    /// The connection closed before the stream ended; the error says why when it was
    /// not a clean close.
    #[error("the connection closed before the stream ended{}", why(.0))]
    ConnectionClosed(Option<Error>),
    /// The connection refused the call (for example a write before the response head,
    /// or after [`close_write`](Duplex::close_write)).
    #[error("refused: {0}")]
    Refused(#[from] Misuse),
}

fn why(error: &Option<Error>) -> String {
    error.as_ref().map(|e| format!(": {e}")).unwrap_or_default()
}

/// Where one direction of the stream stands.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Half {
    Open,
    /// Ended cleanly (or, for reading, given up by [`Duplex::close`]).
    Done,
    Failed(StreamError),
}

/// One stream's request body and response body as one IO-like object: what the peer
/// sends is read with [`read_partial`](Duplex::read_partial), what this side sends is
/// written with [`write`](Duplex::write) and ended with
/// [`close_write`](Duplex::close_write). The two directions are independent: an echo
/// writes back what it reads while the rest still arrives. On a tunnel (an HTTP/1.1
/// Upgrade or CONNECT, an HTTP/2 CONNECT or extended CONNECT, announced by
/// [`Event::Tunnel`]) the same calls carry the raw bytes.
///
/// The view is sans-IO like the connection: the caller gives it the connection's events
/// ([`handle_event`](Duplex::handle_event)) and passes the connection to the calls that
/// write or give flow-control window back: a [`Connection`](crate::Connection), or anything else that is
/// [`StreamControl`], such as a [`Dispatcher`](crate::handler::Dispatcher), whose
/// handlers then see what the view sends. It works for either role: a client's view of
/// its request, a server's view of a request it received (the server sends the response
/// head itself; the view carries the body).
///
/// Flow control is the view's: with [`Config::h2_manual_flow_control`](crate::Config)
/// the peer's window is given back only as bytes are read out of the view, so a reader
/// that does not read stops the peer; without it the connection gives it back as it
/// delivers. Writes take what the send buffer has room for, and say 0 when it is full:
/// write again after [`Event::Writable`].
///
/// The streaming guide's echo, on the in-memory [`Pair`](crate::testing::Pair): the
/// client writes two pieces and closes its side, the server writes back what it reads.
///
/// ```
/// use std::time::Instant;
/// use weir::testing::Pair;
/// use weir::{Config, Duplex, Event, Inbound, Request, Response, Side, Version};
///
/// let mut pair = Pair::with_version(Version::Http2, Config::default(), Config::default(), Instant::now());
/// let post = Request::new("POST", "/echo").field("host", "example.com");
/// let stream = pair.client.send_request(post, false).unwrap();
/// let (mut client, mut server) = (Duplex::new(stream), Duplex::new(stream));
/// client.write(&mut pair.client, "Hello, ".into()).unwrap();
/// client.write(&mut pair.client, "World!".into()).unwrap();
/// client.close_write(&mut pair.client).unwrap();
///
/// pair.run(|side, event, conn| match side {
///     Side::Client => {
///         client.handle_event(event);
///     }
///     Side::Server => {
///         if let Event::Headers { .. } = event {
///             conn.send_response(stream, Response::new(200), false).unwrap();
///         }
///         server.handle_event(event);
///         loop {
///             match server.read_partial(conn, 1024).unwrap() {
///                 Inbound::Data(chunk) => assert_eq!(server.write(conn, chunk.clone()).unwrap(), chunk.len()),
///                 Inbound::End => break server.close_write(conn).unwrap(),
///                 Inbound::Pending => break,
///             }
///         }
///     }
/// });
///
/// let mut echoed = Vec::new();
/// while let Inbound::Data(chunk) = client.read_partial(&mut pair.client, 1024).unwrap() {
///     echoed.extend_from_slice(&chunk);
/// }
/// assert_eq!(echoed, b"Hello, World!");
/// assert_eq!(client.read_partial(&mut pair.client, 1024), Ok(Inbound::End));
/// ```
#[derive(Debug, Clone)]
pub struct Duplex {
    stream: StreamId,
    /// Received and not read yet, in order: slices of the connection's input.
    inbound: VecDeque<Bytes>,
    buffered: usize,
    read: Half,
    write: Half,
    tunnel: bool,
    trailers: Option<Fields>,
    /// [`close`](Duplex::close) was called: a tunnel opening later does not reopen it.
    closed: bool,
    /// The body was asked for (`100-continue`), once.
    asked: bool,
}

impl Duplex {
    /// A view of `stream` with both directions open: the stream a client's
    /// [`send_request`](crate::Connection::send_request) returned, or the stream of a
    /// request a server received (give it that `Headers` event too: a request without
    /// a body ends the read side at once).
    ///
    /// A server that opens a tunnel (a 101, a 2xx to CONNECT) gets [`Event::Tunnel`]
    /// from the connection right behind its answer; until the view has taken it, a
    /// request without a body reads as ended. Drain the connection after answering, as
    /// after every command, before reading.
    pub fn new(stream: StreamId) -> Duplex {
        Duplex {
            stream,
            inbound: VecDeque::new(),
            buffered: 0,
            read: Half::Open,
            write: Half::Open,
            tunnel: false,
            trailers: None,
            closed: false,
            asked: false,
        }
    }

    /// The stream.
    pub fn stream(&self) -> StreamId {
        self.stream
    }

    /// Whether the stream became a tunnel ([`Event::Tunnel`]): the bytes read and
    /// written are the raw bytes of the tunnel.
    pub fn is_tunnel(&self) -> bool {
        self.tunnel
    }

    /// How many bytes arrived and were not read yet.
    pub fn buffered(&self) -> usize {
        self.buffered
    }

    /// The trailer section that ended the peer's body, if one did.
    pub fn trailers(&self) -> Option<&Fields> {
        self.trailers.as_ref()
    }

    /// Takes in one of the connection's events. Returns whether it was this stream's
    /// business (`Headers`, `Data`, `ChunkExtension`, `Trailers`, `Tunnel`, `Writable`
    /// and `StreamReset` on its stream); a `Headers` event counts only for its end of
    /// stream, the head is the caller's to read. `Closed` ends whatever is still open
    /// but returns `false`: it concerns the whole connection.
    pub fn handle_event(&mut self, event: &Event) -> bool {
        if let Event::Closed { error } = event {
            self.fail(StreamError::ConnectionClosed(error.clone()));
            return false;
        }
        if event.stream() != Some(self.stream) {
            return false;
        }
        match event {
            // An interim (1xx) head never ends the stream: its flag is always false.
            Event::Headers { end_stream, .. } => {
                if *end_stream {
                    self.end_read();
                }
            }
            Event::Data {
                data, end_stream, ..
            } => {
                // Once reading is over (or given up) nothing more is kept: on HTTP/1.1
                // the rest of a body is read and dropped, an HTTP/2 stream was reset.
                if self.read == Half::Open && !data.is_empty() {
                    self.buffered += data.len();
                    self.inbound.push_back(data.clone());
                }
                if *end_stream {
                    self.end_read();
                }
            }
            Event::Trailers { fields, .. } => {
                if self.read == Half::Open {
                    self.trailers = Some(fields.clone());
                }
                self.end_read();
            }
            Event::Tunnel { .. } => {
                self.tunnel = true;
                // RFC 9110 §15.2.2: "The server will switch protocols to those defined
                // by the response's Upgrade header field immediately after the empty
                // line that terminates the 101 (Switching Protocols) response"; a 2xx
                // to CONNECT starts the tunnel the same way (§9.3.6, RFC 9113 §8.5).
                // Either way a new byte stream opens in each direction, also where the
                // request itself had no body.
                if !self.closed {
                    for half in [&mut self.read, &mut self.write] {
                        if *half == Half::Done {
                            *half = Half::Open;
                        }
                    }
                }
            }
            Event::StreamReset {
                code, initiator, ..
            } => self.fail(StreamError::Reset {
                code: *code,
                initiator: *initiator,
            }),
            Event::ChunkExtension { .. } | Event::Writable { .. } => {}
            // A push, an early error or an extension frame names the stream but is the
            // caller's business.
            _ => return false,
        }
        true
    }

    /// Reads what has arrived: at most `max` bytes (a `max` of 0 counts as 1), split
    /// off the received data without copying. Once everything that arrived was read,
    /// [`Inbound::End`] if the peer's side is over, [`Inbound::Pending`] if more may
    /// come, or the error that cut the stream short (the bytes that arrived before it
    /// are read first).
    ///
    /// What is read is given back to the peer's flow-control window
    /// ([`Connection::release_capacity`](crate::Connection::release_capacity)): do not
    /// release it yourself. On a server, the first read that finds nothing asks for the
    /// body ([`Connection::accept_body`](crate::Connection::accept_body): a
    /// `100 Continue` if the client expects one).
    pub fn read_partial(
        &mut self,
        conn: &mut (impl StreamControl + ?Sized),
        max: usize,
    ) -> Result<Inbound, StreamError> {
        if let Some(front) = self.inbound.front_mut() {
            let max = max.max(1);
            let data = if front.len() > max {
                front.split_to(max)
            } else {
                self.inbound.pop_front().expect("there is a front")
            };
            self.buffered -= data.len();
            // RFC 9113 §5.2.1: "Receivers advertise how many octets they are prepared
            // to receive on a stream and for the entire connection": as many as the
            // reader took out. Release is refused only for a stream or connection that
            // is gone, and holds no window any more.
            let _ = conn.release_capacity(self.stream, data.len());
            return Ok(Inbound::Data(data));
        }
        match &self.read {
            Half::Open => {
                if !self.asked && conn.side() == Side::Server {
                    self.asked = true;
                    // RFC 9110 §10.1.1: a server that intends to read the content sends
                    // "an immediate 100 (Continue) response to encourage the client to
                    // send the request content". The connection sends it only if it is
                    // owed and nothing was answered yet; otherwise this changes nothing.
                    let _ = conn.accept_body(self.stream);
                }
                Ok(Inbound::Pending)
            }
            Half::Done => Ok(Inbound::End),
            Half::Failed(e) => Err(e.clone()),
        }
    }

    /// Writes the front of `data`: as much as the stream's send buffer has room for
    /// ([`Connection::send_capacity`](crate::Connection::send_capacity)), without
    /// copying. Returns how many bytes were taken; 0 for some `data` means the buffer is
    /// full: write the rest after
    /// [`Event::Writable`] for the stream (the connection owes one).
    pub fn write(
        &mut self,
        conn: &mut (impl StreamControl + ?Sized),
        data: Bytes,
    ) -> Result<usize, StreamError> {
        match &self.write {
            Half::Open => {}
            Half::Done => return Err(Misuse::State("the write side is closed").into()),
            Half::Failed(e) => return Err(e.clone()),
        }
        let room = conn.send_capacity(self.stream);
        if room == 0 {
            // An empty write queues nothing; refused for a full buffer, it makes the
            // connection owe the stream an `Event::Writable`. A stream that takes no
            // body (yet) is refused for what it is.
            return match conn.send_data(self.stream, Bytes::new(), false) {
                Ok(()) | Err(Misuse::BufferFull) => Ok(0),
                Err(e) => Err(e.into()),
            };
        }
        let n = data.len().min(room);
        if n > 0 {
            conn.send_data(self.stream, data.slice(..n), false)?;
        }
        Ok(n)
    }

    /// Ends this side: the end of the body (HTTP/2 END_STREAM, the last chunk or the
    /// end of a known length on HTTP/1.1), or this side's half of a tunnel. Never
    /// refused for a full buffer; once done, calling it again does nothing.
    pub fn close_write(
        &mut self,
        conn: &mut (impl StreamControl + ?Sized),
    ) -> Result<(), StreamError> {
        match &self.write {
            Half::Open => {}
            Half::Done => return Ok(()),
            Half::Failed(e) => return Err(e.clone()),
        }
        // RFC 9113 §8.5: on a tunnel, "The END_STREAM flag on a DATA frame is treated as
        // being equivalent to the TCP FIN bit"; an empty end is always taken.
        conn.send_data(self.stream, Bytes::new(), true)?;
        self.write = Half::Done;
        Ok(())
    }

    /// Done with the stream: ends this side if it is still open
    /// ([`close_write`](Duplex::close_write)), drops what was not read, and stops
    /// reading. If the peer may still send, the stream is abandoned as each version
    /// allows: an HTTP/2 server whose response is complete resets it with `NO_ERROR`,
    /// an HTTP/1.1 server reads the rest of the body and drops it (the connection lives
    /// on), anything else resets it with `CANCEL` (on HTTP/1.1 that closes the
    /// connection). The `NO_ERROR` reset, and the reset of an HTTP/2 tunnel, go out
    /// behind what was written and the end of this side, as a closed socket sends its
    /// last bytes and FIN before a reset. Reads then say [`Inbound::End`].
    pub fn close(&mut self, conn: &mut (impl StreamControl + ?Sized)) {
        let complete = self.close_write(conn).is_ok();
        let unread = std::mem::take(&mut self.buffered);
        self.inbound.clear();
        if unread > 0 {
            // The bytes are consumed as far as the peer is concerned.
            let _ = conn.release_capacity(self.stream, unread);
        }
        self.closed = true;
        if self.read != Half::Open {
            return;
        }
        self.read = Half::Done;
        let answered = complete && !self.tunnel && conn.side() == Side::Server;
        let code = match conn.version() {
            // RFC 9113 §8.1: "a server MAY request that the client abort transmission
            // of a request without error by sending a RST_STREAM with an error code of
            // NO_ERROR after sending a complete response".
            Version::Http2 if answered => Some(Reason::NO_ERROR),
            // RFC 9112 §6: the body's framing is read to find the next request, so
            // the rest of it is read and dropped, and the connection serves on.
            Version::Http10 | Version::Http11 if answered => None,
            // RFC 9113 §7: CANCEL "Used by the endpoint to indicate that the stream is
            // no longer needed". HTTP/1.1 can abandon a message only by closing the
            // connection (RFC 9112 §9.6), which `reset_stream` does.
            _ => Some(Reason::CANCEL),
        };
        if let Some(code) = code {
            // Refused only for a stream or connection already gone.
            let _ = conn.reset_stream(self.stream, code);
        }
    }

    /// The peer's side is over: reading ends once what arrived is read.
    fn end_read(&mut self) {
        if self.read == Half::Open {
            self.read = Half::Done;
        }
    }

    /// The stream or the connection ended: what is still open fails with `error`.
    fn fail(&mut self, error: StreamError) {
        for half in [&mut self.read, &mut self.write] {
            if *half == Half::Open {
                *half = Half::Failed(error.clone());
            }
        }
    }
}
