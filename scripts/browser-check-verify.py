"""Judges a browser-check run: every request in lanai's access log answered 200 or 304, at least MINIMUM of them,
a screenshot that is not blank, and the page itself received by Chromium with Content-Encoding: br (from its net
log). Usage: browser-check-verify.py ACCESS_LOG SCREENSHOT MINIMUM NET_LOG PAGE_PATH"""
import json
import re
import struct
import sys
import zlib
from urllib.parse import urlsplit

log_path, shot_path, minimum, net_log_path, page_path = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
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


def response_heads(path, page):
    """The response heads Chromium's net log shows for requests of PAGE (a path on the server)."""
    text = open(path, encoding="utf-8", errors="replace").read()
    try:
        log = json.loads(text)
    except ValueError:  # a log cut short at exit lacks its closing brackets
        log = json.loads(text.rstrip().rstrip(",") + "]}")
    names = {number: name for name, number in log["constants"]["logEventTypes"].items()}
    urls, heads = {}, {}
    for event in log["events"]:
        name, params, source = names.get(event["type"]), event.get("params", {}), event["source"]["id"]
        if name == "REQUEST_ALIVE" and "url" in params:
            urls[source] = params["url"]
        elif name == "HTTP_TRANSACTION_READ_RESPONSE_HEADERS":
            heads[source] = params.get("headers", [])
    return [heads[source] for source, url in urls.items() if urlsplit(url).path == page and source in heads]


page_heads = response_heads(net_log_path, page_path)
page_codings = sorted({line.split(":", 1)[1].strip() for head in page_heads for line in head
                       if line.lower().startswith("content-encoding:")})
page_compressed = bool(page_heads) and page_codings == ["br"]
print(f"browser-check: {page_path} answered {len(page_heads)} time(s), Content-Encoding {page_codings or 'none'}")

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
ok = not failures and len(requests) >= minimum and len(counts) >= 8 and ink >= 0.01 and page_compressed
print(f"browser: {int(ok)} passed, {int(not ok)} failed")
sys.exit(0 if ok else 1)
