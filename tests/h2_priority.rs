//! RFC 9218 on HTTP/2: the `priority` field and PRIORITY_UPDATE frames decide the order
//! in which DATA goes on the wire (urgency first; within one urgency non-incremental
//! streams one after another, incremental ones in turns), and §7.1's rules for the
//! frame. A connection is fed frames built by hand, and what it writes is read back
//! frame by frame; a client/server pair shows both sides together.

#[path = "support/frames.rs"]
mod frames;
#[path = "support/raw.rs"]
mod raw;
use frames::{frame, settings};
use raw::{read_frames, Frame, Raw};

use bytes::Bytes;
use std::time::Instant;
use weir::testing::Pair;
use weir::{Command, Config, Event, Priority, Request, Response, StreamId, Version};

/// PRIORITY_UPDATE's frame type (RFC 9218 §7.1).
const PRIORITY_UPDATE: u8 = 0x10;
/// SETTINGS_NO_RFC7540_PRIORITIES (RFC 9218 §2.1).
const NO_RFC7540_PRIORITIES: u16 = 0x9;
/// More than two frames' worth of body at the default SETTINGS_MAX_FRAME_SIZE.
const BODY: usize = 40_000;

/// What the raw peer does in these tests, beyond the shared harness.
trait Peer {
    /// The raw client opens stream `id` with a GET, and `priority` if given.
    fn get_with(&mut self, id: u32, priority: Option<&str>);
    /// The raw client sends PRIORITY_UPDATE for stream `id`.
    fn update(&mut self, id: u32, value: &str);
    /// The server answers `id` with 200 and `len` bytes of body (queued, not drained).
    fn respond(&mut self, id: u32, len: usize);
    /// Whether the connection failed with GOAWAY PROTOCOL_ERROR.
    fn failed_with_protocol_error(&mut self) -> bool;
}

impl Peer for Raw {
    fn get_with(&mut self, id: u32, priority: Option<&str>) {
        let mut fields = vec![
            (":method", "GET"),
            (":scheme", "https"),
            (":authority", "a"),
            (":path", "/"),
        ];
        fields.extend(priority.map(|p| ("priority", p)));
        let block = self.block(&fields);
        self.send(&frame(1, 0x5, id, &block));
    }

    fn update(&mut self, id: u32, value: &str) {
        self.send(&priority_update(id, value));
    }

    fn respond(&mut self, id: u32, len: usize) {
        let s = StreamId(id);
        self.conn
            .send_response(s, Response::new(200), false)
            .unwrap();
        self.conn
            .send_data(s, Bytes::from(vec![b'x'; len]), true)
            .unwrap();
    }

    fn failed_with_protocol_error(&mut self) -> bool {
        let frames = self.take();
        frames.iter().any(|f| f.kind == 7 && f.code() == 0x1)
            && matches!(self.events.last(), Some(Event::Closed { error: Some(_) }))
    }
}

fn priority_update(id: u32, value: &str) -> Vec<u8> {
    let mut payload = id.to_be_bytes().to_vec();
    payload.extend_from_slice(value.as_bytes());
    frame(PRIORITY_UPDATE, 0, 0, &payload)
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
    let mut raw = Raw::new(config, &[WIDE]);
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
    raw.get_with(1, Some("u=5"));
    raw.get_with(3, Some("u=1"));
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
        raw.get_with(id, None);
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
        raw.get_with(id, Some("u=2, i"));
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
    raw.get_with(1, None);
    raw.get_with(3, None);
    raw.get_with(5, Some("i"));
    for id in [1, 3, 5] {
        raw.respond(id, BODY);
    }
    raw.drain();
    // Neither kind starves the other (RFC 9218 §10): 1 and 3 in order, 5 between.
    assert_eq!(data_order(&raw.take()), [1, 5, 1, 5, 1, 5, 3, 3, 3]);
}

#[test]
fn priority_update_before_the_request_wins_over_its_field() {
    let mut raw = roomy_server(Config::default());
    // RFC 9218 §7: an update may come before its stream opens; it is kept, and is
    // newer than the field the request then carries.
    raw.update(3, "u=0");
    raw.get_with(1, Some("u=1"));
    raw.get_with(3, Some("u=6"));
    raw.respond(1, BODY);
    raw.respond(3, BODY);
    raw.drain();
    assert_eq!(runs(&data_order(&raw.take())), [(3, 3), (1, 3)]);
}

