/*
 * report: what prof report computes, on the format-neutral profile. Everything starts from a
 * sample's stack read as frames (each line of each location is one, innermost line last) so
 * that a table, a folded stack and a flame graph agree on what a frame is, and with go tool
 * pprof, whose "functions" granularity also keys nodes by name alone and also gives each
 * inlined line a node of its own.
 *
 * Names are compared by text: pprof_decode keeps a file's string indices, and a file may repeat
 * a string, so index equality would split a function in two.
 */
#include "config.h"

#include "report.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "xalloc.h"

#define REPORT_UNKNOWN "[unknown]"

/* x86-64 and arm64 put the kernel in the top half of the address space. */
#define REPORT_KERNEL_ADDRESS 0xffff800000000000ull

/* --- names */

static bool
report_canon_eq(uint32_t id, const void *key, void *arg)
{
	const struct profile *p = arg;

	return strcmp(p->strings[id], key) == 0;
}

static bool
report_extra_eq(uint32_t id, const void *key, void *arg)
{
	const struct report *r = arg;

	return strcmp(r->extra[id], key) == 0;
}

static uint64_t
report_hash_str(const char *s)
{
	return table_hash_bytes(s, strlen(s), 0x9e3779b97f4a7c15ull);
}

const char *
report_str(const struct report *r, uint32_t id)
{
	if (id < r->p->nstrings)
		return r->p->strings[id];
	if (id - r->p->nstrings < r->nextra)
		return r->extra[id - r->p->nstrings];
	return REPORT_UNKNOWN;
}

uint32_t
report_intern(struct report *r, const char *s)
{
	uint64_t hash = report_hash_str(s);
	uint32_t id = table_find(&r->string_index, hash, s, report_canon_eq, (void *)r->p);

	/* a name the profile has already keeps its id: one function, one row */
	if (id != TABLE_NONE)
		return id;
	id = table_find(&r->extra_index, hash, s, report_extra_eq, r);
	if (id != TABLE_NONE)
		return (uint32_t)r->p->nstrings + id;
	xgrow(&r->extra, &r->cap_extra, r->nextra + 1, sizeof(*r->extra));
	r->extra[r->nextra] = xstrdup(s);
	table_insert(&r->extra_index, hash, (uint32_t)r->nextra);
	return (uint32_t)(r->p->nstrings + r->nextra++);
}

/* The canonical id of string index `s` (0 for the empty string or a bad index). */
static uint32_t
report_canon(const struct report *r, uint64_t s)
{
	return s < r->p->nstrings ? r->canon[s] : 0;
}

/* --- frames */

static bool
report_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static enum report_kind
report_mapping_kind(const char *name)
{
	const char *base = strrchr(name, '/');

	if (report_prefix(name, "[kernel") || strcmp(name, "[vmlinux]") == 0 ||
	    report_prefix(name, "/boot/vmlinu") || report_prefix(name, "vmlinux"))
		return REPORT_KIND_KERNEL;
	if (!*name || report_prefix(name, "[anon") || report_prefix(name, "//anon") ||
	    report_prefix(name, "/memfd:") || report_prefix(name, "memfd:") ||
	    report_prefix(name, "[jit") || report_prefix(name, "[heap]") ||
	    report_prefix(name, "[stack") ||
	    (base && report_prefix(base, "/perf-") && strstr(base, ".map")))
		return REPORT_KIND_JIT;
	if (report_prefix(name, "/lib/") || report_prefix(name, "/lib64/") ||
	    report_prefix(name, "/lib32/") || report_prefix(name, "/usr/lib/") ||
	    report_prefix(name, "/usr/lib64/") || report_prefix(name, "/usr/lib32/") ||
	    report_prefix(name, "/usr/libexec/") || strcmp(name, "[vdso]") == 0 ||
	    strcmp(name, "[vsyscall]") == 0)
		return REPORT_KIND_SYSTEM;
	return REPORT_KIND_USER;
}

static const struct profile_mapping *
report_mapping(const struct profile *p, uint64_t id)
{
	return id && id <= p->nmappings ? &p->mappings[id - 1] : NULL;
}

