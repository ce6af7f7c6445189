/*
 * report_test: report and flame on synthetic profiles with known values (report_fixture.h):
 * flat and cum per function and per line with recursion and inline frames, sample indices,
 * exact ratios and the few-samples flag, grouping by label, folded stacks, the same after a
 * pprof round trip, and flame graphs (kinds, widths, merging of narrow frames, bounded size).
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "flame.h"
#include "pprof.h"
#include "report.h"
#include "tap.h"
#include "xalloc.h"

#include "report_fixture.h"

enum { SAMPLES, CYCLES, INSTRUCTIONS };

static const struct report_row *
find_row(const struct report *r, const struct report_row *rows, size_t n, const char *name,
	 int64_t line)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(report_str(r, rows[i].name), name) == 0 &&
		    (!line || rows[i].line == line))
			return &rows[i];
	return NULL;
}

static void
check_row(const struct report *r, const struct report_row *rows, size_t n, const char *name,
	  int64_t line, int64_t flat, int64_t cum, const char *what)
{
	const struct report_row *row = find_row(r, rows, n, name, line);
	char where[96], label[160];

	if (line)
		snprintf(where, sizeof(where), "%s:%lld", name, (long long)line);
	else
		snprintf(where, sizeof(where), "%s", name);
	snprintf(label, sizeof(label), "%s: %s flat", what, where);
	TAP_EQ_U64(row ? row->flat[0] : -1, flat, label);
	snprintf(label, sizeof(label), "%s: %s cum", what, where);
	TAP_EQ_U64(row ? row->cum[0] : -1, cum, label);
}

/* The folded stacks, written to memory (caller frees). */
static char *
capture_folded(struct report *r, size_t index, const struct report_groups *g)
{
	char *buf = NULL, *cause = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int ret = report_write_folded_tree(r, index, g, f, &cause);

	fclose(f);
	tap_ok(ret == 0, "folded: written (%s)", cause ? cause : "ok");
	free(cause);
	return buf;
}

static char *
capture_svg(const struct profile *p, const struct flame_options *o, struct flame_stats *st,
	    size_t *len)
{
	char *buf = NULL, *cause = NULL;
	FILE *f = open_memstream(&buf, len);
	int ret = flame_write_svg_stats(p, o, f, st, &cause);

	fclose(f);
	tap_ok(ret == 0, "svg: written (%s)", cause ? cause : "ok");
	free(cause);
	return buf;
}

/* The summed width of the rects whose frame title starts with "NAME\n". */
static double
svg_width(const char *svg, const char *name)
{
	char key[128];
	const char *s = svg;
	double sum = 0;

	snprintf(key, sizeof(key), "<title>%s\n", name);
	while ((s = strstr(s, key))) {
		const char *w = strstr(s, "width=\"");

		if (!w)
			break;
		sum += strtod(w + 7, NULL);
		s = w;
	}
	return sum;
}

