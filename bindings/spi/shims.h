/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The SPI core (include/linux/spi/spi.h) for oxdma's Rust SPI controller
 * abstraction (bindings/spi/): a controller whose operations call back into
 * Rust through one table, and accessors for the fields and static inline
 * helpers of spi_device and spi_transfer, so that the Rust side sees these
 * structures as opaque.
 */
#ifndef OXDMA_SPI_SHIMS_H
#define OXDMA_SPI_SHIMS_H

#include <linux/spi/spi.h>

/* The fields of a spi_device the abstraction reads. */
struct oxdma_spi_device_info {
	u32 mode;
	u32 max_speed_hz;
	u8 chip_select;
	u8 bits_per_word;
	bool cs_gpio;
};

/*
 * The controller operations. prepare_message, transfer_one and can_dma,
 * once per message and per transfer, are the controller's own (struct
 * spi_controller's signatures, no trampoline) and find the Rust data with
 * oxdma_spi_controller_data(); the others go through a C trampoline that
 * passes the data. Rust reads struct spi_transfer's fields in place.
 */
struct oxdma_spi_ops {
	int (*setup)(void *data, struct spi_device *spi);
	void (*cleanup)(void *data, struct spi_device *spi);
	int (*prepare_message)(struct spi_controller *ctlr,
			       struct spi_message *msg);
	int (*transfer_one)(struct spi_controller *ctlr, struct spi_device *spi,
			    struct spi_transfer *xfer);
	void (*handle_err)(void *data, struct spi_message *msg);
	bool (*can_dma)(struct spi_controller *ctlr, struct spi_device *spi,
			struct spi_transfer *xfer);
};

/* What a controller supports (struct spi_controller's fields). */
struct oxdma_spi_limits {
	u32 mode_bits;
	u32 bits_per_word_mask;
	u16 num_chipselect;
	u32 max_speed_hz;
	u32 min_speed_hz;
	/* 0: no limit (SIZE_MAX) */
	size_t max_transfer_size;
};

/*
 * The head of the data a controller calls back with, which its devdata
 * points to: the controller's own operations reach the Rust data in one
 * load. oxdma_spi_alloc_host() fills it in.
 */
struct oxdma_spi_head {
	const struct oxdma_spi_ops *ops;
	size_t max_transfer_size;
};

/*
 * spi_alloc_host() for dev, with ops calling back with data, limits,
 * use_gpio_descriptors, and the DMA channels the core maps transfers for
 * (dma_tx, dma_rx; can_dma set only with both). NULL on allocation failure.
 */
struct spi_controller *oxdma_spi_alloc_host(struct device *dev,
					    const struct oxdma_spi_ops *ops,
					    struct oxdma_spi_head *data,
					    const struct oxdma_spi_limits *limits,
					    struct dma_chan *dma_tx,
					    struct dma_chan *dma_rx);
/* spi_controller_put(): drops an unregistered controller. */
void oxdma_spi_controller_put(struct spi_controller *ctlr);
/* The data registered with a controller of oxdma_spi_alloc_host(). */
void *oxdma_spi_controller_data(struct spi_controller *ctlr);
/* msg->spi: the device a message is for. */
struct spi_device *oxdma_spi_message_device(struct spi_message *msg);

void oxdma_spi_device_info(struct spi_device *spi,
			   struct oxdma_spi_device_info *info);
struct device *oxdma_spi_device_dev(struct spi_device *spi);
void *oxdma_spi_get_ctldata(struct spi_device *spi);
void oxdma_spi_set_ctldata(struct spi_device *spi, void *state);

/*
 * Drives native chip select spi_get_chipselect(spi, 0) as its GPIO
 * (BCM2835 pins 8 - cs on gpiochip "pinctrl-bcm2835"), as
 * bcm2835_spi_setup() does, so that it stays asserted across the transfers
 * of a message; active low unless active_high (SPI_CS_HIGH), as before
 * Linux 6.13 (the lookup table bcm2835_spi_setup() uses since then gives
 * every line the default flags, active high, which inverts the chip
 * select). 1 if set (undo with oxdma_spi_put_native_cs_gpio()), 0 if the
 * board has no BCM2835 pin controller, or a negative errno.
 */
int oxdma_spi_get_native_cs_gpio(struct spi_device *spi, bool active_high);
void oxdma_spi_put_native_cs_gpio(struct spi_device *spi);

/*
 * Flags a failed DMA-mapped transfer as not started
 * (SPI_TRANS_FAIL_NO_START): the core unmaps it and retries it without DMA.
 */
void oxdma_spi_transfer_fail_no_start(struct spi_transfer *xfer);

#endif
