//! The HTTP/1.1 connection: every transition of both roles, in one place.
//!
//! A connection is a sequence of *exchanges* (one request and its response), each a
//! stream with an odd id (1, 3, 5…). Each exchange has two halves that move on their own,
//! which is what makes full duplex work (a server may stream its response while the
//! request body still arrives):
//!
//! ```text
//!   recv:  Head ──► Body(decoder) ──► Done            (Head: client awaiting a response)
//!                         └──────────► Tunnel ──► Done (after 101 or 2xx to CONNECT)
//!   send:  Idle ──► Undecided{head, chunks} ──► Body(encoder) ──► Done
//!            └────────────────────────────────┘  (framing chosen at once when known)
//! ```
//!
//! A server holds at most one exchange: the next pipelined request is parsed only once
//! the current response is complete, so responses go out in request order and the
//! buffered input stays under `max_buffered_input` and one read. A client holds a
//! queue: the front reads its response, the back writes its request (pipelining).
//!
//! Input is parsed lazily, in [`H1::poll_output`], one event at a time: input that
//! cannot be consumed yet simply waits in the buffer.

use super::body::{Decoded, Decoder, Encoder};
use super::encode::{self, FieldInfo};
use super::input::Input;
use super::parse::{self, Checked, Framing, HeadError, RequestInfo};
use super::whole;
use crate::error::{Error, ErrorKind, Limit, Misuse, ProtocolError, Timeout};
use crate::event::{Event, Initiator};
use crate::h2::frame::Setting;
use crate::h2::upgrade::{self, Handoff};
use crate::head::{Fields, Head, PartialRequest, Request, Response, Version};
use crate::memory::LeanQueue;
use crate::send_buffer::{room, woken, Waiting};
use crate::{Config, Output, Reason, Side, StreamId};
use bytes::Bytes;
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Instant;

#[derive(Debug)]
enum Recv {
    /// Client: waiting for the (next) response head.
    Head,
    /// Reading a body.
    Body(Decoder),
    /// Raw tunnel bytes.
    Tunnel,
    /// Nothing more to read for this exchange.
    Done,
}

#[derive(Debug)]
enum Send {
    /// Server: no final response yet (1xx may have gone out).
    Idle,
    /// A head whose framing waits on the body: if the body ends before the next
    /// transmit, it gets a Content-Length; otherwise it is chunked (or close-delimited).
    /// The head and the body so far wait in `H1::undecided`.
    Undecided,
    /// Head written; body open.
    Body(Encoder),
    /// Message complete (or this side of a tunnel closed).
    Done,
}

/// The head of an exchange in `Send::Undecided`, and its body so far. Kept apart from
/// the exchange, which is then a few words that are cheap to move, as every request
/// makes one; the list of these keeps its allocation from one response to the next.
#[derive(Debug)]
struct Undecided {
    stream: StreamId,
    head: Head,
    chunks: Vec<Bytes>,
}

/// A server's response whose framing waits on its body, written to `tx` already up to
/// its last field: deciding adds the framing field and the empty line, at the end of
/// `tx`, since a server holds one exchange and writes nothing else meanwhile. The head
/// is not held as a `Response` to be moved and written later, as most responses that
/// leave their length to the connection end at their first write.
#[derive(Debug)]
struct OpenHead {
    stream: StreamId,
    /// Where the head starts in `tx`.
    at: usize,
    /// The body so far.
    chunks: Vec<Bytes>,
}

#[derive(Debug)]
struct Exchange {
    id: StreamId,
    recv: Recv,
    send: Send,
    /// Whether the application has seen this stream (an `EarlyError` stream has not
    /// been handed over as a request, but may be answered).
    surfaced: bool,
    /// Body bytes received so far, for `max_body`.
    received: u64,
    /// The request method is HEAD / CONNECT; the request asked to upgrade.
    head_request: bool,
    connect: bool,
    upgrade: bool,
    /// Server: the client speaks HTTP/1.0; it expects 100-continue; 100 was sent.
    peer_http10: bool,
    expect_continue: bool,
    continue_sent: bool,
    /// Whether the connection may carry another exchange after this one.
    keep_alive: bool,
}

impl Exchange {
    fn new(id: StreamId) -> Exchange {
        Exchange {
            id,
            recv: Recv::Head,
            send: Send::Idle,
            surfaced: true,
            received: 0,
            head_request: false,
            connect: false,
            upgrade: false,
            peer_http10: false,
            expect_continue: false,
            continue_sent: false,
            keep_alive: true,
        }
    }

    fn finished(&self) -> bool {
        matches!(self.recv, Recv::Done) && matches!(self.send, Send::Done)
    }
}

/// What a step of parsing did.
// The request stays inline: it is handed out at once, and boxing it would cost an
// allocation per request.
#[allow(clippy::large_enum_variant)]
enum Step {
    /// Nothing can be done until more input, a timeout or a command.
    Stuck,
    /// Something changed (an exchange moved on, an event was queued).
    Progressed,
    /// A request head to deliver.
    Request(Event),
}

impl From<bool> for Step {
    fn from(progressed: bool) -> Step {
        if progressed {
            Step::Progressed
        } else {
            Step::Stuck
        }
    }
}

#[derive(Debug, PartialEq)]
enum Life {
    Open,
    /// Flushing the last bytes; then `Closed` is delivered.
    Closing(Option<Error>),
    Closed,
}

impl Life {
    // `matches!` rather than the derived `==`, which compares the error too and is
    // not inlined on the hot path.
    fn is_open(&self) -> bool {
        matches!(self, Life::Open)
    }

    fn is_closed(&self) -> bool {
        matches!(self, Life::Closed)
    }
}

/// An HTTP/1.1 connection, either role.
#[derive(Debug)]
pub(crate) struct H1 {
    side: Side,
    /// Shared with the other connections made from the same `Arc`.
    config: Arc<Config>,
    input: Input,
    /// The peer closed its side.
    eof: bool,
    /// Input is no longer read (after an error or a close decision).
    input_closed: bool,
    tx: Vec<u8>,
    events: LeanQueue<Event>,
    exchanges: LeanQueue<Exchange>,
    /// The heads of the exchanges in `Send::Undecided`, one each, but for…
    undecided: Vec<Undecided>,
    /// …a server's response to an HTTP/1.1 request, written already.
    open_head: Option<OpenHead>,
    next_id: u32,
    now: Instant,
    /// When bytes last arrived (for `body_read_timeout`).
    last_input: Instant,
    head_scanned: usize,
    header_deadline: Option<Instant>,
    idle_deadline: Option<Instant>,
    /// Server: an `EarlyError` was delivered for this stream; if the application did not
    /// answer it while handling the event, the proposed response goes out.
    early: Option<Box<(StreamId, Response)>>,
    /// This side closed its writing half (end of a tunnel, close-delimited body).
    write_closed: bool,
    /// The error that will close the connection once the current exchange is over
    /// (an early error is answered first).
    close_error: Option<Error>,
    life: Life,
    /// Server: whether a request may switch the connection to HTTP/2 with
    /// `Upgrade: h2c` (only where the version is detected, see [`H1::offer_h2c`]).
    h2c: bool,
    /// A request that switches the connection to HTTP/2, and the client's settings:
    /// nothing more is parsed, and the connection hands over ([`H1::take_h2c`]) once
    /// this side has nothing left to say.
    h2c_request: Option<Box<(Request, Vec<Setting>)>>,
    /// Streams owed an `Event::Writable` (their send buffer filled).
    waiting: Waiting,
    /// The last input came while `max_buffered_input` bytes already waited: from an
    /// adapter that reads on when `wants_input` says no.
    overrun: bool,
}

