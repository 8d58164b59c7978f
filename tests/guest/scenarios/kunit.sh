# Run the oxdma KUnit suites; KTAP goes to the console for kunit.py parse.
step insmod-oxdma_kunit insmod /lib/modules/oxdma/oxdma_kunit.ko
step rmmod-oxdma_kunit rmmod oxdma_kunit
