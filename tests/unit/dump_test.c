/*
 * dump_test: prof dump's format-neutral part on hand-built threads, without a process: grouping
 * (identical state + user stack + kernel stack together, threads without a stack left out, the
 * largest group first then the lowest tid, --all keeping input order), JSON string escaping,
 * state names, and what the text and JSON renderers print for PCs outside every mapping.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dump.h"
#include "maps.h"
#include "tap.h"

static struct unwind_stack stack_a = {.n = 2, .pcs = {0x1000, 0x2000}};
static struct unwind_stack stack_a2 = {.n = 2, .pcs = {0x1000, 0x2000}}; /* same PCs, own copy */
static struct unwind_stack stack_b = {.n = 1, .pcs = {0x3000}};
static char kfutex[] = "futex_wait_queue+0x6c/0xb0", ksys[] = "do_syscall_64+0x5b/0x80",
	    kpoll[] = "do_sys_poll+0x1a/0x40";
static char *kstack_futex[] = {kfutex, ksys};
static char *kstack_futex2[] = {kfutex, ksys};
static char *kstack_poll[] = {kpoll, ksys};

/* Unsorted on purpose: 10 and 12 match, 9 and 11 match, 13 has no stack, 14 and 15 stand alone. */
static void
make_threads(struct dump_thread *th)
{
	static const struct {
		pid_t tid;
		const char *name;
		char state;
		struct unwind_stack *stack;
		char **kstack;
	} in[7] = {
		{12, "worker", 'S', &stack_a2, kstack_futex2},
		{11, "b\"q", 'S', &stack_b, kstack_poll},
		{10, "worker", 'S', &stack_a, kstack_futex},
		{13, "gone", 'S', NULL, NULL},
		{14, "runner", 'R', &stack_a, kstack_futex}, /* same stacks, other state */
		{9, "b\"q", 'S', &stack_b, kstack_poll},
		{15, "other", 'S', &stack_a, kstack_poll}, /* same user stack, other kernel stack */
	};
	size_t i;

	memset(th, 0, 7 * sizeof(*th));
	for (i = 0; i < 7; i++) {
		th[i].tid = in[i].tid;
		snprintf(th[i].name, sizeof(th[i].name), "%s", in[i].name);
		th[i].state = in[i].state;
		if (in[i].state == 'S' && in[i].stack)
			snprintf(th[i].wchan, sizeof(th[i].wchan), "futex_wait");
		th[i].stack = in[i].stack;
		th[i].kstack = in[i].kstack;
		th[i].nkstack = in[i].kstack ? 2 : 0;
	}
}

static void
test_group(void)
{
	struct dump_thread th[7], **order = NULL;
	struct dump_group *g = NULL;
	size_t ng;

	make_threads(th);
	ng = dump_group(th, 7, false, &order, &g);
	TAP_EQ_U64(ng, 4, "7 threads, one without a stack: 4 groups");
	if (ng == 4) {
		TAP_EQ_U64(g[0].n, 2, "group 0 has 2 threads");
		TAP_EQ_U64(g[0].threads[0]->tid, 9, "two groups of 2: the lowest tid (9) first");
		TAP_EQ_U64(g[0].threads[1]->tid, 11, "group 0's threads in ascending tid");
		TAP_EQ_U64(g[1].n, 2, "group 1 has 2 threads");
		TAP_EQ_U64(g[1].threads[0]->tid, 10,
			   "group 1: identical stacks in separate copies");
		TAP_EQ_U64(g[1].threads[1]->tid, 12, "group 1's second thread");
		TAP_EQ_U64(g[2].n, 1, "another state stands alone");
		TAP_EQ_U64(g[2].threads[0]->tid, 14, "singles by tid: 14 ...");
		TAP_EQ_U64(g[3].n, 1, "another kernel stack stands alone");
		TAP_EQ_U64(g[3].threads[0]->tid, 15, "... then 15");
	}
	free(order);
	free(g);

	ng = dump_group(th, 7, true, &order, &g);
	TAP_EQ_U64(ng, 6, "--all: one group per thread with a stack");
	if (ng == 6) {
		static const pid_t want[6] = {12, 11, 10, 14, 9, 15};
		int same = 1;
		size_t i;

		for (i = 0; i < ng; i++)
			same &= g[i].n == 1 && g[i].threads[0]->tid == want[i];
		tap_ok(same, "--all: input order, each alone");
	}
	free(order);
	free(g);

	ng = dump_group(th, 0, false, &order, &g);
	TAP_EQ_U64(ng, 0, "no threads, no groups");
	free(order);
	free(g);
}

/* What f wrote; caller frees. */
static char *
render(void (*fn)(struct dump_ctx *, FILE *, const struct dump_group *, size_t), struct dump_ctx *c,
       const struct dump_group *g, size_t ng)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	fn(c, f, g, ng);
	fclose(f);
	return buf;
}

