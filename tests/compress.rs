//! The compression handlers between a client connection and a server dispatcher in
//! memory, with the same code on HTTP/1.1 and HTTP/2: the coding chosen by
//! `accept-encoding`, every rule that leaves a response alone, Content-Length, a
//! streamed body compressed as it goes, trailers; request bodies decoded, a
//! decompression bomb and a corrupt body refused.

#![cfg(feature = "compression")]

#[path = "support/bench.rs"]
mod bench;

use bench::{Bench, VERSIONS};
use bytes::Bytes;
use flate2::write::{GzDecoder, GzEncoder, ZlibDecoder, ZlibEncoder};
use flate2::Compression;
use std::io::Write;
use std::time::{Duration, Instant};
use weir::handler::{Compress, Decompress, Dispatcher};
use weir::{Command, Event, Fields, Head, Initiator, Request, Response, StreamId, Version};

/// The bound on decoded request bodies in these tests.
const MAX: usize = 1 << 20;

const SENTENCE: &str = "The quick brown fox jumps over the lazy dog, again and again.\n";

fn text(len: usize) -> Vec<u8> {
    SENTENCE.bytes().cycle().take(len).collect()
}

fn chain(d: Dispatcher) -> Dispatcher {
    d.handler(Compress::new())
        .handler(Decompress::new().max_size(MAX))
}

fn with_chain(version: Version) -> Bench {
    Bench::new(version, chain)
}

fn get(method: &'static str, accept: Option<&str>) -> Request {
    let request = Request::new(method, "/doc").field("host", "a");
    match accept {
        Some(a) => request.field("accept-encoding", a),
        None => request,
    }
}

fn text_head() -> Response {
    Response::new(200).field("content-type", "text/plain; charset=utf-8")
}

/// The application sends a response head; `end_stream`: no body follows.
fn send_head(bench: &mut Bench, stream: StreamId, head: Response, end_stream: bool) {
    let command = Command::Response {
        stream,
        head,
        end_stream,
    };
    bench.server.send(command).unwrap();
}

/// The application sends body bytes.
fn send_data(bench: &mut Bench, stream: StreamId, data: &[u8], end_stream: bool) {
    let data = Bytes::copy_from_slice(data);
    let command = Command::Data {
        stream,
        data,
        end_stream,
    };
    bench.server.send(command).unwrap();
}

/// The application's side: sends `head`, then each piece (the last ends the body).
fn answer(bench: &mut Bench, stream: StreamId, head: Response, pieces: &[&[u8]]) {
    send_head(bench, stream, head, pieces.is_empty());
    for (i, piece) in pieces.iter().enumerate() {
        send_data(bench, stream, piece, i + 1 == pieces.len());
    }
    bench.drive();
}

fn field<'a>(head: &'a Response, name: &str) -> Option<&'a str> {
    head.fields
        .get(name)
        .map(|v| std::str::from_utf8(v).expect("ASCII"))
}

/// Decodes `body` as `head`'s content-encoding says; `None`: none.
fn decode(head: &Response, body: &[u8]) -> Vec<u8> {
    match field(head, "content-encoding") {
        None => body.to_vec(),
        Some("gzip") => {
            let mut d = GzDecoder::new(Vec::new());
            d.write_all(body).unwrap();
            d.finish().expect("a complete gzip stream")
        }
        Some("deflate") => {
            let mut d = ZlibDecoder::new(Vec::new());
            d.write_all(body).unwrap();
            d.finish().expect("a complete zlib stream")
        }
        Some(other) => panic!("unexpected coding {other}"),
    }
}

/// What the bytes so far decode to, though the stream has not ended.
fn decode_so_far(body: &[u8]) -> Vec<u8> {
    let mut d = GzDecoder::new(Vec::new());
    d.write_all(body).unwrap();
    d.flush().unwrap();
    d.get_ref().clone()
}

