/*
 * pprof_test: the pprof writer and reader. A profile with every field set is encoded, then read
 * back twice: by protobuf-c directly (after our own gunzip here, so the check does not trust the
 * reader under test) and by pprof_decode. Files are written into a scratch directory to check the
 * temp-and-rename dance, its failures, and that `go tool pprof` accepts the result.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <zlib.h>

#include "pprof.h"
#include "profile.h"
#include "profile.pb-c.h"
#include "tap.h"

#define T0	 1700000000123456789LL
#define DURATION 2500000000LL
#define PERIOD	 10000000LL

/* Ids and string indices of the test profile, to check the output against. */
struct fixture {
	struct profile *p;
	uint64_t m1, m2, fmain, fhot, finl, lmain, lhot, lraw;
	uint32_t labels1, labels2;
};

static void
fixture_build(struct fixture *fx)
{
	struct profile *p = profile_create();
	struct profile_mapping m;
	struct profile_line ln[2];
	struct profile_label lab[2];

	fx->p = p;
	profile_add_type(p, "samples", "count");
	profile_add_type(p, "cpu", "nanoseconds");
	p->default_type = profile_string(p, "cpu");
	profile_set_period(p, "cpu", "nanoseconds", PERIOD);
	p->time_nanos = T0;
	p->duration_nanos = DURATION;
	profile_add_comment(p, "prof-version: test");
	profile_add_comment(p, "prof-command: ./a.out --flag");

	memset(&m, 0, sizeof(m));
	m.start = 0x555555554000;
	m.limit = 0x555555556000;
	m.offset = 0x1000;
	m.filename = profile_string(p, "/usr/bin/a.out");
	m.build_id = profile_string(p, "0123456789abcdef0123456789abcdef01234567");
	m.has_functions = m.has_filenames = m.has_line_numbers = m.has_inline_frames = true;
	fx->m1 = profile_add_mapping(p, &m);
	memset(&m, 0, sizeof(m));
	m.start = 0x7ffff7dd0000;
	m.limit = 0x7ffff7df0000;
	m.filename = profile_string(p, "/lib/libc.so.6");
	m.build_id = profile_string(p, "feedface");
	m.has_functions = true;
	m.has_line_numbers = true;
	fx->m2 = profile_add_mapping(p, &m);

	fx->fmain = profile_function(p, "main", "main", "main.c", 12);
	fx->fhot = profile_function(p, "hot", "_Z3hotv", "hot.cc", 30);
	fx->finl = profile_function(p, "inl", "_Z3inlv", "inl.h", 7);

	fx->lmain = profile_location(p, fx->m1, 0x555555555100);
	ln[0].function_id = fx->fmain;
	ln[0].line = 15;
	profile_set_lines(p, fx->lmain, ln, 1);
	fx->lhot = profile_location(p, fx->m1, 0x555555555200);
	ln[0].function_id = fx->finl;
	ln[0].line = 8;
	ln[1].function_id = fx->fhot;
	ln[1].line = 33;
	profile_set_lines(p, fx->lhot, ln, 2);
	fx->lraw = profile_location(p, fx->m2, 0x7ffff7dd1234);

	memset(lab, 0, sizeof(lab));
	lab[0].key = profile_string(p, "comm");
	lab[0].str = profile_string(p, "worker");
	lab[1].key = profile_string(p, "tid");
	lab[1].num = 4242;
	lab[1].num_unit = profile_string(p, "id");
	fx->labels1 = profile_labelset(p, lab, 2);
	lab[0].key = profile_string(p, "cpu");
	lab[0].str = 0;
	lab[0].num = 3;
	lab[0].num_unit = profile_string(p, "cpu");
	fx->labels2 = profile_labelset(p, lab, 1);

	{
		uint64_t s1[] = {fx->lhot, fx->lmain};
		uint64_t s2[] = {fx->lraw, fx->lhot, fx->lmain};
		int64_t v1[] = {3, 3 * PERIOD}, v2[] = {1, PERIOD};

		profile_add_sample(p, s1, 2, fx->labels1, v1);
		profile_add_sample(p, s2, 3, fx->labels2, v2);
		profile_add_sample(p, s1, 2, 0, v2);
	}
}

