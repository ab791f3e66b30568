#!/usr/bin/env python3
"""Check `dsrlb stats -j` and `dsrlb status -j` against the shape the README
documents (section "API"). Usage: check_shape.py STATS.json STATUS.json.
Exit 0 if both match; otherwise print each mismatch and exit 1."""
import json
import sys

NUM = (int, float)
VIP = {"name": str, "address": str, "port": int, "protocol": str, "scheduler": str,
       "health_check": dict, "hold_down": NUM, "all_down": str, "backends": list,
       "packets": int, "bytes": int, "packets_per_second": NUM, "bits_per_second": NUM,
       "table_slots": int, "table_bytes": int, "icmp_forwarded": int, "icmp_unmatched": int}
BACKEND = {"address": str, "weight": int, "state": str, "mac": (str, type(None)),
           "neighbour": str, "health": (dict, type(None)), "status": str,
           "table_weight": int, "active_flows": int, "packets": int, "bytes": int,
           "packets_per_second": NUM, "bits_per_second": NUM}
STATS = {"interface": str, "mode": str, "vips": list, "not_balanced": dict}
STATUS = {"version": str, "interface": str, "mode": str, "config": str,
          "uptime_seconds": int, "vips": int, "backends": int, "flow_table": dict,
          "table_bytes": int, "table_memory": int, "loop": dict}
LOOP = {"longest_callback_seconds": NUM, "longest_callback": str, "latest_timer_seconds": NUM,
        "fds": int, "timers": int, "slow_callbacks": int, "slow": list}
SLOW = {"callback": str, "seconds": NUM, "cpu_seconds": NUM, "ago_seconds": NUM}
STATES = {"up", "drain", "off"}
STATUSES = {"active", "draining", "off", "down", "resolving", "unreachable", "weight 0"}

errors = []


def shape(obj, spec, where):
    if not isinstance(obj, dict):
        errors.append(f"{where}: not an object")
        return
    for key, typ in spec.items():
        if key not in obj:
            errors.append(f"{where}: no '{key}'")
        elif not isinstance(obj[key], typ) or isinstance(obj[key], bool) and typ is not bool:
            errors.append(f"{where}.{key}: {type(obj[key]).__name__}, not {typ}")


with open(sys.argv[1]) as f:
    stats = json.load(f)
with open(sys.argv[2]) as f:
    status = json.load(f)
shape(stats, STATS, "stats")
shape(status, STATUS, "status")
shape(status.get("loop"), LOOP, "status.loop")
for i, s in enumerate(status.get("loop", {}).get("slow", [])):
    shape(s, SLOW, f"status.loop.slow[{i}]")
for i, v in enumerate(stats.get("vips", [])):
    shape(v, VIP, f"stats.vips[{i}]")
    for j, b in enumerate(v.get("backends", [])):
        shape(b, BACKEND, f"stats.vips[{i}].backends[{j}]")
        if b.get("state") not in STATES:
            errors.append(f"backend {b.get('address')}: state {b.get('state')!r}")
        if b.get("status") not in STATUSES:
            errors.append(f"backend {b.get('address')}: status {b.get('status')!r}")
if status.get("vips") != len(stats.get("vips", [])):
    errors.append("status.vips is not the number of VIPs in stats")
for e in errors:
    print(e)
sys.exit(1 if errors else 0)
