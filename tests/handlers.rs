//! Stream handlers: a client connection talks to a server [`Dispatcher`] in memory, and
//! the same handler code runs over HTTP/1.1 and HTTP/2: the order of the callbacks,
//! commands intercepted and rewritten, `info` routing, `terminate` on a normal end and
//! on a reset, `early_error` rewriting the response, held writes on a full buffer.

#[path = "support/bench.rs"]
mod bench;

use std::sync::{Arc, Mutex};

use bench::{Bench, VERSIONS};
use bytes::Bytes;
use weir::handler::{Dispatcher, Handler, Info, Next, Options, Terminate};
use weir::{
    Command, Config, Error, Event, Initiator, Output, PartialRequest, Reason, Request, Response,
    StreamId, Version,
};

/// The application's messages to its handlers.
#[derive(Debug)]
enum Msg {
    /// Answer the stream with this body.
    Answer(&'static str),
}

type Log = Arc<Mutex<Vec<String>>>;

/// Logs every callback under its name, then passes it on.
struct Recorder {
    name: &'static str,
    log: Log,
}

impl Recorder {
    fn note(&self, what: String) {
        self.log
            .lock()
            .unwrap()
            .push(format!("{} {what}", self.name));
    }
}

impl Handler<Msg> for Recorder {
    fn init(
        &mut self,
        stream: StreamId,
        request: Request,
        end_stream: bool,
        opts: &Options,
        next: Next<'_, Msg>,
    ) -> Vec<Command> {
        let target = String::from_utf8_lossy(&request.target).into_owned();
        self.note(format!("init {} {target} end={end_stream}", stream.0));
        assert_eq!(opts.version, request.version);
        next.init(stream, request, end_stream, opts)
    }

    fn data(
        &mut self,
        stream: StreamId,
        data: Bytes,
        end_stream: bool,
        next: Next<'_, Msg>,
    ) -> Vec<Command> {
        self.note(format!("data {} {:?} end={end_stream}", stream.0, data));
        next.data(stream, data, end_stream)
    }

    fn info(&mut self, stream: StreamId, info: Info<Msg>, next: Next<'_, Msg>) -> Vec<Command> {
        let what = match &info {
            Info::Command(c) => format!("command {}", command_name(c)),
            Info::Event(e) => format!("event {}", event_name(e)),
            Info::Message(m) => format!("message {m:?}"),
            _ => "other".into(),
        };
        self.note(format!("info {} {what}", stream.0));
        next.info(stream, info)
    }

    fn terminate(&mut self, stream: StreamId, reason: &Terminate, next: Next<'_, Msg>) {
        self.note(format!("terminate {} {reason:?}", stream.0));
        next.terminate(stream, reason)
    }

    fn early_error(
        &mut self,
        stream: StreamId,
        request: &PartialRequest,
        error: &Error,
        response: Response,
        next: Next<'_, Msg>,
    ) -> Response {
        self.note(format!("early_error {} {}", stream.0, response.status));
        next.early_error(stream, request, error, response)
    }
}

fn command_name(c: &Command) -> &'static str {
    match c {
        Command::Response { .. } => "response",
        Command::Data { .. } => "data",
        Command::Trailers { .. } => "trailers",
        Command::Reset { .. } => "reset",
        Command::Push { .. } => "push",
        _ => "other",
    }
}

fn event_name(e: &Event) -> &'static str {
    match e {
        Event::Trailers { .. } => "trailers",
        Event::Tunnel { .. } => "tunnel",
        Event::Writable { .. } => "writable",
        _ => "other",
    }
}

/// Rewrites responses: a header on every one, and body bytes upper-cased.
struct Shout;

impl<M> Handler<M> for Shout {
    fn info(&mut self, stream: StreamId, info: Info<M>, next: Next<'_, M>) -> Vec<Command> {
        let mut commands = next.info(stream, info);
        for command in &mut commands {
            match command {
                Command::Response { head, .. } => head.fields.append("x-shout", "yes"),
                Command::Data { data, .. } => *data = Bytes::from(data.to_ascii_uppercase()),
                _ => {}
            }
        }
        commands
    }
}

/// Answers a stream itself when the application asks it to with a message, and
/// drops the application's trailers.
struct Answerer;

