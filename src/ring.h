/*
 * ring: reads a perf_event mmap ring buffer. The kernel writes records at data_head; we read
 * from data_tail up to data_head and then publish the new tail. Fences follow the uapi comment
 * on perf_event_mmap_page: acquire after loading data_head, full barrier before storing
 * data_tail. A record whose body wraps the end of the buffer is copied out into scratch memory
 * so callers always see contiguous, 8-byte aligned bytes.
 */
#ifndef PROF_RING_H
#define PROF_RING_H

#include <stddef.h>
#include <stdint.h>

struct perf_event_mmap_page;

struct ring {
	void *base;        /* mmap'd area (NULL for memory rings) */
	size_t map_size;   /* bytes mapped */
	struct perf_event_mmap_page *meta;
	uint8_t *data;     /* data area */
	uint64_t size;     /* data area bytes, a power of two */
	uint64_t overruns; /* times the writer was found more than `size` ahead of us */
};

/* mmaps 1 + data_pages pages (data_pages a power of two) of perf event `fd`. 0 or -errno. */
int ring_map(struct ring *r, int fd, unsigned data_pages);
void ring_unmap(struct ring *r);

/* A ring over caller-provided memory (for tests): meta page plus `size` data bytes. */
void ring_init_memory(struct ring *r, struct perf_event_mmap_page *meta, uint8_t *data,
		      uint64_t size);

/*
 * Called once per record with contiguous bytes (valid only during the call). A non-zero return
 * stops reading; the records consumed so far (this one included) are released.
 */
typedef int (*ring_record_fn)(const void *rec, size_t len, void *arg);

/*
 * Hands every complete record between tail and head to `fn`, then releases them to the kernel.
 * Returns the number of records read, or the callback's non-zero value if it stopped early (as
 * a negative number if it returned one). A corrupt header (size < 8 or past head) stops reading,
 * drops what is left and returns -EBADMSG.
 */
int ring_read(struct ring *r, ring_record_fn fn, void *arg);

/* True when records are waiting (head != tail). */
int ring_pending(const struct ring *r);

#endif
