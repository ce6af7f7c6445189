/*
 * record_test: record_parse on hand-built records, laid out the way the kernel writes them.
 * Every well-formed record is also fed back cut short at every length (both as a short buffer
 * and with header.size shrunk to match) in a heap block of exactly that many bytes, so a build
 * with ASan or a valgrind run catches any read past the end. A seeded random loop then throws
 * mutated and random bytes at it.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <linux/perf_event.h>

#include "record.h"
#include "tap.h"

#define KCTX ((uint64_t)PERF_CONTEXT_KERNEL)
#define UCTX ((uint64_t)PERF_CONTEXT_USER)

/* A record under construction; the words keep it 8-byte aligned like a ring buffer does. */
struct rb {
	uint64_t w[1024];
	size_t len;
};

static uint8_t *
rb_bytes(struct rb *b)
{
	return (uint8_t *)b->w;
}

static void
rb_put(struct rb *b, const void *p, size_t n)
{
	if (b->len + n > sizeof(b->w))
		abort();
	memcpy(rb_bytes(b) + b->len, p, n);
	b->len += n;
}

static void
rb_pad(struct rb *b)
{
	static const uint8_t zero[8];

	rb_put(b, zero, (8 - (b->len & 7)) & 7);
}

static void
rb_u64(struct rb *b, uint64_t v)
{
	rb_put(b, &v, sizeof(v));
}

static void
rb_u32x2(struct rb *b, uint32_t x, uint32_t y)
{
	rb_put(b, &x, sizeof(x));
	rb_put(b, &y, sizeof(y));
}

/* The string with its NUL, padded to 8 bytes the way the kernel pads filename and comm. */
static void
rb_str(struct rb *b, const char *s)
{
	rb_put(b, s, strlen(s) + 1);
	rb_pad(b);
}

static void
rb_start(struct rb *b, uint32_t type, uint16_t misc)
{
	struct perf_event_header h = {.type = type, .misc = misc, .size = 0};

	memset(b->w, 0, sizeof(b->w));
	b->len = 0;
	rb_put(b, &h, sizeof(h));
}

/* The sample_id trailer for `l`, with fixed values the tests check. */
static void
rb_trailer(struct rb *b, const struct record_layout *l)
{
	uint64_t t = l->sample_type;

	if (!l->sample_id_all)
		return;
	if (t & PERF_SAMPLE_TID)
		rb_u32x2(b, 4242, 4243);
	if (t & PERF_SAMPLE_TIME)
		rb_u64(b, 987654321);
	if (t & PERF_SAMPLE_ID)
		rb_u64(b, 77);
	if (t & PERF_SAMPLE_STREAM_ID)
		rb_u64(b, 78);
	if (t & PERF_SAMPLE_CPU)
		rb_u32x2(b, 3, 0xdead);
	if (t & PERF_SAMPLE_IDENTIFIER)
		rb_u64(b, 77);
}

static void
rb_finish(struct rb *b)
{
	struct perf_event_header h;

	memcpy(&h, b->w, sizeof(h));
	h.size = (uint16_t)b->len;
	memcpy(b->w, &h, sizeof(h));
}

static void
rb_set_size(uint8_t *p, uint16_t size)
{
	struct perf_event_header h;

	memcpy(&h, p, sizeof(h));
	h.size = size;
	memcpy(p, &h, sizeof(h));
}

/* Parses `n` bytes from a heap block of exactly `len` bytes, so ASan sees any overread. */
static int
parse_exact(const struct record_layout *l, const void *bytes, size_t n, size_t len)
{
	uint8_t *p = malloc(len ? len : 1);
	struct record rec;
	int ret;

	if (!p)
		abort();
	memset(p, 0xa5, len);
	memcpy(p, bytes, n < len ? n : len);
	ret = record_parse(l, p, len, &rec);
	free(p);
	return ret;
}

/*
 * Checks that the finished record parses (into *out, pointing into b), still parses with junk
 * after it, and that every shorter cut fails: len short of header.size is -EOVERFLOW; a
 * header.size shrunk along with len must fail in some way.
 */
static int
check_record(const char *name, const struct record_layout *l, struct rb *b, struct record *out)
{
	int bad_len = 0, bad_size = 0, ret;
	uint8_t *cut;

	ret = record_parse(l, b->w, b->len, out);
	if (!tap_ok(ret == 0, "%s: parses", name))
		tap_diag("record_parse returned %d", ret);
	TAP_EQ_U64(out->size, b->len, "size");
	tap_ok(parse_exact(l, b->w, b->len, b->len + 40) == 0, "%s: bytes after it are ignored",
	       name);

	cut = malloc(b->len);
	if (!cut)
		abort();
	for (size_t k = 0; k < b->len; k++) {
		if (parse_exact(l, b->w, k, k) != -EOVERFLOW)
			bad_len++;
		if (k < sizeof(struct perf_event_header))
			continue;
		memcpy(cut, b->w, k);
		rb_set_size(cut, (uint16_t)k);
		if (parse_exact(l, cut, k, k) >= 0)
			bad_size++;
	}
	free(cut);
	tap_ok(bad_len == 0, "%s: each of %zu short buffers is -EOVERFLOW", name, b->len);
	tap_ok(bad_size == 0, "%s: each shrunk header.size is refused", name);
	return ret;
}

