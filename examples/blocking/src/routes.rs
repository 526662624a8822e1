//! The routes of the example servers (see `EXAMPLE-SERVERS.md`), as an [`Application`]
//! written against events and commands only.

use crate::backlog::Backlog;
use crate::endpoint::Responder;
use crate::generate::{Generator, Kind, MAX_GENERATED};
use crate::server::{Application, ShutdownHandle};
use bytes::Bytes;
use weir::{Decimal, Event, Fields, Head, Misuse, Request, Response, StreamId, StreamMap, Version};

/// The body of `GET /` and of every request no other route takes.
pub const HELLO: &str = "Hello, World!\n";

/// The body of `GET /push` on HTTP/1.1.
pub const PUSH_NEEDS_H2: &str = "push needs HTTP/2\n";

/// The example routes, for one connection.
///
/// | request | response |
/// |---|---|
/// | `GET /`, `HEAD /`, anything else | after the whole request body: 200 `Hello, World!\n`, `x-body-length: N` |
/// | `POST` / `PUT /echo` | 200, the request body echoed piece by piece as it arrives |
/// | `GET /bytes/N`, `GET /text/N` | 200, N pseudo-random bytes / N bytes of text |
/// | `GET /push` | HTTP/2: pushes `/bytes/16` and `/text/64`, then 200 `pushed 2\n`; HTTP/1.1: 200 `push needs HTTP/2\n` |
/// | `GET /trailers` | 200, chunked `body\n`, trailer `x-checksum: done` |
/// | `Upgrade: echo`, `CONNECT` | 101 / 200, then every byte echoed until the peer closes |
///
/// `HEAD` gets the head `GET` would get. Once the server shuts down, responses carry
/// `connection: close`.
///
/// A write the connection refuses for a full send buffer waits, in order, until the
/// stream is `Writable`. Received body is released (`Responder::release_capacity`) as
/// it is consumed, an echo once the connection took it back: with
/// `h2_manual_flow_control` a peer that sends and never reads cannot make an echo grow.
#[derive(Debug, Default)]
pub struct Routes {
    /// The streams whose response is not complete yet.
    streams: StreamMap<State>,
    /// Writes that wait for room in a stream's send buffer.
    backlog: Backlog,
    shutdown: Option<ShutdownHandle>,
}

/// Where a stream's response stands.
#[derive(Debug)]
enum State {
    /// Counting the request body; the answer goes out at its end.
    Hello { received: u64, head_only: bool },
    /// An `Upgrade: echo` request with a body: 101 once the body has ended.
    UpgradeAfterBody,
    /// Echoing the request body (the response head went out).
    Echo,
    /// A tunnel: echoing raw bytes until the peer closes its side.
    Tunnel,
    /// Sending a generated body, piece by piece.
    Generate(Generator),
}

impl Routes {
    /// Routes for a connection of a server that is never shut down.
    pub fn new() -> Routes {
        Routes::default()
    }

    /// Frees the memory kept for streams that are over, while none is under way.
    pub fn release_buffers(&mut self) {
        if self.is_idle() {
            *self = Routes {
                shutdown: self.shutdown.take(),
                ..Routes::default()
            };
        }
    }

    /// Routes whose responses say `connection: close` once `shutdown` is triggered.
    pub fn with_shutdown(shutdown: ShutdownHandle) -> Routes {
        Routes {
            shutdown: Some(shutdown),
            ..Routes::default()
        }
    }

    fn on_request(
        &mut self,
        server: &mut dyn Responder,
        stream: StreamId,
        req: &Request,
        end: bool,
    ) {
        let head_only = req.is_method("HEAD");
        let get = req.is_method("GET") || head_only;
        if req.is_method("CONNECT") {
            // Any authority: the tunnel leads back to us.
            report(server.send_response(stream, Response::new(200), false));
            self.streams.insert(stream, State::Tunnel);
            return;
        }
        // RFC 9110 §7.8: Upgrade in an HTTP/1.0 request is ignored.
        if req.version != weir::Version::Http10
            && req.fields.has_token("upgrade", "echo")
            && req.fields.has_token("connection", "upgrade")
        {
            if end {
                self.switch_to_echo(server, stream);
            } else {
                report(server.accept_body(stream));
                self.streams.insert(stream, State::UpgradeAfterBody);
            }
            return;
        }
        let path = path_of(&req.target);
        if path == b"/echo" && (req.is_method("POST") || req.is_method("PUT")) {
            report(server.accept_body(stream));
            let head = self
                .final_head(200)
                .field("content-type", "application/octet-stream");
            report(server.send_response(stream, head, end));
            if !end {
                self.streams.insert(stream, State::Echo);
            }
            return;
        }
        if get {
            let generated = [(&b"/bytes/"[..], Kind::Bytes), (b"/text/", Kind::Text)]
                .into_iter()
                .find_map(|(prefix, kind)| Some((path.strip_prefix(prefix)?, kind)));
            if let Some((n, kind)) = generated.filter(|(n, _)| is_digits(n)) {
                return self.generated(server, stream, kind, n, head_only);
            }
            match path {
                b"/push" if req.version == Version::Http2 => {
                    return self.push(server, stream, req, head_only)
                }
                b"/push" => return self.fixed(server, stream, head_only, 200, PUSH_NEEDS_H2),
                b"/trailers" => return self.trailers(server, stream, head_only),
                _ => {}
            }
        }
        if end {
            self.hello(server, stream, 0, head_only);
        } else {
            report(server.accept_body(stream));
            let state = State::Hello {
                received: 0,
                head_only,
            };
            self.streams.insert(stream, state);
        }
    }

