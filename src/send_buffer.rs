//! Bounded send buffers, the same rule on HTTP/1.1 and HTTP/2.
//!
//! What the application sends waits in the connection until `poll_output` hands it out
//! (HTTP/1.1) or until the peer's flow-control window lets it go (HTTP/2). A peer that
//! never opens its window or never reads must not make that wait grow without bound,
//! so a write is refused with `Misuse::BufferFull` while the stream's or the
//! connection's waiting bytes are at their bound (`Config::send_buffer_per_stream`,
//! `send_buffer_per_connection`).
//!
//! The rule is Node.js's high-water mark: a write is accepted while the buffer is below
//! the bound, whatever its size, so the bound is exceeded by at most one write, and
//! whole writes are never split. A stream that was refused, or whose write reached a
//! bound, is owed one `Event::Writable` once it has room for half a buffer again.

use crate::StreamId;

/// How many more bytes fit under `bound` with `queued` waiting; a bound of 0 acts as 1,
/// one write at a time.
pub(crate) fn room(bound: usize, queued: usize) -> usize {
    bound.max(1).saturating_sub(queued)
}

/// Whether a stream that waited may be told it can take more, now that it has room for
/// `capacity` bytes: once it has room for half a buffer (of the smaller bound), not as
/// soon as it has any. A writer woken just under the bound would fill it with its next
/// write and wait again, one event per write; woken at half, it has half a buffer of
/// writes before the next wait.
pub(crate) fn woken(per_stream: usize, per_connection: usize, capacity: usize) -> bool {
    capacity >= per_stream.min(per_connection).max(1).div_ceil(2)
}

/// The streams owed an `Event::Writable`, in the order they began to wait.
#[derive(Debug, Default)]
pub(crate) struct Waiting(Vec<StreamId>);

impl Waiting {
    /// Whether no stream waits.
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `stream` waits (once, however often it is refused).
    pub(crate) fn add(&mut self, stream: StreamId) {
        if !self.0.contains(&stream) {
            self.0.push(stream);
        }
    }

    /// The waiting streams that `woken` says can take more, which stop waiting;
    /// `woken` answers `None` for a stream that takes no more data at all (it ended or
    /// was reset), which stops waiting without an event.
    pub(crate) fn ready(
        &mut self,
        mut woken: impl FnMut(StreamId) -> Option<bool>,
    ) -> Vec<StreamId> {
        if self.0.is_empty() {
            return Vec::new();
        }
        let mut ready = Vec::new();
        self.0.retain(|&s| match woken(s) {
            Some(true) => {
                ready.push(s);
                false
            }
            Some(false) => true,
            None => false,
        });
        ready
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_and_wake_up() {
        assert_eq!(room(10, 3), 7);
        assert_eq!(room(10, 12), 0);
        // A bound of 0 takes one write at a time.
        assert_eq!(room(0, 0), 1);
        assert_eq!(room(0, 5), 0);
        assert!(woken(10, 100, 5) && !woken(10, 100, 4));
        assert!(woken(100, 10, 5) && !woken(100, 10, 4));
        // One write at a time: woken once the queue is empty.
        assert!(woken(0, 100, 1) && !woken(0, 100, 0));
        assert!(woken(7, 100, 4) && !woken(7, 100, 3));
    }

    #[test]
    fn waiting_streams_are_told_once() {
        let mut w = Waiting::default();
        w.add(StreamId(1));
        w.add(StreamId(3));
        w.add(StreamId(1));
        w.add(StreamId(5));
        let ready = w.ready(|s| match s.0 {
            1 => Some(true),
            3 => Some(false),
            _ => None,
        });
        assert_eq!(ready, [StreamId(1)]);
        assert_eq!(w.ready(|_| Some(true)), [StreamId(3)]);
        assert!(w.ready(|_| Some(true)).is_empty());
    }
}