static const struct record_layout basic_layout = {
	.sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_PERIOD |
		       PERF_SAMPLE_CALLCHAIN,
};

static void
test_sample_basic(void)
{
	/* clang-format off */
	const uint64_t chain[] = {KCTX, 0xffffffff81000010, 0xffffffff81000020,
				  UCTX, 0x401234, 0x401500};
	/* clang-format on */
	struct record rec;
	struct rb b;

	rb_start(&b, PERF_RECORD_SAMPLE, PERF_RECORD_MISC_USER);
	rb_u64(&b, 0x401234);
	rb_u32x2(&b, 100, 101);
	rb_u64(&b, 123456789);
	rb_u64(&b, 1000);
	rb_u64(&b, 6);
	for (size_t i = 0; i < 6; i++)
		rb_u64(&b, chain[i]);
	rb_finish(&b);

	check_record("basic sample", &basic_layout, &b, &rec);
	TAP_EQ_U64(rec.type, PERF_RECORD_SAMPLE, "type");
	TAP_EQ_U64(rec.misc, PERF_RECORD_MISC_USER, "misc");
	TAP_EQ_U64(rec.u.sample.ip, 0x401234, "ip");
	TAP_EQ_U64(rec.u.sample.pid, 100, "pid");
	TAP_EQ_U64(rec.u.sample.tid, 101, "tid");
	TAP_EQ_U64(rec.u.sample.time, 123456789, "time");
	TAP_EQ_U64(rec.u.sample.period, 1000, "period");
	TAP_EQ_U64(rec.u.sample.nr_ips, 6, "nr_ips");
	tap_ok(rec.u.sample.ips == &b.w[6], "ips borrowed in place");
	tap_ok(rec.u.sample.ips && memcmp(rec.u.sample.ips, chain, sizeof(chain)) == 0,
	       "ips intact");
	TAP_EQ_U64(rec.u.sample.nr_values, 0, "no read values");
	tap_ok(!rec.sid.valid, "samples carry no trailer");

	/* An empty callchain is legal. */
	rb_start(&b, PERF_RECORD_SAMPLE, 0);
	rb_u64(&b, 0x401234);
	rb_u32x2(&b, 100, 101);
	rb_u64(&b, 1);
	rb_u64(&b, 1);
	rb_u64(&b, 0);
	rb_finish(&b);
	check_record("empty callchain", &basic_layout, &b, &rec);
	TAP_EQ_U64(rec.u.sample.nr_ips, 0, "nr_ips 0");
}

static const struct record_layout full_layout = {
	.sample_type = PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP | PERF_SAMPLE_TID |
		       PERF_SAMPLE_TIME | PERF_SAMPLE_ID | PERF_SAMPLE_CPU | PERF_SAMPLE_PERIOD |
		       PERF_SAMPLE_READ | PERF_SAMPLE_CALLCHAIN | PERF_SAMPLE_REGS_USER |
		       PERF_SAMPLE_STACK_USER,
	.read_format = PERF_FORMAT_GROUP | PERF_FORMAT_ID | PERF_FORMAT_TOTAL_TIME_ENABLED |
		       PERF_FORMAT_TOTAL_TIME_RUNNING,
	.sample_regs_user = (1u << 6) | (1u << 7) | (1u << 8), /* x86-64 BP, SP, IP */
	.sample_id_all = true,
};

/* A leader-sampled group sample with user regs and stack, as DWARF unwinding asks for. */
static void
build_full(struct rb *b, uint64_t abi, uint64_t stack_size, uint64_t dyn_size)
{
	rb_start(b, PERF_RECORD_SAMPLE, PERF_RECORD_MISC_USER);
	rb_u64(b, 55);	       /* identifier */
	rb_u64(b, 0x55550000); /* ip */
	rb_u32x2(b, 200, 201); /* pid, tid */
	rb_u64(b, 1111);       /* time */
	rb_u64(b, 55);	       /* id */
	rb_u32x2(b, 7, 0);     /* cpu, res */
	rb_u64(b, 4000);       /* period */
	rb_u64(b, 3);	       /* read: nr */
	rb_u64(b, 900);	       /* enabled */
	rb_u64(b, 800);	       /* running */
	for (uint64_t i = 0; i < 3; i++) {
		rb_u64(b, 1000 * (i + 1)); /* value */
		rb_u64(b, 55 + i);	   /* id */
	}
	rb_u64(b, 3);
	rb_u64(b, UCTX);
	rb_u64(b, 0x55550000);
	rb_u64(b, 0x55551000);
	rb_u64(b, abi);
	if (abi != 0) {
		rb_u64(b, 0x7ffd0000); /* bp */
		rb_u64(b, 0x7ffc0000); /* sp */
		rb_u64(b, 0x55550000); /* ip */
	}
	rb_u64(b, stack_size);
	if (stack_size != 0) {
		for (uint64_t i = 0; i < stack_size; i++) {
			uint8_t c = (uint8_t)(i * 7 + 1);

			rb_put(b, &c, 1);
		}
		rb_u64(b, dyn_size);
	}
	rb_finish(b);
}

