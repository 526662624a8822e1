//! Instructions per request cycle, counted by callgrind: deterministic where times are
//! not, so that a comparison holds on a noisy machine.
//!
//! `instructions` runs every case of every server under `valgrind --tool=callgrind`
//! (one process each, counting only inside [`measured`]) and prints a table with the
//! ratio of weir to each peer. `instructions SERVER CASE N` is what it runs: N cycles
//! after a warm-up.

use weir_bench::{make, Case, Cycle, Server};

/// Cycles counted per case: enough to amortise anything done once.
const CYCLES: usize = 200;

/// The function whose instructions are counted (see `--toggle-collect`).
#[inline(never)]
fn measured(cycle: &mut dyn Cycle, n: usize) {
    for _ in 0..n {
        cycle.cycle();
    }
}

fn run_one(server: &str, case: &str, n: usize) {
    let server = Server::named(server).expect("a server: weir, hyper or h2");
    let case = Case::named(case).expect("a case name");
    let mut cycle = make(server, case).expect("a case this server speaks");
    measured(cycle.as_mut(), n);
}

/// Instructions per request of `server` on `case`, from a callgrind run of this binary.
fn count(server: Server, case: Case) -> Option<f64> {
    make(server, case)?;
    let cycles = CYCLES.to_string();
    let total = weir_bench::callgrind::count("*measured*", &[server.name(), case.name(), &cycles]);
    Some(total as f64 / (CYCLES * case.requests()) as f64)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [server, case, n] = args.as_slice() {
        run_one(server, case, n.parse().expect("a number of cycles"));
        return;
    }
    println!(
        "{:<18} {:>12} {:>12} {:>12} {:>12} {:>12}",
        "instructions/req", "weir", "hyper", "h2", "weir/hyper", "weir/h2"
    );
    for case in Case::ALL {
        let counts: Vec<Option<f64>> = Server::ALL.iter().map(|&s| count(s, case)).collect();
        let cell = |c: Option<f64>| c.map_or("-".to_string(), |c| format!("{c:.0}"));
        let ratio = |peer: Option<f64>| match (counts[0], peer) {
            (Some(w), Some(p)) => format!("{:.2}x", w / p),
            _ => "-".to_string(),
        };
        println!(
            "{:<18} {:>12} {:>12} {:>12} {:>12} {:>12}",
            case.name(),
            cell(counts[0]),
            cell(counts[1]),
            cell(counts[2]),
            ratio(counts[1]),
            ratio(counts[2])
        );
    }
}
