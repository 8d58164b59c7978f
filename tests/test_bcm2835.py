# SPDX-License-Identifier: GPL-2.0
"""The Rust BCM2835 DMA provider on the emulated Pi 3, with the C driver
not loaded: dmatest on its channels, unbind/rebind/unload, and the in-tree
SD host driver doing real I/O through it."""

import hashlib
import re
import subprocess

import pytest

from guest import ROOT, run_scenario
from test_emulator import sd_round_trip
from test_guest import SUMMARY_LINE, dmatest_summaries


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
    run = sd_round_trip(tmp_path, "rust")
    # The transfers went through the provider's channel on DREQ 13.
    sd = [c for (_, _, req, _, c) in summary_lines(run.scenario_log()) if req == 13]
    assert sd and sd[0] > 0, f"no DMA transfer completed on DREQ 13: {summary_lines(run.log)}"


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


# The one leak the C dmaengine core has on this path: when device_register()
# of a channel fails, __dma_async_device_channel_register() kfree()s the
# device instead of put_device(), losing its name ("dma0chanN").
DMAENGINE_CORE_LEAK = ("dev_set_name", "__dma_async_device_channel_register",
                       "dma_async_device_register")


def kmemleak_objects(log: str) -> list:
    """The unreferenced objects (header and backtrace, one string each)
    the guest printed between its kmemleak report markers."""
    m = re.search(r"kmemleak report begin(.*?)kmemleak report end", log, re.S)
    assert m, "no kmemleak report"
    body = "\n".join(line.split("oxdma: | ", 1)[1] for line in m.group(1).splitlines()
                     if "oxdma: | " in line)
    return [o for o in re.split(r"\n(?=unreferenced object)", body) if o.strip()]


def test_probe_allocation_failures_give_errno_and_leak_nothing():
    """Every slab allocation of a bind failed in turn (fail-nth): a bind
    that fails gives an errno and leaves nothing; then the provider works
    and kmemleak reports nothing."""
    run = run_scenario("fault-probe", timeout=600)
    run.check(expect_steps=["insmod-oxdma_bcm2835", "bound", "insmod-dmatest", "unbind-after",
                            "rmmod-oxdma_bcm2835"],
              allow_splat=r"kmemleak: \d+ new suspected memory leaks")
    log = run.scenario_log()
    leaks = kmemleak_objects(log)
    ours = [leak for leak in leaks if not all(f in leak for f in DMAENGINE_CORE_LEAK)]
    assert not ours, "kmemleak:\n" + "\n\n".join(ours)
    m = re.search(r"fault-probe: (\d+) binds failed by injection; the bind at n=(\d+) made", log)
    assert m, "the injection loop did not finish"
    failures, last = int(m.group(1)), int(m.group(2))
    assert failures >= 3 and last > failures, m.group(0)
    errnos = re.findall(r"fault-probe: n=\d+ bind failed: (.*)", log)
    assert len(errnos) == failures and all(e.strip() for e in errnos), errnos
    assert re.search(r"probe with driver oxdma_bcm2835 failed with error -12", log), \
        "no probe failed with ENOMEM"
    summaries = dmatest_summaries(log)
    assert summaries and all(f == 0 for (_, f) in summaries.values()), summaries


def prep_fault_injection(spi: str) -> set:
    """Every slab allocation of a 4096-byte spidev loopback transfer through
    `spi`'s SPI driver in DMA mode on the Rust provider failed in turn
    (fail-nth, in the calling task): each failed transfer ends with an
    errno, none with wrong data; afterwards the loopback works, no
    descriptor is left allocated, the request lines are released, and
    kmemleak reports nothing of ours. Returns the errnos seen."""
    run = run_scenario("fault-prep", timeout=600, append=f"oxdma.spi={spi}",
                       log_name=f"fault-prep-{spi}")
    run.check(expect_steps=["insmod-oxdma_bcm2835", "spidev-appears", "loop-before",
                            "loop-after", "rmmod-spi", "rmmod-oxdma_bcm2835"],
              allow_splat=r"kmemleak: \d+ new suspected memory leaks")
    log = run.scenario_log()
    m = re.search(r"fault-prep: (\d+) transfers failed by injection; the transfer at n=(\d+)", log)
    assert m, "the injection loop did not finish"
    failures, last = int(m.group(1)), int(m.group(2))
    assert 3 <= failures < last, m.group(0)
    outcomes = re.findall(r"fault-prep: n=\d+ (.*)", log)
    assert len(outcomes) == failures, outcomes
    wrong = [o for o in outcomes if not re.search(r"transfer failed: errno [1-9]", o)]
    assert not wrong, f"failed without an errno (or with wrong data): {wrong}"
    dma = re.search(r"spi count_transfer_dma (\d+)", log)
    assert dma and int(dma.group(1)) > 0, f"{spi}: the SPI driver did not run in DMA mode"
    lines = summary_lines(log)
    assert lines and all(live == 0 for (_, _, _, live, _) in lines), lines
    # Released by the SPI driver: the channels forgot DREQ 6 and 7.
    assert all(state == "free" and req == 0 for (_, state, req, _, _) in lines), lines
    leaks = kmemleak_objects(log)
    ours = [leak for leak in leaks if not all(f in leak for f in DMAENGINE_CORE_LEAK)]
    assert not ours, "kmemleak:\n" + "\n\n".join(ours)
    return {int(e) for e in re.findall(r"transfer failed: errno (\d+)", "\n".join(outcomes))}


