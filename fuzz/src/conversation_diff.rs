//! The differential driver: the same application exchange (requests with bodies and
//! trailers, and their responses) run over an HTTP/1.1 pair and over an HTTP/2 pair
//! (`weir::testing::Pair`) must give the same application-visible events on each side.
//! Shared by the `h1_vs_h2` fuzz target and by `tests/fuzz_conversations.rs`; depends on
//! `weir`, `std`, `arbitrary` and the spec types of [`crate::conversation`].
//!
//! What is compared, per stream and side: the heads (1xx included), the body bytes
//! however they were split into `Data` events, the trailers, and whether the message
//! ended; and that neither run saw an error or a reset. What is not: the order of
//! events across streams (HTTP/2 interleaves them, HTTP/1.1 cannot), events about flow
//! control (`Writable`), and how the end is told (a response to HEAD ends with its
//! head on HTTP/1.1, with an empty DATA frame on HTTP/2). Each normalisation of a head
//! is listed where it is made (see [`normal_request`], [`normal_fields`]).

use std::collections::BTreeMap;
use std::time::Instant;

use arbitrary::{Arbitrary, Unstructured};
use weir::testing::Pair;
use weir::{Config, Event, Fields, Head, Request, Response, Side, StreamId, Version};

use crate::conversation::{
    fields_of, Body, Encode, FieldSpec, Framing, Host, Method, Name, ReqSpec, ResSpec, Status,
    Target,
};

/// Exchanges beyond this are ignored.
pub const MAX_EXCHANGES: usize = 8;

/// One request and its response, as both applications play them.
#[derive(Arbitrary, Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    pub request: ReqSpec,
    pub request_body: [Option<Body>; 2],
    pub request_trailers: Option<[Option<FieldSpec>; 2]>,
    /// An informational response before the final one.
    pub interim: Option<u8>,
    pub response: ResSpec,
    pub response_body: [Option<Body>; 2],
    pub response_trailers: Option<[Option<FieldSpec>; 2]>,
}

/// Reads the exchanges from the fuzzer's bytes (at most [`MAX_EXCHANGES`]).
pub fn exchanges_from_bytes(data: &[u8]) -> Vec<Exchange> {
    let mut u = Unstructured::new(data);
    let mut out = Vec::new();
    while !u.is_empty() && out.len() < MAX_EXCHANGES {
        match Exchange::arbitrary(&mut u) {
            Ok(e) => out.push(e),
            Err(_) => break,
        }
    }
    out
}

/// The bytes [`exchanges_from_bytes`] reads back as `exchanges`.
pub fn exchanges_to_bytes(exchanges: &[Exchange]) -> Vec<u8> {
    let mut out = Vec::new();
    for e in exchanges {
        e.encode(&mut out);
    }
    out
}

impl Encode for Exchange {
    fn encode(&self, out: &mut Vec<u8>) {
        self.request.encode(out);
        self.request_body.encode(out);
        self.request_trailers.encode(out);
        self.interim.encode(out);
        self.response.encode(out);
        self.response_body.encode(out);
        self.response_trailers.encode(out);
    }
}

/// What both versions can carry alike: no field that only means something to one
/// HTTP/1.1 connection (Connection, Upgrade) and no `Expect: 100-continue`, whose
/// handshake only HTTP/1.1 has; the trailers' names kept to the custom ones.
fn portable(specs: &[Option<FieldSpec>]) -> Vec<Option<FieldSpec>> {
    specs
        .iter()
        .map(|s| s.filter(|f| !matches!(f.name, Name::Connection | Name::Upgrade | Name::Expect)))
        .collect()
}

fn trailer_fields(specs: &[Option<FieldSpec>]) -> Fields {
    let custom: Vec<Option<FieldSpec>> = specs
        .iter()
        .map(|s| s.filter(|f| matches!(f.name, Name::Custom(_) | Name::Token(_))))
        .collect();
    fields_of(&custom)
}

impl Exchange {
    fn request_body(&self) -> Vec<Vec<u8>> {
        self.request_body
            .iter()
            .flatten()
            .map(Body::bytes)
            .collect()
    }