static void
test_table(const struct profile *p, const char *what)
{
	struct report *r = report_create(p);
	struct report_table_opts o = {.index = {CYCLES}, .nvalues = 1};
	struct report_row *rows;
	size_t n = report_table(r, &o, &rows);
	static const char *const order[] = {"a",      "inl", "leaf", "do_syscall", "rec",
					    "[anon]", "b",   "main", "memcpy"};
	size_t i;
	bool ordered = n == 9;

	TAP_EQ_U64(n, 9, "table: 9 functions");
	check_row(r, rows, n, "main", 0, 0, 4700, what);
	check_row(r, rows, n, "a", 0, 2200, 3700, what);
	check_row(r, rows, n, "b", 0, 0, 1100, what);
	check_row(r, rows, n, "inl", 0, 1100, 1100, what);
	/* S2 has rec three times, S3 twice: each sample counts once */
	check_row(r, rows, n, "rec", 0, 300, 800, what);
	check_row(r, rows, n, "leaf", 0, 500, 500, what);
	check_row(r, rows, n, "memcpy", 0, 0, 400, what);
	check_row(r, rows, n, "do_syscall", 0, 400, 400, what);
	check_row(r, rows, n, "[anon]", 0, 200, 200, what);
	for (i = 0; ordered && i < n; i++)
		ordered = strcmp(report_str(r, rows[i].name), order[i]) == 0;
	tap_ok(ordered, "%s: rows sorted by flat, then name", what);
	free(rows);

	/* another sample index, by name and by number */
	{
		size_t idx = 99;
		char *cause = NULL;

		tap_ok(report_sample_index(p, "instructions", &idx, &cause) == 0 &&
			       idx == INSTRUCTIONS,
		       "%s: --sample-index=instructions", what);
		tap_ok(report_sample_index(p, "0", &idx, &cause) == 0 && idx == SAMPLES,
		       "%s: --sample-index=0", what);
		tap_ok(report_sample_index(p, "cache-misses", &idx, &cause) < 0 && cause &&
			       strstr(cause, "samples, cycles, instructions"),
		       "%s: unknown sample type names the known ones", what);
		free(cause);
		cause = NULL;
		tap_ok(report_sample_index(p, "3", &idx, &cause) < 0, "%s: index 3 out of range",
		       what);
		free(cause);
		TAP_EQ_U64(report_default_index(p), CYCLES, "default index: default_sample_type");
	}
	o.index[0] = INSTRUCTIONS;
	n = report_table(r, &o, &rows);
	check_row(r, rows, n, "a", 0, 6600, 9750, "instructions");
	check_row(r, rows, n, "main", 0, 0, 11000, "instructions");
	free(rows);

	/* per line: a:20 and a:21 apart; inline frames keep their own line */
	o.index[0] = CYCLES;
	o.lines = true;
	n = report_table(r, &o, &rows);
	check_row(r, rows, n, "a", 21, 2000, 2400, "lines");
	check_row(r, rows, n, "a", 20, 200, 1300, "lines");
	check_row(r, rows, n, "inl", 5, 1100, 1100, "lines");
	check_row(r, rows, n, "b", 30, 0, 1100, "lines");
	check_row(r, rows, n, "rec", 40, 300, 800, "lines");
	{
		const struct report_row *row = find_row(r, rows, n, "inl", 5);

		TAP_EQ_STR(row && row->file ? report_str(r, row->file) : "", "known.h",
			   "lines: inl's file");
	}
	free(rows);
	report_free(r);
}

static void
test_ratio(const struct profile *p)
{
	struct report *r = report_create(p);
	struct report_ratio_row *rows;
	size_t n = report_ratio(r, INSTRUCTIONS, CYCLES, false, 10, &rows), i;
	static const struct {
		const char *name;
		double ratio;
		int64_t samples;
		bool few;
	} want[] = {
		{"a", 3.0, 22, false},	      {"inl", 2.5, 11, false}, {"leaf", 0.5, 5, true},
		{"do_syscall", 1.0, 4, true}, {"rec", 3.0, 3, true},   {"[anon]", 0.5, 2, true},
	};

	TAP_EQ_U64(n, 9, "ratio: 9 functions");
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct report_ratio_row *x = i < n ? &rows[i] : NULL;
		const char *name = x ? report_str(r, x->name) : "(none)";

		tap_ok(x && strcmp(name, want[i].name) == 0 && x->ratio == want[i].ratio &&
			       x->samples == want[i].samples && x->few == want[i].few,
		       "ratio: row %zu is %s, instructions/cycles exactly %g, %lld samples%s", i,
		       want[i].name, want[i].ratio, (long long)want[i].samples,
		       want[i].few ? ", few" : "");
	}
	/* cum: a's callees included; b's flat is 0, its ratio is not a number */
	for (i = 0; i < n; i++) {
		const char *name = report_str(r, rows[i].name);

		if (strcmp(name, "a") == 0)
			tap_ok(rows[i].cum_ratio == 9750.0 / 3700.0, "ratio: a cum 9750/3700");
		if (strcmp(name, "b") == 0)
			tap_ok(!rows[i].few && rows[i].cum_samples == 11,
			       "ratio: b, a caller only, judged by its 11 cum samples");
		if (strcmp(name, "memcpy") == 0)
			tap_ok(rows[i].few && rows[i].cum_samples == 4,
			       "ratio: memcpy, a caller only, 4 cum samples (few)");
		if (strcmp(name, "main") == 0)
			tap_ok(rows[i].cum_ratio == 11000.0 / 4700.0 && isnan(rows[i].ratio),
			       "ratio: main cum 11000/4700, flat none");
	}
	free(rows);

	n = report_ratio(r, INSTRUCTIONS, CYCLES, true, 10, &rows);
	for (i = 0; i < n; i++)
		if (strcmp(report_str(r, rows[i].name), "a") == 0 && rows[i].line == 20)
			tap_ok(rows[i].ratio == 3.0 && rows[i].b == 200 && rows[i].few,
			       "ratio --lines: a:20 600/200, 2 samples (few)");
	free(rows);
	report_free(r);
}

