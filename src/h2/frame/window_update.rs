//! WINDOW_UPDATE (RFC 9113 §6.9).

use super::{kind, u32_at, FrameError, FrameHead};
use crate::error::Http2Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WindowUpdate {
    /// 0 for the connection's window.
    pub stream: u32,
    pub increment: u32,
}

impl WindowUpdate {
    pub(crate) fn parse(head: FrameHead, payload: &[u8]) -> Result<WindowUpdate, FrameError> {
        // §6.9: "A WINDOW_UPDATE frame with a length other than 4 octets MUST be treated
        // as a connection error of type FRAME_SIZE_ERROR."
        if payload.len() != 4 {
            return Err(FrameError::connection(Http2Error::FrameSize));
        }
        let increment = u32_at(payload, 0) & 0x7fff_ffff;
        // §6.9: "A receiver MUST treat the receipt of a WINDOW_UPDATE frame with a
        // flow-control window increment of 0 as a stream error of type PROTOCOL_ERROR;
        // errors on the connection flow-control window MUST be treated as a connection
        // error."
        if increment == 0 {
            return Err(match head.stream {
                0 => FrameError::connection(Http2Error::ZeroWindowIncrement),
                s => FrameError::stream(s, Http2Error::ZeroWindowIncrement),
            });
        }
        Ok(WindowUpdate {
            stream: head.stream,
            increment,
        })
    }

    pub(crate) fn encode(&self, dst: &mut Vec<u8>) {
        FrameHead {
            length: 4,
            kind: kind::WINDOW_UPDATE,
            flags: 0,
            stream: self.stream,
        }
        .encode(dst);
        dst.extend_from_slice(&self.increment.to_be_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::super::{parse_wire, roundtrip, Frame};
    use super::*;
    use crate::Reason;

    #[test]
    fn rules() {
        let w = WindowUpdate {
            stream: 0,
            increment: 65535,
        };
        assert_eq!(roundtrip(Frame::WindowUpdate(w)), Frame::WindowUpdate(w));
        let e = parse_wire(&[0, 0, 4, 8, 0, 0, 0, 0, 3, 0, 0, 0, 0]).unwrap_err();
        assert_eq!((e.code(), e.stream), (Reason::PROTOCOL_ERROR, Some(3)));
        let e = parse_wire(&[0, 0, 4, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0]).unwrap_err();
        assert_eq!((e.code(), e.stream), (Reason::PROTOCOL_ERROR, None));
        let e = parse_wire(&[0, 0, 3, 8, 0, 0, 0, 0, 0, 0, 0, 1]).unwrap_err();
        assert_eq!(e.code(), Reason::FRAME_SIZE_ERROR);
    }
}
