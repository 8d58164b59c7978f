# The Rust BCM2835 provider on a wrong DT: probe must fail (with a message
# the host checks), register nothing, and the module must unload.
step insmod-oxdma_bcm2835 insmod /lib/modules/oxdma/oxdma_bcm2835.ko
step no-dma-device sh -c '[ -z "$(ls /sys/class/dma)" ]'
step rmmod-oxdma_bcm2835 rmmod oxdma_bcm2835
