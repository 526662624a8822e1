//! Flow control and bounded send buffers: a peer that never opens its window or reads
//! slowly holds the connection to `send_buffer_per_stream` / `_per_connection`, a
//! refused write is answered by `Event::Writable`, and with manual flow control the
//! window is given back only as the application releases what it consumed. The same
//! application code runs over HTTP/1.1 and HTTP/2.

#[path = "support/frames.rs"]
mod frames;
#[path = "support/raw.rs"]
mod raw;
use frames::frame;
use raw::{Frame, Raw};

use bytes::Bytes;
use std::time::Instant;
use weir::testing::Pair;
use weir::{Command, Config, Connection, Event, Head, Initiator, Misuse, Output, Reason};
use weir::{Request, Response, Side};
use weir::{StreamId, Version};

const KIB: usize = 1024;

/// `n` bytes that differ from their neighbours, so that order and loss show.
fn body(n: usize) -> Bytes {
    (0..n).map(|i| (i % 251) as u8).collect::<Vec<u8>>().into()
}

/// The payloads of the DATA frames on `stream`, in order.
fn data_of(frames: &[Frame], stream: u32) -> Vec<u8> {
    frames
        .iter()
        .filter(|f| f.kind == 0 && f.stream == stream)
        .flat_map(|f| f.payload.iter().copied())
        .collect()
}

/// The WINDOW_UPDATE frames as (stream, increment).
fn window_updates(frames: &[Frame]) -> Vec<(u32, u32)> {
    frames
        .iter()
        .filter(|f| f.kind == 8)
        .map(|f| {
            (
                f.stream,
                u32::from_be_bytes(f.payload[..4].try_into().unwrap()),
            )
        })
        .collect()
}

/// The streams of the `Writable` events, in order.
fn writables(events: &[Event]) -> Vec<u32> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Writable { stream } => Some(stream.0),
            _ => None,
        })
        .collect()
}

/// The peer opens `stream`'s window and the connection's by `n`.
fn open(raw: &mut Raw, stream: u32, n: usize) {
    let inc = (n as u32).to_be_bytes();
    let mut both = frame(8, 0, stream, &inc);
    both.extend(frame(8, 0, 0, &inc));
    raw.send(&both);
}

/// Whether the connection has nothing to say: no bytes, no event, and no new deadline.
fn at_rest(conn: &mut Connection) -> bool {
    let mut out = Vec::new();
    matches!(conn.poll_output(&mut out), Output::Timeout(None)) && out.is_empty()
}

/// A request on `stream` answered with 200 and a body still to come.
fn answered(raw: &mut Raw, stream: u32) {
    raw.get(stream, "/");
    raw.conn
        .send_response(StreamId(stream), Response::new(200), false)
        .unwrap();
    raw.drain();
    raw.take();
}

/// A POST whose body the raw client sends on `stream`.
fn post(raw: &mut Raw, stream: u32) {
    let block = raw.block(&[
        (":method", "POST"),
        (":scheme", "http"),
        (":authority", "a"),
        (":path", "/upload"),
    ]);
    raw.send(&frame(1, 0x4, stream, &block));
}

/// DATA on `stream`, in frames of at most 16 KiB (the server's SETTINGS_MAX_FRAME_SIZE).
fn send_body(raw: &mut Raw, stream: u32, n: usize, end: bool) {
    let bytes = body(n);
    let mut at = 0;
    loop {
        let end_at = (at + 16 * KIB).min(n);
        let last = end_at == n;
        let flags = if last && end { 1 } else { 0 };
        raw.send(&frame(0, flags, stream, &bytes[at..end_at]));
        at = end_at;
        if last {
            return;
        }
    }
}

