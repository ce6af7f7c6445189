/*
 * profile: the format-neutral aggregate that the recorder fills and the writers read. Its model
 * is pprof's (strings interned once, mappings, locations with inline lines, functions, samples
 * with values and labels) so that the pprof writer is a straight copy, but it knows nothing of
 * protobuf. Samples with the same stack and label set are merged by adding their values.
 *
 * Ids are dense and 1-based (0 = none), as pprof wants. String index 0 is always "".
 */
#ifndef PROF_PROFILE_H
#define PROF_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "maps.h"
#include "symbolize.h"
#include "table.h"

#define PROFILE_MAX_TYPES 16

struct profile_value_type {
	uint32_t type; /* string index, e.g. "cpu" */
	uint32_t unit; /* string index, e.g. "nanoseconds" */
};

struct profile_mapping {
	uint64_t id;
	uint64_t start, limit, offset;
	uint32_t filename; /* string index */
	uint32_t build_id; /* string index */
	bool has_functions, has_filenames, has_line_numbers, has_inline_frames;
};

struct profile_line {
	uint64_t function_id;
	int64_t line;
};

struct profile_location {
	uint64_t id;
	uint64_t mapping_id; /* 0: none */
	uint64_t address;
	size_t nlines;
	struct profile_line *lines; /* innermost first; owned */
};

struct profile_function {
	uint64_t id;
	uint32_t name, system_name, filename; /* string indices */
	int64_t start_line;
};

struct profile_label {
	uint32_t key;
	uint32_t str;      /* string index, or 0 for a numeric label */
	int64_t num;
	uint32_t num_unit; /* string index or 0 */
};

struct profile_labelset {
	size_t n;
	struct profile_label *labels; /* owned */
};

struct profile_sample {
	size_t nlocs;
	uint64_t *location_ids; /* leaf first; owned */
	uint32_t labelset;      /* index into labelsets; 0 = no labels */
	int64_t *values;        /* ntypes values; owned */
};

struct profile {
	/* strings */
	char **strings;
	size_t nstrings, cap_strings;
	struct table string_index;

	struct profile_value_type types[PROFILE_MAX_TYPES];
	size_t ntypes;
	uint32_t default_type; /* string index of the default sample type, 0 = last */
	struct profile_value_type period_type;
	int64_t period;
	int64_t time_nanos, duration_nanos;

	uint32_t *comments; /* string indices */
	size_t ncomments, cap_comments;

	struct profile_mapping *mappings; /* mappings[i].id == i + 1 */
	size_t nmappings, cap_mappings;

	struct profile_location *locations; /* locations[i].id == i + 1 */
	size_t nlocations, cap_locations;
	struct table location_index;

	struct profile_function *functions; /* functions[i].id == i + 1 */
	size_t nfunctions, cap_functions;
	struct table function_index;

	struct profile_labelset *labelsets; /* [0] is the empty set */
	size_t nlabelsets, cap_labelsets;
	struct table labelset_index;

	struct profile_sample *samples;
	size_t nsamples, cap_samples;
	struct table sample_index;
};

struct profile *profile_create(void);
void profile_free(struct profile *p);

/* Interns a string; returns its index (NULL and "" give 0). */
uint32_t profile_string(struct profile *p, const char *s);

/*
 * Appends a sample type (at most PROFILE_MAX_TYPES, all before the first sample); returns its
 * index in types[].
 */
size_t profile_add_type(struct profile *p, const char *type, const char *unit);
void profile_set_period(struct profile *p, const char *type, const char *unit, int64_t period);
void profile_add_comment(struct profile *p, const char *comment);

/* Appends a mapping (not interned: the caller keeps one per address-space mapping). */
uint64_t profile_add_mapping(struct profile *p, const struct profile_mapping *m);

/*
 * Makes mapping `id` the first one (id 1), renumbering the others: pprof readers take the
 * first mapping for the main binary.
 */
void profile_mapping_first(struct profile *p, uint64_t id);

/* Interns a location by (mapping_id, address); lines are added later. */
uint64_t profile_location(struct profile *p, uint64_t mapping_id, uint64_t address);
/* Sets the lines of a location (copied). */
void profile_set_lines(struct profile *p, uint64_t location_id, const struct profile_line *lines,
		       size_t n);

/*
 * Sets the lines of location `location_id`, at `addr` in mapping `m` (or NULL), from what the
 * symbolizer found there (innermost frame first), interning their functions. With no frame it
 * still says where the address is: "[kernel]", "[unknown] FILE+0xOFFSET" (the offset in the
 * file), "[unknown] //anon+0xOFFSET" (in an anonymous mapping), or "[unknown] 0xADDR".
 */
void profile_set_symbolized(struct profile *p, uint64_t location_id,
			    const struct symbolize_result *res, const struct maps_mapping *m,
			    uint64_t addr);

/* Interns a function by all four fields. */
uint64_t profile_function(struct profile *p, const char *name, const char *system_name,
			  const char *filename, int64_t start_line);

/* Interns a label set (labels copied; order matters). */
uint32_t profile_labelset(struct profile *p, const struct profile_label *labels, size_t n);

/*
 * Adds `values` (ntypes of them) to the sample with this stack and label set, creating it if
 * needed; returns its index in samples[]. No allocation when the sample exists already.
 */
size_t profile_add_sample(struct profile *p, const uint64_t *location_ids, size_t nlocs,
			  uint32_t labelset, const int64_t *values);

/* Sum of values[type] over all samples. */
int64_t profile_total(const struct profile *p, size_t type);

/* Flat (self) and cumulative values per function name for the summary table. */
struct profile_top_entry {
	uint32_t name; /* string index */
	int64_t flat, cum;
};
/*
 * Fills one entry per function name with a non-zero value of `type` on some stack, sorted by flat
 * descending, then cum descending, then name; returns the count. Caller frees *out (NULL when
 * the count is 0). Flat goes to the innermost line of the leaf location; cum counts a sample once
 * per distinct name on its stack (so recursion is not counted twice). Locations without lines
 * and empty stacks are counted under name 0: print entries with profile_top_name().
 */
size_t profile_top(const struct profile *p, size_t type, struct profile_top_entry **out);
/* The entry's function name, or "[unknown]" for name 0. Borrowed from p (or static). */
const char *profile_top_name(const struct profile *p, const struct profile_top_entry *e);

/*
 * Rebuilds the lookup indices from the arrays, for a reader that filled strings[], locations[]
 * and functions[] directly to keep a file's numbering (see pprof_decode). Where the arrays hold
 * duplicates, lookups find the first.
 */
void profile_reindex(struct profile *p);

#endif
