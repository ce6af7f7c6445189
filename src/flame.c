/*
 * flame: the SVG flame graph writer. The call tree comes from report (frames by name, inline
 * frames expanded, children in name order, so the same stacks always give the same picture);
 * this file only lays it out and writes it.
 *
 * Every frame is a static <g><title/><rect/><text/></g> so that viewers without script draw the
 * whole graph and a test can measure the rects; the inline script only adds behaviour: it reads
 * the frames back from the document (name from the title's first line, geometry from the rect)
 * and moves them on zoom. Nothing is loaded from anywhere.
 *
 * Size: a profile with 100k distinct stacks has most frames far below a pixel wide; drawing them
 * would make a file of hundreds of megabytes that no browser opens. Frames narrower than
 * min_width become one grey block per parent, and when more than max_frames / 2 frames are wide
 * enough the narrowest go the same way. Blocks are at most one per drawn frame, so a file holds
 * at most max_frames frames.
 */
#include "config.h"

#include "flame.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "report.h"
#include "xalloc.h"

#define FLAME_FRAME_H  16  /* px per stack level */
#define FLAME_PAD      10  /* px left and right of the frames */
#define FLAME_TOP      84  /* title, subtitle and legend above the frames */
#define FLAME_BOTTOM   34  /* the details line below */
#define FLAME_CHAR_W   7.3 /* px per character of the 12 px monospace labels */
#define FLAME_NAME_MAX 400 /* bytes of a name kept in a title */

struct flame_ctx {
	const struct profile *p;
	const struct flame_options *o;
	struct report *r;
	struct report_tree t;
	FILE *f;
	const char *unit;
	int64_t total;
	double scale;  /* px per unit of value */
	int64_t cut;   /* a frame is drawn when its total is at least this */
	int64_t *x;    /* per node: value offset of its left edge */
	int64_t *rest; /* per node: total of its children not drawn */
	struct flame_stats stats;
};

void
flame_options_init(struct flame_options *o, const struct profile *p)
{
	memset(o, 0, sizeof(*o));
	o->sample_index = p ? report_default_index(p) : 0;
	o->width = 1200;
	o->min_width = 0.1;
	o->max_frames = 30000;
}

/* --- XML text */

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 when invalid. */
static size_t
flame_utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	uint32_t c;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond U+10FFFF, and U+FFFE/U+FFFF are not XML characters */
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) || c > 0x10ffff ||
	    (c >= 0xd800 && c <= 0xdfff) || c == 0xfffe || c == 0xffff)
		return 0;
	return len;
}

/*
 * Writes at most `max` bytes of s as XML character data: markup escaped, bytes that are not
 * valid UTF-8 or not XML characters (a name from a file is untrusted) written as '?', and
 * ".." when cut short.
 */
static void
flame_xml(FILE *f, const char *str, size_t max)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str), i = 0;

	while (i < n) {
		size_t len = flame_utf8_len(s + i, n - i);

		if (i + (len ? len : 1) > max) {
			fputs("..", f);
			return;
		}
		if (!len) {
			putc('?', f);
			i++;
			continue;
		}
		if (len == 1) {
			switch (s[i]) {
			case '&':
				fputs("&amp;", f);
				break;
			case '<':
				fputs("&lt;", f);
				break;
			case '>':
				fputs("&gt;", f);
				break;
			case '"':
				fputs("&quot;", f);
				break;
			default:
				putc(s[i] < 0x20 ? '?' : s[i], f);
				break;
			}
		} else {
			fwrite(s + i, 1, len, f);
		}
		i += len;
	}
}

/* The number of characters (code points) of s that fit a label `w` px wide, 0 when none. */
static size_t
flame_label_chars(double w)
{
	double n = (w - 6) / FLAME_CHAR_W;

	return n < 3 ? 0 : (size_t)n;
}

