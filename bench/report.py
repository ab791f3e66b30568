#!/usr/bin/env python3
"""Turn dsrlb-bench's JSON lines into the benchmark report.

Prints a text table, writes bench/results/latest.json and latest.png (with
gnuplot), and replaces the figures between the bench markers in README.md.
Usage: report.py RAW.jsonl [--quick Q] [--seconds S]
"""
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = os.path.join(ROOT, "bench", "results")
CASES = ["xdp_drop", "xdp_macswap", "dsrlb", "nft_fwd", "kernel_fwd"]
KINDS = ["udp4", "tcp4", "udp6"]


def stats(values):
    return {"median": statistics.median(values), "min": min(values), "max": max(values),
            "n": len(values)}


def machine():
    cpu = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "kernel": platform.release(),
            "date": time.strftime("%Y-%m-%d")}


def main():
    raw, quick, seconds = sys.argv[1], "", 0
    args = sys.argv[2:]
    for i, a in enumerate(args):
        if a == "--quick":
            quick = args[i + 1]
        if a == "--seconds":
            seconds = int(args[i + 1])
    rows = [json.loads(l) for l in open(raw) if l.startswith("{")]

    rates = {}
    for r in rows:
        if r["type"] == "rate":
            key = (r["case"], r["kind"], r["vips"], r["backends"], r["flows"])
            rates.setdefault(key, []).append(r["pps"])

    out = {"machine": machine(), "quick": bool(quick), "seconds": seconds,
           "comparison": {}, "scaling": {}, "cost": {}, "build": None, "targets": [],
           "control": sorted((r for r in rows if r["type"] == "control"), key=lambda r: r["vips"])}

    def med(case, kind, **kw):
        vals = [v for k, vs in rates.items() for v in vs
                if k[0] == case and k[1] == kind and all(
                    k[{"vips": 2, "backends": 3, "flows": 4}[n]] == x for n, x in kw.items())]
        return stats(vals) if vals else None

    for kind in KINDS:
        drop = med("xdp_drop", kind)
        swap = med("xdp_macswap", kind)
        out["comparison"][kind] = {}
        for case in CASES:
            s = med(case, kind)
            if not s:
                continue
            s["vs_drop"] = s["median"] / drop["median"] if drop else None
            s["vs_macswap"] = s["median"] / swap["median"] if swap else None
            out["comparison"][kind][case] = s

    ref = med("scale_ref", "udp4")
    for label, dim in (("scale_vips", "vips"), ("scale_backends", "backends"),
                       ("scale_flows", "flows"), ("scale_vips_one", "vips_one")):
        field = "vips" if dim == "vips_one" else dim
        pts = sorted({k[{"vips": 2, "backends": 3, "flows": 4}[field]]
                      for k in rates if k[0] == label})
        if dim == "vips_one" and pts:
            pts = [1] + pts  # one VIP configured is the same case as in scale_vips
        series = []
        for p in pts:
            s = med("scale_vips" if (dim == "vips_one" and p == 1) else label, "udp4",
                    **{field: p})
            if not s:
                continue
            s[dim] = p
            s["vs_drop"] = s["median"] / ref["median"] if ref else None
            series.append(s)
        if series:
            lo = min(s["median"] for s in series)
            hi = max(s["median"] for s in series)
            out["scaling"][dim] = {"points": series, "spread": (hi - lo) / hi}

    # Issue 16: the flow table against none, and two cores against one.
    out["flow_table"] = {}
    for label in ("ft_on", "ft_size0", "ft_vip_off", "cores_ref", "cores_ft_on"):
        s = med(label, "udp4")
        if s:
            s["vs_drop"] = s["median"] / ((med("cores_ref", "udp4") if label.startswith("cores")
                                           else ref) or {"median": float("nan")})["median"]
            out["flow_table"][label] = s

    out["memlat"] = {str(r["kb"]): r["ns"] for r in rows if r["type"] == "memlat"}

    # What the flow table did in each measured round: its hit share, its evictions.
    out["flowstats"] = {}
    for r in rows:
        if r["type"] == "flowstats":
            f = out["flowstats"].setdefault(f'{r["case"]} flows={r["flows"]}',
                                            {"hit": 0, "new": 0, "evicted": 0, "sent": 0})
            for k in ("hit", "new", "evicted", "sent"):
                f[k] += r[k]
    for f in out["flowstats"].values():
        f["hit_share"] = f["hit"] / f["sent"] if f["sent"] else None

    for r in rows:
        if r["type"] == "cost":
            key = f'vips={r["vips"]} backends={r["backends"]}'
            out["cost"].setdefault(key, {})[r["case"]] = {
                "median": r["ns_median"], "min": r["ns_min"], "max": r["ns_max"]}
        if r["type"] == "build":
            out["build"] = r

    # Targets (issue 3), each as measured here.
    def target(name, value, ok, fmt):
        out["targets"].append({"target": name, "measured": fmt.format(value) if value is not None
                               else "n/a", "met": bool(ok)})

    c = out["comparison"]
    for kind in ("udp4", "tcp4"):
        v = c.get(kind, {}).get("dsrlb", {}).get("vs_drop")
        target(f">= 0.70x XDP_DROP ({kind})", v, v is not None and v >= 0.70, "{:.2f}x")
    for kind in KINDS:
        d = c.get(kind, {}).get("dsrlb")
        n = c.get(kind, {}).get("nft_fwd")
        k = c.get(kind, {}).get("kernel_fwd")
        if d and n:
            v = d["median"] / n["median"]
            target(f">= 5x nftlb-style rules ({kind})", v, v >= 5, "{:.1f}x")
        if d and k:
            v = d["median"] / k["median"]
            target(f">= 3x kernel forwarding ({kind})", v, v >= 3, "{:.1f}x")
    base = out["cost"].get("vips=1 backends=2", {})
    for case in ("hit_tcp4", "hit_udp4", "hit_udp6"):
        v = base.get(case, {}).get("median")
        target(f"<= 40 ns/packet test-run, VIP {case[4:]}", v, v is not None and v <= 40,
               "{:.0f} ns")
    v = base.get("miss_udp4", {}).get("median")
    target("<= 15 ns/packet test-run, VIP miss", v, v is not None and v <= 15, "{:.0f} ns")
    for dim, label in (("vips", "1 to 10,000 VIPs, traffic to all"),
                       ("vips_one", "1 to 10,000 VIPs, traffic to one"),
                       ("backends", "2 to 1,000 backends")):
        v = out["scaling"].get(dim, {}).get("spread")
        target(f"rate within 10% from {label}", None if v is None else v * 100,
               v is not None and v <= 0.10, "{:.1f}% apart")
    flow_targets(out, target, ref)
    b = out["build"]
    target("table build + swap < 10 ms (1,000 weighted backends, 65537 slots)",
           b and b["ms_median"], b and b["ms_median"] < 10, "{:.1f} ms")
    control_targets(out, target)

    text = render(out)
    print(text)
    os.makedirs(RESULTS, exist_ok=True)
    # A quick run is for everyday checks: it never replaces the full figures.
    name = "quick" if quick else "latest"
    with open(os.path.join(RESULTS, f"{name}.json"), "w") as f:
        json.dump(out, f, indent=1)
    chart(out, os.path.join(RESULTS, f"{name}.png"))
    if quick:
        print(f"bench: wrote bench/results/{name}.json and {name}.png")
    else:
        readme(text, out)
        print(f"bench: wrote bench/results/{name}.json, {name}.png and the README's figures")


