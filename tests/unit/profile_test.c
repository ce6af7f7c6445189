/*
 * profile_test: the aggregate on its own: interning of strings, locations, functions and label
 * sets, merging of samples (without allocating when the sample exists), totals, and the flat/cum
 * summary with an inlined location, recursion, a location without lines and an empty stack.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"
#include "tap.h"

/* glibc's mallinfo2() tells whether a call allocated; elsewhere that check is skipped. */
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
#include <malloc.h>
#define HEAP_IN_USE() (mallinfo2().uordblks + mallinfo2().hblkhd)
#else
#define HEAP_IN_USE() ((size_t)0)
#endif

static void
test_strings(void)
{
	struct profile *p = profile_create();
	uint32_t a, b, ids[1000];
	char buf[32];
	int i, same = 1;

	TAP_EQ_U64(profile_string(p, ""), 0, "\"\" is string 0");
	TAP_EQ_U64(profile_string(p, NULL), 0, "NULL is string 0");
	TAP_EQ_STR(p->strings[0], "", "strings[0] is \"\"");
	a = profile_string(p, "main");
	b = profile_string(p, "worker");
	TAP_EQ_U64(a, 1, "first string gets index 1");
	tap_ok(a != b, "different strings, different indices");
	TAP_EQ_U64(profile_string(p, "main"), a, "same string, same index");
	TAP_EQ_STR(p->strings[b], "worker", "strings[] holds the text");

	/* Enough strings to make the index grow several times. */
	for (i = 0; i < 1000; i++) {
		snprintf(buf, sizeof(buf), "s%d", i);
		ids[i] = profile_string(p, buf);
	}
	for (i = 0; i < 1000; i++) {
		snprintf(buf, sizeof(buf), "s%d", i);
		if (profile_string(p, buf) != ids[i] || strcmp(p->strings[ids[i]], buf) != 0)
			same = 0;
	}
	tap_ok(same, "1000 strings keep their indices as the index grows");
	TAP_EQ_U64(p->nstrings, 1003, "no duplicate strings stored");
	TAP_EQ_U64(profile_string(p, "main"), a, "early string still found after growth");
	profile_free(p);
}

static void
test_locations_functions(void)
{
	struct profile *p = profile_create();
	struct profile_mapping m;
	struct profile_line lines[2];
	uint64_t m1, m2, l1, l2, l3, f1, f2, f3;

	memset(&m, 0, sizeof(m));
	m.start = 0x400000;
	m.limit = 0x500000;
	m.filename = profile_string(p, "/bin/a");
	m1 = profile_add_mapping(p, &m);
	m2 = profile_add_mapping(p, &m);
	TAP_EQ_U64(m1, 1, "first mapping id is 1");
	TAP_EQ_U64(m2, 2, "mappings are appended, not interned");
	TAP_EQ_U64(p->mappings[1].id, 2, "mappings[i].id == i + 1");

	l1 = profile_location(p, m1, 0x401000);
	l2 = profile_location(p, m1, 0x401004);
	l3 = profile_location(p, m2, 0x401000);
	TAP_EQ_U64(l1, 1, "first location id is 1");
	tap_ok(l1 != l2 && l1 != l3 && l2 != l3, "locations differ by address and by mapping");
	TAP_EQ_U64(profile_location(p, m1, 0x401000), l1, "same (mapping, address), same id");
	TAP_EQ_U64(profile_location(p, 0, 0x401000), 4, "mapping 0 is a key like any other");
	TAP_EQ_U64(p->locations[l2 - 1].address, 0x401004, "locations[id - 1] holds the address");

	f1 = profile_function(p, "hot", "_Z3hotv", "hot.c", 10);
	f2 = profile_function(p, "hot", "_Z3hotv", "hot.c", 11);
	f3 = profile_function(p, "cold", NULL, NULL, 0);
	TAP_EQ_U64(f1, 1, "first function id is 1");
	TAP_EQ_U64(profile_function(p, "hot", "_Z3hotv", "hot.c", 10), f1,
		   "same four fields, same function");
	tap_ok(f2 != f1, "another start line, another function");
	TAP_EQ_U64(p->functions[f3 - 1].filename, 0, "NULL file name is string 0");
	TAP_EQ_STR(p->strings[p->functions[f1 - 1].system_name], "_Z3hotv", "system name interned");

	lines[0].function_id = f3;
	lines[0].line = 5;
	lines[1].function_id = f1;
	lines[1].line = 20;
	profile_set_lines(p, l1, lines, 2);
	lines[0].line = 99; /* the profile keeps its own copy */
	TAP_EQ_U64(p->locations[l1 - 1].nlines, 2, "location has 2 lines");
	TAP_EQ_U64(p->locations[l1 - 1].lines[0].line, 5, "lines are copied");
	profile_set_lines(p, l1, lines, 1);
	TAP_EQ_U64(p->locations[l1 - 1].nlines, 1, "lines can be replaced");

	/* Reindexing must not change what lookups find. */
	profile_reindex(p);
	TAP_EQ_U64(profile_location(p, m2, 0x401000), l3, "location found after reindex");
	TAP_EQ_U64(profile_function(p, "hot", "_Z3hotv", "hot.c", 11), f2,
		   "function found after reindex");
	TAP_EQ_U64(profile_string(p, "/bin/a"), m.filename, "string found after reindex");
	profile_free(p);
}

