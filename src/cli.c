/*
 * cli: `prof record` options, perf's spellings where perf has one (-F, -c, -e, -g, --call-graph,
 * -o, -m), so perf users need nothing new. Everything after `--` (or after the first non-option)
 * is the command.
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

enum {
	CLI_OPT_CALL_GRAPH = 256,
	CLI_OPT_DURATION,
	CLI_OPT_NO_CALL_GRAPH,
	CLI_OPT_FOLLOW,
	CLI_OPT_FORMAT,
	CLI_OPT_NO_FOLLOW,
	CLI_OPT_DEBUG_DIR,
	CLI_OPT_DEBUGINFOD,
	CLI_OPT_NO_DEMANGLE,
	CLI_OPT_OFF_CPU,
	CLI_OPT_WALL,
	CLI_OPT_AS_ROOT,
};

static const struct option cli_record_options[] = {
	{"freq", required_argument, NULL, 'F'},
	{"count", required_argument, NULL, 'c'},
	{"event", required_argument, NULL, 'e'},
	{"call-graph", required_argument, NULL, CLI_OPT_CALL_GRAPH},
	{"no-call-graph", no_argument, NULL, CLI_OPT_NO_CALL_GRAPH},
	{"output", required_argument, NULL, 'o'},
	{"format", required_argument, NULL, CLI_OPT_FORMAT},
	{"duration", required_argument, NULL, CLI_OPT_DURATION},
	{"mmap-pages", required_argument, NULL, 'm'},
	{"quiet", no_argument, NULL, 'q'},
	{"verbose", no_argument, NULL, 'v'},
	{"pid", required_argument, NULL, 'p'},
	{"tid", required_argument, NULL, 't'},
	{"follow-children", no_argument, NULL, CLI_OPT_FOLLOW},
	{"no-follow-children", no_argument, NULL, CLI_OPT_NO_FOLLOW},
	{"debug-dir", required_argument, NULL, CLI_OPT_DEBUG_DIR},
	{"debuginfod", no_argument, NULL, CLI_OPT_DEBUGINFOD},
	{"no-demangle", no_argument, NULL, CLI_OPT_NO_DEMANGLE},
	{"off-cpu", no_argument, NULL, CLI_OPT_OFF_CPU},
	{"wall", no_argument, NULL, CLI_OPT_WALL},
	{"as-root", no_argument, NULL, CLI_OPT_AS_ROOT},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

const char *
cli_record_usage(void)
{
	return "usage: prof record [options] -- COMMAND [ARGS...]\n"
	       "       prof record [options] -p PID[,PID...]\n"
	       "       prof record [options] -t TID[,TID...]\n"
	       "\n"
	       "Runs COMMAND and samples it, every thread it creates and every child it forks,\n"
	       "until it exits; then writes a pprof profile (gzip'd protobuf) and exits with\n"
	       "COMMAND's exit status. With -p, samples running processes (every thread, those\n"
	       "born while recording too) until they exit or prof is stopped, then detaches.\n"
	       "\n"
	       "  -p, --pid PID,...      attach to these processes\n"
	       "  -t, --tid TID,...      sample just these threads\n"
	       "      --follow-children  also profile children the -p processes fork\n"
	       "      --no-follow-children  do not profile the children COMMAND forks\n"
	       "  -F, --freq HZ          samples per second per thread (default 999)\n"
	       "  -c, --count N          sample every N events instead (cpu-clock: every N ns)\n"
	       "  -e, --event A,B,...    a counter group: A samples, B... are read with every\n"
	       "                         sample (default cycles, or cpu-clock without a hardware\n"
	       "                         PMU); perf's syntax; 'prof list' shows what works here\n"
	       "  -g                     record callchains (the default)\n"
	       "      --call-graph MODE  dwarf[,BYTES]: unwind user stacks with DWARF CFI from a\n"
	       "                         copy of BYTES (default 8192) of stack per sample (the\n"
	       "                         default: most Linux code has no frame pointers);\n"
	       "                         fp: frame pointers only (cheaper, often truncated)\n"
	       "      --no-call-graph    only the sampled instruction\n"
	       "  -o, --output FILE      output file (default prof.pb.gz; - for stdout)\n"
	       "      --format FORMAT    pprof (default), folded (flamegraph.pl / speedscope\n"
	       "                         input; default name prof.folded) or svg (a flame graph;\n"
	       "                         default name prof.svg)\n"
	       "      --duration SECS    stop profiling after SECS seconds; COMMAND keeps running\n"
	       "  -m, --mmap-pages N     ring buffer data pages per thread (power of two, default 64)\n"
	       "      --debug-dir DIR    also look for separate debuginfo under DIR (as under\n"
	       "                         /usr/lib/debug: .build-id/xx/yyyy.debug); repeatable\n"
	       "      --debuginfod       fetch missing debuginfo from the servers in DEBUGINFOD_URLS\n"
	       "                         (DEBUGINFOD_TIMEOUT defaults to 10 s)\n"
	       "      --no-demangle      keep C++ and Rust function names mangled\n"
	       "      --off-cpu          also record where threads wait: blocked time per stack\n"
	       "                         (off-cpu/nanoseconds; needs kernel-mode sampling for\n"
	       "                         stacks, else approximate; with stacks -m defaults to 256)\n"
	       "      --wall             on-CPU plus off-CPU time per stack (wall/nanoseconds);\n"
	       "                         implies --off-cpu; samples cpu-clock unless -e says\n"
	       "                         cpu-clock or task-clock\n"
	       "      --as-root          under sudo, run COMMAND as root too (by default it runs\n"
	       "                         as the user who ran sudo: SUDO_UID, SUDO_GID)\n"
	       "  -q, --quiet            no progress line and no summary\n"
	       "  -v, --verbose          say more\n"
	       "  -h, --help             this text\n"
	       "\n"
	       "Ctrl-C (SIGINT), SIGTERM and SIGHUP stop profiling and write the profile; COMMAND\n"
	       "gets the signal as it would without prof. View the profile with\n"
	       "  go tool pprof -http=:8080 prof.pb.gz\n"
	       "\n"
	       "Under sudo (root, with SUDO_UID set), COMMAND runs as the user who ran sudo,\n"
	       "with that user's groups, HOME, USER, LOGNAME and SHELL, and the profile belongs\n"
	       "to that user; prof itself keeps only the capabilities it still needs.\n"
	       "\n"
	       "Exit status: COMMAND's (128+N if it died of signal N); 2 for a usage error; 1 if\n"
	       "profiling failed; 126/127 if COMMAND could not be run.\n";
}

static int cli_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* "PID[,PID...]" appended to out->targets; no duplicates. */
static int
cli_parse_targets(const char *opt, const char *arg, struct cli_record *out, char **cause)
{
	const char *p = arg;

	do {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		char num[32];
		uint64_t v;
		size_t i;

		if (len == 0 || len >= sizeof(num)) {
			*cause = log_cause("bad %s value '%s': give process ids separated by commas",
					   opt, arg);
			return -EINVAL;
		}
		memcpy(num, p, len);
		num[len] = '\0';
		if (cli_parse_u64(num, 1, 0x7fffffff, &v) < 0) {
			*cause = log_cause("bad %s value '%s': '%s' is not a process id", opt, arg,
					   num);
			return -EINVAL;
		}
		for (i = 0; i < out->ntargets; i++) {
			if (out->targets[i] == (pid_t)v) {
				*cause = log_cause("%s %s: %llu is given twice", opt, arg,
						   (unsigned long long)v);
				return -EINVAL;
			}
		}
		if (out->ntargets == CLI_MAX_TARGETS) {
			*cause = log_cause("too many %s targets (at most %d)", opt, CLI_MAX_TARGETS);
			return -EINVAL;
		}
		out->targets[out->ntargets++] = (pid_t)v;
		p = comma ? comma + 1 : NULL;
	} while (p);
	return 0;
}

