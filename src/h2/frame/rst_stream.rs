//! RST_STREAM (RFC 9113 §6.4).

use super::{kind, u32_at, FrameError, FrameHead};
use crate::error::Http2Error;
use crate::Reason;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RstStream {
    pub stream: u32,
    pub code: Reason,
}

impl RstStream {
    pub(crate) fn parse(head: FrameHead, payload: &[u8]) -> Result<RstStream, FrameError> {
        // §6.4: stream 0 is a connection error of type PROTOCOL_ERROR.
        head.require_stream()?;
        // §6.4: "A RST_STREAM frame with a length other than 4 octets MUST be treated
        // as a connection error of type FRAME_SIZE_ERROR."
        if payload.len() != 4 {
            return Err(FrameError::connection(Http2Error::FrameSize));
        }
        Ok(RstStream {
            stream: head.stream,
            code: Reason(u32_at(payload, 0)),
        })
    }

    pub(crate) fn encode(&self, dst: &mut Vec<u8>) {
        FrameHead {
            length: 4,
            kind: kind::RST_STREAM,
            flags: 0,
            stream: self.stream,
        }
        .encode(dst);
        dst.extend_from_slice(&self.code.0.to_be_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::super::{parse_wire, roundtrip, Frame};
    use super::*;

    #[test]
    fn rules() {
        let r = RstStream {
            stream: 9,
            code: Reason::CANCEL,
        };
        assert_eq!(roundtrip(Frame::RstStream(r)), Frame::RstStream(r));
        let e = parse_wire(&[0, 0, 3, 3, 0, 0, 0, 0, 1, 0, 0, 8]).unwrap_err();
        assert_eq!((e.code(), e.stream), (Reason::FRAME_SIZE_ERROR, None));
        let e = parse_wire(&[0, 0, 4, 3, 0, 0, 0, 0, 0, 0, 0, 0, 8]).unwrap_err();
        assert_eq!(e.code(), Reason::PROTOCOL_ERROR);
    }
}