/// An idle HTTP/1.1 connection folded to what it needs to carry on (see
/// `H1::park`).
#[derive(Debug)]
pub(crate) struct ParkedH1 {
    side: Side,
    config: Arc<Config>,
    /// Where the next request starts in the whole input, for errors' offsets.
    offset: u64,
    idle_deadline: Option<Instant>,
    next_id: u32,
    h2c: bool,
}

impl ParkedH1 {
    pub(crate) fn idle_deadline(&self) -> Option<Instant> {
        self.idle_deadline
    }

    pub(crate) fn config(&self) -> &Config {
        &self.config
    }

    /// The connection again, as it was when it was parked.
    pub(crate) fn resume(self, now: Instant) -> H1 {
        let ParkedH1 {
            side,
            config,
            offset,
            idle_deadline,
            next_id,
            h2c,
        } = self;
        let mut h1 = H1::new(side, config, now);
        h1.input = Input::at(offset);
        h1.idle_deadline = idle_deadline;
        h1.next_id = next_id;
        h1.h2c = h2c;
        h1
    }
}

const CONTINUE: &[u8] = b"HTTP/1.1 100 Continue\r\n\r\n";

impl H1 {
    pub(crate) fn config(&self) -> &Config {
        &self.config
    }

    pub(crate) fn shared_config(&self) -> Arc<Config> {
        self.config.clone()
    }

    /// The time of the latest call.
    pub(crate) fn now(&self) -> Instant {
        self.now
    }

    pub(crate) fn new(side: Side, config: Arc<Config>, now: Instant) -> H1 {
        let idle_deadline = match side {
            Side::Server => config.idle_timeout.map(|d| now + d),
            Side::Client => None,
        };
        H1 {
            side,
            config,
            input: Input::default(),
            eof: false,
            input_closed: false,
            tx: Vec::new(),
            events: LeanQueue::new(),
            exchanges: LeanQueue::new(),
            undecided: Vec::new(),
            open_head: None,
            next_id: 1,
            now,
            last_input: now,
            head_scanned: 0,
            header_deadline: None,
            idle_deadline,
            early: None,
            write_closed: false,
            close_error: None,
            life: Life::Open,
            h2c: false,
            h2c_request: None,
            waiting: Waiting::default(),
            overrun: false,
        }
    }

    /// Server: lets a request switch the connection to HTTP/2 with `Upgrade: h2c`
    /// (RFC 7540 §3.2) if `Config::h2c_upgrade` allows it.
    pub(crate) fn offer_h2c(&mut self) {
        self.h2c = self.side == Side::Server && self.config.h2c_upgrade;
    }

    /// Whether a request asked for h2c (see [`take_h2c`](H1::take_h2c)).
    #[inline]
    pub(crate) fn h2c_requested(&self) -> bool {
        self.h2c_request.is_some()
    }

    /// The hand-over to HTTP/2 once a request asked for h2c and qualified, and every
    /// event and byte before it was delivered: the request, and the input after it.
    #[inline]
    pub(crate) fn take_h2c(&mut self) -> Option<Handoff> {
        // Checked first, inline: asked on every wait, and almost never the case.
        self.h2c_request.as_ref()?;
        self.hand_over_h2c()
    }

    #[cold]
    fn hand_over_h2c(&mut self) -> Option<Handoff> {
        if !self.events.is_empty() || !self.tx.is_empty() {
            return None;
        }
        let (request, settings) = *self.h2c_request.take()?;
        let n = self.input.len();
        Some(Handoff {
            request,
            settings,
            input: self.input.take(n),
            eof: self.eof,
            config: self.config.clone(),
            now: self.now,
        })
    }

    // ---- inputs -------------------------------------------------------------------

    pub(crate) fn handle_input(&mut self, now: Instant, bytes: &[u8]) {
        self.now = now;
        if !self.life.is_open() || self.input_closed || self.eof {
            return;
        }
        if !bytes.is_empty() {
            self.last_input = now;
            // A read that starts under the bound is taken whole, so that an adapter
            // that stops reading when `wants_input` says so is never failed for it.
            self.overrun = self.input.len() >= self.config.max_buffered_input;
        }
        self.input.push(bytes);
    }

    pub(crate) fn handle_eof(&mut self, now: Instant) {
        self.now = now;
        self.eof = true;
    }

    pub(crate) fn handle_timeout(&mut self, now: Instant) {
        self.now = now;
        if !self.life.is_open() {
            return;
        }
        if self.body_deadline().is_some_and(|d| now >= d) {
            let id = self.exchanges.front().map(|ex| ex.id);
            let mut error = Error::new(Timeout::BodyRead.into());
            error.stream = id;
            self.fail(error);
        } else if self.header_deadline.is_some_and(|d| now >= d) && self.exchanges.is_empty() {
            self.header_deadline = None;
            let offset = self.input.offset();
            self.early_error(HeadError::new(Timeout::HeaderRead), offset);
        } else if self.idle_deadline.is_some_and(|d| now >= d)
            && self.exchanges.is_empty()
            && self.input.is_empty()
        {
            self.close(Some(Error::new(Timeout::Idle.into())));
        }
    }

    // ---- outputs ------------------------------------------------------------------

    #[inline(always)]
    pub(crate) fn poll_output(&mut self, out: &mut Vec<u8>) -> Output {
        if let Some(early) = self.early.take() {
            let (stream, response) = *early;
            self.answer_early_error(stream, response);
        }
        self.wake_writable();
        // An event is a few hundred bytes, and each move of one is a copy: a request
        // head comes straight from the parser, other events from one place in the queue.
        if self.events.is_empty() {
            if let Some(ev) = self.advance() {
                return Output::Event(ev);
            }
        }
        if let Some(ev) = self.next_event() {
            return Output::Event(ev);
        }
        self.flush_undecided();
        if !self.tx.is_empty() {
            if out.is_empty() {
                std::mem::swap(out, &mut self.tx);
            } else {
                out.append(&mut self.tx);
            }
            return Output::Transmit;
        }
        if let Life::Closing(error) = &mut self.life {
            let error = error.take();
            self.life = Life::Closed;
            return Output::Event(Event::Closed { error });
        }
        if self.life.is_closed() {
            return Output::Timeout(None);
        }
        let deadlines = [
            self.header_deadline,
            self.idle_deadline,
            self.body_deadline(),
        ];
        Output::Timeout(deadlines.into_iter().flatten().min())
    }

    /// A server waiting for request body bytes gives up after `body_read_timeout` of
    /// silence: a peer that stops sending mid-body must not hold the connection.
    fn body_deadline(&self) -> Option<Instant> {
        let ex = self.exchanges.front()?;
        let waiting = self.side == Side::Server
            && matches!(ex.recv, Recv::Body(_))
            && self.input.is_empty()
            && !self.eof;
        waiting.then(|| self.config.body_read_timeout.map(|t| self.last_input + t))?
    }

    /// Delivers the next event. Once an `EarlyError` is delivered, the application has
    /// until the next `poll_output` to answer it before the proposed response goes out.
    #[inline(always)]
    fn next_event(&mut self) -> Option<Event> {
        // Looked at in place, then moved out once: events are large.
        if let Some(Event::EarlyError {
            stream, response, ..
        }) = self.events.front()
        {
            self.early = Some(Box::new((*stream, response.clone())));
        }
        self.events.pop_front()
    }

    pub(crate) fn side(&self) -> Side {
        self.side
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.life.is_closed()
    }

    pub(crate) fn is_write_closed(&self) -> bool {
        self.write_closed || self.life.is_closed()
    }

