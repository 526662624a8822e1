//! HTTP/1.1 request heads read by a strict server [`Connection`] and by bare
//! `httparse::Request::parse`, on arbitrary bytes. Shared by the fuzz target
//! `h1_head_diff` and by `tests/fuzz_corpus.rs`.
//!
//! An input is `[s1] [s2] [wire bytes…]`: the connection reads the wire whole, and
//! again (a new connection) in two reads split at `u16(s1, s2) % (len + 1)`. The
//! connection answers every request with a 404 at once, so that pipelined requests are
//! read too. The checks:
//!
//! - both runs deliver the same events and transmit the same bytes (weir parses a head
//!   that is there whole in one pass, and one that arrives in pieces another way; the
//!   split may only change how body bytes are cut into `Data` events);
//! - every request head the connection delivers, httparse parses completely from the
//!   same place, to the same method, target, version and fields (names exact, values
//!   without the whitespace around them, in order). weir may refuse heads httparse
//!   takes, being stricter; it may not take one httparse refuses. The one exception is
//!   a later HTTP/1 minor version (`HTTP/1.2`…), which httparse refuses and RFC 9110
//!   §6.2 has a server read as HTTP/1.1: such a head is compared with httparse's
//!   reading of it as `HTTP/1.1`.
//!
//! Where the next head starts is known after a request without a body, or with a
//! Content-Length body the connection delivered whole; after any other (chunked, cut
//! short) the rest of the run is only compared with itself.
//!
//! A corpus file named `ok-…` must have a head compared and no error; one named `bad-…`
//! must have its first request refused (see `Summary::check_name`).

use std::time::Instant;

use weir::{Config, Connection, Event, Head, Output, Request, Response, Side, StreamId, Version};

/// A drain that needs more `poll_output` calls than this never reaches its deadline.
const MAX_POLLS: usize = 100_000;

/// Header slots for httparse: more than the connection accepts by default (100).
const MAX_HEADERS: usize = 128;

/// What a run saw.
#[derive(Debug, Default, Clone)]
pub struct Summary {
    /// Request heads the connection delivered.
    pub heads: usize,
    /// Of those, the ones compared with httparse.
    pub compared: usize,
    /// `EarlyError` events.
    pub early_errors: usize,
    /// Whether the connection closed with an error.
    pub failed: bool,
}

impl Summary {
    /// Checks the expectation that a corpus file's name states; panics if it is not met.
    pub fn check_name(&self, name: &str) {
        if name.starts_with("ok-") {
            assert!(
                self.compared > 0 && !self.failed && self.early_errors == 0,
                "{name}: expected heads compared and no error, got {self:?}"
            );
        } else if name.starts_with("bad-") {
            assert!(
                self.heads == 0 && self.early_errors > 0,
                "{name}: expected the first request refused, got {self:?}"
            );
        }
    }
}

/// Runs `data`; panics where the connection and httparse disagree.
pub fn run(data: &[u8]) -> Summary {
    let (split, wire) = match data {
        [a, b, wire @ ..] => (usize::from(u16::from_le_bytes([*a, *b])), wire),
        _ => return Summary::default(),
    };
    let split = split % (wire.len() + 1);
    let whole = serve(&[wire]);
    let pieces = serve(&[&wire[..split], &wire[split..]]);
    assert_eq!(
        whole.events, pieces.events,
        "read whole and split at {split}, the events differ"
    );
    assert!(
        whole.transmitted == pieces.transmitted,
        "read whole and split at {split}, the bytes sent differ"
    );
    let mut summary = Summary::default();
    let mut at = Some(0);
    for (i, event) in whole.events.iter().enumerate() {
        match event {
            Event::Headers {
                stream,
                head: Head::Request(req),
                end_stream,
            } => {
                summary.heads += 1;
                let Some(start) = at else { continue };
                let len = compare(req, &wire[start..]);
                summary.compared += 1;
                at = next_head(&whole.events[i + 1..], *stream, req, *end_stream)
                    .map(|body| start + len + body);
            }
            Event::EarlyError { .. } => summary.early_errors += 1,
            Event::Closed { error } => summary.failed = error.is_some(),
            _ => {}
        }
    }
    summary
}

