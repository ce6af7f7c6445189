/*
 * report: format-neutral computations on a struct profile, for `prof report` and for the writers
 * that turn a profile into something else than pprof (folded stacks, flame graphs). It reads
 * any profile, ours or one decoded from another tool's pprof, and never writes to it.
 *
 * A stack is read as frames, root first: one frame per line of each location, so inline frames
 * are frames of their own. Functions are told apart by name text (a decoded file may hold the
 * same name under several string indices); a location without lines is named after its mapping
 * ("[libc.so.6]") or "[unknown]".
 */
#ifndef PROF_REPORT_H
#define PROF_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "profile.h"

/* Where a frame's code lives, for colouring. */
enum report_kind {
	REPORT_KIND_USER,   /* the program's own code, or unknown */
	REPORT_KIND_KERNEL, /* [kernel.kallsyms], or a kernel address */
	REPORT_KIND_SYSTEM, /* /lib, /usr/lib (libc, libstdc++...), [vdso] */
	REPORT_KIND_JIT, /* anonymous or JIT-generated code: [anon], //anon, memfd:, perf-PID.map */
	REPORT_KIND_GROUP, /* a synthetic frame naming a --by group */
	REPORT_NKINDS
};

/* A value index that counts each sample record once instead of reading one of its values. */
#define REPORT_RECORDS SIZE_MAX

/* One frame of a stack. Names and files are ids for report_str(). */
struct report_frame {
	uint32_t name;
	uint32_t file; /* 0: unknown */
	int64_t line;  /* 0: unknown */
	uint8_t kind;  /* enum report_kind */
	bool inlined;  /* inlined into the frame below it (the next line of the same location) */
};

/*
 * The context for one profile: deduplicated names, every location's frames worked out once.
 * Borrows the profile, which must outlive it and not change.
 */
struct report {
	const struct profile *p;
	uint32_t *canon;	   /* per string index: the first index with the same text */
	struct table string_index; /* text -> that first index */
	char **extra;		   /* synthetic names: id p->nstrings + i */
	size_t nextra, cap_extra;
	struct table extra_index;
	uint32_t unknown;	     /* id of "[unknown]" */
	struct report_frame *frames; /* every location's frames, outermost first */
	size_t *loc_first;	     /* nlocations + 1 offsets into frames */
};

struct report *report_create(const struct profile *p);
void report_free(struct report *r);

/* The text of a name or file id. Borrowed from the report (or its profile). */
const char *report_str(const struct report *r, uint32_t id);

/* Interns a synthetic name (a group's title...); returns its id. */
uint32_t report_intern(struct report *r, const char *s);

/*
 * The frames of sample `i`, root first, into *buf (grown as needed; caller frees). Returns the
 * count; 0 for an empty stack.
 */
size_t report_stack(const struct report *r, size_t i, struct report_frame **buf, size_t *cap);

/* The value of sample `i` at `index` (REPORT_RECORDS: 1). */
int64_t report_value(const struct profile *p, size_t i, size_t index);

/*
 * a + b, saturating: values come from files, and a sum that wraps would be undefined behaviour
 * and a nonsense width.
 */
int64_t report_add(int64_t a, int64_t b);

/* The sum of every sample's value at `index`, saturating. */
int64_t report_total(const struct profile *p, size_t index);

/* The sample type pprof shows by default: default_sample_type when it names one, else the last. */
size_t report_default_index(const struct profile *p);

/*
 * Resolves a sample type given by name ("cycles") or by number ("1", 0-based) to its index.
 * 0 or -EINVAL with *cause set (caller frees), naming the types the profile has.
 */
int report_sample_index(const struct profile *p, const char *spec, size_t *index, char **cause);

/* "samples, cpu" (the profile's sample types; caller frees). */
char *report_type_names(const struct profile *p);

/* Formats `v` in `unit` ("nanoseconds", "bytes", "count"...) for people: 1.50s, 12MB, 42. */
void report_format_value(int64_t v, const char *unit, char *buf, size_t size);

/* --- grouping by a label */

struct report_groups {
	size_t n;
	char **names;	     /* group titles, e.g. "main (tid 1234)"; owned */
	int64_t *totals;     /* per group, of the index given to report_group */
	uint32_t *of_sample; /* per sample: its group; owned */
	bool found;	     /* some sample had the label */
};

