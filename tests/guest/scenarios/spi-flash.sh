# The SPI NOR flash on SPI0 chip select 0 through the SPI driver of
# "oxdma.spi=" and spi-nor, on the DMA provider of "oxdma.provider=".
# The host filled the flash image with a known pattern: read the JEDEC ID
# spi-nor found and 1 MiB of the pattern, erase the second MiB (read back
# as all 0xff), then write 1 MiB of random data (mtdblock erases as it
# writes), read it back, and report the md5s and the SPI driver's transfer
# counters. With the DT's dmas removed the same runs in polling/interrupt
# mode; with "oxdma.order=spi-first" the SPI driver is loaded first.
step sdhost-off sh -c 'echo none > /sys/bus/platform/devices/3f202000.mmc/driver_override'
if [ "$(arg order)" = spi-first ]; then
	# The SPI driver first: its probe defers until the provider is bound.
	load_spi
	step spi-deferred sh -c 'grep -q 3f204000.spi /sys/kernel/debug/devices_deferred'
	load_provider
	step spi-bound wait_for /sys/bus/platform/devices/3f204000.spi/driver 100
else
	load_provider
	load_spi
fi
load_flash
show cat /proc/mtd
say "flash jedec_id $(cat /sys/bus/spi/devices/spi0.0/spi-nor/jedec_id)"
say "flash-read md5 $(dd if=/dev/mtd0 bs=64k count=16 2>/dev/null | md5sum | cut -d' ' -f1)"
step flash-erase mtd-erase /dev/mtd0 1048576 1048576
step flash-erased sh -c '[ "$(dd if=/dev/mtd0 bs=64k skip=16 count=16 2>/dev/null | md5sum)" = \
	"$(dd if=/dev/zero bs=64k count=16 2>/dev/null | tr "\000" "\377" | md5sum)" ]'
dd if=/dev/urandom of=/tmp/w bs=64k count=16 2>/dev/null
say "flash-write md5 $(md5sum < /tmp/w | cut -d' ' -f1)"
step flash-write dd if=/tmp/w of=/dev/mtdblock0 bs=64k conv=fsync
echo 3 > /proc/sys/vm/drop_caches
step flash-readback sh -c '[ "$(dd if=/dev/mtd0 bs=64k count=16 2>/dev/null | md5sum)" = "$(md5sum < /tmp/w)" ]'
spi_counters
say "dmaengine summary:"
show cat /sys/kernel/debug/dmaengine/summary
unload_flash
