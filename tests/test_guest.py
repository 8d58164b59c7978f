# SPDX-License-Identifier: GPL-2.0
"""Guest scenarios: module load/unload and the KUnit suites."""

import json
import re
import subprocess
import sys

from guest import LOGS, run_scenario
from kernel_tree import kunit_py

# The KUnit suites tests/kunit/ must run; a suite that vanished fails.
OXDMA_SUITES = {"oxdma_bcm2835_cb", "oxdma_dmaengine_direction", "oxdma_softdma_consumer"}

SUMMARY_LINE = re.compile(
    r" chan(\d+) +\| (\S+) +\| request line (\d+) \| descriptors live (\d+) \| completed (\d+)")


def count_cases(group: dict) -> int:
    """Test cases in a kunit.py JSON result, counted through sub-groups."""
    return len(group.get("test_cases", [])) + sum(
        count_cases(g) for g in group.get("sub_groups", []))


def test_modules_load_and_unload():
    run = run_scenario("load")
    run.check(expect_steps=[f"{op}-{m}" for m in ("oxdma_bcm2835", "oxdma_softdma", "oxdma_kunit")
                            for op in ("insmod", "rmmod")])


def test_kunit_suites():
    run = run_scenario("kunit")
    # KTAP first: a failed KUnit case ends without running destructors, so
    # later steps (rmmod) fail as a consequence of it.
    ktap = LOGS / "kunit.ktap.log"
    ktap.write_text(run.scenario_log())
    json_path = LOGS / "kunit.json"
    parse = subprocess.run(
        [sys.executable, str(kunit_py()), "parse", f"--json={json_path}", str(ktap)],
        capture_output=True, text=True)
    report = parse.stdout + parse.stderr
    print(report)
    failed = parse.returncode != 0
    assert not failed, (
        f"kunit.py parse reports failures (full log: {run.log_path}):\n{report}")
    run.check(expect_steps=["insmod-oxdma_softdma", "insmod-oxdma_kunit", "rmmod-oxdma_softdma"])
    result = json.loads(json_path.read_text())
    suites = {g["name"] for g in result.get("sub_groups", [])}
    assert OXDMA_SUITES <= suites, f"suites missing from KTAP: {OXDMA_SUITES - suites}"
    assert count_cases(result) > 0
    # Allocation counter: no descriptor outlives the suites.
    live = [int(m[3]) for m in SUMMARY_LINE.findall(run.scenario_log())]
    assert len(live) == 4, f"dmaengine summary lists {len(live)} soft channels, want 4"
    assert live == [0, 0, 0, 0], f"descriptors still allocated per channel: {live}"


DMATEST_SUMMARY = re.compile(
    r"dmatest: (dma\d+chan\d+)\S*: summary (\d+) tests, (\d+) failures (\S+) iops (\d+) KB/s")


def dmatest_summaries(log: str) -> dict:
    """Channel -> (tests, failures) from dmatest's summary lines."""
    return {m.group(1): (int(m.group(2)), int(m.group(3)))
            for m in DMATEST_SUMMARY.finditer(log)}


def test_softdma_dmatest_every_channel():
    run = run_scenario("softdma-dmatest")
    run.check(expect_steps=["insmod-oxdma_softdma", "insmod-dmatest", "rmmod-oxdma_softdma"])
    summaries = dmatest_summaries(run.scenario_log())
    assert sorted(summaries) == [f"dma0chan{i}" for i in range(4)], summaries
    for chan, (tests, failures) in summaries.items():
        assert (tests, failures) == (100, 0), f"{chan}: {tests} tests, {failures} failures"
