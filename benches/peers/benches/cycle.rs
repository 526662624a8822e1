//! Request/response cycles timed side by side: weir's server connection in memory,
//! hyper's and the h2 crate's over an in-memory pipe on a current-thread runtime. Each
//! group is one case; its throughput is in requests.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use weir_bench::{make, Case, Server};

fn cycles(c: &mut Criterion) {
    for case in Case::ALL {
        let mut group = c.benchmark_group(case.name());
        group.throughput(Throughput::Elements(case.requests() as u64));
        for server in Server::ALL {
            let Some(mut cycle) = make(server, case) else {
                continue;
            };
            group.bench_function(server.name(), |b| b.iter(|| cycle.cycle()));
        }
        group.finish();
    }
}

criterion_group!(benches, cycles);
criterion_main!(benches);
