//! [`Dispatcher`]: a server [`Connection`] driven through a chain of handlers, still
//! sans-IO: bytes and time in, bytes, events for the application and deadlines out.

use super::chain::Next;
use super::default::DefaultHandler;
use super::{Handler, Info, Options, Terminate};
use crate::transmit::Sink;
use crate::{
    Command, Connection, Event, Head, Misuse, Output, Parked, Request, StreamId, StreamMap,
    Transmit,
};
use bytes::Bytes;
use std::collections::VecDeque;
use std::time::Instant;

/// At most this many refused handler commands are kept for
/// [`take_refused`](Dispatcher::take_refused); older ones go.
const MAX_REFUSED: usize = 64;

/// Runs a server [`Connection`] through a chain of [`Handler`]s.
///
/// Its loop is the connection's: after every input or command, drain
/// [`poll_output`](Dispatcher::poll_output) until it gives the deadline. Events
/// come out as the chain passed them on (a request the handlers rewrote arrives
/// rewritten); commands go in through [`send`](Dispatcher::send), travel through the
/// chain, and reach the connection as the handlers left them.
///
/// ```
/// use std::time::Instant;
/// use weir::handler::{Dispatcher, Handler, Info, Next};
/// use weir::{Command, Config, Connection, Event, Output, Response, Side, StreamId, Version};
///
/// /// Adds `x-powered-by: weir` to every response.
/// struct PoweredBy;
/// impl<M> Handler<M> for PoweredBy {
///     fn info(&mut self, stream: StreamId, info: Info<M>, next: Next<'_, M>) -> Vec<Command> {
///         let mut commands = next.info(stream, info);
///         for c in &mut commands {
///             if let Command::Response { head, .. } = c {
///                 head.fields.append("x-powered-by", "weir");
///             }
///         }
///         commands
///     }
/// }
///
/// let now = Instant::now();
/// let conn = Connection::with_version(Side::Server, Version::Http11, Config::default(), now);
/// let mut server: Dispatcher = Dispatcher::new(conn).handler(PoweredBy);
/// server.handle_input(now, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n");
/// let mut out = Vec::new();
/// let Output::Event(Event::Headers { stream, .. }) = server.poll_output(&mut out) else {
///     panic!("a request")
/// };
/// let head = Response::new(200).field("content-length", "0");
/// server.send(Command::Response { stream, head, end_stream: true }).unwrap();
/// assert!(matches!(server.poll_output(&mut out), Output::Transmit));
/// assert!(String::from_utf8_lossy(&out).contains("x-powered-by: weir"));
/// ```
pub struct Dispatcher<M = ()> {
    conn: Connection,
    chain: Vec<Box<dyn Handler<M>>>,
    last: DefaultHandler,
    /// The streams that went through `init` and are not over yet.
    streams: StreamMap<Ends>,
    /// Writes the connection refused for a full send buffer, in order: they go out on
    /// `Writable`. A handler may have rewritten them (compressed bytes cannot be made
    /// again), so they are kept rather than refused to the application.
    held: StreamMap<VecDeque<Command>>,
    refused: VecDeque<(Option<StreamId>, Misuse)>,
}

/// Which directions of a stream are complete.
#[derive(Debug, Default, Clone, Copy)]
struct Ends {
    received: bool,
    sent: bool,
    /// The application sent a final response head that has not reached the connection:
    /// a handler holds it (a compressor decides on the coding with the first body
    /// bytes), so the stream has no send buffer to measure body writes against yet.
    head_held: bool,
}

impl<M> std::fmt::Debug for Dispatcher<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dispatcher")
            .field("conn", &self.conn)
            .field("handlers", &self.chain.len())
            .field("streams", &self.streams)
            .finish_non_exhaustive()
    }
}

impl<M> Dispatcher<M> {
    /// Drives `conn` (a server connection) with no handler but the
    /// [`DefaultHandler`]; add handlers with [`handler`](Dispatcher::handler).
    pub fn new(conn: Connection) -> Dispatcher<M> {
        Dispatcher {
            conn,
            chain: Vec::new(),
            last: DefaultHandler::default(),
            streams: StreamMap::default(),
            held: StreamMap::default(),
            refused: VecDeque::new(),
        }
    }

    /// Adds `handler` after those added before it (and before the default handler):
    /// the first one added sees events first and commands last.
    pub fn handler(mut self, handler: impl Handler<M> + 'static) -> Dispatcher<M> {
        // A chain is built once and kept as long as its connection: no spare room.
        self.chain.reserve_exact(1);
        self.chain.push(Box::new(handler));
        self
    }

