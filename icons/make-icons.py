#!/usr/bin/env python3
"""Draws Vireo's icon (a white chevron, a bird's wing, on a green rounded square) as PNGs.

No image library needed: `python3 icons/make-icons.py` rewrites the PNGs beside this file.
"""
import os
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
BG = (31, 122, 108)
FG = (255, 255, 255)


def inside(x, y):
    """Shape test in unit coordinates (0..1). Returns 0 (transparent), 1 (bg) or 2 (fg)."""
    r = 0.2  # corner radius
    cx = min(max(x, r), 1 - r)
    cy = min(max(y, r), 1 - r)
    if (x - cx) ** 2 + (y - cy) ** 2 > r * r:
        return 0
    # Two strokes meeting at the bottom: a "V" with a longer right wing.
    def stroke(ax, ay, bx, by, w):
        dx, dy = bx - ax, by - ay
        t = max(0.0, min(1.0, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)))
        px, py = ax + t * dx, ay + t * dy
        return (x - px) ** 2 + (y - py) ** 2 <= w * w

    if stroke(0.24, 0.32, 0.46, 0.74, 0.075) or stroke(0.46, 0.74, 0.80, 0.22, 0.075):
        return 2
    return 1


def render(size, ss=3):
    rows = []
    for j in range(size):
        row = bytearray([0])
        for i in range(size):
            acc = [0, 0, 0, 0]
            for sj in range(ss):
                for si in range(ss):
                    k = inside((i + (si + 0.5) / ss) / size, (j + (sj + 0.5) / ss) / size)
                    if k:
                        c = FG if k == 2 else BG
                        acc[0] += c[0]
                        acc[1] += c[1]
                        acc[2] += c[2]
                        acc[3] += 255
            n = ss * ss
            alpha = acc[3] / 255
            if alpha:
                row += bytes([round(acc[0] / alpha), round(acc[1] / alpha), round(acc[2] / alpha), round(acc[3] / n)])
            else:
                row += b"\0\0\0\0"
        rows.append(bytes(row))
    raw = b"".join(rows)

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


for name, size in [("32x32.png", 32), ("128x128.png", 128), ("128x128@2x.png", 256), ("icon.png", 512)]:
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(render(size))