#[test]
fn a_zero_window_peer_holds_the_stream_to_its_bound() {
    let config = Config {
        send_buffer_per_stream: 64 * KIB,
        ..Config::default()
    };
    // SETTINGS_INITIAL_WINDOW_SIZE = 0: not a byte of DATA may go until the peer says.
    let mut raw = Raw::new(config, &[(0x4, 0)]);
    answered(&mut raw, 1);
    let id = StreamId(1);
    let all = body(256 * KIB);
    let piece = 16 * KIB;
    let mut at = 0;
    while raw.conn.send_capacity(id) > 0 {
        raw.conn
            .send_data(id, all.slice(at..at + piece), false)
            .unwrap();
        at += piece;
    }
    // Accepted while below the bound: the fourth piece reached it.
    assert_eq!(at, 64 * KIB);
    // However often the application insists, nothing more is taken, nothing changes.
    for _ in 0..100 {
        let refused = raw.conn.send_data(id, all.slice(at..at + piece), false);
        assert_eq!(refused, Err(Misuse::BufferFull));
        assert_eq!(raw.conn.send_capacity(id), 0);
        assert!(at_rest(&mut raw.conn));
    }
    raw.drain();
    assert!(data_of(&raw.take(), 1).is_empty());
    assert!(writables(&raw.events).is_empty());

    // 20 KiB go: 44 KiB still queued, more than half the bound, so no news yet, though
    // a write would be taken again.
    open(&mut raw, 1, 20 * KIB);
    assert_eq!(data_of(&raw.take(), 1), &all[..20 * KIB]);
    assert!(writables(&raw.events).is_empty());
    assert_eq!(raw.conn.send_capacity(id), 20 * KIB);
    // 20 KiB more: 24 KiB queued, below half: the stream hears it can take more, once.
    open(&mut raw, 1, 20 * KIB);
    assert_eq!(data_of(&raw.take(), 1), &all[20 * KIB..40 * KIB]);
    assert_eq!(writables(&raw.events), [1]);
    open(&mut raw, 1, 10 * KIB);
    assert_eq!(writables(&raw.events), [1]);

    // The rest of the body, as the buffer takes it: every byte arrives once, in order.
    let mut wire = data_of(&raw.take(), 1);
    wire.splice(0..0, all[..40 * KIB].iter().copied());
    while at < all.len() {
        while raw.conn.send_capacity(id) > 0 && at < all.len() {
            let n = piece.min(all.len() - at);
            raw.conn
                .send_data(id, all.slice(at..at + n), at + n == all.len())
                .unwrap();
            at += n;
        }
        open(&mut raw, 1, 48 * KIB);
        wire.extend(data_of(&raw.take(), 1));
    }
    open(&mut raw, 1, all.len());
    wire.extend(data_of(&raw.take(), 1));
    assert_eq!(wire, &all[..]);
}

#[test]
fn a_slow_reader_gets_every_byte_in_order_from_a_bounded_queue() {
    let bound = 32 * KIB;
    let config = Config {
        send_buffer_per_stream: bound,
        ..Config::default()
    };
    let mut raw = Raw::new(config, &[(0x4, 1000)]);
    answered(&mut raw, 1);
    let id = StreamId(1);
    let all = body(256 * KIB);
    // An odd size, so that pieces and frames never line up.
    let piece = 5000;
    let (mut at, mut received) = (0, Vec::new());
    let mut may_write = true;
    let steps = [1000, 3000, 7000, 500];
    for round in 0.. {
        assert!(round < 10_000, "stalled at {at} bytes written");
        // The application writes until refused, then waits for `Writable`.
        while may_write && at < all.len() {
            let n = piece.min(all.len() - at);
            match raw
                .conn
                .send_data(id, all.slice(at..at + n), at + n == all.len())
            {
                Ok(()) => at += n,
                Err(Misuse::BufferFull) => may_write = false,
                Err(e) => panic!("{e:?}"),
            }
        }
        let queued = at - received.len();
        assert!(queued <= bound + piece, "{queued} bytes queued");
        // The peer reads a little and opens its windows by as much.
        open(&mut raw, 1, steps[round % steps.len()]);
        let frames = raw.take();
        received.extend(data_of(&frames, 1));
        if !writables(&raw.events).is_empty() {
            may_write = true;
        }
        raw.events.clear();
        if frames.iter().any(|f| f.kind == 0 && f.flags & 1 == 1) {
            break;
        }
    }
    assert_eq!(received, &all[..]);
}

