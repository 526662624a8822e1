//! The state a connection's task shares with the [`StreamIo`](crate::StreamIo) handles of
//! its streams: the sans-IO machine and one [`Duplex`] view per handed-out stream, under
//! one lock that is never held across an `.await`.

use bytes::Bytes;
use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use tokio::io::ReadBuf;
use weir::{
    Duplex, Event, Head, Inbound, Response, StreamControl, StreamError, StreamId, StreamMap,
};
use weir_blocking::Drive;

/// At most this much is copied out of one `poll_write`: the rest waits for the next
/// call, so that one write cannot take a stream's whole send buffer in one piece.
const PIECE: usize = 16 * 1024;

/// What a connection's task drives: a [`Connection`](weir::Connection) or a
/// [`Dispatcher`](weir::handler::Dispatcher).
pub trait Machine: Drive + StreamControl + Send + 'static {}

impl<T: Drive + StreamControl + Send + 'static> Machine for T {}

/// The lock and the bell of one connection.
pub(crate) struct Link<C> {
    shared: Mutex<Shared<C>>,
    /// Rung when a stream handle gave the machine something to send.
    pub(crate) bell: Bell,
}

/// A flag the stream handles raise and the connection's task lowers, and the task's
/// waker: hearing it costs an atomic swap, where a `Notify` takes its waiters' lock on
/// every poll of the task.
#[derive(Default)]
pub(crate) struct Bell {
    rung: AtomicBool,
    task: Mutex<Option<Waker>>,
}

impl Bell {
    pub(crate) fn ring(&self) {
        self.rung.store(true, Ordering::Release);
        let task = self.task.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(waker) = task.as_ref() {
            waker.wake_by_ref();
        }
    }

    /// Whether the bell rang since the last call; if not, `cx`'s task is woken by the
    /// next ring.
    pub(crate) fn poll_rung(&self, cx: &Context<'_>) -> bool {
        if self.rung.swap(false, Ordering::AcqRel) {
            return true;
        }
        let mut task = self.task.lock().unwrap_or_else(|e| e.into_inner());
        if !task.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
            *task = Some(cx.waker().clone());
        }
        drop(task);
        // A ring between the first look and the waker's registration woke nobody.
        self.rung.swap(false, Ordering::AcqRel)
    }
}

/// What the lock guards.
pub(crate) struct Shared<C> {
    pub(crate) machine: C,
    views: StreamMap<Slot>,
}

/// One handed-out stream.
struct Slot {
    duplex: Duplex,
    /// The final response head (a client's stream), or a 101.
    response: Option<Response>,
    /// A 101 or a 2xx to CONNECT was seen or sent, and its `Tunnel` event has not come
    /// yet: until it does, the view would read the request's end as the tunnel's.
    tunnel_due: bool,
    /// The stream is a client's CONNECT: a 2xx opens a tunnel.
    connect: bool,
    reader: Option<Waker>,
    writer: Option<Waker>,
}

impl Slot {
    fn wake(&mut self) {
        for waker in [self.reader.take(), self.writer.take()]
            .into_iter()
            .flatten()
        {
            waker.wake();
        }
    }
}