def ratio(a, b):
    return a["median"] / b["median"] if a and b else None


def flow_targets(out, target, ref):
    """Issue 16's targets: the flow table at the cost of none, and every core."""
    ft = out["flow_table"]
    v = ratio(ft.get("ft_on"), ft.get("ft_size0"))
    target("flow table on (524,288 flows) vs flow_table.size 0: >= 0.8x", v,
           v is not None and v >= 0.8, "{:.2f}x")
    v = ratio(ft.get("ft_on"), ref)
    target("flow table on vs XDP_DROP, per core: >= 0.5x", v, v is not None and v >= 0.5, "{:.2f}x")
    base = out["cost"].get("vips=1 backends=2", {})
    for kind in ("tcp4", "udp4", "udp6"):
        hit = base.get(f"hit_{kind}", {}).get("median")
        bare = base.get(f"hit_{kind}_noflowtable", {}).get("median")
        v = hit / bare if hit and bare else None
        target(f"test-run, flow-table hit vs stateless ({kind}): <= 1.25x", v,
               v is not None and v <= 1.25, "{:.2f}x")
    pts = {p["flows"]: p for p in out["scaling"].get("flows", {}).get("points", [])}
    v = ratio(pts.get(1000000), pts.get(1000))
    target("rate with 1,000,000 flows vs 1,000: >= 0.8x", v, v is not None and v >= 0.8, "{:.2f}x")
    pts = {p["vips"]: p for p in out["scaling"].get("vips", {}).get("points", [])}
    v = ratio(pts.get(10000), pts.get(1))
    target("10,000 VIPs with traffic to all vs 1 VIP: >= 0.8x", v, v is not None and v >= 0.8,
           "{:.2f}x")
    v = ratio(ft.get("cores_ft_on"), ft.get("ft_on"))
    target("two cores vs one: >= 1.8x", v, v is not None and v >= 1.8, "{:.2f}x")


