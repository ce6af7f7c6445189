/*
 * profile: the aggregate behind every writer. Strings, locations, functions, label sets and
 * samples live in arrays indexed by id, each with a struct table on the side to find an existing
 * one by content, so adding a sample that was seen before is a hash lookup and an addition, with
 * no allocation. The summary table (profile_top) is computed here because it only needs this
 * model, not any output format.
 */
#include "config.h"

#include "profile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define PROFILE_UNKNOWN_NAME "[unknown]"

/* A broken contract between modules is a bug in prof, not something a caller can handle. */
static void
profile_bug(const char *what)
{
	fprintf(stderr, "prof: internal error: profile: %s\n", what);
	abort();
}

/* --- strings */

static bool
profile_string_eq(uint32_t id, const void *key, void *arg)
{
	const struct profile *p = arg;

	return strcmp(p->strings[id], key) == 0;
}

static uint64_t
profile_string_hash(const char *s)
{
	return table_hash_bytes(s, strlen(s), 0);
}

uint32_t
profile_string(struct profile *p, const char *s)
{
	uint64_t hash;
	uint32_t id;

	if (!s || !*s)
		return 0;
	hash = profile_string_hash(s);
	id = table_find(&p->string_index, hash, s, profile_string_eq, p);
	if (id != TABLE_NONE)
		return id;
	if (p->nstrings >= TABLE_NONE)
		profile_bug("too many strings");
	xgrow(&p->strings, &p->cap_strings, p->nstrings + 1, sizeof(*p->strings));
	id = (uint32_t)p->nstrings++;
	p->strings[id] = xstrdup(s);
	table_insert(&p->string_index, hash, id);
	return id;
}

/* --- sample types, period, comments */

size_t
profile_add_type(struct profile *p, const char *type, const char *unit)
{
	/* Samples hold ntypes values each, so the types must all be known before the first one. */
	if (p->ntypes >= PROFILE_MAX_TYPES)
		profile_bug("too many sample types");
	if (p->nsamples)
		profile_bug("sample type added after samples");
	p->types[p->ntypes].type = profile_string(p, type);
	p->types[p->ntypes].unit = profile_string(p, unit);
	return p->ntypes++;
}

void
profile_set_period(struct profile *p, const char *type, const char *unit, int64_t period)
{
	p->period_type.type = profile_string(p, type);
	p->period_type.unit = profile_string(p, unit);
	p->period = period;
}

void
profile_add_comment(struct profile *p, const char *comment)
{
	xgrow(&p->comments, &p->cap_comments, p->ncomments + 1, sizeof(*p->comments));
	p->comments[p->ncomments++] = profile_string(p, comment);
}

/* --- mappings */

uint64_t
profile_add_mapping(struct profile *p, const struct profile_mapping *m)
{
	struct profile_mapping *n;

	xgrow(&p->mappings, &p->cap_mappings, p->nmappings + 1, sizeof(*p->mappings));
	n = &p->mappings[p->nmappings];
	*n = *m;
	n->id = ++p->nmappings;
	return n->id;
}

/* --- locations, keyed by (mapping_id, address) */

struct profile_location_key {
	uint64_t mapping_id, address;
};

static bool
profile_location_eq(uint32_t id, const void *key, void *arg)
{
	const struct profile *p = arg;
	const struct profile_location_key *k = key;

	return p->locations[id].mapping_id == k->mapping_id &&
	       p->locations[id].address == k->address;
}

static uint64_t
profile_location_hash(uint64_t mapping_id, uint64_t address)
{
	return table_hash_u64(address, table_hash_u64(mapping_id, 0));
}

uint64_t
profile_location(struct profile *p, uint64_t mapping_id, uint64_t address)
{
	struct profile_location_key key = {mapping_id, address};
	uint64_t hash = profile_location_hash(mapping_id, address);
	struct profile_location *l;
	uint32_t id;

	id = table_find(&p->location_index, hash, &key, profile_location_eq, p);
	if (id != TABLE_NONE)
		return (uint64_t)id + 1;
	if (p->nlocations >= TABLE_NONE)
		profile_bug("too many locations");
	xgrow(&p->locations, &p->cap_locations, p->nlocations + 1, sizeof(*p->locations));
	id = (uint32_t)p->nlocations++;
	l = &p->locations[id];
	memset(l, 0, sizeof(*l));
	l->id = (uint64_t)id + 1;
	l->mapping_id = mapping_id;
	l->address = address;
	table_insert(&p->location_index, hash, id);
	return l->id;
}