#[test]
fn priority_update_after_the_request_reorders_what_is_still_queued() {
    // The connection window (65,535) runs out before either body is sent.
    let mut raw = Raw::new(Config::default(), &[WIDE]);
    raw.get_with(1, Some("u=4"));
    raw.get_with(3, Some("u=2"));
    raw.respond(1, 100_000);
    raw.respond(3, 100_000);
    raw.drain();
    let first = data_order(&raw.take());
    assert!(first.iter().all(|&id| id == 3), "{first:?}");
    // Stream 1 becomes the most urgent: the window that opens next is all its own.
    raw.update(1, "u=0");
    assert!(raw.take().is_empty(), "nothing is answered");
    open_connection_window(&mut raw, 65_535);
    let next = data_order(&raw.take());
    assert!(
        !next.is_empty() && next.iter().all(|&id| id == 1),
        "{next:?}"
    );
    // A malformed value is ignored: stream 1 stays the most urgent.
    raw.update(1, "u=7,");
    open_connection_window(&mut raw, 16_384);
    assert_eq!(data_order(&raw.take()), [1]);
    assert!(!raw.conn.is_closed());
}

#[test]
fn a_server_reprioritizes_its_responses_with_set_priority() {
    let mut raw = roomy_server(Config::default());
    raw.get_with(1, Some("u=0"));
    raw.get_with(3, Some("u=0"));
    raw.get_with(5, Some("u=0"));
    raw.respond(1, BODY);
    raw.respond(3, BODY);
    raw.respond(5, BODY);
    // RFC 9218 §10: the server decides; the client's signal is one input.
    raw.conn
        .set_priority(StreamId(1), Priority::new(6, false))
        .unwrap();
    let command = Command::Priority {
        stream: StreamId(3),
        priority: Priority::new(7, false),
    };
    assert_eq!(command.stream(), Some(StreamId(3)));
    assert_eq!(raw.conn.execute(command), Ok(None));
    raw.drain();
    let frames = raw.take();
    assert_eq!(runs(&data_order(&frames)), [(5, 3), (1, 3), (3, 3)]);
    // A server never sends PRIORITY_UPDATE (RFC 9218 §7.1).
    assert!(!frames.iter().any(|f| f.kind == PRIORITY_UPDATE));
    // A finished stream has no priority to set; an update for it is ignored.
    assert!(raw
        .conn
        .set_priority(StreamId(1), Priority::default())
        .is_err());
    raw.update(1, "u=0");
    assert!(raw.take().is_empty() && !raw.conn.is_closed());
}

