//! One request/response cycle, the same bytes in and the same response out, through
//! weir's server connection in memory and through hyper and the h2 crate driven
//! in-process over `tokio::io::duplex` on a current-thread runtime. The criterion
//! benchmark (`benches/cycle.rs`) times the cycles; the `instructions` binary counts
//! their instructions under callgrind. The clients on the other side are in [`raw`]:
//! they cost the same whichever server answers.

pub mod callgrind;
pub mod raw;
mod tokio_peers;
mod weir_server;

pub use weir_server::response_head;

use bytes::Bytes;

/// What a cycle does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    /// HTTP/1.1: one GET on a kept-alive connection, a 14-byte response.
    H1,
    /// HTTP/1.1: 16 pipelined GETs in one write.
    H1Pipelined,
    /// HTTP/1.1: one GET, a 1 MiB response.
    H1Large,
    /// HTTP/2: one GET on an open connection (the HPACK table is warm).
    H2,
    /// HTTP/2: 32 concurrent GETs in one write.
    H2Concurrent,
    /// HTTP/2: a new connection for one GET: preface, SETTINGS, a cold HPACK table.
    H2First,
    /// HTTP/2: one GET, a 1 MiB response.
    H2Large,
}

impl Case {
    /// Every case, in the order of the reports.
    pub const ALL: [Case; 7] = [
        Case::H1,
        Case::H1Pipelined,
        Case::H1Large,
        Case::H2,
        Case::H2Concurrent,
        Case::H2First,
        Case::H2Large,
    ];

    /// The case's name in reports and on command lines.
    pub fn name(self) -> &'static str {
        match self {
            Case::H1 => "h1",
            Case::H1Pipelined => "h1_pipelined_16",
            Case::H1Large => "h1_1mib",
            Case::H2 => "h2",
            Case::H2Concurrent => "h2_concurrent_32",
            Case::H2First => "h2_first_request",
            Case::H2Large => "h2_1mib",
        }
    }

    /// The case named `name`.
    pub fn named(name: &str) -> Option<Case> {
        Case::ALL.into_iter().find(|c| c.name() == name)
    }

    /// Whether the case is HTTP/2.
    pub fn is_h2(self) -> bool {
        matches!(
            self,
            Case::H2 | Case::H2Concurrent | Case::H2First | Case::H2Large
        )
    }

    /// How many requests one cycle makes.
    pub fn requests(self) -> usize {
        match self {
            Case::H1Pipelined => 16,
            Case::H2Concurrent => 32,
            _ => 1,
        }
    }

    /// The response body.
    pub fn body(self) -> Bytes {
        match self {
            Case::H1Large | Case::H2Large => Bytes::from(vec![b'x'; 1 << 20]),
            _ => Bytes::from_static(b"Hello, World!\n"),
        }
    }
}

/// Who answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Server {
    /// weir's `Connection`, in memory: no runtime, no IO.
    Weir,
    /// hyper 1.x's server connection (HTTP/1.1 or HTTP/2).
    Hyper,
    /// The h2 crate's server (HTTP/2 only).
    H2,
}

impl Server {
    /// Every server, in the order of the reports.
    pub const ALL: [Server; 3] = [Server::Weir, Server::Hyper, Server::H2];

    /// The server's name in reports and on command lines.
    pub fn name(self) -> &'static str {
        match self {
            Server::Weir => "weir",
            Server::Hyper => "hyper",
            Server::H2 => "h2",
        }
    }

    /// The server named `name`.
    pub fn named(name: &str) -> Option<Server> {
        Server::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// A connection ready to run cycles of one case.
pub trait Cycle {
    /// Sends the case's requests and reads every response to its end.
    fn cycle(&mut self);
}

/// A warmed-up connection of `server` for `case`, or `None` where the server does not
/// speak the case's version (the h2 crate and HTTP/1.1).
pub fn make(server: Server, case: Case) -> Option<Box<dyn Cycle>> {
    let mut cycle: Box<dyn Cycle> = match (server, case.is_h2()) {
        (Server::Weir, false) => Box::new(weir_server::H1::new(case)),
        (Server::Weir, true) => Box::new(weir_server::H2::new(case)),
        (Server::Hyper, _) | (Server::H2, true) => Box::new(tokio_peers::Peer::new(server, case)),
        (Server::H2, false) => return None,
    };
    // Buffers grow to their working size, tables fill, allocators settle.
    for _ in 0..8 {
        cycle.cycle();
    }
    Some(cycle)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every server answers every case it speaks, again and again: the measurements
    /// measure working cycles.
    #[test]
    fn every_server_completes_every_case() {
        for case in Case::ALL {
            for server in Server::ALL {
                let Some(mut cycle) = make(server, case) else {
                    assert!(server == Server::H2 && !case.is_h2());
                    continue;
                };
                for _ in 0..3 {
                    cycle.cycle();
                }
            }
        }
    }
}
