//! Stream states, exactly as RFC 9113 §5.1, with every transition in [`State::on`].
//!
//! ```text
//!                              +--------+
//!                      send PP |        | recv PP
//!                     ,--------+  idle  +--------.
//!                    /         |        |         \
//!                   v          +--------+          v
//!            +----------+          |           +----------+
//!            |          |          | send H /  |          |
//!     ,------+ reserved |          | recv H    | reserved +------.
//!     |      | (local)  |          |           | (remote) |      |
//!     |      +---+------+          v           +------+---+      |
//!     |          |             +--------+             |          |
//!     |          |     recv ES |        | send ES     |          |
//!     |   send H |     ,-------+  open  +-------.     | recv H   |
//!     |          |    /        |        |        \    |          |
//!     |          v   v         +---+----+         v   v          |
//!     |      +----------+          |           +----------+      |
//!     |      |   half-  |          |           |   half-  |      |
//!     |      |  closed  |          | send R /  |  closed  |      |
//!     |      | (remote) |          | recv R    | (local)  |      |
//!     |      +----+-----+          |           +-----+----+      |
//!     |           |                |                 |           |
//!     |           | send ES /      |       recv ES / |           |
//!     |           | send R /       v        send R / |           |
//!     |           | recv R     +--------+   recv R   |           |
//!     | send R /  `----------->|        |<-----------'  send R / |
//!     | recv R                 | closed |               recv R   |
//!     `----------------------->|        |<-----------------------'
//!                              +--------+
//!
//!    send:   endpoint sends this frame
//!    recv:   endpoint receives this frame
//!    H:  HEADERS frame (with implied CONTINUATION frames)
//!    PP: PUSH_PROMISE frame (with implied CONTINUATION frames)
//!    ES: END_STREAM flag
//!    R:  RST_STREAM frame
//! ```

/// Where a stream is in its life (RFC 9113 §5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    Idle,
    ReservedLocal,
    ReservedRemote,
    Open,
    /// This side sent END_STREAM.
    HalfClosedLocal,
    /// The peer sent END_STREAM.
    HalfClosedRemote,
    Closed,
}

/// What happens to a stream: a frame sent or received (§5.1's arrows).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Transition {
    SendHeaders {
        end_stream: bool,
    },
    RecvHeaders {
        end_stream: bool,
    },
    SendPushPromise,
    RecvPushPromise,
    /// END_STREAM on DATA or trailers sent.
    SendEnd,
    /// END_STREAM on DATA or trailers received.
    RecvEnd,
    SendReset,
    RecvReset,
}

impl State {
    /// The state after `t`, or `None` if `t` is not allowed in this state (the caller
    /// decides which error that is: a misuse when sending, a stream or connection error
    /// when receiving).
    pub(crate) fn on(self, t: Transition) -> Option<State> {
        use State::*;
        use Transition::*;
        Some(match (self, t) {
            (Closed, SendReset | RecvReset) => return None,
            (_, SendReset | RecvReset) => Closed,
            (Idle, SendHeaders { end_stream: false }) => Open,
            (Idle, SendHeaders { end_stream: true }) => HalfClosedLocal,
            (Idle, RecvHeaders { end_stream: false }) => Open,
            (Idle, RecvHeaders { end_stream: true }) => HalfClosedRemote,
            (Idle, SendPushPromise) => ReservedLocal,
            (Idle, RecvPushPromise) => ReservedRemote,
            (ReservedLocal, SendHeaders { end_stream: false }) => HalfClosedRemote,
            (ReservedLocal, SendHeaders { end_stream: true }) => Closed,
            (ReservedRemote, RecvHeaders { end_stream: false }) => HalfClosedLocal,
            (ReservedRemote, RecvHeaders { end_stream: true }) => Closed,
            // More header blocks on an open stream (1xx, trailers) keep or end it.
            (Open, SendHeaders { end_stream } | RecvHeaders { end_stream }) if !end_stream => Open,
            (Open, SendHeaders { .. } | SendEnd) => HalfClosedLocal,
            (Open, RecvHeaders { .. } | RecvEnd) => HalfClosedRemote,
            (HalfClosedLocal, RecvHeaders { end_stream: false }) => HalfClosedLocal,
            (HalfClosedLocal, RecvHeaders { end_stream: true } | RecvEnd) => Closed,
            (HalfClosedRemote, SendHeaders { end_stream: false }) => HalfClosedRemote,
            (HalfClosedRemote, SendHeaders { end_stream: true } | SendEnd) => Closed,
            _ => return None,
        })
    }

