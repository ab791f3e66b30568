#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""The man pages cannot drift (issue 17): every long option that any --help
of build/dsrlb prints is in dsrlb(8), every key the config parser accepts is
in dsrlb.yaml(5), both sources build with scdoc, and bash completion offers
subcommands and options. No root needed."""
import glob
import os
import re
import subprocess
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
DSRLB = os.path.join(ROOT, "build", "dsrlb")
passed = failed = 0


def check(ok, what):
    global passed, failed
    print(("ok - " if ok else "not ok - ") + what)
    passed, failed = passed + ok, failed + (not ok)


def helps():
    out = {}
    for sub in ([], ["run"], ["check"], ["stop"], ["status"], ["stats"], ["vip"], ["backend"], ["trace"],
                ["maintenance"], ["peers"], ["doctor"], ["backend", "setup"]):
        p = subprocess.run([DSRLB] + sub + ["--help"], capture_output=True, text=True, timeout=10)
        out[" ".join(sub) or "dsrlb"] = p.stdout + p.stderr
    return out


def main():
    man8 = open(os.path.join(ROOT, "docs/man/dsrlb.8.scd")).read()
    man5 = open(os.path.join(ROOT, "docs/man/dsrlb.yaml.5.scd")).read()
    for sub, text in helps().items():
        opts = sorted(set(re.findall(r"(?<![\w-])--[a-z][a-z-]+", text)))
        missing = [o for o in opts if o not in man8]
        check(not missing, f"dsrlb(8) has every option of '{sub} --help' ({len(opts)}){': missing ' + ' '.join(missing) if missing else ''}")
    keys = set()
    for f in glob.glob(os.path.join(ROOT, "src/config/*.c")):
        for block in re.findall(r"keys\[\]\s*=\s*\{([^}]*)\}", open(f).read()):
            keys |= set(re.findall(r'"([a-z_]+)"', block))
    missing = sorted(k for k in keys if f"*{k}*" not in man5)
    check(len(keys) > 40 and not missing,
          f"dsrlb.yaml(5) has every key the parser accepts ({len(keys)}){': missing ' + ' '.join(missing) if missing else ''}")
    for src in ("dsrlb.8.scd", "dsrlb.yaml.5.scd"):
        with open(os.path.join(ROOT, "docs/man", src)) as f:
            p = subprocess.run(["scdoc"], stdin=f, capture_output=True, text=True)
        check(p.returncode == 0 and p.stdout.startswith(".\\\""), f"scdoc builds {src} ({p.stderr.strip()[:80] or 'no complaint'})")
    comp = os.path.join(ROOT, "dist/dsrlb.bash-completion")

    def complete(*words):
        script = f'source "{comp}"; COMP_WORDS=({" ".join(repr(w) for w in words)}); COMP_CWORD={len(words) - 1}; _dsrlb; echo "${{COMPREPLY[@]}}"'
        return subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=10).stdout.split()

    got = complete("dsrlb", "st")
    check(sorted(got) == ["stats", "status", "stop"], f"bash completion: 'dsrlb st' gives stats, status, stop ({got})")
    got = complete("dsrlb", "backend", "d")
    check(sorted(got) == ["del", "drain"], f"bash completion: 'dsrlb backend d' gives del, drain ({got})")
    got = complete("dsrlb", "trace", "--s")
    check(sorted(got) == ["--seconds", "--socket"], f"bash completion: 'dsrlb trace --s' gives --seconds, --socket ({got})")
    print(f"# {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
