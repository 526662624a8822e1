//! The cases of the h2spec conformance tool's server groups (strict mode: `generic`,
//! `http2` and `hpack`), each as the tool runs it, and the tests made from them.
//!
//! Shared by every adapter's `h2spec` test: a test file includes this module and
//! `harness` (and `hpack`, which both use) at its crate root, then calls
//! `h2spec_tests!` with the server to run the cases against.

use super::harness::*;
use super::hpack;

const ZERO: [u8; 8] = [0; 8];
const H2SPEC: [u8; 8] = *b"h2spec\0\0";

/// The common request with another method.
fn with_method(c: &Ctx, method: &str) -> Fields {
    let mut h = c.common_headers();
    h[0].1 = method.to_string();
    h
}

/// The common request followed by more fields.
fn with_fields(mut h: Fields, extra: &[(&str, &str)]) -> Fields {
    h.extend(extra.iter().map(|(n, v)| field(n, v)));
    h
}

/// The common request's block followed by raw representation octets.
fn common_block_then(c: &Ctx, conn: &mut Conn, rep: &[u8]) -> Vec<u8> {
    let mut block = conn.encode(&c.common_headers());
    block.extend_from_slice(rep);
    block
}

/// Sends a complete `GET` on stream 1 whose block ends with `rep`.
fn get_with_rep(c: &Ctx, conn: &mut Conn, rep: &[u8]) {
    let block = common_block_then(c, conn, rep);
    conn.write_headers(1, true, true, &block);
}

/// Sends a `GET` on stream 1 (END_STREAM and END_HEADERS).
fn get(c: &Ctx, conn: &mut Conn, stream: u32) {
    let block = conn.encode(&c.common_headers());
    conn.write_headers(stream, true, true, &block);
}

fn skip_if_short(c: &Ctx, at_least: usize) -> Outcome {
    let len = c.server_data_length()?;
    if len < at_least {
        return Err(Fail::Skipped(format!(
            "the body of GET {} has {len} octets",
            c.path
        )));
    }
    Ok(())
}

/// A DATA frame of exactly one octet arrives first.
fn first_data_is_one_octet(conn: &mut Conn) -> Outcome {
    conn.verify_first_of_type(
        DATA,
        "DATA Frame (length:1, flags:0x00, stream_id:1)".into(),
        |f| f.payload.len() == 1,
    )
}

// ==== generic ======================================================================

pub static GENERIC_1: &[Case] = &[Case {
    desc: "Sends a client connection preface",
    // RFC 9113 §3.4: the server preface is a SETTINGS frame, the first frame sent.
    run: |_, conn| {
        let _ = conn.send(PREFACE);
        conn.write_settings(&[(INITIAL_WINDOW_SIZE, DEFAULT_WINDOW)]);
        match conn.wait_event() {
            Event::Frame(f) if f.typ == SETTINGS && !f.is_ack() => Ok(()),
            other => Err(Fail::Failed {
                expected: vec!["SETTINGS Frame (flags:0x00)".into()],
                actual: other.describe(),
            }),
        }
    },
}];

pub static GENERIC_2: &[Case] = &[
    Case {
        desc: "Sends a PRIORITY frame on idle stream",
        // RFC 9113 §5.1: PRIORITY is allowed on an idle stream.
        run: |_, conn| {
            conn.handshake()?;
            conn.write_priority(1, 0, false, 255);
            conn.write_ping(false, ZERO);
            conn.verify_ping_ack(ZERO)
        },
    },
    Case {
        desc: "Sends a WINDOW_UPDATE frame on half-closed (remote) stream",
        // RFC 9113 §5.1: WINDOW_UPDATE is allowed in half-closed (remote); with an
        // initial window of 0 the response waits for it.
        run: |c, conn| {
            conn.handshake()?;
            conn.write_settings(&[(INITIAL_WINDOW_SIZE, 0)]);
            get(c, conn, 1);
            conn.write_window_update(1, 1);
            conn.verify_event_type(DATA)
        },
    },
    Case {
        desc: "Sends a PRIORITY frame on half-closed (remote) stream",
        // RFC 9113 §5.1: PRIORITY is allowed in half-closed (remote).
        run: |c, conn| {
            conn.handshake()?;
            conn.write_settings(&[(INITIAL_WINDOW_SIZE, 0)]);
            get(c, conn, 1);
            conn.write_priority(1, 0, false, 255);
            conn.write_window_update(1, 1);
            conn.verify_event_type(DATA)
        },
    },
    Case {
        desc: "Sends a RST_STREAM frame on half-closed (remote) stream",
        // RFC 9113 §5.1: RST_STREAM is allowed in half-closed (remote).
        run: |c, conn| {
            conn.handshake()?;
            get(c, conn, 1);
            conn.write_rst_stream(1, CANCEL);
            conn.write_ping(false, ZERO);
            conn.verify_ping_ack(ZERO)
        },
    },
    Case {
        desc: "Sends a PRIORITY frame on closed stream",
        // RFC 9113 §5.1: PRIORITY is allowed on a closed stream.
        run: |c, conn| {
            conn.handshake()?;
            get(c, conn, 1);
            conn.verify_stream_close()?;
            conn.write_priority(1, 0, false, 255);
            conn.write_ping(false, ZERO);
            conn.verify_ping_ack(ZERO)
        },
    },
];

pub static GENERIC_3_1: &[Case] = &[
    Case {
        desc: "Sends a DATA frame",
        // RFC 9113 §6.1: DATA carries a request body.
        run: |c, conn| {
            conn.handshake()?;
            let block = conn.encode(&with_method(c, "POST"));
            conn.write_headers(1, false, true, &block);
            conn.write_data(1, true, b"test");
            conn.verify_headers_frame(1)
        },
    },
    Case {
        desc: "Sends multiple DATA frames",
        // RFC 9113 §6.1: a body may span several DATA frames.
        run: |c, conn| {
            conn.handshake()?;
            let block = conn.encode(&with_method(c, "POST"));
            conn.write_headers(1, false, true, &block);
            conn.write_data(1, false, b"test");
            conn.write_data(1, true, b"test");
            conn.verify_headers_frame(1)
        },
    },
    Case {
        desc: "Sends a DATA frame with padding",
        // RFC 9113 §6.1: DATA may be padded.
        run: |c, conn| {
            conn.handshake()?;
            let block = conn.encode(&with_method(c, "POST"));
            conn.write_headers(1, false, true, &block);
            conn.write_data_padded(1, true, b"test", &[0; 5]);
            conn.verify_headers_frame(1)
        },
    },
];

pub static GENERIC_3_2: &[Case] = &[
    Case {
        desc: "Sends a HEADERS frame",
        // RFC 9113 §6.2: HEADERS opens a stream.
        run: |c, conn| {
            conn.handshake()?;
            get(c, conn, 1);
            conn.verify_headers_frame(1)
        },
    },
    Case {
        desc: "Sends a HEADERS frame with padding",
        // RFC 9113 §6.2: HEADERS may be padded.
        run: |c, conn| {
            conn.handshake()?;
            let block = conn.encode(&c.common_headers());
            conn.write_headers_with(1, true, true, &block, 8, (0, false, 0));
            conn.verify_headers_frame(1)
        },
    },
    Case {
        desc: "Sends a HEADERS frame with priority",
        // RFC 9113 §6.2: the PRIORITY flag and its fields are still accepted.
        run: |c, conn| {
            conn.handshake()?;
            let block = conn.encode(&c.common_headers());
            conn.write_headers_with(1, true, true, &block, 0, (0, false, 255));
            conn.verify_headers_frame(1)
        },
    },
];

pub static GENERIC_3_3: &[Case] = &[
    Case {
        desc: "Sends a PRIORITY frame with priority 1",
        // RFC 9113 §6.3: PRIORITY may be sent in any stream state.
        run: |c, conn| {
            conn.handshake()?;
            conn.write_priority(1, 0, false, 0);
            get(c, conn, 1);
            conn.verify_headers_frame(1)
        },
    },
    Case {
        desc: "Sends a PRIORITY frame with priority 256",
        // RFC 9113 §6.3: the largest weight.
        run: |c, conn| {
            conn.handshake()?;
            conn.write_priority(1, 0, false, 255);
            get(c, conn, 1);
            conn.verify_headers_frame(1)
        },
    },
    Case {
        desc: "Sends a PRIORITY frame with stream dependency",
        // RFC 9113 §6.3: a dependency on another stream.
        run: |c, conn| {
            conn.handshake()?;
            conn.write_priority(3, 1, false, 0);
            get(c, conn, 1);
            conn.verify_headers_frame(1)
        },
    },
    Case {
        desc: "Sends a PRIORITY frame with exclusive",
        // RFC 9113 §6.3: the exclusive bit.
        run: |c, conn| {
            conn.handshake()?;
            conn.write_priority(1, 0, true, 0);
            get(c, conn, 1);
            conn.verify_headers_frame(1)
        },
    },
    Case {
        desc: "Sends a PRIORITY frame for an idle stream, then send a HEADER frame for a lower stream ID",
        // RFC 9113 §6.3: PRIORITY on an idle stream does not open it, so a lower
        // stream identifier can still be used.
        run: |c, conn| {
            conn.handshake()?;
            conn.write_priority(3, 0, false, 255);
            get(c, conn, 1);
            conn.verify_headers_frame(1)
        },
    },
];

