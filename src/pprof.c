/*
 * pprof: the pprof writer and reader. Encoding builds the protobuf-c view of a struct profile
 * (pointing into the profile's own arrays wherever the types agree) and streams the packed bytes
 * through zlib into a gzip buffer, so the uncompressed protobuf never exists in full. Writing a
 * file goes through a temporary beside the target and rename(), so a crash or a full disk never
 * leaves half a profile under the user's path. Decoding is for files we did not necessarily
 * write: every index and id is checked before it is used.
 */
#include "config.h"

#include "pprof.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#include "log.h"
#include "profile.pb-c.h"
#include "table.h"
#include "outfile.h"
#include "xalloc.h"

/* A decompressed profile larger than this is refused rather than exhausting memory. */
#define PPROF_MAX_DECODED ((size_t)1 << 30)

/* Packed protobuf is gathered into chunks this big before zlib sees it. */
#define PPROF_STAGE_SIZE (64 * 1024)

/* --- profile -> protobuf-c messages */

struct pprof_msg {
	Perftools__Profiles__Profile pb;
	Perftools__Profiles__ValueType types[PROFILE_MAX_TYPES];
	Perftools__Profiles__ValueType *type_ptrs[PROFILE_MAX_TYPES];
	Perftools__Profiles__ValueType period_type;
	Perftools__Profiles__Sample *samples, **sample_ptrs;
	Perftools__Profiles__Label *labels, **label_ptrs; /* all label sets, back to back */
	size_t *labelset_first;				  /* label set -> first in label_ptrs */
	Perftools__Profiles__Mapping *mappings, **mapping_ptrs;
	Perftools__Profiles__Location *locations, **location_ptrs;
	Perftools__Profiles__Line *lines, **line_ptrs; /* all locations' lines, back to back */
	Perftools__Profiles__Function *functions, **function_ptrs;
	int64_t *comments;
};

static void
pprof_msg_free(struct pprof_msg *m)
{
	free(m->samples);
	free(m->sample_ptrs);
	free(m->labels);
	free(m->label_ptrs);
	free(m->labelset_first);
	free(m->mappings);
	free(m->mapping_ptrs);
	free(m->locations);
	free(m->location_ptrs);
	free(m->lines);
	free(m->line_ptrs);
	free(m->functions);
	free(m->function_ptrs);
	free(m->comments);
}

static void
pprof_msg_labels(struct pprof_msg *m, const struct profile *p)
{
	size_t i, j, nlabels = 0;

	for (i = 0; i < p->nlabelsets; i++)
		nlabels += p->labelsets[i].n;
	m->labels = xcalloc(nlabels, sizeof(*m->labels));
	m->label_ptrs = xcalloc(nlabels, sizeof(*m->label_ptrs));
	m->labelset_first = xcalloc(p->nlabelsets, sizeof(*m->labelset_first));
	for (i = 0, nlabels = 0; i < p->nlabelsets; i++) {
		m->labelset_first[i] = nlabels;
		for (j = 0; j < p->labelsets[i].n; j++, nlabels++) {
			const struct profile_label *l = &p->labelsets[i].labels[j];
			Perftools__Profiles__Label *pl = &m->labels[nlabels];

			perftools__profiles__label__init(pl);
			pl->key = l->key;
			pl->str = l->str;
			pl->num = l->num;
			pl->num_unit = l->num_unit;
			m->label_ptrs[nlabels] = pl;
		}
	}
}

static void
pprof_msg_samples(struct pprof_msg *m, const struct profile *p)
{
	size_t i;

	m->samples = xcalloc(p->nsamples, sizeof(*m->samples));
	m->sample_ptrs = xcalloc(p->nsamples, sizeof(*m->sample_ptrs));
	for (i = 0; i < p->nsamples; i++) {
		const struct profile_sample *s = &p->samples[i];
		Perftools__Profiles__Sample *ps = &m->samples[i];

		perftools__profiles__sample__init(ps);
		ps->n_location_id = s->nlocs;
		ps->location_id = s->location_ids;
		ps->n_value = p->ntypes;
		ps->value = s->values;
		ps->n_label = p->labelsets[s->labelset].n;
		ps->label = ps->n_label ? &m->label_ptrs[m->labelset_first[s->labelset]] : NULL;
		m->sample_ptrs[i] = ps;
	}
}

