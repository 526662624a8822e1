//! The order in which streams with something to send are served (RFC 9218 §10).
//!
//! "It is RECOMMENDED that, when possible, servers respect the urgency parameter
//! (Section 4.1), sending higher-urgency responses before lower-urgency responses."
//! Within one urgency:
//!
//! - "Non-incremental responses of the same urgency SHOULD be served by prioritizing
//!   bandwidth allocation in ascending order of the stream ID": the lowest id is served
//!   until it has nothing left to send, then the next.
//! - "Incremental responses of the same urgency SHOULD be served by sharing bandwidth
//!   among them": one frame each, round robin.
//! - Both kinds at one urgency: "It is RECOMMENDED that servers avoid such starvation
//!   where possible. The method for doing so is an implementation decision." Here the
//!   non-incremental streams together take one turn in the round robin, as if they
//!   were one more incremental stream; neither kind can starve the other.
//!
//! Serving a stream and adding one with a higher id than its level's others (as
//! streams come) are O(1); adding one below them, and taking a stream out before its
//! turn, are O(n) in its urgency, over a few octets per stream. None allocates once
//! the queues have grown.

use crate::Priority;
use std::collections::VecDeque;

/// The turn of a level's non-incremental streams (0 is never a stream that sends).
const SEQUENTIAL: u32 = 0;

/// The streams waiting to send, by urgency.
#[derive(Debug, Default)]
pub(crate) struct Schedule {
    /// Made when a stream first waits, and given back by [`release`](Schedule::release):
    /// an idle connection holds a pointer rather than eight levels' room.
    levels: Option<Box<[Level; 8]>>,
    /// The levels that hold a stream, one bit each: the most urgent is the lowest bit.
    occupied: u8,
}

#[derive(Debug, Default)]
struct Level {
    /// Non-incremental streams, served lowest id first.
    sequential: SortedIds,
    /// Whose turn it is: incremental streams by id, and `SEQUENTIAL` for the others.
    turns: VecDeque<u32>,
}

/// Stream ids in ascending order, without repeats: a set whose usual insertion (a new
/// stream, so the highest id) and removal (the lowest, once served) cost as little as
/// a queue's, where a B-tree's cost more than the rest of serving a small response.
#[derive(Debug, Default)]
struct SortedIds(VecDeque<u32>);

impl SortedIds {
    fn insert(&mut self, id: u32) {
        match self.0.back() {
            Some(&last) if last >= id => {
                if let Err(at) = self.0.binary_search(&id) {
                    self.0.insert(at, id);
                }
            }
            _ => self.0.push_back(id),
        }
    }

    /// Whether `id` was there.
    fn remove(&mut self, id: u32) -> bool {
        if self.0.front() == Some(&id) {
            self.0.pop_front();
            return true;
        }
        match self.0.binary_search(&id) {
            Ok(at) => {
                self.0.remove(at);
                true
            }
            Err(_) => false,
        }
    }

    fn first(&self) -> Option<u32> {
        self.0.front().copied()
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.0.iter().copied()
    }
}

/// The stream to serve next, and where its turn came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Turn {
    pub id: u32,
    level: usize,
    sequential: bool,
}

impl Schedule {
    /// Adds a stream that is not in the schedule.
    pub(crate) fn insert(&mut self, id: u32, p: Priority) {
        let i = level(p);
        let l = &mut self.levels.get_or_insert_with(Box::default)[i];
        if p.incremental {
            l.turns.push_back(id);
        } else {
            if l.sequential.is_empty() {
                l.turns.push_back(SEQUENTIAL);
            }
            l.sequential.insert(id);
        }
        self.occupied |= 1 << i;
    }

    /// Takes out a stream that was inserted with priority `p`.
    pub(crate) fn remove(&mut self, id: u32, p: Priority) {
        let i = level(p);
        let Some(levels) = self.levels.as_deref_mut() else {
            return;
        };
        let l = &mut levels[i];
        let turn = if p.incremental {
            Some(id)
        } else if l.sequential.remove(id) && l.sequential.is_empty() {
            Some(SEQUENTIAL)
        } else {
            None
        };
        if let Some(t) = turn {
            if let Some(at) = l.turns.iter().position(|&x| x == t) {
                l.turns.remove(at);
            }
        }
        self.tidy(i);
    }

    /// The stream whose turn it is: the most urgent level's first turn.
    pub(crate) fn peek(&self) -> Option<Turn> {
        let i = self.occupied.trailing_zeros() as usize;
        let l = self.levels.as_deref()?.get(i)?;
        let id = *l.turns.front()?;
        Some(if id == SEQUENTIAL {
            Turn {
                id: l.sequential.first()?,
                level: i,
                sequential: true,
            }
        } else {
            Turn {
                id,
                level: i,
                sequential: false,
            }
        })
    }

    /// After `turn` (from [`peek`](Schedule::peek)) was served one frame: its turn goes
    /// to the back of its level, and the stream leaves unless it `stays`.
    pub(crate) fn served(&mut self, turn: Turn, stays: bool) {
        let Some(levels) = self.levels.as_deref_mut() else {
            return;
        };
        let l = &mut levels[turn.level];
        let front = l.turns.pop_front();
        debug_assert_eq!(
            front,
            Some(if turn.sequential { SEQUENTIAL } else { turn.id })
        );
        if turn.sequential && !stays {
            l.sequential.remove(turn.id);
        }
        let again = if turn.sequential {
            !l.sequential.is_empty()
        } else {
            stays
        };
        if let (true, Some(t)) = (again, front) {
            l.turns.push_back(t);
        }
        self.tidy(turn.level);
    }

