# The main job: the Rust BCM2835 DMA provider serving real transfers on the
# emulated Pi 3 (the C drivers are not loaded) to the in-tree SD host
# driver, to oxdma_spi (the Rust SPI0 driver, our dmaengine client) with
# spi-nor on the SPI flash, and to dmatest, then the software DMA engine
# and the KUnit suites of the dmaengine abstractions.
say "kernel $(uname -r) on $(tr -d '\0' < /proc/device-tree/model)"
step c-driver-absent sh -c '! grep -q "^bcm2835_dma " /proc/modules'
step insmod-oxdma_bcm2835 insmod /lib/modules/oxdma/oxdma_bcm2835.ko
say "dmaengine channels (/sys/class/dma):"
show ls /sys/class/dma

say "in-tree client: the SD host driver reads and writes the card (DREQ 13)"
step mmcblk0-appears wait_for_disk /dev/mmcblk0 100
show dd if=/dev/mmcblk0 of=/dev/null bs=64k count=64
dd if=/dev/urandom of=/tmp/w bs=64k count=16 2>/dev/null
step sd-write dd if=/tmp/w of=/dev/mmcblk0 bs=64k conv=fsync
echo 3 > /proc/sys/vm/drop_caches
step sd-readback sh -c '[ "$(dd if=/dev/mmcblk0 bs=64k count=16 2>/dev/null | md5sum)" = "$(md5sum < /tmp/w)" ]'

say "our client: oxdma_spi + spi-nor on the SPI flash, in DMA mode (DREQ 6 tx, 7 rx)"
step insmod-oxdma_spi insmod /lib/modules/oxdma/oxdma_spi.ko
for m in mtd spi-nor mtd_blkdevs mtdblock; do
	step "insmod-$m" insmod "/lib/modules/intree/$m.ko"
done
step mtd0-appears wait_for /dev/mtd0 100
show cat /proc/mtd
say "flash found: JEDEC ID $(cat /sys/bus/spi/devices/spi0.0/spi-nor/jedec_id)," \
	"$(cat /sys/bus/spi/devices/spi0.0/spi-nor/partname)"
dd if=/dev/urandom of=/tmp/f bs=64k count=4 2>/dev/null
say "flash-write md5 $(md5sum < /tmp/f | cut -d' ' -f1)"
step flash-write dd if=/tmp/f of=/dev/mtdblock0 bs=64k conv=fsync
echo 3 > /proc/sys/vm/drop_caches
say "flash-read md5 $(dd if=/dev/mtd0 bs=64k count=4 2>/dev/null | md5sum | cut -d' ' -f1)"
step flash-readback sh -c '[ "$(dd if=/dev/mtd0 bs=64k count=4 2>/dev/null | md5sum)" = "$(md5sum < /tmp/f)" ]'
d=/sys/kernel/debug/oxdma_spi-3f204000.spi
say "oxdma_spi transfers: dma $(cat $d/count_transfer_dma)," \
	"polling $(cat $d/count_transfer_polling), irq $(cat $d/count_transfer_irq)"
say "channels: oxdma_spi holds two, on request lines 6 and 7"
show cat /sys/kernel/debug/dmaengine/summary
for m in mtdblock mtd_blkdevs spi-nor; do
	step "rmmod-$m" rmmod "$m"
done
step rmmod-oxdma_spi rmmod oxdma_spi

say "dmatest: 20 verified memcpy transfers on every free channel"
dmatest_all 20
say "dmaengine summary (completed transfers per channel):"
show cat /sys/kernel/debug/dmaengine/summary

say "software DMA engine + KUnit suites of the abstractions:"
step insmod-oxdma_softdma insmod /lib/modules/oxdma/oxdma_softdma.ko
step insmod-oxdma_kunit insmod /lib/modules/oxdma/oxdma_kunit.ko
