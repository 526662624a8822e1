//! The map of a connection's streams by identifier.
//!
//! Every frame and command looks its stream up, and a B-tree walk over the open streams
//! and the remembered closed ones (up to `h2_max_closed_streams`) cost more than the
//! rest of a small request's bookkeeping. Identifiers are plain integers the connection
//! keeps bounded in number, so a hash map with a multiplicative hash does: a peer that
//! picks identifiers to collide can lengthen probes only over that bounded set.
//! Where order matters (events for many streams at once), callers sort the ids.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Streams by identifier.
pub(crate) type StreamMap<S> = HashMap<u32, S, BuildHasherDefault<IdHasher>>;

/// Hashes one `u32`: a multiply by a 64-bit odd constant (Fibonacci hashing), with the
/// high bits folded down, since the table indexes by the low bits and takes its tags
/// from the high ones.
#[derive(Default)]
pub(crate) struct IdHasher(u64);

impl Hasher for IdHasher {
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

    #[test]
    fn client_ids_spread_over_the_low_bits() {
        // Odd ids in sequence must not all land in the same few buckets.
        let mut buckets = [0u32; 64];
        for id in (1..2048u32).step_by(2) {
            let mut h = IdHasher::default();
            h.write_u32(id);
            buckets[(h.finish() % 64) as usize] += 1;
        }
        let (min, max) = (buckets.iter().min(), buckets.iter().max());
        assert!(min >= Some(&4) && max <= Some(&40), "{buckets:?}");
    }

    #[test]
    fn maps_streams() {
        let mut m: StreamMap<&str> = StreamMap::default();
        m.insert(1, "a");
        m.insert(3, "b");
        assert_eq!(m.get(&3), Some(&"b"));
        assert_eq!(m.remove(&1), Some("a"));
        assert!(!m.contains_key(&1));
    }
}
