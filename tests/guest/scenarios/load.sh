# Load every oxdma module, providers first, then unload them in reverse; the
# host scans the log for splats. The SD host is kept from binding so that
# no client holds a channel of the BCM2835 provider.
step sdhost-off sh -c 'echo none > /sys/bus/platform/devices/3f202000.mmc/driver_override'
modules="oxdma_bcm2835 oxdma_softdma oxdma_kunit"
for m in $modules; do
	step "insmod-$m" insmod "/lib/modules/oxdma/$m.ko"
done
for m in $(echo $modules | tr ' ' '\n' | sed '1!G;h;$!d'); do
	step "rmmod-$m" rmmod "$m"
done