void
profile_set_lines(struct profile *p, uint64_t location_id, const struct profile_line *lines,
		  size_t n)
{
	struct profile_location *l;

	if (!location_id || location_id > p->nlocations)
		profile_bug("lines set on an unknown location");
	l = &p->locations[location_id - 1];
	free(l->lines);
	l->lines = NULL;
	l->nlines = n;
	if (n) {
		l->lines = xreallocarray(NULL, n, sizeof(*l->lines));
		memcpy(l->lines, lines, n * sizeof(*l->lines));
	}
}

/* --- functions, keyed by all four fields */

static bool
profile_function_eq(uint32_t id, const void *key, void *arg)
{
	const struct profile *p = arg;
	const struct profile_function *a = &p->functions[id], *b = key;

	return a->name == b->name && a->system_name == b->system_name &&
	       a->filename == b->filename && a->start_line == b->start_line;
}

static uint64_t
profile_function_hash(const struct profile_function *f)
{
	uint64_t h = table_hash_u64(f->name, 0);

	h = table_hash_u64(f->system_name, h);
	h = table_hash_u64(f->filename, h);
	return table_hash_u64((uint64_t)f->start_line, h);
}

uint64_t
profile_function(struct profile *p, const char *name, const char *system_name, const char *filename,
		 int64_t start_line)
{
	struct profile_function key;
	uint64_t hash;
	uint32_t id;

	memset(&key, 0, sizeof(key));
	key.name = profile_string(p, name);
	key.system_name = profile_string(p, system_name);
	key.filename = profile_string(p, filename);
	key.start_line = start_line;
	hash = profile_function_hash(&key);
	id = table_find(&p->function_index, hash, &key, profile_function_eq, p);
	if (id != TABLE_NONE)
		return (uint64_t)id + 1;
	if (p->nfunctions >= TABLE_NONE)
		profile_bug("too many functions");
	xgrow(&p->functions, &p->cap_functions, p->nfunctions + 1, sizeof(*p->functions));
	id = (uint32_t)p->nfunctions++;
	key.id = (uint64_t)id + 1;
	p->functions[id] = key;
	table_insert(&p->function_index, hash, id);
	return key.id;
}

/* --- label sets, keyed by their labels in order */

struct profile_labelset_key {
	const struct profile_label *labels;
	size_t n;
};

static bool
profile_label_equal(const struct profile_label *a, const struct profile_label *b)
{
	/* Field by field: the struct has padding that memcmp would read. */
	return a->key == b->key && a->str == b->str && a->num == b->num &&
	       a->num_unit == b->num_unit;
}

static bool
profile_labelset_eq(uint32_t id, const void *key, void *arg)
{
	const struct profile *p = arg;
	const struct profile_labelset *s = &p->labelsets[id];
	const struct profile_labelset_key *k = key;
	size_t i;

	if (s->n != k->n)
		return false;
	for (i = 0; i < k->n; i++)
		if (!profile_label_equal(&s->labels[i], &k->labels[i]))
			return false;
	return true;
}

static uint64_t
profile_labelset_hash(const struct profile_label *labels, size_t n)
{
	uint64_t h = table_hash_u64(n, 0);
	size_t i;

	for (i = 0; i < n; i++) {
		h = table_hash_u64(((uint64_t)labels[i].key << 32) | labels[i].str, h);
		h = table_hash_u64((uint64_t)labels[i].num, h);
		h = table_hash_u64(labels[i].num_unit, h);
	}
	return h;
}

uint32_t
profile_labelset(struct profile *p, const struct profile_label *labels, size_t n)
{
	struct profile_labelset_key key = {labels, n};
	uint64_t hash = profile_labelset_hash(labels, n);
	struct profile_labelset *s;
	uint32_t id;

	id = table_find(&p->labelset_index, hash, &key, profile_labelset_eq, p);
	if (id != TABLE_NONE)
		return id;
	if (p->nlabelsets >= TABLE_NONE)
		profile_bug("too many label sets");
	xgrow(&p->labelsets, &p->cap_labelsets, p->nlabelsets + 1, sizeof(*p->labelsets));
	id = (uint32_t)p->nlabelsets++;
	s = &p->labelsets[id];
	s->n = n;
	s->labels = NULL;
	if (n) {
		s->labels = xreallocarray(NULL, n, sizeof(*s->labels));
		memcpy(s->labels, labels, n * sizeof(*s->labels));
	}
	table_insert(&p->labelset_index, hash, id);
	return id;
}

