# The profiled window of scripts/profile-spi: the DMA provider of
# "oxdma.provider=" and the SPI driver of "oxdma.spi=" serve "oxdma.wkib="
# KiB of flash writes (default 2048, a multiple of 64) through mtdblock.
# The window is marked by two writes to /proc/sys/vm/drop_caches, whose
# handler the host's instruction counter watches for; nothing else in the
# guest runs it. The module symbols go to the log for the host's report.
wkib=$(arg wkib)
wkib=${wkib:-2048}
step sdhost-off sh -c 'echo none > /sys/bus/platform/devices/3f202000.mmc/driver_override'
dd if=/dev/urandom of=/tmp/w bs=64k count=$((wkib / 64)) 2>/dev/null
load_provider
load_spi
load_flash
echo 1 > /proc/sys/vm/drop_caches
say "profile: window open"
dd if=/tmp/w of=/dev/mtdblock0 bs=64k conv=fsync 2>/dev/null
echo 1 > /proc/sys/vm/drop_caches
say "profile: window closed"
spi_counters
grep '\[' /proc/kallsyms > /tmp/ksyms
log_file /tmp/ksyms
unload_flash
