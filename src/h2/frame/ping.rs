//! PING (RFC 9113 §6.7).

use super::{flag, kind, FrameError, FrameHead};
use crate::error::Http2Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ping {
    pub ack: bool,
    pub payload: [u8; 8],
}

impl Ping {
    pub(crate) fn parse(head: FrameHead, payload: &[u8]) -> Result<Ping, FrameError> {
        // §6.7: "If a PING frame is received with a Stream Identifier field value other
        // than 0x00, the recipient MUST respond with a connection error of type
        // PROTOCOL_ERROR."
        head.require_connection()?;
        // §6.7: "Receipt of a PING frame with a length field value other than 8 MUST be
        // treated as a connection error of type FRAME_SIZE_ERROR."
        let payload = <[u8; 8]>::try_from(payload)
            .map_err(|_| FrameError::connection(Http2Error::FrameSize))?;
        Ok(Ping {
            ack: head.has(flag::ACK),
            payload,
        })
    }

    pub(crate) fn encode(&self, dst: &mut Vec<u8>) {
        FrameHead {
            length: 8,
            kind: kind::PING,
            flags: if self.ack { flag::ACK } else { 0 },
            stream: 0,
        }
        .encode(dst);
        dst.extend_from_slice(&self.payload);
    }
}

#[cfg(test)]
mod tests {
    use super::super::{parse_wire, roundtrip, Frame};
    use super::*;
    use crate::Reason;

    #[test]
    fn rules() {
        let p = Ping {
            ack: true,
            payload: *b"12345678",
        };
        assert_eq!(roundtrip(Frame::Ping(p)), Frame::Ping(p));
        let e = parse_wire(&[0, 0, 7, 6, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7]).unwrap_err();
        assert_eq!(e.code(), Reason::FRAME_SIZE_ERROR);
        let e = parse_wire(&[0, 0, 8, 6, 0, 0, 0, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8]).unwrap_err();
        assert_eq!(e.code(), Reason::PROTOCOL_ERROR);
    }
}