static void
test_sample_full(void)
{
	struct record rec;
	struct record_sample *s = &rec.u.sample;
	struct rb b;
	int ok;

	build_full(&b, PERF_SAMPLE_REGS_ABI_64, 64, 40);
	check_record("group/regs/stack sample", &full_layout, &b, &rec);
	TAP_EQ_U64(s->id, 55, "id");
	TAP_EQ_U64(s->ip, 0x55550000, "ip");
	TAP_EQ_U64(s->pid, 200, "pid");
	TAP_EQ_U64(s->tid, 201, "tid");
	TAP_EQ_U64(s->time, 1111, "time");
	TAP_EQ_U64(s->cpu, 7, "cpu");
	TAP_EQ_U64(s->period, 4000, "period");
	TAP_EQ_U64(s->time_enabled, 900, "time_enabled");
	TAP_EQ_U64(s->time_running, 800, "time_running");
	TAP_EQ_U64(s->nr_values, 3, "three members");
	ok = 1;
	for (uint32_t i = 0; i < 3; i++)
		ok &= s->values[i].value == 1000 * (i + 1) && s->values[i].id == 55 + i &&
		      s->values[i].lost == 0;
	tap_ok(ok, "member values and ids");
	TAP_EQ_U64(s->nr_ips, 3, "nr_ips");
	TAP_EQ_U64(s->ips[2], 0x55551000, "last ip");
	TAP_EQ_U64(s->regs_abi, PERF_SAMPLE_REGS_ABI_64, "regs abi");
	TAP_EQ_U64(s->nr_regs, 3, "popcount(mask) regs");
	tap_ok(s->regs && s->regs[0] == 0x7ffd0000 && s->regs[1] == 0x7ffc0000 &&
		       s->regs[2] == 0x55550000,
	       "regs in mask order");
	TAP_EQ_U64(s->stack_size, 64, "stack size");
	TAP_EQ_U64(s->stack_dyn_size, 40, "dyn size");
	ok = s->stack != NULL;
	for (uint64_t i = 0; ok && i < 64; i++)
		ok = s->stack[i] == (uint8_t)(i * 7 + 1);
	tap_ok(ok, "stack bytes");

	/* A kernel thread: abi NONE means no register words; stack size 0 means no dyn_size. */
	build_full(&b, PERF_SAMPLE_REGS_ABI_NONE, 0, 0);
	check_record("sample without user context", &full_layout, &b, &rec);
	TAP_EQ_U64(s->regs_abi, 0, "abi none");
	TAP_EQ_U64(s->nr_regs, 0, "no regs");
	TAP_EQ_U64(s->stack_size, 0, "no stack");
	TAP_EQ_U64(s->stack_dyn_size, 0, "no dyn size");

	/* dyn_size beyond the copied stack is impossible. */
	build_full(&b, PERF_SAMPLE_REGS_ABI_64, 16, 24);
	TAP_EQ_U64(record_parse(&full_layout, b.w, b.len, &rec), -EINVAL, "dyn_size > size");

	/* A stack size larger than the record. */
	rb_start(&b, PERF_RECORD_SAMPLE, 0);
	rb_u64(&b, UINT64_MAX - 3);
	rb_u64(&b, 0);
	rb_finish(&b);
	{
		const struct record_layout l = {.sample_type = PERF_SAMPLE_STACK_USER};

		TAP_EQ_U64(record_parse(&l, b.w, b.len, &rec), -EOVERFLOW, "huge stack size");
	}
}