    /// The few words an idle connection needs to carry on, if it is idle: nothing
    /// received and not yet read, nothing to send, no exchange under way, no event
    /// waiting, and no deadline but the idle one. Every field is named, so that a new
    /// one has to be thought about here.
    pub(crate) fn park(&self) -> Option<ParkedH1> {
        let H1 {
            side,
            config,
            input,
            eof,
            input_closed,
            tx,
            events,
            exchanges,
            undecided,
            open_head,
            next_id,
            // Taken afresh when the connection comes back.
            now: _,
            last_input: _,
            head_scanned,
            header_deadline,
            idle_deadline,
            early,
            write_closed,
            close_error,
            life,
            h2c,
            h2c_request,
            waiting,
            overrun,
        } = self;
        let idle = input.is_empty()
            && !eof
            && !input_closed
            && tx.is_empty()
            && events.is_empty()
            && exchanges.is_empty()
            && undecided.is_empty()
            && open_head.is_none()
            && *head_scanned == 0
            && header_deadline.is_none()
            && early.is_none()
            && !write_closed
            && close_error.is_none()
            && life.is_open()
            && h2c_request.is_none()
            && waiting.is_empty()
            && !overrun;
        idle.then(|| ParkedH1 {
            side: *side,
            config: config.clone(),
            offset: input.offset(),
            idle_deadline: *idle_deadline,
            next_id: *next_id,
            h2c: *h2c,
        })
    }

    /// A connection that is over before it began: what a parked connection leaves
    /// behind.
    pub(crate) fn husk(side: Side, config: Arc<Config>, now: Instant) -> H1 {
        let mut h1 = H1::new(side, config, now);
        h1.idle_deadline = None;
        h1.life = Life::Closed;
        h1
    }

    /// See `Connection::release_buffers`.
    pub(crate) fn release_buffers(&mut self) {
        self.input.release();
        crate::memory::release(&mut self.tx);
        self.events.release();
        self.exchanges.release();
        crate::memory::release(&mut self.undecided);
    }

    pub(crate) fn wants_input(&self) -> bool {
        self.life.is_open()
            && !self.input_closed
            && !self.eof
            && self.input.len() < self.config.max_buffered_input
    }

    // ---- parsing ------------------------------------------------------------------

    /// Parses input until an event is queued or nothing more can be done now. A
    /// request head, the one event that comes with every request, is returned instead
    /// of queued (the queue is empty then).
    #[inline(always)]
    fn advance(&mut self) -> Option<Event> {
        while self.events.is_empty() && self.life.is_open() {
            self.finish_exchanges();
            if !self.life.is_open() {
                return None;
            }
            let step = match self.side {
                Side::Server => self.step_server(),
                Side::Client => Step::from(self.step_client()),
            };
            match step {
                Step::Stuck => return None,
                Step::Progressed => {}
                Step::Request(ev) => return Some(ev),
            }
        }
        None
    }

    /// Retires completed exchanges and decides what the connection does next.
    fn finish_exchanges(&mut self) {
        // A server whose response is complete on a connection it will not keep does
        // not need the rest of the request body (which a client waiting for
        // `100 Continue` may never send): the exchange is over.
        if let Some(ex) = self.exchanges.front() {
            if self.side == Side::Server
                && !ex.keep_alive
                && matches!(ex.send, Send::Done)
                && matches!(ex.recv, Recv::Body(_))
            {
                self.close(None);
                return;
            }
        }
        while self.exchanges.front().is_some_and(Exchange::finished) {
            let ex = self.exchanges.pop_front().expect("checked above");
            // After the peer's EOF, pipelined requests already received are still served;
            // the connection closes when the input runs dry (see `read_request_head`).
            if !ex.keep_alive {
                let error = self.close_error.take();
                self.close(error);
                return;
            }
            if self.side == Side::Server {
                self.idle_deadline = self.config.idle_timeout.map(|d| self.now + d);
            }
        }
    }

    #[inline(always)]
    fn step_server(&mut self) -> Step {
        // After an h2c request, what follows is HTTP/2's: it waits for the hand-over.
        if self.input_closed || self.h2c_request.is_some() {
            return Step::Stuck;
        }
        let Some(ex) = self.exchanges.front_mut() else {
            return self.read_request_head();
        };
        let id = ex.id;
        Step::from(match ex.recv {
            Recv::Body(_) | Recv::Tunnel => self.read_body(0),
            // Paused until the response is complete (a server never awaits a head here).
            Recv::Head | Recv::Done => self.paused(id),
        })
    }

    fn step_client(&mut self) -> bool {
        if self.input_closed {
            return false;
        }
        let Some(ex) = self.exchanges.front() else {
            if !self.input.is_empty() {
                // RFC 9112 §9.3: a response the client did not ask for.
                let offset = self.input.offset();
                self.fail(Error::new(ProtocolError::UnexpectedInput.into()).at(offset));
                return true;
            }
            if self.eof {
                self.close(None);
                return true;
            }
            return false;
        };
        let id = ex.id;
        match ex.recv {
            Recv::Head => self.read_response_head(),
            Recv::Body(_) | Recv::Tunnel => self.read_body(0),
            // The response is complete but the request is still being written.
            Recv::Done => self.paused(id),
        }
    }

    /// Input waits while the front exchange `id` finishes; what piles up meanwhile is
    /// bounded by `max_buffered_input` and the read that reached it: input that comes
    /// after it ends the connection.
    fn paused(&mut self, id: StreamId) -> bool {
        if self.overrun && self.input.len() >= self.config.max_buffered_input {
            self.fail(Error::new(Limit::BufferedInput.into()).on(id));
            return true;
        }
        false
    }

    #[inline(always)]
    fn read_request_head(&mut self) -> Step {
        let bare_lf = self.config.allow_bare_lf == crate::Leniency::Allow;
        let skip = parse::skip_leading_empty_lines(self.input.bytes(), bare_lf);
        if skip > 0 {
            self.input.skip(skip);
            self.head_scanned = 0;
        }
        if self.input.is_empty() {
            if self.eof {
                self.close(None);
                return Step::Progressed;
            }
            return Step::Stuck;
        }
        self.idle_deadline = None;
        let offset = self.input.offset();
        if self.head_scanned == 0 {
            if let Some(whole) = whole::parse_whole_request(self.input.bytes(), &self.config) {
                self.header_deadline = None;
                let whole::WholeRequest {
                    len,
                    checked,
                    parts,
                } = whole;
                let src = self.input.take(len);
                return self.request_parsed(checked, offset, || parts.into_request(src));
            }
        }
        // Only a head that is not read whole at once has a deadline to meet.
        if self.header_deadline.is_none() {
            self.header_deadline = self.config.header_read_timeout.map(|d| self.now + d);
        }
        let found = parse::find_head_end(self.input.bytes(), &mut self.head_scanned, bare_lf);
        let found = match found {
            Ok(found) => found,
            Err(p) => {
                self.early_error(HeadError::new(p), offset);
                return Step::Progressed;
            }
        };
        let Some(len) = found else {
            if let Err(limit) = parse::check_partial_head(self.input.bytes(), &self.config, true) {
                self.early_error(HeadError::new(limit), offset);
                return Step::Progressed;
            }
            if self.eof {
                // The peer half-closed mid-head: answer 400 in case it still reads.
                let e = HeadError::new(ProtocolError::InvalidRequestLine);
                self.early_error(e, offset);
                return Step::Progressed;
            }
            return Step::Stuck;
        };
        self.head_scanned = 0;
        self.header_deadline = None;
        if len > self.config.max_head_bytes {
            self.early_error(HeadError::new(Limit::HeadBytes), offset);
            return Step::Progressed;
        }
        let line_len = self.input.find_byte(b'\n', 0).unwrap_or(len);
        if line_len > self.config.max_request_line + 1 {
            self.early_error(HeadError::new(Limit::RequestLine), offset);
            return Step::Progressed;
        }
        let head = &mut self.input.bytes_mut()[..len];
        // In strict mode the scan for the end already refused bare LF, and httparse
        // refuses folded lines: only a leniency needs the head rewritten.
        let prepared = if self.config.allow_obs_fold == crate::Leniency::Allow || bare_lf {
            parse::prepare_head(head, &self.config)
        } else {
            Ok(())
        };
        parse::downgrade_minor_version(head, line_len);
        if let Err(p) = prepared {
            self.early_error(HeadError::new(p), offset);
            return Step::Progressed;
        }
        let src = self.input.take(len);
        match parse::parse_request(&src, &self.config) {
            Ok(req) => {
                let checked = parse::check_request(&req);
                self.request_parsed(checked, offset, || req)
            }
            Err(e) => {
                self.early_error(e, offset);
                Step::Progressed
            }
        }
    }