#[test]
fn gzip_or_deflate_as_accept_encoding_weighs_them() {
    let cases = [
        ("gzip", Some("gzip")),
        ("deflate", Some("deflate")),
        ("x-gzip", Some("gzip")),
        ("deflate, gzip", Some("gzip")),
        ("gzip;q=0.5, deflate;q=0.8", Some("deflate")),
        ("gzip;q=0, *", Some("deflate")),
        ("*;q=0.1", Some("gzip")),
        ("br, identity", None),
        ("gzip;q=0, deflate;q=0", None),
        ("", None),
    ];
    let body = text(20_000);
    for version in VERSIONS {
        for (accept, coding) in cases {
            let mut bench = with_chain(version);
            let stream = bench.request(get("GET", Some(accept)), true);
            answer(
                &mut bench,
                stream,
                text_head(),
                &[&body[..9000], &body[9000..]],
            );
            let (head, wire) = bench.response(stream);
            let what = format!("{version:?} accept-encoding: {accept:?}");
            assert_eq!(field(&head, "content-encoding"), coding, "{what}");
            // Compressed, or compressible for another accept-encoding: it varies.
            assert_eq!(field(&head, "vary"), Some("accept-encoding"), "{what}");
            if coding.is_some() {
                assert!(wire.len() < body.len() / 10, "{what}: {} bytes", wire.len());
            }
            assert!(decode(&head, &wire) == body, "{what}: the body differs");
        }
    }
}

/// A request and its answer: (what, method, accept-encoding, head, body, whether the
/// answer varies with accept-encoding).
type Exclusion<'a> = (
    &'a str,
    &'static str,
    Option<&'a str>,
    Response,
    Option<&'a [u8]>,
    bool,
);

#[test]
fn every_exclusion_sends_the_response_as_it_is() {
    let body = text(5000);
    let cases: Vec<Exclusion> = vec![
        (
            "HEAD",
            "HEAD",
            Some("gzip"),
            text_head().field("content-length", "5000"),
            None,
            true,
        ),
        ("204", "GET", Some("gzip"), Response::new(204), None, false),
        (
            "304",
            "GET",
            Some("gzip"),
            Response::new(304).field("etag", "\"v1\""),
            None,
            false,
        ),
        (
            "already encoded",
            "GET",
            Some("gzip"),
            text_head().field("content-encoding", "identity-ish"),
            Some(&body),
            false,
        ),
        (
            "no-transform",
            "GET",
            Some("gzip"),
            text_head().field("cache-control", "max-age=60, no-transform"),
            Some(&body),
            false,
        ),
        (
            "not compressible",
            "GET",
            Some("gzip"),
            Response::new(200).field("content-type", "image/jpeg"),
            Some(&body),
            false,
        ),
        (
            "no content-type",
            "GET",
            Some("gzip"),
            Response::new(200),
            Some(&body),
            false,
        ),
        (
            "content-length at the threshold",
            "GET",
            Some("gzip"),
            text_head().field("content-length", "300"),
            Some(&body[..300]),
            false,
        ),
        (
            "a whole body at the threshold",
            "GET",
            Some("gzip"),
            text_head(),
            Some(&body[..300]),
            false,
        ),
        (
            "no accept-encoding",
            "GET",
            None,
            text_head(),
            Some(&body),
            true,
        ),
    ];
    for version in VERSIONS {
        for (what, method, accept, head, content, varies) in &cases {
            let mut bench = with_chain(version);
            let stream = bench.request(get(method, *accept), true);
            let pieces: Vec<&[u8]> = content.iter().copied().collect();
            answer(&mut bench, stream, head.clone(), &pieces);
            let (got, wire) = bench.response(stream);
            let what = format!("{version:?} {what}");
            assert_eq!(got.status, head.status, "{what}");
            assert_eq!(
                field(&got, "content-encoding"),
                field(head, "content-encoding"),
                "{what}"
            );
            let vary = varies.then_some("accept-encoding");
            assert_eq!(field(&got, "vary"), vary, "{what}");
            assert_eq!(field(&got, "etag"), field(head, "etag"), "{what}");
            assert!(
                wire == content.unwrap_or_default(),
                "{what}: the body changed"
            );
        }
    }
}