impl Handler<Msg> for Answerer {
    fn info(&mut self, stream: StreamId, info: Info<Msg>, next: Next<'_, Msg>) -> Vec<Command> {
        match info {
            Info::Message(Msg::Answer(body)) => vec![
                Command::Response {
                    stream,
                    head: Response::new(200),
                    end_stream: false,
                },
                Command::Data {
                    stream,
                    data: body.into(),
                    end_stream: true,
                },
            ],
            Info::Command(Command::Trailers { stream, .. }) => vec![Command::Data {
                stream,
                data: Bytes::new(),
                end_stream: true,
            }],
            other => next.info(stream, other),
        }
    }
}

/// Holds each final response head until the first body command, then sends it with
/// the body's first length in a header: a handler that decides on the head by the
/// body, as a compressor does.
#[derive(Default)]
struct HoldHead {
    held: std::collections::HashMap<StreamId, Response>,
}

impl<M> Handler<M> for HoldHead {
    fn info(&mut self, stream: StreamId, info: Info<M>, next: Next<'_, M>) -> Vec<Command> {
        let mut out = Vec::new();
        for command in next.info(stream, info) {
            match command {
                Command::Response {
                    stream,
                    head,
                    end_stream: false,
                } if head.status >= 200 => {
                    self.held.insert(stream, head);
                }
                Command::Data { stream, .. } if self.held.contains_key(&stream) => {
                    let Command::Data { data, .. } = &command else {
                        unreachable!()
                    };
                    let head = self.held.remove(&stream).unwrap();
                    let head = head.field("x-first", data.len().to_string());
                    out.push(Command::Response {
                        stream,
                        head,
                        end_stream: false,
                    });
                    out.push(command);
                }
                other => out.push(other),
            }
        }
        out
    }
}

/// Rewrites an early error's response.
struct Teapot;

impl<M> Handler<M> for Teapot {
    fn early_error(
        &mut self,
        stream: StreamId,
        request: &PartialRequest,
        error: &Error,
        response: Response,
        next: Next<'_, M>,
    ) -> Response {
        let response = next.early_error(stream, request, error, response);
        Response::new(418).field("x-was", response.status.to_string())
    }
}

fn get(path: &'static str) -> Request {
    Request::new("GET", path).field("host", "a")
}

fn recorders(log: &Log) -> impl FnOnce(Dispatcher<Msg>) -> Dispatcher<Msg> {
    let (a, b) = (log.clone(), log.clone());
    move |d| {
        d.handler(Recorder { name: "a", log: a })
            .handler(Recorder { name: "b", log: b })
    }
}

#[test]
fn callbacks_run_in_chain_order_and_terminate_after_both_ends() {
    for version in VERSIONS {
        let log = Log::default();
        let mut bench = Bench::new(version, recorders(&log));
        let req = Request::new("POST", "/up")
            .field("host", "a")
            .field("content-length", "5");
        let stream = bench.client.send_request(req, false).unwrap();
        bench
            .client
            .send_data(stream, "hello".into(), true)
            .unwrap();
        bench.drive();
        // The application saw the request and its body, as the chain passed them on.
        assert!(
            matches!(
                &bench.server_events[..],
                [
                    Event::Headers { .. },
                    Event::Data {
                        end_stream: true,
                        ..
                    },
                    ..
                ]
            ),
            "{version:?}: {:?}",
            bench.server_events
        );
        let res = Command::Response {
            stream,
            head: Response::new(200).field("content-length", "2"),
            end_stream: false,
        };
        bench.server.send(res).unwrap();
        let data = Command::Data {
            stream,
            data: "ok".into(),
            end_stream: true,
        };
        bench.server.send(data).unwrap();
        bench.drive();
        let id = stream.0;
        let expected = vec![
            format!("a init {id} /up end=false"),
            format!("b init {id} /up end=false"),
            format!("a data {id} b\"hello\" end=true"),
            format!("b data {id} b\"hello\" end=true"),
            format!("a info {id} command response"),
            format!("b info {id} command response"),
            format!("a info {id} command data"),
            format!("b info {id} command data"),
            format!("a terminate {id} Normal"),
            format!("b terminate {id} Normal"),
        ];
        let got = log.lock().unwrap().clone();
        // HTTP/1.1 may split the body into several `data` calls; here it is one.
        assert_eq!(got, expected, "{version:?}");
        assert_eq!(bench.response(stream).1, b"ok");
    }
}

