//! A token bucket for what a peer may make this side do for nothing in a burst: stream
//! resets, frames that carry no data. RFC 9113 §10.5: "An endpoint MAY treat activity
//! that is suspicious as a connection error of type ENHANCE_YOUR_CALM."
//!
//! Tested through the connection, on a virtual clock: `resets_refill_with_time` and
//! `frames_that_carry_nothing_refill_with_time` in `tests/h2_scenarios.rs`.

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
