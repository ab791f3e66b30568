#!/usr/bin/env python3
"""A long download at a fixed pace: GET PATH from HOST PORT over HTTP/1.0,
read at RATE bytes per second through a small receive window, so the flow
lives on the wire for the whole time (curl's buffers would end it in a
second). Prints one line and exits 0 when the body arrived whole and its
SHA-256 is WANT: "ok BYTES SECONDS BACKEND_PORT", else "broken REASON" and 1.
Bounded: at most LIMIT seconds (default 60).

  paced_get.py HOST PORT PATH RATE WANT [LIMIT]
"""
import hashlib
import socket
import sys
import time


def main():
    host, port, path, rate, want = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5]
    limit = float(sys.argv[6]) if len(sys.argv) > 6 else 60.0
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
    s.settimeout(5.0)
    start = time.monotonic()
    try:
        s.connect((host, port))
        sport = s.getsockname()[1]
        s.sendall(f"GET {path} HTTP/1.0\r\nHost: x\r\n\r\n".encode())
        h = hashlib.sha256()
        head = b""
        got = 0
        chunk = max(1024, rate // 20)
        while True:
            if time.monotonic() - start > limit:
                print(f"broken over {limit} s (sport {sport}, {got} bytes)")
                return 1
            data = s.recv(chunk)
            if not data:
                break
            if head is not None:
                head += data
                if b"\r\n\r\n" not in head:
                    continue
                head, data = head.split(b"\r\n\r\n", 1)
                if not head.startswith(b"HTTP/1.0 200") and not head.startswith(b"HTTP/1.1 200"):
                    print(f"broken: {head.splitlines()[0]!r}")
                    return 1
                head = None
            h.update(data)
            got += len(data)
            # the pace: never ahead of RATE
            ahead = got / rate - (time.monotonic() - start)
            if ahead > 0:
                time.sleep(ahead)
    except OSError as e:
        print(f"broken: {e} after {time.monotonic() - start:.1f} s")
        return 1
    secs = time.monotonic() - start
    if h.hexdigest() != want:
        print(f"broken: {got} bytes, wrong digest (sport {sport})")
        return 1
    print(f"ok {got} {secs:.1f} {sport}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
