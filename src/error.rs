//! Errors: what the peer did wrong ([`Error`]), which bound it hit ([`Limit`]), and what
//! the application did wrong in one call ([`Misuse`]).
//!
//! A peer's error is a value that says what happened, where (stream, field, byte offset
//! in the connection's input), which RFC section it breaks, and what to answer (an HTTP
//! status or an HTTP/2 error code). A misuse is returned by the call that made it and
//! changes nothing in the connection.

use crate::StreamId;
use bytes::Bytes;
use std::fmt;

/// A peer error that ends a message or the connection.
///
/// ```
/// use weir::{Error, ErrorKind, Limit};
/// let e = Error::new(ErrorKind::Limit(Limit::FieldCount));
/// assert_eq!(e.status(), Some(431));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Error {
    /// What went wrong.
    pub kind: ErrorKind,
    /// The stream it concerns, if any.
    pub stream: Option<StreamId>,
    /// The byte offset in the connection's input where it was found, if known.
    pub offset: Option<u64>,
    /// The field name it concerns, if any.
    pub field: Option<Bytes>,
}

impl Error {
    /// An error of `kind` with no location yet.
    pub fn new(kind: ErrorKind) -> Error {
        Error {
            kind,
            stream: None,
            offset: None,
            field: None,
        }
    }

    pub(crate) fn at(mut self, offset: u64) -> Error {
        self.offset = Some(offset);
        self
    }

    pub(crate) fn on(mut self, stream: StreamId) -> Error {
        self.stream = Some(stream);
        self
    }

    /// The HTTP status a server should answer with, if an answer makes sense.
    pub fn status(&self) -> Option<u16> {
        self.kind.status()
    }

    /// The RFC section that the peer broke, or that sets the bound.
    pub fn rfc(&self) -> &'static str {
        self.kind.rfc()
    }

    /// The HTTP/2 error code that answers it (in RST_STREAM or GOAWAY).
    pub fn reason(&self) -> Reason {
        self.kind.reason()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.kind)?;
        if let Some(s) = self.stream {
            write!(f, "; stream {}", s.0)?;
        }
        if let Some(name) = &self.field {
            write!(f, "; field `{}`", String::from_utf8_lossy(name))?;
        }
        if let Some(o) = self.offset {
            write!(f, "; at byte {o}")?;
        }
        write!(f, " ({})", self.rfc())?;
        if let Some(s) = self.status() {
            write!(f, "; answer {s}")?;
        }
        Ok(())
    }
}