static void
test_groups(const struct profile *p)
{
	struct report *r = report_create(p);
	struct report_groups g;
	struct report_table_opts o = {.index = {CYCLES}, .nvalues = 1};
	struct report_row *rows;
	char *folded, *keys;
	size_t n;

	report_group(r, "thread", CYCLES, &g);
	tap_ok(g.found && g.n == 3, "by thread: 3 groups (%zu)", g.n);
	if (g.n == 3) {
		TAP_EQ_STR(g.names[0], "t1 (tid 1)", "by thread: largest first, with its tid");
		TAP_EQ_U64(g.totals[0], 3700, "by thread: t1 total");
		TAP_EQ_STR(g.names[1], "t2 (tid 2)", "by thread: t2 second");
		TAP_EQ_U64(g.totals[1], 800, "by thread: t2 total");
		TAP_EQ_STR(g.names[2], "[no thread]", "by thread: samples without the label");
		TAP_EQ_U64(g.totals[2], 200, "by thread: unlabelled total");
		o.groups = &g;
		o.group = 1;
		n = report_table(r, &o, &rows);
		check_row(r, rows, n, "a", 0, 0, 500, "t2");
		check_row(r, rows, n, "inl", 0, 100, 100, "t2");
		check_row(r, rows, n, "rec", 0, 300, 300, "t2");
		check_row(r, rows, n, "do_syscall", 0, 400, 400, "t2");
		TAP_EQ_U64(n, 7, "t2: 7 functions on its stacks");
		free(rows);
	}
	folded = capture_folded(r, CYCLES, &g);
	TAP_EQ_STR(folded,
		   "[no thread];main;[anon] 200\n"
		   "t1 (tid 1);main;a 2200\n"
		   "t1 (tid 1);main;a;b;inl 1000\n"
		   "t1 (tid 1);main;rec;rec;rec;leaf 500\n"
		   "t2 (tid 2);main;a;b;inl 100\n"
		   "t2 (tid 2);main;a;memcpy;do_syscall 400\n"
		   "t2 (tid 2);main;rec;rec 300\n",
		   "by thread: folded stacks under the group");
	free(folded);
	report_groups_free(&g);

	report_group(r, "pid", CYCLES, &g);
	tap_ok(g.n == 2 && strcmp(g.names[0], "100 (known)") == 0 && g.totals[0] == 4500,
	       "by pid: the pid with its process name");
	report_groups_free(&g);
	report_group(r, "comm", CYCLES, &g);
	tap_ok(g.n == 2 && strcmp(g.names[0], "known") == 0, "by comm");
	report_groups_free(&g);
	report_group(r, "nosuch", CYCLES, &g);
	tap_ok(!g.found && g.n == 1, "by an absent key: not found, one group");
	report_groups_free(&g);
	keys = report_label_keys(p);
	TAP_EQ_STR(keys, "pid, tid, thread, comm", "label keys");
	free(keys);
	report_free(r);
}