/* An independent gunzip, so the raw check does not go through pprof_decode. */
static int
test_gunzip(const uint8_t *in, size_t len, uint8_t **out, size_t *outlen)
{
	z_stream z;
	size_t cap = 1 << 16, n = 0;
	uint8_t *buf = malloc(cap);
	int ret = Z_STREAM_ERROR;

	memset(&z, 0, sizeof(z));
	if (!buf || inflateInit2(&z, 15 + 16) != Z_OK) {
		free(buf);
		return -1;
	}
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)len;
	do {
		if (n == cap) {
			uint8_t *nbuf = realloc(buf, cap * 2);

			if (!nbuf)
				break;
			buf = nbuf;
			cap *= 2;
		}
		z.next_out = buf + n;
		z.avail_out = (uInt)(cap - n);
		ret = inflate(&z, Z_NO_FLUSH);
		n = cap - z.avail_out;
	} while (ret == Z_OK);
	inflateEnd(&z);
	if (ret != Z_STREAM_END) {
		free(buf);
		return -1;
	}
	*out = buf;
	*outlen = n;
	return 0;
}

static const char *
pb_str(const Perftools__Profiles__Profile *pb, int64_t i)
{
	return i >= 0 && (size_t)i < pb->n_string_table ? pb->string_table[i] : NULL;
}

