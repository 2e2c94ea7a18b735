"""Measures what idle keep-alive connections cost a server in memory.

Reads the server's proportional set size (PSS, from /proc/PID/smaps_rollup, summed over PIDS so that pages its
processes share count once), then opens COUNT connections to HOST:PORT, sends one GET for PATH on each and reads
the whole answer, so that every connection is left open, idle, after one response. With all of them open it
reads PSS again, then closes them.

Prints one line: ANSWERED IDLE_KIB BUSY_KIB (ANSWERED is how many connections got a whole 200 that left them open).
Everything is bounded: connecting stops at the first refusal or after DEADLINE seconds, and reading the answers
stops DEADLINE seconds after that.

Usage: idle-connections.py HOST PORT COUNT PATH PID [PID ...]
Only the Python standard library is used."""
import resource
import selectors
import socket
import sys
import time

DEADLINE = 60.0
SETTLE = 0.5


def pss_kib(pids):
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as rollup:
                for line in rollup:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            pass  # a process that is gone holds nothing
    return total


class Answer:
    """The bytes read so far on one connection, and whether they make a whole 200 response."""

    def __init__(self):
        self.data = b""
        self.done = False
        self.ok = False

    def feed(self, chunk):
        self.data += chunk
        end = self.data.find(b"\r\n\r\n")
        if end < 0:
            return
        head = self.data[:end].decode("latin-1").split("\r\n")
        length = None
        closing = False
        for line in head[1:]:
            name, _, value = line.partition(":")
            name, value = name.strip().lower(), value.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "connection":
                closing = "close" in value
        if length is None:
            # Without a length the body would run to the close, which is not a keep-alive answer.
            self.done = True
            return
        if len(self.data) - end - 4 >= length:
            self.done = True
            self.ok = head[0].split(" ")[1:2] == ["200"] and not closing


def main():
    host, port, count, path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    pids = sys.argv[5:]
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, count + 1024), hard))

    idle = pss_kib(pids)
    request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
    selector = selectors.DefaultSelector()
    connections = []
    deadline = time.monotonic() + DEADLINE
    for _ in range(count):
        left = deadline - time.monotonic()
        if left <= 0:
            print(f"idle-connections: {len(connections)} connections opened in {DEADLINE:.0f} s, no more", file=sys.stderr)
            break
        try:
            connection = socket.create_connection((host, port), timeout=min(5.0, left))
            connection.sendall(request)
        except OSError as error:
            print(f"idle-connections: connection {len(connections) + 1} failed: {error}", file=sys.stderr)
            break
        connection.setblocking(False)
        answer = Answer()
        selector.register(connection, selectors.EVENT_READ, answer)
        connections.append((connection, answer))

    waiting = len(connections)
    deadline = time.monotonic() + DEADLINE
    while waiting and time.monotonic() < deadline:
        for key, _ in selector.select(timeout=1.0):
            answer = key.data
            try:
                chunk = key.fileobj.recv(65536)
            except BlockingIOError:
                continue
            except OSError:
                chunk = b""
            if chunk:
                answer.feed(chunk)
            else:
                answer.done = True  # closed by the server before a whole answer
            if answer.done:
                selector.unregister(key.fileobj)
                waiting -= 1
    time.sleep(SETTLE)

    answered = sum(answer.ok for _, answer in connections)
    busy = pss_kib(pids)
    print(f"{answered} {idle} {busy}")
    for connection, _ in connections:
        connection.close()
    selector.close()


if __name__ == "__main__":
    main()