static void
pprof_msg_mappings(struct pprof_msg *m, const struct profile *p)
{
	size_t i;

	m->mappings = xcalloc(p->nmappings, sizeof(*m->mappings));
	m->mapping_ptrs = xcalloc(p->nmappings, sizeof(*m->mapping_ptrs));
	for (i = 0; i < p->nmappings; i++) {
		const struct profile_mapping *pm = &p->mappings[i];
		Perftools__Profiles__Mapping *mm = &m->mappings[i];

		perftools__profiles__mapping__init(mm);
		mm->id = pm->id;
		mm->memory_start = pm->start;
		mm->memory_limit = pm->limit;
		mm->file_offset = pm->offset;
		mm->filename = pm->filename;
		mm->build_id = pm->build_id;
		mm->has_functions = pm->has_functions;
		mm->has_filenames = pm->has_filenames;
		mm->has_line_numbers = pm->has_line_numbers;
		mm->has_inline_frames = pm->has_inline_frames;
		m->mapping_ptrs[i] = mm;
	}
}

static void
pprof_msg_locations(struct pprof_msg *m, const struct profile *p)
{
	size_t i, j, nlines = 0;

	for (i = 0; i < p->nlocations; i++)
		nlines += p->locations[i].nlines;
	m->lines = xcalloc(nlines, sizeof(*m->lines));
	m->line_ptrs = xcalloc(nlines, sizeof(*m->line_ptrs));
	m->locations = xcalloc(p->nlocations, sizeof(*m->locations));
	m->location_ptrs = xcalloc(p->nlocations, sizeof(*m->location_ptrs));
	for (i = 0, nlines = 0; i < p->nlocations; i++) {
		const struct profile_location *l = &p->locations[i];
		Perftools__Profiles__Location *ml = &m->locations[i];

		perftools__profiles__location__init(ml);
		ml->id = l->id;
		ml->mapping_id = l->mapping_id;
		ml->address = l->address;
		ml->n_line = l->nlines;
		ml->line = l->nlines ? &m->line_ptrs[nlines] : NULL;
		for (j = 0; j < l->nlines; j++, nlines++) {
			Perftools__Profiles__Line *ln = &m->lines[nlines];

			perftools__profiles__line__init(ln);
			ln->function_id = l->lines[j].function_id;
			ln->line = l->lines[j].line;
			m->line_ptrs[nlines] = ln;
		}
		m->location_ptrs[i] = ml;
	}
}

static void
pprof_msg_functions(struct pprof_msg *m, const struct profile *p)
{
	size_t i;

	m->functions = xcalloc(p->nfunctions, sizeof(*m->functions));
	m->function_ptrs = xcalloc(p->nfunctions, sizeof(*m->function_ptrs));
	for (i = 0; i < p->nfunctions; i++) {
		const struct profile_function *f = &p->functions[i];
		Perftools__Profiles__Function *mf = &m->functions[i];

		perftools__profiles__function__init(mf);
		mf->id = f->id;
		mf->name = f->name;
		mf->system_name = f->system_name;
		mf->filename = f->filename;
		mf->start_line = f->start_line;
		m->function_ptrs[i] = mf;
	}
}

/*
 * Fills m->pb. The messages point into `p` for samples' location ids and values and for the
 * string table (protobuf-c wants non-const pointers but packing only reads them).
 */
