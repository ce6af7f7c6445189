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

enum { CLI_OPT_CALL_GRAPH = 256, CLI_OPT_DURATION, CLI_OPT_NO_CALL_GRAPH };

static const struct option cli_record_options[] = {
	{"freq", required_argument, NULL, 'F'},
	{"count", required_argument, NULL, 'c'},
	{"event", required_argument, NULL, 'e'},
	{"call-graph", required_argument, NULL, CLI_OPT_CALL_GRAPH},
	{"no-call-graph", no_argument, NULL, CLI_OPT_NO_CALL_GRAPH},
	{"output", required_argument, NULL, 'o'},
	{"duration", required_argument, NULL, CLI_OPT_DURATION},
	{"mmap-pages", required_argument, NULL, 'm'},
	{"quiet", no_argument, NULL, 'q'},
	{"verbose", no_argument, NULL, 'v'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

const char *
cli_record_usage(void)
{
	return "usage: prof record [options] -- COMMAND [ARGS...]\n"
	       "\n"
	       "Runs COMMAND and samples it, and every thread it creates, until it exits; then\n"
	       "writes a pprof profile (gzip'd protobuf) and exits with COMMAND's exit status.\n"
	       "\n"
	       "  -F, --freq HZ          samples per second per thread (default 999)\n"
	       "  -c, --count N          sample every N events instead (cpu-clock: every N ns)\n"
	       "  -e, --event EVENT      event to sample (default cpu-clock; also task-clock,\n"
	       "                         page-faults, context-switches, ...; modifiers :u :k)\n"
	       "  -g                     record callchains (the default)\n"
	       "      --call-graph fp    callchains from frame pointers (the default)\n"
	       "      --no-call-graph    only the sampled instruction\n"
	       "  -o, --output FILE      output file (default prof.pb.gz; - for stdout)\n"
	       "      --duration SECS    stop profiling after SECS seconds; COMMAND keeps running\n"
	       "  -m, --mmap-pages N     ring buffer data pages per thread (power of two, default 64)\n"
	       "  -q, --quiet            no progress line and no summary\n"
	       "  -v, --verbose          say more\n"
	       "  -h, --help             this text\n"
	       "\n"
	       "Ctrl-C (SIGINT), SIGTERM and SIGHUP stop profiling and write the profile; COMMAND\n"
	       "gets the signal as it would without prof. View the profile with\n"
	       "  go tool pprof -http=:8080 prof.pb.gz\n"
	       "\n"
	       "Exit status: COMMAND's (128+N if it died of signal N); 2 for a usage error; 1 if\n"
	       "profiling failed; 126/127 if COMMAND could not be run.\n";
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
	bool saw_F = false, saw_c = false;
	uint64_t v;
	int c;

	memset(out, 0, sizeof(*out));
	out->freq = true;
	out->rate = CLI_DEFAULT_FREQ;
	out->callchain = true;
	out->output = CLI_DEFAULT_OUTPUT;
	out->mmap_pages = CLI_DEFAULT_MMAP_PAGES;

	optind = 1;
	opterr = 0;
	/* '+': stop at the first non-option, so the command's own options stay its own. */
	while ((c = getopt_long(argc, argv, "+:F:c:e:go:m:qvh", cli_record_options, NULL)) != -1) {
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
			if (strchr(optarg, ',') || out->nevents == 1) {
				*cause = log_cause("one -e event at a time in this version (got '%s')",
						   optarg);
				return -EINVAL;
			}
			out->events[out->nevents++] = optarg;
			break;
		case 'g':
			out->callchain = true;
			break;
		case CLI_OPT_CALL_GRAPH:
			if (strcmp(optarg, "fp") != 0) {
				*cause = log_cause("bad --call-graph mode '%s': this version supports "
						   "'fp' (frame pointers)",
						   optarg);
				return -EINVAL;
			}
			out->callchain = true;
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
	if (saw_F && saw_c) {
		*cause = log_cause("-F and -c exclude each other: sample by rate or by period");
		return -EINVAL;
	}
	if (optind >= argc) {
		*cause = log_cause("no command given: prof record [options] -- COMMAND [ARGS...]");
		return -EINVAL;
	}
	out->argv = argv + optind;
	return 0;
}