static void
test_labelsets(void)
{
	struct profile *p = profile_create();
	struct profile_label l[2];
	uint32_t a, b, c;

	TAP_EQ_U64(profile_labelset(p, NULL, 0), 0, "the empty label set is 0");
	memset(l, 0, sizeof(l));
	l[0].key = profile_string(p, "tid");
	l[0].num = 42;
	l[1].key = profile_string(p, "comm");
	l[1].str = profile_string(p, "worker");
	a = profile_labelset(p, l, 2);
	TAP_EQ_U64(a, 1, "first label set is 1");
	TAP_EQ_U64(profile_labelset(p, l, 2), a, "same labels, same set");
	b = profile_labelset(p, l, 1);
	tap_ok(b != a, "a prefix is another set");
	l[0].num = 43;
	c = profile_labelset(p, l, 2);
	tap_ok(c != a && c != b, "another number, another set");
	TAP_EQ_U64(p->labelsets[a].labels[0].num, 42, "labels are copied");
	profile_free(p);
}

static void
test_samples(void)
{
	struct profile *p = profile_create();
	struct profile_label lab = {0};
	uint64_t stack[3];
	int64_t v[2] = {1, 100};
	uint32_t ls;
	size_t before, after;
	size_t cap;
	int64_t *values;

	TAP_EQ_U64(profile_add_type(p, "samples", "count"), 0, "first type is 0");
	TAP_EQ_U64(profile_add_type(p, "cpu", "nanoseconds"), 1, "second type is 1");
	stack[0] = profile_location(p, 0, 0x10);
	stack[1] = profile_location(p, 0, 0x20);
	stack[2] = profile_location(p, 0, 0x30);
	lab.key = profile_string(p, "tid");
	lab.num = 7;
	ls = profile_labelset(p, &lab, 1);

	profile_add_sample(p, stack, 3, 0, v);
	values = p->samples[0].values;
	cap = p->cap_samples;
	v[0] = 2;
	v[1] = 200;
	before = HEAP_IN_USE();
	profile_add_sample(p, stack, 3, 0, v);
	after = HEAP_IN_USE();
	TAP_EQ_U64(p->nsamples, 1, "same stack and labels merge");
	TAP_EQ_U64(p->samples[0].values[0], 3, "values add up (count)");
	TAP_EQ_U64(p->samples[0].values[1], 300, "values add up (cpu)");
	tap_ok(after == before && p->samples[0].values == values && p->cap_samples == cap,
	       "adding to an existing sample allocates nothing");

	profile_add_sample(p, stack, 3, ls, v);
	TAP_EQ_U64(p->nsamples, 2, "another label set, another sample");
	profile_add_sample(p, stack, 2, 0, v);
	TAP_EQ_U64(p->nsamples, 3, "a shorter stack is another sample");
	stack[2] = stack[0];
	profile_add_sample(p, stack, 3, 0, v);
	TAP_EQ_U64(p->nsamples, 4, "another stack is another sample");
	profile_add_sample(p, NULL, 0, 0, v);
	profile_add_sample(p, NULL, 0, 0, v);
	TAP_EQ_U64(p->nsamples, 5, "empty stacks merge too");
	TAP_EQ_U64(p->samples[1].labelset, ls, "sample keeps its label set");
	TAP_EQ_U64(profile_total(p, 0), 3 + 2 * 5, "profile_total(count)");
	TAP_EQ_U64(profile_total(p, 1), 300 + 200 * 5, "profile_total(cpu)");
	TAP_EQ_U64(profile_total(p, 2), 0, "profile_total of a missing type is 0");
	profile_free(p);
}