static void
pprof_msg_build(struct pprof_msg *m, const struct profile *p)
{
	Perftools__Profiles__Profile *pb = &m->pb;
	size_t i;

	memset(m, 0, sizeof(*m));
	perftools__profiles__profile__init(pb);
	for (i = 0; i < p->ntypes; i++) {
		perftools__profiles__value_type__init(&m->types[i]);
		m->types[i].type = p->types[i].type;
		m->types[i].unit = p->types[i].unit;
		m->type_ptrs[i] = &m->types[i];
	}
	pb->n_sample_type = p->ntypes;
	pb->sample_type = m->type_ptrs;

	pprof_msg_labels(m, p);
	pprof_msg_samples(m, p);
	pb->n_sample = p->nsamples;
	pb->sample = m->sample_ptrs;
	pprof_msg_mappings(m, p);
	pb->n_mapping = p->nmappings;
	pb->mapping = m->mapping_ptrs;
	pprof_msg_locations(m, p);
	pb->n_location = p->nlocations;
	pb->location = m->location_ptrs;
	pprof_msg_functions(m, p);
	pb->n_function = p->nfunctions;
	pb->function = m->function_ptrs;

	pb->n_string_table = p->nstrings;
	pb->string_table = p->strings;
	pb->time_nanos = p->time_nanos;
	pb->duration_nanos = p->duration_nanos;
	perftools__profiles__value_type__init(&m->period_type);
	m->period_type.type = p->period_type.type;
	m->period_type.unit = p->period_type.unit;
	if (p->period_type.type || p->period_type.unit)
		pb->period_type = &m->period_type;
	pb->period = p->period;
	m->comments = xcalloc(p->ncomments, sizeof(*m->comments));
	for (i = 0; i < p->ncomments; i++)
		m->comments[i] = p->comments[i];
	pb->n_comment = p->ncomments;
	pb->comment = m->comments;
	pb->default_sample_type = p->default_type;
}

/* --- packed bytes -> gzip, as protobuf-c hands them over */

struct pprof_gz {
	ProtobufCBuffer base; /* first: protobuf-c calls base.append(&base, ...) */
	z_stream z;
	int err; /* first zlib error, as -errno */
	uint8_t *out;
	size_t len, cap;
	uint8_t *stage;
	size_t nstage;
};

/* Runs deflate over data[0..len) with `flush`, growing the output as needed. */
static void
pprof_gz_deflate(struct pprof_gz *gz, const uint8_t *data, size_t len, int flush)
{
	int ret;

	if (gz->err || (!len && flush == Z_NO_FLUSH))
		return;
	do {
		/* avail_in is a uInt: hand over at most 1 GiB at a time. */
		size_t chunk = len < (1u << 30) ? len : (1u << 30);
		int f = chunk == len ? flush : Z_NO_FLUSH;

		gz->z.next_in = (Bytef *)data;
		gz->z.avail_in = (uInt)chunk;
		do {
			size_t room;

			if (gz->cap - gz->len < 4096)
				xgrow(&gz->out, &gz->cap, gz->cap + 65536, 1);
			room = gz->cap - gz->len;
			if (room > (1u << 30))
				room = 1u << 30;
			gz->z.next_out = gz->out + gz->len;
			gz->z.avail_out = (uInt)room;
			ret = deflate(&gz->z, f);
			gz->len += room - gz->z.avail_out;
			if (ret == Z_STREAM_ERROR) {
				gz->err = -EINVAL;
				return;
			}
		} while (f == Z_FINISH ? ret != Z_STREAM_END : gz->z.avail_in || !gz->z.avail_out);
		data += chunk;
		len -= chunk;
	} while (len);
}

static void
pprof_gz_append(ProtobufCBuffer *buf, size_t len, const uint8_t *data)
{
	struct pprof_gz *gz = (struct pprof_gz *)buf;

	if (len <= PPROF_STAGE_SIZE - gz->nstage) {
		memcpy(gz->stage + gz->nstage, data, len);
		gz->nstage += len;
		return;
	}
	pprof_gz_deflate(gz, gz->stage, gz->nstage, Z_NO_FLUSH);
	gz->nstage = 0;
	if (len >= PPROF_STAGE_SIZE) {
		pprof_gz_deflate(gz, data, len, Z_NO_FLUSH);
	} else {
		memcpy(gz->stage, data, len);
		gz->nstage = len;
	}
}

