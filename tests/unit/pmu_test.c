/*
 * pmu_test: event strings to encodings. The generic names are checked against the kernel ABI
 * numbers (and, in tests/integration/encodings.test, against perf itself); the sysfs parser
 * against the fixture trees in tests/data/sysfs (README there); every error against the words
 * its message must contain.
 */
#include <errno.h>
#include <linux/perf_event.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pmu.h"
#include "tap.h"

static char root_intel[512], root_vm[512], root_hybrid[512], root_arm[512], root_synth[512];

static void
pmu_test_roots(void)
{
	const char *data = getenv("TESTDATA");

	if (!data || !*data)
		data = "tests/data";
	snprintf(root_intel, sizeof(root_intel), "%s/sysfs/intel", data);
	snprintf(root_vm, sizeof(root_vm), "%s/sysfs/vm", data);
	snprintf(root_hybrid, sizeof(root_hybrid), "%s/sysfs/hybrid", data);
	snprintf(root_arm, sizeof(root_arm), "%s/sysfs/arm", data);
	snprintf(root_synth, sizeof(root_synth), "%s/sysfs/synthetic", data);
}

/* Parses spec; on failure reports it as a failed check and returns false. */
static bool
parse_ok(const char *root, const char *spec, struct pmu_event *e)
{
	char *cause = NULL;
	int r = pmu_parse(spec, root, e, &cause);

	if (r != 0) {
		tap_ok(0, "%s: parses", spec);
		tap_diag("error %d: %s", r, cause ? cause : "(no cause)");
		free(cause);
		return false;
	}
	return true;
}

/* spec encodes as type/config with that sample type, unit and hardware flag. */
static void
enc(const char *root, const char *spec, uint32_t type, uint64_t config, const char *sample_type,
    const char *unit, bool hardware)
{
	struct pmu_event e;
	char name[300];

	if (!parse_ok(root, spec, &e))
		return;
	snprintf(name, sizeof(name), "%s: type %u config %#llx %s/%s%s", spec, type,
		 (unsigned long long)config, sample_type, unit, hardware ? " hardware" : "");
	tap_ok(e.type == type && e.config == config && strcmp(e.sample_type, sample_type) == 0 &&
		       strcmp(e.unit, unit) == 0 && e.hardware == hardware && e.scale == 1.0 &&
		       !e.modifiers && !e.exclude_user && !e.exclude_kernel && !e.exclude_hv,
	       "%s", name);
	if (e.type != type || e.config != config || strcmp(e.sample_type, sample_type) != 0 ||
	    strcmp(e.unit, unit) != 0 || e.hardware != hardware)
		tap_diag("got type %u config %#llx %s/%s hardware %d scale %g", e.type,
			 (unsigned long long)e.config, e.sample_type, e.unit, e.hardware, e.scale);
}

/* spec's encoding, for checks of other fields. */
static bool
get(const char *root, const char *spec, struct pmu_event *e)
{
	return parse_ok(root, spec, e);
}

/* spec fails with err and a cause containing each of the (up to 3) needles. */
static void
err(const char *root, const char *spec, int want, const char *n1, const char *n2, const char *n3)
{
	struct pmu_event e;
	char *cause = NULL;
	int r = pmu_parse(spec, root, &e, &cause);
	bool found = cause && (!n1 || strstr(cause, n1)) && (!n2 || strstr(cause, n2)) &&
		     (!n3 || strstr(cause, n3));

	if (!tap_ok(r == want && found, "'%s' fails with %s, cause mentions '%s'%s%s%s%s", spec,
		    want == -EINVAL ? "EINVAL" : "ENOENT", n1 ? n1 : "", n2 ? ", '" : "",
		    n2 ? n2 : "", n2 ? "'" : "", n3 ? " ..." : ""))
		tap_diag("got %d: %s", r, cause ? cause : "(no cause)");
	free(cause);
}

static void
mods(const char *spec, bool eu, bool ek, bool eh, bool modifiers, int precise)
{
	struct pmu_event e;

	if (!get(root_vm, spec, &e))
		return;
	if (!tap_ok(e.exclude_user == eu && e.exclude_kernel == ek && e.exclude_hv == eh &&
			    e.modifiers == modifiers && e.precise == precise,
		    "%s: exclude_user %d exclude_kernel %d exclude_hv %d modifiers %d precise %d",
		    spec, eu, ek, eh, modifiers, precise))
		tap_diag("got %d %d %d %d %d", e.exclude_user, e.exclude_kernel, e.exclude_hv,
			 e.modifiers, e.precise);
}

