//! The HTTP/2 connection (RFC 9113): preface, settings, frames in and out, streams,
//! flow control and shutdown. Stream-state transitions are in [`super::stream::state`];
//! this file decides what each frame and command means for them.

use super::budget::Budget;
use super::fields::{self, status_digits};
use super::frame::{
    self, flag, kind, Continuation, Data, Frame, FrameError, FrameHead, GoAway, Headers, Ping,
    PriorityUpdate, PushPromise, RstStream, Setting, Settings, Unknown, WindowUpdate, HEADER_LEN,
};
use super::schedule::Schedule;
use super::stream::closed::Closed;
use super::stream::map::StreamMap;
use super::stream::queue::{Queued, SendQueue};
use super::stream::state::{State, Transition};
use super::upgrade::Handoff;
use crate::error::Http2Error;
use crate::h1::encode::{check_fields, check_request, FieldInfo};
use crate::hpack::{Decoder, Encoder};
use crate::memory::LeanQueue;
use crate::send_buffer::{room, woken, Waiting};
use crate::transmit::Sink;
use crate::{
    Config, Error, ErrorKind, Event, Field, Fields, Head, Initiator, Misuse, Output, Priority,
    Reason, Request, Response, Side, StreamId,
};
use bytes::{Buf, Bytes, BytesMut};
use std::collections::hash_map::Entry;
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Instant;

/// The client connection preface (RFC 9113 §3.4).
pub(crate) const PREFACE: &[u8; 24] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// The protocol's initial window and frame size (RFC 9113 §6.5.2).
const DEFAULT_WINDOW: i64 = 65_535;
const MAX_WINDOW: i64 = 0x7fff_ffff;
/// The largest stream identifier (§5.1.1: 31 bits).
const MAX_STREAM_ID: u32 = 0x7fff_ffff;
/// The most events the input may queue before reading waits for the application to
/// take them. A frame of ten octets makes an event of a few hundred, so a read turned
/// into events at once would cost some thirty times its size, however large the
/// adapter's reads; this keeps the queue at a few pages whatever they are.
const MAX_QUEUED_EVENTS: usize = 64;

/// The peer's settings that govern what this side sends (RFC 9113 §6.5.2).
#[derive(Debug, Clone, Copy)]
struct Remote {
    max_concurrent_streams: u32,
    initial_window_size: u32,
    max_frame_size: u32,
    enable_push: bool,
    enable_connect_protocol: bool,
    /// RFC 9218 §2.1: the peer ignores RFC 7540 priorities (and a server that says so
    /// reads PRIORITY_UPDATE).
    no_rfc7540_priorities: bool,
}

impl Default for Remote {
    fn default() -> Remote {
        Remote {
            // §5.1.2: "Initially, there is no limit to this value."
            max_concurrent_streams: u32::MAX,
            initial_window_size: DEFAULT_WINDOW as u32,
            max_frame_size: 1 << 14,
            enable_push: true,
            enable_connect_protocol: false,
            no_rfc7540_priorities: false,
        }
    }
}

/// What this side remembers about a stream.
#[derive(Debug)]
struct Stream {
    state: State,
    /// What this side may still send on the stream.
    send_window: i64,
    /// What the peer may still send.
    recv_window: i64,
    /// Bytes received and consumed but not yet given back with WINDOW_UPDATE.
    unreleased: u32,
    /// Manual flow control: body bytes delivered that the application has not released.
    held: u32,
    queue: SendQueue,
    /// The body bytes in `queue`, against `send_buffer_per_stream`.
    queued: usize,
    /// Whether the final (non-1xx) head went each way.
    sent_final: bool,
    recv_final: bool,
    /// The Content-Length received, and the DATA counted against it (§8.1.1).
    recv_length: Option<u64>,
    recv_seen: u64,
    /// Whether the application has seen this stream (a head, or a promise).
    surfaced: bool,
    /// A CONNECT request: a 2xx turns the stream into a tunnel.
    connect: bool,
    /// A CONNECT answered with a 2xx: only DATA and stream management follow (§8.5).
    tunnel: bool,
    /// A HEAD request (or promise): its response has no content whatever its fields
    /// say (RFC 9110 §9.3.2), as on HTTP/1.1.
    head_request: bool,
    /// The body bytes the Content-Length this side sent still promises: writing more,
    /// or ending with fewer, is refused as on HTTP/1.1, since the peer must treat the
    /// message as malformed (RFC 9113 §8.1.1).
    send_length: Option<u64>,
    /// Whether this side reset the stream (frames still in flight are then ignored).
    reset_locally: bool,
    /// A reset the application asked for while its complete response was still
    /// queued: it follows the END_STREAM (see `H2::reset_stream`).
    reset_after_end: Option<Reason>,
    /// The order in which its queue is sent (RFC 9218), and whether it is in the
    /// schedule (see `H2::wake`).
    priority: Priority,
    scheduled: bool,
}

impl Stream {
    fn new(state: State, send_window: u32, recv_window: u32) -> Stream {
        Stream {
            state,
            send_window: i64::from(send_window),
            recv_window: i64::from(recv_window),
            unreleased: 0,
            held: 0,
            queue: SendQueue::default(),
            queued: 0,
            sent_final: false,
            recv_final: false,
            recv_length: None,
            recv_seen: 0,
            surfaced: false,
            connect: false,
            tunnel: false,
            head_request: false,
            send_length: None,
            reset_locally: false,
            reset_after_end: None,
            priority: Priority::default(),
            scheduled: false,
        }
    }

    /// Moves stream `id` to `next`, keeping the connection's count of active streams
    /// in step: the only way a stream's state changes once it is in the map.
    fn set_state(&mut self, id: u32, next: State, active: &mut Active) {
        active.leave(id, self.state);
        self.state = next;
        active.enter(id, next);
    }

    /// Whether the application may queue body bytes now.
    fn takes_data(&self) -> bool {
        self.sent_final && self.state.can_send() && !ends_queue(self)
    }

    /// Forgets what was queued (the stream was reset or closed), and its bytes from the
    /// connection's count `total`.
    fn drop_queue(&mut self, total: &mut usize) {
        self.queue.clear();
        *total -= std::mem::take(&mut self.queued);
    }
}

/// Stream `stream` of `streams`, unless it is unknown or closed: what a command may
/// act on.
fn open_stream(streams: &mut StreamMap<Stream>, stream: StreamId) -> Result<&mut Stream, Misuse> {
    streams
        .get_mut(&stream.0)
        .filter(|s| s.state != State::Closed)
        .ok_or(Misuse::UnknownStream(stream))
}

/// `n` bytes of a stream's queue (`queued`, in the connection's `total`) went out.
fn unqueue(queued: &mut usize, total: &mut usize, n: usize) {
    *queued -= n;
    *total -= n;
}

/// A field block still waiting for its CONTINUATION frames (RFC 9113 §6.10).
#[derive(Debug)]
struct Partial {
    stream: u32,
    block: BytesMut,
    end_stream: bool,
    /// The stream a PUSH_PROMISE reserves, if it is one.
    promised: Option<u32>,
}

/// The streams in an active state (open or half-closed) that the client opened (odd
/// identifiers) and that the server pushed (even ones, once their response started):
/// the numbers SETTINGS_MAX_CONCURRENT_STREAMS limits (RFC 9113 §5.1.2), kept as
/// streams enter the map and change state, rather than counted for every new one.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Active {
    /// By the identifier's parity: `[even, odd]`.
    by_parity: [usize; 2],
}

impl Active {
    fn enter(&mut self, id: u32, state: State) {
        if state.is_active() {
            self.by_parity[(id % 2) as usize] += 1;
        }
    }

    fn leave(&mut self, id: u32, state: State) {
        if state.is_active() {
            self.by_parity[(id % 2) as usize] -= 1;
        }
    }
}

/// An HTTP/2 connection, either role.
#[derive(Debug)]
pub(crate) struct H2 {
    side: Side,
    /// Shared with the other connections made from the same `Arc`.
    config: Arc<Config>,
    input: BytesMut,
    /// Input bytes consumed so far, for error offsets.
    consumed: u64,
    /// Server: bytes of the client preface still to check.
    preface_left: usize,
    /// Whether the peer's first SETTINGS arrived (§3.4: it must come first).
    peer_settings_seen: bool,
    tx: Vec<u8>,
    events: LeanQueue<Event>,
    remote: Remote,
    /// Deadlines of our SETTINGS frames not yet acknowledged, oldest first, with the
    /// HPACK table size each one set.
    unacked_settings: VecDeque<(Option<Instant>, u32)>,
    /// The window each new stream gives the peer: the protocol's 65,535 until the
    /// peer acknowledges our SETTINGS, `h2_initial_window_size` from then on. The peer
    /// sends by the old value until it has read ours (RFC 9113 §6.5.3), and what it
    /// sent before arrives before its acknowledgment.
    local_initial_window: u32,
    decoder: Decoder,
    encoder: Encoder,
    /// The part of a field block that CONTINUATION frames carry, its allocation kept.
    block: Vec<u8>,
    /// The streams in an active state (see `Active`).
    active: Active,
    streams: StreamMap<Stream>,
    /// The streams with something to send, in the order they are served.
    schedule: Schedule,
    /// Server: priorities for streams the client has not opened yet, oldest first.
    pending_priorities: VecDeque<(u32, Priority)>,
    /// Reused by `write_windowless`, so that writing allocates nothing.
    scratch: Vec<u32>,
    /// Closed streams, oldest first, bounded by `h2_max_closed_streams`: they leave
    /// `streams` as they close.
    closed: Closed,
    next_local: u32,
    last_remote: u32,
    send_window: i64,
    recv_window: i64,
    unreleased: u32,
    /// The body bytes queued on all streams, against `send_buffer_per_connection`.
    queued: usize,
    /// Streams owed an `Event::Writable`.
    waiting: Waiting,
    partial: Option<Partial>,
    goaway_sent: bool,
    /// A graceful shutdown announced and waiting one round trip before it names the
    /// last stream: the PING that measures it, and when to stop waiting for it.
    draining: Option<([u8; 8], Option<Instant>)>,
    /// The last stream id our latest GOAWAY named; later ones never name more (§6.8).
    goaway_last: u32,
    goaway_received: Option<u32>,
    pings: VecDeque<([u8; 8], Instant)>,
    closing: bool,
    closed_delivered: bool,
    now: Instant,
    /// Resets the peer may still cause.
    resets: Budget,
    /// Frames that carry nothing the peer may still send (PING, SETTINGS, empty DATA…).
    idle_frames: Budget,
    /// Control frames (ACKs, RST_STREAM) written since output was last handed out;
    /// at `h2_max_owed_control_frames` input waits until it is.
    owed_control: usize,
    /// Input waits for the owed control frames, or the queued events, to be handed
    /// out.
    paused: bool,
    /// The peer closed its side while input waited: handled once that input is read.
    eof: bool,
    /// A reset flood noticed while handling a frame.
    flood: Option<Error>,
}

type ConnResult = Result<(), Error>;

fn h2_error(e: Http2Error) -> Error {
    Error::new(ErrorKind::Http2(e))
}

impl H2 {
    pub(crate) fn config(&self) -> &Config {
        &self.config
    }

    /// A connection that has not exchanged anything yet. A client writes the preface
    /// and its SETTINGS at once; a server writes its SETTINGS and expects the preface.
    pub(crate) fn new(side: Side, config: Arc<Config>, now: Instant) -> H2 {
        let mut h2 = H2::blank(side, config, now);
        h2.start();
        h2
    }