/* The name of a location without lines: its mapping's file name in brackets, or [unknown]. */
static uint32_t
report_bare_name(struct report *r, const struct profile_location *l)
{
	const struct profile_mapping *m = report_mapping(r->p, l->mapping_id);
	const char *name, *base;
	uint32_t id;
	char *s;

	if (!m || m->filename >= r->p->nstrings || !*(name = r->p->strings[m->filename]))
		return r->unknown;
	if (name[0] == '[')
		return report_intern(r, name);
	base = strrchr(name, '/');
	s = xasprintf("[%s]", base && base[1] ? base + 1 : name);
	id = report_intern(r, s);
	free(s);
	return id;
}

static void
report_build_frames(struct report *r)
{
	const struct profile *p = r->p;
	uint8_t *mapping_kind = xcalloc(p->nmappings + 1, 1);
	size_t i, k, n = 0;

	for (i = 0; i < p->nmappings; i++) {
		uint32_t f = p->mappings[i].filename;

		mapping_kind[i + 1] =
			(uint8_t)report_mapping_kind(f < p->nstrings ? p->strings[f] : "");
	}
	r->loc_first = xcalloc(p->nlocations + 1, sizeof(*r->loc_first));
	for (i = 0; i < p->nlocations; i++) {
		r->loc_first[i] = n;
		n += p->locations[i].nlines ? p->locations[i].nlines : 1;
	}
	r->loc_first[p->nlocations] = n;
	r->frames = xcalloc(n ? n : 1, sizeof(*r->frames));

	for (i = 0; i < p->nlocations; i++) {
		const struct profile_location *l = &p->locations[i];
		struct report_frame *fr = &r->frames[r->loc_first[i]];
		uint8_t kind = REPORT_KIND_USER;

		if (l->mapping_id && l->mapping_id <= p->nmappings)
			kind = mapping_kind[l->mapping_id];
		if (l->address >= REPORT_KERNEL_ADDRESS)
			kind = REPORT_KIND_KERNEL;
		if (!l->nlines) {
			fr->name = report_bare_name(r, l);
			fr->kind = kind;
			continue;
		}
		/* lines are innermost first; frames go outermost first */
		for (k = 0; k < l->nlines; k++) {
			const struct profile_line *ln = &l->lines[l->nlines - 1 - k];
			const struct profile_function *fn = NULL;

			if (ln->function_id && ln->function_id <= p->nfunctions)
				fn = &p->functions[ln->function_id - 1];
			fr[k].kind = kind;
			fr[k].inlined = k > 0;
			fr[k].line = ln->line;
			if (!fn) {
				fr[k].name = r->unknown;
				continue;
			}
			fr[k].name = report_canon(r, fn->name);
			if (!fr[k].name)
				fr[k].name = report_canon(r, fn->system_name);
			if (!fr[k].name)
				fr[k].name = r->unknown;
			fr[k].file = report_canon(r, fn->filename);
		}
	}
	free(mapping_kind);
}

struct report *
report_create(const struct profile *p)
{
	struct report *r = xcalloc(1, sizeof(*r));
	size_t i;

	r->p = p;
	table_init(&r->extra_index);
	table_init(&r->string_index);
	r->canon = xcalloc(p->nstrings ? p->nstrings : 1, sizeof(*r->canon));
	for (i = 1; i < p->nstrings; i++) {
		uint64_t hash = report_hash_str(p->strings[i]);
		uint32_t id = table_find(&r->string_index, hash, p->strings[i], report_canon_eq,
					 (void *)p);

		/* a repeated "" stays 0: no name */
		if (!p->strings[i][0])
			continue;
		if (id == TABLE_NONE) {
			table_insert(&r->string_index, hash, (uint32_t)i);
			id = (uint32_t)i;
		}
		r->canon[i] = id;
	}
	r->unknown = report_intern(r, REPORT_UNKNOWN);
	report_build_frames(r);
	return r;
}

void
report_free(struct report *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->nextra; i++)
		free(r->extra[i]);
	free(r->extra);
	table_free(&r->extra_index);
	table_free(&r->string_index);
	free(r->canon);
	free(r->frames);
	free(r->loc_first);
	free(r);
}