    fn response_body(&self) -> Vec<Vec<u8>> {
        self.response_body
            .iter()
            .flatten()
            .map(Body::bytes)
            .collect()
    }

    /// The request, made valid on both versions: HTTP/1.1 with a Host, no CONNECT
    /// (a tunnel is no exchange), `*` only for OPTIONS, and a Content-Length, if any,
    /// that matches the body (a body that does not is refused, on both versions) and
    /// comes without trailers (HTTP/1.1 carries trailers only on a chunked body).
    fn request(&self) -> Request {
        let mut spec = self.request.clone();
        spec.version = 1;
        spec.fields = portable(&spec.fields).try_into().expect("three fields");
        if spec.method == Method::Connect {
            spec.method = Method::Post;
        }
        if spec.target == Target::Star && spec.method != Method::Options
            || spec.target == Target::Authority
        {
            spec.target = Target::Root;
        }
        if matches!(spec.host, Host::Missing | Host::Authority) {
            spec.host = Host::Plain;
        }
        spec.framing = match spec.framing {
            Framing::Chunked => Framing::Chunked,
            _ => Framing::Auto,
        };
        let mut req = spec.build();
        if matches!(self.request.framing, Framing::Length(_)) && self.request_trailers.is_none() {
            let body: usize = self.request_body().iter().map(Vec::len).sum();
            req.fields.append("Content-Length", body.to_string());
        }
        req
    }

    fn status(&self) -> u16 {
        match self.response.status {
            // 1xx and 101 are no final status, on either version.
            Status::Continue | Status::Switching | Status::EarlyHints => 200,
            Status::Other(n) => 200 + n % 400,
            s => s.code(),
        }
    }

    /// The response, valid on both versions (as for the request; a 204 or 304 has
    /// no framing).
    fn response(&self) -> Response {
        let mut spec = self.response.clone();
        spec.fields = portable(&spec.fields).try_into().expect("three fields");
        spec.framing = Framing::Auto;
        // Built as a 200 (a 101 would bring its Upgrade), then given its status.
        spec.status = Status::Ok;
        let mut res = spec.build();
        res.status = self.status();
        res.reason = weir::reason_phrase(res.status).into();
        if !matches!(res.status, 204 | 304) {
            match self.response.framing {
                Framing::Length(_) if self.response_trailers.is_none() => {
                    let body: usize = self.response_body().iter().map(Vec::len).sum();
                    res.fields.append("Content-Length", body.to_string());
                }
                Framing::Chunked => res.fields.append("Transfer-Encoding", "chunked"),
                _ => {}
            }
        }
        res
    }

    fn interim(&self) -> Option<Response> {
        // 100 is the connection's own (Expect), 101 is no informational response on
        // HTTP/2: 102 to 199 else.
        self.interim
            .map(|n| Response::new(102 + u16::from(n) % 98).field("x-interim", n.to_string()))
    }
}

// ---- the transcripts -------------------------------------------------------------------

/// A head as both versions deliver it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Normal {
    Request {
        method: Vec<u8>,
        authority: Option<Vec<u8>>,
        path: Vec<u8>,
        fields: Vec<(Vec<u8>, Vec<u8>)>,
    },
    Response {
        status: u16,
        fields: Vec<(Vec<u8>, Vec<u8>)>,
    },
}

/// Field lines as both versions deliver them:
/// - names in lowercase (HTTP/2 sends them so, HTTP/1.1 keeps their case);
/// - values without surrounding whitespace (not part of a value, RFC 9110 §5.5);
/// - without Content-Length and Transfer-Encoding, which HTTP/1.1 adds for framing
///   (and HTTP/2 does not need), and Host, which HTTP/2 carries as `:authority`.
pub fn normal_fields(fields: &Fields) -> Vec<(Vec<u8>, Vec<u8>)> {
    fields
        .iter()
        .filter(|f| {
            !["content-length", "transfer-encoding", "host"]
                .iter()
                .any(|n| f.is(n))
        })
        .map(|f| (f.name.to_ascii_lowercase(), f.value.trim_ascii().to_vec()))
        .collect()
}

