#!/usr/bin/env python3
"""A small HTTP/1.1 upstream for testing `lanai --proxy`, on the standard library alone. Prints its port, then
serves 127.0.0.1 until killed. Keep-alive, Content-Length and chunked request bodies, and these endpoints:
  /echo...         any method: what arrived (method, target, header fields, body length), as text lines
  /hop             an answer carrying hop-by-hop fields that must not reach the client
  /upload-slow     reads the body slowly (a slow upstream), answers with its length
  /download?bytes=N   N bytes of a pattern, with Content-Length
  /chunked         a chunked answer;  /until-close  an answer ended by closing
  /sse             an event, then a second one once /sse-release is asked for (so a test can tell they came apart)
  /slow?seconds=N  answers after N seconds
  /ws              a WebSocket that echoes text frames, and closes on 'close-now';  /ws-open  how many are open
  /hello           a greeting (the browser check)
  /login           POST, from a page of the upstream's own origin (Origin checked against Host, as Django's CSRF
                   check does): a 302 to .../account at the upstream's absolute URL, with a session cookie whose
                   Domain is the upstream's host and Path its base (what comes before /login)
  /account         who is signed in, by the session cookie (401 without it)
Usage: test-upstream.py [PORT] [--tls CERT_PEM KEY_PEM]   (--tls: https, with that certificate chain and key)"""
import base64
import hashlib
import itertools
import socket
import socketserver
import ssl
import sys
import threading
import time
import urllib.parse

connection_ids = itertools.count(1)
arguments = sys.argv[1:]
tls = None
if "--tls" in arguments:
    at = arguments.index("--tls")
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(arguments[at + 1], arguments[at + 2])
    del arguments[at:at + 3]
scheme = "https" if tls else "http"
sse_release = threading.Event()
open_websockets = 0
lock = threading.Lock()


class Closed(Exception):
    pass