size_t
report_stack(const struct report *r, size_t i, struct report_frame **buf, size_t *cap)
{
	const struct profile_sample *s = &r->p->samples[i];
	size_t j, n = 0;

	for (j = s->nlocs; j-- > 0;) {
		uint64_t id = s->location_ids[j];
		size_t first, count;

		if (!id || id > r->p->nlocations) {
			xgrow(buf, cap, n + 1, sizeof(**buf));
			memset(&(*buf)[n], 0, sizeof(**buf));
			(*buf)[n++].name = r->unknown;
			continue;
		}
		first = r->loc_first[id - 1];
		count = r->loc_first[id] - first;
		xgrow(buf, cap, n + count, sizeof(**buf));
		memcpy(&(*buf)[n], &r->frames[first], count * sizeof(**buf));
		n += count;
	}
	return n;
}

int64_t
report_value(const struct profile *p, size_t i, size_t index)
{
	if (index == REPORT_RECORDS)
		return 1;
	return index < p->ntypes ? p->samples[i].values[index] : 0;
}

int64_t
report_add(int64_t a, int64_t b)
{
	int64_t sum;

	if (!__builtin_add_overflow(a, b, &sum))
		return sum;
	return b > 0 ? INT64_MAX : INT64_MIN;
}

int64_t
report_total(const struct profile *p, size_t index)
{
	int64_t sum = 0;
	size_t i;

	for (i = 0; i < p->nsamples; i++)
		sum = report_add(sum, report_value(p, i, index));
	return sum;
}

/* --- sample types */

static const char *
report_pstr(const struct profile *p, uint32_t s)
{
	return s < p->nstrings ? p->strings[s] : "";
}

size_t
report_default_index(const struct profile *p)
{
	const char *want = report_pstr(p, p->default_type);
	size_t i;

	if (*want)
		for (i = 0; i < p->ntypes; i++)
			if (strcmp(report_pstr(p, p->types[i].type), want) == 0)
				return i;
	return p->ntypes ? p->ntypes - 1 : 0;
}

size_t
report_count_index(const struct profile *p)
{
	size_t i;

	for (i = 0; i < p->ntypes; i++)
		if (strcmp(report_pstr(p, p->types[i].type), "samples") == 0)
			return i;
	return REPORT_RECORDS;
}

char *
report_type_names(const struct profile *p)
{
	char *s = xstrdup("");
	size_t i;

	for (i = 0; i < p->ntypes; i++) {
		char *t = xasprintf("%s%s%s", s, i ? ", " : "", report_pstr(p, p->types[i].type));

		free(s);
		s = t;
	}
	return s;
}

int
report_sample_index(const struct profile *p, const char *spec, size_t *index, char **cause)
{
	char *end, *names;
	unsigned long n;
	size_t i;

	for (i = 0; i < p->ntypes; i++) {
		if (strcmp(report_pstr(p, p->types[i].type), spec) == 0) {
			*index = i;
			return 0;
		}
	}
	errno = 0;
	n = strtoul(spec, &end, 10);
	if (*spec >= '0' && *spec <= '9' && !*end && !errno && n < p->ntypes) {
		*index = n;
		return 0;
	}
	names = report_type_names(p);
	*cause = log_cause("no sample type '%s' in this profile (it has: %s; or 0..%zu)", spec,
			   p->ntypes ? names : "none", p->ntypes ? p->ntypes - 1 : 0);
	free(names);
	return -EINVAL;
}

/* --- values for people */

