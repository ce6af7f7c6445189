/*
 * cmd_dump: `prof dump -p PID`, a symbolized stack of every thread of a live process, right now
 * (what Go's /debug/pprof/goroutine?debug=1|2, eu-stack and pstack print).
 *
 * The process is stopped for as short a time as possible: everything that does not need it
 * stopped happens before (the maps, each thread's name, state, wchan and kernel stack: read
 * while the thread still sleeps where it slept, since a ptrace-stopped thread's kernel stack
 * only shows ptrace_stop) or after (unwinding and symbolizing from the copies). In between,
 * target_snapshot stops every thread at once, copies registers and the top of each stack, and
 * detaches. The stop time is measured and printed.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "arch/arch.h"
#include "cmd.h"
#include "log.h"
#include "maps.h"
#include "pprof.h"
#include "profile.h"
#include "symbolize.h"
#include "target.h"
#include "unwind.h"
#include "unwind_dwarf.h"
#include "xalloc.h"

enum dump_exit { DUMP_EXIT_FAILED = 1, DUMP_EXIT_USAGE = 2 };

/* perf's limit for a sample's stack copy: deep enough for most stacks, cheap to copy. */
#define DUMP_STACK_BYTES 65536

struct dump_opts {
	pid_t pid;
	pid_t *tids; /* --threads, or NULL */
	size_t ntids;
	bool json, all, kernel;
	const char *out; /* -o */
};

struct dump_thread {
	pid_t tid;
	char name[64];
	char state;	/* from /proc/PID/task/TID/stat, before the stop */
	char wchan[64]; /* "" when none or unreadable */
	char **kstack;	/* kernel frames as /proc/PID/task/TID/stack prints them */
	size_t nkstack;
	struct target_snap_thread *snap;
	struct unwind_stack *stack; /* user PCs, leaf first; NULL when not captured */
};

static const char *
dump_usage(void)
{
	return "usage: prof dump -p PID [--threads TID,...] [--json] [-o FILE.pb.gz] [--all]\n"
	       "                 [--no-kernel]\n"
	       "\n"
	       "Prints the stack of every thread of a running process, leaf first: function,\n"
	       "file:line, inline frames, module+offset, and the kernel stack when readable\n"
	       "(root). The process is stopped only while registers and stacks are copied (the\n"
	       "stop time is printed); unwinding and symbolizing happen after it runs on.\n"
	       "\n"
	       "options:\n"
	       "  -p, --pid PID        the process to dump\n"
	       "  --threads TID,...    only these threads of it\n"
	       "  --all                print every thread (default: identical stacks are grouped\n"
	       "                       with a count)\n"
	       "  --json               machine-readable output\n"
	       "  -o, --output FILE    also write a pprof profile, one sample per thread\n"
	       "                       (threads/count); \"-\" writes it to stdout instead of text\n"
	       "  --no-kernel          do not read kernel stacks\n"
	       "  -h, --help           this text\n"
	       "\n"
	       "exit status: 0 dumped, 1 the process cannot be dumped (gone, a kernel thread,\n"
	       "not permitted), 2 usage error.\n";
}

static int
dump_parse_pid(const char *s, pid_t *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v <= 0 || v > 0x3fffffff)
		return -EINVAL;
	*out = (pid_t)v;
	return 0;
}

static int
dump_parse_tids(struct dump_opts *o, const char *arg)
{
	char *copy = xstrdup(arg), *save = NULL, *tok;
	size_t cap = 0;
	int err = 0;

	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		xgrow(&o->tids, &cap, o->ntids + 1, sizeof(*o->tids));
		if (dump_parse_pid(tok, &o->tids[o->ntids]) < 0) {
			err = -EINVAL;
			break;
		}
		o->ntids++;
	}
	if (o->ntids == 0)
		err = -EINVAL;
	free(copy);
	return err;
}