    /// A server that accepts the `Upgrade: h2c` request `handoff` carries (RFC 7540
    /// §3.2): it answers 101 and speaks HTTP/2 from the next byte on.
    ///
    /// "The first HTTP/2 frame sent by the server MUST be a server connection preface
    /// (Section 3.5) consisting of a SETTINGS frame." The client's `HTTP2-Settings` are
    /// in force as if received, unacknowledged: "Explicit acknowledgement of these
    /// settings (Section 6.5.3) is not necessary, since a 101 response serves as
    /// implicit acknowledgement." "The HTTP/1.1 request that is sent prior to upgrade
    /// is assigned a stream identifier of 1 ... Stream 1 is implicitly "half-closed"
    /// from the client toward the server": it is delivered as `Event::Headers` with
    /// `end_stream`, and answered like any other. "Upon receiving the 101 response, the
    /// client MUST send a connection preface": it is expected next, as on any server
    /// connection, and the input that followed the request is read as its start.
    pub(crate) fn upgraded(handoff: Handoff) -> H2 {
        let Handoff {
            request,
            settings,
            input,
            eof,
            config,
            now,
        } = handoff;
        // The 101 went out on HTTP/1.1 already.
        let mut h2 = H2::blank(Side::Server, config, now);
        h2.start();
        // Checked like a received SETTINGS frame before the upgrade was accepted; a
        // server with no stream yet cannot fail to apply them.
        if let Err(e) = h2.apply_settings(&settings) {
            h2.fail(e);
            return h2;
        }
        let request = fields::upgraded_request(request);
        let mut s = h2.new_stream(Transition::RecvHeaders { end_stream: true });
        s.recv_final = true;
        s.surfaced = true;
        s.priority = Priority::from_fields(&request.fields);
        h2.insert_stream(1, s);
        h2.last_remote = 1;
        h2.events.push_back(Event::Headers {
            stream: StreamId(1),
            head: Head::Request(request),
            end_stream: true,
        });
        if !input.is_empty() {
            h2.handle_input(now, &input);
        }
        if eof {
            h2.handle_eof(now);
        }
        h2
    }

    /// The state before anything is written.
    fn blank(side: Side, config: Arc<Config>, now: Instant) -> H2 {
        H2 {
            side,
            input: BytesMut::new(),
            consumed: 0,
            preface_left: if side == Side::Server {
                PREFACE.len()
            } else {
                0
            },
            peer_settings_seen: false,
            tx: Vec::new(),
            events: LeanQueue::new(),
            remote: Remote::default(),
            unacked_settings: VecDeque::new(),
            local_initial_window: DEFAULT_WINDOW as u32,
            decoder: Decoder::new(4096),
            encoder: Encoder::new(),
            block: Vec::new(),
            active: Active::default(),
            streams: StreamMap::default(),
            schedule: Schedule::default(),
            pending_priorities: VecDeque::new(),
            scratch: Vec::new(),
            closed: Closed::default(),
            next_local: if side == Side::Client { 1 } else { 2 },
            last_remote: 0,
            send_window: DEFAULT_WINDOW,
            recv_window: DEFAULT_WINDOW,
            unreleased: 0,
            queued: 0,
            waiting: Waiting::default(),
            partial: None,
            goaway_sent: false,
            draining: None,
            goaway_last: MAX_STREAM_ID,
            goaway_received: None,
            pings: VecDeque::new(),
            closing: false,
            closed_delivered: false,
            now,
            resets: Budget::new(config.h2_reset_budget, now),
            idle_frames: Budget::new(config.h2_idle_frame_budget, now),
            owed_control: 0,
            paused: false,
            eof: false,
            flood: None,
            config,
        }
    }

    fn start(&mut self) {
        // Room for what a new connection writes first (the preface, SETTINGS and
        // WINDOW_UPDATE, then an acknowledgment and a small response), rather than a
        // buffer doubled from a few bytes on the way.
        self.tx.reserve(256);
        if self.side == Side::Client {
            self.tx.extend_from_slice(PREFACE);
        }
        let c = &self.config;
        // Room for every setting either side may send, so that the list is one
        // allocation.
        let mut params = Vec::with_capacity(8);
        params.extend([
            Setting {
                id: Setting::MAX_CONCURRENT_STREAMS,
                value: c.h2_max_concurrent_streams,
            },
            Setting {
                id: Setting::INITIAL_WINDOW_SIZE,
                value: c.h2_initial_window_size,
            },
            Setting {
                id: Setting::MAX_FRAME_SIZE,
                value: c.h2_max_frame_size,
            },
            Setting {
                id: Setting::MAX_HEADER_LIST_SIZE,
                value: u32::try_from(c.max_head_bytes).unwrap_or(u32::MAX),
            },
        ]);
        if c.h2_header_table_size != 4096 {
            params.push(Setting {
                id: Setting::HEADER_TABLE_SIZE,
                value: c.h2_header_table_size,
            });
        }
        match self.side {
            Side::Client => params.push(Setting {
                id: Setting::ENABLE_PUSH,
                value: u32::from(c.h2_enable_push),
            }),
            Side::Server => {
                if c.h2_enable_connect_protocol {
                    params.push(Setting {
                        id: Setting::ENABLE_CONNECT_PROTOCOL,
                        value: 1,
                    });
                }
                // RFC 9218 §2.1: "Servers can send SETTINGS_NO_RFC7540_PRIORITIES with
                // a value of 1 to indicate that they will ignore HTTP/2 priority
                // signals sent by clients"; clients that see it send PRIORITY_UPDATE.
                params.push(Setting {
                    id: Setting::NO_RFC7540_PRIORITIES,
                    value: 1,
                });
            }
        }
        Frame::Settings(Settings { ack: false, params }).encode(&mut self.tx);
        let deadline = c.h2_settings_timeout.map(|t| self.now + t);
        self.unacked_settings
            .push_back((deadline, c.h2_header_table_size));
        // §6.9.2: the connection window starts at 65,535 and only WINDOW_UPDATE raises it.
        let extra = i64::from(c.h2_connection_window_size) - DEFAULT_WINDOW;
        if extra > 0 {
            self.recv_window += extra;
            self.write_window_update(0, extra as u32);
        }
    }

    // ----- inputs -------------------------------------------------------------------

    pub(crate) fn handle_input(&mut self, now: Instant, bytes: &[u8]) {
        self.now = now;
        if self.closing {
            return;
        }
        self.input.extend_from_slice(bytes);
        if let Err(e) = self.read_frames() {
            self.fail(e);
        }
    }

    pub(crate) fn handle_eof(&mut self, now: Instant) {
        self.now = now;
        if self.closing {
            return;
        }
        // Input still waits to be read: the end comes after it.
        if self.paused {
            self.eof = true;
            return;
        }
        let active = self.streams.values().any(|s| s.state.is_active());
        let error = (active || !self.input.is_empty() || self.partial.is_some())
            .then(|| Error::new(ErrorKind::UnexpectedEof));
        self.close(error, Reason::CANCEL);
    }

    pub(crate) fn handle_timeout(&mut self, now: Instant) {
        self.now = now;
        if self.closing {
            return;
        }
        if let Some((Some(deadline), _)) = self.unacked_settings.front() {
            if now >= *deadline {
                // §6.5.3: "If the sender of a SETTINGS frame does not receive an
                // acknowledgment within a reasonable amount of time, it MAY issue a
                // connection error of type SETTINGS_TIMEOUT."
                self.fail(h2_error(Http2Error::SettingsTimeout));
                return;
            }
        }
        if let Some((_, Some(deadline))) = self.draining {
            if now >= deadline {
                // The PING did not come back: the round trip is over all the same.
                self.finish_draining();
            }
        }
    }

    fn read_frames(&mut self) -> ConnResult {
        if self.preface_left > 0 {
            let at = PREFACE.len() - self.preface_left;
            let n = self.preface_left.min(self.input.len());
            // §3.4: a server checks the preface as it arrives, so that an HTTP/1.1
            // client fails at once instead of waiting.
            if self.input[..n] != PREFACE[at..at + n] {
                return Err(h2_error(Http2Error::Preface).at(self.consumed));
            }
            self.input.advance(n);
            self.consumed += n as u64;
            self.preface_left -= n;
            if self.preface_left > 0 {
                return Ok(());
            }
        }
        while !self.closing && self.input.len() >= HEADER_LEN {
            // What a peer that does not read makes this side owe stays bounded: input
            // waits until the output so far is handed out (see `poll_output`).
            // Something must be owed, or a limit of 0 would never read on. So do the
            // events a read of small frames makes.
            let owes = self.owed_control > 0
                && self.owed_control >= self.config.h2_max_owed_control_frames;
            if owes || self.events.len() >= MAX_QUEUED_EVENTS {
                self.paused = true;
                return Ok(());
            }
            let head = FrameHead::parse(self.input[..HEADER_LEN].try_into().unwrap_or(&[0; 9]));
            let offset = self.consumed;
            // §4.2: "An endpoint MUST send an error code of FRAME_SIZE_ERROR if a frame
            // exceeds the size defined in SETTINGS_MAX_FRAME_SIZE". Judged before the
            // payload is buffered, so an oversized frame costs no memory.
            if head.length > self.config.h2_max_frame_size {
                return Err(h2_error(Http2Error::FrameSize).at(offset));
            }
            let total = HEADER_LEN + head.length as usize;
            if self.input.len() < total {
                self.input.reserve(total - self.input.len());
                return Ok(());
            }
            self.input.advance(HEADER_LEN);
            let payload = self.input.split_to(head.length as usize).freeze();
            self.consumed += total as u64;
            self.on_frame(head, payload).map_err(|e| {
                if e.offset.is_none() {
                    e.at(offset)
                } else {
                    e
                }
            })?;
            if let Some(e) = self.flood.take() {
                return Err(e.at(offset));
            }
        }
        Ok(())
    }

    fn on_frame(&mut self, head: FrameHead, payload: Bytes) -> ConnResult {
        // §3.4: "The SETTINGS frame MUST be the first frame" from each side.
        if !self.peer_settings_seen {
            if head.kind != kind::SETTINGS || head.flags & frame::flag::ACK != 0 {
                return Err(h2_error(Http2Error::Preface));
            }
            self.peer_settings_seen = true;
        }
        // §6.10: while a field block is open, only its CONTINUATION frames may come.
        if let Some(p) = &self.partial {
            if head.kind != kind::CONTINUATION || head.stream != p.stream {
                return Err(h2_error(Http2Error::ExpectedContinuation));
            }
        }
        let frame = match Frame::parse(head, payload) {
            Ok(f) => f,
            Err(e) => return self.frame_error(head.kind, e),
        };
        let surfaced = self.config.h2_extension_frames && matches!(frame, Frame::Unknown(_));
        if carries_nothing(&frame) && !surfaced {
            self.spend_idle_frame()?;
        }
        match frame {
            Frame::Data(d) => self.on_data(d),
            Frame::Headers(h) => self.on_headers(h),
            Frame::Priority(_) => Ok(()),
            Frame::RstStream(r) => self.on_rst_stream(r),
            Frame::Settings(s) => self.on_settings(s),
            Frame::PushPromise(p) => self.on_push_promise(p),
            Frame::Ping(p) => self.on_ping(p),
            Frame::GoAway(g) => self.on_goaway(g),
            Frame::WindowUpdate(w) => self.on_window_update(w),
            Frame::Continuation(c) => self.on_continuation(c),
            Frame::Unknown(u) if surfaced => {
                self.events.push_back(Event::ExtensionFrame {
                    kind: u.kind,
                    flags: u.flags,
                    stream: StreamId(u.stream),
                    payload: u.payload,
                });
                Ok(())
            }
            Frame::PriorityUpdate(u) => self.on_priority_update(u),
            // Unknown frames are ignored (§5.5).
            Frame::Unknown(_) => Ok(()),
        }
    }

