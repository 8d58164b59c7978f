# SPDX-License-Identifier: GPL-2.0
"""Guest scenarios: module load/unload and the KUnit suites."""

import json
import re
import subprocess
import sys

import pytest

from guest import LOGS, run_scenario
from kernel_tree import kunit_py

# The KUnit suites tests/kunit/ must run; a suite that vanished fails.
OXDMA_SUITES = {"oxdma_bcm2835_cb", "oxdma_dmaengine_direction", "oxdma_softdma_consumer",
                "oxdma_bcm2835_consumer"}

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


# The provider's message for a DMA error, with the DEBUG bits (READ_ERROR).
BUS_ERROR_LINE = re.compile(
    r"oxdma_bcm2835 3f007000\.dma-controller: chan\d+: DMA error, DEBUG = 0x4$", re.M)


def case_results(group: dict, prefix: str = "") -> dict:
    """"suite.case" -> status ("PASS", "FAIL", ...) from a kunit.py JSON
    result, through sub-groups."""
    out = {}
    for g in group.get("sub_groups", []):
        name = f"{prefix}{g['name']}"
        out.update({f"{name}.{c['name']}": c["status"] for c in g.get("test_cases", [])})
        out.update(case_results(g, f"{name}."))
    return out


def summary_live(log: str) -> dict:
    """DMA device name -> live descriptor counts per channel, from the
    dmaengine debugfs summary the guest printed."""
    out, dev = {}, None
    for line in log.splitlines():
        m = re.search(r"oxdma: \| dma\d+ \((\S+)\): number of channels", line)
        if m:
            dev = m.group(1)
            out[dev] = []
            continue
        m = SUMMARY_LINE.search(line)
        if m and dev:
            out[dev].append(int(m.group(4)))
    return out


@pytest.fixture(scope="module")
def kunit():
    """One boot of the KUnit suites: the run and its cases' results."""
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
    assert json_path.exists(), f"kunit.py parse wrote no result (full log: {run.log_path}):\n{report}"
    result = json.loads(json_path.read_text())
    return run, result, case_results(result), report


def test_kunit_suites(kunit):
    run, result, cases, report = kunit
    failed = sorted(c for c, st in cases.items() if st != "PASS")
    assert not failed, (
        f"KUnit cases failed: {failed} (full log: {run.log_path}):\n{report}")
    run.check(expect_steps=["insmod-oxdma_bcm2835", "insmod-oxdma_softdma", "insmod-oxdma_kunit",
                            "rmmod-oxdma_softdma", "rmmod-oxdma_bcm2835"])
    suites = {g["name"] for g in result.get("sub_groups", [])}
    assert OXDMA_SUITES <= suites, f"suites missing from KTAP: {OXDMA_SUITES - suites}"
    assert count_cases(result) > 0
    # Allocation counter: no descriptor outlives the suites.
    live = summary_live(run.scenario_log())
    assert len(live.get("dma-controller", [])) == 4, f"soft channels in the summary: {live}"
    assert len(live.get("3f007000.dma-controller", [])) == 11, f"BCM2835 channels: {live}"
    assert all(n == 0 for counts in live.values() for n in counts), \
        f"descriptors still allocated per channel: {live}"


def test_kunit_bcm2835_bus_error_is_logged_with_its_debug_bits(kunit):
    """The bus-error case's transfer failed; the provider said why."""
    run, _, cases, _ = kunit
    assert cases.get("oxdma_bcm2835_consumer.bus_error_completes_the_transfer_as_read_failed") \
        == "PASS"
    assert BUS_ERROR_LINE.search(run.scenario_log()), \
        f"no 'DMA error, DEBUG = 0x4' message from the provider (full log: {run.log_path})"


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