int
pprof_encode(const struct profile *p, uint8_t **out, size_t *len)
{
	struct pprof_msg m;
	struct pprof_gz gz;
	int ret;

	*out = NULL;
	*len = 0;
	memset(&gz, 0, sizeof(gz));
	gz.base.append = pprof_gz_append;
	/*
	 * windowBits 15 + 16: a gzip wrapper rather than zlib's, which is what pprof expects. Level
	 * 1, as Go's runtime/pprof: on large profiles it is much faster than the default for files
	 * a few percent bigger, and the user is waiting for the profile at the end of the run.
	 */
	ret = deflateInit2(&gz.z, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
	if (ret != Z_OK)
		return ret == Z_MEM_ERROR ? -ENOMEM : -EINVAL;
	gz.stage = xmalloc(PPROF_STAGE_SIZE);

	pprof_msg_build(&m, p);
	protobuf_c_message_pack_to_buffer(&m.pb.base, &gz.base);
	pprof_msg_free(&m);
	pprof_gz_deflate(&gz, gz.stage, gz.nstage, Z_FINISH);
	deflateEnd(&gz.z);
	free(gz.stage);
	if (gz.err) {
		free(gz.out);
		return gz.err;
	}
	*out = gz.out;
	*len = gz.len;
	return 0;
}

int
pprof_write_file(const struct profile *p, const char *path, char **cause)
{
	uint8_t *buf;
	size_t len;
	int ret;

	*cause = NULL;
	ret = outfile_check(path, cause);
	if (ret < 0)
		return ret;
	ret = pprof_encode(p, &buf, &len);
	if (ret < 0) {
		*cause = log_cause("cannot encode the profile for '%s': %s", path, strerror(-ret));
		return ret;
	}
	ret = outfile_write(path, buf, len, cause);
	free(buf);
	return ret;
}

/* --- reading */

/* Inflates gzip data (one or more members), refusing more than PPROF_MAX_DECODED bytes. */
static int
pprof_gunzip(const uint8_t *data, size_t len, uint8_t **out, size_t *outlen, char **cause)
{
	const uint8_t *end = data + len;
	z_stream z;
	uint8_t *buf = NULL;
	size_t cap = 0, n = 0, room, left;
	int ret;

	*out = NULL;
	*outlen = 0;
	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 15 + 16) != Z_OK) {
		*cause = log_cause("cannot decompress: %s", z.msg ? z.msg : "zlib init failed");
		return -ENOMEM;
	}
	z.next_in = (Bytef *)data;
	for (;;) {
		if (n == cap) {
			/* Up to one byte over the limit, to tell "exactly 1 GiB" from "more". */
			size_t ncap = cap ? cap * 2 : (len < 16384 ? 65536 : len * 4);

			if (ncap > PPROF_MAX_DECODED + 1)
				ncap = PPROF_MAX_DECODED + 1;
			buf = xrealloc(buf, ncap);
			cap = ncap;
		}
		/* avail_in and avail_out are uInt: feed and drain at most 1 GiB at a time. */
		left = (size_t)(end - z.next_in);
		z.avail_in = (uInt)(left < (1u << 30) ? left : (1u << 30));
		room = cap - n < (1u << 30) ? cap - n : (1u << 30);
		z.next_out = buf + n;
		z.avail_out = (uInt)room;
		ret = inflate(&z, Z_NO_FLUSH);
		n += room - z.avail_out;
		if (n > PPROF_MAX_DECODED) {
			*cause = log_cause(
				"not a pprof profile: more than %zu MiB once decompressed",
				PPROF_MAX_DECODED >> 20);
			ret = -EFBIG;
			goto fail;
		}
		if (ret == Z_STREAM_END) {
			if (z.next_in == end)
				break;
			/* Concatenated gzip members make one stream, as gunzip has it. */
			if (end - z.next_in >= 2 && z.next_in[0] == 0x1f && z.next_in[1] == 0x8b) {
				inflateReset(&z);
				continue;
			}
			*cause = log_cause(
				"not a pprof profile: trailing garbage after the gzip data");
			ret = -EINVAL;
			goto fail;
		}
		if (ret == Z_OK || (ret == Z_BUF_ERROR && !z.avail_out))
			continue;
		if (ret == Z_BUF_ERROR && z.next_in == end) {
			/* No input left, output room left, and the stream has not ended. */
			*cause = log_cause("not a pprof profile: truncated gzip data");
			ret = -EINVAL;
			goto fail;
		}
		*cause = log_cause("not a pprof profile: corrupt gzip data (%s)",
				   z.msg ? z.msg : "unknown zlib error");
		ret = ret == Z_MEM_ERROR ? -ENOMEM : -EINVAL;
		goto fail;
	}
	inflateEnd(&z);
	*out = buf;
	*outlen = n;
	return 0;

fail:
	inflateEnd(&z);
	free(buf);
	return ret;
}

/* File ids (of mappings, locations or functions) -> dense index + 1. */
struct pprof_ids {
	uint64_t *ids;
	size_t n;
	struct table index;
};

