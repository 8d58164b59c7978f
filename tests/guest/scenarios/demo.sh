# The main job: show the Pi 3 running our modules.
echo "== kernel: $(uname -r) on $(cat /proc/device-tree/model 2>/dev/null | tr -d '\0')"
for ko in /lib/modules/oxdma/*.ko; do
	step "insmod-$(basename "$ko" .ko)" insmod "$ko"
done
echo "== loaded modules"
lsmod
echo "== dmaengine channels (/sys/class/dma)"
ls /sys/class/dma 2>/dev/null
