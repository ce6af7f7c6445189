/*
 * cmd_list: `prof list`, the events this machine really offers. A name that parses is not an
 * event that works (a virtual machine has no hardware PMU, a kernel may lack an event, policy
 * may forbid kernel mode), so each event is opened once on the calling thread, the way prof
 * record would open it, and only those that open are shown; --all also shows the others with
 * the reason. `prof list --encode EVENT...` prints the encodings prof would use, one line per
 * event, for scripts and for the test that compares them with perf's.
 */
#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "log.h"
#include "pmu.h"
#include "privilege.h"
#include "xalloc.h"

enum list_exit { LIST_EXIT_FAILED = 1, LIST_EXIT_USAGE = 2 };

struct list_opts {
	bool all;	  /* also the events that do not open, with the reason */
	const char *root; /* sysfs root of the PMUs */
	bool kernel;	  /* may we count kernel mode? */
	bool have_hw;
};

/* Notes for sysfs aliases whose terms say nothing to a reader. */
static const struct {
	const char *event, *note;
} list_alias_notes[] = {
	{"msr/tsc/", "time-stamp counter ticks (wall-clock rate) while the task runs"},
	{"msr/aperf/", "actual core cycles (APERF) while the task runs"},
	{"msr/mperf/", "reference cycles at base frequency (MPERF) while the task runs"},
	{"msr/pperf/", "productive core cycles (PPERF) while the task runs"},
	{"msr/smi/", "system management interrupts"},
	{"msr/irperf/", "instructions retired (AMD IRPERF) while the task runs"},
	{"msr/cpu_thermal_margin/", "degrees below the CPU's thermal limit"},
};

static const char *
list_usage(void)
{
	return "usage: prof list [--all] [--sysfs DIR]\n"
	       "       prof list --encode EVENT...\n"
	       "\n"
	       "Lists the events this machine offers, grouped by kind, each opened once\n"
	       "here to be sure it works. Use them with prof record -e EVENT[,EVENT...].\n"
	       "\n"
	       "options:\n"
	       "  -a, --all       also list the events that do not open here, and why\n"
	       "  --encode        print how each EVENT (or comma-separated list) is encoded:\n"
	       "                  EVENT type=N config=0x.. config1=0x.. config2=0x..\n"
	       "                  exclude_user=N exclude_kernel=N exclude_hv=N precise=N\n"
	       "                  sample_type=S unit=U scale=F modifiers=N hardware=N\n"
	       "  --sysfs DIR     read the PMUs from DIR, not " PMU_SYSFS_ROOT " (tests)\n"
	       "  -h, --help      this text\n"
	       "\n"
	       "Event syntax, as perf's: cycles, instructions, cache-misses, ... (hardware);\n"
	       "cpu-clock, task-clock, page-faults, ... (software); L1-dcache-load-misses,\n"
	       "LLC-loads, ... (hardware cache); rNNNN (raw, hex); PMU/ALIAS/ or\n"
	       "PMU/TERM=VALUE,.../ (sysfs; terms also name=, period=, freq=, config=,\n"
	       "config1=, config2=). Modifiers: :u user only, :k kernel only, :uk both,\n"
	       ":p/:pp/:ppp precise.\n"
#ifdef HAVE_LIBPFM4
	       "Vendor event names (INST_RETIRED:ANY_P...) are resolved through libpfm4.\n";
#else
	       "Vendor event names (INST_RETIRED:ANY_P...) need a build with libpfm4:\n"
	       "apt-get install libpfm4-dev, then ./configure --with-libpfm4.\n";
#endif
}

/*
 * Opens e on this thread as prof record would: counting, or sampling when `sample`. Without
 * modifiers, kernel mode is excluded unless we may count it. Returns 0 or -errno.
 */
static int
list_open(const struct pmu_event *e, bool kernel, bool sample, bool exclude)
{
	struct perf_event_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.type = e->type;
	attr.config = e->config;
	attr.config1 = e->config1;
	attr.config2 = e->config2;
	attr.precise_ip = (unsigned)e->precise;
	if (e->modifiers) {
		attr.exclude_user = e->exclude_user;
		attr.exclude_kernel = e->exclude_kernel;
		attr.exclude_hv = e->exclude_hv;
	} else if (exclude && !kernel) {
		attr.exclude_kernel = 1;
		attr.exclude_hv = 1;
	}
	if (sample) {
		attr.sample_period = 10000000;
		attr.sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_TID;
	}
	return privilege_try_attr(&attr);
}

/*
 * Probes e: 0 when it opens as prof record would use it. *count_only is set when it counts but
 * cannot sample (msr: the kernel refuses a sample period), so it can only be a group member.
 */
