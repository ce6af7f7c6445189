/*
 * symbolize: runtime address -> ELF virtual address -> symbol, DWARF line and inline chain.
 *
 * Each distinct ELF file gets its own Dwfl, reported once with base 0 so that module addresses
 * are the file's link-time addresses whatever the process, load address or time. A runtime
 * address goes through the mapping to a file offset and through the PT_LOAD segment holding that
 * offset to a virtual address; nothing else about the process is needed, so samples can be
 * symbolized after their process is gone. Files are kept open until symbolize_free because the
 * names we hand out are borrowed from libdw's string tables.
 */
#include "config.h"

#include "symbolize.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cuindex.h"
#include "demangle.h"
#include "gopclntab.h"
#include "jitmap.h"
#include "plt.h"
#include "symtab.h"
#include "table.h"
#include "vdso.h"
#include "xalloc.h"

/* A PT_LOAD program header: the part of the file that is mapped, and where it lands. */
struct symbolize_seg {
	uint64_t offset, vaddr, filesz, memsz;
};

struct symbolize_file {
	char *path;
	uint32_t maj, min;
	uint64_t ino;
	int err; /* 0, or -errno: the file cannot be used and is not tried again */
	Dwfl *dwfl;
	Dwfl_Module *mod;
	GElf_Addr bias; /* module address = ELF vaddr + bias (0 as we report it) */
	struct symbolize_seg *segs;
	size_t nsegs;
	bool dwarf_checked, has_dwarf;
	bool cus_built;	    /* cus: built on the first address libdwfl finds no CU for */
	struct cuindex cus; /* CU ranges of the file's DWARF (which may lack .debug_aranges) */
	int go_state;	     /* Go line table: 0 not looked for, 1 loaded, -errno none */
	struct gopclntab go; /* borrows the section's bytes from the Dwfl's Elf */
	const struct maps_file *kept; /* the file as first seen mapped (maps), or NULL */
	bool debug_only;	      /* the file is gone: reported from its separate debug file */
	uint8_t build_id[20];	      /* the mapping's, when it came without an inode (MMAP2) */
	uint8_t build_id_size;
	struct plt plt; /* its PLT entries, loaded on the first lookup in the file */
	bool plt_loaded;
	struct symtab symtab; /* its symbols by address, loaded on the first lookup */
	int symtab_state;     /* 0 not loaded, 1 loaded, -errno: ask libdwfl */
};

struct symbolize_ksym {
	uint64_t addr;
	uint32_t name;	  /* offsets into kallsyms_names: "func", or "func [module]" */
	uint32_t sysname; /* "func" */
	uint32_t order;	  /* line number, to keep the first of several names at one address */
};

/* The perf map of one process, loaded on first use. */
struct symbolize_jit {
	pid_t pid;
	int err; /* 0 loaded, or -errno */
	struct jitmap map;
};

struct symbolize_bymap {
	const struct maps_mapping *m; /* checked, in case mappings of two registries share ids */
	uint32_t file;
};

struct symbolize {
	struct symbolize_file *files;
	size_t nfiles, capfiles;
	struct table files_index;

	/* mapping id -> its file: mappings are immutable, so an entry never goes stale */
	struct symbolize_bymap *bymap;
	size_t capbymap;

	int kallsyms_state; /* 0 not read, 1 read, -errno failed */
	int kallsyms_fd;    /* symbolize_options.kallsyms_fd (owned), or -1 */
	struct symbolize_ksym *ksyms;
	size_t nksyms;
	char *kallsyms_names;

	struct symbolize_jit *jits;
	size_t njits, capjits;

	/*
	 * Strings we made (demangled names, source paths joined with their CU's DW_AT_comp_dir,
	 * messages): owned, interned, so equal strings share one pointer.
	 */
	char **strs;
	size_t nstrs, capstrs;
	struct table strs_index;

	/* Every Dwfl points at these: they live as long as `s`. */
	Dwfl_Callbacks callbacks;
	char *debuginfo_path;
	bool demangle;

	/* symbolize_options.debug_check: the user dirs (resolved), whose files are checked */
	struct symbolize_trust {
		bool on;
		uid_t uid;
		gid_t gid;
		gid_t *groups;
		size_t ngroups;
		char **dirs;
		size_t ndirs;
		char *system_path; /* debuginfo_path without the user dirs, to search on refusal */
	} trust;

	uint64_t pagesize;
	struct symbolize_stats stats;
};

/*
 * libdwfl's search path for separate debuginfo (see dwfl_standard_find_debuginfo): "" is the
 * file's own directory (for .gnu_debuglink), ".debug" a subdirectory of it, and each absolute
 * directory a root holding .build-id/xx/yyyy.debug links and a mirror of the file system
 * (/usr/lib/debug/usr/bin/ls.debug). The user's directories go before the system's.
 */
static char *
symbolize_debuginfo_path(const struct symbolize_options *opt)
{
	char *path = xstrdup(":.debug"), *cwd = NULL, *next;
	size_t i;

	for (i = 0; opt && i < opt->ndebug_dirs; i++) {
		const char *d = opt->debug_dirs[i];

		if (d[0] != '/' && !cwd)
			cwd = getcwd(NULL, 0);
		if (d[0] != '/' && cwd)
			next = xasprintf("%s:%s/%s", path, cwd, d);
		else
			next = xasprintf("%s:%s", path, d);
		free(path);
		path = next;
	}
	free(cwd);
	next = xasprintf("%s:/usr/lib/debug", path);
	free(path);
	return next;
}

/*
 * --- debuginfo read for another user: the wrapper around dwfl_standard_find_debuginfo.
 *
 * Before libdwfl looks, each user directory's candidates for the module (what libdwfl would
 * open there: DIR/.build-id/xx/yyyy.debug, DIR/FILEDIR/LINK, DIR/LINK) are checked; a directory
 * with an untrusted one is left out of this search. libdwfl cannot be told to forget a file it
 * opened (a build-id match is kept in the module at once), so checking first is the only way; the
 * file it did open is checked again, which leaves only a user who swaps files while we look.
 */

static const char *symbolize_intern(struct symbolize *s, char *str);

/* May `uid` (with gid and groups) read a file with this owner and mode? Root may. */
static bool
symbolize_trust_readable(const struct symbolize_trust *t, const struct stat *st)
{
	size_t i;

	if (t->uid == 0)
		return true;
	if (st->st_uid == t->uid)
		return st->st_mode & S_IRUSR;
	if (st->st_gid == t->gid)
		return st->st_mode & S_IRGRP;
	for (i = 0; i < t->ngroups; i++)
		if (st->st_gid == t->groups[i])
			return st->st_mode & S_IRGRP;
	return st->st_mode & S_IROTH;
}