    /// A request head was read whole at input `offset` and checked: starts its exchange.
    /// `req` makes the request: in the common case it is made right where the event
    /// holds it, as an event is a few hundred bytes and each move of one is a copy.
    #[inline(always)]
    fn request_parsed(
        &mut self,
        checked: Checked,
        offset: u64,
        req: impl FnOnce() -> Request,
    ) -> Step {
        let info = match checked {
            Ok(info) => info,
            Err((kind, field)) => {
                let mut e = HeadError::new(kind);
                e.field = field;
                e.partial = Box::new(partial_of(req()));
                self.early_error(e, offset);
                return Step::Progressed;
            }
        };
        let too_large = matches!(info.framing, Framing::Length(n) if n > self.config.max_body);
        if too_large || (self.h2c && info.upgrade) {
            return self.request_held(req(), info, offset);
        }
        let (stream, end_stream) = self.start_exchange(info);
        Step::Request(Event::Headers {
            stream,
            head: Head::Request(req()),
            end_stream,
        })
    }

    /// A checked request that may not simply start an exchange: it may switch the
    /// connection to HTTP/2, or announce a body over the limit.
    fn request_held(&mut self, req: Request, info: RequestInfo, offset: u64) -> Step {
        if self.h2c && info.upgrade {
            let has_body = info.framing != Framing::Empty;
            if let Some(settings) = upgrade::h2c_settings(&req, has_body) {
                self.h2c_request = Some(Box::new((req, settings)));
                // Accepted: nothing else is parsed or answered on HTTP/1.1.
                self.tx.extend_from_slice(upgrade::SWITCHING_PROTOCOLS);
                return Step::Progressed;
            }
        }
        if let Framing::Length(n) = info.framing {
            if n > self.config.max_body {
                let mut e = HeadError::new(Limit::Body);
                e.partial = Box::new(partial_of(req));
                self.early_error(e, offset);
                return Step::Progressed;
            }
        }
        let (stream, end_stream) = self.start_exchange(info);
        Step::Request(Event::Headers {
            stream,
            head: Head::Request(req),
            end_stream,
        })
    }

    /// Starts the exchange of a request that passed its checks. Returns its stream, and
    /// whether the request has no body.
    fn start_exchange(&mut self, info: RequestInfo) -> (StreamId, bool) {
        let id = self.alloc_id();
        let recv = match Decoder::new(info.framing) {
            _ if info.connect => Recv::Done,
            d if d.is_done() => Recv::Done,
            d => Recv::Body(d),
        };
        let end_stream = matches!(recv, Recv::Done);
        let keep_alive = info.keep_alive && self.next_id != 0;
        self.exchanges.push_back(Exchange {
            recv,
            head_request: info.head,
            connect: info.connect,
            upgrade: info.upgrade,
            peer_http10: info.http10,
            expect_continue: info.expect_continue,
            keep_alive,
            ..Exchange::new(id)
        });
        (id, end_stream)
    }

    fn read_response_head(&mut self) -> bool {
        let bare_lf = self.config.allow_bare_lf == crate::Leniency::Allow;
        let offset = self.input.offset();
        let found = parse::find_head_end(self.input.bytes(), &mut self.head_scanned, bare_lf);
        let found = match found {
            Ok(found) => found,
            Err(p) => {
                self.fail(Error::new(p.into()).at(offset));
                return true;
            }
        };
        let Some(len) = found else {
            if let Err(limit) = parse::check_partial_head(self.input.bytes(), &self.config, false) {
                self.fail(Error::new(limit.into()).at(offset));
                return true;
            }
            if self.eof {
                self.fail(Error::new(ErrorKind::UnexpectedEof).at(offset));
                return true;
            }
            return false;
        };
        self.head_scanned = 0;
        if len > self.config.max_head_bytes {
            self.fail(Error::new(Limit::HeadBytes.into()).at(offset));
            return true;
        }
        if let Err(p) = parse::prepare_head(&mut self.input.bytes_mut()[..len], &self.config) {
            self.fail(Error::new(p.into()).at(offset));
            return true;
        }
        let src = self.input.take(len);
        let res = match parse::parse_response(&src, &self.config) {
            Ok(r) => r,
            Err(e) => {
                let mut err = Error::new(e.kind).at(offset);
                err.field = e.field;
                self.fail(err);
                return true;
            }
        };
        let ex = self.exchanges.front_mut().expect("caller checked");
        let id = ex.id;
        if res.is_informational() {
            let tunnel = res.status == 101;
            if tunnel && !ex.upgrade {
                self.fail(
                    Error::new(ProtocolError::InvalidStatus.into())
                        .on(id)
                        .at(offset),
                );
                return true;
            }
            self.events.push_back(Event::Headers {
                stream: id,
                head: Head::Response(res),
                end_stream: false,
            });
            if tunnel {
                self.open_tunnel(0);
            }
            return true;
        }
        let framing = match parse::response_framing(&res, ex.head_request, ex.connect) {
            Ok(f) => f,
            Err((p, field)) => {
                let mut err = Error::new(p.into()).on(id).at(offset);
                err.field = field;
                self.fail(err);
                return true;
            }
        };
        if let Framing::Length(n) = framing {
            if n > self.config.max_body {
                self.fail(Error::new(Limit::Body.into()).on(id).at(offset));
                return true;
            }
        }
        let keep_alive = match res.version {
            Version::Http10 => res.fields.has_token("connection", "keep-alive"),
            _ => true,
        } && !res.fields.has_token("connection", "close")
            && framing != Framing::Close;
        let tunnel = ex.connect && (200..300).contains(&res.status);
        ex.keep_alive &= keep_alive;
        if ex.connect && !tunnel {
            // A refused CONNECT: RFC 9110 §9.3.6 leaves the connection's use open; the
            // safe reading is to close it after this response.
            ex.keep_alive = false;
        }
        ex.recv = Recv::Body(Decoder::new(framing));
        let end_stream = matches!(&ex.recv, Recv::Body(d) if d.is_done());
        if end_stream {
            ex.recv = Recv::Done;
        }
        self.events.push_back(Event::Headers {
            stream: id,
            head: Head::Response(res),
            end_stream: end_stream && !tunnel,
        });
        if tunnel {
            self.open_tunnel(0);
        }
        true
    }

