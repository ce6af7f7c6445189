/*
 * flame: writes a profile as an interactive SVG flame graph. One self-contained file (styles
 * and script inline, nothing fetched) that any browser opens offline: hover for details, click
 * to zoom, a search box, frames coloured by where their code lives (user, kernel, system
 * library, JIT/anonymous). Viewers without script (rsvg-convert, image previews) still draw the
 * graph, labels included.
 *
 * The output stays bounded whatever the profile: frames narrower than min_width pixels are
 * merged into one grey block per parent, and at most max_frames frames are drawn.
 */
#ifndef PROF_FLAME_H
#define PROF_FLAME_H

#include <stddef.h>
#include <stdio.h>

#include "profile.h"

struct flame_options {
	size_t sample_index;   /* which sample type's values give the widths */
	const char *group_key; /* NULL, or a label key (thread, pid, comm...) to split the root */
	const char *title;     /* NULL: "Flame graph: TYPE (UNIT)" */
	unsigned width;	       /* of the image, in pixels */
	double min_width;      /* frames narrower than this (pixels) are merged */
	size_t max_frames;     /* at most this many frames are drawn */
};

/* The defaults: the profile's default sample type, 1200 px, 0.1 px, 30000 frames. */
void flame_options_init(struct flame_options *o, const struct profile *p);

/* What flame_write_svg_stats drew. */
struct flame_stats {
	size_t frames;	/* frames drawn (merged blocks included) */
	size_t merged;	/* frames not drawn on their own: too narrow, or over max_frames */
	unsigned depth; /* deepest frame drawn (the root is 0) */
};

/*
 * Writes the flame graph to f. 0, or -EINVAL (bad sample index) or -EIO (write error) with
 * *cause set (caller frees).
 */
int flame_write_svg(const struct profile *p, const struct flame_options *o, FILE *f, char **cause);

/* The same, and says what was drawn in *stats. */
int flame_write_svg_stats(const struct profile *p, const struct flame_options *o, FILE *f,
			  struct flame_stats *stats, char **cause);

#endif