static void
test_generic(void)
{
	static const struct {
		const char *name;
		uint64_t config;
		const char *st;
	} hw[] =
		{
			{"cycles", 0, "cycles"},
			{"cpu-cycles", 0, "cycles"},
			{"instructions", 1, "instructions"},
			{"cache-references", 2, "cache-references"},
			{"cache-misses", 3, "cache-misses"},
			{"branches", 4, "branches"},
			{"branch-instructions", 4, "branches"},
			{"branch-misses", 5, "branch-misses"},
			{"bus-cycles", 6, "bus-cycles"},
			{"stalled-cycles-frontend", 7, "stalled-cycles-frontend"},
			{"idle-cycles-frontend", 7, "stalled-cycles-frontend"},
			{"stalled-cycles-backend", 8, "stalled-cycles-backend"},
			{"idle-cycles-backend", 8, "stalled-cycles-backend"},
			{"ref-cycles", 9, "ref-cycles"},
		},
	  sw[] = {
		  {"cpu-clock", 0, "cpu"},
		  {"task-clock", 1, "cpu"},
		  {"page-faults", 2, "page-faults"},
		  {"faults", 2, "page-faults"},
		  {"context-switches", 3, "context-switches"},
		  {"cs", 3, "context-switches"},
		  {"cpu-migrations", 4, "cpu-migrations"},
		  {"migrations", 4, "cpu-migrations"},
		  {"minor-faults", 5, "minor-faults"},
		  {"major-faults", 6, "major-faults"},
		  {"alignment-faults", 7, "alignment-faults"},
		  {"emulation-faults", 8, "emulation-faults"},
		  {"dummy", 9, "dummy"},
		  {"bpf-output", 10, "bpf-output"},
		  {"cgroup-switches", 11, "cgroup-switches"},
	  };
	struct pmu_event e;
	size_t i;

	for (i = 0; i < sizeof(hw) / sizeof(hw[0]); i++)
		enc(root_vm, hw[i].name, PERF_TYPE_HARDWARE, hw[i].config, hw[i].st, "count", true);
	for (i = 0; i < sizeof(sw) / sizeof(sw[0]); i++)
		enc(root_vm, sw[i].name, PERF_TYPE_SOFTWARE, sw[i].config, sw[i].st,
		    sw[i].config <= 1 ? "nanoseconds" : "count", false);
	/* generic names win over a sysfs alias of the same name, as in perf */
	enc(root_intel, "cpu-cycles", PERF_TYPE_HARDWARE, 0, "cycles", "count", true);
	if (get(root_vm, "page-faults:u", &e))
		TAP_EQ_STR(e.name, "page-faults", "display name drops the modifiers");
}

