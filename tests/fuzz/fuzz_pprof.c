/*
 * fuzz_pprof: the pprof reader (behind `prof report`) on arbitrary files: gzip'd or raw
 * protobuf, gzip bombs, dangling ids and string indices. A profile it accepts must be one the
 * rest of prof can use: every index it kept points inside its tables, it encodes again and
 * decodes to a profile of the same shape, and what `prof report` does with it (the top table,
 * grouping by thread, folded stacks, the SVG flame graph) goes through, into /dev/null.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "flame.h"
#include "fuzz.h"
#include "pprof.h"
#include "profile.h"
#include "report.h"

static FILE *fuzz_pprof_null;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_pprof_null = fopen("/dev/null", "w");
	FUZZ_CHECK(fuzz_pprof_null != NULL);
	return 0;
}

/* Every id and string index of an accepted profile is in range. */
static void
fuzz_pprof_check(const struct profile *p)
{
	size_t i, j;

	FUZZ_CHECK(p->nstrings > 0 && p->strings[0][0] == '\0');
	FUZZ_CHECK(p->ntypes <= PROFILE_MAX_TYPES);
	for (i = 0; i < p->ntypes; i++)
		FUZZ_CHECK(p->types[i].type < p->nstrings && p->types[i].unit < p->nstrings);
	FUZZ_CHECK(p->default_type < p->nstrings);
	for (i = 0; i < p->ncomments; i++)
		FUZZ_CHECK(p->comments[i] < p->nstrings);
	for (i = 0; i < p->nmappings; i++)
		FUZZ_CHECK(p->mappings[i].filename < p->nstrings &&
			   p->mappings[i].build_id < p->nstrings);
	for (i = 0; i < p->nfunctions; i++) {
		const struct profile_function *f = &p->functions[i];

		FUZZ_CHECK(f->id == i + 1);
		FUZZ_CHECK(f->name < p->nstrings && f->system_name < p->nstrings &&
			   f->filename < p->nstrings);
	}
	for (i = 0; i < p->nlocations; i++) {
		const struct profile_location *l = &p->locations[i];

		FUZZ_CHECK(l->id == i + 1 && l->mapping_id <= p->nmappings);
		for (j = 0; j < l->nlines; j++)
			FUZZ_CHECK(l->lines[j].function_id >= 1 &&
				   l->lines[j].function_id <= p->nfunctions);
	}
	for (i = 0; i < p->nsamples; i++) {
		const struct profile_sample *s = &p->samples[i];

		FUZZ_CHECK(s->labelset < p->nlabelsets);
		for (j = 0; j < s->nlocs; j++)
			FUZZ_CHECK(s->location_ids[j] >= 1 && s->location_ids[j] <= p->nlocations);
		if (p->ntypes)
			fuzz_touch(s->values, p->ntypes * sizeof(*s->values));
	}
	for (i = 0; i < p->nlabelsets; i++) {
		const struct profile_labelset *ls = &p->labelsets[i];

		for (j = 0; j < ls->n; j++)
			FUZZ_CHECK(ls->labels[j].key < p->nstrings && ls->labels[j].str < p->nstrings &&
				   ls->labels[j].num_unit < p->nstrings);
	}
}

/* What `prof report` does with a profile, as cmd_report.c calls it. */
static void
fuzz_pprof_report(const struct profile *p)
{
	struct report_frame *frames = NULL;
	struct report_table_opts o;
	struct report_groups g;
	struct report_row *rows = NULL;
	struct flame_options fo;
	struct report *r;
	size_t cap = 0, index, i, k, n;
	char *cause = NULL;

	if (!p->ntypes)
		return; /* cmd_report refuses it */
	index = report_default_index(p);
	FUZZ_CHECK(index < p->ntypes);
	r = report_create(p);
	for (i = 0; i < p->nsamples; i++) {
		n = report_stack(r, i, &frames, &cap);
		for (k = 0; k < n; k++) {
			const char *name = report_str(r, frames[k].name);

			FUZZ_CHECK(name != NULL);
			fuzz_touch(name, strlen(name) + 1);
		}
	}
	free(frames);
	memset(&o, 0, sizeof(o));
	o.index[0] = index;
	o.nvalues = 1;
	n = report_table(r, &o, &rows);
	for (i = 0; i < n; i++)
		fuzz_touch(report_str(r, rows[i].name), 1);
	free(rows);
	report_group(r, "thread", index, &g);
	if (report_write_folded_tree(r, index, &g, fuzz_pprof_null, &cause) < 0)
		free(cause);
	report_groups_free(&g);
	report_free(r);
	cause = NULL;
	flame_options_init(&fo, p);
	if (flame_write_svg(p, &fo, fuzz_pprof_null, &cause) < 0)
		free(cause);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct profile *p, *q;
	uint8_t *enc = NULL;
	size_t len = 0;
	char *cause = NULL;

	p = pprof_decode(data, size, &cause);
	if (!p) {
		FUZZ_CHECK(cause != NULL);
		fuzz_touch(cause, strlen(cause) + 1);
		free(cause);
		return 0;
	}
	FUZZ_CHECK(cause == NULL);
	fuzz_pprof_check(p);
	fuzz_pprof_report(p);

	/* Round trip: what we accept, we can write, and read back the same. */
	FUZZ_CHECK(pprof_encode(p, &enc, &len) == 0);
	q = pprof_decode(enc, len, &cause);
	if (!q)
		fprintf(stderr, "re-decoding: %s\n", cause ? cause : "(no cause)");
	FUZZ_CHECK(q != NULL);
	fuzz_pprof_check(q);
	FUZZ_CHECK(q->ntypes == p->ntypes && q->nmappings == p->nmappings &&
		   q->nlocations == p->nlocations && q->nfunctions == p->nfunctions &&
		   q->nsamples == p->nsamples && q->ncomments == p->ncomments);
	profile_free(q);
	free(enc);
	profile_free(p);
	return 0;
}
