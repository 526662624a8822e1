//! A connection driven by a raw peer that speaks hand-built frames, so that each rule of
//! RFC 9113 is exercised with exactly the bytes a peer would send. Needs
//! `support/frames.rs` as the module `frames` next to it.

// Each test binary uses part of it.
#![allow(dead_code)]

use super::frames::{frame, settings, PREFACE};
use std::time::Instant;
use weir::hpack::Encoder;
use weir::{Config, Connection, Event, Field, Output, Side, Version};

/// One parsed frame of what the server wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub kind: u8,
    pub flags: u8,
    pub stream: u32,
    pub payload: Vec<u8>,
}

impl Frame {
    /// The error code of a RST_STREAM or GOAWAY.
    pub fn code(&self) -> u32 {
        let at = if self.kind == 7 { 4 } else { 0 };
        u32::from_be_bytes(self.payload[at..at + 4].try_into().unwrap())
    }
}

/// A connection of either role and a raw peer that speaks frames.
pub struct Raw {
    pub conn: Connection,
    pub now: Instant,
    pub encoder: Encoder,
    pub events: Vec<Event>,
    /// Frames the server wrote and nobody looked at yet.
    pub frames: Vec<Frame>,
    pub pending: Vec<u8>,
}

impl Raw {
    /// A server; the raw client sends the preface, SETTINGS with `client_settings`, and
    /// an ACK.
    pub fn new(config: Config, client_settings: &[(u16, u32)]) -> Raw {
        let mut raw = Raw::blank(Side::Server, config);
        let mut hello = PREFACE.to_vec();
        hello.extend(settings(client_settings));
        raw.send(&hello);
        // Acknowledge the server's SETTINGS so that no deadline is pending.
        raw.send(&frame(4, 1, 0, &[]));
        raw.take();
        raw
    }

    /// A client with prior knowledge; the raw server sends SETTINGS with `params` and
    /// an ACK (unless `None`: nothing yet).
    pub fn client(params: Option<&[(u16, u32)]>) -> Raw {
        Raw::client_with(Config::default(), params)
    }

    /// [`Raw::client`] with its own configuration.
    pub fn client_with(config: Config, params: Option<&[(u16, u32)]>) -> Raw {
        let mut raw = Raw::blank(Side::Client, config);
        if let Some(params) = params {
            let mut hello = settings(params);
            hello.extend(frame(4, 1, 0, &[]));
            raw.send(&hello);
        }
        raw.take();
        raw
    }

    fn blank(side: Side, config: Config) -> Raw {
        let now = Instant::now();
        let mut raw = Raw {
            conn: Connection::with_version(side, Version::Http2, config, now),
            now,
            encoder: Encoder::new(),
            events: Vec::new(),
            frames: Vec::new(),
            pending: Vec::new(),
        };
        raw.drain();
        raw
    }

    pub fn send(&mut self, bytes: &[u8]) {
        self.conn.handle_input(self.now, bytes);
        self.drain();
    }

    pub fn drain(&mut self) -> Option<Instant> {
        let mut out = Vec::new();
        let deadline = loop {
            match self.conn.poll_output(&mut out) {
                Output::Transmit => {}
                Output::Event(e) => self.events.push(e),
                Output::Timeout(t) => break t,
            }
        };
        self.pending.extend_from_slice(&out);
        // A client's preface is not a frame.
        if self.pending.starts_with(PREFACE) {
            self.pending.drain(..PREFACE.len());
        }
        read_frames(&mut self.pending, &mut self.frames);
        deadline
    }

    pub fn take(&mut self) -> Vec<Frame> {
        std::mem::take(&mut self.frames)
    }

    pub fn block(&mut self, fields: &[(&str, &str)]) -> Vec<u8> {
        let mut block = Vec::new();
        self.encoder.encode(
            fields.iter().map(|(n, v)| Field {
                name: n.as_bytes(),
                value: v.as_bytes(),
                sensitive: false,
            }),
            &mut block,
        );
        block
    }

    pub fn get(&mut self, stream: u32, path: &str) {
        let block = self.block(&[
            (":method", "GET"),
            (":scheme", "http"),
            (":authority", "a"),
            (":path", path),
        ]);
        self.send(&frame(1, 0x5, stream, &block));
    }
}

/// Moves the whole frames at the start of `wire` to `frames`.
pub fn read_frames(wire: &mut Vec<u8>, frames: &mut Vec<Frame>) {
    while wire.len() >= 9 {
        let len = u32::from_be_bytes([0, wire[0], wire[1], wire[2]]) as usize;
        if wire.len() < 9 + len {
            break;
        }
        let f: Vec<u8> = wire.drain(..9 + len).collect();
        frames.push(Frame {
            kind: f[3],
            flags: f[4],
            stream: u32::from_be_bytes(f[5..9].try_into().unwrap()) & 0x7fff_ffff,
            payload: f[9..].to_vec(),
        });
    }
}

pub fn data_bytes(frames: &[Frame], stream: u32) -> usize {
    frames
        .iter()
        .filter(|f| f.kind == 0 && f.stream == stream)
        .map(|f| f.payload.len())
        .sum()
}
