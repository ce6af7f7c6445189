/*
 * report_gen: writes the synthetic profiles of report_fixture.h as pprof files, with prof's own
 * writer, for report.test to read back with prof report and go tool pprof.
 *
 *   report_gen known OUT.pb.gz      the known profile (recursion, inline frames, labels, ratios)
 *   report_gen split OUT.pb.gz      an exact 50/30/20 split of hot50/hot30/hot20
 *   report_gen wide N OUT.pb.gz     N distinct stacks and one heavy one
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pprof.h"

#include "report_fixture.h"

int
main(int argc, char **argv)
{
	struct profile *p = NULL;
	const char *out = NULL;
	char *cause = NULL;

	if (argc == 3 && strcmp(argv[1], "known") == 0) {
		p = fixture_known();
		out = argv[2];
	} else if (argc == 3 && strcmp(argv[1], "split") == 0) {
		p = fixture_split();
		out = argv[2];
	} else if (argc == 4 && strcmp(argv[1], "wide") == 0) {
		p = fixture_wide(strtoul(argv[2], NULL, 10));
		out = argv[3];
	} else {
		fprintf(stderr, "usage: report_gen known|split OUT | report_gen wide N OUT\n");
		return 2;
	}
	if (pprof_write_file(p, out, &cause) < 0) {
		fprintf(stderr, "report_gen: %s\n", cause);
		free(cause);
		profile_free(p);
		return 1;
	}
	profile_free(p);
	return 0;
}
