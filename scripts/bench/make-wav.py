#!/usr/bin/env python3
"""Writes a real 16-bit PCM WAV of a noise-like pattern, with correct sizes.

Usage: make-wav.py PATH TOTAL_BYTES [RATE [CHANNELS]]   (default 8000 Hz mono)
It sniffs as audio and the server decodes all of it (the benchmarks' uploads).
"""
import struct
import sys

path, total = sys.argv[1], int(sys.argv[2])
rate = int(sys.argv[3]) if len(sys.argv) > 3 else 8000
channels = int(sys.argv[4]) if len(sys.argv) > 4 else 1
align = 2 * channels
data = total - 44
with open(path, "wb") as f:
    f.write(b"RIFF" + struct.pack("<I", 36 + data) + b"WAVEfmt ")
    f.write(struct.pack("<IHHIIHH", 16, 1, channels, rate, rate * align, align, 16))
    f.write(b"data" + struct.pack("<I", data))
    block = bytes((i * 37) % 256 for i in range(1 << 16))
    while data > 0:
        f.write(block[: min(data, len(block))])
        data -= len(block)
