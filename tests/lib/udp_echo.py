#!/usr/bin/env python3
"""A tiny UDP echo service for the playground backends.

Usage: udp_echo.py BIND_ADDR PORT NAME
Answers every datagram with "NAME CLIENT_ADDR PAYLOAD" from the address it was
sent to (the VIP), and logs "CLIENT_ADDR CLIENT_PORT" per datagram, so a test
can see which client address the backend saw.
"""
import socket
import sys


def main():
    addr, port, name = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.bind((addr, port))
    while True:
        data, peer = s.recvfrom(2048)
        print(f"{peer[0]} {peer[1]}", flush=True)
        try:
            s.sendto(f"{name} {peer[0]} ".encode() + data, peer)
        except OSError as e:
            # the VIP was taken off lo meanwhile (health_more flaps it): a
            # service stays up through that, and so does this one
            print(f"reply to {peer[0]} failed: {e}", flush=True)


if __name__ == "__main__":
    main()
