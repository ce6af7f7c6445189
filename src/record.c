/*
 * record: decodes one perf ring-buffer record (PERF_RECORD_*) into struct record. The bytes come
 * straight from the kernel, or from a fuzzer, so every read goes through a cursor bounded by
 * header.size, and header.size is bounded by the bytes the caller has. Nothing here allocates,
 * logs or keeps state: the same input always gives the same answer.
 *
 * The layouts follow include/uapi/linux/perf_event.h. What a SAMPLE holds, and the sample_id
 * trailer of every other record, depend on the attr the event was opened with (sample_type,
 * read_format, sample_regs_user, sample_id_all), which struct record_layout carries.
 */
#include "record.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <linux/perf_event.h>

/*
 * The sample_type bits whose layout we know, up to PERF_SAMPLE_WEIGHT_STRUCT. Anything above
 * would put bytes we cannot size into the record, so such a layout is refused rather than
 * misread.
 */
#define RECORD_SAMPLE_KNOWN ((UINT64_C(1) << 25) - 1)

/*
 * Known bits that we still refuse in a SAMPLE: BRANCH_STACK carries an hw_idx word only when
 * branch_sample_type has PERF_SAMPLE_BRANCH_HW_INDEX, REGS_INTR has popcount(sample_regs_intr)
 * words; neither attr field is in the layout, so their size is unknowable here. AUX is
 * refused as well: we never ask for it, and the uapi comment and the kernel's
 * perf_output_sample() disagree on where it sits.
 */
#define RECORD_SAMPLE_REFUSED                                                                      \
	((uint64_t)(PERF_SAMPLE_BRANCH_STACK | PERF_SAMPLE_REGS_INTR | PERF_SAMPLE_AUX))

#define RECORD_FORMAT_KNOWN                                                                        \
	((uint64_t)(PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING |              \
		    PERF_FORMAT_ID | PERF_FORMAT_GROUP | PERF_FORMAT_LOST))

/* The sample_id fields, in the order they appear in the trailer (struct sample_id). */
#define RECORD_TRAILER_BITS                                                                        \
	((uint64_t)(PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_ID | PERF_SAMPLE_STREAM_ID |  \
		    PERF_SAMPLE_CPU | PERF_SAMPLE_IDENTIFIER))

/*
 * A window [off, end) on the record. off <= end always holds, so `end - off` never wraps and a
 * length check is a single comparison that cannot overflow whatever the record claims.
 */
struct record_cursor {
	const uint8_t *buf;
	size_t off;
	size_t end;
};

static size_t
record_left(const struct record_cursor *c)
{
	return c->end - c->off;
}

static int
record_take(struct record_cursor *c, size_t n, const uint8_t **p)
{
	if (n > record_left(c))
		return -EOVERFLOW;
	*p = c->buf + c->off;
	c->off += n;
	return 0;
}

static int
record_skip(struct record_cursor *c, uint64_t n)
{
	if (n > record_left(c))
		return -EOVERFLOW;
	c->off += (size_t)n;
	return 0;
}

static int
record_u64(struct record_cursor *c, uint64_t *v)
{
	const uint8_t *p;
	int err;

	err = record_take(c, sizeof(*v), &p);
	if (err < 0)
		return err;
	memcpy(v, p, sizeof(*v));
	return 0;
}

/* Two u32 in one u64 slot ({pid, tid}, {cpu, res}); b may be NULL to drop the second. */
static int
record_u32x2(struct record_cursor *c, uint32_t *a, uint32_t *b)
{
	const uint8_t *p;
	int err;

	err = record_take(c, 2 * sizeof(uint32_t), &p);
	if (err < 0)
		return err;
	memcpy(a, p, sizeof(*a));
	if (b)
		memcpy(b, p + sizeof(*a), sizeof(*b));
	return 0;
}

/* `n` u64 words borrowed in place; the record is 8-byte aligned and so is every such array. */
static int
record_u64s(struct record_cursor *c, uint64_t n, const uint64_t **words)
{
	const uint8_t *p;
	int err;

	if (n > record_left(c) / sizeof(uint64_t))
		return -EOVERFLOW;
	err = record_take(c, (size_t)n * sizeof(uint64_t), &p);
	if (err < 0)
		return err;
	*words = (const uint64_t *)(const void *)p;
	return 0;
}

