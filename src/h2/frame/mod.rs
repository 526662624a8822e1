//! HTTP/2 frames (RFC 9113 §4, §6; RFC 9218 §7.1): one file per frame type.
//!
//! Parsing checks every size, flag and stream-id rule that a frame can be judged on
//! alone; rules that need the connection's state (stream states, windows, settings in
//! force) live in the connection. A frame's payload is a [`Bytes`] slice of the input,
//! so DATA bytes reach the application without a copy.

mod continuation;
mod data;
mod goaway;
mod headers;
mod ping;
mod priority;
mod priority_update;
mod push_promise;
mod rst_stream;
mod settings;
mod unknown;
mod window_update;

pub(crate) use continuation::Continuation;
pub(crate) use data::Data;
pub(crate) use goaway::GoAway;
pub(crate) use headers::Headers;
pub(crate) use ping::Ping;
pub(crate) use priority::{Priority, PrioritySpec};
pub(crate) use priority_update::PriorityUpdate;
pub(crate) use push_promise::PushPromise;
pub(crate) use rst_stream::RstStream;
pub(crate) use settings::{Setting, Settings};
pub(crate) use unknown::Unknown;
pub(crate) use window_update::WindowUpdate;

use crate::error::Http2Error;

use bytes::Bytes;

/// The frame header's length (RFC 9113 §4.1).
pub(crate) const HEADER_LEN: usize = 9;

/// The frame type codes (RFC 9113 §6, RFC 9218 §7.1).
pub(crate) mod kind {
    pub const DATA: u8 = 0x0;
    pub const HEADERS: u8 = 0x1;
    pub const PRIORITY: u8 = 0x2;
    pub const RST_STREAM: u8 = 0x3;
    pub const SETTINGS: u8 = 0x4;
    pub const PUSH_PROMISE: u8 = 0x5;
    pub const PING: u8 = 0x6;
    pub const GOAWAY: u8 = 0x7;
    pub const WINDOW_UPDATE: u8 = 0x8;
    pub const CONTINUATION: u8 = 0x9;
    pub const PRIORITY_UPDATE: u8 = 0x10;
}

/// The flags (RFC 9113 §6).
pub(crate) mod flag {
    pub const END_STREAM: u8 = 0x1;
    pub const ACK: u8 = 0x1;
    pub const END_HEADERS: u8 = 0x4;
    pub const PADDED: u8 = 0x8;
    pub const PRIORITY: u8 = 0x20;
}

/// A frame header (RFC 9113 §4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FrameHead {
    /// Payload length (24 bits).
    pub length: u32,
    pub kind: u8,
    pub flags: u8,
    /// Stream identifier, reserved bit cleared (§4.1: it MUST be ignored on receipt).
    pub stream: u32,
}

impl FrameHead {
    pub(crate) fn parse(b: &[u8; HEADER_LEN]) -> FrameHead {
        FrameHead {
            length: u32::from_be_bytes([0, b[0], b[1], b[2]]),
            kind: b[3],
            flags: b[4],
            stream: u32::from_be_bytes([b[5], b[6], b[7], b[8]]) & 0x7fff_ffff,
        }
    }

    pub(crate) fn encode(&self, dst: &mut Vec<u8>) {
        dst.extend_from_slice(&self.to_bytes());
    }

    /// The head's nine octets (RFC 9113 §4.1).
    pub(crate) fn to_bytes(self) -> [u8; HEADER_LEN] {
        debug_assert!(self.length < 1 << 24);
        let [_, l0, l1, l2] = self.length.to_be_bytes();
        let [s0, s1, s2, s3] = (self.stream & 0x7fff_ffff).to_be_bytes();
        [l0, l1, l2, self.kind, self.flags, s0, s1, s2, s3]
    }

    fn has(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }

    /// RFC 9113 §6: frames of this type MUST NOT be on stream 0.
    fn require_stream(&self) -> Result<(), FrameError> {
        if self.stream == 0 {
            return Err(FrameError::connection(Http2Error::StreamZero(self.kind)));
        }
        Ok(())
    }

    /// RFC 9113 §6: frames of this type MUST be on stream 0.
    fn require_connection(&self) -> Result<(), FrameError> {
        if self.stream != 0 {
            return Err(FrameError::connection(Http2Error::StreamNonZero(self.kind)));
        }
        Ok(())
    }
}

/// One received frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Frame {
    Data(Data),
    Headers(Headers),
    Priority(Priority),
    RstStream(RstStream),
    Settings(Settings),
    PushPromise(PushPromise),
    Ping(Ping),
    GoAway(GoAway),
    WindowUpdate(WindowUpdate),
    Continuation(Continuation),
    PriorityUpdate(PriorityUpdate),
    Unknown(Unknown),
}

/// A frame that breaks RFC 9113: the error code, and whether it takes the stream or
/// the whole connection down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FrameError {
    pub error: Http2Error,
    /// `Some` for a stream error (RFC 9113 §5.4.2), `None` for a connection error.
    pub stream: Option<u32>,
}

impl FrameError {
    pub(crate) fn connection(error: Http2Error) -> FrameError {
        FrameError {
            error,
            stream: None,
        }
    }

    pub(crate) fn stream(stream: u32, error: Http2Error) -> FrameError {
        FrameError {
            error,
            stream: Some(stream),
        }
    }

    #[cfg(test)]
    pub(crate) fn code(&self) -> crate::Reason {
        self.error.reason()
    }
}

