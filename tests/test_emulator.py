# SPDX-License-Identifier: GPL-2.0
"""The emulator (QEMU with qemu/patches/): its own qtest, and the in-tree C
drivers as the cross-check of its models - bcm2835-dma under dmatest, the
SD host, and spi-bcm2835 + spi-nor on the SPI flash in DMA and in PIO
mode. The same guest scenarios run on the Rust provider elsewhere."""

import hashlib
import os
import random
import re
import subprocess

from guest import ROOT, run_scenario
from kernel_tree import qemu_build
from test_guest import dmatest_summaries

MiB = 1 << 20
SD_SIZE = 64 * MiB  # a power of two, as QEMU's SD model requires
FLASH_SIZE = 8 * MiB  # the W25Q64 that scripts/run-qemu attaches
W25Q64_JEDEC_ID = "ef4017"  # its manufacturer and device ID (QEMU m25p80.c)
BCM2835_CHANNELS = 11  # the board DT's brcm,dma-channel-mask 0x7f35


def test_qtest_bcm2835_dma():
    """QEMU's own qtest of the DMA model (tests/qtest/bcm2835-dma-test.c)."""
    build = qemu_build()
    env = dict(os.environ, QTEST_QEMU_BINARY=str(build / "qemu-system-aarch64"))
    res = subprocess.run(["timeout", "-s", "KILL", "300",
                          str(build / "tests" / "qtest" / "bcm2835-dma-test"), "--tap"],
                         cwd=build, env=env, capture_output=True, text=True)
    print(res.stdout, res.stderr)
    assert res.returncode == 0, f"qtest failed (exit {res.returncode}):\n{res.stdout}{res.stderr}"
    passed = re.findall(r"^ok \d+ ", res.stdout, re.M)
    assert len(passed) >= 5, f"qtest ran only {len(passed)} cases"


def test_c_driver_dmatest_every_channel_odd_lengths():
    run = run_scenario("c-dmatest", timeout=300)
    run.check(expect_steps=["insmod-bcm2835-dma", "insmod-dmatest", "rmmod-bcm2835-dma"])
    summaries = dmatest_summaries(run.scenario_log())
    assert len(summaries) == BCM2835_CHANNELS, summaries
    for chan, (tests, failures) in summaries.items():
        assert (tests, failures) == (50, 0), f"{chan}: {tests} tests, {failures} failures"


def sd_round_trip(tmp_path, provider: str):
    """The SD host doing block I/O through `provider`'s DMA: the host's
    pattern read back, the guest's write found in the image afterwards."""
    image = tmp_path / "sd.img"
    data = random.Random(2835).randbytes(SD_SIZE)
    image.write_bytes(data)
    run = run_scenario("bcm2835-sdhost", sd=image, append=f"oxdma.provider={provider}",
                       log_name=f"bcm2835-sdhost-{provider}")
    run.check(expect_steps=["mmcblk0-appears", "sd-read", "sd-write", "sd-readback"])
    log = run.scenario_log()
    read = re.search(r"sd-read md5 ([0-9a-f]{32})", log)
    assert read and read.group(1) == hashlib.md5(data[:8 * MiB]).hexdigest()
    wrote = re.search(r"sd-write md5 ([0-9a-f]{32})", log)
    after = image.read_bytes()
    assert wrote and hashlib.md5(after[8 * MiB:12 * MiB]).hexdigest() == wrote.group(1)
    return run


def test_c_driver_sdhost_round_trip(tmp_path):
    sd_round_trip(tmp_path, "c")


