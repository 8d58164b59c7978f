# SPDX-License-Identifier: GPL-2.0
"""oxdma_spi, the Rust SPI0 controller driver and dmaengine client, on the
emulated Pi 3 with the C spi-bcm2835 not loaded: the SPI flash in DMA and in
PIO mode, with deferred probe, against both DMA providers (and the C SPI
driver against both, completing the 2 x 2 matrix), spidev on the loopback
peripheral, and unbind/bind under load."""

import re

import pytest

from guest import run_scenario
from test_bcm2835 import prep_fault_injection
from test_emulator import board_dtb_with, flash_round_trip, spidev_loopback, without_spi_dmas


@pytest.mark.parametrize("spi", ["c", "rust"])
@pytest.mark.parametrize("provider", ["c", "rust"])
def test_flash_round_trip_in_dma_mode(spi, provider, tmp_path):
    """{C, Rust} SPI driver x {C, Rust} DMA provider: the flash's JEDEC ID,
    1 MiB read, an erase and 1 MiB written, md5s checked in the guest and
    in the image file, with DMA transfers counted and no fallback to PIO."""
    counts, run = flash_round_trip(tmp_path, provider, spi=spi)
    log = run.scenario_log()
    assert "not using DMA mode" not in log, "the SPI driver refused the provider's DMA"
    assert counts["dma"] > 0, counts


def test_rust_spi_flash_without_dmas_in_pio_mode(tmp_path):
    """No dmas in the DT: oxdma_spi says why it runs without DMA, in one
    line, and the flash round trip passes in polling and interrupt mode."""
    counts, run = flash_round_trip(tmp_path, "rust", dtb=without_spi_dmas(tmp_path),
                                   name="spi-flash-pio", spi="rust")
    assert counts["dma"] == 0 and counts["polling"] > 0 and counts["irq"] > 0, counts
    why = [line for line in run.scenario_log().splitlines() if "not using DMA mode" in line]
    assert len(why) == 1 and "oxdma_spi 3f204000.spi: no DMA channels in the DT" in why[0], why


def test_rust_spi_native_chip_select_driven_as_gpio(tmp_path):
    """Without cs-gpios in the DT, oxdma_spi drives the native chip select
    CE0 as its GPIO (as spi-bcm2835 does, so that it stays asserted across
    the transfers of a message), active low, and the flash round trip
    passes in DMA mode. (spi-bcm2835 of this kernel fails here: its GPIO
    lookup leaves the line active high, so the flash is selected only
    between transfers and its JEDEC ID reads as zeros.)"""
    dtb = board_dtb_with(tmp_path, "native-cs", "&spi {\n\t/delete-property/ cs-gpios;\n};\n")
    counts, run = flash_round_trip(tmp_path, "rust", dtb=dtb, name="spi-flash-native-cs",
                                   spi="rust")
    assert "spi0.0: setting up native-CS0 to use GPIO" in run.scenario_log()
    assert counts["dma"] > 0, counts


def test_rust_spi_probe_defers_until_the_provider_is_bound(tmp_path):
    """oxdma_spi loaded before the provider: its probe defers (EPROBE_DEFER
    passed through, no message), then binds with DMA once the provider is
    bound, and the flash round trip runs in DMA mode."""
    counts, run = flash_round_trip(tmp_path, "rust", name="spi-flash-deferred", spi="rust",
                                   append="oxdma.order=spi-first")
    run.check(expect_steps=["spi-deferred", "insmod-oxdma_bcm2835", "spi-bound"])
    assert counts["dma"] > 0, counts
    assert "not using DMA mode" not in run.scenario_log()


@pytest.mark.parametrize("provider", ["c", "rust"])
def test_rust_spi_spidev_loopback_every_mode_and_odd_lengths(provider):
    spidev_loopback("rust", provider)


def test_rust_spi_rebind_50_times_then_provider_unbound_under_it(tmp_path):
    """50 unbind/bind rounds of oxdma_spi with the flash read between them,
    then the provider unbound under it (the core unbinds SPI0 first) and
    bound again: the flash reads the same, through DMA, and no splat."""
    run = run_scenario("spi-rebind", timeout=600, icount=True,
                       append="oxdma.provider=rust oxdma.spi=rust", log_name="spi-rebind-rust")
    run.check(expect_steps=["rebind-50", "unbind-provider", "spi-unbound-with-it",
                            "bind-provider", "spi-bound-again", "flash-reads-the-same",
                            "rmmod-spi", "rmmod-oxdma_bcm2835"])
    log = run.scenario_log()
    assert re.search(r"rebind rounds 50 failures 0", log)
    dma = [int(n) for n in re.findall(r"spi count_transfer_dma (\d+)", log)]
    assert len(dma) == 2 and dma[1] > 0, dma


def test_rust_spi_allocation_failures_give_errno_and_later_messages_work():
    """prep_fault_injection() with oxdma_spi: every injected failure gives
    an errno, from the SPI core (ENOMEM) or from the provider refusing the
    DMA transfer (EIO, oxdma_spi's consumer API), and the messages after it
    work (the DMA-only buffers a failed submit dropped are mapped again)."""
    errnos = prep_fault_injection("rust")
    assert 5 in errnos, f"no failure reached the provider's prep (errnos {errnos})"
