//! PUSH_PROMISE (RFC 9113 §6.6).

use super::{flag, kind, u32_at, unpad, FrameError, FrameHead};
use crate::error::Http2Error;
use bytes::Bytes;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PushPromise {
    pub stream: u32,
    pub promised: u32,
    pub fragment: Bytes,
    pub end_headers: bool,
}

impl PushPromise {
    pub(crate) fn parse(head: FrameHead, payload: Bytes) -> Result<PushPromise, FrameError> {
        // §6.6: stream 0 is a connection error of type PROTOCOL_ERROR.
        head.require_stream()?;
        let rest = unpad(&head, payload)?;
        if rest.len() < 4 {
            return Err(FrameError::connection(Http2Error::FrameSize));
        }
        Ok(PushPromise {
            stream: head.stream,
            promised: u32_at(&rest, 0) & 0x7fff_ffff,
            fragment: rest.slice(4..),
            end_headers: head.has(flag::END_HEADERS),
        })
    }

    pub(crate) fn encode(&self, dst: &mut Vec<u8>) {
        FrameHead {
            length: (4 + self.fragment.len()) as u32,
            kind: kind::PUSH_PROMISE,
            flags: if self.end_headers {
                flag::END_HEADERS
            } else {
                0
            },
            stream: self.stream,
        }
        .encode(dst);
        dst.extend_from_slice(&self.promised.to_be_bytes());
        dst.extend_from_slice(&self.fragment);
    }
}

#[cfg(test)]
mod tests {
    use super::super::{parse_wire, roundtrip, Frame};
    use super::*;
    use crate::Reason;

    #[test]
    fn rules() {
        let p = PushPromise {
            stream: 1,
            promised: 2,
            fragment: Bytes::from_static(b"\x82"),
            end_headers: true,
        };
        assert_eq!(
            roundtrip(Frame::PushPromise(p.clone())),
            Frame::PushPromise(p)
        );
        let e = parse_wire(&[0, 0, 3, 5, 4, 0, 0, 0, 1, 0, 0, 2]).unwrap_err();
        assert_eq!((e.code(), e.stream), (Reason::FRAME_SIZE_ERROR, None));
    }
}