static void
check_raw(const struct fixture *fx, const uint8_t *gz, size_t len)
{
	const struct profile *p = fx->p;
	Perftools__Profiles__Profile *pb;
	uint8_t *raw;
	size_t rawlen, i;
	int ok;

	tap_ok(len > 2 && gz[0] == 0x1f && gz[1] == 0x8b, "output starts with the gzip magic");
	if (!tap_ok(test_gunzip(gz, len, &raw, &rawlen) == 0, "output gunzips"))
		return;
	pb = perftools__profiles__profile__unpack(NULL, rawlen, raw);
	free(raw);
	if (!tap_ok(pb != NULL, "protobuf-c unpacks the output"))
		return;

	TAP_EQ_U64(pb->n_string_table, p->nstrings, "string table size");
	for (i = 0, ok = 1; i < pb->n_string_table && i < p->nstrings; i++)
		ok &= strcmp(pb->string_table[i], p->strings[i]) == 0;
	tap_ok(ok, "string table in order");
	TAP_EQ_STR(pb->string_table[0], "", "string_table[0] is \"\"");

	TAP_EQ_U64(pb->n_sample_type, 2, "2 sample types");
	TAP_EQ_STR(pb_str(pb, pb->sample_type[0]->type), "samples", "sample_type[0].type");
	TAP_EQ_STR(pb_str(pb, pb->sample_type[0]->unit), "count", "sample_type[0].unit");
	TAP_EQ_STR(pb_str(pb, pb->sample_type[1]->type), "cpu", "sample_type[1].type");
	TAP_EQ_STR(pb_str(pb, pb->sample_type[1]->unit), "nanoseconds", "sample_type[1].unit");
	TAP_EQ_STR(pb_str(pb, pb->default_sample_type), "cpu", "default_sample_type");
	tap_ok(pb->period_type != NULL, "period_type set");
	if (pb->period_type) {
		TAP_EQ_STR(pb_str(pb, pb->period_type->type), "cpu", "period_type.type");
		TAP_EQ_STR(pb_str(pb, pb->period_type->unit), "nanoseconds", "period_type.unit");
	}
	TAP_EQ_U64(pb->period, PERIOD, "period");
	TAP_EQ_U64(pb->time_nanos, T0, "time_nanos");
	TAP_EQ_U64(pb->duration_nanos, DURATION, "duration_nanos");
	TAP_EQ_U64(pb->n_comment, 2, "2 comments");
	if (pb->n_comment == 2) {
		TAP_EQ_STR(pb_str(pb, pb->comment[0]), "prof-version: test", "comment[0]");
		TAP_EQ_STR(pb_str(pb, pb->comment[1]), "prof-command: ./a.out --flag",
			   "comment[1]");
	}
	TAP_EQ_U64(pb->drop_frames, 0, "drop_frames unset");
	TAP_EQ_U64(pb->keep_frames, 0, "keep_frames unset");

	TAP_EQ_U64(pb->n_mapping, 2, "2 mappings");
	if (pb->n_mapping == 2) {
		const Perftools__Profiles__Mapping *m1 = pb->mapping[0], *m2 = pb->mapping[1];

		TAP_EQ_U64(m1->id, fx->m1, "mapping[0].id");
		TAP_EQ_U64(m1->memory_start, 0x555555554000, "mapping[0].memory_start");
		TAP_EQ_U64(m1->memory_limit, 0x555555556000, "mapping[0].memory_limit");
		TAP_EQ_U64(m1->file_offset, 0x1000, "mapping[0].file_offset");
		TAP_EQ_STR(pb_str(pb, m1->filename), "/usr/bin/a.out", "mapping[0].filename");
		TAP_EQ_STR(pb_str(pb, m1->build_id), "0123456789abcdef0123456789abcdef01234567",
			   "mapping[0].build_id");
		tap_ok(m1->has_functions && m1->has_filenames && m1->has_line_numbers &&
			       m1->has_inline_frames,
		       "mapping[0] has_* all set");
		TAP_EQ_U64(m2->id, fx->m2, "mapping[1].id");
		TAP_EQ_U64(m2->memory_start, 0x7ffff7dd0000, "mapping[1].memory_start");
		TAP_EQ_STR(pb_str(pb, m2->build_id), "feedface", "mapping[1].build_id");
		tap_ok(m2->has_functions && !m2->has_filenames && m2->has_line_numbers &&
			       !m2->has_inline_frames,
		       "mapping[1] has_* flags as set");
	}

	TAP_EQ_U64(pb->n_function, 3, "3 functions");
	if (pb->n_function == 3) {
		const Perftools__Profiles__Function *f = pb->function[fx->fhot - 1];

		TAP_EQ_U64(f->id, fx->fhot, "function id");
		TAP_EQ_STR(pb_str(pb, f->name), "hot", "function name");
		TAP_EQ_STR(pb_str(pb, f->system_name), "_Z3hotv", "function system_name");
		TAP_EQ_STR(pb_str(pb, f->filename), "hot.cc", "function filename");
		TAP_EQ_U64(f->start_line, 30, "function start_line");
	}

	TAP_EQ_U64(pb->n_location, 3, "3 locations");
	if (pb->n_location == 3) {
		const Perftools__Profiles__Location *l = pb->location[fx->lhot - 1];

		TAP_EQ_U64(l->id, fx->lhot, "location id");
		TAP_EQ_U64(l->mapping_id, fx->m1, "location mapping_id");
		TAP_EQ_U64(l->address, 0x555555555200, "location address");
		TAP_EQ_U64(l->n_line, 2, "inlined location has 2 lines");
		if (l->n_line == 2) {
			TAP_EQ_U64(l->line[0]->function_id, fx->finl,
				   "line[0] is the inlined callee");
			TAP_EQ_U64(l->line[0]->line, 8, "line[0].line");
			TAP_EQ_U64(l->line[1]->function_id, fx->fhot, "line[1] is the caller");
			TAP_EQ_U64(l->line[1]->line, 33, "line[1].line");
		}
		TAP_EQ_U64(pb->location[fx->lraw - 1]->n_line, 0, "location without lines");
		TAP_EQ_U64(pb->location[fx->lraw - 1]->mapping_id, fx->m2, "its mapping_id");
	}

	TAP_EQ_U64(pb->n_sample, 3, "3 samples");
	if (pb->n_sample == 3) {
		const Perftools__Profiles__Sample *s = pb->sample[0];

		tap_ok(s->n_location_id == 2 && s->location_id[0] == fx->lhot &&
			       s->location_id[1] == fx->lmain,
		       "sample[0] stack, leaf first");
		tap_ok(s->n_value == 2 && s->value[0] == 3 && s->value[1] == 3 * PERIOD,
		       "sample[0] values");
		TAP_EQ_U64(s->n_label, 2, "sample[0] has 2 labels");
		if (s->n_label == 2) {
			TAP_EQ_STR(pb_str(pb, s->label[0]->key), "comm", "string label key");
			TAP_EQ_STR(pb_str(pb, s->label[0]->str), "worker", "string label value");
			TAP_EQ_STR(pb_str(pb, s->label[1]->key), "tid", "numeric label key");
			TAP_EQ_U64(s->label[1]->num, 4242, "numeric label value");
			TAP_EQ_STR(pb_str(pb, s->label[1]->num_unit), "id", "numeric label unit");
			TAP_EQ_U64(s->label[1]->str, 0, "numeric label has no string");
		}
		s = pb->sample[1];
		tap_ok(s->n_location_id == 3 && s->location_id[0] == fx->lraw, "sample[1] stack");
		tap_ok(s->n_label == 1 && s->label[0]->num == 3 &&
			       strcmp(pb_str(pb, s->label[0]->num_unit), "cpu") == 0,
		       "sample[1] cpu label");
		s = pb->sample[2];
		tap_ok(s->n_label == 0 && s->n_value == 2 && s->value[1] == PERIOD,
		       "sample[2] has no labels");
	}
	perftools__profiles__profile__free_unpacked(pb, NULL);
}