    fn frame_error(&mut self, kind: u8, e: FrameError) -> ConnResult {
        match e.stream {
            // §6.4: "RST_STREAM frames MUST NOT be sent for a stream in the "idle"
            // state", and a stream of this side's parity reset while idle could not be
            // used later. Only HEADERS opens a stream, so the error on any other frame
            // (a malformed PRIORITY) takes the connection, as §5.4.1 allows.
            Some(id)
                if kind != kind::HEADERS
                    && !self.streams.contains_key(&id)
                    && self.unknown_state(id) == State::Idle =>
            {
                Err(h2_error(e.error))
            }
            Some(id) => {
                self.stream_error(id, e.error);
                Ok(())
            }
            None => Err(h2_error(e.error)),
        }
    }

    /// What a frame on stream `id` that is not in the map means: `Idle` if the stream
    /// was never opened, `Closed` if it is over (and forgotten).
    fn unknown_state(&self, id: u32) -> State {
        let ours = (id % 2 == 1) == (self.side == Side::Client);
        let highest = if ours {
            self.next_local.saturating_sub(2)
        } else {
            self.last_remote
        };
        if id > highest {
            State::Idle
        } else {
            State::Closed
        }
    }

    fn on_data(&mut self, d: Data) -> ConnResult {
        // §6.9.1: DATA counts against the connection window whatever the stream's
        // state, and the sender "MUST NOT send a flow-controlled frame with a length
        // that exceeds the space available".
        let len = i64::from(d.flow_len);
        // A frame of no length exceeds no window, even one a smaller SETTINGS took
        // below zero: §6.9.1 lets an empty END_STREAM frame go "if there is no
        // available space in either flow-control window".
        if len > 0 && len > self.recv_window {
            return Err(h2_error(Http2Error::FlowControl));
        }
        self.recv_window -= len;
        if !self.streams.contains_key(&d.stream) {
            self.release_connection(d.flow_len);
            if self.unknown_state(d.stream) == State::Idle {
                // §6.1: DATA on an idle stream is a connection error PROTOCOL_ERROR.
                return Err(h2_error(Http2Error::IdleStream(kind::DATA)));
            }
            // §5.1: after this side sent RST_STREAM, frames in flight are ignored.
            // §6.1: "If a DATA frame is received whose stream is not in the "open" or
            // "half-closed (local)" state, the recipient MUST respond with a stream
            // error of type STREAM_CLOSED."
            if self.closed.get(d.stream) != Some(true) {
                self.stream_error(d.stream, Http2Error::StreamClosed);
            }
            return Ok(());
        }
        let window = self.config.h2_initial_window_size;
        let manual = self.config.h2_manual_flow_control;
        let s = self.streams.get_mut(&d.stream).expect("checked above");
        let verdict = if !s.state.can_recv() || !s.recv_final {
            // §5.1: after this side sent RST_STREAM, frames in flight are ignored.
            // §6.1: "If a DATA frame is received whose stream is not in the "open" or
            // "half-closed (local)" state, the recipient MUST respond with a stream
            // error of type STREAM_CLOSED." DATA before the head is malformed (§8.1).
            Err((!s.reset_locally).then_some(if s.recv_final {
                Http2Error::StreamClosed
            } else {
                Http2Error::UnexpectedHeaders
            }))
        } else if len > 0 && len > s.recv_window {
            Err(Some(Http2Error::FlowControl))
        } else {
            s.recv_window -= len;
            s.recv_seen += d.data.len() as u64;
            // §8.1.1: a Content-Length that the DATA exceeds, or does not reach by the
            // end, makes the message malformed.
            let expected = s.recv_length;
            if expected.is_some_and(|n| s.recv_seen > n || (d.end_stream && s.recv_seen != n)) {
                Err(Some(Http2Error::ContentLength))
            } else {
                if d.end_stream {
                    s.set_state(
                        d.stream,
                        s.state.on(Transition::RecvEnd).unwrap_or(State::Closed),
                        &mut self.active,
                    );
                }
                // Automatic release: the bytes are the application's with the event.
                // Manual: the application releases the data it consumed; padding it
                // never sees, so it is released here. RFC 9113 §6.1: "The entire DATA
                // frame payload is included in flow control, including the Pad Length
                // and Padding fields if present."
                let held = if manual { d.data.len() as u32 } else { 0 };
                s.held += held;
                s.unreleased += d.flow_len - held;
                Ok((
                    held,
                    stream_release(s, window).filter(|_| s.state.can_recv()),
                ))
            }
        };
        let held = verdict.as_ref().map_or(0, |(held, _)| *held);
        self.release_connection(d.flow_len - held);
        let release = match verdict {
            Ok((_, release)) => release,
            Err(None) => return Ok(()),
            Err(Some(e)) => {
                self.stream_error(d.stream, e);
                return Ok(());
            }
        };
        self.events.push_back(Event::Data {
            stream: StreamId(d.stream),
            data: d.data,
            end_stream: d.end_stream,
        });
        if let Some(n) = release {
            self.write_window_update(d.stream, n);
        }
        self.after_state_change(d.stream);
        Ok(())
    }

    /// Gives `n` bytes back to the connection window once half of it is used.
    fn release_connection(&mut self, n: u32) {
        self.unreleased = self.unreleased.saturating_add(n);
        let target = i64::from(
            self.config
                .h2_connection_window_size
                .max(DEFAULT_WINDOW as u32),
        );
        if i64::from(self.unreleased) >= target / 2 {
            let inc = self.unreleased;
            self.unreleased = 0;
            self.recv_window += i64::from(inc);
            self.write_window_update(0, inc);
        }
    }

    fn on_headers(&mut self, h: Headers) -> ConnResult {
        if h.end_headers {
            return self.on_block(h.stream, h.fragment, h.end_stream, None);
        }
        self.partial = Some(Partial {
            stream: h.stream,
            block: BytesMut::from(&h.fragment[..]),
            end_stream: h.end_stream,
            promised: None,
        });
        self.check_partial_size()
    }

    fn on_continuation(&mut self, c: Continuation) -> ConnResult {
        let Some(p) = self.partial.as_mut() else {
            // §6.10: a CONTINUATION that does not follow HEADERS, PUSH_PROMISE or
            // CONTINUATION without END_HEADERS is a connection error PROTOCOL_ERROR.
            return Err(h2_error(Http2Error::UnexpectedContinuation));
        };
        p.block.extend_from_slice(&c.fragment);
        if !c.end_headers {
            return self.check_partial_size();
        }
        let p = self.partial.take().expect("checked above");
        self.on_block(p.stream, p.block.freeze(), p.end_stream, p.promised)
    }

    /// A field block larger than the header list we accept cannot be worth finishing:
    /// the CONTINUATION flood defence.
    fn check_partial_size(&self) -> ConnResult {
        let limit = self.config.max_head_bytes.saturating_mul(2).max(1 << 14);
        match &self.partial {
            // A block this far over the limit is not a large request but a flood: its
            // fields could only be refused, and decoding them costs as much as keeping
            // them, so the connection ends (§10.5).
            Some(p) if p.block.len() > limit => {
                Err(Error::new(ErrorKind::Limit(crate::Limit::FieldBlock)))
            }
            _ => Ok(()),
        }
    }

    /// A complete field block: HEADERS (a head or trailers), or a PUSH_PROMISE if
    /// `promised` is set.
    fn on_block(
        &mut self,
        id: u32,
        block: Bytes,
        end_stream: bool,
        promised: Option<u32>,
    ) -> ConnResult {
        // §4.3: every block is decoded, whatever becomes of its stream, or the
        // compression contexts diverge.
        let decoded = self
            .decoder
            .decode_checked(&block, self.config.max_head_bytes);
        let fields = match decoded {
            Ok(f) => Some(f),
            Err(e) if e.is_connection_error() => return Err(h2_error(Http2Error::Compression)),
            Err(_) => None,
        };
        if let Some(promised) = promised {
            return self.on_promise_block(id, promised, fields);
        }
        if self.streams.contains_key(&id) {
            return self.on_block_for_known(id, fields, end_stream);
        }
        if self.unknown_state(id) != State::Idle {
            return match self.closed.get(id) {
                // §5.1: a HEADERS frame on a closed stream, ignored after this side's
                // RST_STREAM.
                Some(true) => Ok(()),
                Some(false) => Err(h2_error(Http2Error::StreamClosed)),
                // §5.1.1: "An endpoint that receives an unexpected stream identifier
                // MUST respond with a connection error of type PROTOCOL_ERROR": a
                // lower id than one already used, and closed too long ago to tell.
                None => Err(h2_error(Http2Error::StreamId)),
            };
        }
        // §5.1.1: streams the peer opens have its parity and grow.
        let theirs = (id % 2 == 1) == (self.side == Side::Server);
        if !theirs || self.side == Side::Client {
            return Err(h2_error(Http2Error::StreamId));
        }
        self.last_remote = id;
        let updated = self.take_pending_priority(id);
        if self.goaway_sent {
            // §6.8: streams above the last id in our GOAWAY are ignored.
            return Ok(());
        }
        let active = self.active_odd();
        // §5.1.2: over our limit, the stream is refused (and is safe to retry).
        if active >= self.config.h2_max_concurrent_streams as usize {
            self.refuse(id, Reason::REFUSED_STREAM);
            return Ok(());
        }
        let Some((fields, checked)) = fields else {
            self.refuse(id, Reason::PROTOCOL_ERROR);
            return Ok(());
        };
        let fields::RequestBlock {
            req,
            length,
            priority,
        } = match fields::parse_request(fields, checked) {
            Ok(r) => r,
            // A reset the peer's error forces on this side: it spends the reset budget
            // like any other, or malformed requests would be a MadeYouReset flood
            // that nothing stops.
            Err(e) => {
                self.refuse(id, e.reason());
                return Ok(());
            }
        };
        // RFC 8441 §4: :protocol only once we offered extended CONNECT.
        if req.protocol.is_some() && !self.config.h2_enable_connect_protocol {
            self.refuse(id, Reason::PROTOCOL_ERROR);
            return Ok(());
        }
        let mut s = self.new_stream(Transition::RecvHeaders { end_stream });
        s.recv_final = true;
        s.surfaced = true;
        s.connect = req.is_method("CONNECT");
        s.head_request = req.is_method("HEAD");
        // A CONNECT has no content (RFC 9110 §9.3.6): its DATA is the tunnel's, which
        // no Content-Length measures (RFC 9113 §8.1.1), as HTTP/1.1 ignores it too.
        let length = length.filter(|_| !s.connect);
        s.recv_length = length;
        // RFC 9218 §7: "the most recently received PRIORITY_UPDATE frame can be
        // considered as the most up-to-date information that overrides any other
        // signal".
        s.priority = updated.unwrap_or(priority);
        if end_stream && length.is_some_and(|l| l != 0) {
            self.refuse(id, Reason::PROTOCOL_ERROR);
            return Ok(());
        }
        self.insert_stream(id, s);
        self.events.push_back(Event::Headers {
            stream: StreamId(id),
            head: Head::Request(req),
            end_stream,
        });
        Ok(())
    }

