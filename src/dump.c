/*
 * dump: the format-neutral part of `prof dump`: thread state from /proc, grouping of threads
 * with identical stacks, and the text, JSON and pprof renderers. See dump.h; the command that
 * stops the process and wires these together is cmd_dump.c.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dump.h"
#include "pprof.h"
#include "profile.h"
#include "xalloc.h"

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

void
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

const char *
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

void
dump_read_process(struct dump_ctx *c)
{
	char path[64];
	ssize_t len;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)c->pid);
	dump_read_line(path, c->comm, sizeof(c->comm));
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)c->pid);
	len = readlink(path, c->exe, sizeof(c->exe) - 1);
	c->exe[len > 0 ? len : 0] = '\0';
}

void
dump_threads_free(struct dump_thread *th, size_t n)
{
	size_t i, k;

	for (i = 0; th && i < n; i++) {
		for (k = 0; k < th[i].nkstack; k++)
			free(th[i].kstack[k]);
		free(th[i].kstack);
		free(th[i].stack);
	}
	free(th);
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

static int
dump_group_qcmp(const void *a, const void *b)
{
	const struct dump_group *x = a, *y = b;

	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return (x->threads[0]->tid > y->threads[0]->tid) -
	       (x->threads[0]->tid < y->threads[0]->tid);
}

size_t
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

static const char *
dump_basename(const char *path)
{
	const char *s = strrchr(path, '/');

	return s && s[1] ? s + 1 : path;
}

void
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

	*m = maps_find(c->maps, c->pid, pc);
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
dump_text_group(struct dump_ctx *c, FILE *f, const struct dump_group *g)
{
	struct symbolize_result *res = c->res;
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
dump_json_group(struct dump_ctx *c, FILE *f, const struct dump_group *g)
{
	struct symbolize_result *res = c->res;
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

static size_t
dump_group_threads(const struct dump_group *g, size_t ng)
{
	size_t i, n = 0;

	for (i = 0; i < ng; i++)
		n += g[i].n;
	return n;
}

void
dump_write_text(struct dump_ctx *c, FILE *f, const struct dump_group *g, size_t ng)
{
	size_t n = dump_group_threads(g, ng), i;

	fprintf(f, "process %d (%s): %zu thread%s, stopped for %.0f \xc2\xb5s\n", (int)c->pid,
		c->comm, n, n == 1 ? "" : "s", (double)c->stop_ns / 1000.0);
	for (i = 0; i < ng; i++)
		dump_text_group(c, f, &g[i]);
}

void
dump_write_json(struct dump_ctx *c, FILE *f, const struct dump_group *g, size_t ng)
{
	size_t i;

	fprintf(f, "{\"pid\": %d, \"name\": ", (int)c->pid);
	dump_json_str(f, c->comm);
	fprintf(f, ", \"exe\": ");
	dump_json_str(f, c->exe);
	fprintf(f,
		", \"threads\": %zu, \"skipped\": %zu, \"stop_us\": %.1f,\n \"groups\": "
		"[\n",
		dump_group_threads(g, ng), c->nskipped, (double)c->stop_ns / 1000.0);
	for (i = 0; i < ng; i++) {
		dump_json_group(c, f, &g[i]);
		fprintf(f, "%s\n", i + 1 < ng ? "," : "");
	}
	fprintf(f, " ]}\n");
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

int
dump_write_pprof(struct dump_ctx *c, const struct dump_thread *th, size_t n, const char *path,
		 char **cause)
{
	struct symbolize_result *res = c->res;
	struct profile *p = profile_create();
	size_t nmap = maps_count(c->maps) + 1, i;
	uint64_t *mapping_ids = xcalloc(nmap, sizeof(*mapping_ids));
	uint64_t locs[UNWIND_MAX_FRAMES];
	char *comment;
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
			const struct maps_mapping *m = maps_find(c->maps, c->pid, pc);
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
		l[nl++] = (struct profile_label){.key = profile_string(p, "pid"), .num = c->pid};
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
			    PROF_VERSION, (int)c->pid, c->comm, c->stop_ns / 1000);
	profile_add_comment(p, comment);
	free(comment);
	err = pprof_write_file(p, path, cause);
	free(mapping_ids);
	profile_free(p);
	return err;
}