pub static GENERIC_3_4: &[Case] = &[Case {
    desc: "Sends a RST_STREAM frame",
    // RFC 9113 §6.4: RST_STREAM cancels an open stream.
    run: |c, conn| {
        conn.handshake()?;
        let block = conn.encode(&c.common_headers());
        conn.write_headers(1, false, true, &block);
        conn.write_rst_stream(1, CANCEL);
        conn.write_ping(false, ZERO);
        conn.verify_ping_ack(ZERO)
    },
}];

pub static GENERIC_3_5: &[Case] = &[Case {
    desc: "Sends a SETTINGS frame",
    // RFC 9113 §6.5: every defined setting at a valid value, acknowledged.
    run: |_, conn| {
        conn.handshake()?;
        conn.write_settings(&[
            (HEADER_TABLE_SIZE, 4096),
            (ENABLE_PUSH, 1),
            (MAX_CONCURRENT_STREAMS, 100),
            (INITIAL_WINDOW_SIZE, 65535),
            (MAX_FRAME_SIZE, 16384),
            (MAX_HEADER_LIST_SIZE, 100),
        ]);
        conn.verify_settings_ack()
    },
}];

pub static GENERIC_3_7: &[Case] = &[Case {
    desc: "Sends a PING frame",
    // RFC 9113 §6.7: PING is answered with the same payload.
    run: |_, conn| {
        conn.handshake()?;
        conn.write_ping(false, H2SPEC);
        conn.verify_ping_ack(H2SPEC)
    },
}];

pub static GENERIC_3_8: &[Case] = &[Case {
    desc: "Sends a GOAWAY frame",
    // RFC 9113 §6.8: after the client's GOAWAY the server may still answer a
    // PING, or close.
    run: |_, conn| {
        conn.handshake()?;
        conn.write_goaway(0, NO_ERROR, b"h2spec");
        conn.write_ping(false, H2SPEC);
        conn.verify_ping_ack_or_close(H2SPEC)
    },
}];

pub static GENERIC_3_9: &[Case] = &[
    Case {
        desc: "Sends a WINDOW_UPDATE frame with stream ID 0",
        // RFC 9113 §6.9: the connection window.
        run: |_, conn| {
            conn.handshake()?;
            conn.write_window_update(0, 1);
            conn.write_ping(false, ZERO);
            conn.verify_ping_ack(ZERO)
        },
    },
    Case {
        desc: "Sends a WINDOW_UPDATE frame with stream ID 1",
        // RFC 9113 §6.9: a stream window.
        run: |c, conn| {
            conn.handshake()?;
            get(c, conn, 1);
            conn.write_window_update(1, 1);
            conn.verify_headers_frame(1)
        },
    },
];

pub static GENERIC_3_10: &[Case] = &[
    Case {
        desc: "Sends a CONTINUATION frame",
        // RFC 9113 §6.10: a field block split over HEADERS and CONTINUATION.
        run: |c, conn| {
            conn.handshake()?;
            let block = conn.encode(&c.common_headers());
            conn.write_headers(1, true, false, &block[..5]);
            conn.write_continuation(1, true, &block[5..]);
            conn.verify_headers_frame(1)
        },
    },
    Case {
        desc: "Sends multiple CONTINUATION frames",
        // RFC 9113 §6.10: any number of CONTINUATION frames.
        run: |c, conn| {
            conn.handshake()?;
            let block = conn.encode(&c.common_headers());
            conn.write_headers(1, true, false, &block[..5]);
            conn.write_continuation(1, false, &block[5..10]);
            conn.write_continuation(1, true, &block[10..]);
            conn.verify_headers_frame(1)
        },
    },
];

pub static GENERIC_4: &[Case] = &[
    Case {
        desc: "Sends a GET request",
        // RFC 9113 §8.1: the response comes on the request's stream.
        run: |c, conn| {
            conn.handshake()?;
            get(c, conn, 1);
            conn.verify_headers_frame(1)
        },
    },
    Case {
        desc: "Sends a HEAD request",
        run: |c, conn| {
            conn.handshake()?;
            let block = conn.encode(&with_method(c, "HEAD"));
            conn.write_headers(1, true, true, &block);
            conn.verify_headers_frame(1)
        },
    },
    Case {
        desc: "Sends a POST request",
        run: |c, conn| {
            conn.handshake()?;
            let block = conn.encode(&with_method(c, "POST"));
            conn.write_headers(1, false, true, &block);
            conn.write_data(1, true, b"test");
            conn.verify_headers_frame(1)
        },
    },
    Case {
        desc: "Sends a POST request with trailers",
        // RFC 9113 §8.1: a trailer section ends the request.
        run: |c, conn| {
            conn.handshake()?;
            let fields = with_fields(with_method(c, "POST"), &[("trailer", "x-test")]);
            let block = conn.encode(&fields);
            conn.write_headers(1, false, true, &block);
            conn.write_data(1, false, b"test");
            let trailers = conn.encode(&vec![field("x-test", "ok")]);
            conn.write_headers(1, true, true, &trailers);
            conn.verify_headers_frame(1)
        },
    },
];

// RFC 7541 §6: each representation appended to the common request's block.
pub static GENERIC_5: &[Case] = &[
    Case {
        desc: "Sends a indexed header field representation",
        // RFC 7541 §6.1: index 58 (user-agent with an empty value).
        run: |c, conn| {
            conn.handshake()?;
            get_with_rep(c, conn, b"\xba");
            conn.verify_headers_frame(1)
        },
    },
    Case {
        desc: "Sends a literal header field with incremental indexing - indexed name",
        // RFC 7541 §6.2.1 (the octets carry a Huffman-coded new name).
        run: |c, conn| {
            conn.handshake()?;
            get_with_rep(c, conn, b"\x40\x87\xb5\x05\xb1\x61\xcc\x5a\x93\x84\x9c\x48\xac\xa4");
            conn.verify_headers_frame(1)
        },
    },
    Case {
        desc: "Sends a literal header field with incremental indexing - indexed name (with Huffman coding)",
        // RFC 7541 §6.2.1 (the octets carry a plain new name).
        run: |c, conn| {
            conn.handshake()?;
            get_with_rep(
                c,
                conn,
                b"\x40\x0a\x75\x73\x65\x72\x2d\x61\x67\x65\x6e\x74\x06\x68\x32\x73\x70\x65\x63",
            );
            conn.verify_headers_frame(1)
        },
    },
    Case {
        desc: "Sends a literal header field with incremental indexing - new name",
        // RFC 7541 §6.2.1: x-test: h2spec, plain strings.
        run: |c, conn| {
            conn.handshake()?;
            get_with_rep(c, conn, b"\x40\x06\x78\x2d\x74\x65\x73\x74\x06\x68\x32\x73\x70\x65\x63");
            conn.verify_headers_frame(1)
        },
    },
    Case {
        desc: "Sends a literal header field with incremental indexing - new name (with Huffman coding)",
        // RFC 7541 §6.2.1: x-test: h2spec, Huffman strings.
        run: |c, conn| {
            conn.handshake()?;
            get_with_rep(c, conn, b"\x40\x85\xf2\xb2\x4a\x84\xff\x84\x9c\x48\xac\xa4");
            conn.verify_headers_frame(1)
        },
    },
    Case {
        desc: "Sends a literal header field without indexing - indexed name",
        // RFC 7541 §6.2.2.
        run: |c, conn| {
            conn.handshake()?;
            get_with_rep(
                c,
                conn,
                b"\x00\x0a\x75\x73\x65\x72\x2d\x61\x67\x65\x6e\x74\x06\x68\x32\x73\x70\x65\x63",
            );
            conn.verify_headers_frame(1)
        },
    },
    Case {
        desc: "Sends a literal header field without indexing - indexed name (with Huffman coding)",
        // RFC 7541 §6.2.2.
        run: |c, conn| {
            conn.handshake()?;
            get_with_rep(c, conn, b"\x00\x87\xb5\x05\xb1\x61\xcc\x5a\x93\x84\x9c\x48\xac\xa4");
            conn.verify_headers_frame(1)
        },
    },
    Case {
        desc: "Sends a literal header field without indexing - new name",
        // RFC 7541 §6.2.2.
        run: |c, conn| {
            conn.handshake()?;
            get_with_rep(c, conn, b"\x00\x06\x78\x2d\x74\x65\x73\x74\x06\x68\x32\x73\x70\x65\x63");
            conn.verify_headers_frame(1)
        },
    },
    Case {
        desc: "Sends a literal header field without indexing - new name (huffman encoded)",
        // RFC 7541 §6.2.2.
        run: |c, conn| {
            conn.handshake()?;
            get_with_rep(c, conn, b"\x00\x85\xf2\xb2\x4a\x84\xff\x84\x9c\x48\xac\xa4");
            conn.verify_headers_frame(1)
        },
    },
    Case {
        desc: "Sends a literal header field never indexed - indexed name",
        // RFC 7541 §6.2.3.
        run: |c, conn| {
            conn.handshake()?;
            get_with_rep(
                c,
                conn,
                b"\x10\x0a\x75\x73\x65\x72\x2d\x61\x67\x65\x6e\x74\x06\x68\x32\x73\x70\x65\x63",
            );
            conn.verify_headers_frame(1)
        },
    },
    Case {
        desc: "Sends a literal header field never indexed - indexed name (huffman encoded)",
        // RFC 7541 §6.2.3.
        run: |c, conn| {
            conn.handshake()?;
            get_with_rep(c, conn, b"\x10\x87\xb5\x05\xb1\x61\xcc\x5a\x93\x84\x9c\x48\xac\xa4");
            conn.verify_headers_frame(1)
        },
    },
    Case {
        desc: "Sends a literal header field never indexed - new name",
        // RFC 7541 §6.2.3 (the tool sends Huffman strings here too).
        run: |c, conn| {
            conn.handshake()?;
            get_with_rep(c, conn, b"\x10\x85\xf2\xb2\x4a\x84\xff\x84\x9c\x48\xac\xa4");
            conn.verify_headers_frame(1)
        },
    },
    Case {
        desc: "Sends a literal header field never indexed - new name (huffman encoded)",
        // RFC 7541 §6.2.3.
        run: |c, conn| {
            conn.handshake()?;
            get_with_rep(c, conn, b"\x10\x85\xf2\xb2\x4a\x84\xff\x84\x9c\x48\xac\xa4");
            conn.verify_headers_frame(1)
        },
    },
    Case {
        desc: "Sends a dynamic table size update",
        // RFC 7541 §6.3: the block starts with a size update to 128.
        run: |c, conn| {
            conn.handshake()?;
            conn.set_max_table_size(128);
            get(c, conn, 1);
            conn.verify_headers_frame(1)
        },
    },
    Case {
        desc: "Sends multiple dynamic table size update",
        // RFC 7541 §4.2: two size updates (128, then 4096) at the block's start.
        run: |c, conn| {
            conn.handshake()?;
            let mut block = b"\x3f\x61\x3f\xe1\x1f".to_vec();
            block.extend(conn.encode(&c.common_headers()));
            conn.write_headers(1, true, true, &block);
            conn.verify_headers_frame(1)
        },
    },
];