/// The kinds of peer error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The peer broke the protocol.
    #[error("protocol error: {0}")]
    Protocol(#[from] ProtocolError),
    /// The peer exceeded a bound set in [`Config`](crate::Config).
    #[error("limit exceeded: {0}")]
    Limit(#[from] Limit),
    /// A deadline passed.
    #[error("timeout: {0}")]
    Timeout(#[from] Timeout),
    /// The peer closed the connection in the middle of a message.
    #[error("connection closed in the middle of a message")]
    UnexpectedEof,
    /// The application reset the stream (HTTP/1.1 can only do that by closing).
    #[error("stream reset by the application")]
    Reset,
    /// The peer broke HTTP/2 (RFC 9113) or HPACK (RFC 7541).
    #[error("HTTP/2 error: {0}")]
    Http2(#[from] Http2Error),
}

impl ErrorKind {
    /// The suggested HTTP status.
    pub fn status(&self) -> Option<u16> {
        match self {
            ErrorKind::Protocol(p) => p.status(),
            ErrorKind::Limit(l) => Some(l.status()),
            ErrorKind::Timeout(Timeout::HeaderRead | Timeout::BodyRead) => Some(408),
            ErrorKind::Timeout(Timeout::Idle) => None,
            ErrorKind::UnexpectedEof | ErrorKind::Reset => None,
            ErrorKind::Http2(h) => h.status(),
        }
    }

    /// The HTTP/2 error code to answer with (RST_STREAM or GOAWAY).
    pub fn reason(&self) -> Reason {
        match self {
            ErrorKind::Http2(h) => h.reason(),
            ErrorKind::Limit(l) => l.reason(),
            ErrorKind::Protocol(_) => Reason::PROTOCOL_ERROR,
            ErrorKind::Timeout(_) | ErrorKind::UnexpectedEof => Reason::CANCEL,
            ErrorKind::Reset => Reason::CANCEL,
        }
    }

    /// The RFC section.
    pub fn rfc(&self) -> &'static str {
        match self {
            ErrorKind::Protocol(p) => p.rfc(),
            ErrorKind::Limit(l) => l.rfc(),
            ErrorKind::Timeout(Timeout::HeaderRead | Timeout::BodyRead) => "RFC 9110 §15.5.9",
            ErrorKind::Timeout(Timeout::Idle) => "RFC 9112 §9.5",
            ErrorKind::UnexpectedEof => "RFC 9112 §8",
            ErrorKind::Reset => "RFC 9112 §9.6",
            ErrorKind::Http2(h) => h.rfc(),
        }
    }
}

/// A deadline that passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Timeout {
    /// A request head took longer than `Config::header_read_timeout` (slowloris).
    #[error("request head not complete in time")]
    HeaderRead,
    /// A request body stalled longer than `Config::body_read_timeout`.
    #[error("request body stalled")]
    BodyRead,
    /// A keep-alive connection stayed idle longer than `Config::idle_timeout`.
    #[error("idle connection")]
    Idle,
}

/// A bound from [`Config`](crate::Config) that a peer exceeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Limit {
    /// The request line is longer than `max_request_line` (414).
    #[error("request line too long")]
    RequestLine,
    /// The head is larger than `max_head_bytes` (431).
    #[error("header section too large")]
    HeadBytes,
    /// The head has more than `max_fields` fields (431).
    #[error("too many header fields")]
    FieldCount,
    /// The body is larger than `max_body` (413).
    #[error("body too large")]
    Body,
    /// The trailer section is larger than `max_trailer_bytes` (431).
    #[error("trailer section too large")]
    TrailerBytes,
    /// A chunk-size line (with its extensions) is longer than `max_chunk_line` (413).
    #[error("chunk extensions too large")]
    ChunkLine,
    /// Input arrived while `max_buffered_input` bytes already waited that the
    /// connection could not consume (pipelined requests behind an unfinished
    /// response), from an adapter that read on when `wants_input` said no.
    #[error("too much input buffered")]
    BufferedInput,
    /// HTTP/2: more streams reset (by the peer, or by this side because of the peer's
    /// errors) than `h2_reset_budget` allows: the rapid-reset and MadeYouReset floods
    /// (ENHANCE_YOUR_CALM).
    #[error("too many stream resets")]
    Resets,
    /// HTTP/2: more frames that carry nothing (PING, SETTINGS, empty DATA…) than
    /// `h2_idle_frame_budget` allows (ENHANCE_YOUR_CALM).
    #[error("too many frames that carry nothing")]
    IdleFrames,
    /// HTTP/2: a field block kept growing over CONTINUATION frames to more than twice
    /// `max_head_bytes` before it ended: the CONTINUATION flood (ENHANCE_YOUR_CALM).
    #[error("field block too large")]
    FieldBlock,
}

impl Limit {
    /// The HTTP status that this limit implies.
    pub fn status(self) -> u16 {
        match self {
            Limit::RequestLine => 414,
            Limit::HeadBytes | Limit::FieldCount | Limit::TrailerBytes | Limit::FieldBlock => 431,
            Limit::Body | Limit::ChunkLine => 413,
            Limit::BufferedInput | Limit::Resets | Limit::IdleFrames => 503,
        }
    }

    /// The RFC section that names the answer.
    pub fn rfc(self) -> &'static str {
        match self {
            Limit::RequestLine => "RFC 9112 §3",
            Limit::HeadBytes | Limit::FieldCount => "RFC 6585 §5",
            Limit::TrailerBytes => "RFC 9110 §6.5",
            Limit::Body => "RFC 9110 §15.5.14",
            Limit::ChunkLine => "RFC 9112 §7.1.1",
            Limit::BufferedInput => "RFC 9112 §9.3.2",
            Limit::Resets | Limit::IdleFrames | Limit::FieldBlock => "RFC 9113 §10.5",
        }
    }

    /// The HTTP/2 error code that answers it.
    pub fn reason(self) -> Reason {
        match self {
            Limit::HeadBytes | Limit::FieldCount | Limit::TrailerBytes => Reason::PROTOCOL_ERROR,
            _ => Reason::ENHANCE_YOUR_CALM,
        }
    }
}

