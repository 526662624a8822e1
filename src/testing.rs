//! A deterministic in-memory client/server pair with a virtual clock, for tests,
//! fuzzing, documentation and your own harnesses.
//!
//! ```
//! use weir::testing::Pair;
//! use weir::{Config, Event, Request, Response};
//! use std::time::Instant;
//!
//! let mut pair = Pair::new(Config::default(), Config::default(), Instant::now());
//! let stream = pair.client.send_request(Request::new("GET", "/").field("Host", "a"), true).unwrap();
//! pair.drive();
//! assert!(matches!(pair.server_events[0], Event::Headers { end_stream: true, .. }));
//! pair.server.send_response(stream, Response::new(200), false).unwrap();
//! pair.server.send_data(stream, "hi".into(), true).unwrap();
//! pair.drive();
//! assert_eq!(pair.wire_to_client, b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nhi");
//! ```

use crate::{Config, Connection, Event, Output, Side, Version};
use std::time::{Duration, Instant};

/// A client and a server connection wired together in memory.
#[derive(Debug)]
pub struct Pair {
    /// The client side.
    pub client: Connection,
    /// The server side.
    pub server: Connection,
    /// The virtual clock.
    pub now: Instant,
    /// Every event the client delivered, in order.
    pub client_events: Vec<Event>,
    /// Every event the server delivered, in order.
    pub server_events: Vec<Event>,
    /// Every byte the client transmitted.
    pub wire_to_server: Vec<u8>,
    /// Every byte the server transmitted.
    pub wire_to_client: Vec<u8>,
    client_deadline: Option<Instant>,
    server_deadline: Option<Instant>,
    client_eof_sent: bool,
    server_eof_sent: bool,
}

impl Pair {
    /// A pair with these configurations; `now` starts the virtual clock.
    pub fn new(client: Config, server: Config, now: Instant) -> Pair {
        Pair {
            client: Connection::new(Side::Client, client, now),
            server: Connection::new(Side::Server, server, now),
            now,
            client_events: Vec::new(),
            server_events: Vec::new(),
            wire_to_server: Vec::new(),
            wire_to_client: Vec::new(),
            client_deadline: None,
            server_deadline: None,
            client_eof_sent: false,
            server_eof_sent: false,
        }
    }

    /// A pair whose client speaks `version` from the start (HTTP/2 with prior
    /// knowledge); the server detects the version from the first bytes, as
    /// [`Connection::new`] does.
    pub fn with_version(version: Version, client: Config, server: Config, now: Instant) -> Pair {
        let mut pair = Pair::new(client.clone(), server, now);
        pair.client = Connection::with_version(Side::Client, version, client, now);
        pair
    }

    /// Moves bytes both ways until both sides wait; collects events.
    pub fn drive(&mut self) {
        self.run(|_, _, _| {});
    }

    /// Like [`drive`](Pair::drive), calling `on_event` for each event as it is delivered,
    /// with the connection that delivered it, so the application can answer in time
    /// (an `EarlyError` is answered while it is handled).
    pub fn run(&mut self, mut on_event: impl FnMut(Side, &Event, &mut Connection)) {
        let mut buf = Vec::new();
        loop {
            let mut moved = false;
            for side in [Side::Client, Side::Server] {
                let (me, peer, events, wire, deadline, eof_sent) = match side {
                    Side::Client => (
                        &mut self.client,
                        &mut self.server,
                        &mut self.client_events,
                        &mut self.wire_to_server,
                        &mut self.client_deadline,
                        &mut self.client_eof_sent,
                    ),
                    Side::Server => (
                        &mut self.server,
                        &mut self.client,
                        &mut self.server_events,
                        &mut self.wire_to_client,
                        &mut self.server_deadline,
                        &mut self.server_eof_sent,
                    ),
                };
                loop {
                    match me.poll_output(&mut buf) {
                        Output::Transmit => {
                            wire.extend_from_slice(&buf);
                            peer.handle_input(self.now, &buf);
                            buf.clear();
                            moved = true;
                        }
                        Output::Event(ev) => {
                            on_event(side, &ev, me);
                            events.push(ev);
                            moved = true;
                        }
                        Output::Timeout(t) => {
                            *deadline = t;
                            break;
                        }
                    }
                }
                if me.is_write_closed() && !*eof_sent {
                    *eof_sent = true;
                    peer.handle_eof(self.now);
                    moved = true;
                }
            }
            if !moved {
                return;
            }
        }
    }

    /// Advances the virtual clock, fires the deadlines that passed, and drives.
    pub fn advance(&mut self, by: Duration) {
        self.now += by;
        if self.client_deadline.is_some_and(|d| d <= self.now) {
            self.client.handle_timeout(self.now);
        }
        if self.server_deadline.is_some_and(|d| d <= self.now) {
            self.server.handle_timeout(self.now);
        }
        self.drive();
    }
}
