//! [`StreamIo`]: one stream of a connection as [`std::io::Read`] + [`std::io::Write`],
//! over weir's [`Duplex`] view; it drives the connection while it reads and writes.

use crate::client::PIECE;
use crate::driver::Driver;
use bytes::Bytes;
use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::time::{Duration, Instant};
use weir::{Connection, Duplex, Event, Head, Inbound, Response, StreamError, StreamId};

/// One stream as a blocking byte stream: [`Read`] gives what the peer sends (its body,
/// or the raw bytes of a tunnel) and returns 0 at its end; [`Write`] sends this side's;
/// [`close_write`](StreamIo::close_write) ends it. Both directions are independent, so
/// an echo is a plain loop:
///
/// ```no_run
/// use std::io::{Read, Write};
/// use weir::Request;
/// use weir_blocking::Client;
///
/// let mut client = Client::connect("127.0.0.1:3000", std::time::Duration::from_secs(5))?;
/// let post = Request::new("POST", "/echo").field("host", "127.0.0.1:3000");
/// let stream = client.send_request(post, false)?;
/// let mut io = client.stream_io(stream);
/// io.write_all(b"Hello, ")?;
/// io.write_all(b"World!")?;
/// io.close_write()?;
/// let mut echo = String::new();
/// io.read_to_string(&mut echo)?;
/// assert_eq!(echo, "Hello, World!");
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// While it waits (for bytes to read, or for room to write), the connection's events
/// about other streams are kept for their owner (the [`Client`](crate::Client)'s
/// `next_event`). Flow control is the view's: with `h2_manual_flow_control` the peer
/// may send no more than the stream's window ahead of what was read.
#[derive(Debug)]
pub struct StreamIo<'a> {
    driver: &'a mut Driver,
    /// Events about other streams and the connection, for their owner.
    others: &'a mut VecDeque<Event>,
    view: Duplex,
    /// The last response head of the stream (not a 100), for a client.
    response: Option<Response>,
    /// How long one read or write may wait; `None`: as long as the connection lives.
    timeout: Option<Duration>,
}

impl<'a> StreamIo<'a> {
    /// The view of `stream` on `driver`'s connection; the events already taken from it
    /// (`others`) that concern the stream go to the view, in order, the rest stay.
    pub(crate) fn new(
        driver: &'a mut Driver,
        others: &'a mut VecDeque<Event>,
        stream: StreamId,
        timeout: Option<Duration>,
    ) -> StreamIo<'a> {
        let mut io = StreamIo {
            driver,
            others,
            view: Duplex::new(stream),
            response: None,
            timeout,
        };
        let earlier = std::mem::take(io.others);
        for event in earlier {
            if let Some(event) = take(&mut io.view, &mut io.response, event) {
                io.others.push_back(event);
            }
        }
        io
    }

    /// Gives the view one event (the request head a server answers, typically).
    pub(crate) fn handle_event(&mut self, event: Event) {
        if let Some(event) = take(&mut self.view, &mut self.response, event) {
            self.others.push_back(event);
        }
    }

    /// The stream.
    pub fn stream(&self) -> StreamId {
        self.view.stream()
    }

    /// The connection, for what the other methods do not cover.
    pub fn connection(&mut self) -> &mut Connection {
        self.driver.connection()
    }

    /// Whether the stream became a tunnel: reads and writes carry its raw bytes.
    pub fn is_tunnel(&self) -> bool {
        self.view.is_tunnel()
    }

    /// Sends the response head (server), the body to follow; a 101 or a 2xx to
    /// CONNECT opens a tunnel, which the view knows of when this returns.
    pub fn send_response(&mut self, head: Response) -> io::Result<()> {
        let stream = self.stream();
        self.driver
            .connection()
            .send_response(stream, head, false)
            .map_err(|e| stream_error(e.into()))?;
        self.pump().map(|_| ())
    }

    /// Waits for the response head (client): the final one, or a 101.
    pub fn response(&mut self) -> io::Result<Response> {
        let give_up = self.give_up();
        loop {
            let deadline = self.pump()?;
            if let Some(response) = &self.response {
                return Ok(response.clone());
            }
            // A stream that failed before its response says why (with nothing received,
            // a read takes nothing).
            if self.view.buffered() == 0 {
                if let Err(e) = self.view.read_partial(self.driver.connection(), 1) {
                    return Err(stream_error(e));
                }
            }
            self.wait(deadline, give_up)?;
        }
    }

    /// Ends this side: the end of the body, or of this side's half of a tunnel.
    pub fn close_write(&mut self) -> io::Result<()> {
        let closed = self.view.close_write(self.driver.connection());
        self.pump()?;
        closed.map_err(stream_error)
    }

    /// Done with the stream: ends this side if it is still open, and stops reading
    /// (see [`Duplex::close`]).
    pub fn close(&mut self) -> io::Result<()> {
        self.view.close(self.driver.connection());
        self.pump().map(|_| ())
    }

    /// Drains the connection: writes what it transmits, gives the view its events and
    /// keeps the others. Returns the connection's deadline.
    fn pump(&mut self) -> io::Result<Option<Instant>> {
        let (view, response, others) = (&mut self.view, &mut self.response, &mut *self.others);
        self.driver.drain(|_, event| {
            if let Some(event) = take(view, response, event) {
                others.push_back(event);
            }
        })
    }

    /// When a read or write started now gives up.
    fn give_up(&self) -> Option<Instant> {
        self.timeout.map(|t| Instant::now() + t)
    }

    /// Waits for one input, at most until `give_up`.
    fn wait(&mut self, deadline: Option<Instant>, give_up: Option<Instant>) -> io::Result<()> {
        let left = give_up.map(|g| g.saturating_duration_since(Instant::now()));
        if left.is_some_and(|l| l.is_zero()) {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!(
                    "nothing from the peer in {:?}",
                    self.timeout.unwrap_or_default()
                ),
            ));
        }
        self.driver.wait(deadline, left)
    }

    /// Reads what the view has: `Some` with the count (0 at the end), `None` if nothing
    /// came yet.
    fn try_read(&mut self, buf: &mut [u8]) -> io::Result<Option<usize>> {
        match self.view.read_partial(self.driver.connection(), buf.len()) {
            Ok(Inbound::Data(data)) => {
                buf[..data.len()].copy_from_slice(&data);
                // The window given back goes out now, not with the next wait.
                self.pump()?;
                Ok(Some(data.len()))
            }
            Ok(Inbound::End) => Ok(Some(0)),
            Ok(Inbound::Pending) => Ok(None),
            Err(e) => Err(stream_error(e)),
        }
    }
}