/* 0, or DUMP_EXIT_USAGE after printing why; -1 for --help. */
static int
dump_parse(int argc, char **argv, struct dump_opts *o)
{
	enum { OPT_THREADS = 256, OPT_JSON, OPT_ALL, OPT_NO_KERNEL };
	static const struct option longopts[] = {
		{"pid", required_argument, NULL, 'p'},
		{"threads", required_argument, NULL, OPT_THREADS},
		{"json", no_argument, NULL, OPT_JSON},
		{"all", no_argument, NULL, OPT_ALL},
		{"output", required_argument, NULL, 'o'},
		{"no-kernel", no_argument, NULL, OPT_NO_KERNEL},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->kernel = true;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":p:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (o->pid) {
				log_error("-p given twice");
				return DUMP_EXIT_USAGE;
			}
			if (dump_parse_pid(optarg, &o->pid) < 0) {
				log_error("bad -p value '%s': want a process id", optarg);
				return DUMP_EXIT_USAGE;
			}
			break;
		case OPT_THREADS:
			if (dump_parse_tids(o, optarg) < 0) {
				log_error("bad --threads value '%s': want TID[,TID...]", optarg);
				return DUMP_EXIT_USAGE;
			}
			break;
		case OPT_JSON:
			o->json = true;
			break;
		case OPT_ALL:
			o->all = true;
			break;
		case 'o':
			o->out = optarg;
			break;
		case OPT_NO_KERNEL:
			o->kernel = false;
			break;
		case 'h':
			return -1;
		case ':':
			log_error("option '%s' needs a value (see prof dump --help)",
				  argv[optind - 1]);
			return DUMP_EXIT_USAGE;
		default:
			log_error("unknown option '%s' (see prof dump --help)", argv[optind - 1]);
			return DUMP_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		log_error("unexpected argument '%s' (see prof dump --help)", argv[optind]);
		return DUMP_EXIT_USAGE;
	}
	if (!o->pid) {
		log_error("prof dump needs -p PID (see prof dump --help)");
		return DUMP_EXIT_USAGE;
	}
	if (o->pid == getpid()) {
		log_error("cannot dump prof itself");
		return DUMP_EXIT_USAGE;
	}
	return 0;
}

/* --- what /proc says, read before the stop --- */

/* The first line of a small /proc file, without its newline; "" when unreadable. */
static void
dump_read_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "re");

	buf[0] = '\0';
	if (!f)
		return;
	if (!fgets(buf, (int)size, f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
}

static void
dump_read_thread(pid_t pid, struct dump_thread *t, bool kernel)
{
	char path[96], buf[1024], *paren;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/comm", (int)pid, (int)t->tid);
	dump_read_line(path, t->name, sizeof(t->name));
	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", (int)pid, (int)t->tid);
	dump_read_line(path, buf, sizeof(buf));
	paren = strrchr(buf, ')');
	t->state = paren && paren[1] == ' ' ? paren[2] : '?';
	snprintf(path, sizeof(path), "/proc/%d/task/%d/wchan", (int)pid, (int)t->tid);
	dump_read_line(path, t->wchan, sizeof(t->wchan));
	if (strcmp(t->wchan, "0") == 0)
		t->wchan[0] = '\0';
	if (!kernel)
		return;
	/* Readable by root only: others just go without. */
	snprintf(path, sizeof(path), "/proc/%d/task/%d/stack", (int)pid, (int)t->tid);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(buf, sizeof(buf), f)) {
		size_t cap = t->nkstack;
		char *fn = strchr(buf, ']');

		fn = fn ? fn + 1 : buf;
		fn += strspn(fn, " ");
		fn[strcspn(fn, "\n")] = '\0';
		if (!*fn)
			continue;
		xgrow(&t->kstack, &cap, t->nkstack + 1, sizeof(*t->kstack));
		t->kstack[t->nkstack++] = xstrdup(fn);
	}
	fclose(f);
}

static const char *
dump_state_name(char s)
{
	switch (s) {
	case 'R':
		return "running";
	case 'S':
		return "sleeping";
	case 'D':
		return "disk wait";
	case 'T':
		return "stopped";
	case 't':
		return "tracing stop";
	case 'Z':
		return "zombie";
	case 'X':
	case 'x':
		return "dead";
	case 'I':
		return "idle";
	case 'P':
		return "parked";
	case 'W':
		return "waking";
	case 'K':
		return "wakekill";
	default:
		return "unknown";
	}
}

/* --- grouping --- */

static int
dump_thread_cmp(const struct dump_thread *a, const struct dump_thread *b)
{
	uint32_t an = a->stack ? a->stack->n : 0, bn = b->stack ? b->stack->n : 0, i;
	size_t k;

	if (a->state != b->state)
		return a->state < b->state ? -1 : 1;
	if (an != bn)
		return an < bn ? -1 : 1;
	for (i = 0; i < an; i++)
		if (a->stack->pcs[i] != b->stack->pcs[i])
			return a->stack->pcs[i] < b->stack->pcs[i] ? -1 : 1;
	if (a->nkstack != b->nkstack)
		return a->nkstack < b->nkstack ? -1 : 1;
	for (k = 0; k < a->nkstack; k++) {
		int c = strcmp(a->kstack[k], b->kstack[k]);

		if (c)
			return c;
	}
	return 0;
}