#[test]
fn the_connection_bound_spans_streams() {
    let config = Config {
        send_buffer_per_stream: 64 * KIB,
        send_buffer_per_connection: 100 * KIB,
        ..Config::default()
    };
    let mut raw = Raw::new(config, &[(0x4, 0)]);
    for s in [1, 3, 5, 7] {
        answered(&mut raw, s);
    }
    let piece = body(40 * KIB);
    for s in [1, 3, 5] {
        // Each below its own bound, and the connection below its own before the write.
        raw.conn
            .send_data(StreamId(s), piece.clone(), false)
            .unwrap();
    }
    // 120 KiB queued: stream 7 has nothing queued, and is refused all the same.
    assert_eq!(raw.conn.send_capacity(StreamId(7)), 0);
    assert_eq!(
        raw.conn.send_data(StreamId(7), piece.clone(), false),
        Err(Misuse::BufferFull)
    );
    assert_eq!(
        raw.conn.send_data(StreamId(1), piece.clone(), false),
        Err(Misuse::BufferFull)
    );
    // Stream 1 drains: 80 KiB left, more than half of the connection's bound.
    open(&mut raw, 1, 40 * KIB);
    assert_eq!(data_of(&raw.take(), 1).len(), 40 * KIB);
    assert!(writables(&raw.events).is_empty());
    assert_eq!(raw.conn.send_capacity(StreamId(7)), 20 * KIB);
    // Stream 3 drains: 40 KiB left. The refused streams hear it. Stream 3, which was
    // never refused and filled nothing, does not; stream 5, which filled the connection,
    // has room for less than half its buffer (24 KiB) until its own bytes go.
    open(&mut raw, 3, 40 * KIB);
    assert_eq!(writables(&raw.events), [7, 1]);
    open(&mut raw, 5, 20 * KIB);
    assert_eq!(writables(&raw.events), [7, 1, 5]);
}

#[test]
fn an_end_is_taken_even_when_the_buffer_is_full() {
    let config = Config {
        send_buffer_per_stream: 10,
        ..Config::default()
    };
    let mut raw = Raw::new(config, &[(0x4, 0)]);
    answered(&mut raw, 1);
    answered(&mut raw, 3);
    for s in [StreamId(1), StreamId(3)] {
        raw.conn.send_data(s, body(10), false).unwrap();
        assert_eq!(
            raw.conn.send_data(s, body(1), true),
            Err(Misuse::BufferFull)
        );
    }
    // An end carries nothing to buffer: an empty last write, or trailers.
    raw.conn.send_data(StreamId(1), Bytes::new(), true).unwrap();
    let mut trailers = weir::Fields::new();
    trailers.append("x-done", "1");
    raw.conn.send_trailers(StreamId(3), trailers).unwrap();
    open(&mut raw, 1, 100);
    open(&mut raw, 3, 100);
    let frames = raw.take();
    assert_eq!(data_of(&frames, 1), &body(10)[..]);
    assert_eq!(data_of(&frames, 3), &body(10)[..]);
    // Ended streams take no more: nobody is told they could.
    assert!(writables(&raw.events).is_empty());
}

/// A server with manual flow control; its windows: 40,000 per stream, 65,535 for the
/// connection (so no WINDOW_UPDATE at the start, and half is 32,767).
fn manual() -> Raw {
    let config = Config {
        h2_manual_flow_control: true,
        h2_initial_window_size: 40_000,
        h2_connection_window_size: 65_535,
        ..Config::default()
    };
    let mut raw = Raw::new(config, &[]);
    raw.take();
    raw
}