static bool
pprof_ids_eq(uint32_t id, const void *key, void *arg)
{
	const struct pprof_ids *m = arg;

	return m->ids[id] == *(const uint64_t *)key;
}

/* 0 when the id is not in the file. */
static uint64_t
pprof_ids_find(const struct pprof_ids *m, uint64_t id)
{
	uint32_t i = table_find(&m->index, table_hash_u64(id, 0), &id, pprof_ids_eq, (void *)m);

	return i == TABLE_NONE ? 0 : (uint64_t)i + 1;
}

static int
pprof_ids_add(struct pprof_ids *m, uint64_t id, const char *what, char **cause)
{
	if (!id) {
		*cause = log_cause("malformed pprof profile: %s with id 0", what);
		return -EINVAL;
	}
	if (pprof_ids_find(m, id)) {
		*cause = log_cause("malformed pprof profile: duplicate %s id %" PRIu64, what, id);
		return -EINVAL;
	}
	m->ids[m->n] = id;
	table_insert(&m->index, table_hash_u64(id, 0), (uint32_t)m->n);
	m->n++;
	return 0;
}

static void
pprof_ids_init(struct pprof_ids *m, size_t n)
{
	m->ids = xcalloc(n, sizeof(*m->ids));
	m->n = 0;
	table_init(&m->index);
}

static void
pprof_ids_free(struct pprof_ids *m)
{
	free(m->ids);
	table_free(&m->index);
}

/* Checks a string index read from the file and stores it in *dst; false with *cause set. */
static bool
pprof_str(const Perftools__Profiles__Profile *pb, int64_t idx, uint32_t *dst, const char *what,
	  char **cause)
{
	if (idx < 0 || (uint64_t)idx >= pb->n_string_table) {
		*cause = log_cause("malformed pprof profile: %s refers to string %" PRId64
				   ", but there are %zu strings",
				   what, idx, pb->n_string_table);
		return false;
	}
	*dst = (uint32_t)idx;
	return true;
}

static int
pprof_convert_header(struct profile *p, const Perftools__Profiles__Profile *pb, char **cause)
{
	uint32_t unused;
	size_t i;

	if (pb->n_sample_type > PROFILE_MAX_TYPES) {
		*cause = log_cause("unsupported pprof profile: %zu sample types (at most %d)",
				   pb->n_sample_type, PROFILE_MAX_TYPES);
		return -EINVAL;
	}
	for (i = 0; i < pb->n_sample_type; i++) {
		if (!pprof_str(pb, pb->sample_type[i]->type, &p->types[i].type, "a sample type",
			       cause) ||
		    !pprof_str(pb, pb->sample_type[i]->unit, &p->types[i].unit, "a sample unit",
			       cause))
			return -EINVAL;
	}
	p->ntypes = pb->n_sample_type;
	if (pb->period_type &&
	    (!pprof_str(pb, pb->period_type->type, &p->period_type.type, "the period type",
			cause) ||
	     !pprof_str(pb, pb->period_type->unit, &p->period_type.unit, "the period unit", cause)))
		return -EINVAL;
	p->period = pb->period;
	p->time_nanos = pb->time_nanos;
	p->duration_nanos = pb->duration_nanos;
	if (!pprof_str(pb, pb->default_sample_type, &p->default_type, "default_sample_type",
		       cause) ||
	    !pprof_str(pb, pb->drop_frames, &unused, "drop_frames", cause) ||
	    !pprof_str(pb, pb->keep_frames, &unused, "keep_frames", cause) ||
	    !pprof_str(pb, pb->doc_url, &unused, "doc_url", cause))
		return -EINVAL;
	xgrow(&p->comments, &p->cap_comments, pb->n_comment, sizeof(*p->comments));
	for (i = 0; i < pb->n_comment; i++) {
		if (!pprof_str(pb, pb->comment[i], &p->comments[i], "a comment", cause))
			return -EINVAL;
		p->ncomments++;
	}
	return 0;
}

static int
pprof_convert_mappings(struct profile *p, const Perftools__Profiles__Profile *pb,
		       struct pprof_ids *ids, char **cause)
{
	size_t i;

