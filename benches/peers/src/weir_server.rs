//! weir's side: a server `Connection` driven in memory, answering like the peers do.

use std::time::Instant;

use bytes::Bytes;
use weir::{Config, Connection, Decimal, Event, Output, Response, Side, StreamId, Transmit};

use crate::raw::{self, H2Client};
use crate::{Case, Cycle};

/// The head of the response every server gives, built afresh for each request as an
/// application would: 200 and a content type, and the body's length where the peer's
/// application gives one. The h2 crate's does, `header("content-length", len)` (here
/// written without a `String`); hyper's leaves it to hyper, which reads it off a `Full`
/// body, as weir's HTTP/1.1 connection works it out from a body that ends at its first
/// write.
pub fn response_head(body_len: Option<usize>) -> Response {
    let head = Response::new(200).field("content-type", "text/plain");
    match body_len {
        Some(len) => head.field("content-length", Decimal::from(len)),
        None => head,
    }
}

/// The response every server gives: [`response_head`], then the body.
fn respond(conn: &mut Connection, stream: StreamId, body: &Bytes, with_length: bool) {
    let head = response_head(with_length.then_some(body.len()));
    conn.send_response(stream, head, false)
        .expect("a response to a request just received");
    conn.send_data(stream, body.clone(), true)
        .expect("a body within the announced length");
}

/// Runs the connection until it waits for input: answers each request (see
/// [`respond`]) and hands each transmission to `read`, in the pieces a vectored write
/// would take (large bodies as the application's own bytes). Returns how many requests
/// were answered.
fn drain(
    conn: &mut Connection,
    out: &mut Transmit,
    body: &Bytes,
    with_length: bool,
    mut read: impl FnMut(&[u8]),
) -> usize {
    let mut answered = 0;
    loop {
        match conn.poll_output_vectored(out) {
            Output::Event(Event::Headers { stream, .. }) => {
                respond(conn, stream, body, with_length);
                answered += 1;
            }
            Output::Event(Event::Writable { .. }) => {}
            Output::Event(other) => panic!("unexpected event {other:?}"),
            Output::Transmit => {
                out.chunks().for_each(&mut read);
                out.clear();
            }
            Output::Timeout(_) => return answered,
        }
    }
}

/// HTTP/1.1 cycles on one kept-alive connection.
pub struct H1 {
    conn: Connection,
    now: Instant,
    out: Transmit,
    /// The case's requests, in one write.
    wire: Vec<u8>,
    requests: usize,
    body: Bytes,
    /// The length of one response, learned from the first.
    response_len: Option<usize>,
}

impl H1 {
    pub fn new(case: Case) -> H1 {
        let now = Instant::now();
        H1 {
            conn: Connection::new(Side::Server, Config::default(), now),
            now,
            out: Transmit::new(),
            wire: raw::h1_request("/").repeat(case.requests()),
            requests: case.requests(),
            body: case.body(),
            response_len: None,
        }
    }
}

impl Cycle for H1 {
    fn cycle(&mut self) {
        self.conn.handle_input(self.now, &self.wire);
        let mut received = 0;
        let mut first = Vec::new();
        let learning = self.response_len.is_none();
        // As hyper's application: the length is left to the connection.
        let answered = drain(&mut self.conn, &mut self.out, &self.body, false, |bytes| {
            received += bytes.len();
            if learning {
                first.extend_from_slice(bytes);
            }
        });
        assert_eq!(answered, self.requests);
        let len = *self.response_len.get_or_insert_with(|| {
            raw::h1_response_len(&first).expect("a response with a Content-Length")
        });
        assert_eq!(
            received,
            len * self.requests,
            "whole responses, nothing more"
        );
    }
}

/// HTTP/2 cycles: on one open connection, or on a new one each time.
pub struct H2 {
    conn: Connection,
    client: H2Client,
    now: Instant,
    out: Transmit,
    wire: Vec<u8>,
    requests: usize,
    body: Bytes,
    fresh_connections: bool,
}

impl H2 {
    pub fn new(case: Case) -> H2 {
        let now = Instant::now();
        let mut h2 = H2 {
            conn: Connection::new(Side::Server, Config::default(), now),
            client: H2Client::new("/"),
            now,
            out: Transmit::new(),
            wire: Vec::new(),
            requests: case.requests(),
            body: case.body(),
            fresh_connections: case == Case::H2First,
        };
        if h2.fresh_connections {
            // Every new connection gets these same bytes: prepared once.
            h2.client.handshake(&mut h2.wire);
            h2.client.requests(1, &mut h2.wire);
        } else {
            h2.handshake();
        }
        h2
    }

    fn handshake(&mut self) {
        self.wire.clear();
        self.client.handshake(&mut self.wire);
        self.conn.handle_input(self.now, &self.wire);
        let client = &mut self.client;
        drain(&mut self.conn, &mut self.out, &self.body, true, |bytes| {
            client.read(bytes);
        });
    }
}

impl Cycle for H2 {
    fn cycle(&mut self) {
        if self.fresh_connections {
            self.conn = Connection::new(Side::Server, Config::default(), self.now);
            self.client.restart();
        } else {
            self.wire.clear();
            self.client.requests(self.requests, &mut self.wire);
        }
        self.conn.handle_input(self.now, &self.wire);
        let client = &mut self.client;
        let mut ended = 0;
        // As the h2 crate's application: with the length.
        let answered = drain(&mut self.conn, &mut self.out, &self.body, true, |bytes| {
            ended += client.read(bytes);
        });
        assert_eq!((answered, ended), (self.requests, self.requests));
    }
}