def control_targets(out, target):
    """Issue 12's targets, at 10,000 VIPs x 10 backends."""
    by = {r["vips"]: r for r in out["control"]}
    big, ten = by.get(10000), by.get(10)
    if not big:
        return
    target("control: check < 0.3 s (10,000 VIPs)", big["check_ms"] / 1000,
           big["check_ms"] < 300, "{:.2f} s")
    target("control: cold start until balancing < 3 s", big["cold_start_ms"] / 1000,
           big["cold_start_ms"] < 3000, "{:.2f} s")
    s = big["stream"]
    target("control: restart adopting < 2 s, traffic flowing throughout",
           big["restart_ms"] / 1000, big["restart_ms"] < 2000 and s["delivered"] == s["sent"],
           "{:.2f} s, " + f'{s["delivered"]:,} of {s["sent"]:,} frames delivered')
    ok = big["change_s"] < 0.050
    flat = ten and abs(big["change_s"] / ten["change_s"] - 1) <= 0.25
    target("control: one API change with its file < 50 ms, flat (+-25%) from 10 to 10,000 VIPs",
           big["change_s"] * 1000, ok and flat,
           "{:.1f} ms" + (f' (10 VIPs: {ten["change_s"] * 1000:.1f} ms)' if ten else ""))
    for what in ("status", "stats", "metrics"):
        v = big[f"{what}_s"]
        target(f"control: {what} < 50 ms", v * 1000, v < 0.050,
               "{:.0f} ms" + f' (the first, rendered for it: {big[f"{what}_first_s"] * 1000:.0f} ms)')
    target("control: no loop callback over 10 ms while 10 clients poll /metrics every 100 ms",
           big["callbacks_over_10ms"], big["callbacks_over_10ms"] == 0,
           "{} of " + f'{big["callbacks"]:,} over 10 ms ({big["callbacks_cpu_over_10ms"]} by CPU time)')
    target("control: health probes start within 10% of their 1 s interval meanwhile",
           big["probes_late_over_100ms"], big["probes_late_over_100ms"] == 0,
           "{} of " + f'{big["probes"]:,} later than 100 ms (all within {big["probe_late_bound_s"]} s)')
    target("control: table memory < 300 MB", big["table_bytes"] / 2**20,
           big["table_bytes"] < 300 * 2**20, "{:.0f} MB")


