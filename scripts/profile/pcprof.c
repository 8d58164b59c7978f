/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * QEMU TCG plugin: instructions executed per guest kernel translation
 * block, between two executions of the block at PROF_MARK (a guest kernel
 * address: the profiled window; the whole run without it).
 *
 * Writes "vaddr n_insns executions" lines (hex, decimal, decimal) to
 * PROF_OUT at exit. Exec callbacks, not inline scoreboard ops: QEMU 10.0
 * aborts in arm_mmu_idx_el() with those under -icount.
 */
#include <glib.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <qemu-plugin.h>

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

#define MAX_BLOCKS (1 << 20)
#define KERNEL_BASE 0xffff000000000000ULL

struct block {
    uint64_t vaddr;
    uint32_t n_insns;
    uint64_t count;
};

static struct block *blocks;
static int n_blocks;
static GHashTable *index_of;
static GMutex lock;
static uint64_t mark;
static int active;
static const char *out_path = "pcprof.out";

static void tb_exec(unsigned int vcpu, void *udata)
{
    struct block *b = &blocks[(uintptr_t)udata];

    if (mark && b->vaddr == mark) {
        __atomic_fetch_xor(&active, 1, __ATOMIC_RELAXED);
    }
    if (!mark || __atomic_load_n(&active, __ATOMIC_RELAXED)) {
        __atomic_fetch_add(&b->count, 1, __ATOMIC_RELAXED);
    }
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    uint64_t vaddr = qemu_plugin_tb_vaddr(tb);
    uint32_t n = qemu_plugin_tb_n_insns(tb);
    uint64_t key;
    gpointer found;
    int i;

    if (vaddr < KERNEL_BASE) {
        return;
    }
    /*
     * One key per (address, length), never shared: a TB is at most
     * TCG_MAX_INSNS (512) instructions, and kernel addresses span 48 bits
     * above KERNEL_BASE.
     */
    key = ((vaddr - KERNEL_BASE) << 10) | n;
    g_mutex_lock(&lock);
    found = g_hash_table_lookup(index_of, (gpointer)(uintptr_t)key);
    if (found) {
        i = GPOINTER_TO_INT(found) - 1;
    } else if (n_blocks < MAX_BLOCKS) {
        i = n_blocks++;
        blocks[i].vaddr = vaddr;
        blocks[i].n_insns = n;
        g_hash_table_insert(index_of, (gpointer)(uintptr_t)key,
                            GINT_TO_POINTER(i + 1));
    } else {
        i = -1;
    }
    g_mutex_unlock(&lock);
    if (i >= 0) {
        qemu_plugin_register_vcpu_tb_exec_cb(tb, tb_exec,
                                             QEMU_PLUGIN_CB_NO_REGS,
                                             (void *)(uintptr_t)i);
    }
}

static void plugin_exit(qemu_plugin_id_t id, void *p)
{
    FILE *f = fopen(out_path, "w");

    if (!f) {
        perror(out_path);
        return;
    }
    for (int i = 0; i < n_blocks; i++) {
        if (blocks[i].count) {
            fprintf(f, "%" PRIx64 " %u %" PRIu64 "\n", blocks[i].vaddr,
                    blocks[i].n_insns, blocks[i].count);
        }
    }
    fclose(f);
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id,
                                           const qemu_info_t *info,
                                           int argc, char **argv)
{
    const char *s = getenv("PROF_MARK");

    if (s) {
        mark = g_ascii_strtoull(s, NULL, 16);
    }
    s = getenv("PROF_OUT");
    if (s) {
        out_path = s;
    }
    blocks = g_new0(struct block, MAX_BLOCKS);
    index_of = g_hash_table_new(g_direct_hash, g_direct_equal);
    qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
    qemu_plugin_register_atexit_cb(id, plugin_exit, NULL);
    return 0;
}