static void
test_cache(void)
{
	static const struct {
		const char *name;
		uint64_t config;
		const char *st;
	} c[] = {
		{"L1-dcache-loads", 0x0, "L1-dcache-loads"},
		{"L1-dcache-load-misses", 0x10000, "L1-dcache-load-misses"},
		{"L1-dcache-stores", 0x100, "L1-dcache-stores"},
		{"L1-dcache-store-misses", 0x10100, "L1-dcache-store-misses"},
		{"L1-dcache-prefetches", 0x200, "L1-dcache-prefetches"},
		{"L1-dcache-prefetch-misses", 0x10200, "L1-dcache-prefetch-misses"},
		{"L1-icache-loads", 0x1, "L1-icache-loads"},
		{"L1-icache-load-misses", 0x10001, "L1-icache-load-misses"},
		{"LLC-loads", 0x2, "LLC-loads"},
		{"LLC-load-misses", 0x10002, "LLC-load-misses"},
		{"LLC-stores", 0x102, "LLC-stores"},
		{"LLC-store-misses", 0x10102, "LLC-store-misses"},
		{"dTLB-loads", 0x3, "dTLB-loads"},
		{"dTLB-load-misses", 0x10003, "dTLB-load-misses"},
		{"dTLB-store-misses", 0x10103, "dTLB-store-misses"},
		{"iTLB-loads", 0x4, "iTLB-loads"},
		{"iTLB-load-misses", 0x10004, "iTLB-load-misses"},
		{"branch-loads", 0x5, "branch-loads"},
		{"branch-load-misses", 0x10005, "branch-load-misses"},
		{"node-loads", 0x6, "node-loads"},
		{"node-load-misses", 0x10006, "node-load-misses"},
		{"node-prefetch-misses", 0x10206, "node-prefetch-misses"},
		/* perf's aliases and defaults */
		{"L1-dcache", 0x0, "L1-dcache-loads"},
		{"L1-dcache-misses", 0x10000, "L1-dcache-load-misses"},
		{"L1-dcache-misses-load", 0x10000, "L1-dcache-load-misses"},
		{"l1d-loads-misses", 0x10000, "L1-dcache-load-misses"},
		{"l1-d-read-miss", 0x10000, "L1-dcache-load-misses"},
		{"L1-data-write", 0x100, "L1-dcache-stores"},
		{"L1-dcache-refs", 0x0, "L1-dcache-loads"},
		{"L1-dcache-access", 0x0, "L1-dcache-loads"},
		{"L1-dcache-ops", 0x0, "L1-dcache-loads"},
		{"L1-dcache-load-Reference", 0x0, "L1-dcache-loads"},
		{"l1i-prefetches", 0x201, "L1-icache-prefetches"},
		{"L1-instruction-speculative-load-misses", 0x10201, "L1-icache-prefetch-misses"},
		{"L2-loads", 0x2, "LLC-loads"},
		{"LLC-miss", 0x10002, "LLC-load-misses"},
		{"d-tlb-speculative-read-misses", 0x10203, "dTLB-prefetch-misses"},
		{"Data-TLB-stores", 0x103, "dTLB-stores"},
		{"i-tlb-load-misses", 0x10004, "iTLB-load-misses"},
		{"Instruction-TLB-loads", 0x4, "iTLB-loads"},
		{"branches-loads", 0x5, "branch-loads"},
		{"bpu-load-misses", 0x10005, "branch-load-misses"},
		{"btb-loads", 0x5, "branch-loads"},
		{"bpc-misses", 0x10005, "branch-load-misses"},
	};
	struct pmu_name *names;
	size_t i, n, good = 0;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		enc(root_vm, c[i].name, PERF_TYPE_HW_CACHE, c[i].config, c[i].st, "count", true);
	err(root_vm, "L1-icache-stores", -EINVAL, "no 'store' operation", "load, prefetch", NULL);
	err(root_vm, "iTLB-prefetches", -EINVAL, "no 'prefetch' operation", NULL, NULL);
	err(root_vm, "branch-store-misses", -EINVAL, "no 'store' operation", NULL, NULL);
	err(root_vm, "L1-dcache-frobs", -EINVAL, "'frobs'", "not a cache operation", NULL);
	err(root_vm, "L1-dcache-accesses", -EINVAL, "'accesses'", NULL, NULL);
	err(root_vm, "L1-dcache-load-misses-loads", -EINVAL, "one part too many", NULL, NULL);
	err(root_vm, "L1-dcache-load-store", -EINVAL, "'store' repeats the operation", NULL, NULL);
	err(root_vm, "LLC-miss-misses", -EINVAL, "'misses' repeats the result", NULL, NULL);
	err(root_vm, "L1-dcache-load-mises", -EINVAL, "'mises'", "L1-dcache-load-misses", NULL);

	/* every name prof list offers reads back as itself */
	pmu_builtin_names(PMU_KIND_CACHE, &names, &n);
	TAP_EQ_U64(n, 32, "32 valid cache events (7 caches x their operations x 2 results)");
	for (i = 0; i < n; i++) {
		struct pmu_event e;
		char *cause = NULL;

		if (pmu_parse(names[i].event, root_vm, &e, &cause) == 0 &&
		    e.type == PERF_TYPE_HW_CACHE && strcmp(e.sample_type, names[i].event) == 0 &&
		    names[i].note && names[i].note[0])
			good++;
		else
			tap_diag("%s: %s", names[i].event, cause ? cause : e.sample_type);
		free(cause);
	}
	TAP_EQ_U64(good, n, "every listed cache event parses to its own name");
	pmu_names_free(names, n);
}

static void
test_raw(void)
{
	struct pmu_event e;

	enc(root_vm, "r003c", PERF_TYPE_RAW, 0x3c, "r003c", "count", true);
	enc(root_vm, "r1A8", PERF_TYPE_RAW, 0x1a8, "r1A8", "count", true);
	enc(root_vm, "r0", PERF_TYPE_RAW, 0, "r0", "count", true);
	enc(root_vm, "rffffffffffffffff", PERF_TYPE_RAW, UINT64_MAX, "rffffffffffffffff", "count",
	    true);
	if (get(root_vm, "r003c:u", &e))
		tap_ok(e.type == PERF_TYPE_RAW && e.config == 0x3c && e.exclude_kernel &&
			       strcmp(e.name, "r003c") == 0,
		       "r003c:u: raw with modifiers");
	err(root_vm, "r", -EINVAL, "'r'", "hex", NULL);
	err(root_vm, "r0x3c", -EINVAL, "without 0x", NULL, NULL);
	err(root_vm, "r10000000000000000", -EINVAL, "wider than 64 bits", NULL, NULL);
	err(root_vm, "rzz", -ENOENT, "unknown event 'rzz'", NULL, NULL);
}

