/*
 * cmd_report: `prof report`, a viewer for any pprof file (ours, or Go's runtime/pprof) that needs
 * no Go: a top table like go tool pprof -top, per-function ratios of two sample types (IPC),
 * folded stacks, and an SVG flame graph, optionally split by a label. It only wires pprof_decode
 * to report and flame, and prints.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "flame.h"
#include "log.h"
#include "pprof.h"
#include "report.h"
#include "xalloc.h"

enum cmd_report_exit { CMD_REPORT_FAILED = 1, CMD_REPORT_USAGE = 2 };

/* A file larger than this is no profile prof can hold in memory anyway. */
#define CMD_REPORT_MAX_FILE (1024ul * 1024 * 1024)

struct cmd_report_opts {
	const char *path;
	const char *sample_index; /* NULL: the profile's default */
	const char *ratio;	  /* "A/B" */
	const char *by;		  /* label key */
	const char *flamegraph;	  /* output path */
	const char *title;
	size_t nodes;
	int64_t min_samples;
	unsigned width;
	double min_width;
	bool lines, folded, exact;
};

static const char *
cmd_report_usage(void)
{
	return "usage: prof report [OPTIONS] FILE\n"
	       "\n"
	       "Reads a pprof profile (prof record's, or any other such as Go's runtime/pprof;\n"
	       "gzip'd or not; - for stdin) and shows where the samples went. By default a\n"
	       "table like go tool pprof -top: flat (in the function itself), cum (with what\n"
	       "it calls), each with its share of the total and the running sum.\n"
	       "\n"
	       "options:\n"
	       "  -n, --nodes N          rows to show (default 20; 0 shows all)\n"
	       "  -i, --sample-index T   the sample type to read, by name or 0-based number\n"
	       "                         (default: the profile's default, else the last)\n"
	       "  --lines                one row per source line, not per function\n"
	       "  --exact                values as exact integers of the sample type's unit\n"
	       "  --by KEY               one table (one flame graph root) per value of label KEY:\n"
	       "                         thread, pid, comm, tid or any label of the profile\n"
	       "  --ratio A/B            per function (per line with --lines) the ratio of two\n"
	       "                         sample types from the same samples, e.g.\n"
	       "                         --ratio instructions/cycles for IPC\n"
	       "  --min-samples N        with --ratio, mark rows with fewer samples as\n"
	       "                         \"(few samples)\" (default 10)\n"
	       "  --folded               write Brendan Gregg's folded stacks to stdout instead:\n"
	       "                         \"root;caller;leaf VALUE\", one line per distinct stack\n"
	       "  --flamegraph FILE      write an interactive SVG flame graph to FILE instead\n"
	       "                         (- for stdout); open it in a browser\n"
	       "  --title TEXT           the flame graph's title\n"
	       "  --width PX             the flame graph's width (default 1200)\n"
	       "  --min-width PX         merge flame graph frames narrower than this (default "
	       "0.1)\n"
	       "  -h, --help             this text\n"
	       "\n"
	       "Exit status: 0 done, 1 the file cannot be read or is no pprof profile (or an\n"
	       "output cannot be written), 2 usage error.\n";
}

/* --- arguments */

static bool
cmd_report_number(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return !*end && !errno && *out <= max;
}

/*
 * Matches option `name` (with or without "=VALUE") at argv[*i]; *value gets its argument, from
 * the same word or the next. Returns 0 no match, 1 matched, -1 matched but the value is missing.
 */
static int
cmd_report_opt(int argc, char **argv, int *i, const char *name, const char *alias,
	       const char **value)
{
	const char *a = argv[*i];
	size_t len = strlen(name);

	if (strncmp(a, name, len) == 0 && a[len] == '=') {
		*value = a + len + 1;
		return 1;
	}
	if (strcmp(a, name) != 0 && !(alias && strcmp(a, alias) == 0))
		return 0;
	if (*i + 1 >= argc)
		return -1;
	*value = argv[++*i];
	return 1;
}

