# Allocation-failure injection on the Rust provider's probe path: bind the
# DMA controller with the N-th slab allocation of the binding task failing
# (/proc/self/fail-nth with failslab; sleeping allocations included), for
# N = 1, 2, ... until the bind makes fewer than N allocations. Every failed
# bind must give an errno and leave no DMA device; the provider then works,
# and once it is unbound the host checks kmemleak's report.
step sdhost-off sh -c 'echo none > /sys/bus/platform/devices/3f202000.mmc/driver_override'
failslab_arm
step insmod-oxdma_bcm2835 insmod /lib/modules/oxdma/oxdma_bcm2835.ko
drv=/sys/bus/platform/drivers/oxdma_bcm2835
dev=3f007000.dma-controller
step unbind-provider sh -c "echo $dev > $drv/unbind"
echo clear > /sys/kernel/debug/kmemleak

# One bind per N. The N-th allocation may fail where the kernel copes
# (then the bind succeeds and is undone); the loop ends at the first N the
# bind does not reach (fail-nth still counting down after it).
n=1
failed=0
while [ "$n" -le 3000 ]; do
	sh -c "echo $n > /proc/self/fail-nth; echo $dev > $drv/bind; rc=\$?;
	       read left < /proc/self/fail-nth; echo 0 > /proc/self/fail-nth;
	       echo \"\$rc \${left:-0}\" > /tmp/res" 2> /tmp/err
	read rc left < /tmp/res
	if [ "$rc" != 0 ]; then
		failed=$((failed + 1))
		say "fault-probe: n=$n bind failed: $(tail -n 1 /tmp/err)"
		if [ -n "$(ls /sys/class/dma)" ] || [ -e "$drv/$dev" ]; then
			say "result fault-probe/nothing-left-after-n$n fail"
		fi
	elif [ "$left" -gt 0 ]; then
		break
	else
		echo $dev > $drv/unbind
	fi
	n=$((n + 1))
done
say "fault-probe: $failed binds failed by injection; the bind at n=$n made no more allocations than n-1"
step bound sh -c "[ -e $drv/$dev ] && [ -n \"\$(ls /sys/class/dma)\" ]"
dmatest_all 5
step unbind-after sh -c "echo $dev > $drv/unbind"
step rmmod-oxdma_bcm2835 rmmod oxdma_bcm2835
sleep 6
kmemleak_report