    /// Decodes one body item of exchange `index` into an event.
    fn read_body(&mut self, index: usize) -> bool {
        let ex = &mut self.exchanges[index];
        let id = ex.id;
        if let Recv::Tunnel = ex.recv {
            if !self.input.is_empty() {
                let n = self.input.len();
                let data = self.input.take(n);
                self.events.push_back(Event::Data {
                    stream: id,
                    data,
                    end_stream: false,
                });
                return true;
            }
            if self.eof {
                ex.recv = Recv::Done;
                self.events.push_back(Event::Data {
                    stream: id,
                    data: Bytes::new(),
                    end_stream: true,
                });
                return true;
            }
            return false;
        }
        let Recv::Body(decoder) = &mut ex.recv else {
            return false;
        };
        match decoder.decode(&mut self.input, self.eof, &mut ex.received, &self.config) {
            Ok(Some(item)) => {
                let done = decoder.is_done();
                if done {
                    ex.recv = Recv::Done;
                }
                self.events.push_back(match item {
                    Decoded::Data(data, end_stream) => Event::Data {
                        stream: id,
                        data,
                        end_stream,
                    },
                    Decoded::Extension(extension) => Event::ChunkExtension {
                        stream: id,
                        extension,
                    },
                    Decoded::Trailers(fields) => Event::Trailers { stream: id, fields },
                });
                true
            }
            Ok(None) if self.eof => {
                let offset = self.input.offset() + self.input.len() as u64;
                self.fail(Error::new(ErrorKind::UnexpectedEof).on(id).at(offset));
                true
            }
            Ok(None) => false,
            Err(kind) => {
                // The decoder consumes nothing it rejects: the offset is the culprit's.
                let offset = self.input.offset();
                self.fail(Error::new(kind).on(id).at(offset));
                true
            }
        }
    }

    /// Turns the front exchange into a tunnel (after 101, or 2xx to CONNECT).
    fn open_tunnel(&mut self, index: usize) {
        let ex = &mut self.exchanges[index];
        ex.recv = Recv::Tunnel;
        ex.send = Send::Body(Encoder::Raw);
        ex.keep_alive = false;
        let id = ex.id;
        self.undecided.retain(|u| u.stream != id);
        self.drop_open_head(Some(id));
        self.events.push_back(Event::Tunnel { stream: id });
    }

    fn alloc_id(&mut self) -> StreamId {
        let id = StreamId(self.next_id);
        // After 2^31 streams the connection carries no more (next_id 0 means exhausted).
        self.next_id = self.next_id.checked_add(2).unwrap_or(0);
        id
    }

    // ---- errors and closing -------------------------------------------------------

    /// A request failed before its head was complete: propose a response, let the
    /// application replace it while it handles the event, then close.
    fn early_error(&mut self, e: HeadError, offset: u64) {
        let id = self.alloc_id();
        let mut error = Error::new(e.kind).on(id).at(offset);
        error.field = e.field;
        let status = error.status().unwrap_or(400);
        let response = Response::new(status)
            .field("connection", "close")
            .field("content-length", "0");
        let mut ex = Exchange::new(id);
        ex.recv = Recv::Done;
        ex.surfaced = false;
        ex.keep_alive = false;
        ex.peer_http10 = e.partial.version == Some(Version::Http10);
        ex.head_request = e.partial.method.as_deref() == Some(b"HEAD");
        self.exchanges.push_back(ex);
        self.input_closed = true;
        self.header_deadline = None;
        self.idle_deadline = None;
        self.close_error = Some(error.clone());
        self.events.push_back(Event::EarlyError {
            stream: id,
            request: *e.partial,
            error,
            response,
        });
    }

    fn answer_early_error(&mut self, stream: StreamId, response: Response) {
        let unanswered = self
            .exchanges
            .iter()
            .any(|ex| ex.id == stream && matches!(ex.send, Send::Idle));
        // The proposed response is valid for the stream; should it ever be refused, the
        // connection still closes, without an answer rather than with a panic.
        if unanswered && self.send_response(stream, response, true).is_err() {
            self.close(self.close_error.clone());
        }
    }

    /// A peer error after a head was delivered: reset what is open, answer with the
    /// error's status if no response has started (server), and close.
    fn fail(&mut self, error: Error) {
        if self.side == Side::Server {
            if let (Some(status), Some(ex)) = (error.status(), self.exchanges.front()) {
                if matches!(ex.send, Send::Idle) {
                    let res = Response::new(status)
                        .field("connection", "close")
                        .field("content-length", "0");
                    encode::write_response(&mut self.tx, &res, &[]);
                }
            }
        }
        self.close(Some(error));
    }

    /// Closes the connection once what is queued is transmitted. Every stream the
    /// application has seen that is not finished is reset, so that no stream is left
    /// hanging: `REFUSED_STREAM` if its response had not started (a client may retry it,
    /// RFC 9112 §9.3.2), `NO_ERROR` if only the request body is cut short after a
    /// complete response, otherwise the error's code.
    fn close(&mut self, error: Option<Error>) {
        let from_error = error.as_ref().map(|e| match e.kind {
            ErrorKind::Protocol(_) => (Reason::PROTOCOL_ERROR, Initiator::Remote),
            ErrorKind::Limit(_) => (Reason::ENHANCE_YOUR_CALM, Initiator::Remote),
            ErrorKind::UnexpectedEof => (Reason::CANCEL, Initiator::Remote),
            _ => (Reason::CANCEL, Initiator::Local),
        });
        // Without an error, the side that decided to close is the server.
        let closer = match self.side {
            Side::Server => Initiator::Local,
            Side::Client => Initiator::Remote,
        };
        self.undecided.clear();
        self.drop_open_head(None);
        for ex in self.exchanges.drain(..) {
            if !ex.surfaced || ex.finished() {
                continue;
            }
            let (started, responded) = match self.side {
                Side::Server => (
                    !matches!(ex.send, Send::Idle),
                    matches!(ex.send, Send::Done),
                ),
                Side::Client => (
                    !matches!(ex.recv, Recv::Head),
                    matches!(ex.recv, Recv::Done),
                ),
            };
            let (code, initiator) = from_error.unwrap_or(if !started {
                (Reason::REFUSED_STREAM, closer)
            } else if responded {
                (Reason::NO_ERROR, closer)
            } else {
                (Reason::CANCEL, closer)
            });
            self.events.push_back(Event::StreamReset {
                stream: ex.id,
                code,
                initiator,
            });
        }
        if self.life.is_open() {
            self.life = Life::Closing(error);
        }
        self.input_closed = true;
        self.header_deadline = None;
        self.idle_deadline = None;
    }

    // ---- commands -----------------------------------------------------------------

    fn exchange(&mut self, stream: StreamId) -> Result<&mut Exchange, Misuse> {
        find_exchange(&self.life, &mut self.exchanges, stream)
    }