#[test]
fn a_stream_blocked_on_its_window_does_not_hold_others_back() {
    // Stream windows of 10 bytes; stream 3 gets more.
    let mut raw = Raw::new(Config::default(), &[(0x4, 10)]);
    raw.get_with(1, Some("u=0"));
    raw.get_with(3, Some("u=7"));
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
    let mut raw = Raw::new(Config::default(), &[(0x4, 10)]);
    for id in [1, 3, 5] {
        raw.get_with(id, Some(if id == 5 { "u=7" } else { "u=0" }));
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
    let mut raw = Raw::new(Config::default(), &[WIDE]);
    raw.get_with(1, Some("u=0"));
    raw.get_with(3, Some("u=7"));
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
fn remembered_updates_are_bounded_and_the_oldest_goes() {
    let config = Config {
        h2_max_pending_priority_updates: 2,
        ..Config::default()
    };
    let mut raw = roomy_server(config);
    for id in [3, 5, 7] {
        raw.update(id, "u=0");
    }
    for id in [1, 3, 5, 7] {
        raw.get_with(id, None);
    }
    for id in [7, 5, 3, 1] {
        raw.respond(id, 10);
    }
    raw.drain();
    // Stream 3's update was forgotten: it keeps the default urgency, after stream 1.
    assert_eq!(data_order(&raw.take()), [5, 7, 1, 3]);
}

#[test]
fn protocol_errors_of_priority_update() {
    let cases: [(&str, Vec<u8>); 3] = [
        // "The Stream Identifier field ... MUST be zero (0x0)."
        (
            "on a stream",
            frame(PRIORITY_UPDATE, 0, 1, b"\0\0\0\x01u=1"),
        ),
        // "a prioritized stream ID of 0x0".
        ("prioritizing 0", priority_update(0, "u=1")),
        // "a PRIORITY_UPDATE for a push stream in the "idle" state".
        ("an idle push stream", priority_update(2, "u=1")),
    ];
    for (name, bad) in cases {
        let mut raw = Raw::new(Config::default(), &[]);
        raw.send(&bad);
        assert!(raw.failed_with_protocol_error(), "{name}");
    }
    // "If a client receives a PRIORITY_UPDATE frame, it MUST respond with a connection
    // error of type PROTOCOL_ERROR."
    let mut client = Raw::client(Some(&[]));
    client.send(&priority_update(1, "u=1"));
    assert!(client.failed_with_protocol_error());
}

#[test]
fn idle_streams_prioritized_count_against_the_concurrency_limit() {
    let config = Config {
        h2_max_concurrent_streams: 2,
        ..Config::default()
    };
    let mut raw = Raw::new(config, &[]);
    raw.get_with(1, None);
    // One active stream and one prioritized idle stream make two: allowed, and again.
    raw.update(3, "u=1");
    raw.update(3, "u=2");
    // Once the client acknowledged our limit, a third "MUST NOT exceed the value of
    // the SETTINGS_MAX_CONCURRENT_STREAMS parameter" (RFC 9218 §7.1).
    assert!(!raw.conn.is_closed());
    raw.update(5, "u=1");
    assert!(raw.failed_with_protocol_error());
}

#[test]
fn a_client_tells_the_server_with_priority_update() {
    let mut p = Pair::with_version(
        Version::Http2,
        Config::default(),
        Config::default(),
        Instant::now(),
    );
    let get = |path: &str| Request::new("GET", path.to_string()).field("host", "a");
    let first = p.client.send_request(get("/a"), true).unwrap();
    let second = p.client.send_request(get("/b"), true).unwrap();
    p.drive();
    let before = p.wire_to_server.len();
    p.client
        .set_priority(second, Priority::new(0, true))
        .unwrap();
    p.drive();
    // RFC 9218 §7.1: type 0x10 on stream 0, the prioritized stream, the field value.
    let mut expected = vec![0, 0, 10, PRIORITY_UPDATE, 0, 0, 0, 0, 0];
    expected.extend_from_slice(&second.0.to_be_bytes());
    expected.extend_from_slice(b"u=0, i");
    assert_eq!(p.wire_to_server[before..], expected[..]);
    // The server serves the second response first.
    for s in [first, second] {
        p.server
            .send_response(s, Response::new(200), false)
            .unwrap();
        p.server
            .send_data(s, Bytes::from(vec![b'x'; BODY]), true)
            .unwrap();
    }
    let before = p.wire_to_client.len();
    p.drive();
    let mut frames = Vec::new();
    read_frames(&mut p.wire_to_client[before..].to_vec(), &mut frames);
    let order = data_order(&frames);
    assert_eq!(runs(&order), [(second.0, 3), (first.0, 3)], "{order:?}");
}

#[test]
fn a_client_sends_priority_update_only_to_a_server_that_reads_them() {
    /// The server's SETTINGS (`None`: not received yet), and the updates then sent.
    type Case = (Option<&'static [(u16, u32)]>, usize);
    let cases: [Case; 4] = [
        // Before the server's SETTINGS, a client cannot know (RFC 9218 §2.1.1).
        (None, 1),
        (Some(&[(NO_RFC7540_PRIORITIES, 1)]), 1),
        // "if the client receives SETTINGS_NO_RFC7540_PRIORITIES with value of 0 or
        // if the settings parameter was absent, it SHOULD stop sending
        // PRIORITY_UPDATE frames".
        (Some(&[(NO_RFC7540_PRIORITIES, 0)]), 0),
        (Some(&[]), 0),
    ];
    for (params, updates) in cases {
        let mut raw = Raw::client(params);
        let id = raw
            .conn
            .send_request(Request::new("GET", "/").field("host", "a"), true)
            .unwrap();
        raw.conn.set_priority(id, Priority::new(1, false)).unwrap();
        raw.drain();
        let sent = raw
            .take()
            .iter()
            .filter(|f| f.kind == PRIORITY_UPDATE)
            .count();
        assert_eq!(sent, updates, "{params:?}");
    }
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

#[test]
fn http11_accepts_set_priority_and_changes_nothing() {
    let mut p = Pair::new(Config::default(), Config::default(), Instant::now());
    let s = p
        .client
        .send_request(Request::new("GET", "/").field("host", "a"), true)
        .unwrap();
    p.drive();
    let sent = p.wire_to_server.len();
    assert_eq!(p.client.set_priority(s, Priority::new(0, true)), Ok(()));
    assert_eq!(
        p.server.execute(Command::Priority {
            stream: s,
            priority: Priority::new(7, false),
        }),
        Ok(None)
    );
    p.drive();
    assert_eq!(p.wire_to_server.len(), sent);
}