// ==== http2 ========================================================================

pub static HTTP2_3_5: &[Case] = &[
    Case {
        desc: "Sends client connection preface",
        // RFC 9113 §3.4: the server's first frame is SETTINGS.
        run: |_, conn| {
            let _ = conn.send(PREFACE);
            conn.write_settings(&[(INITIAL_WINDOW_SIZE, DEFAULT_WINDOW)]);
            match conn.wait_event() {
                Event::Frame(f) if f.typ == SETTINGS && !f.is_ack() => Ok(()),
                other => Err(Fail::Failed {
                    expected: vec!["SETTINGS Frame (flags:0x00)".into()],
                    actual: other.describe(),
                }),
            }
        },
    },
    Case {
        desc: "Sends invalid connection preface",
        // RFC 9113 §3.4: an invalid preface is a connection error PROTOCOL_ERROR.
        run: |_, conn| {
            conn.send(b"INVALID CONNECTION PREFACE\r\n\r\n")
                .map_err(|e| Fail::error(e.to_string()))?;
            conn.verify_connection_error(&[PROTOCOL_ERROR])
        },
    },
];

/// An unknown frame type (0x16), 8 octets, on stream 0.
const UNKNOWN_FRAME: &[u8] =
    b"\x00\x00\x08\x16\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00";

pub static HTTP2_4_1: &[Case] = &[
    Case {
        desc: "Sends a frame with unknown type",
        // RFC 9113 §4.1: frames of unknown type are ignored.
        run: |_, conn| {
            conn.handshake()?;
            let _ = conn.send(&UNKNOWN_FRAME[..9]);
            let _ = conn.send(&UNKNOWN_FRAME[9..]);
            conn.write_ping(false, ZERO);
            conn.verify_ping_ack(ZERO)
        },
    },
    Case {
        desc: "Sends a frame with undefined flag",
        // RFC 9113 §4.1: undefined flags are ignored (PING with flags 0x16).
        run: |_, conn| {
            conn.handshake()?;
            let _ = conn.send(b"\x00\x00\x08\x06\x16\x00\x00\x00\x00");
            let _ = conn.send(&ZERO);
            conn.verify_event_type(PING)
        },
    },
    Case {
        desc: "Sends a frame with reserved field bit",
        // RFC 9113 §4.1: the reserved bit of the stream identifier is ignored.
        run: |_, conn| {
            conn.handshake()?;
            let _ = conn.send(b"\x00\x00\x08\x06\x16\x80\x00\x00\x00");
            let _ = conn.send(&ZERO);
            conn.verify_event_type(PING)
        },
    },
];

pub static HTTP2_4_2: &[Case] = &[
    Case {
        desc: "Sends a DATA frame with 2^14 octets in length",
        // RFC 9113 §4.2: frames up to 2^14 octets must be accepted.
        run: |c, conn| {
            conn.handshake()?;
            let block = conn.encode(&with_method(c, "POST"));
            conn.write_headers(1, false, true, &block);
            let data = vec![b'x'; conn.max_frame_size()];
            conn.write_data(1, true, &data);
            conn.verify_headers_frame(1)
        },
    },
    Case {
        desc: "Sends a large size DATA frame that exceeds the SETTINGS_MAX_FRAME_SIZE",
        // RFC 9113 §4.2: a frame over SETTINGS_MAX_FRAME_SIZE is FRAME_SIZE_ERROR.
        run: |c, conn| {
            conn.handshake()?;
            let block = conn.encode(&with_method(c, "POST"));
            conn.write_headers(1, false, true, &block);
            let data = vec![b'x'; conn.max_frame_size() + 1];
            conn.write_data(1, true, &data);
            conn.verify_stream_error(&[FRAME_SIZE_ERROR])
        },
    },
    Case {
        desc: "Sends a large size HEADERS frame that exceeds the SETTINGS_MAX_FRAME_SIZE",
        // RFC 9113 §4.2: an oversized frame carrying a field block is a connection
        // error FRAME_SIZE_ERROR.
        run: |c, conn| {
            conn.handshake()?;
            let mut fields = c.common_headers();
            fields.extend(c.dummy_headers(5));
            let block = conn.encode(&fields);
            conn.write_headers(1, true, true, &block);
            conn.verify_connection_error(&[FRAME_SIZE_ERROR])
        },
    },
];

pub static HTTP2_4_3: &[Case] = &[
    Case {
        desc: "Sends invalid header block fragment",
        // RFC 9113 §4.3: a field block that fails to decode is a connection error
        // COMPRESSION_ERROR (here a literal cut off after its first octet).
        run: |_, conn| {
            conn.handshake()?;
            conn.send(b"\x00\x00\x01\x01\x05\x00\x00\x00\x01\x40")
                .map_err(|e| Fail::error(e.to_string()))?;
            conn.verify_connection_error(&[COMPRESSION_ERROR])
        },
    },
    Case {
        desc: "Sends a PRIORITY frame while sending the header blocks",
        // RFC 9113 §4.3: a field block is a contiguous sequence of frames; anything
        // else in between is a connection error PROTOCOL_ERROR.
        run: |c, conn| {
            conn.handshake()?;
            let block = conn.encode(&c.common_headers());
            conn.write_headers(1, false, false, &block);
            conn.write_priority(1, 0, false, 255);
            let dummy = conn.encode(&c.dummy_headers(1));
            conn.write_continuation(1, true, &dummy);
            conn.verify_connection_error(&[PROTOCOL_ERROR])
        },
    },
    Case {
        desc: "Sends a HEADERS frame to another stream while sending the header blocks",
        // RFC 9113 §4.3: nor may a frame of another stream come in between.
        run: |c, conn| {
            conn.handshake()?;
            let block = conn.encode(&c.common_headers());
            conn.write_headers(1, false, false, &block);
            let block = conn.encode(&c.common_headers());
            conn.write_headers(3, true, true, &block);
            let dummy = conn.encode(&c.dummy_headers(1));
            conn.write_continuation(1, true, &dummy);
            conn.verify_connection_error(&[PROTOCOL_ERROR])
        },
    },
];