void
report_format_value(int64_t v, const char *unit, char *buf, size_t size)
{
	static const struct {
		const char *name, *long_name;
		double scale;
	} times[] = {{"ns", "nanoseconds", 1},
		     {"us", "microseconds", 1e3},
		     {"ms", "milliseconds", 1e6},
		     {"s", "seconds", 1e9}},
	  bytes[] = {{"B", "bytes", 1},
		     {"kB", NULL, 1024.0},
		     {"MB", NULL, 1048576.0},
		     {"GB", NULL, 1073741824.0},
		     {"TB", NULL, 1099511627776.0}};
	const char *sfx = NULL;
	double x = (double)v, ax;
	size_t i, len;

	if (!v) {
		snprintf(buf, size, "0");
		return;
	}
	for (i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
		if (strcmp(unit, times[i].name) == 0 || strcmp(unit, times[i].long_name) == 0) {
			x *= times[i].scale;
			sfx = times[i].name;
		}
	}
	if (sfx) {
		ax = x < 0 ? -x : x;
		for (i = 0; i + 1 < sizeof(times) / sizeof(times[0]) && ax >= times[i + 1].scale;)
			i++;
		x /= times[i].scale;
		sfx = times[i].name;
	} else if (strcmp(unit, bytes[0].name) == 0 || strcmp(unit, bytes[0].long_name) == 0) {
		ax = x < 0 ? -x : x;
		for (i = 0; i + 1 < sizeof(bytes) / sizeof(bytes[0]) && ax >= bytes[i + 1].scale;)
			i++;
		x /= bytes[i].scale;
		sfx = bytes[i].name;
	}
	if (!sfx) {
		snprintf(buf, size, "%" PRId64, v);
		return;
	}
	snprintf(buf, size, "%.2f", x);
	/* 1.50 -> 1.5, 10.00 -> 10 */
	len = strlen(buf);
	while (len && buf[len - 1] == '0')
		buf[--len] = '\0';
	if (len && buf[len - 1] == '.')
		buf[--len] = '\0';
	if (len + strlen(sfx) < size)
		strcat(buf, sfx);
}

/* --- groups */

static const struct profile_label *
report_label(const struct profile *p, const struct profile_labelset *ls, const char *key)
{
	size_t i;

	for (i = 0; i < ls->n; i++)
		if (strcmp(report_pstr(p, ls->labels[i].key), key) == 0)
			return &ls->labels[i];
	return NULL;
}

/* A label's value as text (caller frees). */
static char *
report_label_text(const struct profile *p, const struct profile_label *l)
{
	const char *unit;

	if (l->str)
		return xstrdup(report_pstr(p, l->str));
	unit = report_pstr(p, l->num_unit);
	return xasprintf("%" PRId64 "%s%s", l->num, *unit ? " " : "", unit);
}

/* The title of a label set's group (caller frees), NULL when it lacks the label. */
static char *
report_group_title(const struct profile *p, const struct profile_labelset *ls, const char *key)
{
	const struct profile_label *l = report_label(p, ls, key), *mate = NULL;
	const char *fmt = NULL;
	char *v, *m, *s;

	if (!l)
		return NULL;
	/* Names repeat and numbers say little: show the two together. */
	if (strcmp(key, "thread") == 0) {
		mate = report_label(p, ls, "tid");
		fmt = "%s (tid %s)";
	} else if (strcmp(key, "tid") == 0) {
		mate = report_label(p, ls, "thread");
		fmt = "%s (%s)";
	} else if (strcmp(key, "pid") == 0) {
		mate = report_label(p, ls, "comm");
		fmt = "%s (%s)";
	}
	v = report_label_text(p, l);
	if (!mate)
		return v;
	m = report_label_text(p, mate);
	s = xasprintf(fmt, v, m);
	free(v);
	free(m);
	return s;
}

struct report_group_sort {
	char *name;
	int64_t total;
	uint32_t old;
};

static int
report_group_cmp(const void *a, const void *b)
{
	const struct report_group_sort *x = a, *y = b;

	if (x->total != y->total)
		return x->total > y->total ? -1 : 1;
	return strcmp(x->name, y->name);
}

struct report_names {
	char **names;
	size_t n, cap;
	struct table index;
};

static bool
report_names_eq(uint32_t id, const void *key, void *arg)
{
	const struct report_names *t = arg;

	return strcmp(t->names[id], key) == 0;
}

/* Interns `s` (taking ownership) into t; returns its index. */
static uint32_t
report_names_add(struct report_names *t, char *s)
{
	uint64_t hash = report_hash_str(s);
	uint32_t id = table_find(&t->index, hash, s, report_names_eq, t);

	if (id != TABLE_NONE) {
		free(s);
		return id;
	}
	xgrow(&t->names, &t->cap, t->n + 1, sizeof(*t->names));
	t->names[t->n] = s;
	table_insert(&t->index, hash, (uint32_t)t->n);
	return (uint32_t)t->n++;
}