static int
cmd_report_parse(int argc, char **argv, struct cmd_report_opts *o)
{
	static const char *const valued[] = {"--nodes",	      "--sample-index", "--ratio",
					     "--min-samples", "--by",		"--flamegraph",
					     "--title",	      "--width",	"--min-width"};
	static const char *const aliases[] = {"-n", "-i", NULL, NULL, NULL, NULL, NULL, NULL, NULL};
	bool dashdash = false;
	int i;

	memset(o, 0, sizeof(*o));
	o->nodes = 20;
	o->min_samples = 10;
	o->width = 1200;
	o->min_width = 0.1;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = NULL;
		unsigned long long n;
		size_t k;
		int m = 0;

		if (dashdash || a[0] != '-' || strcmp(a, "-") == 0) {
			if (o->path) {
				log_error(
					"prof report reads one file, not '%s' too (see prof report "
					"--help)",
					a);
				return -1;
			}
			o->path = a;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			dashdash = true;
			continue;
		}
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			fputs(cmd_report_usage(), stdout);
			return 1;
		}
		if (strcmp(a, "--lines") == 0) {
			o->lines = true;
			continue;
		}
		if (strcmp(a, "--folded") == 0) {
			o->folded = true;
			continue;
		}
		if (strcmp(a, "--exact") == 0) {
			o->exact = true;
			continue;
		}
		for (k = 0; k < sizeof(valued) / sizeof(valued[0]) && !m; k++)
			m = cmd_report_opt(argc, argv, &i, valued[k], aliases[k], &v);
		if (!m) {
			log_error("unknown option '%s' for prof report (see prof report --help)",
				  a);
			return -1;
		}
		k--;
		if (m < 0) {
			log_error("%s needs a value (see prof report --help)", valued[k]);
			return -1;
		}
		switch (k) {
		case 0:
			if (!cmd_report_number(v, SIZE_MAX, &n)) {
				log_error("--nodes wants a number of rows, not '%s'", v);
				return -1;
			}
			o->nodes = (size_t)n;
			break;
		case 1:
			o->sample_index = v;
			break;
		case 2:
			o->ratio = v;
			break;
		case 3:
			if (!cmd_report_number(v, INT64_MAX, &n)) {
				log_error("--min-samples wants a number, not '%s'", v);
				return -1;
			}
			o->min_samples = (int64_t)n;
			break;
		case 4:
			if (!*v) {
				log_error("--by wants a label key (thread, pid, comm...)");
				return -1;
			}
			o->by = v;
			break;
		case 5:
			if (!*v) {
				log_error("--flamegraph wants a file name (- for stdout)");
				return -1;
			}
			o->flamegraph = v;
			break;
		case 6:
			o->title = v;
			break;
		case 7:
			if (!cmd_report_number(v, 100000, &n) || n < 120) {
				log_error("--width wants 120..100000 pixels, not '%s'", v);
				return -1;
			}
			o->width = (unsigned)n;
			break;
		case 8: {
			char *end;

			o->min_width = strtod(v, &end);
			if (end == v || *end || !(o->min_width >= 0) || o->min_width > 1000) {
				log_error("--min-width wants 0..1000 pixels, not '%s'", v);
				return -1;
			}
			break;
		}
		}
	}
	if (!o->path) {
		log_error("prof report needs a profile to read (see prof report --help)");
		return -1;
	}
	if (o->ratio && (o->folded || o->flamegraph || o->by)) {
		log_error("--ratio prints a table of its own: it does not combine with --folded, "
			  "--flamegraph or --by");
		return -1;
	}
	if (o->lines && (o->folded || o->flamegraph)) {
		log_error(
			"--lines applies to the table and --ratio: folded stacks and flame graphs "
			"are per function");
		return -1;
	}
	if (o->folded && o->flamegraph && strcmp(o->flamegraph, "-") == 0) {
		log_error("--folded and --flamegraph - cannot both write to stdout");
		return -1;
	}
	return 0;
}

/* --- input */