impl Read for StreamIo<'_> {
    /// Waits for bytes from the peer; 0 once its side has ended.
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let give_up = self.give_up();
        loop {
            if let Some(n) = self.try_read(buf)? {
                return Ok(n);
            }
            // Also hands out what the read queued (a `100 Continue`).
            let deadline = self.pump()?;
            if let Some(n) = self.try_read(buf)? {
                return Ok(n);
            }
            self.wait(deadline, give_up)?;
        }
    }
}

impl Write for StreamIo<'_> {
    /// Sends what the stream's send buffer has room for (a piece at most), waiting for
    /// room if there is none.
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let stream = self.stream();
        let give_up = self.give_up();
        loop {
            let conn = self.driver.connection();
            // Copies only what is taken: the room, within one piece.
            let room = conn.send_capacity(stream).min(buf.len()).min(PIECE);
            let data = Bytes::copy_from_slice(&buf[..room]);
            let n = self.view.write(conn, data).map_err(stream_error)?;
            let deadline = self.pump()?;
            if n > 0 {
                // Take in what the peer sent meanwhile: a peer that echoes is never
                // blocked on a full socket while this side is blocked writing.
                if self.driver.read_ready()? {
                    self.pump()?;
                }
                return Ok(n);
            }
            if self.driver.connection().send_capacity(stream) == 0 {
                self.wait(deadline, give_up)?;
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        self.pump().map(|_| ())
    }
}

/// Gives `event` to the view (noting a response head); returns it if it is not the
/// view's alone.
fn take(view: &mut Duplex, response: &mut Option<Response>, event: Event) -> Option<Event> {
    if let Event::Headers {
        stream,
        head: Head::Response(res),
        ..
    } = &event
    {
        if *stream == view.stream() && res.status != 100 {
            *response = Some(res.clone());
        }
    }
    (!view.handle_event(&event)).then_some(event)
}

/// The view's error as an I/O error of the nearest kind.
fn stream_error(e: StreamError) -> io::Error {
    let kind = match e {
        StreamError::Reset { .. } => io::ErrorKind::ConnectionReset,
        StreamError::ConnectionClosed(_) => io::ErrorKind::ConnectionAborted,
        StreamError::Refused(_) => io::ErrorKind::InvalidInput,
    };
    io::Error::new(kind, e)
}
