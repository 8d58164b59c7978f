# Helpers for guest scenarios; sourced by init.
#
# Everything the host parses goes through the kernel log (/dev/kmsg), so it
# never interleaves mid-line with kernel messages on the shared console
# (the kernel runs with printk.devkmsg=on: no rate limit).
#
# Markers: "oxdma: scenario NAME begin|end", and per check
#          "oxdma: result <scenario>/<step> ok|fail [detail]".

# say TEXT: one "oxdma: TEXT" line in the kernel log.
say() {
	echo "oxdma: $*" > /dev/kmsg
}

# Copies file $1 to the kernel log, each line as "oxdma: | LINE".
log_file() {
	while IFS= read -r line; do
		echo "oxdma: | $line" > /dev/kmsg
	done < "$1"
}

# show CMD [ARGS...]: run CMD and copy its output to the kernel log.
show() {
	"$@" > /tmp/.out 2>&1
	log_file /tmp/.out
}

# step NAME CMD [ARGS...]: run CMD (output logged), then its result marker.
step() {
	_name=$1
	shift
	"$@" > /tmp/.out 2>&1
	_rc=$?
	log_file /tmp/.out
	if [ "$_rc" -eq 0 ]; then
		say "result $scenario/$_name ok"
	else
		say "result $scenario/$_name fail (exit $_rc)"
	fi
}

# wait_until TENTHS CMD [ARGS...]: run CMD every 0.1 s until it succeeds,
# for up to TENTHS tenths of a second; its status then.
wait_until() {
	_n=$1
	shift
	until "$@"; do
		[ "$_n" -gt 0 ] || return 1
		sleep 0.1
		_n=$((_n - 1))
	done
}

# wait_for PATH [TENTHS]: wait up to TENTHS tenths of a second (default 50)
# for PATH to exist.
wait_for() {
	wait_until "${2:-50}" test -e "$1"
}

# wait_for_disk DEV [TENTHS]: wait up to TENTHS tenths of a second (default
# 50) for block device DEV to open and read. Its node appears in device_add()
# before add_disk() makes the disk live (bdev_add(), block/genhd.c): an open
# in between fails with ENXIO. udev waits for the disk's "add" uevent; we
# have no udev, so we wait for a read to succeed.
wait_for_disk() {
	wait_until "${2:-50}" dd if="$1" of=/dev/null bs=512 count=1 2>/dev/null
}

# dmatest_all ITERATIONS: the kernel's dmatest (memcpy, data verified) on
# every channel in /sys/class/dma; it prints its summaries to the kernel log.
dmatest_all() {
	step insmod-dmatest insmod /lib/modules/intree/dmatest.ko
	_p=/sys/module/dmatest/parameters
	echo 2000 > $_p/timeout
	echo "$1" > $_p/iterations
	for _ch in $(ls /sys/class/dma); do
		echo "$_ch" > $_p/channel
	done
	echo 1 > $_p/run
	cat $_p/wait > /dev/null
	step rmmod-dmatest rmmod dmatest
}

# arg NAME: the value of "oxdma.NAME=VALUE" on the kernel command line.
arg() {
	sed -n "s/.*oxdma\.$1=\([^ ]*\).*/\1/p" /proc/cmdline
}

# load_provider: load the BCM2835 DMA provider named by "oxdma.provider="
# (c: the in-tree bcm2835-dma, rust: oxdma_bcm2835 (default)); checks that
# the other one is not loaded. Sets $provider_mod to the module name.
load_provider() {
	case "$(arg provider)" in
	c)
		step rust-provider-absent sh -c '! grep -q "^oxdma_bcm2835 " /proc/modules'
		provider_mod=bcm2835_dma
		step insmod-bcm2835-dma insmod /lib/modules/intree/bcm2835-dma.ko
		;;
	*)
		step c-driver-absent sh -c '! grep -q "^bcm2835_dma " /proc/modules'
		provider_mod=oxdma_bcm2835
		step insmod-oxdma_bcm2835 insmod /lib/modules/oxdma/oxdma_bcm2835.ko
		;;
	esac
}

# load_spi: load the SPI0 controller driver named by "oxdma.spi=" (c: the
# in-tree spi-bcm2835 (default), rust: oxdma_spi); checks that the other one
# is not loaded. Sets $spi_mod and $spi_debugfs (its counters' directory).
load_spi() {
	case "$(arg spi)" in
	rust)
		step c-spi-absent sh -c '! grep -q "^spi_bcm2835 " /proc/modules'
		spi_mod=oxdma_spi
		spi_debugfs=/sys/kernel/debug/oxdma_spi-3f204000.spi
		step insmod-spi insmod /lib/modules/oxdma/oxdma_spi.ko
		;;
	*)
		step rust-spi-absent sh -c '! grep -q "^oxdma_spi " /proc/modules'
		spi_mod=spi_bcm2835
		spi_debugfs=/sys/kernel/debug/spi-bcm2835-3f204000.spi
		step insmod-spi insmod /lib/modules/intree/spi-bcm2835.ko
		;;
	esac
}

# load_flash: the MTD stack over the SPI flash (spi-nor, mtdblock), then
# waits for /dev/mtd0.
load_flash() {
	for m in mtd spi-nor mtd_blkdevs mtdblock; do
		step "insmod-$m" insmod "/lib/modules/intree/$m.ko"
	done
	step mtd0-appears wait_for /dev/mtd0 100
}

# unload_flash: the MTD stack, the SPI driver and the DMA provider, in
# that order.
unload_flash() {
	for m in mtdblock mtd_blkdevs spi-nor; do
		step "rmmod-$m" rmmod "$m"
	done
	step rmmod-spi rmmod "$spi_mod"
	step rmmod-mtd rmmod mtd
	step "rmmod-$provider_mod" rmmod "$provider_mod"
}

# spi_counters: the SPI driver's transfer counts per mode.
spi_counters() {
	for c in dma polling irq; do
		say "spi count_transfer_$c $(cat $spi_debugfs/count_transfer_$c)"
	done
}

# failslab_arm: slab-allocation failure injection armed for the tasks that
# ask for it through /proc/<pid>/fail-nth (probability 100, which also
# switches on failslab's static key; sleeping allocations included).
# Page allocations are left alone: their failures print allocation
# warnings with a stack dump by design.
failslab_arm() {
	_fi=/sys/kernel/debug
	echo Y > $_fi/failslab/task-filter
	echo 100 > $_fi/failslab/probability
	echo -1 > $_fi/failslab/times
	echo N > $_fi/failslab/ignore-gfp-wait
	echo 0 > $_fi/failslab/verbose
	echo 10 > $_fi/fail_page_alloc/min-order
}

# kmemleak_report: two scans, then the report between markers the host
# parses ("kmemleak report begin/end").
kmemleak_report() {
	echo scan > /sys/kernel/debug/kmemleak
	echo scan > /sys/kernel/debug/kmemleak
	say "kmemleak report begin"
	show cat /sys/kernel/debug/kmemleak
	say "kmemleak report end"
}