/* Writes s as a label of at most `chars` characters ("name.." when cut). */
static void
flame_label(FILE *f, const char *s, size_t chars)
{
	size_t count = 0, i, n = strlen(s);

	for (i = 0; i < n; count++) {
		size_t len = flame_utf8_len((const unsigned char *)s + i, n - i);

		i += len ? len : 1;
	}
	if (count <= chars) {
		flame_xml(f, s, n);
		return;
	}
	/* keep chars - 2 characters, then ".." */
	for (i = 0, count = 0; i < n && count + 2 < chars; count++) {
		size_t len = flame_utf8_len((const unsigned char *)s + i, n - i);

		i += len ? len : 1;
	}
	flame_xml(f, s, i);
	fputs("..", f);
}

/* --- colours */

static void
flame_colour(const char *name, uint8_t kind, char *buf, size_t size)
{
	/* base and spread of r, g, b per kind: warm for user code, blue kernel, yellow libraries */
	static const int pal[REPORT_NKINDS][6] = {
		[REPORT_KIND_USER] = {205, 50, 75, 90, 50, 30},
		[REPORT_KIND_KERNEL] = {70, 50, 140, 50, 210, 40},
		[REPORT_KIND_SYSTEM] = {215, 35, 185, 45, 60, 50},
		[REPORT_KIND_JIT] = {80, 60, 185, 50, 85, 45},
		[REPORT_KIND_GROUP] = {170, 30, 150, 30, 215, 30},
	};
	uint64_t h = table_hash_bytes(name, strlen(name), 0);
	double a = (double)(h & 0xffff) / 65536.0, b = (double)((h >> 16) & 0xffff) / 65536.0;
	const int *c = pal[kind < REPORT_NKINDS ? kind : REPORT_KIND_USER];

	snprintf(buf, size, "#%02x%02x%02x", c[0] + (int)(c[1] * a), c[2] + (int)(c[3] * b),
		 c[4] + (int)(c[5] * a));
}

static const char *
flame_kind_name(uint8_t kind)
{
	switch (kind) {
	case REPORT_KIND_KERNEL:
		return "kernel";
	case REPORT_KIND_SYSTEM:
		return "system library";
	case REPORT_KIND_JIT:
		return "JIT/anonymous";
	case REPORT_KIND_GROUP:
		return "group";
	default:
		return "user code";
	}
}

/* --- layout */

static int
flame_cmp_desc(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x > y ? -1 : x < y;
}

/* The next node of a preorder walk that skips the subtrees of frames not drawn; 0 at the end. */
static uint32_t
flame_next(const struct flame_ctx *c, uint32_t id)
{
	const struct report_node *nodes = c->t.nodes;
	uint32_t k;

	for (k = nodes[id].child; k; k = nodes[k].sibling)
		if (nodes[k].total >= c->cut)
			return k;
	while (id) {
		for (k = nodes[id].sibling; k; k = nodes[k].sibling)
			if (nodes[k].total >= c->cut)
				return k;
		id = nodes[id].parent;
	}
	return 0;
}

/*
 * Chooses the cut (the smallest total drawn), lays out every drawn frame's left edge, and
 * counts frames, merged frames and depth.
 */
static void
flame_layout(struct flame_ctx *c)
{
	const struct report_node *nodes = c->t.nodes;
	size_t budget = c->o->max_frames / 2, n = 0, i;
	int64_t *wide;
	double cut;
	uint32_t id;

	c->scale = (double)(c->o->width - 2 * FLAME_PAD) / (double)c->total;
	/* the smallest integer total at least min_width px wide */
	cut = c->o->min_width / c->scale;
	if (cut >= 0x1p62) {
		c->cut = INT64_MAX;
	} else {
		c->cut = (int64_t)cut;
		if ((double)c->cut < cut)
			c->cut++;
		if (c->cut < 1)
			c->cut = 1;
	}

	wide = xcalloc(c->t.n, sizeof(*wide));
	for (i = 1; i < c->t.n; i++)
		if (nodes[i].total >= c->cut)
			wide[n++] = nodes[i].total;
	if (budget < 1)
		budget = 1;
	if (n > budget) {
		qsort(wide, n, sizeof(*wide), flame_cmp_desc);
		/* strictly more than the first one left out, so ties do not overflow the budget */
		c->cut = report_add(wide[budget], 1);
	}
	free(wide);

	c->x = xcalloc(c->t.n, sizeof(*c->x));
	c->rest = xcalloc(c->t.n, sizeof(*c->rest));
	c->stats.frames = 0;
	id = 0;
	do {
		int64_t x = c->x[id];
		uint32_t k;

		c->stats.frames++;
		if (nodes[id].depth > c->stats.depth)
			c->stats.depth = nodes[id].depth;
		for (k = nodes[id].child; k; k = nodes[k].sibling) {
			if (nodes[k].total >= c->cut) {
				c->x[k] = x;
				x = report_add(x, nodes[k].total);
			} else {
				c->rest[id] = report_add(c->rest[id], nodes[k].total);
			}
		}
		if (c->rest[id] && (double)c->rest[id] * c->scale >= c->o->min_width) {
			c->stats.frames++;
			if (nodes[id].depth + 1 > c->stats.depth)
				c->stats.depth = nodes[id].depth + 1;
		}
		id = flame_next(c, id);
	} while (id);
	/* every node of the tree but the root is a frame; those not drawn on their own merged */
	c->stats.merged = 0;
	for (i = 1; i < c->t.n; i++)
		if (nodes[i].total < c->cut)
			c->stats.merged++;
}

