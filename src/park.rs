//! [`Parked`]: an idle connection put aside in the little it needs to carry on, for
//! servers that hold many connections waiting for their peers.

use crate::h1::ParkedH1;
use crate::h2::conn::H2;
use crate::{Config, Connection, Version};
use std::time::Instant;

/// An idle connection, folded: what [`Connection::park`] takes out of a connection
/// that has nothing under way, and [`resume`](Parked::resume) turns back into one.
///
/// An idle HTTP/1.1 connection folds to a few words (its configuration, the next
/// stream's number, its idle deadline). An HTTP/2 one keeps its whole protocol state
/// (settings, windows, HPACK tables) without its buffers. While it is parked, the
/// adapter waits for the socket to turn readable or for [`deadline`](Parked::deadline)
/// to pass, whichever comes first, and then resumes it and goes on as before: feeds it
/// the input, or calls `handle_timeout`.
///
/// ```
/// use std::time::Instant;
/// use weir::{Config, Connection, Event, Head, Output, Response, Side};
///
/// let now = Instant::now();
/// let mut conn = Connection::new(Side::Server, Config::default(), now);
/// let mut out = Vec::new();
/// for _ in 0..2 {
///     conn.handle_input(now, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n");
///     loop {
///         match conn.poll_output(&mut out) {
///             Output::Event(Event::Headers { stream, head: Head::Request(_), .. }) => {
///                 conn.send_response(stream, Response::new(204), true).unwrap();
///             }
///             Output::Timeout(_) => break,
///             _ => {}
///         }
///     }
///     // Between requests: put it aside until the socket turns readable again.
///     let parked = conn.park().expect("idle");
///     assert!(conn.is_closed());
///     assert!(parked.deadline().is_some()); // the idle timeout
///     conn = parked.resume(now);
/// }
/// assert_eq!(out.windows(12).filter(|w| w == b"HTTP/1.1 204").count(), 2);
/// ```
#[derive(Debug)]
pub struct Parked(pub(crate) Folded);

/// What a parked connection keeps, per version.
#[derive(Debug)]
pub(crate) enum Folded {
    H1 {
        h1: ParkedH1,
        /// A server that has received nothing yet and may still see the HTTP/2
        /// preface.
        sniff: bool,
    },
    H2(Box<H2>),
}

impl Parked {
    /// The protocol version the connection speaks.
    pub fn version(&self) -> Version {
        match &self.0 {
            Folded::H1 { .. } => Version::Http11,
            Folded::H2(_) => Version::Http2,
        }
    }

    /// The configuration the connection runs with.
    pub fn config(&self) -> &Config {
        match &self.0 {
            Folded::H1 { h1, .. } => h1.config(),
            Folded::H2(h2) => h2.config(),
        }
    }

    /// When the connection has something to do even if the peer stays quiet (an idle
    /// timeout, a SETTINGS acknowledgment overdue): resume it then, and call
    /// `handle_timeout`. `None`: only the peer wakes it.
    pub fn deadline(&self) -> Option<Instant> {
        match &self.0 {
            Folded::H1 { h1, .. } => h1.idle_deadline(),
            Folded::H2(h2) => h2.next_deadline(),
        }
    }

    /// The connection again, in the state it was parked in; `now` is the time.
    pub fn resume(self, now: Instant) -> Connection {
        Connection::unpark(self.0, now)
    }
}