static int
cmd_report_read(const char *path, uint8_t **data, size_t *len, char **cause)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	size_t cap = 0, n = 0;
	uint8_t *buf = NULL;
	int err;

	*data = NULL;
	*len = 0;
	if (!f) {
		err = errno;
		*cause = log_cause("cannot open %s: %s", path, strerror(err));
		return -err;
	}
	for (;;) {
		size_t got;

		if (n == cap) {
			if (cap >= CMD_REPORT_MAX_FILE) {
				*cause = log_cause("%s: not a pprof profile: larger than %lu MiB",
						   path, CMD_REPORT_MAX_FILE >> 20);
				err = EFBIG;
				break;
			}
			cap = cap ? cap * 2 : 1 << 16;
			buf = xrealloc(buf, cap);
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got)
			continue;
		if (ferror(f)) {
			err = errno ? errno : EIO;
			*cause = log_cause("cannot read %s: %s", path, strerror(err));
			break;
		}
		err = 0;
		break;
	}
	if (f != stdin)
		fclose(f);
	if (err) {
		free(buf);
		return -err;
	}
	*data = buf;
	*len = n;
	return 0;
}

/* --- output */

static const char *
cmd_report_str(const struct profile *p, uint32_t s)
{
	return s < p->nstrings ? p->strings[s] : "";
}

static void
cmd_report_value(const struct cmd_report_opts *o, int64_t v, const char *unit, char *buf,
		 size_t size)
{
	if (o->exact)
		snprintf(buf, size, "%" PRId64, v);
	else
		report_format_value(v, unit, buf, size);
}

static double
cmd_report_pct(int64_t v, int64_t total)
{
	return total ? 100.0 * (double)v / (double)total : 0.0;
}

static void
cmd_report_row_name(const struct report *r, const struct report_row *row, bool lines)
{
	fputs(report_str(r, row->name), stdout);
	if (lines && row->file)
		printf(" %s:%" PRId64, report_str(r, row->file), row->line);
	else if (lines && row->line)
		printf(" :%" PRId64, row->line);
}

/* The sampling comment of a profile written by prof record, if any. */
static const char *
cmd_report_event(const struct profile *p)
{
	size_t i;

	for (i = 0; i < p->ncomments; i++) {
		const char *c = cmd_report_str(p, p->comments[i]);

		if (strncmp(c, "sampling: ", 10) == 0)
			return c + 10;
	}
	return NULL;
}

static void
cmd_report_table(const struct cmd_report_opts *o, const struct report *r, size_t index,
		 const struct report_groups *g, size_t group, int64_t total, const char *unit)
{
	struct report_table_opts to = {
		.index = {index}, .nvalues = 1, .lines = o->lines, .groups = g, .group = group};
	struct report_row *rows;
	size_t n = report_table(r, &to, &rows), i, shown;
	int64_t sum = 0;

	shown = o->nodes && o->nodes < n ? o->nodes : n;
	printf("Showing %zu of %zu %s%s\n", shown, n, o->lines ? "lines" : "functions",
	       shown < n ? " (-n 0 shows all)" : "");
	printf("%10s %7s %7s %10s %7s  %s\n", "flat", "flat%", "sum%", "cum", "cum%",
	       o->lines ? "line" : "function");
	for (i = 0; i < shown; i++) {
		char flat[32], cum[32];

		sum += rows[i].flat[0];
		cmd_report_value(o, rows[i].flat[0], unit, flat, sizeof(flat));
		cmd_report_value(o, rows[i].cum[0], unit, cum, sizeof(cum));
		printf("%10s %6.2f%% %6.2f%% %10s %6.2f%%  ", flat,
		       cmd_report_pct(rows[i].flat[0], total), cmd_report_pct(sum, total), cum,
		       cmd_report_pct(rows[i].cum[0], total));
		cmd_report_row_name(r, &rows[i], o->lines);
		putchar('\n');
	}
	free(rows);
}

static void
cmd_report_top(const struct cmd_report_opts *o, const struct report *r, size_t index,
	       const struct report_groups *g)
{
	const struct profile *p = r->p;
	const char *type = cmd_report_str(p, p->types[index].type);
	const char *unit = cmd_report_str(p, p->types[index].unit);
	const char *event = cmd_report_event(p);
	int64_t total = report_total(p, index);
	size_t count_index = report_count_index(p);
	char buf[32];
	size_t i;

	cmd_report_value(o, total, unit, buf, sizeof(buf));
	printf("File: %s\n", o->path);
	printf("Type: %s (%s)%s%s\n", type, unit, event ? ", sampling " : "", event ? event : "");
	if (count_index != REPORT_RECORDS && count_index != index)
		printf("Total: %s (%" PRId64 " samples)\n", buf, report_total(p, count_index));
	else
		printf("Total: %s\n", buf);
	if (!g) {
		cmd_report_table(o, r, index, NULL, 0, total, unit);
		return;
	}
	for (i = 0; i < g->n; i++) {
		if (!g->totals[i])
			continue;
		cmd_report_value(o, g->totals[i], unit, buf, sizeof(buf));
		printf("\n%s %s: %s, %.2f%% of the total\n", o->by, g->names[i], buf,
		       cmd_report_pct(g->totals[i], total));
		cmd_report_table(o, r, index, g, i, g->totals[i], unit);
	}
}

