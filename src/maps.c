/*
 * maps: a registry of every mapping ever seen (indexed by id, freed only by maps_free) plus, per
 * process, a sorted array of pointers into it. Mapping objects are never edited once created:
 * when a new mapping covers part of an old one, the surviving parts become new objects and the
 * old object stays intact, because samples resolved earlier still point at it.
 */
#include "config.h"

#include "maps.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <elf.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <unistd.h>

#include "table.h"
#include "xalloc.h"

/* One process's address space: non-overlapping mappings sorted by start. */
struct maps_space {
	pid_t pid;
	const struct maps_mapping **v;
	size_t n, cap;
};

struct maps {
	struct maps_mapping **all; /* all[id - 1] */
	size_t nall, capall;
	struct maps_space *spaces; /* indexed by the ids stored in `pids` */
	size_t nspaces, capspaces;
	struct table pids;
	struct maps_mapping *kernel;

	/* maps_keep_files: every file seen mapped (kept or not), by (path, device, inode) */
	struct maps_file **files;
	size_t nfiles, capfiles, keep_max;
	struct table files_index;
	struct maps_files_stats files_stats;
};

/* The kernel's half of the x86-64/arm64 48-bit address space, up to the top. */
#define MAPS_KERNEL_START 0xffff800000000000ULL

/* --- parsing /proc/PID/maps --- */

/* Hex digits up to a non-hex character; rejects empty numbers and overflow. */
static int
maps_parse_hex(const char **pp, uint64_t max, uint64_t *out)
{
	const char *p = *pp;
	uint64_t v = 0;
	int d;

	for (; *p; p++) {
		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if (*p >= 'a' && *p <= 'f')
			d = *p - 'a' + 10;
		else if (*p >= 'A' && *p <= 'F')
			d = *p - 'A' + 10;
		else
			break;
		if (v > (max - (uint64_t)d) / 16)
			return -EINVAL;
		v = v * 16 + (uint64_t)d;
	}
	if (p == *pp)
		return -EINVAL;
	*pp = p;
	*out = v;
	return 0;
}

