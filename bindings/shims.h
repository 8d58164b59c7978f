/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Out-of-line wrappers for static inline functions and macros of the C
 * APIs in ffi.h, which bindgen cannot link to. No logic of their own beyond
 * the lock a virt-dma helper documents as "vc.lock must be held by caller".
 */
#ifndef OXDMA_SHIMS_H
#define OXDMA_SHIMS_H

#include <linux/dmaengine.h>
#include <linux/of.h>
#include "virt-dma.h"

/*
 * Compiled to bitcode for the Rust object (bindings/Kbuild.shims, which
 * defines OXDMA_SHIMS_INLINE), the shims are always inlined into their Rust
 * callers, as the kernel's __rust_helper functions are: LLVM would
 * otherwise refuse to inline C built with other attributes (e.g.
 * -fno-delete-null-pointer-checks) into Rust. The .c files apply the
 * attribute to their own functions (#pragma clang attribute), after their
 * #includes; an out-of-line copy remains for callers through pointers.
 */

const char *oxdma_dmaengine_get_direction_text(enum dma_transfer_direction dir);

/* virt-dma (drivers/dma/virt-dma.h) */
unsigned long oxdma_vchan_lock(struct virt_dma_chan *vc);
void oxdma_vchan_unlock(struct virt_dma_chan *vc, unsigned long flags);
struct dma_async_tx_descriptor *oxdma_vchan_tx_prep(struct virt_dma_chan *vc,
						     struct virt_dma_desc *vd,
						     unsigned long tx_flags);
bool oxdma_vchan_issue_pending(struct virt_dma_chan *vc);
struct virt_dma_desc *oxdma_vchan_next_desc(struct virt_dma_chan *vc);
void oxdma_dma_chan_dev_get(struct dma_chan *chan);
struct virt_dma_desc *oxdma_vchan_find_queued(struct virt_dma_chan *vc,
					      dma_cookie_t cookie);
void oxdma_vchan_desc_unlink(struct virt_dma_desc *vd);
void oxdma_vchan_cookie_complete(struct virt_dma_desc *vd);
void oxdma_vchan_cyclic_callback(struct virt_dma_desc *vd);
void oxdma_vchan_terminate_vdesc(struct virt_dma_desc *vd);
bool oxdma_vchan_get_queued_descriptors(struct virt_dma_chan *vc,
					struct list_head *head);
void oxdma_vchan_free_chan_resources(struct virt_dma_chan *vc);
void oxdma_vchan_synchronize(struct virt_dma_chan *vc);

/* drivers/dma/dmaengine.h */
enum dma_status oxdma_dma_cookie_status(struct dma_chan *chan,
					dma_cookie_t cookie,
					struct dma_tx_state *state);
void oxdma_dma_set_residue(struct dma_tx_state *state, u32 residue);

/* include/linux/dmaengine.h, consumer side */
int oxdma_dmaengine_slave_config(struct dma_chan *chan,
				 struct dma_slave_config *config);
struct dma_async_tx_descriptor *
oxdma_dmaengine_prep_slave_sg(struct dma_chan *chan, struct scatterlist *sgl,
			      unsigned int sg_len,
			      enum dma_transfer_direction dir,
			      unsigned long flags);
struct dma_async_tx_descriptor *
oxdma_dmaengine_prep_slave_single(struct dma_chan *chan, dma_addr_t buf,
				  size_t len, enum dma_transfer_direction dir,
				  unsigned long flags);
struct dma_async_tx_descriptor *
oxdma_dmaengine_prep_dma_cyclic(struct dma_chan *chan, dma_addr_t buf_addr,
				size_t buf_len, size_t period_len,
				enum dma_transfer_direction dir,
				unsigned long flags);
struct dma_async_tx_descriptor *
oxdma_dmaengine_prep_dma_memcpy(struct dma_chan *chan, dma_addr_t dest,
				dma_addr_t src, size_t len,
				unsigned long flags);