    /// Request body bytes (`end`: the body is over).
    fn on_body(&mut self, server: &mut dyn Responder, stream: StreamId, data: Bytes, end: bool) {
        if !matches!(self.streams.get(&stream), Some(State::Echo | State::Tunnel)) {
            // Consumed here and now: the peer may send as much again.
            report(server.release_capacity(stream, data.len()));
        }
        let Some(state) = self.streams.get_mut(&stream) else {
            // The response is complete; the rest of the request body does not matter.
            return;
        };
        match state {
            State::Hello {
                received,
                head_only,
            } => {
                *received += data.len() as u64;
                if end {
                    let (received, head_only) = (*received, *head_only);
                    self.streams.remove(&stream);
                    self.hello(server, stream, received, head_only);
                }
            }
            State::UpgradeAfterBody => {
                if end {
                    self.streams.remove(&stream);
                    self.switch_to_echo(server, stream);
                }
            }
            State::Echo | State::Tunnel => {
                // Echoed as it arrives: this is what makes the exchange full duplex.
                if !data.is_empty() || end {
                    report(self.backlog.data(server, stream, data, end, true));
                }
                if end {
                    self.streams.remove(&stream);
                }
            }
            State::Generate(_) => {}
        }
    }

    /// A final response head, with `connection: close` once the server shuts down.
    fn final_head(&self, status: u16) -> Response {
        let head = Response::new(status);
        match &self.shutdown {
            Some(s) if s.is_triggered() => head.field("connection", "close"),
            _ => head,
        }
    }

    fn hello(
        &mut self,
        server: &mut dyn Responder,
        stream: StreamId,
        received: u64,
        head_only: bool,
    ) {
        let head = self
            .final_head(200)
            .field("content-type", "text/plain")
            .field("x-body-length", Decimal::from(received));
        self.send_fixed(server, stream, head, head_only, HELLO);
    }

    fn fixed(
        &mut self,
        server: &mut dyn Responder,
        stream: StreamId,
        head_only: bool,
        status: u16,
        body: impl Into<Bytes>,
    ) {
        let head = self.final_head(status).field("content-type", "text/plain");
        self.send_fixed(server, stream, head, head_only, body);
    }

    fn switch_to_echo(&mut self, server: &mut dyn Responder, stream: StreamId) {
        let head = Response::new(101)
            .field("upgrade", "echo")
            .field("connection", "upgrade");
        report(server.send_response(stream, head, false));
        self.streams.insert(stream, State::Tunnel);
    }

    /// Pushes `/bytes/16` and `/text/64`, then answers `pushed N` (N: the pushes the
    /// client accepted; it may have disabled push). Each promised request comes back
    /// through the handlers as a request of its own, answered by its route.
    fn push(
        &mut self,
        server: &mut dyn Responder,
        stream: StreamId,
        req: &Request,
        head_only: bool,
    ) {
        let mut pushed = 0;
        for path in ["/bytes/16", "/text/64"] {
            let mut promise = Request::new("GET", path);
            promise.scheme = req.scheme.clone();
            promise.authority = req.authority.clone();
            if server.push(stream, promise).is_ok() {
                pushed += 1;
            }
        }
        self.fixed(server, stream, head_only, 200, format!("pushed {pushed}\n"));
    }

