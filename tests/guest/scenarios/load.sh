# Load every oxdma module, providers first, then unload them in reverse; the
# host scans the log for splats.
modules="oxdma_softdma oxdma_kunit"
for m in $modules; do
	step "insmod-$m" insmod "/lib/modules/oxdma/$m.ko"
done
for m in $(echo $modules | tr ' ' '\n' | sed '1!G;h;$!d'); do
	step "rmmod-$m" rmmod "$m"
done
