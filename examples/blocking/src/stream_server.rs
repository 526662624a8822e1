//! A server whose requests are handled as blocking byte streams: each request head is
//! handed, with its stream as a [`StreamIo`], to a plain function that answers, reads
//! and writes.

use crate::driver::Driver;
use crate::server::{serve_on, server_connection, Server, ShutdownHandle};
use crate::stream_io::StreamIo;
use std::collections::VecDeque;
use std::io::{self, Write};
use std::net::TcpStream;
use std::sync::Arc;
use weir::{Config, Connection, Event, Head, Reason, Request, Version};

impl Server {
    /// Accepts connections and serves each on its own thread with
    /// [`serve_streams`], until the shutdown is triggered.
    ///
    /// ```no_run
    /// use std::io::{Read, Write};
    /// use weir::Response;
    /// use weir_blocking::Server;
    ///
    /// let server = Server::bind("127.0.0.1:0", weir::Config::default())?;
    /// server.run_streams(|_request, io| {
    ///     io.send_response(Response::new(200))?;
    ///     let mut buf = [0; 1024];
    ///     loop {
    ///         let n = io.read(&mut buf)?;
    ///         if n == 0 {
    ///             break;
    ///         }
    ///         io.write_all(&buf[..n])?;
    ///     }
    ///     io.close_write()
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn run_streams<H>(self, handler: H) -> io::Result<()>
    where
        H: Fn(Request, &mut StreamIo<'_>) -> io::Result<()> + Send + Sync + 'static,
    {
        self.accept(move |sock, config, version, shutdown| {
            serve_streams(sock, config, version, &handler, shutdown)
        })
    }
}

/// Serves one connection, one request at a time: `handler` gets each request head and
/// its stream as a [`StreamIo`], sends the response head
/// ([`StreamIo::send_response`]), reads the request body and writes the response body.
/// Once it returns, the stream is closed ([`StreamIo::close`]); if it fails, the
/// stream is reset (on HTTP/1.1 that closes the connection) and the error printed.
///
/// On HTTP/2 the other requests of the connection wait, their events kept, until the
/// handler returns: a handler that waits on another stream of its own connection waits
/// forever. `version` fixes the protocol; `None` detects it from the first bytes.
pub fn serve_streams<H>(
    sock: TcpStream,
    config: impl Into<Arc<Config>>,
    version: Option<Version>,
    handler: &H,
    shutdown: &ShutdownHandle,
) -> io::Result<()>
where
    H: Fn(Request, &mut StreamIo<'_>) -> io::Result<()>,
{
    let conn = server_connection(&sock, config.into(), version)?;
    let mut driver = Driver::new(sock, conn);
    let mut events = VecDeque::new();
    let mut going_away = false;
    loop {
        let deadline = driver.drain(|_, event| events.push_back(event))?;
        // Events of streams that are done (the rest of a dropped body, a reset) and of
        // the connection need nothing from us.
        let mut served = false;
        while let Some(event) = events.pop_front() {
            let Event::Headers {
                stream,
                head: Head::Request(request),
                ..
            } = &event
            else {
                continue;
            };
            let (stream, request) = (*stream, request.clone());
            // The server's own waits are bounded by the connection's deadlines.
            let mut io = StreamIo::new(&mut driver, &mut events, stream, None);
            io.handle_event(event);
            // An I/O error here is the peer going away: the next drain says so.
            let _ = match handler(request, &mut io) {
                Ok(()) => io.close(),
                Err(e) => {
                    eprintln!("stream {}: {e}", stream.0);
                    let _ = io.connection().reset_stream(stream, Reason::INTERNAL_ERROR);
                    io.flush()
                }
            };
            served = true;
        }
        if served {
            // Time passed in the handler: drain again for a fresh deadline.
            continue;
        }
        let go_away = |conn: &mut Connection| {
            conn.version() == Version::Http2 && conn.go_away(Reason::NO_ERROR).is_ok()
        };
        if !serve_on(
            &mut driver,
            shutdown,
            &mut going_away,
            true,
            deadline,
            go_away,
        )? {
            return Ok(());
        }
    }
}