/* --- output */

static double
flame_y(const struct flame_ctx *c, uint32_t depth)
{
	return FLAME_TOP + (double)(c->stats.depth - depth) * FLAME_FRAME_H;
}

static void
flame_pct(const struct flame_ctx *c, int64_t v, char *buf, size_t size)
{
	snprintf(buf, size, "%.2f%%", c->total ? 100.0 * (double)v / (double)c->total : 0.0);
}

static void
flame_rect(const struct flame_ctx *c, double x, double y, double w, const char *fill,
	   const char *label)
{
	size_t chars = flame_label_chars(w);

	fprintf(c->f, "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%d\" fill=\"%s\"/>", x,
		y, w, FLAME_FRAME_H - 1, fill);
	if (chars) {
		fprintf(c->f, "<text x=\"%.2f\" y=\"%.1f\">", x + 3, y + FLAME_FRAME_H - 4.5);
		flame_label(c->f, label, chars);
		fputs("</text>", c->f);
	}
	fputs("</g>\n", c->f);
}

static void
flame_frame(struct flame_ctx *c, uint32_t id)
{
	const struct report_node *n = &c->t.nodes[id];
	const char *name = id ? report_str(c->r, n->name) : "all";
	char fill[16], value[48], self[48], pct[32];
	double x = FLAME_PAD + (double)c->x[id] * c->scale;
	double w = (double)n->total * c->scale;

	report_format_value(n->total, c->unit, value, sizeof(value));
	report_format_value(n->self, c->unit, self, sizeof(self));
	flame_pct(c, n->total, pct, sizeof(pct));
	if (id)
		flame_colour(name, n->kind, fill, sizeof(fill));
	else
		snprintf(fill, sizeof(fill), "#c8c8c8");

	fputs("<g><title>", c->f);
	flame_xml(c->f, name, FLAME_NAME_MAX);
	putc('\n', c->f);
	if (n->file) {
		flame_xml(c->f, report_str(c->r, n->file), FLAME_NAME_MAX);
		if (n->line_min && n->line_min == n->line_max)
			fprintf(c->f, ":%" PRId64, n->line_min);
		else if (n->line_min)
			fprintf(c->f, ":%" PRId64 "-%" PRId64, n->line_min, n->line_max);
		putc(' ', c->f);
	}
	if (id)
		fprintf(c->f, "(%s%s)", flame_kind_name(n->kind), n->inlined ? ", inlined" : "");
	else
		fputs("(all samples)", c->f);
	fprintf(c->f, "\n%s, %s of all; self %s</title>", value, pct, self);
	flame_rect(c, x, flame_y(c, n->depth), w, fill, name);

	if (c->rest[id] && (double)c->rest[id] * c->scale >= c->o->min_width) {
		int64_t drawn = 0;
		size_t count = 0;
		uint32_t k;
		char label[64];

		for (k = n->child; k; k = c->t.nodes[k].sibling) {
			if (c->t.nodes[k].total >= c->cut)
				drawn = report_add(drawn, c->t.nodes[k].total);
			else
				count++;
		}
		report_format_value(c->rest[id], c->unit, value, sizeof(value));
		flame_pct(c, c->rest[id], pct, sizeof(pct));
		snprintf(label, sizeof(label), "[%zu merged]", count);
		fprintf(c->f,
			"<g class=\"m\"><title>[%zu frames merged]\neach too narrow to draw, with "
			"what "
			"they call\n%s, %s of all</title>",
			count, value, pct);
		flame_rect(c, x + (double)drawn * c->scale, flame_y(c, n->depth + 1),
			   (double)c->rest[id] * c->scale, "#d4d4d4", label);
	}
}