static void
test_modifiers(void)
{
	struct pmu_event e;

	mods("cycles", false, false, false, false, 0);
	mods("cycles:u", false, true, true, true, 0);
	mods("cycles:k", true, false, true, true, 0);
	mods("cycles:h", true, true, false, true, 0);
	mods("cycles:uk", false, false, true, true, 0);
	mods("cycles:ku", false, false, true, true, 0);
	mods("cycles:ukh", false, false, false, true, 0);
	mods("cycles:p", false, false, false, false, 1);
	mods("cycles:pp", false, false, false, false, 2);
	mods("cycles:ppp", false, false, false, false, 3);
	mods("cycles:upp", false, true, true, true, 2);
	mods("cycles:G", false, false, false, false, 0);
	mods("cycles:uH", false, true, true, true, 0);
	mods("L1-dcache-load-misses:u", false, true, true, true, 0);
	mods("cpu-clock:k", true, false, true, true, 0);
	mods("msr/tsc/u", false, true, true, true, 0);
	mods("msr/tsc/:uk", false, false, true, true, 0);
	mods("msr/tsc/", false, false, false, false, 0);
	mods("tsc:u", false, true, true, true, 0);
	err(root_vm, "cycles:pppp", -EINVAL, "at most 3 'p'", NULL, NULL);
	err(root_vm, "cycles:x", -EINVAL, "unknown modifier 'x'", NULL, NULL);
	err(root_vm, "cycles:uP", -EINVAL, "unknown modifier 'P'", NULL, NULL);
	err(root_vm, "cycles:", -EINVAL, "empty modifier", NULL, NULL);
	err(root_vm, "msr/tsc/:", -EINVAL, "empty modifier", NULL, NULL);
	err(root_vm, ":u", -EINVAL, "no event name", NULL, NULL);
	err(root_vm, "msr/tsc/z", -EINVAL, "unknown modifier 'z'", NULL, NULL);
	if (get(root_vm, "cycles:u", &e))
		TAP_EQ_STR(e.sample_type, "cycles", "cycles:u: the sample type has no modifiers");
}

static void
test_unknown(void)
{
	err(root_vm, "cycels", -ENOENT, "unknown event 'cycels'", "did you mean", "cycles");
	err(root_vm, "instrucions", -ENOENT, "instructions", NULL, NULL);
	err(root_vm, "Cycles", -ENOENT, "did you mean cycles", NULL, NULL);
	err(root_vm, "page-fault", -ENOENT, "page-faults", NULL, NULL);
	err(root_vm, "L1-dcache-load-mis", -EINVAL, "L1-dcache-load-misses", NULL, NULL);
	err(root_vm, "xyzzy-frobnicate", -ENOENT, "unknown event 'xyzzy-frobnicate'", "prof list",
	    NULL);
	err(root_vm, "tsx", -ENOENT, "msr/tsc/", NULL, NULL);
	err(root_vm, "sched:sched_switch", -ENOENT, "unknown event 'sched:sched_switch'",
	    "tracepoints", NULL);
	err(root_vm, "", -EINVAL, "empty event", NULL, NULL);
	err(root_intel, "memloads", -ENOENT, "cpu/mem-loads/", NULL, NULL);
}

