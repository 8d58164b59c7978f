# SPI flash throughput and guest CPU cost of each SPI driver over the DMA
# provider of "oxdma.provider=", alternating the SPI drivers in one boot.
# One provider per boot: the C bcm2835-dma leaves its of_dma controller
# registered when it is removed (bcm2835_dma_remove() never calls
# of_dma_controller_free()), so after its rmmod a DT client's channel
# request calls into the unloaded module (seen: a KASAN report and an Oops
# in dma_request_chan() from spi-bcm2835's probe). Each SPI driver, per
# round: load it (spi-nor binds the flash), read "oxdma.mib=" MiB from
# /dev/mtd0 (default 16, a multiple of 8: passes over the whole 8 MiB flash),
# write "oxdma.wkib=" KiB (default 2048, a multiple of 64) through
# /dev/mtdblock0 and check them, unload. The amounts keep each phase's busy
# time above /proc/stat's 10 ms unit (the bench kernel's tickless idle
# measures it) while a boot stays within minutes on the host.
# Markers carry the CPU's busy and total time from /proc/stat (USER_HZ
# ticks) around each phase; the host takes durations from the printk
# timestamps (guest time: QEMU runs with -icount, so it follows executed
# instructions and the emulated DMA pacing, not host load).
# "oxdma.spis=c,rust" lists the SPI drivers (default: C, and the Rust one
# if built).
rounds=$(arg rounds)
mib=$(arg mib)
mib=${mib:-16}
wkib=$(arg wkib)
wkib=${wkib:-2048}
spis=$(arg spis | tr , ' ')
if [ -z "$spis" ]; then
	spis=c
	[ -e /lib/modules/oxdma/oxdma_spi.ko ] && spis="c rust"
fi
step sdhost-off sh -c 'echo none > /sys/bus/platform/devices/3f202000.mmc/driver_override'
# "oxdma.phase=N" keeps N pages in a file from the start: under -icount a
# boot replays exactly, so the runs of scripts/bench-spi would repeat one
# another; each starts at its own phase and memory layout instead (every
# later allocation, mtdchar's 64 KiB read buffers included, lands
# elsewhere), and the spread of their ratios shows how much the ratios
# move with those alone.
phase=$(arg phase)
dd if=/dev/zero of=/tmp/phase bs=4k count="${phase:-0}" 2>/dev/null
for m in mtd spi-nor mtd_blkdevs mtdblock; do
	step "insmod-$m" insmod "/lib/modules/intree/$m.ko"
done
dd if=/dev/urandom of=/tmp/w bs=64k count=$((wkib / 64)) 2>/dev/null
load_provider
dma=$(arg provider)
dma=${dma:-rust}

# cpu: "busy total" ticks of all CPUs so far (/proc/stat; idle and iowait
# are not busy).
cpu() {
	awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i;
		print t - $5 - $6, t; exit }' /proc/stat
}

# bench_spi SPI
bench_spi() {
	case $1 in
	c) smod=spi_bcm2835; sko=/lib/modules/intree/spi-bcm2835.ko ;;
	*) smod=oxdma_spi; sko=/lib/modules/oxdma/oxdma_spi.ko ;;
	esac
	tag="round $r spi $1 dma $dma"
	step "insmod-$smod-r$r" insmod $sko
	step "mtd0-r$r-$1" wait_for /dev/mtd0 100
	# Settle before timing: what the load left to run later (its init
	# memory is freed after an RCU grace period, the flash's partitions
	# are scanned) runs now, not inside one driver's read.
	sleep 1
	say "bench-spi: $tag read begin cpu $(cpu)"
	p=0
	while [ $p -lt $((mib / 8)) ]; do
		dd if=/dev/mtd0 of=/dev/null bs=64k count=128 2>/dev/null
		p=$((p + 1))
	done
	say "bench-spi: $tag read end cpu $(cpu)"
	say "bench-spi: $tag write begin cpu $(cpu)"
	dd if=/tmp/w of=/dev/mtdblock0 bs=64k conv=fsync 2>/dev/null
	say "bench-spi: $tag write end cpu $(cpu)"
	echo 3 > /proc/sys/vm/drop_caches
	step "readback-r$r-$1" sh -c \
		'[ "$(dd if=/dev/mtd0 bs=64k count=$(($(wc -c < /tmp/w) / 65536)) 2>/dev/null | md5sum)" = "$(md5sum < /tmp/w)" ]'
	for d in /sys/kernel/debug/spi-bcm2835-3f204000.spi /sys/kernel/debug/oxdma_spi*; do
		for c in "$d"/count_*; do
			[ -e "$c" ] && say "bench-spi: $tag ${c##*/} $(cat "$c")"
		done
	done
	step "rmmod-$smod-r$r" rmmod $smod
}

# Even rounds run the SPI drivers in reverse order.
rspis=$(echo $spis | tr ' ' '\n' | sed -n '1!G;h;$p')
r=1
while [ "$r" -le "$rounds" ]; do
	list=$spis
	[ $((r % 2)) -eq 0 ] && list=$rspis
	for s in $list; do
		bench_spi "$s"
	done
	r=$((r + 1))
done
step "rmmod-$provider_mod" rmmod "$provider_mod"
