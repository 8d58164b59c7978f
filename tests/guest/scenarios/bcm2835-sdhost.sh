# The in-tree SD host driver (a dmaengine client on DREQ 13) doing real
# block I/O through the BCM2835 DMA provider of "oxdma.provider=" (the Rust
# one by default, the C one as the emulator's cross-check); the other
# provider is not loaded. The host wrote a known pattern into the SD image
# and checks what we report.
load_provider
# The SD host probe was deferred until a DMA provider registered.
step mmcblk0-appears wait_for_disk /dev/mmcblk0 100
step sd-read dd if=/dev/mmcblk0 of=/tmp/r bs=64k count=128
say "sd-read md5 $(md5sum < /tmp/r | cut -d' ' -f1)"
rm /tmp/r
# Write 4 MiB at 8 MiB, drop the page cache, read it back.
dd if=/dev/urandom of=/tmp/w bs=64k count=64 2>/dev/null
say "sd-write md5 $(md5sum < /tmp/w | cut -d' ' -f1)"
step sd-write dd if=/tmp/w of=/dev/mmcblk0 bs=64k seek=128 conv=fsync
echo 3 > /proc/sys/vm/drop_caches
step sd-readback sh -c '[ "$(dd if=/dev/mmcblk0 bs=64k skip=128 count=64 2>/dev/null | md5sum)" = "$(md5sum < /tmp/w)" ]'
say "dmaengine summary:"
show cat /sys/kernel/debug/dmaengine/summary
