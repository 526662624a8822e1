//! # weir: sans-IO HTTP
//!
//! Pure, synchronous state machines that turn the bytes a peer sends into typed
//! [`Event`]s, and the application's commands into bytes. weir owns no socket, timer,
//! thread or runtime: the caller passes bytes and the current time in, and takes bytes,
//! events and the next deadline out.
//!
//! ## The contract
//!
//! After every `handle_*` call and every command, drain [`Connection::poll_output`]
//! until it returns [`Output::Timeout`]; then wait for one input (bytes, end of input,
//! or the deadline) and start again. A blocking adapter:
//!
//! ```no_run
//! use std::io::{Read, Write};
//! use std::net::TcpStream;
//! use std::time::Instant;
//! use weir::{Config, Connection, Event, Output, Response, Side};
//!
//! fn serve(mut sock: TcpStream) -> std::io::Result<()> {
//!     let mut conn = Connection::new(Side::Server, Config::default(), Instant::now());
//!     let (mut out, mut buf) = (Vec::new(), vec![0; 16 * 1024]);
//!     loop {
//!         let deadline = loop {
//!             match conn.poll_output(&mut out) {
//!                 Output::Transmit => { sock.write_all(&out)?; out.clear(); }
//!                 Output::Event(Event::Headers { stream, .. }) => {
//!                     let _ = conn.send_response(stream, Response::new(204), true);
//!                 }
//!                 Output::Event(_) => {}
//!                 Output::Timeout(t) => break t,
//!             }
//!         };
//!         if conn.is_closed() { return Ok(()); }
//!         let now = Instant::now();
//!         sock.set_read_timeout(deadline.map(|t| t.saturating_duration_since(now).max(std::time::Duration::from_millis(1))))?;
//!         match sock.read(&mut buf) {
//!             Ok(0) => conn.handle_eof(Instant::now()),
//!             Ok(n) => conn.handle_input(Instant::now(), &buf[..n]),
//!             Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
//!                 conn.handle_timeout(Instant::now())
//!             }
//!             Err(e) => return Err(e),
//!         }
//!     }
//! }
//! ```
//!
//! Peer errors never come back as `Err`: they are events (`EarlyError` before a request
//! head was complete, `StreamReset`, then `Closed` with the error), with the right
//! answer already queued for transmission. Application mistakes come back from the
//! call that made them as [`Misuse`] and change nothing.
//!
//! ## Streams
//!
//! Every request/response pair is a stream, on HTTP/1.1 too (the n-th request of a
//! connection is stream 2n−1, as client streams are numbered in HTTP/2), so that code
//! written against events and commands does not care about the version.
//!
//! A [`Duplex`] merges one stream's two directions into one IO-like object
//! (`read_partial`, `write`, `close_write`), with the end of the body and flow control
//! handled for you; on a tunnel (Upgrade, CONNECT) it carries the raw bytes.
//!
//! ## Backpressure
//!
//! What the application sends waits in the connection until it is handed out (HTTP/2:
//! until the peer's flow-control window lets it go), within a bound per stream and per
//! connection ([`Config::send_buffer_per_stream`], [`Config::send_buffer_per_connection`]).
//! While a bound is reached, [`Connection::send_data`] refuses with
//! [`Misuse::BufferFull`]; [`Event::Writable`] says when to write again, and
//! [`Connection::send_capacity`] how much fits now. The other way, HTTP/2 gives the
//! peer's window back as body is delivered, or, with
//! [`Config::h2_manual_flow_control`], as the application calls
//! [`Connection::release_capacity`] for what it consumed.
//!
//! ## Stream handlers
//!
//! The [`handler`] module puts a chain of Cowboy-style stream handlers between a server
//! connection and the application: each sees every request on its way in and every
//! command on its way out, and may pass, drop, rewrite or add commands. A
//! [`handler::Dispatcher`] drives the connection with the chain and is drained exactly
//! as a connection is.
//!
//! The [`testing`] module has a deterministic in-memory client/server [`Pair`](testing::Pair).
//!
//! ## Cargo features
//!
//! - `compression` (on by default): the `Compress` and `Decompress` stream handlers,
//!   gzip and deflate.
//! - `http`: `TryFrom` conversions both ways between [`Request`] and [`Response`] and the
//!   `http` crate's `Request<()>`, `Response<()>` and their `Parts`. What `http` cannot
//!   hold (field name case and order, a reason phrase, an extended CONNECT's protocol, a
//!   target's exact spelling) travels in the `Extensions` and comes back while the `http`
//!   side still agrees with it; failures are `HttpConvertError`s.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod command;
mod config;
mod conn;
mod decimal;
mod error;
mod event;
mod h1;
mod h2;
pub mod handler;
mod head;
pub mod hpack;
#[cfg(feature = "http")]
mod http_conv;
mod memory;
mod park;
mod priority;
mod send_buffer;
mod stream;
mod stream_control;
mod stream_map;
pub mod testing;
mod transmit;

pub use command::Command;
pub use config::{Config, ConfigError, Leniency};
pub use conn::Connection;
pub use decimal::Decimal;
pub use error::{Error, ErrorKind, Http2Error, Limit, Misuse, ProtocolError, Reason, Timeout};
pub use event::{Event, Initiator};
pub use head::{
    reason_phrase, Field, FieldIter, Fields, Head, PartialRequest, Request, Response, Version,
};
#[cfg(feature = "http")]
pub use http_conv::{ConnectProtocol, HttpConvertError, ReasonPhrase, RequestTarget};
pub use park::Parked;
pub use priority::Priority;
pub use stream::{Duplex, Inbound, StreamError};
pub use stream_control::StreamControl;
pub use stream_map::{StreamHasher, StreamMap};
pub use transmit::{Chunks, Transmit};

use std::time::Instant;

/// The role of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    /// Sends requests, receives responses.
    Client,
    /// Receives requests, sends responses.
    Server,
}

/// A stream: one request and its response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StreamId(pub u32);

/// What [`Connection::poll_output`] has for the caller.
// Events are moved out once each; boxing them would cost an allocation per event.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Output {
    /// Bytes were appended to the buffer: write them to the peer.
    Transmit,
    /// Something happened.
    Event(Event),
    /// Nothing more for now: wait for input or until this deadline (`None`: no deadline).
    Timeout(Option<Instant>),
}