dma_cookie_t oxdma_dmaengine_submit(struct dma_async_tx_descriptor *desc);
int oxdma_dmaengine_desc_set_reuse(struct dma_async_tx_descriptor *desc);
void oxdma_dma_async_issue_pending(struct dma_chan *chan);
enum dma_status oxdma_dmaengine_tx_status(struct dma_chan *chan,
					  dma_cookie_t cookie,
					  struct dma_tx_state *state);
bool oxdma_dma_cookie_done(struct dma_chan *chan, dma_cookie_t cookie);
int oxdma_dmaengine_pause(struct dma_chan *chan);
int oxdma_dmaengine_resume(struct dma_chan *chan);
int oxdma_dmaengine_terminate_sync(struct dma_chan *chan);
int oxdma_dmaengine_terminate_async(struct dma_chan *chan);
int oxdma_dmaengine_desc_free(struct dma_async_tx_descriptor *desc);
struct device *oxdma_dmaengine_get_dma_device(struct dma_chan *chan);

/* include/linux/dma-mapping.h */
void oxdma_dma_set_max_seg_size(struct device *dev, unsigned int size);
dma_addr_t oxdma_dma_map_zero_page(struct device *dev);
void oxdma_dma_unmap_zero_page(struct device *dev, dma_addr_t addr);
dma_addr_t oxdma_dma_map_single(struct device *dev, void *ptr, size_t size,
				int dir);
int oxdma_dma_mapping_error(struct device *dev, dma_addr_t addr);
void oxdma_dma_unmap_single(struct device *dev, dma_addr_t addr, size_t size,
			    int dir);
void oxdma_dma_sync_single_for_cpu(struct device *dev, dma_addr_t addr,
				   size_t size, int dir);
void oxdma_dma_sync_single_for_device(struct device *dev, dma_addr_t addr,
				      size_t size,
				      int dir);

/* include/linux/scatterlist.h */
void oxdma_sg_set_buf(struct scatterlist *sg, const void *buf,
		      unsigned int buflen);
void oxdma_dma_sync_sgtable_for_cpu(struct device *dev, struct sg_table *sgt,
				    int dir);
void oxdma_dma_sync_sgtable_for_device(struct device *dev,
				       struct sg_table *sgt, int dir);

/* include/linux/of.h */
void oxdma_of_node_put(struct device_node *np);

/*
 * dma-direct: the linear-map address of len bytes at DMA address addr of a
 * dma-coherent device, or NULL if dev is not dma-coherent or any byte is
 * not linear-map memory.
 */
void *oxdma_dma_to_lm_virt(struct device *dev, dma_addr_t addr, size_t len);

/*
 * include/linux/device.h: takes dev's lock (device_lock()) if dev is bound
 * to a driver and returns true; returns false, unlocked, otherwise.
 */
bool oxdma_device_lock_if_bound(struct device *dev);
void oxdma_device_unlock(struct device *dev);

/*
 * A register window of a device's DT node: reg entry index, reserved
 * (request_mem_region() as name, -EBUSY if a driver holds it) unless name
 * is NULL, and mapped (ioremap()). -EINVAL if any byte of it is System RAM.
 * Gives the CPU physical range (*phys, *len) and the untranslated reg
 * address on the parent bus (*bus). Returns the mapping or an ERR_PTR.
 * Released with the same name.
 */
void __iomem *oxdma_mmio_window_request(struct device *dev, unsigned int index,
					const char *name, u64 *bus, u64 *phys,
					u64 *len);
void oxdma_mmio_window_release(void __iomem *base, const char *name, u64 phys,
			       u64 len);

/*
 * Whether any of the len bytes at bus address addr, as the DMA device dev
 * sees them (dma_to_phys()), is System RAM; false for an address dev's
 * dma-ranges do not translate.
 */
bool oxdma_dma_addr_hits_ram(struct device *dev, dma_addr_t addr, size_t len);

/* include/linux/completion.h */
void oxdma_reinit_completion(struct completion *x);

#endif