void
report_group(const struct report *r, const char *key, size_t index, struct report_groups *g)
{
	const struct profile *p = r->p;
	struct report_names names = {0};
	struct report_group_sort *sorted;
	uint32_t *of_set = xcalloc(p->nlabelsets ? p->nlabelsets : 1, sizeof(*of_set));
	uint32_t *remap;
	int64_t *totals;
	size_t i;

	memset(g, 0, sizeof(*g));
	table_init(&names.index);
	for (i = 0; i < p->nlabelsets; i++) {
		char *title = report_group_title(p, &p->labelsets[i], key);

		if (title)
			g->found = true;
		else
			title = xasprintf("[no %s]", key);
		of_set[i] = report_names_add(&names, title);
	}
	if (!p->nlabelsets)
		report_names_add(&names, xasprintf("[no %s]", key));

	g->of_sample = xcalloc(p->nsamples ? p->nsamples : 1, sizeof(*g->of_sample));
	totals = xcalloc(names.n, sizeof(*totals));
	for (i = 0; i < p->nsamples; i++) {
		uint32_t ls = p->samples[i].labelset;

		g->of_sample[i] = ls < p->nlabelsets ? of_set[ls] : of_set[0];
		totals[g->of_sample[i]] =
			report_add(totals[g->of_sample[i]], report_value(p, i, index));
	}

	/* Largest first. */
	sorted = xcalloc(names.n, sizeof(*sorted));
	for (i = 0; i < names.n; i++) {
		sorted[i].name = names.names[i];
		sorted[i].total = totals[i];
		sorted[i].old = (uint32_t)i;
	}
	qsort(sorted, names.n, sizeof(*sorted), report_group_cmp);
	remap = xcalloc(names.n, sizeof(*remap));
	g->names = xcalloc(names.n, sizeof(*g->names));
	g->totals = xcalloc(names.n, sizeof(*g->totals));
	for (i = 0; i < names.n; i++) {
		remap[sorted[i].old] = (uint32_t)i;
		g->names[i] = sorted[i].name;
		g->totals[i] = sorted[i].total;
	}
	g->n = names.n;
	for (i = 0; i < p->nsamples; i++)
		g->of_sample[i] = remap[g->of_sample[i]];

	free(remap);
	free(sorted);
	free(totals);
	free(names.names);
	table_free(&names.index);
	free(of_set);
}

void
report_groups_free(struct report_groups *g)
{
	size_t i;

	for (i = 0; i < g->n; i++)
		free(g->names[i]);
	free(g->names);
	free(g->totals);
	free(g->of_sample);
	memset(g, 0, sizeof(*g));
}

char *
report_label_keys(const struct profile *p)
{
	struct report_names keys = {0};
	char *s = xstrdup("");
	size_t i, j;

	table_init(&keys.index);
	for (i = 0; i < p->nlabelsets; i++)
		for (j = 0; j < p->labelsets[i].n; j++)
			report_names_add(&keys,
					 xstrdup(report_pstr(p, p->labelsets[i].labels[j].key)));
	for (i = 0; i < keys.n; i++) {
		char *t = xasprintf("%s%s%s", s, i ? ", " : "", keys.names[i]);

		free(s);
		s = t;
		free(keys.names[i]);
	}
	free(keys.names);
	table_free(&keys.index);
	return s;
}

/* --- tables */

struct report_rows {
	const struct report *r;
	struct report_row *rows;
	size_t n, cap;
	size_t *seen; /* per row: sample index + 1 that last added to cum */
	struct table index;
	bool lines;
};

static bool
report_row_eq(uint32_t id, const void *key, void *arg)
{
	const struct report_rows *t = arg;
	const struct report_row *k = key, *row = &t->rows[id];

	return row->name == k->name && row->file == k->file && row->line == k->line;
}