    /// A field block on a stream this side knows: a response (client), 1xx, or trailers.
    fn on_block_for_known(
        &mut self,
        id: u32,
        fields: Option<(Fields, u64)>,
        end_stream: bool,
    ) -> ConnResult {
        let s = self.streams.get_mut(&id).expect("caller checked");
        let recv_ok = s.state.can_recv() || s.state == State::ReservedRemote;
        if !recv_ok {
            if s.reset_locally {
                return Ok(());
            }
            // §5.1: a HEADERS frame on a half-closed (remote) or closed stream.
            if s.state == State::Closed {
                return Err(h2_error(Http2Error::StreamClosed));
            }
            self.stream_error(id, Http2Error::StreamClosed);
            return Ok(());
        }
        let Some((fields, checked)) = fields else {
            self.stream_error(id, Http2Error::Compression);
            return Ok(());
        };
        if s.recv_final {
            // §8.5: "Frame types other than DATA or stream management frames ... MUST
            // NOT be sent on a connected stream and MUST be treated as a stream error
            // ... if received". A client's CONNECT has only its request HEADERS; the
            // server's, only its 2xx.
            let connected = s.tunnel || (self.side == Side::Server && s.connect);
            // §8.1: trailers end the stream; a block without END_STREAM after the
            // final head is malformed.
            if !end_stream || connected {
                self.stream_error(id, Http2Error::UnexpectedHeaders);
                return Ok(());
            }
            if let Err(e) = fields::check_trailers(&fields, checked) {
                self.stream_error(id, e);
                return Ok(());
            }
            if s.recv_length.is_some_and(|l| l != s.recv_seen) {
                self.stream_error(id, Http2Error::ContentLength);
                return Ok(());
            }
            s.set_state(
                id,
                s.state.on(Transition::RecvEnd).unwrap_or(State::Closed),
                &mut self.active,
            );
            self.events.push_back(Event::Trailers {
                stream: StreamId(id),
                fields,
            });
            self.after_state_change(id);
            return Ok(());
        }
        if self.side == Side::Server {
            // A server's streams only get a head from the peer once.
            self.stream_error(id, Http2Error::UnexpectedHeaders);
            return Ok(());
        }
        // §5.1.2: "An endpoint that receives a HEADERS frame that causes its advertised
        // concurrent stream limit to be exceeded MUST treat this as a stream error ...
        // of type PROTOCOL_ERROR or REFUSED_STREAM": a pushed response starting beyond
        // ours.
        let pushed = self
            .streams
            .get(&id)
            .is_some_and(|s| s.state == State::ReservedRemote);
        if pushed && self.active_even() >= self.config.h2_max_concurrent_streams as usize {
            self.stream_error(id, Http2Error::ConcurrentStreams);
            return Ok(());
        }
        let (res, length) = match fields::parse_response(fields, checked) {
            Ok(r) => r,
            Err(e) => {
                self.stream_error(id, e);
                return Ok(());
            }
        };
        let informational = res.is_informational();
        // §8.1: an informational head with END_STREAM is malformed.
        if informational && end_stream {
            self.stream_error(id, Http2Error::UnexpectedHeaders);
            return Ok(());
        }
        let s = self.streams.get_mut(&id).expect("still there");
        let Some(next) = s.state.on(Transition::RecvHeaders { end_stream }) else {
            self.stream_error(id, Http2Error::StreamClosed);
            return Ok(());
        };
        s.set_state(id, next, &mut self.active);
        s.surfaced = true;
        let tunnel = s.connect && (200..300).contains(&res.status);
        s.tunnel = tunnel;
        if !informational {
            s.recv_final = true;
            // RFC 9110 §6.4.1: a response to HEAD, a 204 and a 304 have no content,
            // whatever Content-Length says (RFC 9113 §8.1.1): DATA with any is
            // malformed.
            let no_content = s.head_request || matches!(res.status, 204 | 304);
            s.recv_length = if tunnel {
                None
            } else if no_content {
                Some(0)
            } else {
                length
            };
        }
        self.events.push_back(Event::Headers {
            stream: StreamId(id),
            head: Head::Response(res),
            end_stream,
        });
        if tunnel {
            self.events.push_back(Event::Tunnel {
                stream: StreamId(id),
            });
        }
        self.after_state_change(id);
        Ok(())
    }

    fn on_push_promise(&mut self, p: PushPromise) -> ConnResult {
        // §8.4: "A client cannot push"; a server that receives PUSH_PROMISE, or a
        // client that disabled push, treats it as a connection error PROTOCOL_ERROR.
        if self.side == Side::Server || !self.config.h2_enable_push {
            return Err(h2_error(Http2Error::Push));
        }
        // §5.1.1: the promised id is a new, even stream id.
        if p.promised % 2 != 0 || p.promised <= self.last_remote {
            return Err(h2_error(Http2Error::StreamId));
        }
        if p.end_headers {
            return self.on_block(p.stream, p.fragment, false, Some(p.promised));
        }
        self.partial = Some(Partial {
            stream: p.stream,
            block: BytesMut::from(&p.fragment[..]),
            end_stream: false,
            promised: Some(p.promised),
        });
        self.check_partial_size()
    }

    fn on_promise_block(
        &mut self,
        id: u32,
        promised: u32,
        fields: Option<(Fields, u64)>,
    ) -> ConnResult {
        self.last_remote = promised;
        // §8.4: the associated stream must be open or half-closed (local) and ours.
        let associated_ok = self
            .streams
            .get(&id)
            .is_some_and(|s| s.state.can_recv() && id % 2 == 1);
        if !associated_ok {
            return Err(h2_error(Http2Error::Push));
        }
        let request = fields.map(|(f, checked)| fields::parse_request(f, checked));
        let mut s = self.new_stream(Transition::RecvPushPromise);
        // §8.4: "Promised requests MUST be safe ... and cacheable"; a client treats
        // any other as a stream error PROTOCOL_ERROR on the promised stream.
        let request = request.map(|r| {
            r.and_then(|block| {
                if block.req.is_method("GET") || block.req.is_method("HEAD") {
                    Ok(block.req)
                } else {
                    Err(Http2Error::Push)
                }
            })
        });
        match request {
            Some(Ok(request)) => {
                s.surfaced = true;
                s.head_request = request.is_method("HEAD");
                self.insert_stream(promised, s);
                self.events.push_back(Event::Push {
                    stream: StreamId(id),
                    promised: StreamId(promised),
                    request,
                });
            }
            // §8.4: a malformed promised request is a stream error on the promised
            // stream.
            _ => {
                self.insert_stream(promised, s);
                self.stream_error(promised, Http2Error::PseudoHeader);
            }
        }
        Ok(())
    }

    fn on_rst_stream(&mut self, r: RstStream) -> ConnResult {
        let Some(s) = self.streams.get_mut(&r.stream) else {
            // §6.4: RST_STREAM on an idle stream is a connection error PROTOCOL_ERROR.
            if self.unknown_state(r.stream) == State::Idle {
                return Err(h2_error(Http2Error::IdleStream(kind::RST_STREAM)));
            }
            return Ok(());
        };
        let Some(next) = s.state.on(Transition::RecvReset) else {
            return Ok(());
        };
        let counted = s.state.is_active();
        s.set_state(r.stream, next, &mut self.active);
        s.drop_queue(&mut self.queued);
        if s.surfaced {
            self.events.push_back(Event::StreamReset {
                stream: StreamId(r.stream),
                code: r.code,
                initiator: Initiator::Remote,
            });
        }
        self.after_state_change(r.stream);
        if counted {
            self.spend_reset()?;
        }
        Ok(())
    }

    fn on_settings(&mut self, s: Settings) -> ConnResult {
        if s.ack {
            // An ACK we did not ask for changes nothing.
            if let Some((_, table)) = self.unacked_settings.pop_front() {
                self.decoder.set_max_table_size(table as usize);
                self.apply_local_initial_window();
            }
            return Ok(());
        }
        self.apply_settings(&s.params)?;
        Frame::Settings(Settings {
            ack: true,
            params: Vec::new(),
        })
        .encode(&mut self.tx);
        self.owed_control += 1;
        Ok(())
    }

    /// Our SETTINGS_INITIAL_WINDOW_SIZE is in force once acknowledged: every stream's
    /// window changes by the difference (§6.9.2), as the peer's view of it did when it
    /// read the setting; it may go below zero.
    fn apply_local_initial_window(&mut self) {
        let new = self.config.h2_initial_window_size;
        let delta = i64::from(new) - i64::from(self.local_initial_window);
        if delta != 0 {
            for s in self.streams.values_mut() {
                s.recv_window += delta;
            }
            self.local_initial_window = new;
        }
    }

    /// Puts the peer's settings in force (§6.5.3: "The values in the SETTINGS frame
    /// MUST be processed in the order they appear").
    fn apply_settings(&mut self, params: &[Setting]) -> ConnResult {
        // The highest and the last INITIAL_WINDOW_SIZE of the frame.
        let mut initial: Option<(u32, u32)> = None;
        for p in params {
            match p.id {
                Setting::HEADER_TABLE_SIZE => self.encoder.set_max_table_size(p.value as usize),
                Setting::ENABLE_PUSH => {
                    // §6.5.2: a server MUST NOT send ENABLE_PUSH = 1... "A client MUST
                    // treat receipt of a SETTINGS frame with SETTINGS_ENABLE_PUSH set to
                    // 1 as a connection error of type PROTOCOL_ERROR."
                    if self.side == Side::Client && p.value == 1 {
                        return Err(h2_error(Http2Error::SettingValue(p.id)));
                    }
                    self.remote.enable_push = p.value == 1;
                }
                Setting::MAX_CONCURRENT_STREAMS => self.remote.max_concurrent_streams = p.value,
                Setting::INITIAL_WINDOW_SIZE => {
                    // Applied once per frame, below: a frame that repeats it thousands
                    // of times must not walk every stream each time.
                    initial = Some(
                        initial
                            .map_or((p.value, p.value), |(high, _)| (p.value.max(high), p.value)),
                    );
                }
                Setting::MAX_FRAME_SIZE => self.remote.max_frame_size = p.value,
                Setting::ENABLE_CONNECT_PROTOCOL => {
                    self.remote.enable_connect_protocol = p.value == 1
                }
                Setting::NO_RFC7540_PRIORITIES => self.remote.no_rfc7540_priorities = p.value == 1,
                _ => {}
            }
        }
        if let Some((high, last)) = initial {
            // §6.9.2: a change applies to every stream's window, and one that overflows
            // is a connection error FLOW_CONTROL_ERROR. The values apply in order, so
            // some value overflowed exactly when the highest one does.
            let old = i64::from(self.remote.initial_window_size);
            let (high, last) = (i64::from(high) - old, i64::from(last) - old);
            for id in self.stream_ids() {
                let s = self.streams.get_mut(&id).expect("listed");
                if s.send_window + high > MAX_WINDOW {
                    return Err(h2_error(Http2Error::WindowOverflow));
                }
                s.send_window += last;
                enqueue(&mut self.schedule, id, s);
            }
            self.remote.initial_window_size = (old + last) as u32;
        }
        Ok(())
    }

    fn on_ping(&mut self, p: Ping) -> ConnResult {
        if p.ack {
            if self
                .draining
                .is_some_and(|(payload, _)| payload == p.payload)
            {
                self.finish_draining();
                return Ok(());
            }
            if let Some(i) = self
                .pings
                .iter()
                .position(|(payload, _)| *payload == p.payload)
            {
                let (payload, sent) = self.pings.remove(i).expect("found");
                self.events.push_back(Event::Pong {
                    payload,
                    rtt: self.now.saturating_duration_since(sent),
                });
            }
            return Ok(());
        }
        // §6.7: "Receivers of a PING frame that does not include an ACK flag MUST send
        // a PING frame with the ACK flag set in response, with an identical frame
        // payload."
        Frame::Ping(Ping {
            ack: true,
            payload: p.payload,
        })
        .encode(&mut self.tx);
        self.owed_control += 1;
        Ok(())
    }

    fn on_goaway(&mut self, g: GoAway) -> ConnResult {
        let last = g.last_stream;
        self.goaway_received = Some(last.min(self.goaway_received.unwrap_or(u32::MAX)));
        // The news first, then what it means for our streams, then (maybe) the end.
        self.events.push_back(Event::GoAway {
            last_stream: StreamId(last),
            code: g.code,
            debug: g.debug,
        });
        // §6.8: our streams above `last` were not processed: retryable.
        let mut refused: Vec<u32> = self
            .streams
            .iter()
            .filter(|(id, s)| {
                **id > last
                    && (**id % 2 == 1) == (self.side == Side::Client)
                    && s.state != State::Closed
            })
            .map(|(id, _)| *id)
            .collect();
        // In identifier order, so that the events are in a stable order.
        refused.sort_unstable();
        for id in refused {
            if let Some(s) = self.streams.get_mut(&id) {
                s.set_state(id, State::Closed, &mut self.active);
                s.drop_queue(&mut self.queued);
                self.events.push_back(Event::StreamReset {
                    stream: StreamId(id),
                    code: Reason::REFUSED_STREAM,
                    initiator: Initiator::Remote,
                });
            }
            self.remember_if_closed(id);
        }
        // Whatever the code, streams up to `last` may still complete (§6.8); the
        // connection ends once they have. Unknown codes mean nothing special (§7).
        self.close_if_done();
        Ok(())
    }