    /// Whether this side may still send DATA or a field block.
    pub(crate) fn can_send(self) -> bool {
        matches!(self, State::Open | State::HalfClosedRemote)
    }

    /// Whether the peer may still send DATA or a field block.
    pub(crate) fn can_recv(self) -> bool {
        matches!(self, State::Open | State::HalfClosedLocal)
    }

    /// Whether the stream counts against SETTINGS_MAX_CONCURRENT_STREAMS (§5.1.2:
    /// open or either half-closed state).
    pub(crate) fn is_active(self) -> bool {
        matches!(
            self,
            State::Open | State::HalfClosedLocal | State::HalfClosedRemote
        )
    }
}

#[cfg(test)]
mod tests {
    use super::State::*;
    use super::Transition::*;
    use super::*;

    /// Every arrow of the diagram, and a sample of what it forbids.
    #[test]
    fn the_diagram() {
        let table: &[(State, Transition, Option<State>)] = &[
            (Idle, SendPushPromise, Some(ReservedLocal)),
            (Idle, RecvPushPromise, Some(ReservedRemote)),
            (Idle, SendHeaders { end_stream: false }, Some(Open)),
            (Idle, RecvHeaders { end_stream: false }, Some(Open)),
            (
                Idle,
                SendHeaders { end_stream: true },
                Some(HalfClosedLocal),
            ),
            (
                Idle,
                RecvHeaders { end_stream: true },
                Some(HalfClosedRemote),
            ),
            (
                ReservedLocal,
                SendHeaders { end_stream: false },
                Some(HalfClosedRemote),
            ),
            (
                ReservedRemote,
                RecvHeaders { end_stream: false },
                Some(HalfClosedLocal),
            ),
            (ReservedLocal, SendReset, Some(Closed)),
            (ReservedLocal, RecvReset, Some(Closed)),
            (ReservedRemote, SendReset, Some(Closed)),
            (ReservedRemote, RecvReset, Some(Closed)),
            (Open, RecvEnd, Some(HalfClosedRemote)),
            (Open, SendEnd, Some(HalfClosedLocal)),
            (Open, SendReset, Some(Closed)),
            (Open, RecvReset, Some(Closed)),
            (Open, RecvHeaders { end_stream: false }, Some(Open)),
            (
                Open,
                RecvHeaders { end_stream: true },
                Some(HalfClosedRemote),
            ),
            (HalfClosedRemote, SendEnd, Some(Closed)),
            (HalfClosedRemote, SendReset, Some(Closed)),
            (HalfClosedRemote, RecvReset, Some(Closed)),
            (HalfClosedLocal, RecvEnd, Some(Closed)),
            (HalfClosedLocal, SendReset, Some(Closed)),
            (HalfClosedLocal, RecvReset, Some(Closed)),
            // Forbidden.
            (Idle, SendEnd, None),
            (Idle, RecvEnd, None),
            (HalfClosedLocal, SendEnd, None),
            (HalfClosedRemote, RecvEnd, None),
            (HalfClosedRemote, RecvHeaders { end_stream: false }, None),
            (ReservedLocal, RecvHeaders { end_stream: false }, None),
            (ReservedRemote, SendHeaders { end_stream: false }, None),
            (Open, SendPushPromise, None),
            (Closed, RecvEnd, None),
            (Closed, RecvReset, None),
        ];
        for &(from, t, to) in table {
            assert_eq!(from.on(t), to, "{from:?} on {t:?}");
        }
    }

    #[test]
    fn who_may_send() {
        assert!(Open.can_send() && Open.can_recv());
        assert!(HalfClosedRemote.can_send() && !HalfClosedRemote.can_recv());
        assert!(!HalfClosedLocal.can_send() && HalfClosedLocal.can_recv());
        assert!(!ReservedRemote.is_active() && HalfClosedLocal.is_active());
    }
}