/* Compares a decoded profile with the original, index for index. */
static void
check_same(const struct profile *a, const struct profile *b, const char *what)
{
	size_t i, j;
	int ok = 1;

	ok &= a->nstrings == b->nstrings;
	for (i = 0; ok && i < a->nstrings; i++)
		ok &= strcmp(a->strings[i], b->strings[i]) == 0;
	tap_ok(ok, "%s: strings at the same indices", what);

	ok = a->ntypes == b->ntypes && a->default_type == b->default_type &&
	     a->period_type.type == b->period_type.type &&
	     a->period_type.unit == b->period_type.unit && a->period == b->period &&
	     a->time_nanos == b->time_nanos && a->duration_nanos == b->duration_nanos &&
	     a->ncomments == b->ncomments;
	for (i = 0; ok && i < a->ntypes; i++)
		ok &= a->types[i].type == b->types[i].type && a->types[i].unit == b->types[i].unit;
	for (i = 0; ok && i < a->ncomments; i++)
		ok &= a->comments[i] == b->comments[i];
	tap_ok(ok, "%s: types, period, times, comments", what);

	ok = a->nmappings == b->nmappings;
	for (i = 0; ok && i < a->nmappings; i++) {
		const struct profile_mapping *x = &a->mappings[i], *y = &b->mappings[i];

		ok &= x->id == y->id && x->start == y->start && x->limit == y->limit &&
		      x->offset == y->offset && x->filename == y->filename &&
		      x->build_id == y->build_id && x->has_functions == y->has_functions &&
		      x->has_filenames == y->has_filenames &&
		      x->has_line_numbers == y->has_line_numbers &&
		      x->has_inline_frames == y->has_inline_frames;
	}
	tap_ok(ok, "%s: mappings", what);

	ok = a->nfunctions == b->nfunctions;
	for (i = 0; ok && i < a->nfunctions; i++) {
		const struct profile_function *x = &a->functions[i], *y = &b->functions[i];

		ok &= x->id == y->id && x->name == y->name && x->system_name == y->system_name &&
		      x->filename == y->filename && x->start_line == y->start_line;
	}
	tap_ok(ok, "%s: functions", what);

	ok = a->nlocations == b->nlocations;
	for (i = 0; ok && i < a->nlocations; i++) {
		const struct profile_location *x = &a->locations[i], *y = &b->locations[i];

		ok &= x->id == y->id && x->mapping_id == y->mapping_id &&
		      x->address == y->address && x->nlines == y->nlines;
		for (j = 0; ok && j < x->nlines; j++)
			ok &= x->lines[j].function_id == y->lines[j].function_id &&
			      x->lines[j].line == y->lines[j].line;
	}
	tap_ok(ok, "%s: locations and lines", what);

	ok = a->nsamples == b->nsamples;
	for (i = 0; ok && i < a->nsamples; i++) {
		const struct profile_sample *x = &a->samples[i], *y = &b->samples[i];
		const struct profile_labelset *lx = &a->labelsets[x->labelset];
		const struct profile_labelset *ly = &b->labelsets[y->labelset];

		ok &= x->nlocs == y->nlocs && lx->n == ly->n;
		for (j = 0; ok && j < x->nlocs; j++)
			ok &= x->location_ids[j] == y->location_ids[j];
		for (j = 0; ok && j < a->ntypes; j++)
			ok &= x->values[j] == y->values[j];
		for (j = 0; ok && j < lx->n; j++)
			ok &= lx->labels[j].key == ly->labels[j].key &&
			      lx->labels[j].str == ly->labels[j].str &&
			      lx->labels[j].num == ly->labels[j].num &&
			      lx->labels[j].num_unit == ly->labels[j].num_unit;
	}
	tap_ok(ok, "%s: samples with values and labels", what);
}

