# The emulator's cross-check: the in-tree C driver (bcm2835-dma) runs the
# kernel's dmatest, data verified, on every channel, with dmatest's default
# alignment (the driver's copy_align: none, so odd lengths and offsets).
# The SD host is kept off the channels.
step sdhost-off sh -c 'echo none > /sys/bus/platform/devices/3f202000.mmc/driver_override'
step rust-provider-absent sh -c '! grep -q "^oxdma_bcm2835 " /proc/modules'
step insmod-bcm2835-dma insmod /lib/modules/intree/bcm2835-dma.ko
show ls /sys/class/dma
dmatest_all 50
say "dmaengine summary:"
show cat /sys/kernel/debug/dmaengine/summary
step rmmod-bcm2835-dma rmmod bcm2835_dma
