//! The connection's task: the driving loop of `weir`'s crate documentation, waiting on
//! the socket's readiness, the next deadline, the stream handles' bell and the
//! shutdown signal at once.

use crate::link::{Link, Machine, Shared};
use crate::park::{ParkedConn, Parker};
use std::any::{Any, TypeId};
use std::cell::RefCell;
use std::future::Future;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::watch;
use weir::{Event, Output, Parked, Transmit};

/// How much one socket read may take in.
const READ_BUFFER: usize = 16 * 1024;

/// A connection with nothing to write that has heard nothing for this long gives its
/// buffers back (`release_buffers`): idle connections then cost little, and busy ones
/// still reuse theirs.
const QUIET: Duration = Duration::from_millis(100);

/// A connection that can be parked (plain TCP, on a server with a park) is parked
/// after this much quiet with nothing under way, and its task ends: it then costs a
/// few words. A connection whose peer sends its next request sooner keeps its task,
/// and one found busy looks for quiet less often (up to `QUIET`); the park gives a
/// parked one back within one wake of a thread. Short, since a burst of new
/// connections holds a task each until it parks, and the memory they took stays
/// with the process.
const QUIET_PARKED: Duration = Duration::from_millis(2);

thread_local! {
    /// The buffer socket reads land in, one per thread rather than one per
    /// connection: a read hands its bytes to the machine before the buffer is used
    /// again, so that a connection waiting for its peer holds none.
    static READ_BUF: RefCell<Box<[u8]>> = RefCell::new(vec![0; READ_BUFFER].into_boxed_slice());
}

/// Output waiting for the socket past this much stops the draining (and the reading):
/// a peer that does not read cannot make the adapter buffer without bound.
const HIGH_WATER: usize = 256 * 1024;

/// At most this many slices go to one vectored write, gathered on the stack: more
/// than a socket takes at once at `HIGH_WATER`, with chunks of 1 KiB and up between
/// frame heads.
const WRITE_SLICES: usize = 64;

/// How long, and how much, a closed connection reads from its peer before it goes.
const LINGER: Duration = Duration::from_secs(1);
const LINGER_BYTES: usize = 1 << 20;

/// A peer that takes none of our output for this long is given up: it holds memory
/// and a task, and may never read again.
const WRITE_STALL: Duration = Duration::from_secs(30);

/// What runs on a connection: reacts to the events no stream handle takes, and may
/// hand streams out (see [`Shared::open`]).
pub(crate) trait App<C>: Send {
    /// Handles one event, with the machine and its stream views under the lock.
    fn on_event(&mut self, link: &Arc<Link<C>>, shared: &mut Shared<C>, event: Event);

    /// Sends the next piece of a long body once the output before it was written;
    /// returns whether it sent anything.
    fn produce(&mut self, machine: &mut C) -> bool {
        let _ = machine;
        false
    }

    /// Whether no response is under way (stream handles aside).
    fn is_idle(&self) -> bool {
        true
    }

    /// The connection is quiet: free what is kept for streams that are over.
    fn release_buffers(&mut self) {}

    /// Starts a graceful shutdown (an HTTP/2 GOAWAY); returns whether the connection
    /// will close by itself once its streams are done.
    fn go_away(&mut self, machine: &mut C) -> bool {
        let _ = machine;
        false
    }

    /// Puts the connection aside if nothing is under way (see `Connection::park`):
    /// the task then ends, and the connection is served again by a new one.
    fn park(&mut self, machine: &mut C) -> Option<Parked> {
        let _ = machine;
        None
    }
}