def flash_round_trip(tmp_path, provider: str, dtb=None, name="spi-flash", spi="c", append=""):
    """`spi`'s SPI driver (c: spi-bcm2835, rust: oxdma_spi) + spi-nor on the
    flash over `provider`'s DMA: 1 MiB of the
    host's pattern read, 1 MiB written and read back, and the written data
    found in the image file after QEMU exits. Returns the SPI driver's
    transfer counters {"dma": n, "polling": n, "irq": n} and the run.

    Runs with -icount: the SPI core's transfer timeouts are guest time,
    which without it runs on while a loaded host starves the vCPUs (seen:
    "SPI transfer timed out" in interrupt mode with other guests running)."""
    image = tmp_path / "flash.img"
    data = random.Random(6).randbytes(FLASH_SIZE)
    image.write_bytes(data)
    run = run_scenario("spi-flash", timeout=300, flash=image, dtb=dtb, icount=True,
                       append=f"oxdma.provider={provider} oxdma.spi={spi} {append}",
                       log_name=f"{name}-{spi}-{provider}")
    run.check(expect_steps=["insmod-spi", "mtd0-appears", "flash-erase", "flash-erased",
                            "flash-write", "flash-readback", "rmmod-spi"])
    log = run.scenario_log()
    jedec = re.search(r"flash jedec_id (\w+)", log)
    assert jedec and jedec.group(1) == W25Q64_JEDEC_ID, "JEDEC ID read"
    read = re.search(r"flash-read md5 ([0-9a-f]{32})", log)
    assert read and read.group(1) == hashlib.md5(data[:MiB]).hexdigest(), "read of the pattern"
    wrote = re.search(r"flash-write md5 ([0-9a-f]{32})", log)
    after = image.read_bytes()
    assert wrote and hashlib.md5(after[:MiB]).hexdigest() == wrote.group(1), \
        "the image file does not hold what the guest wrote"
    assert after[MiB:2 * MiB] == b"\xff" * MiB, "the erased MiB is not erased in the image"
    counts = {m[0]: int(m[1]) for m in re.findall(r"spi count_transfer_(\w+) (\d+)", log)}
    assert set(counts) == {"dma", "polling", "irq"}, counts
    return counts, run


def board_dtb_with(tmp_path, name: str, change: str):
    """The board DTB with `change` (DTS text) applied, built as NAME.dtb."""
    dts = tmp_path / f"{name}.dts"
    dts.write_text(f'#include "bcm2837-rpi-3-b-oxdma.dts"\n\n{change}')
    dtb = tmp_path / f"{name}.dtb"
    subprocess.run([str(ROOT / "scripts" / "build-dtb"), str(dts), str(dtb)], check=True,
                   capture_output=True)
    return dtb


def without_spi_dmas(tmp_path):
    """The board DTB with SPI0's dmas removed."""
    return board_dtb_with(tmp_path, "no-spi-dma",
                          "&spi {\n\t/delete-property/ dmas;\n\t/delete-property/ dma-names;\n};\n")


def test_c_drivers_spi_flash_without_dmas_in_pio_mode(tmp_path):
    counts, _ = flash_round_trip(tmp_path, "c", dtb=without_spi_dmas(tmp_path),
                                 name="spi-flash-pio")
    assert counts["dma"] == 0 and counts["polling"] + counts["irq"] > 0, counts


def spidev_loopback(spi: str, provider: str):
    """The loopback peripheral returns every byte sent, in modes 0-3, for
    lengths around spi-bcm2835's DMA threshold and DLEN limit, and in a
    message of several transfers with cs_change, through `spi`'s SPI driver
    on `provider`'s DMA. Returns the SPI driver's transfer counters."""
    run = run_scenario("spi-loopback", timeout=300, icount=True,
                       append=f"oxdma.provider={provider} oxdma.spi={spi}",
                       log_name=f"spi-loopback-{spi}-{provider}")
    steps = [f"loop-mode{m}-len{n}" for m in range(4) for n in (1, 3, 95, 96, 97, 4096, 65533)]
    run.check(expect_steps=["bind-spidev", *steps, "loop-message", "rmmod-spi"])
    log = run.scenario_log()
    counts = {m[0]: int(m[1]) for m in re.findall(r"spi count_transfer_(\w+) (\d+)", log)}
    assert counts.get("dma", 0) > 0 and counts.get("polling", 0) > 0, counts
    # DMA from 96 bytes (BCM2835_SPI_DMA_MIN_LENGTH), short ones polled,
    # and 65533 bytes split at the 65532-byte DLEN limit (the last byte
    # polled).
    moved = re.findall(r"loop mode (\d) len (\d+) moved dma (\d+) polling (\d+) irq (\d+)", log)
    assert len(moved) == len(steps), moved
    for mode, n, dma, polling, irq in moved:
        got = (int(dma), int(polling), int(irq))
        n = int(n)
        if n < 4:
            want = got[0] == 0 and got[1] == 1 and got[2] == 0
        elif n < 96:
            want = got[0] == 0 and sum(got) == 1
        elif n <= 65532:
            want = got == (1, 0, 0)
        else:
            want = got[0] == 1 and sum(got) == 2
        assert want, f"mode {mode}, {n} bytes: moved as (dma, polling, irq) {got}"
    return counts


def test_c_driver_spidev_loopback_every_mode_and_odd_lengths():
    spidev_loopback("c", "c")
