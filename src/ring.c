/*
 * ring: the consumer side of a perf_event mmap ring buffer. The kernel appends records at
 * data_head; we hand each record between data_tail and data_head to a callback, then publish
 * the new data_tail so the kernel may reuse the space. Records wrapping the end of the data area
 * are copied into a stack buffer, so callbacks always get one contiguous, 8-byte aligned record.
 * No allocation: ring_read runs on every wakeup.
 */
#include "ring.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/perf_event.h>

/* header.size is a u16 and records are 8-byte multiples, so no record exceeds 65528 bytes. */
#define RING_SCRATCH_WORDS 8192

static bool
ring_is_pow2(uint64_t v)
{
	return v != 0 && (v & (v - 1)) == 0;
}

int
ring_map(struct ring *r, int fd, unsigned data_pages)
{
	struct perf_event_mmap_page *meta;
	long page = sysconf(_SC_PAGESIZE);
	size_t map_size;
	void *base;

	memset(r, 0, sizeof(*r));
	if (page <= 0 || !ring_is_pow2(data_pages))
		return -EINVAL;
	if (data_pages > SIZE_MAX / (size_t)page - 1)
		return -EINVAL;
	map_size = ((size_t)data_pages + 1) * (size_t)page;

	/*
	 * PROT_WRITE matters: a writable mapping tells the kernel we publish data_tail, and it
	 * then stops at our tail (and emits PERF_RECORD_LOST) instead of overwriting unread data.
	 */
	base = mmap(NULL, map_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (base == MAP_FAILED)
		return -errno;
	meta = base;

	r->base = base;
	r->map_size = map_size;
	r->meta = meta;
	if (meta->data_size != 0) {
		/* 4.1+ says where the data area is; older kernels put it right after page 0. */
		if (meta->data_offset > map_size ||
		    meta->data_size > map_size - meta->data_offset || (meta->data_offset & 7) ||
		    !ring_is_pow2(meta->data_size)) {
			ring_unmap(r);
			return -EINVAL;
		}
		r->data = (uint8_t *)base + meta->data_offset;
		r->size = meta->data_size;
	} else {
		r->data = (uint8_t *)base + page;
		r->size = (uint64_t)data_pages * (uint64_t)page;
	}
	return 0;
}

void
ring_unmap(struct ring *r)
{
	if (r->base)
		munmap(r->base, r->map_size);
	memset(r, 0, sizeof(*r));
}

void
ring_init_memory(struct ring *r, struct perf_event_mmap_page *meta, uint8_t *data, uint64_t size)
{
	memset(r, 0, sizeof(*r));
	r->meta = meta;
	r->data = data;
	r->size = size;
}

/*
 * Publishes `tail`. The uapi contract (comment above data_head): a full barrier (smp_mb) so
 * that all our reads of record bytes complete before the kernel can see the space as free and
 * overwrite it; the release store keeps the compiler from sinking those reads below it too.
 */
static void
ring_release(struct ring *r, uint64_t tail)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	__atomic_store_n(&r->meta->data_tail, tail, __ATOMIC_RELEASE);
}

int
ring_read(struct ring *r, ring_record_fn fn, void *arg)
{
	uint64_t scratch[RING_SCRATCH_WORDS];
	uint64_t head, tail, mask = r->size - 1;
	int n = 0, ret = 0;
	bool corrupt = false;

	/*
	 * Acquire pairs with the kernel's barrier before it advances data_head: the record bytes
	 * below head are visible once head is (the smp_rmb the uapi comment asks for).
	 */
	head = __atomic_load_n(&r->meta->data_head, __ATOMIC_ACQUIRE);
	/* Only we write data_tail. */
	tail = __atomic_load_n(&r->meta->data_tail, __ATOMIC_RELAXED);

	/*
	 * Positions are free-running u64 counters; head - tail is the unread byte count even
	 * across wrap of the counters. More than the buffer holds means the writer lapped us (or
	 * the meta page is garbage): what lies between is overwritten, so resume at head.
	 */
	if (head - tail > r->size) {
		r->overruns++;
		ring_release(r, head);
		return 0;
	}

	while (tail != head) {
		uint64_t avail = head - tail, off = tail & mask;
		struct perf_event_header h;
		const void *rec;

		/*
		 * Records are 8-byte multiples from an 8-byte aligned start, so a header never
		 * straddles the end of the data area; anything else is corruption, as is a record
		 * the kernel has not finished (past head: the kernel moves head only after whole
		 * records).
		 */
		if ((tail & 7) || avail < sizeof(h)) {
			corrupt = true;
			break;
		}
		memcpy(&h, r->data + off, sizeof(h));
		if (h.size < sizeof(h) || (h.size & 7) || h.size > avail) {
			corrupt = true;
			break;
		}
		if (off + h.size <= r->size) {
			rec = r->data + off;
		} else {
			size_t first = (size_t)(r->size - off);

			memcpy(scratch, r->data + off, first);
			memcpy((uint8_t *)scratch + first, r->data, h.size - first);
			rec = scratch;
		}
		tail += h.size;
		n++;
		ret = fn(rec, h.size, arg);
		if (ret != 0 || n == INT_MAX)
			break;
	}
	if (corrupt) {
		/* Framing is lost: nothing up to head can be trusted to start a record. */
		ring_release(r, head);
		return -EBADMSG;
	}
	ring_release(r, tail);
	return ret != 0 ? ret : n;
}

int
ring_pending(const struct ring *r)
{
	uint64_t head = __atomic_load_n(&r->meta->data_head, __ATOMIC_ACQUIRE);

	return head != __atomic_load_n(&r->meta->data_tail, __ATOMIC_RELAXED);
}