static bool
symbolize_trust_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return strncmp(path, dir, n) == 0 && (path[n] == '/' || (n == 1 && dir[0] == '/'));
}

/*
 * Why `cand`, looked up under user dir `dir`, must not be read for the user (caller frees), or
 * NULL: it does not exist, or it is the user's (or root's) file inside `dir`, or a file outside
 * that the user may read anyway and that is not another user's.
 */
static char *
symbolize_trust_file(const struct symbolize_trust *t, const char *dir, const char *cand)
{
	char *real = realpath(cand, NULL), *why = NULL;
	struct stat st;

	if (!real || stat(real, &st) < 0) {
		free(real);
		return NULL;
	}
	if (!symbolize_trust_under(real, dir) && !symbolize_trust_readable(t, &st))
		why = xasprintf("%s leads out of %s to %s, which uid %u may not read", cand, dir,
				real, (unsigned)t->uid);
	else if (st.st_uid != 0 && st.st_uid != t->uid)
		why = xasprintf("%s is owned by uid %u, neither root nor uid %u for whom prof reads "
				"it",
				real, (unsigned)st.st_uid, (unsigned)t->uid);
	free(real);
	return why;
}

/* The first untrusted candidate for the module under user dir `dir` (see above), or NULL. */
static char *
symbolize_trust_dir(const struct symbolize_trust *t, const char *dir, Dwfl_Module *mod,
		    const char *file_name, const char *debuglink)
{
	const unsigned char *bits;
	GElf_Addr vaddr;
	int nbits = dwfl_module_build_id(mod, &bits, &vaddr), k;
	const char *slash = file_name ? strrchr(file_name, '/') : NULL;
	char *cand[3] = {NULL, NULL, NULL}, *why = NULL, *link = NULL;
	size_t i;

	if (nbits > 1) {
		char hex[2 * 64 + 1];

		for (k = 0; k < nbits && k < 64; k++)
			snprintf(hex + 2 * k, 3, "%02x", bits[k]);
		cand[0] = xasprintf("%s/.build-id/%.2s/%s.debug", dir, hex, hex + 2);
	}
	/* Without a .gnu_debuglink, libdwfl tries the file's name plus ".debug". */
	if (debuglink)
		link = xstrdup(debuglink);
	else if (file_name)
		link = xasprintf("%s.debug", slash ? slash + 1 : file_name);
	if (link && slash)
		cand[1] = xasprintf("%s%.*s/%s", dir, (int)(slash - file_name), file_name, link);
	if (link)
		cand[2] = xasprintf("%s/%s", dir, link);
	for (i = 0; i < 3; i++) {
		if (!why && cand[i])
			why = symbolize_trust_file(t, dir, cand[i]);
		free(cand[i]);
	}
	free(link);
	return why;
}

static void
symbolize_trust_refuse(struct symbolize *s, char *why)
{
	s->stats.debuginfo_refused++;
	if (!s->stats.debuginfo_refused_why)
		s->stats.debuginfo_refused_why = symbolize_intern(s, why);
	else
		free(why);
}

static int
symbolize_find_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname,
			 Dwarf_Addr base, const char *file_name, const char *debuglink_file,
			 GElf_Word debuglink_crc, char **debuginfo_file_name)
{
	struct symbolize *s = *userdata;
	char *path = NULL, *full = NULL, *why, *next;
	size_t i, used = 0;
	int fd;

	if (!s || !s->trust.on)
		return dwfl_standard_find_debuginfo(mod, userdata, modname, base, file_name,
						    debuglink_file, debuglink_crc,
						    debuginfo_file_name);
	/* The search path of symbolize_debuginfo_path, less the directories refused. */
	path = xstrdup(":.debug");
	for (i = 0; i < s->trust.ndirs; i++) {
		why = symbolize_trust_dir(&s->trust, s->trust.dirs[i], mod, file_name,
					  debuglink_file);
		if (why) {
			symbolize_trust_refuse(s, why);
			continue;
		}
		next = xasprintf("%s:%s", path, s->trust.dirs[i]);
		free(path);
		path = next;
		used++;
	}
	next = xasprintf("%s:/usr/lib/debug", path);
	free(path);
	path = next;
	full = s->debuginfo_path;
	s->debuginfo_path = path;
	fd = dwfl_standard_find_debuginfo(mod, userdata, modname, base, file_name, debuglink_file,
					  debuglink_crc, debuginfo_file_name);
	s->debuginfo_path = full;
	free(path);
	/* What was opened, looked at again (a user dir's file swapped meanwhile). */
	for (i = 0; fd >= 0 && used && *debuginfo_file_name && i < s->trust.ndirs; i++) {
		char *real = realpath(*debuginfo_file_name, NULL);

		why = real && symbolize_trust_under(real, s->trust.dirs[i])
			      ? symbolize_trust_file(&s->trust, s->trust.dirs[i], real)
			      : NULL;
		free(real);
		if (why) {
			symbolize_trust_refuse(s, why);
			close(fd);
			free(*debuginfo_file_name);
			*debuginfo_file_name = NULL;
			fd = -1;
		}
	}
	return fd;
}

static void
symbolize_trust_init(struct symbolize *s, const struct symbolize_options *opt)
{
	size_t i;

	if (!opt || !opt->debug_check || !opt->ndebug_dirs)
		return;
	s->trust.on = true;
	s->trust.uid = opt->debug_uid;
	s->trust.gid = opt->debug_gid;
	if (opt->debug_ngroups) {
		s->trust.groups = xcalloc(opt->debug_ngroups, sizeof(*s->trust.groups));
		memcpy(s->trust.groups, opt->debug_groups,
		       opt->debug_ngroups * sizeof(*s->trust.groups));
		s->trust.ngroups = opt->debug_ngroups;
	}
	s->trust.dirs = xcalloc(opt->ndebug_dirs, sizeof(*s->trust.dirs));
	for (i = 0; i < opt->ndebug_dirs; i++) {
		char *r = realpath(opt->debug_dirs[i], NULL);

		if (r)
			s->trust.dirs[s->trust.ndirs++] = r;
	}
	s->trust.system_path = symbolize_debuginfo_path(NULL);
}

