"""Judges a browser-check run: every request in lanai's access log answered 200 or 304, at least MINIMUM of them,
and a screenshot that is not blank. Usage: browser-check-verify.py ACCESS_LOG SCREENSHOT MINIMUM"""
import re
import struct
import sys
import zlib

log_path, shot_path, minimum = sys.argv[1], sys.argv[2], int(sys.argv[3])
request_line = re.compile(r'"(\S+) (\S+) HTTP/1\.[01]" (\d{3}) ')
requests = [match.groups() for match in map(request_line.search, open(log_path, encoding="utf-8", errors="replace")) if match]
failures = [f"{method} {target} -> {status}" for method, target, status in requests if status not in ("200", "304")]


def pixels(path):
    """Decodes an 8-bit RGB or RGBA PNG (what Chromium writes) into rows of pixel tuples."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    offset, idat, header = 8, b"", None
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind, body = data[offset + 4 : offset + 8], data[offset + 8 : offset + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        offset += 12 + length
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and colour in (2, 6) and interlace == 0, f"unsupported PNG {header}"
    channels = 3 if colour == 2 else 4
    raw, stride, rows, previous = zlib.decompress(idat), width * channels, [], bytearray(width * channels)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up, up_left = previous[i], previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 255
            elif kind == 2:
                line[i] = (line[i] + up) & 255
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif kind == 4:
                estimate = left + up - up_left
                pa, pb, pc = abs(estimate - left), abs(estimate - up), abs(estimate - up_left)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else up_left)) & 255
        rows.append([tuple(line[x : x + 3]) for x in range(0, stride, channels)])
        previous = line
    return rows


rows = pixels(shot_path)
counts = {}
for row in rows[::4]:
    for pixel in row[::4]:
        counts[pixel] = counts.get(pixel, 0) + 1
sampled = sum(counts.values())
background = max(counts.values())
ink = 1 - background / sampled
print(f"browser-check: {len(requests)} requests, {len(failures)} not 200/304; "
      f"screenshot {len(rows[0])}x{len(rows)}, {len(counts)} colours, {ink:.1%} not background")
for failure in failures:
    print("  FAIL", failure)
ok = not failures and len(requests) >= minimum and len(counts) >= 8 and ink >= 0.01
print(f"browser: {int(ok)} passed, {int(not ok)} failed")
sys.exit(0 if ok else 1)