def render_control(o, lines):
    if not o["control"]:
        return
    lines.append("Control plane: N VIPs x 10 shared backends, one file each in vips_dir, tcp checks "
                 "(every 1 s) on the first 100 VIPs' backends:")
    lines.append(f'{"VIPs":>6} {"check":>6} {"start":>6} {"restart":>7} {"change":>7} {"vip add":>7} '
                 f'{"status":>6} {"stats":>6} {"metrics":>13} {"loop >10ms":>10} {"probes late":>11} '
                 f'{"tables":>7} {"RSS":>6}')
    for r in o["control"]:
        lines.append(
            f'{r["vips"]:>6,} {r["check_ms"] / 1000:>5.2f}s {r["cold_start_ms"] / 1000:>5.2f}s '
            f'{r["restart_ms"] / 1000:>6.2f}s {r["change_s"] * 1000:>5.1f}ms {r["vip_add_s"] * 1000:>5.1f}ms '
            f'{r["status_s"] * 1000:>4.0f}ms {r["stats_s"] * 1000:>4.0f}ms '
            f'{r["metrics_s"] * 1000:>4.0f}ms ({r["metrics_first_s"] * 1000:>3.0f}) '
            f'{r["callbacks_over_10ms"]:>4}/{r["callbacks"]:<5} {r["probes_late_over_100ms"]:>4}/{r["probes"]:<6} '
            f'{r["table_bytes"] / 2**20:>5.0f}MB {r["rss_kb"] / 1024:>4.0f}MB')
    lines.append("  (change: p50 of 20 weight changes through the API, each answered once its file is "
                 "written; status/stats/metrics: p50 of 9 after a first that renders (in brackets); "
                 "loop: callbacks over 10 ms of all while 10 clients poll /metrics every 100 ms for 5 s; "
                 "restart: a new dsrlb run adopting while frames flow through VIP v0)")
    lines.append("")


def extra_ns(slow, fast):
    """ns a packet that slow spends beyond fast, from their rates."""
    return (1 / slow["median"] - 1 / fast["median"]) * 1e9 if slow and fast else None


def limits(o):
    """What stands between a target and its figure, measured in the same run."""
    ft, m, out = o.get("flow_table", {}), o.get("memlat", {}), []
    if m:
        out.append("  one dependent load from a random cache line: " +
                   ", ".join(f'{int(k) // 1024 if int(k) >= 1024 else int(k)}'
                             f'{" MB" if int(k) >= 1024 else " KB"} {v:.0f} ns' for k, v in m.items()))
    on, none = ft.get("ft_on"), ft.get("ft_size0")
    x = extra_ns(on, none)
    if x is not None:
        allow = 0.25 / none["median"] * 1e9
        out.append(f"  the flow table adds {x:.0f} ns a packet at 524,288 flows (0.8x allows {allow:.0f}); "
                   f"its bucket is one random line of a {16} MB region")
    pts = {p["flows"]: p for p in o["scaling"].get("flows", {}).get("points", [])}
    x = extra_ns(pts.get(1000000), pts.get(1000))
    if x is not None:
        out.append(f"  1,000,000 flows cost {x:.0f} ns a packet more than 1,000 "
                   f"(0.8x allows {0.25 / pts[1000]['median'] * 1e9:.0f})")
    pts = {p["vips"]: p for p in o["scaling"].get("vips", {}).get("points", [])}
    x = extra_ns(pts.get(10000), pts.get(1))
    if x is not None:
        out.append(f"  10,000 VIPs cost {x:.0f} ns a packet more than 1 "
                   f"(0.8x allows {0.25 / pts[1]['median'] * 1e9:.0f})")
    return out


def mpps(v):
    return f"{v / 1e6:.2f}"