/// Compares the connection's `req` with httparse's reading of `wire`, where it starts;
/// returns the head's length (with the empty lines before it).
fn compare(req: &Request, wire: &[u8]) -> usize {
    // RFC 9110 §6.2: a later HTTP/1 minor version is read as HTTP/1.1, as the connection
    // does; httparse refuses it, so it reads the head so rewritten.
    let downgraded = later_minor(wire).map(|at| {
        let mut copy = wire.to_vec();
        copy[at] = b'1';
        copy
    });
    let wire = downgraded.as_deref().unwrap_or(wire);
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut theirs = httparse::Request::new(&mut headers);
    let len = match theirs.parse(wire) {
        Ok(httparse::Status::Complete(len)) => len,
        other => panic!(
            "the connection took a head httparse does not ({other:?}): {req:?} from {:?}",
            String::from_utf8_lossy(&wire[..wire.len().min(200)])
        ),
    };
    assert_eq!(req.method, theirs.method.unwrap_or_default().as_bytes());
    assert_eq!(req.target, theirs.path.unwrap_or_default().as_bytes());
    let version = match theirs.version {
        Some(0) => Version::Http10,
        _ => Version::Http11,
    };
    assert_eq!(req.version, version);
    let ours: Vec<(&[u8], &[u8])> = req.fields.iter().map(|f| (f.name, f.value)).collect();
    let theirs: Vec<(&[u8], &[u8])> = theirs
        .headers
        .iter()
        .map(|h| (h.name.as_bytes(), trim(h.value)))
        .collect();
    assert!(
        ours == theirs,
        "fields differ: ours {:?}, httparse {:?}",
        req.fields,
        theirs
            .iter()
            .map(|(n, v)| (String::from_utf8_lossy(n), String::from_utf8_lossy(v)))
            .collect::<Vec<_>>()
    );
    len
}

/// Where the minor version digit is, if the request line (the first that is not empty)
/// ends in `HTTP/1.x` with `x` above 1.
fn later_minor(wire: &[u8]) -> Option<usize> {
    let start = wire.iter().position(|&b| b != b'\r' && b != b'\n')?;
    // After `start`, which is neither CR nor LF.
    let lf = start + wire[start..].iter().position(|&b| b == b'\n')?;
    let end = if wire[lf - 1] == b'\r' { lf - 1 } else { lf };
    let line = &wire[start..end];
    let version = &line[line.len().checked_sub(9)?..];
    (version.starts_with(b" HTTP/1.") && version[8].is_ascii_digit() && version[8] > b'1')
        .then_some(end - 1)
}

/// How many body bytes follow the head of `stream`, if that is known: none when it
/// ended with its head; its Content-Length when that body came out whole.
fn next_head(after: &[Event], stream: StreamId, req: &Request, end_stream: bool) -> Option<usize> {
    if end_stream {
        return Some(0);
    }
    if req.fields.contains("transfer-encoding") || req.fields.get_all("content-length").count() != 1
    {
        return None;
    }
    let length: usize = std::str::from_utf8(req.fields.get("content-length")?)
        .ok()?
        .parse()
        .ok()?;
    let mut delivered = 0;
    for event in after {
        if let Event::Data {
            stream: s,
            data,
            end_stream,
        } = event
        {
            if *s == stream {
                delivered += data.len();
                if *end_stream {
                    return (delivered == length).then_some(length);
                }
            }
        }
    }
    None
}

fn trim(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

/// What one connection did.
struct Served {
    /// Its events, consecutive `Data` of a stream joined.
    events: Vec<Event>,
    transmitted: Vec<u8>,
}

/// A strict server connection reads `reads`, then the end of input, and answers every
/// request with a 404.
fn serve(reads: &[&[u8]]) -> Served {
    let now = Instant::now();
    let mut conn = Connection::with_version(Side::Server, Version::Http11, Config::default(), now);
    let mut served = Served {
        events: Vec::new(),
        transmitted: Vec::new(),
    };
    for read in reads {
        conn.handle_input(now, read);
        drain(&mut conn, &mut served);
    }
    conn.handle_eof(now);
    drain(&mut conn, &mut served);
    served
}

fn drain(conn: &mut Connection, served: &mut Served) {
    let mut out = Vec::new();
    for _ in 0..MAX_POLLS {
        match conn.poll_output(&mut out) {
            Output::Transmit => {
                served.transmitted.extend_from_slice(&out);
                out.clear();
            }
            Output::Event(event) => {
                if let Event::Headers { stream, .. } = &event {
                    let res = Response::new(404).field("content-length", "0");
                    // Refused only on a connection on its way out.
                    let _ = conn.send_response(*stream, res, true);
                }
                push(&mut served.events, event);
            }
            Output::Timeout(_) => return,
        }
    }
    panic!("poll_output never reached a deadline");
}

/// Adds `event`, joining it to the `Data` before it if both are of the same stream.
fn push(events: &mut Vec<Event>, event: Event) {
    if let (
        Some(Event::Data {
            stream,
            data,
            end_stream,
        }),
        Event::Data {
            stream: s,
            data: more,
            end_stream: end,
        },
    ) = (events.last_mut(), &event)
    {
        if stream == s && !*end_stream {
            *data = [&data[..], &more[..]].concat().into();
            *end_stream = *end;
            return;
        }
    }
    events.push(event);
}