/*
 * Splits the samples by the value of label `key`. "thread" groups by thread name and tid
 * ("worker (tid 12)"), "pid" by pid and process name ("1234 (server)"); any other key by its
 * value. Samples without the label form the group "[no KEY]". Groups come sorted by their total
 * of `index`, largest first. Free with report_groups_free().
 */
void report_group(const struct report *r, const char *key, size_t index, struct report_groups *g);
void report_groups_free(struct report_groups *g);

/* "pid, tid, thread, comm": the label keys of the profile (caller frees; "" when none). */
char *report_label_keys(const struct profile *p);

/* --- per-function (or per-line) tables */

#define REPORT_NVALUES 3

struct report_table_opts {
	size_t index[REPORT_NVALUES];	    /* sample indices (or REPORT_RECORDS) to sum */
	size_t nvalues;			    /* 1..REPORT_NVALUES */
	size_t sort;			    /* rows sort by flat[sort], then name, then cum[sort] */
	bool lines;			    /* one row per function, file and line */
	const struct report_groups *groups; /* with group: only that group's samples */
	size_t group;
};

struct report_row {
	uint32_t name, file; /* report_str() ids; file 0 unless lines */
	int64_t line;	     /* 0 unless lines */
	/*
	 * flat: samples whose innermost frame is this row's; cum: samples with this row anywhere
	 * on the stack, each counted once (recursion does not count twice).
	 */
	int64_t flat[REPORT_NVALUES], cum[REPORT_NVALUES];
};

/*
 * One row per function (or line) present on a stack of a sample with a non-zero value, sorted.
 * Returns the count; caller frees *out (NULL when 0). Empty stacks count under "[unknown]".
 */
size_t report_table(const struct report *r, const struct report_table_opts *o,
		    struct report_row **out);

/* A over B per function (or line) from the same samples: IPC = instructions / cycles. */
struct report_ratio_row {
	uint32_t name, file;
	int64_t line;
	int64_t a, b;	      /* flat sums */
	int64_t cum_a, cum_b; /* cumulative sums */
	int64_t samples;      /* flat samples behind a and b */
	int64_t cum_samples;  /* cumulative samples behind cum_a and cum_b */
	double ratio;	      /* a / b; NAN when b is 0 */
	double cum_ratio;     /* cum_a / cum_b; NAN when cum_b is 0 */
	/*
	 * Too few samples behind the ratio to trust it: behind the flat ratio, or behind the cum
	 * ratio when the function has no flat samples (a caller only).
	 */
	bool few;
};

/*
 * Samples are counted with the sample type "samples" when the profile has one, else one per
 * sample record. Rows sort by flat b, largest first. Returns the count; caller frees *out.
 */
size_t report_ratio(const struct report *r, size_t a, size_t b, bool lines, int64_t min_samples,
		    struct report_ratio_row **out);

/* The index of the sample type named "samples", or REPORT_RECORDS. */
size_t report_count_index(const struct profile *p);

/* --- the call tree (folded stacks and flame graphs) */

struct report_node {
	uint32_t name, file; /* report_str() ids */
	int64_t line_min, line_max;
	uint32_t parent, child, sibling; /* node ids; 0 = none (node 0 is the root) */
	uint32_t depth;			 /* root 0 */
	uint8_t kind;			 /* enum report_kind of the first frame seen */
	bool inlined;
	int64_t total; /* this node and everything above it */
	int64_t self;  /* samples whose stack ends here */
};

struct report_tree {
	struct report_node *nodes; /* [0] is the root */
	size_t n, cap;
	struct table index;
};

/*
 * Merges the stacks into a tree by frame name, the samples of `index` summed; with groups, the
 * group's title is a frame below the stack's root frame. Only samples with a value > 0 when
 * `positive` (a flame graph has no room for negative values), else every non-zero one.
 * Children are linked sorted by name. Free with report_tree_free().
 */
void report_tree_build(struct report *r, size_t index, const struct report_groups *groups,
		       bool positive, struct report_tree *t);
void report_tree_free(struct report_tree *t);

/*
 * Brendan Gregg's folded stacks: one line per distinct stack, "root;caller;leaf VALUE", frames
 * by name, inline frames expanded, values of `sample_index`, samples with value 0 left out. A
 * stack without frames is "[unknown]". 0, or -EIO with *cause set (caller frees).
 */
int report_write_folded(const struct profile *p, size_t sample_index, FILE *f, char **cause);

/* The same with an existing report, optionally split by groups (the group title as the root). */
int report_write_folded_tree(struct report *r, size_t sample_index,
			     const struct report_groups *groups, FILE *f, char **cause);

#endif