	for (i = 0; i < pb->n_mapping; i++) {
		const Perftools__Profiles__Mapping *mm = pb->mapping[i];
		struct profile_mapping m;

		memset(&m, 0, sizeof(m));
		if (pprof_ids_add(ids, mm->id, "mapping", cause) < 0 ||
		    !pprof_str(pb, mm->filename, &m.filename, "a mapping's file name", cause) ||
		    !pprof_str(pb, mm->build_id, &m.build_id, "a mapping's build id", cause))
			return -EINVAL;
		m.start = mm->memory_start;
		m.limit = mm->memory_limit;
		m.offset = mm->file_offset;
		m.has_functions = mm->has_functions;
		m.has_filenames = mm->has_filenames;
		m.has_line_numbers = mm->has_line_numbers;
		m.has_inline_frames = mm->has_inline_frames;
		profile_add_mapping(p, &m);
	}
	return 0;
}

static int
pprof_convert_functions(struct profile *p, const Perftools__Profiles__Profile *pb,
			struct pprof_ids *ids, char **cause)
{
	size_t i;

	/* Filled directly, not interned: a file may list equal functions under different ids. */
	xgrow(&p->functions, &p->cap_functions, pb->n_function, sizeof(*p->functions));
	for (i = 0; i < pb->n_function; i++) {
		const Perftools__Profiles__Function *mf = pb->function[i];
		struct profile_function *f = &p->functions[i];

		memset(f, 0, sizeof(*f));
		if (pprof_ids_add(ids, mf->id, "function", cause) < 0 ||
		    !pprof_str(pb, mf->name, &f->name, "a function name", cause) ||
		    !pprof_str(pb, mf->system_name, &f->system_name, "a function system name",
			       cause) ||
		    !pprof_str(pb, mf->filename, &f->filename, "a function file name", cause))
			return -EINVAL;
		f->id = i + 1;
		f->start_line = mf->start_line;
		p->nfunctions++;
	}
	return 0;
}

static int
pprof_convert_locations(struct profile *p, const Perftools__Profiles__Profile *pb,
			const struct pprof_ids *mapping_ids, const struct pprof_ids *function_ids,
			struct pprof_ids *ids, char **cause)
{
	size_t i, j;

	/* Filled directly: a file may hold several locations at one address (e.g. address 0). */
	xgrow(&p->locations, &p->cap_locations, pb->n_location, sizeof(*p->locations));
	for (i = 0; i < pb->n_location; i++) {
		const Perftools__Profiles__Location *ml = pb->location[i];
		struct profile_location *l = &p->locations[i];

		memset(l, 0, sizeof(*l));
		if (pprof_ids_add(ids, ml->id, "location", cause) < 0)
			return -EINVAL;
		l->id = i + 1;
		/* pprof itself tolerates a dangling mapping id (no mapping); so do we. */
		l->mapping_id = ml->mapping_id ? pprof_ids_find(mapping_ids, ml->mapping_id) : 0;
		l->address = ml->address;
		p->nlocations++;
		if (!ml->n_line)
			continue;
		l->lines = xcalloc(ml->n_line, sizeof(*l->lines));
		l->nlines = ml->n_line;
		for (j = 0; j < ml->n_line; j++) {
			uint64_t fid = pprof_ids_find(function_ids, ml->line[j]->function_id);

			if (!fid) {
				*cause = log_cause("malformed pprof profile: location %" PRIu64
						   " has a line with unknown function id %" PRIu64,
						   ml->id, ml->line[j]->function_id);
				return -EINVAL;
			}
			l->lines[j].function_id = fid;
			l->lines[j].line = ml->line[j]->line;
		}
	}
	return 0;
}

