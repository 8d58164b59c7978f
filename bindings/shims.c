// SPDX-License-Identifier: GPL-2.0
/*
 * Out-of-line wrappers for static inline functions (see shims.h). Each
 * module compiles this file once, through a one-line wrapper in its own
 * directory, because Kbuild links an object into one module only.
 */
#include <linux/dma-direct.h>
#include <linux/dma-map-ops.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/of_address.h>
#include <linux/overflow.h>
#include "shims.h"

#ifdef OXDMA_SHIMS_INLINE
#pragma clang attribute push([[gnu::always_inline]], apply_to = function)
#endif

const char *oxdma_dmaengine_get_direction_text(enum dma_transfer_direction dir)
{
	return dmaengine_get_direction_text(dir);
}

unsigned long oxdma_vchan_lock(struct virt_dma_chan *vc)
{
	unsigned long flags;

	spin_lock_irqsave(&vc->lock, flags);
	return flags;
}

void oxdma_vchan_unlock(struct virt_dma_chan *vc, unsigned long flags)
{
	spin_unlock_irqrestore(&vc->lock, flags);
}

struct dma_async_tx_descriptor *oxdma_vchan_tx_prep(struct virt_dma_chan *vc,
						     struct virt_dma_desc *vd,
						     unsigned long tx_flags)
{
	return vchan_tx_prep(vc, vd, tx_flags);
}

bool oxdma_vchan_issue_pending(struct virt_dma_chan *vc)
{
	return vchan_issue_pending(vc);
}

struct virt_dma_desc *oxdma_vchan_next_desc(struct virt_dma_chan *vc)
{
	return vchan_next_desc(vc);
}

/*
 * A descriptor still queued: submitted (not yet issued) or issued (not yet
 * started). vchan_find_desc() looks at the issued list only.
 */
struct virt_dma_desc *oxdma_vchan_find_queued(struct virt_dma_chan *vc,
					      dma_cookie_t cookie)
{
	struct virt_dma_desc *vd;

	list_for_each_entry(vd, &vc->desc_submitted, node)
		if (vd->tx.cookie == cookie)
			return vd;
	return vchan_find_desc(vc, cookie);
}

/* A reference on a channel's device node (chan->dev), kept for good. */
void oxdma_dma_chan_dev_get(struct dma_chan *chan)
{
	get_device(&chan->dev->device);
}

/* The provider starts a descriptor: it leaves the issued list. */
void oxdma_vchan_desc_unlink(struct virt_dma_desc *vd)
{
	list_del(&vd->node);
}

void oxdma_vchan_cookie_complete(struct virt_dma_desc *vd)
{
	vchan_cookie_complete(vd);
}

void oxdma_vchan_cyclic_callback(struct virt_dma_desc *vd)
{
	vchan_cyclic_callback(vd);
}

void oxdma_vchan_terminate_vdesc(struct virt_dma_desc *vd)
{
	vchan_terminate_vdesc(vd);
}

/*
 * The descriptors a terminate drops: vchan_get_all_descriptors() but
 * desc_terminated, whose descriptors the engine may still be winding down
 * on until device_synchronize, and desc_allocated, prepared and not
 * submitted (no transfer yet: a client may still submit them, and
 * reusable ones stay there; vchan_free_chan_resources() frees them).
 * Whether any was moved to @head.
 */
bool oxdma_vchan_get_queued_descriptors(struct virt_dma_chan *vc,
					struct list_head *head)
{
	lockdep_assert_held(&vc->lock);
	list_splice_tail_init(&vc->desc_submitted, head);
	list_splice_tail_init(&vc->desc_issued, head);
	list_splice_tail_init(&vc->desc_completed, head);
	return !list_empty(head);
}

void oxdma_vchan_free_chan_resources(struct virt_dma_chan *vc)
{
	vchan_free_chan_resources(vc);
}

void oxdma_vchan_synchronize(struct virt_dma_chan *vc)
{
	vchan_synchronize(vc);
}

enum dma_status oxdma_dma_cookie_status(struct dma_chan *chan,
					dma_cookie_t cookie,
					struct dma_tx_state *state)
{
	return dma_cookie_status(chan, cookie, state);
}

void oxdma_dma_set_residue(struct dma_tx_state *state, u32 residue)
{
	dma_set_residue(state, residue);
}

int oxdma_dmaengine_slave_config(struct dma_chan *chan,
				 struct dma_slave_config *config)
{
	return dmaengine_slave_config(chan, config);
}

