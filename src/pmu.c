/*
 * pmu: event strings to encodings, in the syntax perf users already know.
 *
 * The resolution order is that of perf: the generic hardware and software names of the kernel
 * ABI (perf_hw_id, perf_sw_ids), then the hardware-cache grammar TYPE[-OP][-RESULT] with perf's
 * aliases, then raw "rHEX", then sysfs: "pmu/terms/" and bare aliases found in some PMU's
 * events/ directory, and last (when built with libpfm4) vendor names through libpfm4. Dynamic
 * PMUs are described by the kernel in sysfs (Documentation/ABI/testing/
 * sysfs-bus-event_source-devices-format and -events): format/<term> says which bits of
 * config/config1/config2 a term fills, events/<alias> is a list of terms with optional .scale
 * and .unit files. Every error says which part is wrong and, for unknown names, which existing
 * names are close, since most of them are typos.
 */
#include "pmu.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/perf_event.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#ifdef HAVE_LIBPFM4
#include <perfmon/pfmlib_perf_event.h>
#endif

#include "log.h"
#include "xalloc.h"

/* ------------------------------------------------------------------ built-in tables */

struct pmu_generic {
	const char *name;	 /* the spelling prof uses */
	const char *alias;	 /* perf's other spelling, or NULL */
	const char *sample_type; /* pprof sample type */
	uint32_t type;
	uint64_t config;
	const char *note;
};

static const struct pmu_generic pmu_hardware[] = {
	{"cycles", "cpu-cycles", "cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES,
	 "CPU core cycles"},
	{"instructions", NULL, "instructions", PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS,
	 "instructions retired"},
	{"cache-references", NULL, "cache-references", PERF_TYPE_HARDWARE,
	 PERF_COUNT_HW_CACHE_REFERENCES, "cache accesses (usually the last-level cache)"},
	{"cache-misses", NULL, "cache-misses", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_MISSES,
	 "cache misses (usually the last-level cache)"},
	{"branches", "branch-instructions", "branches", PERF_TYPE_HARDWARE,
	 PERF_COUNT_HW_BRANCH_INSTRUCTIONS, "branch instructions retired"},
	{"branch-misses", NULL, "branch-misses", PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_MISSES,
	 "mispredicted branch instructions"},
	{"bus-cycles", NULL, "bus-cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_BUS_CYCLES,
	 "bus cycles"},
	{"stalled-cycles-frontend", "idle-cycles-frontend", "stalled-cycles-frontend",
	 PERF_TYPE_HARDWARE, PERF_COUNT_HW_STALLED_CYCLES_FRONTEND,
	 "cycles in which the front end issued no instructions"},
	{"stalled-cycles-backend", "idle-cycles-backend", "stalled-cycles-backend",
	 PERF_TYPE_HARDWARE, PERF_COUNT_HW_STALLED_CYCLES_BACKEND,
	 "cycles in which the back end accepted no instructions"},
	{"ref-cycles", NULL, "ref-cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_REF_CPU_CYCLES,
	 "reference cycles, at a rate unaffected by frequency scaling"},
};

/*
 * cpu-clock and task-clock count nanoseconds: their sample type is "cpu", as in Go's own CPU
 * profiles, so that pprof treats them as time.
 */
static const struct pmu_generic pmu_software[] = {
	{"cpu-clock", NULL, "cpu", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK,
	 "CPU time, from a per-CPU high-resolution timer (nanoseconds)"},
	{"task-clock", NULL, "cpu", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK,
	 "CPU time of the task, from its own clock (nanoseconds)"},
	{"page-faults", "faults", "page-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS,
	 "page faults, minor and major"},
	{"context-switches", "cs", "context-switches", PERF_TYPE_SOFTWARE,
	 PERF_COUNT_SW_CONTEXT_SWITCHES, "context switches (the task left the CPU)"},
	{"cpu-migrations", "migrations", "cpu-migrations", PERF_TYPE_SOFTWARE,
	 PERF_COUNT_SW_CPU_MIGRATIONS, "moves of the task to another CPU"},
	{"minor-faults", NULL, "minor-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS_MIN,
	 "page faults served without I/O"},
	{"major-faults", NULL, "major-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS_MAJ,
	 "page faults that needed I/O"},
	{"alignment-faults", NULL, "alignment-faults", PERF_TYPE_SOFTWARE,
	 PERF_COUNT_SW_ALIGNMENT_FAULTS, "unaligned accesses the kernel fixed up"},
	{"emulation-faults", NULL, "emulation-faults", PERF_TYPE_SOFTWARE,
	 PERF_COUNT_SW_EMULATION_FAULTS, "instructions the kernel emulated"},
	{"dummy", NULL, "dummy", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_DUMMY,
	 "counts nothing: a placeholder for side-band records"},
	{"bpf-output", NULL, "bpf-output", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_BPF_OUTPUT,
	 "records written by BPF programs (bpf_perf_event_output)"},
	/* PERF_COUNT_SW_CGROUP_SWITCHES (Linux 5.13), spelled as a number for older headers */
	{"cgroup-switches", NULL, "cgroup-switches", PERF_TYPE_SOFTWARE, 11,
	 "context switches into a task of another cgroup"},
};

#define PMU_NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define PMU_MAX_ALIASES 5

/*
 * The hardware-cache grammar: the first spelling of each row is the canonical one, the others
 * are the aliases perf 6.1 accepts (the kernel ABI numbers them: perf_hw_cache_id,
 * perf_hw_cache_op_id, perf_hw_cache_op_result_id).
 */
static const char *const pmu_cache_types[][PMU_MAX_ALIASES] = {
	{"L1-dcache", "l1-d", "l1d", "L1-data", NULL},
	{"L1-icache", "l1-i", "l1i", "L1-instruction", NULL},
	{"LLC", "L2", NULL},
	{"dTLB", "d-tlb", "Data-TLB", NULL},
	{"iTLB", "i-tlb", "Instruction-TLB", NULL},
	{"branch", "branches", "bpu", "btb", "bpc"},
	{"node", NULL},
};

static const char *const pmu_cache_type_notes[] = {
	"L1 data cache",	    /* L1-dcache */
	"L1 instruction cache",	    /* L1-icache */
	"last-level cache",	    /* LLC */
	"data TLB",		    /* dTLB */
	"instruction TLB",	    /* iTLB */
	"branch predictor",	    /* branch */
	"local memory (NUMA node)", /* node */
};

static const char *const pmu_cache_ops[][PMU_MAX_ALIASES] = {
	{"load", "loads", "read", NULL},
	{"store", "stores", "write", NULL},
	{"prefetch", "prefetches", "speculative-read", "speculative-load", NULL},
};

static const char *const pmu_cache_op_plural[] = {"loads", "stores", "prefetches"};

static const char *const pmu_cache_results[][PMU_MAX_ALIASES] = {
	{"access", "refs", "Reference", "ops", NULL},
	{"miss", "misses", NULL},
};

/*
 * Which operations each cache has: perf refuses the others (an instruction cache is not
 * written, a branch predictor is only "read"), and so do we rather than let the kernel fail.
 */
#define PMU_OP(op) (1u << PERF_COUNT_HW_CACHE_OP_##op)
static const unsigned pmu_cache_ops_ok[] = {
	PMU_OP(READ) | PMU_OP(WRITE) | PMU_OP(PREFETCH), /* L1-dcache */
	PMU_OP(READ) | PMU_OP(PREFETCH),		 /* L1-icache */
	PMU_OP(READ) | PMU_OP(WRITE) | PMU_OP(PREFETCH), /* LLC */
	PMU_OP(READ) | PMU_OP(WRITE) | PMU_OP(PREFETCH), /* dTLB */
	PMU_OP(READ),					 /* iTLB */
	PMU_OP(READ),					 /* branch */
	PMU_OP(READ) | PMU_OP(WRITE) | PMU_OP(PREFETCH), /* node */
};