#[test]
fn handlers_rewrite_the_applications_commands() {
    for version in VERSIONS {
        let mut bench: Bench<Msg> = Bench::new(version, |d| d.handler(Shout));
        let stream = bench.request(get("/"), true);
        let head = Response::new(200).field("content-length", "5");
        bench
            .server
            .send(Command::Response {
                stream,
                head,
                end_stream: false,
            })
            .unwrap();
        bench
            .server
            .send(Command::Data {
                stream,
                data: "quiet".into(),
                end_stream: true,
            })
            .unwrap();
        bench.drive();
        let (head, body) = bench.response(stream);
        assert_eq!(head.fields.get("x-shout"), Some(&b"yes"[..]));
        assert_eq!(body, b"QUIET", "{version:?}");
    }
}

#[test]
fn info_messages_reach_the_handlers_and_their_commands_pass_the_handlers_before_them() {
    for version in VERSIONS {
        let log = Log::default();
        let l = log.clone();
        // Shout comes first, so it sees (and rewrites) what Answerer sends.
        let mut bench = Bench::new(version, move |d| {
            d.handler(Shout)
                .handler(Recorder { name: "r", log: l })
                .handler(Answerer)
        });
        let stream = bench.request(get("/"), true);
        bench
            .server
            .info(stream, Msg::Answer("made by a handler"))
            .unwrap();
        bench.drive();
        let (head, body) = bench.response(stream);
        assert_eq!(body, b"MADE BY A HANDLER", "{version:?}");
        assert!(head.fields.contains("x-shout"));
        let id = stream.0;
        assert!(log.lock().unwrap().contains(&format!(
            "r info {id} message Answer(\"made by a handler\")"
        )));
        assert!(log
            .lock()
            .unwrap()
            .contains(&format!("r terminate {id} Normal")));
    }
}

#[test]
fn a_handler_drops_a_command() {
    for version in VERSIONS {
        let mut bench = Bench::new(version, |d| d.handler(Answerer));
        let stream = bench.request(get("/"), true);
        bench
            .server
            .send(Command::Response {
                stream,
                head: Response::new(200),
                end_stream: false,
            })
            .unwrap();
        bench
            .server
            .send(Command::Data {
                stream,
                data: "x".into(),
                end_stream: false,
            })
            .unwrap();
        let mut fields = weir::Fields::new();
        fields.append("x-sum", "1");
        // Answerer replaces trailers with a plain end of body.
        bench
            .server
            .send(Command::Trailers { stream, fields })
            .unwrap();
        bench.drive();
        assert!(!bench
            .client_events
            .iter()
            .any(|e| matches!(e, Event::Trailers { .. })));
        assert!(bench.client_events.iter().any(|e| matches!(
            e,
            Event::Data { stream: s, end_stream: true, .. } if *s == stream
        )));
    }
}

#[test]
fn terminate_on_a_reset_from_either_side() {
    for version in VERSIONS {
        // The server resets.
        let log = Log::default();
        let mut bench = Bench::new(version, recorders(&log));
        let stream = bench.request(get("/"), true);
        bench
            .server
            .send(Command::Reset {
                stream,
                code: Reason::INTERNAL_ERROR,
            })
            .unwrap();
        bench.drive();
        let reset = format!(
            "terminate {} {:?}",
            stream.0,
            Terminate::Reset {
                code: Reason::INTERNAL_ERROR,
                initiator: Initiator::Local
            }
        );
        assert!(
            log.lock().unwrap().contains(&format!("a {reset}")),
            "{version:?}: {:?}",
            log.lock().unwrap()
        );
        assert!(log.lock().unwrap().contains(&format!("b {reset}")));
        assert!(bench.server_events.iter().any(|e| matches!(
            e,
            Event::StreamReset {
                initiator: Initiator::Local,
                ..
            }
        )));
    }
    // The client resets (HTTP/2: RST_STREAM).
    let log = Log::default();
    let mut bench = Bench::new(Version::Http2, recorders(&log));
    let stream = bench.request(get("/"), true);
    bench.client.reset_stream(stream, Reason::CANCEL).unwrap();
    bench.drive();
    let reset = Terminate::Reset {
        code: Reason::CANCEL,
        initiator: Initiator::Remote,
    };
    assert!(log
        .lock()
        .unwrap()
        .contains(&format!("a terminate {} {reset:?}", stream.0)));
}

