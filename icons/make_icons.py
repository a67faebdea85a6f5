#!/usr/bin/env python3
"""Generates the extension icons icon{16,32,48,128}.png (pure stdlib: zlib + struct).

The glyph: a teal rounded square holding three white "peer" dots joined in a triangle.
Run once from anywhere; the PNGs land next to this script and are committed.
"""
import math
import os
import struct
import zlib

BG = (18, 138, 128)       # teal
FG = (255, 255, 255)      # white
SIZES = (16, 32, 48, 128)
SS = 4                    # supersampling per axis for anti-aliasing

# Glyph in unit coordinates (0..1): three nodes and the edges between them.
NODES = [(0.5, 0.27), (0.27, 0.70), (0.73, 0.70)]
EDGES = [(0, 1), (1, 2), (2, 0)]
NODE_R = 0.12
EDGE_W = 0.055
CORNER_R = 0.22


def inside_rounded_square(x, y):
    cx = min(max(x, CORNER_R), 1 - CORNER_R)
    cy = min(max(y, CORNER_R), 1 - CORNER_R)
    return (x - cx) ** 2 + (y - cy) ** 2 <= CORNER_R ** 2


def dist_to_segment(px, py, ax, ay, bx, by):
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def sample(x, y):
    """Returns (r, g, b, a) of the glyph at unit point (x, y)."""
    if not inside_rounded_square(x, y):
        return (0, 0, 0, 0)
    for nx, ny in NODES:
        if math.hypot(x - nx, y - ny) <= NODE_R:
            return FG + (255,)
    for a, b in EDGES:
        if dist_to_segment(x, y, *NODES[a], *NODES[b]) <= EDGE_W / 2:
            return FG + (255,)
    return BG + (255,)


def render(size):
    rows = []
    for py in range(size):
        row = bytearray([0])  # PNG filter type 0 for this scanline
        for px in range(size):
            acc = [0, 0, 0, 0]
            for sy in range(SS):
                for sx in range(SS):
                    r, g, b, a = sample((px + (sx + 0.5) / SS) / size, (py + (sy + 0.5) / SS) / size)
                    acc[0] += r * a
                    acc[1] += g * a
                    acc[2] += b * a
                    acc[3] += a
            alpha = acc[3] / (SS * SS)
            rgb = [round(c / acc[3]) if acc[3] else 0 for c in acc[:3]]
            row += bytes(rgb + [round(alpha)])
        rows.append(bytes(row))
    return b"".join(rows)


def png(size, raw):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    for size in SIZES:
        path = os.path.join(here, f"icon{size}.png")
        with open(path, "wb") as f:
            f.write(png(size, render(size)))
        print(path)


if __name__ == "__main__":
    main()