    fn on_window_update(&mut self, w: WindowUpdate) -> ConnResult {
        let inc = i64::from(w.increment);
        if w.stream == 0 {
            self.send_window += inc;
            // §6.9.1: "If a sender receives a WINDOW_UPDATE that causes a flow-control
            // window to exceed this maximum, it MUST terminate either the stream or the
            // connection, as appropriate."
            if self.send_window > MAX_WINDOW {
                return Err(h2_error(Http2Error::WindowOverflow));
            }
            return Ok(());
        }
        let Some(s) = self.streams.get_mut(&w.stream) else {
            // §6.9: WINDOW_UPDATE on an idle stream is a connection error; on a closed
            // one it is ignored.
            if self.unknown_state(w.stream) == State::Idle {
                return Err(h2_error(Http2Error::IdleStream(kind::WINDOW_UPDATE)));
            }
            return Ok(());
        };
        if s.state == State::Closed {
            return Ok(());
        }
        s.send_window += inc;
        if s.send_window > MAX_WINDOW {
            self.stream_error(w.stream, Http2Error::WindowOverflow);
        } else {
            enqueue(&mut self.schedule, w.stream, s);
        }
        Ok(())
    }

    /// PRIORITY_UPDATE (RFC 9218 §7.1): the client's new view of a response's
    /// priority, before or after its request arrives.
    fn on_priority_update(&mut self, u: PriorityUpdate) -> ConnResult {
        // "Servers MUST NOT send PRIORITY_UPDATE frames. If a client receives a
        // PRIORITY_UPDATE frame, it MUST respond with a connection error of type
        // PROTOCOL_ERROR."
        if self.side == Side::Client {
            return Err(h2_error(Http2Error::PriorityUpdate));
        }
        let id = u.prioritized;
        // §7: "Failure to parse the Priority Field Value MAY be treated as a connection
        // error"; a hint that says nothing is ignored instead.
        let parsed = Priority::parse(&u.value);
        if let Some(s) = self.streams.get(&id) {
            // "Servers can discard frames where the prioritized stream ID refers to a
            // stream in the ... "closed" state"; elsewhere it costs nothing to apply.
            if let (Some(p), false) = (parsed, s.state == State::Closed) {
                self.reprioritize(id, p);
            }
            return Ok(());
        }
        if self.unknown_state(id) != State::Idle {
            return Ok(());
        }
        // "Servers that receive a PRIORITY_UPDATE for a push stream in the "idle" state
        // MUST respond with a connection error of type PROTOCOL_ERROR."
        if id % 2 == 0 {
            return Err(h2_error(Http2Error::PriorityUpdate));
        }
        let Some(p) = parsed else {
            return Ok(());
        };
        let known = self.pending_priorities.iter().any(|(i, _)| *i == id);
        // "The number of streams that have been prioritized but remain in the "idle"
        // state plus the number of active streams ... MUST NOT exceed the value of the
        // SETTINGS_MAX_CONCURRENT_STREAMS parameter. Servers that receive such a
        // PRIORITY_UPDATE MUST respond with a connection error of type PROTOCOL_ERROR."
        // Judged once the client has acknowledged our SETTINGS: until then it may not
        // know the limit.
        if !known && self.unacked_settings.is_empty() {
            let active = self.active_odd();
            let limit = self.config.h2_max_concurrent_streams as usize;
            if active + self.pending_priorities.len() >= limit {
                return Err(h2_error(Http2Error::PriorityUpdate));
            }
        }
        // §7: "Servers SHOULD buffer the most recently received PRIORITY_UPDATE frame
        // and apply it once the referenced stream is opened", within our own bound.
        if known {
            self.pending_priorities.retain(|(i, _)| *i != id);
        }
        self.pending_priorities.push_back((id, p));
        while self.pending_priorities.len() > self.config.h2_max_pending_priority_updates {
            self.pending_priorities.pop_front();
        }
        Ok(())
    }

    /// The priority a PRIORITY_UPDATE gave stream `id` before it opened. Streams below
    /// it can no longer open (RFC 9113 §5.1.1), so what they were given goes too.
    fn take_pending_priority(&mut self, id: u32) -> Option<Priority> {
        if self.pending_priorities.is_empty() {
            return None;
        }
        let found = self
            .pending_priorities
            .iter()
            .find(|(i, _)| *i == id)
            .map(|(_, p)| *p);
        self.pending_priorities.retain(|(i, _)| *i > id);
        found
    }

    // ----- errors and closing -------------------------------------------------------

    /// Spends one reset from the peer's budget (refilled with time); an empty budget is
    /// a flood (RFC 9113 §10.5: "An endpoint MAY treat activity that is suspicious as a
    /// connection error of type ENHANCE_YOUR_CALM").
    fn spend_reset(&mut self) -> ConnResult {
        let c = &self.config;
        if !self
            .resets
            .spend(c.h2_reset_budget, c.h2_reset_refill_per_second, self.now)
        {
            return Err(Error::new(ErrorKind::Limit(crate::Limit::Resets)));
        }
        Ok(())
    }

    /// Spends one frame that carries nothing from the peer's budget: floods of PING,
    /// SETTINGS, PRIORITY, unknown or empty frames cost CPU (and ACKs) out of
    /// proportion to their bytes (RFC 9113 §10.5, "a peer ... to expend resources").
    fn spend_idle_frame(&mut self) -> ConnResult {
        let c = &self.config;
        if !self.idle_frames.spend(
            c.h2_idle_frame_budget,
            c.h2_idle_frame_refill_per_second,
            self.now,
        ) {
            return Err(Error::new(ErrorKind::Limit(crate::Limit::IdleFrames)));
        }
        Ok(())
    }

    /// A stream error (§5.4.2): RST_STREAM with the code, and the application hears of
    /// it if it knew the stream.
    fn stream_error(&mut self, id: u32, e: Http2Error) {
        let code = e.reason();
        self.charge_reset();
        self.write_rst(id, code);
        match self.streams.get_mut(&id) {
            Some(s) => {
                let surfaced = s.surfaced && s.state != State::Closed;
                s.set_state(
                    id,
                    s.state.on(Transition::SendReset).unwrap_or(State::Closed),
                    &mut self.active,
                );
                s.reset_locally = true;
                s.drop_queue(&mut self.queued);
                if surfaced {
                    self.events.push_back(Event::StreamReset {
                        stream: StreamId(id),
                        code,
                        initiator: Initiator::Local,
                    });
                }
                self.after_state_change(id);
            }
            None => {
                // §5.1.1: a stream error on an idle stream a client may open (its
                // HEADERS was malformed) uses the identifier: a later HEADERS cannot
                // open it, and lands on the closed stream remembered here. (A client
                // has no such streams: only PUSH_PROMISE opens the server's.)
                if self.side == Side::Server && id % 2 == 1 && id > self.last_remote {
                    self.last_remote = id;
                }
                self.remember_closed(id, true)
            }
        }
    }

    /// Refuses a stream the peer opened (over the limit, malformed): RST_STREAM, and the
    /// stream is remembered as closed.
    fn refuse(&mut self, id: u32, code: Reason) {
        self.charge_reset();
        self.write_rst(id, code);
        self.remember_closed(id, true);
    }

    /// A reset the peer's behaviour forced on this side counts against its budget; the
    /// flood is reported once the frame at hand is handled.
    fn charge_reset(&mut self) {
        if let Err(e) = self.spend_reset() {
            self.flood.get_or_insert(e);
        }
    }

    /// Remembers a stream that closed without ever being opened here (refused or
    /// malformed), so late frames on it are ignored.
    fn remember_closed(&mut self, id: u32, reset: bool) {
        self.closed
            .push(id, reset, self.config.h2_max_closed_streams);
        self.close_if_done();
    }

    /// Bookkeeping after a stream may have closed: bounded memory of closed streams,
    /// and the end of a connection that is going away.
    fn after_state_change(&mut self, id: u32) {
        self.remember_if_closed(id);
        self.close_if_done();
    }

    /// Moves a stream that closed from the map to the bounded memory of closed
    /// streams. What the application still held of its body goes back to the
    /// connection window: the stream can no longer be released, and its window no
    /// longer matters.
    fn remember_if_closed(&mut self, id: u32) {
        // One lookup: this runs once per stream.
        let Entry::Occupied(entry) = self.streams.entry(id) else {
            return;
        };
        if entry.get().state == State::Closed {
            let mut s = entry.remove();
            s.drop_queue(&mut self.queued);
            self.release_connection(s.held);
            self.closed
                .push_new(id, s.reset_locally, self.config.h2_max_closed_streams);
        }
    }

    /// After a GOAWAY either way, the connection ends once no stream is active.
    fn close_if_done(&mut self) {
        if self.closing || !(self.goaway_sent || self.goaway_received.is_some()) {
            return;
        }
        let busy = self
            .streams
            .values()
            .any(|s| s.state.is_active() || !s.queue.is_empty());
        if !busy {
            self.close(None, Reason::NO_ERROR);
        }
    }

    /// A connection error (§5.4.1): GOAWAY with the code, then close.
    fn fail(&mut self, e: Error) {
        let code = e.reason();
        self.close(Some(e), code);
    }

    fn close(&mut self, error: Option<Error>, code: Reason) {
        if self.closing {
            return;
        }
        if !self.goaway_sent || error.is_some() {
            let debug = error
                .as_ref()
                .map(|e| Bytes::from(e.kind.to_string()))
                .unwrap_or_default();
            self.encode_goaway(self.last_remote, code, debug);
            self.goaway_sent = true;
        }
        self.closing = true;
        self.partial = None;
        for id in self.stream_ids() {
            let s = self.streams.get_mut(&id).expect("listed");
            if s.state != State::Closed && s.surfaced {
                self.events.push_back(Event::StreamReset {
                    stream: StreamId(id),
                    code: if error.is_some() {
                        code
                    } else {
                        Reason::CANCEL
                    },
                    initiator: Initiator::Local,
                });
            }
            s.set_state(id, State::Closed, &mut self.active);
            s.drop_queue(&mut self.queued);
        }
        self.events.push_back(Event::Closed { error });
    }

    // ----- commands -----------------------------------------------------------------

    fn check_open(&self) -> Result<(), Misuse> {
        if self.closing {
            return Err(Misuse::Closed);
        }
        Ok(())
    }