impl<C: Machine> Link<C> {
    pub(crate) fn new(machine: C) -> Arc<Link<C>> {
        Arc::new(Link {
            shared: Mutex::new(Shared {
                machine,
                views: StreamMap::default(),
            }),
            bell: Bell::default(),
        })
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Shared<C>> {
        // A panic elsewhere leaves the machine as consistent as any call leaves it.
        self.shared.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl<C: Machine> Shared<C> {
    /// Gives a stream to a handle: its events go to its view from now on. `event` is
    /// the one that named the stream (a server's request head), if any; `tunnel_due`
    /// says that a 101 or a 2xx to CONNECT went out for it; `connect` that it is a
    /// client's CONNECT.
    pub(crate) fn open(
        &mut self,
        stream: StreamId,
        event: Option<&Event>,
        tunnel_due: bool,
        connect: bool,
    ) {
        let mut duplex = Duplex::new(stream);
        if let Some(event) = event {
            duplex.handle_event(event);
        }
        let slot = Slot {
            duplex,
            response: None,
            tunnel_due,
            connect,
            reader: None,
            writer: None,
        };
        self.views.insert(stream, slot);
    }

    /// The connection's task is gone (the connection is over, or its socket failed):
    /// every view fails, and its handle hears of it.
    pub(crate) fn abandon(&mut self) {
        self.deliver(Event::Closed { error: None });
    }

    /// Frees the machine's buffers and the view map's memory while nothing is under
    /// way (see `Connection::release_buffers`).
    pub(crate) fn release_buffers(&mut self) {
        self.machine.release_buffers();
        if self.views.is_empty() {
            self.views = StreamMap::default();
        }
    }

    /// Whether a handle still holds a stream.
    pub(crate) fn has_views(&self) -> bool {
        !self.views.is_empty()
    }

    /// Gives `event` to the view of its stream; returns it when it is not a view's
    /// alone (the connection's own events, and those of streams no handle holds).
    pub(crate) fn deliver(&mut self, event: Event) -> Option<Event> {
        if let Event::Closed { .. } = &event {
            for slot in self.views.values_mut() {
                slot.duplex.handle_event(&event);
                slot.tunnel_due = false;
                slot.wake();
            }
            return Some(event);
        }
        let Some(slot) = event.stream().and_then(|s| self.views.get_mut(&s)) else {
            return Some(event);
        };
        match &event {
            Event::Headers {
                head: Head::Response(res),
                ..
            } if res.status >= 200 || res.status == 101 => {
                // RFC 9110 §9.3.6: "Any 2xx (Successful) response indicates that the
                // sender (and all inbound proxies) will switch to tunnel mode".
                slot.tunnel_due =
                    res.status == 101 || (slot.connect && (200..300).contains(&res.status));
                slot.response = Some(res.clone());
            }
            Event::Tunnel { .. } | Event::StreamReset { .. } => slot.tunnel_due = false,
            _ => {}
        }
        let taken = slot.duplex.handle_event(&event);
        slot.wake();
        (!taken).then_some(event)
    }

    fn slot(&mut self, stream: StreamId) -> io::Result<(&mut C, &mut Slot)> {
        match self.views.get_mut(&stream) {
            Some(slot) => Ok((&mut self.machine, slot)),
            None => Err(io::Error::other("the stream was closed")),
        }
    }

    pub(crate) fn poll_read(
        &mut self,
        stream: StreamId,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let (machine, slot) = self.slot(stream)?;
        if !slot.tunnel_due {
            match slot.duplex.read_partial(machine, buf.remaining()) {
                Ok(Inbound::Data(data)) => {
                    buf.put_slice(&data);
                    return Poll::Ready(Ok(()));
                }
                Ok(Inbound::End) => return Poll::Ready(Ok(())),
                Ok(Inbound::Pending) => {}
                Err(e) => return Poll::Ready(Err(stream_error(e))),
            }
        }
        slot.reader = Some(cx.waker().clone());
        Poll::Pending
    }

    pub(crate) fn poll_write(
        &mut self,
        stream: StreamId,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let (machine, slot) = self.slot(stream)?;
        // Copies only what is taken: the room, within one piece.
        let room = machine.send_capacity(stream).min(buf.len()).min(PIECE);
        let data = Bytes::copy_from_slice(&buf[..room]);
        match slot.duplex.write(machine, data) {
            Ok(0) if !buf.is_empty() => {
                // The connection owes the stream a `Writable`, which wakes us.
                slot.writer = Some(cx.waker().clone());
                Poll::Pending
            }
            Ok(n) => Poll::Ready(Ok(n)),
            Err(e) => Poll::Ready(Err(stream_error(e))),
        }
    }

    pub(crate) fn close_write(&mut self, stream: StreamId) -> io::Result<()> {
        let (machine, slot) = self.slot(stream)?;
        slot.duplex.close_write(machine).map_err(stream_error)
    }

    /// The handle is gone: the stream is abandoned as [`Duplex::close`] says.
    pub(crate) fn close(&mut self, stream: StreamId) {
        if let Some(mut slot) = self.views.remove(&stream) {
            slot.duplex.close(&mut self.machine);
        }
    }

    /// A client's wait for the response head.
    pub(crate) fn poll_response(
        &mut self,
        stream: StreamId,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<Response>> {
        let (machine, slot) = self.slot(stream)?;
        if let Some(response) = &slot.response {
            return Poll::Ready(Ok(response.clone()));
        }
        // A stream that failed before its response says why (with nothing received, a
        // read takes nothing).
        if slot.duplex.buffered() == 0 {
            match slot.duplex.read_partial(machine, 1) {
                Err(e) => return Poll::Ready(Err(stream_error(e))),
                Ok(Inbound::End) => {
                    return Poll::Ready(Err(io::Error::other("the stream ended with no response")))
                }
                _ => {}
            }
        }
        slot.reader = Some(cx.waker().clone());
        Poll::Pending
    }

    /// Whether the stream is a tunnel now.
    pub(crate) fn is_tunnel(&self, stream: StreamId) -> bool {
        self.views
            .get(&stream)
            .is_some_and(|s| s.duplex.is_tunnel())
    }

    /// The trailers that ended the peer's body, if any came.
    pub(crate) fn trailers(&self, stream: StreamId) -> Option<weir::Fields> {
        self.views.get(&stream)?.duplex.trailers().cloned()
    }
}

/// The view's error as an I/O error of the nearest kind.
pub(crate) fn stream_error(e: StreamError) -> io::Error {
    let kind = match e {
        StreamError::Reset { .. } => io::ErrorKind::ConnectionReset,
        StreamError::ConnectionClosed(_) => io::ErrorKind::ConnectionAborted,
        StreamError::Refused(_) => io::ErrorKind::InvalidInput,
    };
    io::Error::new(kind, e)
}

/// A [`Link`] seen from a stream handle, whatever machine it drives.
pub(crate) trait Views: Send + Sync {
    fn poll_read(
        &self,
        stream: StreamId,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>>;
    fn poll_write(
        &self,
        stream: StreamId,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>>;
    fn close_write(&self, stream: StreamId) -> io::Result<()>;
    fn close(&self, stream: StreamId);
    fn poll_response(&self, stream: StreamId, cx: &mut Context<'_>) -> Poll<io::Result<Response>>;
    fn is_tunnel(&self, stream: StreamId) -> bool;
    fn trailers(&self, stream: StreamId) -> Option<weir::Fields>;
}

/// Each call runs under the lock, then rings the bell: what it did (a write, a window
/// given back, a `100 Continue` asked for) is for the connection's task to send.
impl<C: Machine> Views for Link<C> {
    fn poll_read(
        &self,
        stream: StreamId,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let polled = self.lock().poll_read(stream, cx, buf);
        self.bell.ring();
        polled
    }

    fn poll_write(
        &self,
        stream: StreamId,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = self.lock().poll_write(stream, cx, buf);
        self.bell.ring();
        polled
    }

    fn close_write(&self, stream: StreamId) -> io::Result<()> {
        let closed = self.lock().close_write(stream);
        self.bell.ring();
        closed
    }

    fn close(&self, stream: StreamId) {
        self.lock().close(stream);
        self.bell.ring();
    }

    fn poll_response(&self, stream: StreamId, cx: &mut Context<'_>) -> Poll<io::Result<Response>> {
        self.lock().poll_response(stream, cx)
    }

    fn is_tunnel(&self, stream: StreamId) -> bool {
        self.lock().is_tunnel(stream)
    }

    fn trailers(&self, stream: StreamId) -> Option<weir::Fields> {
        self.lock().trailers(stream)
    }
}