static int
dump_thread_qcmp(const void *a, const void *b)
{
	const struct dump_thread *x = *(struct dump_thread *const *)a;
	const struct dump_thread *y = *(struct dump_thread *const *)b;
	int c = dump_thread_cmp(x, y);

	return c ? c : (x->tid > y->tid) - (x->tid < y->tid);
}

struct dump_group {
	struct dump_thread **threads; /* borrowed, ascending tid */
	size_t n;
};

static int
dump_group_qcmp(const void *a, const void *b)
{
	const struct dump_group *x = a, *y = b;

	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return (x->threads[0]->tid > y->threads[0]->tid) -
	       (x->threads[0]->tid < y->threads[0]->tid);
}

/* Groups the captured threads (each alone with --all). Returns the count; caller frees *out. */
static size_t
dump_group(struct dump_thread *th, size_t n, bool all, struct dump_thread ***order,
	   struct dump_group **out)
{
	struct dump_thread **v = xcalloc(n ? n : 1, sizeof(*v));
	struct dump_group *g = xcalloc(n ? n : 1, sizeof(*g));
	size_t i, nv = 0, ng = 0;

	for (i = 0; i < n; i++)
		if (th[i].stack)
			v[nv++] = &th[i];
	if (!all)
		qsort(v, nv, sizeof(*v), dump_thread_qcmp);
	for (i = 0; i < nv; i++) {
		if (!all && ng > 0 && dump_thread_cmp(g[ng - 1].threads[0], v[i]) == 0) {
			g[ng - 1].n++;
			continue;
		}
		g[ng].threads = &v[i];
		g[ng].n = 1;
		ng++;
	}
	if (!all)
		qsort(g, ng, sizeof(*g), dump_group_qcmp);
	*order = v;
	*out = g;
	return ng;
}

/* --- output --- */

struct dump_ctx {
	const struct dump_opts *o;
	struct maps *maps;
	struct symbolize *sym;
	char comm[64];
	char exe[4096];
};

static const char *
dump_basename(const char *path)
{
	const char *s = strrchr(path, '/');

	return s && s[1] ? s + 1 : path;
}

static void
dump_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* The frames of one PC, innermost (inlined) first; 0 when none is known. */
static int
dump_symbolize(struct dump_ctx *c, uint64_t pc, const struct maps_mapping **m,
	       struct symbolize_result *res)
{
	int n;

	*m = maps_find(c->maps, c->o->pid, pc);
	n = *m ? symbolize_addr(c->sym, *m, pc, res) : 0;
	return n > 0 ? n : 0;
}

static uint64_t
dump_offset(const struct maps_mapping *m, uint64_t pc)
{
	if (!m)
		return pc;
	/* A file's offset is in the file; an anonymous mapping's, in the mapping. */
	return m->path[0] == '/' ? pc - m->start + m->pgoff : pc - m->start;
}

static void
dump_text_group(struct dump_ctx *c, FILE *f, const struct dump_group *g,
		struct symbolize_result *res)
{
	const struct dump_thread *t0 = g->threads[0];
	size_t i;
	uint32_t k;

	fprintf(f, "\n%zu thread%s:", g->n, g->n == 1 ? "" : "s");
	for (i = 0; i < g->n; i++)
		fprintf(f, "%s %d (%s)", i ? "," : "", (int)g->threads[i]->tid,
			g->threads[i]->name);
	fprintf(f, "\n  state: %c (%s)", t0->state, dump_state_name(t0->state));
	if (t0->wchan[0])
		fprintf(f, ", wchan %s", t0->wchan);
	fputc('\n', f);
	for (i = 0; i < t0->nkstack; i++)
		fprintf(f, "  [kernel] %s\n", t0->kstack[i]);
	if (t0->stack->n == 0)
		fprintf(f, "  (no user stack: %s)\n",
			t0->snap && t0->snap->stack_size == 0 ? "its stack could not be read"
							      : "nothing could be unwound");
	for (k = 0; k < t0->stack->n; k++) {
		uint64_t pc = t0->stack->pcs[k];
		const struct maps_mapping *m;
		int n = dump_symbolize(c, pc, &m, res), j;
		char where[256];

		if (m)
			snprintf(where, sizeof(where), "%s+0x%" PRIx64, dump_basename(m->path),
				 dump_offset(m, pc));
		else
			snprintf(where, sizeof(where), "?");
		if (n == 0) {
			fprintf(f, "  #%-3u 0x%016" PRIx64 " ?? [%s]\n", k, pc, where);
			continue;
		}
		for (j = 0; j < n; j++) {
			const struct symbolize_frame *fr = &res->frames[j];

			fprintf(f, "  #%-3u 0x%016" PRIx64 " %s%s", k, pc, fr->name,
				j < n - 1 ? " (inline)" : "");
			if (fr->file)
				fprintf(f, " at %s:%u", fr->file, fr->line);
			fprintf(f, " [%s]\n", where);
		}
	}
}