    pub(crate) fn send_request(
        &mut self,
        head: Request,
        end_stream: bool,
    ) -> Result<StreamId, Misuse> {
        if self.side != Side::Client {
            return Err(Misuse::WrongSide);
        }
        if !self.life.is_open() {
            return Err(Misuse::Closed);
        }
        if self.next_id == 0 {
            return Err(Misuse::State("the connection has used all its stream ids"));
        }
        if let Some(last) = self.exchanges.back() {
            if !matches!(last.send, Send::Done) {
                return Err(Misuse::State("the previous request is not finished"));
            }
            if last.connect || last.upgrade || !last.keep_alive {
                return Err(Misuse::State(
                    "no request may follow this one on the connection",
                ));
            }
        }
        let info = encode::check_request(&head)?;
        parse::check_outgoing(&head.method, &head.target, &head.fields)
            .map_err(Misuse::InvalidHead)?;
        if head.version != Version::Http10 && !head.fields.contains("host") {
            return Err(Misuse::InvalidHead(
                "an HTTP/1.1 request needs a Host field",
            ));
        }
        let connect = head.is_method("CONNECT");
        // A CONNECT has no body, but a server checks its framing fields all the same
        // (RFC 9112 §6.1): they must be such as it accepts.
        let framing = app_framing(&info, head.version)?.filter(|_| !connect);
        // Checked before anything changes, the stream id included: a misuse changes
        // nothing.
        let framed = framing
            .map(|framing| sent_framing(framing, end_stream))
            .transpose()?;
        let id = self.alloc_id();
        let mut ex = Exchange::new(id);
        ex.head_request = head.is_method("HEAD");
        ex.connect = connect;
        ex.upgrade = head.fields.contains("upgrade");
        ex.keep_alive = !info.close
            && (head.version != Version::Http10
                || head.fields.has_token("connection", "keep-alive"));
        ex.send = if connect {
            encode::write_request(&mut self.tx, &head, &[]);
            Send::Done
        } else if let Some((send, end)) = framed {
            encode::write_request(&mut self.tx, &head, &[]);
            self.tx.extend_from_slice(&end);
            send
        } else if end_stream {
            // RFC 9110 §8.6: a user agent SHOULD send Content-Length when the method
            // defines a meaning for content, even when it is empty.
            let extra: &[(&str, &[u8])] = if matches!(&head.method[..], b"POST" | b"PUT" | b"PATCH")
            {
                &[("content-length", b"0")]
            } else {
                &[]
            };
            encode::write_request(&mut self.tx, &head, extra);
            Send::Done
        } else {
            self.undecided.push(Undecided {
                stream: id,
                head: Head::Request(head),
                chunks: Vec::new(),
            });
            Send::Undecided
        };
        self.exchanges.push_back(ex);
        Ok(id)
    }

    pub(crate) fn send_response(
        &mut self,
        stream: StreamId,
        head: Response,
        end_stream: bool,
    ) -> Result<(), Misuse> {
        if self.side != Side::Server {
            return Err(Misuse::WrongSide);
        }
        // Borrowed field by field, so that the exchange stays at hand while the head
        // is written: it is looked up once.
        let ex = find_exchange(&self.life, &mut self.exchanges, stream)?;
        if !matches!(ex.send, Send::Idle) {
            return Err(Misuse::State("a final response was already sent"));
        }
        let info = encode::check_response(&head)?;
        let status = head.status;
        if head.is_informational() {
            return self.send_informational(stream, head, end_stream);
        }
        let no_body = status == 204 || status == 304;
        let tunnel = ex.connect && (200..300).contains(&status);
        if (no_body || tunnel) && (info.lengths > 0 || info.te) {
            // RFC 9110 §8.6, §9.3.6: no Content-Length or Transfer-Encoding in a 204, a
            // 304 we cannot check, or a 2xx to CONNECT.
            if status != 304 || info.te {
                return Err(Misuse::InvalidHead(
                    "no framing fields allowed in this response",
                ));
            }
        }
        let framing = if tunnel || no_body || ex.head_request {
            None
        } else {
            app_framing(
                &info,
                if ex.peer_http10 {
                    Version::Http10
                } else {
                    Version::Http11
                },
            )?
        };
        let mut keep_alive = ex.keep_alive && !info.close;
        if ex.expect_continue && !ex.continue_sent && !matches!(ex.recv, Recv::Done) {
            // The client may never send the body it was waiting to be asked for.
            keep_alive = false;
        }
        if ex.connect && !tunnel {
            keep_alive = false;
        }
        if framing == Some(Framing::Close) {
            keep_alive = false;
        }
        // The framing is checked before anything changes: a refused head (a body
        // that cannot match its Content-Length) leaves the exchange as it was.
        let framed = framing
            .map(|framing| sent_framing(framing, end_stream))
            .transpose()?;
        ex.keep_alive = keep_alive;
        // The connection's decision goes into the head itself, so that it is written
        // whichever way the framing is decided later.
        // An HTTP/1.0 client keeps the connection only if the length is known, which
        // for a deferred framing is decided later (see `send_data` and `flush_one`).
        let deferred = framing.is_none() && !end_stream && !tunnel && !no_body && !ex.head_request;
        let mut head = head;
        if !keep_alive && !info.close {
            head.fields.append("connection", "close");
        } else if keep_alive && ex.peer_http10 && !deferred {
            head.fields.append_if_missing("connection", "keep-alive");
        }
        let head_request = ex.head_request;
        let send = if tunnel || no_body || head_request {
            encode::write_response(&mut self.tx, &head, &[]);
            // A 204 or 304 ends the response whatever the request was; a response
            // to HEAD otherwise takes body writes, dropped, until its end.
            if tunnel {
                None
            } else if head_request && !end_stream && !no_body {
                Some(Send::Body(Encoder::Discard))
            } else {
                Some(Send::Done)
            }
        } else if let Some((send, end)) = framed {
            encode::write_response(&mut self.tx, &head, &[]);
            self.tx.extend_from_slice(&end);
            Some(send)
        } else if end_stream {
            encode::write_response(&mut self.tx, &head, &[("content-length", b"0")]);
            Some(Send::Done)
        } else if !ex.peer_http10 {
            // Written now but for its framing (an HTTP/1.0 client's head is not: its
            // Connection field depends on the decision).
            debug_assert!(self.open_head.is_none(), "a server holds one exchange");
            let at = self.tx.len();
            encode::write_response_open(&mut self.tx, &head);
            self.open_head = Some(OpenHead {
                stream,
                at,
                chunks: Vec::new(),
            });
            Some(Send::Undecided)
        } else {
            self.undecided.push(Undecided {
                stream,
                head: Head::Response(head),
                chunks: Vec::new(),
            });
            Some(Send::Undecided)
        };
        match send {
            Some(send) => ex.send = send,
            None => {
                let index = self
                    .exchanges
                    .iter()
                    .position(|e| e.id == stream)
                    .expect("found above");
                self.open_tunnel(index);
            }
        }
        Ok(())
    }

    fn send_informational(
        &mut self,
        stream: StreamId,
        head: Response,
        end_stream: bool,
    ) -> Result<(), Misuse> {
        if end_stream {
            return Err(Misuse::State(
                "an informational response cannot end the stream",
            ));
        }
        let ex = self
            .exchanges
            .iter_mut()
            .find(|e| e.id == stream)
            .expect("caller checked");
        if head.fields.contains("content-length") || head.fields.contains("transfer-encoding") {
            return Err(Misuse::InvalidHead(
                "no framing fields allowed in a 1xx response",
            ));
        }
        // RFC 9110 §15.2: a server MUST NOT send a 1xx response to an HTTP/1.0 client;
        // a 101 cannot be dropped silently like the others, since a tunnel would follow.
        if head.status == 101 && ex.peer_http10 {
            return Err(Misuse::State("101 cannot be sent to an HTTP/1.0 client"));
        }
        if head.status == 101 {
            // RFC 9110 §15.2.2: only in answer to Upgrade; the tunnel starts after the
            // request body, so it must be complete.
            if !ex.upgrade {
                return Err(Misuse::State("101 answers only a request with Upgrade"));
            }
            if !matches!(ex.recv, Recv::Done) {
                return Err(Misuse::State("101 before the request body has ended"));
            }
            let extra: &[(&str, &[u8])] = if head.fields.has_token("connection", "upgrade") {
                &[]
            } else {
                &[("connection", b"upgrade")]
            };
            encode::write_response(&mut self.tx, &head, extra);
            let index = self
                .exchanges
                .iter()
                .position(|e| e.id == stream)
                .expect("found above");
            self.open_tunnel(index);
            return Ok(());
        }
        // RFC 9110 §15.2: a server MUST NOT send a 1xx response to an HTTP/1.0 client.
        if ex.peer_http10 {
            return Ok(());
        }
        if head.status == 100 {
            if ex.continue_sent || !ex.expect_continue {
                return Ok(());
            }
            ex.continue_sent = true;
        }
        encode::write_response(&mut self.tx, &head, &[]);
        Ok(())
    }