    pub(crate) fn send_request(
        &mut self,
        head: Request,
        end_stream: bool,
    ) -> Result<StreamId, Misuse> {
        self.check_open()?;
        if self.side != Side::Client {
            return Err(Misuse::WrongSide);
        }
        // RFC 9113 §8.5: a CONNECT stream carries the tunnel, so its HEADERS never end
        // it; `end_stream` means "no request body", as it does on HTTP/1.1.
        let end_stream = end_stream && !head.is_method("CONNECT");
        if self.goaway_received.is_some() || self.goaway_sent {
            return Err(Misuse::Closed);
        }
        let active = self.active_odd();
        if active >= self.remote.max_concurrent_streams as usize {
            return Err(Misuse::State(
                "the peer's SETTINGS_MAX_CONCURRENT_STREAMS is reached",
            ));
        }
        if self.next_local > MAX_WINDOW as u32 {
            return Err(Misuse::State("stream identifiers are exhausted"));
        }
        let info = check_request(&head)?;
        check_pseudo(&head)?;
        // A CONNECT carries a tunnel, not a body: its length means nothing (as on
        // HTTP/1.1).
        let length = if head.is_method("CONNECT") {
            None
        } else {
            sent_length(&info, end_stream)?
        };
        if head.protocol.is_some() && !self.remote.enable_connect_protocol {
            return Err(Misuse::Unsupported(
                "the server does not offer extended CONNECT",
            ));
        }
        let id = self.next_local;
        self.next_local += 2;
        let mut s = self.new_stream(Transition::SendHeaders { end_stream });
        s.sent_final = true;
        s.surfaced = true;
        s.connect = head.is_method("CONNECT");
        s.head_request = head.is_method("HEAD");
        s.send_length = length;
        // RFC 9218 §9: "A client MAY use priority values to make local processing or
        // scheduling choices about the requests it initiates": its body is sent in
        // the order of the priority it asks for.
        s.priority = Priority::from_fields(&head.fields);
        self.insert_stream(id, s);
        let fields = fields::request_fields(&head);
        self.write_block(id, fields, end_stream);
        Ok(StreamId(id))
    }

    pub(crate) fn send_response(
        &mut self,
        stream: StreamId,
        head: Response,
        end_stream: bool,
    ) -> Result<(), Misuse> {
        self.check_open()?;
        if self.side != Side::Server {
            return Err(Misuse::WrongSide);
        }
        let pushed_active = self.active_even();
        let s = open_stream(&mut self.streams, stream)?;
        if s.sent_final || !(s.state.can_send() || s.state == State::ReservedLocal) {
            return Err(Misuse::State("the response head was already sent"));
        }
        // RFC 9113 §5.1.2: "Endpoints MUST NOT exceed the limit set by their peer." A
        // pushed stream becomes active with its first response HEADERS (§8.4), an
        // informational one too: it waits for a pushed response to end.
        if s.state == State::ReservedLocal
            && pushed_active >= self.remote.max_concurrent_streams as usize
        {
            return Err(Misuse::State(
                "the peer's SETTINGS_MAX_CONCURRENT_STREAMS is reached",
            ));
        }
        // RFC 9113 §8.6: HTTP/2 has no 101; upgrades happen with extended CONNECT.
        if head.status == 101 || !(100..=999).contains(&head.status) {
            return Err(Misuse::InvalidHead("status 101 or not three digits"));
        }
        let informational = head.is_informational();
        // A 2xx to CONNECT opens the tunnel (§8.5): the stream stays open for it. A
        // 204 or 304 has no content (RFC 9110 §6.4.1): its head ends the stream, as on
        // HTTP/1.1, so that the application cannot write a body the client must refuse.
        let tunnel = s.connect && (200..300).contains(&head.status);
        let end_stream = (end_stream || matches!(head.status, 204 | 304)) && !tunnel;
        if informational && end_stream {
            return Err(Misuse::InvalidHead("an informational response has no body"));
        }
        let info = check_fields(&head.fields)?;
        // A response without content (informational, to HEAD, a 204 or 304, whose
        // Content-Length may describe what a GET would get) or that opens a tunnel has
        // no body to hold to a length.
        let no_content =
            informational || tunnel || s.head_request || matches!(head.status, 204 | 304);
        let length = if no_content {
            None
        } else {
            sent_length(&info, end_stream)?
        };
        let Some(next) = s.state.on(Transition::SendHeaders { end_stream }) else {
            return Err(Misuse::State("the stream cannot send"));
        };
        s.set_state(stream.0, next, &mut self.active);
        if !informational {
            s.sent_final = true;
            s.send_length = length;
        }
        s.tunnel = tunnel;
        let digits = status_digits(head.status);
        let fields = fields::response_fields(&head, &digits);
        self.write_block(stream.0, fields, end_stream);
        if tunnel {
            self.events.push_back(Event::Tunnel { stream });
        }
        self.after_state_change(stream.0);
        Ok(())
    }

    pub(crate) fn send_data(
        &mut self,
        stream: StreamId,
        data: Bytes,
        end_stream: bool,
    ) -> Result<(), Misuse> {
        self.check_open()?;
        let (per_stream, per_connection) = self.send_bounds();
        let total = self.queued;
        let server = self.side == Side::Server;
        let s = self.stream_mut(stream)?;
        if !s.takes_data() {
            return Err(Misuse::State("no body can be sent on this stream now"));
        }
        // The response to HEAD has no content: what the application writes for it is
        // dropped, as HTTP/1.1 drops it, and only the end goes out.
        if s.head_request && server {
            if end_stream {
                s.queue.push_back(Queued::Data {
                    data: Bytes::new(),
                    end_stream,
                });
                self.wake(stream.0);
            }
            return Ok(());
        }
        if let Some(left) = s.send_length {
            let n = data.len() as u64;
            if n > left || (end_stream && n != left) {
                return Err(Misuse::ContentLength);
            }
        }
        // An empty end carries nothing to buffer: it is always taken, as trailers are.
        let bytes = !(data.is_empty() && end_stream);
        if bytes && (room(per_stream, s.queued) == 0 || room(per_connection, total) == 0) {
            self.waiting.add(stream);
            return Err(Misuse::BufferFull);
        }
        // A write of nothing that ends nothing is taken and sends nothing, as on
        // HTTP/1.1: an empty DATA frame would only spend the peer's budget of frames
        // that carry nothing, and exceed a window that went below zero.
        if data.is_empty() && !end_stream {
            return Ok(());
        }
        let len = data.len();
        if let Some(left) = &mut s.send_length {
            *left -= len as u64;
        }
        s.queued += len;
        s.queue.push_back(Queued::Data { data, end_stream });
        let full = room(per_stream, s.queued) == 0;
        self.queued += len;
        if !end_stream && (full || room(per_connection, self.queued) == 0) {
            self.waiting.add(stream);
        }
        self.wake(stream.0);
        Ok(())
    }

    /// How many body bytes `stream` may queue now (see `send_buffer`): 0 when a write
    /// would be refused, whatever its size.
    pub(crate) fn send_capacity(&self, stream: StreamId) -> usize {
        let (per_stream, per_connection) = self.send_bounds();
        match self.streams.get(&stream.0) {
            Some(s) if !self.closing && s.takes_data() => {
                room(per_stream, s.queued).min(room(per_connection, self.queued))
            }
            _ => 0,
        }
    }

    fn send_bounds(&self) -> (usize, usize) {
        let c = &self.config;
        (c.send_buffer_per_stream, c.send_buffer_per_connection)
    }

    /// Gives back `n` bytes of `stream`'s received body (manual flow control): to the
    /// stream's and the connection's windows, with WINDOW_UPDATE once half a window is
    /// owed, as automatic release does.
    pub(crate) fn release_capacity(&mut self, stream: StreamId, n: usize) -> Result<(), Misuse> {
        self.check_open()?;
        if !self.config.h2_manual_flow_control {
            // The connection released the bytes as it delivered them.
            return Ok(());
        }
        let window = self.config.h2_initial_window_size;
        let Some(s) = self.streams.get_mut(&stream.0) else {
            // A stream that closed and was forgotten gave its bytes back as it closed.
            return match self.unknown_state(stream.0) {
                State::Idle => Err(Misuse::UnknownStream(stream)),
                _ => Ok(()),
            };
        };
        if s.state == State::Closed {
            return Ok(());
        }
        let n = u32::try_from(n)
            .ok()
            .filter(|&n| n <= s.held)
            .ok_or(Misuse::State("more than was received and not released"))?;
        s.held -= n;
        s.unreleased += n;
        let update = stream_release(s, window).filter(|_| s.state.can_recv());
        if let Some(inc) = update {
            self.write_window_update(stream.0, inc);
        }
        self.release_connection(n);
        Ok(())
    }

    /// Tells the streams that waited for room and now have it (see `send_buffer`).
    fn wake_writable(&mut self) {
        // Checked on every poll: nearly always, no stream waits.
        if self.waiting.is_empty() {
            return;
        }
        let (per_stream, per_connection) = self.send_bounds();
        let mut waiting = std::mem::take(&mut self.waiting);
        let ready = waiting.ready(|id| {
            let takes = self.streams.get(&id.0).is_some_and(Stream::takes_data);
            takes.then(|| woken(per_stream, per_connection, self.send_capacity(id)))
        });
        self.waiting = waiting;
        for stream in ready {
            self.events.push_back(Event::Writable { stream });
        }
    }

    pub(crate) fn send_trailers(&mut self, stream: StreamId, fields: Fields) -> Result<(), Misuse> {
        self.check_open()?;
        check_fields(&fields)?;
        let server = self.side == Side::Server;
        let s = self.stream_mut(stream)?;
        if !s.takes_data() {
            return Err(Misuse::State("no trailers can be sent on this stream now"));
        }
        // Trailers end the body: one shorter than its Content-Length is refused.
        if s.send_length.is_some_and(|left| left != 0) && !(s.head_request && server) {
            return Err(Misuse::ContentLength);
        }
        // A response to HEAD carries no trailers either (as on HTTP/1.1): only the end.
        // Nor does a CONNECT stream (§8.5): a connected stream carries DATA only, and a
        // client's CONNECT sends no HEADERS after its request; as on an HTTP/1.1
        // tunnel, they end the sending side.
        let dropped = (s.head_request && server) || s.tunnel || (s.connect && !server);
        let end = if dropped {
            Queued::Data {
                data: Bytes::new(),
                end_stream: true,
            }
        } else {
            Queued::Trailers(fields)
        };
        s.queue.push_back(end);
        self.wake(stream.0);
        Ok(())
    }

    pub(crate) fn accept_body(&mut self, stream: StreamId) -> Result<(), Misuse> {
        // HTTP/2 has no 100-continue handshake to drive: flow control paces the body.
        self.stream_mut(stream).map(|_| ())
    }

    pub(crate) fn reset_stream(&mut self, stream: StreamId, code: Reason) -> Result<(), Misuse> {
        self.check_open()?;
        let server = self.side == Side::Server;
        let s = self
            .streams
            .get_mut(&stream.0)
            .filter(|s| s.state != State::Closed && s.state.on(Transition::SendReset).is_some())
            .ok_or(Misuse::UnknownStream(stream))?;
        // §8.1: "a server MAY request that the client abort transmission of a request
        // without error by sending a RST_STREAM with an error code of NO_ERROR after
        // sending a complete response (i.e., a frame with the END_STREAM flag set)": a
        // complete response still queued goes out first, the reset right behind it.
        // §8.5: on a CONNECT stream "the END_STREAM flag on a DATA frame is treated as
        // being equivalent to the TCP FIN bit": a tunnel whose side was ended keeps its
        // last bytes and that FIN ahead of the reset, as a closed socket sends them.
        if ends_queue(s) && ((server && code == Reason::NO_ERROR) || s.connect) {
            s.reset_after_end = Some(code);
            return Ok(());
        }
        self.reset_now(stream, code);
        Ok(())
    }

    /// Resets a stream that can be reset: RST_STREAM, what it queued dropped, and the
    /// event.
    fn reset_now(&mut self, stream: StreamId, code: Reason) {
        let Some(s) = self.streams.get_mut(&stream.0) else {
            return;
        };
        let Some(next) = s.state.on(Transition::SendReset) else {
            return;
        };
        s.set_state(stream.0, next, &mut self.active);
        s.reset_locally = true;
        s.drop_queue(&mut self.queued);
        self.write_rst(stream.0, code);
        self.events.push_back(Event::StreamReset {
            stream,
            code,
            initiator: Initiator::Local,
        });
        self.after_state_change(stream.0);
    }

