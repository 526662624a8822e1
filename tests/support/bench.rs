//! A client [`Connection`] and a server [`Dispatcher`] wired together in memory, with
//! a fixed clock: the handler chain runs exactly as it would behind a socket, on
//! either version.

// Each test binary uses part of it.
#![allow(dead_code)]

use std::time::Instant;
use weir::handler::Dispatcher;
use weir::{Config, Connection, Event, Head, Output, Request, Response, Side, StreamId, Version};

/// Both versions, for tests that run the same code on each.
pub const VERSIONS: [Version; 2] = [Version::Http11, Version::Http2];

/// A client connection and a server dispatcher wired together in memory.
pub struct Bench<M = ()> {
    pub client: Connection,
    pub server: Dispatcher<M>,
    pub now: Instant,
    /// Every event the client delivered, in order.
    pub client_events: Vec<Event>,
    /// Every event the server's chain delivered to the application, in order.
    pub server_events: Vec<Event>,
    /// Every byte the server transmitted.
    pub wire_to_client: Vec<u8>,
}

impl<M> Bench<M> {
    /// A bench whose server is a dispatcher with the handlers `server` adds.
    pub fn new(version: Version, server: impl FnOnce(Dispatcher<M>) -> Dispatcher<M>) -> Bench<M> {
        Bench::with_config(version, Config::default(), server)
    }

    /// The same, with `config` for the server.
    pub fn with_config(
        version: Version,
        config: Config,
        server: impl FnOnce(Dispatcher<M>) -> Dispatcher<M>,
    ) -> Bench<M> {
        let now = Instant::now();
        let conn = Connection::with_version(Side::Server, version, config, now);
        Bench {
            client: Connection::with_version(Side::Client, version, Config::default(), now),
            server: server(Dispatcher::new(conn)),
            now,
            client_events: Vec::new(),
            server_events: Vec::new(),
            wire_to_client: Vec::new(),
        }
    }

    /// Moves bytes both ways until both sides wait.
    pub fn drive(&mut self) {
        let mut buf = Vec::new();
        let mut eof_sent = false;
        loop {
            let mut moved = false;
            loop {
                match self.client.poll_output(&mut buf) {
                    Output::Transmit => {
                        self.server.handle_input(self.now, &buf);
                        buf.clear();
                        moved = true;
                    }
                    Output::Event(e) => {
                        self.client_events.push(e);
                        moved = true;
                    }
                    Output::Timeout(_) => break,
                }
            }
            loop {
                match self.server.poll_output(&mut buf) {
                    Output::Transmit => {
                        self.wire_to_client.extend_from_slice(&buf);
                        self.client.handle_input(self.now, &buf);
                        buf.clear();
                        moved = true;
                    }
                    Output::Event(e) => {
                        self.server_events.push(e);
                        moved = true;
                    }
                    Output::Timeout(_) => break,
                }
            }
            if self.server.is_write_closed() && !eof_sent {
                eof_sent = true;
                self.client.handle_eof(self.now);
                moved = true;
            }
            if !moved {
                return;
            }
        }
    }

    /// Sends a request from the client and drives.
    pub fn request(&mut self, req: Request, end: bool) -> StreamId {
        let id = self.client.send_request(req, end).unwrap();
        self.drive();
        id
    }

    /// The final response the client received on `stream` (`None`: none yet), and
    /// the body bytes received so far.
    pub fn received(&self, stream: StreamId) -> (Option<Response>, Vec<u8>) {
        let mut head = None;
        let mut body = Vec::new();
        for e in &self.client_events {
            match e {
                Event::Headers {
                    stream: s,
                    head: Head::Response(r),
                    ..
                } if *s == stream && r.status >= 200 => head = Some(r.clone()),
                Event::Data {
                    stream: s, data, ..
                } if *s == stream => body.extend_from_slice(data),
                _ => {}
            }
        }
        (head, body)
    }

    /// The response the client received on `stream`: its head and whole body.
    pub fn response(&self, stream: StreamId) -> (Response, Vec<u8>) {
        let (head, body) = self.received(stream);
        (head.expect("a final response"), body)
    }
}
