"""An HTTP/1.1 server built on python's h11, for the interoperability suite.

Listens on a free loopback port, prints `listening on IP:PORT`, and serves each
connection on its own thread until the peer closes it:

  GET/HEAD /hello   text with a Content-Length
  GET /chunked      three chunks a few milliseconds apart, then trailer `x-trailer: h11`
  POST /upload      reads the whole request body, answers it back with a Content-Length,
                    `x-request-te` (the request's Transfer-Encoding, or `none`) and
                    `x-body-length`
  anything else     404

Every response carries `x-connection: N`, N counting accepted connections, so that a
client can tell whether two exchanges shared one.
"""

import socket
import sys
import threading
import time

import h11

HELLO = b"hello from h11\n"
CHUNKS = [b"alpha ", b"beta ", b"gamma\n"]


def next_event(conn, sock):
    while True:
        event = conn.next_event()
        if event is not h11.NEED_DATA:
            return event
        conn.receive_data(sock.recv(65536))


def send(conn, sock, *events):
    for event in events:
        data = conn.send(event)
        if data:
            sock.sendall(data)


def answer(conn, sock, number, request, body):
    tag = ("x-connection", str(number))
    target = request.target.decode()
    method = request.method.decode()
    headers = {name.decode(): value.decode() for name, value in request.headers}
    if target == "/hello" and method in ("GET", "HEAD"):
        head = h11.Response(
            status_code=200,
            headers=[
                ("content-type", "text/plain"),
                ("content-length", str(len(HELLO))),
                tag,
            ],
        )
        # h11 frames a HEAD response as having no body.
        send(conn, sock, head, *([] if method == "HEAD" else [h11.Data(data=HELLO)]))
        send(conn, sock, h11.EndOfMessage())
    elif target == "/chunked" and method == "GET":
        head = h11.Response(
            status_code=200,
            headers=[("transfer-encoding", "chunked"), ("trailer", "x-trailer"), tag],
        )
        send(conn, sock, head)
        for chunk in CHUNKS:
            send(conn, sock, h11.Data(data=chunk))
            time.sleep(0.005)
        send(conn, sock, h11.EndOfMessage(headers=[("x-trailer", "h11")]))
    elif target == "/upload" and method == "POST":
        head = h11.Response(
            status_code=200,
            headers=[
                ("content-length", str(len(body))),
                ("x-request-te", headers.get("transfer-encoding", "none")),
                ("x-body-length", str(len(body))),
                tag,
            ],
        )
        send(conn, sock, head, h11.Data(data=body), h11.EndOfMessage())
    else:
        head = h11.Response(status_code=404, headers=[("content-length", "0"), tag])
        send(conn, sock, head, h11.EndOfMessage())


def serve(sock, number):
    sock.settimeout(10)
    conn = h11.Connection(h11.SERVER)
    try:
        while True:
            request = next_event(conn, sock)
            if isinstance(request, h11.ConnectionClosed):
                return
            body = b""
            while True:
                event = next_event(conn, sock)
                if isinstance(event, h11.Data):
                    body += event.data
                elif isinstance(event, h11.EndOfMessage):
                    break
            answer(conn, sock, number, request, body)
            if conn.our_state is h11.MUST_CLOSE:
                return
            conn.start_next_cycle()
    except (h11.ProtocolError, OSError) as error:
        print(f"h11 server, connection {number}: {error!r}", file=sys.stderr, flush=True)
    finally:
        sock.close()


def main():
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    host, port = listener.getsockname()
    print(f"listening on {host}:{port}", flush=True)
    number = 0
    while True:
        sock, _ = listener.accept()
        number += 1
        threading.Thread(target=serve, args=(sock, number), daemon=True).start()


if __name__ == "__main__":
    main()