/// Drives `link`'s machine over `sock` with `app` until the connection is over, or
/// `stop` turns true and nothing is under way any more.
///
/// Every wait source lives as long as the loop: one timer for all deadlines, the bell
/// and the shutdown signal are made once, and the socket is polled in both directions
/// in place. A request costs no timer registration and no future built and dropped.
///
/// A plain function returning an `async` block rather than an `async fn`: the block
/// uses what it captured in place, where an `async fn` would keep a second copy of
/// each argument for the whole life of the connection.
///
/// With a `parker`, a plain TCP connection that goes quiet with nothing under way is
/// handed to it, and the task ends.
#[allow(clippy::manual_async_fn)]
pub(crate) fn drive<S, C, A>(
    mut sock: S,
    link: Arc<Link<C>>,
    mut app: A,
    mut stop: Option<watch::Receiver<bool>>,
    parker: Option<Parker>,
) -> impl Future<Output = io::Result<()>>
where
    S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
    C: Machine,
    A: App<C>,
{
    async move {
        let _abandon = Abandon(link.clone());
        // What waits for the socket, its large body chunks shared with the application
        // rather than copied, and how much of it was written.
        let mut out = Transmit::new();
        let mut sent = 0;
        // Whether the buffers were given back since the last activity, and since when
        // the connection has been quiet.
        let mut released = false;
        let mut quiet_since = Instant::now();
        let (mut stopping, mut going_away, mut write_shut) = (false, false, false);
        // The machine's deadline as of its last complete drain: it holds while the output
        // waits for the socket (an idle or header deadline must fire even then).
        let mut deadline = None;
        // Since when output has been waiting without the socket taking any of it.
        let mut stalled_since: Option<Instant> = None;
        // The timer is moved only when a deadline comes before the instant it is set for.
        // A deadline that moved later (the quiet time of a busy connection, the idle
        // deadline after each request) is looked at when the timer fires, and the timer
        // set again: once per deadline's length rather than once per request.
        let timer = tokio::time::sleep_until(tokio::time::Instant::now());
        tokio::pin!(timer);
        let mut armed: Option<Instant> = None;
        // Whether the timer has been polled since it was set: once it holds the task's
        // waker it wakes the task when it fires, so until then a look at whether it
        // elapsed does, and the poll (which registers the waker again) is skipped.
        let mut registered = false;
        let stopped = stopped(&mut stop);
        tokio::pin!(stopped);
        let mut polls = 0u32;
        let parks = parker.is_some() && TypeId::of::<S>() == TypeId::of::<TcpStream>();
        // A connection whose timer keeps finding activity is busy: it looks for quiet
        // less and less often, up to `QUIET`, rather than wake every 2 ms.
        let mut quiet = if parks { QUIET_PARKED } else { QUIET };
        let mut looked = false;
        loop {
            // Drain the machine (while the output has room), under the lock.
            let mut drained = None;
            let (wants_input, closed, write_closed, idle) = {
                let mut shared = link.lock();
                while out.len() - sent < HIGH_WATER {
                    match shared.machine.poll_output_vectored(&mut out) {
                        Output::Transmit => {}
                        Output::Event(event) => {
                            if let Some(event) = shared.deliver(event) {
                                app.on_event(&link, &mut shared, event);
                            }
                        }
                        Output::Timeout(deadline) => {
                            if !shared.machine.is_closed() && app.produce(&mut shared.machine) {
                                continue;
                            }
                            if stopping && !going_away {
                                going_away = true;
                                if app.go_away(&mut shared.machine) {
                                    continue;
                                }
                            }
                            drained = Some(deadline);
                            break;
                        }
                    }
                }
                let machine = &shared.machine;
                let idle = app.is_idle() && !shared.has_views();
                (
                    machine.wants_input(),
                    machine.is_closed(),
                    machine.is_write_closed(),
                    idle,
                )
            };
            let flushed = sent == out.len();
            if flushed {
                out.clear();
                sent = 0;
            }
            if flushed && (closed || (stopping && idle && drained.is_some())) {
                // Over: the write half first, then what the peer still sends is read and
                // dropped for a moment, since closing a socket with unread input resets the
                // connection, and the reset can overtake the last bytes written.
                let _ = sock.shutdown().await;
                // Boxed: its timer and read would otherwise take room in every
                // connection's future for the whole of its life.
                Box::pin(linger(&mut sock)).await;
                return Ok(());
            }
            if flushed && write_closed && !write_shut {
                write_shut = true;
                // The peer may be gone already; the read side will tell.
                let _ = sock.shutdown().await;
            }
            if let Some(drained) = drained {
                deadline = drained;
            }
            let reading = wants_input && drained.is_some();
            let release_at = (flushed && reading && !released).then(|| quiet_since + quiet);
            let stall_limit = match (sent < out.len(), stalled_since) {
                (false, _) => None,
                (true, Some(since)) => Some(since + WRITE_STALL),
                (true, None) => {
                    stalled_since = Some(Instant::now());
                    stalled_since.map(|since| since + WRITE_STALL)
                }
            };
            let wake_at = [release_at, deadline, stall_limit]
                .into_iter()
                .flatten()
                .min();
            if let Some(at) = wake_at.filter(|&at| armed.is_none_or(|armed| at < armed)) {
                timer.as_mut().reset(at.into());
                armed = Some(at);
                registered = false;
            }
            let woke = std::future::poll_fn(|cx| {
                let mut woke = Woke::default();
                if sent < out.len() {
                    if let Poll::Ready(written) = write_from(&mut sock, cx, &out, sent) {
                        woke.wrote = Some(written);
                    }
                }
                if reading {
                    if let Poll::Ready(read) = read_into(&mut sock, cx, &link) {
                        woke.read = Some(read);
                    }
                }
                if armed.is_some() && (!registered || timer.is_elapsed()) {
                    registered = true;
                    woke.timer = timer.as_mut().poll(cx).is_ready();
                }
                woke.bell = link.bell.poll_rung(cx);
                // Looking at the shutdown signal takes its lock: only when nothing else
                // woke the task (as the signal does), and now and then on a busy one.
                polls = polls.wrapping_add(1);
                if !stopping && (!woke.any() || polls.is_multiple_of(16)) {
                    woke.stop = stopped.as_mut().poll(cx).is_ready();
                }
                if woke.any() {
                    Poll::Ready(woke)
                } else {
                    Poll::Pending
                }
            })
            .await;
            // Activity puts off the timer's work: a write is no stall, a read no quiet.
            let (wrote, read) = (woke.wrote.is_some(), woke.read.is_some());
            if let Some(written) = woke.wrote {
                match written? {
                    0 => return Err(io::ErrorKind::WriteZero.into()),
                    n => {
                        sent += n;
                        stalled_since = None;
                        (released, quiet_since) = (false, Instant::now());
                    }
                }
            }
            if let Some(read) = woke.read {
                read?;
                (released, quiet_since) = (false, Instant::now());
            }
            if woke.timer {
                armed = None;
                let now = Instant::now();
                if stall_limit.is_some_and(|at| now >= at) && !wrote {
                    return Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "the peer reads nothing",
                    ));
                }
                if deadline.is_some_and(|at| now >= at) {
                    link.lock().machine.handle_timeout(now);
                    // The next complete drain says what the next one is.
                    deadline = None;
                }
                if release_at.is_some_and(|at| now >= at) && !read {
                    let parkable = parks && idle && !(stopping || write_shut || woke.bell);
                    if let Some(parker) = parker.as_ref().filter(|_| parkable) {
                        // The lock is let go before the socket leaves.
                        let parked = app.park(&mut link.lock().machine);
                        if let Some(conn) = parked {
                            return park(sock, conn, parker);
                        }
                    }
                    link.lock().release_buffers();
                    app.release_buffers();
                    out = Transmit::new();
                    released = true;
                } else if release_at.is_some_and(|at| now < at) {
                    // The first look usually comes as a new connection's first
                    // request has just been answered: only from the second on does
                    // activity say that the connection is busy.
                    if looked {
                        quiet = (quiet * 2).min(QUIET);
                    }
                    looked = true;
                }
            }
            stopping |= woke.stop;
        }
    }
}

