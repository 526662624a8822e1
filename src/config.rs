//! Every limit, budget and leniency of a connection, in one place.

use std::time::Duration;

/// Whether to tolerate one specific violation of the grammar from a peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Leniency {
    /// Reject the message (the default for every violation).
    #[default]
    Reject,
    /// Accept it, as the RFC allows a recipient to.
    Allow,
}

/// The limits and leniencies of a connection.
///
/// Every resource a peer can make a connection spend has a bound here; hitting one is
/// an [`Error`](crate::Error) whose kind is a [`Limit`](crate::Limit) with the status it
/// implies. Names match [`Config::set`], which the example servers expose as
/// `--config KEY=VALUE`.
///
/// ```
/// let mut config = weir::Config::default();
/// config.set("max_fields", "50").unwrap();
/// assert_eq!(config.max_fields, 50);
/// assert!(config.set("no_such_key", "1").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Longest request line, CRLF excluded (over it: 414).
    pub max_request_line: usize,
    /// Largest head: start line and header section (over it: 431).
    pub max_head_bytes: usize,
    /// Most header fields in one head (over it: 431).
    pub max_fields: usize,
    /// Largest body received, in bytes (over it: 413). Bodies are streamed, never
    /// buffered whole, so the default is unbounded.
    pub max_body: u64,
    /// Largest trailer section (over it: 431).
    pub max_trailer_bytes: usize,
    /// Longest chunk-size line including chunk extensions (over it: 413).
    pub max_chunk_line: usize,
    /// Most input buffered that the connection cannot consume yet, such as pipelined
    /// requests behind an unfinished response. Once it is reached,
    /// [`Connection::wants_input`](crate::Connection::wants_input) says to stop reading,
    /// and input that comes all the same closes the connection; a read that starts
    /// under it is taken whole.
    pub max_buffered_input: usize,
    /// Time allowed for a request head once its first byte has arrived (over it: 408
    /// and close): the slowloris defence. `None` disables it.
    pub header_read_timeout: Option<Duration>,
    /// Longest silence from the peer while a request body is expected (over it: 408
    /// if no response has started, and close). `None` disables it.
    pub body_read_timeout: Option<Duration>,
    /// Time a keep-alive connection may stay idle between messages before it is closed.
    /// `None` disables it.
    pub idle_timeout: Option<Duration>,
    /// Accept folded field lines (obs-fold), replacing each fold by spaces
    /// (RFC 9112 §5.2 allows this instead of a 400).
    pub allow_obs_fold: Leniency,
    /// Accept whitespace between a field name and its colon in responses. Requests are
    /// always rejected: RFC 9112 §5.1 says a server MUST answer them with 400.
    pub allow_space_before_colon: Leniency,
    /// Accept a bare LF as a line terminator in heads and chunk lines (RFC 9112 §2.2
    /// says a recipient MAY).
    pub allow_bare_lf: Leniency,
    /// Accept more than one space between the parts of a request or status line
    /// (RFC 9112 §3 allows a recipient to be lenient about whitespace).
    pub allow_multiple_spaces: Leniency,
    /// Most body bytes one stream may have waiting in the connection: sent by the
    /// application and not yet handed out by `poll_output` (HTTP/1.1) or not yet let go
    /// by the peer's flow-control window (HTTP/2). A write is accepted while the stream
    /// is below it, whatever its size (so it is exceeded by at most one write), and
    /// refused with [`Misuse::BufferFull`](crate::Misuse::BufferFull) once it is reached;
    /// [`Event::Writable`](crate::Event::Writable) says when to write again. This is the
    /// zero-window and slow-reader defence. 0 acts as 1: one write at a time.
    ///
    /// 1 MiB by default, the window this side gives each stream by default
    /// (`h2_initial_window_size`): as much as a connection lets its peer have in flight,
    /// it lets itself have queued, which keeps a peer with the same window busy.
    pub send_buffer_per_stream: usize,
    /// Most body bytes all streams together may have waiting, as for
    /// `send_buffer_per_stream`: a write on any stream is refused while it is reached.
    /// 4 MiB by default: what one connection whose peer never opens its windows (or
    /// never reads) can make this side hold, while four streams can still each fill
    /// their own buffer.
    pub send_buffer_per_connection: usize,
    /// HTTP/2: manual flow control. Off (the default), the window of received DATA is
    /// given back (WINDOW_UPDATE) as soon as it is delivered. On, received body bytes
    /// count against the stream's and the connection's window until the application
    /// releases them with
    /// [`Connection::release_capacity`](crate::Connection::release_capacity), so a peer
    /// can send no more than the windows ahead of what the application consumed.
    /// Padding is released by the connection either way.
    pub h2_manual_flow_control: bool,
    /// HTTP/2: most streams the peer may have open at once (SETTINGS_MAX_CONCURRENT_STREAMS;
    /// more are refused with REFUSED_STREAM).
    pub h2_max_concurrent_streams: u32,
    /// HTTP/2: the window this side gives each stream (SETTINGS_INITIAL_WINDOW_SIZE):
    /// how much body the peer may send ahead of the application.
    pub h2_initial_window_size: u32,
    /// HTTP/2: the window this side gives the whole connection (raised from the
    /// protocol's 65,535 with a WINDOW_UPDATE at the start).
    pub h2_connection_window_size: u32,
    /// HTTP/2: the largest frame payload this side accepts (SETTINGS_MAX_FRAME_SIZE).
    pub h2_max_frame_size: u32,
    /// HTTP/2: the HPACK dynamic table this side keeps for the peer's header blocks
    /// (SETTINGS_HEADER_TABLE_SIZE).
    pub h2_header_table_size: u32,
    /// HTTP/2 client: whether the server may push (SETTINGS_ENABLE_PUSH).
    pub h2_enable_push: bool,
    /// HTTP/2 server: whether extended CONNECT (RFC 8441, WebSockets over HTTP/2) is
    /// offered (SETTINGS_ENABLE_CONNECT_PROTOCOL).
    pub h2_enable_connect_protocol: bool,
    /// HTTP/2: how long the peer has to acknowledge our SETTINGS (over it:
    /// SETTINGS_TIMEOUT). `None` waits forever.
    pub h2_settings_timeout: Option<Duration>,
    /// HTTP/2 server: a graceful shutdown first announces it with the largest stream
    /// id and a PING, so that requests already in flight are still served (RFC 9113
    /// §6.8), and names the last stream once the PING returns, or after this long.
    /// `None` waits for the PING however long it takes.
    pub h2_shutdown_round_trip_timeout: Option<Duration>,
    /// HTTP/2: how many closed streams are remembered, to tell a late frame on a stream
    /// this side reset (ignored) from a frame on a stream that is over (an error).
    pub h2_max_closed_streams: usize,
    /// HTTP/2: how many stream resets a peer may cause in a burst (RST_STREAM it sends
    /// on live streams, and resets its errors force on this side). The budget refills
    /// at `h2_reset_refill_per_second`; once spent, the connection ends with
    /// ENHANCE_YOUR_CALM (the rapid-reset and MadeYouReset defences, RFC 9113 §10.5).
    pub h2_reset_budget: u32,
    /// HTTP/2: resets per second given back to the budget.
    pub h2_reset_refill_per_second: u32,
    /// HTTP/2: how many frames that carry nothing for the application (PING and
    /// SETTINGS, PRIORITY and PRIORITY_UPDATE, unknown types, empty DATA or CONTINUATION
    /// that end nothing, WINDOW_UPDATE under 1 KiB) a peer may send in a burst. The
    /// budget refills at `h2_idle_frame_refill_per_second`; once spent, the connection
    /// ends with ENHANCE_YOUR_CALM (the PING, SETTINGS and empty-frame floods).
    pub h2_idle_frame_budget: u32,
    /// HTTP/2: frames per second given back to `h2_idle_frame_budget`.
    pub h2_idle_frame_refill_per_second: u32,
    /// HTTP/2: how many control frames (PING and SETTINGS acknowledgements, RST_STREAM)
    /// this side may owe before it reads on: past it, input waits until `poll_output`
    /// has handed the output out, so a peer that floods and does not read cannot make
    /// the connection queue without bound. 0 acts as 1.
    pub h2_max_owed_control_frames: usize,
    /// HTTP/2: whether frames of types RFC 9113 does not define reach the application
    /// as `Event::ExtensionFrame`. Off, they are ignored (§5.5) and count as frames that
    /// carry nothing.
    pub h2_extension_frames: bool,
    /// HTTP/2 server: how many PRIORITY_UPDATE frames for streams not yet opened are
    /// remembered until their requests arrive (RFC 9218 §7: "Servers SHOULD buffer the
    /// most recently received PRIORITY_UPDATE frame and apply it once the referenced
    /// stream is opened"); past it the oldest is forgotten. The peer may not prioritize
    /// more idle streams than SETTINGS_MAX_CONCURRENT_STREAMS leaves room for either
    /// (§7.1), so this bound matters when that limit is higher.
    pub h2_max_pending_priority_updates: usize,
    /// Server: whether a server that detects the version
    /// ([`Connection::new`](crate::Connection::new)) switches to HTTP/2 when an
    /// HTTP/1.1 request asks for it with `Upgrade: h2c` (RFC 7540 §3.2). Off, such a
    /// request is served as HTTP/1.1 and its Upgrade ignored. Prior knowledge (the
    /// HTTP/2 preface) is detected either way.
    pub h2c_upgrade: bool,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            max_request_line: 8 * 1024,
            max_head_bytes: 64 * 1024,
            max_fields: 100,
            max_body: u64::MAX,
            max_trailer_bytes: 16 * 1024,
            max_chunk_line: 4 * 1024,
            max_buffered_input: 256 * 1024,
            header_read_timeout: Some(Duration::from_secs(30)),
            body_read_timeout: Some(Duration::from_secs(60)),
            idle_timeout: Some(Duration::from_secs(60)),
            allow_obs_fold: Leniency::Reject,
            allow_space_before_colon: Leniency::Reject,
            allow_bare_lf: Leniency::Reject,
            allow_multiple_spaces: Leniency::Reject,
            send_buffer_per_stream: 1 << 20,
            send_buffer_per_connection: 4 << 20,
            h2_manual_flow_control: false,
            h2_max_concurrent_streams: 100,
            h2_initial_window_size: 1 << 20,
            h2_connection_window_size: 16 << 20,
            h2_max_frame_size: 1 << 14,
            h2_header_table_size: 4096,
            h2_enable_push: true,
            h2_enable_connect_protocol: true,
            h2_settings_timeout: Some(Duration::from_secs(10)),
            h2_shutdown_round_trip_timeout: Some(Duration::from_secs(5)),
            h2_max_closed_streams: 256,
            h2_reset_budget: 1000,
            h2_reset_refill_per_second: 33,
            h2_idle_frame_budget: 10_000,
            h2_idle_frame_refill_per_second: 1_000,
            h2_max_owed_control_frames: 1_000,
            h2_extension_frames: false,
            h2_max_pending_priority_updates: 100,
            h2c_upgrade: true,
        }
    }
}

