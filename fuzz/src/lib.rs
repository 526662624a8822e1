//! Fuzz drivers for weir. The targets in `fuzz_targets/` are one line each; the logic
//! lives here so that `tests/fuzz_corpus.rs` can replay the corpus without a fuzzer.

pub mod chunked;
pub mod compression;
pub mod conversation;
pub mod conversation_diff;
pub mod h1;
pub mod h2;
pub mod h2c;
pub mod head_diff;
pub mod hpack;
pub mod hpack_diff;