static void
dump_json_group(struct dump_ctx *c, FILE *f, const struct dump_group *g,
		struct symbolize_result *res)
{
	const struct dump_thread *t0 = g->threads[0];
	size_t i;
	uint32_t k;

	fprintf(f, "    {\"count\": %zu, \"threads\": [", g->n);
	for (i = 0; i < g->n; i++) {
		const struct dump_thread *t = g->threads[i];

		fprintf(f, "%s{\"tid\": %d, \"name\": ", i ? ", " : "", (int)t->tid);
		dump_json_str(f, t->name);
		fprintf(f, "}");
	}
	fprintf(f, "],\n     \"state\": \"%c\", \"state_name\": \"%s\", \"wchan\": ", t0->state,
		dump_state_name(t0->state));
	dump_json_str(f, t0->wchan);
	fprintf(f, ",\n     \"kernel_stack\": [");
	for (i = 0; i < t0->nkstack; i++) {
		fprintf(f, "%s", i ? ", " : "");
		dump_json_str(f, t0->kstack[i]);
	}
	fprintf(f, "],\n     \"frames\": [");
	for (k = 0; k < t0->stack->n; k++) {
		uint64_t pc = t0->stack->pcs[k];
		const struct maps_mapping *m;
		int n = dump_symbolize(c, pc, &m, res), j;

		for (j = 0; j < (n ? n : 1); j++) {
			const struct symbolize_frame *fr = n ? &res->frames[j] : NULL;

			fprintf(f, "%s\n       {\"pc\": \"0x%" PRIx64 "\", \"function\": ",
				k || j ? "," : "", pc);
			dump_json_str(f, fr ? fr->name : NULL);
			fprintf(f, ", \"file\": ");
			dump_json_str(f, fr ? fr->file : NULL);
			fprintf(f,
				", \"line\": %u, \"inline\": %s, \"module\": ", fr ? fr->line : 0,
				n && j < n - 1 ? "true" : "false");
			dump_json_str(f, m ? m->path : NULL);
			fprintf(f, ", \"offset\": \"0x%" PRIx64 "\"}", dump_offset(m, pc));
		}
	}
	fprintf(f, "]}");
}

/* --- pprof --- */

static void
dump_pprof_lines(struct dump_ctx *c, struct profile *p, uint64_t loc, uint64_t pc,
		 struct symbolize_result *res)
{
	const struct maps_mapping *m;

	if (dump_symbolize(c, pc, &m, res) <= 0)
		res->n = 0;
	profile_set_symbolized(p, loc, res, m, pc);
}

static int
dump_pprof(struct dump_ctx *c, const struct dump_thread *th, size_t n, uint64_t stop_ns,
	   struct symbolize_result *res)
{
	struct profile *p = profile_create();
	size_t nmap = maps_count(c->maps) + 1, i;
	uint64_t *mapping_ids = xcalloc(nmap, sizeof(*mapping_ids));
	uint64_t locs[UNWIND_MAX_FRAMES];
	char *cause = NULL, *comment;
	struct timespec now;
	int64_t one = 1;
	int err;

