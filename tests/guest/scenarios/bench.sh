# The same dmatest workload on the C driver (bcm2835-dma) and on the Rust
# provider (oxdma_bcm2835), alternating, on hardware channel 0, without
# data verification (the CPU compare would dominate the driver's cost;
# make check verifies data). Parameters
# from the kernel command line: oxdma.rounds=N oxdma.iterations=N.
rounds=$(arg rounds)
iterations=$(arg iterations)
# Keep the SD host (deferred until a provider appears) off the DMA channels
# while providers come and go: let it match no driver.
step sdhost-off sh -c 'echo none > /sys/bus/platform/devices/3f202000.mmc/driver_override'

# bench_one LABEL MODULE-PATH MODULE-NAME
bench_one() {
	step "insmod-$3" insmod "$2"
	ch=$(ls /sys/class/dma | head -n 1)
	insmod /lib/modules/intree/dmatest.ko
	p=/sys/module/dmatest/parameters
	echo 4000 > $p/timeout
	echo "$iterations" > $p/iterations
	echo 2 > $p/alignment
	echo Y > $p/noverify
	echo "$ch" > $p/channel
	say "bench: round $r $1 on $ch"
	echo 1 > $p/run
	cat $p/wait >/dev/null
	rmmod dmatest
	step "rmmod-$3" rmmod "$3"
}

# Odd rounds run C first, even rounds Rust first: no order bias.
r=1
while [ "$r" -le "$rounds" ]; do
	if [ $((r % 2)) -eq 1 ]; then
		bench_one c /lib/modules/intree/bcm2835-dma.ko bcm2835_dma
		bench_one rust /lib/modules/oxdma/oxdma_bcm2835.ko oxdma_bcm2835
	else
		bench_one rust /lib/modules/oxdma/oxdma_bcm2835.ko oxdma_bcm2835
		bench_one c /lib/modules/intree/bcm2835-dma.ko bcm2835_dma
	fi
	r=$((r + 1))
done
