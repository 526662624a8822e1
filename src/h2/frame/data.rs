//! DATA (RFC 9113 §6.1).

use super::{flag, kind, unpad, FrameError, FrameHead};
use bytes::Bytes;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Data {
    pub stream: u32,
    pub data: Bytes,
    pub end_stream: bool,
    /// The whole payload length, padding included: what flow control counts (§6.9.1).
    pub flow_len: u32,
}

impl Data {
    pub(crate) fn parse(head: FrameHead, payload: Bytes) -> Result<Data, FrameError> {
        // §6.1: "If a DATA frame is received whose Stream Identifier field is 0x00, the
        // recipient MUST respond with a connection error of type PROTOCOL_ERROR."
        head.require_stream()?;
        Ok(Data {
            stream: head.stream,
            flow_len: head.length,
            end_stream: head.has(flag::END_STREAM),
            data: unpad(&head, payload)?,
        })
    }

    /// Writes the frame header of a DATA frame of `len` bytes (the caller appends them).
    pub(crate) fn encode_head(stream: u32, len: usize, end_stream: bool, dst: &mut Vec<u8>) {
        FrameHead {
            length: len as u32,
            kind: kind::DATA,
            flags: if end_stream { flag::END_STREAM } else { 0 },
            stream,
        }
        .encode(dst);
    }

    pub(crate) fn encode(&self, dst: &mut Vec<u8>) {
        Data::encode_head(self.stream, self.data.len(), self.end_stream, dst);
        dst.extend_from_slice(&self.data);
    }
}

#[cfg(test)]
mod tests {
    use super::super::{parse_wire, roundtrip, Frame};
    use super::*;
    use crate::Reason;

    #[test]
    fn roundtrips_and_needs_a_stream() {
        let d = Data {
            stream: 7,
            data: Bytes::from_static(b"body"),
            end_stream: true,
            flow_len: 4,
        };
        assert_eq!(roundtrip(Frame::Data(d.clone())), Frame::Data(d));
        let e = parse_wire(&[0, 0, 1, 0, 0, 0, 0, 0, 0, b'x']).unwrap_err();
        assert_eq!((e.code(), e.stream), (Reason::PROTOCOL_ERROR, None));
    }

    #[test]
    fn body_bytes_are_not_copied() {
        let wire = Bytes::from_static(&[0, 0, 3, 0, 1, 0, 0, 0, 1, b'a', b'b', b'c']);
        let head = FrameHead::parse(wire[..9].try_into().unwrap());
        let d = Data::parse(head, wire.slice(9..)).unwrap();
        assert_eq!(d.data.as_ptr(), wire[9..].as_ptr());
        assert!(d.end_stream);
    }
}
