/*
 * dump: the format-neutral part of `prof dump`: what /proc says about each thread (read before
 * the stop), grouping of threads whose stacks are identical, and the three renderers (text,
 * JSON, pprof). The stop itself (target_snapshot), unwinding and the messages are the edge's
 * (cmd_dump.c); nothing here prints to stderr or exits.
 */
#ifndef PROF_DUMP_H
#define PROF_DUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "maps.h"
#include "symbolize.h"
#include "target.h"
#include "unwind.h"

/* One thread of the dumped process. */
struct dump_thread {
	pid_t tid;
	char name[64];
	char state;	/* from /proc/PID/task/TID/stat, before the stop */
	char wchan[64]; /* "" when none or unreadable */
	char **kstack;	/* kernel frames as /proc/PID/task/TID/stack prints them; owned */
	size_t nkstack;
	struct target_snap_thread *snap; /* borrowed from the snapshot; NULL when none */
	struct unwind_stack *stack;	 /* user PCs, leaf first; NULL when not captured; owned */
};

/* Threads with identical state, user stack and kernel stack. */
struct dump_group {
	struct dump_thread **threads; /* borrowed, ascending tid (input order with `all`) */
	size_t n;
};

/* What the renderers need about the process. Filled by the caller (names: dump_read_process). */
struct dump_ctx {
	pid_t pid;
	char comm[64];
	char exe[4096];
	uint64_t stop_ns;	      /* how long the process was stopped */
	size_t nskipped;	      /* threads the snapshot could not capture */
	struct maps *maps;	      /* borrowed */
	struct symbolize *sym;	      /* borrowed; unused for PCs outside every mapping */
	struct symbolize_result *res; /* borrowed scratch space */
};

/* Fills c->comm and c->exe of process c->pid ("" when unreadable). */
void dump_read_process(struct dump_ctx *c);

/*
 * Fills t's name, state, wchan and, when `kernel`, its kernel stack (root only: left empty
 * when unreadable) from /proc/PID/task/t->tid. Never fails: what cannot be read stays empty.
 */
void dump_read_thread(pid_t pid, struct dump_thread *t, bool kernel);

/* Frees what n threads own, and th itself. */
void dump_threads_free(struct dump_thread *th, size_t n);

/* A word for a /proc state letter ("sleeping"); "unknown" for letters it does not know. */
const char *dump_state_name(char s);

/*
 * Groups the threads that have a stack: identical ones together (each alone when `all`),
 * the largest group first, then by lowest tid. Returns the number of groups; *order (the
 * threads the groups point into) and *groups are the caller's to free. th must outlive them.
 */
size_t dump_group(struct dump_thread *th, size_t n, bool all, struct dump_thread ***order,
		  struct dump_group **groups);

/* Writes s as a JSON string, quoted and escaped; NULL as "". */
void dump_json_str(FILE *f, const char *s);

/* The text dump: a header line, then each group, leaf first. Write errors stay in f. */
void dump_write_text(struct dump_ctx *c, FILE *f, const struct dump_group *g, size_t ng);

/* The same as one JSON object. Write errors stay in f. */
void dump_write_json(struct dump_ctx *c, FILE *f, const struct dump_group *g, size_t ng);

/*
 * Writes a pprof profile (threads/count, one sample per thread with a stack, labelled with
 * pid, tid, thread name, state and wchan) to `path` ("-": stdout). 0, or -errno with *cause
 * (caller frees; may stay NULL) saying why.
 */
int dump_write_pprof(struct dump_ctx *c, const struct dump_thread *th, size_t n, const char *path,
		     char **cause);

#endif
