# Run the oxdma KUnit suites; KTAP goes to the kernel log for kunit.py
# parse. The consumer suites need the software DMA engine and the Rust
# BCM2835 provider (the C driver is not loaded; the SD host is kept off
# its channels). No SPI driver is loaded: the BCM2835 suite reserves
# SPI0's registers itself, as a DREQ-paced FIFO.
step sdhost-off sh -c 'echo none > /sys/bus/platform/devices/3f202000.mmc/driver_override'
step c-driver-absent sh -c '! grep -q "^bcm2835_dma " /proc/modules'
step insmod-oxdma_bcm2835 insmod /lib/modules/oxdma/oxdma_bcm2835.ko
step insmod-oxdma_softdma insmod /lib/modules/oxdma/oxdma_softdma.ko
step insmod-oxdma_kunit insmod /lib/modules/oxdma/oxdma_kunit.ko
say "dmaengine summary after the suites:"
show cat /sys/kernel/debug/dmaengine/summary
step rmmod-oxdma_kunit rmmod oxdma_kunit
step rmmod-oxdma_softdma rmmod oxdma_softdma
step rmmod-oxdma_bcm2835 rmmod oxdma_bcm2835