struct dma_async_tx_descriptor *
oxdma_dmaengine_prep_slave_sg(struct dma_chan *chan, struct scatterlist *sgl,
			      unsigned int sg_len,
			      enum dma_transfer_direction dir,
			      unsigned long flags)
{
	return dmaengine_prep_slave_sg(chan, sgl, sg_len, dir, flags);
}

struct dma_async_tx_descriptor *
oxdma_dmaengine_prep_slave_single(struct dma_chan *chan, dma_addr_t buf,
				  size_t len, enum dma_transfer_direction dir,
				  unsigned long flags)
{
	return dmaengine_prep_slave_single(chan, buf, len, dir, flags);
}

struct dma_async_tx_descriptor *
oxdma_dmaengine_prep_dma_cyclic(struct dma_chan *chan, dma_addr_t buf_addr,
				size_t buf_len, size_t period_len,
				enum dma_transfer_direction dir,
				unsigned long flags)
{
	return dmaengine_prep_dma_cyclic(chan, buf_addr, buf_len, period_len,
					 dir, flags);
}

struct dma_async_tx_descriptor *
oxdma_dmaengine_prep_dma_memcpy(struct dma_chan *chan, dma_addr_t dest,
				dma_addr_t src, size_t len,
				unsigned long flags)
{
	return dmaengine_prep_dma_memcpy(chan, dest, src, len, flags);
}

dma_cookie_t oxdma_dmaengine_submit(struct dma_async_tx_descriptor *desc)
{
	return dmaengine_submit(desc);
}

void oxdma_dma_async_issue_pending(struct dma_chan *chan)
{
	dma_async_issue_pending(chan);
}

enum dma_status oxdma_dmaengine_tx_status(struct dma_chan *chan,
					  dma_cookie_t cookie,
					  struct dma_tx_state *state)
{
	return dmaengine_tx_status(chan, cookie, state);
}

/*
 * Whether @cookie completed, from the channel's cookies alone, as
 * dma_cookie_status() decides it for the providers' tx_status (without
 * the residue, and without the provider call).
 */
bool oxdma_dma_cookie_done(struct dma_chan *chan, dma_cookie_t cookie)
{
	dma_cookie_t used = READ_ONCE(chan->cookie);
	/*
	 * Acquire: what the caller does with the transfer's memory next comes
	 * after the provider marked it complete.
	 */
	dma_cookie_t complete = smp_load_acquire(&chan->completed_cookie);

	return dma_async_is_complete(cookie, complete, used) == DMA_COMPLETE;
}

int oxdma_dmaengine_pause(struct dma_chan *chan)
{
	return dmaengine_pause(chan);
}

int oxdma_dmaengine_resume(struct dma_chan *chan)
{
	return dmaengine_resume(chan);
}

int oxdma_dmaengine_desc_set_reuse(struct dma_async_tx_descriptor *desc)
{
	return dmaengine_desc_set_reuse(desc);
}

int oxdma_dmaengine_terminate_async(struct dma_chan *chan)
{
	return dmaengine_terminate_async(chan);
}

int oxdma_dmaengine_terminate_sync(struct dma_chan *chan)
{
	return dmaengine_terminate_sync(chan);
}

int oxdma_dmaengine_desc_free(struct dma_async_tx_descriptor *desc)
{
	return dmaengine_desc_free(desc);
}

struct device *oxdma_dmaengine_get_dma_device(struct dma_chan *chan)
{
	return dmaengine_get_dma_device(chan);
}

void oxdma_dma_set_max_seg_size(struct device *dev, unsigned int size)
{
	dma_set_max_seg_size(dev, size);
}

/* The zero page for the device to read, as bcm2835-dma maps it. */
dma_addr_t oxdma_dma_map_zero_page(struct device *dev)
{
	return dma_map_page_attrs(dev, ZERO_PAGE(0), 0, PAGE_SIZE, DMA_TO_DEVICE,
				  DMA_ATTR_SKIP_CPU_SYNC);
}

void oxdma_dma_unmap_zero_page(struct device *dev, dma_addr_t addr)
{
	dma_unmap_page_attrs(dev, addr, PAGE_SIZE, DMA_TO_DEVICE,
			     DMA_ATTR_SKIP_CPU_SYNC);
}

dma_addr_t oxdma_dma_map_single(struct device *dev, void *ptr, size_t size,
				int dir)
{
	return dma_map_single(dev, ptr, size, dir);
}