static size_t
report_rows_find(struct report_rows *t, const struct report_frame *f)
{
	struct report_row key;
	uint64_t hash;
	uint32_t id;

	memset(&key, 0, sizeof(key));
	key.name = f->name;
	if (t->lines) {
		key.file = f->file;
		key.line = f->line;
	}
	hash = table_hash_u64(key.name, table_hash_u64(key.file, (uint64_t)key.line));
	id = table_find(&t->index, hash, &key, report_row_eq, t);
	if (id != TABLE_NONE)
		return id;
	xgrow(&t->rows, &t->cap, t->n + 1, sizeof(*t->rows));
	t->rows[t->n] = key;
	t->seen = xreallocarray(t->seen, t->cap, sizeof(*t->seen));
	t->seen[t->n] = 0;
	table_insert(&t->index, hash, (uint32_t)t->n);
	return t->n++;
}

struct report_row_sort {
	struct report_row row;
	const char *name, *file;
	size_t sort;
};

static int
report_row_cmp(const void *a, const void *b)
{
	const struct report_row_sort *x = a, *y = b;
	size_t k = x->sort;
	int c;

	if (x->row.flat[k] != y->row.flat[k])
		return x->row.flat[k] > y->row.flat[k] ? -1 : 1;
	c = strcmp(x->name, y->name);
	if (c)
		return c;
	if (x->row.cum[k] != y->row.cum[k])
		return x->row.cum[k] > y->row.cum[k] ? -1 : 1;
	c = strcmp(x->file, y->file);
	if (c)
		return c;
	return x->row.line < y->row.line ? -1 : x->row.line > y->row.line;
}

size_t
report_table(const struct report *r, const struct report_table_opts *o, struct report_row **out)
{
	const struct profile *p = r->p;
	struct report_rows t = {.r = r, .lines = o->lines};
	struct report_frame *frames = NULL, unknown = {.name = r->unknown};
	struct report_row_sort *sorted;
	size_t cap = 0, i, j, k, nv = o->nvalues;

	*out = NULL;
	if (nv > REPORT_NVALUES)
		nv = REPORT_NVALUES;
	table_init(&t.index);
	for (i = 0; i < p->nsamples; i++) {
		int64_t v[REPORT_NVALUES] = {0};
		const struct report_frame *fr;
		bool any = false;
		size_t n, row;

		if (o->groups && o->groups->of_sample[i] != o->group)
			continue;
		for (k = 0; k < nv; k++) {
			v[k] = report_value(p, i, o->index[k]);
			any |= o->index[k] != REPORT_RECORDS && v[k] != 0;
		}
		if (!any)
			continue;
		n = report_stack(r, i, &frames, &cap);
		fr = n ? frames : &unknown;
		if (!n)
			n = 1;
		row = report_rows_find(&t, &fr[n - 1]);
		for (k = 0; k < nv; k++)
			t.rows[row].flat[k] = report_add(t.rows[row].flat[k], v[k]);
		for (j = 0; j < n; j++) {
			row = report_rows_find(&t, &fr[j]);
			if (t.seen[row] == i + 1)
				continue;
			t.seen[row] = i + 1;
			for (k = 0; k < nv; k++)
				t.rows[row].cum[k] = report_add(t.rows[row].cum[k], v[k]);
		}
	}
	free(frames);

	sorted = xcalloc(t.n ? t.n : 1, sizeof(*sorted));
	for (i = 0; i < t.n; i++) {
		sorted[i].row = t.rows[i];
		sorted[i].name = report_str(r, t.rows[i].name);
		sorted[i].file = t.rows[i].file ? report_str(r, t.rows[i].file) : "";
		sorted[i].sort = o->sort < nv ? o->sort : 0;
	}
	qsort(sorted, t.n, sizeof(*sorted), report_row_cmp);
	if (t.n) {
		*out = xcalloc(t.n, sizeof(**out));
		for (i = 0; i < t.n; i++)
			(*out)[i] = sorted[i].row;
	}
	free(sorted);
	free(t.rows);
	free(t.seen);
	table_free(&t.index);
	return t.n;
}

static double
report_div(int64_t a, int64_t b)
{
	return b ? (double)a / (double)b : NAN;
}

