//! A token bucket for what a peer may make this side do for nothing in a burst: stream
//! resets, frames that carry no data. RFC 9113 §10.5: "An endpoint MAY treat activity
//! that is suspicious as a connection error of type ENHANCE_YOUR_CALM."

use std::time::Instant;

/// `size` tokens at most, `rate` given back per second; time comes in as `now`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Budget {
    left: u32,
    /// When the last refill was counted.
    since: Instant,
}

impl Budget {
    /// A full budget of `size`.
    pub(crate) fn new(size: u32, now: Instant) -> Budget {
        Budget {
            left: size,
            since: now,
        }
    }

    /// Spends one token, after the refill that time since the last one earned (at most
    /// back to `size`). `false` if none is left: the peer is flooding.
    pub(crate) fn spend(&mut self, size: u32, rate: u32, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.since);
        let refill = (elapsed.as_millis() as u64).saturating_mul(u64::from(rate)) / 1000;
        if refill > 0 {
            self.left = (u64::from(self.left) + refill).min(u64::from(size)) as u32;
            self.since = now;
        }
        if self.left == 0 {
            return false;
        }
        self.left -= 1;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn spends_then_refills_with_time_up_to_its_size() {
        let t0 = Instant::now();
        let mut b = Budget::new(3, t0);
        assert!((0..3).all(|_| b.spend(3, 10, t0)));
        assert!(!b.spend(3, 10, t0));
        // 10 per second: 100 ms gives one back.
        let t1 = t0 + Duration::from_millis(100);
        assert!(b.spend(3, 10, t1));
        assert!(!b.spend(3, 10, t1));
        // A long pause refills to the size, not beyond.
        let t2 = t1 + Duration::from_secs(60);
        assert!((0..3).all(|_| b.spend(3, 10, t2)));
        assert!(!b.spend(3, 10, t2));
    }
}