#[test]
fn terminate_once_when_the_connection_closes_with_a_stream_open() {
    for version in VERSIONS {
        let log = Log::default();
        let mut bench = Bench::new(version, recorders(&log));
        let req = Request::new("POST", "/")
            .field("host", "a")
            .field("content-length", "10");
        let stream = bench.request(req, false);
        bench.server.handle_eof(bench.now);
        bench.drive();
        // The connection resets what is open before it closes.
        let terminated: Vec<String> = log
            .lock()
            .unwrap()
            .iter()
            .filter(|l| l.starts_with(&format!("a terminate {}", stream.0)))
            .cloned()
            .collect();
        assert_eq!(terminated.len(), 1, "{version:?}: {terminated:?}");
        assert!(terminated[0].contains("Reset"), "{terminated:?}");
        assert!(matches!(
            bench.server_events.last(),
            Some(Event::Closed { .. })
        ));
    }
}

#[test]
fn early_error_rewrites_the_response() {
    let log = Log::default();
    let l = log.clone();
    let mut bench = Bench::new(Version::Http11, move |d| {
        d.handler(Recorder { name: "a", log: l }).handler(Teapot)
    });
    bench.server.handle_input(
        bench.now,
        b"GET / HTTP/1.1\r\nHost: a\r\nbad header\r\n\r\n",
    );
    let mut out = Vec::new();
    let mut wire = Vec::new();
    let mut events = Vec::new();
    loop {
        match bench.server.poll_output(&mut out) {
            Output::Transmit => wire.append(&mut out),
            Output::Event(e) => events.push(e),
            Output::Timeout(_) => break,
        }
    }
    let wire = String::from_utf8_lossy(&wire);
    assert!(wire.starts_with("HTTP/1.1 418 "), "{wire}");
    assert!(wire.contains("x-was: 400"), "{wire}");
    // The recorder, before Teapot, saw the proposed response; the application gets
    // the one sent.
    assert!(log
        .lock()
        .unwrap()
        .iter()
        .any(|l| l.starts_with("a early_error") && l.ends_with("400")));
    assert!(events.iter().any(|e| matches!(
        e,
        Event::EarlyError { response, .. } if response.status == 418
    )));
}

#[test]
fn a_push_goes_through_init_like_a_request() {
    let log = Log::default();
    let mut bench = Bench::new(Version::Http2, recorders(&log));
    let stream = bench.request(get("/"), true);
    let mut promise = Request::new("GET", "/pushed");
    promise.scheme = Some("http".into());
    promise.authority = Some("a".into());
    let promised = bench
        .server
        .send(Command::Push {
            stream,
            request: promise,
        })
        .unwrap()
        .expect("a promised stream");
    assert!(log
        .lock()
        .unwrap()
        .contains(&format!("b init {} /pushed end=true", promised.0)));
    // The application got the promised request as a request, and answers it so.
    bench.drive();
    assert!(bench.server_events.iter().any(|e| matches!(
        e,
        Event::Headers { stream: s, end_stream: true, .. } if *s == promised
    )));
}

#[test]
fn writes_refused_for_a_full_buffer_are_held_and_resumed_on_writable() {
    for version in VERSIONS {
        let config = Config {
            send_buffer_per_stream: 1024,
            ..Config::default()
        };
        let mut bench: Bench<Msg> = Bench::with_config(version, config, |d| d.handler(Shout));
        let stream = bench.request(get("/big"), true);
        bench
            .server
            .send(Command::Response {
                stream,
                head: Response::new(200),
                end_stream: false,
            })
            .unwrap();
        let mut sent = 0;
        let mut refused = 0;
        let piece = Bytes::from(vec![b'a'; 700]);
        while sent < 20 {
            let c = Command::Data {
                stream,
                data: piece.clone(),
                end_stream: false,
            };
            match bench.server.send(c) {
                Ok(_) => sent += 1,
                Err(weir::Misuse::BufferFull) => {
                    refused += 1;
                    bench.drive();
                    assert!(
                        bench
                            .server_events
                            .iter()
                            .any(|e| matches!(e, Event::Writable { .. })),
                        "{version:?}: no Writable after a refusal"
                    );
                    bench.server_events.clear();
                }
                Err(e) => panic!("{e:?}"),
            }
        }
        bench
            .server
            .send(Command::Data {
                stream,
                data: Bytes::new(),
                end_stream: true,
            })
            .unwrap();
        bench.drive();
        assert!(refused > 0, "{version:?}: the buffer never filled");
        let body = bench.response(stream).1;
        assert_eq!(body.len(), 20 * 700, "{version:?}");
        assert!(body.iter().all(|&b| b == b'A'));
    }
}

