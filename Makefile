# SPDX-License-Identifier: GPL-2.0
#
# oxdma: out-of-tree Rust dmaengine modules for the Raspberry Pi 3.
#
#   make demo      boot the emulated Pi 3, load the modules, show them working
#   make check     set up, build the kernel and modules, run every test
#   make bench     Rust vs C: BCM2835 DMA drivers (dmatest) and the SPI flash
#                  path ({C,Rust} SPI x {C,Rust} DMA, DMA vs PIO), -icount,
#                  on the bench kernel (no debug checkers, OXDMA_KERNEL=bench)
#   make setup | kernel | qemu | modules | initramfs | clean
#
# Build against another kernel (a real board's Rust-enabled build tree):
#   make modules KDIR=/path/to/kernel/build [ARCH=arm64 LLVM=1 ...]
#
# When Kbuild includes this file from the kernel tree (M=...), only the
# Kbuild part below matters.

ifneq ($(KERNELRELEASE),)
include $(src)/Kbuild
else

SCRIPTS := $(CURDIR)/scripts

.PHONY: all setup kernel qemu modules initramfs demo check bench clean

all: modules

setup:
	@$(SCRIPTS)/setup

kernel: setup
	@$(SCRIPTS)/build-kernel

# The emulator: Debian's QEMU source with qemu/patches/ (cached).
qemu: setup
	@$(SCRIPTS)/build-qemu

modules: $(if $(KDIR),,kernel)
	@$(SCRIPTS)/build-modules

# The guest: initramfs and the board DTB (dts/).
initramfs: modules
	@$(SCRIPTS)/build-dtb
	@$(SCRIPTS)/mkinitramfs

demo: initramfs qemu
	@$(SCRIPTS)/demo

check: initramfs qemu
	@$(SCRIPTS)/run-tests

# The kernel, modules and initramfs of the bench kernel, then the benches.
bench: qemu
	@$(MAKE) --no-print-directory OXDMA_KERNEL=bench initramfs
	@OXDMA_KERNEL=bench $(SCRIPTS)/bench-provider
	@OXDMA_KERNEL=bench $(SCRIPTS)/bench-spi

# Only the clone's build products; the kernel cache outside it is kept.
clean:
	@$(SCRIPTS)/build-modules clean
	rm -rf out

endif