int oxdma_dma_mapping_error(struct device *dev, dma_addr_t addr)
{
	return dma_mapping_error(dev, addr);
}

void oxdma_dma_unmap_single(struct device *dev, dma_addr_t addr, size_t size,
			    int dir)
{
	dma_unmap_single(dev, addr, size, dir);
}

void oxdma_dma_sync_single_for_cpu(struct device *dev, dma_addr_t addr,
				   size_t size, int dir)
{
	dma_sync_single_for_cpu(dev, addr, size, dir);
}

void oxdma_dma_sync_single_for_device(struct device *dev, dma_addr_t addr,
				      size_t size, int dir)
{
	dma_sync_single_for_device(dev, addr, size, dir);
}

void oxdma_sg_set_buf(struct scatterlist *sg, const void *buf,
		      unsigned int buflen)
{
	sg_set_buf(sg, buf, buflen);
}

void oxdma_dma_sync_sgtable_for_cpu(struct device *dev, struct sg_table *sgt,
				    int dir)
{
	dma_sync_sgtable_for_cpu(dev, sgt, dir);
}

void oxdma_dma_sync_sgtable_for_device(struct device *dev,
				       struct sg_table *sgt, int dir)
{
	dma_sync_sgtable_for_device(dev, sgt, dir);
}

void oxdma_of_node_put(struct device_node *np)
{
	of_node_put(np);
}

void *oxdma_dma_to_lm_virt(struct device *dev, dma_addr_t addr, size_t len)
{
	phys_addr_t phys, last, page;

	if (!len || !dev_is_dma_coherent(dev))
		return NULL;
	phys = dma_to_phys(dev, addr);
	if (phys == (phys_addr_t)-1 || check_add_overflow(phys, len - 1, &last))
		return NULL;
	for (page = phys & PAGE_MASK; ; page += PAGE_SIZE) {
		if (!virt_addr_valid(phys_to_virt(page)))
			return NULL;
		if (last - page < PAGE_SIZE)	/* the last page: no wrap */
			break;
	}
	return phys_to_virt(phys);
}

bool oxdma_device_lock_if_bound(struct device *dev)
{
	device_lock(dev);
	if (device_is_bound(dev))
		return true;
	device_unlock(dev);
	return false;
}

void oxdma_device_unlock(struct device *dev)
{
	device_unlock(dev);
}

static bool oxdma_is_ram(phys_addr_t phys, size_t len)
{
	return region_intersects(phys, len, IORESOURCE_SYSTEM_RAM,
				 IORES_DESC_NONE) != REGION_DISJOINT;
}

void __iomem *oxdma_mmio_window_request(struct device *dev, unsigned int index,
					const char *name, u64 *bus, u64 *phys,
					u64 *len)
{
	struct device_node *np = dev->of_node;
	const __be32 *reg;
	struct resource res;
	void __iomem *base;
	int err;

	if (!np)
		return IOMEM_ERR_PTR(-ENODEV);
	reg = of_get_address(np, index, NULL, NULL);
	if (!reg)
		return IOMEM_ERR_PTR(-EINVAL);
	err = of_address_to_resource(np, index, &res);
	if (err)
		return IOMEM_ERR_PTR(err);
	if (!resource_size(&res) || oxdma_is_ram(res.start, resource_size(&res)))
		return IOMEM_ERR_PTR(-EINVAL);
	if (name && !request_mem_region(res.start, resource_size(&res), name))
		return IOMEM_ERR_PTR(-EBUSY);
	base = ioremap(res.start, resource_size(&res));
	if (!base) {
		if (name)
			release_mem_region(res.start, resource_size(&res));
		return IOMEM_ERR_PTR(-ENOMEM);
	}
	*bus = of_read_number(reg, of_n_addr_cells(np));
	*phys = res.start;
	*len = resource_size(&res);
	return base;
}

void oxdma_mmio_window_release(void __iomem *base, const char *name, u64 phys,
			       u64 len)
{
	iounmap(base);
	if (name)
		release_mem_region(phys, len);
}

bool oxdma_dma_addr_hits_ram(struct device *dev, dma_addr_t addr, size_t len)
{
	phys_addr_t phys = dma_to_phys(dev, addr);

	return phys != (phys_addr_t)-1 && oxdma_is_ram(phys, len);
}

void oxdma_reinit_completion(struct completion *x)
{
	reinit_completion(x);
}

#ifdef OXDMA_SHIMS_INLINE
#pragma clang attribute pop
#endif

#include "spi/shims.c"
