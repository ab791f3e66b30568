#!/usr/bin/env python3
"""Send crafted sync messages (src/ha/sync.h's wire format), for the tests
of what a balancer does with them. One FLOWS message carrying one flow:
client SADDR:SPORT to VIP DADDR:DPORT over TCP, on backend BACKEND.

  sync_send.py MODE SECRET_FILE FROM_ADDR FROM_PORT TO_ADDR TO_PORT SADDR SPORT DADDR DPORT BACKEND

MODE: good      authenticated with the secret, fresh
      replay    a good message, then the same bytes again
      badkey    authenticated with another key
      short     a good message cut short by 10 bytes
      badentry  authenticated, but the entry's protocol is 99
      stale     authenticated, its timestamp 10 minutes old
      flipped   a good message with one bit of the flow flipped after signing
"""
import hashlib
import hmac
import ipaddress
import os
import socket
import struct
import sys
import time


def addr16(a):
    ip = ipaddress.ip_address(a)
    return ip.packed + b"\0" * (16 - len(ip.packed)), 4 if ip.version == 4 else 6


def message(key, flow, sender, seq, when):
    body = flow
    hdr = b"DSRS" + struct.pack("!BBHQQQII", 1, 3, 1, sender, seq, when, 40 + len(body) + 32, 0)
    return hdr + body + hmac.new(key, hdr + body, hashlib.sha256).digest()


def main():
    mode, secret, fa, fp, ta, tp, sa, sp, da, dp, be = sys.argv[1:12]
    raw = open(secret, "rb").read().rstrip(b"\r\n")
    key = hashlib.sha256(raw).digest()
    s16, fam = addr16(sa)
    d16, _ = addr16(da)
    b16, _ = addr16(be)
    proto = 99 if mode == "badentry" else 6
    ports = struct.pack("!HH", int(sp), int(dp))  # as in the packet
    flow = s16 + d16 + ports + bytes([proto, fam, 0, 0]) + bytes([fam, 0]) + struct.pack("!H", 0) + b16
    sender = int.from_bytes(os.urandom(8), "big")
    now = int(time.time() * 1000)
    when = now - 600000 if mode == "stale" else now
    msg = message(b"x" * 32 if mode == "badkey" else key, flow, sender, 1, when)
    if mode == "short":
        msg = msg[:-10]
    if mode == "flipped":
        msg = bytearray(msg)
        msg[40 + 3] ^= 1
        msg = bytes(msg)
    family = socket.AF_INET6 if ":" in fa else socket.AF_INET
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.bind((fa, int(fp)))
    s.sendto(msg, (ta, int(tp)))
    if mode == "replay":
        time.sleep(0.05)
        s.sendto(msg, (ta, int(tp)))
    s.close()


if __name__ == "__main__":
    main()