#[test]
fn body_writes_reach_a_handler_that_holds_the_head() {
    for version in VERSIONS {
        let mut bench: Bench<Msg> = Bench::new(version, |d| d.handler(HoldHead::default()));
        let stream = bench.request(get("/"), true);
        let head = Response::new(200);
        let response = Command::Response {
            stream,
            head,
            end_stream: false,
        };
        bench.server.send(response).unwrap();
        bench.drive();
        assert!(
            bench.received(stream).0.is_none(),
            "{version:?}: the head is held"
        );
        // No response reached the connection, so the stream has no send buffer yet:
        // the write goes to the handler all the same.
        for (piece, end_stream) in [("first", false), ("second", true)] {
            let data = Command::Data {
                stream,
                data: piece.into(),
                end_stream,
            };
            bench.server.send(data).unwrap();
        }
        bench.drive();
        let (head, body) = bench.response(stream);
        assert_eq!(head.fields.get("x-first"), Some(&b"5"[..]), "{version:?}");
        assert_eq!(body, b"firstsecond");
    }
}

/// Answers every request, and writes 4 KiB more for every piece of request body,
/// without waiting for `Writable`.
struct Amplify;

impl Handler<Msg> for Amplify {
    fn init(
        &mut self,
        stream: StreamId,
        request: Request,
        end_stream: bool,
        opts: &Options,
        next: Next<'_, Msg>,
    ) -> Vec<Command> {
        let mut commands = next.init(stream, request, end_stream, opts);
        commands.push(Command::Response {
            stream,
            head: Response::new(200),
            end_stream: false,
        });
        commands
    }

    fn data(
        &mut self,
        stream: StreamId,
        data: Bytes,
        end_stream: bool,
        next: Next<'_, Msg>,
    ) -> Vec<Command> {
        let mut commands = next.data(stream, data, end_stream);
        commands.push(Command::Data {
            stream,
            data: Bytes::from(vec![b'x'; 4096]),
            end_stream: false,
        });
        commands
    }
}

#[test]
fn writes_a_handler_makes_from_the_peers_events_are_held_within_a_bound() {
    let config = Config {
        send_buffer_per_stream: 8192,
        ..Config::default()
    };
    let mut bench: Bench<Msg> = Bench::with_config(Version::Http2, config, |d| d.handler(Amplify));
    let client = Config {
        h2_initial_window_size: 65_535,
        ..Config::default()
    };
    bench.client =
        weir::Connection::with_version(weir::Side::Client, Version::Http2, client, bench.now);
    let req = Request::new("POST", "/").field("host", "a");
    let stream = bench.request(req, false);
    // The client sends, and never reads again: its window for the server's DATA is
    // never given back, so the server's writes pile up behind it.
    let mut buf = Vec::new();
    for _ in 0..60 {
        bench
            .client
            .send_data(stream, Bytes::from(vec![b'a'; 1000]), false)
            .unwrap();
        while let Output::Transmit = bench.client.poll_output(&mut buf) {
            bench.server.handle_input(bench.now, &buf);
            buf.clear();
        }
        while !matches!(bench.server.poll_output(&mut buf), Output::Timeout(_)) {
            buf.clear();
        }
    }
    // 240 KiB were written for a 64 KiB window, an 8 KiB buffer and 8 KiB held.
    let refused = bench.server.take_refused();
    assert!(refused.len() > 30, "{}", refused.len());
    assert!(refused
        .iter()
        .all(|(s, e)| *s == Some(stream) && *e == weir::Misuse::BufferFull));
}
