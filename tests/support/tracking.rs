//! A global allocator that tracks the heap bytes live and their peak, so that a test can
//! assert how much memory an attack made a connection hold at most.
//!
//! The accounting is per thread: each thread counts what it allocates and frees. A
//! connection is sans-IO and allocates only on the thread that drives it, and the test
//! harness runs each test on a thread of its own, so a test that drives its connection
//! on its own thread measures that connection alone, while the other tests of the binary
//! run in parallel. (A block freed by another thread than the one that allocated it
//! would be miscounted; the tests that measure never pass memory between threads.)
//!
//! Install it in a test binary with
//! `#[global_allocator] static ALLOCATOR: tracking::Tracking = tracking::Tracking;`.

// Each test binary uses part of it.
#![allow(dead_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// Counts, then forwards to the system allocator.
pub struct Tracking;

thread_local! {
    // Constant initializers and no destructors: reading them never allocates, and they
    // stay usable while the thread is torn down.
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn add(bytes: isize) {
    let _ = LIVE.try_with(|live| {
        let now = live.get() + bytes;
        live.set(now);
        let _ = PEAK.try_with(|peak| {
            if now > peak.get() {
                peak.set(now);
            }
        });
    });
}

/// Heap bytes this thread holds now (what it allocated minus what it freed).
pub fn live() -> isize {
    LIVE.with(Cell::get)
}

/// The most heap bytes this thread held since the last [`reset_peak`].
pub fn peak() -> isize {
    PEAK.with(Cell::get)
}

/// Starts a new peak from what is live now.
pub fn reset_peak() {
    PEAK.with(|peak| peak.set(live()));
}

/// A measurement in progress: the peak over what was live when it started.
pub struct Meter {
    base: isize,
}

impl Meter {
    /// Starts measuring on this thread.
    pub fn start() -> Meter {
        reset_peak();
        Meter { base: live() }
    }

    /// The most this thread held beyond the start, so far.
    pub fn growth(&self) -> usize {
        (peak() - self.base).max(0) as usize
    }
}

// SAFETY: every call is forwarded unchanged to the system allocator; the bookkeeping
// touches only thread-local cells and never allocates.
unsafe impl GlobalAlloc for Tracking {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc(layout);
        if !p.is_null() {
            add(layout.size() as isize);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc_zeroed(layout);
        if !p.is_null() {
            add(layout.size() as isize);
        }
        p
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = System.realloc(ptr, layout, new_size);
        if !p.is_null() {
            // The change in size: a block that moves exists twice for a moment, which is
            // the allocator's business, not the connection's.
            if new_size > layout.size() {
                add((new_size - layout.size()) as isize);
            } else {
                add(-((layout.size() - new_size) as isize));
            }
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        add(-(layout.size() as isize));
    }
}
