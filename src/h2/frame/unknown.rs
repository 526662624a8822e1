//! Frames of unknown type (RFC 9113 §5.5): ignored by the protocol, shown to the
//! application.

use super::FrameHead;
use bytes::Bytes;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unknown {
    pub kind: u8,
    pub flags: u8,
    pub stream: u32,
    pub payload: Bytes,
}

impl Unknown {
    pub(crate) fn parse(head: FrameHead, payload: Bytes) -> Unknown {
        Unknown {
            kind: head.kind,
            flags: head.flags,
            stream: head.stream,
            payload,
        }
    }

    pub(crate) fn encode(&self, dst: &mut Vec<u8>) {
        FrameHead {
            length: self.payload.len() as u32,
            kind: self.kind,
            flags: self.flags,
            stream: self.stream,
        }
        .encode(dst);
        dst.extend_from_slice(&self.payload);
    }
}