#[test]
fn manual_flow_control_gives_back_only_what_the_application_releases() {
    let mut raw = manual();
    post(&mut raw, 1);
    send_body(&mut raw, 1, 30_000, false);
    let got: usize = raw
        .events
        .iter()
        .map(|e| match e {
            Event::Data { data, .. } => data.len(),
            _ => 0,
        })
        .sum();
    assert_eq!(got, 30_000);
    // Half the stream window was consumed: automatic release would have answered.
    assert!(window_updates(&raw.take()).is_empty());
    let id = StreamId(1);
    raw.conn.release_capacity(id, 10_000).unwrap();
    raw.drain();
    assert!(window_updates(&raw.take()).is_empty());
    // 30,000 released: at least half the stream window, under half the connection's.
    raw.conn.release_capacity(id, 20_000).unwrap();
    raw.drain();
    assert_eq!(window_updates(&raw.take()), [(1, 30_000)]);
    send_body(&mut raw, 1, 10_000, false);
    assert!(window_updates(&raw.take()).is_empty());
    // As a command too; 40,000 released on the connection in all: past its half.
    raw.conn
        .execute(Command::ReleaseCapacity {
            stream: id,
            bytes: 10_000,
        })
        .unwrap();
    raw.drain();
    assert_eq!(window_updates(&raw.take()), [(0, 40_000)]);

    // More than was received and not released: refused, and nothing changes.
    assert!(matches!(
        raw.conn.release_capacity(id, 1),
        Err(Misuse::State(_))
    ));
    assert!(at_rest(&mut raw.conn));
    send_body(&mut raw, 1, 500, false);
    raw.take();
    assert!(raw.conn.release_capacity(id, 501).is_err());
    assert!(at_rest(&mut raw.conn));
    raw.conn.release_capacity(id, 500).unwrap();
    // A stream that never was.
    assert_eq!(
        raw.conn.release_capacity(StreamId(9), 1),
        Err(Misuse::UnknownStream(StreamId(9)))
    );
}

#[test]
fn automatic_flow_control_needs_no_release() {
    let config = Config {
        h2_initial_window_size: 40_000,
        h2_connection_window_size: 65_535,
        ..Config::default()
    };
    let mut raw = Raw::new(config, &[]);
    raw.take();
    post(&mut raw, 1);
    send_body(&mut raw, 1, 30_000, false);
    // Released as delivered: the stream's half (20,000) was passed by the second frame.
    assert_eq!(window_updates(&raw.take()), [(1, 30_000)]);
    // Releasing is accepted and does nothing.
    raw.conn.release_capacity(StreamId(1), 30_000).unwrap();
    assert!(at_rest(&mut raw.conn));
}

#[test]
fn padding_is_released_by_the_connection_in_manual_mode() {
    let mut raw = manual();
    post(&mut raw, 1);
    // RFC 9113 §6.1: Pad Length (1) + data (15,000) + padding (255) count, 15,256 per
    // frame.
    let mut padded = vec![255];
    padded.extend_from_slice(&body(15_000));
    padded.extend_from_slice(&[0; 255]);
    raw.send(&frame(0, 0x8, 1, &padded));
    raw.send(&frame(0, 0x8, 1, &padded));
    assert!(window_updates(&raw.take()).is_empty());
    // The application releases only the data it saw; the padding was released for it,
    // so the update gives back every byte the peer counted.
    assert!(raw.conn.release_capacity(StreamId(1), 30_001).is_err());
    raw.conn.release_capacity(StreamId(1), 30_000).unwrap();
    raw.drain();
    assert_eq!(window_updates(&raw.take()), [(1, 30_512)]);
}

#[test]
fn what_a_closed_stream_held_goes_back_to_the_connection() {
    let mut raw = manual();
    post(&mut raw, 1);
    send_body(&mut raw, 1, 33_000, true);
    assert!(window_updates(&raw.take()).is_empty());
    // The response ends the stream before the application released the request body:
    // the stream's window no longer matters, the connection's gets the bytes back.
    raw.conn
        .send_response(StreamId(1), Response::new(204), true)
        .unwrap();
    raw.drain();
    assert_eq!(window_updates(&raw.take()), [(0, 33_000)]);
    // Releasing them later is accepted and does nothing.
    raw.conn.release_capacity(StreamId(1), 33_000).unwrap();
    assert!(at_rest(&mut raw.conn));
}

