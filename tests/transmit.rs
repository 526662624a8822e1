//! `poll_output_vectored`: the same bytes as `poll_output`, with large body chunks
//! passed on as the application's own memory.

use bytes::Bytes;
use std::time::Instant;
use weir::{Config, Connection, Event, Output, Request, Response, Side, Transmit, Version};

/// A server that got one GET and answered it with `body` in `pieces` writes, and the
/// bytes it transmits for that answer, through `Transmit` (vectored) or a `Vec`.
fn answer(body: &Bytes, pieces: usize, vectored: bool) -> (Vec<u8>, Vec<(usize, usize)>) {
    let now = Instant::now();
    let mut client = Connection::with_version(Side::Client, Version::Http2, Config::default(), now);
    let mut server = Connection::with_version(Side::Server, Version::Http2, Config::default(), now);
    client
        .send_request(Request::new("GET", "/").field("host", "a"), true)
        .unwrap();
    let mut wire = Vec::new();
    while !matches!(client.poll_output(&mut wire), Output::Timeout(_)) {}
    server.handle_input(now, &wire);
    let (mut plain, mut out) = (Vec::new(), Transmit::new());
    let mut sent = Vec::new();
    // Where each slice of a vectored transmission lies in memory.
    let mut slices = Vec::new();
    loop {
        let output = if vectored {
            server.poll_output_vectored(&mut out)
        } else {
            server.poll_output(&mut plain)
        };
        match output {
            Output::Transmit => {
                for c in out.chunks() {
                    slices.push((c.as_ptr() as usize, c.len()));
                }
                out.copy_to(&mut sent);
                out.clear();
                sent.append(&mut plain);
            }
            Output::Event(Event::Headers { stream, .. }) => {
                server
                    .send_response(stream, Response::new(200), false)
                    .unwrap();
                let step = body.len().div_ceil(pieces).max(1);
                let mut at = 0;
                while at < body.len() {
                    let end = (at + step).min(body.len());
                    server
                        .send_data(stream, body.slice(at..end), end == body.len())
                        .unwrap();
                    at = end;
                }
                if body.is_empty() {
                    server.send_data(stream, Bytes::new(), true).unwrap();
                }
            }
            Output::Event(_) => {}
            Output::Timeout(_) => break,
        }
    }
    (sent, slices)
}

#[test]
fn vectored_output_is_the_same_bytes_and_shares_large_chunks() {
    for len in [0usize, 100, 1023, 1024, 5000, 16_384, 16_385, 60_000] {
        for pieces in [1, 3] {
            let body = Bytes::from((0..len).map(|i| (i % 251) as u8).collect::<Vec<u8>>());
            let (plain, _) = answer(&body, pieces, false);
            let (vectored, slices) = answer(&body, pieces, true);
            assert_eq!(plain, vectored, "{len} bytes in {pieces} writes");
            // DATA payloads of 1 KiB or more are slices of the body itself: all of it
            // but the tail of a frame (a frame holds at most 16,384 octets, a write
            // two of them here); shorter payloads are copied.
            let body_at = body.as_ptr() as usize..body.as_ptr() as usize + body.len();
            let shared: usize = slices
                .iter()
                .filter(|(at, _)| body_at.contains(at))
                .map(|(_, n)| n)
                .sum();
            let step = len.div_ceil(pieces);
            if step < 1024 {
                assert_eq!(shared, 0, "{len} bytes in {pieces} writes");
            } else {
                assert!(
                    shared <= len && shared + 1023 * pieces >= len,
                    "{len}, {pieces}: {shared}"
                );
            }
        }
    }
}