/// A request as both versions deliver it: the version, the scheme (`:scheme` exists
/// on HTTP/2 only) and the reason phrase of responses (HTTP/1.1 only) are left out;
/// the authority is `:authority` on HTTP/2, the Host field or an absolute-form
/// target's authority on HTTP/1.1, and the path is the target without the scheme and
/// authority of an absolute form.
pub fn normal_request(r: &Request) -> Normal {
    let (authority, path) = match r.target.strip_prefix(b"http://") {
        Some(rest) => {
            let slash = rest.iter().position(|&b| b == b'/').unwrap_or(rest.len());
            let path = if slash == rest.len() {
                b"/".to_vec()
            } else {
                rest[slash..].to_vec()
            };
            (Some(rest[..slash].to_vec()), path)
        }
        None => (None, r.target.to_vec()),
    };
    Normal::Request {
        method: r.method.to_vec(),
        authority: r
            .authority
            .as_deref()
            .map(<[u8]>::to_vec)
            .or(authority)
            .or_else(|| r.fields.get("host").map(<[u8]>::to_vec)),
        path,
        fields: normal_fields(&r.fields),
    }
}

fn normal_head(h: &Head) -> Normal {
    match h {
        Head::Request(r) => normal_request(r),
        Head::Response(r) => Normal::Response {
            status: r.status,
            fields: normal_fields(&r.fields),
        },
    }
}

/// What one side delivered on one stream.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreamLog {
    pub heads: Vec<Normal>,
    pub body: Vec<u8>,
    /// Trailers with at least one field (an empty section and none are the same: the
    /// end of a chunked body, an empty HEADERS frame).
    pub trailers: Option<Vec<(Vec<u8>, Vec<u8>)>>,
    pub ended: bool,
}

/// What one side delivered: per stream, then what went wrong.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Transcript {
    pub streams: BTreeMap<u32, StreamLog>,
    pub errors: Vec<String>,
}

impl Transcript {
    /// Adds one event.
    pub fn record(&mut self, ev: &Event) {
        fn log(t: &mut Transcript, s: StreamId) -> &mut StreamLog {
            t.streams.entry(s.0).or_default()
        }
        match ev {
            Event::Headers {
                stream,
                head,
                end_stream,
            } => {
                let l = log(self, *stream);
                l.heads.push(normal_head(head));
                l.ended |= *end_stream;
            }
            Event::Data {
                stream,
                data,
                end_stream,
            } => {
                let l = log(self, *stream);
                l.body.extend_from_slice(data);
                l.ended |= *end_stream;
            }
            Event::Trailers { stream, fields } => {
                let l = log(self, *stream);
                let f = normal_fields(fields);
                l.trailers = (!f.is_empty()).then_some(f);
                l.ended = true;
            }
            Event::EarlyError { error, .. } => self.errors.push(format!("early error: {error}")),
            Event::StreamReset { stream, code, .. } => self
                .errors
                .push(format!("stream {} reset: {code:?}", stream.0)),
            Event::Closed { error: Some(e) } => self.errors.push(format!("closed: {e}")),
            _ => {}
        }
    }
}

/// The client's and the server's transcripts of `exchanges` over `version`.
pub fn play(version: Version, exchanges: &[Exchange]) -> (Transcript, Transcript) {
    let now = base();
    let mut pair = Pair::with_version(version, Config::default(), Config::default(), now);
    let mut ids = BTreeMap::new();
    for (i, ex) in exchanges.iter().enumerate() {
        let body = ex.request_body();
        let trailers = ex.request_trailers.map(|t| trailer_fields(&t));
        let end = body.is_empty() && trailers.is_none();
        let id = match pair.client.send_request(ex.request(), end) {
            Ok(id) => id,
            Err(e) => panic!("{version:?}: request {i} refused: {e:?}"),
        };
        ids.insert(id.0, i);
        for (n, piece) in body.iter().enumerate() {
            let last = n + 1 == body.len() && trailers.is_none();
            if let Err(e) = pair.client.send_data(id, piece.clone().into(), last) {
                panic!("{version:?}: request {i} body refused: {e:?}");
            }
        }
        if let Some(t) = trailers {
            pair.client
                .send_trailers(id, t)
                .expect("trailers end the body");
        }
    }
    let mut client = Transcript::default();
    let mut server = Transcript::default();
    pair.run(|side, ev, conn| {
        let t = match side {
            Side::Client => &mut client,
            Side::Server => &mut server,
        };
        t.record(ev);
        // The server answers a request once it has read it whole.
        let Some(stream) = ev.stream() else { return };
        let ended = matches!(
            ev,
            Event::Headers {
                end_stream: true,
                ..
            } | Event::Data {
                end_stream: true,
                ..
            } | Event::Trailers { .. }
        );
        if side != Side::Server || !ended {
            return;
        }
        let Some(ex) = ids.get(&stream.0).map(|i| &exchanges[*i]) else {
            return;
        };
        answer(version, conn, stream, ex);
    });
    (client, server)
}