#[test]
fn a_no_error_reset_after_a_complete_response_follows_it() {
    // No window: the response waits, complete, in the connection.
    let mut raw = Raw::new(Config::default(), &[(0x4, 0)]);
    post(&mut raw, 1);
    send_body(&mut raw, 1, 100, false);
    let id = StreamId(1);
    raw.conn
        .send_response(id, Response::new(200), false)
        .unwrap();
    raw.conn.send_data(id, body(10), true).unwrap();
    raw.drain();
    raw.take();
    // RFC 9113 §8.1: the client is asked to stop its body only after the whole
    // response, so the reset waits for the END_STREAM.
    raw.conn.reset_stream(id, Reason::NO_ERROR).unwrap();
    raw.drain();
    assert!(raw.take().is_empty());
    open(&mut raw, 1, 10);
    let frames = raw.take();
    let kinds: Vec<_> = frames.iter().map(|f| (f.kind, f.flags & 1)).collect();
    assert_eq!(
        kinds,
        [(0, 1), (3, 0)],
        "DATA with END_STREAM, then RST_STREAM"
    );
    assert_eq!((frames[1].stream, frames[1].code()), (1, 0));
    assert_eq!(data_of(&frames, 1), &body(10)[..]);
    assert!(raw.events.iter().any(|e| matches!(
        e,
        Event::StreamReset { stream, code: Reason::NO_ERROR, initiator: Initiator::Local } if *stream == id
    )));
    // Any other reset drops what waits.
    post(&mut raw, 3);
    let id = StreamId(3);
    raw.conn
        .send_response(id, Response::new(200), false)
        .unwrap();
    raw.conn.send_data(id, body(10), true).unwrap();
    raw.conn.reset_stream(id, Reason::CANCEL).unwrap();
    raw.drain();
    let frames = raw.take();
    assert!(data_of(&frames, 3).is_empty());
    assert!(frames
        .iter()
        .any(|f| f.kind == 3 && f.stream == 3 && f.code() == 8));
}

/// An application that streams a body in 4 KiB writes until refused, then waits for
/// `Writable`: written against events and commands only.
struct Sender {
    body: Bytes,
    at: usize,
    refused: usize,
    writable: usize,
}

impl Sender {
    fn on_event(&mut self, event: &Event, conn: &mut Connection) {
        match event {
            Event::Headers {
                stream,
                head: Head::Request(_),
                ..
            } => {
                conn.send_response(*stream, Response::new(200), false)
                    .unwrap();
                self.pump(*stream, conn);
            }
            Event::Writable { stream } => {
                self.writable += 1;
                self.pump(*stream, conn);
            }
            _ => {}
        }
    }

    fn pump(&mut self, stream: StreamId, conn: &mut Connection) {
        while self.at < self.body.len() {
            let n = (4 * KIB).min(self.body.len() - self.at);
            let end = self.at + n == self.body.len();
            match conn.send_data(stream, self.body.slice(self.at..self.at + n), end) {
                Ok(()) => self.at += n,
                Err(Misuse::BufferFull) => {
                    self.refused += 1;
                    return;
                }
                Err(e) => panic!("{e:?}"),
            }
        }
    }
}

#[test]
fn the_same_application_waits_for_writable_on_both_versions() {
    for version in [Version::Http11, Version::Http2] {
        let server = Config {
            send_buffer_per_stream: 10_000,
            ..Config::default()
        };
        let mut pair = Pair::with_version(version, Config::default(), server, Instant::now());
        let get = Request::new("GET", "/").field("host", "a");
        pair.client.send_request(get, true).unwrap();
        let mut app = Sender {
            body: body(100 * KIB),
            at: 0,
            refused: 0,
            writable: 0,
        };
        pair.run(|side, event, conn| {
            if side == Side::Server {
                app.on_event(event, conn);
            }
        });
        let received: Vec<u8> = pair
            .client_events
            .iter()
            .flat_map(|e| match e {
                Event::Data { data, .. } => data.to_vec(),
                _ => Vec::new(),
            })
            .collect();
        assert_eq!(received, &app.body[..], "{version:?}");
        // Each write that filled the buffer was followed by a refused one, and each
        // refusal by one `Writable`.
        assert!(app.refused > 0, "{version:?}");
        assert_eq!(app.writable, app.refused, "{version:?}");
    }
}