/* The first comment that says how the profile was sampled ("sampling: cpu-clock at 999 Hz"). */
static const char *
flame_event(const struct profile *p)
{
	size_t i;

	for (i = 0; i < p->ncomments; i++) {
		uint32_t s = p->comments[i];

		if (s < p->nstrings && strncmp(p->strings[s], "sampling: ", 10) == 0)
			return p->strings[s];
	}
	return NULL;
}

static const char flame_style[] =
	"<style type=\"text/css\"><![CDATA[\n"
	"text { font-family: monospace; font-size: 12px; fill: #222; }\n"
	"#title { font-size: 17px; font-family: sans-serif; }\n"
	"#subtitle { font-family: sans-serif; fill: #555; }\n"
	"#frames g { cursor: pointer; }\n"
	"#frames text { pointer-events: none; }\n"
	"#frames .faded { opacity: 0.55; }\n"
	".btn { cursor: pointer; fill: #1a5fb4; text-decoration: underline; }\n"
	".off { opacity: 0.35; }\n"
	"input { font: 12px monospace; width: 100%; box-sizing: border-box; }\n"
	"]]></style>\n";

/*
 * The behaviour. Our own code: it reads the frames from the document, so the C side writes only
 * plain SVG.
 */
static const char flame_script[] =
	"<script type=\"text/ecmascript\"><![CDATA[\n"
	"(function () {\n"
	"\"use strict\";\n"
	"var SVG = \"http://www.w3.org/2000/svg\", XHTML = \"http://www.w3.org/1999/xhtml\";\n"
	"var doc = document.documentElement;\n"
	"var W = parseFloat(doc.getAttribute(\"width\"));\n"
	"var PAD = parseFloat(doc.getAttribute(\"data-pad\"));\n"
	"var FH = parseFloat(doc.getAttribute(\"data-fh\"));\n"
	"var CW = parseFloat(doc.getAttribute(\"data-cw\"));\n"
	"var EPS = 0.011;\n"
	"var frames = [], zoomed = null, lastTerm = \"\";\n"
	"var details, matched, reset, box;\n"
	"\n"
	"function byId(id) { return document.getElementById(id); }\n"
	"\n"
	"function collect() {\n"
	"  var gs = byId(\"frames\").getElementsByTagName(\"g\");\n"
	"  for (var i = 0; i < gs.length; i++) {\n"
	"    var g = gs[i], r = g.getElementsByTagName(\"rect\")[0];\n"
	"    var lines = g.getElementsByTagName(\"title\")[0].textContent.split(\"\\n\");\n"
	"    var t = g.getElementsByTagName(\"text\");\n"
	"    g.setAttribute(\"data-i\", i);\n"
	"    frames.push({ g: g, r: r, label: t.length ? t[0] : null,\n"
	"      x: parseFloat(r.getAttribute(\"x\")), w: parseFloat(r.getAttribute(\"width\")),\n"
	"      y: parseFloat(r.getAttribute(\"y\")), fill: r.getAttribute(\"fill\"),\n"
	"      merged: g.getAttribute(\"class\") === \"m\", name: lines[0],\n"
	"      info: lines.join(\"  |  \") });\n"
	"  }\n"
	"}\n"
	"\n"
	"function frameAt(node) {\n"
	"  for (; node && node !== doc; node = node.parentNode)\n"
	"    if (node.getAttribute && node.getAttribute(\"data-i\") !== null)\n"
	"      return frames[+node.getAttribute(\"data-i\")];\n"
	"  return null;\n"
	"}\n"
	"\n"
	"/* The label: the name, cut to the frame's width. */\n"
	"function fit(f, x, w) {\n"
	"  var n = Math.floor((w - 6) / CW), s = f.name;\n"
	"  if (n < 3) { if (f.label) f.label.textContent = \"\"; return; }\n"
	"  if (s.length > n) s = s.substring(0, n - 2) + \"..\";\n"
	"  if (!f.label) {\n"
	"    f.label = document.createElementNS(SVG, \"text\");\n"
	"    f.label.setAttribute(\"y\", (f.y + FH - 4.5).toFixed(1));\n"
	"    f.g.appendChild(f.label);\n"
	"  }\n"
	"  f.label.setAttribute(\"x\", (x + 3).toFixed(2));\n"
	"  f.label.textContent = s;\n"
	"}\n"
	"\n"
	"function place(f, x, w, shown, faded) {\n"
	"  f.g.style.display = shown ? \"\" : \"none\";\n"
	"  if (!shown) return;\n"
	"  f.r.setAttribute(\"x\", x.toFixed(2));\n"
	"  f.r.setAttribute(\"width\", w.toFixed(2));\n"
	"  f.g.setAttribute(\"class\", f.merged ? (faded ? \"m faded\" : \"m\") : (faded ? "
	"\"faded\" : \"\"));\n"
	"  fit(f, x, w);\n"
	"}\n"
	"\n"
	"/* Frame z fills the width; what it calls scales with it, its callers stay, faded. */\n"
	"function zoom(z) {\n"
	"  var scale = (W - 2 * PAD) / z.w;\n"
	"  frames.forEach(function (f) {\n"
	"    if (f.y > z.y)\n"
	"      place(f, PAD, W - 2 * PAD, f.x <= z.x + EPS && f.x + f.w >= z.x + z.w - EPS, "
	"true);\n"
	"    else\n"
	"      place(f, PAD + (f.x - z.x) * scale, f.w * scale,\n"
	"        f.x >= z.x - EPS && f.x + f.w <= z.x + z.w + EPS, false);\n"
	"  });\n"
	"  zoomed = z;\n"
	"  reset.setAttribute(\"class\", \"btn\");\n"
	"  details.textContent = \"Zoomed to \" + z.name + \" (click the bottom frame, Reset zoom "
	"or Esc to \" +\n"
	"    \"go back)\";\n"
	"}\n"
	"\n"
	"function unzoom() {\n"
	"  frames.forEach(function (f) { place(f, f.x, f.w, true, false); });\n"
	"  zoomed = null;\n"
	"  reset.setAttribute(\"class\", \"btn off\");\n"
	"  details.textContent = \" \";\n"
	"}\n"
	"\n"
	"/* Highlights the frames whose name matches; says how much of the graph they cover. */\n"
	"function search(term) {\n"
	"  var re = null, spans = [], count = 0, sum = 0, end = -Infinity;\n"
	"  lastTerm = term;\n"
	"  if (term) {\n"
	"    try { re = new RegExp(term); }\n"
	"    catch (e) { re = new RegExp(term.replace(/[.*+?^${}()|[\\]\\\\]/g, \"\\\\$&\")); }\n"
	"  }\n"
	"  frames.forEach(function (f) {\n"
	"    var hit = re !== null && !f.merged && re.test(f.name);\n"
	"    f.r.setAttribute(\"fill\", hit ? \"#d633d6\" : f.fill);\n"
	"    if (hit) { spans.push([f.x, f.x + f.w]); count++; }\n"
	"  });\n"
	"  if (!re) { matched.textContent = \" \"; return; }\n"
	"  /* a match inside a match is counted once: sum the union of the spans */\n"
	"  spans.sort(function (a, b) { return a[0] - b[0]; });\n"
	"  spans.forEach(function (s) {\n"
	"    if (s[1] <= end) return;\n"
	"    sum += s[1] - Math.max(s[0], end);\n"
	"    end = s[1];\n"
	"  });\n"
	"  matched.textContent = \"Matched: \" + (100 * sum / (W - 2 * PAD)).toFixed(2) + \"% in "
	"\" +\n"
	"    count + \" frame\" + (count === 1 ? \"\" : \"s\");\n"
	"}\n"
	"\n"
	"function ask() {\n"
	"  if (box && box.namespaceURI === XHTML && typeof box.focus === \"function\" &&\n"
	"      box.getClientRects().length) {\n"
	"    box.focus();\n"
	"    box.select();\n"
	"    return;\n"
	"  }\n"
	"  var t = window.prompt(\"Search frames (regular expression)\", lastTerm);\n"
	"  if (t !== null) search(t);\n"
	"}\n"
	"\n"
	"function init() {\n"
	"  details = byId(\"details\");\n"
	"  matched = byId(\"matched\");\n"
	"  reset = byId(\"reset\");\n"
	"  box = byId(\"searchbox\");\n"
	"  collect();\n"
	"  var fg = byId(\"frames\");\n"
	"  fg.addEventListener(\"mouseover\", function (e) {\n"
	"    var f = frameAt(e.target);\n"
	"    if (f) details.textContent = f.info;\n"
	"  });\n"
	"  fg.addEventListener(\"mouseout\", function () {\n"
	"    details.textContent = zoomed ? \"Zoomed to \" + zoomed.name : \" \";\n"
	"  });\n"
	"  fg.addEventListener(\"click\", function (e) {\n"
	"    var f = frameAt(e.target);\n"
	"    if (!f) return;\n"
	"    if (f === frames[0]) unzoom(); else zoom(f);\n"
	"  });\n"
	"  reset.addEventListener(\"click\", unzoom);\n"
	"  byId(\"searchbtn\").addEventListener(\"click\", ask);\n"
	"  if (box) box.addEventListener(\"input\", function () { search(box.value); });\n"
	"  document.addEventListener(\"keydown\", function (e) {\n"
	"    if ((e.ctrlKey || e.metaKey) && (e.key === \"f\" || e.key === \"F\")) {\n"
	"      e.preventDefault();\n"
	"      ask();\n"
	"    } else if (e.key === \"Escape\") {\n"
	"      if (box) box.value = \"\";\n"
	"      search(\"\");\n"
	"      unzoom();\n"
	"    }\n"
	"  });\n"
	"}\n"
	"\n"
	"if (document.readyState === \"loading\")\n"
	"  document.addEventListener(\"DOMContentLoaded\", init);\n"
	"else\n"
	"  init();\n"
	"})();\n"
	"]]></script>\n";