/// Ways a peer breaks HTTP/1.1 (RFC 9112) or HTTP semantics (RFC 9110).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProtocolError {
    /// The method is not a token.
    #[error("invalid method")]
    InvalidMethod,
    /// The request target is malformed or of the wrong form for the method.
    #[error("invalid request target")]
    InvalidTarget,
    /// The request line is malformed (spacing, missing parts).
    #[error("malformed request line")]
    InvalidRequestLine,
    /// The version is malformed.
    #[error("invalid HTTP version")]
    InvalidVersion,
    /// The version is well-formed but not HTTP/1.x.
    #[error("unsupported HTTP version")]
    UnsupportedVersion,
    /// The status line is malformed.
    #[error("malformed status line")]
    InvalidStatus,
    /// A field name is not a token (this includes whitespace before the colon).
    #[error("invalid field name")]
    InvalidFieldName,
    /// A field value holds a forbidden byte (NUL, bare CR, control characters).
    #[error("invalid field value")]
    InvalidFieldValue,
    /// A field line is folded (obs-fold) and folding is not allowed.
    #[error("obsolete line folding")]
    ObsFold,
    /// A line ends in a bare LF and that is not allowed.
    #[error("bare LF line ending")]
    BareLf,
    /// An HTTP/1.1 request has no Host field.
    #[error("missing Host")]
    MissingHost,
    /// A request has more than one Host field.
    #[error("more than one Host")]
    DuplicateHost,
    /// The Host value is not a valid `uri-host [ ":" port ]`.
    #[error("invalid Host")]
    InvalidHost,
    /// Both Transfer-Encoding and Content-Length are present.
    #[error("Transfer-Encoding together with Content-Length")]
    TransferEncodingWithContentLength,
    /// More than one Content-Length value.
    #[error("more than one Content-Length")]
    DuplicateContentLength,
    /// A Content-Length that is not a decimal number that fits in 64 bits.
    #[error("invalid Content-Length")]
    InvalidContentLength,
    /// Transfer-Encoding whose final coding is not chunked, or chunked applied twice.
    #[error("Transfer-Encoding does not end in a single chunked")]
    ChunkedNotFinal,
    /// A transfer coding other than chunked.
    #[error("unsupported transfer coding")]
    UnsupportedTransferCoding,
    /// Transfer-Encoding in an HTTP/1.0 message.
    #[error("Transfer-Encoding in an HTTP/1.0 message")]
    TransferEncodingOnHttp10,
    /// A chunk-size line that is not hex digits with well-formed extensions.
    #[error("invalid chunk size line")]
    InvalidChunkSize,
    /// A chunk size that does not fit in 64 bits.
    #[error("chunk size overflows")]
    ChunkSizeOverflow,
    /// Chunk data not followed by CRLF.
    #[error("chunk data not followed by CRLF")]
    InvalidChunkEnd,
    /// A malformed trailer section.
    #[error("invalid trailer section")]
    InvalidTrailers,
    /// More body than Content-Length announced, or a response the client never asked for.
    #[error("unexpected bytes from the peer")]
    UnexpectedInput,
    /// An `Expect` value other than `100-continue`.
    #[error("unsupported expectation")]
    UnsupportedExpectation,
}

impl ProtocolError {
    /// The suggested HTTP status.
    pub fn status(self) -> Option<u16> {
        Some(match self {
            ProtocolError::UnsupportedVersion => 505,
            ProtocolError::UnsupportedTransferCoding => 501,
            ProtocolError::UnsupportedExpectation => 417,
            ProtocolError::UnexpectedInput | ProtocolError::InvalidStatus => return None,
            _ => 400,
        })
    }

