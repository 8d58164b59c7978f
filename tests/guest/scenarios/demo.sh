# The main job: show the Pi 3 running our modules.
echo "== kernel: $(uname -r) on $(tr -d '\0' < /proc/device-tree/model)"
step insmod-oxdma_softdma insmod /lib/modules/oxdma/oxdma_softdma.ko
echo "== dmaengine channels (/sys/class/dma)"
ls /sys/class/dma
echo "== dmatest: 20 verified memcpy transfers on every channel"
insmod /lib/modules/intree/dmatest.ko
p=/sys/module/dmatest/parameters
echo 20 > $p/iterations
for ch in $(ls /sys/class/dma); do
	echo "$ch" > $p/channel
done
echo 1 > $p/run
cat $p/wait >/dev/null
dmesg | grep "dmatest: .*summary" | sed 's/^\[[^]]*\] //'
rmmod dmatest
echo "== KUnit suites (consumer API against the software engine)"
step insmod-oxdma_kunit insmod /lib/modules/oxdma/oxdma_kunit.ko
dmesg | grep -E "# (oxdma_[a-z0-9_]+): pass:" | sed 's/^\[[^]]*\] //'
echo "== dmaengine summary"
cat /sys/kernel/debug/dmaengine/summary