/// Hands a parked connection's socket to `parker`, out of the runtime. Only a plain
/// TCP socket is parked: the caller checked that `S` is one (were it not, the
/// connection would close).
#[cold]
#[inline(never)]
fn park<S: 'static>(sock: S, conn: Parked, parker: &Parker) -> io::Result<()> {
    let any: Box<dyn Any> = Box::new(sock);
    let Ok(tcp) = any.downcast::<TcpStream>() else {
        return Ok(());
    };
    let sock = tcp.into_std()?;
    parker.park(ParkedConn { sock, conn });
    Ok(())
}

/// What a wait of the connection's loop woke for: all that was ready at once.
#[derive(Default)]
struct Woke {
    wrote: Option<io::Result<usize>>,
    read: Option<io::Result<()>>,
    timer: bool,
    bell: bool,
    stop: bool,
}

impl Woke {
    fn any(&self) -> bool {
        self.wrote.is_some() || self.read.is_some() || self.timer || self.bell || self.stop
    }
}

/// However the task ends (even cancelled), the stream handles hear that it did.
struct Abandon<C: Machine>(Arc<Link<C>>);

impl<C: Machine> Drop for Abandon<C> {
    fn drop(&mut self) {
        self.0.lock().abandon();
    }
}

/// Resolves once the shutdown starts; never without a signal to wait for.
async fn stopped(stop: &mut Option<watch::Receiver<bool>>) {
    match stop {
        // A dropped sender stops too: nobody is left to say otherwise.
        Some(rx) => drop(rx.wait_for(|stop| *stop).await),
        None => std::future::pending().await,
    }
}

