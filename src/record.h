/*
 * record: turns the bytes of one perf ring-buffer record into a typed struct. Pure: no I/O, no
 * allocation, no global state, so it is unit-tested on hand-built bytes and fuzzed. Untrusted
 * input never makes it read out of bounds or abort: a malformed record returns -EINVAL (a
 * truncated one -EOVERFLOW).
 *
 * The layout of PERF_RECORD_SAMPLE and of the sample_id trailer of other records depends on the
 * attr the event was opened with; struct record_layout carries those bits.
 */
#ifndef PROF_RECORD_H
#define PROF_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct record_layout {
	uint64_t sample_type;     /* PERF_SAMPLE_* bits */
	uint64_t read_format;     /* PERF_FORMAT_* bits (for PERF_SAMPLE_READ) */
	uint64_t sample_regs_user; /* register mask (for PERF_SAMPLE_REGS_USER) */
	bool sample_id_all;
};

/* The sample_id trailer of non-sample records (present with sample_id_all). */
struct record_id {
	uint32_t pid, tid;
	uint64_t time;
	uint64_t id;
	uint64_t stream_id;
	uint32_t cpu;
	bool valid; /* false when the record carries no trailer */
};

/* One member value of a PERF_SAMPLE_READ group read. */
struct record_value {
	uint64_t value;
	uint64_t id;   /* 0 without PERF_FORMAT_ID */
	uint64_t lost; /* 0 without PERF_FORMAT_LOST */
};

#define RECORD_MAX_READ 16 /* group members we decode; larger groups are -E2BIG */

struct record_sample {
	uint64_t id;
	uint64_t ip;
	uint32_t pid, tid;
	uint64_t time;
	uint64_t addr;
	uint64_t stream_id;
	uint32_t cpu;
	uint64_t period;
	/* PERF_SAMPLE_READ */
	uint64_t time_enabled, time_running;
	uint32_t nr_values;
	struct record_value values[RECORD_MAX_READ];
	/* PERF_SAMPLE_CALLCHAIN: borrowed from the record bytes (8-byte aligned) */
	uint64_t nr_ips;
	const uint64_t *ips;
	/* PERF_SAMPLE_RAW */
	uint32_t raw_size;
	const uint8_t *raw;
	/* PERF_SAMPLE_REGS_USER */
	uint64_t regs_abi; /* 0: no registers (kernel thread / no user context) */
	uint32_t nr_regs;
	const uint64_t *regs;
	/* PERF_SAMPLE_STACK_USER: stack[0..stack_size) copied, of which dyn_size bytes are valid */
	uint64_t stack_size;
	const uint8_t *stack;
	uint64_t stack_dyn_size;
};

struct record_mmap2 {
	uint32_t pid, tid;
	uint64_t addr, len, pgoff;
	bool has_build_id; /* PERF_RECORD_MISC_MMAP_BUILD_ID */
	uint32_t maj, min;
	uint64_t ino, ino_generation;
	uint8_t build_id_size;
	uint8_t build_id[20];
	uint32_t prot, flags;
	const char *filename; /* NUL-terminated within the record, borrowed */
};

struct record_comm {
	uint32_t pid, tid;
	bool exec; /* PERF_RECORD_MISC_COMM_EXEC */
	const char *comm; /* borrowed */
};

struct record_task { /* PERF_RECORD_FORK and PERF_RECORD_EXIT */
	uint32_t pid, ppid, tid, ptid;
	uint64_t time;
};

struct record_lost {
	uint64_t id, lost;
};

struct record_throttle { /* PERF_RECORD_THROTTLE and PERF_RECORD_UNTHROTTLE */
	uint64_t time, id, stream_id;
};

struct record_switch { /* PERF_RECORD_SWITCH, PERF_RECORD_SWITCH_CPU_WIDE */
	bool out, preempt;
	uint32_t next_prev_pid, next_prev_tid; /* CPU_WIDE only */
};

struct record {
	uint32_t type;  /* PERF_RECORD_* */
	uint16_t misc;
	uint16_t size;
	struct record_id sid; /* trailer of non-sample records */
	union {
		struct record_sample sample;
		struct record_mmap2 mmap2; /* also PERF_RECORD_MMAP, with maj..ino zero */
		struct record_comm comm;
		struct record_task task;
		struct record_lost lost;
		struct record_throttle throttle;
		struct record_switch sw;
	} u;
};

/*
 * Parses the record at `buf` (8-byte aligned, `len` bytes available). Returns 0, -EOVERFLOW when
 * the header says more bytes than `len` or a field runs past header.size, -EINVAL for an
 * impossible size or field, -E2BIG for a group read of more than RECORD_MAX_READ members.
 * Records of types it does not decode return 0 with only type/misc/size set. Pointers in `out`
 * borrow `buf`.
 */
int record_parse(const struct record_layout *layout, const void *buf, size_t len,
		 struct record *out);

/* Name of a PERF_RECORD_* type for messages ("SAMPLE", "MMAP2", ...; "UNKNOWN" otherwise). */
const char *record_type_name(uint32_t type);

#endif