/* Splits "A/B" into two sample types; a type name may itself hold '/' (msr/aperf/). */
static int
cmd_report_ratio_types(const struct profile *p, const char *spec, size_t *a, size_t *b)
{
	const char *slash;

	for (slash = strchr(spec, '/'); slash; slash = strchr(slash + 1, '/')) {
		char *left = xstrndup(spec, (size_t)(slash - spec)), *cause = NULL;
		bool ok = report_sample_index(p, left, a, &cause) == 0;

		free(cause);
		cause = NULL;
		ok = ok && report_sample_index(p, slash + 1, b, &cause) == 0;
		free(cause);
		free(left);
		if (ok)
			return 0;
	}
	return -EINVAL;
}

static void
cmd_report_ratio_value(double x, char *buf, size_t size)
{
	if (isnan(x))
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%.3f", x);
}

static int
cmd_report_ratio(const struct cmd_report_opts *o, const struct report *r)
{
	const struct profile *p = r->p;
	struct report_ratio_row *rows;
	const char *an, *bn, *au, *bu;
	size_t a, b, n, i, shown, count_index = report_count_index(p);
	int64_t ta, tb;
	char va[32], vb[32], x[32], cx[32];

	if (!strchr(o->ratio, '/') || cmd_report_ratio_types(p, o->ratio, &a, &b) < 0) {
		char *names = report_type_names(p);

		log_error("--ratio wants two sample types of the profile as A/B, not '%s' (this "
			  "profile has: %s)",
			  o->ratio, *names ? names : "none");
		free(names);
		return CMD_REPORT_USAGE;
	}
	an = cmd_report_str(p, p->types[a].type);
	bn = cmd_report_str(p, p->types[b].type);
	au = cmd_report_str(p, p->types[a].unit);
	bu = cmd_report_str(p, p->types[b].unit);
	ta = report_total(p, a);
	tb = report_total(p, b);
	n = report_ratio(r, a, b, o->lines, o->min_samples, &rows);
	shown = o->nodes && o->nodes < n ? o->nodes : n;

	cmd_report_value(o, ta, au, va, sizeof(va));
	cmd_report_value(o, tb, bu, vb, sizeof(vb));
	cmd_report_ratio_value(tb ? (double)ta / (double)tb : NAN, x, sizeof(x));
	printf("File: %s\n", o->path);
	printf("Ratio: %s / %s per %s, from the same samples\n", an, bn,
	       o->lines ? "line" : "function");
	printf("Total: %s %s, %s %s, ratio %s\n", an, va, bn, vb, x);
	printf("flat: samples in the %s itself; cum: with what it calls. Ratios from fewer than "
	       "%" PRId64 " %s are marked (few samples).\n",
	       o->lines ? "line" : "function", o->min_samples,
	       count_index == REPORT_RECORDS ? "sample records" : "samples");
	printf("Showing %zu of %zu %s, by flat %s%s\n", shown, n, o->lines ? "lines" : "functions",
	       bn, shown < n ? " (-n 0 shows all)" : "");
	printf("%14s %14s %9s %9s %9s  %s\n", an, bn, "ratio", "cum ratio", "samples",
	       o->lines ? "line" : "function");
	for (i = 0; i < shown; i++) {
		struct report_row row = {
			.name = rows[i].name, .file = rows[i].file, .line = rows[i].line};

		cmd_report_value(o, rows[i].a, au, va, sizeof(va));
		cmd_report_value(o, rows[i].b, bu, vb, sizeof(vb));
		cmd_report_ratio_value(rows[i].ratio, x, sizeof(x));
		cmd_report_ratio_value(rows[i].cum_ratio, cx, sizeof(cx));
		printf("%14s %14s %9s %9s %9" PRId64 "  ", va, vb, x, cx, rows[i].samples);
		cmd_report_row_name(r, &row, o->lines);
		printf("%s\n", rows[i].few ? " (few samples)" : "");
	}
	free(rows);
	return 0;
}

