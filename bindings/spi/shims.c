// SPDX-License-Identifier: GPL-2.0
/* See shims.h. */

#include <linux/gpio/consumer.h>
#include <linux/gpio/machine.h>
#include <linux/of.h>
#include <linux/slab.h>
#include <linux/spi/spi.h>
#include "shims.h"

#ifdef OXDMA_SHIMS_INLINE
#pragma clang attribute push([[gnu::always_inline]], apply_to = function)
#endif

static struct oxdma_spi_head *oxdma_spi_head(struct spi_controller *ctlr)
{
	return spi_controller_get_devdata(ctlr);
}

static int oxdma_spi_setup(struct spi_device *spi)
{
	struct oxdma_spi_head *p = oxdma_spi_head(spi->controller);

	return p->ops->setup(p, spi);
}

static void oxdma_spi_cleanup(struct spi_device *spi)
{
	struct oxdma_spi_head *p = oxdma_spi_head(spi->controller);

	/* Serialised with setup and transfers, as the Rust side assumes. */
	mutex_lock(&spi->controller->io_mutex);
	p->ops->cleanup(p, spi);
	mutex_unlock(&spi->controller->io_mutex);
}

static void oxdma_spi_handle_err(struct spi_controller *ctlr,
				 struct spi_message *msg)
{
	struct oxdma_spi_head *p = oxdma_spi_head(ctlr);

	p->ops->handle_err(p, msg);
}

static size_t oxdma_spi_max_transfer_size(struct spi_device *spi)
{
	return oxdma_spi_head(spi->controller)->max_transfer_size;
}

struct spi_controller *oxdma_spi_alloc_host(struct device *dev,
					    const struct oxdma_spi_ops *ops,
					    struct oxdma_spi_head *data,
					    const struct oxdma_spi_limits *limits,
					    struct dma_chan *dma_tx,
					    struct dma_chan *dma_rx)
{
	struct spi_controller *ctlr;

	ctlr = spi_alloc_host(dev, 0);
	if (!ctlr)
		return NULL;
	data->ops = ops;
	data->max_transfer_size = limits->max_transfer_size ?: SIZE_MAX;
	spi_controller_set_devdata(ctlr, data);

	ctlr->use_gpio_descriptors = true;
	ctlr->mode_bits = limits->mode_bits;
	ctlr->bits_per_word_mask = limits->bits_per_word_mask;
	ctlr->num_chipselect = limits->num_chipselect;
	ctlr->max_speed_hz = limits->max_speed_hz;
	ctlr->min_speed_hz = limits->min_speed_hz;
	ctlr->max_transfer_size = oxdma_spi_max_transfer_size;
	ctlr->setup = oxdma_spi_setup;
	ctlr->cleanup = oxdma_spi_cleanup;
	ctlr->prepare_message = ops->prepare_message;
	ctlr->transfer_one = ops->transfer_one;
	ctlr->handle_err = oxdma_spi_handle_err;
	if (dma_tx && dma_rx) {
		ctlr->dma_tx = dma_tx;
		ctlr->dma_rx = dma_rx;
		ctlr->can_dma = ops->can_dma;
	}
	return ctlr;
}

void oxdma_spi_controller_put(struct spi_controller *ctlr)
{
	spi_controller_put(ctlr);
}

void *oxdma_spi_controller_data(struct spi_controller *ctlr)
{
	return oxdma_spi_head(ctlr);
}

struct spi_device *oxdma_spi_message_device(struct spi_message *msg)
{
	return msg->spi;
}

void oxdma_spi_device_info(struct spi_device *spi,
			   struct oxdma_spi_device_info *info)
{
	info->mode = spi->mode;
	info->max_speed_hz = spi->max_speed_hz;
	info->chip_select = spi_get_chipselect(spi, 0);
	info->bits_per_word = spi->bits_per_word;
	info->cs_gpio = spi_get_csgpiod(spi, 0) != NULL;
}

struct device *oxdma_spi_device_dev(struct spi_device *spi)
{
	return &spi->dev;
}

void *oxdma_spi_get_ctldata(struct spi_device *spi)
{
	return spi_get_ctldata(spi);
}

void oxdma_spi_set_ctldata(struct spi_device *spi, void *state)
{
	spi_set_ctldata(spi, state);
}

int oxdma_spi_get_native_cs_gpio(struct spi_device *spi, bool active_high)
{
	static const char * const pinctrl_compats[] = {
		"brcm,bcm2835-gpio",
		"brcm,bcm2711-gpio",
		"brcm,bcm7211-gpio",
	};
	struct gpiod_lookup_table *lookup __free(kfree) = NULL;
	struct gpio_desc *gpio;
	int i;

	for (i = 0; i < ARRAY_SIZE(pinctrl_compats); i++) {
		struct device_node *np __free(device_node) =
			of_find_compatible_node(NULL, NULL, pinctrl_compats[i]);
		if (np)
			break;
	}
	if (i == ARRAY_SIZE(pinctrl_compats))
		return 0;

	lookup = kzalloc_flex(*lookup, table, 2);
	if (!lookup)
		return -ENOMEM;
	lookup->dev_id = dev_name(&spi->dev);
	lookup->table[0] = GPIO_LOOKUP("pinctrl-bcm2835",
				       8 - spi_get_chipselect(spi, 0),
				       "cs", active_high ? GPIO_ACTIVE_HIGH :
							   GPIO_ACTIVE_LOW);
	gpiod_add_lookup_table(lookup);
	/* Logical low: not asserted. */
	gpio = gpiod_get(&spi->dev, "cs", GPIOD_OUT_LOW);
	gpiod_remove_lookup_table(lookup);
	if (IS_ERR(gpio))
		return PTR_ERR(gpio);
	spi_set_csgpiod(spi, 0, gpio);
	return 1;
}

void oxdma_spi_put_native_cs_gpio(struct spi_device *spi)
{
	gpiod_put(spi_get_csgpiod(spi, 0));
	spi_set_csgpiod(spi, 0, NULL);
}

void oxdma_spi_transfer_fail_no_start(struct spi_transfer *xfer)
{
	xfer->error |= SPI_TRANS_FAIL_NO_START;
}

#ifdef OXDMA_SHIMS_INLINE
#pragma clang attribute pop
#endif