/* The module's userdata leads symbolize_find_debuginfo back to `s`. */
static void
symbolize_trust_module(struct symbolize *s, Dwfl_Module *mod)
{
	void **userdata = NULL;

	if (s->trust.on && dwfl_module_info(mod, &userdata, NULL, NULL, NULL, NULL, NULL, NULL) &&
	    userdata)
		*userdata = s;
}

static void
symbolize_trust_free(struct symbolize_trust *t)
{
	size_t i;

	for (i = 0; i < t->ndirs; i++)
		free(t->dirs[i]);
	free(t->dirs);
	free(t->groups);
	free(t->system_path);
}

struct symbolize *
symbolize_create(const struct symbolize_options *opt)
{
	struct symbolize *s = xcalloc(1, sizeof(*s));
	long ps = sysconf(_SC_PAGESIZE);

	table_init(&s->files_index);
	table_init(&s->strs_index);
	s->pagesize = ps > 0 ? (uint64_t)ps : 4096;
	s->demangle = !opt || !opt->no_demangle;
	s->debuginfo_path = symbolize_debuginfo_path(opt);
	s->callbacks.find_elf = dwfl_build_id_find_elf;
	s->kallsyms_fd = opt && opt->have_kallsyms_fd ? opt->kallsyms_fd : -1;
	symbolize_trust_init(s, opt);
	s->callbacks.find_debuginfo = s->trust.on ? symbolize_find_debuginfo
						  : dwfl_standard_find_debuginfo;
	s->callbacks.section_address = dwfl_offline_section_address;
	s->callbacks.debuginfo_path = &s->debuginfo_path;
	return s;
}

void
symbolize_free(struct symbolize *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->nfiles; i++) {
		if (s->files[i].dwfl)
			dwfl_end(s->files[i].dwfl);
		free(s->files[i].segs);
		plt_free(&s->files[i].plt);
		cuindex_free(&s->files[i].cus);
		symtab_free(&s->files[i].symtab);
		free(s->files[i].path);
	}
	free(s->files);
	table_free(&s->files_index);
	free(s->bymap);
	free(s->ksyms);
	free(s->kallsyms_names);
	for (i = 0; i < s->njits; i++)
		jitmap_free(&s->jits[i].map);
	free(s->jits);
	for (i = 0; i < s->nstrs; i++)
		free(s->strs[i]);
	free(s->strs);
	table_free(&s->strs_index);
	free(s->debuginfo_path);
	symbolize_trust_free(&s->trust);
	if (s->kallsyms_fd >= 0)
		close(s->kallsyms_fd);
	free(s);
}

const struct symbolize_stats *
symbolize_stats(const struct symbolize *s)
{
	return &s->stats;
}

#define SYMBOLIZE_VDSO "[vdso]"

/* Paths that name no file we could open: "[heap]", "//anon", "" ("[vdso]" we can). */
static bool
symbolize_is_special(const char *path)
{
	if (path && strcmp(path, SYMBOLIZE_VDSO) == 0)
		return false;
	return !path || !path[0] || path[0] == '[' || strcmp(path, "//anon") == 0;
}

/* --- strings --- */

static bool
symbolize_str_eq(uint32_t id, const void *key, void *arg)
{
	const struct symbolize *s = arg;

	return strcmp(s->strs[id], key) == 0;
}

/* Interns `str`, which it takes over (freeing it when an equal string is already there). */
static const char *
symbolize_intern(struct symbolize *s, char *str)
{
	uint64_t h = table_hash_bytes(str, strlen(str), 0);
	uint32_t id = table_find(&s->strs_index, h, str, symbolize_str_eq, s);

	if (id != TABLE_NONE) {
		free(str);
		return s->strs[id];
	}
	xgrow(&s->strs, &s->capstrs, s->nstrs + 1, sizeof(*s->strs));
	s->strs[s->nstrs] = str;
	table_insert(&s->strs_index, h, (uint32_t)s->nstrs);
	return s->strs[s->nstrs++];
}

/* The name to show for linkage name `name`: demangled when it is C++ or Rust (and allowed). */
static const char *
symbolize_demangled(struct symbolize *s, const char *name)
{
	char *d;

	if (!s->demangle || !name)
		return name;
	d = demangle_name(name);
	return d ? symbolize_intern(s, d) : name;
}

/* --- ELF files --- */

/* Reads the PT_LOAD headers that translate file offsets into virtual addresses. */
static int
symbolize_file_segs(struct symbolize_file *f)
{
	size_t phnum, i;
	Elf *elf;

	elf = dwfl_module_getelf(f->mod, &f->bias);
	if (!elf || elf_getphdrnum(elf, &phnum) != 0)
		return -ENOEXEC;
	for (i = 0; i < phnum; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		f->segs = xreallocarray(f->segs, f->nsegs + 1, sizeof(*f->segs));
		f->segs[f->nsegs].offset = ph.p_offset;
		f->segs[f->nsegs].vaddr = ph.p_vaddr;
		f->segs[f->nsegs].filesz = ph.p_filesz;
		f->segs[f->nsegs].memsz = ph.p_memsz;
		f->nsegs++;
	}
	return f->nsegs ? 0 : -ENOEXEC;
}

/*
 * A new fd on the file kept open since it was first seen mapped: the mapped bytes, even when
 * the path has another file by now (an upgrade) or none (deleted), which it counts.
 */
