# The SPI driver of "oxdma.spi=" unbound and bound again 50 times, the
# flash in use between rounds (spi-nor probes again on each bind and its
# first 256 KiB must read the same), then the DMA provider of
# "oxdma.provider=" unbound under it: oxdma_spi links itself to the DMA
# controller (a device link; fw_devlink makes none for "dmas"), so the
# driver core unbinds the SPI controller first. The provider is bound again, then SPI0 (if the core
# did not), and the flash must read the same, through DMA.
step sdhost-off sh -c 'echo none > /sys/bus/platform/devices/3f202000.mmc/driver_override'
load_provider
load_spi
load_flash
flash_md5() {
	dd if=/dev/mtd0 bs=64k count=4 2>/dev/null | md5sum | cut -d' ' -f1
}
ref=$(flash_md5)
say "flash md5 $ref"
drv=/sys/bus/platform/drivers/$spi_mod
[ "$spi_mod" = spi_bcm2835 ] && drv=/sys/bus/platform/drivers/spi-bcm2835
spi=/sys/bus/platform/devices/3f204000.spi
r=1
fails=0
while [ "$r" -le 50 ]; do
	echo 3f204000.spi > $drv/unbind || fails=$((fails + 1))
	[ -e /dev/mtd0 ] && fails=$((fails + 1))
	echo 3f204000.spi > $drv/bind || fails=$((fails + 1))
	wait_for /dev/mtd0 100 || fails=$((fails + 1))
	[ "$(flash_md5)" = "$ref" ] || fails=$((fails + 1))
	r=$((r + 1))
done
say "rebind rounds $((r - 1)) failures $fails"
step rebind-50 [ "$fails" -eq 0 ]
spi_counters
pdrv=/sys/bus/platform/drivers/$provider_mod
[ "$provider_mod" = bcm2835_dma ] && pdrv=/sys/bus/platform/drivers/bcm2835-dma
step unbind-provider sh -c "echo 3f007000.dma-controller > $pdrv/unbind"
step spi-unbound-with-it sh -c "[ ! -e $spi/driver ] && [ ! -e /dev/mtd0 ]"
step bind-provider sh -c "echo 3f007000.dma-controller > $pdrv/bind"
sleep 0.5
[ -e $spi/driver ] || echo 3f204000.spi > $drv/bind
step spi-bound-again wait_for $spi/driver 50
step mtd0-again wait_for /dev/mtd0 100
step flash-reads-the-same sh -c "[ \"\$(dd if=/dev/mtd0 bs=64k count=4 2>/dev/null | md5sum | cut -d' ' -f1)\" = $ref ]"
spi_counters
say "dmaengine summary:"
show cat /sys/kernel/debug/dmaengine/summary
unload_flash