impl Frame {
    /// Parses one frame; `payload` is exactly `head.length` bytes. The caller has
    /// checked the length against SETTINGS_MAX_FRAME_SIZE before buffering the payload.
    pub(crate) fn parse(head: FrameHead, payload: Bytes) -> Result<Frame, FrameError> {
        debug_assert_eq!(payload.len(), head.length as usize);
        Ok(match head.kind {
            kind::DATA => Frame::Data(Data::parse(head, payload)?),
            kind::HEADERS => Frame::Headers(Headers::parse(head, payload)?),
            kind::PRIORITY => Frame::Priority(Priority::parse(head, &payload)?),
            kind::RST_STREAM => Frame::RstStream(RstStream::parse(head, &payload)?),
            kind::SETTINGS => Frame::Settings(Settings::parse(head, &payload)?),
            kind::PUSH_PROMISE => Frame::PushPromise(PushPromise::parse(head, payload)?),
            kind::PING => Frame::Ping(Ping::parse(head, &payload)?),
            kind::GOAWAY => Frame::GoAway(GoAway::parse(head, payload)?),
            kind::WINDOW_UPDATE => Frame::WindowUpdate(WindowUpdate::parse(head, &payload)?),
            kind::CONTINUATION => Frame::Continuation(Continuation::parse(head, payload)?),
            kind::PRIORITY_UPDATE => Frame::PriorityUpdate(PriorityUpdate::parse(head, payload)?),
            _ => Frame::Unknown(Unknown::parse(head, payload)),
        })
    }

    /// Writes the frame (padding is never sent).
    pub(crate) fn encode(&self, dst: &mut Vec<u8>) {
        match self {
            Frame::Data(f) => f.encode(dst),
            Frame::Headers(f) => f.encode(dst),
            Frame::Priority(f) => f.encode(dst),
            Frame::RstStream(f) => f.encode(dst),
            Frame::Settings(f) => f.encode(dst),
            Frame::PushPromise(f) => f.encode(dst),
            Frame::Ping(f) => f.encode(dst),
            Frame::GoAway(f) => f.encode(dst),
            Frame::WindowUpdate(f) => f.encode(dst),
            Frame::Continuation(f) => f.encode(dst),
            Frame::PriorityUpdate(f) => f.encode(dst),
            Frame::Unknown(f) => f.encode(dst),
        }
    }
}

/// Strips padding (RFC 9113 §6.1, §6.2, §6.6): returns the payload without the Pad
/// Length octet and the padding.
fn unpad(head: &FrameHead, mut payload: Bytes) -> Result<Bytes, FrameError> {
    if !head.has(flag::PADDED) {
        return Ok(payload);
    }
    let Some(&pad) = payload.first() else {
        // §6.1: a PADDED frame too short for its Pad Length field is a FRAME_SIZE_ERROR
        // in effect; h2spec and nghttp2 treat it as PROTOCOL_ERROR, as §6.1 does for
        // padding at least as long as the payload.
        return Err(FrameError::connection(Http2Error::Padding));
    };
    let pad = usize::from(pad);
    // §6.1: "If the length of the padding is the length of the frame payload or
    // greater, the recipient MUST treat this as a connection error of type
    // PROTOCOL_ERROR."
    if pad >= payload.len() {
        return Err(FrameError::connection(Http2Error::Padding));
    }
    let end = payload.len() - pad;
    payload.truncate(end);
    Ok(payload.slice(1..))
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

#[cfg(test)]
pub(crate) fn roundtrip(frame: Frame) -> Frame {
    let mut wire = Vec::new();
    frame.encode(&mut wire);
    let head = FrameHead::parse(wire[..HEADER_LEN].try_into().unwrap());
    assert_eq!(head.length as usize, wire.len() - HEADER_LEN);
    Frame::parse(head, Bytes::copy_from_slice(&wire[HEADER_LEN..])).unwrap()
}

#[cfg(test)]
pub(crate) fn parse_wire(wire: &[u8]) -> Result<Frame, FrameError> {
    let head = FrameHead::parse(wire[..HEADER_LEN].try_into().unwrap());
    Frame::parse(head, Bytes::copy_from_slice(&wire[HEADER_LEN..]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Reason;

    #[test]
    fn header_ignores_the_reserved_bit() {
        let h = FrameHead::parse(&[0, 0, 4, 8, 0, 0x80, 0, 0, 3]);
        assert_eq!(
            h,
            FrameHead {
                length: 4,
                kind: kind::WINDOW_UPDATE,
                flags: 0,
                stream: 3
            }
        );
        let mut out = Vec::new();
        h.encode(&mut out);
        assert_eq!(out, [0, 0, 4, 8, 0, 0, 0, 0, 3]);
    }

    #[test]
    fn padding_rules() {
        // DATA, PADDED, stream 1: pad length 2, "hi", 2 bytes of padding.
        let f = parse_wire(&[0, 0, 5, 0, 0x8, 0, 0, 0, 1, 2, b'h', b'i', 0, 0]).unwrap();
        match f {
            Frame::Data(d) => {
                assert_eq!(d.data, "hi");
                assert_eq!(d.flow_len, 5);
            }
            other => panic!("{other:?}"),
        }
        // Padding may fill all but the Pad Length octet...
        let f = parse_wire(&[0, 0, 3, 0, 0x8, 0, 0, 0, 1, 2, 0, 0]).unwrap();
        assert!(matches!(f, Frame::Data(d) if d.data.is_empty() && d.flow_len == 3));
        // ...but not be as long as the whole payload.
        let e = parse_wire(&[0, 0, 3, 0, 0x8, 0, 0, 0, 1, 3, 0, 0]).unwrap_err();
        assert_eq!((e.code(), e.stream), (Reason::PROTOCOL_ERROR, None));
        // No room for the Pad Length octet.
        let e = parse_wire(&[0, 0, 0, 0, 0x8, 0, 0, 0, 1]).unwrap_err();
        assert_eq!(e.code(), Reason::PROTOCOL_ERROR);
    }
}
