#!/usr/bin/env python3
"""Send COUNT datagrams to ADDR PORT, each from a fresh socket (a new source
port, so a new flow), and print one line per answer: "NAME SEEN_ADDR".
With FIRST_PORT, datagram i goes from source port FIRST_PORT + i instead, so
that the same tuples can be sent again (through another balancer).
A datagram without an answer within the timeout prints "LOST". Bounded:
COUNT datagrams, one retry each, 1 s per try.
"""
import socket
import sys


def main():
    addr, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    first = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    for i in range(count):
        s = socket.socket(family, socket.SOCK_DGRAM)
        s.settimeout(1.0)
        if first:
            s.bind(("", first + i))
        payload = f"ping-{i}".encode()
        answer = None
        for _ in range(2):
            s.sendto(payload, (addr, port))
            try:
                data, _ = s.recvfrom(2048)
            except socket.timeout:
                continue
            parts = data.split(b" ", 2)
            if len(parts) == 3 and parts[2] == payload:
                answer = f"{parts[0].decode()} {parts[1].decode()}"
                break
        print(answer or "LOST", flush=True)
        s.close()


if __name__ == "__main__":
    main()
