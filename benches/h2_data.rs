//! Receiving a request body over HTTP/2: a server connection reads a POST whose body
//! comes in 64 DATA frames of 16 KiB on one stream (1 MiB), from bytes built once
//! beforehand (the client preface, SETTINGS, HEADERS, the DATA frames).
//!
//! Measured two ways, as throughput of body bytes:
//!
//! - `one_read`: all the bytes in one `handle_input`, then the output drained;
//! - `reads_64k`: the bytes in reads of 64 KiB, the output drained after each, as a
//!   socket loop would.
//!
//! Only the DATA frames are timed: each iteration gets a new connection that has read
//! the preface, SETTINGS and HEADERS outside the clock. Before the measurements it
//! checks that the body is not copied beyond the one copy from the caller's slice into
//! the connection's input buffer (every DATA event is a slice of that buffer, right
//! after its frame's header) and prints the allocations per DATA frame, counted over
//! the DATA frames alone.

use std::hint::black_box;
use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::{criterion_group, Criterion, Throughput};
use weir::hpack::Encoder;
use weir::{Config, Connection, Event, Fields, Head, Output, Side, StreamId, Version};

#[path = "support/counting.rs"]
mod counting;

#[global_allocator]
static GLOBAL: counting::Counting = counting::Counting;

/// DATA frames in the body, and the size of each: the protocol's default largest frame.
const FRAMES: usize = 64;
const FRAME: usize = 16 * 1024;
const BODY: usize = FRAMES * FRAME;
/// The size of a read in `reads_64k`.
const READ: usize = 64 * 1024;

const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
/// RFC 9113 §4.1: a frame's header.
const HEADER_LEN: usize = 9;
const DATA: u8 = 0x0;
const HEADERS: u8 = 0x1;
const SETTINGS: u8 = 0x4;
const END_STREAM: u8 = 0x1;
const END_HEADERS: u8 = 0x4;

fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8], out: &mut Vec<u8>) {
    let len = u32::try_from(payload.len()).expect("a small frame");
    out.extend_from_slice(&len.to_be_bytes()[1..]);
    out.extend_from_slice(&[kind, flags]);
    out.extend_from_slice(&stream.to_be_bytes());
    out.extend_from_slice(payload);
}

/// What a client sends: its preface, an empty SETTINGS and the request's HEADERS (coded
/// by the crate's own HPACK encoder); then the body's DATA frames, the last with
/// END_STREAM, and the offset of each DATA frame's payload in them.
fn client_bytes() -> (Vec<u8>, Vec<u8>, Vec<usize>) {
    let mut out = PREFACE.to_vec();
    frame(SETTINGS, 0, 0, &[], &mut out);
    let mut fields = Fields::new();
    for (name, value) in [
        (":method", "POST"),
        (":scheme", "https"),
        (":authority", "www.example.com"),
        (":path", "/upload"),
        ("content-type", "application/octet-stream"),
        ("content-length", &BODY.to_string()),
    ] {
        fields.append(name, value);
    }
    let mut block = Vec::new();
    Encoder::new().encode(&fields, &mut block);
    frame(HEADERS, END_HEADERS, 1, &block, &mut out);
    let head = out;
    let mut out = Vec::with_capacity(FRAMES * (HEADER_LEN + FRAME));
    // A body that is not all one byte, so that a misplaced slice would show.
    let body: Vec<u8> = (0..BODY).map(|i| (i % 251) as u8).collect();
    let mut offsets = Vec::with_capacity(FRAMES);
    for (i, chunk) in body.chunks(FRAME).enumerate() {
        let flags = if i == FRAMES - 1 { END_STREAM } else { 0 };
        offsets.push(out.len() + HEADER_LEN);
        frame(DATA, flags, 1, chunk, &mut out);
    }
    (head, out, offsets)
}

fn config() -> Config {
    // Windows as large as the body, so that flow control never waits on the
    // application (the automatic release would keep it going anyway).
    Config {
        h2_initial_window_size: 16 << 20,
        h2_connection_window_size: 16 << 20,
        ..Config::default()
    }
}

/// A server connection that has read the client's preface and request head.
fn server(now: Instant, head: &[u8]) -> (Connection, Vec<u8>) {
    let mut conn = Connection::with_version(Side::Server, Version::Http2, config(), now);
    let mut out = Vec::with_capacity(4096);
    drain(&mut conn, &mut out, |_| {});
    conn.handle_input(now, head);
    let mut request = None;
    drain(&mut conn, &mut out, |ev| match ev {
        Event::Headers {
            stream,
            head: Head::Request(r),
            end_stream: false,
        } => request = Some((stream, r)),
        other => panic!("unexpected event {other:?}"),
    });
    let (stream, request) = request.expect("the request head");
    assert_eq!(stream, StreamId(1));
    assert_eq!(request.method.as_ref(), b"POST");
    (conn, out)
}

