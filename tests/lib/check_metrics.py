#!/usr/bin/env python3
"""Parse dsrlb's /metrics with prometheus_client's text parser and check that
VIP NAME counted exactly the SENT datagrams (one packet each), that its
backends' packets add up to it, and that the documented families are there.
Usage: check_metrics.py METRICS.txt NAME EXPECTED SENT"""
import sys

from prometheus_client.parser import text_string_to_metric_families

REQUIRED = ["dsrlb_build_info", "dsrlb_vip_packets", "dsrlb_vip_bytes", "dsrlb_backend_packets",
            "dsrlb_backend_bytes", "dsrlb_backend_up", "dsrlb_backend_weight",
            "dsrlb_backend_active_flows", "dsrlb_health_checks", "dsrlb_health_check_duration_seconds",
            "dsrlb_dropped_packets", "dsrlb_flow_table_entries", "dsrlb_flow_table_refused"]

path, name, expected, sent = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
with open(path) as f:
    families = {m.name: m for m in text_string_to_metric_families(f.read())}
bad = [r for r in REQUIRED if r not in families]
if bad:
    print("missing families:", bad)
    sys.exit(1)


def value(family, **labels):
    return sum(s.value for s in families[family].samples
               if s.name in (family, family + "_total")
               and all(s.labels.get(k) == v for k, v in labels.items()))


vip = value("dsrlb_vip_packets", vip=name)
backends = value("dsrlb_backend_packets", vip=name)
print(f"vip {name}: {vip} packets, its backends {backends}; expected {expected}, sent {sent}")
if sent != expected or vip != expected or backends != expected:
    sys.exit(1)
if value("dsrlb_build_info") != 1:
    sys.exit(1)
