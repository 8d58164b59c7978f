# SPDX-License-Identifier: GPL-2.0
"""Reports scripts/profile-spi runs: instructions executed per MiB written,
per guest kernel module and per function (vmlinux from System.map, modules
from the kallsyms lines the profile-spi scenario logs), for each SPI/DMA
pair, with each function's difference from the first pair. Exits non-zero
if a run failed a step or counted nothing."""

import argparse
import bisect
import re
import subprocess
import sys
from collections import Counter

MODSYM = re.compile(r"oxdma: \| ([0-9a-f]{16}) [tTwW] (\S+)\s+\[(\S+)\]")
FAIL = re.compile(r"oxdma: result \S+ fail")


def symbols(system_map: str, log: str) -> list:
    """Sorted (address, function, module) of the kernel's and the loaded
    modules' text symbols."""
    syms = []
    with open(system_map) as f:
        for line in f:
            addr, kind, name = line.split()[:3]
            if kind in "tTwW":
                syms.append((int(addr, 16), name, "vmlinux"))
    syms += [(int(a, 16), n, m) for a, n, m in MODSYM.findall(log)]
    return sorted(syms)


def profile(system_map: str, base: str) -> Counter:
    """{(module, function): instructions} of one run."""
    log = open(base + ".log", errors="replace").read()
    if FAIL.search(log) or "profile: window closed" not in log:
        sys.exit(f"profile-spi: {base}.log: failed step or incomplete run")
    syms = symbols(system_map, log)
    addrs = [a for a, _, _ in syms]
    counts = Counter()
    with open(base + ".counts") as f:
        for line in f:
            vaddr, insns, execs = line.split()
            i = bisect.bisect_right(addrs, int(vaddr, 16)) - 1
            key = (syms[i][2], syms[i][1]) if i >= 0 else ("?", "?")
            counts[key] += int(insns) * int(execs)
    if not counts:
        sys.exit(f"profile-spi: {base}.counts: nothing counted")
    return counts


def blocks(system_map: str, base: str, pattern: str) -> dict:
    """{function: [(offset, instructions, executions)]} of one run's
    translation blocks in the functions whose symbol contains `pattern`:
    where in a function its instructions go (offsets from its start, to
    read against llvm-objdump --disassemble-symbols)."""
    syms = symbols(system_map, open(base + ".log", errors="replace").read())
    addrs = [a for a, _, _ in syms]
    found = {}
    with open(base + ".counts") as f:
        for line in f:
            vaddr, insns, execs = line.split()
            i = bisect.bisect_right(addrs, int(vaddr, 16)) - 1
            if i >= 0 and pattern in syms[i][1]:
                found.setdefault(syms[i][1], []).append(
                    (int(vaddr, 16) - syms[i][0], int(insns), int(execs)))
    return found


def demangle(names: list, tool: str) -> dict:
    """Rust (v0) symbol names made readable, others as they are."""
    rust = [n for n in names if n.startswith("_R")]
    try:
        out = subprocess.run([tool], input="\n".join(rust), capture_output=True,
                             text=True, check=True).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        return {}
    return {n: re.sub(r"\[[0-9a-f]+\]", "", d) for n, d in zip(rust, out)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--system-map", required=True)
    ap.add_argument("--demangler", default="llvm-cxxfilt")
    ap.add_argument("--kib", type=int, required=True, help="KiB written per run")
    ap.add_argument("--top", type=int, default=40, help="functions listed")
    ap.add_argument("--blocks", metavar="PATTERN",
                    help="also list the costliest translation blocks of the "
                         "functions whose symbol contains PATTERN")
    ap.add_argument("runs", nargs="+", help="PAIR=PATH (PATH.log, PATH.counts)")
    args = ap.parse_args()
    mib = args.kib / 1024
    runs = [(r.split("=", 1)[0], profile(args.system_map, r.split("=", 1)[1]))
            for r in args.runs]
    names = [p for p, _ in runs]

    print("Instructions per MiB written (M), per module")
    modules = Counter()
    for _, c in runs:
        for (m, _), v in c.items():
            modules[m] += v
    print(f"{'module':<16}" + "".join(f"{n:>12}" for n in names))
    rows = [("total", None)] + [(m, m) for m, _ in modules.most_common(10)]
    for label, m in rows:
        vals = [sum(v for (mm, _), v in c.items() if m is None or mm == m) for _, c in runs]
        print(f"{label:<16}" + "".join(f"{v / mib / 1e6:12.3f}" for v in vals))

    keys = set().union(*(c.keys() for _, c in runs))
    ref = runs[0][1]
    # Most different from the reference first, then the largest.
    order = sorted(keys, key=lambda k: -max(abs(c[k] - ref[k]) for _, c in runs[1:])
                   if len(runs) > 1 else -ref[k])[:args.top]
    readable = demangle([f for _, f in order], args.demangler)
    print(f"\nInstructions per MiB written (k), per function; {names[0]} is the reference")
    head = "".join(f"{n:>11}" for n in names) + "".join(f"{'d ' + n:>13}" for n in names[1:])
    print(head + "  module         function")
    for k in order:
        vals = "".join(f"{c[k] / mib / 1e3:11.1f}" for _, c in runs)
        diffs = "".join(f"{(c[k] - ref[k]) / mib / 1e3:+13.1f}" for _, c in runs[1:])
        print(f"{vals}{diffs}  {k[0][:14]:<14} {readable.get(k[1], k[1])[:100]}")

    if args.blocks:
        for (name, r), (_, base) in zip(runs, (a.split("=", 1) for a in args.runs)):
            for fn, tbs in blocks(args.system_map, base, args.blocks).items():
                total = sum(n * e for _, n, e in tbs)
                print(f"\n{name}: {fn}: {total / mib / 1e3:.1f}k instructions per MiB; "
                      "costliest blocks (offset, instructions, executions per MiB, k per MiB)")
                for off, n, e in sorted(tbs, key=lambda t: -t[1] * t[2])[:args.top]:
                    print(f"  +{off:#06x} {n:4d} {e / mib:10.0f} {n * e / mib / 1e3:9.1f}")


if __name__ == "__main__":
    main()
