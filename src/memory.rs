//! Giving memory back while a connection waits (see `Connection::release_buffers`).

/// Frees `v`'s memory if it holds nothing.
pub(crate) fn release<T>(v: &mut Vec<T>) {
    if v.is_empty() {
        *v = Vec::new();
    }
}