size_t
report_ratio(const struct report *r, size_t a, size_t b, bool lines, int64_t min_samples,
	     struct report_ratio_row **out)
{
	struct report_table_opts o = {
		.index = {b, a, report_count_index(r->p)},
		.nvalues = 3,
		.sort = 0,
		.lines = lines,
	};
	struct report_row *rows;
	size_t n = report_table(r, &o, &rows), i;

	*out = n ? xcalloc(n, sizeof(**out)) : NULL;
	for (i = 0; i < n; i++) {
		struct report_ratio_row *x = &(*out)[i];

		x->name = rows[i].name;
		x->file = rows[i].file;
		x->line = rows[i].line;
		x->b = rows[i].flat[0];
		x->a = rows[i].flat[1];
		x->samples = rows[i].flat[2];
		x->cum_samples = rows[i].cum[2];
		x->cum_b = rows[i].cum[0];
		x->cum_a = rows[i].cum[1];
		x->ratio = report_div(x->a, x->b);
		x->cum_ratio = report_div(x->cum_a, x->cum_b);
		x->few = (x->b ? x->samples : x->cum_samples) < min_samples;
	}
	free(rows);
	return n;
}

/* --- the call tree */

struct report_node_key {
	uint32_t parent, name;
};

static bool
report_node_eq(uint32_t id, const void *key, void *arg)
{
	const struct report_tree *t = arg;
	const struct report_node_key *k = key;

	return t->nodes[id].parent == k->parent && t->nodes[id].name == k->name;
}

static uint32_t
report_tree_child(struct report_tree *t, uint32_t parent, const struct report_frame *f)
{
	struct report_node_key key = {parent, f->name};
	uint64_t hash = table_hash_u64(((uint64_t)parent << 32) | f->name, 0);
	uint32_t id = table_find(&t->index, hash, &key, report_node_eq, t);
	struct report_node *n;

	if (id != TABLE_NONE) {
		n = &t->nodes[id];
		if (f->line && (!n->line_min || f->line < n->line_min))
			n->line_min = f->line;
		if (f->line > n->line_max)
			n->line_max = f->line;
		if (!n->file)
			n->file = f->file;
		return id;
	}
	if (t->n >= TABLE_NONE - 1) {
		fprintf(stderr, "prof: internal error: report: too many tree nodes\n");
		abort();
	}
	xgrow(&t->nodes, &t->cap, t->n + 1, sizeof(*t->nodes));
	id = (uint32_t)t->n++;
	n = &t->nodes[id];
	memset(n, 0, sizeof(*n));
	n->name = f->name;
	n->file = f->file;
	n->line_min = n->line_max = f->line;
	n->parent = parent;
	n->depth = t->nodes[parent].depth + 1;
	n->kind = f->kind;
	n->inlined = f->inlined;
	table_insert(&t->index, hash, id);
	return id;
}

struct report_child_sort {
	uint32_t id, parent;
	const char *name;
};

