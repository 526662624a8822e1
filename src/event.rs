//! [`Event`]: what the peer did, the same vocabulary for HTTP/1.1 and HTTP/2.

use crate::{Error, Fields, Head, PartialRequest, Reason, Request, Response, StreamId};
use bytes::Bytes;

/// Who ended a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Initiator {
    /// This side (the application or the connection on its behalf).
    Local,
    /// The peer.
    Remote,
}

/// A fact about the connection, delivered by [`Connection::poll_output`](crate::Connection::poll_output).
///
/// Body data arrives as [`Bytes`] slices of the input, never copied. How input is split
/// into reads may change how body bytes are split into `Data` events, nothing else.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// A request head (server) or a response head (client), informational 1xx included.
    Headers {
        /// The stream (HTTP/1.1: the n-th request of the connection is stream 2n−1).
        stream: StreamId,
        /// The head, of the same type as the one you would send.
        head: Head,
        /// Whether the message has no body.
        end_stream: bool,
    },
    /// Body bytes, or raw bytes of a tunnel.
    Data {
        /// The stream.
        stream: StreamId,
        /// The bytes (possibly empty when only `end_stream` is news).
        data: Bytes,
        /// Whether this is the end of the body (or the peer closed its side of a tunnel).
        end_stream: bool,
    },
    /// The extensions of a chunk (`;name=value…` after the chunk size), delivered just
    /// before that chunk's data.
    ChunkExtension {
        /// The stream.
        stream: StreamId,
        /// The extensions as sent, starting at the first `;`.
        extension: Bytes,
    },
    /// A trailer section; it ends the stream.
    Trailers {
        /// The stream.
        stream: StreamId,
        /// The trailer fields.
        fields: Fields,
    },
    /// A request failed before its head was complete (server only).
    ///
    /// The connection proposes `response`. Answer with your own response on `stream`
    /// while handling this event to replace it; otherwise the proposed one is sent. Either
    /// way the connection closes after it.
    EarlyError {
        /// The stream the request would have been.
        stream: StreamId,
        /// Whatever was parsed of the request.
        request: PartialRequest,
        /// What went wrong.
        error: Error,
        /// The response about to be sent.
        response: Response,
    },
    /// An Upgrade (101) or a CONNECT (2xx) succeeded: from now on `Data` on this stream
    /// are raw bytes in both directions, and `send_data` writes raw bytes.
    Tunnel {
        /// The stream.
        stream: StreamId,
    },
    /// A stream whose send buffer was full (a write was refused with
    /// [`Misuse::BufferFull`](crate::Misuse::BufferFull), or one filled it) can take
    /// more: [`send_capacity`](crate::Connection::send_capacity) is back to at least half
    /// a buffer. Delivered once each time the buffer filled.
    Writable {
        /// The stream.
        stream: StreamId,
    },
    /// A stream ended before completing.
    StreamReset {
        /// The stream.
        stream: StreamId,
        /// The error code (HTTP/2) or its nearest equivalent.
        code: Reason,
        /// Who ended it.
        initiator: Initiator,
    },
    /// A server promised a response it will push (HTTP/2, client side). The pushed
    /// response arrives on `promised` as `Headers`, `Data`…; reset `promised` to refuse it.
    Push {
        /// The request stream the promise came on.
        stream: StreamId,
        /// The stream that will carry the pushed response.
        promised: StreamId,
        /// The request the server answers as if the client had sent it.
        request: Request,
    },
    /// The peer is going away (HTTP/2 GOAWAY): it processes no stream above
    /// `last_stream`; those of ours got `StreamReset` with REFUSED_STREAM (safe to retry).
    GoAway {
        /// The last stream the peer may process.
        last_stream: StreamId,
        /// Why.
        code: Reason,
        /// Opaque diagnostic bytes from the peer.
        debug: Bytes,
    },
    /// HTTP/2: a frame of a type RFC 9113 does not define (an extension, §5.5), shown
    /// only when `Config::h2_extension_frames` is set; otherwise it is ignored.
    ExtensionFrame {
        /// The frame type.
        kind: u8,
        /// The flags, as received.
        flags: u8,
        /// The stream, `StreamId(0)` for the connection.
        stream: StreamId,
        /// The payload, as received.
        payload: Bytes,
    },
    /// The peer answered a [`ping`](crate::Connection::ping).
    Pong {
        /// The payload sent with the ping.
        payload: [u8; 8],
        /// The time from sending the ping to receiving its answer (by the clocks passed in).
        rtt: std::time::Duration,
    },
    /// The connection is closed: nothing more will be sent or delivered. `error` says
    /// why when it was not a clean close.
    Closed {
        /// The error that closed the connection, if any.
        error: Option<Error>,
    },
}

impl Event {
    /// The stream this event concerns, if any.
    pub fn stream(&self) -> Option<StreamId> {
        match self {
            Event::Headers { stream, .. }
            | Event::Data { stream, .. }
            | Event::ChunkExtension { stream, .. }
            | Event::Trailers { stream, .. }
            | Event::EarlyError { stream, .. }
            | Event::Tunnel { stream }
            | Event::Writable { stream }
            | Event::StreamReset { stream, .. }
            | Event::Push { stream, .. } => Some(*stream),
            Event::ExtensionFrame { stream, .. } => Some(*stream).filter(|s| s.0 != 0),
            Event::GoAway { .. } | Event::Pong { .. } | Event::Closed { .. } => None,
        }
    }
}
