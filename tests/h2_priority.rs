//! RFC 9218 on HTTP/2: the `priority` field and PRIORITY_UPDATE frames decide the order
//! in which DATA goes on the wire (urgency first; within one urgency non-incremental
//! streams one after another, incremental ones in turns), and §7.1's rules for the
//! frame. A connection is fed frames built by hand, and what it writes is read back
//! frame by frame; a client/server pair shows both sides together.

#[path = "support/frames.rs"]
mod frames;
use frames::{frame, settings, PREFACE};

use bytes::Bytes;
use std::time::Instant;
use weir::hpack::Encoder;
use weir::{Config, Connection, Event, Field, Output, Request, Response, Side, StreamId, Version};

/// More than two frames' worth of body at the default SETTINGS_MAX_FRAME_SIZE.
const BODY: usize = 40_000;

/// One frame the connection wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Frame {
    kind: u8,
    flags: u8,
    stream: u32,
    payload: Vec<u8>,
}

impl Frame {}

/// A connection of either role, and a raw peer that speaks frames to it.
struct Raw {
    conn: Connection,
    now: Instant,
    encoder: Encoder,
    events: Vec<Event>,
    frames: Vec<Frame>,
    pending: Vec<u8>,
}

impl Raw {
    /// A server; the raw client sends the preface, SETTINGS with `params`, and an ACK.
    fn server(config: Config, params: &[(u16, u32)]) -> Raw {
        let mut raw = Raw::blank(Side::Server, config);
        let mut hello = PREFACE.to_vec();
        hello.extend(settings(params));
        hello.extend(frame(4, 1, 0, &[]));
        raw.send(&hello);
        raw.take();
        raw
    }

