//! The server test cases of the h2spec conformance tool (strict mode: its `generic`,
//! `http2` and `hpack` groups), reproduced against `blocking-server --protocol h2`, so
//! that what the tool will report can be seen and fixed here.
//!
//! Each case opens its own connection, sends the same frames the tool sends (header
//! blocks encoded the way the tool encodes them, see `h2spec/hpack.rs`) and accepts
//! exactly what the tool accepts (see `h2spec/harness.rs`). Cases are numbered within
//! their group as the tool numbers them: `http2/6.9.1/2` is the second case of
//! section 6.9.1 of the `http2` group. The cases are in `h2spec/cases.rs`, shared with
//! the other adapters' suites.
//!
//! `cargo test -p weir-blocking --test h2spec -- --nocapture` prints one summary line per
//! group; a failing group lists every failing case with the frames exchanged. With
//! `H2SPEC_VERBOSE=1` every case prints its exchange; `H2SPEC_TARGET=HOST:PORT` runs the
//! cases against a server already listening there instead of starting one.

#[path = "h2spec/cases.rs"]
mod cases;
#[path = "h2spec/harness.rs"]
mod harness;
#[path = "h2spec/hpack.rs"]
mod hpack;

use harness::Target;

/// `blocking-server --protocol h2`, over cleartext TCP.
fn target() -> Target {
    Target::tcp(env!("CARGO_BIN_EXE_blocking-server"), &["--protocol", "h2"])
}

cases::h2spec_tests!(target());