/*
 * PERF_SAMPLE_READ. Non-group: {value; [enabled]; [running]; [id]; [lost]}. Group:
 * {nr; [enabled]; [running]; {value; [id]; [lost]}[nr]}; one enabled/running pair covers the
 * whole group because its members are scheduled together.
 */
static int
record_parse_read(uint64_t fmt, struct record_cursor *c, struct record_sample *s)
{
	uint64_t nr, per;
	int err = 0;

	if (fmt & ~RECORD_FORMAT_KNOWN)
		return -EINVAL;
	if (!(fmt & PERF_FORMAT_GROUP)) {
		struct record_value *v = &s->values[0];

		err = record_u64(c, &v->value);
		if (!err && (fmt & PERF_FORMAT_TOTAL_TIME_ENABLED))
			err = record_u64(c, &s->time_enabled);
		if (!err && (fmt & PERF_FORMAT_TOTAL_TIME_RUNNING))
			err = record_u64(c, &s->time_running);
		if (!err && (fmt & PERF_FORMAT_ID))
			err = record_u64(c, &v->id);
		if (!err && (fmt & PERF_FORMAT_LOST))
			err = record_u64(c, &v->lost);
		if (!err)
			s->nr_values = 1;
		return err;
	}

	err = record_u64(c, &nr);
	if (!err && (fmt & PERF_FORMAT_TOTAL_TIME_ENABLED))
		err = record_u64(c, &s->time_enabled);
	if (!err && (fmt & PERF_FORMAT_TOTAL_TIME_RUNNING))
		err = record_u64(c, &s->time_running);
	if (err < 0)
		return err;
	per = sizeof(uint64_t) * (1 + !!(fmt & PERF_FORMAT_ID) + !!(fmt & PERF_FORMAT_LOST));
	/* Division, not nr * per: a hostile nr must not wrap the product into range. */
	if (nr > record_left(c) / per)
		return -EOVERFLOW;
	if (nr > RECORD_MAX_READ)
		return -E2BIG;
	for (uint64_t i = 0; i < nr; i++) {
		struct record_value *v = &s->values[i];

		err = record_u64(c, &v->value);
		if (!err && (fmt & PERF_FORMAT_ID))
			err = record_u64(c, &v->id);
		if (!err && (fmt & PERF_FORMAT_LOST))
			err = record_u64(c, &v->lost);
		if (err < 0)
			return err;
	}
	s->nr_values = (uint32_t)nr;
	return 0;
}

/* Eight-byte fields we consume but do not keep, in the order perf_output_sample() writes them. */
static const uint64_t record_sample_tail_words[] = {
	PERF_SAMPLE_WEIGHT_TYPE, /* one word for WEIGHT or WEIGHT_STRUCT: they share a union */
	PERF_SAMPLE_DATA_SRC,
	PERF_SAMPLE_TRANSACTION,
	/* REGS_INTR would sit here; refused above */
	PERF_SAMPLE_PHYS_ADDR,
	PERF_SAMPLE_CGROUP,
	PERF_SAMPLE_DATA_PAGE_SIZE,
	PERF_SAMPLE_CODE_PAGE_SIZE,
};

