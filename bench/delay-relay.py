#!/usr/bin/env python3
"""A TCP relay on loopback that adds latency: every chunk it reads is written on DELAY_MS later, in order, bytes
untouched (TLS passes end to end), each way; so DELAY_MS=10 adds 20 ms to every round trip. This stands in for
netem, which this kernel lacks. The relay accepts a connection at once, so the TCP handshake's round trip is added
to the client's first bytes instead: nothing it sends reaches the server before 2 x DELAY_MS + DELAY_MS after the
accept, as over a real link. Bandwidth is not limited. A half-close (EOF) is passed on after the same delay.
Prints the port it listens on (127.0.0.1), then relays until killed.
Usage: delay-relay.py TARGET_PORT [DELAY_MS=10] [TARGET_HOST=127.0.0.1]"""
import asyncio
import socket
import sys

target_port = int(sys.argv[1])
delay = float(sys.argv[2] if len(sys.argv) > 2 else 10) / 1000
target_host = sys.argv[3] if len(sys.argv) > 3 else "127.0.0.1"


async def pump(reader, writer, not_before=0.0):
    """Reads chunks as they come and writes each one `delay` after it arrived (or after not_before), in order."""
    loop = asyncio.get_running_loop()
    queue = asyncio.Queue()

    async def deliver():
        while True:
            due, chunk = await queue.get()
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            if chunk is None:
                if writer.can_write_eof():
                    writer.write_eof()
                return
            writer.write(chunk)
            await writer.drain()

    sender = asyncio.create_task(deliver())
    try:
        while True:
            chunk = await reader.read(1 << 16)
            await queue.put((max(loop.time(), not_before) + delay, chunk or None))
            if not chunk:
                break
        await sender
    except (ConnectionError, OSError):
        sender.cancel()
        writer.close()


async def relay(client_reader, client_writer):
    handshake_done = asyncio.get_running_loop().time() + 2 * delay
    try:
        upstream_reader, upstream_writer = await asyncio.open_connection(target_host, target_port)
    except OSError:
        client_writer.close()
        return
    for writer in (client_writer, upstream_writer):
        writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        await asyncio.gather(pump(client_reader, upstream_writer, handshake_done), pump(upstream_reader, client_writer))
    except (ConnectionError, OSError):
        pass
    finally:
        client_writer.close()
        upstream_writer.close()


async def main():
    server = await asyncio.start_server(relay, "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


asyncio.run(main())
