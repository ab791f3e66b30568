#!/usr/bin/env python3
"""Stand in for systemd's notify socket: print every sd_notify message.

Usage: notify_listen.py SOCKET_PATH SECONDS. Bounded: exits after SECONDS.
"""
import os
import socket
import sys
import time

path, limit = sys.argv[1], float(sys.argv[2])
if os.path.exists(path):
    os.unlink(path)
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
end = time.time() + limit
while time.time() < end:
    s.settimeout(max(0.05, end - time.time()))
    try:
        msg = s.recv(4096)
    except socket.timeout:
        break
    print(msg.decode().replace("\n", " "), flush=True)