/* --- samples, keyed by (stack, label set) */

struct profile_sample_key {
	const uint64_t *location_ids;
	size_t nlocs;
	uint32_t labelset;
};

static bool
profile_sample_eq(uint32_t id, const void *key, void *arg)
{
	const struct profile *p = arg;
	const struct profile_sample *s = &p->samples[id];
	const struct profile_sample_key *k = key;

	return s->nlocs == k->nlocs && s->labelset == k->labelset &&
	       (!k->nlocs ||
		memcmp(s->location_ids, k->location_ids, k->nlocs * sizeof(*k->location_ids)) == 0);
}

static uint64_t
profile_sample_hash(const uint64_t *location_ids, size_t nlocs, uint32_t labelset)
{
	uint64_t h = table_hash_u64(((uint64_t)labelset << 32) ^ nlocs, 0);
	size_t i;

	for (i = 0; i < nlocs; i++)
		h = table_hash_u64(location_ids[i], h);
	return h;
}

size_t
profile_add_sample(struct profile *p, const uint64_t *location_ids, size_t nlocs, uint32_t labelset,
		   const int64_t *values)
{
	struct profile_sample_key key = {location_ids, nlocs, labelset};
	uint64_t hash = profile_sample_hash(location_ids, nlocs, labelset);
	struct profile_sample *s;
	uint32_t id;
	size_t i;

	id = table_find(&p->sample_index, hash, &key, profile_sample_eq, p);
	if (id != TABLE_NONE) {
		s = &p->samples[id];
		/* A decoded profile holds any values (prof report): saturate, never overflow. */
		for (i = 0; i < p->ntypes; i++)
			if (__builtin_add_overflow(s->values[i], values[i], &s->values[i]))
				s->values[i] = values[i] < 0 ? INT64_MIN : INT64_MAX;
		return id;
	}
	if (labelset >= p->nlabelsets)
		profile_bug("sample with an unknown label set");
	if (p->nsamples >= TABLE_NONE)
		profile_bug("too many samples");
	xgrow(&p->samples, &p->cap_samples, p->nsamples + 1, sizeof(*p->samples));
	id = (uint32_t)p->nsamples++;
	s = &p->samples[id];
	s->nlocs = nlocs;
	s->location_ids = NULL;
	if (nlocs) {
		s->location_ids = xreallocarray(NULL, nlocs, sizeof(*s->location_ids));
		memcpy(s->location_ids, location_ids, nlocs * sizeof(*s->location_ids));
	}
	s->labelset = labelset;
	s->values = xreallocarray(NULL, p->ntypes, sizeof(*s->values));
	if (p->ntypes)
		memcpy(s->values, values, p->ntypes * sizeof(*s->values));
	table_insert(&p->sample_index, hash, id);
	return id;
}

/* --- lifetime */

void
profile_reindex(struct profile *p)
{
	size_t i;

	/* Where the arrays hold duplicates, the first one is what lookups find. */
	table_free(&p->string_index);
	for (i = 0; i < p->nstrings; i++) {
		uint64_t hash = profile_string_hash(p->strings[i]);

		if (table_find(&p->string_index, hash, p->strings[i], profile_string_eq, p) ==
		    TABLE_NONE)
			table_insert(&p->string_index, hash, (uint32_t)i);
	}
	table_free(&p->location_index);
	for (i = 0; i < p->nlocations; i++) {
		const struct profile_location *l = &p->locations[i];
		struct profile_location_key key = {l->mapping_id, l->address};
		uint64_t hash = profile_location_hash(l->mapping_id, l->address);

		if (table_find(&p->location_index, hash, &key, profile_location_eq, p) ==
		    TABLE_NONE)
			table_insert(&p->location_index, hash, (uint32_t)i);
	}
	table_free(&p->function_index);
	for (i = 0; i < p->nfunctions; i++) {
		uint64_t hash = profile_function_hash(&p->functions[i]);

		if (table_find(&p->function_index, hash, &p->functions[i], profile_function_eq,
			       p) == TABLE_NONE)
			table_insert(&p->function_index, hash, (uint32_t)i);
	}
	table_free(&p->labelset_index);
	for (i = 0; i < p->nlabelsets; i++) {
		const struct profile_labelset *s = &p->labelsets[i];
		struct profile_labelset_key key = {s->labels, s->n};
		uint64_t hash = profile_labelset_hash(s->labels, s->n);

		if (table_find(&p->labelset_index, hash, &key, profile_labelset_eq, p) ==
		    TABLE_NONE)
			table_insert(&p->labelset_index, hash, (uint32_t)i);
	}
	table_free(&p->sample_index);
	for (i = 0; i < p->nsamples; i++) {
		const struct profile_sample *s = &p->samples[i];
		struct profile_sample_key key = {s->location_ids, s->nlocs, s->labelset};
		uint64_t hash = profile_sample_hash(s->location_ids, s->nlocs, s->labelset);

		if (table_find(&p->sample_index, hash, &key, profile_sample_eq, p) == TABLE_NONE)
			table_insert(&p->sample_index, hash, (uint32_t)i);
	}
}