/// Drains the output until the connection waits, handing each event to `on_event`.
fn drain(conn: &mut Connection, out: &mut Vec<u8>, mut on_event: impl FnMut(Event)) {
    loop {
        match conn.poll_output(out) {
            Output::Transmit => out.clear(),
            Output::Event(ev) => on_event(ev),
            Output::Timeout(_) => return,
        }
    }
}

/// Feeds `bytes` in reads of at most `read` octets, draining after each; returns the
/// body bytes received.
fn receive(
    conn: &mut Connection,
    out: &mut Vec<u8>,
    now: Instant,
    bytes: &[u8],
    read: usize,
) -> usize {
    let mut body = 0;
    for chunk in bytes.chunks(read) {
        conn.handle_input(now, chunk);
        drain(conn, out, |ev| match ev {
            Event::Data { data, .. } => body += black_box(data).len(),
            other => panic!("unexpected event {other:?}"),
        });
    }
    body
}

/// Every DATA event of one read of all the frames is a slice of one buffer, the
/// connection's input: each starts where its frame's payload sits in what was fed
/// (same distance from the first), holds the same bytes, and they add up to the body.
fn check_zero_copy(head: &[u8], frames: &[u8], offsets: &[usize]) {
    let now = Instant::now();
    let (mut conn, mut out) = server(now, head);
    conn.handle_input(now, frames);
    let mut data: Vec<Bytes> = Vec::new();
    drain(&mut conn, &mut out, |ev| match ev {
        Event::Data {
            stream,
            data: d,
            end_stream,
        } => {
            assert_eq!(stream, StreamId(1));
            assert_eq!(end_stream, data.len() == FRAMES - 1);
            data.push(d);
        }
        other => panic!("unexpected event {other:?}"),
    });
    assert_eq!(data.len(), FRAMES, "one event per DATA frame");
    assert_eq!(data.iter().map(Bytes::len).sum::<usize>(), BODY);
    let base = data[0].as_ptr() as usize;
    for (d, &at) in data.iter().zip(offsets) {
        assert_eq!(
            d.as_ref(),
            &frames[at..at + FRAME],
            "the body's bytes, in order"
        );
        assert_eq!(
            d.as_ptr() as usize - base,
            at - offsets[0],
            "each DATA event is a slice of the one input buffer"
        );
    }
}

/// Allocations per DATA frame over `runs` bodies (read as `read` says), counted from
/// the first DATA frame on: the connection and the request head are not counted.
fn allocations_per_frame(head: &[u8], frames: &[u8], read: usize, runs: usize) -> f64 {
    let now = Instant::now();
    let mut total = 0;
    for _ in 0..runs {
        let (mut conn, mut out) = server(now, head);
        let before = counting::allocations();
        assert_eq!(receive(&mut conn, &mut out, now, frames, read), BODY);
        total += counting::allocations() - before;
    }
    total as f64 / (runs * FRAMES) as f64
}

fn h2_data(c: &mut Criterion) {
    let (head, frames, _) = client_bytes();
    let now = Instant::now();
    let mut group = c.benchmark_group("h2_data");
    group.throughput(Throughput::Bytes(BODY as u64));
    for (name, read) in [("one_read", frames.len()), ("reads_64k", READ)] {
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let mut timed = Duration::ZERO;
                for _ in 0..iters {
                    let (mut conn, mut out) = server(now, &head);
                    let start = Instant::now();
                    let body = receive(&mut conn, &mut out, now, black_box(&frames), read);
                    timed += start.elapsed();
                    assert_eq!(body, BODY);
                }
                timed
            })
        });
    }
    group.finish();
}

criterion_group!(benches, h2_data);

fn main() {
    let (head, frames, offsets) = client_bytes();
    check_zero_copy(&head, &frames, &offsets);
    println!(
        "{FRAMES} DATA frames of {FRAME} octets ({} octets fed): every DATA event is a \
         slice of the input buffer; allocations per DATA frame: one read {:.2}, reads of \
         64 KiB {:.2}",
        frames.len(),
        allocations_per_frame(&head, &frames, frames.len(), 20),
        allocations_per_frame(&head, &frames, READ, 20),
    );
    benches();
    Criterion::default().configure_from_args().final_summary();
}