/// A `Config::set` call that named an unknown key or gave a bad value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// No setting has that name.
    #[error("unknown config key `{0}`")]
    UnknownKey(String),
    /// The value does not parse for that key.
    #[error("bad value `{value}` for `{key}`: {expected}")]
    BadValue {
        /// The key.
        key: String,
        /// The value given.
        value: String,
        /// What the key takes.
        expected: &'static str,
    },
}

impl Config {
    /// Sets one setting by name from text: sizes and counts as integers, timeouts as
    /// seconds (`0` or `none` disables), leniencies as `allow` or `reject`. The keys are
    /// the field names; the HTTP/2 ones also without their `h2_` prefix.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), ConfigError> {
        let bad = |expected| ConfigError::BadValue {
            key: key.to_string(),
            value: value.to_string(),
            expected,
        };
        let size = || value.parse::<usize>().map_err(|_| bad("a whole number"));
        // RFC 9113 §6.9.1: a window never exceeds 2^31-1.
        let window = |n: u32| {
            if n <= 0x7fff_ffff {
                Ok(n)
            } else {
                Err(bad("at most 2147483647"))
            }
        };
        let secs = || -> Result<Option<Duration>, ConfigError> {
            if value == "none" {
                return Ok(None);
            }
            let s: f64 = value.parse().map_err(|_| bad("seconds, or none"))?;
            if !(s >= 0.0 && s.is_finite()) {
                return Err(bad("seconds, or none"));
            }
            Ok((s > 0.0).then(|| Duration::from_secs_f64(s)))
        };
        let number = || {
            value
                .parse::<u32>()
                .map_err(|_| bad("a whole number below 2^32"))
        };
        let flag = || match value {
            "true" | "1" => Ok(true),
            "false" | "0" => Ok(false),
            _ => Err(bad("true or false")),
        };
        let leniency = || match value {
            "allow" | "true" => Ok(Leniency::Allow),
            "reject" | "false" => Ok(Leniency::Reject),
            _ => Err(bad("allow or reject")),
        };
        match key {
            "max_request_line" => self.max_request_line = size()?,
            "max_head_bytes" => self.max_head_bytes = size()?,
            "max_fields" => self.max_fields = size()?,
            "max_body" => {
                self.max_body = value.parse().map_err(|_| bad("a whole number"))?;
            }
            "max_trailer_bytes" => self.max_trailer_bytes = size()?,
            "max_chunk_line" => self.max_chunk_line = size()?,
            "max_buffered_input" => self.max_buffered_input = size()?,
            "header_read_timeout" => self.header_read_timeout = secs()?,
            "body_read_timeout" => self.body_read_timeout = secs()?,
            "idle_timeout" => self.idle_timeout = secs()?,
            "allow_obs_fold" => self.allow_obs_fold = leniency()?,
            "allow_space_before_colon" => self.allow_space_before_colon = leniency()?,
            "allow_bare_lf" => self.allow_bare_lf = leniency()?,
            "allow_multiple_spaces" => self.allow_multiple_spaces = leniency()?,
            "send_buffer_per_stream" => self.send_buffer_per_stream = size()?,
            "send_buffer_per_connection" => self.send_buffer_per_connection = size()?,
            "h2_manual_flow_control" => self.h2_manual_flow_control = flag()?,
            "h2_max_concurrent_streams" => self.h2_max_concurrent_streams = number()?,
            "h2_initial_window_size" => self.h2_initial_window_size = window(number()?)?,
            "h2_connection_window_size" => self.h2_connection_window_size = window(number()?)?,
            "h2_max_frame_size" => {
                self.h2_max_frame_size = match number()? {
                    n @ 16_384..=16_777_215 => n,
                    _ => return Err(bad("16384 to 16777215")),
                }
            }
            "h2_header_table_size" => self.h2_header_table_size = number()?,
            "h2_enable_push" => self.h2_enable_push = flag()?,
            "h2_enable_connect_protocol" => self.h2_enable_connect_protocol = flag()?,
            "h2_settings_timeout" => self.h2_settings_timeout = secs()?,
            "h2_shutdown_round_trip_timeout" => self.h2_shutdown_round_trip_timeout = secs()?,
            "h2_max_closed_streams" => self.h2_max_closed_streams = size()?,
            "h2_reset_budget" => self.h2_reset_budget = number()?,
            "h2_reset_refill_per_second" => self.h2_reset_refill_per_second = number()?,
            "h2_idle_frame_budget" => self.h2_idle_frame_budget = number()?,
            "h2_idle_frame_refill_per_second" => self.h2_idle_frame_refill_per_second = number()?,
            "h2_max_owed_control_frames" => self.h2_max_owed_control_frames = size()?,
            "h2_extension_frames" => self.h2_extension_frames = flag()?,
            "h2_max_pending_priority_updates" => self.h2_max_pending_priority_updates = size()?,
            "h2c_upgrade" => self.h2c_upgrade = flag()?,
            // The HTTP/2 settings answer to their names without the prefix too, as
            // RFC 9113 §6.5.2 names them (`max_concurrent_streams`, `max_frame_size`).
            _ if !key.starts_with("h2") => {
                return match self.set(&format!("h2_{key}"), value) {
                    Err(ConfigError::UnknownKey(_)) => Err(ConfigError::UnknownKey(key.into())),
                    other => other,
                };
            }
            _ => return Err(ConfigError::UnknownKey(key.to_string())),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_by_name() {
        let mut c = Config::default();
        c.set("idle_timeout", "0").unwrap();
        assert_eq!(c.idle_timeout, None);
        c.set("header_read_timeout", "2.5").unwrap();
        assert_eq!(c.header_read_timeout, Some(Duration::from_millis(2500)));
        c.set("allow_bare_lf", "allow").unwrap();
        c.set("max_concurrent_streams", "7").unwrap();
        assert_eq!(c.h2_max_concurrent_streams, 7);
        assert!(matches!(
            c.set("no_such_thing", "1"),
            Err(ConfigError::UnknownKey(k)) if k == "no_such_thing"
        ));
        assert_eq!(c.allow_bare_lf, Leniency::Allow);
        assert!(matches!(
            c.set("max_fields", "-1"),
            Err(ConfigError::BadValue { .. })
        ));
        assert!(c.set("idle_timeout", "NaN").is_err());
        assert!(c.h2c_upgrade);
        c.set("h2c_upgrade", "false").unwrap();
        assert!(!c.h2c_upgrade);
        assert!(c.set("h2c_upgrade", "maybe").is_err());
        c.set("send_buffer_per_stream", "4096").unwrap();
        c.set("send_buffer_per_connection", "65536").unwrap();
        c.set("h2_manual_flow_control", "true").unwrap();
        assert_eq!(
            (c.send_buffer_per_stream, c.send_buffer_per_connection),
            (4096, 65536)
        );
        assert!(c.h2_manual_flow_control);
        c.set("h2_max_pending_priority_updates", "5").unwrap();
        assert_eq!(c.h2_max_pending_priority_updates, 5);
    }
}
