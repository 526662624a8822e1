//! [`StreamMap`]: a hash map keyed by [`StreamId`], with a hash cheap enough for a
//! lookup on every command.
//!
//! Stream identifiers are small integers that a connection keeps bounded in number,
//! so SipHash's defence against chosen keys buys nothing: a peer that picks
//! identifiers to collide can lengthen probes only over that bounded set. One multiply
//! does, where SipHash costs more than the rest of a small request's bookkeeping.

use crate::StreamId;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Values by stream, for handlers and adapters that follow streams.
///
/// ```
/// use weir::{StreamId, StreamMap};
///
/// let mut bodies: StreamMap<Vec<u8>> = StreamMap::default();
/// bodies.entry(StreamId(1)).or_default().extend_from_slice(b"hello");
/// assert_eq!(bodies[&StreamId(1)], b"hello");
/// ```
pub type StreamMap<V> = HashMap<StreamId, V, BuildHasherDefault<StreamHasher>>;

/// The hasher of [`StreamMap`]: a multiply of the `u32` identifier by a 64-bit odd
/// constant (Fibonacci hashing), with the high bits folded down, since the table
/// indexes by the low bits and takes its tags from the high ones.
#[derive(Debug, Default, Clone, Copy)]
pub struct StreamHasher(u64);

impl Hasher for StreamHasher {
    fn write(&mut self, bytes: &[u8]) {
        // Only `u32` keys are hashed; anything else still hashes, byte by byte.
        for &b in bytes {
            self.write_u32(u32::from(b));
        }
    }

    fn write_u32(&mut self, n: u32) {
        let h = (self.0 ^ u64::from(n)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        self.0 = h ^ (h >> 32);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::Hash;

    #[test]
    fn client_ids_spread_over_the_low_bits() {
        // Odd ids in sequence must not all land in the same few buckets.
        let mut buckets = [0u32; 64];
        for id in (1..2048u32).step_by(2) {
            let mut h = StreamHasher::default();
            StreamId(id).hash(&mut h);
            buckets[(h.finish() % 64) as usize] += 1;
        }
        let (min, max) = (buckets.iter().min(), buckets.iter().max());
        assert!(min >= Some(&4) && max <= Some(&40), "{buckets:?}");
    }

    #[test]
    fn maps_streams() {
        let mut m: StreamMap<&str> = StreamMap::default();
        m.insert(StreamId(1), "a");
        m.insert(StreamId(3), "b");
        assert_eq!(m.get(&StreamId(3)), Some(&"b"));
        assert_eq!(m.remove(&StreamId(1)), Some("a"));
        assert!(!m.contains_key(&StreamId(1)));
    }
}