static void
test_encode_decode(const struct fixture *fx, const uint8_t *gz, size_t len)
{
	Perftools__Profiles__Profile *pb;
	struct profile *q;
	char *cause = NULL;
	uint8_t *raw, *packed;
	size_t rawlen;

	q = pprof_decode(gz, len, &cause);
	if (!tap_ok(q != NULL, "pprof_decode reads the encoded profile"))
		tap_diag("cause: %s", cause ? cause : "(none)");
	free(cause);
	if (q) {
		check_same(fx->p, q, "gzip round trip");
		/* The decoded profile is a live one: interning finds what the file had. */
		TAP_EQ_U64(profile_string(q, "worker"), profile_string(fx->p, "worker"),
			   "decoded profile interns to the file's indices");
		TAP_EQ_U64(profile_location(q, fx->m1, 0x555555555200), fx->lhot,
			   "decoded profile finds its locations");
		profile_free(q);
	}

	/* Raw (not gzip'd) protobuf is accepted too. */
	if (test_gunzip(gz, len, &raw, &rawlen) == 0) {
		cause = NULL;
		q = pprof_decode(raw, rawlen, &cause);
		tap_ok(q != NULL, "pprof_decode reads raw protobuf");
		if (q)
			check_same(fx->p, q, "raw round trip");
		profile_free(q);
		free(cause);

		/* A file with duplicate strings keeps its indices. */
		pb = perftools__profiles__profile__unpack(NULL, rawlen, raw);
		if (pb) {
			char **st = calloc(pb->n_string_table + 1, sizeof(*st));
			size_t i, plen;

			memcpy(st, pb->string_table, pb->n_string_table * sizeof(*st));
			st[pb->n_string_table] = (char *)"worker";
			{
				char **old = pb->string_table;
				size_t oldn = pb->n_string_table;

				pb->string_table = st;
				pb->n_string_table++;
				pb->comment[0] = (int64_t)oldn; /* a comment using the duplicate */
				plen = perftools__profiles__profile__get_packed_size(pb);
				packed = malloc(plen);
				perftools__profiles__profile__pack(pb, packed);
				pb->string_table = old;
				pb->n_string_table = oldn;
			}
			free(st);
			perftools__profiles__profile__free_unpacked(pb, NULL);
			cause = NULL;
			q = pprof_decode(packed, plen, &cause);
			free(packed);
			tap_ok(q && q->nstrings == fx->p->nstrings + 1 &&
				       q->comments[0] == fx->p->nstrings &&
				       strcmp(q->strings[q->comments[0]], "worker") == 0,
			       "duplicate strings keep their file indices");
			if (q) {
				i = profile_string(q, "worker");
				TAP_EQ_U64(i, profile_string(fx->p, "worker"),
					   "interning finds the first of duplicates");
			}
			profile_free(q);
			free(cause);
		}
		free(raw);
	}
}

/* Packs a hand-made Profile; pprof_decode must refuse it with a cause that mentions `want`. */
static void
expect_reject(const Perftools__Profiles__Profile *pb, const char *want, const char *what)
{
	size_t len = perftools__profiles__profile__get_packed_size(pb);
	uint8_t *buf = malloc(len ? len : 1);
	char *cause = NULL;
	struct profile *q;

	perftools__profiles__profile__pack(pb, buf);
	q = pprof_decode(buf, len, &cause);
	if (!tap_ok(!q && cause && strstr(cause, want), "rejects %s", what))
		tap_diag("cause: %s", cause ? cause : "(none)");
	profile_free(q);
	free(cause);
	free(buf);
}

