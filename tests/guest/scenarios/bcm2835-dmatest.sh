# The kernel's dmatest, with data verification, on every channel of the
# Rust BCM2835 provider; then the SD host takes a channel, and the provider
# is unbound, rebound and unloaded. The C driver is not loaded.
step c-driver-absent sh -c '! grep -q "^bcm2835_dma " /proc/modules'
# The SD host (probe deferred until a provider appears) waits until later.
sdhost_dev=/sys/bus/platform/devices/3f202000.mmc
step sdhost-off sh -c "echo none > $sdhost_dev/driver_override"
step insmod-oxdma_bcm2835 insmod /lib/modules/oxdma/oxdma_bcm2835.ko
show ls /sys/class/dma
dmatest_all 50

sdhost=/sys/bus/platform/drivers/sdhost-bcm2835
ours=/sys/bus/platform/drivers/oxdma_bcm2835
step sdhost-on sh -c "echo > $sdhost_dev/driver_override && echo 3f202000.mmc > $sdhost/bind"
# The SD host holds a channel: release it before the provider goes away.
step unbind-sdhost sh -c "echo 3f202000.mmc > $sdhost/unbind"
step unbind-provider sh -c "echo 3f007000.dma-controller > $ours/unbind"
step rebind-provider sh -c "echo 3f007000.dma-controller > $ours/bind"
step rebind-sdhost sh -c "echo 3f202000.mmc > $sdhost/bind"
say "dmaengine summary after rebind:"
show cat /sys/kernel/debug/dmaengine/summary
step unbind-sdhost-again sh -c "echo 3f202000.mmc > $sdhost/unbind"
step rmmod-oxdma_bcm2835 rmmod oxdma_bcm2835
step no-dma-device-left sh -c '[ -z "$(ls /sys/class/dma)" ]'