pub static HTTP2_5_1: &[Case] = &[
    Case {
        desc: "idle: Sends a DATA frame",
        // RFC 9113 §5.1: on an idle stream only HEADERS and PRIORITY are allowed;
        // anything else is a connection error PROTOCOL_ERROR.
        run: |_, conn| {
            conn.handshake()?;
            conn.write_data(1, true, b"test");
            conn.verify_connection_error(&[PROTOCOL_ERROR])
        },
    },
    Case {
        desc: "idle: Sends a RST_STREAM frame",
        run: |_, conn| {
            conn.handshake()?;
            conn.write_rst_stream(1, CANCEL);
            conn.verify_connection_error(&[PROTOCOL_ERROR])
        },
    },
    Case {
        desc: "idle: Sends a WINDOW_UPDATE frame",
        run: |_, conn| {
            conn.handshake()?;
            conn.write_window_update(1, 100);
            conn.verify_connection_error(&[PROTOCOL_ERROR])
        },
    },
    Case {
        desc: "idle: Sends a CONTINUATION frame",
        run: |c, conn| {
            conn.handshake()?;
            let block = conn.encode(&c.common_headers());
            conn.write_continuation(1, true, &block);
            conn.verify_connection_error(&[PROTOCOL_ERROR])
        },
    },
    Case {
        desc: "half closed (remote): Sends a DATA frame",
        // RFC 9113 §5.1: in half-closed (remote) only WINDOW_UPDATE, PRIORITY and
        // RST_STREAM are allowed; anything else is a stream error STREAM_CLOSED.
        run: |c, conn| {
            conn.handshake()?;
            get(c, conn, 1);
            conn.write_data(1, true, b"test");
            conn.verify_stream_error(&[STREAM_CLOSED])
        },
    },
    Case {
        desc: "half closed (remote): Sends a HEADERS frame",
        run: |c, conn| {
            conn.handshake()?;
            get(c, conn, 1);
            get(c, conn, 1);
            conn.verify_stream_error(&[STREAM_CLOSED])
        },
    },
    Case {
        desc: "half closed (remote): Sends a CONTINUATION frame",
        // RFC 9113 §5.1 and §6.10: a CONTINUATION after END_HEADERS.
        run: |c, conn| {
            conn.handshake()?;
            let block = conn.encode(&c.common_headers());
            conn.write_headers(1, true, true, &block);
            conn.write_continuation(1, true, &block);
            conn.verify_stream_error(&[STREAM_CLOSED, PROTOCOL_ERROR])
        },
    },
    Case {
        desc: "closed: Sends a DATA frame after sending RST_STREAM frame",
        // RFC 9113 §5.1: a frame other than PRIORITY after RST_STREAM is a stream
        // error STREAM_CLOSED.
        run: |c, conn| {
            conn.handshake()?;
            let block = conn.encode(&c.common_headers());
            conn.write_headers(1, false, true, &block);
            conn.write_rst_stream(1, CANCEL);
            conn.write_data(1, true, b"test");
            conn.verify_stream_error(&[STREAM_CLOSED])
        },
    },
    Case {
        desc: "closed: Sends a HEADERS frame after sending RST_STREAM frame",
        run: |c, conn| {
            conn.handshake()?;
            let block = conn.encode(&c.common_headers());
            conn.write_headers(1, false, true, &block);
            conn.write_rst_stream(1, CANCEL);
            get(c, conn, 1);
            conn.verify_stream_error(&[STREAM_CLOSED])
        },
    },
    Case {
        desc: "closed: Sends a CONTINUATION frame after sending RST_STREAM frame",
        run: |c, conn| {
            conn.handshake()?;
            let block = conn.encode(&c.common_headers());
            conn.write_headers(1, false, true, &block);
            conn.write_rst_stream(1, CANCEL);
            let dummy = conn.encode(&c.dummy_headers(1));
            conn.write_continuation(1, true, &dummy);
            conn.verify_stream_error(&[STREAM_CLOSED, PROTOCOL_ERROR])
        },
    },
    Case {
        desc: "closed: Sends a DATA frame",
        // RFC 9113 §5.1: a frame after both END_STREAMs is STREAM_CLOSED.
        run: |c, conn| {
            conn.handshake()?;
            get(c, conn, 1);
            conn.verify_stream_close()?;
            conn.write_data(1, true, b"test");
            conn.verify_stream_error(&[STREAM_CLOSED])
        },
    },
    Case {
        desc: "closed: Sends a HEADERS frame",
        // RFC 9113 §5.1: the tool wants a connection error STREAM_CLOSED here.
        run: |c, conn| {
            conn.handshake()?;
            let block = conn.encode(&c.common_headers());
            conn.write_headers(1, true, true, &block);
            conn.verify_stream_close()?;
            // The very same octets again.
            conn.write_headers(1, true, true, &block);
            conn.verify_connection_error(&[STREAM_CLOSED])
        },
    },
    Case {
        desc: "closed: Sends a CONTINUATION frame",
        run: |c, conn| {
            conn.handshake()?;
            get(c, conn, 1);
            conn.verify_stream_close()?;
            let dummy = conn.encode(&c.dummy_headers(1));
            conn.write_continuation(1, true, &dummy);
            conn.verify_connection_error(&[STREAM_CLOSED, PROTOCOL_ERROR])
        },
    },
];

pub static HTTP2_5_1_1: &[Case] = &[
    Case {
        desc: "Sends even-numbered stream identifier",
        // RFC 9113 §5.1.1: clients open odd streams; an unexpected identifier is a
        // connection error PROTOCOL_ERROR.
        run: |c, conn| {
            conn.handshake()?;
            get(c, conn, 2);
            conn.verify_connection_error(&[PROTOCOL_ERROR])
        },
    },
    Case {
        desc: "Sends stream identifier that is numerically smaller than previous",
        // RFC 9113 §5.1.1: new stream identifiers must increase.
        run: |c, conn| {
            conn.handshake()?;
            get(c, conn, 5);
            get(c, conn, 3);
            conn.verify_connection_error(&[PROTOCOL_ERROR])
        },
    },
];

pub static HTTP2_5_1_2: &[Case] = &[Case {
    desc:
        "Sends HEADERS frames that causes their advertised concurrent stream limit to be exceeded",
    // RFC 9113 §5.1.2: a stream beyond SETTINGS_MAX_CONCURRENT_STREAMS is a stream
    // error PROTOCOL_ERROR or REFUSED_STREAM. An initial window of 0 keeps the
    // responses, hence the streams, open.
    run: |c, conn| {
        conn.handshake()?;
        let Some(&max) = conn.settings.get(&MAX_CONCURRENT_STREAMS) else {
            return Err(Fail::Skipped("no SETTINGS_MAX_CONCURRENT_STREAMS".into()));
        };
        conn.write_settings(&[(INITIAL_WINDOW_SIZE, 0)]);
        let block = conn.encode(&c.common_headers());
        let mut stream = 1;
        for _ in 0..=max {
            conn.write_headers(stream, true, true, &block);
            stream += 2;
        }
        conn.verify_stream_error(&[PROTOCOL_ERROR, REFUSED_STREAM])
    },
}];

pub static HTTP2_5_3_1: &[Case] = &[
    Case {
        desc: "Sends HEADERS frame that depends on itself",
        // RFC 7540 §5.3.1 (kept as a stream error by RFC 9113 §5.3.1): a stream
        // cannot depend on itself; stream error PROTOCOL_ERROR.
        run: |c, conn| {
            conn.handshake()?;
            let block = conn.encode(&c.common_headers());
            conn.write_headers_with(1, true, true, &block, 0, (1, false, 255));
            conn.verify_stream_error(&[PROTOCOL_ERROR])
        },
    },
    Case {
        desc: "Sends PRIORITY frame that depend on itself",
        run: |_, conn| {
            conn.handshake()?;
            conn.write_priority(1, 1, false, 255);
            conn.verify_stream_error(&[PROTOCOL_ERROR])
        },
    },
];

/// PING on stream 3: a connection error (RFC 9113 §6.7).
const PING_ON_STREAM_3: &[u8] = b"\x00\x00\x08\x06\x00\x00\x00\x00\x03";

pub static HTTP2_5_4_1: &[Case] = &[
    Case {
        desc: "Sends an invalid PING frame for connection close",
        // RFC 9113 §5.4.1: after the GOAWAY of a connection error the endpoint
        // closes the TCP connection.
        run: |_, conn| {
            conn.handshake()?;
            let _ = conn.send(PING_ON_STREAM_3);
            let _ = conn.send(&ZERO);
            conn.verify_connection_close()
        },
    },
    Case {
        desc: "Sends an invalid PING frame to receive GOAWAY frame",
        // RFC 9113 §5.4.1: the endpoint should first send a GOAWAY (strict case).
        run: |_, conn| {
            conn.handshake()?;
            let _ = conn.send(PING_ON_STREAM_3);
            let _ = conn.send(&ZERO);
            conn.verify_first_of_type(
                GOAWAY,
                format!("GOAWAY Frame (Error Code: {})", code_name(PROTOCOL_ERROR)),
                |_| true,
            )
        },
    },
];

pub static HTTP2_5_5: &[Case] = &[
    Case {
        desc: "Sends an unknown extension frame",
        // RFC 9113 §5.5: unknown frame types are ignored.
        run: |_, conn| {
            conn.handshake()?;
            let _ = conn.send(&UNKNOWN_FRAME[..9]);
            let _ = conn.send(&UNKNOWN_FRAME[9..]);
            conn.write_ping(false, ZERO);
            conn.verify_ping_ack(ZERO)
        },
    },
    Case {
        desc: "Sends an unknown extension frame in the middle of a header block",
        // RFC 9113 §5.5: an extension frame inside a field block is a connection
        // error PROTOCOL_ERROR.
        run: |c, conn| {
            conn.handshake()?;
            let block = conn.encode(&c.common_headers());
            conn.write_headers(1, true, false, &block);
            let _ = conn.send(&UNKNOWN_FRAME[..9]);
            let _ = conn.send(&UNKNOWN_FRAME[9..]);
            conn.verify_connection_error(&[PROTOCOL_ERROR])
        },
    },
];

pub static HTTP2_6_1: &[Case] = &[
    Case {
        desc: "Sends a DATA frame with 0x0 stream identifier",
        // RFC 9113 §6.1: DATA on stream 0 is a connection error PROTOCOL_ERROR.
        run: |_, conn| {
            conn.handshake()?;
            conn.write_data(0, true, b"test");
            conn.verify_connection_error(&[PROTOCOL_ERROR])
        },
    },
    Case {
        desc: "Sends a DATA frame on the stream that is not in \"open\" or \"half-closed (local)\" state",
        // RFC 9113 §6.1: DATA on a stream not open (here half-closed (remote)) is a
        // stream error STREAM_CLOSED.
        run: |c, conn| {
            conn.handshake()?;
            let block = conn.encode(&with_method(c, "POST"));
            conn.write_headers(1, true, true, &block);
            conn.write_data(1, true, b"test");
            conn.verify_stream_error(&[STREAM_CLOSED])
        },
    },
    Case {
        desc: "Sends a DATA frame with invalid pad length",
        // RFC 9113 §6.1: padding as long as the payload is a connection error
        // PROTOCOL_ERROR (length 5, pad length 6).
        run: |c, conn| {
            conn.handshake()?;
            let fields = with_fields(with_method(c, "POST"), &[("content-length", "4")]);
            let block = conn.encode(&fields);
            conn.write_headers(1, false, true, &block);
            let _ = conn.send(b"\x00\x00\x05\x00\x09\x00\x00\x00\x01");
            let _ = conn.send(b"\x06\x54\x65\x73\x74");
            conn.verify_connection_error(&[PROTOCOL_ERROR])
        },
    },
];

