# The Rust provider serving three clients at once: the in-tree SD host
# (DREQ 13) and spi-bcm2835 + spi-nor on the SPI flash (DREQ 6/7) each
# write random data and read it back in a loop, while dmatest runs memcpy
# on every channel nobody holds. The loops run until dmatest is done; each
# reports its rounds and mismatches, and the host checks the last data
# written into both image files.
load_provider
step mmcblk0-appears wait_for_disk /dev/mmcblk0 100
for m in spi-bcm2835 mtd spi-nor mtd_blkdevs mtdblock; do
	step "insmod-$m" insmod "/lib/modules/intree/$m.ko"
done
step mtd0-appears wait_for /dev/mtd0 100
rm -f /tmp/stop

# round_trip NAME DEV-WRITE DEV-READ SKIP: 1 MiB of random data written at
# SKIP (64 KiB blocks) and read back, until /tmp/stop exists.
round_trip() {
	_r=0
	_bad=0
	while [ ! -e /tmp/stop ] || [ "$_r" = 0 ]; do
		dd if=/dev/urandom of=/tmp/$1 bs=64k count=16 2>/dev/null
		dd if=/tmp/$1 of=$2 bs=64k seek=$4 conv=fsync 2>/dev/null
		echo 3 > /proc/sys/vm/drop_caches
		[ "$(dd if=$3 bs=64k skip=$4 count=16 2>/dev/null | md5sum)" = \
		  "$(md5sum < /tmp/$1)" ] || _bad=$((_bad + 1))
		_r=$((_r + 1))
	done
	say "concurrent $1 rounds $_r mismatches $_bad last md5 $(md5sum < /tmp/$1 | cut -d' ' -f1)"
}
round_trip sd /dev/mmcblk0 /dev/mmcblk0 128 &
sd=$!
round_trip flash /dev/mtdblock0 /dev/mtd0 0 &
flash=$!

step insmod-dmatest insmod /lib/modules/intree/dmatest.ko
p=/sys/module/dmatest/parameters
echo 2000 > $p/timeout
echo 100 > $p/iterations
n=0
for ch in $(ls /sys/class/dma); do
	[ "$(cat /sys/class/dma/$ch/in_use)" = 1 ] && continue
	echo "$ch" > $p/channel
	n=$((n + 1))
done
say "dmatest channels: $n"
echo 1 > $p/run
cat $p/wait > /dev/null
step rmmod-dmatest rmmod dmatest
touch /tmp/stop
wait $sd $flash
say "spi count_transfer_dma $(cat /sys/kernel/debug/spi-bcm2835-3f204000.spi/count_transfer_dma)"
say "dmaengine summary:"
show cat /sys/kernel/debug/dmaengine/summary
for m in mtdblock mtd_blkdevs spi-nor spi-bcm2835 mtd; do
	step "rmmod-$m" rmmod "$m"
done
step unbind-sdhost sh -c 'echo 3f202000.mmc > /sys/bus/platform/drivers/sdhost-bcm2835/unbind'
step "rmmod-$provider_mod" rmmod "$provider_mod"
