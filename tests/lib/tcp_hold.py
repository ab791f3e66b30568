#!/usr/bin/env python3
"""Open N TCP connections to HOST PORT, one every 0.1 s, and hold them idle
for at most SECONDS (bounded), then close them. Prints "held N" once all are
open. Used by the lc test: open connections a scheduler must count."""
import socket
import sys
import time

host, port, n, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
socks = []
for _ in range(n):
    s = socket.create_connection((host, port), timeout=3)
    socks.append(s)
    time.sleep(0.1)
print(f"held {len(socks)}", flush=True)
time.sleep(seconds)
for s in socks:
    s.close()