static int
maps_parse_dec(const char **pp, uint64_t *out)
{
	const char *p = *pp;
	uint64_t v = 0;

	for (; *p >= '0' && *p <= '9'; p++) {
		uint64_t d = (uint64_t)(*p - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	if (p == *pp)
		return -EINVAL;
	*pp = p;
	*out = v;
	return 0;
}

/* Consumes exactly the character `c`. */
static int
maps_parse_char(const char **pp, char c)
{
	if (**pp != c)
		return -EINVAL;
	(*pp)++;
	return 0;
}

/* One permission flag: `yes` or '-'. */
static int
maps_parse_perm(const char **pp, char yes, bool *out)
{
	if (**pp == yes)
		*out = true;
	else if (**pp == '-')
		*out = false;
	else
		return -EINVAL;
	(*pp)++;
	return 0;
}

int
maps_parse_line(char *line, struct maps_line *out)
{
	const char *p = line;
	uint64_t maj, min;
	size_t len;
	char *path;

	memset(out, 0, sizeof(*out));
	len = strlen(line);
	if (len && line[len - 1] == '\n')
		line[--len] = '\0';

	if (maps_parse_hex(&p, UINT64_MAX, &out->start) || maps_parse_char(&p, '-') ||
	    maps_parse_hex(&p, UINT64_MAX, &out->end) || maps_parse_char(&p, ' '))
		return -EINVAL;
	if (out->end <= out->start)
		return -EINVAL;

	if (maps_parse_perm(&p, 'r', &out->r) || maps_parse_perm(&p, 'w', &out->w) ||
	    maps_parse_perm(&p, 'x', &out->x))
		return -EINVAL;
	if (*p == 'p')
		out->p = true;
	else if (*p != 's')
		return -EINVAL;
	p++;

	if (maps_parse_char(&p, ' ') || maps_parse_hex(&p, UINT64_MAX, &out->pgoff) ||
	    maps_parse_char(&p, ' ') || maps_parse_hex(&p, UINT32_MAX, &maj) ||
	    maps_parse_char(&p, ':') || maps_parse_hex(&p, UINT32_MAX, &min) ||
	    maps_parse_char(&p, ' ') || maps_parse_dec(&p, &out->ino))
		return -EINVAL;
	out->maj = (uint32_t)maj;
	out->min = (uint32_t)min;

	/*
	 * The kernel pads with spaces up to a column before the path, and prints no path for
	 * anonymous memory. Everything after the padding is the path, spaces and " (deleted)"
	 * included, since file names may contain spaces.
	 */
	if (*p != '\0' && *p != ' ')
		return -EINVAL;
	while (*p == ' ')
		p++;
	path = line + (p - line);
	out->path = path;
	return 0;
}

/* --- the registry and address spaces --- */

struct maps *
maps_create(void)
{
	struct maps *m = xcalloc(1, sizeof(*m));

	table_init(&m->pids);
	table_init(&m->files_index);
	return m;
}

void
maps_free(struct maps *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->nall; i++) {
		free(m->all[i]->path);
		free(m->all[i]);
	}
	free(m->all);
	for (i = 0; i < m->nspaces; i++)
		free(m->spaces[i].v);
	free(m->spaces);
	table_free(&m->pids);
	for (i = 0; i < m->nfiles; i++) {
		if (m->files[i]->fd >= 0)
			close(m->files[i]->fd);
		free(m->files[i]->path);
		free(m->files[i]);
	}
	free(m->files);
	table_free(&m->files_index);
	free(m);
}

/* --- the files behind mappings --- */

void
maps_keep_files(struct maps *m, size_t max)
{
	m->keep_max = max;
}

const struct maps_files_stats *
maps_files_stats(const struct maps *m)
{
	return &m->files_stats;
}

/*
 * Whether `fd` is the file `mm` maps. Where the devices differ (overlayfs shows its own in
 * stat, the real file's in /proc/PID/maps) the inodes cannot be compared, and the file is
 * taken to be it, as symbolization does.
 */
static bool
maps_file_is(int fd, const struct maps_mapping *mm)
{
	struct stat st;

	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		return false;
	if (major(st.st_dev) != mm->maj || minor(st.st_dev) != mm->min)
		return true;
	return st.st_ino == mm->ino;
}

/*
 * Opens the file that `mm` maps in `pid`: the path when it still holds the mapped inode, else
 * the mapping itself through /proc/PID/map_files (the original inode, whatever the path holds
 * now). -1 when neither works.
 */
static int
maps_file_open(pid_t pid, const struct maps_mapping *mm, bool *map_files)
{
	char proc[96];
	int fd;

	/* (A deleted file's path ends in " (deleted)": usually no file, at worst another one.) */
	*map_files = false;
	fd = open(mm->path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && maps_file_is(fd, mm))
		return fd;
	if (fd >= 0)
		close(fd);
	if (pid <= 0)
		return -1;
	snprintf(proc, sizeof(proc), "/proc/%d/map_files/%llx-%llx", (int)pid,
		 (unsigned long long)mm->start, (unsigned long long)mm->end);
	fd = open(proc, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	/* The range may hold another mapping by now (records are read late): check. */
	if (!maps_file_is(fd, mm)) {
		close(fd);
		return -1;
	}
	*map_files = true;
	return fd;
}

static bool
maps_mem_read(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = {buf, len};
	struct iovec remote = {(void *)(uintptr_t)addr, len};

	return process_vm_readv(pid, &local, 1, &remote, 1, 0) == (ssize_t)len;
}

size_t
maps_notes_build_id(const uint8_t *buf, size_t len, const uint8_t **id)
{
	size_t pos = 0;

	while (len - pos >= sizeof(Elf64_Nhdr)) {
		Elf64_Nhdr nh;
		size_t namesz, descsz;

		memcpy(&nh, buf + pos, sizeof(nh));
		pos += sizeof(nh);
		namesz = ((size_t)nh.n_namesz + 3) & ~(size_t)3;
		descsz = ((size_t)nh.n_descsz + 3) & ~(size_t)3;
		if (namesz > len - pos || descsz > len - pos - namesz)
			return 0;
		if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
		    memcmp(buf + pos, "GNU", 4) == 0 && nh.n_descsz > 0) {
			*id = buf + pos + namesz;
			return nh.n_descsz;
		}
		pos += namesz + descsz;
	}
	return 0;
}

/* The GNU build-id in `len` bytes of ELF notes, into f. */
static void
maps_file_notes(struct maps_file *f, const uint8_t *buf, size_t len)
{
	const uint8_t *id;
	size_t n = maps_notes_build_id(buf, len, &id);

	if (n > 0 && n <= sizeof(f->build_id)) {
		memcpy(f->build_id, id, n);
		f->build_id_size = (uint8_t)n;
	}
}

/*
 * A file we cannot open any more, read from the process that maps it: its ELF header and
 * program headers (mapped at the start of its first PT_LOAD, which the loader places just
 * below mapping `mm`'s pages in the usual layouts: checked), its PT_LOADs and its build-id
 * note. 64-bit native-endian ELF only. Leaves f->build_id_size 0 when anything does not fit.
 */
static void
maps_file_from_memory(struct maps_file *f, pid_t pid, const struct maps_mapping *mm)
{
	uint64_t base = mm->start - mm->pgoff, bias = 0, seg_start, page = ~(uint64_t)4095;
	long ps = sysconf(_SC_PAGESIZE);
	Elf64_Phdr ph[32];
	Elf64_Ehdr eh;
	uint8_t notes[1024];
	size_t i, nph;
	bool first = true, covered = false;

	if (ps > 0)
		page = ~((uint64_t)ps - 1); /* the loader maps segments at page granularity */
	if (mm->pgoff > mm->start || !maps_mem_read(pid, base, &eh, sizeof(eh)))
		return;
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 || eh.e_phoff > 4096)
		return;
	nph = eh.e_phnum < 32 ? eh.e_phnum : 32;
	if (!maps_mem_read(pid, base + eh.e_phoff, ph, nph * sizeof(*ph)))
		return;
	for (i = 0; i < nph; i++) {
		if (ph[i].p_type != PT_LOAD)
			continue;
		if (first) {
			/* ET_DYN: load bias from the first PT_LOAD, which holds the header */
			if (eh.e_type == ET_DYN)
				bias = base - (ph[i].p_vaddr & page);
			first = false;
		}
		if (f->nloads < sizeof(f->loads) / sizeof(f->loads[0])) {
			f->loads[f->nloads].offset = ph[i].p_offset;
			f->loads[f->nloads].vaddr = ph[i].p_vaddr;
			f->loads[f->nloads].filesz = ph[i].p_filesz;
			f->loads[f->nloads].memsz = ph[i].p_memsz;
			f->nloads++;
		}
		/* The segment `mm` maps must land where `mm` is, or base was a wrong guess. */
		if (mm->pgoff >= (ph[i].p_offset & page) &&
		    mm->pgoff < ph[i].p_offset + ph[i].p_filesz) {
			seg_start = bias + (ph[i].p_vaddr & page) +
				    (mm->pgoff - (ph[i].p_offset & page));
			covered = seg_start == mm->start;
		}
	}
	if (!covered) {
		f->nloads = 0;
		return;
	}
	for (i = 0; i < nph && !f->build_id_size; i++) {
		size_t len = ph[i].p_filesz < sizeof(notes) ? ph[i].p_filesz : sizeof(notes);

		if (ph[i].p_type == PT_NOTE && maps_mem_read(pid, bias + ph[i].p_vaddr, notes, len))
			maps_file_notes(f, notes, len);
	}
	if (!f->build_id_size)
		f->nloads = 0;
}

