//! The [`Handler`] trait and [`Next`], the rest of a chain as seen by one handler.

use super::default::DefaultHandler;
use crate::{Command, Config, Error, Event, PartialRequest, Reason, Request, Response, StreamId};
use crate::{Initiator, Version};
use bytes::Bytes;

/// A stream handler: it sees every stream of a server connection on its way to the
/// application, and every command on its way back to the connection.
///
/// Handlers form a chain. Each callback receives the stream id and [`Next`], the rest
/// of the chain: a handler calls `next` to pass the callback on (possibly with other
/// arguments), and returns the commands `next` returned, passed through, dropped,
/// rewritten or joined by its own. The default method of every callback passes it on
/// unchanged, so a handler implements only what it needs. The last handler of every
/// chain is the [`DefaultHandler`]: it hands requests to the application and the
/// application's commands to the connection.
///
/// `M` is the type of the application's own messages to its handlers (see
/// [`Info::Message`]).
///
/// A handler that adds a header to every response:
///
/// ```
/// use weir::handler::{Handler, Info, Next};
/// use weir::{Command, StreamId};
///
/// struct PoweredBy;
///
/// impl<M> Handler<M> for PoweredBy {
///     fn info(&mut self, stream: StreamId, info: Info<M>, next: Next<'_, M>) -> Vec<Command> {
///         let mut commands = next.info(stream, info);
///         for command in &mut commands {
///             if let Command::Response { head, .. } = command {
///                 head.fields.append("x-powered-by", "weir");
///             }
///         }
///         commands
///     }
/// }
/// ```
///
/// Responses the application sends arrive through `info` (as [`Info::Command`]); a
/// handler that answers in `init` or `data` itself rewrites those callbacks' commands
/// the same way.
///
/// Handlers are `Send`, so that a [`Dispatcher`](super::Dispatcher) (a connection with
/// its chain) can move between the threads of a multi-threaded runtime.
pub trait Handler<M = ()>: Send {
    /// A new request, `end_stream` when it has no body; also a request this server
    /// promised (server push), which never has one.
    fn init(
        &mut self,
        stream: StreamId,
        request: Request,
        end_stream: bool,
        opts: &Options<'_>,
        next: Next<'_, M>,
    ) -> Vec<Command> {
        next.init(stream, request, end_stream, opts)
    }

    /// Request body bytes; `end_stream` when the body is complete. On a tunnel, the raw
    /// bytes the client sent.
    fn data(
        &mut self,
        stream: StreamId,
        data: Bytes,
        end_stream: bool,
        next: Next<'_, M>,
    ) -> Vec<Command> {
        next.data(stream, data, end_stream)
    }

    /// Anything else for this stream: a command of the application on its way to the
    /// connection, another event of the connection (trailers, a tunnel, room to
    /// write), or a message of the application.
    fn info(&mut self, stream: StreamId, info: Info<M>, next: Next<'_, M>) -> Vec<Command> {
        next.info(stream, info)
    }

    /// The stream is over; nothing more comes for it.
    fn terminate(&mut self, stream: StreamId, reason: &Terminate, next: Next<'_, M>) {
        next.terminate(stream, reason)
    }

    /// The request head could not be read: `request` holds what was, and `response`
    /// is about to be sent. Returns the response to send instead (or the same).
    fn early_error(
        &mut self,
        stream: StreamId,
        request: &PartialRequest,
        error: &Error,
        response: Response,
        next: Next<'_, M>,
    ) -> Response {
        next.early_error(stream, request, error, response)
    }

    /// The connection is idle (see [`Connection::release_buffers`]): free the memory
    /// kept for streams that are over. Nothing to do by default.
    ///
    /// [`Connection::release_buffers`]: crate::Connection::release_buffers
    fn release_buffers(&mut self) {}
}

