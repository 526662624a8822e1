//! The streams that closed lately, a few bytes each.
//!
//! A closed stream leaves the map of streams at once: what RFC 9113 §5.1 still asks of
//! it is only how to answer frames the peer sent before it learned of the close. After
//! this side's RST_STREAM they are ignored ("An endpoint MUST ignore frames that it
//! receives on closed streams after it has sent a RST_STREAM frame"); otherwise a
//! HEADERS frame is a connection error STREAM_CLOSED. That is one bit, kept with the
//! identifier in one word. A used connection then holds 4 bytes per remembered stream
//! rather than a whole stream record, and the map holds only the open ones.

use std::collections::VecDeque;

/// The bit of an entry that says this side reset the stream: identifiers have 31 bits
/// (§5.1.1), so the top one is free.
const RESET: u32 = 1 << 31;

/// Closed streams, oldest first, at most a configured number.
#[derive(Debug, Default)]
pub(crate) struct Closed {
    ring: VecDeque<u32>,
}

impl Closed {
    /// Remembers that stream `id` closed, `reset` if this side reset it; forgets the
    /// oldest beyond `max`. A stream already remembered only gains the `reset` bit.
    pub(crate) fn push(&mut self, id: u32, reset: bool, max: usize) {
        if self.get(id).is_some() {
            if reset {
                self.mark_reset(id);
            }
            return;
        }
        self.push_new(id, reset, max);
    }

    /// [`push`](Self::push) for a stream known not to be remembered yet (one that
    /// just left the map of open streams): every request closes one, and the look
    /// for it is spared.
    pub(crate) fn push_new(&mut self, id: u32, reset: bool, max: usize) {
        debug_assert_eq!(id & RESET, 0, "a 31-bit stream identifier");
        debug_assert!(self.get(id).is_none(), "stream {id} closed twice");
        if max == 0 {
            return;
        }
        while self.ring.len() >= max {
            self.ring.pop_front();
        }
        self.ring.push_back(if reset { id | RESET } else { id });
    }

    /// Whether stream `id` is remembered, and then whether this side reset it.
    ///
    /// A branch-free look at every entry, about two instructions each (a full ring
    /// costs some 500): it runs only for frames on streams below the highest used that
    /// are not open, never for a new request.
    pub(crate) fn get(&self, id: u32) -> Option<bool> {
        let (a, b) = self.ring.as_slices();
        let (found_a, reset_a) = scan(a, id);
        let (found_b, reset_b) = scan(b, id);
        (found_a || found_b).then_some(reset_a || reset_b)
    }

    /// Records that this side reset stream `id`, if it is remembered.
    fn mark_reset(&mut self, id: u32) {
        for e in self.ring.iter_mut().filter(|e| **e & !RESET == id) {
            *e |= RESET;
        }
    }

    /// How many streams are remembered.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.ring.len()
    }

    /// Frees what the ring does not use.
    pub(crate) fn shrink_to_fit(&mut self) {
        self.ring.shrink_to_fit();
    }
}

/// Whether `entries` hold stream `id`, and whether one of those says it was reset.
fn scan(entries: &[u32], id: u32) -> (bool, bool) {
    let (mut found, mut reset) = (false, false);
    for &e in entries {
        found |= e & !RESET == id;
        reset |= e == id | RESET;
    }
    (found, reset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_streams_and_their_resets() {
        let mut c = Closed::default();
        c.push(1, false, 4);
        c.push(3, true, 4);
        assert_eq!(c.get(1), Some(false));
        assert_eq!(c.get(3), Some(true));
        assert_eq!(c.get(5), None);
        // A reset later is kept; a second close adds nothing.
        c.push(1, true, 4);
        c.push(3, false, 4);
        assert_eq!((c.get(1), c.get(3), c.len()), (Some(true), Some(true), 2));
    }

    #[test]
    fn forgets_the_oldest_first() {
        let mut c = Closed::default();
        for id in [7, 1, 5, 3] {
            c.push(id, false, 3);
        }
        assert_eq!(c.get(7), None, "closed first, forgotten first");
        assert!([1, 5, 3].iter().all(|&id| c.get(id).is_some()));
        assert_eq!(c.len(), 3);
        c.push(9, false, 0);
        assert_eq!(c.get(9), None, "nothing is remembered with a bound of 0");
    }

    #[test]
    fn the_largest_identifier_is_not_taken_for_a_reset() {
        let mut c = Closed::default();
        c.push(RESET - 1, false, 2);
        assert_eq!(c.get(RESET - 1), Some(false));
        assert_eq!(c.get(0x7fff_fffd), None);
    }
}