    fn generated(
        &mut self,
        server: &mut dyn Responder,
        stream: StreamId,
        kind: Kind,
        digits: &[u8],
        head_only: bool,
    ) {
        let len = std::str::from_utf8(digits)
            .ok()
            .and_then(|n| n.parse::<u64>().ok())
            .filter(|&n| n <= MAX_GENERATED);
        let Some(len) = len else {
            let body = format!("N is too large: the largest is {MAX_GENERATED}\n");
            return self.fixed(server, stream, head_only, 400, body);
        };
        let content_type = match kind {
            Kind::Bytes => "application/octet-stream",
            Kind::Text => "text/plain",
        };
        let head = self
            .final_head(200)
            .field("content-type", content_type)
            .field("content-length", Decimal::from(len));
        let end = head_only || len == 0;
        report(server.send_response(stream, head, end));
        if !end {
            self.streams
                .insert(stream, State::Generate(Generator::new(kind, len)));
        }
    }

    fn trailers(&mut self, server: &mut dyn Responder, stream: StreamId, head_only: bool) {
        let head = self
            .final_head(200)
            .field("content-type", "text/plain")
            .field("trailer", "x-checksum");
        if head_only {
            return report(server.send_response(stream, head, true));
        }
        // No Content-Length and a body that does not end with its data: chunked.
        report(server.send_response(stream, head, false));
        let body = Bytes::from_static(b"body\n");
        report(self.backlog.data(server, stream, body, false, false));
        let mut trailers = Fields::new();
        trailers.append("x-checksum", "done");
        report(self.backlog.trailers(server, stream, trailers));
    }

    /// Sends a response with a body known in full; `HEAD` gets the head alone, with the
    /// Content-Length the body would have.
    fn send_fixed(
        &mut self,
        server: &mut dyn Responder,
        stream: StreamId,
        head: Response,
        head_only: bool,
        body: impl Into<Bytes>,
    ) {
        let body = body.into();
        let head = head.field("content-length", Decimal::from(body.len()));
        report(server.send_response(stream, head, head_only));
        if !head_only {
            report(self.backlog.data(server, stream, body, true, false));
        }
    }
}

impl Application for Routes {
    fn on_event(&mut self, server: &mut dyn Responder, event: Event) {
        match event {
            Event::Headers {
                stream,
                head: Head::Request(req),
                end_stream,
            } => self.on_request(server, stream, &req, end_stream),
            Event::Data {
                stream,
                data,
                end_stream,
            } => self.on_body(server, stream, data, end_stream),
            // Trailers end the request body; they are not echoed.
            Event::Trailers { stream, .. } => self.on_body(server, stream, Bytes::new(), true),
            Event::Writable { stream } => report(self.backlog.resume(server, stream)),
            Event::StreamReset { stream, .. } => {
                self.streams.remove(&stream);
                self.backlog.forget(stream);
            }
            Event::Closed { .. } => {
                self.streams.clear();
                self.backlog.clear();
            }
            // EarlyError: the connection sends its proposed response and closes.
            // Tunnel: the stream is already echoing.
            _ => {}
        }
    }

    fn produce(&mut self, server: &mut dyn Responder) -> bool {
        // A stream whose last piece waits for room gets no new one.
        let backlog = &self.backlog;
        let Some((&stream, generator)) = self.streams.iter_mut().find_map(|(id, s)| match s {
            State::Generate(g) if !backlog.is_waiting(*id) => Some((id, g)),
            _ => None,
        }) else {
            return false;
        };
        let piece = generator.next_piece();
        let end = generator.remaining() == 0;
        let sent = self.backlog.data(server, stream, piece, end, false);
        if end || sent.is_err() {
            self.streams.remove(&stream);
        }
        let ok = sent.is_ok();
        report(sent);
        ok
    }

    fn is_idle(&self) -> bool {
        self.streams.is_empty() && self.backlog.is_empty()
    }
}

/// A command refused by the connection is a mistake of these routes, except on a
/// connection that has closed under them (the peer left).
fn report(result: Result<(), Misuse>) {
    if let Err(e) = result {
        if !matches!(e, Misuse::Closed) {
            eprintln!("routes: command refused: {e}");
        }
    }
}

/// The path of a request target: without the scheme and authority of the absolute form,
/// and without the query.
pub fn path_of(target: &[u8]) -> &[u8] {
    let mut path = target;
    if let Some(at) = target.windows(3).position(|w| w == b"://") {
        let rest = &target[at + 3..];
        path = rest
            .iter()
            .position(|&b| b == b'/')
            .map_or(&b"/"[..], |slash| &rest[slash..]);
    }
    let end = path.iter().position(|&b| b == b'?').unwrap_or(path.len());
    &path[..end]
}

fn is_digits(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(u8::is_ascii_digit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert_eq!(path_of(b"/bytes/10?x=1"), b"/bytes/10");
        assert_eq!(path_of(b"http://a:80/echo"), b"/echo");
        assert_eq!(path_of(b"http://a"), b"/");
        assert_eq!(path_of(b"*"), b"*");
    }
}