static void
test_malformed(void)
{
	Perftools__Profiles__Profile pb = PERFTOOLS__PROFILES__PROFILE__INIT;
	Perftools__Profiles__ValueType vt = PERFTOOLS__PROFILES__VALUE_TYPE__INIT, *vtp = &vt;
	Perftools__Profiles__Sample s = PERFTOOLS__PROFILES__SAMPLE__INIT, *sp = &s;
	Perftools__Profiles__Location l = PERFTOOLS__PROFILES__LOCATION__INIT, *lp[2] = {&l, &l};
	Perftools__Profiles__Function f = PERFTOOLS__PROFILES__FUNCTION__INIT, *fp[2] = {&f, &f};
	Perftools__Profiles__Line ln = PERFTOOLS__PROFILES__LINE__INIT, *lnp = &ln;
	Perftools__Profiles__Label lab = PERFTOOLS__PROFILES__LABEL__INIT, *labp = &lab;
	char *strings[] = {(char *)"", (char *)"cpu", (char *)"ns"};
	char *bad_strings[] = {(char *)"x"};
	uint64_t locid = 1;
	int64_t values[2] = {1, 2};
	struct profile *q;
	char *cause = NULL;

	pb.n_string_table = 3;
	pb.string_table = strings;
	vt.type = 1;
	vt.unit = 2;
	pb.n_sample_type = 1;
	pb.sample_type = &vtp;
	l.id = 1;
	pb.n_location = 1;
	pb.location = lp;
	s.n_location_id = 1;
	s.location_id = &locid;
	s.n_value = 1;
	s.value = values;
	pb.n_sample = 1;
	pb.sample = &sp;
	{
		size_t len = perftools__profiles__profile__get_packed_size(&pb);
		uint8_t *buf = malloc(len);

		perftools__profiles__profile__pack(&pb, buf);
		q = pprof_decode(buf, len, &cause);
		tap_ok(q && q->nsamples == 1 && q->samples[0].values[0] == 1,
		       "a minimal hand-made profile decodes");
		profile_free(q);
		free(cause);
		free(buf);
	}

	pb.string_table = bad_strings;
	pb.n_string_table = 1;
	expect_reject(&pb, "string_table[0]", "a non-empty string_table[0]");
	pb.n_string_table = 0;
	expect_reject(&pb, "not a pprof profile", "a missing string table");
	pb.string_table = strings;
	pb.n_string_table = 3;

	vt.unit = 3;
	expect_reject(&pb, "string 3", "an out-of-range string index");
	vt.unit = -1;
	expect_reject(&pb, "string -1", "a negative string index");
	vt.unit = 2;

	s.n_value = 2;
	expect_reject(&pb, "sample 0 has 2 values, but there are 1 sample types",
		      "a sample with too many values");
	s.n_value = 1;

	l.id = 0;
	expect_reject(&pb, "location with id 0", "a location id 0");
	l.id = 1;
	pb.n_location = 2;
	expect_reject(&pb, "duplicate location id 1", "duplicate location ids");
	pb.n_location = 1;

	locid = 0;
	expect_reject(&pb, "unknown location id 0", "a sample with location id 0");
	locid = 7;
	expect_reject(&pb, "unknown location id 7", "a sample with an unknown location id");
	locid = 1;

	l.n_line = 1;
	l.line = &lnp;
	ln.function_id = 5;
	expect_reject(&pb, "unknown function id 5", "a line with an unknown function");
	f.id = 5;
	pb.n_function = 2;
	pb.function = fp;
	expect_reject(&pb, "duplicate function id 5", "duplicate function ids");
	pb.n_function = 1;
	f.name = 9;
	expect_reject(&pb, "function name refers to string 9", "a function name out of range");
	f.name = 1;

	s.n_label = 1;
	s.label = &labp;
	lab.key = 1;
	lab.num_unit = 4;
	expect_reject(&pb, "label unit refers to string 4", "a label unit out of range");
	lab.num_unit = 0;
	{
		size_t len = perftools__profiles__profile__get_packed_size(&pb);
		uint8_t *buf = malloc(len);

		perftools__profiles__profile__pack(&pb, buf);
		cause = NULL;
		q = pprof_decode(buf, len, &cause);
		tap_ok(q && q->nlocations == 1 && q->locations[0].nlines == 1 &&
			       q->locations[0].lines[0].function_id == 1 &&
			       q->labelsets[q->samples[0].labelset].n == 1,
		       "file ids are renumbered densely");
		profile_free(q);
		free(cause);
		free(buf);
	}
	pb.default_sample_type = 3;
	expect_reject(&pb, "default_sample_type", "default_sample_type out of range");
	pb.default_sample_type = 0;
	pb.n_sample_type = PROFILE_MAX_TYPES + 1;
	{
		Perftools__Profiles__ValueType *many[PROFILE_MAX_TYPES + 1];
		size_t i;

		for (i = 0; i < PROFILE_MAX_TYPES + 1; i++)
			many[i] = &vt;
		pb.sample_type = many;
		expect_reject(&pb, "sample types", "more sample types than we support");
	}
}

static void
expect_garbage(const uint8_t *data, size_t len, const char *want, const char *what)
{
	char *cause = NULL;
	struct profile *q = pprof_decode(data, len, &cause);

	if (!tap_ok(!q && cause && strstr(cause, want), "decode of %s fails cleanly", what))
		tap_diag("cause: %s", cause ? cause : "(none)");
	profile_free(q);
	free(cause);
}

