/*
 * record_layouts.h: the record layouts fuzz-record parses its input with. The first byte of an
 * input picks one (modulo their number), the rest is the record. seed_record.c opens real
 * events with the same layouts to capture the seed corpus, so keep the order: seeds name their
 * layout by index.
 */
#ifndef PROF_FUZZ_RECORD_LAYOUTS_H
#define PROF_FUZZ_RECORD_LAYOUTS_H

#include <linux/perf_event.h>

#include "record.h"

/* The user registers of a DWARF-unwinding sampler (the kernel refuses bits it lacks). */
#if defined(__aarch64__)
#define FUZZ_REGS_MASK UINT64_C(0x1ffffffff) /* x0-x30, sp, pc */
#else
#define FUZZ_REGS_MASK UINT64_C(0xff01ff) /* ax..ip, r8..r15 */
#endif

#define FUZZ_SAMPLE_PROF                                                                           \
	(PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME |            \
	 PERF_SAMPLE_PERIOD | PERF_SAMPLE_CALLCHAIN)
#define FUZZ_FORMAT_PROF                                                                           \
	(PERF_FORMAT_GROUP | PERF_FORMAT_ID | PERF_FORMAT_TOTAL_TIME_ENABLED |                     \
	 PERF_FORMAT_TOTAL_TIME_RUNNING)

static const struct fuzz_record_layout {
	const char *name;
	struct record_layout layout;
	int members; /* counted group members the seed generator adds */
} fuzz_record_layouts[] = {
	/* 0: what prof record opens with one event */
	{"prof", {FUZZ_SAMPLE_PROF, FUZZ_FORMAT_PROF, 0, true}, 0},
	/* 1: a counter group: PERF_SAMPLE_READ of the whole group */
	{"group", {FUZZ_SAMPLE_PROF | PERF_SAMPLE_READ, FUZZ_FORMAT_PROF, 0, true}, 2},
	/* 2: DWARF unwinding: registers and a copy of the user stack */
	{"dwarf",
	 {FUZZ_SAMPLE_PROF | PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER, FUZZ_FORMAT_PROF,
	  FUZZ_REGS_MASK, true},
	 0},
	/* 3: every field record_parse reads, a non-group read with lost counts */
	{"all",
	 {PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME |
		  PERF_SAMPLE_ADDR | PERF_SAMPLE_ID | PERF_SAMPLE_STREAM_ID | PERF_SAMPLE_CPU |
		  PERF_SAMPLE_PERIOD | PERF_SAMPLE_READ | PERF_SAMPLE_CALLCHAIN | PERF_SAMPLE_RAW |
		  PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER | PERF_SAMPLE_WEIGHT |
		  PERF_SAMPLE_DATA_SRC | PERF_SAMPLE_PHYS_ADDR,
	  PERF_FORMAT_ID | PERF_FORMAT_LOST | PERF_FORMAT_TOTAL_TIME_ENABLED |
		  PERF_FORMAT_TOTAL_TIME_RUNNING,
	  FUZZ_REGS_MASK, true},
	 0},
	/* 4: a group read with lost counts, no trailer on other records */
	{"group-lost",
	 {PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_READ | PERF_SAMPLE_CALLCHAIN,
	  PERF_FORMAT_GROUP | PERF_FORMAT_ID | PERF_FORMAT_LOST, 0, false},
	 1},
	/* 5: the bare minimum */
	{"ip", {PERF_SAMPLE_IP, 0, 0, false}, 0},
};

#define FUZZ_NLAYOUTS (sizeof(fuzz_record_layouts) / sizeof(fuzz_record_layouts[0]))

#endif