    pub(crate) fn accept_body(&mut self, stream: StreamId) -> Result<(), Misuse> {
        if self.side != Side::Server {
            return Err(Misuse::WrongSide);
        }
        let ex = self.exchange(stream)?;
        if ex.expect_continue
            && !ex.continue_sent
            && matches!(ex.send, Send::Idle)
            && !matches!(ex.recv, Recv::Done)
        {
            ex.continue_sent = true;
            self.tx.extend_from_slice(CONTINUE);
        }
        Ok(())
    }

    pub(crate) fn send_data(
        &mut self,
        stream: StreamId,
        data: Bytes,
        end_stream: bool,
    ) -> Result<(), Misuse> {
        let side = self.side;
        let full = self.is_full(stream);
        let ex = find_exchange(&self.life, &mut self.exchanges, stream)?;
        if side == Side::Client && matches!(ex.send, Send::Done) && ex.connect {
            return Err(Misuse::State(
                "a CONNECT request carries no body; wait for the tunnel",
            ));
        }
        // An empty end carries nothing to buffer: it is always taken, as trailers are.
        // A stream that takes no body now is refused below, for what it is.
        if full && !(data.is_empty() && end_stream) {
            self.waiting.add(stream);
            return Err(Misuse::BufferFull);
        }
        self.write_data(stream, data, end_stream)?;
        // A stream whose body just ended takes no more: nothing to wait for.
        if !end_stream && self.is_full(stream) {
            self.waiting.add(stream);
        }
        Ok(())
    }

    /// Whether `stream` takes a body now and has no room left for it (see `buffered`).
    /// Settled without looking for the stream when no body is held back and the output
    /// is under both bounds, as it is for most writes.
    #[inline]
    fn is_full(&self, stream: StreamId) -> bool {
        let c = &self.config;
        let least = c.send_buffer_per_stream.min(c.send_buffer_per_connection);
        let holds = !self.undecided.is_empty()
            || self
                .open_head
                .as_ref()
                .is_some_and(|o| !o.chunks.is_empty());
        if !holds && self.tx.len() < least.max(1) {
            return false;
        }
        self.buffered(stream).is_some_and(|b| self.room(b) == 0)
    }

    /// What waits to be handed out in front of (and with) `stream`'s next body bytes:
    /// the output not handed out yet, and the body held until its framing is decided;
    /// for the stream, then for the connection. `None` when it takes no body now.
    fn buffered(&self, stream: StreamId) -> Option<(usize, usize)> {
        let held = |u: &Undecided| u.chunks.iter().map(Bytes::len).sum::<usize>();
        let ex = self.exchanges.iter().find(|ex| ex.id == stream)?;
        if self.life != Life::Open || !matches!(ex.send, Send::Undecided | Send::Body(_)) {
            return None;
        }
        let (open, open_mine) = match &self.open_head {
            Some(o) => {
                let n = o.chunks.iter().map(Bytes::len).sum::<usize>();
                (n, if o.stream == stream { n } else { 0 })
            }
            None => (0, 0),
        };
        let mine: usize = self
            .undecided
            .iter()
            .filter(|u| u.stream == stream)
            .map(held)
            .sum::<usize>()
            + open_mine;
        let all: usize = self.undecided.iter().map(held).sum::<usize>() + open;
        Some((self.tx.len() + mine, self.tx.len() + all))
    }

    /// The room left under the bounds (see `send_buffer`) with `buffered` waiting.
    fn room(&self, (stream, all): (usize, usize)) -> usize {
        let c = &self.config;
        room(c.send_buffer_per_stream, stream).min(room(c.send_buffer_per_connection, all))
    }

    pub(crate) fn send_capacity(&self, stream: StreamId) -> usize {
        self.buffered(stream).map_or(0, |b| self.room(b))
    }

    /// HTTP/1.1 has no flow-control window: what was received is the application's.
    pub(crate) fn release_capacity(&mut self, _: StreamId, _: usize) -> Result<(), Misuse> {
        if self.life != Life::Open {
            return Err(Misuse::Closed);
        }
        Ok(())
    }

    /// Checked on every poll, inline: in the common case nothing waits.
    #[inline(always)]
    fn wake_writable(&mut self) {
        if !self.waiting.is_empty() {
            self.wake_waiting();
        }
    }

    /// Tells the streams that waited for room and now have it: output is handed out
    /// whole, so this is after the transmit that follows their refusal.
    fn wake_waiting(&mut self) {
        let c = &self.config;
        let (per_stream, per_connection) = (c.send_buffer_per_stream, c.send_buffer_per_connection);
        let mut waiting = std::mem::take(&mut self.waiting);
        let ready = waiting.ready(|id| {
            let buffered = self.buffered(id)?;
            Some(woken(per_stream, per_connection, self.room(buffered)))
        });
        self.waiting = waiting;
        for stream in ready {
            self.events.push_back(Event::Writable { stream });
        }
    }

    /// `send_data` once the buffers took the bytes.
    fn write_data(
        &mut self,
        stream: StreamId,
        data: Bytes,
        end_stream: bool,
    ) -> Result<(), Misuse> {
        let ex = find_exchange(&self.life, &mut self.exchanges, stream)?;
        match &mut ex.send {
            Send::Idle => Err(Misuse::State("data before the head")),
            Send::Done => Err(Misuse::State("data after the end of the stream")),
            Send::Undecided if self.open_head.as_ref().is_some_and(|o| o.stream == stream) => {
                let open = self.open_head.as_mut().expect("checked above");
                if !end_stream {
                    if !data.is_empty() {
                        open.chunks.push(data);
                    }
                    return Ok(());
                }
                let chunks = std::mem::take(&mut open.chunks);
                self.open_head = None;
                // The whole body is known before anything went out: Content-Length.
                let total: usize = chunks.iter().map(Bytes::len).sum::<usize>() + data.len();
                encode::end_with_length(&mut self.tx, total as u64);
                for c in chunks {
                    self.tx.extend_from_slice(&c);
                }
                self.tx.extend_from_slice(&data);
                ex.send = Send::Done;
                Ok(())
            }
            Send::Undecided => {
                let at = self
                    .undecided
                    .iter()
                    .position(|u| u.stream == stream)
                    .expect("an undecided exchange has its head");
                if !end_stream {
                    if !data.is_empty() {
                        self.undecided[at].chunks.push(data);
                    }
                    return Ok(());
                }
                let Undecided {
                    mut head, chunks, ..
                } = self.undecided.swap_remove(at);
                // The whole body is known before anything went out: Content-Length.
                if let Head::Response(r) = &mut head {
                    if ex.peer_http10 && ex.keep_alive {
                        r.fields.append_if_missing("connection", "keep-alive");
                    }
                }
                let total: usize = chunks.iter().map(Bytes::len).sum::<usize>() + data.len();
                let len = crate::Decimal::from(total);
                let extra: [(&str, &[u8]); 1] = [("content-length", len.as_ref())];
                match &head {
                    Head::Request(r) => encode::write_request(&mut self.tx, r, &extra),
                    Head::Response(r) => encode::write_response(&mut self.tx, r, &extra),
                }
                for c in chunks {
                    self.tx.extend_from_slice(&c);
                }
                self.tx.extend_from_slice(&data);
                ex.send = Send::Done;
                Ok(())
            }
            Send::Body(enc) => {
                let raw = *enc == Encoder::Raw;
                enc.data(&mut self.tx, &data, end_stream)?;
                if end_stream {
                    ex.send = Send::Done;
                    if raw {
                        self.write_closed = true;
                    }
                }
                Ok(())
            }
        }
    }

