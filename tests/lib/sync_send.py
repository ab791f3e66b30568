#!/usr/bin/env python3
"""Send crafted sync messages (src/ha/sync.h's wire format), for the tests
of what a balancer does with them. One FLOWS message carrying one flow:
client SADDR:SPORT to the TCP VIP DADDR:DPORT, on backend BACKEND (its hash
is made up from the tuple: the balancer takes any hash a peer sends).

  sync_send.py MODE SECRET_FILE FROM_ADDR FROM_PORT TO_ADDR TO_PORT SADDR SPORT DADDR DPORT BACKEND

MODE: good      authenticated with the secret, fresh
      replay    a good message, then the same bytes again
      badkey    authenticated with another key
      short     a good message cut short by 10 bytes
      badentry  authenticated, but the entry's VIP protocols are 4 (none such)
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
    hdr = b"DSRS" + struct.pack("!BBHQQQII", 2, 3, 1, sender, seq, when, 40 + len(body) + 32, 0)
    return hdr + body + hmac.new(key, hdr + body, hashlib.sha256).digest()


def main():
    mode, secret, fa, fp, ta, tp, sa, sp, da, dp, be = sys.argv[1:12]
    raw = open(secret, "rb").read().rstrip(b"\r\n")
    key = hashlib.sha256(raw).digest()
    s16, fam = addr16(sa)
    d16, _ = addr16(da)
    b16, _ = addr16(be)
    protos = 4 if mode == "badentry" else 1  # VIP_PROTO_TCP
    h = hashlib.sha256(s16 + d16 + struct.pack("!HH", int(sp), int(dp))).digest()[:8]
    # wire.h: hash, VIP address, port, protocols, family, 0, backend family, idle,
    # backend address, timeout seconds, 8 zero bytes
    flow = (h + d16 + struct.pack("!H", int(dp)) + bytes([protos, fam, 0, fam]) + struct.pack("!H", 0) +
            b16 + struct.pack("!I", 300) + bytes(8))
    assert len(flow) == 60
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