    /// The RFC section that the peer broke.
    pub fn rfc(self) -> &'static str {
        use ProtocolError::*;
        match self {
            InvalidMethod | InvalidTarget | InvalidRequestLine => "RFC 9112 §3",
            InvalidVersion => "RFC 9112 §2.3",
            UnsupportedVersion => "RFC 9110 §6.2",
            InvalidStatus => "RFC 9112 §4",
            InvalidFieldName | InvalidFieldValue => "RFC 9112 §5",
            ObsFold => "RFC 9112 §5.2",
            BareLf => "RFC 9112 §2.2",
            MissingHost | DuplicateHost | InvalidHost => "RFC 9112 §3.2",
            TransferEncodingWithContentLength | TransferEncodingOnHttp10 | ChunkedNotFinal => {
                "RFC 9112 §6.1"
            }
            UnsupportedTransferCoding => "RFC 9112 §6.1",
            DuplicateContentLength | InvalidContentLength => "RFC 9112 §6.3",
            InvalidChunkSize | ChunkSizeOverflow | InvalidChunkEnd => "RFC 9112 §7.1",
            InvalidTrailers => "RFC 9112 §7.1.2",
            UnexpectedInput => "RFC 9112 §6.3",
            UnsupportedExpectation => "RFC 9110 §10.1.1",
        }
    }
}

/// Ways a peer breaks HTTP/2 (RFC 9113) or its header compression (RFC 7541).
///
/// Each maps to the error code the RFC names ([`Http2Error::reason`]); whether it ends
/// one stream or the connection is said by the event that carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Http2Error {
    /// The connection did not start with the client preface.
    #[error("invalid connection preface")]
    Preface,
    /// A frame longer than SETTINGS_MAX_FRAME_SIZE, or of the wrong size for its type.
    #[error("frame size error")]
    FrameSize,
    /// Padding as long as the payload, or no room for the Pad Length octet.
    #[error("invalid padding")]
    Padding,
    /// A frame of this type on stream 0, where it needs a stream.
    #[error("frame type {0:#x} on stream 0")]
    StreamZero(u8),
    /// A frame of this type on a stream, where it must be on stream 0.
    #[error("frame type {0:#x} on a stream")]
    StreamNonZero(u8),
    /// A setting with a value outside its range.
    #[error("invalid value for setting {0:#x}")]
    SettingValue(u16),
    /// SETTINGS_INITIAL_WINDOW_SIZE above 2^31−1.
    #[error("initial window size too large")]
    WindowTooLarge,
    /// A WINDOW_UPDATE of 0.
    #[error("window increment of 0")]
    ZeroWindowIncrement,
    /// A window grew above 2^31−1.
    #[error("flow-control window overflow")]
    WindowOverflow,
    /// The peer sent more DATA than the window allowed.
    #[error("data beyond the flow-control window")]
    FlowControl,
    /// A stream made to depend on itself.
    #[error("stream depends on itself")]
    SelfDependency,
    /// Another frame arrived where a CONTINUATION was due.
    #[error("CONTINUATION expected")]
    ExpectedContinuation,
    /// A CONTINUATION that does not follow an unfinished field block.
    #[error("unexpected CONTINUATION")]
    UnexpectedContinuation,
    /// A new stream id that is not larger than the previous ones, or of the wrong parity.
    #[error("invalid stream identifier")]
    StreamId,
    /// A frame of this type on a stream that was never opened.
    #[error("frame type {0:#x} on an idle stream")]
    IdleStream(u8),
    /// A frame on a stream that is closed (or half-closed on the peer's side).
    #[error("frame on a closed stream")]
    StreamClosed,
    /// The field block could not be decompressed.
    #[error("header compression error")]
    Compression,
    /// A pseudo-header that is missing, repeated, unknown, misplaced or empty.
    #[error("invalid pseudo-header")]
    PseudoHeader,
    /// A field name with uppercase letters or bytes not allowed in a name.
    #[error("invalid field name")]
    FieldName,
    /// A field value with NUL, CR, LF, or whitespace at either end.
    #[error("invalid field value")]
    FieldValue,
    /// A connection-specific field (Connection, Keep-Alive, Transfer-Encoding…), or TE
    /// other than `trailers`.
    #[error("connection-specific field")]
    ConnectionField,
    /// DATA that does not add up to the Content-Length.
    #[error("body length does not match Content-Length")]
    ContentLength,
    /// A trailer section without END_STREAM, or a second header block.
    #[error("unexpected field block")]
    UnexpectedHeaders,
    /// A push the peer may not make (from a client, disabled by SETTINGS_ENABLE_PUSH, or
    /// on a stream that cannot carry it).
    #[error("invalid server push")]
    Push,
    /// A PRIORITY_UPDATE the peer may not send: to a client, for a push stream not
    /// promised yet, or for more idle streams than SETTINGS_MAX_CONCURRENT_STREAMS
    /// leaves room for.
    #[error("PRIORITY_UPDATE not allowed here")]
    PriorityUpdate,
    /// Our SETTINGS were not acknowledged in time.
    #[error("SETTINGS not acknowledged in time")]
    SettingsTimeout,
    /// A HEADERS frame that starts a stream beyond our SETTINGS_MAX_CONCURRENT_STREAMS
    /// (a pushed response, on a client).
    #[error("a stream beyond SETTINGS_MAX_CONCURRENT_STREAMS")]
    ConcurrentStreams,
}

