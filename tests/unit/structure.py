#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""The code's shape (issue 12): files and functions a reader can hold, and one
of each thing that was once written three times (defect 6). No root needed.

  - no source file over 600 lines (src/, bpf/, common/)
  - no function over 80 lines unless the comment above it says why
    ("long by choice")
  - one caller of getifaddrs (net/ifaddr.c), one NETLINK_ROUTE socket
    (net/netlink.c), one reader of an interface's MAC (net/ifaddr.c), one
    clock (lib/clock.c)
"""
import glob
import os
import re
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
FILE_MAX, FUNC_MAX = 600, 80
passed = failed = 0


def check(ok, what):
    global passed, failed
    print(("ok - " if ok else "not ok - ") + what)
    if ok:
        passed += 1
    else:
        failed += 1


def sources(*patterns):
    out = []
    for p in patterns:
        out += glob.glob(os.path.join(ROOT, p))
    return sorted(out)


def rel(p):
    return os.path.relpath(p, ROOT)


def code_only(text):
    """The text with comments and string literals blanked (line count kept)."""
    text = re.sub(r"/\*.*?\*/", lambda m: re.sub(r"[^\n]", " ", m.group(0)), text, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    return re.sub(r'"(?:\\.|[^"\\\n])*"', '""', text)


def functions(lines):
    """(name, first line, length, comment above) for each function body at column 0."""
    i = 0
    while i < len(lines):
        if lines[i] == "{":
            j = i + 1
            while j < len(lines) and lines[j] != "}":
                j += 1
            k = i - 1
            while k > 0 and lines[k - 1].strip() and not lines[k - 1].startswith(("}", "#", "*/")) \
                    and not lines[k - 1].rstrip().endswith("*/"):
                k -= 1
            c = k - 1
            comment = []
            while c >= 0 and (lines[c].startswith(("/*", " *")) or lines[c].rstrip().endswith("*/")):
                comment.insert(0, lines[c])
                c -= 1
                if comment[0].startswith("/*"):
                    break
            m = re.search(r"(\w+)\s*\(", " ".join(lines[k:i]))
            yield (m.group(1) if m else "?", k + 1, j - i - 1, "\n".join(comment))
            i = j
        i += 1


files = sources("src/*/*.c", "src/*/*.h", "bpf/*.c", "bpf/lib/*.h", "common/*.h")
check(len(files) > 50, f"the sources are found ({len(files)} files)")

big = [f"{rel(f)} ({n})" for f in files if (n := sum(1 for _ in open(f))) > FILE_MAX]
check(not big, f"no source file over {FILE_MAX} lines" + (": " + ", ".join(big) if big else ""))

longf = []
for f in files:
    for name, line, n, comment in functions(open(f).read().split("\n")):
        if n > FUNC_MAX and "long by choice" not in comment.lower():
            longf.append(f"{rel(f)}:{line} {name} ({n})")
check(not longf, f"no function over {FUNC_MAX} lines without its reason beside it"
      + (": " + ", ".join(longf) if longf else ""))

# Each thing done in one place: where the pattern may appear, and nowhere else.
ONE = [
    ("getifaddrs(", "src/net/ifaddr.c", "the interface addresses are read"),
    ("mnl_socket_open(", "src/net/netlink.c", "a netlink socket is opened"),
    ("NETLINK_ROUTE", "src/net/netlink.c", "rtnetlink is named"),
    ("SIOCGIFHWADDR", "src/net/ifaddr.c", "an interface's MAC is read"),
    ("clock_gettime(", "src/lib/clock.c", "a clock is read"),
    ("gettimeofday(", None, "the wall clock is read by gettimeofday"),
]
texts = {f: code_only(open(f).read()) for f in files if f.startswith(os.path.join(ROOT, "src"))}
for pat, home, what in ONE:
    where = sorted(rel(f) for f, t in texts.items() if pat in t)
    want = [home] if home else []
    check(where == want, f"{what} in {home or 'no file'} only (found in: {', '.join(where) or 'none'})")
# time() is for nothing but names of days: uptime and ages come from the one clock.
where = sorted(rel(f) for f, t in texts.items() if re.search(r"\btime\(NULL\)", t))
check(not where, f"no time(NULL): ages and uptimes use lib/clock (found in: {', '.join(where) or 'none'})")

print(f"# {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
