# SPDX-License-Identifier: GPL-2.0
"""The Rust BCM2835 DMA provider on the emulated Pi 3, with the C driver
not loaded: dmatest on its channels, unbind/rebind/unload, and the in-tree
SD host driver doing real I/O through it."""

import hashlib
import random
import re
import subprocess

import pytest

from guest import ROOT, run_scenario
from test_guest import SUMMARY_LINE, dmatest_summaries

SD_SIZE = 64 << 20  # a power of two, as QEMU's SD model requires
MiB = 1 << 20


def summary_lines(log: str) -> list:
    """(channel, state, request line, live, completed) per summary line."""
    return [tuple(int(x) if x.isdigit() else x for x in m) for m in SUMMARY_LINE.findall(log)]


def test_dmatest_on_every_channel_then_unbind_rebind_unload():
    run = run_scenario("bcm2835-dmatest")
    run.check(expect_steps=[
        "c-driver-absent", "insmod-oxdma_bcm2835", "sdhost-on", "rebind-provider",
        "rebind-sdhost", "rmmod-oxdma_bcm2835", "no-dma-device-left"])
    log = run.scenario_log()
    m = re.search(r"oxdma_bcm2835 \S+: (\d+) channels \(mask (0x[0-9a-f]+)", log)
    assert m, "provider did not report its channels"
    channels = int(m.group(1))
    assert (channels, m.group(2)) == (11, "0x7f35")  # the board DT's brcm,dma-channel-mask
    summaries = dmatest_summaries(log)
    assert len(summaries) == channels, summaries
    for chan, (tests, failures) in summaries.items():
        assert (tests, failures) == (50, 0), f"{chan}: {tests} tests, {failures} failures"
    lines = summary_lines(log)
    assert all(live == 0 for (_, _, _, live, _) in lines), lines
    # After unbind/rebind, the SD host got a channel on DREQ 13 again.
    assert lines[-channels:] and any(req == 13 and state == "in-use"
                                     for (_, state, req, _, _) in lines[-channels:])


def test_sdhost_reads_and_writes_the_card_through_the_provider(tmp_path):
    image = tmp_path / "sd.img"
    data = random.Random(2835).randbytes(SD_SIZE)
    image.write_bytes(data)
    run = run_scenario("bcm2835-sdhost", sd=image)
    run.check(expect_steps=["c-driver-absent", "mmcblk0-appears", "sd-write", "sd-readback"])
    log = run.scenario_log()
    read = re.search(r"sd-read md5 ([0-9a-f]{32})", log)
    assert read and read.group(1) == hashlib.md5(data[:8 * MiB]).hexdigest()
    wrote = re.search(r"sd-write md5 ([0-9a-f]{32})", log)
    after = image.read_bytes()
    assert wrote and hashlib.md5(after[8 * MiB:12 * MiB]).hexdigest() == wrote.group(1)
    # The transfers went through the provider's channel on DREQ 13.
    sd = [c for (_, _, req, _, c) in summary_lines(log) if req == 13]
    assert sd and sd[0] > 0, f"no DMA transfer completed on DREQ 13: {summary_lines(log)}"


BAD_DT = {
    "no-channel-mask": ("/delete-property/ brcm,dma-channel-mask;", "brcm,dma-channel-mask"),
    "no-usable-channel": ("brcm,dma-channel-mask = <0x8000>;", "brcm,dma-channel-mask"),
    "dma-cells-2": ("#dma-cells = <2>;", "#dma-cells"),
    "no-interrupt-names": ("/delete-property/ interrupt-names;", "interrupt-names"),
}


@pytest.mark.parametrize("case", sorted(BAD_DT))
def test_wrong_dt_fails_probe_naming_the_property(case, tmp_path):
    change, prop = BAD_DT[case]
    dts = tmp_path / f"{case}.dts"
    dts.write_text(f'#include "bcm2837-rpi-3-b-oxdma.dts"\n\n&dma {{\n\t{change}\n}};\n')
    dtb = tmp_path / f"{case}.dtb"
    subprocess.run([str(ROOT / "scripts" / "build-dtb"), str(dts), str(dtb)], check=True,
                   capture_output=True)
    run = run_scenario("bcm2835-bad-dt", dtb=dtb, log_name=f"bcm2835-bad-dt-{case}")
    run.check(expect_steps=["insmod-oxdma_bcm2835", "no-dma-device", "rmmod-oxdma_bcm2835"])
    log = run.scenario_log()
    named = [line for line in log.splitlines() if "3f007000.dma-controller" in line and prop in line]
    assert named, f"{case}: no message naming {prop} (full log: {run.log_path})"
    assert re.search(r"probe with driver oxdma_bcm2835 failed with error -\d+", log), case