    /// The connection, to read its state (`send_capacity`, `version`…). Commands go
    /// through [`send`](Dispatcher::send), so that the handlers see them.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// How many body bytes `stream` takes now, as [`Connection::send_capacity`], except
    /// while a handler holds the stream's final response head (a compressor waits for
    /// the first body bytes to choose the coding): then body writes go to the handlers
    /// whatever the connection's buffer says, up to one stream's send buffer at a time.
    pub fn send_capacity(&self, stream: StreamId) -> usize {
        if self.streams.get(&stream).is_some_and(|e| e.head_held) {
            return self.conn.config().send_buffer_per_stream;
        }
        self.conn.send_capacity(stream)
    }

    /// See [`Connection::handle_input`].
    pub fn handle_input(&mut self, now: Instant, bytes: &[u8]) {
        self.conn.handle_input(now, bytes);
    }

    /// See [`Connection::handle_eof`].
    pub fn handle_eof(&mut self, now: Instant) {
        self.conn.handle_eof(now);
    }

    /// See [`Connection::handle_timeout`].
    pub fn handle_timeout(&mut self, now: Instant) {
        self.conn.handle_timeout(now);
    }

    /// See [`Connection::is_closed`].
    pub fn is_closed(&self) -> bool {
        self.conn.is_closed()
    }

    /// See [`Connection::is_write_closed`].
    pub fn is_write_closed(&self) -> bool {
        self.conn.is_write_closed()
    }

    /// See [`Connection::release_buffers`].
    pub fn release_buffers(&mut self) {
        self.conn.release_buffers();
        for handler in &mut self.chain {
            handler.release_buffers();
        }
        self.last.release_buffers();
        if self.held.is_empty() {
            self.held = StreamMap::default();
        }
        if self.streams.is_empty() {
            self.streams = StreamMap::default();
        }
        if self.refused.is_empty() {
            self.refused = VecDeque::new();
        }
    }

    /// Puts the connection aside as [`Connection::park`] does, if no stream is in
    /// the chain either (handlers keep their state per stream, as Cowboy's do) and
    /// no refused command waits for [`take_refused`](Dispatcher::take_refused). The
    /// dispatcher is left with a closed connection, and its handlers go with it:
    /// a resumed connection gets a new chain.
    ///
    /// ```
    /// use std::time::Instant;
    /// use weir::handler::{Compress, Dispatcher};
    /// use weir::{Config, Connection, Side};
    ///
    /// let now = Instant::now();
    /// let chain = |conn| Dispatcher::<()>::new(conn).handler(Compress::new());
    /// let mut server = chain(Connection::new(Side::Server, Config::default(), now));
    /// let parked = server.park().expect("nothing under way");
    /// // ... the socket turns readable ...
    /// let mut server = chain(parked.resume(now));
    /// server.handle_input(now, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    /// ```
    // Once per quiet spell, not per request: kept out of the callers' code.
    #[cold]
    pub fn park(&mut self) -> Option<Parked> {
        let idle = self.streams.is_empty()
            && self.held.is_empty()
            && self.refused.is_empty()
            && self.last.is_idle();
        idle.then(|| self.conn.park()).flatten()
    }

    /// See [`Connection::wants_input`].
    pub fn wants_input(&self) -> bool {
        self.conn.wants_input()
    }

    /// The next output, as [`Connection::poll_output`] gives it, with the events that
    /// reached the end of the chain. The handlers run here, as events come.
    pub fn poll_output(&mut self, out: &mut Vec<u8>) -> Output {
        self.poll_into(out)
    }

    /// [`poll_output`](Dispatcher::poll_output) into a [`Transmit`], as
    /// [`Connection::poll_output_vectored`] fills it: large body chunks are passed on
    /// without a copy.
    pub fn poll_output_vectored(&mut self, out: &mut Transmit) -> Output {
        self.poll_into(out)
    }

    fn poll_into<S: Sink>(&mut self, out: &mut S) -> Output {
        loop {
            if let Some(event) = self.last.next_event() {
                return Output::Event(event);
            }
            match self.conn.poll_into(out) {
                Output::Event(event) => self.route(event),
                other => return other,
            }
        }
    }