def render(o):
    m = o["machine"]
    lines = [f'Machine: {m["cpu"]}, {m["cores"]} cores, Linux {m["kernel"]}, {m["date"]}'
             f'{" (quick run)" if o["quick"] else ""}',
             "Packets per second delivered to the sink, one core, 64-byte frames, "
             "524,288 flows from 32,768 sources.", ""]
    lines.append(f'{"system":<12} {"kind":<5} {"Mpps median":>11} {"min":>6} {"max":>6} '
                 f'{"vs XDP_DROP":>11} {"vs MAC rewrite":>14}')
    for kind in KINDS:
        for case in CASES:
            s = o["comparison"].get(kind, {}).get(case)
            if not s:
                continue
            lines.append(f'{case:<12} {kind:<5} {mpps(s["median"]):>11} {mpps(s["min"]):>6} '
                         f'{mpps(s["max"]):>6} {s["vs_drop"]:>10.2f}x {s["vs_macswap"]:>13.2f}x')
    lines.append("")
    lines.append("Scaling (dsrlb, udp4; ratio to XDP_DROP in the same run):")
    for dim, s in o["scaling"].items():
        pts = ", ".join(f'{p[dim]:,}: {mpps(p["median"])} Mpps ({p["vs_drop"]:.2f}x)'
                        for p in s["points"])
        name = {"vips": "VIPs (traffic to all)", "vips_one": "VIPs (traffic to one)",
                "backends": "backends", "flows": "flows"}[dim]
        lines.append(f'  {name:<22} {pts}; spread {s["spread"] * 100:.1f}%')
    ft = o.get("flow_table", {})
    if ft:
        lines.append("")
        lines.append("The flow table (dsrlb, udp4, 524,288 flows; ratio to XDP_DROP on as many cores):")
        names = {"ft_on": "flow table on", "ft_size0": "flow_table.size 0",
                 "ft_vip_off": "the VIP's flow_table: off", "cores_ref": "XDP_DROP, two cores",
                 "cores_ft_on": "flow table on, two cores"}
        for k, s in ft.items():
            lines.append(f'  {names[k]:<26} {mpps(s["median"])} Mpps ({s["vs_drop"]:.2f}x)')
        lines.extend(limits(o))
    lines.append("")
    lines.append("Test-run cost, ns/packet (median; floor = an empty XDP program):")
    for key, cases in o["cost"].items():
        lines.append("  " + key + ": " + ", ".join(
            f'{c} {v["median"]:.0f}' for c, v in cases.items()))
    lines.append("  (hit_* = flow-table hit; *_noflowtable = without a flow table; "
                 "*_flowmiss = the flow's lookup misses and no entry is made)")
    b = o["build"]
    if b:
        lines.append(f'Table build + swap, {b["backends"]} weighted backends, {b["table"]} slots: '
                     f'{b["ms_median"]:.2f} ms median ({b["build_ms_median"]:.2f} ms of it building)')
    lines.append("")
    render_control(o, lines)
    lines.append("Targets:")
    for t in o["targets"]:
        lines.append(f'  [{"met" if t["met"] else "NOT met"}] {t["target"]}: {t["measured"]}')
    return "\n".join(lines)