/* PMUs whose events run in the kernel's software context: they need no hardware PMU. */
static const char *const pmu_software_pmus[] = {
	"software", "tracepoint", "breakpoint", "kprobe", "uprobe", "msr",
};

/* Terms every dynamic PMU takes, besides its format/ files. */
static const char *const pmu_special_terms[] = {
	"name", "period", "freq", "config", "config1", "config2",
};

/* ------------------------------------------------------------------ small helpers */

static void
pmu_copy(char *dst, size_t size, const char *src, size_t len)
{
	if (len >= size)
		len = size - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

/* Decimal or 0x-hex, the whole string, no sign: what perf takes in terms. */
static int
pmu_parse_u64(const char *s, uint64_t *v)
{
	const char *digits = s;
	char *end;
	int base = 10;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		digits = s + 2;
		base = 16;
	}
	if (base == 16 ? !isxdigit((unsigned char)*digits) : !isdigit((unsigned char)*digits))
		return -EINVAL;
	errno = 0;
	*v = strtoull(digits, &end, base);
	if (errno == ERANGE)
		return -ERANGE;
	if (*end)
		return -EINVAL;
	return 0;
}

/* A name we may use as one path component under sysfs_root. */
static bool
pmu_safe_name(const char *s)
{
	const char *p;

	if (!*s || *s == '.' || strlen(s) > NAME_MAX)
		return false;
	for (p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-' && *p != '.')
			return false;
	return true;
}

static bool
pmu_has_suffix(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls > lx && strcmp(s + ls - lx, suffix) == 0;
}

/* Files next to an alias in events/ that describe it rather than being aliases themselves. */
static bool
pmu_alias_side_file(const char *name)
{
	return pmu_has_suffix(name, ".scale") || pmu_has_suffix(name, ".unit") ||
	       pmu_has_suffix(name, ".per-pkg") || pmu_has_suffix(name, ".snapshot");
}

static int
pmu_cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ------------------------------------------------------------------ suggestions */

/* Edit distance, ignoring case: "Cycles" and "cycles" are the same word to a reader. */
static unsigned
pmu_distance(const char *a, const char *b)
{
	unsigned row[256];
	size_t la = strlen(a), lb = strlen(b), i, j;

	if (la >= PMU_NELEM(row) || lb >= PMU_NELEM(row))
		return UINT_MAX;
	for (j = 0; j <= lb; j++)
		row[j] = (unsigned)j;
	for (i = 1; i <= la; i++) {
		unsigned diag = row[0];

		row[0] = (unsigned)i;
		for (j = 1; j <= lb; j++) {
			unsigned up = row[j];
			unsigned best = diag + (tolower((unsigned char)a[i - 1]) !=
						tolower((unsigned char)b[j - 1]));

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

#define PMU_SUGGEST_MAX 5

struct pmu_suggest {
	const char *word;
	char *best[PMU_SUGGEST_MAX];
	unsigned dist[PMU_SUGGEST_MAX];
	size_t n;
};

/*
 * Offers `cand` as a suggestion for s->word when close: at most 3 edits (fewer for short words,
 * where 3 edits reach anything), or the word is the start of the candidate. Candidates written
 * "pmu/alias/" are compared by their alias.
 */
static void
pmu_suggest_add(struct pmu_suggest *s, const char *cand)
{
	char key[256];
	const char *slash = strchr(cand, '/');
	size_t wl = strlen(s->word), i, at;
	unsigned d;

	if (slash && pmu_has_suffix(cand, "/") && !strchr(s->word, '/'))
		pmu_copy(key, sizeof(key), slash + 1, strlen(slash + 1) - 1);
	else
		pmu_copy(key, sizeof(key), cand, strlen(cand));
	d = pmu_distance(s->word, key);
	if (d > 3 || d > wl / 2) {
		if (wl < 3 || strncasecmp(key, s->word, wl) != 0)
			return;
		d = 3;
	}
	for (i = 0; i < s->n; i++)
		if (strcmp(s->best[i], cand) == 0)
			return;
	for (at = 0; at < s->n && s->dist[at] <= d; at++)
		;
	if (at >= PMU_SUGGEST_MAX)
		return;
	if (s->n == PMU_SUGGEST_MAX)
		free(s->best[--s->n]);
	memmove(s->best + at + 1, s->best + at, (s->n - at) * sizeof(s->best[0]));
	memmove(s->dist + at + 1, s->dist + at, (s->n - at) * sizeof(s->dist[0]));
	s->best[at] = xstrdup(cand);
	s->dist[at] = d;
	s->n++;
}

/* "a, b or c", or NULL when nothing was close. Frees the suggestions. Caller frees. */
static char *
pmu_suggest_done(struct pmu_suggest *s)
{
	char *out = NULL, *t;
	size_t i;

	for (i = 0; i < s->n; i++) {
		if (!out) {
			out = xstrdup(s->best[i]);
		} else {
			t = xasprintf("%s%s%s", out, i + 1 == s->n ? " or " : ", ", s->best[i]);
			free(out);
			out = t;
		}
		free(s->best[i]);
	}
	s->n = 0;
	return out;
}

/* "a, b, c" out of a list, at most `max` entries then ", ...". Caller frees. */
static char *
pmu_join(char **v, size_t n, size_t max)
{
	char *out = xstrdup(""), *t;
	size_t i;

	for (i = 0; i < n && i < max; i++) {
		t = xasprintf("%s%s%s", out, i ? ", " : "", v[i]);
		free(out);
		out = t;
	}
	if (n > max) {
		t = xasprintf("%s, ... (%zu in all)", out, n);
		free(out);
		out = t;
	}
	return out;
}

/* ------------------------------------------------------------------ sysfs */

/*
 * Reads <root>/<pmu>[/<dir>]/<file> into buf with trailing whitespace removed. 0 or -errno
 * (-ENAMETOOLONG, -EFBIG for a file that does not fit).
 */
static int
pmu_sysfs_read(const char *root, const char *pmu, const char *dir, const char *file, char *buf,
	       size_t size)
{
	char path[PATH_MAX];
	size_t len;
	FILE *f;
	int n;

	if (dir)
		n = snprintf(path, sizeof(path), "%s/%s/%s/%s", root, pmu, dir, file);
	else
		n = snprintf(path, sizeof(path), "%s/%s/%s", root, pmu, file);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	f = fopen(path, "re");
	if (!f)
		return -errno;
	len = fread(buf, 1, size - 1, f);
	if (ferror(f)) {
		int err = errno ? -errno : -EIO;

		fclose(f);
		return err;
	}
	if (len == size - 1 && fgetc(f) != EOF) {
		fclose(f);
		return -EFBIG;
	}
	fclose(f);
	buf[len] = '\0';
	while (len > 0 && isspace((unsigned char)buf[len - 1]))
		buf[--len] = '\0';
	return 0;
}

/* The PMU's attr.type, or -errno (-ENOENT: no such PMU). */
static int
pmu_sysfs_type(const char *root, const char *pmu, uint32_t *type)
{
	char buf[32];
	uint64_t v;
	int r;

	if (!pmu_safe_name(pmu))
		return -ENOENT;
	r = pmu_sysfs_read(root, pmu, NULL, "type", buf, sizeof(buf));
	if (r < 0)
		return r;
	if (pmu_parse_u64(buf, &v) < 0 || v > UINT32_MAX)
		return -EINVAL;
	*type = (uint32_t)v;
	return 0;
}

/* One format/<term> file: where a term's bits go. */
struct pmu_format {
	int word; /* 0 config, 1 config1, 2 config2 */
	unsigned nranges;
	unsigned char lo[64], hi[64];
	unsigned width; /* total bits, <= 64 */
	char text[96];	/* the file, for messages */
};

/* "config:0-7", "config1:0-63", "config:0-7,32-35", "config:18". 0 or -EINVAL. */
static int
pmu_format_parse(const char *text, struct pmu_format *f)
{
	const char *p = strchr(text, ':');
	size_t wl;

	memset(f, 0, sizeof(*f));
	pmu_copy(f->text, sizeof(f->text), text, strlen(text));
	if (!p)
		return -EINVAL;
	wl = (size_t)(p - text);
	if (wl == 6 && strncmp(text, "config", 6) == 0)
		f->word = 0;
	else if (wl == 7 && strncmp(text, "config1", 7) == 0)
		f->word = 1;
	else if (wl == 7 && strncmp(text, "config2", 7) == 0)
		f->word = 2;
	else
		return -EINVAL; /* config3 (Linux 6.3) and anything newer: not in our attr */
	p++;
	for (;;) {
		char *end;
		unsigned long lo, hi;

		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		lo = strtoul(p, &end, 10);
		hi = lo;
		if (*end == '-') {
			p = end + 1;
			if (!isdigit((unsigned char)*p))
				return -EINVAL;
			hi = strtoul(p, &end, 10);
		}
		if (lo > hi || hi > 63 || f->nranges == PMU_NELEM(f->lo))
			return -EINVAL;
		f->lo[f->nranges] = (unsigned char)lo;
		f->hi[f->nranges] = (unsigned char)hi;
		f->nranges++;
		f->width += (unsigned)(hi - lo + 1);
		if (f->width > 64)
			return -EINVAL;
		if (*end == '\0')
			return 0;
		if (*end != ',')
			return -EINVAL;
		p = end + 1;
	}
}

/*
 * Puts value into the format's bits of words[]: value bit 0 goes to the lowest bit of the first
 * range, and so on through the ranges in the order the file lists them. The field is cleared
 * first, so a later term overrides an earlier one (user terms override an alias's).
 * -E2BIG when the value has bits beyond the field.
 */
static int
pmu_format_deposit(const struct pmu_format *f, uint64_t value, uint64_t words[3])
{
	unsigned r, b, vbit = 0;

	if (f->width < 64 && (value >> f->width) != 0)
		return -E2BIG;
	for (r = 0; r < f->nranges; r++) {
		for (b = f->lo[r]; b <= f->hi[r]; b++, vbit++) {
			uint64_t bit = UINT64_C(1) << b;

			words[f->word] &= ~bit;
			if ((value >> vbit) & 1)
				words[f->word] |= bit;
		}
	}
	return 0;
}

/* format/<term> of pmu: 0, -ENOENT (no such term) or -EINVAL (a file we cannot read). */
static int
pmu_format_get(const char *root, const char *pmu, const char *term, struct pmu_format *f)
{
	char buf[96];
	int r;

	if (!pmu_safe_name(term))
		return -ENOENT;
	r = pmu_sysfs_read(root, pmu, "format", term, buf, sizeof(buf));
	if (r < 0)
		return r == -ENOENT ? -ENOENT : -EINVAL;
	if (pmu_format_parse(buf, f) < 0)
		return -EINVAL;
	return 0;
}

/* Sorted entries of <root>[/<pmu>/<dir>] that pass `keep`. */
static void
pmu_sysfs_dir(const char *root, const char *pmu, const char *dir,
	      bool (*keep)(const char *root, const char *name), char ***out, size_t *n)
{
	char path[PATH_MAX];
	struct dirent *de;
	size_t cap = 0;
	DIR *d;
	int len;

	*out = NULL;
	*n = 0;
	if (pmu)
		len = snprintf(path, sizeof(path), "%s/%s/%s", root, pmu, dir);
	else
		len = snprintf(path, sizeof(path), "%s", root);
	if (len < 0 || (size_t)len >= sizeof(path))
		return;
	d = opendir(path);
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || !pmu_safe_name(de->d_name) || !keep(root, de->d_name))
			continue;
		xgrow(out, &cap, *n + 1, sizeof(**out));
		(*out)[(*n)++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (*n > 1)
		qsort(*out, *n, sizeof(**out), pmu_cmp_str);
}

static bool
pmu_keep_any(const char *root, const char *name)
{
	return true;
}

static bool
pmu_keep_alias(const char *root, const char *name)
{
	return !pmu_alias_side_file(name);
}

/* A PMU is a directory with a readable type file (the entries are symlinks in real sysfs). */
static bool
pmu_keep_pmu(const char *root, const char *name)
{
	uint32_t type;

	return pmu_sysfs_type(root, name, &type) == 0;
}

void
pmu_sysfs_pmus(const char *sysfs_root, char ***out, size_t *n)
{
	pmu_sysfs_dir(sysfs_root, NULL, NULL, pmu_keep_pmu, out, n);
}

/* The aliases of pmu (file names under events/), sorted. */
static void
pmu_sysfs_alias_names(const char *root, const char *pmu, char ***out, size_t *n)
{
	pmu_sysfs_dir(root, pmu, "events", pmu_keep_alias, out, n);
}

/*
 * Finds alias `want` of pmu: exactly, else ignoring case (perf matches aliases that way).
 * Copies the alias's real name into name. 0 or -ENOENT.
 */
static int
pmu_alias_find(const char *root, const char *pmu, const char *want, char *name, size_t size)
{
	char **v, buf[8];
	size_t n, i;
	int r;

	if (!pmu_safe_name(want) || pmu_alias_side_file(want))
		return -ENOENT;
	r = pmu_sysfs_read(root, pmu, "events", want, buf, sizeof(buf));
	if (r == 0 || r == -EFBIG) {
		pmu_copy(name, size, want, strlen(want));
		return 0;
	}
	pmu_sysfs_alias_names(root, pmu, &v, &n);
	r = -ENOENT;
	for (i = 0; i < n; i++) {
		if (r < 0 && strcasecmp(v[i], want) == 0) {
			pmu_copy(name, size, v[i], strlen(v[i]));
			r = 0;
		}
	}
	pmu_split_free(v, n);
	return r;
}

/* ------------------------------------------------------------------ terms */

struct pmu_term {
	char name[64];
	char value[128];
	bool has_value;
	bool from_alias;
};

struct pmu_terms {
	struct pmu_term *v;
	size_t n, cap;
};

/*
 * Splits "a=1,b,c=0x2" into terms appended to t. 0, or -EINVAL with *cause naming the bad term
 * ("what" says where the text came from, for the message).
 */
static int
pmu_terms_parse(const char *text, bool from_alias, const char *spec, const char *what,
		struct pmu_terms *t, char **cause)
{
	const char *p = text;

	for (;;) {
		const char *end = strchr(p, ','), *eq;
		size_t len = end ? (size_t)(end - p) : strlen(p), nl;
		struct pmu_term term;

		while (len > 0 && isspace((unsigned char)*p)) {
			p++;
			len--;
		}
		while (len > 0 && isspace((unsigned char)p[len - 1]))
			len--;
		memset(&term, 0, sizeof(term));
		eq = memchr(p, '=', len);
		nl = eq ? (size_t)(eq - p) : len;
		if (len == 0) {
			*cause = log_cause("bad event '%s': empty term in %s", spec, what);
			return -EINVAL;
		}
		if (nl == 0 || nl >= sizeof(term.name)) {
			*cause = log_cause("bad event '%s': term '%.*s' in %s has no name", spec,
					   (int)len, p, what);
			return -EINVAL;
		}
		pmu_copy(term.name, sizeof(term.name), p, nl);
		if (eq) {
			size_t vl = len - nl - 1;

			if (vl == 0) {
				*cause = log_cause(
					"bad event '%s': term '%s' has no value after '='", spec,
					term.name);
				return -EINVAL;
			}
			if (vl >= sizeof(term.value)) {
				*cause = log_cause(
					"bad event '%s': the value of term '%s' is too long", spec,
					term.name);
				return -EINVAL;
			}
			pmu_copy(term.value, sizeof(term.value), eq + 1, vl);
			term.has_value = true;
		}
		term.from_alias = from_alias;
		xgrow(&t->v, &t->cap, t->n + 1, sizeof(*t->v));
		t->v[t->n++] = term;
		if (!end)
			return 0;
		p = end + 1;
	}
}

/* ------------------------------------------------------------------ dynamic PMUs */

static bool
pmu_is_special_term(const char *name)
{
	size_t i;

	for (i = 0; i < PMU_NELEM(pmu_special_terms); i++)
		if (strcmp(name, pmu_special_terms[i]) == 0)
			return true;
	return false;
}

/* The message for an unknown PMU: the close names, and every PMU there is. */
static char *
pmu_unknown_pmu(const char *spec, const char *pmu, const char *root)
{
	struct pmu_suggest s = {.word = pmu};
	char **v, *close, *all, *msg;
	size_t n, i;
	bool hw_name = (strcmp(pmu, "cpu") == 0 || strcmp(pmu, "cpu_core") == 0 ||
			strcmp(pmu, "cpu_atom") == 0) &&
		       !pmu_have_hardware(root);

	pmu_sysfs_pmus(root, &v, &n);
	for (i = 0; i < n; i++)
		pmu_suggest_add(&s, v[i]);
	close = pmu_suggest_done(&s);
	all = pmu_join(v, n, 40);
	msg = log_cause("unknown PMU '%s' in '%s'%s%s%s%s (PMUs here: %s)", pmu, spec,
			hw_name ? ": this machine has no hardware PMU, a virtual machine?" : "",
			close ? ", did you mean " : "", close ? close : "", close ? "?" : "",
			n ? all : "none");
	free(close);
	free(all);
	pmu_split_free(v, n);
	return msg;
}

/* The message for an unknown alias of pmu. */
static char *
pmu_unknown_alias(const char *spec, const char *pmu, const char *alias, const char *root)
{
	struct pmu_suggest s = {.word = alias};
	char **v, *close, *all, *msg;
	size_t n, i;

	pmu_sysfs_alias_names(root, pmu, &v, &n);
	for (i = 0; i < n; i++)
		pmu_suggest_add(&s, v[i]);
	close = pmu_suggest_done(&s);
	all = pmu_join(v, n, 12);
	if (close)
		msg = log_cause("unknown event '%s' of PMU '%s' in '%s', did you mean %s? (prof "
				"list shows them all)",
				alias, pmu, spec, close);
	else if (n)
		msg = log_cause("unknown event '%s' of PMU '%s' in '%s' (its events: %s)", alias,
				pmu, spec, all);
	else
		msg = log_cause("unknown event or term '%s' in '%s': PMU '%s' has no named events, "
				"give its terms (%s/TERM=VALUE,.../)",
				alias, spec, pmu, pmu);
	free(close);
	free(all);
	pmu_split_free(v, n);
	return msg;
}

/* The message for a term with a value that neither the PMU's format nor prof knows. */
static char *
pmu_unknown_term(const char *spec, const char *pmu, const char *term, const char *root)
{
	struct pmu_suggest s = {.word = term};
	char **v, *close, *all, *msg;
	size_t n, i;

	pmu_sysfs_dir(root, pmu, "format", pmu_keep_any, &v, &n);
	for (i = 0; i < PMU_NELEM(pmu_special_terms); i++) {
		v = xreallocarray(v, n + 1, sizeof(*v));
		v[n++] = xstrdup(pmu_special_terms[i]);
	}
	for (i = 0; i < n; i++)
		pmu_suggest_add(&s, v[i]);
	close = pmu_suggest_done(&s);
	all = pmu_join(v, n, 40);
	msg = log_cause("bad event '%s': unknown term '%s' for PMU '%s'%s%s%s (terms: %s)", spec,
			term, pmu, close ? ", did you mean " : "", close ? close : "",
			close ? "?" : "", all);
	free(close);
	free(all);
	pmu_split_free(v, n);
	return msg;
}

/* Reads <alias>.scale and <alias>.unit when they exist. */
static int
pmu_alias_extras(const char *root, const char *pmu, const char *alias, const char *spec,
		 struct pmu_event *out, char **cause)
{
	char file[NAME_MAX + 16], buf[64], *end;
	double scale;
	int r;

	snprintf(file, sizeof(file), "%s.scale", alias);
	r = pmu_sysfs_read(root, pmu, "events", file, buf, sizeof(buf));
	if (r == 0) {
		errno = 0;
		scale = strtod(buf, &end);
		if (errno || end == buf || *end || !isfinite(scale) || scale <= 0) {
			*cause = log_cause("event '%s': cannot read the scale of %s/%s ('%s')",
					   spec, pmu, alias, buf);
			return -EINVAL;
		}
		out->scale = scale;
	}
	snprintf(file, sizeof(file), "%s.unit", alias);
	r = pmu_sysfs_read(root, pmu, "events", file, buf, sizeof(buf));
	if (r == 0 && buf[0])
		pmu_copy(out->unit, sizeof(out->unit), buf, strlen(buf));
	return 0;
}

/*
 * "pmu/terms/": terms are name=value pairs, bare format terms (=1) or one alias from events/,
 * whose terms are spliced in where it stands so that later user terms override them, as perf
 * does. `display` is the spec without modifiers.
 */
static int
pmu_parse_dynamic(const char *spec, const char *pmu, const char *body, const char *display,
		  const char *root, struct pmu_event *out, char **cause)
{
	struct pmu_terms user = {0}, all = {0};
	char alias[NAME_MAX + 1] = "";
	uint64_t words[3] = {0, 0, 0};
	size_t i, j;
	int r = 0;

	if (!*pmu) {
		*cause = log_cause("bad event '%s': no PMU name before '/'", spec);
		return -EINVAL;
	}
	r = pmu_sysfs_type(root, pmu, &out->type);
	if (r == -ENOENT || r == -ENOTDIR) {
		*cause = pmu_unknown_pmu(spec, pmu, root);
		return -ENOENT;
	}
	if (r < 0) {
		*cause = log_cause("event '%s': cannot read the type of PMU '%s' under %s: %s",
				   spec, pmu, root, strerror(-r));
		return r;
	}
	if (!*body) {
		*cause = log_cause("bad event '%s': no event or terms between the '/'", spec);
		return -EINVAL;
	}
	r = pmu_terms_parse(body, false, spec, "the event", &user, cause);
	if (r < 0)
		goto out;

	/* Expand the alias in place: its terms, then the user's that follow. */
	for (i = 0; i < user.n; i++) {
		struct pmu_term *t = &user.v[i];
		struct pmu_format f;
		char text[512];

		if (t->has_value || pmu_is_special_term(t->name) ||
		    pmu_format_get(root, pmu, t->name, &f) != -ENOENT) {
			xgrow(&all.v, &all.cap, all.n + 1, sizeof(*all.v));
			all.v[all.n++] = *t;
			continue;
		}
		if (alias[0]) {
			*cause =
				log_cause("bad event '%s': two events of PMU '%s' ('%s' and '%s'): "
					  "write one per -e item",
					  spec, pmu, alias, t->name);
			r = -EINVAL;
			goto out;
		}
		if (pmu_alias_find(root, pmu, t->name, alias, sizeof(alias)) < 0) {
			*cause = pmu_unknown_alias(spec, pmu, t->name, root);
			r = -ENOENT;
			goto out;
		}
		r = pmu_sysfs_read(root, pmu, "events", alias, text, sizeof(text));
		if (r < 0) {
			*cause = log_cause("event '%s': cannot read %s/%s/events/%s: %s", spec,
					   root, pmu, alias, strerror(-r));
			goto out;
		}
		r = pmu_terms_parse(text, true, spec, "its sysfs alias", &all, cause);
		if (r < 0)
			goto out;
	}

	for (i = 0; i < all.n; i++) {
		const struct pmu_term *t = &all.v[i];
		struct pmu_format f;
		uint64_t v = 1;

		if (t->has_value && strcmp(t->value, "?") == 0) {
			/* an alias parameter the user must give (e.g. ldlat=?) */
			for (j = i + 1; j < all.n; j++)
				if (strcmp(all.v[j].name, t->name) == 0)
					break;
			if (j == all.n) {
				*cause = log_cause("bad event '%s': %s/%s/ needs a value for '%s' "
						   "(%s/%s,%s=N/)",
						   spec, pmu, alias, t->name, pmu, alias, t->name);
				r = -EINVAL;
				goto out;
			}
			continue;
		}
		if (strcmp(t->name, "name") == 0) {
			if (!t->has_value) {
				*cause = log_cause("bad event '%s': term 'name' needs a value "
						   "(name=NAME)",
						   spec);
				r = -EINVAL;
				goto out;
			}
			pmu_copy(out->name, sizeof(out->name), t->value, strlen(t->value));
			continue;
		}
		if (t->has_value && pmu_parse_u64(t->value, &v) < 0) {
			*cause = log_cause("bad event '%s': term '%s' has a bad value '%s' (want a "
					   "64-bit decimal or 0x hex number)",
					   spec, t->name, t->value);
			r = -EINVAL;
			goto out;
		}
		if (strcmp(t->name, "period") == 0 || strcmp(t->name, "freq") == 0) {
			bool period = t->name[0] == 'p';

			if (!t->has_value || v == 0) {
				*cause = log_cause("bad event '%s': term '%s' needs a value > 0",
						   spec, t->name);
				r = -EINVAL;
				goto out;
			}
			if (period) {
				out->period = v;
				out->has_period = true;
			} else {
				out->freq = v;
				out->has_freq = true;
			}
			continue;
		}
		if (strncmp(t->name, "config", 6) == 0 && pmu_is_special_term(t->name)) {
			if (!t->has_value) {
				*cause = log_cause("bad event '%s': term '%s' needs a value", spec,
						   t->name);
				r = -EINVAL;
				goto out;
			}
			words[t->name[6] ? t->name[6] - '0' : 0] = v;
			continue;
		}
		r = pmu_format_get(root, pmu, t->name, &f);
		if (r == -ENOENT) {
			if (t->from_alias)
				*cause = log_cause(
					"event '%s': the alias %s/%s/ uses term '%s', which "
					"PMU '%s' has no format for",
					spec, pmu, alias, t->name, pmu);
			else
				*cause = pmu_unknown_term(spec, pmu, t->name, root);
			r = -EINVAL;
			goto out;
		}
		if (r < 0) {
			*cause = log_cause("event '%s': cannot read %s/%s/format/%s (want "
					   "configN:LO-HI,...)",
					   spec, root, pmu, t->name);
			goto out;
		}
		if (pmu_format_deposit(&f, v, words) < 0) {
			*cause = log_cause("bad event '%s': value %#" PRIx64 " of term '%s' is too "
					   "wide for its field %s (%u bits)",
					   spec, v, t->name, f.text, f.width);
			r = -EINVAL;
			goto out;
		}
	}
	r = 0;
	out->config = words[0];
	out->config1 = words[1];
	out->config2 = words[2];
	if (alias[0]) {
		r = pmu_alias_extras(root, pmu, alias, spec, out, cause);
		if (r < 0)
			goto out;
	}
	out->hardware = !pmu_is_software_pmu(pmu);
	if (out->name[0]) {
		pmu_copy(out->sample_type, sizeof(out->sample_type), out->name, strlen(out->name));
	} else {
		const char *st = alias[0] ? alias : display;

		pmu_copy(out->name, sizeof(out->name), display, strlen(display));
		pmu_copy(out->sample_type, sizeof(out->sample_type), st, strlen(st));
	}
out:
	free(user.v);
	free(all.v);
	return r;
}

/* ------------------------------------------------------------------ generic names */

/*
 * The longest spelling in tab that s starts with and that ends at a '-' or the end of s.
 * Its row, with its length in *len; -1 when none.
 */
static int
pmu_cache_match(const char *s, const char *const (*tab)[PMU_MAX_ALIASES], size_t rows, size_t *len)
{
	size_t r, a, best_len = 0;
	int best = -1;

	for (r = 0; r < rows; r++) {
		for (a = 0; a < PMU_MAX_ALIASES && tab[r][a]; a++) {
			size_t l = strlen(tab[r][a]);

			if (l > best_len && strncmp(s, tab[r][a], l) == 0 &&
			    (s[l] == '-' || s[l] == '\0')) {
				best = (int)r;
				best_len = l;
			}
		}
	}
	*len = best_len;
	return best;
}

/* Canonical cache event name: "L1-dcache-loads", "L1-dcache-load-misses". */
static void
pmu_cache_name(int type, int op, int result, char *buf, size_t size)
{
	if (result == PERF_COUNT_HW_CACHE_RESULT_MISS)
		snprintf(buf, size, "%s-%s-misses", pmu_cache_types[type][0], pmu_cache_ops[op][0]);
	else
		snprintf(buf, size, "%s-%s", pmu_cache_types[type][0], pmu_cache_op_plural[op]);
}

/* Every canonical cache event name, for suggestions and `prof list`. */
static void
pmu_cache_all(struct pmu_name **out, size_t *n)
{
	size_t cap = 0;
	int t, op, res;

	*out = NULL;
	*n = 0;
	for (t = 0; t < (int)PMU_NELEM(pmu_cache_types); t++) {
		for (op = 0; op < (int)PMU_NELEM(pmu_cache_ops); op++) {
			if (!(pmu_cache_ops_ok[t] & (1u << op)))
				continue;
			for (res = 0; res < (int)PMU_NELEM(pmu_cache_results); res++) {
				char name[64];
				struct pmu_name *e;

				pmu_cache_name(t, op, res, name, sizeof(name));
				xgrow(out, &cap, *n + 1, sizeof(**out));
				e = &(*out)[(*n)++];
				e->event = xstrdup(name);
				e->alias = NULL;
				e->note = xasprintf("%s %s%s", pmu_cache_type_notes[t],
						    res ? pmu_cache_ops[op][0]
							: pmu_cache_op_plural[op],
						    res ? " misses" : "");
			}
		}
	}
}

/* Adds every built-in and sysfs event name of this machine as a suggestion candidate. */
static void
pmu_suggest_everything(struct pmu_suggest *s, const char *root)
{
	struct pmu_name *names;
	char **pmus;
	size_t n, npmus, i, j;

	for (i = 0; i < PMU_NELEM(pmu_hardware); i++) {
		pmu_suggest_add(s, pmu_hardware[i].name);
		if (pmu_hardware[i].alias)
			pmu_suggest_add(s, pmu_hardware[i].alias);
	}
	for (i = 0; i < PMU_NELEM(pmu_software); i++) {
		pmu_suggest_add(s, pmu_software[i].name);
		if (pmu_software[i].alias)
			pmu_suggest_add(s, pmu_software[i].alias);
	}
	pmu_cache_all(&names, &n);
	for (i = 0; i < n; i++)
		pmu_suggest_add(s, names[i].event);
	pmu_names_free(names, n);
	pmu_sysfs_pmus(root, &pmus, &npmus);
	for (i = 0; i < npmus; i++) {
		pmu_sysfs_events(root, pmus[i], &names, &n);
		for (j = 0; j < n; j++)
			pmu_suggest_add(s, names[j].event);
		pmu_names_free(names, n);
	}
	pmu_split_free(pmus, npmus);
}

/*
 * TYPE[-OP][-RESULT] with perf's spellings; OP defaults to load and RESULT to access. Returns
 * 1 when name does not start with a cache type (not a cache event), else 0 or -EINVAL.
 */
static int
pmu_parse_cache(const char *spec, const char *name, const char *root, struct pmu_event *out,
		char **cause)
{
	const char *p;
	size_t len;
	int type, op = -1, result = -1, parts = 0;
	char canon[64];

	type = pmu_cache_match(name, pmu_cache_types, PMU_NELEM(pmu_cache_types), &len);
	if (type < 0)
		return 1;
	p = name + len;
	while (*p) {
		int o, res;
		size_t ol, rl;

		p++; /* the '-' */
		o = pmu_cache_match(p, pmu_cache_ops, PMU_NELEM(pmu_cache_ops), &ol);
		res = pmu_cache_match(p, pmu_cache_results, PMU_NELEM(pmu_cache_results), &rl);
		if (++parts > 2) {
			*cause = log_cause("bad event '%s': '%s' after '%.*s' is one part too many "
					   "(CACHE-OPERATION-RESULT, e.g. L1-dcache-load-misses)",
					   spec, p, (int)(p - name - 1), name);
			return -EINVAL;
		}
		if (o >= 0 && op < 0) {
			op = o;
			p += ol;
		} else if (res >= 0 && result < 0) {
			result = res;
			p += rl;
		} else {
			struct pmu_suggest s = {.word = name};
			struct pmu_name *names;
			size_t n, i;
			char *close;
			int wl = (int)strcspn(p, "-");

			pmu_cache_all(&names, &n);
			for (i = 0; i < n; i++)
				pmu_suggest_add(&s, names[i].event);
			pmu_names_free(names, n);
			close = pmu_suggest_done(&s);
			if (o >= 0 || res >= 0)
				*cause = log_cause("bad event '%s': '%.*s' repeats the %s", spec,
						   wl, p, o >= 0 ? "operation" : "result");
			else
				*cause = log_cause(
					"bad event '%s': '%.*s' is not a cache operation (load, "
					"store, prefetch) or result (access, miss)%s%s",
					spec, wl, p, close ? "; did you mean " : "",
					close ? close : "");
			free(close);
			return -EINVAL;
		}
	}
	if (op < 0)
		op = PERF_COUNT_HW_CACHE_OP_READ;
	if (result < 0)
		result = PERF_COUNT_HW_CACHE_RESULT_ACCESS;
	if (!(pmu_cache_ops_ok[type] & (1u << op))) {
		char ok[64] = "";
		int o;

		for (o = 0; o < (int)PMU_NELEM(pmu_cache_ops); o++)
			if (pmu_cache_ops_ok[type] & (1u << o))
				snprintf(ok + strlen(ok), sizeof(ok) - strlen(ok), "%s%s",
					 ok[0] ? ", " : "", pmu_cache_ops[o][0]);
		*cause = log_cause("bad event '%s': the %s (%s) has no '%s' operation (it has: %s)",
				   spec, pmu_cache_type_notes[type], pmu_cache_types[type][0],
				   pmu_cache_ops[op][0], ok);
		return -EINVAL;
	}
	out->type = PERF_TYPE_HW_CACHE;
	out->config = (uint64_t)type | (uint64_t)op << 8 | (uint64_t)result << 16;
	out->hardware = true;
	pmu_cache_name(type, op, result, canon, sizeof(canon));
	pmu_copy(out->sample_type, sizeof(out->sample_type), canon, strlen(canon));
	return 0;
}

/*
 * A name without '/': generic hardware/software, cache, raw, or a bare sysfs alias. Returns 1
 * when nothing knows the name (no *cause: the caller may still try libpfm4), else 0 or -errno.
 */
static int
pmu_parse_name(const char *spec, const char *name, const char *root, struct pmu_event *out,
	       char **cause)
{
	const struct pmu_generic *tables[] = {pmu_hardware, pmu_software};
	const size_t sizes[] = {PMU_NELEM(pmu_hardware), PMU_NELEM(pmu_software)};
	char **pmus;
	size_t t, i, npmus, found = 0;
	char *where = NULL, *joined, alias[NAME_MAX + 1], first[NAME_MAX + 1] = "";
	int r;

	for (t = 0; t < PMU_NELEM(tables); t++) {
		for (i = 0; i < sizes[t]; i++) {
			const struct pmu_generic *g = &tables[t][i];

			if (strcmp(name, g->name) != 0 &&
			    (!g->alias || strcmp(name, g->alias) != 0))
				continue;
			out->type = g->type;
			out->config = g->config;
			out->hardware = g->type == PERF_TYPE_HARDWARE;
			pmu_copy(out->sample_type, sizeof(out->sample_type), g->sample_type,
				 strlen(g->sample_type));
			return 0;
		}
	}

	r = pmu_parse_cache(spec, name, root, out, cause);
	if (r <= 0)
		return r;

	if (name[0] == 'r') {
		size_t hex = strspn(name + 1, "0123456789abcdefABCDEF");

		if (name[1] == '\0' || (name[1] == '0' && (name[2] == 'x' || name[2] == 'X'))) {
			*cause = log_cause(
				"bad event '%s': a raw event is 'r' and the event code in "
				"hex, without 0x (e.g. r003c)",
				spec);
			return -EINVAL;
		}
		if (name[1 + hex] == '\0') {
			if (hex > 16) {
				*cause = log_cause(
					"bad event '%s': raw event code wider than 64 bits", spec);
				return -EINVAL;
			}
			out->type = PERF_TYPE_RAW;
			out->config = strtoull(name + 1, NULL, 16);
			out->hardware = true;
			pmu_copy(out->sample_type, sizeof(out->sample_type), name, strlen(name));
			return 0;
		}
	}

	/* A bare alias ("tsc", "mem-loads"): perf looks in every PMU's events/. */
	pmu_sysfs_pmus(root, &pmus, &npmus);
	for (i = 0; i < npmus; i++) {
		if (pmu_alias_find(root, pmus[i], name, alias, sizeof(alias)) < 0)
			continue;
		if (!found++)
			pmu_copy(first, sizeof(first), pmus[i], strlen(pmus[i]));
		joined = xasprintf("%s%s%s/%s/", where ? where : "", where ? ", " : "", pmus[i],
				   alias);
		free(where);
		where = joined;
	}
	pmu_split_free(pmus, npmus);
	if (found > 1) {
		*cause = log_cause("event '%s' is in several PMUs (%s): name one, as PMU/EVENT/",
				   spec, where);
		free(where);
		return -EINVAL;
	}
	free(where);
	if (found == 1)
		return pmu_parse_dynamic(spec, first, name, name, root, out, cause);
	return 1;
}

/* ------------------------------------------------------------------ libpfm4 */

#ifdef HAVE_LIBPFM4
/* Is name a built-in event name but for case? */
static bool
pmu_builtin_casematch(const char *name)
{
	const struct pmu_generic *tables[] = {pmu_hardware, pmu_software};
	const size_t sizes[] = {PMU_NELEM(pmu_hardware), PMU_NELEM(pmu_software)};
	struct pmu_name *names;
	size_t t, i, n;
	bool found = false;

	for (t = 0; t < PMU_NELEM(tables); t++)
		for (i = 0; i < sizes[t]; i++)
			if (strcasecmp(name, tables[t][i].name) == 0 ||
			    (tables[t][i].alias && strcasecmp(name, tables[t][i].alias) == 0))
				found = true;
	pmu_cache_all(&names, &n);
	for (i = 0; i < n; i++)
		if (strcasecmp(name, names[i].event) == 0)
			found = true;
	pmu_names_free(names, n);
	return found;
}

/*
 * The length of a libpfm4 name without its trailing modifiers: ":u", ":k", ":pp" (our letters)
 * and attribute settings such as ":u=1" or ":period=1000". Unit masks (":ANY_P") stay: they
 * choose what is counted.
 */
static size_t
pmu_pfm_base_len(const char *spec)
{
	size_t len = strlen(spec);
	const char *c;

	while ((c = memrchr(spec, ':', len)) && c > spec) {
		const char *m = c + 1;
		size_t ml = len - (size_t)(m - spec);

		if (ml == 0 || (strspn(m, "ukhpGH") < ml && !memchr(m, '=', ml)))
			break;
		len = (size_t)(c - spec);
	}
	return len;
}

/*
 * Vendor names ("INST_RETIRED:ANY_P:u") through libpfm4, whose own syntax uses ':' for unit
 * masks and modifiers, so it gets the whole spec. libpfm4 is initialised once, on first need.
 * Returns 1 when libpfm4 does not know the name, else 0 or -EINVAL.
 */
static int
pmu_parse_pfm(const char *spec, struct pmu_event *out, char **cause)
{
	static int state; /* 0 untried, 1 ready, -1 failed */
	struct perf_event_attr attr;
	pfm_perf_encode_arg_t arg;
	int r;

	if (state == 0)
		state = pfm_initialize() == PFM_SUCCESS ? 1 : -1;
	if (state < 0)
		return 1;
	memset(&attr, 0, sizeof(attr));
	memset(&arg, 0, sizeof(arg));
	attr.size = sizeof(attr);
	arg.attr = &attr;
	arg.size = sizeof(arg);
	/* default privilege levels user+kernel: with no modifier, prof's policy decides */
	r = pfm_get_os_event_encoding(spec, PFM_PLM0 | PFM_PLM3, PFM_OS_PERF_EVENT_EXT, &arg);
	if (r == PFM_ERR_NOTFOUND || r == PFM_ERR_NOTSUPP)
		return 1;
	if (r != PFM_SUCCESS) {
		*cause = log_cause("bad event '%s': libpfm4 says: %s", spec, pfm_strerror(r));
		return -EINVAL;
	}
	out->type = attr.type;
	out->config = attr.config;
	out->config1 = attr.config1;
	out->config2 = attr.config2;
	out->exclude_user = attr.exclude_user;
	out->exclude_kernel = attr.exclude_kernel;
	out->exclude_hv = attr.exclude_hv;
	out->modifiers = attr.exclude_user || attr.exclude_kernel;
	out->precise = attr.precise_ip;
	if (attr.freq && attr.sample_freq) {
		out->freq = attr.sample_freq;
		out->has_freq = true;
	} else if (!attr.freq && attr.sample_period) {
		out->period = attr.sample_period;
		out->has_period = true;
	}
	out->hardware = attr.type != PERF_TYPE_SOFTWARE && attr.type != PERF_TYPE_TRACEPOINT &&
			attr.type != PERF_TYPE_BREAKPOINT;
	pmu_copy(out->name, sizeof(out->name), spec, pmu_pfm_base_len(spec));
	pmu_copy(out->sample_type, sizeof(out->sample_type), out->name, strlen(out->name));
	return 0;
}
#endif

/* ------------------------------------------------------------------ modifiers, pmu_parse */

static int
pmu_modifiers(const char *spec, const char *mods, struct pmu_event *out, char **cause)
{
	bool u = false, k = false, h = false;
	const char *m;
	int p = 0;

	for (m = mods; *m; m++) {
		switch (*m) {
		case 'u':
			u = true;
			break;
		case 'k':
			k = true;
			break;
		case 'h':
			h = true;
			break;
		case 'p':
			p++;
			break;
		case 'G':
		case 'H':
			/* guest/host only: prof profiles host tasks, nothing to change */
			break;
		default:
			*cause =
				log_cause("bad event '%s': unknown modifier '%c' (known: u user, k "
					  "kernel, h hypervisor, p/pp/ppp precise, G and H)",
					  spec, *m);
			return -EINVAL;
		}
	}
	if (p > 3) {
		*cause = log_cause("bad event '%s': at most 3 'p' modifiers (:ppp)", spec);
		return -EINVAL;
	}
	/* perf's rule: naming any privilege level counts only the ones named */
	if (u || k || h) {
		out->modifiers = true;
		out->exclude_user = !u;
		out->exclude_kernel = !k;
		out->exclude_hv = !h;
	}
	out->precise = p;
	return 0;
}

/*
 * The message for a name nothing knows: close names, and for NAME:SOMETHING that is no
 * modifier, what such names could have been (a tracepoint, a vendor name).
 */
static char *
pmu_unknown_event(const char *spec, const char *name, const char *root)
{
	struct pmu_suggest s = {.word = name};
	const char *colon = strchr(spec, ':');
	char *close, *msg;
	bool other = colon && strspn(colon + 1, "ukhpGH") != strlen(colon + 1);
#ifdef HAVE_LIBPFM4
	const char *hint = "; tracepoints (SYSTEM:EVENT) are not supported, and libpfm4 does "
			   "not know it for this CPU";
#else
	const char *hint = "; tracepoints (SYSTEM:EVENT) are not supported, and vendor event "
			   "names need prof built with libpfm4 (./configure --with-libpfm4)";
#endif

	pmu_suggest_everything(&s, root);
	close = pmu_suggest_done(&s);
	msg = log_cause("unknown event '%s'%s%s%s (prof list shows the events this machine has)%s",
			other ? spec : name, close ? ", did you mean " : "", close ? close : "",
			close ? "?" : "", other ? hint : "");
	free(close);
	return msg;
}

int
pmu_parse(const char *spec, const char *sysfs_root, struct pmu_event *out, char **cause)
{
	char base[128];
	const char *slash, *mods = NULL;
	size_t len;
	int r;

	memset(out, 0, sizeof(*out));
	out->scale = 1.0;
	strcpy(out->unit, "count");
	if (!sysfs_root)
		sysfs_root = PMU_SYSFS_ROOT;
	if (!spec || !*spec) {
		*cause = log_cause("empty event name");
		return -EINVAL;
	}
	if (strlen(spec) >= sizeof(base)) {
		*cause = log_cause("bad event '%.40s...': longer than %zu characters", spec,
				   sizeof(base) - 1);
		return -EINVAL;
	}

	slash = strchr(spec, '/');
	if (slash) {
		const char *close = strchr(slash + 1, '/');
		char pmu[128], body[128];

		if (!close) {
			*cause = log_cause("bad event '%s': no closing '/' (PMU/TERMS/)", spec);
			return -EINVAL;
		}
		mods = close + 1;
		if (strchr(mods, '/')) {
			*cause = log_cause("bad event '%s': unbalanced '/' (PMU/TERMS/, terms "
					   "separated by ',')",
					   spec);
			return -EINVAL;
		}
		/* perf wants "pmu/e/u"; "pmu/e/:u" is accepted too, as for the other names */
		if (*mods == ':') {
			if (!mods[1]) {
				*cause =
					log_cause("bad event '%s': empty modifier after ':'", spec);
				return -EINVAL;
			}
			mods++;
		}
		pmu_copy(pmu, sizeof(pmu), spec, (size_t)(slash - spec));
		pmu_copy(body, sizeof(body), slash + 1, (size_t)(close - slash - 1));
		pmu_copy(base, sizeof(base), spec, (size_t)(close - spec + 1));
		r = pmu_parse_dynamic(spec, pmu, body, base, sysfs_root, out, cause);
		if (r < 0)
			return r;
	} else {
		const char *colon = strchr(spec, ':');

		len = colon ? (size_t)(colon - spec) : strlen(spec);
		pmu_copy(base, sizeof(base), spec, len);
		if (colon) {
			mods = colon + 1;
			if (!*mods || !len) {
				*cause = log_cause("bad event '%s': %s", spec,
						   len ? "empty modifier after ':'"
						       : "no event name before ':'");
				return -EINVAL;
			}
		}
		r = pmu_parse_name(spec, base, sysfs_root, out, cause);
		if (r < 0)
			return r;
		if (r > 0) {
#ifdef HAVE_LIBPFM4
			/*
			 * libpfm4 matches its generic names ignoring case; a miscased built-in
			 * name ("Cycles") is a typo to report, as perf does, not a vendor name.
			 */
			if (!pmu_builtin_casematch(base)) {
				r = pmu_parse_pfm(spec, out, cause);
				if (r <= 0)
					return r;
			}
#endif
			*cause = pmu_unknown_event(spec, base, sysfs_root);
			return -ENOENT;
		}
		if (!out->name[0])
			pmu_copy(out->name, sizeof(out->name), base, strlen(base));
	}

	if (mods) {
		r = pmu_modifiers(spec, mods, out, cause);
		if (r < 0)
			return r;
	}
	/* software/config=0/ is cpu-clock too: it measures time, whatever it was called */
	if (out->type == PERF_TYPE_SOFTWARE &&
	    (out->config == PERF_COUNT_SW_CPU_CLOCK || out->config == PERF_COUNT_SW_TASK_CLOCK)) {
		strcpy(out->unit, "nanoseconds");
		if (strcmp(out->name, base) == 0)
			strcpy(out->sample_type, "cpu");
	}
	return 0;
}

/* ------------------------------------------------------------------ lists */

int
pmu_split(const char *list, char ***out, size_t *n, char **cause)
{
	const char *start = list, *p;
	size_t cap = 0;
	bool inside = false;

	*out = NULL;
	*n = 0;
	if (!*list) {
		*cause = log_cause("empty event list");
		return -EINVAL;
	}
	for (p = list;; p++) {
		if (*p == '/') {
			inside = !inside;
			continue;
		}
		if (*p && (*p != ',' || inside))
			continue;
		if (!*p && inside) {
			*cause =
				log_cause("bad event list '%s': unbalanced '/' (PMU/TERMS/)", list);
			goto fail;
		}
		if (p == start) {
			*cause = log_cause("bad event list '%s': empty event at offset %zu", list,
					   (size_t)(p - list));
			goto fail;
		}
		xgrow(out, &cap, *n + 1, sizeof(**out));
		(*out)[(*n)++] = xstrndup(start, (size_t)(p - start));
		if (!*p)
			return 0;
		start = p + 1;
	}
fail:
	pmu_split_free(*out, *n);
	*out = NULL;
	*n = 0;
	return -EINVAL;
}

void
pmu_split_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

bool
pmu_have_hardware(const char *sysfs_root)
{
	static const char *const core[] = {"cpu", "cpu_core", "cpu_atom"};
	char **pmus, buf[8];
	size_t n, i;
	uint32_t type;
	bool found = false;
	int r;

	if (!sysfs_root)
		sysfs_root = PMU_SYSFS_ROOT;
	for (i = 0; i < PMU_NELEM(core); i++)
		if (pmu_sysfs_type(sysfs_root, core[i], &type) == 0)
			return true;
	/* arm64 core PMUs (armv8_pmuv3_0, armv8_cortex_a53...) list the CPUs they cover */
	pmu_sysfs_pmus(sysfs_root, &pmus, &n);
	for (i = 0; i < n && !found; i++) {
		r = pmu_sysfs_read(sysfs_root, pmus[i], NULL, "cpus", buf, sizeof(buf));
		found = r == 0 || r == -EFBIG;
	}
	pmu_split_free(pmus, n);
	return found;
}

bool
pmu_is_software_pmu(const char *pmu)
{
	size_t i;

	for (i = 0; i < PMU_NELEM(pmu_software_pmus); i++)
		if (strcmp(pmu, pmu_software_pmus[i]) == 0)
			return true;
	return false;
}

void
pmu_builtin_names(enum pmu_kind kind, struct pmu_name **out, size_t *n)
{
	const struct pmu_generic *g = kind == PMU_KIND_HARDWARE ? pmu_hardware : pmu_software;
	size_t count =
		kind == PMU_KIND_HARDWARE ? PMU_NELEM(pmu_hardware) : PMU_NELEM(pmu_software);
	size_t i;

	if (kind == PMU_KIND_CACHE) {
		pmu_cache_all(out, n);
		return;
	}
	*out = xcalloc(count, sizeof(**out));
	*n = count;
	for (i = 0; i < count; i++) {
		(*out)[i].event = xstrdup(g[i].name);
		(*out)[i].alias = g[i].alias ? xstrdup(g[i].alias) : NULL;
		(*out)[i].note = xstrdup(g[i].note);
	}
}

void
pmu_sysfs_events(const char *sysfs_root, const char *pmu, struct pmu_name **out, size_t *n)
{
	char **v, text[512], unit[64], scale[64];
	size_t nv, i;

	*out = NULL;
	*n = 0;
	if (!pmu_safe_name(pmu))
		return;
	pmu_sysfs_alias_names(sysfs_root, pmu, &v, &nv);
	if (!nv)
		return;
	*out = xcalloc(nv, sizeof(**out));
	for (i = 0; i < nv; i++) {
		char file[NAME_MAX + 16];
		struct pmu_name *e = &(*out)[(*n)++];

		if (pmu_sysfs_read(sysfs_root, pmu, "events", v[i], text, sizeof(text)) < 0)
			strcpy(text, "?");
		snprintf(file, sizeof(file), "%s.unit", v[i]);
		if (pmu_sysfs_read(sysfs_root, pmu, "events", file, unit, sizeof(unit)) < 0)
			unit[0] = '\0';
		snprintf(file, sizeof(file), "%s.scale", v[i]);
		if (pmu_sysfs_read(sysfs_root, pmu, "events", file, scale, sizeof(scale)) < 0)
			scale[0] = '\0';
		e->event = xasprintf("%s/%s/", pmu, v[i]);
		e->alias = NULL;
		e->note =
			xasprintf("%s%s%s%s%s%s", text, unit[0] || scale[0] ? " (" : "", unit,
				  unit[0] && scale[0] ? ", " : "", scale[0] ? "scale " : "", scale);
		if (unit[0] || scale[0]) {
			char *t = xasprintf("%s)", e->note);

			free(e->note);
			e->note = t;
		}
	}
	pmu_split_free(v, nv);
}

char *
pmu_sysfs_terms(const char *sysfs_root, const char *pmu)
{
	char **v, *out = NULL, *t, text[96];
	size_t n, i;

	if (!pmu_safe_name(pmu))
		return NULL;
	pmu_sysfs_dir(sysfs_root, pmu, "format", pmu_keep_any, &v, &n);
	for (i = 0; i < n; i++) {
		if (pmu_sysfs_read(sysfs_root, pmu, "format", v[i], text, sizeof(text)) < 0)
			strcpy(text, "?");
		t = xasprintf("%s%s%s (%s)", out ? out : "", out ? ", " : "", v[i], text);
		free(out);
		out = t;
	}
	pmu_split_free(v, n);
	return out;
}

void
pmu_names_free(struct pmu_name *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].event);
		free(v[i].alias);
		free(v[i].note);
	}
	free(v);
}
