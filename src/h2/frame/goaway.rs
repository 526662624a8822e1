//! GOAWAY (RFC 9113 §6.8).

use super::{kind, u32_at, FrameError, FrameHead};
use crate::error::Http2Error;
use crate::Reason;
use bytes::Bytes;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GoAway {
    pub last_stream: u32,
    pub code: Reason,
    pub debug: Bytes,
}

impl GoAway {
    pub(crate) fn parse(head: FrameHead, payload: Bytes) -> Result<GoAway, FrameError> {
        // §6.8: "An endpoint MUST treat a GOAWAY frame with a stream identifier other
        // than 0x00 as a connection error of type PROTOCOL_ERROR."
        head.require_connection()?;
        if payload.len() < 8 {
            return Err(FrameError::connection(Http2Error::FrameSize));
        }
        Ok(GoAway {
            last_stream: u32_at(&payload, 0) & 0x7fff_ffff,
            code: Reason(u32_at(&payload, 4)),
            debug: payload.slice(8..),
        })
    }

    pub(crate) fn encode(&self, dst: &mut Vec<u8>) {
        FrameHead {
            length: (8 + self.debug.len()) as u32,
            kind: kind::GOAWAY,
            flags: 0,
            stream: 0,
        }
        .encode(dst);
        dst.extend_from_slice(&self.last_stream.to_be_bytes());
        dst.extend_from_slice(&self.code.0.to_be_bytes());
        dst.extend_from_slice(&self.debug);
    }
}

#[cfg(test)]
mod tests {
    use super::super::{parse_wire, roundtrip, Frame};
    use super::*;

    #[test]
    fn rules() {
        let g = GoAway {
            last_stream: 5,
            code: Reason::ENHANCE_YOUR_CALM,
            debug: Bytes::from_static(b"calm down"),
        };
        assert_eq!(roundtrip(Frame::GoAway(g.clone())), Frame::GoAway(g));
        let e = parse_wire(&[0, 0, 4, 7, 0, 0, 0, 0, 0, 0, 0, 0, 1]).unwrap_err();
        assert_eq!(e.code(), Reason::FRAME_SIZE_ERROR);
    }
}
