# Load and unload every oxdma module; the host scans the log for splats.
for ko in /lib/modules/oxdma/*.ko; do
	m=$(basename "$ko" .ko)
	step "insmod-$m" insmod "$ko"
	step "rmmod-$m" rmmod "$m"
done