    /// Takes out `turn`'s stream (from [`peek`](Schedule::peek)) without it being
    /// served: the turn stays at the front if other streams share it.
    pub(crate) fn leave(&mut self, turn: Turn) {
        let Some(levels) = self.levels.as_deref_mut() else {
            return;
        };
        let l = &mut levels[turn.level];
        if turn.sequential {
            l.sequential.remove(turn.id);
            if l.sequential.is_empty() {
                l.turns.pop_front();
            }
        } else {
            l.turns.pop_front();
        }
        self.tidy(turn.level);
    }

    /// Appends every stream in the schedule to `out`, most urgent level first.
    pub(crate) fn collect(&self, out: &mut Vec<u32>) {
        for l in self.levels.iter().flat_map(|levels| levels.iter()) {
            for &t in &l.turns {
                if t == SEQUENTIAL {
                    out.extend(l.sequential.iter());
                } else {
                    out.push(t);
                }
            }
        }
    }

    /// Keeps the occupied bit of level `i` true to its contents.
    fn tidy(&mut self, i: usize) {
        if self.levels.as_ref().is_none_or(|l| l[i].turns.is_empty()) {
            self.occupied &= !(1 << i);
        }
    }

    /// Gives the levels' memory back if no stream waits.
    pub(crate) fn release(&mut self) {
        if self.occupied == 0 {
            self.levels = None;
        }
    }
}

fn level(p: Priority) -> usize {
    usize::from(p.urgency.min(Priority::MAX_URGENCY))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    proptest! {
        /// SortedIds is a set in ascending order, whatever the order of its changes.
        #[test]
        fn sorted_ids_are_an_ordered_set(
            ops in prop::collection::vec((any::<bool>(), 0u32..24), 0..64)
        ) {
            let (mut ids, mut model) = (SortedIds::default(), BTreeSet::new());
            for (add, id) in ops {
                if add {
                    ids.insert(id);
                    model.insert(id);
                } else {
                    prop_assert_eq!(ids.remove(id), model.remove(&id));
                }
                prop_assert_eq!(ids.first(), model.first().copied());
                prop_assert_eq!(ids.is_empty(), model.is_empty());
                prop_assert!(ids.iter().eq(model.iter().copied()));
            }
        }
    }

    /// Serves `frames` frames; `left[id]` is how many each stream still has.
    fn run(s: &mut Schedule, left: &mut [u32], frames: usize) -> Vec<u32> {
        let mut order = Vec::new();
        for _ in 0..frames {
            let Some(t) = s.peek() else { break };
            left[t.id as usize] -= 1;
            order.push(t.id);
            s.served(t, left[t.id as usize] > 0);
        }
        order
    }

    #[test]
    fn urgency_first_then_ids_or_turns() {
        let mut s = Schedule::default();
        let mut left = [0, 2, 0, 2, 0, 2, 0, 2, 0, 2];
        s.insert(9, Priority::new(1, true));
        s.insert(7, Priority::new(1, true));
        s.insert(5, Priority::new(3, false));
        s.insert(3, Priority::new(3, false));
        s.insert(1, Priority::new(6, false));
        assert_eq!(run(&mut s, &mut left, 20), [9, 7, 9, 7, 3, 3, 5, 5, 1, 1]);
        assert_eq!(s.peek(), None);
        assert_eq!(s.occupied, 0);
    }

    #[test]
    fn sequential_streams_take_one_turn_among_incremental_ones() {
        let mut s = Schedule::default();
        let mut left = [0, 3, 0, 3, 0, 2, 0, 0, 0, 0];
        s.insert(1, Priority::new(3, false));
        s.insert(3, Priority::new(3, false));
        s.insert(5, Priority::new(3, true));
        assert_eq!(run(&mut s, &mut left, 20), [1, 5, 1, 5, 1, 3, 3, 3]);
    }

    #[test]
    fn moves_and_removals_keep_the_rest() {
        let mut s = Schedule::default();
        s.insert(1, Priority::new(3, false));
        s.insert(3, Priority::new(3, true));
        s.insert(5, Priority::new(3, true));
        s.remove(3, Priority::new(3, true));
        s.insert(3, Priority::new(0, false));
        assert_eq!(s.peek().map(|t| t.id), Some(3));
        s.remove(3, Priority::new(0, false));
        s.remove(1, Priority::new(3, false));
        let mut all = Vec::new();
        s.collect(&mut all);
        assert_eq!(all, [5]);
        s.remove(5, Priority::new(3, true));
        assert_eq!((s.peek(), s.occupied), (None, 0));
        // Urgencies above 7 are 7.
        s.insert(7, Priority::new(7, false));
        s.insert(
            9,
            Priority {
                urgency: 200,
                ..Priority::new(7, false)
            },
        );
        let mut all = Vec::new();
        s.collect(&mut all);
        assert_eq!(all, [7, 9]);
    }

    #[test]
    fn release_gives_the_levels_back_only_when_no_stream_waits() {
        let mut s = Schedule::default();
        // Nothing to release, nothing to remove.
        s.release();
        s.remove(1, Priority::new(3, false));
        assert!(s.levels.is_none() && s.peek().is_none());
        s.insert(1, Priority::new(3, false));
        s.release();
        assert_eq!(s.peek().map(|t| t.id), Some(1));
        let mut left = [0, 1];
        assert_eq!(run(&mut s, &mut left, 5), [1]);
        s.release();
        assert!(s.levels.is_none());
        s.insert(3, Priority::new(0, true));
        assert_eq!(s.peek().map(|t| t.id), Some(3));
    }
}
