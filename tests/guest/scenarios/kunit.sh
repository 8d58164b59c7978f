# Run the oxdma KUnit suites; KTAP goes to the kernel log for kunit.py
# parse. The consumer suites need the software DMA engine.
step insmod-oxdma_softdma insmod /lib/modules/oxdma/oxdma_softdma.ko
step insmod-oxdma_kunit insmod /lib/modules/oxdma/oxdma_kunit.ko
say "dmaengine summary after the suites:"
show cat /sys/kernel/debug/dmaengine/summary
step rmmod-oxdma_kunit rmmod oxdma_kunit
step rmmod-oxdma_softdma rmmod oxdma_softdma
