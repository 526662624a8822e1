"""An HTTP/2 client built on python's h2, against an example server (prior knowledge).

Usage: h2_client.py IP:PORT

Runs its cases on one connection, printing `ok CASE` after each; on the first mismatch
it prints what differed on stderr and exits 1:

  get         GET / is 200 with `Hello, World!\\n` and x-body-length: 0
  echo        POST /echo: the first piece is echoed before the request body ends
              (full duplex), then the whole body
  concurrent  20 streams open at once, each GET /bytes/N with its own N, all complete
  trailers    GET /trailers ends with the trailer x-checksum: done
"""

import socket
import sys

import h2.config
import h2.connection
import h2.events


class Mismatch(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Mismatch(message)


class Client:
    def __init__(self, address):
        host, port = address.rsplit(":", 1)
        self.authority = address
        self.sock = socket.create_connection((host, int(port)), timeout=5)
        config = h2.config.H2Configuration(client_side=True, header_encoding="utf-8")
        self.conn = h2.connection.H2Connection(config=config)
        self.conn.initiate_connection()
        self.flush()
        self.streams = {}

    def flush(self):
        data = self.conn.data_to_send()
        if data:
            self.sock.sendall(data)

    def request(self, method, path, end_stream=True):
        stream = self.conn.get_next_available_stream_id()
        headers = [
            (":method", method),
            (":scheme", "http"),
            (":authority", self.authority),
            (":path", path),
        ]
        self.conn.send_headers(stream, headers, end_stream=end_stream)
        self.flush()
        self.streams[stream] = {"headers": None, "body": b"", "trailers": None, "ended": False}
        return stream

    def pump(self, until):
        """Reads and handles events until `until()` is true."""
        while not until():
            data = self.sock.recv(65536)
            check(data, "the server closed the connection")
            for event in self.conn.receive_data(data):
                s = self.streams.get(getattr(event, "stream_id", None))
                if isinstance(event, h2.events.ResponseReceived):
                    s["headers"] = dict(event.headers)
                elif isinstance(event, h2.events.DataReceived):
                    s["body"] += event.data
                    self.conn.acknowledge_received_data(
                        event.flow_controlled_length, event.stream_id
                    )
                elif isinstance(event, h2.events.TrailersReceived):
                    s["trailers"] = dict(event.headers)
                elif isinstance(event, h2.events.StreamEnded):
                    s["ended"] = True
                elif isinstance(event, h2.events.StreamReset):
                    raise Mismatch(f"stream {event.stream_id} reset: {event.error_code}")
                elif isinstance(event, h2.events.ConnectionTerminated):
                    raise Mismatch(f"GOAWAY: {event.error_code}")
            self.flush()


def main(address):
    c = Client(address)

    s = c.request("GET", "/")
    c.pump(lambda: c.streams[s]["ended"])
    r = c.streams[s]
    check(r["headers"][":status"] == "200", f"status {r['headers']}")
    check(r["headers"].get("x-body-length") == "0", f"fields {r['headers']}")
    check(r["body"] == b"Hello, World!\n", f"body {r['body']!r}")
    print("ok get", flush=True)

    s = c.request("POST", "/echo", end_stream=False)
    c.conn.send_data(s, b"first piece")
    c.flush()
    c.pump(lambda: len(c.streams[s]["body"]) >= 11)
    check(c.streams[s]["body"] == b"first piece", "echo before the end of the body")
    c.conn.send_data(s, b", second piece", end_stream=True)
    c.flush()
    c.pump(lambda: c.streams[s]["ended"])
    check(c.streams[s]["body"] == b"first piece, second piece", f"echo {c.streams[s]['body']!r}")
    print("ok echo", flush=True)

    ids = {c.request("GET", f"/bytes/{1000 + 997 * i}"): 1000 + 997 * i for i in range(20)}
    c.pump(lambda: all(c.streams[i]["ended"] for i in ids))
    for i, n in ids.items():
        check(len(c.streams[i]["body"]) == n, f"stream {i}: {len(c.streams[i]['body'])} != {n}")
    print("ok concurrent", flush=True)

    s = c.request("GET", "/trailers")
    c.pump(lambda: c.streams[s]["ended"])
    check(c.streams[s]["body"] == b"body\n", f"body {c.streams[s]['body']!r}")
    check(c.streams[s]["trailers"] == {"x-checksum": "done"}, f"trailers {c.streams[s]['trailers']}")
    print("ok trailers", flush=True)

    c.conn.close_connection()
    c.flush()


if __name__ == "__main__":
    try:
        main(sys.argv[1])
    except Mismatch as e:
        print(f"mismatch: {e}", file=sys.stderr)
        sys.exit(1)
