"""An HTTP/1.1 client built on python's h11, against an example server.

Usage: h11_client.py IP:PORT

Runs its cases on one connection, printing `ok CASE` after each; on the first mismatch
it prints what differed on stderr and exits 1:

  get         GET / is 200, text/plain, x-body-length: 0, `Hello, World!\\n`
  echo        POST /echo with a chunked body: the first piece is echoed back before
              the request body ends (full duplex), then the whole body
  keep-alive  more exchanges on the same connection, none of them closing it
"""

import socket
import sys

import h11


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
        self.conn = h11.Connection(h11.CLIENT)

    def send(self, *events):
        for event in events:
            data = self.conn.send(event)
            if data:
                self.sock.sendall(data)

    def next_event(self):
        while True:
            event = self.conn.next_event()
            if event is not h11.NEED_DATA:
                return event
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                raise Mismatch(f"nothing came within 5 s (state {self.conn.states})")
            self.conn.receive_data(data)

    def request(self, method, target, headers=()):
        headers = [("Host", self.authority), *headers]
        self.send(h11.Request(method=method, target=target, headers=headers))

    def response_head(self):
        event = self.next_event()
        check(isinstance(event, h11.Response), f"expected a response head, got {event!r}")
        return event

    def body(self, until=None):
        """Body bytes until the end of the message, or until `until` bytes arrived."""
        body = b""
        while until is None or len(body) < until:
            event = self.next_event()
            if isinstance(event, h11.Data):
                body += event.data
            elif isinstance(event, h11.EndOfMessage):
                return body
            else:
                raise Mismatch(f"unexpected {event!r} in a body")
        return body

    def next_cycle(self):
        check(
            self.conn.our_state is h11.DONE and self.conn.their_state is h11.DONE,
            f"the exchange did not end cleanly: {self.conn.states}",
        )
        # Raises if either side said `connection: close`.
        self.conn.start_next_cycle()


def field(response, name):
    values = [v for n, v in response.headers if n == name.encode()]
    return values[0].decode() if values else None


def case_get(client):
    client.request("GET", "/")
    client.send(h11.EndOfMessage())
    response = client.response_head()
    body = client.body()
    check(response.status_code == 200, f"status {response.status_code}")
    check(response.http_version == b"1.1", f"version {response.http_version!r}")
    check(field(response, "content-type") == "text/plain", f"headers {response.headers}")
    check(field(response, "x-body-length") == "0", f"headers {response.headers}")
    check(body == b"Hello, World!\n", f"body {body!r}")


def case_echo(client):
    client.request("POST", "/echo", [("Transfer-Encoding", "chunked")])
    client.send(h11.Data(data=b"Hello, "))
    response = client.response_head()
    check(response.status_code == 200, f"status {response.status_code}")
    first = client.body(until=7)
    check(first == b"Hello, ", f"first echoed piece {first!r}")
    client.send(h11.Data(data=b"World!"), h11.EndOfMessage())
    rest = client.body()
    check(first + rest == b"Hello, World!", f"echoed body {first + rest!r}")


def case_keep_alive(client):
    client.request("GET", "/bytes/1000")
    client.send(h11.EndOfMessage())
    response = client.response_head()
    body = client.body()
    check(response.status_code == 200, f"status {response.status_code}")
    check(field(response, "content-length") == "1000", f"headers {response.headers}")
    check(len(body) == 1000, f"{len(body)} body bytes")
    client.next_cycle()
    client.request("POST", "/", [("Content-Length", "3")])
    client.send(h11.Data(data=b"abc"), h11.EndOfMessage())
    response = client.response_head()
    body = client.body()
    check(field(response, "x-body-length") == "3", f"headers {response.headers}")
    check(body == b"Hello, World!\n", f"body {body!r}")
    client.next_cycle()


def main():
    client = Client(sys.argv[1])
    cases = [("get", case_get), ("echo", case_echo), ("keep-alive", case_keep_alive)]
    for index, (name, case) in enumerate(cases):
        try:
            if index:
                client.next_cycle()
            case(client)
        except (Mismatch, h11.ProtocolError, OSError) as error:
            print(f"FAIL {name}: {error}", file=sys.stderr, flush=True)
            return 1
        print(f"ok {name}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