	profile_add_type(p, "threads", "count");
	p->default_type = profile_string(p, "threads");
	profile_set_period(p, "threads", "count", 1);
	clock_gettime(CLOCK_REALTIME, &now);
	p->time_nanos = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
	for (i = 0; i < n; i++) {
		const struct dump_thread *t = &th[i];
		struct profile_label l[5];
		char state[2] = {t->state, '\0'};
		size_t nl = 0;
		uint32_t k;

		if (!t->stack)
			continue;
		for (k = 0; k < t->stack->n; k++) {
			uint64_t pc = t->stack->pcs[k];
			const struct maps_mapping *m = maps_find(c->maps, c->o->pid, pc);
			uint64_t mid = 0;

			if (m && m->id < nmap) {
				if (!mapping_ids[m->id]) {
					struct profile_mapping pm;

					memset(&pm, 0, sizeof(pm));
					pm.start = m->start;
					pm.limit = m->end;
					pm.offset = m->pgoff;
					pm.filename = profile_string(p, m->path);
					pm.has_functions = true;
					mapping_ids[m->id] = profile_add_mapping(p, &pm);
				}
				mid = mapping_ids[m->id];
			}
			locs[k] = profile_location(p, mid, pc);
			if (p->locations[locs[k] - 1].nlines == 0)
				dump_pprof_lines(c, p, locs[k], pc, res);
		}
		l[nl++] = (struct profile_label){.key = profile_string(p, "pid"), .num = c->o->pid};
		l[nl++] = (struct profile_label){.key = profile_string(p, "tid"), .num = t->tid};
		l[nl++] = (struct profile_label){.key = profile_string(p, "thread"),
						 .str = profile_string(p, t->name)};
		l[nl++] = (struct profile_label){.key = profile_string(p, "state"),
						 .str = profile_string(p, state)};
		if (t->wchan[0])
			l[nl++] = (struct profile_label){.key = profile_string(p, "wchan"),
							 .str = profile_string(p, t->wchan)};
		profile_add_sample(p, locs, t->stack->n, profile_labelset(p, l, nl), &one);
	}
	for (i = 0; i < p->nmappings; i++) {
		if (strcmp(p->strings[p->mappings[i].filename], c->exe) == 0) {
			profile_mapping_first(p, p->mappings[i].id);
			break;
		}
	}
	comment = xasprintf("prof %s dump of process %d (%s); stopped for %" PRIu64 " us",
			    PROF_VERSION, (int)c->o->pid, c->comm, stop_ns / 1000);
	profile_add_comment(p, comment);
	free(comment);
	err = pprof_write_file(p, c->o->out, &cause);
	if (err < 0) {
		log_error("%s", cause ? cause : strerror(-err));
		free(cause);
	}
	free(mapping_ids);
	profile_free(p);
	return err;
}

/* --- the command --- */