static bool
maps_file_eq(uint32_t id, const void *key, void *arg)
{
	const struct maps *m = arg;
	const struct maps_mapping *k = key;
	const struct maps_file *f = m->files[id];

	return f->maj == k->maj && f->min == k->min && f->ino == k->ino &&
	       strcmp(f->path, k->path) == 0;
}

/* The kept file of new mapping `mm` of `pid`, opened the first time the file is seen. */
static const struct maps_file *
maps_file_keep(struct maps *m, pid_t pid, const struct maps_mapping *mm)
{
	struct maps_file *f;
	uint64_t h;
	uint32_t id;

	if (!mm->ino || !mm->path || mm->path[0] != '/' || mm->path[1] == '/' ||
	    strncmp(mm->path, "/memfd:", 7) == 0)
		return NULL;
	h = table_hash_bytes(mm->path, strlen(mm->path), 0);
	h = table_hash_u64(((uint64_t)mm->maj << 32 | mm->min) ^ mm->ino, h);
	id = table_find(&m->files_index, h, mm, maps_file_eq, m);
	if (id != TABLE_NONE)
		return m->files[id]->fd >= 0 || m->files[id]->build_id_size ? m->files[id] : NULL;
	if (m->files_stats.kept >= m->keep_max) {
		m->files_stats.over_limit++;
		return NULL;
	}
	f = xcalloc(1, sizeof(*f));
	f->path = xstrdup(mm->path);
	f->maj = mm->maj;
	f->min = mm->min;
	f->ino = mm->ino;
	f->fd = maps_file_open(pid, mm, &f->map_files);
	xgrow(&m->files, &m->capfiles, m->nfiles + 1, sizeof(*m->files));
	m->files[m->nfiles] = f;
	table_insert(&m->files_index, h, (uint32_t)m->nfiles);
	m->nfiles++;
	if (f->fd >= 0) {
		m->files_stats.kept++;
		m->files_stats.map_files += f->map_files;
	} else {
		m->files_stats.failed++;
		if (pid > 0)
			maps_file_from_memory(f, pid, mm);
		m->files_stats.build_ids += f->build_id_size > 0;
	}
	return f->fd >= 0 || f->build_id_size ? f : NULL;
}