static void
test_sysfs_intel(void)
{
	struct pmu_event e;
	const char *R = root_intel;

	enc(R, "cpu/event=0x3c,umask=0x0/", 4, 0x3c, "cpu/event=0x3c,umask=0x0/", "count", true);
	enc(R, "cpu/event=0x3c,umask=0x0,name=my_cycles/", 4, 0x3c, "my_cycles", "count", true);
	enc(R, "cpu/cpu-cycles/", 4, 0x3c, "cpu-cycles", "count", true);
	enc(R, "cpu/CPU-Cycles/", 4, 0x3c, "cpu-cycles", "count", true);
	enc(R, "cpu/bus-cycles/", 4, 0x13c, "bus-cycles", "count", true);
	enc(R, "cpu/event=0xc0,edge,inv,cmask=2/", 4, 0xc0 | 1 << 18 | 1 << 23 | 2u << 24,
	    "cpu/event=0xc0,edge,inv,cmask=2/", "count", true);
	enc(R, "cpu/event=0x3c,any/", 4, 0x3c | 1 << 21, "cpu/event=0x3c,any/", "count", true);
	enc(R, "cpu/event=60,umask=1/", 4, 0x13c, "cpu/event=60,umask=1/", "count", true);
	enc(R, "cpu/event=0xcd,umask=1,in_tx,in_tx_cp/", 4, 0x1cd | UINT64_C(3) << 32,
	    "cpu/event=0xcd,umask=1,in_tx,in_tx_cp/", "count", true);
	/* a later term overrides an earlier one, and an alias's terms */
	enc(R, "cpu/event=0x3c,event=0xc0/", 4, 0xc0, "cpu/event=0x3c,event=0xc0/", "count", true);
	enc(R, "cpu/cpu-cycles,umask=2/", 4, 0x23c, "cpu-cycles", "count", true);
	if (get(R, "cpu/mem-loads/", &e))
		tap_ok(e.config == 0x1cd && e.config1 == 3 && e.type == 4 &&
			       strcmp(e.sample_type, "mem-loads") == 0,
		       "cpu/mem-loads/: event/umask in config, ldlat=3 in config1");
	if (get(R, "cpu/mem-loads,ldlat=30/", &e))
		tap_ok(e.config == 0x1cd && e.config1 == 30,
		       "cpu/mem-loads,ldlat=30/ overrides ldlat");
	if (get(R, "cpu/ldlat=0xffff,offcore_rsp=0x10001/", &e))
		TAP_EQ_U64(e.config1, 0x10001, "config1 terms: the later one wins the shared bits");
	if (get(R, "cpu/event=0xd1,umask=0x8,period=10007/", &e))
		tap_ok(e.has_period && e.period == 10007 && !e.has_freq && e.config == 0x8d1,
		       "period= term");
	if (get(R, "cpu/instructions,freq=2000/", &e))
		tap_ok(e.has_freq && e.freq == 2000 && !e.has_period && e.config == 0xc0,
		       "freq= term with an alias");
	if (get(R, "cpu/config=0x1234,config1=5,config2=0x6/", &e))
		tap_ok(e.config == 0x1234 && e.config1 == 5 && e.config2 == 6,
		       "config=, config1=, config2= terms");
	if (get(R, "cpu/topdown-total-slots/", &e))
		tap_ok(e.scale == 2.0 && strcmp(e.unit, "count") == 0 && e.config == 0x20003c,
		       "cpu/topdown-total-slots/: .scale without .unit");
	if (get(R, "cpu/event=0x3c/uk", &e))
		tap_ok(e.modifiers && !e.exclude_user && !e.exclude_kernel && e.exclude_hv &&
			       strcmp(e.name, "cpu/event=0x3c/") == 0,
		       "cpu/event=0x3c/uk: modifiers after the '/'");
	if (get(R, "cpu/event=0x3c/ppp", &e))
		TAP_EQ_U64(e.precise, 3, "cpu/event=0x3c/ppp: precise 3");
	if (get(R, "power/energy-pkg/", &e))
		tap_ok(e.type == 19 && e.config == 2 && e.scale == 2.3283064365386962890625e-10 &&
			       strcmp(e.unit, "Joules") == 0 &&
			       strcmp(e.sample_type, "energy-pkg") == 0 && e.hardware,
		       "power/energy-pkg/: type 19 config 2, scale 2^-32, unit Joules");
	if (get(R, "uncore_imc_0/cas_count_read/", &e))
		tap_ok(e.type == 13 && e.config == 0x304 && e.scale == 6.103515625e-5 &&
			       strcmp(e.unit, "MiB") == 0,
		       "uncore_imc_0/cas_count_read/: scale and unit MiB");
	enc(R, "msr/tsc/", 10, 0, "tsc", "count", false);
	enc(R, "msr/aperf/", 10, 1, "aperf", "count", false);
	if (get(R, "msr/cpu_thermal_margin/", &e))
		tap_ok(e.config == 6 && strcmp(e.unit, "C") == 0,
		       "msr/cpu_thermal_margin/: unit C, .snapshot ignored");
	/* bare aliases are looked up in every PMU */
	enc(R, "tsc", 10, 0, "tsc", "count", false);
	enc(R, "TSC", 10, 0, "tsc", "count", false);
	if (get(R, "energy-pkg", &e))
		tap_ok(e.type == 19 && strcmp(e.unit, "Joules") == 0 &&
			       strcmp(e.name, "energy-pkg") == 0,
		       "energy-pkg: a bare alias of power");
	if (get(R, "mem-loads:u", &e))
		tap_ok(e.type == 4 && e.config1 == 3 && e.exclude_kernel,
		       "mem-loads:u: bare alias");
	enc(R, "software/config=2/", 1, 2, "software/config=2/", "count", false);
	enc(R, "software/config=0/", 1, 0, "cpu", "nanoseconds", false);
	if (get(R, "software/config=1,name=tc/", &e))
		tap_ok(strcmp(e.sample_type, "tc") == 0 && strcmp(e.unit, "nanoseconds") == 0,
		       "software/config=1,name=tc/: the name= term names it, still nanoseconds");

	err(R, "cpu/event=/", -EINVAL, "term 'event' has no value", NULL, NULL);
	err(R, "cpu/event=0x1ff/", -EINVAL, "0x1ff", "term 'event' is too wide", "config:0-7");
	err(R, "cpu/cmask=256/", -EINVAL, "'cmask'", "config:24-31", "8 bits");
	err(R, "cpu/bogus=1/", -EINVAL, "unknown term 'bogus'", "umask", "period");
	err(R, "cpu/umsk=1/", -EINVAL, "unknown term 'umsk'", "did you mean umask", NULL);
	err(R, "cpu/bogus/", -ENOENT, "unknown event 'bogus' of PMU 'cpu'", NULL, NULL);
	err(R, "cpu/cpu-cycels/", -ENOENT, "did you mean cpu-cycles", NULL, NULL);
	err(R, "cpux/event=1/", -ENOENT, "unknown PMU 'cpux'", "did you mean cpu", "msr, power");
	err(R, "cpu/event=1", -EINVAL, "no closing '/'", NULL, NULL);
	err(R, "cpu/event=1/u/", -EINVAL, "unbalanced '/'", NULL, NULL);
	err(R, "cpu//", -EINVAL, "no event or terms", NULL, NULL);
	err(R, "/event=1/", -EINVAL, "no PMU name", NULL, NULL);
	err(R, "cpu/event=zz/", -EINVAL, "bad value 'zz'", NULL, NULL);
	err(R, "cpu/event=-1/", -EINVAL, "bad value '-1'", NULL, NULL);
	err(R, "cpu/event=99999999999999999999/", -EINVAL, "bad value", NULL, NULL);
	err(R, "cpu/event=0x3c,,umask=1/", -EINVAL, "empty term", NULL, NULL);
	err(R, "cpu/=1/", -EINVAL, "has no name", NULL, NULL);
	err(R, "cpu/name/", -EINVAL, "'name' needs a value", NULL, NULL);
	err(R, "cpu/event=1,period=0/", -EINVAL, "'period' needs a value > 0", NULL, NULL);
	err(R, "cpu/cpu-cycles,instructions/", -EINVAL, "two events", NULL, NULL);
	err(R, "cpu/event=1/x", -EINVAL, "unknown modifier 'x'", NULL, NULL);
	err(R, "../cpu/event=1/", -EINVAL, "unbalanced", NULL, NULL);
	err(R, "../event=1/", -ENOENT, "unknown PMU '..'", NULL, NULL);
	err(R, "cas_count_write_x", -ENOENT, "uncore_imc_0/cas_count_write/", NULL, NULL);
}