static void
test_garbage(const uint8_t *gz, size_t len)
{
	static const char text[] = "this is not a profile at all, just text\n";
	uint8_t noise[4096], *bad;
	unsigned int seed = 12345;
	size_t i;

	expect_garbage((const uint8_t *)"", 0, "empty", "empty input");
	expect_garbage((const uint8_t *)text, sizeof(text) - 1, "not a pprof profile", "text");
	for (i = 0; i < sizeof(noise); i++) {
		seed = seed * 1103515245 + 12345;
		noise[i] = (uint8_t)(seed >> 16);
	}
	expect_garbage(noise, sizeof(noise), "not a pprof profile", "random bytes");
	expect_garbage(gz, len / 2, "truncated", "a gzip stream cut in half");
	expect_garbage(gz, len - 4, "truncated", "a gzip stream missing its trailer");
	expect_garbage(gz, 10, "truncated", "a bare gzip header");
	bad = malloc(len + 3);
	memcpy(bad, gz, len);
	bad[len / 2] ^= 0x55;
	expect_garbage(bad, len, "not a pprof profile", "a corrupted gzip stream");
	memcpy(bad, gz, len);
	memcpy(bad + len, "xyz", 3);
	expect_garbage(bad, len + 3, "trailing garbage", "gzip data followed by garbage");
	free(bad);
}

/* Names in `dir` other than . and .., joined by spaces (caller frees). */
static char *
dir_list(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char *s = calloc(1, 1);
	size_t n = 0;

	if (!d)
		return s;
	while ((e = readdir(d))) {
		size_t k = strlen(e->d_name);

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		s = realloc(s, n + k + 2);
		memcpy(s + n, e->d_name, k);
		n += k;
		s[n++] = ' ';
		s[n] = '\0';
	}
	closedir(d);
	if (n)
		s[n - 1] = '\0';
	return s;
}

static int
read_file(const char *path, uint8_t **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t n = 0, cap = 0, k;

	if (!f)
		return -1;
	do {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap);
		}
		k = fread(buf + n, 1, cap - n, f);
		n += k;
	} while (k);
	fclose(f);
	*out = buf;
	*len = n;
	return 0;
}

static void
check_go_pprof(const char *file)
{
	const char *go = getenv("GO");
	char cmd[4096], line[1024];
	FILE *f;
	int found_hot = 0, found_header = 0, status;

	if (!go || !*go)
		go = "go";
	snprintf(cmd, sizeof(cmd), "'%s' tool pprof -symbolize=none -raw '%s' 2>&1", go, file);
	f = popen(cmd, "r");
	if (!f) {
		tap_ok(1, "go tool pprof accepts the file # skip cannot run %s", go);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, "samples/count cpu/nanoseconds"))
			found_header = 1;
		if (strstr(line, "hot hot.cc:33"))
			found_hot = 1;
	}
	status = pclose(f);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
		tap_ok(1, "go tool pprof accepts the file # skip %s not found", go);
		return;
	}
	tap_ok(WIFEXITED(status) && WEXITSTATUS(status) == 0 && found_header && found_hot,
	       "go tool pprof -raw accepts the file and sees its samples and inline frames");
}