    pub(crate) fn send_trailers(&mut self, stream: StreamId, fields: Fields) -> Result<(), Misuse> {
        encode::check_fields(&fields)?;
        self.flush_one(stream)?;
        let ex = find_exchange(&self.life, &mut self.exchanges, stream)?;
        match &mut ex.send {
            Send::Body(enc) => {
                let raw = *enc == Encoder::Raw;
                enc.trailers(&mut self.tx, &fields)?;
                ex.send = Send::Done;
                if raw {
                    self.write_closed = true;
                }
                Ok(())
            }
            Send::Idle => Err(Misuse::State("trailers before the head")),
            _ => Err(Misuse::State("trailers after the end of the stream")),
        }
    }

    pub(crate) fn reset_stream(&mut self, stream: StreamId, code: Reason) -> Result<(), Misuse> {
        self.exchange(stream)?;
        // HTTP/1.1 has no way to abort one message but to close the connection; the
        // peer sees a message cut short, and other pipelined streams are cancelled.
        self.exchanges.retain(|ex| ex.id != stream);
        self.undecided.retain(|u| u.stream != stream);
        self.drop_open_head(Some(stream));
        self.events.push_back(Event::StreamReset {
            stream,
            code,
            initiator: Initiator::Local,
        });
        let mut error = Error::new(ErrorKind::Reset).on(stream);
        error.offset = None;
        self.close(Some(error));
        Ok(())
    }

    /// Writes heads whose framing was left open: the body did not end in time for a
    /// Content-Length, so it streams (chunked, or close-delimited to an HTTP/1.0 client).
    fn flush_undecided(&mut self) {
        if let Some(open) = self.open_head.take() {
            self.flush_open_head(open);
        }
        if self.undecided.is_empty() {
            return;
        }
        let ids: Vec<StreamId> = self
            .exchanges
            .iter()
            .filter(|e| matches!(e.send, Send::Undecided))
            .map(|e| e.id)
            .collect();
        for id in ids {
            let _ = self.flush_one(id);
        }
    }

    /// Decides the framing of a written head: chunked, its body going on as it comes.
    fn flush_open_head(&mut self, open: OpenHead) {
        let OpenHead { stream, at, chunks } = open;
        let Ok(ex) = find_exchange(&self.life, &mut self.exchanges, stream) else {
            // Not half a head: nothing at all (`close` takes it back first).
            self.tx.truncate(at);
            return;
        };
        debug_assert!(matches!(ex.send, Send::Undecided) && !ex.peer_http10);
        encode::write_extra(&mut self.tx, &[("transfer-encoding", b"chunked")]);
        let mut enc = Encoder::Chunked;
        for c in chunks {
            // A chunked body takes any data before its end.
            let _ = enc.data(&mut self.tx, &c, false);
        }
        ex.send = Send::Body(enc);
    }

    /// Takes back the written head of `stream` (of any stream, for `None`), which has
    /// not gone out: nothing is written after it while it waits.
    fn drop_open_head(&mut self, stream: Option<StreamId>) {
        if let Some(open) = self
            .open_head
            .take_if(|o| stream.is_none_or(|s| s == o.stream))
        {
            self.tx.truncate(open.at);
        }
    }

    fn flush_one(&mut self, stream: StreamId) -> Result<(), Misuse> {
        if let Some(open) = self.open_head.take_if(|o| o.stream == stream) {
            self.flush_open_head(open);
            return Ok(());
        }
        let ex = find_exchange(&self.life, &mut self.exchanges, stream)?;
        if !matches!(ex.send, Send::Undecided) {
            return Ok(());
        }
        let at = self
            .undecided
            .iter()
            .position(|u| u.stream == stream)
            .expect("an undecided exchange has its head");
        if matches!(&self.undecided[at].head, Head::Request(r) if r.version == Version::Http10) {
            // HTTP/1.0 has neither chunked requests nor close-delimited ones: the body
            // waits for its end and goes out with a Content-Length.
            return Ok(());
        }
        let Undecided {
            mut head, chunks, ..
        } = self.undecided.swap_remove(at);
        let (enc, extra): (Encoder, &[(&str, &[u8])]) = if ex.peer_http10 {
            // RFC 9112 §6.3: without chunked, an HTTP/1.0 client reads until close.
            ex.keep_alive = false;
            if let Head::Response(r) = &mut head {
                if !r.fields.has_token("connection", "close") {
                    r.fields.append("connection", "close");
                }
            }
            (Encoder::Raw, &[])
        } else {
            (Encoder::Chunked, &[("transfer-encoding", b"chunked")])
        };
        match &head {
            Head::Request(r) => encode::write_request(&mut self.tx, r, extra),
            Head::Response(r) => encode::write_response(&mut self.tx, r, extra),
        }
        // The head went out: whatever happens to the body, the exchange is no longer
        // undecided.
        ex.send = Send::Body(enc);
        let Send::Body(enc) = &mut ex.send else {
            unreachable!("set just above")
        };
        for c in chunks {
            enc.data(&mut self.tx, &c, false)?;
        }
        Ok(())
    }
}

/// The open exchange `stream`; borrows only the exchanges, so `tx` stays free.
fn find_exchange<'a>(
    life: &Life,
    exchanges: &'a mut VecDeque<Exchange>,
    stream: StreamId,
) -> Result<&'a mut Exchange, Misuse> {
    if !life.is_open() {
        return Err(Misuse::Closed);
    }
    exchanges
        .iter_mut()
        .find(|ex| ex.id == stream)
        .ok_or(Misuse::UnknownStream(stream))
}

/// The send state for a head that carried its own framing, and what ends the body
/// right after the head when `end_stream` is set (a chunked body's last chunk), to be
/// written once the head is.
fn sent_framing(framing: Framing, end_stream: bool) -> Result<(Send, Vec<u8>), Misuse> {
    let mut enc = match framing {
        Framing::Length(n) => Encoder::Length(n),
        Framing::Chunked => Encoder::Chunked,
        Framing::Empty => Encoder::Length(0),
        Framing::Close => Encoder::Raw,
    };
    if end_stream {
        let mut end = Vec::new();
        enc.data(&mut end, &[], true)?;
        return Ok((Send::Done, end));
    }
    Ok((Send::Body(enc), Vec::new()))
}

/// The framing an application put in its own head, checked: `None` if it gave none.
fn app_framing(info: &FieldInfo, peer: Version) -> Result<Option<Framing>, Misuse> {
    if info.te {
        if info.lengths > 0 {
            return Err(Misuse::InvalidHead(
                "both Transfer-Encoding and Content-Length",
            ));
        }
        if !info.te_chunked {
            return Err(Misuse::InvalidHead("Transfer-Encoding other than chunked"));
        }
        if peer == Version::Http10 {
            return Err(Misuse::InvalidHead("an HTTP/1.0 peer cannot take chunked"));
        }
        return Ok(Some(Framing::Chunked));
    }
    match info.lengths {
        0 => Ok(None),
        1 => info
            .length
            .map(|n| Some(Framing::Length(n)))
            .ok_or(Misuse::InvalidHead("Content-Length is not a number")),
        _ => Err(Misuse::InvalidHead("more than one Content-Length")),
    }
}

fn partial_of(req: Request) -> PartialRequest {
    PartialRequest {
        method: Some(req.method),
        target: Some(req.target),
        version: Some(req.version),
        fields: req.fields,
    }
}
