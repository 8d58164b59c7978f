# SPDX-License-Identifier: GPL-2.0
"""Summarises a bench guest log: dmatest results per driver and the Rust/C
ratios. Exits non-zero if a round is missing or any test failed."""

import re
import statistics
import sys

ROUND = re.compile(r"bench: round (\d+) (c|rust) on (\S+)")
SUMMARY = re.compile(r"dmatest: \S+: summary (\d+) tests, (\d+) failures (\S+) iops (\d+) KB/s")


def main(path: str) -> int:
    current, results = None, {"c": [], "rust": []}
    for line in open(path, errors="replace"):
        if m := ROUND.search(line):
            current = m.group(2)
        elif (m := SUMMARY.search(line)) and current:
            tests, failures, iops, kbs = int(m[1]), int(m[2]), float(m[3]), int(m[4])
            results[current].append((tests, failures, iops, kbs))
            print(f"{current:>4}: {line.split('dmatest: ', 1)[1].strip()}")
            current = None
    if not results["c"] or len(results["c"]) != len(results["rust"]):
        print(f"bench: incomplete rounds: {results}", file=sys.stderr)
        return 1
    if any(f for r in results.values() for (_, f, _, _) in r):
        print("bench: dmatest reported failures", file=sys.stderr)
        return 1
    mean = {k: (statistics.mean(r[2] for r in v), statistics.mean(r[3] for r in v))
            for k, v in results.items()}
    print(f"C    mean: {mean['c'][0]:.1f} iops, {mean['c'][1]:.0f} KB/s")
    print(f"Rust mean: {mean['rust'][0]:.1f} iops, {mean['rust'][1]:.0f} KB/s")
    print(f"Rust/C ratio of means: iops {mean['rust'][0] / mean['c'][0]:.3f}, "
          f"throughput {mean['rust'][1] / mean['c'][1]:.3f} ({len(results['c'])} rounds)")
    # Each round runs C then Rust back to back: the median of the per-round
    # ratios is robust against the machine's load changing between rounds.
    pairs = list(zip(results["c"], results["rust"]))
    print(f"Rust/C median per-round ratio: "
          f"iops {statistics.median(r[2] / c[2] for c, r in pairs):.3f}, "
          f"throughput {statistics.median(r[3] / c[3] for c, r in pairs):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
