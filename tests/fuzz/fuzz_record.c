/*
 * fuzz_record: record_parse on arbitrary bytes. The first byte picks a layout from
 * record_layouts.h, the rest is the record, copied into a heap block of exactly its size (the
 * ring reader hands out 8-byte aligned records; malloc's blocks are aligned, and ASan guards
 * their end). A record that parses must keep every promise of record.h: borrowed arrays and
 * strings lie inside header.size, counts fit their arrays, dyn_size <= size.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "record_layouts.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static void
fuzz_record_sample(const uint8_t *buf, size_t size, const struct record_layout *l,
		   const struct record_sample *s)
{
	if (s->ips || s->nr_ips) {
		FUZZ_CHECK(l->sample_type & PERF_SAMPLE_CALLCHAIN);
		FUZZ_CHECK(s->nr_ips <= size / 8);
		FUZZ_CHECK(((uintptr_t)s->ips & 7) == 0);
		FUZZ_CHECK(fuzz_within(buf, size, s->ips, (size_t)s->nr_ips * 8));
		fuzz_touch(s->ips, (size_t)s->nr_ips * 8);
	}
	FUZZ_CHECK(s->nr_values <= RECORD_MAX_READ);
	if (s->raw_size) {
		FUZZ_CHECK(fuzz_within(buf, size, s->raw, s->raw_size));
		fuzz_touch(s->raw, s->raw_size);
	}
	if (s->regs_abi) {
		FUZZ_CHECK(s->nr_regs == (uint32_t)__builtin_popcountll(l->sample_regs_user));
		FUZZ_CHECK(((uintptr_t)s->regs & 7) == 0);
		FUZZ_CHECK(fuzz_within(buf, size, s->regs, (size_t)s->nr_regs * 8));
		fuzz_touch(s->regs, (size_t)s->nr_regs * 8);
	} else {
		FUZZ_CHECK(s->nr_regs == 0);
	}
	if (s->stack_size) {
		FUZZ_CHECK(s->stack_dyn_size <= s->stack_size);
		FUZZ_CHECK(fuzz_within(buf, size, s->stack, (size_t)s->stack_size));
		fuzz_touch(s->stack, (size_t)s->stack_size);
	} else {
		FUZZ_CHECK(s->stack_dyn_size == 0);
	}
}

/* A borrowed string ends (its NUL) inside the record. */
static void
fuzz_record_string(const uint8_t *buf, size_t size, const char *str)
{
	FUZZ_CHECK(str != NULL);
	FUZZ_CHECK(fuzz_within(buf, size, str, 1));
	FUZZ_CHECK(memchr(str, '\0', size - (size_t)((const uint8_t *)str - buf)) != NULL);
	fuzz_touch(str, strlen(str) + 1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct record_layout *l;
	struct record r;
	uint8_t *buf;
	int err;

	if (size < 1)
		return 0;
	l = &fuzz_record_layouts[data[0] % FUZZ_NLAYOUTS].layout;
	data++;
	size--;
	buf = malloc(size ? size : 1);
	FUZZ_CHECK(buf != NULL);
	memcpy(buf, data, size);

	err = record_parse(l, buf, size, &r);
	FUZZ_CHECK(err == 0 || err == -EINVAL || err == -EOVERFLOW || err == -E2BIG);
	FUZZ_CHECK(record_type_name(r.type) != NULL);
	if (err == 0) {
		FUZZ_CHECK(r.size >= 8 && r.size <= size && (r.size & 7) == 0);
		switch (r.type) {
		case PERF_RECORD_SAMPLE:
			fuzz_record_sample(buf, r.size, l, &r.u.sample);
			break;
		case PERF_RECORD_MMAP:
		case PERF_RECORD_MMAP2:
			fuzz_record_string(buf, r.size, r.u.mmap2.filename);
			FUZZ_CHECK(r.u.mmap2.build_id_size <= sizeof(r.u.mmap2.build_id));
			break;
		case PERF_RECORD_COMM:
			fuzz_record_string(buf, r.size, r.u.comm.comm);
			break;
		default:
			break;
		}
	}
	/* The same bytes one byte off alignment are refused, never misread. */
	if (size >= 9) {
		FUZZ_CHECK(record_parse(l, buf + 1, size - 1, &r) == -EINVAL);
	}
	free(buf);
	return 0;
}
