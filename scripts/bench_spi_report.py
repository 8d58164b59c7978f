# SPDX-License-Identifier: GPL-2.0
"""Summarises bench-spi guest logs: per SPI driver x DMA provider pair,
flash read and write throughput (MB/s of guest time) and busy guest CPU
time per MiB; the Rust/C ratios of each run (median of the per-round
ratios) with their spread over the runs; and DMA against PIO. Exits
non-zero if a log has a failed step or lacks rounds."""

import argparse
import re
import statistics
import sys
from collections import defaultdict

MARK = re.compile(r"^\[\s*(\d+\.\d+)\] oxdma: bench-spi: round (\d+) spi (\w+) dma (\w+) "
                  r"(read|write) (begin|end) cpu (\d+) (\d+)")
FAIL = re.compile(r"oxdma: result \S+ fail")
USER_HZ = 100


def parse(path: str) -> dict:
    """{(round, spi, dma, phase): (seconds, busy ticks)} of one log, and
    the MiB read and written per round (oxdma.mib= and oxdma.wkib= on the
    kernel command line, else the scenario's 16 MiB and 2048 KiB)."""
    text = open(path, errors="replace").read()
    if FAIL.search(text) or "scenario bench-spi end" not in text:
        sys.exit(f"bench-spi: {path}: failed step or incomplete run")
    mib = re.search(r"oxdma\.mib=(\d+)", text)
    wkib = re.search(r"oxdma\.wkib=(\d+)", text)
    begin, out = {}, {}
    for line in text.splitlines():
        m = MARK.search(line)
        if not m:
            continue
        t, r, spi, dma, phase, edge, busy = (float(m[1]), int(m[2]), m[3], m[4], m[5], m[6],
                                             int(m[7]))
        key = (r, spi, dma, phase)
        if edge == "begin":
            begin[key] = (t, busy)
        else:
            t0, b0 = begin.pop(key)
            out[key] = (t - t0, busy - b0)
    return out, (int(mib[1]) if mib else 16, (int(wkib[1]) if wkib else 2048) / 1024)


def metrics(samples: dict, sizes: tuple) -> dict:
    """{(round, spi, dma): {"read": MB/s, "write": MB/s, "read_cpu": ms/MiB,
    "write_cpu": ms/MiB}} from samples and (read MiB, written MiB)."""
    out = defaultdict(dict)
    for (r, spi, dma, phase), (secs, busy) in samples.items():
        size = sizes[0] if phase == "read" else sizes[1]
        out[(r, spi, dma)][phase] = size * 1.048576 / secs
        out[(r, spi, dma)][f"{phase}_cpu"] = busy * 1000 / USER_HZ / size
    return out


def ratio(per_round: dict, num: tuple, den: tuple, key: str):
    """Median over rounds of per_round[num][key] / per_round[den][key]."""
    rounds = sorted({r for (r, _, _) in per_round})
    vals = [per_round[(r, *num)][key] / per_round[(r, *den)][key] for r in rounds
            if (r, *num) in per_round and (r, *den) in per_round and per_round[(r, *den)][key]]
    return statistics.median(vals) if vals else None


COMPARISONS = [
    ("Rust SPI / C SPI, on C DMA", ("rust", "c"), ("c", "c")),
    ("Rust SPI / C SPI, on Rust DMA", ("rust", "rust"), ("c", "rust")),
    ("Rust DMA / C DMA, under C SPI", ("c", "rust"), ("c", "c")),
    ("Rust DMA / C DMA, under Rust SPI", ("rust", "rust"), ("rust", "c")),
    ("Rust pair / C pair", ("rust", "rust"), ("c", "c")),
]
KEYS = [("read", "read MB/s"), ("write", "write MB/s"), ("read_cpu", "read CPU/MiB"),
        ("write_cpu", "write CPU/MiB")]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pio", help="log of the boot without SPI0's dmas")
    ap.add_argument("runs", nargs="+", help="per run, its boots' logs, comma-separated")
    args = ap.parse_args()
    runs = []
    for paths in args.runs:
        run = {}
        for path in paths.split(","):
            samples, sizes = parse(path)
            run.update(metrics(samples, sizes))
        runs.append(run)
    tick_ms = 1000 / USER_HZ
    pairs = sorted({(spi, dma) for run in runs for (_, spi, dma) in run})
    print(f"{'SPI/DMA':10} {'read MB/s':>10} {'write MB/s':>11} {'read CPU ms/MiB':>16} "
          f"{'write CPU ms/MiB':>17}   (median over rounds, all runs)")
    for spi, dma in pairs:
        vals = {k: statistics.median(m[k] for run in runs for (r, s, d), m in run.items()
                                     if (s, d) == (spi, dma)) for k, _ in KEYS}
        print(f"{spi + '/' + dma:10} {vals['read']:10.2f} {vals['write']:11.2f} "
              f"{vals['read_cpu']:16.1f} {vals['write_cpu']:17.1f}")
    print(f"(busy CPU time comes from /proc/stat in {tick_ms:.0f} ms units: per round "
          f"±{tick_ms / sizes[0]:.2f} ms/MiB for the {sizes[0]} MiB read, "
          f"±{tick_ms / sizes[1]:.1f} ms/MiB for the {sizes[1]:g} MiB written)")
    print(f"\nRatios (median of per-round ratios per run; runs: {len(runs)}; "
          "spread = max - min over runs):")
    for label, num, den in COMPARISONS:
        if num not in pairs or den not in pairs:
            continue
        cells = []
        for key, name in KEYS:
            vals = [v for run in runs if (v := ratio(run, num, den, key)) is not None]
            if vals:
                cells.append(f"{name} {statistics.mean(vals):.3f} "
                             f"(spread {max(vals) - min(vals):.3f})")
        print(f"  {label}: " + ", ".join(cells))
    if args.pio:
        samples, sizes = parse(args.pio)
        pio = metrics(samples, sizes)
        for spi in sorted({s for (_, s, _) in pio}):
            p = {k: statistics.median(m[k] for (r, s, d), m in pio.items() if s == spi)
                 for k, _ in KEYS}
            dma = {k: statistics.median(m[k] for run in runs for (r, s, d), m in run.items()
                                        if (s, d) == (spi, spi)) for k, _ in KEYS}
            print(f"\nDMA ({spi}/{spi}) against PIO ({spi} SPI, no dmas): "
                  f"read CPU/MiB {dma['read_cpu']:.1f} vs {p['read_cpu']:.1f} ms, "
                  f"write CPU/MiB {dma['write_cpu']:.1f} vs {p['write_cpu']:.1f} ms; "
                  f"read {dma['read']:.2f} vs {p['read']:.2f} MB/s, "
                  f"write {dma['write']:.2f} vs {p['write']:.2f} MB/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