def test_prep_allocation_failures_give_errno_and_leak_nothing():
    """prep_fault_injection() with spi-bcm2835, where some failures hit the
    provider's prep (spi-bcm2835 turns a NULL descriptor into EINVAL)."""
    errnos = prep_fault_injection("c")
    assert 22 in errnos, f"no failure reached the provider's prep (errnos {errnos})"


def test_sdhost_spi_flash_and_dmatest_concurrently(tmp_path):
    """Three clients of the provider at once: SD and SPI flash write/read
    loops (md5 compared in the guest each round, the last round's data
    found in the host's image files) while dmatest runs on every free
    channel with 0 failures."""
    from test_emulator import FLASH_SIZE, MiB, SD_SIZE
    sd, flash = tmp_path / "sd.img", tmp_path / "flash.img"
    sd.write_bytes(bytes(SD_SIZE))
    flash.write_bytes(b"\xff" * FLASH_SIZE)
    run = run_scenario("bcm2835-concurrent", timeout=900, sd=sd, flash=flash, icount=True)
    run.check(expect_steps=["insmod-oxdma_bcm2835", "mmcblk0-appears", "mtd0-appears",
                            "insmod-dmatest", "rmmod-dmatest", "rmmod-spi-bcm2835",
                            "rmmod-oxdma_bcm2835"])
    log = run.scenario_log()
    loops = {m[0]: (int(m[1]), int(m[2]), m[3]) for m in re.findall(
        r"concurrent (\w+) rounds (\d+) mismatches (\d+) last md5 ([0-9a-f]{32})", log)}
    assert set(loops) == {"sd", "flash"}, loops
    assert all(rounds >= 1 and bad == 0 for (rounds, bad, _) in loops.values()), loops
    assert hashlib.md5(sd.read_bytes()[8 * MiB:9 * MiB]).hexdigest() == loops["sd"][2]
    assert hashlib.md5(flash.read_bytes()[:MiB]).hexdigest() == loops["flash"][2]
    n = re.search(r"dmatest channels: (\d+)", log)
    summaries = dmatest_summaries(log)
    # 11 channels, minus the SD host's and spi-bcm2835's tx and rx.
    assert n and int(n.group(1)) == 8 and len(summaries) == 8, (n, summaries)
    assert all(t == 100 and f == 0 for (t, f) in summaries.values()), summaries
    dma = re.search(r"spi count_transfer_dma (\d+)", log)
    assert dma and int(dma.group(1)) > 0, "spi-bcm2835 did not run in DMA mode"
    lines = summary_lines(log)
    assert lines and any(req == 13 for (_, _, req, _, _) in lines) and \
        {6, 7} <= {req for (_, _, req, _, _) in lines}, lines


HOLD_RESULT = re.compile(r"oxdma_cyclic_hold: result (\S+) (ok|fail) (.*)")


def cyclic_hold_run(unbind: bool):
    run = run_scenario("bcm2835-unbind-cyclic", timeout=300,
                       append="" if unbind else "oxdma.unbind=0",
                       log_name=f"bcm2835-unbind-cyclic-{int(unbind)}")
    results = {m[0]: (m[1] == "ok", m[2]) for m in HOLD_RESULT.findall(run.scenario_log())}
    return run, results


def test_unbind_provider_under_running_cyclic_transfers():
    """Three cyclic transfers running (two DREQ-paced on SPI0's FIFO, one
    unpaced writing memory); the provider is unbound under them: the engine
    serves no DREQ and calls back no more, the client's terminate and the
    release of its buffers after the unbind are clean, nothing is written
    after terminate, no splat; the provider binds again and dmatest passes."""
    run, results = cyclic_hold_run(unbind=True)
    # The one report allowed: the C core's dma_release_channel() removes the
    # channel's "slave" sysfs link after dma_async_device_unregister() took
    # the channel's directory away (the core does not support unbinding a
    # provider under its clients; the provider keeps the memory it uses).
    run.check(expect_steps=["insmod-oxdma_cyclic_hold", "unbind-provider", "no-dma-device",
                            "rmmod-oxdma_cyclic_hold", "rebind-provider", "rmmod-oxdma_bcm2835"],
              allow_warning=r"kernfs: can not remove 'slave', no directory")
    assert re.search(r"unbound while clients hold 3 channels", run.scenario_log())
    assert "cyclic transfers running" in run.scenario_log()
    expected = {"no-dreq-served-after-stop", "no-callback-after-stop",
                "ring-unwritten-after-terminate"}
    assert set(results) == expected, results
    assert all(ok for ok, _ in results.values()), results
    summaries = dmatest_summaries(run.scenario_log())
    assert len(summaries) == 11 and all(f == 0 for (_, f) in summaries.values()), summaries


def test_unbind_cyclic_control_without_unbind_sees_the_engine_running():
    """The control of the test above (no unbind): at rmmod the same checks
    see the engine still serving DREQs and calling back, so they can fail."""
    run, results = cyclic_hold_run(unbind=False)
    run.check(expect_steps=["insmod-oxdma_cyclic_hold", "rmmod-oxdma_cyclic_hold"])
    assert results.get("no-dreq-served-after-stop", (True,))[0] is False, results
    assert results.get("no-callback-after-stop", (True,))[0] is False, results
    assert results.get("ring-unwritten-after-terminate", (False,))[0] is True, results
