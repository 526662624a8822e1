//! Memory a connection holds: given back while it waits (see `Connection::release_buffers`),
//! and not taken ahead of need.

use std::collections::VecDeque;
use std::ops::{Deref, DerefMut};

/// Frees `v`'s memory if it holds nothing.
pub(crate) fn release<T>(v: &mut Vec<T>) {
    if v.is_empty() {
        *v = Vec::new();
    }
}

/// A `VecDeque` that grows from nothing one element at a time: `VecDeque` would make
/// room for four at once, and a queue of events (a few hundred bytes each) usually
/// holds one. Everything but `push_back` is the `VecDeque`'s own.
#[derive(Debug)]
pub(crate) struct LeanQueue<T>(VecDeque<T>);

impl<T> LeanQueue<T> {
    pub(crate) const fn new() -> LeanQueue<T> {
        LeanQueue(VecDeque::new())
    }

    #[inline]
    pub(crate) fn push_back(&mut self, item: T) {
        if self.0.capacity() == 0 {
            self.0.reserve_exact(1);
        }
        self.0.push_back(item);
    }

    /// Frees the queue's memory if it holds nothing.
    pub(crate) fn release(&mut self) {
        if self.0.is_empty() {
            self.0 = VecDeque::new();
        }
    }
}

impl<T> Default for LeanQueue<T> {
    fn default() -> LeanQueue<T> {
        LeanQueue::new()
    }
}

impl<T> Deref for LeanQueue<T> {
    type Target = VecDeque<T>;

    fn deref(&self) -> &VecDeque<T> {
        &self.0
    }
}

impl<T> DerefMut for LeanQueue<T> {
    fn deref_mut(&mut self) -> &mut VecDeque<T> {
        &mut self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lean_queue_grows_from_one() {
        let mut q = LeanQueue::new();
        q.push_back([0u8; 300]);
        assert_eq!(q.capacity(), 1);
        q.push_back([1u8; 300]);
        assert!(q.capacity() >= 2);
        assert_eq!(q.pop_front().map(|a| a[0]), Some(0));
        q.pop_front();
        q.release();
        assert_eq!(q.capacity(), 0);
    }

    #[test]
    fn release_keeps_a_vec_that_holds_something() {
        let mut v = vec![1, 2, 3];
        release(&mut v);
        assert_eq!(v, [1, 2, 3]);
        v.clear();
        release(&mut v);
        assert_eq!(v.capacity(), 0);
    }
}