static int
pprof_convert_samples(struct profile *p, const Perftools__Profiles__Profile *pb,
		      const struct pprof_ids *location_ids, char **cause)
{
	uint64_t *locs = NULL;
	struct profile_label *labels = NULL;
	size_t cap_locs = 0, cap_labels = 0, i, j;
	int ret = -EINVAL;

	for (i = 0; i < pb->n_sample; i++) {
		const Perftools__Profiles__Sample *ms = pb->sample[i];

		if (ms->n_value != p->ntypes) {
			*cause =
				log_cause("malformed pprof profile: sample %zu has %zu values, but "
					  "there are %zu sample types",
					  i, ms->n_value, p->ntypes);
			goto out;
		}
		xgrow(&locs, &cap_locs, ms->n_location_id, sizeof(*locs));
		for (j = 0; j < ms->n_location_id; j++) {
			locs[j] = pprof_ids_find(location_ids, ms->location_id[j]);
			if (!locs[j]) {
				*cause = log_cause("malformed pprof profile: sample %zu refers to "
						   "unknown location id %" PRIu64,
						   i, ms->location_id[j]);
				goto out;
			}
		}
		xgrow(&labels, &cap_labels, ms->n_label, sizeof(*labels));
		for (j = 0; j < ms->n_label; j++) {
			const Perftools__Profiles__Label *ml = ms->label[j];

			memset(&labels[j], 0, sizeof(labels[j]));
			if (!pprof_str(pb, ml->key, &labels[j].key, "a label key", cause) ||
			    !pprof_str(pb, ml->str, &labels[j].str, "a label value", cause) ||
			    !pprof_str(pb, ml->num_unit, &labels[j].num_unit, "a label unit",
				       cause))
				goto out;
			labels[j].num = ml->num;
		}
		profile_add_sample(p, locs, ms->n_location_id,
				   profile_labelset(p, labels, ms->n_label), ms->value);
	}
	ret = 0;
out:
	free(locs);
	free(labels);
	return ret;
}

/* Checks and copies an unpacked Profile. String indices stay those of the file. */
static struct profile *
pprof_convert(const Perftools__Profiles__Profile *pb, char **cause)
{
	struct pprof_ids mapping_ids, function_ids, location_ids;
	struct profile *p;
	size_t i;
	int ret;

	if (!pb->n_string_table) {
		*cause = log_cause("not a pprof profile: no string table");
		return NULL;
	}
	if (pb->string_table[0][0]) {
		*cause = log_cause("malformed pprof profile: string_table[0] must be \"\"");
		return NULL;
	}
	if (pb->n_string_table >= TABLE_NONE) {
		*cause = log_cause("unsupported pprof profile: %zu strings", pb->n_string_table);
		return NULL;
	}

	p = profile_create();
	/* Copied as they are, duplicates included, so that the file's indices stay valid. */
	xgrow(&p->strings, &p->cap_strings, pb->n_string_table, sizeof(*p->strings));
	for (i = 1; i < pb->n_string_table; i++)
		p->strings[p->nstrings++] = xstrdup(pb->string_table[i]);

	pprof_ids_init(&mapping_ids, pb->n_mapping);
	pprof_ids_init(&function_ids, pb->n_function);
	pprof_ids_init(&location_ids, pb->n_location);
	ret = pprof_convert_header(p, pb, cause);
	if (!ret)
		ret = pprof_convert_mappings(p, pb, &mapping_ids, cause);
	if (!ret)
		ret = pprof_convert_functions(p, pb, &function_ids, cause);
	if (!ret)
		ret = pprof_convert_locations(p, pb, &mapping_ids, &function_ids, &location_ids,
					      cause);
	if (!ret) {
		profile_reindex(p);
		ret = pprof_convert_samples(p, pb, &location_ids, cause);
	}
	pprof_ids_free(&mapping_ids);
	pprof_ids_free(&function_ids);
	pprof_ids_free(&location_ids);
	if (ret < 0) {
		profile_free(p);
		return NULL;
	}
	return p;
}

struct profile *
pprof_decode(const uint8_t *data, size_t len, char **cause)
{
	Perftools__Profiles__Profile *pb;
	struct profile *p;
	uint8_t *raw = NULL;

	*cause = NULL;
	if (!len) {
		*cause = log_cause("not a pprof profile: empty file");
		return NULL;
	}
	if (len >= 2 && data[0] == 0x1f && data[1] == 0x8b) {
		if (pprof_gunzip(data, len, &raw, &len, cause) < 0)
			return NULL;
		data = raw;
	}
	/* protobuf-c copies strings out of the input, so `raw` can go right after. */
	pb = perftools__profiles__profile__unpack(NULL, len, data);
	free(raw);
	if (!pb) {
		*cause = log_cause("not a pprof profile: invalid protobuf data");
		return NULL;
	}
	p = pprof_convert(pb, cause);
	perftools__profiles__profile__free_unpacked(pb, NULL);
	return p;
}
