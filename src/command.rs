//! [`Command`]: what the application wants, the same vocabulary for HTTP/1.1 and HTTP/2.
//!
//! Each command has a verb on [`Connection`](crate::Connection) (`send_response`,
//! `send_data`…); the enum exists so that stream handlers can pass, drop, rewrite and add
//! commands before [`Connection::execute`](crate::Connection::execute) runs them.

use crate::{Fields, Priority, Reason, Request, Response, StreamId};
use bytes::Bytes;

/// One application command.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Command {
    /// Start a request (client). Executing it returns the new stream's id.
    Request {
        /// The request head.
        head: Request,
        /// Whether the request has no body.
        end_stream: bool,
    },
    /// Send a response head (server), informational 1xx included.
    Response {
        /// The stream answered.
        stream: StreamId,
        /// The response head.
        head: Response,
        /// Whether the response has no body.
        end_stream: bool,
    },
    /// Send body bytes (or raw tunnel bytes).
    Data {
        /// The stream.
        stream: StreamId,
        /// The bytes.
        data: Bytes,
        /// Whether this ends the body (or closes this side of a tunnel).
        end_stream: bool,
    },
    /// Send a trailer section; it ends the body.
    Trailers {
        /// The stream.
        stream: StreamId,
        /// The trailer fields.
        fields: Fields,
    },
    /// The application is ready for the request body (server): if the client sent
    /// `Expect: 100-continue` and no response was sent yet, a `100 Continue` goes out.
    AcceptBody {
        /// The stream.
        stream: StreamId,
    },
    /// Give back `bytes` of received body the application has consumed (HTTP/2 with
    /// `Config::h2_manual_flow_control`; accepted and a no-op otherwise). See
    /// [`Connection::release_capacity`](crate::Connection::release_capacity).
    ReleaseCapacity {
        /// The stream the bytes came on.
        stream: StreamId,
        /// How many bytes.
        bytes: usize,
    },
    /// Abandon a stream. HTTP/1.1 can only do that by closing the connection.
    Reset {
        /// The stream.
        stream: StreamId,
        /// The error code.
        code: Reason,
    },
    /// Promise the response to `request` on a new stream (server push, HTTP/2 only).
    /// Executing it returns the promised stream's id.
    Push {
        /// The client's stream the promise is associated with.
        stream: StreamId,
        /// The promised request.
        request: Request,
    },
    /// Give a stream a new priority (RFC 9218): the order of its DATA among the
    /// streams on HTTP/2, and a PRIORITY_UPDATE from a client. HTTP/1.1 accepts it and
    /// has nothing to order.
    Priority {
        /// The stream.
        stream: StreamId,
        /// Its new priority.
        priority: Priority,
    },
    /// Measure the round trip (HTTP/2 PING); the answer is an `Event::Pong`.
    Ping {
        /// The opaque payload the peer echoes.
        payload: [u8; 8],
    },
    /// Shut the connection down: gracefully with `Reason::NO_ERROR`, at once otherwise.
    GoAway {
        /// The error code.
        code: Reason,
    },
    /// Send a frame of an extension type (HTTP/2 only, RFC 9113 §5.5).
    ExtensionFrame {
        /// The frame type: not one RFC 9113 or RFC 9218 defines.
        kind: u8,
        /// The flags.
        flags: u8,
        /// The stream, `StreamId(0)` for the connection.
        stream: StreamId,
        /// The payload, at most the peer's SETTINGS_MAX_FRAME_SIZE.
        payload: Bytes,
    },
}

impl Command {
    /// The stream this command concerns (`None` for a new request and for the
    /// connection-wide `Ping` and `GoAway`; a `Push` concerns the stream it is
    /// associated with).
    pub fn stream(&self) -> Option<StreamId> {
        match self {
            Command::Request { .. } | Command::Ping { .. } | Command::GoAway { .. } => None,
            Command::ExtensionFrame { stream, .. } => Some(*stream).filter(|s| s.0 != 0),
            Command::Push { stream, .. } => Some(*stream),
            Command::Response { stream, .. }
            | Command::Data { stream, .. }
            | Command::Trailers { stream, .. }
            | Command::AcceptBody { stream }
            | Command::ReleaseCapacity { stream, .. }
            | Command::Reset { stream, .. }
            | Command::Priority { stream, .. } => Some(*stream),
        }
    }
}