/// What reaches a handler's [`info`](Handler::info).
#[derive(Debug)]
#[non_exhaustive]
pub enum Info<M = ()> {
    /// A command of the application, on its way to the connection. The
    /// [`DefaultHandler`] returns it, so that every handler before it sees it come
    /// back and may rewrite it.
    Command(Command),
    /// An event of the connection about this stream that is not a request head or
    /// body: `Trailers` (the body is complete), `ChunkExtension`, `Tunnel`, `Writable`.
    Event(Event),
    /// A message of the application to its handlers. The [`DefaultHandler`] drops it.
    Message(M),
}

/// Why a stream is over, for [`Handler::terminate`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Terminate {
    /// The request and the response are complete (for a tunnel: both directions
    /// closed).
    Normal,
    /// The stream was reset.
    Reset {
        /// The error code.
        code: Reason,
        /// Who reset it.
        initiator: Initiator,
    },
    /// The connection closed first; `None` when it closed cleanly.
    Closed(Option<Error>),
}

/// The connection's options, as [`Handler::init`] sees them: borrowed from the
/// connection, which keeps the one copy of its configuration.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct Options<'a> {
    /// The connection's configuration.
    pub config: &'a Config,
    /// The protocol the connection speaks.
    pub version: Version,
}

impl<'a> Options<'a> {
    pub(super) fn of(conn: &'a crate::Connection) -> Options<'a> {
        Options {
            config: conn.config(),
            version: conn.version(),
        }
    }
}

/// The rest of a chain, after the handler that holds it: calling one of its methods
/// runs that callback on the next handler (and, through it, on the rest).
pub struct Next<'a, M> {
    rest: &'a mut [Box<dyn Handler<M>>],
    last: &'a mut DefaultHandler,
}

impl<'a, M> Next<'a, M> {
    pub(super) fn new(rest: &'a mut [Box<dyn Handler<M>>], last: &'a mut DefaultHandler) -> Self {
        Next { rest, last }
    }

    /// The same rest of the chain, borrowed again, for a handler that calls it more
    /// than once in one callback: a decoder that passes on its last bytes, then the
    /// trailers that ended them.
    pub fn reborrow(&mut self) -> Next<'_, M> {
        Next::new(self.rest, self.last)
    }

    /// Runs [`Handler::init`] on the rest of the chain.
    pub fn init(
        self,
        stream: StreamId,
        request: Request,
        end_stream: bool,
        opts: &Options<'_>,
    ) -> Vec<Command> {
        match self.rest.split_first_mut() {
            Some((h, rest)) => h.init(
                stream,
                request,
                end_stream,
                opts,
                Next::new(rest, self.last),
            ),
            None => self.last.init(stream, request, end_stream),
        }
    }

    /// Runs [`Handler::data`] on the rest of the chain.
    pub fn data(self, stream: StreamId, data: Bytes, end_stream: bool) -> Vec<Command> {
        match self.rest.split_first_mut() {
            Some((h, rest)) => h.data(stream, data, end_stream, Next::new(rest, self.last)),
            None => self.last.data(stream, data, end_stream),
        }
    }

    /// Runs [`Handler::info`] on the rest of the chain.
    pub fn info(self, stream: StreamId, info: Info<M>) -> Vec<Command> {
        match self.rest.split_first_mut() {
            Some((h, rest)) => h.info(stream, info, Next::new(rest, self.last)),
            None => self.last.info(stream, info),
        }
    }

    /// Runs [`Handler::terminate`] on the rest of the chain.
    pub fn terminate(self, stream: StreamId, reason: &Terminate) {
        match self.rest.split_first_mut() {
            Some((h, rest)) => h.terminate(stream, reason, Next::new(rest, self.last)),
            None => self.last.terminate(stream, reason),
        }
    }

    /// Runs [`Handler::early_error`] on the rest of the chain.
    pub fn early_error(
        self,
        stream: StreamId,
        request: &PartialRequest,
        error: &Error,
        response: Response,
    ) -> Response {
        match self.rest.split_first_mut() {
            Some((h, rest)) => {
                h.early_error(stream, request, error, response, Next::new(rest, self.last))
            }
            None => response,
        }
    }
}
