"""Writes a small site into the folder given: a page with a stylesheet, a script, an image and a web font,
so the browser check has real subresources to load when the exercise's page is not at hand."""
import os
import struct
import sys
import zlib

root = sys.argv[1]
os.makedirs(os.path.join(root, "assets"), exist_ok=True)


def write(name, data):
    with open(os.path.join(root, name), "wb") as out:
        out.write(data if isinstance(data, bytes) else data.encode())


def png(width, height):
    """A gradient, so the picture is unmistakably not blank."""
    raw = bytearray()
    for y in range(height):
        raw.append(0)
        for x in range(width):
            raw += bytes((x * 255 // width, y * 255 // height, 160))
    chunk = lambda kind, body: struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(raw))) + chunk(b"IEND", b"")


write("index.html", """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>lanai browser check</title>
<link rel="stylesheet" href="assets/style.css"><link rel="icon" href="assets/gradient.png"></head>
<body><h1>lanai browser check</h1><p id="status">script has not run</p>
<img src="assets/gradient.png" width="400" height="200" alt="gradient">
<ol>""" + "".join(f"<li>Line {n}: text enough for the page to be compressed on its way.</li>" for n in range(30)) + """</ol>
<script src="assets/app.js"></script></body></html>
""")
write("assets/style.css", """@font-face { font-family: "Check"; src: url("check.woff2") format("woff2"); }
body { font-family: "Check", sans-serif; background: #fdf6e3; color: #073642; margin: 2em; }
h1 { background: #268bd2; color: white; padding: .5em; }
""")
write("assets/app.js", "document.getElementById('status').textContent = 'script ran';\n")
write("assets/gradient.png", png(400, 200))
# Not a usable font: the browser falls back, but it must still fetch it and get a 200.
write("assets/check.woff2", b"wOF2" + bytes(60))