pub static HTTP2_6_2: &[Case] = &[
    Case {
        desc: "Sends a HEADERS frame without the END_HEADERS flag, and a PRIORITY frame",
        // RFC 9113 §6.2: after HEADERS without END_HEADERS only a CONTINUATION of
        // the same stream may follow; else connection error PROTOCOL_ERROR.
        run: |c, conn| {
            conn.handshake()?;
            let block = conn.encode(&c.common_headers());
            conn.write_headers(1, false, false, &block);
            conn.write_priority(1, 0, false, 255);
            let dummy = conn.encode(&c.dummy_headers(1));
            conn.write_continuation(1, true, &dummy);
            conn.verify_connection_error(&[PROTOCOL_ERROR])
        },
    },
    Case {
        desc: "Sends a HEADERS frame to another stream while sending a HEADERS frame",
        run: |c, conn| {
            conn.handshake()?;
            let block = conn.encode(&c.common_headers());
            conn.write_headers(1, false, false, &block);
            let block = conn.encode(&c.common_headers());
            conn.write_headers(3, true, true, &block);
            let dummy = conn.encode(&c.dummy_headers(1));
            conn.write_continuation(1, true, &dummy);
            conn.verify_connection_error(&[PROTOCOL_ERROR])
        },
    },
    Case {
        desc: "Sends a HEADERS frame with 0x0 stream identifier",
        // RFC 9113 §6.2: HEADERS on stream 0 is a connection error PROTOCOL_ERROR.
        run: |c, conn| {
            conn.handshake()?;
            get(c, conn, 0);
            conn.verify_connection_error(&[PROTOCOL_ERROR])
        },
    },
    Case {
        desc: "Sends a HEADERS frame with invalid pad length",
        // RFC 9113 §6.2: padding longer than what remains is PROTOCOL_ERROR
        // (pad length = block length + 2 in a frame of block length + 1).
        run: |c, conn| {
            conn.handshake()?;
            let block = conn.encode(&c.common_headers());
            let mut head = b"\x00\x00\x00\x01\x0d\x00\x00\x00\x01".to_vec();
            head[2] = (block.len() + 1) as u8;
            let _ = conn.send(&head);
            let _ = conn.send(&[(block.len() + 2) as u8]);
            let _ = conn.send(&block);
            conn.verify_stream_error(&[PROTOCOL_ERROR])
        },
    },
];

pub static HTTP2_6_3: &[Case] = &[
    Case {
        desc: "Sends a PRIORITY frame with 0x0 stream identifier",
        // RFC 9113 §6.3: PRIORITY on stream 0 is a connection error PROTOCOL_ERROR.
        run: |_, conn| {
            conn.handshake()?;
            conn.write_priority(0, 0, false, 255);
            conn.verify_connection_error(&[PROTOCOL_ERROR])
        },
    },
    Case {
        desc: "Sends a PRIORITY frame with a length other than 5 octets",
        // RFC 9113 §6.3: a PRIORITY frame not of 5 octets is a stream error
        // FRAME_SIZE_ERROR.
        run: |c, conn| {
            conn.handshake()?;
            get(c, conn, 1);
            let _ = conn.send(b"\x00\x00\x04\x02\x00\x00\x00\x00\x01");
            let _ = conn.send(b"\x80\x00\x00\x01");
            conn.verify_stream_error(&[FRAME_SIZE_ERROR])
        },
    },
];

pub static HTTP2_6_4: &[Case] = &[
    Case {
        desc: "Sends a RST_STREAM frame with 0x0 stream identifier",
        // RFC 9113 §6.4: RST_STREAM on stream 0 is a connection error PROTOCOL_ERROR.
        run: |_, conn| {
            conn.handshake()?;
            conn.write_rst_stream(0, CANCEL);
            conn.verify_connection_error(&[PROTOCOL_ERROR])
        },
    },
    Case {
        desc: "Sends a RST_STREAM frame on a idle stream",
        // RFC 9113 §6.4: RST_STREAM on an idle stream is a connection error
        // PROTOCOL_ERROR.
        run: |_, conn| {
            conn.handshake()?;
            conn.write_rst_stream(1, CANCEL);
            conn.verify_connection_error(&[PROTOCOL_ERROR])
        },
    },
    Case {
        desc: "Sends a RST_STREAM frame with a length other than 4 octets",
        // RFC 9113 §6.4: a RST_STREAM not of 4 octets is FRAME_SIZE_ERROR (the
        // tool accepts it as a stream or connection error).
        run: |c, conn| {
            conn.handshake()?;
            get(c, conn, 1);
            let _ = conn.send(b"\x00\x00\x03\x03\x00\x00\x00\x00\x01");
            let _ = conn.send(b"\x00\x00\x00");
            conn.verify_stream_error(&[FRAME_SIZE_ERROR])
        },
    },
];

pub static HTTP2_6_5: &[Case] = &[
    Case {
        desc: "Sends a SETTINGS frame with ACK flag and payload",
        // RFC 9113 §6.5: a SETTINGS ACK with a payload is a connection error
        // FRAME_SIZE_ERROR.
        run: |_, conn| {
            conn.handshake()?;
            let _ = conn.send(b"\x00\x00\x01\x04\x01\x00\x00\x00\x00");
            let _ = conn.send(b"\x00");
            conn.verify_connection_error(&[FRAME_SIZE_ERROR])
        },
    },
    Case {
        desc: "Sends a SETTINGS frame with a stream identifier other than 0x0",
        // RFC 9113 §6.5: SETTINGS on a stream is a connection error PROTOCOL_ERROR.
        run: |_, conn| {
            conn.handshake()?;
            let _ = conn.send(b"\x00\x00\x06\x04\x00\x00\x00\x00\x01");
            let _ = conn.send(b"\x00\x03\x00\x00\x00\x64");
            conn.verify_connection_error(&[PROTOCOL_ERROR])
        },
    },
    Case {
        desc: "Sends a SETTINGS frame with a length other than a multiple of 6 octets",
        // RFC 9113 §6.5: a SETTINGS length not a multiple of 6 is FRAME_SIZE_ERROR.
        run: |_, conn| {
            conn.handshake()?;
            let _ = conn.send(b"\x00\x00\x03\x04\x00\x00\x00\x00\x00");
            let _ = conn.send(b"\x00\x03\x00");
            conn.verify_stream_error(&[PROTOCOL_ERROR, FRAME_SIZE_ERROR])
        },
    },
];

pub static HTTP2_6_5_2: &[Case] = &[
    Case {
        desc: "SETTINGS_ENABLE_PUSH (0x2): Sends the value other than 0 or 1",
        // RFC 9113 §6.5.2: ENABLE_PUSH other than 0 or 1 is PROTOCOL_ERROR.
        run: |_, conn| {
            conn.handshake()?;
            conn.write_settings(&[(ENABLE_PUSH, 2)]);
            conn.verify_connection_error(&[PROTOCOL_ERROR])
        },
    },
    Case {
        desc: "SETTINGS_INITIAL_WINDOW_SIZE (0x4): Sends the value above the maximum flow control window size",
        // RFC 9113 §6.5.2: INITIAL_WINDOW_SIZE above 2^31-1 is FLOW_CONTROL_ERROR.
        run: |_, conn| {
            conn.handshake()?;
            conn.write_settings(&[(INITIAL_WINDOW_SIZE, 2_147_483_648)]);
            conn.verify_connection_error(&[FLOW_CONTROL_ERROR])
        },
    },
    Case {
        desc: "SETTINGS_MAX_FRAME_SIZE (0x5): Sends the value below the initial value",
        // RFC 9113 §6.5.2: MAX_FRAME_SIZE below 2^14 is PROTOCOL_ERROR.
        run: |_, conn| {
            conn.handshake()?;
            conn.write_settings(&[(MAX_FRAME_SIZE, 16_383)]);
            conn.verify_connection_error(&[PROTOCOL_ERROR])
        },
    },
    Case {
        desc: "SETTINGS_MAX_FRAME_SIZE (0x5): Sends the value above the maximum allowed frame size",
        // RFC 9113 §6.5.2: MAX_FRAME_SIZE above 2^24-1 is PROTOCOL_ERROR.
        run: |_, conn| {
            conn.handshake()?;
            conn.write_settings(&[(MAX_FRAME_SIZE, 16_777_216)]);
            conn.verify_connection_error(&[PROTOCOL_ERROR])
        },
    },
    Case {
        desc: "Sends a SETTINGS frame with unknown identifier",
        // RFC 9113 §6.5.2: unknown settings are ignored.
        run: |_, conn| {
            conn.handshake()?;
            conn.write_settings(&[(0xff, 1)]);
            conn.write_ping(false, ZERO);
            conn.verify_ping_ack(ZERO)
        },
    },
];