static int
list_probe(const struct list_opts *o, const struct pmu_event *e, bool *count_only)
{
	int r = list_open(e, o->kernel, false, true);

	/*
	 * PMUs with PERF_PMU_CAP_NO_EXCLUDE (msr) refuse any exclude_* bit with EINVAL; they count
	 * all modes or nothing, and then need the privilege for kernel mode.
	 */
	if (r == -EINVAL && !e->modifiers && !o->kernel)
		r = list_open(e, o->kernel, false, false);
	*count_only = false;
	if (r == 0) {
		int s = list_open(e, o->kernel, true, true);

		if (s == -EINVAL && !e->modifiers && !o->kernel)
			s = list_open(e, o->kernel, true, false);
		*count_only = s < 0;
	}
	return r;
}

static void
list_reason(const struct list_opts *o, const struct pmu_event *e, int err, char *buf, size_t size)
{
	switch (-err) {
	case ENOENT:
	case EOPNOTSUPP:
	case ENODEV:
		snprintf(buf, size, "not supported: %s",
			 e->hardware && !o->have_hw ? "no hardware PMU"
						    : "this kernel or CPU does not have it");
		break;
	case EACCES:
	case EPERM:
		snprintf(buf, size,
			 "not permitted: it needs kernel mode, which needs "
			 "kernel.perf_event_paranoid <= 1, CAP_PERFMON or root");
		break;
	case EINVAL:
		snprintf(buf, size, "refused by the kernel (EINVAL)");
		break;
	default:
		snprintf(buf, size, "cannot open: %s", strerror(-err));
		break;
	}
}

/* "  LABEL   NOTE [EXTRA]": a label too long for its column gets a line of its own. */
static void
list_line(const char *label, const char *note, const char *extra, const char *extra2)
{
	if (strlen(label) > 32)
		printf("  %s\n  %-32s %s", label, "", note);
	else
		printf("  %-32s %s", label, note);
	if (extra)
		printf(" [%s%s]", extra, extra2 ? extra2 : "");
	printf("\n");
}

/*
 * Probes and prints one event; returns whether it was printed. `label` is what the user writes
 * ("page-faults, faults").
 */
static bool
list_event(const struct list_opts *o, const char *spec, const char *label, const char *note)
{
	struct pmu_event e;
	char *cause = NULL, reason[160];
	bool count_only;
	int r;

	r = pmu_parse(spec, o->root, &e, &cause);
	if (r < 0) {
		if (o->all)
			list_line(label, note, "cannot parse: ", cause);
		free(cause);
		return o->all;
	}
	r = list_probe(o, &e, &count_only);
	if (r == 0) {
		/* the kernel refuses a sample period (msr): only a member of a group */
		list_line(label, note, count_only ? "counts only: -e cpu-clock," : NULL, spec);
		return true;
	}
	if (!o->all)
		return false;
	list_reason(o, &e, r, reason, sizeof(reason));
	list_line(label, note, reason, NULL);
	return true;
}

static void
list_builtin(const struct list_opts *o, enum pmu_kind kind, const char *title)
{
	struct pmu_name *names;
	size_t n, i, shown = 0;

	pmu_builtin_names(kind, &names, &n);
	printf("%s:\n", title);
	for (i = 0; i < n; i++) {
		char label[96];

		if (names[i].alias)
			snprintf(label, sizeof(label), "%s, %s", names[i].event, names[i].alias);
		else
			snprintf(label, sizeof(label), "%s", names[i].event);
		shown += list_event(o, names[i].event, label, names[i].note);
	}
	if (!shown)
		printf("  (none opens here%s; prof list --all shows why)\n",
		       kind != PMU_KIND_SOFTWARE && !o->have_hw ? ": no hardware PMU" : "");
	pmu_names_free(names, n);
}

