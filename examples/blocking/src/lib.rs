//! The blocking adapter.
