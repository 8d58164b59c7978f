# The loopback peripheral on SPI0 chip select 1 through spidev and the SPI
# driver of "oxdma.spi=", on the DMA provider of "oxdma.provider=": one
# full-duplex transfer per mode (0-3) and length, data compared byte for
# byte (spidev-loop). Lengths straddle spi-bcm2835's DMA threshold (96) and
# its 65532-byte DMA segment limit. Then one message of several transfers
# with cs_change.
step sdhost-off sh -c 'echo none > /sys/bus/platform/devices/3f202000.mmc/driver_override'
load_provider
load_spi
step insmod-spidev insmod /lib/modules/intree/spidev.ko bufsiz=65536
step bind-spidev sh -c 'echo spidev > /sys/bus/spi/devices/spi0.1/driver_override &&
	echo spi0.1 > /sys/bus/spi/drivers/spidev/bind'
step spidev-appears wait_for /dev/spidev0.1 50
# counts: the driver's "dma polling irq" transfer counts.
counts() {
	echo $(cat $spi_debugfs/count_transfer_dma $spi_debugfs/count_transfer_polling \
		$spi_debugfs/count_transfer_irq)
}
for mode in 0 1 2 3; do
	for len in 1 3 95 96 97 4096 65533; do
		before=$(counts)
		step "loop-mode$mode-len$len" spidev-loop /dev/spidev0.1 $mode $len
		# How the driver moved it: the transfers counted per mode.
		say "loop mode $mode len $len moved $(echo $before $(counts) |
			awk '{ print "dma", $4 - $1, "polling", $5 - $2, "irq", $6 - $3 }')"
	done
done
# One message of four transfers, chip select deasserted between them.
step loop-message spidev-loop /dev/spidev0.1 0 5,100,97,4096
spi_counters
step rmmod-spidev rmmod spidev
step rmmod-spi rmmod "$spi_mod"
step "rmmod-$provider_mod" rmmod "$provider_mod"