    /// Sends a command of the application through the chain, then runs what comes
    /// out of it. Returns the first refusal, else the new stream of a `Push` (or of a
    /// `Request`). A `Data` command for a stream whose send buffer is full is refused
    /// with [`Misuse::BufferFull`] before any handler sees it: wait for
    /// `Event::Writable`, as with the connection. While a handler holds the stream's
    /// final response head, body writes go to the handlers whatever the buffer says.
    pub fn send(&mut self, command: Command) -> Result<Option<StreamId>, Misuse> {
        let Some(stream) = command.stream() else {
            // No stream to route it by (a new request, PING, GOAWAY).
            return self.execute(command);
        };
        if let Command::Response { head, .. } = &command {
            if let Some(e) = self.streams.get_mut(&stream).filter(|_| head.status >= 200) {
                // Cleared when the head reaches the connection, at once unless a handler
                // holds it.
                e.head_held = true;
            }
        }
        let head_held = self.streams.get(&stream).is_some_and(|e| e.head_held);
        // An empty end carries nothing to buffer: it is always taken, behind what is
        // held, as the connection takes it.
        let bytes = matches!(&command, Command::Data { data, end_stream, .. }
            if !(data.is_empty() && *end_stream));
        if bytes
            && !head_held
            && (self.held.contains_key(&stream) || self.conn.send_capacity(stream) == 0)
        {
            if self.held.contains_key(&stream) {
                return Err(Misuse::BufferFull);
            }
            // Nothing fits: an empty write is refused for the same reason a real one
            // would be (a full buffer, or a stream that takes no body), and asks for
            // `Writable`.
            return Err(self
                .conn
                .send_data(stream, Bytes::new(), false)
                .err()
                .unwrap_or(Misuse::BufferFull));
        }
        let commands = self.next().info(stream, Info::Command(command));
        self.run_all(commands)
    }

    /// Sends the application's `message` to the handlers of `stream` (see
    /// [`Info::Message`]), then runs the commands they return; returns the first
    /// refusal.
    pub fn info(&mut self, stream: StreamId, message: M) -> Result<(), Misuse> {
        let commands = self.next().info(stream, Info::Message(message));
        self.run_all(commands).map(|_| ())
    }

    /// The commands that handlers returned while events were handled and that the
    /// connection refused (a handler's mistake), oldest first; at most 64 are kept.
    pub fn take_refused(&mut self) -> Vec<(Option<StreamId>, Misuse)> {
        self.refused.drain(..).collect()
    }

