//! [`Connection`]: one type for a connection of either role, whatever the version.

use crate::h1::H1;
use crate::{
    Command, Config, Fields, Misuse, Output, Reason, Request, Response, Side, StreamId, Version,
};
use bytes::Bytes;
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
}

#[derive(Debug)]
enum Proto {
    H1(H1),
}

impl Connection {
    /// A new HTTP/1.1 connection. `now` starts its clocks (the idle deadline of a server).
    pub fn new(side: Side, config: Config, now: Instant) -> Connection {
        Connection {
            proto: Proto::H1(H1::new(side, config, now)),
        }
    }

    /// The protocol version the connection speaks.
    pub fn version(&self) -> Version {
        match self.proto {
            Proto::H1(_) => Version::Http11,
        }
    }

    /// Bytes received from the peer. Never fails: a peer's error becomes an event
    /// (`EarlyError`, `StreamReset`, then `Closed` with the error) and, where one is
    /// due, an answer on the wire.
    pub fn handle_input(&mut self, now: Instant, bytes: &[u8]) {
        match &mut self.proto {
            Proto::H1(c) => c.handle_input(now, bytes),
        }
    }

    /// The peer closed its sending side (a read returned 0).
    pub fn handle_eof(&mut self, now: Instant) {
        match &mut self.proto {
            Proto::H1(c) => c.handle_eof(now),
        }
    }

    /// Time passed: call it when the deadline from [`Output::Timeout`] is reached.
    pub fn handle_timeout(&mut self, now: Instant) {
        match &mut self.proto {
            Proto::H1(c) => c.handle_timeout(now),
        }
    }

    /// The next thing to do: bytes to transmit (appended to `out`), an event, or the
    /// deadline to wait for. Drain it after every input and command.
    pub fn poll_output(&mut self, out: &mut Vec<u8>) -> Output {
        match &mut self.proto {
            Proto::H1(c) => c.poll_output(out),
        }
    }

    /// Whether the connection is over: `Event::Closed` was delivered and nothing is
    /// left to transmit. Close the transport.
    pub fn is_closed(&self) -> bool {
        match &self.proto {
            Proto::H1(c) => c.is_closed(),
        }
    }

    /// Whether this side is done writing (a tunnel or close-delimited body ended):
    /// shut down the transport's write half once everything was transmitted.
    pub fn is_write_closed(&self) -> bool {
        match &self.proto {
            Proto::H1(c) => c.is_write_closed(),
        }
    }

    /// Whether more input is welcome now. When it is not (pipelined requests wait
    /// behind an unfinished response), stop reading until it is, or the connection
    /// fails once `Config::max_buffered_input` is exceeded.
    pub fn wants_input(&self) -> bool {
        match &self.proto {
            Proto::H1(c) => c.wants_input(),
        }
    }

    /// Starts a request (client); returns its stream.
    ///
    /// Without `Content-Length` or `Transfer-Encoding`, the framing is chosen for you:
    /// a Content-Length if the body ends before the next transmit, chunked otherwise.
    pub fn send_request(&mut self, head: Request, end_stream: bool) -> Result<StreamId, Misuse> {
        match &mut self.proto {
            Proto::H1(c) => c.send_request(head, end_stream),
        }
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
        match &mut self.proto {
            Proto::H1(c) => c.send_response(stream, head, end_stream),
        }
    }

    /// Sends body bytes, or raw bytes on a tunnel; `end_stream` ends the body (or closes
    /// this side of the tunnel).
    pub fn send_data(
        &mut self,
        stream: StreamId,
        data: Bytes,
        end_stream: bool,
    ) -> Result<(), Misuse> {
        match &mut self.proto {
            Proto::H1(c) => c.send_data(stream, data, end_stream),
        }
    }

    /// Sends trailers, ending the body. HTTP/1.1 carries them only on chunked bodies;
    /// on a body of known length they are dropped (the body must be complete).
    pub fn send_trailers(&mut self, stream: StreamId, fields: Fields) -> Result<(), Misuse> {
        match &mut self.proto {
            Proto::H1(c) => c.send_trailers(stream, fields),
        }
    }

    /// Says the application wants the request body (server): answers
    /// `Expect: 100-continue` with `100 Continue` if nothing was sent yet.
    pub fn accept_body(&mut self, stream: StreamId) -> Result<(), Misuse> {
        match &mut self.proto {
            Proto::H1(c) => c.accept_body(stream),
        }
    }

    /// Abandons a stream. On HTTP/1.1 this closes the connection.
    pub fn reset_stream(&mut self, stream: StreamId, code: Reason) -> Result<(), Misuse> {
        match &mut self.proto {
            Proto::H1(c) => c.reset_stream(stream, code),
        }
    }

    /// Runs one [`Command`]; returns the new stream for [`Command::Request`].
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
            Command::Reset { stream, code } => self.reset_stream(stream, code).map(|_| None),
        }
    }
}