/* Every field we skip must still be consumed, in order; values land in the fields we keep. */
static void
test_sample_skipped_fields(void)
{
	const struct record_layout l = {
		.sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_ADDR | PERF_SAMPLE_STREAM_ID |
			       PERF_SAMPLE_READ | PERF_SAMPLE_RAW | PERF_SAMPLE_WEIGHT_STRUCT |
			       PERF_SAMPLE_DATA_SRC | PERF_SAMPLE_TRANSACTION |
			       PERF_SAMPLE_PHYS_ADDR | PERF_SAMPLE_CGROUP |
			       PERF_SAMPLE_DATA_PAGE_SIZE | PERF_SAMPLE_CODE_PAGE_SIZE,
		.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING |
			       PERF_FORMAT_ID | PERF_FORMAT_LOST,
	};
	const uint8_t raw[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
	uint32_t raw_size = sizeof(raw);
	struct record rec;
	struct rb b;

	rb_start(&b, PERF_RECORD_SAMPLE, 0);
	rb_u64(&b, 0x1000); /* ip */
	rb_u64(&b, 0xabc0); /* addr */
	rb_u64(&b, 31);	    /* stream_id */
	rb_u64(&b, 5000);   /* read: value */
	rb_u64(&b, 10);	    /* enabled */
	rb_u64(&b, 9);	    /* running */
	rb_u64(&b, 30);	    /* id */
	rb_u64(&b, 2);	    /* lost */
	rb_put(&b, &raw_size, sizeof(raw_size));
	rb_put(&b, raw, sizeof(raw));
	rb_pad(&b); /* 4 + 9 bytes, padded to 16 */
	for (uint64_t i = 0; i < 7; i++)
		rb_u64(&b, 0x100 + i);
	rb_finish(&b);

	check_record("sample with skipped fields", &l, &b, &rec);
	TAP_EQ_U64(rec.u.sample.ip, 0x1000, "ip");
	TAP_EQ_U64(rec.u.sample.addr, 0xabc0, "addr");
	TAP_EQ_U64(rec.u.sample.stream_id, 31, "stream_id");
	TAP_EQ_U64(rec.u.sample.nr_values, 1, "non-group read: one value");
	TAP_EQ_U64(rec.u.sample.values[0].value, 5000, "value");
	TAP_EQ_U64(rec.u.sample.values[0].id, 30, "value id");
	TAP_EQ_U64(rec.u.sample.values[0].lost, 2, "value lost");
	TAP_EQ_U64(rec.u.sample.time_enabled, 10, "enabled");
	TAP_EQ_U64(rec.u.sample.time_running, 9, "running");
	TAP_EQ_U64(rec.u.sample.raw_size, 9, "raw size");
	tap_ok(rec.u.sample.raw && memcmp(rec.u.sample.raw, raw, sizeof(raw)) == 0, "raw bytes");

	/* One word too many: the layout does not describe this record. */
	rb_u64(&b, 0);
	rb_finish(&b);
	TAP_EQ_U64(record_parse(&l, b.w, b.len, &rec), -EINVAL, "trailing bytes in a sample");
}

static void
test_sample_errors(void)
{
	struct record_layout l = basic_layout;
	struct record rec;
	struct rb b;

	/* nr chosen so that nr * 8 wraps to 0 and nr * 8 + 8 to 8. */
	const uint64_t huge[] = {UINT64_MAX, (UINT64_C(1) << 61), (UINT64_C(1) << 61) + 1, 4};

	for (size_t i = 0; i < sizeof(huge) / sizeof(huge[0]); i++) {
		rb_start(&b, PERF_RECORD_SAMPLE, 0);
		rb_u64(&b, 1);
		rb_u32x2(&b, 1, 1);
		rb_u64(&b, 1);
		rb_u64(&b, 1);
		rb_u64(&b, huge[i]);
		rb_u64(&b, 0x1234);
		rb_u64(&b, 0x5678);
		rb_finish(&b);
		TAP_EQ_U64(parse_exact(&l, b.w, b.len, b.len), -EOVERFLOW,
			   "callchain nr past the record");
	}

	l.sample_type |= PERF_SAMPLE_BRANCH_STACK;
	TAP_EQ_U64(record_parse(&l, b.w, b.len, &rec), -EINVAL, "BRANCH_STACK is refused");
	l.sample_type = basic_layout.sample_type | PERF_SAMPLE_REGS_INTR;
	TAP_EQ_U64(record_parse(&l, b.w, b.len, &rec), -EINVAL, "REGS_INTR is refused");
	l.sample_type = basic_layout.sample_type | (UINT64_C(1) << 40);
	TAP_EQ_U64(record_parse(&l, b.w, b.len, &rec), -EINVAL, "unknown sample bit is refused");

	/* Group reads: 17 members is more than we decode; a wild nr is a truncation. */
	l = (struct record_layout){.sample_type = PERF_SAMPLE_READ,
				   .read_format = PERF_FORMAT_GROUP};
	rb_start(&b, PERF_RECORD_SAMPLE, 0);
	rb_u64(&b, RECORD_MAX_READ + 1);
	for (int i = 0; i < RECORD_MAX_READ + 1; i++)
		rb_u64(&b, (uint64_t)i);
	rb_finish(&b);
	TAP_EQ_U64(record_parse(&l, b.w, b.len, &rec), -E2BIG, "17-member group is -E2BIG");
	b.w[1] = UINT64_C(1) << 61;
	TAP_EQ_U64(record_parse(&l, b.w, b.len, &rec), -EOVERFLOW, "group nr past the record");
	b.w[1] = RECORD_MAX_READ;
	b.len -= 8;
	rb_finish(&b);
	check_record("16-member group", &l, &b, &rec);
	TAP_EQ_U64(rec.u.sample.nr_values, RECORD_MAX_READ, "16 values");
	TAP_EQ_U64(rec.u.sample.values[15].value, 15, "last value");
	l.read_format |= PERF_FORMAT_MAX;
	TAP_EQ_U64(record_parse(&l, b.w, b.len, &rec), -EINVAL, "unknown read_format bit");
}

static const struct record_layout trailer_layout = {
	.sample_type = PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP | PERF_SAMPLE_TID |
		       PERF_SAMPLE_TIME | PERF_SAMPLE_ID | PERF_SAMPLE_STREAM_ID | PERF_SAMPLE_CPU |
		       PERF_SAMPLE_CALLCHAIN,
	.sample_id_all = true,
};

static const struct record_layout no_trailer_layout = {
	.sample_type = PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_TID | PERF_SAMPLE_TIME,
	.sample_id_all = false,
};

static void
check_sid(const struct record *rec, const struct record_layout *l)
{
	if (!l->sample_id_all) {
		tap_ok(!rec->sid.valid, "no trailer without sample_id_all");
		return;
	}
	tap_ok(rec->sid.valid && rec->sid.pid == 4242 && rec->sid.tid == 4243 &&
		       rec->sid.time == 987654321 && rec->sid.id == 77 &&
		       rec->sid.stream_id == 78 && rec->sid.cpu == 3,
	       "sample_id trailer read from the end");
}

static void
build_mmap2(struct rb *b, const struct record_layout *l, bool build_id, const char *file)
{
	rb_start(b, PERF_RECORD_MMAP2,
		 PERF_RECORD_MISC_USER | (build_id ? PERF_RECORD_MISC_MMAP_BUILD_ID : 0));
	rb_u32x2(b, 300, 301);
	rb_u64(b, 0x7f0000001000);
	rb_u64(b, 0x20000);
	rb_u64(b, 0x1000);
	if (build_id) {
		uint8_t id[24] = {20, 0, 0, 0};

		for (int i = 0; i < 20; i++)
			id[4 + i] = (uint8_t)(0xb0 + i);
		rb_put(b, id, sizeof(id));
	} else {
		rb_u32x2(b, 8, 1);
		rb_u64(b, 123456);
		rb_u64(b, 9);
	}
	rb_u32x2(b, 5, 2); /* PROT_READ|PROT_EXEC, MAP_PRIVATE */
	rb_str(b, file);
	rb_trailer(b, l);
	rb_finish(b);
}

static void
test_mmap(const struct record_layout *l)
{
	const char *with = l->sample_id_all ? "with trailer" : "no trailer";
	struct record_mmap2 *m;
	struct record rec;
	char name[80];
	struct rb b;
	int ok;

	build_mmap2(&b, l, false, "/usr/lib/x86_64-linux-gnu/libc.so.6");
	snprintf(name, sizeof(name), "MMAP2 %s", with);
	check_record(name, l, &b, &rec);
	m = &rec.u.mmap2;
	tap_ok(rec.type == PERF_RECORD_MMAP2 && m->pid == 300 && m->tid == 301 &&
		       m->addr == 0x7f0000001000 && m->len == 0x20000 && m->pgoff == 0x1000,
	       "mmap2 address range");
	tap_ok(!m->has_build_id && m->maj == 8 && m->min == 1 && m->ino == 123456 &&
		       m->ino_generation == 9,
	       "mmap2 device and inode");
	tap_ok(m->prot == 5 && m->flags == 2, "mmap2 prot, flags");
	TAP_EQ_STR(m->filename, "/usr/lib/x86_64-linux-gnu/libc.so.6", "mmap2 filename");
	check_sid(&rec, l);

	build_mmap2(&b, l, true, "/bin/true");
	snprintf(name, sizeof(name), "MMAP2 build-id %s", with);
	check_record(name, l, &b, &rec);
	ok = m->has_build_id && m->build_id_size == 20 && m->maj == 0 && m->ino == 0;
	for (int i = 0; ok && i < 20; i++)
		ok = m->build_id[i] == 0xb0 + i;
	tap_ok(ok, "build id");
	TAP_EQ_STR(m->filename, "/bin/true", "build-id filename");
	tap_ok(m->prot == 5 && m->flags == 2, "build-id prot, flags");
	check_sid(&rec, l);

	/* Old-style MMAP: no device, inode, prot or flags. */
	rb_start(&b, PERF_RECORD_MMAP, PERF_RECORD_MISC_USER);
	rb_u32x2(&b, 300, 301);
	rb_u64(&b, 0x400000);
	rb_u64(&b, 0x1000);
	rb_u64(&b, 0);
	rb_str(&b, "/bin/sh");
	rb_trailer(&b, l);
	rb_finish(&b);
	snprintf(name, sizeof(name), "MMAP %s", with);
	check_record(name, l, &b, &rec);
	tap_ok(rec.type == PERF_RECORD_MMAP && m->addr == 0x400000 && m->len == 0x1000 &&
		       m->prot == 0 && !m->has_build_id,
	       "mmap fields");
	TAP_EQ_STR(m->filename, "/bin/sh", "mmap filename");
	check_sid(&rec, l);
}

static void
test_mmap_errors(void)
{
	const struct record_layout *l = &trailer_layout;
	struct record rec;
	uint8_t *p;
	struct rb b;

	/* The filename's NUL and padding overwritten: the string runs into the trailer. */
	build_mmap2(&b, l, false, "/lib/abcdef"); /* 11 chars + NUL: 16 bytes */
	p = rb_bytes(&b) + 72;
	memset(p, 'x', 16);
	TAP_EQ_U64(parse_exact(l, b.w, b.len, b.len), -EINVAL, "filename without NUL");
	build_mmap2(&b, &no_trailer_layout, false, "/lib/abcdef");
	memset(rb_bytes(&b) + 72, 'x', 16);
	TAP_EQ_U64(parse_exact(&no_trailer_layout, b.w, b.len, b.len), -EINVAL,
		   "filename without NUL at the end of the record");

	build_mmap2(&b, l, true, "/bin/true");
	rb_bytes(&b)[8 + 32] = 21;
	TAP_EQ_U64(record_parse(l, b.w, b.len, &rec), -EINVAL, "build_id_size > 20");

	/* No room at all for a filename. */
	rb_start(&b, PERF_RECORD_MMAP, 0);
	rb_u32x2(&b, 1, 1);
	rb_u64(&b, 1);
	rb_u64(&b, 1);
	rb_u64(&b, 1);
	rb_finish(&b);
	TAP_EQ_U64(parse_exact(&no_trailer_layout, b.w, b.len, b.len), -EINVAL, "empty filename");
}

static void
test_comm_task(const struct record_layout *l)
{
	const char *with = l->sample_id_all ? "with trailer" : "no trailer";
	struct record rec;
	char name[80];
	struct rb b;

	rb_start(&b, PERF_RECORD_COMM, PERF_RECORD_MISC_COMM_EXEC);
	rb_u32x2(&b, 400, 400);
	rb_str(&b, "wl-split");
	rb_trailer(&b, l);
	rb_finish(&b);
	snprintf(name, sizeof(name), "COMM exec %s", with);
	check_record(name, l, &b, &rec);
	tap_ok(rec.u.comm.pid == 400 && rec.u.comm.tid == 400 && rec.u.comm.exec, "comm exec");
	TAP_EQ_STR(rec.u.comm.comm, "wl-split", "comm");
	check_sid(&rec, l);

	rb_start(&b, PERF_RECORD_COMM, 0);
	rb_u32x2(&b, 400, 401);
	rb_str(&b, "worker-1234567");
	rb_trailer(&b, l);
	rb_finish(&b);
	snprintf(name, sizeof(name), "COMM %s", with);
	check_record(name, l, &b, &rec);
	tap_ok(!rec.u.comm.exec && rec.u.comm.tid == 401, "comm rename, not exec");
	TAP_EQ_STR(rec.u.comm.comm, "worker-1234567", "thread name");

	rb_start(&b, PERF_RECORD_COMM, 0);
	rb_u32x2(&b, 400, 401);
	rb_put(&b, "12345678", 8);
	rb_trailer(&b, l);
	rb_finish(&b);
	TAP_EQ_U64(parse_exact(l, b.w, b.len, b.len), -EINVAL, "comm without NUL");

	for (int t = 0; t < 2; t++) {
		uint32_t type = t ? PERF_RECORD_EXIT : PERF_RECORD_FORK;

		rb_start(&b, type, 0);
		rb_u32x2(&b, 500, 400);
		rb_u32x2(&b, 501, 401);
		rb_u64(&b, 31337);
		rb_trailer(&b, l);
		rb_finish(&b);
		snprintf(name, sizeof(name), "%s %s", record_type_name(type), with);
		check_record(name, l, &b, &rec);
		tap_ok(rec.type == type && rec.u.task.pid == 500 && rec.u.task.ppid == 400 &&
			       rec.u.task.tid == 501 && rec.u.task.ptid == 401 &&
			       rec.u.task.time == 31337,
		       "task fields");
		check_sid(&rec, l);
	}
}

static void
test_lost_throttle_switch(const struct record_layout *l)
{
	const char *with = l->sample_id_all ? "with trailer" : "no trailer";
	struct record rec;
	char name[80];
	struct rb b;

	rb_start(&b, PERF_RECORD_LOST, 0);
	rb_u64(&b, 77);
	rb_u64(&b, 12);
	rb_trailer(&b, l);
	rb_finish(&b);
	snprintf(name, sizeof(name), "LOST %s", with);
	check_record(name, l, &b, &rec);
	tap_ok(rec.u.lost.id == 77 && rec.u.lost.lost == 12, "lost fields");
	check_sid(&rec, l);

	rb_start(&b, PERF_RECORD_LOST_SAMPLES, 0);
	rb_u64(&b, 5);
	rb_trailer(&b, l);
	rb_finish(&b);
	snprintf(name, sizeof(name), "LOST_SAMPLES %s", with);
	check_record(name, l, &b, &rec);
	tap_ok(rec.u.lost.lost == 5 && rec.u.lost.id == (l->sample_id_all ? 77 : 0),
	       "lost samples, id from the trailer");

	for (int t = 0; t < 2; t++) {
		uint32_t type = t ? PERF_RECORD_UNTHROTTLE : PERF_RECORD_THROTTLE;

		rb_start(&b, type, 0);
		rb_u64(&b, 999);
		rb_u64(&b, 77);
		rb_u64(&b, 78);
		rb_trailer(&b, l);
		rb_finish(&b);
		snprintf(name, sizeof(name), "%s %s", record_type_name(type), with);
		check_record(name, l, &b, &rec);
		tap_ok(rec.u.throttle.time == 999 && rec.u.throttle.id == 77 &&
			       rec.u.throttle.stream_id == 78,
		       "throttle fields");
		check_sid(&rec, l);
	}

	rb_start(&b, PERF_RECORD_SWITCH, PERF_RECORD_MISC_SWITCH_OUT);
	rb_trailer(&b, l);
	rb_finish(&b);
	snprintf(name, sizeof(name), "SWITCH %s", with);
	check_record(name, l, &b, &rec);
	tap_ok(rec.u.sw.out && !rec.u.sw.preempt, "switch out");

	rb_start(&b, PERF_RECORD_SWITCH_CPU_WIDE,
		 PERF_RECORD_MISC_SWITCH_OUT | PERF_RECORD_MISC_SWITCH_OUT_PREEMPT);
	rb_u32x2(&b, 600, 601);
	rb_trailer(&b, l);
	rb_finish(&b);
	snprintf(name, sizeof(name), "SWITCH_CPU_WIDE %s", with);
	check_record(name, l, &b, &rec);
	tap_ok(rec.u.sw.out && rec.u.sw.preempt && rec.u.sw.next_prev_pid == 600 &&
		       rec.u.sw.next_prev_tid == 601,
	       "cpu-wide switch");
	check_sid(&rec, l);
}

static void
test_header_errors(void)
{
	const struct record_layout *l = &trailer_layout;
	uint64_t w[8] = {0};
	struct record rec;
	struct rb b;

	TAP_EQ_U64(record_parse(l, w, 0, &rec), -EOVERFLOW, "empty buffer");
	TAP_EQ_U64(record_parse(l, w, 7, &rec), -EOVERFLOW, "short header");
	rb_set_size((uint8_t *)w, 0);
	TAP_EQ_U64(record_parse(l, w, sizeof(w), &rec), -EINVAL, "header.size 0");
	rb_set_size((uint8_t *)w, 4);
	TAP_EQ_U64(record_parse(l, w, sizeof(w), &rec), -EINVAL, "header.size 4");
	rb_set_size((uint8_t *)w, 12);
	TAP_EQ_U64(record_parse(l, w, sizeof(w), &rec), -EINVAL, "header.size not a multiple of 8");
	rb_set_size((uint8_t *)w, 72);
	TAP_EQ_U64(record_parse(l, w, sizeof(w), &rec), -EOVERFLOW, "header.size > len");
	rb_set_size((uint8_t *)w, 0xfff8);
	TAP_EQ_U64(record_parse(l, w, sizeof(w), &rec), -EOVERFLOW, "header.size 65528 > len");
	rb_set_size((uint8_t *)w + 8, 8);
	TAP_EQ_U64(record_parse(l, (uint8_t *)w + 4, 32, &rec), -EINVAL, "misaligned buffer");

	/* A record too small for its trailer. */
	rb_start(&b, PERF_RECORD_SWITCH, 0);
	rb_u64(&b, 0);
	rb_finish(&b);
	TAP_EQ_U64(parse_exact(l, b.w, b.len, b.len), -EOVERFLOW, "trailer longer than record");

	/* Types we do not decode: only the header. */
	rb_start(&b, PERF_RECORD_KSYMBOL, 3);
	rb_u64(&b, 0x1234);
	rb_finish(&b);
	TAP_EQ_U64(parse_exact(l, b.w, b.len, b.len), 0, "KSYMBOL is passed over");
	record_parse(l, b.w, b.len, &rec);
	tap_ok(rec.type == PERF_RECORD_KSYMBOL && rec.misc == 3 && rec.size == 16 && !rec.sid.valid,
	       "undecoded type: header only");
	rb_start(&b, 0x7777, 0);
	rb_finish(&b);
	TAP_EQ_U64(parse_exact(l, b.w, b.len, b.len), 0, "unknown type is passed over");

	TAP_EQ_STR(record_type_name(PERF_RECORD_SAMPLE), "SAMPLE", "type name SAMPLE");
	TAP_EQ_STR(record_type_name(PERF_RECORD_MMAP2), "MMAP2", "type name MMAP2");
	TAP_EQ_STR(record_type_name(0), "UNKNOWN", "type name 0");
	TAP_EQ_STR(record_type_name(0xffffffff), "UNKNOWN", "type name out of range");
}

/* Sample bits for random layouts: everything we parse, so most layouts get past the check. */
#define RECORD_TEST_TYPES                                                                          \
	(((UINT64_C(1) << 25) - 1) &                                                               \
	 ~(uint64_t)(PERF_SAMPLE_BRANCH_STACK | PERF_SAMPLE_REGS_INTR | PERF_SAMPLE_AUX))

/* xorshift64*: a fixed seed so a failure reproduces. */
static uint64_t rng_state = 0x9e3779b97f4a7c15;

static uint64_t
rng_next(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * UINT64_C(2685821657736338717);
}

/*
 * A cheap in-tree fuzzer: valid records with a few words or bytes smashed, and pure noise
 * behind a plausible header, under random layouts. Only "no crash, no overread" is checked.
 */
static void
test_random(void)
{
	/* clang-format off */
	static const uint64_t interesting[] = {0, 1, 2, 3, 7, 8, 16, 17, 0xff, 0xffff,
					       UINT64_C(1) << 61, UINT64_MAX, UINT64_MAX - 7,
					       (uint64_t)PERF_CONTEXT_USER};
	/* clang-format on */
	const size_t ninteresting = sizeof(interesting) / sizeof(interesting[0]);
	struct rb seeds[4], b;
	long parsed = 0;

	build_full(&seeds[0], PERF_SAMPLE_REGS_ABI_64, 64, 40);
	build_mmap2(&seeds[1], &full_layout, true, "/usr/lib/libfoo.so");
	build_mmap2(&seeds[2], &full_layout, false, "/x");
	build_full(&seeds[3], PERF_SAMPLE_REGS_ABI_NONE, 0, 0);

	for (int iter = 0; iter < 200000; iter++) {
		struct record_layout l = full_layout;
		size_t nwords;

		if (iter & 1) {
			b = seeds[rng_next() % 4];
			for (int m = 0, nm = 1 + (int)(rng_next() % 4); m < nm; m++) {
				size_t wi = 1 + rng_next() % (b.len / 8 - 1);

				if (rng_next() & 1)
					b.w[wi] = interesting[rng_next() % ninteresting];
				else
					rb_bytes(&b)[wi * 8 + rng_next() % 8] = (uint8_t)rng_next();
			}
			if (rng_next() % 4 == 0)
				l.sample_type ^= UINT64_C(1) << (rng_next() % 26);
		} else {
			struct perf_event_header h;

			nwords = 1 + rng_next() % 40;
			for (size_t i = 0; i < nwords; i++)
				b.w[i] = rng_next() % 3 ? interesting[rng_next() % ninteresting]
							: rng_next();
			h.type = (uint32_t)(rng_next() % 16);
			h.misc = (uint16_t)rng_next();
			h.size = (uint16_t)(nwords * 8);
			memcpy(b.w, &h, sizeof(h));
			b.len = nwords * 8;
			l.sample_type = rng_next() & RECORD_TEST_TYPES;
			l.read_format = rng_next() & 0x1f;
			l.sample_regs_user = rng_next();
			l.sample_id_all = rng_next() & 1;
		}
		if (parse_exact(&l, b.w, b.len, b.len) == 0)
			parsed++;
	}
	tap_ok(1, "200000 mutated and random records, %ld parsed", parsed);
}

int
main(void)
{
	test_sample_basic();
	test_sample_full();
	test_sample_skipped_fields();
	test_sample_errors();
	test_mmap(&trailer_layout);
	test_mmap(&no_trailer_layout);
	test_mmap_errors();
	test_comm_task(&trailer_layout);
	test_comm_task(&no_trailer_layout);
	test_lost_throttle_switch(&trailer_layout);
	test_lost_throttle_switch(&no_trailer_layout);
	test_header_errors();
	test_random();
	return tap_done();
}