static void
test_sysfs_other(void)
{
	struct pmu_event e;
	const char *S = root_synth;

	/* this machine's layout: msr/tsc/ and no cpu PMU */
	enc(root_vm, "msr/tsc/", 9, 0, "tsc", "count", false);
	enc(root_vm, "msr/event=0x0/", 9, 0, "msr/event=0x0/", "count", false);
	enc(root_vm, "tsc", 9, 0, "tsc", "count", false);
	err(root_vm, "cpu/event=0x3c/", -ENOENT, "unknown PMU 'cpu'", "no hardware PMU",
	    "breakpoint, msr, software, tracepoint, uprobe");
	err(root_vm, "msr/tsx/", -ENOENT, "did you mean tsc", NULL, NULL);
	err(root_vm, "msr/event=0x1,ev=2/", -EINVAL, "unknown term 'ev'", "event", NULL);
	err(root_vm, "uprobe/foo/", -ENOENT, "has no named events", NULL, NULL);
	err(root_hybrid, "cpu/event=1/", -ENOENT, "unknown PMU 'cpu'", "cpu_atom, cpu_core", NULL);
	if (get(root_hybrid, "cpu_atom/cpu-cycles/", &e))
		tap_ok(e.type == 10 && e.config == 0x3c && e.hardware,
		       "hybrid: cpu_atom/cpu-cycles/");
	enc(root_hybrid, "cpu-cycles", PERF_TYPE_HARDWARE, 0, "cycles", "count", true);

	/* format fields split over several ranges, config1/config2, alias parameters */
	enc(S, "synth/event=0xff/", 42, 0xff, "synth/event=0xff/", "count", true);
	enc(S, "synth/event=0x1ff/", 42, 0xff | UINT64_C(1) << 32, "synth/event=0x1ff/", "count",
	    true);
	enc(S, "synth/event=0xfff,umask=0x5/", 42, 0x5ff | UINT64_C(0xf) << 32,
	    "synth/event=0xfff,umask=0x5/", "count", true);
	err(S, "synth/event=0x1000/", -EINVAL, "too wide", "config:0-7,32-35", "12 bits");
	if (get(S, "synth/ext=0xf,flag/", &e))
		tap_ok(e.config == 0 && e.config1 == 0xf && e.config2 == UINT64_C(1) << 63,
		       "config1:0-3 and config2:63 fields");
	err(S, "synth/ext=0x10/", -EINVAL, "too wide", "config1:0-3", NULL);
	err(S, "synth/flag=2/", -EINVAL, "too wide", "config2:63", NULL);
	err(S, "synth/needs-arg/", -EINVAL, "needs a value for 'umask'", "synth/needs-arg,umask=N/",
	    NULL);
	if (get(S, "synth/needs-arg,umask=3/", &e))
		TAP_EQ_U64(e.config, 0x310, "an alias's '?' parameter given by the user");
	if (get(S, "synth/with-flag/", &e))
		tap_ok(e.config == 0x11 && e.config2 == UINT64_C(1) << 63,
		       "an alias with a bare flag term");
	err(S, "synth/bad-term/", -EINVAL, "uses term 'nosuch'", NULL, NULL);
	enc(S, "synth/mixed-case/", 42, 0x12, "Mixed-Case", "count", true);
	enc(S, "synth/spaced/", 42, 0x213, "spaced", "count", true);
	err(S, "synth/bad-scale/", -EINVAL, "scale", "'lots'", NULL);
	err(S, "synth/broken=1/", -EINVAL, "format/broken", NULL, NULL);
	err(S, "notapmu/event=1/", -ENOENT, "unknown PMU 'notapmu'", "synth", NULL);
	enc(root_arm, "armv8_pmuv3_0/cpu_cycles/", 8, 0x11, "cpu_cycles", "count", true);
	if (get(root_arm, "armv8_pmuv3_0/event=0x8,long/", &e))
		tap_ok(e.config == 8 && e.config1 == 1, "arm: config1:0 flag");
}

