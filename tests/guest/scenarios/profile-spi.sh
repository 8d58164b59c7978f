# The profiled window of scripts/profile-spi: the DMA provider of
# "oxdma.provider=" and the SPI driver of "oxdma.spi=" serve "oxdma.wkib="
# KiB (default 2048, a multiple of 64) of flash writes through mtdblock, or
# with "oxdma.op=read" of flash reads from /dev/mtd0 (as make bench reads).
# The window is marked by two writes to /proc/sys/vm/drop_caches, whose
# handler the host's instruction counter watches for; nothing else in the
# guest runs it. The module symbols go to the log for the host's report.
wkib=$(arg wkib)
wkib=${wkib:-2048}
op=$(arg op)
step sdhost-off sh -c 'echo none > /sys/bus/platform/devices/3f202000.mmc/driver_override'
dd if=/dev/urandom of=/tmp/w bs=64k count=$((wkib / 64)) 2>/dev/null
load_provider
load_spi
load_flash
echo 1 > /proc/sys/vm/drop_caches
say "profile: window open"
if [ "$op" = read ]; then
	dd if=/dev/mtd0 of=/dev/null bs=64k count=$((wkib / 64)) 2>/dev/null
else
	dd if=/tmp/w of=/dev/mtdblock0 bs=64k conv=fsync 2>/dev/null
fi
echo 1 > /proc/sys/vm/drop_caches
say "profile: window closed"
spi_counters
grep '\[' /proc/kallsyms > /tmp/ksyms
log_file /tmp/ksyms
unload_flash
