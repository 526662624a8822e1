"""Compression against an example server, decoded by python's standard library.

Usage: compression_client.py IP:PORT

Prints `ok CASE` after each case; on the first mismatch it prints what differed on
stderr and exits 1:

  gzip         GET /text/100000 with `Accept-Encoding: gzip` (http.client, HTTP/1.1):
               `Content-Encoding: gzip`, and gzip.decompress gives the identity body
               that the same request without Accept-Encoding gets
  deflate      the same with `Accept-Encoding: gzip;q=0.5, deflate`: `deflate`, the
               zlib format (zlib.decompress)
  gzip upload  POST / with a gzip body: the server counts the decoded bytes
               (x-body-length)
  h2 gzip      GET /text/100000 with accept-encoding: gzip over HTTP/2 (python's h2,
               prior knowledge): the same decoded body
"""

import gzip
import http.client
import socket
import sys
import zlib

import h2.config
import h2.connection
import h2.events
import h2.exceptions


class Mismatch(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Mismatch(message)


def get(address, path, headers):
    host, port = address.rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=5)
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    # http.client undoes the chunked framing, not the content coding.
    body = response.read()
    conn.close()
    return response, body


def case_gzip(address, identity):
    response, body = get(address, "/text/100000", {"Accept-Encoding": "gzip"})
    check(response.status == 200, f"status {response.status}")
    check(response.getheader("Content-Encoding") == "gzip", f"headers {response.getheaders()}")
    check(response.getheader("Vary") == "accept-encoding", f"headers {response.getheaders()}")
    check(len(body) < len(identity) // 10, f"{len(body)} bytes: hardly compressed")
    check(gzip.decompress(body) == identity, "the decoded body differs from the identity body")


def case_deflate(address, identity):
    headers = {"Accept-Encoding": "gzip;q=0.5, deflate"}
    response, body = get(address, "/text/100000", headers)
    check(response.getheader("Content-Encoding") == "deflate", f"headers {response.getheaders()}")
    check(zlib.decompress(body) == identity, "the decoded body differs from the identity body")


def case_gzip_upload(address, identity):
    host, port = address.rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=5)
    encoded = gzip.compress(identity)
    headers = {"Content-Encoding": "gzip", "Content-Type": "text/plain"}
    conn.request("POST", "/", body=encoded, headers=headers)
    response = conn.getresponse()
    body = response.read()
    conn.close()
    check(response.status == 200, f"status {response.status}")
    counted = response.getheader("x-body-length")
    check(counted == str(len(identity)), f"the server counted {counted} bytes")
    check(body == b"Hello, World!\n", f"body {body!r}")


def case_h2_gzip(address, identity):
    host, port = address.rsplit(":", 1)
    sock = socket.create_connection((host, int(port)), timeout=5)
    config = h2.config.H2Configuration(client_side=True, header_encoding="utf-8")
    conn = h2.connection.H2Connection(config=config)
    conn.initiate_connection()
    stream = conn.get_next_available_stream_id()
    conn.send_headers(
        stream,
        [
            (":method", "GET"),
            (":scheme", "http"),
            (":authority", address),
            (":path", "/text/100000"),
            ("accept-encoding", "gzip"),
        ],
        end_stream=True,
    )
    sock.sendall(conn.data_to_send())
    headers, body, ended = {}, b"", False
    while not ended:
        data = sock.recv(65536)
        check(data, "the server closed the connection")
        for event in conn.receive_data(data):
            if isinstance(event, h2.events.ResponseReceived):
                headers = dict(event.headers)
            elif isinstance(event, h2.events.DataReceived):
                body += event.data
                conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            elif isinstance(event, h2.events.StreamEnded):
                ended = True
            elif isinstance(event, (h2.events.StreamReset, h2.events.ConnectionTerminated)):
                raise Mismatch(f"{event}")
        sock.sendall(conn.data_to_send())
    conn.close_connection()
    sock.sendall(conn.data_to_send())
    sock.close()
    check(headers.get(":status") == "200", f"headers {headers}")
    check(headers.get("content-encoding") == "gzip", f"headers {headers}")
    check(gzip.decompress(body) == identity, "the decoded body differs from the identity body")


def main():
    address = sys.argv[1]
    response, identity = get(address, "/text/100000", {})
    if response.getheader("Content-Encoding") is not None or len(identity) != 100000:
        print(f"FAIL identity: {response.getheaders()}, {len(identity)} bytes", file=sys.stderr)
        return 1
    cases = [
        ("gzip", case_gzip),
        ("deflate", case_deflate),
        ("gzip upload", case_gzip_upload),
        ("h2 gzip", case_h2_gzip),
    ]
    for name, case in cases:
        try:
            case(address, identity)
        except (Mismatch, OSError, zlib.error, h2.exceptions.ProtocolError) as error:
            print(f"FAIL {name}: {error}", file=sys.stderr, flush=True)
            return 1
        print(f"ok {name}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
