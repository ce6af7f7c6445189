/*
 * main: dispatches to the subcommands.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "log.h"

static void
main_usage(FILE *f)
{
	fprintf(f, "usage: prof COMMAND [ARGS...]\n"
		   "\n"
		   "An external sampling profiler for Linux that writes pprof profiles.\n"
		   "\n"
		   "commands:\n"
		   "  record    run a command and profile it (prof record -- ./app args)\n"
		   "  list      list the events this machine offers (prof list [--all])\n"
		   "  report    read a profile: top table, ratios, folded stacks, flame graph\n"
		   "            (prof report [--folded | --flamegraph OUT.svg] FILE.pb.gz)\n"
		   "  dump      print the stack of every thread of a running process\n"
		   "            (prof dump -p PID [--json] [-o FILE.pb.gz])\n"
		   "  check     say what this user may do with prof here, and what to change\n"
		   "            to get the rest (capabilities, perf_event_paranoid, ...)\n"
		   "\n"
		   "prof COMMAND --help describes a command; prof --version prints the version.\n");
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		main_usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "record") == 0)
		return cmd_record(argc - 1, argv + 1);
	if (strcmp(argv[1], "list") == 0)
		return cmd_list(argc - 1, argv + 1);
	if (strcmp(argv[1], "report") == 0)
		return cmd_report(argc - 1, argv + 1);
	if (strcmp(argv[1], "dump") == 0)
		return cmd_dump(argc - 1, argv + 1);
	if (strcmp(argv[1], "check") == 0)
		return cmd_check(argc - 1, argv + 1);
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
		printf("prof %s\n", PROF_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		main_usage(stdout);
		return 0;
	}
	log_error("unknown command '%s' (see prof --help)", argv[1]);
	return 2;
}
