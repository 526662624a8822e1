//! A small blocking client: send commands, then pull events one at a time.

use crate::driver::Driver;
use crate::stream_io::StreamIo;
use bytes::Bytes;
use std::collections::VecDeque;
use std::io;
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};
use weir::{Config, Connection, Event, Misuse, Request, Side, StreamId, Version};

/// The largest piece of a body written at once by [`Client::send_body`] (and by a
/// [`StreamIo`] write): small enough that the echo of one piece always fits in the
/// socket buffers.
pub(crate) const PIECE: usize = 16 * 1024;

/// One client connection over TCP.
///
/// Commands are written at once; events are read as they come, with
/// [`next_event`](Client::next_event):
///
/// ```no_run
/// use weir::{Event, Request};
/// use weir_blocking::Client;
/// use std::time::Duration;
///
/// let mut client = Client::connect("127.0.0.1:3000", Duration::from_secs(5))?;
/// let get = Request::new("GET", "/").field("host", "127.0.0.1:3000");
/// client.send_request(get, true)?;
/// while let Some(event) = client.next_event()? {
///     if let Event::Data { data, .. } = &event {
///         print!("{}", String::from_utf8_lossy(data));
///     }
///     if matches!(event, Event::Data { end_stream: true, .. }) {
///         break;
///     }
/// }
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct Client {
    driver: Driver,
    events: VecDeque<Event>,
    timeout: Duration,
}

impl Client {
    /// Connects to `addr`; `timeout` bounds the connect and each wait for an event.
    pub fn connect(addr: impl ToSocketAddrs, timeout: Duration) -> io::Result<Client> {
        Client::connect_with(addr, Config::default(), timeout)
    }

    /// Like [`connect`](Client::connect), with the connection's limits.
    pub fn connect_with(
        addr: impl ToSocketAddrs,
        config: Config,
        timeout: Duration,
    ) -> io::Result<Client> {
        Client::connect_version(addr, Version::Http11, config, timeout)
    }

    /// Like [`connect_with`](Client::connect_with), speaking `version` from the first
    /// byte (HTTP/2 with prior knowledge).
    pub fn connect_version(
        addr: impl ToSocketAddrs,
        version: Version,
        config: Config,
        timeout: Duration,
    ) -> io::Result<Client> {
        let mut last = None;
        for addr in addr.to_socket_addrs()? {
            match TcpStream::connect_timeout(&addr, timeout) {
                Ok(sock) => {
                    sock.set_nodelay(true)?;
                    sock.set_write_timeout(Some(timeout))?;
                    let conn =
                        Connection::with_version(Side::Client, version, config, Instant::now());
                    return Ok(Client {
                        driver: Driver::new(sock, conn),
                        events: VecDeque::new(),
                        timeout,
                    });
                }
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no address")))
    }

    /// The connection, for what the other methods do not cover.
    pub fn connection(&mut self) -> &mut Connection {
        self.driver.connection()
    }

    /// Starts a request and writes it; `end_stream`: it has no body.
    pub fn send_request(&mut self, head: Request, end_stream: bool) -> io::Result<StreamId> {
        let stream = self
            .driver
            .connection()
            .send_request(head, end_stream)
            .map_err(misuse)?;
        self.flush()?;
        Ok(stream)
    }

    /// Writes body bytes (or raw bytes on a tunnel); `end_stream` ends the body (or
    /// closes this side of the tunnel). Takes in whatever the peer has sent meanwhile,
    /// for [`next_event`](Client::next_event). While the stream's send buffer is full
    /// (the peer has not opened its window for what is queued), waits for room, at most
    /// the timeout given to [`connect`](Client::connect).
    pub fn send_data(
        &mut self,
        stream: StreamId,
        data: impl Into<Bytes>,
        end_stream: bool,
    ) -> io::Result<()> {
        let data = data.into();
        let give_up = Instant::now() + self.timeout;
        loop {
            match self
                .driver
                .connection()
                .send_data(stream, data.clone(), end_stream)
            {
                Err(Misuse::BufferFull) => {
                    let deadline = self.flush()?;
                    if self.driver.connection().send_capacity(stream) > 0 {
                        continue;
                    }
                    let left = give_up.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return Err(io::Error::new(
                            io::ErrorKind::TimedOut,
                            format!("no room to send in {:?}", self.timeout),
                        ));
                    }
                    self.driver.wait(deadline, Some(left))?;
                }
                sent => break sent.map_err(misuse)?,
            }
        }
        self.flush()?;
        if self.driver.read_ready()? {
            self.flush()?;
        }
        Ok(())
    }

    /// Writes a body of any size in bounded pieces, taking in what the peer sends
    /// between them: a server that echoes the body is never blocked on a full socket
    /// while this side is blocked writing.
    pub fn send_body(&mut self, stream: StreamId, body: Bytes, end_stream: bool) -> io::Result<()> {
        let mut rest = body;
        loop {
            let piece = rest.split_to(rest.len().min(PIECE));
            let last = rest.is_empty();
            self.send_data(stream, piece, end_stream && last)?;
            if last {
                return Ok(());
            }
        }
    }

    /// `stream` as [`std::io::Read`] + [`std::io::Write`]: its response body (or the
    /// raw bytes of a tunnel) to read, its request body to write. The events of the
    /// stream not taken yet go to it; each read or write waits at most the timeout
    /// given to [`connect`](Client::connect).
    pub fn stream_io(&mut self, stream: StreamId) -> StreamIo<'_> {
        StreamIo::new(
            &mut self.driver,
            &mut self.events,
            stream,
            Some(self.timeout),
        )
    }

    /// The next event: waits for one (at most the timeout given to
    /// [`connect`](Client::connect), else an error of kind `TimedOut`). `None` once the
    /// connection is closed and every event was taken.
    pub fn next_event(&mut self) -> io::Result<Option<Event>> {
        let give_up = Instant::now() + self.timeout;
        loop {
            if let Some(event) = self.events.pop_front() {
                return Ok(Some(event));
            }
            let deadline = self.flush()?;
            if !self.events.is_empty() {
                continue;
            }
            if self.driver.connection().is_closed() {
                return Ok(None);
            }
            let left = give_up.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("nothing from the server in {:?}", self.timeout),
                ));
            }
            self.driver.wait(deadline, Some(left))?;
        }
    }

    /// Drains the connection: writes what it has, queues its events (but `Writable`:
    /// [`send_data`](Client::send_data) waits for room itself).
    fn flush(&mut self) -> io::Result<Option<Instant>> {
        let events = &mut self.events;
        self.driver.drain(|_, event| {
            if !matches!(event, Event::Writable { .. }) {
                events.push_back(event);
            }
        })
    }
}

fn misuse(e: Misuse) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, e)
}