#[test]
fn informational_responses_pass_and_the_final_one_is_compressed() {
    for version in VERSIONS {
        let mut bench = with_chain(version);
        let stream = bench.request(get("GET", Some("gzip")), true);
        let hints = Response::new(103).field("link", "</style.css>; rel=preload");
        send_head(&mut bench, stream, hints, false);
        let body = text(4000);
        answer(&mut bench, stream, text_head(), &[&body]);
        let informational = bench.client_events.iter().find_map(|e| match e {
            Event::Headers {
                head: Head::Response(r),
                ..
            } if r.status == 103 => Some(r.clone()),
            _ => None,
        });
        let informational = informational.expect("the 103");
        assert!(!informational.fields.contains("content-encoding"));
        let (head, wire) = bench.response(stream);
        assert_eq!(
            field(&head, "content-encoding"),
            Some("gzip"),
            "{version:?}"
        );
        assert!(decode(&head, &wire) == body);
    }
}

#[test]
fn content_length_is_the_compressed_length_or_goes() {
    let body = text(10_000);
    for version in VERSIONS {
        // The whole body in one command: its compressed length is known.
        let mut bench = with_chain(version);
        let stream = bench.request(get("GET", Some("gzip")), true);
        let head = text_head()
            .field("content-length", "10000")
            .field("etag", "\"abc\"");
        answer(&mut bench, stream, head, &[&body]);
        let (head, wire) = bench.response(stream);
        let length = wire.len().to_string();
        assert_eq!(
            field(&head, "content-length"),
            Some(&*length),
            "{version:?}"
        );
        assert!(wire.len() < 1000, "{version:?}: {} bytes", wire.len());
        // RFC 9110 §8.8.3: other bytes, so the strong validator is made weak.
        assert_eq!(field(&head, "etag"), Some("W/\"abc\""));
        assert!(decode(&head, &wire) == body);

        // Streamed: the length is not known before the end.
        let mut bench = with_chain(version);
        let stream = bench.request(get("GET", Some("deflate")), true);
        let head = text_head().field("content-length", "10000");
        send_head(&mut bench, stream, head, false);
        for (data, end_stream) in [(&body[..1], false), (&body[1..], true)] {
            send_data(&mut bench, stream, data, end_stream);
            bench.drive();
        }
        let (head, wire) = bench.response(stream);
        assert_eq!(field(&head, "content-length"), None, "{version:?}");
        if version == Version::Http11 {
            assert_eq!(field(&head, "transfer-encoding"), Some("chunked"));
        }
        assert!(decode(&head, &wire) == body);
    }
}

#[test]
fn a_streamed_body_is_compressed_as_it_comes() {
    let body = text(30_000);
    let pieces = [&body[..10_000], &body[10_000..20_000], &body[20_000..]];
    for version in VERSIONS {
        let mut bench = with_chain(version);
        let stream = bench.request(get("GET", Some("gzip")), true);
        send_head(&mut bench, stream, text_head(), false);
        for (i, piece) in pieces.iter().enumerate() {
            send_data(&mut bench, stream, piece, false);
            bench.drive();
            // Before the application has sent the rest, what it sent so far is on the
            // client's side, and decodes.
            let (head, so_far) = bench.received(stream);
            let head = head.expect("the head leaves with the first piece");
            assert_eq!(field(&head, "content-encoding"), Some("gzip"));
            let expected = &body[..pieces[..=i].iter().map(|p| p.len()).sum::<usize>()];
            assert!(
                decode_so_far(&so_far) == expected,
                "{version:?}: piece {i} did not arrive whole"
            );
        }
        send_data(&mut bench, stream, b"", true);
        bench.drive();
        let (head, wire) = bench.response(stream);
        assert!(decode(&head, &wire) == body, "{version:?}");
        assert!(bench.client_events.iter().any(|e| matches!(
            e,
            Event::Data { stream: s, end_stream: true, .. } if *s == stream
        )));
    }
}

