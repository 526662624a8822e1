//! The map of a connection's streams by identifier.
//!
//! Every frame and command looks its stream up, and a B-tree walk over the open streams
//! and the remembered closed ones (up to `h2_max_closed_streams`) cost more than the
//! rest of a small request's bookkeeping. Identifiers are plain integers the connection
//! keeps bounded in number, so a hash map with a multiplicative hash does: a peer that
//! picks identifiers to collide can lengthen probes only over that bounded set.
//! Where order matters (events for many streams at once), callers sort the ids.

use crate::stream_map::StreamHasher;
use std::collections::HashMap;
use std::hash::BuildHasherDefault;

/// Streams by identifier.
pub(crate) type StreamMap<S> = HashMap<u32, S, BuildHasherDefault<StreamHasher>>;

#[cfg(test)]
mod tests {
    use super::*;

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