static int
dump_tid_bsearch(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

static const char *
dump_snap_why(int err)
{
	switch (err) {
	case -ESRCH:
		return "it exited during the dump";
	case -ETIMEDOUT:
		return "it did not stop in time (stuck in the kernel?)";
	default:
		return strerror(-err);
	}
}

int
cmd_dump(int argc, char **argv)
{
	struct dump_opts o;
	struct dump_ctx c;
	struct target_snapshot snap;
	struct dump_thread *th = NULL;
	struct dump_thread **order = NULL;
	struct dump_group *groups = NULL;
	struct symbolize_result *res = NULL;
	struct unwind_dwarf *uw = NULL;
	struct unwind_dwarf_stats ustats;
	pid_t *tids = NULL;
	size_t ntids = 0, i, ng, nskipped = 0;
	char *cause = NULL, path[64];
	int rc = DUMP_EXIT_FAILED, err;
	ssize_t len;
	FILE *f = stdout;

	err = dump_parse(argc, argv, &o);
	if (err < 0) {
		fputs(dump_usage(), stdout);
		return 0;
	}
	if (err > 0)
		return err;
	memset(&c, 0, sizeof(c));
	memset(&snap, 0, sizeof(snap));
	memset(&ustats, 0, sizeof(ustats));
	c.o = &o;

	if (target_check_process(o.pid, &cause) < 0) {
		log_error("%s", cause);
		free(cause);
		free(o.tids);
		return DUMP_EXIT_FAILED;
	}
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)o.pid);
	dump_read_line(path, c.comm, sizeof(c.comm));
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)o.pid);
	len = readlink(path, c.exe, sizeof(c.exe) - 1);
	c.exe[len > 0 ? len : 0] = '\0';

	c.maps = maps_create();
	err = maps_load_proc(c.maps, o.pid);
	if (err == -EACCES || err == -EPERM) {
		log_error("not permitted to read process %d (%s): %s", (int)o.pid, c.comm,
			  target_perm_remedy());
		goto out;
	}
	if (err == -ENOENT || err == -ESRCH) {
		log_error("no process with PID %d (it exited)", (int)o.pid);
		goto out;
	}

	if (target_list_threads(o.pid, &tids, &ntids) < 0) {
		log_error("no process with PID %d (it exited)", (int)o.pid);
		goto out;
	}
	if (o.tids) {
		for (i = 0; i < o.ntids; i++) {
			if (!bsearch(&o.tids[i], tids, ntids, sizeof(*tids), dump_tid_bsearch)) {
				log_error("thread %d is not a thread of process %d", (int)o.tids[i],
					  (int)o.pid);
				goto out;
			}
		}
		free(tids);
		tids = xcalloc(o.ntids, sizeof(*tids));
		memcpy(tids, o.tids, o.ntids * sizeof(*tids));
		ntids = o.ntids;
		qsort(tids, ntids, sizeof(*tids), dump_tid_bsearch);
		for (i = 1, ntids = o.ntids ? 1 : 0; i < o.ntids; i++) /* drop repeats */
			if (tids[i] != tids[ntids - 1])
				tids[ntids++] = tids[i];
	}
	th = xcalloc(ntids, sizeof(*th));
	for (i = 0; i < ntids; i++) {
		th[i].tid = tids[i];
		dump_read_thread(o.pid, &th[i], o.kernel);
	}

	/* The stop: nothing but copies in it. */
	err = target_snapshot(o.pid, tids, ntids, DUMP_STACK_BYTES, &snap, &cause);
	if (err < 0) {
		log_error("%s", cause);
		free(cause);
		goto out;
	}

	uw = unwind_dwarf_create(c.maps);
	for (i = 0; i < ntids; i++) {
		struct target_snap_thread *s = &snap.threads[i];

		th[i].snap = s;
		if (s->err) {
			log_warn("thread %d (%s) skipped: %s", (int)s->tid, th[i].name,
				 dump_snap_why(s->err));
			nskipped++;
			continue;
		}
		th[i].stack = xcalloc(1, sizeof(*th[i].stack));
		if (uw) {
			unwind_dwarf_sample(uw, o.pid, s->regs, s->nregs, s->stack, s->stack_size,
					    s->stack_size, NULL, 0, th[i].stack, &ustats);
		} else {
			/* No unwinder for this architecture: the PC alone. */
			th[i].stack->pcs[0] = arch_regs_ip(s->regs, s->nregs);
			th[i].stack->n = th[i].stack->pcs[0] ? 1 : 0;
		}
	}
	if (ntids == nskipped) {
		log_error("process %d: no thread could be dumped", (int)o.pid);
		goto out;
	}

	c.sym = symbolize_create(NULL);
	res = xmalloc(sizeof(*res));
	if (o.out) {
		if (dump_pprof(&c, th, ntids, snap.stop_ns, res) < 0)
			goto out;
		if (strcmp(o.out, "-") == 0) {
			rc = 0;
			goto out;
		}
	}
	ng = dump_group(th, ntids, o.all, &order, &groups);
	if (o.json) {
		fprintf(f, "{\"pid\": %d, \"name\": ", (int)o.pid);
		dump_json_str(f, c.comm);
		fprintf(f, ", \"exe\": ");
		dump_json_str(f, c.exe);
		fprintf(f,
			", \"threads\": %zu, \"skipped\": %zu, \"stop_us\": %.1f,\n \"groups\": "
			"[\n",
			ntids - nskipped, nskipped, (double)snap.stop_ns / 1000.0);
		for (i = 0; i < ng; i++) {
			dump_json_group(&c, f, &groups[i], res);
			fprintf(f, "%s\n", i + 1 < ng ? "," : "");
		}
		fprintf(f, " ]}\n");
	} else {
		fprintf(f, "process %d (%s): %zu thread%s, stopped for %.0f \xc2\xb5s\n",
			(int)o.pid, c.comm, ntids - nskipped, ntids - nskipped == 1 ? "" : "s",
			(double)snap.stop_ns / 1000.0);
		for (i = 0; i < ng; i++)
			dump_text_group(&c, f, &groups[i], res);
	}
	if (fflush(f) != 0) {
		log_error("cannot write the dump: %s", strerror(errno));
		goto out;
	}
	if (snap.peek_fallback)
		log_warn("process_vm_readv failed: stacks were read with PTRACE_PEEKDATA (16 KiB "
			 "each)");
	rc = 0;

out:
	for (i = 0; th && i < ntids; i++) {
		size_t k;

		for (k = 0; k < th[i].nkstack; k++)
			free(th[i].kstack[k]);
		free(th[i].kstack);
		free(th[i].stack);
	}
	free(th);
	free(order);
	free(groups);
	free(res);
	if (c.sym)
		symbolize_free(c.sym);
	if (uw)
		unwind_dwarf_free(uw);
	target_snapshot_free(&snap);
	maps_free(c.maps);
	free(tids);
	free(o.tids);
	return rc;
}