static int
symbolize_file_kept(struct symbolize *s, struct symbolize_file *f)
{
	struct stat st;
	int fd;

	fd = fcntl(f->kept->fd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return -errno;
	if (f->kept->map_files || stat(f->path, &st) != 0 ||
	    (major(st.st_dev) == f->maj && minor(st.st_dev) == f->min && st.st_ino != f->ino))
		s->stats.files_recovered++;
	return fd;
}

/* A path /proc/PID/maps gave for a file deleted (or renamed over) before we saw it mapped. */
static bool
symbolize_file_deleted(const char *path)
{
	static const char suffix[] = " (deleted)";
	size_t len = strlen(path);

	return len >= sizeof(suffix) - 1 && strcmp(path + len - (sizeof(suffix) - 1), suffix) == 0;
}

/*
 * The separate debug file of a file replaced or deleted before it could be kept open, found
 * by the build-id its process had in memory (maps_file) under each debug root as
 * ROOT/.build-id/xx/yyyy.debug. It has the symbols and DWARF but not the code, and its program
 * headers lost their offsets, so the original's (from memory too) translate addresses. Returns
 * an fd, or -1.
 */
static int symbolize_hex(const uint8_t *bits, size_t len, char *hex, size_t size);

static int
symbolize_file_debug(struct symbolize *s, struct symbolize_file *f)
{
	const struct maps_file *k = f->kept;
	char hex[41], *path, *dirs, *dir, *save = NULL;
	int fd = -1;

	if (!k || !k->build_id_size || !k->nloads || k->build_id_size < 2 ||
	    symbolize_hex(k->build_id, k->build_id_size, hex, sizeof(hex)) < 0)
		return -1;
	dirs = xstrdup(s->debuginfo_path);
	for (dir = strtok_r(dirs, ":", &save); dir && fd < 0; dir = strtok_r(NULL, ":", &save)) {
		if (dir[0] != '/')
			continue;
		path = xasprintf("%s/.build-id/%.2s/%s.debug", dir, hex, hex + 2);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		free(path);
	}
	free(dirs);
	if (fd >= 0)
		f->debug_only = true;
	return fd;
}

/*
 * The segments of a file reported from its debug file: the original's PT_LOADs, once the
 * debug file is seen to have the same build-id (never name frames from another file).
 */
static int
symbolize_file_debug_segs(struct symbolize *s, struct symbolize_file *f)
{
	const unsigned char *bits;
	GElf_Addr vaddr;
	size_t i;
	int len;

	if (!dwfl_module_getelf(f->mod, &f->bias))
		return -ENOEXEC;
	len = dwfl_module_build_id(f->mod, &bits, &vaddr);
	if (len <= 0 || (size_t)len != f->kept->build_id_size ||
	    memcmp(bits, f->kept->build_id, (size_t)len) != 0) {
		s->stats.files_replaced++;
		return -ESTALE;
	}
	f->segs = xreallocarray(NULL, f->kept->nloads, sizeof(*f->segs));
	for (i = 0; i < f->kept->nloads; i++) {
		f->segs[i].offset = f->kept->loads[i].offset;
		f->segs[i].vaddr = f->kept->loads[i].vaddr;
		f->segs[i].filesz = f->kept->loads[i].filesz;
		f->segs[i].memsz = f->kept->loads[i].memsz;
	}
	f->nsegs = f->kept->nloads;
	s->stats.files_recovered++;
	return 0;
}

/*
 * A mapping from an MMAP2 record with a build-id has no inode to compare: the file at its path
 * is it only if the build-ids are the same (else an upgrade replaced it).
 */
static int
symbolize_file_check_build_id(struct symbolize *s, struct symbolize_file *f)
{
	const unsigned char *bits;
	GElf_Addr vaddr;
	int len;

	if (!f->build_id_size)
		return 0;
	len = dwfl_module_build_id(f->mod, &bits, &vaddr);
	if (len == f->build_id_size && memcmp(bits, f->build_id, f->build_id_size) == 0)
		return 0;
	s->stats.files_replaced++;
	return -ESTALE;
}

/* Opens and reports the file once; on failure remembers why. */
static void
symbolize_file_open(struct symbolize *s, struct symbolize_file *f)
{
	const char *base;
	bool stale = false;
	int fd;

	if (strcmp(f->path, SYMBOLIZE_VDSO) == 0) {
		fd = vdso_fd();
		if (fd < 0) {
			f->err = fd;
			goto fail;
		}
	} else if (f->kept && f->kept->fd >= 0) {
		fd = symbolize_file_kept(s, f);
		if (fd < 0) {
			f->err = fd;
			goto fail;
		}
	} else {
		struct stat st;

		/* Probe it ourselves: libdwfl reports a failed open without a reliable errno. */
		fd = open(f->path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			f->err = -errno;
			if (!symbolize_file_deleted(f->path))
				goto fail;
			stale = true; /* deleted (or renamed over) before we saw it mapped */
		} else if (fstat(fd, &st) == 0 && f->ino && major(st.st_dev) == f->maj &&
			   minor(st.st_dev) == f->min && st.st_ino != f->ino) {
			/*
			 * A file replaced on disk (an upgrade) since it was mapped has a new inode
			 * on the same device: its symbols would be the wrong ones. Where the device
			 * differs (overlayfs shows its own) the inodes cannot be compared, and the
			 * file is used.
			 */
			close(fd);
			f->err = -ESTALE;
			stale = true;
		} else {
			close(fd);
		}
		fd = -1;
	}
	if (stale) {
		/* The original is gone: its separate debug file, found by build-id, will do. */
		fd = symbolize_file_debug(s, f);
		if (fd < 0) {
			s->stats.files_replaced++;
			goto fail;
		}
		f->err = 0;
	}

	f->dwfl = dwfl_begin(&s->callbacks);
	if (!f->dwfl) {
		f->err = -ENOMEM;
		goto fail;
	}
	base = strrchr(f->path, '/');
	base = base ? base + 1 : f->path;
	dwfl_report_begin(f->dwfl);
	/* libdwfl keeps (and finally closes) an fd it is given. */
	f->mod = dwfl_report_elf(f->dwfl, base, f->path, fd, 0, true);
	dwfl_report_end(f->dwfl, NULL, NULL);
	if (!f->mod) {
		if (fd >= 0 && strcmp(f->path, SYMBOLIZE_VDSO) != 0)
			close(fd); /* libdwfl owns the fd only on success */
		f->err = -ENOEXEC;
		goto fail;
	}
	symbolize_trust_module(s, f->mod);
	f->err = f->debug_only ? symbolize_file_debug_segs(s, f) : symbolize_file_segs(f);
	if (!f->err)
		f->err = symbolize_file_check_build_id(s, f);
	if (f->err)
		goto fail;
	s->stats.files++;
	return;

fail:
	if (f->dwfl)
		dwfl_end(f->dwfl);
	f->dwfl = NULL;
	f->mod = NULL;
	s->stats.files_failed++;
}

struct symbolize_file_key {
	const char *path;
	uint32_t maj, min;
	uint64_t ino;
	const uint8_t *build_id; /* from an MMAP2 record that has one instead of the inode */
	uint8_t build_id_size;
};

static bool
symbolize_file_eq(uint32_t id, const void *key, void *arg)
{
	const struct symbolize *s = arg;
	const struct symbolize_file_key *k = key;
	const struct symbolize_file *f = &s->files[id];

	return f->maj == k->maj && f->min == k->min && f->ino == k->ino &&
	       f->build_id_size == k->build_id_size &&
	       memcmp(f->build_id, k->build_id, k->build_id_size) == 0 &&
	       strcmp(f->path, k->path) == 0;
}

/*
 * The cached file behind mapping `m` (opened on first use). The key includes device and inode
 * when the mapping has them, so a file replaced on disk under the same name is a different file.
 */
static struct symbolize_file *
symbolize_file_get(struct symbolize *s, const struct maps_mapping *m)
{
	struct symbolize_file_key key;
	struct symbolize_file *f;
	uint64_t h;
	uint32_t id;

	if (m->id < s->capbymap && s->bymap[m->id].m == m &&
	    strcmp(s->files[s->bymap[m->id].file].path, m->path) == 0)
		return &s->files[s->bymap[m->id].file];

	key.path = m->path;
	key.maj = m->ino ? m->maj : 0;
	key.min = m->ino ? m->min : 0;
	key.ino = m->ino;
	key.build_id = m->build_id;
	key.build_id_size = m->ino ? 0 : m->build_id_size;
	h = table_hash_bytes(key.path, strlen(key.path), 0);
	h = table_hash_u64(((uint64_t)key.maj << 32 | key.min) ^ key.ino, h);
	h = table_hash_bytes(key.build_id, key.build_id_size, h);
	id = table_find(&s->files_index, h, &key, symbolize_file_eq, s);
	if (id == TABLE_NONE) {
		xgrow(&s->files, &s->capfiles, s->nfiles + 1, sizeof(*s->files));
		id = (uint32_t)s->nfiles++;
		f = &s->files[id];
		memset(f, 0, sizeof(*f));
		f->path = xstrdup(key.path);
		f->maj = key.maj;
		f->min = key.min;
		f->ino = key.ino;
		memcpy(f->build_id, key.build_id, key.build_id_size);
		f->build_id_size = key.build_id_size;
		f->kept = m->file;
		table_insert(&s->files_index, h, id);
		symbolize_file_open(s, f);
	}
	if (m->id) {
		if (m->id >= s->capbymap) {
			size_t old = s->capbymap;
			xgrow(&s->bymap, &s->capbymap, (size_t)m->id + 1, sizeof(*s->bymap));
			memset(&s->bymap[old], 0, (s->capbymap - old) * sizeof(*s->bymap));
		}
		s->bymap[m->id].m = m;
		s->bymap[m->id].file = id;
	}
	return &s->files[id];
}

/*
 * File offset -> ELF virtual address through the PT_LOAD that maps it. Mappings are page
 * granular, so an address may fall in the page-aligned slack around a segment's file bytes
 * (or, oddly, in its zero-filled tail); those are tried after the exact match.
 */
static bool
symbolize_file_vaddr(const struct symbolize *s, const struct symbolize_file *f, uint64_t off,
		     uint64_t *vaddr)
{
	uint64_t mask = ~(s->pagesize - 1);
	const struct symbolize_seg *hit = NULL;
	size_t i;

	for (i = 0; i < f->nsegs && !hit; i++)
		if (off >= f->segs[i].offset && off - f->segs[i].offset < f->segs[i].filesz)
			hit = &f->segs[i];
	for (i = 0; i < f->nsegs && !hit; i++)
		if (off >= f->segs[i].offset && off - f->segs[i].offset < f->segs[i].memsz)
			hit = &f->segs[i];
	for (i = 0; i < f->nsegs && !hit; i++) {
		uint64_t lo = f->segs[i].offset & mask;
		uint64_t hi = (f->segs[i].offset + f->segs[i].filesz + s->pagesize - 1) & mask;
		if (off >= lo && off < hi)
			hit = &f->segs[i];
	}
	if (!hit)
		return false;
	*vaddr = off - hit->offset + hit->vaddr; /* wraps correctly for slack below p_offset */
	return true;
}

/* --- Go line table --- */

/*
 * Finds the Go runtime's line table once (gopclntab_open_elf). Returns 0 when the file has a
 * usable one, -errno otherwise (-ENOENT: not a Go binary, or its section headers are gone).
 */
static int
symbolize_go_load(struct symbolize_file *f)
{
	GElf_Addr bias;

	if (f->go_state)
		return f->go_state < 0 ? f->go_state : 0;
	f->go_state = gopclntab_open_elf(&f->go, dwfl_module_getelf(f->mod, &bias));
	if (f->go_state == 0)
		f->go_state = 1;
	return f->go_state < 0 ? f->go_state : 0;
}

/* ELF virtual address `vaddr` named from the Go line table: one frame, or 0. */
static int
symbolize_go(struct symbolize_file *f, uint64_t vaddr, struct symbolize_result *out)
{
	struct gopclntab_line gl;

	if (symbolize_go_load(f) < 0 || gopclntab_lookup(&f->go, vaddr, &gl) <= 0)
		return 0;
	/* Go names are not mangled: name and system name are the same, as Go's profiles have. */
	out->frames[0].name = gl.func;
	out->frames[0].system_name = gl.func;
	out->frames[0].file = gl.file;
	out->frames[0].line = gl.file ? gl.line : 0;
	out->n = 1;
	out->from_dwarf = false;
	return 1;
}

/* --- DWARF --- */

/*
 * Loads the file's DWARF once, wherever it is: in the file, or separate (build-id, debuglink,
 * then debuginfod when DEBUGINFOD_URLS is set); counts the files that have none.
 */
static void
symbolize_file_dwarf(struct symbolize *s, struct symbolize_file *f)
{
	Dwarf_Addr bias;

	if (f->dwarf_checked)
		return;
	f->dwarf_checked = true;
	f->has_dwarf = dwfl_module_getdwarf(f->mod, &bias) != NULL;
	/* A stripped Go binary still has lines, from its own table. */
	if (!f->has_dwarf && strcmp(f->path, SYMBOLIZE_VDSO) != 0 && symbolize_go_load(f) < 0) {
		s->stats.files_nodebug++;
		if (!s->stats.nodebug_example)
			s->stats.nodebug_example = f->path;
	}
}

/*
 * The CU DIE holding module address `maddr`, and in `bias` what to subtract from `maddr` to
 * get its DWARF address; NULL when no CU covers it. libdwfl finds CUs only through
 * .debug_aranges (libdw 0.188): where that finds none, the file's index of its CUs' own ranges
 * (built once, on the first such address) is asked. The DWARF may be a separate debug file's.
 */
static Dwarf_Die *
symbolize_cu(struct symbolize_file *f, Dwarf_Addr maddr, Dwarf_Addr *bias)
{
	Dwarf_Die *cu = dwfl_module_addrdie(f->mod, maddr, bias);
	Dwarf *dw;

	if (cu || !f->has_dwarf)
		return cu;
	dw = dwfl_module_getdwarf(f->mod, bias);
	if (!dw)
		return NULL;
	if (!f->cus_built) {
		f->cus_built = true;
		cuindex_build(&f->cus, dw);
	}
	return maddr >= *bias ? cuindex_find(&f->cus, maddr - *bias) : NULL;
}

/* The line of DWARF address `addr` in `cu`'s line table: its file (or NULL) and line (or 0). */
static const char *
symbolize_cu_line(Dwarf_Die *cu, Dwarf_Addr addr, uint32_t *line)
{
	Dwarf_Line *dl = dwarf_getsrc_die(cu, addr);
	int n = 0;

	*line = 0;
	if (!dl || dwarf_lineno(dl, &n) != 0 || n <= 0)
		return NULL;
	*line = (uint32_t)n;
	return dwarf_linesrc(dl, NULL, NULL);
}

static const char *
symbolize_die_string(Dwarf_Die *die, unsigned int name)
{
	Dwarf_Attribute attr;

	/* _integrate follows DW_AT_abstract_origin and DW_AT_specification to the declaration. */
	return dwarf_formstring(dwarf_attr_integrate(die, name, &attr));
}

static uint32_t
symbolize_die_udata(Dwarf_Die *die, unsigned int name, bool integrate)
{
	Dwarf_Attribute attr, *a;
	Dwarf_Word v;

	a = integrate ? dwarf_attr_integrate(die, name, &attr) : dwarf_attr(die, name, &attr);
	if (dwarf_formudata(a, &v) != 0 || v > UINT32_MAX)
		return 0;
	return (uint32_t)v;
}

/* The DW_AT_call_file of an inlined instance: an index into its CU's file table. */
static const char *
symbolize_call_file(Dwarf_Die *inl)
{
	Dwarf_Attribute attr;
	Dwarf_Files *files;
	Dwarf_Word idx;
	Dwarf_Die cu;
	size_t n;

	if (dwarf_formudata(dwarf_attr(inl, DW_AT_call_file, &attr), &idx) != 0)
		return NULL;
	if (!dwarf_diecu(inl, &cu, NULL, NULL) || dwarf_getsrcfiles(&cu, &files, &n) != 0 ||
	    idx >= n)
		return NULL;
	return dwarf_filesrc(files, idx, NULL, NULL);
}

/*
 * Name, system name and start line of a subprogram or inlined instance. The linkage name is
 * the system name; demangled, it is the name (DW_AT_name lacks namespaces and parameters).
 */
static void
symbolize_frame_names(struct symbolize *s, Dwarf_Die *die, const char *fallback,
		      struct symbolize_frame *fr)
{
	const char *linkage, *name;

	linkage = symbolize_die_string(die, DW_AT_linkage_name);
	if (!linkage)
		linkage = symbolize_die_string(die, DW_AT_MIPS_linkage_name);
	name = symbolize_die_string(die, DW_AT_name);
	fr->system_name = linkage ? linkage : name ? name : fallback;
	fr->name = symbolize_demangled(s, fr->system_name);
	fr->start_line = symbolize_die_udata(die, DW_AT_decl_line, true);
}

/*
 * Fills the inline chain of DWARF address `addr` in `cu` (symbolize_cu), innermost first.
 * Returns the number of frames, 0 when DWARF has no function covering the address.
 *
 * dwarf_getscopes only lists the concrete scopes down to the innermost inlined instance (the
 * rest of its answer is the abstract definition's context), so the walk outward from that
 * instance uses dwarf_getscopes_die, which follows the concrete parents to the real function.
 * Each outer frame is "at" the call site recorded on the instance inlined into it.
 */
static int
symbolize_dwarf(struct symbolize *s, Dwarf_Die *cu, Dwarf_Addr addr, const char *symname,
		const char *lfile, uint32_t lline, struct symbolize_result *out)
{
	Dwarf_Die *scopes = NULL, *chain = NULL, *inner = NULL, *prev = NULL;
	int nscopes, nchain, i, n = 0;

	if (!cu)
		return 0;
	nscopes = dwarf_getscopes(cu, addr, &scopes);
	for (i = 0; i < nscopes && !inner; i++) {
		int tag = dwarf_tag(&scopes[i]);
		if (tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine)
			inner = &scopes[i];
	}
	if (!inner)
		goto out;
	if (dwarf_tag(inner) == DW_TAG_subprogram) {
		chain = inner;
		nchain = 1;
	} else {
		nchain = dwarf_getscopes_die(inner, &chain);
		if (nchain <= 0) {
			chain = NULL;
			goto out;
		}
	}

	for (i = 0; i < nchain; i++) {
		int tag = dwarf_tag(&chain[i]);
		struct symbolize_frame *fr;
		bool real = tag == DW_TAG_subprogram;

		if (!real && tag != DW_TAG_inlined_subroutine)
			continue;
		/* Too deep: drop middle inlined frames but always keep the real function. */
		if (real || n < SYMBOLIZE_MAX_FRAMES - 1) {
			fr = &out->frames[n++];
			symbolize_frame_names(s, &chain[i], real && symname ? symname : "??", fr);
			if (!prev) {
				fr->file = lfile;
				fr->line = lline;
			} else {
				fr->file = symbolize_call_file(prev);
				fr->line = symbolize_die_udata(prev, DW_AT_call_line, false);
			}
		}
		if (real)
			break;
		prev = &chain[i];
	}

out:
	if (chain && chain != inner)
		free(chain);
	free(scopes);
	return n;
}

/* --- kernel --- */

static int
symbolize_ksym_cmp(const void *a, const void *b)
{
	const struct symbolize_ksym *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Appends `len` bytes and a NUL to the names buffer; returns their offset. */
static uint32_t
symbolize_kname(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
	size_t off = *len;

	xgrow(buf, cap, off + n + 1, 1);
	memcpy(*buf + off, s, n);
	(*buf)[off + n] = '\0';
	*len = off + n + 1;
	return (uint32_t)off;
}

/*
 * Parses one kallsyms line, "ffffffff81000000 T name" or "... t name\t[module]", keeping text
 * symbols only. Returns true when `k` was filled.
 */
static bool
symbolize_kallsyms_line(char *line, struct symbolize_ksym *k, char **buf, size_t *len, size_t *cap)
{
	char *p, *name, *mod;
	size_t nlen;

	errno = 0;
	k->addr = strtoull(line, &p, 16);
	if (p == line || errno || p[0] != ' ' || !p[1] || p[2] != ' ')
		return false;
	if (!strchr("tTwW", p[1]))
		return false;
	name = p + 3;
	nlen = strcspn(name, " \t\n");
	if (!nlen)
		return false;
	mod = name + nlen;
	mod += strspn(mod, " \t");
	k->sysname = symbolize_kname(buf, len, cap, name, nlen);
	k->name = k->sysname;
	if (mod[0] == '[') {
		/* perf's spelling for a module's function: "func [module]" */
		size_t mlen = strcspn(mod, "]\n");
		char *both = xasprintf("%.*s %.*s]", (int)nlen, name, (int)mlen, mod);

		k->name = symbolize_kname(buf, len, cap, both, strlen(both));
		free(both);
	}
	return true;
}

static int
symbolize_kallsyms_load(struct symbolize *s)
{
	size_t cap = 0, len = 0, bufcap = 0, n = 0, vcap = 0, i, j;
	struct symbolize_ksym *v = NULL;
	char *line = NULL, *buf = NULL;
	bool nonzero = false;
	uint32_t order = 0;
	FILE *fp;

	if (s->kallsyms_fd >= 0) {
		fp = fdopen(s->kallsyms_fd, "r");
		if (!fp)
			return -errno;
		s->kallsyms_fd = -1; /* fclose closes it */
	} else {
		fp = fopen("/proc/kallsyms", "re");
	}
	if (!fp)
		return -errno;
	while (getline(&line, &cap, fp) >= 0) {
		struct symbolize_ksym k;

		if (!symbolize_kallsyms_line(line, &k, &buf, &len, &bufcap))
			continue;
		if (len > UINT32_MAX)
			break;
		k.order = order++;
		nonzero |= k.addr != 0;
		xgrow(&v, &vcap, n + 1, sizeof(*v));
		v[n++] = k;
	}
	free(line);
	fclose(fp);

	/* Without CAP_SYSLOG (or with kptr_restrict) every address reads as 0. */
	if (!nonzero) {
		s->stats.kallsyms_hidden = true;
		n = 0;
	}
	qsort(v, n, sizeof(*v), symbolize_ksym_cmp);
	/* Aliases share an address: keep the first name the kernel lists. */
	for (i = j = 0; i < n; i++)
		if (j == 0 || v[j - 1].addr != v[i].addr)
			v[j++] = v[i];
	s->ksyms = v;
	s->nksyms = j;
	s->kallsyms_names = buf;
	return 0;
}

static int
symbolize_kernel(struct symbolize *s, uint64_t addr, struct symbolize_result *out)
{
	size_t lo = 0, hi;
	const struct symbolize_ksym *k;

	if (s->kallsyms_state == 0) {
		int err = symbolize_kallsyms_load(s);
		s->kallsyms_state = err ? err : 1;
	}
	if (s->kallsyms_state < 0)
		return s->kallsyms_state;

	/* The last symbol at or below addr: kallsyms has no sizes. */
	hi = s->nksyms;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->ksyms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return 0;
	k = &s->ksyms[lo - 1];
	out->frames[0].name = s->kallsyms_names + k->name;
	out->frames[0].system_name = s->kallsyms_names + k->sysname;
	out->n = 1;
	return 1;
}

/* --- JIT code --- */

/* Mappings without a file, where JIT compilers put their code. */
static bool
symbolize_is_jit(const char *path)
{
	return !path || !path[0] || strcmp(path, "//anon") == 0 ||
	       strncmp(path, "[anon:", 6) == 0 || strncmp(path, "/memfd:", 7) == 0;
}

/*
 * The perf map of `pid`, read once. It is trusted when owned by root, by us, or by the user the
 * process runs as; once the process is gone that last one is unknown, so its own user's map is
 * then trusted only if that user is us.
 */
static struct symbolize_jit *
symbolize_jit_get(struct symbolize *s, pid_t pid)
{
	struct symbolize_jit *j;
	char path[64], proc[32];
	uid_t uids[3];
	size_t nuids = 0, i;
	struct stat st;
	char *cause = NULL;

	for (i = 0; i < s->njits; i++)
		if (s->jits[i].pid == pid)
			return &s->jits[i];
	xgrow(&s->jits, &s->capjits, s->njits + 1, sizeof(*s->jits));
	j = &s->jits[s->njits++];
	memset(j, 0, sizeof(*j));
	j->pid = pid;

	uids[nuids++] = geteuid();
	uids[nuids++] = getuid();
	snprintf(proc, sizeof(proc), "/proc/%d", (int)pid);
	if (stat(proc, &st) == 0)
		uids[nuids++] = st.st_uid;
	snprintf(path, sizeof(path), "/tmp/perf-%d.map", (int)pid);
	j->err = jitmap_load(&j->map, path, uids, nuids, &cause);
	if (j->err == 0) {
		s->stats.jitmaps++;
	} else if (j->err == -EPERM) {
		s->stats.jitmaps_refused++;
		if (!s->stats.jitmap_refused_why && cause)
			s->stats.jitmap_refused_why = symbolize_intern(s, cause);
		else
			free(cause);
	}
	return j;
}

static int
symbolize_jit(struct symbolize *s, const struct maps_mapping *m, uint64_t addr,
	      struct symbolize_result *out)
{
	const struct jitmap_sym *sym;
	struct symbolize_jit *j;

	if (m->pid <= 0)
		return 0;
	j = symbolize_jit_get(s, m->pid);
	if (j->err)
		return 0;
	sym = jitmap_find(&j->map, addr);
	if (!sym)
		return 0;
	out->frames[0].name = sym->name;
	out->frames[0].system_name = sym->name;
	out->n = 1;
	return 1;
}

/* --- PLT stubs --- */

/* `vaddr` in a PLT entry: its NAME@plt (libdwfl has no symbol there). 1, or 0 when not. */
static int
symbolize_plt(struct symbolize *s, struct symbolize_file *f, uint64_t vaddr,
	      struct symbolize_result *out)
{
	const struct plt_entry *e;
	GElf_Addr bias;

	if (!f->plt_loaded) {
		Elf *elf = dwfl_module_getelf(f->mod, &bias);

		f->plt_loaded = true;
		if (elf)
			plt_load(&f->plt, elf);
	}
	e = plt_find(&f->plt, vaddr);
	if (!e)
		return 0;
	out->frames[0].name = symbolize_intern(s, xasprintf("%s@plt", e->name));
	out->frames[0].system_name = out->frames[0].name;
	out->n = 1;
	return 1;
}

/* --- lookups --- */

/*
 * DWARF file names may be relative to the compilation directory (an out-of-tree build names
 * "../src/x.c"): join them with DW_AT_comp_dir so that pprof -list and -http find the source.
 */
static const char *
symbolize_abs_path(struct symbolize *s, const char *comp_dir, const char *file)
{
	if (!file || file[0] == '/' || !comp_dir || !comp_dir[0])
		return file;
	/*
	 * Go names its compilation directory "." and libdw already put it before the names
	 * of directory 0 ("./<autogenerated>"): the name is the one Go's own table gives.
	 */
	if (strcmp(comp_dir, ".") == 0)
		return strncmp(file, "./", 2) == 0 && file[2] ? file + 2 : file;
	return symbolize_intern(s, xasprintf("%s/%s", comp_dir, file));
}

/*
 * The ELF symbol at module address `maddr`: dwfl_module_addrinfo's answer, from the file's sorted
 * table (dwfl_module_addrinfo reads every symbol per call).
 */
static const char *
symbolize_symbol(struct symbolize_file *f, Dwarf_Addr maddr)
{
	uint64_t value;
	GElf_Sym sym;
	GElf_Off off;

	if (!f->symtab_state)
		f->symtab_state = symtab_load(&f->symtab, f->mod) < 0 ? -ENOTSUP : 1;
	if (f->symtab_state < 0)
		return dwfl_module_addrinfo(f->mod, maddr, &off, &sym, NULL, NULL, NULL);
	return symtab_lookup(&f->symtab, maddr, &value);
}

int
symbolize_addr(struct symbolize *s, const struct maps_mapping *m, uint64_t addr,
	       struct symbolize_result *out)
{
	const char *symname, *lfile = NULL;
	struct symbolize_file *f;
	uint64_t vaddr;
	uint32_t lline = 0;
	Dwarf_Addr maddr, bias = 0;
	Dwarf_Die *cu;
	int n, i;

	memset(out, 0, sizeof(*out));
	s->stats.addrs++;
	if (m->kernel) {
		n = symbolize_kernel(s, addr, out);
		goto done;
	}
	n = 0;
	if (addr < m->start || addr >= m->end)
		goto done;
	if (symbolize_is_jit(m->path)) {
		n = symbolize_jit(s, m, addr, out);
		if (n > 0 || symbolize_is_special(m->path))
			goto done;
	}
	if (symbolize_is_special(m->path))
		goto done;
	f = symbolize_file_get(s, m);
	if (f->err) {
		n = f->err;
		goto done;
	}
	symbolize_file_dwarf(s, f);
	if (!symbolize_file_vaddr(s, f, addr - m->start + m->pgoff, &vaddr))
		goto done;
	maddr = vaddr + f->bias;
	n = symbolize_plt(s, f, vaddr, out);
	if (n > 0)
		goto done;

	symname = symbolize_symbol(f, maddr);
	/* What dwfl_module_getsrc does, on the CU that symbolize_cu may have found without it. */
	cu = symbolize_cu(f, maddr, &bias);
	if (cu)
		lfile = symbolize_cu_line(cu, maddr - bias, &lline);

	n = symbolize_dwarf(s, cu, maddr - bias, symname, lfile, lline, out);
	/*
	 * No DWARF line here: a Go binary built with -ldflags='-s -w', or one whose DWARF libdw
	 * cannot place (0.188 finds no CU for Go 1.19's): the Go runtime's own line table.
	 */
	if (n == 0 && !lline && symbolize_go(f, vaddr, out) > 0) {
		n = 1;
		goto done;
	}
	if (n == 0 && symname) {
		/* No function in DWARF (or no DWARF): the ELF symbol, with DWARF's line if any. */
		out->frames[0].name = symbolize_demangled(s, symname);
		out->frames[0].system_name = symname;
		if (lline) {
			out->frames[0].file = lfile;
			out->frames[0].line = lline;
		}
		n = 1;
	}
	out->n = n;
	if (n > 0) {
		Dwarf_Attribute attr;
		/* _integrate: a split unit's DW_AT_comp_dir is on its skeleton. */
		const char *comp_dir =
			cu ? dwarf_formstring(dwarf_attr_integrate(cu, DW_AT_comp_dir, &attr)) : NULL;

		for (i = 0; i < n; i++)
			out->frames[i].file = symbolize_abs_path(s, comp_dir, out->frames[i].file);
	}
	for (i = 0; i < n; i++)
		out->from_dwarf |= out->frames[i].line > 0;

done:
	if (n <= 0) {
		out->n = 0;
		s->stats.unknown++;
	}
	return n;
}

/* --- build ids --- */

static int
symbolize_hex(const uint8_t *bits, size_t len, char *hex, size_t size)
{
	size_t i;

	if (size < 2 * len + 1)
		return -ENOSPC;
	for (i = 0; i < len; i++)
		snprintf(hex + 2 * i, 3, "%02x", bits[i]);
	hex[2 * len] = '\0';
	return (int)len;
}

/* The running kernel's build-id, from the ELF notes it exports in /sys/kernel/notes. */
static int
symbolize_kernel_build_id(char *hex, size_t size)
{
	uint8_t buf[4096];
	const uint8_t *id;
	size_t len;
	ssize_t r;
	int fd;

	fd = open("/sys/kernel/notes", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = read(fd, buf, sizeof(buf));
	close(fd);
	if (r < 0)
		return -errno;
	len = maps_notes_build_id(buf, (size_t)r, &id);
	return len ? symbolize_hex(id, len, hex, size) : 0;
}

int
symbolize_build_id(struct symbolize *s, const struct maps_mapping *m, char *hex, size_t size)
{
	const unsigned char *bits;
	struct symbolize_file *f;
	GElf_Addr vaddr;
	int len;

	if (size)
		hex[0] = '\0';
	if (m->build_id_size) /* the kernel told us (MMAP2 with PERF_RECORD_MISC_MMAP_BUILD_ID) */
		return symbolize_hex(m->build_id, m->build_id_size, hex, size);
	if (m->kernel)
		return symbolize_kernel_build_id(hex, size);
	if (symbolize_is_special(m->path))
		return 0;
	f = symbolize_file_get(s, m);
	if (f->err)
		return f->err;
	len = dwfl_module_build_id(f->mod, &bits, &vaddr);
	if (len <= 0)
		return 0;
	return symbolize_hex(bits, (size_t)len, hex, size);
}
