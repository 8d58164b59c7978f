# SPDX-License-Identifier: GPL-2.0
"""Boot the emulated Pi 3 for one guest scenario and read what it reported.

Each scenario is one QEMU boot (scripts/run-qemu). The guest prints
``oxdma: scenario NAME begin|end`` around the scenario and
``oxdma: result NAME/STEP ok|fail`` per step (tests/guest/lib.sh); the whole
console log is kept in out/logs/NAME.log.
"""

import dataclasses
import os
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOGS = ROOT / "out" / "logs"

# Kernel splats that fail the scenario that printed them: BUG/WARNING/Oops
# (which also head KASAN, lockdep and might_sleep reports), and the report
# bodies of the debug kernel's checkers (scripts/kconfig/debug.config) in
# case a header line is lost.
SPLAT = re.compile(
    r"BUG:|WARNING:|Oops|KASAN|Call trace:|DMA-API: "
    r"|possible circular locking|possible recursive locking|inconsistent lock state"
    r"|sleeping function called from invalid context|scheduling while atomic"
    r"|list_(add|del) corruption|UBSAN:|blocked for more than|rcu_sched self-detected|new suspected memory leaks")
# DMA-API lines that are dma-debug's own information, not errors.
DMA_API_INFO = re.compile(
    r"DMA-API: (preallocated \d+ debug entries|debugging enabled"
    r"|dma_debug_entry pool grown|enable driver filter|switching off)"
)
RESULT = re.compile(r"oxdma: result (\S+) (ok|fail)(.*)$")


@dataclasses.dataclass
class GuestRun:
    """What one boot of a scenario printed."""

    scenario: str
    log_path: Path
    log: str
    returncode: int

    @property
    def completed(self) -> bool:
        """The scenario ran to its end marker."""
        return f"oxdma: scenario {self.scenario} end" in self.log

    def scenario_log(self) -> str:
        """The console lines from the begin marker on: what the scenario
        itself caused, without the boot (which runs built-in KUnit suites)."""
        start = self.log.find(f"oxdma: scenario {self.scenario} begin")
        return self.log[start:] if start >= 0 else ""

    def results(self) -> dict:
        """Step name -> (ok: bool, detail: str), in the order printed."""
        out = {}
        for line in self.log.splitlines():
            m = RESULT.search(line)
            if m:
                out[m.group(1)] = (m.group(2) == "ok", m.group(3).strip())
        return out

    def splats(self, allow=None, allow_warning=None) -> list:
        """Log lines that report a kernel BUG, WARNING, Oops or DMA-API
        error, but those matching the regex ``allow`` and the whole reports
        ("cut here" to "end trace") of WARNINGs whose message matches the
        regex ``allow_warning``."""
        log = self.log
        if allow_warning:
            log = re.sub(r"-+\[ cut here \]-+\n[^\n]*(?:" + allow_warning
                         + r")[^\n]*\n.*?---\[ end trace [0-9a-f]+ \]---", "", log, flags=re.S)
        return [
            line
            for line in log.splitlines()
            if SPLAT.search(line) and not DMA_API_INFO.search(line)
            and not (allow and re.search(allow, line))
        ]

    def check(self, expect_steps=(), allow_splat=None, allow_warning=None):
        """Fail, naming the cause, unless the scenario completed cleanly.

        Clean means: QEMU exited by itself, the end marker was printed, every
        step passed, each of ``expect_steps`` reported, and no splat (but
        those matching the regex ``allow_splat``, and WARNING reports whose
        message matches ``allow_warning``, which the caller checks).
        """
        where = f"(full log: {self.log_path})"
        assert self.returncode != 124, f"{self.scenario}: QEMU timed out {where}"
        assert self.completed, f"{self.scenario}: no end marker {where}"
        splats = self.splats(allow_splat, allow_warning)
        assert not splats, f"{self.scenario}: kernel splat {where}:\n" + "\n".join(splats)
        results = self.results()
        failed = [f"{k} {d}" for k, (ok, d) in results.items() if not ok]
        assert not failed, f"{self.scenario}: failed steps {where}: {failed}"
        missing = [s for s in expect_steps if f"{self.scenario}/{s}" not in results]
        assert not missing, f"{self.scenario}: steps did not report {where}: {missing}"
        assert results, f"{self.scenario}: reported no step {where}"


def run_scenario(name: str, timeout: int = 120, append: str = "", sd=None, dtb=None,
                 log_name=None, flash=None, icount=False) -> GuestRun:
    """Boot the guest on scenario ``name`` (tests/guest/scenarios/NAME.sh),
    optionally with an SD image, an SPI flash image and another DTB, and
    with ``icount`` on -icount (guest time independent of host load); the
    console log is kept as out/logs/<log_name or name>.log."""
    LOGS.mkdir(parents=True, exist_ok=True)
    log_path = LOGS / f"{log_name or name}.log"
    cmd = [str(ROOT / "scripts" / "run-qemu"), "--scenario", name,
           "--timeout", str(timeout), "--append", append]
    if sd:
        cmd += ["--sd", str(sd)]
    if dtb:
        cmd += ["--dtb", str(dtb)]
    if flash:
        cmd += ["--flash", str(flash)]
    if icount:
        cmd += ["--icount"]
    with open(log_path, "w") as log:
        proc = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT,
                              stdin=subprocess.DEVNULL, env=os.environ.copy())
    return GuestRun(name, log_path, log_path.read_text(errors="replace"), proc.returncode)
