"""Opens COUNT keep-alive connections to HOST:PORT, makes one request on each so the server holds a live idle
connection, prints how many were answered and the server's proportional set size in KiB
(PSS from /proc/PID/smaps_rollup, summed over PIDS, so pages they share count once) while all are open, then
closes them.
Usage: idle-connections.py HOST PORT COUNT PATH PID [PID ...]"""
import resource
import socket
import sys

host, port, count, path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
pids = sys.argv[5:]
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, count + 1024), hard))


def pss_kib(pid):
    with open(f"/proc/{pid}/smaps_rollup") as rollup:
        for line in rollup:
            if line.startswith("Pss:"):
                return int(line.split()[1])
    return 0


request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
connections = []
for _ in range(count):
    connection = socket.create_connection((host, port))
    connection.sendall(request)
    connections.append(connection)
answered = 0
for connection in connections:
    connection.settimeout(10)
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = connection.recv(4096)
        if not chunk:
            break
        head += chunk
    answered += head.startswith(b"HTTP/1.1 200")
print(f"{answered} {sum(pss_kib(pid) for pid in pids)}")
for connection in connections:
    connection.close()