static void
test_have_hardware(void)
{
	tap_ok(pmu_have_hardware(root_intel), "intel: has a hardware PMU (cpu)");
	tap_ok(!pmu_have_hardware(root_vm), "vm: no hardware PMU");
	tap_ok(pmu_have_hardware(root_hybrid), "hybrid: has a hardware PMU (cpu_core, cpu_atom)");
	tap_ok(pmu_have_hardware(root_arm), "arm: has a hardware PMU (cpus file)");
	tap_ok(!pmu_have_hardware(root_synth), "synthetic: no hardware PMU");
	tap_ok(!pmu_have_hardware("/nonexistent/sysfs"), "missing root: no hardware PMU");
	tap_ok(pmu_have_hardware(NULL) == pmu_have_hardware(PMU_SYSFS_ROOT),
	       "NULL root is " PMU_SYSFS_ROOT);
}

static void
split(const char *list, size_t want_n, const char *first, const char *last)
{
	char **v, *cause = NULL;
	size_t n;
	int r = pmu_split(list, &v, &n, &cause);

	if (!tap_ok(r == 0 && n == want_n && strcmp(v[0], first) == 0 &&
			    strcmp(v[n - 1], last) == 0,
		    "split '%s': %zu items, '%s' ... '%s'", list, want_n, first, last))
		tap_diag("got %d, %zu items: %s", r, r ? 0 : n, r ? cause : v[0]);
	if (r == 0)
		pmu_split_free(v, n);
	free(cause);
}

static void
split_err(const char *list, const char *needle)
{
	char **v = NULL, *cause = NULL;
	size_t n = 99;
	int r = pmu_split(list, &v, &n, &cause);

	if (!tap_ok(r == -EINVAL && n == 0 && !v && cause && strstr(cause, needle),
		    "split '%s' fails: %s", list, needle))
		tap_diag("got %d: %s", r, cause ? cause : "(no cause)");
	free(cause);
}

static void
test_split(void)
{
	split("cycles", 1, "cycles", "cycles");
	split("cycles,instructions", 2, "cycles", "instructions");
	split("cycles,instructions,cache-misses,branch-misses", 4, "cycles", "branch-misses");
	split("cpu/event=0x3c,umask=0/,instructions", 2, "cpu/event=0x3c,umask=0/", "instructions");
	split("cycles,cpu/event=0x3c,umask=0,name=x/", 2, "cycles",
	      "cpu/event=0x3c,umask=0,name=x/");
	split("cpu/event=1/u,msr/tsc/", 2, "cpu/event=1/u", "msr/tsc/");
	split("cpu-clock,msr/tsc/,page-faults", 3, "cpu-clock", "page-faults");
	split("cycles:u,instructions:k", 2, "cycles:u", "instructions:k");
	split_err("", "empty event list");
	split_err("cycles,,instructions", "empty event at offset 7");
	split_err(",cycles", "empty event at offset 0");
	split_err("cycles,", "empty event at offset 7");
	split_err("cpu/event=1,instructions", "unbalanced '/'");
	split_err("cpu/event=1/u/,cycles", "unbalanced '/'");
}