/*
 * Registers a copy of `tmpl` (path duplicated) under the next id, with the given range, as
 * mapped by `pid`.
 */
static struct maps_mapping *
maps_new(struct maps *m, pid_t pid, const struct maps_mapping *tmpl, uint64_t start, uint64_t end,
	 uint64_t pgoff)
{
	struct maps_mapping *mm = xmalloc(sizeof(*mm));

	*mm = *tmpl;
	mm->pid = pid;
	mm->path = xstrdup(tmpl->path ? tmpl->path : "");
	mm->start = start;
	mm->end = end;
	mm->pgoff = pgoff;
	xgrow(&m->all, &m->capall, m->nall + 1, sizeof(*m->all));
	m->all[m->nall++] = mm;
	mm->id = (uint32_t)m->nall;
	return mm;
}

static bool
maps_pid_eq(uint32_t id, const void *key, void *arg)
{
	const struct maps *m = arg;

	return m->spaces[id].pid == *(const pid_t *)key;
}

static struct maps_space *
maps_space_find(const struct maps *m, pid_t pid)
{
	uint32_t id = table_find(&m->pids, table_hash_u64((uint64_t)pid, 0), &pid, maps_pid_eq,
				 (void *)m);

	return id == TABLE_NONE ? NULL : &m->spaces[id];
}

static struct maps_space *
maps_space_get(struct maps *m, pid_t pid)
{
	struct maps_space *sp = maps_space_find(m, pid);

	if (sp)
		return sp;
	xgrow(&m->spaces, &m->capspaces, m->nspaces + 1, sizeof(*m->spaces));
	sp = &m->spaces[m->nspaces];
	memset(sp, 0, sizeof(*sp));
	sp->pid = pid;
	table_insert(&m->pids, table_hash_u64((uint64_t)pid, 0), (uint32_t)m->nspaces);
	m->nspaces++;
	return sp;
}