static void
test_folded(const struct profile *p, const char *what)
{
	char *buf = NULL, *cause = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int ret = report_write_folded(p, CYCLES, f, &cause);

	fclose(f);
	tap_ok(ret == 0, "%s: report_write_folded", what);
	/* one line per distinct stack by name: S1 and S6 (other thread) merge, S4 and S5 too */
	TAP_EQ_STR(buf,
		   "main;[anon] 200\n"
		   "main;a 2200\n"
		   "main;a;b;inl 1100\n"
		   "main;a;memcpy;do_syscall 400\n"
		   "main;rec;rec 300\n"
		   "main;rec;rec;rec;leaf 500\n",
		   what);
	free(buf);
	free(cause);
}

static void
test_flame(const struct profile *p)
{
	struct flame_options o;
	struct flame_stats st;
	size_t len;
	char *svg;

	flame_options_init(&o, p);
	TAP_EQ_U64(o.sample_index, CYCLES, "flame: default sample index");
	svg = capture_svg(p, &o, &st, &len);
	tap_ok(svg && strncmp(svg, "<?xml", 5) == 0 && strstr(svg, "</svg>\n"), "flame: an SVG");
	tap_ok(strstr(svg, "Flame graph: cycles (count)") != NULL, "flame: title with type, unit");
	tap_ok(strstr(svg, "sampling: cycles every 1000 events") != NULL, "flame: the event");
	tap_ok(strstr(svg, "<title>a\nknown.c:20-21 (user code)\n3700, 78.72% of all; self 2200") !=
		       NULL,
	       "flame: a's details (file, lines, value, %%)");
	tap_ok(strstr(svg, "<title>inl\nknown.h:5 (user code, inlined)") != NULL,
	       "flame: inline frame");
	tap_ok(strstr(svg, "<title>memcpy\n(system library)") != NULL, "flame: libc is system");
	tap_ok(strstr(svg, "<title>do_syscall\n(kernel)") != NULL, "flame: kernel");
	tap_ok(strstr(svg, "<title>[anon]\n(JIT/anonymous)") != NULL, "flame: JIT/anon");
	tap_ok(strstr(svg, "<script") && strstr(svg, "searchbox") &&
		       !strstr(svg, "http://www.w3.org/1999/xlink") && !strstr(svg, "href="),
	       "flame: script and search box inline, nothing linked");
	{
		double total = svg_width(svg, "main"), a = svg_width(svg, "a");

		tap_ok(total > 1179 && total < 1181, "flame: main spans the width (%.2f)", total);
		tap_ok(fabs(a / total - 3700.0 / 4700.0) < 1e-4, "flame: a is 3700/4700 wide");
	}
	TAP_EQ_U64(st.merged, 0, "flame: nothing merged");
	TAP_EQ_U64(st.depth, 5, "flame: depth 5 (main;rec;rec;rec;leaf)");
	free(svg);

	o.group_key = "thread";
	o.title = "T <&> \"x\"";
	svg = capture_svg(p, &o, &st, &len);
	tap_ok(strstr(svg, "<title>t1 (tid 1)\n(group)") != NULL,
	       "flame --by thread: group frames");
	tap_ok(strstr(svg, ">T &lt;&amp;&gt; &quot;x&quot;</text>") != NULL,
	       "flame: title escaped");
	TAP_EQ_U64(st.depth, 6, "flame --by: one level more");
	free(svg);
}

static void
test_wide(void)
{
	struct profile *p = fixture_wide(100000);
	struct flame_options o;
	struct flame_stats st;
	size_t len, nl = 0, k;
	char *svg, *folded;
	struct report *r = report_create(p);

	flame_options_init(&o, p);
	svg = capture_svg(p, &o, &st, &len);
	tap_ok(len < 20u << 20, "wide: 100k stacks, %zu bytes of SVG", len);
	tap_ok(st.frames <= o.max_frames, "wide: %zu frames drawn", st.frames);
	tap_ok(st.merged >= 100000, "wide: %zu frames merged", st.merged);
	tap_ok(strstr(svg, "frames narrower than") != NULL, "wide: the subtitle says so");
	tap_ok(strstr(svg, "<title>heavy\n") != NULL, "wide: the heavy frame is drawn");
	tap_ok(strstr(svg, "frames merged]") != NULL, "wide: merged blocks drawn");
	free(svg);

	o.max_frames = 100;
	o.min_width = 0;
	svg = capture_svg(p, &o, &st, &len);
	tap_ok(st.frames <= 100, "wide: max_frames 100 holds (%zu)", st.frames);
	free(svg);

	folded = capture_folded(r, 0, NULL);
	for (k = 0; folded[k]; k++)
		nl += folded[k] == '\n';
	TAP_EQ_U64(nl, 100001, "wide: folded has one line per distinct stack");
	free(folded);
	report_free(r);
	profile_free(p);
}

