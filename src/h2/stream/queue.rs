//! What a stream has to send after its head, in order, until flow control lets it go.

use crate::Fields;
use bytes::Bytes;
use std::collections::VecDeque;

/// One piece of a stream's outgoing body.
#[derive(Debug)]
pub(crate) enum Queued {
    Data { data: Bytes, end_stream: bool },
    Trailers(Fields),
}

/// A stream's queue of [`Queued`] pieces.
///
/// Most streams hold one piece at a time (a small body with its end, or one large
/// body), so one piece is held in place: queuing and sending it allocate nothing and
/// touch no other memory. A second piece moves both to a `VecDeque`, which stays with
/// the stream.
#[derive(Debug, Default)]
pub(crate) struct SendQueue(Inner);

#[derive(Debug, Default)]
enum Inner {
    #[default]
    Empty,
    One(Queued),
    Many(VecDeque<Queued>),
}

impl SendQueue {
    pub(crate) fn push_back(&mut self, q: Queued) {
        self.0 = match std::mem::take(&mut self.0) {
            Inner::Empty => Inner::One(q),
            Inner::One(first) => Inner::Many(VecDeque::from([first, q])),
            Inner::Many(mut many) => {
                many.push_back(q);
                Inner::Many(many)
            }
        };
    }

    pub(crate) fn pop_front(&mut self) -> Option<Queued> {
        match &mut self.0 {
            Inner::Many(many) => many.pop_front(),
            one_or_none => match std::mem::take(one_or_none) {
                Inner::One(q) => Some(q),
                _ => None,
            },
        }
    }

    pub(crate) fn front(&self) -> Option<&Queued> {
        match &self.0 {
            Inner::Empty => None,
            Inner::One(q) => Some(q),
            Inner::Many(many) => many.front(),
        }
    }

    pub(crate) fn front_mut(&mut self) -> Option<&mut Queued> {
        match &mut self.0 {
            Inner::Empty => None,
            Inner::One(q) => Some(q),
            Inner::Many(many) => many.front_mut(),
        }
    }

    pub(crate) fn back(&self) -> Option<&Queued> {
        match &self.0 {
            Inner::Empty => None,
            Inner::One(q) => Some(q),
            Inner::Many(many) => many.back(),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.front().is_none()
    }

    /// Drops every piece, and the memory of a queue that held several.
    pub(crate) fn clear(&mut self) {
        self.0 = Inner::Empty;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn data(n: u8) -> Queued {
        Queued::Data {
            data: Bytes::from(vec![n]),
            end_stream: false,
        }
    }

    fn id(q: Option<&Queued>) -> Option<u8> {
        match q? {
            Queued::Data { data, .. } => data.first().copied(),
            Queued::Trailers(_) => None,
        }
    }

    proptest! {
        /// A SendQueue is a FIFO queue, whatever the order of pushes and pops.
        #[test]
        fn it_is_a_fifo(ops in prop::collection::vec(any::<Option<u8>>(), 0..32)) {
            let (mut q, mut model) = (SendQueue::default(), VecDeque::new());
            for op in ops {
                match op {
                    Some(n) => {
                        q.push_back(data(n));
                        model.push_back(n);
                    }
                    None => prop_assert_eq!(id(q.pop_front().as_ref()), model.pop_front()),
                }
                prop_assert_eq!(id(q.front()), model.front().copied());
                prop_assert_eq!(id(q.back()), model.back().copied());
                prop_assert_eq!(q.is_empty(), model.is_empty());
                if let Some(Queued::Data { data, .. }) = q.front_mut() {
                    prop_assert_eq!(data.first(), model.front());
                }
            }
            q.clear();
            prop_assert!(q.is_empty() && q.pop_front().is_none());
        }
    }
}