static void
test_files(const struct fixture *fx)
{
	char dir[] = "/tmp/pprof_test.XXXXXX", path[256], sub[256], *cause = NULL, *names;
	struct stat st;
	struct rlimit rl, small;
	uint8_t *data;
	size_t len;
	struct profile *q;
	int ret, saved, fd;

	if (!tap_ok(mkdtemp(dir) != NULL, "scratch directory"))
		return;
	umask(022);
	snprintf(path, sizeof(path), "%s/out.pb.gz", dir);
	ret = pprof_write_file(fx->p, path, &cause);
	if (!tap_ok(ret == 0 && !cause, "pprof_write_file succeeds"))
		tap_diag("ret %d cause: %s", ret, cause ? cause : "(none)");
	free(cause);
	cause = NULL;
	tap_ok(stat(path, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 07777) == 0644,
	       "file exists with mode 0666 & ~umask");
	names = dir_list(dir);
	TAP_EQ_STR(names, "out.pb.gz", "no temporary file left over");
	free(names);
	if (read_file(path, &data, &len) == 0) {
		q = pprof_decode(data, len, &cause);
		tap_ok(q != NULL, "the written file decodes");
		if (q)
			check_same(fx->p, q, "file");
		profile_free(q);
		free(cause);
		cause = NULL;
		free(data);
	}
	check_go_pprof(path);

	/* Overwriting an existing profile. */
	ret = pprof_write_file(fx->p, path, &cause);
	tap_ok(ret == 0, "pprof_write_file replaces an existing file");
	free(cause);
	cause = NULL;

	/* A failing write (file size limit) must leave neither the temp nor a changed target. */
	getrlimit(RLIMIT_FSIZE, &rl);
	small = rl;
	small.rlim_cur = 64;
	signal(SIGXFSZ, SIG_IGN);
	snprintf(sub, sizeof(sub), "%s/big.pb.gz", dir);
	if (setrlimit(RLIMIT_FSIZE, &small) == 0) {
		ret = pprof_write_file(fx->p, sub, &cause);
		setrlimit(RLIMIT_FSIZE, &rl);
		if (!tap_ok(ret == -EFBIG && cause && strstr(cause, sub) &&
				    strstr(cause, strerror(EFBIG)),
			    "a failed write is reported with path and reason"))
			tap_diag("ret %d cause: %s", ret, cause ? cause : "(none)");
		free(cause);
		cause = NULL;
		names = dir_list(dir);
		TAP_EQ_STR(names, "out.pb.gz", "a failed write leaves no file behind");
		free(names);
	} else {
		tap_ok(1, "failed write # skip setrlimit: %s", strerror(errno));
		tap_ok(1, "failed write cleanup # skip");
	}
	signal(SIGXFSZ, SIG_DFL);

	/* Into a directory that does not exist. */
	snprintf(sub, sizeof(sub), "%s/nodir/out.pb.gz", dir);
	ret = pprof_write_file(fx->p, sub, &cause);
	if (!tap_ok(ret == -ENOENT && cause && strstr(cause, sub) &&
			    strstr(cause, "No such file or directory"),
		    "writing into a missing directory fails with a cause"))
		tap_diag("ret %d cause: %s", ret, cause ? cause : "(none)");
	free(cause);
	cause = NULL;
	names = dir_list(dir);
	TAP_EQ_STR(names, "out.pb.gz", "and leaves nothing");
	free(names);

	/* Onto a directory. */
	snprintf(sub, sizeof(sub), "%s/adir", dir);
	mkdir(sub, 0755);
	ret = pprof_write_file(fx->p, sub, &cause);
	if (!tap_ok(ret == -EISDIR && cause && strstr(cause, "is a directory") &&
			    strstr(cause, sub),
		    "writing onto a directory fails with a cause"))
		tap_diag("ret %d cause: %s", ret, cause ? cause : "(none)");
	free(cause);
	cause = NULL;
	names = dir_list(dir);
	tap_ok(!strcmp(names, "out.pb.gz adir") || !strcmp(names, "adir out.pb.gz"),
	       "and leaves nothing");
	free(names);
	names = dir_list(sub);
	TAP_EQ_STR(names, "", "nothing written inside the directory either");
	free(names);
	rmdir(sub);

	/* "-" is standard output. */
	snprintf(sub, sizeof(sub), "%s/stdout.pb.gz", dir);
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	fd = open(sub, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	dup2(fd, STDOUT_FILENO);
	close(fd);
	ret = pprof_write_file(fx->p, "-", &cause);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	tap_ok(ret == 0, "\"-\" writes to standard output");
	free(cause);
	cause = NULL;
	if (read_file(sub, &data, &len) == 0) {
		q = pprof_decode(data, len, &cause);
		tap_ok(q != NULL, "and what it wrote decodes");
		profile_free(q);
		free(cause);
		free(data);
	}
	unlink(sub);

	unlink(path);
	tap_ok(rmdir(dir) == 0, "scratch directory cleaned up");
}

int
main(void)
{
	struct fixture fx;
	uint8_t *gz = NULL;
	size_t len = 0;
	int ret;

	fixture_build(&fx);
	ret = pprof_encode(fx.p, &gz, &len);
	tap_ok(ret == 0 && gz && len > 0, "pprof_encode succeeds");
	if (gz) {
		check_raw(&fx, gz, len);
		test_encode_decode(&fx, gz, len);
		test_garbage(gz, len);
	}
	test_malformed();
	test_files(&fx);
	free(gz);
	profile_free(fx.p);
	return tap_done();
}
