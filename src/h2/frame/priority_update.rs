//! PRIORITY_UPDATE (RFC 9218 §7.1).

use super::{kind, u32_at, FrameError, FrameHead};
use crate::error::Http2Error;
use bytes::Bytes;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PriorityUpdate {
    /// The stream whose priority changes.
    pub prioritized: u32,
    /// The Priority Field Value (RFC 9218 §4), e.g. `u=1, i`.
    pub value: Bytes,
}

impl PriorityUpdate {
    pub(crate) fn parse(head: FrameHead, payload: Bytes) -> Result<PriorityUpdate, FrameError> {
        // RFC 9218 §7.1: "The PRIORITY_UPDATE frame MUST be sent on stream 0; if a
        // client receives one on any other stream, it MUST respond with a connection
        // error of type PROTOCOL_ERROR." Likewise for a server.
        head.require_connection()?;
        if payload.len() < 4 {
            return Err(FrameError::connection(Http2Error::FrameSize));
        }
        let prioritized = u32_at(&payload, 0) & 0x7fff_ffff;
        // "If a PRIORITY_UPDATE frame is received with a Prioritized Stream ID of 0x00,
        // the recipient MUST respond with a connection error of type PROTOCOL_ERROR."
        if prioritized == 0 {
            return Err(FrameError::connection(Http2Error::StreamZero(
                kind::PRIORITY_UPDATE,
            )));
        }
        Ok(PriorityUpdate {
            prioritized,
            value: payload.slice(4..),
        })
    }

    pub(crate) fn encode(&self, dst: &mut Vec<u8>) {
        FrameHead {
            length: (4 + self.value.len()) as u32,
            kind: kind::PRIORITY_UPDATE,
            flags: 0,
            stream: 0,
        }
        .encode(dst);
        dst.extend_from_slice(&self.prioritized.to_be_bytes());
        dst.extend_from_slice(&self.value);
    }
}

#[cfg(test)]
mod tests {
    use super::super::{parse_wire, roundtrip, Frame};
    use super::*;
    use crate::Reason;

    #[test]
    fn rules() {
        let p = PriorityUpdate {
            prioritized: 5,
            value: Bytes::from_static(b"u=1, i"),
        };
        assert_eq!(
            roundtrip(Frame::PriorityUpdate(p.clone())),
            Frame::PriorityUpdate(p)
        );
        let e = parse_wire(&[0, 0, 4, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0]).unwrap_err();
        assert_eq!(e.code(), Reason::PROTOCOL_ERROR);
        let e = parse_wire(&[0, 0, 4, 0x10, 0, 0, 0, 0, 1, 0, 0, 0, 1]).unwrap_err();
        assert_eq!(e.code(), Reason::PROTOCOL_ERROR);
    }
}