static void
list_dynamic(const struct list_opts *o)
{
	char **pmus, *bare = NULL;
	size_t npmus, p;

	pmu_sysfs_pmus(o->root, &pmus, &npmus);
	for (p = 0; p < npmus; p++) {
		struct pmu_name *names;
		size_t n, i, shown = 0;
		char *terms;

		/* the software PMU's events are the generic ones above */
		if (strcmp(pmus[p], "software") == 0)
			continue;
		pmu_sysfs_events(o->root, pmus[p], &names, &n);
		if (!n) {
			char *t = xasprintf("%s%s%s", bare ? bare : "", bare ? ", " : "", pmus[p]);

			free(bare);
			bare = t;
			continue;
		}
		terms = pmu_sysfs_terms(o->root, pmus[p]);
		printf("\n%s PMU (%s/EVENT/ or %s/TERM=VALUE,.../; terms: %s):\n", pmus[p], pmus[p],
		       pmus[p], terms ? terms : "none");
		free(terms);
		for (i = 0; i < n; i++) {
			const char *note = names[i].note;
			size_t k;

			for (k = 0; k < sizeof(list_alias_notes) / sizeof(list_alias_notes[0]); k++)
				if (strcmp(list_alias_notes[k].event, names[i].event) == 0)
					note = list_alias_notes[k].note;
			shown += list_event(o, names[i].event, names[i].event, note);
		}
		if (!shown)
			printf("  (none opens here; prof list --all shows why)\n");
		pmu_names_free(names, n);
	}
	if (bare && o->all)
		printf("\nPMUs without named events (not listed): %s\n", bare);
	free(bare);
	pmu_split_free(pmus, npmus);
}

static int
list_encode(const char *root, int argc, char **argv)
{
	int i, status = 0;

	if (argc == 0) {
		log_error("--encode needs at least one EVENT (see prof list --help)");
		return LIST_EXIT_USAGE;
	}
	for (i = 0; i < argc; i++) {
		char **items, *cause = NULL;
		size_t n, k;

		if (pmu_split(argv[i], &items, &n, &cause) < 0) {
			log_error("%s", cause);
			free(cause);
			status = LIST_EXIT_FAILED;
			continue;
		}
		for (k = 0; k < n; k++) {
			struct pmu_event e;

			if (pmu_parse(items[k], root, &e, &cause) < 0) {
				log_error("%s", cause);
				free(cause);
				cause = NULL;
				status = LIST_EXIT_FAILED;
				continue;
			}
			printf("%s type=%u config=0x%llx config1=0x%llx config2=0x%llx "
			       "exclude_user=%d exclude_kernel=%d exclude_hv=%d precise=%d "
			       "sample_type=%s unit=%s scale=%.17g modifiers=%d hardware=%d",
			       items[k], e.type, (unsigned long long)e.config,
			       (unsigned long long)e.config1, (unsigned long long)e.config2,
			       e.exclude_user, e.exclude_kernel, e.exclude_hv, e.precise,
			       e.sample_type, e.unit, e.scale, e.modifiers, e.hardware);
			if (e.has_period)
				printf(" period=%llu", (unsigned long long)e.period);
			if (e.has_freq)
				printf(" freq=%llu", (unsigned long long)e.freq);
			printf("\n");
		}
		pmu_split_free(items, n);
	}
	return status;
}

int
cmd_list(int argc, char **argv)
{
	struct list_opts o = {.root = PMU_SYSFS_ROOT};
	struct privilege priv;
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "-a") == 0 || strcmp(a, "--all") == 0) {
			o.all = true;
		} else if (strcmp(a, "--sysfs") == 0) {
			if (++i == argc) {
				log_error("--sysfs needs a directory (see prof list --help)");
				return LIST_EXIT_USAGE;
			}
			o.root = argv[i];
		} else if (strncmp(a, "--sysfs=", 8) == 0) {
			o.root = a + 8;
		} else if (strcmp(a, "--encode") == 0) {
			return list_encode(o.root, argc - i - 1, argv + i + 1);
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			fputs(list_usage(), stdout);
			return 0;
		} else {
			log_error("unknown argument '%s' for prof list (see prof list --help)", a);
			return LIST_EXIT_USAGE;
		}
	}

	privilege_read(&priv);
	o.kernel = privilege_kernel_allowed(&priv);
	o.have_hw = pmu_have_hardware(o.root);
	if (!o.have_hw)
		printf("No hardware PMU here (no cpu PMU under %s; a virtual machine?): hardware, "
		       "cache and raw events cannot be counted.\n\n",
		       o.root);
	if (!o.kernel)
		printf("Kernel mode excluded (kernel.perf_event_paranoid=%d and no CAP_PERFMON): "
		       "each event was opened for user mode.\n\n",
		       priv.paranoid);
	list_builtin(&o, PMU_KIND_SOFTWARE, "software events");
	printf("\n");
	list_builtin(&o, PMU_KIND_HARDWARE, "hardware events");
	printf("\n");
	list_builtin(&o, PMU_KIND_CACHE, "hardware cache events");
	list_dynamic(&o);
	printf("\nraw events:\n");
	list_line("rNNNN", "a model-specific event code in hex, e.g. r003c (see the CPU's manual)",
		  o.have_hw ? NULL : "not supported: no hardware PMU", NULL);
	return 0;
}