static void
flame_header(struct flame_ctx *c, unsigned height)
{
	const struct profile *p = c->p;
	const struct profile_value_type *vt = &p->types[c->o->sample_index];
	const char *type = vt->type < p->nstrings ? p->strings[vt->type] : "";
	const char *event = flame_event(p);
	unsigned w = c->o->width, i;
	char total[48];
	static const uint8_t legend[] = {REPORT_KIND_USER, REPORT_KIND_KERNEL, REPORT_KIND_SYSTEM,
					 REPORT_KIND_JIT};

	fprintf(c->f,
		"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%u\" "
		"height=\"%u\" viewBox=\"0 0 %u %u\" data-pad=\"%d\" data-fh=\"%d\" "
		"data-cw=\"%.1f\">\n",
		w, height, w, height, FLAME_PAD, FLAME_FRAME_H, FLAME_CHAR_W);
	fputs(flame_style, c->f);
	fprintf(c->f, "<rect x=\"0\" y=\"0\" width=\"%u\" height=\"%u\" fill=\"#f8f8f6\"/>\n", w,
		height);

	fprintf(c->f, "<text id=\"title\" x=\"%u\" y=\"24\" text-anchor=\"middle\">", w / 2);
	if (c->o->title) {
		flame_xml(c->f, c->o->title, 1000);
	} else {
		fputs("Flame graph: ", c->f);
		flame_xml(c->f, type, 200);
		fputs(" (", c->f);
		flame_xml(c->f, c->unit, 200);
		putc(')', c->f);
	}
	fputs("</text>\n", c->f);

	report_format_value(c->total, c->unit, total, sizeof(total));
	fprintf(c->f, "<text id=\"subtitle\" x=\"%u\" y=\"44\" text-anchor=\"middle\">", w / 2);
	if (event) {
		flame_xml(c->f, event, 300);
		fputs("; ", c->f);
	}
	fprintf(c->f, "total %s", total);
	if (c->o->group_key) {
		fputs("; by ", c->f);
		flame_xml(c->f, c->o->group_key, 100);
	}
	if (c->stats.merged)
		fprintf(c->f, "; %zu frames narrower than %.2g px merged", c->stats.merged,
			(double)c->cut * c->scale);
	fputs("</text>\n", c->f);

	fputs("<text id=\"reset\" class=\"btn off\" x=\"10\" y=\"24\">Reset zoom</text>\n", c->f);
	fprintf(c->f,
		"<text id=\"searchbtn\" class=\"btn\" x=\"%u\" y=\"24\" "
		"text-anchor=\"end\">Search</text>\n",
		w - 10);
	fprintf(c->f,
		"<foreignObject x=\"%u\" y=\"52\" width=\"220\" height=\"24\">"
		"<input xmlns=\"http://www.w3.org/1999/xhtml\" id=\"searchbox\" type=\"search\" "
		"placeholder=\"search (regular expression)\"/></foreignObject>\n",
		w - 230);
	for (i = 0; i < sizeof(legend); i++) {
		char fill[16];
		unsigned x = 10 + i * 130;

		flame_colour("legend", legend[i], fill, sizeof(fill));
		fprintf(c->f,
			"<rect x=\"%u\" y=\"58\" width=\"12\" height=\"12\" fill=\"%s\"/>"
			"<text x=\"%u\" y=\"68\">%s</text>\n",
			x, fill, x + 16, flame_kind_name(legend[i]));
	}
	fprintf(c->f, "<text id=\"details\" x=\"10\" y=\"%u\"> </text>\n", height - 12);
	fprintf(c->f, "<text id=\"matched\" x=\"%u\" y=\"%u\" text-anchor=\"end\"> </text>\n",
		w - 10, height - 12);
}

