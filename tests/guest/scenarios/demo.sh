# The main job: show the Pi 3 running our modules.
say "kernel $(uname -r) on $(tr -d '\0' < /proc/device-tree/model)"
step insmod-oxdma_softdma insmod /lib/modules/oxdma/oxdma_softdma.ko
say "dmaengine channels (/sys/class/dma):"
show ls /sys/class/dma
say "dmatest: 20 verified memcpy transfers on every channel"
insmod /lib/modules/intree/dmatest.ko
p=/sys/module/dmatest/parameters
echo 20 > $p/iterations
for ch in $(ls /sys/class/dma); do
	echo "$ch" > $p/channel
done
echo 1 > $p/run
cat $p/wait >/dev/null
rmmod dmatest
say "KUnit suites (consumer API against the software engine):"
step insmod-oxdma_kunit insmod /lib/modules/oxdma/oxdma_kunit.ko
say "dmaengine summary:"
show cat /sys/kernel/debug/dmaengine/summary