static int
record_parse_sample(const struct record_layout *l, struct record_cursor *c, struct record_sample *s)
{
	uint64_t t = l->sample_type, v;
	int err = 0;

	if ((t & ~RECORD_SAMPLE_KNOWN) || (t & RECORD_SAMPLE_REFUSED))
		return -EINVAL;

	if (t & PERF_SAMPLE_IDENTIFIER)
		err = record_u64(c, &s->id);
	if (!err && (t & PERF_SAMPLE_IP))
		err = record_u64(c, &s->ip);
	if (!err && (t & PERF_SAMPLE_TID))
		err = record_u32x2(c, &s->pid, &s->tid);
	if (!err && (t & PERF_SAMPLE_TIME))
		err = record_u64(c, &s->time);
	if (!err && (t & PERF_SAMPLE_ADDR))
		err = record_u64(c, &s->addr);
	if (!err && (t & PERF_SAMPLE_ID))
		err = record_u64(c, &s->id);
	if (!err && (t & PERF_SAMPLE_STREAM_ID))
		err = record_u64(c, &s->stream_id);
	if (!err && (t & PERF_SAMPLE_CPU))
		err = record_u32x2(c, &s->cpu, NULL);
	if (!err && (t & PERF_SAMPLE_PERIOD))
		err = record_u64(c, &s->period);
	if (!err && (t & PERF_SAMPLE_READ))
		err = record_parse_read(l->read_format, c, s);
	if (err < 0)
		return err;

	if (t & PERF_SAMPLE_CALLCHAIN) {
		err = record_u64(c, &s->nr_ips);
		if (!err)
			err = record_u64s(c, s->nr_ips, &s->ips);
		if (err < 0)
			return err;
	}

	if (t & PERF_SAMPLE_RAW) {
		const uint8_t *p;

		/*
		 * u32 size, then the bytes. The kernel pads the data so that the next field
		 * starts 8-byte aligned; we realign ourselves rather than trust the size.
		 */
		err = record_take(c, sizeof(uint32_t), &p);
		if (err < 0)
			return err;
		memcpy(&s->raw_size, p, sizeof(s->raw_size));
		err = record_take(c, s->raw_size, &s->raw);
		if (err < 0)
			return err;
		err = record_skip(c, (8 - (c->off & 7)) & 7);
		if (err < 0)
			return err;
	}

	if (t & PERF_SAMPLE_REGS_USER) {
		/* abi 0 (PERF_SAMPLE_REGS_ABI_NONE) means no user context and no register words. */
		err = record_u64(c, &s->regs_abi);
		if (err < 0)
			return err;
		if (s->regs_abi != 0) {
			s->nr_regs = (uint32_t)__builtin_popcountll(l->sample_regs_user);
			err = record_u64s(c, s->nr_regs, &s->regs);
			if (err < 0)
				return err;
		}
	}

	if (t & PERF_SAMPLE_STACK_USER) {
		/*
		 * u64 size, data[size], then u64 dyn_size only when size != 0 (no user stack,
		 * e.g. a kernel thread, gives a lone zero). dyn_size is how much of data the
		 * kernel really copied.
		 */
		err = record_u64(c, &s->stack_size);
		if (err < 0)
			return err;
		if (s->stack_size != 0) {
			if (s->stack_size > record_left(c))
				return -EOVERFLOW;
			err = record_take(c, (size_t)s->stack_size, &s->stack);
			if (!err)
				err = record_u64(c, &s->stack_dyn_size);
			if (err < 0)
				return err;
			if (s->stack_dyn_size > s->stack_size)
				return -EINVAL;
		}
	}

	for (size_t i = 0; i < sizeof(record_sample_tail_words) / sizeof(uint64_t); i++) {
		if (!(t & record_sample_tail_words[i]))
			continue;
		err = record_u64(c, &v);
		if (err < 0)
			return err;
	}

	/*
	 * The kernel writes exactly the fields sample_type asks for. Bytes left over mean the
	 * layout does not belong to this event, and every field we read is suspect.
	 */
	if (record_left(c) != 0)
		return -EINVAL;
	return 0;
}

static size_t
record_trailer_size(uint64_t sample_type)
{
	return sizeof(uint64_t) * (size_t)__builtin_popcountll(sample_type & RECORD_TRAILER_BITS);
}

/*
 * The sample_id trailer: {pid, tid} {time} {id} {stream_id} {cpu, res} {identifier}, each only
 * when sample_type has the bit. IDENTIFIER is last so that it sits at a fixed distance from the
 * end of any record; that is how a reader tells events sharing one buffer apart.
 */
static int
record_parse_trailer(uint64_t t, struct record_cursor *c, struct record_id *id)
{
	int err = 0;

	if (t & PERF_SAMPLE_TID)
		err = record_u32x2(c, &id->pid, &id->tid);
	if (!err && (t & PERF_SAMPLE_TIME))
		err = record_u64(c, &id->time);
	if (!err && (t & PERF_SAMPLE_ID))
		err = record_u64(c, &id->id);
	if (!err && (t & PERF_SAMPLE_STREAM_ID))
		err = record_u64(c, &id->stream_id);
	if (!err && (t & PERF_SAMPLE_CPU))
		err = record_u32x2(c, &id->cpu, NULL);
	if (!err && (t & PERF_SAMPLE_IDENTIFIER))
		err = record_u64(c, &id->id);
	return err;
}

