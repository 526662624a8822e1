//! [`Driver`]: the driving loop of the crate documentation of `weir`, over a blocking
//! [`TcpStream`], cut into its two halves so that a server and a client can both use it.

use crate::endpoint::Drive;
use std::io::{self, ErrorKind, Read};
use std::net::{Shutdown, TcpStream};
use std::time::{Duration, Instant};
use weir::{Connection, Event, Output, Transmit};

/// How much one socket read may take in.
const READ_BUFFER: usize = 64 * 1024;

/// At most this many non-blocking reads per [`Driver::read_ready`] call, so that a peer
/// that sends without pause cannot keep the caller from writing.
const READY_READS: usize = 16;

/// How long, and how much, [`Driver::linger`] reads from a peer before closing.
const LINGER: Duration = Duration::from_secs(1);
const LINGER_BYTES: usize = 1 << 20;

/// A [`Connection`] (or another machine that [drives](Drive) like one, such as a
/// dispatcher with its handlers) bound to a [`TcpStream`].
///
/// The loop is: [`drain`](Driver::drain) (which writes what the connection transmits,
/// hands events over and returns the next deadline), then [`wait`](Driver::wait) for one
/// input, and again. After each drain, a connection whose writing side is done has its
/// socket's write half shut down (once).
#[derive(Debug)]
pub struct Driver<C = Connection> {
    sock: TcpStream,
    conn: C,
    out: Transmit,
    buf: Box<[u8]>,
    write_shut: bool,
}

impl<C: Drive> Driver<C> {
    /// Binds `conn` to `sock`.
    pub fn new(sock: TcpStream, conn: C) -> Driver<C> {
        Driver {
            sock,
            conn,
            out: Transmit::new(),
            buf: vec![0; READ_BUFFER].into_boxed_slice(),
            write_shut: false,
        }
    }

    /// The connection, to send commands on.
    pub fn connection(&mut self) -> &mut C {
        &mut self.conn
    }

    /// The socket.
    pub fn socket(&self) -> &TcpStream {
        &self.sock
    }

    /// Drains [`Connection::poll_output_vectored`] until it reports the deadline: writes
    /// every transmit to the socket (large body chunks as they are, in one vectored
    /// write with the bytes around them) and passes every event to `on_event` (which
    /// may send commands). Returns the deadline (`None`: none).
    pub fn drain(
        &mut self,
        mut on_event: impl FnMut(&mut C, Event),
    ) -> io::Result<Option<Instant>> {
        let deadline = loop {
            match self.conn.poll_output_vectored(&mut self.out) {
                Output::Transmit => self.out.write_to(&mut self.sock)?,
                Output::Event(event) => on_event(&mut self.conn, event),
                Output::Timeout(deadline) => break deadline,
            }
        };
        if self.conn.is_write_closed() && !self.write_shut {
            self.write_shut = true;
            // The peer may be gone already; the read side will tell.
            let _ = self.sock.shutdown(Shutdown::Write);
        }
        Ok(deadline)
    }

    /// Closes the connection the way a server should once it is over: the write half
    /// first, then whatever the peer still sends is read and dropped for a moment.
    /// Closing a socket with unread input makes the kernel reset the connection, and
    /// the reset can overtake the last bytes written (a GOAWAY, an error response).
    /// The driver is of no more use afterwards: drop it to close the socket.
    pub fn linger(&mut self) {
        if !self.write_shut {
            self.write_shut = true;
            let _ = self.sock.shutdown(Shutdown::Write);
        }
        let until = Instant::now() + LINGER;
        let mut left = LINGER_BYTES;
        while left > 0 {
            let now = Instant::now();
            if now >= until || self.sock.set_read_timeout(Some(until - now)).is_err() {
                return;
            }
            match self.sock.read(&mut self.buf) {
                Ok(0) | Err(_) => return,
                Ok(n) => left = left.saturating_sub(n),
            }
        }
    }

    /// Waits for one input and gives it to the connection: bytes, the peer's end of
    /// input, or the deadline. Waits at most `limit` (if given) so that the caller can
    /// look at something else, such as a shutdown flag.
    ///
    /// Reads only while the connection [wants input](Connection::wants_input); when it
    /// does not, only time can move it, and a connection that waits for neither input
    /// nor a deadline is stalled: that is an error.
    pub fn wait(&mut self, deadline: Option<Instant>, limit: Option<Duration>) -> io::Result<()> {
        let now = Instant::now();
        let timeout = match (deadline.map(|d| d.saturating_duration_since(now)), limit) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if !self.conn.wants_input() {
            if deadline.is_none() {
                return Err(io::Error::other(
                    "the connection waits for neither input nor a deadline",
                ));
            }
            std::thread::sleep(timeout.unwrap_or_default());
            self.fire(deadline);
            return Ok(());
        }
        // A zero read timeout is an error for std: wait at least a millisecond.
        self.sock
            .set_read_timeout(timeout.map(|t| t.max(Duration::from_millis(1))))?;
        let read = self.sock.read(&mut self.buf);
        self.feed(read, deadline)
    }

    /// Reads what has already arrived without blocking, and gives it to the connection.
    /// Returns whether anything (bytes or the end of input) was read. A client that
    /// writes a long body calls this between chunks, so that a server echoing the body
    /// is never blocked on a full socket while the client is blocked writing.
    pub fn read_ready(&mut self) -> io::Result<bool> {
        let mut any = false;
        self.sock.set_nonblocking(true)?;
        let result = (|| {
            for _ in 0..READY_READS {
                if !self.conn.wants_input() {
                    break;
                }
                match self.sock.read(&mut self.buf) {
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    read => {
                        let eof = matches!(read, Ok(0));
                        self.feed(read, None)?;
                        any = true;
                        if eof {
                            break;
                        }
                    }
                }
            }
            Ok(())
        })();
        self.sock.set_nonblocking(false)?;
        result.map(|()| any)
    }

    /// Gives the result of one read to the connection.
    fn feed(&mut self, read: io::Result<usize>, deadline: Option<Instant>) -> io::Result<()> {
        match read {
            Ok(0) => self.conn.handle_eof(Instant::now()),
            Ok(n) => self.conn.handle_input(Instant::now(), &self.buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                self.fire(deadline)
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            // A reset peer sends nothing more: for the connection that is the end of input.
            Err(e)
                if matches!(
                    e.kind(),
                    ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted
                ) =>
            {
                self.conn.handle_eof(Instant::now())
            }
            Err(e) => return Err(e),
        }
        Ok(())
    }

    /// Calls `handle_timeout` if the deadline has passed (a read may time out early
    /// because of the caller's `limit`).
    fn fire(&mut self, deadline: Option<Instant>) {
        let now = Instant::now();
        if deadline.is_some_and(|d| now >= d) {
            self.conn.handle_timeout(now);
        }
    }
}