struct top_want {
	const char *name;
	int64_t flat, cum;
};

static void
test_top(void)
{
	struct profile *p = profile_create();
	struct profile_top_entry *top;
	struct profile_line ln[2];
	uint64_t fmain, fwork, fhot, finl, frec, falpha, fbeta, fzero;
	uint64_t lmain, lwork, lhot, lrec1, lrec2, lnone, lalpha, lbeta, lzero;
	size_t n, i;
	static const struct top_want want[] = {
		{"inl", 5, 5},	 {"rec", 4, 4},	 {"work", 3, 8},  {"[unknown]", 3, 3},
		{"alpha", 2, 2}, {"beta", 2, 2}, {"main", 0, 18}, {"hot", 0, 5},
	};

	profile_add_type(p, "samples", "count");
	profile_add_type(p, "cpu", "nanoseconds");
	/* Interned in an order that is not the expected one, to see the sort at work. */
	fzero = profile_function(p, "zero", NULL, NULL, 0);
	fbeta = profile_function(p, "beta", NULL, NULL, 0);
	falpha = profile_function(p, "alpha", NULL, NULL, 0);
	fmain = profile_function(p, "main", NULL, "main.c", 1);
	fwork = profile_function(p, "work", NULL, "main.c", 10);
	fhot = profile_function(p, "hot", NULL, "main.c", 20);
	finl = profile_function(p, "inl", NULL, "inl.h", 3);
	frec = profile_function(p, "rec", NULL, "main.c", 30);

#define LOC(var, addr, fn)                                                                         \
	do {                                                                                       \
		var = profile_location(p, 0, addr);                                                \
		ln[0].function_id = fn;                                                            \
		ln[0].line = 1;                                                                    \
		profile_set_lines(p, var, ln, 1);                                                  \
	} while (0)
	LOC(lmain, 0x100, fmain);
	LOC(lwork, 0x200, fwork);
	LOC(lrec1, 0x400, frec);
	LOC(lrec2, 0x404, frec);
	LOC(lalpha, 0x500, falpha);
	LOC(lbeta, 0x600, fbeta);
	LOC(lzero, 0x700, fzero);
#undef LOC
	/* hot() with inl() inlined into it: innermost first. */
	lhot = profile_location(p, 0, 0x300);
	ln[0].function_id = finl;
	ln[0].line = 4;
	ln[1].function_id = fhot;
	ln[1].line = 22;
	profile_set_lines(p, lhot, ln, 2);
	lnone = profile_location(p, 0, 0x800);

	{
		uint64_t s1[] = {lhot, lwork, lmain};
		uint64_t s2[] = {lwork, lmain};
		uint64_t s3[] = {lrec1, lrec2, lrec1, lmain}; /* recursion */
		uint64_t s4[] = {lnone, lmain};
		uint64_t s6[] = {lbeta, lmain};
		uint64_t s7[] = {lalpha, lmain};
		uint64_t s8[] = {lzero, lmain};
		int64_t v1[] = {5, 50}, v2[] = {3, 30}, v3[] = {4, 40}, v4[] = {2, 20};
		int64_t v5[] = {1, 10}, v6[] = {2, 20}, v8[] = {0, 0};

		profile_add_sample(p, s1, 3, 0, v1);
		profile_add_sample(p, s2, 2, 0, v2);
		profile_add_sample(p, s3, 4, 0, v3);
		profile_add_sample(p, s4, 2, 0, v4);
		profile_add_sample(p, NULL, 0, 0, v5);
		profile_add_sample(p, s6, 2, 0, v6);
		profile_add_sample(p, s7, 2, 0, v6);
		profile_add_sample(p, s8, 2, 0, v8);
	}
	TAP_EQ_U64(profile_total(p, 0), 19, "total count");

	n = profile_top(p, 0, &top);
	TAP_EQ_U64(n, sizeof(want) / sizeof(want[0]), "one entry per name with a value");
	for (i = 0; i < n && i < sizeof(want) / sizeof(want[0]); i++) {
		char what[64];

		snprintf(what, sizeof(what), "top[%zu] is %s", i, want[i].name);
		TAP_EQ_STR(profile_top_name(p, &top[i]), want[i].name, what);
		snprintf(what, sizeof(what), "%s flat", want[i].name);
		TAP_EQ_U64(top[i].flat, want[i].flat, what);
		snprintf(what, sizeof(what), "%s cum", want[i].name);
		TAP_EQ_U64(top[i].cum, want[i].cum, what);
	}
	TAP_EQ_U64(top[3].name, 0, "unknown is reported as name 0");
	free(top);

	n = profile_top(p, 1, &top);
	tap_ok(n >= 1 && top[0].flat == 50 && strcmp(profile_top_name(p, &top[0]), "inl") == 0,
	       "top of the second type uses its values");
	free(top);

	top = (struct profile_top_entry *)&n;
	TAP_EQ_U64(profile_top(p, 5, &top), 0, "top of a missing type is empty");
	tap_ok(top == NULL, "and *out is NULL");
	profile_free(p);

	p = profile_create();
	profile_add_type(p, "samples", "count");
	TAP_EQ_U64(profile_top(p, 0, &top), 0, "top of an empty profile is empty");
	free(top);
	profile_free(p);
}

