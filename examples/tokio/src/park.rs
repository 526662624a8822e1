//! Idle connections put aside without a task: a connection that waits for its peer
//! gives its socket and its [`Parked`] state here and its task ends. One thread
//! watches all the parked sockets with one poller and all their deadlines with one
//! timeout, and hands a connection back to the server as soon as its socket turns
//! readable (a request, the end of input, an error) or its deadline comes (an idle
//! timeout).
//!
//! A parked connection costs its socket and the few words of its [`Parked`] state: no
//! task, no runtime registration, no buffer.

use mio::net::TcpStream as MioStream;
use mio::{Events, Interest, Poll as Poller, Token, Waker};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io;
use std::net::TcpStream;
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc as tokio_mpsc;
use weir::Parked;

/// How many readiness events one wait of the poller takes.
const EVENTS: usize = 256;

/// The poller's token for the park's own waker (new connections, a shutdown).
const WAKER: Token = Token(usize::MAX);

/// The longest the park sleeps: it then looks whether the server is gone.
const LOOK_AROUND: Duration = Duration::from_secs(1);

/// While the server shuts down, how often the park looks whether every task is gone.
const CLOSING_LOOK: Duration = Duration::from_millis(10);

/// A connection put aside: its socket (out of the runtime) and its state.
#[derive(Debug)]
pub(crate) struct ParkedConn {
    pub(crate) sock: TcpStream,
    pub(crate) conn: Parked,
}

/// What the park is told.
enum Msg {
    Park(ParkedConn),
    /// The server shuts down: every parked connection goes back to be closed, and so
    /// does any parked from now on.
    TakeAll,
}

/// Where a connection's task hands its connection when it goes idle. Cheap to clone.
#[derive(Clone)]
pub(crate) struct Parker {
    tx: Sender<Msg>,
    waker: Arc<Waker>,
}

impl std::fmt::Debug for Parker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Parker")
    }
}

impl Parker {
    /// Puts `conn` aside; if the park is gone (the server stopped), the connection
    /// is dropped, closing its socket.
    pub(crate) fn park(&self, conn: ParkedConn) {
        if self.tx.send(Msg::Park(conn)).is_ok() {
            let _ = self.waker.wake();
        }
    }

    /// Starts the shutdown (see `Msg::TakeAll`).
    pub(crate) fn take_all(&self) {
        if self.tx.send(Msg::TakeAll).is_ok() {
            let _ = self.waker.wake();
        }
    }
}

/// Starts the park's thread. Woken connections come out of the receiver; once every
/// [`Parker`] is dropped after a [`Parker::take_all`], the park gives back what it
/// holds and the receiver ends.
pub(crate) fn start() -> io::Result<(Parker, tokio_mpsc::UnboundedReceiver<ParkedConn>)> {
    let poller = Poller::new()?;
    let waker = Arc::new(Waker::new(poller.registry(), WAKER)?);
    let (tx, incoming) = mpsc::channel();
    let (woken, out) = tokio_mpsc::unbounded_channel();
    let park = Park {
        poller,
        slots: Vec::new(),
        free: Vec::new(),
        deadlines: BinaryHeap::new(),
        incoming,
        woken,
        closing: false,
    };
    std::thread::Builder::new()
        .name("weir-park".into())
        .spawn(move || park.run())?;
    Ok((Parker { tx, waker }, out))
}

/// The park's state, on its thread.
struct Park {
    poller: Poller,
    /// The connections, by their poller token; free slots are reused.
    slots: Vec<Option<Slot>>,
    free: Vec<usize>,
    /// Every parked connection's deadline, soonest first. An entry whose connection
    /// left before it stays until it is due or the heap is rebuilt; one that finds
    /// another connection in its slot wakes it only if that one is due too.
    deadlines: BinaryHeap<Reverse<(Instant, usize)>>,
    incoming: Receiver<Msg>,
    woken: tokio_mpsc::UnboundedSender<ParkedConn>,
    closing: bool,
}

/// One parked connection, its socket registered with the park's poller.
struct Slot {
    sock: MioStream,
    conn: Parked,
}

impl Park {
    fn run(mut self) {
        let mut events = Events::with_capacity(EVENTS);
        loop {
            let now = Instant::now();
            let next = self.deadlines.peek().map(|Reverse((at, _))| *at);
            let mut wait = next.map_or(LOOK_AROUND, |at| at.saturating_duration_since(now));
            if self.closing {
                wait = wait.min(CLOSING_LOOK);
            }
            if let Err(e) = self.poller.poll(&mut events, Some(wait.min(LOOK_AROUND))) {
                if e.kind() != io::ErrorKind::Interrupted {
                    return;
                }
            }
            for event in events.iter() {
                if event.token() != WAKER {
                    self.wake(event.token().0);
                }
            }
            if !self.take_messages() || self.woken.is_closed() {
                // Everyone is gone: the sockets close with the park.
                return;
            }
            self.wake_due(Instant::now());
            let live = self.slots.len() - self.free.len();
            if self.deadlines.len() > 2 * live + 64 {
                self.rebuild_deadlines();
            }
        }
    }

