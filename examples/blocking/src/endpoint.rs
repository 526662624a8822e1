//! The two faces of what the adapter drives: [`Drive`], the sans-IO loop a [`Driver`]
//! runs (a [`Connection`], or a [`Dispatcher`] with its handlers), and [`Responder`],
//! the verbs an [`Application`] answers with.
//!
//! [`Driver`]: crate::Driver
//! [`Application`]: crate::Application

use std::time::Instant;
use weir::handler::Dispatcher;
use weir::{
    Command, Connection, Fields, Misuse, Output, Reason, Request, Response, StreamId, Transmit,
    Version,
};

/// A sans-IO state machine a [`Driver`](crate::Driver) binds to a socket: bytes and
/// time in, bytes, events and deadlines out. Each method is the one of
/// [`Connection`] of the same name.
pub trait Drive {
    /// See [`Connection::poll_output`].
    fn poll_output(&mut self, out: &mut Vec<u8>) -> Output;
    /// See [`Connection::poll_output_vectored`].
    fn poll_output_vectored(&mut self, out: &mut Transmit) -> Output;
    /// See [`Connection::handle_input`].
    fn handle_input(&mut self, now: Instant, bytes: &[u8]);
    /// See [`Connection::handle_eof`].
    fn handle_eof(&mut self, now: Instant);
    /// See [`Connection::handle_timeout`].
    fn handle_timeout(&mut self, now: Instant);
    /// See [`Connection::is_closed`].
    fn is_closed(&self) -> bool;
    /// See [`Connection::is_write_closed`].
    fn is_write_closed(&self) -> bool;
    /// See [`Connection::wants_input`].
    fn wants_input(&self) -> bool;
    /// See [`Connection::release_buffers`].
    fn release_buffers(&mut self);
}

/// Implements [`Drive`] for a type whose own methods of those names do the work, as
/// [`Connection`]'s and [`Dispatcher`]'s do.
macro_rules! drive_by_name {
    ($machine:ty $(, $generic:ident)?) => {
        impl$(<$generic>)? Drive for $machine {
            fn poll_output(&mut self, out: &mut Vec<u8>) -> Output {
                <$machine>::poll_output(self, out)
            }
            fn poll_output_vectored(&mut self, out: &mut Transmit) -> Output {
                <$machine>::poll_output_vectored(self, out)
            }
            fn handle_input(&mut self, now: Instant, bytes: &[u8]) {
                <$machine>::handle_input(self, now, bytes)
            }
            fn handle_eof(&mut self, now: Instant) {
                <$machine>::handle_eof(self, now)
            }
            fn handle_timeout(&mut self, now: Instant) {
                <$machine>::handle_timeout(self, now)
            }
            fn is_closed(&self) -> bool {
                <$machine>::is_closed(self)
            }
            fn is_write_closed(&self) -> bool {
                <$machine>::is_write_closed(self)
            }
            fn wants_input(&self) -> bool {
                <$machine>::wants_input(self)
            }
            fn release_buffers(&mut self) {
                <$machine>::release_buffers(self)
            }
        }
    };
}

drive_by_name!(Connection);
drive_by_name!(Dispatcher<M>, M);

/// The verbs a server application answers with, each sent as a [`Command`] through a
/// [`Dispatcher`]'s handlers (so that, say, the compression handler sees every
/// response). Only the verbs: the application cannot drive the connection from inside
/// an event. Each is the [`Connection`] method of the same name, seen through the
/// handlers.
///
/// A promised request (`push`) comes back to the application as a request of its
/// own, an `Event::Headers` on the promised stream, and is answered as any other.
pub trait Responder {
    /// See [`Connection::send_response`].
    fn send_response(&mut self, stream: StreamId, head: Response, end: bool) -> Result<(), Misuse>;
    /// See [`Connection::send_data`].
    fn send_data(&mut self, stream: StreamId, data: bytes::Bytes, end: bool) -> Result<(), Misuse>;
    /// See [`Connection::send_trailers`].
    fn send_trailers(&mut self, stream: StreamId, fields: Fields) -> Result<(), Misuse>;
    /// See [`Connection::accept_body`].
    fn accept_body(&mut self, stream: StreamId) -> Result<(), Misuse>;
    /// See [`Connection::release_capacity`].
    fn release_capacity(&mut self, stream: StreamId, bytes: usize) -> Result<(), Misuse>;
    /// See [`Connection::reset_stream`].
    fn reset_stream(&mut self, stream: StreamId, code: Reason) -> Result<(), Misuse>;
    /// See [`Connection::push`].
    fn push(&mut self, stream: StreamId, request: Request) -> Result<StreamId, Misuse>;
    /// See [`Connection::send_capacity`].
    fn send_capacity(&self, stream: StreamId) -> usize;
    /// See [`Connection::version`].
    fn version(&self) -> Version;
}

impl<M> Responder for Dispatcher<M> {
    fn send_response(
        &mut self,
        stream: StreamId,
        head: Response,
        end_stream: bool,
    ) -> Result<(), Misuse> {
        let command = Command::Response {
            stream,
            head,
            end_stream,
        };
        self.send(command).map(drop)
    }

    fn send_data(
        &mut self,
        stream: StreamId,
        data: bytes::Bytes,
        end_stream: bool,
    ) -> Result<(), Misuse> {
        let command = Command::Data {
            stream,
            data,
            end_stream,
        };
        self.send(command).map(drop)
    }

    fn send_trailers(&mut self, stream: StreamId, fields: Fields) -> Result<(), Misuse> {
        self.send(Command::Trailers { stream, fields }).map(drop)
    }

    fn accept_body(&mut self, stream: StreamId) -> Result<(), Misuse> {
        self.send(Command::AcceptBody { stream }).map(drop)
    }

    fn release_capacity(&mut self, stream: StreamId, bytes: usize) -> Result<(), Misuse> {
        self.send(Command::ReleaseCapacity { stream, bytes })
            .map(drop)
    }

    fn reset_stream(&mut self, stream: StreamId, code: Reason) -> Result<(), Misuse> {
        self.send(Command::Reset { stream, code }).map(drop)
    }

    fn push(&mut self, stream: StreamId, request: Request) -> Result<StreamId, Misuse> {
        self.send(Command::Push { stream, request })?
            .ok_or(Misuse::State("a handler dropped the push"))
    }

    fn send_capacity(&self, stream: StreamId) -> usize {
        self.connection().send_capacity(stream)
    }

    fn version(&self) -> Version {
        self.connection().version()
    }
}
