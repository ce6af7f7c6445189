/*
 * report_fixture.h: synthetic profiles with known values for report_test and report_gen, built
 * with the profile_* API. Header-only, like tap.h.
 *
 * The "known" profile: sample types samples, cycles (the default), instructions; stacks (root
 * first, '+' marks an inline frame):
 *
 *   S1 main;a;b;+inl              thread t1   10 1000 2500
 *   S2 main;rec;rec;rec;leaf      thread t1    5  500  250
 *   S3 main;rec;rec               thread t2    3  300  900
 *   S4 main;a(:21)                thread t1   20 2000 6000
 *   S5 main;a(:20)                thread t1    2  200  600
 *   S6 main;a;b;+inl              thread t2    1  100  250
 *   S7 main;a(:21);memcpy;do_syscall  t2       4  400  400   (libc, kernel)
 *   S8 main;[anon]                no labels    2  200  100   (JIT)
 */
#ifndef PROF_REPORT_FIXTURE_H
#define PROF_REPORT_FIXTURE_H

#include <stdio.h>

#include "profile.h"

static inline uint32_t
fixture_thread(struct profile *p, const char *name, int64_t tid)
{
	struct profile_label l[4] = {
		{.key = profile_string(p, "pid"), .num = 100},
		{.key = profile_string(p, "tid"), .num = tid},
		{.key = profile_string(p, "thread"), .str = profile_string(p, name)},
		{.key = profile_string(p, "comm"), .str = profile_string(p, "known")},
	};

	return profile_labelset(p, l, 4);
}

/* A location in mapping m at address a with one line (or none when fn is 0). */
static inline uint64_t
fixture_loc(struct profile *p, uint64_t m, uint64_t a, uint64_t fn, int64_t line)
{
	uint64_t id = profile_location(p, m, a);
	struct profile_line l = {fn, line};

	if (fn)
		profile_set_lines(p, id, &l, 1);
	return id;
}

static inline struct profile *
fixture_known(void)
{
	struct profile *p = profile_create();
	struct profile_mapping m = {0};
	uint64_t mexe, mlibc, mkern, manon;
	uint64_t fmain, fa, fb, finl, frec, fleaf, fmemcpy, fsys;
	uint64_t L1, L2, L3, L4, L5, L6, L7, L8, L9;
	uint32_t t1, t2;

	profile_add_type(p, "samples", "count");
	profile_add_type(p, "cycles", "count");
	profile_add_type(p, "instructions", "count");
	p->default_type = profile_string(p, "cycles");
	profile_set_period(p, "cycles", "count", 1000);
	profile_add_comment(p, "sampling: cycles every 1000 events");

	m.start = 0x400000;
	m.limit = 0x500000;
	m.filename = profile_string(p, "/usr/bin/known");
	m.has_functions = m.has_filenames = m.has_line_numbers = true;
	mexe = profile_add_mapping(p, &m);
	m.start = 0x7f0000000000;
	m.limit = 0x7f0000200000;
	m.filename = profile_string(p, "/usr/lib/x86_64-linux-gnu/libc.so.6");
	mlibc = profile_add_mapping(p, &m);
	m.start = 0xffffffff81000000;
	m.limit = 0xffffffff82000000;
	m.filename = profile_string(p, "[kernel.kallsyms]");
	mkern = profile_add_mapping(p, &m);
	m.start = 0x7e0000000000;
	m.limit = 0x7e0000100000;
	m.filename = profile_string(p, "//anon");
	manon = profile_add_mapping(p, &m);

	fmain = profile_function(p, "main", "main", "known.c", 9);
	fa = profile_function(p, "a", "a", "known.c", 19);
	fb = profile_function(p, "b", "b", "known.c", 29);
	finl = profile_function(p, "inl", "inl", "known.h", 4);
	frec = profile_function(p, "rec", "rec", "known.c", 39);
	fleaf = profile_function(p, "leaf", "leaf", "known.c", 49);
	fmemcpy = profile_function(p, "memcpy", "memcpy", "", 0);
	fsys = profile_function(p, "do_syscall", "do_syscall", "", 0);

	L1 = fixture_loc(p, mexe, 0x401000, fmain, 10);
	L2 = fixture_loc(p, mexe, 0x402000, fa, 20);
	L3 = profile_location(p, mexe, 0x403000);
	{
		struct profile_line lines[2] = {{finl, 5}, {fb, 30}}; /* innermost first */

		profile_set_lines(p, L3, lines, 2);
	}
	L4 = fixture_loc(p, mexe, 0x404000, frec, 40);
	L5 = fixture_loc(p, mexe, 0x405000, fleaf, 50);
	L6 = fixture_loc(p, mexe, 0x402010, fa, 21);
	L7 = fixture_loc(p, mlibc, 0x7f0000001000, fmemcpy, 0);
	L8 = fixture_loc(p, mkern, 0xffffffff81001000, fsys, 0);
	L9 = fixture_loc(p, manon, 0x7e0000000100, 0, 0);

	t1 = fixture_thread(p, "t1", 1);
	t2 = fixture_thread(p, "t2", 2);
	{
		const uint64_t s1[] = {L3, L2, L1}, s2[] = {L5, L4, L4, L4, L1},
			       s3[] = {L4, L4, L1}, s4[] = {L6, L1}, s5[] = {L2, L1},
			       s7[] = {L8, L7, L6, L1}, s8[] = {L9, L1};
		const int64_t v1[] = {10, 1000, 2500}, v2[] = {5, 500, 250}, v3[] = {3, 300, 900},
			      v4[] = {20, 2000, 6000}, v5[] = {2, 200, 600}, v6[] = {1, 100, 250},
			      v7[] = {4, 400, 400}, v8[] = {2, 200, 100};

		profile_add_sample(p, s1, 3, t1, v1);
		profile_add_sample(p, s2, 5, t1, v2);
		profile_add_sample(p, s3, 3, t2, v3);
		profile_add_sample(p, s4, 2, t1, v4);
		profile_add_sample(p, s5, 2, t1, v5);
		profile_add_sample(p, s1, 3, t2, v6);
		profile_add_sample(p, s7, 4, t2, v7);
		profile_add_sample(p, s8, 2, 0, v8);
	}
	return p;
}