static void
test_mapping_first(void)
{
	struct profile *p = profile_create();
	struct profile_mapping m = {0};
	uint64_t a, b, c, la, lb, lc;

	m.filename = profile_string(p, "/lib/libc.so.6");
	a = profile_add_mapping(p, &m);
	m.filename = profile_string(p, "[kernel.kallsyms]");
	b = profile_add_mapping(p, &m);
	m.filename = profile_string(p, "/usr/bin/app");
	c = profile_add_mapping(p, &m);
	la = profile_location(p, a, 0x1000);
	lb = profile_location(p, b, 0x2000);
	lc = profile_location(p, c, 0x3000);
	profile_mapping_first(p, c);
	TAP_EQ_STR(p->strings[p->mappings[0].filename], "/usr/bin/app", "moved mapping is first");
	TAP_EQ_STR(p->strings[p->mappings[1].filename], "/lib/libc.so.6", "others keep their order");
	tap_ok(p->mappings[0].id == 1 && p->mappings[1].id == 2 && p->mappings[2].id == 3,
	       "mapping ids stay dense");
	tap_ok(p->locations[lc - 1].mapping_id == 1 && p->locations[la - 1].mapping_id == 2 &&
		       p->locations[lb - 1].mapping_id == 3,
	       "locations follow their mappings");
	TAP_EQ_U64(profile_location(p, 1, 0x3000), lc, "location lookups use the new ids");
	TAP_EQ_U64(p->nlocations, 3, "no location was duplicated");
	profile_free(p);
}

int
main(void)
{
	test_strings();
	test_mapping_first();
	test_locations_functions();
	test_labelsets();
	test_samples();
	test_top();
	return tap_done();
}