impl Http2Error {
    /// The error code RFC 9113 names for it.
    pub fn reason(self) -> Reason {
        use Http2Error::*;
        match self {
            FrameSize => Reason::FRAME_SIZE_ERROR,
            WindowTooLarge | WindowOverflow | FlowControl => Reason::FLOW_CONTROL_ERROR,
            StreamClosed => Reason::STREAM_CLOSED,
            Compression => Reason::COMPRESSION_ERROR,
            SettingsTimeout => Reason::SETTINGS_TIMEOUT,
            ConcurrentStreams => Reason::REFUSED_STREAM,
            _ => Reason::PROTOCOL_ERROR,
        }
    }

    /// The status for a malformed request (RFC 9113 §8.1.1 allows a 400 before the
    /// reset), if one applies.
    pub fn status(self) -> Option<u16> {
        use Http2Error::*;
        match self {
            PseudoHeader | FieldName | FieldValue | ConnectionField | ContentLength => Some(400),
            _ => None,
        }
    }

    /// The RFC section that the peer broke.
    pub fn rfc(self) -> &'static str {
        use Http2Error::*;
        match self {
            Preface => "RFC 9113 §3.4",
            FrameSize => "RFC 9113 §4.2",
            Padding => "RFC 9113 §6.1",
            StreamZero(_) | StreamNonZero(_) => "RFC 9113 §6",
            SettingValue(_) | WindowTooLarge => "RFC 9113 §6.5.2",
            ZeroWindowIncrement => "RFC 9113 §6.9",
            WindowOverflow | FlowControl => "RFC 9113 §6.9.1",
            SelfDependency => "RFC 9113 §5.3.1",
            ExpectedContinuation | UnexpectedContinuation => "RFC 9113 §6.10",
            StreamId => "RFC 9113 §5.1.1",
            IdleStream(_) | StreamClosed => "RFC 9113 §5.1",
            Compression => "RFC 9113 §4.3",
            PseudoHeader => "RFC 9113 §8.3",
            FieldName | FieldValue => "RFC 9113 §8.2.1",
            ConnectionField => "RFC 9113 §8.2.2",
            ContentLength => "RFC 9113 §8.1.1",
            UnexpectedHeaders => "RFC 9113 §8.1",
            Push => "RFC 9113 §8.4",
            PriorityUpdate => "RFC 9218 §7.1",
            ConcurrentStreams => "RFC 9113 §5.1.2",
            SettingsTimeout => "RFC 9113 §6.5.3",
        }
    }
}