    /// Promises a response to `request` on `stream`'s behalf (server push, RFC 9113
    /// §8.4); returns the promised stream, on which the response is then sent.
    pub(crate) fn push(&mut self, stream: StreamId, request: Request) -> Result<StreamId, Misuse> {
        self.check_open()?;
        if self.side != Side::Server {
            return Err(Misuse::WrongSide);
        }
        // §8.4: "PUSH_PROMISE frames MUST only be sent on a peer-initiated stream that
        // is in either the "open" or "half-closed (remote)" state", and not once the
        // client said SETTINGS_ENABLE_PUSH = 0.
        if !self.remote.enable_push {
            return Err(Misuse::Unsupported("the client disabled push"));
        }
        if self.goaway_sent || self.draining.is_some() || self.goaway_received.is_some() {
            return Err(Misuse::Closed);
        }
        let s = self.stream_mut(stream)?;
        if !s.state.can_send() || stream.0 % 2 == 0 {
            return Err(Misuse::State("push needs an open client stream"));
        }
        // §8.4.1: promised requests are safe and carry no content.
        if !(request.is_method("GET") || request.is_method("HEAD")) {
            return Err(Misuse::InvalidHead("a pushed request must be GET or HEAD"));
        }
        check_request(&request)?;
        check_pseudo(&request)?;
        if self.next_local > MAX_WINDOW as u32 {
            return Err(Misuse::State("stream identifiers are exhausted"));
        }
        let promised = self.next_local;
        self.next_local += 2;
        let mut p = self.new_stream(Transition::SendPushPromise);
        p.surfaced = true;
        // The client never sends on a pushed stream: it is half-closed (remote) once
        // the response starts.
        p.recv_final = true;
        p.head_request = request.is_method("HEAD");
        self.insert_stream(promised, p);
        // The promised id takes 4 octets of the first frame.
        self.write_block_frames(
            stream.0,
            kind::PUSH_PROMISE,
            0,
            &promised.to_be_bytes(),
            fields::request_fields(&request),
        );
        Ok(StreamId(promised))
    }

    /// Sends a PING; its answer comes as `Event::Pong`.
    pub(crate) fn ping(&mut self, payload: [u8; 8]) -> Result<(), Misuse> {
        self.check_open()?;
        Frame::Ping(Ping {
            ack: false,
            payload,
        })
        .encode(&mut self.tx);
        self.pings.push_back((payload, self.now));
        Ok(())
    }

    /// Sends a frame of an extension type (§5.5: "Implementations MUST ignore unknown
    /// or unsupported values in all extensible protocol elements"; the application
    /// negotiates whatever the extension needs).
    pub(crate) fn send_extension_frame(
        &mut self,
        kind: u8,
        flags: u8,
        stream: StreamId,
        payload: Bytes,
    ) -> Result<(), Misuse> {
        self.check_open()?;
        if kind <= kind::CONTINUATION || kind == kind::PRIORITY_UPDATE {
            return Err(Misuse::Unsupported(
                "a frame type the protocol defines has its own command",
            ));
        }
        if payload.len() > self.remote.max_frame_size as usize || stream.0 > 0x7fff_ffff {
            return Err(Misuse::State(
                "over the peer's SETTINGS_MAX_FRAME_SIZE, or not a stream id",
            ));
        }
        Frame::Unknown(Unknown {
            kind,
            flags,
            stream: stream.0,
            payload,
        })
        .encode(&mut self.tx);
        Ok(())
    }

    /// Gives a stream a new priority (RFC 9218). It orders this side's DATA among the
    /// streams; a client also tells the server with PRIORITY_UPDATE (§7.1) while the
    /// response may still come, unless the server's SETTINGS did not offer
    /// SETTINGS_NO_RFC7540_PRIORITIES = 1 (§2.1.1: "if the client receives
    /// SETTINGS_NO_RFC7540_PRIORITIES with value of 0 or if the settings parameter was
    /// absent, it SHOULD stop sending PRIORITY_UPDATE frames").
    pub(crate) fn set_priority(
        &mut self,
        stream: StreamId,
        priority: Priority,
    ) -> Result<(), Misuse> {
        self.check_open()?;
        let state = self.stream_mut(stream)?.state;
        self.reprioritize(stream.0, priority);
        // §7.1: "clients SHOULD provide a prioritized stream ID that refers to a stream
        // in the "open", "half-closed (local)", or "idle" state", or for a push stream
        // "in the "reserved (remote)" or "half-closed (local)" state". A server never
        // sends it: "Servers MUST NOT send PRIORITY_UPDATE frames."
        let heard = !self.peer_settings_seen || self.remote.no_rfc7540_priorities;
        let receiving = state.can_recv() || state == State::ReservedRemote;
        if self.side == Side::Client && heard && receiving {
            Frame::PriorityUpdate(PriorityUpdate {
                prioritized: stream.0,
                value: Bytes::from(priority.to_string()),
            })
            .encode(&mut self.tx);
        }
        Ok(())
    }

    /// Starts a graceful shutdown: no new streams, the connection ends when the open
    /// ones are done.
    pub(crate) fn go_away(&mut self, code: Reason) -> Result<(), Misuse> {
        self.check_open()?;
        if code != Reason::NO_ERROR {
            self.close(Some(Error::new(ErrorKind::Reset)), code);
            return Ok(());
        }
        if self.goaway_sent || self.draining.is_some() {
            return Ok(());
        }
        if self.side == Side::Client {
            // A client's last stream only concerns pushes, which it can refuse anyway.
            self.write_goaway(self.last_remote);
            self.close_if_done();
            return Ok(());
        }
        // §6.8: "A server that is attempting to gracefully shut down a connection
        // SHOULD send an initial GOAWAY frame with the last stream identifier set to
        // 2^31-1 and a NO_ERROR code. [...] After allowing time for any in-flight
        // stream creation (at least one round-trip time), the server MAY send another
        // GOAWAY frame with an updated last stream identifier."
        self.encode_goaway(MAX_STREAM_ID, code, Bytes::new());
        // The payload only has to differ from the application's pings in flight.
        let mut payload = *b"shutdown";
        while self.pings.iter().any(|(p, _)| *p == payload) {
            payload[7] = payload[7].wrapping_add(1);
        }
        Frame::Ping(Ping {
            ack: false,
            payload,
        })
        .encode(&mut self.tx);
        let deadline = self
            .config
            .h2_shutdown_round_trip_timeout
            .map(|t| self.now + t);
        self.draining = Some((payload, deadline));
        Ok(())
    }

    /// One round trip after a graceful shutdown was announced: streams the peer opened
    /// by now are served; none after.
    fn finish_draining(&mut self) {
        if self.draining.take().is_some() && !self.goaway_sent && !self.closing {
            self.write_goaway(self.last_remote);
            self.close_if_done();
        }
    }

    fn write_goaway(&mut self, last_stream: u32) {
        self.encode_goaway(last_stream, Reason::NO_ERROR, Bytes::new());
        self.goaway_sent = true;
    }

    /// Writes a GOAWAY. §6.8: "Endpoints MUST NOT increase the value they send in the
    /// last stream identifier": streams the peer opened after an earlier GOAWAY were
    /// ignored, so a later one (an error after a graceful shutdown) names no more.
    fn encode_goaway(&mut self, last_stream: u32, code: Reason, debug: Bytes) {
        self.goaway_last = last_stream.min(self.goaway_last);
        Frame::GoAway(GoAway {
            last_stream: self.goaway_last,
            code,
            debug,
        })
        .encode(&mut self.tx);
    }

    /// The identifiers of the streams in the map, in order: for what acts on many
    /// streams at once (their events and their place in the schedule follow it).
    fn stream_ids(&self) -> Vec<u32> {
        let mut ids: Vec<u32> = self.streams.keys().copied().collect();
        ids.sort_unstable();
        ids
    }

    /// Puts `s` in the map as stream `id`, counting it if it is active.
    fn insert_stream(&mut self, id: u32, s: Stream) {
        self.active.enter(id, s.state);
        if let Some(old) = self.streams.insert(id, s) {
            debug_assert!(false, "stream {id} inserted twice");
            self.active.leave(id, old.state);
        }
    }

    /// The active streams the client opened, checked against a count in debug builds.
    fn active_odd(&self) -> usize {
        self.active_of(1)
    }

    /// The active streams the server pushed (see `active_odd`).
    fn active_even(&self) -> usize {
        self.active_of(0)
    }

    fn active_of(&self, parity: u32) -> usize {
        let active = self.active.by_parity[parity as usize];
        debug_assert_eq!(
            active,
            self.streams
                .iter()
                .filter(|(id, s)| *id % 2 == parity && s.state.is_active())
                .count(),
            "the count of active streams is out of step"
        );
        active
    }

    /// A stream leaving `idle` by `t`, with the windows the settings in force give it.
    fn new_stream(&mut self, t: Transition) -> Stream {
        let state = State::Idle.on(t).unwrap_or(State::Closed);
        debug_assert_ne!(state, State::Closed, "{t:?} does not open a stream");
        Stream::new(
            state,
            self.remote.initial_window_size,
            self.local_initial_window,
        )
    }

    fn stream_mut(&mut self, stream: StreamId) -> Result<&mut Stream, Misuse> {
        open_stream(&mut self.streams, stream)
    }

    /// Puts stream `id` in the schedule if it now has something to send.
    fn wake(&mut self, id: u32) {
        if let Some(s) = self.streams.get_mut(&id) {
            enqueue(&mut self.schedule, id, s);
        }
    }

    /// Changes a stream's priority, and its place in the schedule if it has one.
    fn reprioritize(&mut self, id: u32, p: Priority) {
        let Some(s) = self.streams.get_mut(&id) else {
            return;
        };
        if s.scheduled {
            self.schedule.remove(id, s.priority);
            self.schedule.insert(id, p);
        }
        s.priority = p;
    }

    // ----- output -------------------------------------------------------------------