int
flame_write_svg_stats(const struct profile *p, const struct flame_options *o, FILE *f,
		      struct flame_stats *stats, char **cause)
{
	struct flame_ctx c;
	struct report_groups groups;
	unsigned height;
	uint32_t id;

	if (o->sample_index >= p->ntypes) {
		*cause = log_cause("no sample type %zu in this profile", o->sample_index);
		return -EINVAL;
	}
	if (o->width < 2 * FLAME_PAD + 100 || o->width > 100000) {
		*cause =
			log_cause("a flame graph's width must be 120..100000 px, not %u", o->width);
		return -EINVAL;
	}
	memset(&c, 0, sizeof(c));
	c.p = p;
	c.o = o;
	c.f = f;
	c.unit = p->types[o->sample_index].unit < p->nstrings
			 ? p->strings[p->types[o->sample_index].unit]
			 : "";
	c.r = report_create(p);
	if (o->group_key)
		report_group(c.r, o->group_key, o->sample_index, &groups);
	report_tree_build(c.r, o->sample_index, o->group_key ? &groups : NULL, true, &c.t);
	c.total = c.t.nodes[0].total;

	if (c.total > 0)
		flame_layout(&c);
	height = FLAME_TOP + (c.stats.depth + 1) * FLAME_FRAME_H + FLAME_BOTTOM;
	flame_header(&c, height);
	fputs("<g id=\"frames\">\n", f);
	if (c.total > 0) {
		id = 0;
		do {
			flame_frame(&c, id);
			id = flame_next(&c, id);
		} while (id);
	} else {
		fprintf(f,
			"<text x=\"%u\" y=\"%d\" text-anchor=\"middle\">no samples with a "
			"positive value</text>\n",
			o->width / 2, FLAME_TOP + 12);
	}
	fputs("</g>\n", f);
	fputs(flame_script, f);
	fputs("</svg>\n", f);

	if (stats)
		*stats = c.stats;
	free(c.x);
	free(c.rest);
	report_tree_free(&c.t);
	if (o->group_key)
		report_groups_free(&groups);
	report_free(c.r);
	if (fflush(f) != 0 || ferror(f)) {
		*cause = log_cause("cannot write the flame graph: %s", strerror(errno));
		return -EIO;
	}
	return 0;
}

int
flame_write_svg(const struct profile *p, const struct flame_options *o, FILE *f, char **cause)
{
	return flame_write_svg_stats(p, o, f, NULL, cause);
}
