# Allocation-failure injection on the Rust provider's probe path: bind the
# DMA controller with the N-th slab allocation of the binding task failing
# (/proc/self/fail-nth with failslab; sleeping allocations included), for
# N = 1, 2, ... until a bind succeeds. Every failed bind must give an errno
# and leave no DMA device; the provider then works, and kmemleak finds
# nothing once it is unbound.
step sdhost-off sh -c 'echo none > /sys/bus/platform/devices/3f202000.mmc/driver_override'
fi=/sys/kernel/debug
echo N > $fi/failslab/ignore-gfp-wait
echo 0 > $fi/failslab/verbose
# Page allocations are left alone: their failures print allocation
# warnings with a stack dump by design.
echo 10 > $fi/fail_page_alloc/min-order
step insmod-oxdma_bcm2835 insmod /lib/modules/oxdma/oxdma_bcm2835.ko
drv=/sys/bus/platform/drivers/oxdma_bcm2835
dev=3f007000.dma-controller
step unbind-provider sh -c "echo $dev > $drv/unbind"
echo clear > $fi/kmemleak

n=1
failed=0
while [ "$n" -le 500 ]; do
	if sh -c "echo $n > /proc/self/fail-nth && echo $dev > $drv/bind" 2> /tmp/err; then
		break
	fi
	failed=$((failed + 1))
	say "fault-probe: n=$n bind failed: $(tail -n 1 /tmp/err)"
	if [ -n "$(ls /sys/class/dma)" ] || [ -e "$drv/$dev" ]; then
		say "result fault-probe/nothing-left-after-n$n fail"
	fi
	n=$((n + 1))
done
say "fault-probe: $failed injected failures; bind succeeded at n=$n"
step bound sh -c "[ -e $drv/$dev ] && [ -n \"\$(ls /sys/class/dma)\" ]"
dmatest_all 5
step unbind-after sh -c "echo $dev > $drv/unbind"
step rmmod-oxdma_bcm2835 rmmod oxdma_bcm2835
sleep 6
echo scan > $fi/kmemleak
echo scan > $fi/kmemleak
show cat $fi/kmemleak
step kmemleak-clean sh -c "[ -z \"\$(cat $fi/kmemleak)\" ]"