class Reader:
    def __init__(self, sock):
        self.sock = sock
        self.buffer = b""

    def fill(self, size=65536):
        data = self.sock.recv(size)
        if not data:
            raise Closed()
        self.buffer += data

    def line(self):
        while b"\r\n" not in self.buffer:
            self.fill()
        line, self.buffer = self.buffer.split(b"\r\n", 1)
        return line

    def exactly(self, count, slow=False):
        """Reads `count` bytes and returns how many, without keeping them."""
        left = count
        while left > 0:
            if not self.buffer:
                self.fill(min(left, 65536))
                if slow:
                    time.sleep(0.002)
            take = min(left, len(self.buffer))
            self.buffer = self.buffer[take:]
            left -= take
        return count


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        self.id = next(connection_ids)
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if tls:
            try:
                self.request = tls.wrap_socket(self.request, server_side=True)
            except (ssl.SSLError, OSError):
                return  # the client refused the certificate
        reader = Reader(self.request)
        try:
            while self.one(reader):
                pass
        except (Closed, ConnectionError):
            pass

    def send(self, status, body=b"", fields=(), length=True):
        head = f"HTTP/1.1 {status}\r\nX-Upstream-Connection: {self.id}\r\n"
        head += "".join(f"{name}: {value}\r\n" for name, value in fields)
        if length:
            head += f"Content-Length: {len(body)}\r\n"
        self.request.sendall(head.encode() + b"\r\n" + body)

    def one(self, reader):
        method, target, _ = reader.line().decode("latin-1").split(" ", 2)
        fields = []
        while True:
            line = reader.line()
            if not line:
                break
            name, value = line.decode("latin-1").split(":", 1)
            fields.append((name, value.strip()))
        lower = {name.lower(): value for name, value in fields}
        path, _, query = target.partition("?")
        params = urllib.parse.parse_qs(query)
        slow = path.endswith("/upload-slow")
        received = 0
        if "content-length" in lower:
            received = reader.exactly(int(lower["content-length"]), slow)
        elif lower.get("transfer-encoding", "").lower() == "chunked":
            while True:
                size = int(reader.line().split(b";")[0], 16)
                if size == 0:
                    while reader.line():
                        pass
                    break
                received += reader.exactly(size, slow)
                reader.line()
        if path.endswith("/ws") and lower.get("upgrade", "").lower() == "websocket":
            return self.websocket(reader, lower)
        if path.endswith("/hop"):
            hop = [("Connection", "X-Up"), ("X-Up", "1"), ("Keep-Alive", "timeout=5"), ("Proxy-Agent", "up"),
                   ("Upgrade", "h2c"), ("X-End-To-End", "kept")]
            self.send("200 OK", b"hop\n", hop)
        elif path.endswith("/upload-slow"):
            self.send("200 OK", f"received {received}\n".encode())
        elif path.endswith("/download"):
            total = int(params["bytes"][0])
            self.send("200 OK", b"", [("Content-Length", total)], length=False)
            piece = bytes(range(256)) * 4096
            while total > 0:
                self.request.sendall(piece[:total])
                total -= min(total, len(piece))
        elif path.endswith("/chunked"):
            self.send("200 OK", b"5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n", [("Transfer-Encoding", "chunked")], False)
        elif path.endswith("/until-close"):
            self.send("200 OK", b"until the end", [("Connection", "close")], length=False)
            return False
        elif path.endswith("/sse-release"):
            sse_release.set()
            self.send("200 OK", b"released\n")
        elif path.endswith("/sse"):
            sse_release.clear()
            self.send("200 OK", b"", [("Content-Type", "text/event-stream"), ("Cache-Control", "no-cache")], False)
            self.request.sendall(b"data: one\n\n")
            sse_release.wait(20)
            self.request.sendall(b"data: two\n\n")
            return False
        elif path.endswith("/slow"):
            time.sleep(float(params["seconds"][0]))
            self.send("200 OK", b"slow\n")
        elif path.endswith("/ws-open"):
            self.send("200 OK", f"{open_websockets}\n".encode())
        elif path.endswith("/login") and method == "POST":
            own = f"{scheme}://{lower.get('host', '')}"
            if lower.get("origin") != own:
                self.send("403 Forbidden", f"Origin {lower.get('origin')} is not {own}\n".encode())
            else:
                base = path[:-len("/login")]
                host_name = lower["host"].rsplit(":", 1)[0]
                cookie = f"session=signed-in; Domain={host_name}; Path={base or '/'}; SameSite=Lax"
                self.send("302 Found", b"", [("Location", f"{own}{base}/account"), ("Set-Cookie", cookie)])
        elif path.endswith("/account"):
            cookies = [part.strip() for part in lower.get("cookie", "").split(";")]
            if "session=signed-in" in cookies:
                self.send("200 OK", b"<!DOCTYPE html><p id=who>signed in</p>", [("Content-Type", "text/html")])
            else:
                self.send("401 Unauthorized", b"not signed in\n", [("Content-Type", "text/plain")])
        elif path.endswith("/hello"):
            self.send("200 OK", b"hello from upstream", [("Content-Type", "text/plain")])
        else:
            lines = [f"method {method}", f"target {target}", f"body {received}"]
            lines += [f"field {name}: {value}" for name, value in fields]
            self.send("200 OK", ("\n".join(lines) + "\n").encode(), [("Content-Type", "text/plain")])
        return lower.get("connection", "").lower() != "close"

    def websocket(self, reader, fields):
        global open_websockets
        key = fields["sec-websocket-key"].encode()
        accept = base64.b64encode(hashlib.sha1(key + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest()).decode()
        self.send("101 Switching Protocols", b"",
                  [("Upgrade", "websocket"), ("Connection", "Upgrade"), ("Sec-WebSocket-Accept", accept)], False)
        with lock:
            open_websockets += 1
        try:
            while True:
                while len(reader.buffer) < 2:
                    reader.fill()
                opcode, length = reader.buffer[0] & 0x0F, reader.buffer[1] & 0x7F
                start = 2
                if length == 126:
                    while len(reader.buffer) < 4:
                        reader.fill()
                    length, start = int.from_bytes(reader.buffer[2:4], "big"), 4
                while len(reader.buffer) < start + 4 + length:
                    reader.fill()
                mask = reader.buffer[start:start + 4]
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(reader.buffer[start + 4:start + 4 + length]))
                reader.buffer = reader.buffer[start + 4 + length:]
                if opcode == 8 or payload == b"close-now":
                    return False
                header = bytes([0x81, len(payload)]) if len(payload) < 126 else bytes([0x81, 126]) + len(payload).to_bytes(2, "big")
                self.request.sendall(header + payload)
        finally:
            with lock:
                open_websockets -= 1
            self.request.close()


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


server = Server(("127.0.0.1", int(arguments[0]) if arguments else 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