static size_t
count(const char *s, const char *needle)
{
	size_t n = 0;

	while (s && (s = strstr(s, needle))) {
		n++;
		s += strlen(needle);
	}
	return n;
}

static void
test_json_str(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f) {
		tap_ok(0, "open_memstream");
		return;
	}
	dump_json_str(f, "a\"b\\c\n\x01z");
	fputc(' ', f);
	dump_json_str(f, NULL);
	fputc(' ', f);
	dump_json_str(f, "caf\xc3\xa9");
	fclose(f);
	TAP_EQ_STR(buf, "\"a\\\"b\\\\c\\u000a\\u0001z\" \"\" \"caf\xc3\xa9\"",
		   "JSON strings: quote, backslash and controls escaped, NULL empty, UTF-8 kept");
	free(buf);
}

static void
test_state_name(void)
{
	TAP_EQ_STR(dump_state_name('S'), "sleeping", "S is sleeping");
	TAP_EQ_STR(dump_state_name('D'), "disk wait", "D is disk wait");
	TAP_EQ_STR(dump_state_name('?'), "unknown", "an unknown letter");
}

static void
test_render(void)
{
	struct dump_thread th[7], **order = NULL;
	struct dump_group *g = NULL;
	struct symbolize_result *res = calloc(1, sizeof(*res));
	struct dump_ctx c;
	size_t ng;
	char *out;

	make_threads(th);
	ng = dump_group(th, 7, false, &order, &g);
	memset(&c, 0, sizeof(c));
	c.pid = 4242;
	snprintf(c.comm, sizeof(c.comm), "my\"app");
	snprintf(c.exe, sizeof(c.exe), "/opt/my app/bin");
	c.stop_ns = 12400;
	c.nskipped = 1;
	c.maps = maps_create(); /* empty: every PC is outside every mapping */
	c.res = res;

	out = render(dump_write_text, &c, g, ng);
	tap_ok(out && strncmp(out,
			      "process 4242 (my\"app): 6 threads, stopped for 12 \xc2\xb5s\n\n",
			      strlen("process 4242 (my\"app): 6 threads, stopped for 12 "
				     "\xc2\xb5s\n\n")) == 0,
	       "text: header counts the threads with a stack");
	tap_ok(out && strstr(out, "\n2 threads: 9 (b\"q), 11 (b\"q)\n"),
	       "text: a group lists its threads");
	tap_ok(out && strstr(out, "\n  state: S (sleeping), wchan futex_wait\n"),
	       "text: state and wchan");
	tap_ok(out && strstr(out, "\n  [kernel] do_sys_poll+0x1a/0x40\n  [kernel] do_syscall_64"),
	       "text: kernel frames in order");
	tap_ok(out && strstr(out, "\n  #0   0x0000000000003000 ?? [?]\n"),
	       "text: a PC outside every mapping");
	TAP_EQ_U64(count(out, "\n1 thread: "), 2, "text: two single-thread groups");
	if (out)
		tap_diag("%s", strtok(out, "\n"));
	free(out);

	out = render(dump_write_json, &c, g, ng);
	tap_ok(out && strncmp(out,
			      "{\"pid\": 4242, \"name\": \"my\\\"app\", \"exe\": \"/opt/my "
			      "app/bin\", "
			      "\"threads\": 6, \"skipped\": 1, \"stop_us\": 12.4,",
			      strlen("{\"pid\": 4242, \"name\": \"my\\\"app\", \"exe\": \"/opt/my "
				     "app/bin\", \"threads\": 6, \"skipped\": 1, \"stop_us\": "
				     "12.4,")) == 0,
	       "json: header, with the process name escaped");
	TAP_EQ_U64(count(out, "{\"count\": "), 4, "json: 4 groups");
	tap_ok(out && strstr(out,
			     "{\"count\": 2, \"threads\": [{\"tid\": 9, \"name\": \"b\\\"q\"}, "
			     "{\"tid\": 11, \"name\": \"b\\\"q\"}]"),
	       "json: a group's threads, names escaped");
	tap_ok(out && strstr(out, "{\"pc\": \"0x3000\", \"function\": \"\", \"file\": \"\", "
				  "\"line\": 0, \"inline\": false, \"module\": \"\", \"offset\": "
				  "\"0x3000\"}"),
	       "json: a PC outside every mapping");
	tap_ok(out && strlen(out) >= 4 && strcmp(out + strlen(out) - 4, " ]}\n") == 0,
	       "json: closed");
	free(out);

	maps_free(c.maps);
	free(res);
	free(order);
	free(g);
}

int
main(void)
{
	test_group();
	test_json_str();
	test_state_name();
	test_render();
	return tap_done();
}