    /// Takes the messages in; returns whether the park is still wanted: someone can
    /// still send to it.
    fn take_messages(&mut self) -> bool {
        loop {
            match self.incoming.try_recv() {
                Ok(Msg::Park(conn)) if self.closing => {
                    let _ = self.woken.send(conn);
                }
                Ok(Msg::Park(conn)) => self.insert(conn),
                Ok(Msg::TakeAll) => {
                    self.closing = true;
                    for key in 0..self.slots.len() {
                        self.wake(key);
                    }
                    self.deadlines.clear();
                }
                Err(TryRecvError::Empty) => return true,
                // The server and all its tasks are gone.
                Err(TryRecvError::Disconnected) => return false,
            }
        }
    }

    fn insert(&mut self, conn: ParkedConn) {
        let key = self.free.pop().unwrap_or(self.slots.len());
        let mut sock = MioStream::from_std(conn.sock);
        let registered = self
            .poller
            .registry()
            .register(&mut sock, Token(key), Interest::READABLE);
        if registered.is_err() {
            // A socket that cannot be watched is closed: its peer will connect again.
            self.free.push(key);
            return;
        }
        if let Some(at) = conn.conn.deadline() {
            self.deadlines.push(Reverse((at, key)));
        }
        let slot = Slot {
            sock,
            conn: conn.conn,
        };
        if key == self.slots.len() {
            self.slots.push(Some(slot));
        } else {
            self.slots[key] = Some(slot);
        }
    }

    /// Sends the connection in slot `key`, if one is there, back to be served.
    fn wake(&mut self, key: usize) {
        let Some(Slot { mut sock, conn }) = self.slots.get_mut(key).and_then(Option::take) else {
            return;
        };
        let _ = self.poller.registry().deregister(&mut sock);
        self.free.push(key);
        let _ = self.woken.send(ParkedConn {
            sock: sock.into(),
            conn,
        });
    }

    /// Wakes the connections whose deadline passed.
    fn wake_due(&mut self, now: Instant) {
        while let Some(&Reverse((at, key))) = self.deadlines.peek() {
            if at > now {
                return;
            }
            self.deadlines.pop();
            let slot = self.slots.get(key).and_then(Option::as_ref);
            if slot.is_some_and(|s| s.conn.deadline().is_some_and(|d| d <= now)) {
                self.wake(key);
            }
        }
    }

    /// Drops the deadlines of connections that left before them.
    fn rebuild_deadlines(&mut self) {
        let live = self.slots.iter().enumerate().filter_map(|(key, slot)| {
            let at = slot.as_ref()?.conn.deadline()?;
            Some(Reverse((at, key)))
        });
        self.deadlines = live.collect();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::TcpListener;
    use weir::{Config, Connection, Side};

    /// A connected pair of sockets (ours non-blocking, as the runtime leaves them)
    /// and an idle server connection parked with `config`.
    fn parked(config: Config) -> (ParkedConn, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let peer = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (sock, _) = listener.accept().unwrap();
        sock.set_nonblocking(true).unwrap();
        let mut conn = Connection::new(Side::Server, config, Instant::now());
        let conn = conn.park().expect("a new connection is idle");
        (ParkedConn { sock, conn }, peer)
    }

    fn no_deadline() -> Config {
        Config {
            idle_timeout: None,
            ..Config::default()
        }
    }

    #[test]
    fn a_connection_comes_back_when_its_peer_speaks() {
        let (parker, mut woken) = start().unwrap();
        let (conn, mut peer) = parked(no_deadline());
        let port = conn.sock.local_addr().unwrap().port();
        parker.park(conn);
        std::thread::sleep(Duration::from_millis(100));
        assert!(woken.try_recv().is_err(), "woken with nothing to read");
        peer.write_all(b"GET").unwrap();
        let mut back = woken.blocking_recv().expect("woken");
        assert_eq!(back.sock.local_addr().unwrap().port(), port);
        back.sock.set_nonblocking(false).unwrap();
        let mut got = [0; 3];
        back.sock.read_exact(&mut got).unwrap();
        assert_eq!(&got, b"GET");
    }

    #[test]
    fn a_connection_comes_back_at_its_deadline() {
        let idle = Duration::from_millis(200);
        let config = Config {
            idle_timeout: Some(idle),
            ..Config::default()
        };
        let (parker, mut woken) = start().unwrap();
        let (conn, _peer) = parked(config);
        let due = conn.conn.deadline().expect("the idle deadline");
        parker.park(conn);
        let back = woken.blocking_recv().expect("woken");
        assert!(Instant::now() >= due, "woken before its deadline");
        assert!(Instant::now() < due + Duration::from_secs(1), "woken late");
        assert_eq!(back.conn.deadline(), Some(due));
    }

    #[test]
    fn a_shutdown_gives_every_connection_back_and_ends_the_park() {
        let (parker, mut woken) = start().unwrap();
        let mut peers = Vec::new();
        for _ in 0..3 {
            let (conn, peer) = parked(no_deadline());
            parker.park(conn);
            peers.push(peer);
        }
        // A task still running parks after the shutdown began.
        let late = parker.clone();
        parker.take_all();
        drop(parker);
        let (conn, peer) = parked(no_deadline());
        late.park(conn);
        peers.push(peer);
        drop(late);
        let mut back = 0;
        while woken.blocking_recv().is_some() {
            back += 1;
        }
        assert_eq!(back, 4);
    }
}