pub static HTTP2_6_5_3: &[Case] = &[
    Case {
        desc: "Sends multiple values of SETTINGS_INITIAL_WINDOW_SIZE",
        // RFC 9113 §6.5.3: values are applied in order, so the last (1) wins and
        // the first DATA frame carries one octet.
        run: |c, conn| {
            skip_if_short(c, 1)?;
            conn.handshake()?;
            conn.write_settings(&[(INITIAL_WINDOW_SIZE, 100), (INITIAL_WINDOW_SIZE, 1)]);
            conn.verify_settings_ack()?;
            get(c, conn, 1);
            first_data_is_one_octet(conn)
        },
    },
    Case {
        desc: "Sends a SETTINGS frame without ACK flag",
        // RFC 9113 §6.5.3: SETTINGS is acknowledged at once.
        run: |_, conn| {
            conn.handshake()?;
            conn.write_settings(&[(ENABLE_PUSH, 0)]);
            conn.verify_settings_ack()
        },
    },
];

pub static HTTP2_6_7: &[Case] = &[
    Case {
        desc: "Sends a PING frame",
        // RFC 9113 §6.7: a PING is answered with an ACK of the same payload.
        run: |_, conn| {
            conn.handshake()?;
            conn.write_ping(false, H2SPEC);
            conn.verify_ping_ack(H2SPEC)
        },
    },
    Case {
        desc: "Sends a PING frame with ACK",
        // RFC 9113 §6.7: a PING ACK is not answered (the first PING back must
        // acknowledge the second, unacknowledged one).
        run: |_, conn| {
            conn.handshake()?;
            conn.write_ping(true, *b"invalid\0");
            conn.write_ping(false, H2SPEC);
            conn.verify_ping_ack(H2SPEC)
        },
    },
    Case {
        desc: "Sends a PING frame with a stream identifier field value other than 0x0",
        // RFC 9113 §6.7: PING on a stream is a connection error PROTOCOL_ERROR.
        run: |_, conn| {
            conn.handshake()?;
            let _ = conn.send(b"\x00\x00\x08\x06\x00\x00\x00\x00\x01");
            let _ = conn.send(&ZERO);
            conn.verify_connection_error(&[PROTOCOL_ERROR])
        },
    },
    Case {
        desc: "Sends a PING frame with a length field value other than 8",
        // RFC 9113 §6.7: a PING not of 8 octets is FRAME_SIZE_ERROR.
        run: |_, conn| {
            conn.handshake()?;
            let _ = conn.send(b"\x00\x00\x06\x06\x00\x00\x00\x00\x00");
            let _ = conn.send(&[0; 6]);
            conn.verify_connection_error(&[FRAME_SIZE_ERROR])
        },
    },
];

pub static HTTP2_6_8: &[Case] = &[Case {
    desc: "Sends a GOAWAY frame with a stream identifier other than 0x0",
    // RFC 9113 §6.8: GOAWAY on a stream is a connection error PROTOCOL_ERROR.
    run: |_, conn| {
        conn.handshake()?;
        let _ = conn.send(b"\x00\x00\x08\x07\x00\x00\x00\x00\x01");
        let _ = conn.send(&ZERO);
        conn.verify_connection_error(&[PROTOCOL_ERROR])
    },
}];

pub static HTTP2_6_9: &[Case] = &[
    Case {
        desc: "Sends a WINDOW_UPDATE frame with a flow control window increment of 0",
        // RFC 9113 §6.9: an increment of 0 for the connection is a connection error
        // PROTOCOL_ERROR.
        run: |_, conn| {
            conn.handshake()?;
            conn.write_window_update(0, 0);
            conn.verify_connection_error(&[PROTOCOL_ERROR])
        },
    },
    Case {
        desc: "Sends a WINDOW_UPDATE frame with a flow control window increment of 0 on a stream",
        // RFC 9113 §6.9: an increment of 0 for a stream is a stream error
        // PROTOCOL_ERROR.
        run: |c, conn| {
            conn.handshake()?;
            let block = conn.encode(&c.common_headers());
            conn.write_headers(1, false, true, &block);
            conn.write_window_update(1, 0);
            conn.verify_stream_error(&[PROTOCOL_ERROR])
        },
    },
    Case {
        desc: "Sends a WINDOW_UPDATE frame with a length other than 4 octets",
        // RFC 9113 §6.9: a WINDOW_UPDATE not of 4 octets is FRAME_SIZE_ERROR.
        run: |_, conn| {
            conn.handshake()?;
            let _ = conn.send(b"\x00\x00\x03\x08\x00\x00\x00\x00\x00");
            let _ = conn.send(b"\x00\x00\x01");
            conn.verify_connection_error(&[FRAME_SIZE_ERROR])
        },
    },
];

pub static HTTP2_6_9_1: &[Case] = &[
    Case {
        desc: "Sends SETTINGS frame to set the initial window size to 1 and sends HEADERS frame",
        // RFC 9113 §6.9.1: no DATA beyond the window: one octet.
        run: |c, conn| {
            skip_if_short(c, 1)?;
            conn.handshake()?;
            conn.write_settings(&[(INITIAL_WINDOW_SIZE, 1)]);
            conn.verify_settings_ack()?;
            get(c, conn, 1);
            first_data_is_one_octet(conn)
        },
    },
    Case {
        desc: "Sends multiple WINDOW_UPDATE frames increasing the flow control window to above 2^31-1",
        // RFC 9113 §6.9.1: a connection window above 2^31-1 is a connection error
        // FLOW_CONTROL_ERROR (the first GOAWAY must carry it).
        run: |_, conn| {
            conn.handshake()?;
            conn.write_window_update(0, 2_147_483_647);
            conn.write_window_update(0, 2_147_483_647);
            conn.verify_first_of_type(
                GOAWAY,
                format!("GOAWAY Frame (Error Code: {})", code_name(FLOW_CONTROL_ERROR)),
                |f| f.error_code() == FLOW_CONTROL_ERROR,
            )
        },
    },
    Case {
        desc: "Sends multiple WINDOW_UPDATE frames increasing the flow control window to above 2^31-1 on a stream",
        // RFC 9113 §6.9.1: a stream window above 2^31-1 is a stream error
        // FLOW_CONTROL_ERROR (the first RST_STREAM must be it, on stream 1).
        run: |c, conn| {
            conn.handshake()?;
            let block = conn.encode(&c.common_headers());
            conn.write_headers(1, false, true, &block);
            conn.write_window_update(1, 2_147_483_647);
            conn.write_window_update(1, 2_147_483_647);
            conn.verify_first_of_type(
                RST_STREAM,
                format!("RST_STREAM Frame (Error Code: {})", code_name(FLOW_CONTROL_ERROR)),
                |f| f.stream == 1 && f.error_code() == FLOW_CONTROL_ERROR,
            )
        },
    },
];

pub static HTTP2_6_9_2: &[Case] = &[
    Case {
        desc: "Changes SETTINGS_INITIAL_WINDOW_SIZE after sending HEADERS frame",
        // RFC 9113 §6.9.2: a new INITIAL_WINDOW_SIZE changes the windows of open
        // streams by the difference (0 -> 1: one octet may go).
        run: |c, conn| {
            skip_if_short(c, 1)?;
            conn.handshake()?;
            conn.write_settings(&[(INITIAL_WINDOW_SIZE, 0)]);
            conn.verify_settings_ack()?;
            get(c, conn, 1);
            conn.write_settings(&[(INITIAL_WINDOW_SIZE, 1)]);
            first_data_is_one_octet(conn)
        },
    },
    Case {
        desc: "Sends a SETTINGS frame for window size to be negative",
        // RFC 9113 §6.9.2: windows can go negative: 3 sent, window 3 -> 2 makes it
        // -1, a WINDOW_UPDATE of 2 lets exactly one more octet go.
        run: |c, conn| {
            skip_if_short(c, 5)?;
            conn.handshake()?;
            conn.write_settings(&[(INITIAL_WINDOW_SIZE, 3)]);
            conn.verify_settings_ack()?;
            get(c, conn, 1);
            conn.verify_event_type(DATA)?;
            conn.write_settings(&[(INITIAL_WINDOW_SIZE, 2)]);
            conn.verify_settings_ack()?;
            conn.write_window_update(1, 2);
            first_data_is_one_octet(conn)
        },
    },
    Case {
        desc: "Sends a SETTINGS_INITIAL_WINDOW_SIZE settings with an exceeded maximum window size value",
        // RFC 9113 §6.9.2: INITIAL_WINDOW_SIZE of 2^31 is FLOW_CONTROL_ERROR.
        run: |_, conn| {
            conn.handshake()?;
            let _ = conn.send(b"\x00\x00\x06\x04\x00\x00\x00\x00\x00");
            let _ = conn.send(b"\x00\x04\x80\x00\x00\x00");
            conn.verify_connection_error(&[FLOW_CONTROL_ERROR])
        },
    },
];