struct profile *
profile_create(void)
{
	struct profile *p = xcalloc(1, sizeof(*p));

	table_init(&p->string_index);
	table_init(&p->location_index);
	table_init(&p->function_index);
	table_init(&p->labelset_index);
	table_init(&p->sample_index);

	/* pprof reserves string 0 for "" and we reserve label set 0 for "no labels". */
	xgrow(&p->strings, &p->cap_strings, 1, sizeof(*p->strings));
	p->strings[p->nstrings++] = xstrdup("");
	table_insert(&p->string_index, profile_string_hash(""), 0);
	xgrow(&p->labelsets, &p->cap_labelsets, 1, sizeof(*p->labelsets));
	p->labelsets[p->nlabelsets].n = 0;
	p->labelsets[p->nlabelsets++].labels = NULL;
	table_insert(&p->labelset_index, profile_labelset_hash(NULL, 0), 0);
	return p;
}

void
profile_free(struct profile *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->nstrings; i++)
		free(p->strings[i]);
	free(p->strings);
	free(p->comments);
	free(p->mappings);
	for (i = 0; i < p->nlocations; i++)
		free(p->locations[i].lines);
	free(p->locations);
	free(p->functions);
	for (i = 0; i < p->nlabelsets; i++)
		free(p->labelsets[i].labels);
	free(p->labelsets);
	for (i = 0; i < p->nsamples; i++) {
		free(p->samples[i].location_ids);
		free(p->samples[i].values);
	}
	free(p->samples);
	table_free(&p->string_index);
	table_free(&p->location_index);
	table_free(&p->function_index);
	table_free(&p->labelset_index);
	table_free(&p->sample_index);
	free(p);
}

/* --- summaries */

int64_t
profile_total(const struct profile *p, size_t type)
{
	int64_t total = 0;
	size_t i;

	if (type >= p->ntypes)
		return 0;
	for (i = 0; i < p->nsamples; i++)
		total += p->samples[i].values[type];
	return total;
}

const char *
profile_top_name(const struct profile *p, const struct profile_top_entry *e)
{
	if (!e->name || e->name >= p->nstrings)
		return PROFILE_UNKNOWN_NAME;
	return p->strings[e->name];
}

/* The name (string index) of the function of a line; 0 when the line has no usable function. */
static uint32_t
profile_line_name(const struct profile *p, const struct profile_line *ln)
{
	if (!ln->function_id || ln->function_id > p->nfunctions)
		return 0;
	return p->functions[ln->function_id - 1].name;
}

static const struct profile_location *
profile_get_location(const struct profile *p, uint64_t id)
{
	if (!id || id > p->nlocations)
		return NULL;
	return &p->locations[id - 1];
}

struct profile_top_sort {
	struct profile_top_entry e;
	const char *name;
};

static int
profile_top_cmp(const void *a, const void *b)
{
	const struct profile_top_sort *x = a, *y = b;
	int c;

	if (x->e.flat != y->e.flat)
		return x->e.flat > y->e.flat ? -1 : 1;
	if (x->e.cum != y->e.cum)
		return x->e.cum > y->e.cum ? -1 : 1;
	c = strcmp(x->name, y->name);
	if (c)
		return c;
	return x->e.name < y->e.name ? -1 : x->e.name > y->e.name;
}

/*
 * Per function name: flat is what the innermost line of the leaf location was doing, cum counts
 * each sample once for every name anywhere on its stack (inlined lines included), so recursion
 * does not inflate it. Locations without lines (and empty stacks) count under name 0.
 */
