# Shared settings for the oxdma scripts; sourced, not run.
#
# OXDMA_CACHE   where the kernel source, kernel build and venv live
#               (default: $XDG_CACHE_HOME/oxdma or ~/.cache/oxdma)
# OXDMA_KERNEL  which emulator kernel: "debug" (default; make check, make
#               demo: KASAN, lockdep, kmemleak, DMA-API debug, the checkers
#               the tests rely on) or "bench" (make bench: the same kernel
#               without them, scripts/kconfig/bench.config, as boards run
#               it, so that the checkers' cost does not swamp the drivers')
# KDIR          a kernel build directory to build the modules against
#               (default: the cached emulator kernel)

OXDMA_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OXDMA_CACHE=${OXDMA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/oxdma}
LLVM_VERSION=${LLVM_VERSION:-22}

# The newest installed linux-source-7.x tarball (7.3 preferred).
oxdma_kernel_tarball() {
	local t=/usr/src/linux-source-7.3.tar.xz
	[ -f "$t" ] || t=$(ls /usr/src/linux-source-7.*.tar.xz 2>/dev/null | sort -V | tail -n 1)
	echo "$t"
}

KVER=$(basename "$(oxdma_kernel_tarball)" .tar.xz)
KVER=${KVER#linux-source-}
KSRC=$OXDMA_CACHE/linux-source-$KVER
OXDMA_KERNEL=${OXDMA_KERNEL:-debug}
case $OXDMA_KERNEL in
debug)	KBUILD=$OXDMA_CACHE/build-$KVER
	KFRAGS=(debug oxdma)
	# Where the modules are built: in the clone (M=); for the bench kernel
	# in a copy of its sources (bindgen's output depends on the kernel).
	MODOUT=$OXDMA_ROOT
	INITRD=$OXDMA_ROOT/out/initramfs.cpio.gz ;;
bench)	KBUILD=$OXDMA_CACHE/build-$KVER-bench
	KFRAGS=(oxdma bench)
	MODOUT=$OXDMA_ROOT/out/bench-src
	INITRD=$OXDMA_ROOT/out/initramfs-bench.cpio.gz ;;
*)	echo "OXDMA_KERNEL=$OXDMA_KERNEL: expected debug or bench" >&2; exit 2 ;;
esac
KDIR=${KDIR:-$KBUILD}

# The kernel's Rust build needs the distro Rust 1.96 (rustc-web, with
# rust-src, clippy and rustfmt of the same version), not the rustup one on
# PATH, and bindgen from cargo.
RUSTFMT=/usr/bin/rustfmt
KMAKE=(make ARCH=arm64 "LLVM=-$LLVM_VERSION" RUSTC=/usr/bin/rustc
       RUSTDOC=/usr/bin/rustdoc CLIPPY_DRIVER=/usr/bin/clippy-driver
       "RUSTFMT=$RUSTFMT" "BINDGEN=${CARGO_HOME:-$HOME/.cargo}/bin/bindgen")

# The project's emulator (scripts/build-qemu): Debian's QEMU source with
# qemu/patches/, built in the cache. OXDMA_QEMU runs the guest on another
# build instead (an experiment on the model).
QEMU_DIR=$OXDMA_CACHE/qemu
# Its configure options: aarch64 only, the minimal feature set.
QEMU_CONFIGURE=(--python=/usr/bin/python3 --target-list=aarch64-softmmu
		--without-default-features --enable-fdt=system --enable-pixman
		--disable-docs --disable-werror --disable-download
		--disable-install-blobs)
QEMU=${OXDMA_QEMU:-$QEMU_DIR/build/qemu-system-aarch64}