static int
cmd_report_flamegraph(const struct cmd_report_opts *o, const struct profile *p, size_t index)
{
	struct flame_options fo;
	struct flame_stats st;
	bool to_stdout = strcmp(o->flamegraph, "-") == 0;
	FILE *f = to_stdout ? stdout : fopen(o->flamegraph, "w");
	char *cause = NULL;
	int ret;

	if (!f) {
		log_error("cannot create %s: %s", o->flamegraph, strerror(errno));
		return CMD_REPORT_FAILED;
	}
	flame_options_init(&fo, p);
	fo.sample_index = index;
	fo.group_key = o->by;
	fo.title = o->title;
	fo.width = o->width;
	fo.min_width = o->min_width;
	ret = flame_write_svg_stats(p, &fo, f, &st, &cause);
	if (!to_stdout && fclose(f) != 0 && !ret) {
		cause = log_cause("cannot write %s: %s", o->flamegraph, strerror(errno));
		ret = -EIO;
	}
	if (ret < 0) {
		log_error("%s", cause);
		free(cause);
		if (!to_stdout)
			remove(o->flamegraph);
		return CMD_REPORT_FAILED;
	}
	log_info("wrote %s: %zu frames drawn, %zu merged (narrower than %.2g px, or beyond %zu "
		 "frames)",
		 o->flamegraph, st.frames, st.merged, fo.min_width, fo.max_frames / 2);
	return 0;
}

int
cmd_report(int argc, char **argv)
{
	struct cmd_report_opts o;
	struct report_groups groups, *g = NULL;
	struct profile *p;
	struct report *r;
	uint8_t *data;
	size_t len, index;
	char *cause = NULL;
	int ret, status = 0;

	ret = cmd_report_parse(argc, argv, &o);
	if (ret)
		return ret > 0 ? 0 : CMD_REPORT_USAGE;

	if (cmd_report_read(o.path, &data, &len, &cause) < 0) {
		log_error("%s", cause);
		free(cause);
		return CMD_REPORT_FAILED;
	}
	p = pprof_decode(data, len, &cause);
	free(data);
	if (!p) {
		log_error("%s: %s", o.path, cause);
		free(cause);
		return CMD_REPORT_FAILED;
	}
	if (!p->ntypes) {
		log_error("%s: the profile has no sample types: nothing to report", o.path);
		profile_free(p);
		return CMD_REPORT_FAILED;
	}
	index = report_default_index(p);
	if (o.sample_index && report_sample_index(p, o.sample_index, &index, &cause) < 0) {
		log_error("--sample-index: %s", cause);
		free(cause);
		profile_free(p);
		return CMD_REPORT_USAGE;
	}
	r = report_create(p);
	if (o.by) {
		report_group(r, o.by, index, &groups);
		g = &groups;
		if (!groups.found) {
			char *keys = report_label_keys(p);

			log_error("--by %s: no sample has that label (this profile's labels: %s)",
				  o.by, *keys ? keys : "none");
			free(keys);
			status = CMD_REPORT_USAGE;
			goto out;
		}
	}

	if (o.ratio) {
		status = cmd_report_ratio(&o, r);
	} else if (o.folded || o.flamegraph) {
		if (o.folded && report_write_folded_tree(r, index, g, stdout, &cause) < 0) {
			log_error("%s", cause);
			free(cause);
			status = CMD_REPORT_FAILED;
			goto out;
		}
		if (o.flamegraph)
			status = cmd_report_flamegraph(&o, p, index);
	} else {
		cmd_report_top(&o, r, index, g);
	}
	if (!status && (fflush(stdout) != 0 || ferror(stdout))) {
		log_error("cannot write to stdout: %s", strerror(errno));
		status = CMD_REPORT_FAILED;
	}
out:
	if (g)
		report_groups_free(g);
	report_free(r);
	profile_free(p);
	return status;
}