static void
test_lists(void)
{
	struct pmu_name *names;
	char **pmus, *terms;
	size_t n, i, good = 0;

	pmu_builtin_names(PMU_KIND_HARDWARE, &names, &n);
	tap_ok(n == 10 && strcmp(names[0].event, "cycles") == 0 &&
		       strcmp(names[0].alias, "cpu-cycles") == 0,
	       "hardware list: 10 events, cycles (cpu-cycles) first");
	pmu_names_free(names, n);
	pmu_builtin_names(PMU_KIND_SOFTWARE, &names, &n);
	for (i = 0; i < n; i++) {
		struct pmu_event e, a;
		char *cause = NULL;

		if (pmu_parse(names[i].event, root_vm, &e, &cause) == 0 &&
		    e.type == PERF_TYPE_SOFTWARE &&
		    (!names[i].alias ||
		     (pmu_parse(names[i].alias, root_vm, &a, &cause) == 0 && a.config == e.config)))
			good++;
		free(cause);
	}
	tap_ok(n == 12 && good == n && strcmp(names[0].event, "cpu-clock") == 0,
	       "software list: 12 events, each and its alias parse to the same encoding");
	pmu_names_free(names, n);

	pmu_sysfs_pmus(root_intel, &pmus, &n);
	tap_ok(n == 9 && strcmp(pmus[0], "breakpoint") == 0 && strcmp(pmus[1], "cpu") == 0 &&
		       strcmp(pmus[8], "uprobe") == 0,
	       "intel: 9 PMUs, sorted");
	pmu_split_free(pmus, n);
	pmu_sysfs_pmus(root_synth, &pmus, &n);
	tap_ok(n == 2, "synthetic: a directory without a type file is no PMU");
	pmu_split_free(pmus, n);

	pmu_sysfs_events(root_intel, "power", &names, &n);
	tap_ok(n == 4 && strcmp(names[1].event, "power/energy-pkg/") == 0 &&
		       strstr(names[1].note, "event=0x02") && strstr(names[1].note, "Joules"),
	       "power events: 4, .scale/.unit files are not events, the note has terms and unit");
	pmu_names_free(names, n);
	pmu_sysfs_events(root_intel, "cpu", &names, &n);
	good = 0;
	for (i = 0; i < n; i++) {
		struct pmu_event e;
		char *cause = NULL;

		if (pmu_parse(names[i].event, root_intel, &e, &cause) == 0 && e.type == 4)
			good++;
		else
			tap_diag("%s: %s", names[i].event, cause);
		free(cause);
	}
	tap_ok(n == 14 && good == n, "cpu events: 14, each parses");
	pmu_names_free(names, n);
	pmu_sysfs_events(root_vm, "uprobe", &names, &n);
	tap_ok(n == 0 && !names, "uprobe: no events");

	terms = pmu_sysfs_terms(root_vm, "msr");
	TAP_EQ_STR(terms, "event (config:0-63)", "msr terms");
	free(terms);
	terms = pmu_sysfs_terms(root_vm, "software");
	tap_ok(terms == NULL, "software: no terms");
	tap_ok(pmu_is_software_pmu("msr") && pmu_is_software_pmu("tracepoint") &&
		       !pmu_is_software_pmu("cpu") && !pmu_is_software_pmu("power"),
	       "software-context PMUs");
}

#ifdef HAVE_LIBPFM4
static void
test_libpfm(void)
{
	struct pmu_event e;

	/* LIBPFM_FORCE_PMU=skl (set in main): vendor names of Skylake, whatever the CPU here */
	if (get(root_vm, "INST_RETIRED:ANY_P", &e))
		tap_ok(e.type == PERF_TYPE_RAW && e.config == 0xc0 && !e.modifiers && e.hardware,
		       "libpfm4 INST_RETIRED:ANY_P: raw 0xc0");
	if (get(root_vm, "MEM_LOAD_RETIRED:L1_MISS", &e))
		tap_ok(e.type == PERF_TYPE_RAW && e.config == 0x8d1,
		       "libpfm4 MEM_LOAD_RETIRED:L1_MISS: raw 0x8d1");
	if (get(root_vm, "INST_RETIRED:ANY_P:u", &e))
		tap_ok(e.config == 0xc0 && e.modifiers && e.exclude_kernel && !e.exclude_user &&
			       strcmp(e.sample_type, "INST_RETIRED:ANY_P") == 0,
		       "libpfm4 modifiers: INST_RETIRED:ANY_P:u, sample type without them");
	if (get(root_vm, "INST_RETIRED:ANY_P:period=1000", &e))
		tap_ok(e.has_period && e.period == 1000 &&
			       strcmp(e.name, "INST_RETIRED:ANY_P") == 0,
		       "libpfm4 period=1000");
	enc(root_vm, "cycles", PERF_TYPE_HARDWARE, 0, "cycles", "count", true);
	err(root_vm, "NO_SUCH_EVENT_AT_ALL", -ENOENT, "unknown event", NULL, NULL);
	/* libpfm4 ignores case in its generic names; a miscased built-in is still a typo */
	err(root_vm, "Cycles", -ENOENT, "did you mean cycles", NULL, NULL);
	err(root_vm, "L1-DCACHE-LOAD-MISSES", -ENOENT, "did you mean L1-dcache-load-misses", NULL,
	    NULL);
	err(root_vm, "INST_RETIRED:NO_SUCH_UMASK", -EINVAL, "libpfm4", NULL, NULL);
}
#endif

int
main(void)
{
#ifdef HAVE_LIBPFM4
	setenv("LIBPFM_FORCE_PMU", "skl", 1);
#endif
	pmu_test_roots();
	test_generic();
	test_cache();
	test_raw();
	test_modifiers();
	test_unknown();
	test_sysfs_intel();
	test_sysfs_other();
	test_have_hardware();
	test_split();
	test_lists();
#ifdef HAVE_LIBPFM4
	test_libpfm();
#else
	tap_diag("built without libpfm4 (configure --with-libpfm4): its checks are not compiled");
#endif
	return tap_done();
}