    fn next(&mut self) -> Next<'_, M> {
        Next::new(&mut self.chain, &mut self.last)
    }

    /// Hands one event of the connection to the chain, and runs what it returns.
    fn route(&mut self, event: Event) {
        match event {
            Event::Headers {
                stream,
                head: Head::Request(request),
                end_stream,
            } => {
                let ends = Ends {
                    received: end_stream,
                    ..Ends::default()
                };
                self.streams.insert(stream, ends);
                let opts = Options::of(&self.conn);
                let commands = Next::new(&mut self.chain, &mut self.last)
                    .init(stream, request, end_stream, &opts);
                self.run(commands);
            }
            Event::Data {
                stream,
                data,
                end_stream,
            } => {
                if end_stream {
                    self.received(stream);
                }
                let commands = self.next().data(stream, data, end_stream);
                self.run(commands);
                self.finish_if_done(stream);
            }
            Event::Writable { stream } => {
                self.write_held(stream);
                // Still full: another `Writable` comes when there is room.
                if !self.held.contains_key(&stream) {
                    self.info_event(stream, event);
                }
            }
            Event::Trailers { stream, .. } => {
                self.received(stream);
                self.info_event(stream, event);
                self.finish_if_done(stream);
            }
            Event::ChunkExtension { stream, .. } | Event::Tunnel { stream } => {
                self.info_event(stream, event);
            }
            Event::StreamReset {
                stream,
                code,
                initiator,
            } => {
                self.held.remove(&stream);
                if self.streams.remove(&stream).is_some() {
                    self.next()
                        .terminate(stream, &Terminate::Reset { code, initiator });
                } else {
                    self.last.deliver(event);
                }
            }
            Event::EarlyError {
                stream,
                request,
                error,
                response,
            } => {
                let answer = self
                    .next()
                    .early_error(stream, &request, &error, response.clone());
                if answer != response {
                    // Sent while the event is handled, it replaces the proposed one.
                    if let Err(e) = self.conn.send_response(stream, answer.clone(), true) {
                        self.refuse(Some(stream), e);
                    }
                }
                self.last.deliver(Event::EarlyError {
                    stream,
                    request,
                    error,
                    response: answer,
                });
            }
            Event::Closed { error } => {
                self.held.clear();
                let reason = Terminate::Closed(error.clone());
                // In stream order, so that what handlers do on it does not depend on
                // the map's.
                let mut open: Vec<StreamId> =
                    std::mem::take(&mut self.streams).into_keys().collect();
                open.sort_unstable();
                for stream in open {
                    self.next().terminate(stream, &reason);
                }
                self.last.deliver(Event::Closed { error });
            }
            // Nothing a handler of a stream follows: to the application as it is.
            other => self.last.deliver(other),
        }
    }

    fn info_event(&mut self, stream: StreamId, event: Event) {
        let commands = self.next().info(stream, Info::Event(event));
        self.run(commands);
    }

    /// Runs commands the handlers returned while an event was handled.
    fn run(&mut self, commands: Vec<Command>) {
        for command in commands {
            let stream = command.stream();
            if let Err(e) = self.execute(command) {
                self.refuse(stream, e);
            }
        }
    }

    /// Runs commands the chain returned for the application; the first refusal, else
    /// the first new stream.
    fn run_all(&mut self, commands: Vec<Command>) -> Result<Option<StreamId>, Misuse> {
        let (mut first_error, mut new_stream) = (None, None);
        for command in commands {
            match self.execute(command) {
                Ok(id) => new_stream = new_stream.or(id),
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        first_error.map_or(Ok(new_stream), Err)
    }

    fn refuse(&mut self, stream: Option<StreamId>, e: Misuse) {
        if self.refused.len() == MAX_REFUSED {
            self.refused.pop_front();
        }
        self.refused.push_back((stream, e));
    }

    /// Runs one command on the connection, behind the writes held for its stream.
    fn execute(&mut self, command: Command) -> Result<Option<StreamId>, Misuse> {
        let stream = command.stream();
        if let (Some(s), Command::Data { .. } | Command::Trailers { .. }) = (stream, &command) {
            if self.held.contains_key(&s) {
                return self.hold(s, command);
            }
        }
        let final_head = matches!(&command, Command::Response { head, .. } if head.status >= 200);
        let ends = match &command {
            Command::Response {
                head, end_stream, ..
            } => *end_stream && head.status >= 200,
            Command::Data { end_stream, .. } => *end_stream,
            Command::Trailers { .. } => true,
            _ => false,
        };
        let retry = match &command {
            Command::Data {
                stream,
                data,
                end_stream,
            } => Some(Command::Data {
                stream: *stream,
                data: data.clone(),
                end_stream: *end_stream,
            }),
            _ => None,
        };
        let promise = match &command {
            Command::Push { request, .. } => Some(Request {
                version: self.conn.version(),
                ..request.clone()
            }),
            _ => None,
        };
        match self.conn.execute(command) {
            Ok(id) => {
                if let (Some(promised), Some(request)) = (id, promise) {
                    // A promised request goes through the chain as any other
                    // (RFC 9113 §8.4: it has no body), so the application answers it
                    // as it answers requests.
                    let ends = Ends {
                        received: true,
                        ..Ends::default()
                    };
                    self.streams.insert(promised, ends);
                    let opts = Options::of(&self.conn);
                    let commands = Next::new(&mut self.chain, &mut self.last)
                        .init(promised, request, true, &opts);
                    self.run(commands);
                }
                if let (true, Some(e)) = (final_head, stream.and_then(|s| self.streams.get_mut(&s)))
                {
                    e.head_held = false;
                }
                if let (true, Some(s)) = (ends, stream) {
                    if let Some(e) = self.streams.get_mut(&s) {
                        e.sent = true;
                    }
                    self.finish_if_done(s);
                }
                Ok(id)
            }
            Err(Misuse::BufferFull) => match (retry, stream) {
                (Some(c), Some(s)) => self.hold(s, c),
                _ => Err(Misuse::BufferFull),
            },
            Err(e) => Err(e),
        }
    }

    /// Holds a write for `Writable`. Past a send buffer's worth
    /// (`Config::send_buffer_per_stream`) behind the first, writes are refused: only a
    /// handler that writes as the peer's events come, without waiting for `Writable`,
    /// gets there, and the peer may not make what it holds grow without bound.
    fn hold(&mut self, stream: StreamId, command: Command) -> Result<Option<StreamId>, Misuse> {
        let held = self.held.entry(stream).or_default();
        let size = |c: &Command| match c {
            // A command of no bytes still takes room: their number is bounded too.
            Command::Data { data, .. } => data.len() + 1,
            _ => 1,
        };
        let total: usize = held.iter().map(size).sum();
        if !held.is_empty() && total + size(&command) > self.conn.config().send_buffer_per_stream {
            return Err(Misuse::BufferFull);
        }
        held.push_back(command);
        Ok(None)
    }

    /// `Writable`: the writes held for `stream` go out until the buffer is full again.
    fn write_held(&mut self, stream: StreamId) {
        let Some(mut held) = self.held.remove(&stream) else {
            return;
        };
        while let Some(command) = held.pop_front() {
            if let Err(e) = self.execute(command) {
                // The stream is over: what follows goes nowhere either.
                self.refuse(Some(stream), e);
                return;
            }
            if let Some(again) = self.held.get_mut(&stream) {
                // Full again: the refused write is held, the rest goes behind it.
                again.extend(held);
                return;
            }
        }
    }

    fn received(&mut self, stream: StreamId) {
        if let Some(e) = self.streams.get_mut(&stream) {
            e.received = true;
        }
    }

    /// Terminates `stream` normally once both of its directions are complete.
    fn finish_if_done(&mut self, stream: StreamId) {
        if self
            .streams
            .get(&stream)
            .is_some_and(|e| e.received && e.sent)
        {
            self.streams.remove(&stream);
            self.next().terminate(stream, &Terminate::Normal);
        }
    }
}
