//! CONTINUATION (RFC 9113 §6.10).

use super::{flag, kind, FrameError, FrameHead};
use bytes::Bytes;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Continuation {
    pub stream: u32,
    pub fragment: Bytes,
    pub end_headers: bool,
}

impl Continuation {
    pub(crate) fn parse(head: FrameHead, payload: Bytes) -> Result<Continuation, FrameError> {
        // §6.10: stream 0 is a connection error of type PROTOCOL_ERROR. Whether one was
        // expected is the connection's check.
        head.require_stream()?;
        Ok(Continuation {
            stream: head.stream,
            fragment: payload,
            end_headers: head.has(flag::END_HEADERS),
        })
    }

    pub(crate) fn encode(&self, dst: &mut Vec<u8>) {
        FrameHead {
            length: self.fragment.len() as u32,
            kind: kind::CONTINUATION,
            flags: if self.end_headers {
                flag::END_HEADERS
            } else {
                0
            },
            stream: self.stream,
        }
        .encode(dst);
        dst.extend_from_slice(&self.fragment);
    }
}

#[cfg(test)]
mod tests {
    use super::super::{roundtrip, Frame};
    use super::*;

    #[test]
    fn roundtrips() {
        let c = Continuation {
            stream: 3,
            fragment: Bytes::from_static(b"\x84"),
            end_headers: true,
        };
        assert_eq!(
            roundtrip(Frame::Continuation(c.clone())),
            Frame::Continuation(c)
        );
    }
}
