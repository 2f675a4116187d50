/* Where the kernel's buffers live: one shared-memory region (a memfd the monitor creates and the worker maps),
 * one slot per buffer, each a whole number of pages large enough for the buffer's biggest case. In the worker
 * every slot is mapped between inaccessible guard pages; a buffer sits at the end of its slot, 64-byte
 * aligned, so an access past its end meets at most 63 bytes of canary before the guard page, and the slack
 * before it is canary too. The monitor and the worker compute the same layout from the plan's tables.
 * Expects ns_plan.h and ns_common.h first. */
#ifndef NS_LAYOUT_H
#define NS_LAYOUT_H

#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#define NS_CANARY_BYTE 0xCD
/* Commands on the monitor's pipe, besides a case index: */
#define NS_CMD_NOOP (-1) /* answer at once: measures the protocol's own overhead */
#define NS_CMD_EXIT (-2)
#define NS_READY_MAGIC 0x4e535244 /* "NSRD", the worker's first word once it is locked down */

static size_t ns_round_up(size_t v, size_t to) { return (v + to - 1) / to * to; }

static size_t ns_page_bytes(void) {
  long p = sysconf(_SC_PAGESIZE);
  return p > 0 ? (size_t)p : 4096;
}

/* A slot holds the largest case of its buffer; never empty, so every slot has a page to guard. */
static size_t ns_slot_bytes(int b) {
  size_t most = 0;
  for (int k = 0; k < NS_NCASES; k++) {
    size_t bytes = ns_round_up(ns_bytes(k, b), 64);
    if (bytes > most) most = bytes;
  }
  return ns_round_up(most > 0 ? most : 1, ns_page_bytes());
}

static size_t ns_slot_offset(int b) {
  size_t off = 0;
  for (int i = 0; i < b; i++) off += ns_slot_bytes(i);
  return off;
}

static size_t ns_region_bytes(void) { return ns_slot_offset(NS_NBUF); }

/* Offset of buffer b of case k inside its slot: flush with the slot's end, 64-byte aligned. */
static size_t ns_buffer_offset(int k, int b) { return ns_slot_bytes(b) - ns_round_up(ns_bytes(k, b), 64); }

#endif