static int
report_child_cmp(const void *a, const void *b)
{
	const struct report_child_sort *x = a, *y = b;
	int c;

	if (x->parent != y->parent)
		return x->parent < y->parent ? -1 : 1;
	c = strcmp(x->name, y->name);
	if (c)
		return c;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* Links every node's children, sorted by name, as child/sibling lists. */
static void
report_tree_link(const struct report *r, struct report_tree *t)
{
	struct report_child_sort *s;
	size_t i, n = t->n - 1;

	if (!n)
		return;
	s = xcalloc(n, sizeof(*s));
	for (i = 0; i < n; i++) {
		s[i].id = (uint32_t)(i + 1);
		s[i].parent = t->nodes[i + 1].parent;
		s[i].name = report_str(r, t->nodes[i + 1].name);
	}
	qsort(s, n, sizeof(*s), report_child_cmp);
	/* backwards, so each insertion at the head leaves the list in order */
	for (i = n; i-- > 0;) {
		struct report_node *parent = &t->nodes[s[i].parent];

		t->nodes[s[i].id].sibling = parent->child;
		parent->child = s[i].id;
	}
	free(s);
}

void
report_tree_build(struct report *r, size_t index, const struct report_groups *groups, bool positive,
		  struct report_tree *t)
{
	const struct profile *p = r->p;
	struct report_frame *frames = NULL, unknown = {.name = r->unknown};
	uint32_t *group_ids = NULL;
	size_t cap = 0, i, j;

	memset(t, 0, sizeof(*t));
	table_init(&t->index);
	xgrow(&t->nodes, &t->cap, 1, sizeof(*t->nodes));
	memset(&t->nodes[0], 0, sizeof(t->nodes[0]));
	t->n = 1;
	if (groups) {
		group_ids = xcalloc(groups->n ? groups->n : 1, sizeof(*group_ids));
		for (i = 0; i < groups->n; i++)
			group_ids[i] = report_intern(r, groups->names[i]);
	}
	for (i = 0; i < p->nsamples; i++) {
		int64_t v = report_value(p, i, index);
		const struct report_frame *fr;
		uint32_t node = 0;
		size_t n;

		if (positive ? v <= 0 : v == 0)
			continue;
		n = report_stack(r, i, &frames, &cap);
		fr = n ? frames : &unknown;
		if (!n)
			n = 1;
		t->nodes[0].total = report_add(t->nodes[0].total, v);
		if (groups) {
			struct report_frame g = {.name = group_ids[groups->of_sample[i]],
						 .kind = REPORT_KIND_GROUP};

			node = report_tree_child(t, 0, &g);
			t->nodes[node].total = report_add(t->nodes[node].total, v);
		}
		for (j = 0; j < n; j++) {
			node = report_tree_child(t, node, &fr[j]);
			t->nodes[node].total = report_add(t->nodes[node].total, v);
		}
		t->nodes[node].self = report_add(t->nodes[node].self, v);
	}
	free(frames);
	free(group_ids);
	report_tree_link(r, t);
}

void
report_tree_free(struct report_tree *t)
{
	free(t->nodes);
	table_free(&t->index);
	memset(t, 0, sizeof(*t));
}

/* --- folded stacks */

/* A frame name as the folded format can carry it: ';' separates frames, a line ends a stack. */
static void
report_folded_name(FILE *f, const char *s)
{
	for (; *s; s++) {
		char c = *s;

		if (c == ';')
			c = ':';
		else if (c == '\n' || c == '\r' || c == '\t')
			c = ' ';
		putc(c, f);
	}
}

int
report_write_folded_tree(struct report *r, size_t sample_index, const struct report_groups *groups,
			 FILE *f, char **cause)
{
	struct report_tree t;
	uint32_t *path = NULL;
	size_t cap = 0;
	uint32_t id;

	if (sample_index >= r->p->ntypes) {
		*cause = log_cause("no sample type %zu in this profile", sample_index);
		return -EINVAL;
	}
	report_tree_build(r, sample_index, groups, false, &t);
	/* Depth first, in name order; each node with a value of its own is a distinct stack. */
	id = t.nodes[0].child;
	while (id) {
		const struct report_node *n = &t.nodes[id];

		if (n->self) {
			uint32_t a = id;
			size_t depth = 0, k;

			while (a) {
				xgrow(&path, &cap, depth + 1, sizeof(*path));
				path[depth++] = a;
				a = t.nodes[a].parent;
			}
			for (k = depth; k-- > 0;) {
				report_folded_name(f, report_str(r, t.nodes[path[k]].name));
				if (k)
					putc(';', f);
			}
			fprintf(f, " %" PRId64 "\n", n->self);
		}
		if (n->child) {
			id = n->child;
			continue;
		}
		while (id && !t.nodes[id].sibling)
			id = t.nodes[id].parent;
		if (id)
			id = t.nodes[id].sibling;
	}
	free(path);
	report_tree_free(&t);
	if (fflush(f) != 0 || ferror(f)) {
		*cause = log_cause("cannot write the folded stacks: %s", strerror(errno));
		return -EIO;
	}
	return 0;
}

int
report_write_folded(const struct profile *p, size_t sample_index, FILE *f, char **cause)
{
	struct report *r = report_create(p);
	int ret = report_write_folded_tree(r, sample_index, NULL, f, cause);

	report_free(r);
	return ret;
}
