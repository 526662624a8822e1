//! HEADERS (RFC 9113 §6.2).

use super::{flag, kind, unpad, FrameError, FrameHead, PrioritySpec};
use crate::error::Http2Error;
use bytes::Bytes;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Headers {
    pub stream: u32,
    /// This frame's piece of the field block.
    pub fragment: Bytes,
    pub end_stream: bool,
    pub end_headers: bool,
    pub priority: Option<PrioritySpec>,
}

impl Headers {
    pub(crate) fn parse(head: FrameHead, payload: Bytes) -> Result<Headers, FrameError> {
        // §6.2: "If a HEADERS frame is received whose Stream Identifier field is 0x00,
        // the recipient MUST respond with a connection error of type PROTOCOL_ERROR."
        head.require_stream()?;
        let mut rest = unpad(&head, payload)?;
        let priority = if head.has(flag::PRIORITY) {
            if rest.len() < PrioritySpec::LEN {
                // §4.2: a size error in a frame carrying a field block is a connection
                // error.
                return Err(FrameError::connection(Http2Error::FrameSize));
            }
            let spec = PrioritySpec::parse(head.stream, &rest[..PrioritySpec::LEN])?;
            rest = rest.slice(PrioritySpec::LEN..);
            Some(spec)
        } else {
            None
        };
        Ok(Headers {
            stream: head.stream,
            fragment: rest,
            end_stream: head.has(flag::END_STREAM),
            end_headers: head.has(flag::END_HEADERS),
            priority,
        })
    }

    pub(crate) fn encode(&self, dst: &mut Vec<u8>) {
        let mut flags = 0;
        if self.end_stream {
            flags |= flag::END_STREAM;
        }
        if self.end_headers {
            flags |= flag::END_HEADERS;
        }
        let mut length = self.fragment.len();
        if self.priority.is_some() {
            flags |= flag::PRIORITY;
            length += PrioritySpec::LEN;
        }
        FrameHead {
            length: length as u32,
            kind: kind::HEADERS,
            flags,
            stream: self.stream,
        }
        .encode(dst);
        if let Some(p) = &self.priority {
            p.encode(dst);
        }
        dst.extend_from_slice(&self.fragment);
    }
}

#[cfg(test)]
mod tests {
    use super::super::{parse_wire, roundtrip, Frame};
    use super::*;
    use crate::Reason;

    #[test]
    fn roundtrips_with_priority() {
        let h = Headers {
            stream: 1,
            fragment: Bytes::from_static(b"\x82\x86"),
            end_stream: true,
            end_headers: false,
            priority: Some(PrioritySpec {
                dependency: 0,
                exclusive: false,
                weight: 15,
            }),
        };
        assert_eq!(roundtrip(Frame::Headers(h.clone())), Frame::Headers(h));
    }

    #[test]
    fn padded_with_priority_and_errors() {
        // PADDED|PRIORITY|END_HEADERS, pad 1, priority on 0 weight 3, block 0x82, pad.
        let f = parse_wire(&[0, 0, 8, 1, 0x2c, 0, 0, 0, 5, 1, 0, 0, 0, 0, 3, 0x82, 0]).unwrap();
        let Frame::Headers(h) = f else { panic!() };
        assert_eq!(&h.fragment[..], [0x82]);
        assert!(h.end_headers && !h.end_stream);
        assert_eq!(h.priority.unwrap().weight, 3);
        // Depends on itself.
        let e = parse_wire(&[0, 0, 5, 1, 0x24, 0, 0, 0, 5, 0, 0, 0, 5, 3]).unwrap_err();
        assert_eq!((e.code(), e.stream), (Reason::PROTOCOL_ERROR, Some(5)));
        // Too short for the priority fields.
        let e = parse_wire(&[0, 0, 2, 1, 0x24, 0, 0, 0, 5, 0, 0]).unwrap_err();
        assert_eq!((e.code(), e.stream), (Reason::FRAME_SIZE_ERROR, None));
        // Stream 0.
        let e = parse_wire(&[0, 0, 1, 1, 0x4, 0, 0, 0, 0, 0x82]).unwrap_err();
        assert_eq!((e.code(), e.stream), (Reason::PROTOCOL_ERROR, None));
    }
}