/// An application error in one call: it is returned and changes nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Misuse {
    /// The connection is closed (or closing) and takes no more commands.
    #[error("the connection is closed")]
    Closed,
    /// No such stream, or it is finished.
    #[error("no open stream {0:?}")]
    UnknownStream(StreamId),
    /// The command belongs to the other role (a client responding, a server requesting).
    #[error("this command belongs to the other side")]
    WrongSide,
    /// The command does not fit the stream's state (data before the head, a second final
    /// response, anything after end of stream…).
    #[error("not allowed in the stream's state: {0}")]
    State(&'static str),
    /// A head with a field name or value that cannot go on the wire (CR, LF, NUL,
    /// non-token name) or a framing that contradicts itself.
    #[error("invalid head: {0}")]
    InvalidHead(&'static str),
    /// More or fewer body bytes than the Content-Length that was sent.
    #[error("body length does not match Content-Length")]
    ContentLength,
    /// The protocol version cannot do this (for example push on HTTP/1.1).
    #[error("not supported on this protocol: {0}")]
    Unsupported(&'static str),
    /// The stream's or the connection's send buffer is full
    /// (`Config::send_buffer_per_stream`, `send_buffer_per_connection`): nothing was
    /// queued. Send it again after [`Event::Writable`](crate::Event::Writable) for the
    /// stream.
    #[error("the send buffer is full: wait for Event::Writable")]
    BufferFull,
}

/// An HTTP/2 error code (RFC 9113 §7), also used to reset HTTP/1.1 streams.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Reason(pub u32);

impl Reason {
    /// Graceful shutdown, or no error.
    pub const NO_ERROR: Reason = Reason(0x0);
    /// Protocol error detected.
    pub const PROTOCOL_ERROR: Reason = Reason(0x1);
    /// Implementation fault.
    pub const INTERNAL_ERROR: Reason = Reason(0x2);
    /// Flow-control limits exceeded.
    pub const FLOW_CONTROL_ERROR: Reason = Reason(0x3);
    /// Settings not acknowledged.
    pub const SETTINGS_TIMEOUT: Reason = Reason(0x4);
    /// Frame received for a closed stream.
    pub const STREAM_CLOSED: Reason = Reason(0x5);
    /// Frame size incorrect.
    pub const FRAME_SIZE_ERROR: Reason = Reason(0x6);
    /// Stream not processed.
    pub const REFUSED_STREAM: Reason = Reason(0x7);
    /// Stream cancelled.
    pub const CANCEL: Reason = Reason(0x8);
    /// Compression state not updated.
    pub const COMPRESSION_ERROR: Reason = Reason(0x9);
    /// TCP connection error for CONNECT.
    pub const CONNECT_ERROR: Reason = Reason(0xa);
    /// Processing capacity exceeded.
    pub const ENHANCE_YOUR_CALM: Reason = Reason(0xb);
    /// Negotiated TLS parameters not acceptable.
    pub const INADEQUATE_SECURITY: Reason = Reason(0xc);
    /// Use HTTP/1.1 for the request.
    pub const HTTP_1_1_REQUIRED: Reason = Reason(0xd);
}

impl fmt::Debug for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self.0 {
            0x0 => "NO_ERROR",
            0x1 => "PROTOCOL_ERROR",
            0x2 => "INTERNAL_ERROR",
            0x3 => "FLOW_CONTROL_ERROR",
            0x4 => "SETTINGS_TIMEOUT",
            0x5 => "STREAM_CLOSED",
            0x6 => "FRAME_SIZE_ERROR",
            0x7 => "REFUSED_STREAM",
            0x8 => "CANCEL",
            0x9 => "COMPRESSION_ERROR",
            0xa => "CONNECT_ERROR",
            0xb => "ENHANCE_YOUR_CALM",
            0xc => "INADEQUATE_SECURITY",
            0xd => "HTTP_1_1_REQUIRED",
            other => return write!(f, "Reason({other:#x})"),
        };
        f.write_str(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_says_what_where_and_answer() {
        let mut e = Error::new(ProtocolError::DuplicateHost.into())
            .on(StreamId(1))
            .at(42);
        e.field = Some(Bytes::from_static(b"Host"));
        assert_eq!(
            e.to_string(),
            "protocol error: more than one Host; stream 1; field `Host`; at byte 42 \
             (RFC 9112 §3.2); answer 400"
        );
    }

    #[test]
    fn statuses() {
        assert_eq!(Limit::RequestLine.status(), 414);
        assert_eq!(Limit::Body.status(), 413);
        assert_eq!(ProtocolError::UnsupportedVersion.status(), Some(505));
        assert_eq!(ProtocolError::UnsupportedTransferCoding.status(), Some(501));
        assert_eq!(ErrorKind::Timeout(Timeout::HeaderRead).status(), Some(408));
        assert_eq!(
            format!("{:?}", Reason::ENHANCE_YOUR_CALM),
            "ENHANCE_YOUR_CALM"
        );
    }
}