def chart(o, png):
    with tempfile.TemporaryDirectory() as d:
        bars = os.path.join(d, "bars.dat")
        with open(bars, "w") as f:
            for case in CASES:
                vals = [o["comparison"].get(k, {}).get(case, {}).get("vs_drop") for k in KINDS]
                f.write(case + " " + " ".join(f"{v:.3f}" if v else "0" for v in vals) + "\n")
        scale = {}
        for dim, s in o["scaling"].items():
            p = os.path.join(d, f"{dim}.dat")
            with open(p, "w") as f:
                for pt in s["points"]:
                    f.write(f'{pt[dim]} {pt["vs_drop"]:.3f}\n')
            scale[dim] = p
        m = o["machine"]
        script = f'''
set terminal pngcairo size 1100,1050 font "DejaVu Sans,10" noenhanced
set output "{png}"
set multiplot layout 3,3 title "dsrlb benchmark: {m["cpu"]}, {m["cores"]} cores, Linux {m["kernel"]}, {m["date"]}"
set origin 0,0.64
set size 1,0.33
set style data histograms
set style histogram cluster gap 1
set style fill solid 0.8 border -1
set ylabel "ratio to XDP_DROP (same run)"
set yrange [0:1.1]
set grid ytics
set key top right
plot "{bars}" using 2:xtic(1) title "IPv4 UDP", "" using 3 title "IPv4 TCP SYN", "" using 4 title "IPv6 UDP"
set size 0.333,0.32
set style data linespoints
set logscale x
set key off
set yrange [0:1.1]
'''
        script += 'set key bottom left\n'
        if "vips" in scale:
            two = f', "{scale["vips_one"]}" using 1:2 lw 2 pt 5 title "traffic to one VIP"' \
                if "vips_one" in scale else ""
            script += (f'set origin 0,0.32\nset xlabel "VIPs configured"\n'
                       f'plot "{scale["vips"]}" using 1:2 lw 2 pt 7 title "traffic to all VIPs"{two}\n')
        script += 'set key off\n'
        for i, (dim, title) in enumerate((("backends", "backends"), ("flows", "active flows"))):
            if dim in scale:
                script += (f'set origin {(i + 1) * 0.333},0.32\nset xlabel "{title}"\n'
                           f'plot "{scale[dim]}" using 1:2 lw 2 pt 7\n')
        script += control_chart(o, d)
        script += "unset multiplot\n"
        r = subprocess.run(["gnuplot"], input=script, text=True, capture_output=True)
        if r.returncode:
            print("bench: gnuplot failed:", r.stderr, file=sys.stderr)


def control_chart(o, d):
    """The control plane's row: times, request latencies and memory against the VIP count."""
    if not o["control"]:
        return ""
    p = os.path.join(d, "control.dat")
    with open(p, "w") as f:
        for r in o["control"]:
            f.write(f'{r["vips"]} {r["check_ms"] / 1000} {r["cold_start_ms"] / 1000} '
                    f'{r["restart_ms"] / 1000} {r["change_s"] * 1000} {r["status_s"] * 1000} '
                    f'{r["stats_s"] * 1000} {r["metrics_s"] * 1000} {r["vip_add_s"] * 1000} '
                    f'{r["table_bytes"] / 2**20} {r["rss_kb"] / 1024}\n')
    return f'''set key top left
set logscale xy
set yrange [*:*]
set origin 0,0
set xlabel "VIPs (x 10 backends)"
set ylabel "seconds"
plot "{p}" using 1:2 lw 2 pt 7 title "check", "" using 1:3 lw 2 pt 5 title "cold start", "" using 1:4 lw 2 pt 9 title "restart (adopting)"
set origin 0.333,0
set ylabel "ms"
plot "{p}" using 1:5 lw 2 pt 7 title "API change + file", "" using 1:9 lw 2 pt 13 title "vip add", "" using 1:6 lw 2 pt 5 title "status", "" using 1:7 lw 2 pt 9 title "stats", "" using 1:8 lw 2 pt 11 title "metrics"
set origin 0.666,0
set ylabel "MB"
plot "{p}" using 1:10 lw 2 pt 7 title "tables", "" using 1:11 lw 2 pt 5 title "daemon RSS"
unset logscale
'''


def readme(text, o):
    path = os.path.join(ROOT, "README.md")
    begin, end = "<!-- bench:begin -->", "<!-- bench:end -->"
    body = open(path).read()
    if begin not in body or end not in body:
        return
    unmet = [t for t in o["targets"] if not t["met"]]
    block = (f"{begin}\n![benchmark chart](bench/results/latest.png)\n\n```\n{text}\n```\n")
    if unmet:
        block += ("\nTargets not met on this machine are listed above as `NOT met`; "
                  "see \"What limits it\" below.\n")
    block += end
    a = body.index(begin)
    b = body.index(end) + len(end)
    with open(path, "w") as f:
        f.write(body[:a] + block + body[b:])


if __name__ == "__main__":
    main()
