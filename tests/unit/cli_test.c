/*
 * cli_test: every accepted and rejected form of `prof record` arguments.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "tap.h"

#define ARGC(a) ((int)(sizeof(a) / sizeof((a)[0])) - 1)

static int
parse(int argc, char **argv, struct cli_record *out, char **cause)
{
	*cause = NULL;
	return cli_parse_record(argc, argv, out, cause);
}

static void
expect_error(int argc, char **argv, const char *substr, const char *name)
{
	struct cli_record o;
	char *cause;
	int err = parse(argc, argv, &o, &cause);

	tap_ok(err == -EINVAL && cause && strstr(cause, substr), "%s", name);
	if (cause && !strstr(cause, substr))
		tap_diag("cause: %s", cause);
	free(cause);
}

int
main(void)
{
	struct cli_record o;
	char *cause;

	{
		char *a[] = {"record", "--", "./app", "-x", "--y", NULL};
		int err = parse(ARGC(a), a, &o, &cause);

		tap_ok(err == 0, "plain command parses");
		tap_ok(o.freq && o.rate == CLI_DEFAULT_FREQ, "default rate is 999 Hz");
		TAP_EQ_STR(o.output, "prof.pb.gz", "default output");
		tap_ok(o.callchain, "callchains by default");
		TAP_EQ_STR(o.argv[0], "./app", "command starts after --");
		TAP_EQ_STR(o.argv[1], "-x", "command keeps its own options");
		tap_ok(o.argv[3] == NULL, "command argv is NULL-terminated");
		TAP_EQ_U64(o.mmap_pages, CLI_DEFAULT_MMAP_PAGES, "default mmap pages");
		tap_ok(o.duration == 0, "no duration by default");
	}
	{
		char *a[] = {"record", "-F", "4000", "-o", "out.pb.gz", "--duration", "2.5",
			     "-e",     "task-clock", "-m", "16", "-q", "sleep", "1", NULL};
		int err = parse(ARGC(a), a, &o, &cause);

		tap_ok(err == 0, "all options parse");
		TAP_EQ_U64(o.rate, 4000, "-F sets the rate");
		TAP_EQ_STR(o.output, "out.pb.gz", "-o sets the output");
		tap_ok(o.duration == 2.5, "--duration takes fractions");
		TAP_EQ_STR(o.events[0], "task-clock", "-e sets the event");
		TAP_EQ_U64(o.mmap_pages, 16, "-m sets the ring size");
		tap_ok(o.verbosity == -1, "-q is quiet");
		TAP_EQ_STR(o.argv[0], "sleep", "command without -- starts at the first non-option");
	}
	{
		char *a[] = {"record", "-c", "100000", "--no-call-graph", "--", "x", NULL};

		tap_ok(parse(ARGC(a), a, &o, &cause) == 0 && !o.freq && o.rate == 100000 &&
			       !o.callchain,
		       "-c sets a period, --no-call-graph turns callchains off");
	}
	{
		char *a[] = {"record", "--call-graph", "fp", "-g", "--", "x", NULL};

		tap_ok(parse(ARGC(a), a, &o, &cause) == 0 && o.callchain, "--call-graph fp and -g");
	}
	{
		char *a[] = {"record", "--help", NULL};

		tap_ok(parse(ARGC(a), a, &o, &cause) == 0 && o.help, "--help");
	}
	{
		char *a[] = {"record", NULL};
		expect_error(ARGC(a), a, "no command given", "no command");
	}
	{
		char *a[] = {"record", "--", NULL};
		expect_error(ARGC(a), a, "no command given", "empty --");
	}
	{
		char *a[] = {"record", "-F", "0", "--", "x", NULL};
		expect_error(ARGC(a), a, "bad -F value '0'", "-F 0");
	}
	{
		char *a[] = {"record", "-F", "-5", "--", "x", NULL};
		expect_error(ARGC(a), a, "bad -F value '-5'", "-F negative");
	}
	{
		char *a[] = {"record", "-F", "abc", "--", "x", NULL};
		expect_error(ARGC(a), a, "bad -F value 'abc'", "-F not a number");
	}
	{
		char *a[] = {"record", "-F", "100x", "--", "x", NULL};
		expect_error(ARGC(a), a, "bad -F value '100x'", "-F trailing garbage");
	}
	{
		char *a[] = {"record", "-F", "1e9", "--", "x", NULL};
		expect_error(ARGC(a), a, "bad -F value '1e9'", "-F not a whole number");
	}
	{
		char *a[] = {"record", "-F", "99999999999999999999999", "--", "x", NULL};
		expect_error(ARGC(a), a, "bad -F value", "-F overflow");
	}
	{
		char *a[] = {"record", "-c", "0", "--", "x", NULL};
		expect_error(ARGC(a), a, "bad -c value '0'", "-c 0");
	}
	{
		char *a[] = {"record", "-F", "100", "-c", "10", "--", "x", NULL};
		expect_error(ARGC(a), a, "exclude each other", "-F with -c");
	}
	{
		char *a[] = {"record", "--duration", "0", "--", "x", NULL};
		expect_error(ARGC(a), a, "bad --duration value '0'", "--duration 0");
	}
	{
		char *a[] = {"record", "--duration", "nan", "--", "x", NULL};
		expect_error(ARGC(a), a, "bad --duration value", "--duration nan");
	}
	{
		char *a[] = {"record", "-m", "3", "--", "x", NULL};
		expect_error(ARGC(a), a, "power of two", "-m not a power of two");
	}
	{
		char *a[] = {"record", "-o", "", "--", "x", NULL};
		expect_error(ARGC(a), a, "empty file name", "-o empty");
	}
	{
		char *a[] = {"record", "--call-graph", "lbr", "--", "x", NULL};
		expect_error(ARGC(a), a, "bad --call-graph mode 'lbr'", "--call-graph unknown");
	}
	{
		char *a[] = {"record", "--bogus", "--", "x", NULL};
		expect_error(ARGC(a), a, "unknown option '--bogus'", "unknown long option");
	}
	{
		char *a[] = {"record", "-Z", "--", "x", NULL};
		expect_error(ARGC(a), a, "unknown option '-Z'", "unknown short option");
	}
	{
		char *a[] = {"record", "-F", NULL};
		expect_error(ARGC(a), a, "needs a value", "missing value");
	}
	{
		char *a[] = {"record", "-e", "cpu-clock,page-faults", "-e", "cs", "--", "x", NULL};

		tap_ok(parse(ARGC(a), a, &o, &cause) == 0 && o.nevents == 2 &&
			       strcmp(o.events[0], "cpu-clock,page-faults") == 0 &&
			       strcmp(o.events[1], "cs") == 0,
		       "-e lists and repeated -e are kept in order");
	}
	{
		char *a[] = {"record", "-e", "", "--", "x", NULL};
		expect_error(ARGC(a), a, "empty event list", "-e empty");
	}
	{
		char *a[] = {"record", "-p", "12,34", "-p", "56", "--duration", "1", NULL};

		tap_ok(parse(ARGC(a), a, &o, &cause) == 0 && o.ntargets == 3 && o.targets[0] == 12 &&
			       o.targets[1] == 34 && o.targets[2] == 56 && !o.threads && !o.argv,
		       "-p takes lists and repeats");
		tap_ok(!o.follow_children, "-p does not follow children by default");
	}
	{
		char *a[] = {"record", "-p", "12", "--follow-children", NULL};

		tap_ok(parse(ARGC(a), a, &o, &cause) == 0 && o.follow_children,
		       "--follow-children with -p");
	}
	{
		char *a[] = {"record", "-t", "77", NULL};

		tap_ok(parse(ARGC(a), a, &o, &cause) == 0 && o.ntargets == 1 && o.threads,
		       "-t takes thread ids");
	}
	{
		char *a[] = {"record", "--", "make", NULL};

		tap_ok(parse(ARGC(a), a, &o, &cause) == 0 && o.follow_children,
		       "a command's children are followed by default");
	}
	{
		char *a[] = {"record", "--no-follow-children", "--", "make", NULL};

		tap_ok(parse(ARGC(a), a, &o, &cause) == 0 && !o.follow_children,
		       "--no-follow-children");
	}
	{
		char *a[] = {"record", "-p", "12,12", NULL};
		expect_error(ARGC(a), a, "12 is given twice", "-p duplicate");
	}
	{
		char *a[] = {"record", "-p", "12", "-p", "12", NULL};
		expect_error(ARGC(a), a, "given twice", "-p duplicate across options");
	}
	{
		char *a[] = {"record", "-p", "0", NULL};
		expect_error(ARGC(a), a, "bad -p value '0'", "-p 0");
	}
	{
		char *a[] = {"record", "-p", "-5", NULL};
		expect_error(ARGC(a), a, "bad -p value '-5'", "-p negative");
	}
	{
		char *a[] = {"record", "-p", "", NULL};
		expect_error(ARGC(a), a, "bad -p value ''", "-p empty");
	}
	{
		char *a[] = {"record", "-p", "1,,2", NULL};
		expect_error(ARGC(a), a, "bad -p value '1,,2'", "-p empty item");
	}
	{
		char *a[] = {"record", "-p", "abc", NULL};
		expect_error(ARGC(a), a, "'abc' is not a process id", "-p not a number");
	}
	{
		char *a[] = {"record", "-p", "5", "--", "true", NULL};
		expect_error(ARGC(a), a, "either -p PIDs or a command", "-p with a command");
	}
	{
		char *a[] = {"record", "-p", "5", "-t", "6", NULL};
		expect_error(ARGC(a), a, "either -p PIDs or -t TIDs", "-p with -t");
	}
	{
		char *a[] = {"record", "-t", "6", "--follow-children", NULL};
		expect_error(ARGC(a), a, "not -t", "-t with --follow-children");
	}
	{
		char *a[] = {"record", "--debug-dir", "/a", "--debug-dir=b", "--debuginfod",
			     "--no-demangle", "--", "app", NULL};

		tap_ok(parse(ARGC(a), a, &o, &cause) == 0 && o.ndebug_dirs == 2 &&
			       strcmp(o.debug_dirs[0], "/a") == 0 && strcmp(o.debug_dirs[1], "b") == 0 &&
			       o.debuginfod && o.no_demangle,
		       "--debug-dir (repeated), --debuginfod, --no-demangle");
	}
	{
		char *a[] = {"record", "--", "app", NULL};

		tap_ok(parse(ARGC(a), a, &o, &cause) == 0 && o.ndebug_dirs == 0 && !o.debuginfod &&
			       !o.no_demangle,
		       "no debug dirs, no debuginfod, demangling by default");
	}
	{
		char *a[] = {"record", "--as-root", "--", "app", NULL};
		char *b[] = {"record", "--", "app", NULL};

		tap_ok(parse(ARGC(a), a, &o, &cause) == 0 && o.as_root, "--as-root");
		tap_ok(parse(ARGC(b), b, &o, &cause) == 0 && !o.as_root,
		       "no --as-root: the sudo user by default");
	}
	{
		char *a[] = {"record", "--debug-dir", "/a:/b", "--", "app", NULL};
		expect_error(ARGC(a), a, "without ':'", "--debug-dir with a colon");
	}
	{
		char *a[] = {"record", "--debug-dir", "", "--", "app", NULL};
		expect_error(ARGC(a), a, "bad --debug-dir value", "--debug-dir empty");
	}
	{
		char *a[] = {"record", "--", "x", NULL};

		tap_ok(parse(ARGC(a), a, &o, &cause) == 0 && o.dwarf &&
			       o.stack_size == CLI_DEFAULT_STACK && o.format == CLI_FORMAT_PPROF,
		       "defaults: DWARF unwinding with 8 KiB of stack, pprof output");
	}
	{
		char *a[] = {"record", "--call-graph", "dwarf,16384", "--", "x", NULL};

		tap_ok(parse(ARGC(a), a, &o, &cause) == 0 && o.dwarf && o.stack_size == 16384,
		       "--call-graph dwarf,BYTES");
	}
	{
		char *a[] = {"record", "--call-graph", "fp", "--", "x", NULL};

		tap_ok(parse(ARGC(a), a, &o, &cause) == 0 && !o.dwarf && o.callchain,
		       "--call-graph fp turns DWARF off");
	}
	{
		char *a[] = {"record", "--call-graph", "dwarf,100", "--", "x", NULL};
		expect_error(ARGC(a), a, "multiple of 8", "--call-graph dwarf with a bad size");
	}
	{
		char *a[] = {"record", "--call-graph", "dwarf,70000", "--", "x", NULL};
		expect_error(ARGC(a), a, "bad --call-graph stack size '70000'",
			     "--call-graph dwarf above the kernel's limit");
	}
	{
		char *a[] = {"record", "--off-cpu", "--", "x", NULL};

		tap_ok(parse(ARGC(a), a, &o, &cause) == 0 && o.off_cpu && !o.wall &&
			       !o.mmap_pages_set,
		       "--off-cpu");
	}
	{
		char *a[] = {"record", "--wall", "-m", "8", "--", "x", NULL};

		tap_ok(parse(ARGC(a), a, &o, &cause) == 0 && o.off_cpu && o.wall &&
			       o.mmap_pages_set && o.mmap_pages == 8,
		       "--wall implies --off-cpu; -m is remembered as given");
	}
	{
		char *a[] = {"record", "--format", "svg", "--", "x", NULL};

		tap_ok(parse(ARGC(a), a, &o, &cause) == 0 && o.format == CLI_FORMAT_SVG &&
			       strcmp(o.output, "prof.svg") == 0,
		       "--format svg, default name prof.svg");
	}
	{
		char *a[] = {"record", "-o", "x.txt", "--format", "folded", "--", "x", NULL};

		tap_ok(parse(ARGC(a), a, &o, &cause) == 0 && o.format == CLI_FORMAT_FOLDED &&
			       strcmp(o.output, "x.txt") == 0,
		       "--format folded keeps the -o name");
	}
	{
		char *a[] = {"record", "--format", "json", "--", "x", NULL};
		expect_error(ARGC(a), a, "bad --format value 'json'", "--format unknown");
	}
	return tap_done();
}
