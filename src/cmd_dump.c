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
 *
 * This file is the edge: options, the stop, unwinding the copies, messages and exit codes.
 * Reading /proc, grouping and the renderers are dump.c's.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch/arch.h"
#include "cmd.h"
#include "dump.h"
#include "log.h"
#include "maps.h"
#include "symbolize.h"
#include "target.h"
#include "unwind.h"
#include "unwind_dwarf.h"
#include "xalloc.h"

enum cmd_dump_exit { DUMP_EXIT_FAILED = 1, DUMP_EXIT_USAGE = 2 };

/* perf's limit for a sample's stack copy: deep enough for most stacks, cheap to copy. */
#define DUMP_STACK_BYTES 65536

struct cmd_dump_opts {
	pid_t pid;
	pid_t *tids; /* --threads, or NULL */
	size_t ntids;
	bool json, all, kernel;
	const char *out; /* -o */
};

static const char *
cmd_dump_usage(void)
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
cmd_dump_parse_pid(const char *s, pid_t *out)
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
cmd_dump_parse_tids(struct cmd_dump_opts *o, const char *arg)
{
	char *copy = xstrdup(arg), *save = NULL, *tok;
	size_t cap = 0;
	int err = 0;

	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		xgrow(&o->tids, &cap, o->ntids + 1, sizeof(*o->tids));
		if (cmd_dump_parse_pid(tok, &o->tids[o->ntids]) < 0) {
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
cmd_dump_parse(int argc, char **argv, struct cmd_dump_opts *o)
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
			if (cmd_dump_parse_pid(optarg, &o->pid) < 0) {
				log_error("bad -p value '%s': want a process id", optarg);
				return DUMP_EXIT_USAGE;
			}
			break;
		case OPT_THREADS:
			if (cmd_dump_parse_tids(o, optarg) < 0) {
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

static int
cmd_dump_tid_cmp(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

static const char *
cmd_dump_snap_why(int err)
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
	struct cmd_dump_opts o;
	struct dump_ctx c;
	struct target_snapshot snap;
	struct dump_thread *th = NULL;
	struct dump_thread **order = NULL;
	struct dump_group *groups = NULL;
	struct unwind_dwarf *uw = NULL;
	struct unwind_dwarf_stats ustats;
	pid_t *tids = NULL;
	size_t ntids = 0, i, ng, nskipped = 0;
	char *cause = NULL;
	int rc = DUMP_EXIT_FAILED, err;
	FILE *f = stdout;

	err = cmd_dump_parse(argc, argv, &o);
	if (err < 0) {
		fputs(cmd_dump_usage(), stdout);
		return 0;
	}
	if (err > 0)
		return err;
	memset(&c, 0, sizeof(c));
	memset(&snap, 0, sizeof(snap));
	memset(&ustats, 0, sizeof(ustats));
	c.pid = o.pid;

	if (target_check_process(o.pid, &cause) < 0) {
		log_error("%s", cause);
		free(cause);
		free(o.tids);
		return DUMP_EXIT_FAILED;
	}
	dump_read_process(&c);

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
			if (!bsearch(&o.tids[i], tids, ntids, sizeof(*tids), cmd_dump_tid_cmp)) {
				log_error("thread %d is not a thread of process %d", (int)o.tids[i],
					  (int)o.pid);
				goto out;
			}
		}
		free(tids);
		tids = xcalloc(o.ntids, sizeof(*tids));
		memcpy(tids, o.tids, o.ntids * sizeof(*tids));
		ntids = o.ntids;
		qsort(tids, ntids, sizeof(*tids), cmd_dump_tid_cmp);
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
				 cmd_dump_snap_why(s->err));
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

	c.stop_ns = snap.stop_ns;
	c.nskipped = nskipped;
	c.sym = symbolize_create(NULL);
	c.res = xmalloc(sizeof(*c.res));
	if (o.out) {
		err = dump_write_pprof(&c, th, ntids, o.out, &cause);
		if (err < 0) {
			log_error("%s", cause ? cause : strerror(-err));
			free(cause);
			goto out;
		}
		if (strcmp(o.out, "-") == 0) {
			rc = 0;
			goto out;
		}
	}
	ng = dump_group(th, ntids, o.all, &order, &groups);
	if (o.json)
		dump_write_json(&c, f, groups, ng);
	else
		dump_write_text(&c, f, groups, ng);
	if (fflush(f) != 0) {
		log_error("cannot write the dump: %s", strerror(errno));
		goto out;
	}
	if (snap.peek_fallback)
		log_warn("process_vm_readv failed: stacks were read with PTRACE_PEEKDATA (16 KiB "
			 "each)");
	rc = 0;

out:
	dump_threads_free(th, ntids);
	free(order);
	free(groups);
	free(c.res);
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
