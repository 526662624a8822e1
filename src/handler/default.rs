//! [`DefaultHandler`]: the last handler of every chain.

use super::{Info, Terminate};
use crate::memory::LeanQueue;
use crate::{Command, Event, Head, Request, StreamId};
use bytes::Bytes;

/// The last handler of every chain, as Cowboy's `cowboy_stream_h` is: it turns what
/// reaches it into [`Event`]s for the application (the request as the handlers before
/// it passed it on), and returns the application's commands ([`Info::Command`]) so
/// that they travel back up the chain to the connection.
///
/// A [`Dispatcher`](super::Dispatcher) makes one for each chain; its events come out
/// of [`Dispatcher::poll_output`](super::Dispatcher::poll_output).
#[derive(Debug, Default)]
pub struct DefaultHandler {
    events: LeanQueue<Event>,
}

impl DefaultHandler {
    /// See [`Dispatcher::release_buffers`](super::Dispatcher::release_buffers).
    pub(super) fn release_buffers(&mut self) {
        self.events.release();
    }

    /// Whether no event waits for the application.
    pub(super) fn is_idle(&self) -> bool {
        self.events.is_empty()
    }

    pub(super) fn init(
        &mut self,
        stream: StreamId,
        request: Request,
        end_stream: bool,
    ) -> Vec<Command> {
        self.events.push_back(Event::Headers {
            stream,
            head: Head::Request(request),
            end_stream,
        });
        Vec::new()
    }

    pub(super) fn data(&mut self, stream: StreamId, data: Bytes, end_stream: bool) -> Vec<Command> {
        self.events.push_back(Event::Data {
            stream,
            data,
            end_stream,
        });
        Vec::new()
    }

    pub(super) fn info<M>(&mut self, _stream: StreamId, info: Info<M>) -> Vec<Command> {
        match info {
            Info::Command(command) => vec![command],
            Info::Event(event) => {
                self.events.push_back(event);
                Vec::new()
            }
            // Messages are for the handlers; the application sent them.
            Info::Message(_) => Vec::new(),
        }
    }

    pub(super) fn terminate(&mut self, stream: StreamId, reason: &Terminate) {
        // A normal end is no news to the application (it saw both ends), and a closed
        // connection comes as `Closed`; a reset is.
        if let Terminate::Reset { code, initiator } = reason {
            self.events.push_back(Event::StreamReset {
                stream,
                code: *code,
                initiator: *initiator,
            });
        }
    }

    /// Hands an event to the application directly (one that concerns no stream).
    pub(super) fn deliver(&mut self, event: Event) {
        self.events.push_back(event);
    }

    pub(super) fn next_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }
}
