use std::time::Instant;
use weir::testing::Pair;
use weir::*;

#[test]
fn smoke() {
    let mut p = Pair::new(Config::default(), Config::default(), Instant::now());
    let s = p.client.send_request(Request::new("POST", "/echo").field("Host", "a"), false).unwrap();
    p.client.send_data(s, "Hello, ".into(), false).unwrap();
    p.drive();
    p.server.send_response(s, Response::new(200), false).unwrap();
    p.server.send_data(s, "Hello, ".into(), false).unwrap();
    p.client.send_data(s, "World!".into(), true).unwrap();
    p.drive();
    p.server.send_data(s, "World!".into(), true).unwrap();
    p.drive();
    println!("{}", String::from_utf8_lossy(&p.wire_to_server));
    println!("{}", String::from_utf8_lossy(&p.wire_to_client));
    for e in &p.server_events { println!("S {e:?}"); }
    for e in &p.client_events { println!("C {e:?}"); }
    let s2 = p.client.send_request(Request::new("GET", "/").field("Host", "a"), true).unwrap();
    p.drive();
    p.server.send_response(s2, Response::new(200), false).unwrap();
    p.server.send_data(s2, "x".into(), true).unwrap();
    p.drive();
    for e in &p.client_events[p.client_events.len()-2..] { println!("C {e:?}"); }
    let mut bad = Pair::new(Config::default(), Config::default(), Instant::now());
    bad.server.handle_input(bad.now, b"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n");
    bad.drive();
    for e in &bad.server_events { println!("BAD {e:?}"); }
    println!("{}", String::from_utf8_lossy(&bad.wire_to_client));
}
