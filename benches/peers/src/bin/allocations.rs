//! Heap allocations per request in steady state, counted by a global allocator: the same
//! cycles as the `instructions` binary (the same requests, the same answer), after the
//! warm-up, for every server and case.
//!
//! The count covers the whole cycle: the server, the application's answer (which builds
//! a response head and formats its Content-Length each time, as a real one would) and
//! the client, which allocates nothing once warm. A second column, for weir, counts what
//! the library allocates on its own: the whole cycle less what building the response
//! head allocates by itself (see [`library_only`]).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use weir_bench::{make, Case, Cycle, Server};

/// The system allocator, counting the allocations (and reallocations, which may move)
/// made while `COUNTING` is set.
struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

// SAFETY: every call is passed on to the system allocator unchanged.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Cycles counted per case, after the warm-up `make` does.
const CYCLES: u64 = 1000;

/// Allocations per run of `f`, over `CYCLES` runs.
fn per_run(mut f: impl FnMut()) -> f64 {
    ALLOCATIONS.store(0, Ordering::Relaxed);
    COUNTING.store(true, Ordering::Relaxed);
    for _ in 0..CYCLES {
        f();
    }
    COUNTING.store(false, Ordering::Relaxed);
    ALLOCATIONS.load(Ordering::Relaxed) as f64 / CYCLES as f64
}

/// Allocations per request over `CYCLES` cycles of `cycle`.
fn per_request(cycle: &mut dyn Cycle, requests: usize) -> f64 {
    per_run(|| cycle.cycle()) / requests as f64
}

/// weir's own allocations per request: the cycle's, less those of the one response
/// head per request that the application builds (with the body's length on HTTP/2).
fn library_only(case: Case, weir: f64) -> f64 {
    let length = case.is_h2().then(|| case.body().len());
    let head = per_run(|| drop(std::hint::black_box(weir_bench::response_head(length))));
    weir - head
}

fn main() {
    println!(
        "{:<18} {:>8} {:>8} {:>8} {:>14}",
        "allocations/req", "weir", "hyper", "h2", "weir library"
    );
    for case in Case::ALL {
        let counts: Vec<Option<f64>> = Server::ALL
            .iter()
            .map(|&server| {
                let mut cycle = make(server, case)?;
                Some(per_request(cycle.as_mut(), case.requests()))
            })
            .collect();
        let cell = |c: Option<f64>| c.map_or("-".to_string(), |c| format!("{c:.2}"));
        let weir = counts[0].expect("weir speaks every case");
        println!(
            "{:<18} {:>8} {:>8} {:>8} {:>14.2}",
            case.name(),
            cell(counts[0]),
            cell(counts[1]),
            cell(counts[2]),
            library_only(case, weir)
        );
    }
}