/* Index of the first mapping whose end is above `addr` (sp->n if none). */
static size_t
maps_space_lower(const struct maps_space *sp, uint64_t addr)
{
	size_t lo = 0, hi = sp->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (sp->v[mid]->end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool
maps_same(const struct maps_mapping *a, const struct maps_mapping *b)
{
	const char *pa = a->path ? a->path : "", *pb = b->path ? b->path : "";

	return a->start == b->start && a->end == b->end && a->pgoff == b->pgoff &&
	       a->kernel == b->kernel && strcmp(pa, pb) == 0;
}

const struct maps_mapping *
maps_add(struct maps *m, pid_t pid, const struct maps_mapping *tmpl)
{
	const struct maps_mapping *repl[3];
	struct maps_space *sp;
	size_t first, last, nrepl = 0, ntail;
	struct maps_mapping *mm;

	if (tmpl->end <= tmpl->start)
		return NULL;
	sp = maps_space_get(m, pid);

	/* [first, last): the mappings that overlap the new one. */
	first = maps_space_lower(sp, tmpl->start);
	for (last = first; last < sp->n && sp->v[last]->start < tmpl->end; last++)
		;

	/* Both /proc synthesis and the kernel's MMAP2 record can report the same mapping. */
	if (last == first + 1 && maps_same(sp->v[first], tmpl))
		return sp->v[first];

	/* Only the first and last overlapped mappings can stick out past the new one. */
	if (first < last && sp->v[first]->start < tmpl->start) {
		const struct maps_mapping *o = sp->v[first];
		repl[nrepl++] = maps_new(m, pid, o, o->start, tmpl->start, o->pgoff);
	}
	mm = maps_new(m, pid, tmpl, tmpl->start, tmpl->end, tmpl->pgoff);
	if (m->keep_max && !mm->file)
		mm->file = maps_file_keep(m, pid, mm);
	repl[nrepl++] = mm;
	if (first < last && sp->v[last - 1]->end > tmpl->end) {
		const struct maps_mapping *o = sp->v[last - 1];
		repl[nrepl++] =
			maps_new(m, pid, o, tmpl->end, o->end, o->pgoff + (tmpl->end - o->start));
	}

	/* Replace v[first, last) by repl[0, nrepl). */
	xgrow(&sp->v, &sp->cap, sp->n - (last - first) + nrepl, sizeof(*sp->v));
	ntail = sp->n - last;
	memmove(&sp->v[first + nrepl], &sp->v[last], ntail * sizeof(*sp->v));
	memcpy(&sp->v[first], repl, nrepl * sizeof(*repl));
	sp->n = first + nrepl + ntail;
	return mm;
}

void
maps_exec(struct maps *m, pid_t pid)
{
	struct maps_space *sp = maps_space_find(m, pid);

	if (sp)
		sp->n = 0;
}

void
maps_fork(struct maps *m, pid_t parent, pid_t child)
{
	struct maps_space *psp, *csp;

	if (parent == child)
		return;
	/* Get the child first: creating it may move the spaces array. */
	csp = maps_space_get(m, child);
	psp = maps_space_find(m, parent);
	/*
	 * Records from per-CPU buffers can arrive out of order: if the child's own mappings (its
	 * exec, say) came first, they are newer than the parent's and win.
	 */
	if (csp->n)
		return;
	if (!psp || !psp->n)
		return;
	xgrow(&csp->v, &csp->cap, psp->n, sizeof(*csp->v));
	memcpy(csp->v, psp->v, psp->n * sizeof(*csp->v));
	csp->n = psp->n;
}

const struct maps_mapping *
maps_find(const struct maps *m, pid_t pid, uint64_t addr)
{
	const struct maps_space *sp = maps_space_find(m, pid);
	size_t i;

	if (!sp)
		return NULL;
	i = maps_space_lower(sp, addr);
	if (i < sp->n && sp->v[i]->start <= addr)
		return sp->v[i];
	return NULL;
}

const struct maps_mapping *
maps_kernel(struct maps *m)
{
	struct maps_mapping tmpl;

	if (m->kernel)
		return m->kernel;
	memset(&tmpl, 0, sizeof(tmpl));
	tmpl.path = (char *)"[kernel.kallsyms]";
	tmpl.kernel = true;
	m->kernel = maps_new(m, -1, &tmpl, MAPS_KERNEL_START, UINT64_MAX, 0);
	return m->kernel;
}

size_t
maps_count(const struct maps *m)
{
	return m->nall;
}

const struct maps_mapping *
maps_get(const struct maps *m, uint32_t id)
{
	if (id == 0 || id > m->nall)
		return NULL;
	return m->all[id - 1];
}

/* --- /proc/PID/maps --- */

int
maps_load_proc(struct maps *m, pid_t pid)
{
	char fname[64], *line = NULL;
	size_t cap = 0;
	int err = 0;
	FILE *f;

	snprintf(fname, sizeof(fname), "/proc/%d/maps", (int)pid);
	f = fopen(fname, "re");
	if (!f)
		return -errno;
	errno = 0;
	while (getline(&line, &cap, f) >= 0) {
		struct maps_mapping tmpl;
		struct maps_line ml;

		/* A line we cannot read is reported, but does not cost us the rest of the file. */
		if (maps_parse_line(line, &ml) < 0) {
			err = -EINVAL;
			continue;
		}
		/* [vsyscall] is fixed legacy kernel code, never sampled as user code nowadays. */
		if (!ml.x || strcmp(ml.path, "[vsyscall]") == 0)
			continue;
		memset(&tmpl, 0, sizeof(tmpl));
		tmpl.start = ml.start;
		tmpl.end = ml.end;
		tmpl.pgoff = ml.pgoff;
		tmpl.maj = ml.maj;
		tmpl.min = ml.min;
		tmpl.ino = ml.ino;
		tmpl.path = (char *)(ml.path[0] ? ml.path : "//anon");
		maps_add(m, pid, &tmpl);
	}
	if (ferror(f) && !err)
		err = errno ? -errno : -EIO;
	free(line);
	fclose(f);
	return err;
}
