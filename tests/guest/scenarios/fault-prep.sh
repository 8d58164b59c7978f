# Allocation-failure injection on the DMA prep and submit paths of the
# provider of "oxdma.provider=", in its real client's context, the SPI
# driver of "oxdma.spi=": spidev's ioctl runs the SPI message in the
# calling task (spi_sync pushes it through an idle queue itself), so the
# SPI driver prepares its DMA descriptors there. For N = 1, 2, ... the N-th slab allocation of a
# 4096-byte loopback transfer fails (spidev-loop arms /proc/self/fail-nth
# around its ioctl) until the transfer makes fewer than N allocations.
# Every failed transfer must end with an errno, never with wrong data; the
# loopback then works, no descriptor is left allocated, and the host checks
# kmemleak's report after everything is unloaded.
step sdhost-off sh -c 'echo none > /sys/bus/platform/devices/3f202000.mmc/driver_override'
failslab_arm
load_provider
load_spi
step insmod-spidev insmod /lib/modules/intree/spidev.ko bufsiz=65536
step bind-spidev sh -c 'echo spidev > /sys/bus/spi/devices/spi0.1/driver_override &&
	echo spi0.1 > /sys/bus/spi/drivers/spidev/bind'
step spidev-appears wait_for /dev/spidev0.1 50
step loop-before spidev-loop /dev/spidev0.1 0 4096
echo clear > /sys/kernel/debug/kmemleak

n=1
failed=0
while [ "$n" -le 1000 ]; do
	spidev-loop /dev/spidev0.1 0 4096 $n > /tmp/out 2>&1
	rc=$?
	left=$(sed -n 's/^fail-nth left //p' /tmp/out)
	if [ "$rc" != 0 ]; then
		failed=$((failed + 1))
		say "fault-prep: n=$n $(grep -v '^fail-nth left' /tmp/out)"
	elif [ "${left:-0}" -gt 0 ]; then
		break
	fi
	n=$((n + 1))
done
say "fault-prep: $failed transfers failed by injection; the transfer at n=$n made no more allocations than n-1"
say "spi count_transfer_dma $(cat $spi_debugfs/count_transfer_dma)"
step loop-after spidev-loop /dev/spidev0.1 0 4096
step rmmod-spidev rmmod spidev
step rmmod-spi rmmod "$spi_mod"
# With the client gone (it keeps reusable descriptors while bound).
say "dmaengine summary after the injections:"
show cat /sys/kernel/debug/dmaengine/summary
step "rmmod-$provider_mod" rmmod "$provider_mod"
sleep 6
kmemleak_report
