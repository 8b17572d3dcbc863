"""The egress check's tenant script (infra/rehearsal/egress-check.sh), run as an execution and, for
the positive control, with python3 on the worker host itself.

  egress-probe.py probe TARGET...   TARGET is HOST:PORT (a TCP connect) or http://HOST:PORT/ (a GET);
                                    prints one line: EGRESS {"TARGET": "open" | the error, ...}
  egress-probe.py listen PORT       as another execution would: listens on PORT, prints LISTENING,
                                    accepts until a client sends "bye" or 240 s passed
  egress-probe.py serve ADDR:PORT...  stand-ins on the control plane for ports nothing listens on
                                    there (Ray when it is off, loopback-only services): accepts and
                                    closes, for 900 s
"""
import errno
import json
import socket
import sys
import time
import urllib.request


def probe(target):
    try:
        if target.startswith("http://"):
            with urllib.request.urlopen(target, timeout=5) as reply:
                return "open" if reply.status == 200 else "http %d" % reply.status
        host, port = target.rsplit(":", 1)
        socket.create_connection((host, int(port)), timeout=3).close()
        return "open"
    except socket.timeout:
        return "timeout"
    except OSError as e:
        reason = getattr(e, "reason", e)
        code = getattr(reason, "errno", None)
        return errno.errorcode.get(code, type(reason).__name__) if code else type(reason).__name__


def listen(port):
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("0.0.0.0", port))
    server.listen(16)
    server.settimeout(1)
    print("LISTENING", port, flush=True)
    deadline = time.time() + 240
    while time.time() < deadline:
        try:
            conn, peer = server.accept()
        except socket.timeout:
            continue
        with conn:
            conn.settimeout(2)
            try:
                data = conn.recv(16)
            except OSError:
                data = b""
        print("connection from", peer[0], "said", data, flush=True)
        if data.startswith(b"bye"):
            return
    print("no bye within 240 s", flush=True)


def serve(addresses):
    import selectors
    sel = selectors.DefaultSelector()
    for address in addresses:
        host, port = address.rsplit(":", 1)
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            server.bind((host, int(port)))
        except OSError as e:  # the check then reports this target as not answering from the host
            print("cannot listen on", address, e, flush=True)
            continue
        server.listen(16)
        sel.register(server, selectors.EVENT_READ)
    deadline = time.time() + 900
    while time.time() < deadline:
        for key, _ in sel.select(timeout=1):
            conn, _ = key.fileobj.accept()
            conn.close()


if __name__ == "__main__":
    if sys.argv[1] == "listen":
        listen(int(sys.argv[2]))
    elif sys.argv[1] == "serve":
        serve(sys.argv[2:])
    else:
        print("EGRESS " + json.dumps({t: probe(t) for t in sys.argv[2:]}), flush=True)