/* The rest of the body is a NUL-padded string; it must end inside the record. */
static int
record_string(struct record_cursor *c, const char **s)
{
	const uint8_t *p = c->buf + c->off;

	if (record_left(c) == 0 || !memchr(p, '\0', record_left(c)))
		return -EINVAL;
	*s = (const char *)p;
	c->off = c->end;
	return 0;
}

static int
record_parse_mmap(uint32_t type, uint16_t misc, struct record_cursor *c, struct record_mmap2 *m)
{
	int err;

	err = record_u32x2(c, &m->pid, &m->tid);
	if (!err)
		err = record_u64(c, &m->addr);
	if (!err)
		err = record_u64(c, &m->len);
	if (!err)
		err = record_u64(c, &m->pgoff);
	if (err < 0)
		return err;
	if (type == PERF_RECORD_MMAP2) {
		const uint8_t *p;

		/*
		 * A 24-byte union: {u32 maj, min; u64 ino, ino_generation} or, with
		 * MISC_MMAP_BUILD_ID (5.12+, perf_event_attr.build_id),
		 * {u8 build_id_size, u8, u16, u8 build_id[20]}.
		 */
		err = record_take(c, 24, &p);
		if (err < 0)
			return err;
		if (misc & PERF_RECORD_MISC_MMAP_BUILD_ID) {
			m->has_build_id = true;
			m->build_id_size = p[0];
			if (m->build_id_size > sizeof(m->build_id))
				return -EINVAL;
			memcpy(m->build_id, p + 4, sizeof(m->build_id));
		} else {
			memcpy(&m->maj, p, 4);
			memcpy(&m->min, p + 4, 4);
			memcpy(&m->ino, p + 8, 8);
			memcpy(&m->ino_generation, p + 16, 8);
		}
		err = record_u32x2(c, &m->prot, &m->flags);
		if (err < 0)
			return err;
	}
	return record_string(c, &m->filename);
}

static int
record_parse_task(struct record_cursor *c, struct record_task *t)
{
	int err;

	err = record_u32x2(c, &t->pid, &t->ppid);
	if (!err)
		err = record_u32x2(c, &t->tid, &t->ptid);
	if (!err)
		err = record_u64(c, &t->time);
	return err;
}

static int
record_parse_throttle(struct record_cursor *c, struct record_throttle *t)
{
	int err;

	err = record_u64(c, &t->time);
	if (!err)
		err = record_u64(c, &t->id);
	if (!err)
		err = record_u64(c, &t->stream_id);
	return err;
}

static bool
record_decodes(uint32_t type)
{
	switch (type) {
	case PERF_RECORD_MMAP:
	case PERF_RECORD_MMAP2:
	case PERF_RECORD_COMM:
	case PERF_RECORD_FORK:
	case PERF_RECORD_EXIT:
	case PERF_RECORD_LOST:
	case PERF_RECORD_LOST_SAMPLES:
	case PERF_RECORD_THROTTLE:
	case PERF_RECORD_UNTHROTTLE:
	case PERF_RECORD_SWITCH:
	case PERF_RECORD_SWITCH_CPU_WIDE:
		return true;
	default:
		return false;
	}
}