    /// Encodes a field block into HEADERS and as many CONTINUATION frames as the peer's
    /// SETTINGS_MAX_FRAME_SIZE needs.
    fn write_block<'f>(
        &mut self,
        stream: u32,
        fields: impl IntoIterator<Item = Field<'f>>,
        end_stream: bool,
    ) {
        let flags = if end_stream { flag::END_STREAM } else { 0 };
        self.write_block_frames(stream, kind::HEADERS, flags, &[], fields);
    }

    /// Encodes a field block into a `kind` frame (HEADERS or PUSH_PROMISE) with `flags`,
    /// whose payload starts with `prefix`, and CONTINUATION frames if the peer's
    /// SETTINGS_MAX_FRAME_SIZE needs them (RFC 9113 §4.3: one contiguous sequence).
    ///
    /// The block is encoded straight into the output behind room for the frame's head,
    /// which is written once the length is known: nearly every block fits one frame,
    /// and so is never copied.
    fn write_block_frames<'f>(
        &mut self,
        stream: u32,
        kind: u8,
        flags: u8,
        prefix: &[u8],
        fields: impl IntoIterator<Item = Field<'f>>,
    ) {
        let head_at = self.tx.len();
        self.tx.extend_from_slice(&[0; HEADER_LEN]);
        self.tx.extend_from_slice(prefix);
        let block_at = self.tx.len();
        self.encoder.encode(fields, &mut self.tx);
        let max = self.remote.max_frame_size as usize;
        let first_len = (self.tx.len() - block_at).min(max - prefix.len());
        let rest_at = block_at + first_len;
        let whole = rest_at == self.tx.len();
        let first = FrameHead {
            length: (prefix.len() + first_len) as u32,
            kind,
            flags: flags | if whole { flag::END_HEADERS } else { 0 },
            stream,
        };
        self.tx[head_at..head_at + HEADER_LEN].copy_from_slice(&first.to_bytes());
        if whole {
            return;
        }
        // The rest goes in CONTINUATION frames, through a buffer kept for it.
        self.block.clear();
        self.block.extend_from_slice(&self.tx[rest_at..]);
        self.tx.truncate(rest_at);
        for (i, fragment) in self.block.chunks(max).enumerate() {
            let last = (i + 1) * max >= self.block.len();
            FrameHead {
                length: fragment.len() as u32,
                kind: kind::CONTINUATION,
                flags: if last { flag::END_HEADERS } else { 0 },
                stream,
            }
            .encode(&mut self.tx);
            self.tx.extend_from_slice(fragment);
        }
    }

    fn write_rst(&mut self, stream: u32, code: Reason) {
        Frame::RstStream(RstStream { stream, code }).encode(&mut self.tx);
        self.owed_control += 1;
    }

    fn write_window_update(&mut self, stream: u32, increment: u32) {
        if increment > 0 {
            Frame::WindowUpdate(WindowUpdate { stream, increment }).encode(&mut self.tx);
        }
    }

    /// Writes DATA (and trailers behind it) that flow control allows, a frame at a
    /// time in the order of the schedule; returns whether anything was written.
    fn write_data<S: Sink>(&mut self, out: &mut S) -> bool {
        let mut wrote = false;
        while !self.closing {
            let Some(turn) = self.schedule.peek() else {
                break;
            };
            let Some(s) = self.streams.get_mut(&turn.id) else {
                self.schedule.leave(turn);
                continue;
            };
            if !sendable(s) {
                // Emptied (by a reset, or the windowless pass) or out of its own window:
                // it comes back with more to send (`wake`), not before.
                s.scheduled = false;
                self.schedule.leave(turn);
                continue;
            }
            if self.send_window <= 0 && needs_window(s) {
                // The connection window is spent for every stream alike; what needs
                // none still goes, whatever its urgency.
                wrote |= self.write_windowless(out);
                break;
            }
            if !self.write_frame(turn.id, out) {
                break;
            }
            wrote = true;
            let stays = self.streams.get_mut(&turn.id).is_some_and(|s| {
                s.scheduled = sendable(s);
                s.scheduled
            });
            self.schedule.served(turn, stays);
        }
        wrote
    }

    /// Writes what takes no window, trailers and empty DATA (an END_STREAM alone), for
    /// every stream in the schedule; streams it empties leave the schedule when next
    /// met in `write_data`. Returns whether it wrote anything.
    fn write_windowless<S: Sink>(&mut self, out: &mut S) -> bool {
        let mut wrote = false;
        let mut ids = std::mem::take(&mut self.scratch);
        ids.clear();
        self.schedule.collect(&mut ids);
        for &id in &ids {
            while !self.closing
                && self
                    .streams
                    .get(&id)
                    .is_some_and(|s| !s.queue.is_empty() && !needs_window(s))
            {
                if !self.write_frame(id, out) {
                    break;
                }
                wrote = true;
            }
        }
        self.scratch = ids;
        wrote
    }

    /// Writes one frame from the front of stream `id`'s queue: DATA as large as the
    /// windows and the peer's SETTINGS_MAX_FRAME_SIZE allow, or the trailers. Returns
    /// whether it wrote anything.
    fn write_frame<S: Sink>(&mut self, id: u32, out: &mut S) -> bool {
        let max_frame = self.remote.max_frame_size as usize;
        let Some(s) = self.streams.get_mut(&id) else {
            return false;
        };
        let trailers = match s.queue.front_mut() {
            None => return false,
            Some(Queued::Data { data, end_stream }) => {
                let window = s.send_window.min(self.send_window).max(0) as usize;
                let n = data.len().min(window).min(max_frame);
                if n == 0 && !data.is_empty() {
                    return false;
                }
                let chunk = data.split_to(n);
                unqueue(&mut s.queued, &mut self.queued, n);
                let mut end = data.is_empty() && *end_stream;
                if data.is_empty() {
                    s.queue.pop_front();
                    // An empty end that follows rides on this frame, so the peer sees
                    // the body end with its last bytes, as on HTTP/1.1.
                    if let Some(Queued::Data {
                        data,
                        end_stream: true,
                    }) = s.queue.front()
                    {
                        if data.is_empty() && !end {
                            s.queue.pop_front();
                            end = true;
                        }
                    }
                }
                Data::encode_head(id, n, end, out.buf());
                out.body(chunk);
                s.send_window -= n as i64;
                self.send_window -= n as i64;
                if !end {
                    return true;
                }
                None
            }
            Some(Queued::Trailers(_)) => match s.queue.pop_front() {
                Some(Queued::Trailers(f)) => Some(f),
                _ => None,
            },
        };
        s.set_state(
            id,
            s.state.on(Transition::SendEnd).unwrap_or(State::Closed),
            &mut self.active,
        );
        // A stream that closed with this END_STREAM needs no reset any more.
        let reset = s
            .reset_after_end
            .take()
            .filter(|_| s.state != State::Closed);
        if let Some(f) = trailers {
            // Encoded now, in wire order, so both HPACK contexts stay in step.
            let fields: Vec<Field<'_>> = fields::trailer_fields(&f).collect();
            self.write_block(id, fields, true);
            out.buf().append(&mut self.tx);
        }
        match reset {
            // Behind the frame just written in `out`: `tx` is handed out next.
            Some(code) => self.reset_now(StreamId(id), code),
            None => self.after_state_change(id),
        }
        true
    }

    pub(crate) fn poll_output<S: Sink>(&mut self, out: &mut S) -> Output {
        if !self.tx.is_empty() {
            out.buf().append(&mut self.tx);
            self.owed_control = 0;
            return Output::Transmit;
        }
        self.wake_writable();
        if let Some(ev) = self.events.pop_front() {
            if matches!(ev, Event::Closed { .. }) {
                self.closed_delivered = true;
            }
            return Output::Event(ev);
        }
        if self.paused {
            // Everything owed and every event was handed out: the input that waited
            // goes on.
            self.paused = false;
            self.owed_control = 0;
            if let Err(e) = self.read_frames() {
                self.fail(e);
            } else if self.eof && !self.paused {
                self.handle_eof(self.now);
            }
            return self.poll_output(out);
        }
        if !self.closing && self.write_data(out) {
            return Output::Transmit;
        }
        if !self.tx.is_empty() || !self.events.is_empty() {
            return self.poll_output(out);
        }
        Output::Timeout(self.deadline())
    }

    fn deadline(&self) -> Option<Instant> {
        if self.closing {
            return None;
        }
        let settings = self.unacked_settings.front().and_then(|(d, _)| *d);
        let draining = self.draining.and_then(|(_, d)| d);
        settings.into_iter().chain(draining).min()
    }

    pub(crate) fn side(&self) -> Side {
        self.side
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.closed_delivered && self.tx.is_empty()
    }

    pub(crate) fn is_write_closed(&self) -> bool {
        self.closing && self.tx.is_empty()
    }

    /// Whether the connection may be put aside as it is (see `Connection::park`):
    /// nothing received and not yet read, nothing to send, no event waiting, no
    /// stream open, and no shutdown under way. Its deadlines (a SETTINGS acknowledgment)
    /// go with it.
    pub(crate) fn can_park(&self) -> bool {
        self.input.is_empty()
            && self.tx.is_empty()
            && self.events.is_empty()
            // Closed streams are remembered apart (see `remember_if_closed`), and go
            // along.
            && self.streams.values().all(|s| s.state == State::Closed)
            && self.partial.is_none()
            && self.waiting.is_empty()
            && !self.paused
            && !self.eof
            && !self.closing
            && !self.goaway_sent
            && self.goaway_received.is_none()
            && self.flood.is_none()
    }

    pub(crate) fn shared_config(&self) -> Arc<Config> {
        self.config.clone()
    }

    /// The time of the latest call.
    pub(crate) fn now(&self) -> Instant {
        self.now
    }

    /// The deadline `poll_output` reports when it has nothing else to give.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.deadline()
    }

    /// See `Connection::release_buffers`.
    pub(crate) fn release_buffers(&mut self) {
        if self.input.is_empty() {
            self.input = BytesMut::new();
        }
        crate::memory::release(&mut self.tx);
        self.events.release();
        self.schedule.release();
        self.block = Vec::new();
        self.scratch = Vec::new();
        self.decoder.release_buffers();
        self.encoder.release_buffers();
        self.streams.shrink_to_fit();
        self.closed.shrink_to_fit();
        self.pending_priorities.shrink_to_fit();
        self.pings.shrink_to_fit();
        self.unacked_settings.shrink_to_fit();
    }

    pub(crate) fn wants_input(&self) -> bool {
        !self.closing
    }
}

/// Whether a frame carries nothing for the application: no request, response, body
/// byte or window (the frames an empty-frame, PING or SETTINGS flood is made of).
/// A WINDOW_UPDATE of less than 1 KiB counts too: a window opened a few bytes at a
/// time makes this side send as many frames as the peer does.
fn carries_nothing(frame: &Frame) -> bool {
    match frame {
        Frame::Ping(p) => !p.ack,
        Frame::Settings(s) => !s.ack,
        Frame::Priority(_) | Frame::PriorityUpdate(_) | Frame::Unknown(_) => true,
        Frame::Data(d) => d.data.is_empty() && !d.end_stream,
        Frame::Continuation(c) => c.fragment.is_empty() && !c.end_headers,
        Frame::WindowUpdate(w) => w.increment < 1024,
        _ => false,
    }
}

/// Whether the queue already ends the stream (nothing may follow END_STREAM).
fn ends_queue(s: &Stream) -> bool {
    matches!(
        s.queue.back(),
        Some(
            Queued::Data {
                end_stream: true,
                ..
            } | Queued::Trailers(_)
        )
    )
}

/// Whether the stream has a frame that its own window lets go. The connection window
/// is judged apart: it holds every stream back alike.
fn sendable(s: &Stream) -> bool {
    match s.queue.front() {
        None => false,
        Some(Queued::Data { data, .. }) => data.is_empty() || s.send_window > 0,
        Some(Queued::Trailers(_)) => true,
    }
}

/// Whether the frame at the front of the queue needs flow-control window.
fn needs_window(s: &Stream) -> bool {
    matches!(s.queue.front(), Some(Queued::Data { data, .. }) if !data.is_empty())
}

/// Puts a stream in the schedule if it has something its window lets go and is not
/// there yet. Every place where that may become true calls it: data or trailers
/// queued, a window grown. A stream in the schedule with nothing left to send leaves
/// it when `write_data` meets it.
fn enqueue(schedule: &mut Schedule, id: u32, s: &mut Stream) {
    if !s.scheduled && sendable(s) {
        s.scheduled = true;
        schedule.insert(id, s.priority);
    }
}

/// The WINDOW_UPDATE a stream is owed once half its window is consumed.
fn stream_release(s: &mut Stream, window: u32) -> Option<u32> {
    if s.unreleased >= window / 2 && s.unreleased > 0 {
        let n = s.unreleased;
        s.unreleased = 0;
        s.recv_window += i64::from(n);
        Some(n)
    } else {
        None
    }
}

/// The Content-Length an outgoing head declares, checked as HTTP/1.1 checks it: one
/// field of digits, and 0 if the head ends the stream.
fn sent_length(info: &FieldInfo, end_stream: bool) -> Result<Option<u64>, Misuse> {
    let length = match info.lengths {
        0 => return Ok(None),
        1 => info
            .length
            .ok_or(Misuse::InvalidHead("Content-Length is not a number"))?,
        _ => return Err(Misuse::InvalidHead("more than one Content-Length")),
    };
    if end_stream && length != 0 {
        return Err(Misuse::ContentLength);
    }
    Ok(Some(length))
}

/// Refuses pseudo-header values that cannot go on the wire (RFC 9113 §8.2.1, §8.3.1):
/// controls or whitespace.
fn check_pseudo(req: &Request) -> Result<(), Misuse> {
    for v in [&req.scheme, &req.authority, &req.protocol]
        .into_iter()
        .flatten()
    {
        if !fields::is_pseudo_value(v) {
            return Err(Misuse::InvalidHead(
                "scheme, authority or protocol holds whitespace or controls",
            ));
        }
    }
    Ok(())
}