/// Reads once from `rd` into this thread's buffer and hands what came (or the end of
/// input) to the machine, within the same poll: the buffer is never held across one.
fn read_into<R: AsyncRead + Unpin, C: Machine>(
    rd: &mut R,
    cx: &mut std::task::Context<'_>,
    link: &Link<C>,
) -> Poll<io::Result<()>> {
    READ_BUF.with_borrow_mut(|buf| {
        let mut read = ReadBuf::new(buf);
        let Poll::Ready(result) = Pin::new(&mut *rd).poll_read(cx, &mut read) else {
            return Poll::Pending;
        };
        let mut shared = link.lock();
        let now = Instant::now();
        match result {
            Ok(()) if read.filled().is_empty() => shared.machine.handle_eof(now),
            Ok(()) => shared.machine.handle_input(now, read.filled()),
            // A reset peer sends nothing more: for the connection that is the end of
            // input.
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::ConnectionReset
                        | io::ErrorKind::ConnectionAborted
                        | io::ErrorKind::UnexpectedEof
                ) =>
            {
                shared.machine.handle_eof(now)
            }
            Err(e) => return Poll::Ready(Err(e)),
        }
        Poll::Ready(Ok(()))
    })
}

/// Writes what `out` holds after its first `sent` bytes to `wr`, at most
/// `WRITE_SLICES` slices in one vectored write; a writer that does not write vectors
/// well is given the first slice alone, as its own `poll_write_vectored` would.
fn write_from<W: AsyncWrite + Unpin>(
    wr: &mut W,
    cx: &mut std::task::Context<'_>,
    out: &Transmit,
    sent: usize,
) -> Poll<io::Result<usize>> {
    let mut chunks = out.chunks_from(sent);
    if !wr.is_write_vectored() {
        let first = chunks.next().unwrap_or_default();
        return Pin::new(wr).poll_write(cx, first);
    }
    let mut slices = [IoSlice::new(&[]); WRITE_SLICES];
    let mut count = 0;
    for (slot, chunk) in slices.iter_mut().zip(chunks) {
        *slot = IoSlice::new(chunk);
        count += 1;
    }
    Pin::new(wr).poll_write_vectored(cx, &slices[..count])
}