static void
test_edges(void)
{
	struct profile *p = profile_create();
	struct flame_options o;
	struct flame_stats st;
	char *svg, *folded, *cause = NULL;
	struct report *r;
	size_t len;
	int64_t v = 7;
	uint64_t loc;

	profile_add_type(p, "samples", "count");
	/* an empty stack, and a function name with markup, ';' and bytes that are not UTF-8 */
	profile_add_sample(p, NULL, 0, 0, &v);
	loc = fixture_loc(p, 0, 0x10, profile_function(p, "x<y>;z\xff\xfe", "", "", 0), 0);
	profile_add_sample(p, &loc, 1, 0, &v);
	/* a function named like the placeholder for no stack is the same row */
	loc = fixture_loc(p, 0, 0x20, profile_function(p, "[unknown]", "", "", 0), 0);
	profile_add_sample(p, &loc, 1, 0, &v);
	r = report_create(p);
	folded = capture_folded(r, 0, NULL);
	TAP_EQ_STR(folded, "[unknown] 14\nx<y>:z\xff\xfe 7\n", "edges: folded names");
	free(folded);
	{
		struct report_table_opts to = {.index = {0}, .nvalues = 1};
		struct report_row *rows;
		size_t n = report_table(r, &to, &rows);

		tap_ok(n == 2 && rows[0].flat[0] == 14 &&
			       strcmp(report_str(r, rows[0].name), "[unknown]") == 0,
		       "edges: one [unknown] row for no stack and a function of that name");
		free(rows);
	}
	flame_options_init(&o, p);
	svg = capture_svg(p, &o, &st, &len);
	tap_ok(strstr(svg, "<title>x&lt;y&gt;;z??\n") != NULL, "edges: SVG escapes and replaces");
	free(svg);
	o.sample_index = 1;
	tap_ok(flame_write_svg(p, &o, stdout, &cause) == -EINVAL && cause,
	       "edges: bad sample index refused");
	free(cause);
	report_free(r);
	profile_free(p);

	{
		char buf[32];

		report_format_value(1500000000, "nanoseconds", buf, sizeof(buf));
		TAP_EQ_STR(buf, "1.5s", "format: 1.5s");
		report_format_value(10000000, "nanoseconds", buf, sizeof(buf));
		TAP_EQ_STR(buf, "10ms", "format: 10ms");
		report_format_value(3, "milliseconds", buf, sizeof(buf));
		TAP_EQ_STR(buf, "3ms", "format: 3ms");
		report_format_value(2048, "bytes", buf, sizeof(buf));
		TAP_EQ_STR(buf, "2kB", "format: 2kB");
		report_format_value(123456789, "count", buf, sizeof(buf));
		TAP_EQ_STR(buf, "123456789", "format: counts exact");
	}
}

int
main(void)
{
	struct profile *p = fixture_known(), *q;
	uint8_t *data = NULL;
	size_t len = 0;
	char *cause = NULL;

	test_table(p, "known");
	test_ratio(p);
	test_groups(p);
	test_folded(p, "known: folded");
	test_flame(p);

	/* the same profile after a pprof round trip reads the same */
	tap_ok(pprof_encode(p, &data, &len) == 0, "pprof_encode");
	q = pprof_decode(data, len, &cause);
	tap_ok(q != NULL, "pprof_decode (%s)", cause ? cause : "ok");
	if (q) {
		test_table(q, "decoded");
		test_folded(q, "decoded: folded");
		profile_free(q);
	}
	free(data);
	free(cause);
	profile_free(p);

	test_wide();
	test_edges();
	return tap_done();
}