fn answer(version: Version, conn: &mut weir::Connection, id: StreamId, ex: &Exchange) {
    if let Some(interim) = ex.interim() {
        conn.send_response(id, interim, false)
            .unwrap_or_else(|e| panic!("{version:?}: interim refused: {e:?}"));
    }
    let res = ex.response();
    // A 204 or 304 has no content: nothing to write after it. A response to HEAD
    // takes what is written and drops it, on both versions.
    let empty = matches!(res.status, 204 | 304);
    let body = if empty {
        Vec::new()
    } else {
        ex.response_body()
    };
    let trailers = ex
        .response_trailers
        .filter(|_| !empty)
        .map(|t| trailer_fields(&t));
    let end = body.is_empty() && trailers.is_none();
    conn.send_response(id, res, end)
        .unwrap_or_else(|e| panic!("{version:?}: response refused: {e:?}"));
    for (n, piece) in body.iter().enumerate() {
        let last = n + 1 == body.len() && trailers.is_none();
        conn.send_data(id, piece.clone().into(), last)
            .unwrap_or_else(|e| panic!("{version:?}: response body refused: {e:?}"));
    }
    if let Some(t) = trailers {
        conn.send_trailers(id, t)
            .unwrap_or_else(|e| panic!("{version:?}: response trailers refused: {e:?}"));
    }
}

fn base() -> Instant {
    static BASE: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    *BASE.get_or_init(Instant::now)
}

/// Runs the exchanges `data` describes over both versions; panics if the applications
/// saw different events, or an error.
pub fn run(data: &[u8]) -> usize {
    check(&exchanges_from_bytes(data))
}

/// Runs `exchanges` over both versions; panics if the applications saw different
/// events, an error, or a message that did not end. Returns how many exchanges ran.
pub fn check(exchanges: &[Exchange]) -> usize {
    let (h1_client, h1_server) = play(Version::Http11, exchanges);
    let (h2_client, h2_server) = play(Version::Http2, exchanges);
    compare_transcripts("server", &h1_server, &h2_server, exchanges.len());
    compare_transcripts("client", &h1_client, &h2_client, exchanges.len());
    exchanges.len()
}

/// Two transcripts of one side must be equal, error-free, with every stream ended.
pub fn compare_transcripts(side: &str, h1: &Transcript, h2: &Transcript, streams: usize) {
    assert!(h1.errors.is_empty(), "{side} on HTTP/1.1: {:?}", h1.errors);
    assert!(h2.errors.is_empty(), "{side} on HTTP/2: {:?}", h2.errors);
    for (id, l) in h1.streams.iter().chain(&h2.streams) {
        assert!(l.ended, "{side}: stream {id} never ended: {l:?}");
    }
    assert_eq!(h1.streams.len(), streams, "{side}: streams on HTTP/1.1");
    for (id, a) in &h1.streams {
        let b = h2.streams.get(id);
        assert_eq!(
            Some(a),
            b,
            "{side}, stream {id}: HTTP/1.1 (left) and HTTP/2 (right) differ"
        );
    }
    assert_eq!(h1.streams.len(), h2.streams.len(), "{side}: stream counts");
}