size_t
profile_top(const struct profile *p, size_t type, struct profile_top_entry **out)
{
	struct profile_top_sort *sorted;
	int64_t *flat, *cum;
	size_t *seen; /* sample index + 1 that last counted this name in cum; 0 = never touched */
	size_t i, j, k, n;

	*out = NULL;
	if (type >= p->ntypes)
		return 0;
	flat = xcalloc(p->nstrings, sizeof(*flat));
	cum = xcalloc(p->nstrings, sizeof(*cum));
	seen = xcalloc(p->nstrings, sizeof(*seen));

	for (i = 0; i < p->nsamples; i++) {
		const struct profile_sample *s = &p->samples[i];
		const struct profile_location *leaf;
		int64_t v = s->values[type];
		uint32_t name;

		if (!v)
			continue;
		leaf = s->nlocs ? profile_get_location(p, s->location_ids[0]) : NULL;
		name = leaf && leaf->nlines ? profile_line_name(p, &leaf->lines[0]) : 0;
		flat[name] += v;
		if (!s->nlocs) {
			cum[0] += v;
			seen[0] = i + 1;
			continue;
		}
		for (j = 0; j < s->nlocs; j++) {
			const struct profile_location *l =
				profile_get_location(p, s->location_ids[j]);
			size_t nlines = l ? l->nlines : 0;

			for (k = 0; k < (nlines ? nlines : 1); k++) {
				name = nlines ? profile_line_name(p, &l->lines[k]) : 0;
				if (seen[name] != i + 1) {
					seen[name] = i + 1;
					cum[name] += v;
				}
			}
		}
	}

	for (i = 0, n = 0; i < p->nstrings; i++)
		if (seen[i])
			n++;
	sorted = xcalloc(n, sizeof(*sorted));
	for (i = 0, j = 0; i < p->nstrings; i++) {
		if (!seen[i])
			continue;
		sorted[j].e.name = (uint32_t)i;
		sorted[j].e.flat = flat[i];
		sorted[j].e.cum = cum[i];
		sorted[j].name = profile_top_name(p, &sorted[j].e);
		j++;
	}
	if (n)
		qsort(sorted, n, sizeof(*sorted), profile_top_cmp);
	if (n) {
		*out = xcalloc(n, sizeof(**out));
		for (i = 0; i < n; i++)
			(*out)[i] = sorted[i].e;
	}
	free(sorted);
	free(seen);
	free(cum);
	free(flat);
	return n;
}

void
profile_mapping_first(struct profile *p, uint64_t id)
{
	struct profile_mapping m;
	size_t i;

	if (id <= 1 || id > p->nmappings)
		return;
	/* Rotate [1, id] right by one: id becomes 1, 1..id-1 become 2..id. */
	m = p->mappings[id - 1];
	memmove(&p->mappings[1], &p->mappings[0], (id - 1) * sizeof(*p->mappings));
	p->mappings[0] = m;
	for (i = 0; i < id; i++)
		p->mappings[i].id = i + 1;
	for (i = 0; i < p->nlocations; i++) {
		uint64_t *mid = &p->locations[i].mapping_id;

		if (*mid == id)
			*mid = 1;
		else if (*mid && *mid < id)
			(*mid)++;
	}
	/* Locations are keyed by mapping id. */
	profile_reindex(p);
}

void
profile_set_symbolized(struct profile *p, uint64_t location_id, const struct symbolize_result *res,
		       const struct maps_mapping *m, uint64_t addr)
{
	struct profile_line lines[SYMBOLIZE_MAX_FRAMES];
	int k;

	if (res->n <= 0) {
		char *name;

		if (!m)
			name = xasprintf("[unknown] 0x%llx", (unsigned long long)addr);
		else if (m->kernel)
			name = xstrdup("[kernel]");
		else if (m->path[0] == '/' && m->path[1] != '/')
			name = xasprintf("[unknown] %s+0x%llx", m->path,
					 (unsigned long long)(addr - m->start + m->pgoff));
		else
			name = xasprintf("[unknown] %s+0x%llx", m->path[0] ? m->path : "//anon",
					 (unsigned long long)(addr - m->start));
		lines[0].function_id = profile_function(p, name, name, "", 0);
		lines[0].line = 0;
		free(name);
		profile_set_lines(p, location_id, lines, 1);
		return;
	}
	for (k = 0; k < res->n && k < SYMBOLIZE_MAX_FRAMES; k++) {
		const struct symbolize_frame *fr = &res->frames[k];

		lines[k].function_id =
			profile_function(p, fr->name, fr->system_name ? fr->system_name : fr->name,
					 fr->file ? fr->file : "", fr->start_line);
		lines[k].line = fr->line;
	}
	profile_set_lines(p, location_id, lines, (size_t)k);
}
