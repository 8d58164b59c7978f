# The kernel's dmatest, with data verification, on every channel of the
# software DMA engine. dmatest prints its summaries to the kernel log.
step insmod-oxdma_softdma insmod /lib/modules/oxdma/oxdma_softdma.ko
show ls /sys/class/dma
dmatest_all 100
step rmmod-oxdma_softdma rmmod oxdma_softdma
