# The kernel's dmatest, with data verification, on every channel of the
# software DMA engine. dmatest prints its summaries to the kernel log.
step insmod-oxdma_softdma insmod /lib/modules/oxdma/oxdma_softdma.ko
show ls /sys/class/dma
step insmod-dmatest insmod /lib/modules/intree/dmatest.ko
p=/sys/module/dmatest/parameters
echo 2000 > $p/timeout
echo 100 > $p/iterations
for ch in $(ls /sys/class/dma); do
	echo "$ch" > $p/channel
done
echo 1 > $p/run
cat $p/wait >/dev/null
step rmmod-dmatest rmmod dmatest
step rmmod-oxdma_softdma rmmod oxdma_softdma