/// Reads and drops what the peer still sends, for a moment.
async fn linger<R: AsyncRead + Unpin>(rd: &mut R) {
    let mut buf = vec![0; READ_BUFFER];
    let buf = &mut buf;
    let drain = async {
        let mut left = LINGER_BYTES;
        while left > 0 {
            match rd.read(buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => left = left.saturating_sub(n),
            }
        }
    };
    let _ = tokio::time::timeout(LINGER, drain).await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use std::task::{Context, Waker};
    use weir::{Config, Connection, Request, Response, Side, Version};

    /// A writer that takes at most `max` bytes a call, with vectored writes or without.
    struct Taker {
        got: Vec<u8>,
        max: usize,
        vectored: bool,
        calls: usize,
    }

    impl AsyncWrite for Taker {
        fn poll_write(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            self.poll_write_vectored(cx, &[IoSlice::new(buf)])
        }

        fn poll_write_vectored(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
            bufs: &[IoSlice<'_>],
        ) -> Poll<io::Result<usize>> {
            let this = self.get_mut();
            assert!(
                this.vectored || bufs.len() == 1,
                "vectors for a plain writer"
            );
            assert!(bufs.len() <= WRITE_SLICES);
            assert!(bufs.iter().all(|b| !b.is_empty()));
            this.calls += 1;
            let mut left = this.max;
            for b in bufs {
                let n = b.len().min(left);
                this.got.extend_from_slice(&b[..n]);
                left -= n;
            }
            Poll::Ready(Ok(this.max - left))
        }

        fn is_write_vectored(&self) -> bool {
            self.vectored
        }

        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }

        fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    /// An HTTP/2 server's output for a response with a large body: DATA frame heads
    /// between the body's own chunks. Also its bytes, in one piece.
    fn transmit() -> (Transmit, Vec<u8>) {
        let now = Instant::now();
        let h2 = |side| Connection::with_version(side, Version::Http2, Config::default(), now);
        let (mut client, mut server) = (h2(Side::Client), h2(Side::Server));
        let request = Request::new("GET", "/").field("host", "a");
        client.send_request(request, true).unwrap();
        let mut wire = Vec::new();
        while !matches!(client.poll_output(&mut wire), Output::Timeout(_)) {}
        server.handle_input(now, &wire);
        let body: Vec<u8> = (0..60_000u32).map(|i| (i % 251) as u8).collect();
        let mut out = Transmit::new();
        loop {
            match server.poll_output_vectored(&mut out) {
                Output::Event(Event::Headers { stream, .. }) => {
                    server
                        .send_response(stream, Response::new(200), false)
                        .unwrap();
                    server
                        .send_data(stream, Bytes::from(body.clone()), true)
                        .unwrap();
                }
                Output::Timeout(_) => break,
                _ => {}
            }
        }
        let mut all = Vec::new();
        out.copy_to(&mut all);
        (out, all)
    }

    #[test]
    fn writes_resume_where_the_last_one_stopped() {
        let (out, all) = transmit();
        let slices = out.chunks().count();
        assert!(slices > 4, "the body went out in {slices} slices");
        let mut cx = Context::from_waker(Waker::noop());
        for vectored in [true, false] {
            for max in [1, 9, 1000, 20_000, usize::MAX] {
                let mut w = Taker {
                    got: Vec::new(),
                    max,
                    vectored,
                    calls: 0,
                };
                let mut sent = 0;
                while sent < out.len() {
                    match write_from(&mut w, &mut cx, &out, sent) {
                        Poll::Ready(Ok(n)) if n > 0 => sent += n,
                        other => panic!("{other:?}"),
                    }
                }
                assert_eq!(w.got, all, "vectored: {vectored}, max: {max}");
                if max == usize::MAX {
                    // All at once with vectors; a slice a call without.
                    assert_eq!(w.calls, if vectored { 1 } else { slices });
                }
            }
        }
    }
}