pub static HTTP2_6_10: &[Case] = &[
    Case {
        desc: "Sends multiple CONTINUATION frames preceded by a HEADERS frame",
        // RFC 9113 §6.10: HEADERS then CONTINUATIONs form one field block.
        run: |c, conn| {
            conn.handshake()?;
            let block = conn.encode(&c.common_headers());
            conn.write_headers(1, true, false, &block);
            let dummy = conn.encode(&c.dummy_headers(1));
            conn.write_continuation(1, false, &dummy);
            let dummy = conn.encode(&c.dummy_headers(1));
            conn.write_continuation(1, true, &dummy);
            conn.verify_headers_frame(1)
        },
    },
    Case {
        desc: "Sends a CONTINUATION frame followed by any frame other than CONTINUATION",
        // RFC 9113 §6.10: after a CONTINUATION without END_HEADERS anything but a
        // CONTINUATION is a connection error PROTOCOL_ERROR.
        run: |c, conn| {
            conn.handshake()?;
            let block = conn.encode(&with_method(c, "POST"));
            conn.write_headers(1, false, false, &block);
            let dummy = conn.encode(&c.dummy_headers(1));
            conn.write_continuation(1, false, &dummy);
            conn.write_data(1, true, b"test");
            conn.verify_connection_error(&[PROTOCOL_ERROR])
        },
    },
    Case {
        desc: "Sends a CONTINUATION frame with 0x0 stream identifier",
        // RFC 9113 §6.10: CONTINUATION on stream 0 is PROTOCOL_ERROR.
        run: |c, conn| {
            conn.handshake()?;
            let block = conn.encode(&c.common_headers());
            conn.write_headers(1, true, false, &block);
            let dummy = conn.encode(&c.dummy_headers(1));
            conn.write_continuation(0, true, &dummy);
            conn.verify_connection_error(&[PROTOCOL_ERROR])
        },
    },
    Case {
        desc: "Sends a CONTINUATION frame preceded by a HEADERS frame with END_HEADERS flag",
        // RFC 9113 §6.10: a CONTINUATION must follow a frame without END_HEADERS;
        // otherwise connection error PROTOCOL_ERROR.
        run: |c, conn| {
            conn.handshake()?;
            get(c, conn, 1);
            let dummy = conn.encode(&c.dummy_headers(1));
            conn.write_continuation(1, true, &dummy);
            conn.verify_connection_error(&[PROTOCOL_ERROR])
        },
    },
    Case {
        desc: "Sends a CONTINUATION frame preceded by a CONTINUATION frame with END_HEADERS flag",
        run: |c, conn| {
            conn.handshake()?;
            let block = conn.encode(&c.common_headers());
            conn.write_headers(1, true, false, &block);
            let dummy = conn.encode(&c.dummy_headers(1));
            conn.write_continuation(1, true, &dummy);
            let dummy = conn.encode(&c.dummy_headers(1));
            conn.write_continuation(1, true, &dummy);
            conn.verify_connection_error(&[PROTOCOL_ERROR])
        },
    },
    Case {
        desc: "Sends a CONTINUATION frame preceded by a DATA frame",
        run: |c, conn| {
            conn.handshake()?;
            let block = conn.encode(&with_method(c, "POST"));
            conn.write_headers(1, false, false, &block);
            conn.write_data(1, true, b"test");
            let dummy = conn.encode(&c.dummy_headers(1));
            conn.write_continuation(1, false, &dummy);
            let dummy = conn.encode(&c.dummy_headers(1));
            conn.write_continuation(0, true, &dummy);
            conn.verify_connection_error(&[PROTOCOL_ERROR])
        },
    },
];

pub static HTTP2_7: &[Case] = &[
    Case {
        desc: "Sends a GOAWAY frame with unknown error code",
        // RFC 9113 §7: unknown error codes trigger nothing special.
        run: |_, conn| {
            conn.handshake()?;
            conn.write_goaway(0, 0xff, b"");
            conn.write_ping(false, H2SPEC);
            conn.verify_ping_ack_or_close(H2SPEC)
        },
    },
    Case {
        desc: "Sends a RST_STREAM frame with unknown error code",
        run: |c, conn| {
            conn.handshake()?;
            let block = conn.encode(&with_method(c, "POST"));
            conn.write_headers(1, false, true, &block);
            conn.write_rst_stream(1, 0xff);
            conn.write_ping(false, ZERO);
            conn.verify_ping_ack(ZERO)
        },
    },
];

pub static HTTP2_8_1: &[Case] = &[Case {
    desc: "Sends a second HEADERS frame without the END_STREAM flag",
    // RFC 9113 §8.1: a trailer section without END_STREAM makes the request
    // malformed: stream error PROTOCOL_ERROR (§8.1.1).
    run: |c, conn| {
        conn.handshake()?;
        let block = conn.encode(&with_method(c, "POST"));
        conn.write_headers(1, false, true, &block);
        conn.write_data(1, false, b"test");
        let trailers = conn.encode(&vec![field("x-test", "ok")]);
        conn.write_headers(1, false, true, &trailers);
        conn.verify_stream_error(&[PROTOCOL_ERROR])
    },
}];

/// Sends a complete request with these fields on stream 1 and wants a stream error
/// PROTOCOL_ERROR: a malformed request (RFC 9113 §8.1.1).
fn malformed(conn: &mut Conn, fields: &Fields) -> Outcome {
    conn.handshake()?;
    let block = conn.encode(fields);
    conn.write_headers(1, true, true, &block);
    conn.verify_stream_error(&[PROTOCOL_ERROR])
}

pub static HTTP2_8_1_2: &[Case] = &[Case {
    desc: "Sends a HEADERS frame that contains the header field name in uppercase letters",
    // RFC 9113 §8.2.1: field names must not contain uppercase letters.
    run: |c, conn| malformed(conn, &with_fields(c.common_headers(), &[("X-TEST", "ok")])),
}];

pub static HTTP2_8_1_2_1: &[Case] = &[
    Case {
        desc: "Sends a HEADERS frame that contains a unknown pseudo-header field",
        // RFC 9113 §8.3: undefined pseudo-header fields make it malformed.
        run: |c, conn| malformed(conn, &with_fields(c.common_headers(), &[(":test", "ok")])),
    },
    Case {
        desc: "Sends a HEADERS frame that contains the pseudo-header field defined for response",
        // RFC 9113 §8.3: a response pseudo-header in a request.
        run: |c, conn| {
            malformed(conn, &with_fields(c.common_headers(), &[(":status", "200")]))
        },
    },
    Case {
        desc: "Sends a HEADERS frame that contains a pseudo-header field as trailers",
        // RFC 9113 §8.3: pseudo-header fields must not appear in trailers.
        run: |c, conn| {
            conn.handshake()?;
            let block = conn.encode(&with_method(c, "POST"));
            conn.write_headers(1, false, true, &block);
            conn.write_data(1, false, b"test");
            let trailers = conn.encode(&vec![field(":method", "POST")]);
            conn.write_headers(1, false, true, &trailers);
            conn.verify_stream_error(&[PROTOCOL_ERROR])
        },
    },
    Case {
        desc: "Sends a HEADERS frame that contains a pseudo-header field that appears in a header block after a regular header field",
        // RFC 9113 §8.3: pseudo-header fields come before regular fields.
        run: |c, conn| {
            let mut fields = vec![field("x-test", "ok")];
            fields.extend(c.common_headers());
            malformed(conn, &fields)
        },
    },
];

pub static HTTP2_8_1_2_2: &[Case] = &[
    Case {
        desc: "Sends a HEADERS frame that contains the connection-specific header field",
        // RFC 9113 §8.2.2: connection-specific fields make it malformed.
        run: |c, conn| {
            malformed(conn, &with_fields(c.common_headers(), &[("connection", "keep-alive")]))
        },
    },
    Case {
        desc: "Sends a HEADERS frame that contains the TE header field with any value other than \"trailers\"",
        // RFC 9113 §8.2.2: TE may only be "trailers".
        run: |c, conn| {
            malformed(
                conn,
                &with_fields(
                    c.common_headers(),
                    &[("trailers", "test"), ("te", "trailers, deflate")],
                ),
            )
        },
    },
];

pub static HTTP2_8_1_2_3: &[Case] = &[
    Case {
        desc: "Sends a HEADERS frame with empty \":path\" pseudo-header field",
        // RFC 9113 §8.3.1: :path must not be empty for http URIs.
        run: |c, conn| {
            let mut fields = c.common_headers();
            fields[2].1 = String::new();
            malformed(conn, &fields)
        },
    },
    Case {
        desc: "Sends a HEADERS frame that omits \":method\" pseudo-header field",
        // RFC 9113 §8.3.1: :method, :scheme and :path are required (the tool's
        // request here lacks both :method and :scheme).
        run: |c, conn| {
            let h = c.common_headers();
            malformed(conn, &vec![h[2].clone(), h[3].clone()])
        },
    },
    Case {
        desc: "Sends a HEADERS frame that omits \":scheme\" pseudo-header field",
        run: |c, conn| {
            let h = c.common_headers();
            malformed(conn, &vec![h[0].clone(), h[2].clone(), h[3].clone()])
        },
    },
    Case {
        desc: "Sends a HEADERS frame that omits \":path\" pseudo-header field",
        run: |c, conn| {
            let h = c.common_headers();
            malformed(conn, &vec![h[0].clone(), h[1].clone(), h[3].clone()])
        },
    },
    Case {
        desc: "Sends a HEADERS frame with duplicated \":method\" pseudo-header field",
        // RFC 9113 §8.3.1: exactly one of each.
        run: |c, conn| {
            let mut fields = c.common_headers();
            fields.push(fields[0].clone());
            malformed(conn, &fields)
        },
    },
    Case {
        desc: "Sends a HEADERS frame with duplicated \":scheme\" pseudo-header field",
        run: |c, conn| {
            let mut fields = c.common_headers();
            fields.push(fields[1].clone());
            malformed(conn, &fields)
        },
    },
    Case {
        desc: "Sends a HEADERS frame with duplicated \":path\" pseudo-header field",
        run: |c, conn| {
            let mut fields = c.common_headers();
            fields.push(fields[2].clone());
            malformed(conn, &fields)
        },
    },
];

