/*
 * cmd: the subcommands. Each is an edge of the program: it parses, wires the stages together,
 * prints and returns the process exit status.
 */
#ifndef PROF_CMD_H
#define PROF_CMD_H

/* prof record: argv[0] is "record". */
int cmd_record(int argc, char **argv);

/* prof list: argv[0] is "list". */
int cmd_list(int argc, char **argv);

/* prof report: argv[0] is "report". */
int cmd_report(int argc, char **argv);

/* prof dump: argv[0] is "dump". */
int cmd_dump(int argc, char **argv);

/* prof check: argv[0] is "check". */
int cmd_check(int argc, char **argv);

#endif
