//! [`StreamControl`]: the per-stream verbs that a [`Duplex`](crate::Duplex) view drives,
//! implemented by a bare [`Connection`] and by a [`Dispatcher`] (through its handlers).

use crate::handler::Dispatcher;
use crate::{Command, Connection, Misuse, Reason, Side, StreamId, Version};
use bytes::Bytes;

/// What a [`Duplex`](crate::Duplex) view needs of the machine it runs on: a stream's
/// body sent, its received bytes given back to flow control, the body asked for, the
/// stream abandoned. Each method is the [`Connection`] method of the same name.
///
/// On a [`Dispatcher`] the commands travel through the handlers, so a view of a
/// server stream writes through, say, the compression handler:
///
/// ```
/// use std::time::Instant;
/// use weir::handler::{Compress, Dispatcher};
/// use weir::{Config, Connection, Duplex, Event, Output, Response, Side, StreamControl, Version};
///
/// let now = Instant::now();
/// let conn = Connection::with_version(Side::Server, Version::Http11, Config::default(), now);
/// let mut server: Dispatcher = Dispatcher::new(conn).handler(Compress::new());
/// server.handle_input(now, b"GET / HTTP/1.1\r\nHost: a\r\nAccept-Encoding: gzip\r\n\r\n");
/// let mut out = Vec::new();
/// let Output::Event(Event::Headers { stream, .. }) = server.poll_output(&mut out) else {
///     panic!("a request")
/// };
/// let head = Response::new(200).field("content-type", "text/plain");
/// server.send(weir::Command::Response { stream, head, end_stream: false }).unwrap();
/// let mut view = Duplex::new(stream);
/// let text = "all work and no play ".repeat(100);
/// assert_eq!(view.write(&mut server, text.clone().into()).unwrap(), text.len());
/// view.close_write(&mut server).unwrap();
/// while let Output::Transmit = server.poll_output(&mut out) {}
/// assert!(String::from_utf8_lossy(&out).contains("content-encoding: gzip"));
/// assert!(out.len() < text.len());
/// assert_eq!(server.side(), Side::Server);
/// ```
pub trait StreamControl {
    /// See [`Connection::side`].
    fn side(&self) -> Side;
    /// See [`Connection::version`].
    fn version(&self) -> Version;
    /// See [`Connection::send_capacity`].
    fn send_capacity(&self, stream: StreamId) -> usize;
    /// See [`Connection::send_data`].
    fn send_data(&mut self, stream: StreamId, data: Bytes, end_stream: bool) -> Result<(), Misuse>;
    /// See [`Connection::release_capacity`].
    fn release_capacity(&mut self, stream: StreamId, bytes: usize) -> Result<(), Misuse>;
    /// See [`Connection::accept_body`].
    fn accept_body(&mut self, stream: StreamId) -> Result<(), Misuse>;
    /// See [`Connection::reset_stream`].
    fn reset_stream(&mut self, stream: StreamId, code: Reason) -> Result<(), Misuse>;
}

impl StreamControl for Connection {
    fn side(&self) -> Side {
        Connection::side(self)
    }
    fn version(&self) -> Version {
        Connection::version(self)
    }
    fn send_capacity(&self, stream: StreamId) -> usize {
        Connection::send_capacity(self, stream)
    }
    fn send_data(&mut self, stream: StreamId, data: Bytes, end: bool) -> Result<(), Misuse> {
        Connection::send_data(self, stream, data, end)
    }
    fn release_capacity(&mut self, stream: StreamId, bytes: usize) -> Result<(), Misuse> {
        Connection::release_capacity(self, stream, bytes)
    }
    fn accept_body(&mut self, stream: StreamId) -> Result<(), Misuse> {
        Connection::accept_body(self, stream)
    }
    fn reset_stream(&mut self, stream: StreamId, code: Reason) -> Result<(), Misuse> {
        Connection::reset_stream(self, stream, code)
    }
}

impl<M> StreamControl for Dispatcher<M> {
    fn side(&self) -> Side {
        self.connection().side()
    }
    fn version(&self) -> Version {
        self.connection().version()
    }
    fn send_capacity(&self, stream: StreamId) -> usize {
        Dispatcher::send_capacity(self, stream)
    }
    fn send_data(&mut self, stream: StreamId, data: Bytes, end: bool) -> Result<(), Misuse> {
        let command = Command::Data {
            stream,
            data,
            end_stream: end,
        };
        self.send(command).map(drop)
    }
    fn release_capacity(&mut self, stream: StreamId, bytes: usize) -> Result<(), Misuse> {
        self.send(Command::ReleaseCapacity { stream, bytes })
            .map(drop)
    }
    fn accept_body(&mut self, stream: StreamId) -> Result<(), Misuse> {
        self.send(Command::AcceptBody { stream }).map(drop)
    }
    fn reset_stream(&mut self, stream: StreamId, code: Reason) -> Result<(), Misuse> {
        self.send(Command::Reset { stream, code }).map(drop)
    }
}
