//! PRIORITY (RFC 9113 §6.3): deprecated, parsed for its rules and otherwise ignored.

use super::{kind, u32_at, FrameError, FrameHead};
use crate::error::Http2Error;

/// The RFC 7540 priority fields carried by PRIORITY and (optionally) HEADERS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PrioritySpec {
    pub dependency: u32,
    pub exclusive: bool,
    pub weight: u8,
}

impl PrioritySpec {
    pub(crate) const LEN: usize = 5;

    /// Parses the five octets; `stream` is the stream they belong to.
    pub(crate) fn parse(stream: u32, b: &[u8]) -> Result<PrioritySpec, FrameError> {
        let word = u32_at(b, 0);
        let spec = PrioritySpec {
            dependency: word & 0x7fff_ffff,
            exclusive: word & 0x8000_0000 != 0,
            weight: b[4],
        };
        // RFC 9113 §5.3.1: "A stream cannot depend on itself. An endpoint MUST treat
        // this as a stream error of type PROTOCOL_ERROR."
        if spec.dependency == stream {
            return Err(FrameError::stream(stream, Http2Error::SelfDependency));
        }
        Ok(spec)
    }

    pub(crate) fn encode(&self, dst: &mut Vec<u8>) {
        let word = self.dependency | if self.exclusive { 0x8000_0000 } else { 0 };
        dst.extend_from_slice(&word.to_be_bytes());
        dst.push(self.weight);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Priority {
    pub stream: u32,
    pub spec: PrioritySpec,
}

impl Priority {
    pub(crate) fn parse(head: FrameHead, payload: &[u8]) -> Result<Priority, FrameError> {
        // §6.3: "If a PRIORITY frame is received with a stream identifier of 0x00, the
        // recipient MUST respond with a connection error of type PROTOCOL_ERROR."
        head.require_stream()?;
        // §6.3: "A PRIORITY frame with a length other than 5 octets MUST be treated as
        // a stream error of type FRAME_SIZE_ERROR."
        if payload.len() != PrioritySpec::LEN {
            return Err(FrameError::stream(head.stream, Http2Error::FrameSize));
        }
        Ok(Priority {
            stream: head.stream,
            spec: PrioritySpec::parse(head.stream, payload)?,
        })
    }

    pub(crate) fn encode(&self, dst: &mut Vec<u8>) {
        FrameHead {
            length: PrioritySpec::LEN as u32,
            kind: kind::PRIORITY,
            flags: 0,
            stream: self.stream,
        }
        .encode(dst);
        self.spec.encode(dst);
    }
}

#[cfg(test)]
mod tests {
    use super::super::{parse_wire, roundtrip, Frame};
    use super::*;
    use crate::Reason;

    #[test]
    fn rules() {
        let p = Priority {
            stream: 3,
            spec: PrioritySpec {
                dependency: 1,
                exclusive: true,
                weight: 200,
            },
        };
        assert_eq!(roundtrip(Frame::Priority(p)), Frame::Priority(p));
        let e = parse_wire(&[0, 0, 5, 2, 0, 0, 0, 0, 3, 0, 0, 0, 3, 9]).unwrap_err();
        assert_eq!((e.code(), e.stream), (Reason::PROTOCOL_ERROR, Some(3)));
        let e = parse_wire(&[0, 0, 4, 2, 0, 0, 0, 0, 3, 0, 0, 0, 1]).unwrap_err();
        assert_eq!((e.code(), e.stream), (Reason::FRAME_SIZE_ERROR, Some(3)));
        let e = parse_wire(&[0, 0, 5, 2, 0, 0, 0, 0, 0, 0, 0, 0, 1, 9]).unwrap_err();
        assert_eq!((e.code(), e.stream), (Reason::PROTOCOL_ERROR, None));
    }
}
