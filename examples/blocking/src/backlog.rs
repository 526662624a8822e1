//! [`Backlog`]: what the routes sent on a stream while its send buffer was full, kept in
//! order and sent again when the connection says the stream is `Writable`.

use crate::endpoint::Responder;
use bytes::Bytes;
use std::collections::VecDeque;
use weir::{Fields, Misuse, StreamId, StreamMap};

/// One write that waits its turn.
#[derive(Debug)]
enum Piece {
    /// Body bytes; `echo`: they are received body sent back, released to the peer's
    /// window (`Responder::release_capacity`) once the connection has taken them.
    Data { data: Bytes, end: bool, echo: bool },
    /// Trailers: never refused, but they must follow the data that waits.
    Trailers(Fields),
}

/// Writes refused with [`Misuse::BufferFull`], per stream, in order.
///
/// With `h2_manual_flow_control` the peer may send an echoed stream no more than its
/// window ahead of what the connection has taken: the backlog stays bounded even when
/// the peer reads nothing.
#[derive(Debug, Default)]
pub(crate) struct Backlog {
    streams: StreamMap<VecDeque<Piece>>,
}

impl Backlog {
    /// Sends body bytes on `stream` behind whatever waits there; a full buffer makes
    /// them wait too. `echo`: see [`Piece::Data`].
    pub(crate) fn data(
        &mut self,
        server: &mut dyn Responder,
        stream: StreamId,
        data: Bytes,
        end: bool,
        echo: bool,
    ) -> Result<(), Misuse> {
        self.push(server, stream, Piece::Data { data, end, echo })
    }

    /// Sends trailers on `stream` behind whatever waits there.
    pub(crate) fn trailers(
        &mut self,
        server: &mut dyn Responder,
        stream: StreamId,
        fields: Fields,
    ) -> Result<(), Misuse> {
        self.push(server, stream, Piece::Trailers(fields))
    }

    fn push(
        &mut self,
        server: &mut dyn Responder,
        stream: StreamId,
        piece: Piece,
    ) -> Result<(), Misuse> {
        // Mostly nothing waits and the buffer has room: sent at once, never queued.
        if let Some(queue) = self.streams.get_mut(&stream) {
            queue.push_back(piece);
            return self.resume(server, stream);
        }
        match send(server, stream, &piece) {
            Err(Misuse::BufferFull) => {
                self.streams.insert(stream, VecDeque::from([piece]));
                Ok(())
            }
            Ok(()) => match piece {
                Piece::Data {
                    data, echo: true, ..
                } => server.release_capacity(stream, data.len()),
                _ => Ok(()),
            },
            Err(e) => Err(e),
        }
    }

    /// Sends what waits on `stream` until the buffer is full again (call it on
    /// `Event::Writable`).
    pub(crate) fn resume(
        &mut self,
        server: &mut dyn Responder,
        stream: StreamId,
    ) -> Result<(), Misuse> {
        let Some(queue) = self.streams.get_mut(&stream) else {
            return Ok(());
        };
        while let Some(piece) = queue.front() {
            match send(server, stream, piece) {
                Ok(()) => {
                    if let Some(Piece::Data {
                        data, echo: true, ..
                    }) = queue.pop_front()
                    {
                        server.release_capacity(stream, data.len())?;
                    }
                }
                Err(Misuse::BufferFull) => return Ok(()),
                Err(e) => {
                    self.streams.remove(&stream);
                    return Err(e);
                }
            }
        }
        self.streams.remove(&stream);
        Ok(())
    }

    /// Whether something waits on `stream`.
    pub(crate) fn is_waiting(&self, stream: StreamId) -> bool {
        self.streams.contains_key(&stream)
    }

    /// Whether nothing waits on any stream.
    pub(crate) fn is_empty(&self) -> bool {
        self.streams.is_empty()
    }

    /// Drops what waits on `stream` (it was reset).
    pub(crate) fn forget(&mut self, stream: StreamId) {
        self.streams.remove(&stream);
    }

    /// Drops everything (the connection closed).
    pub(crate) fn clear(&mut self) {
        self.streams.clear();
    }
}

/// Hands `piece` to the connection (the bytes are shared, not copied).
fn send(server: &mut dyn Responder, stream: StreamId, piece: &Piece) -> Result<(), Misuse> {
    match piece {
        Piece::Data { data, end, .. } => server.send_data(stream, data.clone(), *end),
        Piece::Trailers(fields) => server.send_trailers(stream, fields.clone()),
    }
}