#[test]
fn trailers_follow_the_end_of_the_compressed_body() {
    let body = text(3000);
    for version in VERSIONS {
        let mut bench = with_chain(version);
        let stream = bench.request(get("GET", Some("gzip")), true);
        let head = text_head().field("trailer", "x-checksum");
        send_head(&mut bench, stream, head, false);
        send_data(&mut bench, stream, &body, false);
        let mut fields = Fields::new();
        fields.append("x-checksum", "done");
        bench
            .server
            .send(Command::Trailers { stream, fields })
            .unwrap();
        bench.drive();
        let (head, wire) = bench.response(stream);
        assert!(decode(&head, &wire) == body, "{version:?}");
        let trailers = bench.client_events.iter().find_map(|e| match e {
            Event::Trailers { stream: s, fields } if *s == stream => Some(fields),
            _ => None,
        });
        let trailers = trailers.expect("the trailers");
        assert_eq!(
            trailers.get("x-checksum"),
            Some(&b"done"[..]),
            "{version:?}"
        );
    }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn zlib(bytes: &[u8]) -> Vec<u8> {
    let mut e = ZlibEncoder::new(Vec::new(), Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// Sends a POST with `encoded` as its body, said to be in `coding`, in pieces of at
/// most `piece` bytes; `trailers`: the body ends with a trailer section.
fn post(bench: &mut Bench, coding: &str, encoded: &[u8], piece: usize, trailers: bool) -> StreamId {
    let mut request = Request::new("POST", "/up")
        .field("host", "a")
        .field("content-type", "text/plain")
        .field("content-encoding", coding)
        .field("accept-encoding", "gzip");
    if !trailers {
        request = request.field("content-length", encoded.len().to_string());
    }
    let stream = bench.client.send_request(request, false).unwrap();
    let pieces: Vec<&[u8]> = encoded.chunks(piece).collect();
    for (i, p) in pieces.iter().enumerate() {
        let last = i + 1 == pieces.len() && !trailers;
        let data = Bytes::copy_from_slice(p);
        if let Err(e) = bench.client.send_data(stream, data, last) {
            // The server answered early and ended the stream (or the connection): the
            // rest of the body is not wanted.
            assert!(
                bench.received(stream).0.is_some(),
                "refused without an answer: {e:?}"
            );
            return stream;
        }
        bench.drive();
    }
    if trailers {
        let mut fields = Fields::new();
        fields.append("x-sum", "1");
        bench.client.send_trailers(stream, fields).unwrap();
    }
    bench.drive();
    stream
}

/// What the application received on `stream`: the request, the body, whether the
/// body ended (with its last data or with trailers), and whether it heard of a reset
/// (exactly once).
fn app_view(bench: &Bench, stream: StreamId) -> (Option<Request>, Vec<u8>, bool, bool) {
    let (mut request, mut body, mut ended, mut resets) = (None, Vec::new(), false, 0);
    for e in &bench.server_events {
        match e {
            Event::Headers {
                stream: s,
                head: Head::Request(r),
                ..
            } if *s == stream => request = Some(r.clone()),
            Event::Data {
                stream: s,
                data,
                end_stream,
            } if *s == stream => {
                body.extend_from_slice(data);
                ended |= end_stream;
            }
            Event::Trailers { stream: s, .. } if *s == stream => ended = true,
            Event::StreamReset {
                stream: s,
                initiator: Initiator::Local,
                ..
            } if *s == stream => resets += 1,
            _ => {}
        }
    }
    assert!(resets <= 1, "{resets} resets for one stream");
    (request, body, ended, resets == 1)
}

#[test]
fn request_bodies_are_decoded_before_the_application_sees_them() {
    let body = text(200_000);
    for version in VERSIONS {
        for (coding, encoded, trailers) in [
            ("gzip", gzip(&body), false),
            ("deflate", zlib(&body), false),
            ("x-gzip", gzip(&body), true),
        ] {
            let what = format!("{version:?} {coding} trailers={trailers}");
            let mut bench = with_chain(version);
            let stream = post(&mut bench, coding, &encoded, 500, trailers);
            let (request, got, ended, reset) = app_view(&bench, stream);
            let request = request.expect("the request");
            assert!(!request.fields.contains("content-encoding"), "{what}");
            assert!(!request.fields.contains("content-length"), "{what}");
            assert!(ended && !reset, "{what}");
            assert!(got == body, "{what}: {} bytes decoded", got.len());
            // The same chain compresses the answer.
            answer(
                &mut bench,
                stream,
                text_head(),
                &[&got[..1000], &got[1000..]],
            );
            let (head, wire) = bench.response(stream);
            assert_eq!(field(&head, "content-encoding"), Some("gzip"), "{what}");
            assert!(decode(&head, &wire) == body, "{what}");
        }
        // Another coding, or two, are the application's to deal with.
        for coding in ["br", "gzip, gzip"] {
            let encoded = gzip(&gzip(b"twice"));
            let mut bench = with_chain(version);
            let stream = post(&mut bench, coding, &encoded, 500, false);
            let (request, got, ended, _) = app_view(&bench, stream);
            let request = request.expect("the request");
            assert_eq!(
                request.fields.get("content-encoding"),
                Some(coding.as_bytes())
            );
            assert!(ended && got == encoded, "{version:?} {coding}");
        }
    }
}

#[test]
fn a_decompression_bomb_gets_413_and_the_application_never_sees_it() {
    // 100 MiB of zeros, about 100 kB gzipped.
    let bomb = gzip(&vec![0; 100 << 20]);
    assert!(bomb.len() < 200_000, "{} bytes", bomb.len());
    for version in VERSIONS {
        let started = Instant::now();
        let mut bench = with_chain(version);
        let stream = post(&mut bench, "gzip", &bomb, 16 * 1024, false);
        let (head, body) = bench.response(stream);
        assert_eq!(head.status, 413, "{version:?}");
        assert!(body.is_empty());
        if version == Version::Http11 {
            // The rest of the body is not read: the connection closes after the 413.
            assert_eq!(field(&head, "connection"), Some("close"));
        }
        let (request, got, ended, reset) = app_view(&bench, stream);
        assert!(request.is_some(), "{version:?}");
        assert!(got.len() <= MAX, "{version:?}: {} bytes decoded", got.len());
        assert!(!ended && reset, "{version:?}: ended={ended} reset={reset}");
        // Whatever the application sends for the stream afterwards goes nowhere: the
        // handler drops it, or the connection refuses it for a stream that is over.
        let late = Command::Response {
            stream,
            head: text_head(),
            end_stream: true,
        };
        let _ = bench.server.send(late);
        bench.drive();
        let statuses: Vec<u16> = bench
            .client_events
            .iter()
            .filter_map(|e| match e {
                Event::Headers {
                    stream: s,
                    head: Head::Response(r),
                    ..
                } if *s == stream => Some(r.status),
                _ => None,
            })
            .collect();
        assert_eq!(statuses, [413], "{version:?}");
        // Decoding stopped at the bound, not at 100 MiB.
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{version:?}: took {:?}",
            started.elapsed()
        );
    }
}

#[test]
fn a_corrupt_body_gets_400() {
    let mut encoded = gzip(&text(5000));
    let middle = encoded.len() / 2;
    encoded[middle] ^= 0x55;
    for version in VERSIONS {
        for (coding, body) in [("gzip", &encoded[..]), ("deflate", b"plain, not zlib")] {
            let mut bench = with_chain(version);
            let stream = post(&mut bench, coding, body, 64, false);
            let (head, _) = bench.response(stream);
            assert_eq!(head.status, 400, "{version:?} {coding}");
            let (_, _, ended, reset) = app_view(&bench, stream);
            assert!(!ended && reset, "{version:?} {coding}");
        }
    }
}

#[test]
fn a_tunnel_is_neither_compressed_nor_decoded() {
    for version in VERSIONS {
        let mut bench = with_chain(version);
        let connect = Request::new("CONNECT", "example.com:443")
            .field("host", "example.com:443")
            .field("accept-encoding", "gzip")
            .field("content-encoding", "gzip");
        let stream = bench.request(connect, false);
        // A content type that would be compressed anywhere else.
        send_head(&mut bench, stream, text_head(), false);
        let raw = text(5000);
        send_data(&mut bench, stream, &raw, false);
        bench.drive();
        let (head, got) = bench.received(stream);
        let head = head.expect("the 200");
        assert_eq!(field(&head, "content-encoding"), None, "{version:?}");
        assert!(got == raw, "{version:?}: the tunnel's bytes changed");
        let bytes = Bytes::from_static(b"not gzip at all");
        bench.client.send_data(stream, bytes, false).unwrap();
        bench.drive();
        let (_, body, _, reset) = app_view(&bench, stream);
        assert_eq!(body, b"not gzip at all", "{version:?}");
        assert!(!reset, "{version:?}");
    }
}

#[test]
fn after_an_upgrade_the_bytes_are_raw() {
    // HTTP/1.1: a body in gzip, then 101 and a tunnel.
    let mut bench = with_chain(Version::Http11);
    let encoded = gzip(b"before the upgrade");
    let upgrade = Request::new("POST", "/")
        .field("host", "a")
        .field("upgrade", "echo")
        .field("connection", "upgrade")
        .field("content-encoding", "gzip")
        .field("content-length", encoded.len().to_string());
    let stream = bench.client.send_request(upgrade, false).unwrap();
    bench
        .client
        .send_data(stream, Bytes::from(encoded), true)
        .unwrap();
    bench.drive();
    let (_, body, ended, _) = app_view(&bench, stream);
    assert!(ended && body == b"before the upgrade");
    let switch = Response::new(101)
        .field("upgrade", "echo")
        .field("connection", "upgrade");
    send_head(&mut bench, stream, switch, false);
    bench.drive();
    let bytes = Bytes::from_static(b"raw, not gzip");
    bench.client.send_data(stream, bytes, false).unwrap();
    bench.drive();
    let (_, body, _, reset) = app_view(&bench, stream);
    assert_eq!(body, b"before the upgraderaw, not gzip");
    assert!(!reset);
}

#[test]
fn decoding_gives_the_window_back_under_manual_flow_control() {
    // Bytes that do not compress: the encoded body is larger than the 64 KiB windows,
    // and the application here never releases anything itself.
    let mut x = 0x2545_f491_4f6c_dd1d_u64;
    let noise: Vec<u8> = (0..300_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 32) as u8
        })
        .collect();
    let encoded = gzip(&noise);
    assert!(encoded.len() > 200_000);
    let config = weir::Config {
        h2_manual_flow_control: true,
        h2_initial_window_size: 65_535,
        h2_connection_window_size: 65_535,
        ..weir::Config::default()
    };
    let mut bench = Bench::with_config(Version::Http2, config, chain);
    let stream = post(&mut bench, "gzip", &encoded, 16 * 1024, false);
    let (_, body, ended, reset) = app_view(&bench, stream);
    assert!(
        ended && !reset,
        "{} of {} bytes decoded",
        body.len(),
        noise.len()
    );
    assert!(body == noise);
}