/* "fp", "dwarf" or "dwarf,BYTES" (perf's spelling). */
static int
cli_parse_call_graph(const char *arg, struct cli_record *out, char **cause)
{
	uint64_t v;

	out->callchain = true;
	if (strcmp(arg, "fp") == 0) {
		out->dwarf = false;
		return 0;
	}
	if (strcmp(arg, "dwarf") == 0) {
		out->dwarf = true;
		return 0;
	}
	if (strncmp(arg, "dwarf,", 6) == 0) {
		if (cli_parse_u64(arg + 6, 8, CLI_MAX_STACK, &v) < 0 || v % 8) {
			*cause = log_cause("bad --call-graph stack size '%s': give bytes, a multiple "
					   "of 8 from 8 to %d",
					   arg + 6, CLI_MAX_STACK);
			return -EINVAL;
		}
		out->dwarf = true;
		out->stack_size = (uint32_t)v;
		return 0;
	}
	*cause = log_cause("bad --call-graph mode '%s': use 'dwarf' (DWARF unwinding, the "
			   "default), 'dwarf,BYTES' or 'fp' (frame pointers)",
			   arg);
	return -EINVAL;
}

/* A whole decimal number in [min, max]. */
static int
cli_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || !*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int
cli_parse_record(int argc, char **argv, struct cli_record *out, char **cause)
{
	bool saw_F = false, saw_c = false, saw_p = false, saw_t = false, saw_o = false;
	bool saw_m = false;
	int follow = -1;
	uint64_t v;
	int c;

	memset(out, 0, sizeof(*out));
	out->freq = true;
	out->rate = CLI_DEFAULT_FREQ;
	out->callchain = true;
	out->dwarf = true;
	out->stack_size = CLI_DEFAULT_STACK;
	out->output = CLI_DEFAULT_OUTPUT;
	out->mmap_pages = CLI_DEFAULT_MMAP_PAGES;

	optind = 1;
	opterr = 0;
	/* '+': stop at the first non-option, so the command's own options stay its own. */
	while ((c = getopt_long(argc, argv, "+:F:c:e:go:m:p:t:qvh", cli_record_options, NULL)) != -1) {
		switch (c) {
		case 'F':
			if (cli_parse_u64(optarg, 1, 1000000, &v) < 0) {
				*cause = log_cause("bad -F value '%s': give a rate in Hz, a whole "
						   "number from 1 to 1000000",
						   optarg);
				return -EINVAL;
			}
			saw_F = true;
			out->freq = true;
			out->rate = v;
			break;
		case 'c':
			if (cli_parse_u64(optarg, 1, UINT64_MAX >> 1, &v) < 0) {
				*cause = log_cause("bad -c value '%s': give a period, a whole number "
						   "of events greater than 0",
						   optarg);
				return -EINVAL;
			}
			saw_c = true;
			out->freq = false;
			out->rate = v;
			break;
		case 'e':
			if (!*optarg) {
				*cause = log_cause("bad -e value: empty event list");
				return -EINVAL;
			}
			if (out->nevents == CLI_MAX_EVENTS) {
				*cause = log_cause("too many -e options (at most %d)", CLI_MAX_EVENTS);
				return -EINVAL;
			}
			out->events[out->nevents++] = optarg;
			break;
		case 'g':
			out->callchain = true;
			break;
		case CLI_OPT_CALL_GRAPH:
			if (cli_parse_call_graph(optarg, out, cause) < 0)
				return -EINVAL;
			break;
		case CLI_OPT_NO_CALL_GRAPH:
			out->callchain = false;
			break;
		case 'o':
			if (!*optarg) {
				*cause = log_cause("bad -o value: empty file name");
				return -EINVAL;
			}
			out->output = optarg;
			saw_o = true;
			break;
		case CLI_OPT_DURATION: {
			char *end;
			double d;

			errno = 0;
			d = strtod(optarg, &end);
			if (errno || end == optarg || *end || !isfinite(d) || d <= 0 ||
			    d > 365.0 * 24 * 3600) {
				*cause = log_cause("bad --duration value '%s': give seconds greater "
						   "than 0 (e.g. 5 or 0.5)",
						   optarg);
				return -EINVAL;
			}
			out->duration = d;
			break;
		}
		case 'm':
			if (cli_parse_u64(optarg, 1, 1u << 20, &v) < 0 || (v & (v - 1))) {
				*cause = log_cause("bad --mmap-pages value '%s': give a power of two "
						   "(1, 2, 4, ... 1048576)",
						   optarg);
				return -EINVAL;
			}
			out->mmap_pages = (unsigned)v;
			saw_m = true;
			break;
		case 'p':
		case 't':
			if ((c == 'p' && saw_t) || (c == 't' && saw_p)) {
				*cause = log_cause("give either -p PIDs or -t TIDs, not both");
				return -EINVAL;
			}
			if (cli_parse_targets(c == 'p' ? "-p" : "-t", optarg, out, cause) < 0)
				return -EINVAL;
			saw_p = saw_p || c == 'p';
			saw_t = saw_t || c == 't';
			out->threads = c == 't';
			break;
		case CLI_OPT_FORMAT:
			if (strcmp(optarg, "pprof") == 0) {
				out->format = CLI_FORMAT_PPROF;
			} else if (strcmp(optarg, "folded") == 0) {
				out->format = CLI_FORMAT_FOLDED;
			} else if (strcmp(optarg, "svg") == 0) {
				out->format = CLI_FORMAT_SVG;
			} else {
				*cause = log_cause("bad --format value '%s': use pprof (the default), "
						   "folded or svg",
						   optarg);
				return -EINVAL;
			}
			break;
		case CLI_OPT_FOLLOW:
			follow = 1;
			break;
		case CLI_OPT_NO_FOLLOW:
			follow = 0;
			break;
		case CLI_OPT_DEBUG_DIR:
			/* libdwfl's search path is colon-separated */
			if (!*optarg || strchr(optarg, ':')) {
				*cause = log_cause("bad --debug-dir value '%s': give a directory name "
						   "without ':'",
						   optarg);
				return -EINVAL;
			}
			if (out->ndebug_dirs == CLI_MAX_DEBUG_DIRS) {
				*cause = log_cause("too many --debug-dir options (at most %d)",
						   CLI_MAX_DEBUG_DIRS);
				return -EINVAL;
			}
			out->debug_dirs[out->ndebug_dirs++] = optarg;
			break;
		case CLI_OPT_DEBUGINFOD:
			out->debuginfod = true;
			break;
		case CLI_OPT_NO_DEMANGLE:
			out->no_demangle = true;
			break;
		case CLI_OPT_OFF_CPU:
			out->off_cpu = true;
			break;
		case CLI_OPT_WALL:
			out->wall = out->off_cpu = true;
			break;
		case CLI_OPT_AS_ROOT:
			out->as_root = true;
			break;
		case 'q':
			out->verbosity = -1;
			break;
		case 'v':
			if (out->verbosity >= 0)
				out->verbosity++;
			break;
		case 'h':
			out->help = true;
			return 0;
		case ':':
			*cause = log_cause("option '%s' needs a value", argv[optind - 1]);
			return -EINVAL;
		default:
			if (optopt)
				*cause = log_cause("unknown option '-%c' (see prof record --help)",
						   optopt);
			else
				*cause = log_cause("unknown option '%s' (see prof record --help)",
						   argv[optind - 1]);
			return -EINVAL;
		}
	}
	out->mmap_pages_set = saw_m;
	/* Without -o, the default name follows the format. */
	if (!saw_o && out->format == CLI_FORMAT_FOLDED)
		out->output = "prof.folded";
	else if (!saw_o && out->format == CLI_FORMAT_SVG)
		out->output = "prof.svg";
	if (saw_F && saw_c) {
		*cause = log_cause("-F and -c exclude each other: sample by rate or by period");
		return -EINVAL;
	}
	if (out->ntargets) {
		if (optind < argc) {
			*cause = log_cause("give either %s or a command to run, not both",
					   saw_p ? "-p PIDs" : "-t TIDs");
			return -EINVAL;
		}
		if (saw_t && follow == 1) {
			*cause = log_cause("--follow-children goes with -p or a command, not -t");
			return -EINVAL;
		}
		out->follow_children = follow == 1;
		return 0;
	}
	if (optind >= argc) {
		*cause = log_cause("no command given: prof record [options] -- COMMAND [ARGS...] "
				   "(or -p PID to attach)");
		return -EINVAL;
	}
	out->follow_children = follow != 0;
	out->argv = argv + optind;
	return 0;
}
