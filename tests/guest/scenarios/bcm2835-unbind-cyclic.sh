# The Rust BCM2835 provider unbound while cyclic transfers run on it: a
# test module (oxdma_cyclic_hold) starts them and keeps them running; the
# provider is unbound under it; on rmmod the module reports whether the
# engine still served DMA requests or wrote memory (the host checks its
# "result" lines and scans for splats). Then the provider is bound again
# and works. "oxdma.unbind=0" skips the unbind (a control: the module
# must then see the engine still running).
step sdhost-off sh -c 'echo none > /sys/bus/platform/devices/3f202000.mmc/driver_override'
step c-driver-absent sh -c '! grep -q "^bcm2835_dma " /proc/modules'
step insmod-oxdma_bcm2835 insmod /lib/modules/oxdma/oxdma_bcm2835.ko
ours=/sys/bus/platform/drivers/oxdma_bcm2835
step insmod-oxdma_cyclic_hold insmod /lib/modules/oxdma/oxdma_cyclic_hold.ko
say "dmaengine summary with the transfers running:"
show cat /sys/kernel/debug/dmaengine/summary
if [ "$(arg unbind)" != 0 ]; then
	step unbind-provider sh -c "echo 3f007000.dma-controller > $ours/unbind"
	step no-dma-device sh -c '[ -z "$(ls /sys/class/dma)" ]'
fi
sleep 0.2
step rmmod-oxdma_cyclic_hold rmmod oxdma_cyclic_hold
if [ "$(arg unbind)" != 0 ]; then
	step rebind-provider sh -c "echo 3f007000.dma-controller > $ours/bind"
fi
dmatest_all 5
step rmmod-oxdma_bcm2835 rmmod oxdma_bcm2835