int
record_parse(const struct record_layout *layout, const void *buf, size_t len, struct record *out)
{
	struct perf_event_header h;
	struct record_cursor c;
	int err = 0;

	memset(out, 0, sizeof(*out));
	if (len < sizeof(h))
		return -EOVERFLOW;
	/* Callchains and register arrays are handed out in place as uint64_t arrays. */
	if ((uintptr_t)buf & 7)
		return -EINVAL;
	memcpy(&h, buf, sizeof(h));
	out->type = h.type;
	out->misc = h.misc;
	out->size = h.size;
	if (h.size < sizeof(h))
		return -EINVAL;
	if (h.size > len)
		return -EOVERFLOW;
	/* The kernel pads every record to 8 bytes; the ring's framing depends on it. */
	if (h.size & 7)
		return -EINVAL;

	c.buf = buf;
	c.off = sizeof(h);
	c.end = h.size;

	if (h.type == PERF_RECORD_SAMPLE)
		return record_parse_sample(layout, &c, &out->u.sample);
	if (!record_decodes(h.type))
		return 0;

	/*
	 * With sample_id_all every other record ends with the sample_id trailer. Its size
	 * depends only on sample_type, while MMAP and COMM bodies end in a string of any
	 * length, so the trailer is found by counting back from the end of the record.
	 */
	if (layout->sample_id_all) {
		size_t tsz = record_trailer_size(layout->sample_type);
		struct record_cursor tc;

		if (tsz > record_left(&c))
			return -EOVERFLOW;
		c.end -= tsz;
		tc.buf = c.buf;
		tc.off = c.end;
		tc.end = h.size;
		err = record_parse_trailer(layout->sample_type, &tc, &out->sid);
		if (err < 0)
			return err;
		out->sid.valid = tsz > 0;
	}

	switch (h.type) {
	case PERF_RECORD_MMAP:
	case PERF_RECORD_MMAP2:
		err = record_parse_mmap(h.type, h.misc, &c, &out->u.mmap2);
		break;
	case PERF_RECORD_COMM:
		out->u.comm.exec = (h.misc & PERF_RECORD_MISC_COMM_EXEC) != 0;
		err = record_u32x2(&c, &out->u.comm.pid, &out->u.comm.tid);
		if (!err)
			err = record_string(&c, &out->u.comm.comm);
		break;
	case PERF_RECORD_FORK:
	case PERF_RECORD_EXIT:
		err = record_parse_task(&c, &out->u.task);
		break;
	case PERF_RECORD_LOST:
		err = record_u64(&c, &out->u.lost.id);
		if (!err)
			err = record_u64(&c, &out->u.lost.lost);
		break;
	case PERF_RECORD_LOST_SAMPLES:
		/* {u64 lost}; which event lost them is in the trailer's id. */
		err = record_u64(&c, &out->u.lost.lost);
		out->u.lost.id = out->sid.id;
		break;
	case PERF_RECORD_THROTTLE:
	case PERF_RECORD_UNTHROTTLE:
		err = record_parse_throttle(&c, &out->u.throttle);
		break;
	case PERF_RECORD_SWITCH:
	case PERF_RECORD_SWITCH_CPU_WIDE:
		out->u.sw.out = (h.misc & PERF_RECORD_MISC_SWITCH_OUT) != 0;
		out->u.sw.preempt = (h.misc & PERF_RECORD_MISC_SWITCH_OUT_PREEMPT) != 0;
		if (h.type == PERF_RECORD_SWITCH_CPU_WIDE)
			err = record_u32x2(&c, &out->u.sw.next_prev_pid, &out->u.sw.next_prev_tid);
		break;
	}
	return err;
}

static const char *const record_type_names[] = {
	[PERF_RECORD_MMAP] = "MMAP",
	[PERF_RECORD_LOST] = "LOST",
	[PERF_RECORD_COMM] = "COMM",
	[PERF_RECORD_EXIT] = "EXIT",
	[PERF_RECORD_THROTTLE] = "THROTTLE",
	[PERF_RECORD_UNTHROTTLE] = "UNTHROTTLE",
	[PERF_RECORD_FORK] = "FORK",
	[PERF_RECORD_READ] = "READ",
	[PERF_RECORD_SAMPLE] = "SAMPLE",
	[PERF_RECORD_MMAP2] = "MMAP2",
	[PERF_RECORD_AUX] = "AUX",
	[PERF_RECORD_ITRACE_START] = "ITRACE_START",
	[PERF_RECORD_LOST_SAMPLES] = "LOST_SAMPLES",
	[PERF_RECORD_SWITCH] = "SWITCH",
	[PERF_RECORD_SWITCH_CPU_WIDE] = "SWITCH_CPU_WIDE",
	[PERF_RECORD_NAMESPACES] = "NAMESPACES",
	[PERF_RECORD_KSYMBOL] = "KSYMBOL",
	[PERF_RECORD_BPF_EVENT] = "BPF_EVENT",
	[PERF_RECORD_CGROUP] = "CGROUP",
	[PERF_RECORD_TEXT_POKE] = "TEXT_POKE",
	[PERF_RECORD_AUX_OUTPUT_HW_ID] = "AUX_OUTPUT_HW_ID",
};

const char *
record_type_name(uint32_t type)
{
	if (type < sizeof(record_type_names) / sizeof(record_type_names[0]) &&
	    record_type_names[type])
		return record_type_names[type];
	return "UNKNOWN";
}