pub static HTTP2_8_1_2_6: &[Case] = &[
    Case {
        desc: "Sends a HEADERS frame with the \"content-length\" header field which does not equal the DATA frame payload length",
        // RFC 9113 §8.1.1: content-length unequal to the DATA received makes the
        // request malformed: stream error PROTOCOL_ERROR.
        run: |c, conn| {
            conn.handshake()?;
            let fields = with_fields(with_method(c, "POST"), &[("content-length", "1")]);
            let block = conn.encode(&fields);
            conn.write_headers(1, false, true, &block);
            conn.write_data(1, true, b"test");
            conn.verify_stream_error(&[PROTOCOL_ERROR])
        },
    },
    Case {
        desc: "Sends a HEADERS frame with the \"content-length\" header field which does not equal the sum of the multiple DATA frames payload length",
        run: |c, conn| {
            conn.handshake()?;
            let fields = with_fields(with_method(c, "POST"), &[("content-length", "1")]);
            let block = conn.encode(&fields);
            conn.write_headers(1, false, true, &block);
            conn.write_data(1, false, b"test");
            conn.write_data(1, true, b"test");
            conn.verify_stream_error(&[PROTOCOL_ERROR])
        },
    },
];

pub static HTTP2_8_2: &[Case] = &[Case {
    desc: "Sends a PUSH_PROMISE frame",
    // RFC 9113 §8.4 and §6.6: a client cannot push; PUSH_PROMISE at a server is a
    // connection error PROTOCOL_ERROR.
    run: |c, conn| {
        conn.handshake()?;
        let block = conn.encode(&c.common_headers());
        conn.write_push_promise(1, 3, true, &block);
        conn.verify_connection_error(&[PROTOCOL_ERROR])
    },
}];

// ==== hpack ========================================================================

/// Sends the common request with `rep` appended and wants a connection error
/// COMPRESSION_ERROR (RFC 9113 §4.3: a decoding error).
fn decoding_error(c: &Ctx, conn: &mut Conn, rep: &[u8]) -> Outcome {
    conn.handshake()?;
    get_with_rep(c, conn, rep);
    conn.verify_connection_error(&[COMPRESSION_ERROR])
}

pub static HPACK_2_3_3: &[Case] = &[
    Case {
        desc: "Sends a indexed header field representation with invalid index",
        // RFC 7541 §2.3.3: an index beyond both tables (70) is a decoding error.
        run: |c, conn| decoding_error(c, conn, b"\xc6"),
    },
    Case {
        desc: "Sends a literal header field representation with invalid index",
        // RFC 7541 §2.3.3: the same for the name index of a literal.
        run: |c, conn| decoding_error(c, conn, b"\x7f\x07\x00"),
    },
];

pub static HPACK_4_2: &[Case] = &[Case {
    desc: "Sends a dynamic table size update at the end of header block",
    // RFC 7541 §4.2: a size update must come at the start of a block.
    run: |c, conn| decoding_error(c, conn, b"\x21"),
}];

pub static HPACK_5_2: &[Case] = &[
    Case {
        desc:
            "Sends a Huffman-encoded string literal representation with padding longer than 7 bits",
        // RFC 7541 §5.2: padding over 7 bits is a decoding error.
        run: |c, conn| decoding_error(c, conn, b"\x00\x85\xf2\xb2\x4a\x84\xff\x84\x49\x50\x9f\xff"),
    },
    Case {
        desc: "Sends a Huffman-encoded string literal representation padded by zero",
        // RFC 7541 §5.2: padding that is not a prefix of EOS is a decoding error.
        run: |c, conn| decoding_error(c, conn, b"\x00\x85\xf2\xb2\x4a\x84\xff\x83\x49\x50\x90"),
    },
    Case {
        desc: "Sends a Huffman-encoded string literal representation containing the EOS symbol",
        // RFC 7541 §5.2: a string containing EOS is a decoding error.
        run: |c, conn| {
            decoding_error(
                c,
                conn,
                b"\x00\x85\xf2\xb2\x4a\x84\xff\x87\x49\x51\xff\xff\xff\xfa\x7f",
            )
        },
    },
];

pub static HPACK_6_1: &[Case] = &[Case {
    desc: "Sends a indexed header field representation with index 0",
    // RFC 7541 §6.1: index 0 is a decoding error.
    run: |c, conn| decoding_error(c, conn, b"\x80"),
}];

pub static HPACK_6_3: &[Case] = &[Case {
    desc: "Sends a dynamic table size update larger than the value of SETTINGS_HEADER_TABLE_SIZE",
    // RFC 7541 §6.3: a size update above SETTINGS_HEADER_TABLE_SIZE (RFC 9113
    // §6.5.2, 4096 unless the server says otherwise) is a decoding error.
    run: |c, conn| {
        conn.handshake()?;
        let max = conn
            .settings
            .get(&HEADER_TABLE_SIZE)
            .copied()
            .unwrap_or(4096);
        let mut block = Vec::new();
        hpack::integer(&mut block, 5, 0x20, max as u64 + 1);
        block.extend(conn.encode(&c.common_headers()));
        conn.write_headers(1, true, true, &block);
        conn.verify_connection_error(&[COMPRESSION_ERROR])
    },
}];

/// A `#[test]` per group, named after it (`http2/6.9.1` is `http2_6_9_1`), and
/// `all_groups_on_one_server`, which runs every group in the tool's order against one
/// server as the tool does in one run. `$target` makes the `harness::Target` the tests
/// run against; each test evaluates it.
macro_rules! h2spec_tests {
    ($target:expr) => {
        $crate::cases::h2spec_tests!(@groups $target;
            // The one list of groups, in the tool's order.
            (generic_1, "generic/1", GENERIC_1),
            (generic_2, "generic/2", GENERIC_2),
            (generic_3_1, "generic/3.1", GENERIC_3_1),
            (generic_3_2, "generic/3.2", GENERIC_3_2),
            (generic_3_3, "generic/3.3", GENERIC_3_3),
            (generic_3_4, "generic/3.4", GENERIC_3_4),
            (generic_3_5, "generic/3.5", GENERIC_3_5),
            (generic_3_7, "generic/3.7", GENERIC_3_7),
            (generic_3_8, "generic/3.8", GENERIC_3_8),
            (generic_3_9, "generic/3.9", GENERIC_3_9),
            (generic_3_10, "generic/3.10", GENERIC_3_10),
            (generic_4, "generic/4", GENERIC_4),
            (generic_5, "generic/5", GENERIC_5),
            (http2_3_5, "http2/3.5", HTTP2_3_5),
            (http2_4_1, "http2/4.1", HTTP2_4_1),
            (http2_4_2, "http2/4.2", HTTP2_4_2),
            (http2_4_3, "http2/4.3", HTTP2_4_3),
            (http2_5_1, "http2/5.1", HTTP2_5_1),
            (http2_5_1_1, "http2/5.1.1", HTTP2_5_1_1),
            (http2_5_1_2, "http2/5.1.2", HTTP2_5_1_2),
            (http2_5_3_1, "http2/5.3.1", HTTP2_5_3_1),
            (http2_5_4_1, "http2/5.4.1", HTTP2_5_4_1),
            (http2_5_5, "http2/5.5", HTTP2_5_5),
            (http2_6_1, "http2/6.1", HTTP2_6_1),
            (http2_6_2, "http2/6.2", HTTP2_6_2),
            (http2_6_3, "http2/6.3", HTTP2_6_3),
            (http2_6_4, "http2/6.4", HTTP2_6_4),
            (http2_6_5, "http2/6.5", HTTP2_6_5),
            (http2_6_5_2, "http2/6.5.2", HTTP2_6_5_2),
            (http2_6_5_3, "http2/6.5.3", HTTP2_6_5_3),
            (http2_6_7, "http2/6.7", HTTP2_6_7),
            (http2_6_8, "http2/6.8", HTTP2_6_8),
            (http2_6_9, "http2/6.9", HTTP2_6_9),
            (http2_6_9_1, "http2/6.9.1", HTTP2_6_9_1),
            (http2_6_9_2, "http2/6.9.2", HTTP2_6_9_2),
            (http2_6_10, "http2/6.10", HTTP2_6_10),
            (http2_7, "http2/7", HTTP2_7),
            (http2_8_1, "http2/8.1", HTTP2_8_1),
            (http2_8_1_2, "http2/8.1.2", HTTP2_8_1_2),
            (http2_8_1_2_1, "http2/8.1.2.1", HTTP2_8_1_2_1),
            (http2_8_1_2_2, "http2/8.1.2.2", HTTP2_8_1_2_2),
            (http2_8_1_2_3, "http2/8.1.2.3", HTTP2_8_1_2_3),
            (http2_8_1_2_6, "http2/8.1.2.6", HTTP2_8_1_2_6),
            (http2_8_2, "http2/8.2", HTTP2_8_2),
            (hpack_2_3_3, "hpack/2.3.3", HPACK_2_3_3),
            (hpack_4_2, "hpack/4.2", HPACK_4_2),
            (hpack_5_2, "hpack/5.2", HPACK_5_2),
            (hpack_6_1, "hpack/6.1", HPACK_6_1),
            (hpack_6_3, "hpack/6.3", HPACK_6_3),
        );
    };
    (@groups $target:expr; $(($test:ident, $group:literal, $cases:ident),)*) => {
        $(
            #[test]
            fn $test() {
                $crate::harness::run_group(&$target, $group, $crate::cases::$cases);
            }
        )*

        #[test]
        fn all_groups_on_one_server() {
            $crate::harness::run_all(&$target, &[$(($group, $crate::cases::$cases)),*]);
        }
    };
}

pub(crate) use h2spec_tests;
