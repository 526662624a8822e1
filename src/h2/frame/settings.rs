//! SETTINGS (RFC 9113 §6.5; RFC 8441 §3; RFC 9218 §2.1).

use super::{flag, kind, u32_at, FrameError, FrameHead};
use crate::error::Http2Error;

/// One setting as sent: unknown identifiers are kept and ignored (§6.5.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Setting {
    pub id: u16,
    pub value: u32,
}

impl Setting {
    pub const HEADER_TABLE_SIZE: u16 = 0x1;
    pub const ENABLE_PUSH: u16 = 0x2;
    pub const MAX_CONCURRENT_STREAMS: u16 = 0x3;
    pub const INITIAL_WINDOW_SIZE: u16 = 0x4;
    pub const MAX_FRAME_SIZE: u16 = 0x5;
    pub const MAX_HEADER_LIST_SIZE: u16 = 0x6;
    /// RFC 8441 §3.
    pub const ENABLE_CONNECT_PROTOCOL: u16 = 0x8;
    /// RFC 9218 §2.1.
    pub const NO_RFC7540_PRIORITIES: u16 = 0x9;

    /// Checks a value against its setting's range (§6.5.2).
    fn check(self) -> Result<(), Http2Error> {
        let ok = match self.id {
            Setting::ENABLE_PUSH
            | Setting::ENABLE_CONNECT_PROTOCOL
            | Setting::NO_RFC7540_PRIORITIES => self.value <= 1,
            // "Values above the maximum flow-control window size of 2^31-1 MUST be
            // treated as a connection error of type FLOW_CONTROL_ERROR."
            Setting::INITIAL_WINDOW_SIZE if self.value > 0x7fff_ffff => {
                return Err(Http2Error::WindowTooLarge)
            }
            // "Values outside this range MUST be treated as a connection error of type
            // PROTOCOL_ERROR."
            Setting::MAX_FRAME_SIZE => (1 << 14..1 << 24).contains(&self.value),
            _ => true,
        };
        if ok {
            Ok(())
        } else {
            Err(Http2Error::SettingValue(self.id))
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Settings {
    pub ack: bool,
    pub params: Vec<Setting>,
}

impl Settings {
    pub(crate) fn parse(head: FrameHead, payload: &[u8]) -> Result<Settings, FrameError> {
        // §6.5: "If an endpoint receives a SETTINGS frame whose Stream Identifier field
        // is anything other than 0x00, the endpoint MUST respond with a connection error
        // of type PROTOCOL_ERROR."
        head.require_connection()?;
        let ack = head.has(flag::ACK);
        // §6.5: "Receipt of a SETTINGS frame with the ACK flag set and a length field
        // value other than 0 MUST be treated as a connection error of type
        // FRAME_SIZE_ERROR." Likewise a length that is not a multiple of 6.
        if (ack && !payload.is_empty()) || payload.len() % 6 != 0 {
            return Err(FrameError::connection(Http2Error::FrameSize));
        }
        let params = payload
            .chunks_exact(6)
            .map(|c| {
                let s = Setting {
                    id: u16::from_be_bytes([c[0], c[1]]),
                    value: u32_at(c, 2),
                };
                s.check().map(|()| s).map_err(FrameError::connection)
            })
            .collect::<Result<_, _>>()?;
        Ok(Settings { ack, params })
    }

    pub(crate) fn encode(&self, dst: &mut Vec<u8>) {
        FrameHead {
            length: (self.params.len() * 6) as u32,
            kind: kind::SETTINGS,
            flags: if self.ack { flag::ACK } else { 0 },
            stream: 0,
        }
        .encode(dst);
        for s in &self.params {
            dst.extend_from_slice(&s.id.to_be_bytes());
            dst.extend_from_slice(&s.value.to_be_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{parse_wire, roundtrip, Frame};
    use super::*;
    use crate::Reason;

    fn one(id: u16, value: u32) -> Result<Frame, FrameError> {
        let mut wire = vec![0, 0, 6, 4, 0, 0, 0, 0, 0];
        wire.extend_from_slice(&id.to_be_bytes());
        wire.extend_from_slice(&value.to_be_bytes());
        parse_wire(&wire)
    }

    #[test]
    fn rules() {
        let s = Settings {
            ack: false,
            params: vec![
                Setting {
                    id: Setting::MAX_CONCURRENT_STREAMS,
                    value: 100,
                },
                Setting { id: 0xff, value: 1 },
            ],
        };
        assert_eq!(roundtrip(Frame::Settings(s.clone())), Frame::Settings(s));
        let code = |r: Result<Frame, FrameError>| r.unwrap_err().code();
        assert_eq!(code(one(Setting::ENABLE_PUSH, 2)), Reason::PROTOCOL_ERROR);
        assert_eq!(
            code(one(Setting::INITIAL_WINDOW_SIZE, 1 << 31)),
            Reason::FLOW_CONTROL_ERROR
        );
        assert_eq!(
            code(one(Setting::MAX_FRAME_SIZE, 16383)),
            Reason::PROTOCOL_ERROR
        );
        assert_eq!(
            code(one(Setting::MAX_FRAME_SIZE, 1 << 24)),
            Reason::PROTOCOL_ERROR
        );
        assert!(one(Setting::MAX_FRAME_SIZE, (1 << 24) - 1).is_ok());
        // ACK with a payload, a length that is not a multiple of 6, a stream id.
        assert_eq!(
            code(parse_wire(&[0, 0, 6, 4, 1, 0, 0, 0, 0, 0, 3, 0, 0, 0, 1])),
            Reason::FRAME_SIZE_ERROR
        );
        assert_eq!(
            code(parse_wire(&[0, 0, 3, 4, 0, 0, 0, 0, 0, 0, 3, 0])),
            Reason::FRAME_SIZE_ERROR
        );
        assert_eq!(
            code(parse_wire(&[0, 0, 0, 4, 0, 0, 0, 0, 1])),
            Reason::PROTOCOL_ERROR
        );
    }
}