    /// A client with prior knowledge; the raw server sends SETTINGS with `params`
    /// (unless `None`: nothing yet) and an ACK.
    fn client(params: Option<&[(u16, u32)]>) -> Raw {
        let mut raw = Raw::blank(Side::Client, Config::default());
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

    fn send(&mut self, bytes: &[u8]) {
        self.conn.handle_input(self.now, bytes);
        self.drain();
    }

    fn drain(&mut self) {
        let mut out = Vec::new();
        loop {
            match self.conn.poll_output(&mut out) {
                Output::Transmit => {}
                Output::Event(e) => self.events.push(e),
                Output::Timeout(_) => break,
            }
        }
        self.pending.extend_from_slice(&out);
        // The client preface is not a frame.
        if self.pending.starts_with(PREFACE) {
            self.pending.drain(..PREFACE.len());
        }
        read_frames(&mut self.pending, &mut self.frames);
    }

    fn take(&mut self) -> Vec<Frame> {
        std::mem::take(&mut self.frames)
    }

    /// The raw client opens stream `id` with a GET, and `priority` if given.
    fn get(&mut self, id: u32, priority: Option<&str>) {
        let mut fields = vec![
            (":method", "GET"),
            (":scheme", "https"),
            (":authority", "a"),
            (":path", "/"),
        ];
        fields.extend(priority.map(|p| ("priority", p)));
        let mut block = Vec::new();
        self.encoder.encode(
            fields.iter().map(|(n, v)| Field {
                name: n.as_bytes(),
                value: v.as_bytes(),
                sensitive: false,
            }),
            &mut block,
        );
        self.send(&frame(1, 0x5, id, &block));
    }

    /// The server answers `id` with 200 and `len` bytes of body (queued, not drained).
    fn respond(&mut self, id: u32, len: usize) {
        let s = StreamId(id);
        self.conn
            .send_response(s, Response::new(200), false)
            .unwrap();
        self.conn
            .send_data(s, Bytes::from(vec![b'x'; len]), true)
            .unwrap();
    }
}

/// Moves the whole frames at the start of `wire` to `frames`.
fn read_frames(wire: &mut Vec<u8>, frames: &mut Vec<Frame>) {
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

/// The stream of every DATA frame, in wire order.
fn data_order(frames: &[Frame]) -> Vec<u32> {
    frames
        .iter()
        .filter(|f| f.kind == 0)
        .map(|f| f.stream)
        .collect()
}

/// The streams of `order` in runs: [1, 1, 3, 1] is [(1, 2), (3, 1), (1, 1)].
fn runs(order: &[u32]) -> Vec<(u32, usize)> {
    let mut runs: Vec<(u32, usize)> = Vec::new();
    for &id in order {
        match runs.last_mut() {
            Some((last, n)) if *last == id => *n += 1,
            _ => runs.push((id, 1)),
        }
    }
    runs
}

/// A peer's SETTINGS_INITIAL_WINDOW_SIZE large enough for every body here.
const WIDE: (u16, u32) = (0x4, 1 << 20);

/// A server whose stream and connection windows are wide open, so that only the
/// schedule decides the order.
fn roomy_server(config: Config) -> Raw {
    let mut raw = Raw::server(config, &[WIDE]);
    open_connection_window(&mut raw, 1 << 24);
    raw
}

/// Raises the connection window the server may send in (stream 0 WINDOW_UPDATE).
fn open_connection_window(raw: &mut Raw, by: u32) {
    raw.send(&frame(8, 0, 0, &by.to_be_bytes()));
}

#[test]
fn urgency_goes_first_even_when_queued_later() {
    let mut raw = roomy_server(Config::default());
    raw.get(1, Some("u=5"));
    raw.get(3, Some("u=1"));
    // Stream 1's body is queued first; stream 3 is more urgent.
    raw.respond(1, BODY);
    raw.respond(3, BODY);
    raw.drain();
    assert_eq!(runs(&data_order(&raw.take())), [(3, 3), (1, 3)]);
}

#[test]
fn non_incremental_streams_go_one_after_another_in_id_order() {
    let mut raw = roomy_server(Config::default());
    for id in [1, 3, 5] {
        raw.get(id, None);
    }
    for id in [5, 3, 1] {
        raw.respond(id, BODY);
    }
    raw.drain();
    // RFC 9218 §10: "in ascending order of the stream ID", each one whole.
    assert_eq!(runs(&data_order(&raw.take())), [(1, 3), (3, 3), (5, 3)]);
}

#[test]
fn incremental_streams_take_turns_a_frame_each() {
    let mut raw = roomy_server(Config::default());
    for id in [1, 3, 5] {
        raw.get(id, Some("u=2, i"));
    }
    for id in [5, 3, 1] {
        raw.respond(id, BODY);
    }
    raw.drain();
    let frames = raw.take();
    assert_eq!(data_order(&frames), [5, 3, 1, 5, 3, 1, 5, 3, 1]);
    // Each turn is one frame as large as SETTINGS_MAX_FRAME_SIZE allows.
    let sizes: Vec<usize> = frames
        .iter()
        .filter(|f| f.kind == 0)
        .map(|f| f.payload.len())
        .collect();
    assert_eq!(sizes[..3], [16_384; 3]);
}

#[test]
fn non_incremental_streams_share_one_turn_with_incremental_ones() {
    let mut raw = roomy_server(Config::default());
    raw.get(1, None);
    raw.get(3, None);
    raw.get(5, Some("i"));
    for id in [1, 3, 5] {
        raw.respond(id, BODY);
    }
    raw.drain();
    // Neither kind starves the other (RFC 9218 §10): 1 and 3 in order, 5 between.
    assert_eq!(data_order(&raw.take()), [1, 5, 1, 5, 1, 5, 3, 3, 3]);
}

#[test]
fn a_stream_blocked_on_its_window_does_not_hold_others_back() {
    // Stream windows of 10 bytes; stream 3 gets more.
    let mut raw = Raw::server(Config::default(), &[(0x4, 10)]);
    raw.get(1, Some("u=0"));
    raw.get(3, Some("u=7"));
    raw.send(&frame(8, 0, 3, &1000u32.to_be_bytes()));
    raw.respond(1, 100);
    raw.respond(3, 100);
    raw.drain();
    let frames = raw.take();
    let bytes = |id| -> usize {
        frames
            .iter()
            .filter(|f| f.kind == 0 && f.stream == id)
            .map(|f| f.payload.len())
            .sum()
    };
    assert_eq!((bytes(1), bytes(3)), (10, 100));
    assert!(frames
        .iter()
        .any(|f| f.kind == 0 && f.stream == 3 && f.flags & 1 == 1));
    // Once its window opens, the blocked stream finishes.
    raw.send(&frame(8, 0, 1, &1000u32.to_be_bytes()));
    let rest = raw.take();
    assert_eq!(data_order(&rest), [1]);
    assert_eq!((rest[0].payload.len(), rest[0].flags & 1), (90, 1));
}

#[test]
fn streams_that_cannot_send_leave_the_schedule_without_holding_others_back() {
    let mut raw = Raw::server(Config::default(), &[(0x4, 10)]);
    for id in [1, 3, 5] {
        raw.get(id, Some(if id == 5 { "u=7" } else { "u=0" }));
    }
    for id in [1, 3, 5] {
        raw.respond(id, 100);
    }
    // Before anything is written: stream 1 is reset, stream 3's window shrinks to
    // nothing (§6.9.2), stream 5's grows.
    let mut input = frame(3, 0, 1, &8u32.to_be_bytes());
    input.extend(settings(&[(0x4, 0)]));
    input.extend(frame(8, 0, 5, &1000u32.to_be_bytes()));
    raw.send(&input);
    let frames = raw.take();
    assert_eq!(data_order(&frames), [5]);
    assert_eq!(
        frames.iter().find(|f| f.kind == 0).unwrap().payload.len(),
        100
    );
    // Stream 3 goes once its window opens.
    raw.send(&frame(8, 0, 3, &1000u32.to_be_bytes()));
    assert_eq!(data_order(&raw.take()), [3]);
}

#[test]
fn trailers_pass_a_spent_connection_window() {
    let mut raw = Raw::server(Config::default(), &[WIDE]);
    raw.get(1, Some("u=0"));
    raw.get(3, Some("u=7"));
    // Stream 1 spends the connection window and still has more to send.
    raw.respond(1, 100_000);
    raw.drain();
    raw.take();
    // Stream 3, less urgent, has only trailers: they need no window.
    let s = StreamId(3);
    raw.conn
        .send_response(s, Response::new(200), false)
        .unwrap();
    raw.conn
        .send_trailers(s, [("x-done", "1")].into_iter().collect())
        .unwrap();
    raw.drain();
    let frames = raw.take();
    assert!(
        frames
            .iter()
            .any(|f| f.kind == 1 && f.stream == 3 && f.flags & 1 == 1),
        "{frames:?}"
    );
    assert!(data_order(&frames).is_empty());
}

#[test]
fn a_client_orders_its_own_request_bodies() {
    let mut raw = Raw::client(Some(&[WIDE]));
    open_connection_window(&mut raw, 1 << 24);
    let post = |priority: &str| {
        Request::new("POST", "/")
            .field("host", "a")
            .field("priority", priority)
    };
    let slow = raw.conn.send_request(post("u=6"), false).unwrap();
    let fast = raw.conn.send_request(post("u=1"), false).unwrap();
    for s in [slow, fast] {
        raw.conn
            .send_data(s, Bytes::from(vec![b'x'; BODY]), true)
            .unwrap();
    }
    raw.drain();
    assert_eq!(runs(&data_order(&raw.take())), [(fast.0, 3), (slow.0, 3)]);
}