/*
 * The 50/30/20 split of wl-split, exactly: main calls hot50, hot30 and hot20, which take 500,
 * 300 and 200 samples of 1 ms (sample types samples and cpu, like prof record's).
 */
static inline struct profile *
fixture_split(void)
{
	struct profile *p = profile_create();
	struct profile_mapping m = {0};
	static const char *const names[] = {"hot50", "hot30", "hot20"};
	static const int64_t counts[] = {500, 300, 200};
	uint64_t exe, fmain, lmain;
	size_t i;

	profile_add_type(p, "samples", "count");
	profile_add_type(p, "cpu", "nanoseconds");
	p->default_type = profile_string(p, "cpu");
	profile_set_period(p, "cpu", "nanoseconds", 1000000);
	profile_add_comment(p, "sampling: cpu-clock at 1000 Hz per thread");
	m.start = 0x400000;
	m.limit = 0x500000;
	m.filename = profile_string(p, "/opt/wl-split");
	exe = profile_add_mapping(p, &m);
	fmain = profile_function(p, "main", "main", "split.c", 30);
	lmain = fixture_loc(p, exe, 0x401000, fmain, 35);
	for (i = 0; i < 3; i++) {
		uint64_t f =
			profile_function(p, names[i], names[i], "split.c", 10 + 5 * (int64_t)i);
		uint64_t locs[2] = {
			fixture_loc(p, exe, 0x402000 + 0x100 * i, f, 12 + 5 * (int64_t)i), lmain};
		int64_t v[2] = {counts[i], counts[i] * 1000000};

		profile_add_sample(p, locs, 2, 0, v);
	}
	return p;
}

/*
 * n distinct stacks main;g_<i/1000>;m_<i/10>;leaf_<i>, value (i % 7) + 1 each, plus one heavy
 * stack main;heavy worth as much as all of them: the shape of a real profile with a long tail.
 */
static inline struct profile *
fixture_wide(size_t n)
{
	struct profile *p = profile_create();
	struct profile_mapping m = {0};
	uint64_t exe, lmain, lheavy, fmain, fheavy;
	int64_t sum = 0;
	size_t i;

	profile_add_type(p, "samples", "count");
	m.start = 0x400000;
	m.limit = 0x40000000;
	m.filename = profile_string(p, "/opt/wide");
	exe = profile_add_mapping(p, &m);
	fmain = profile_function(p, "main", "main", "wide.c", 1);
	fheavy = profile_function(p, "heavy", "heavy", "wide.c", 2);
	lmain = fixture_loc(p, exe, 0x400100, fmain, 1);
	lheavy = fixture_loc(p, exe, 0x400200, fheavy, 2);
	for (i = 0; i < n; i++) {
		char g[32], mid[32], leaf[32];
		uint64_t locs[4];
		int64_t v = (int64_t)(i % 7) + 1;

		snprintf(g, sizeof(g), "g_%zu", i / 1000);
		snprintf(mid, sizeof(mid), "m_%zu", i / 10);
		snprintf(leaf, sizeof(leaf), "leaf_%zu", i);
		locs[0] = fixture_loc(p, exe, 0x1000000 + 16 * i,
				      profile_function(p, leaf, leaf, "wide.c", 100), 101);
		locs[1] = fixture_loc(p, exe, 0x800000 + 16 * (i / 10),
				      profile_function(p, mid, mid, "wide.c", 50), 51);
		locs[2] = fixture_loc(p, exe, 0x600000 + 16 * (i / 1000),
				      profile_function(p, g, g, "wide.c", 10), 11);
		locs[3] = lmain;
		profile_add_sample(p, locs, 4, 0, &v);
		sum += v;
	}
	{
		uint64_t locs[2] = {lheavy, lmain};

		profile_add_sample(p, locs, 2, 0, &sum);
	}
	return p;
}

#endif
